"""Tests of reading ledger exports and payments files."""

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.money import format_amount
from portal.receivables.identity import IdentityKind
from portal.receivables.ledger_parse import (
    COLLECTION_STAGES,
    DEFAULT_LEDGER_LAYOUT,
    LEDGER_FIELDS,
    REQUIRED_LEDGER_FIELDS,
    iter_ledger,
    parse_ledger,
    parse_payments,
)
from portal.receivables.tabular import CellError, ReadOptions, parse_date
from tests.receivables.builders import (
    TODAY,
    ledger_row,
    organisation_number,
    payment_row,
    payments_bytes,
    table_bytes,
    xlsx_bytes,
)

STAGES = {"": "none", "P1": "reminder", "INK": "collection_demand", "AVSK": "written_off"}


def read(data: bytes, **options):
    options.setdefault("reference_date", TODAY)
    return parse_ledger(data, **options)


def codes(result):
    return [(e.line, e.column, e.code) for e in result.errors]


def test_default_layout_is_documented_and_required_fields_are_named():
    # The paid amount is read only by a mapping that derives the open amount from it.
    assert list(DEFAULT_LEDGER_LAYOUT) == [spec.name for spec in LEDGER_FIELDS][:-1]
    assert LEDGER_FIELDS[-1].name == "paid_amount"
    assert set(REQUIRED_LEDGER_FIELDS) == {
        "invoice_number", "customer_id_number", "customer_name", "unit_code", "category_code",
        "invoice_date", "due_date", "original_amount", "open_amount",
    }  # fmt: skip


def test_a_row_in_the_default_layout_reads_into_a_ledger_row():
    data = table_bytes([ledger_row(1, open_amount="234,50-", ocr_reference="10017")])
    result = read(data)
    assert result.ok and result.rows_read == 1
    row = result.rows[0]
    assert row.line == 2
    assert row.ledger_source == "raindance"
    assert row.invoice_number == "1001"
    assert row.customer_id_number.formatted() == ledger_row(1)["customer_id_number"]
    assert row.customer_id_number.kind is IdentityKind.PERSON
    assert (row.customer_name, row.customer_city) == ("Anna Åkesson", "Strängnäs")
    assert (row.invoice_date, row.due_date) == (date(2024, 1, 5), date(2024, 2, 5))
    assert (row.original_amount_ore, row.open_amount_ore) == (123_450, -23_450)
    assert (row.collection_stage, row.collection_stage_code) == ("reminder", "reminder")
    assert row.ocr_reference == "10017"


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_delimiter_is_sniffed_and_encoding_detected(delimiter, encoding):
    rows = [ledger_row(1), ledger_row(2, customer_name="Örjan Ängström")]
    result = read(table_bytes(rows, delimiter=delimiter, encoding=encoding))
    assert codes(result) == []
    assert [r.customer_name for r in result.rows] == ["Anna Åkesson", "Örjan Ängström"]
    assert result.rows[0].customer_city == "Strängnäs"


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused():
    data = table_bytes([ledger_row(1)]).replace("Åkesson".encode(), b"\x81kesson")
    assert codes(read(data)) == [(1, None, "invalid_encoding")]


def test_the_municipalitys_own_headers_are_read_through_a_mapping():
    mapping = {
        "invoice_number": "NR", "customer_id_number": "ORGNR", "customer_name": "KUNDID_TEXT",
        "unit_code": "ANSVAR", "category_code": "KUNDRTYP", "invoice_date": "FAKTURADATUM",
        "due_date": "FORFALLODATUM", "original_amount": "BELOPP_SEK", "open_amount": "REST",
        "collection_stage_code": "TAB_BEHÄND", "ledger_source": None,
    }  # fmt: skip
    fields = [f for f in mapping if mapping[f]]
    header = ["  nr ", "OrgNr", "kundid_text", "Ansvar", "kundrtyp", "fakturadatum",
              "forfallodatum", "belopp_sek", "rest", "tab_behänd"]  # fmt: skip
    row = ledger_row(
        3, invoice_date="20240105", due_date="1799-12-31", collection_stage_code="avsk"
    )
    data = table_bytes([{f: row[f] for f in fields}], header=header)
    result = read(data, mapping=mapping, stage_codes=STAGES, default_ledger_source="unit4")
    assert codes(result) == []
    parsed = result.rows[0]
    assert parsed.ledger_source == "unit4"
    assert parsed.due_date is None  # Raindance's placeholder
    assert (parsed.collection_stage, parsed.collection_stage_code) == ("written_off", "avsk")
    assert parsed.customer_address is None


def test_a_missing_required_column_is_one_error_on_the_header_line_and_no_rows():
    row = ledger_row(1)
    del row["open_amount"]
    result = read(table_bytes([row]))
    assert codes(result) == [(1, "Restbelopp", "missing_column")]
    assert result.rows == []


def test_without_a_stage_column_every_stage_is_unknown():
    row = ledger_row(1)
    del row["collection_stage_code"]
    assert read(table_bytes([row])).rows[0].collection_stage == "unknown"


def test_an_unknown_stage_code_is_an_error_naming_the_code():
    data = table_bytes(
        [ledger_row(1, collection_stage_code="P1"), ledger_row(2, collection_stage_code="KFM")]
    )
    result = read(data, stage_codes=STAGES)
    assert codes(result) == [(3, "Kravsteg", "unknown_collection_stage_code")]
    assert result.errors[0].params == {"value": "KFM"}


def test_stage_table_must_name_portal_stages():
    with pytest.raises(ValueError):
        read(table_bytes([ledger_row(1)]), stage_codes={"X": "kronofogden"})
    assert "long_term_monitoring" in COLLECTION_STAGES


def test_every_bad_row_is_reported_with_line_column_and_code():
    rows = [
        ledger_row(1),
        ledger_row(2, customer_id_number="811218-9875", original_amount="12,345"),
        ledger_row(3, invoice_date="2024-02-30", customer_name=""),
        ledger_row(4),
        ledger_row(5, invoice_number="1001"),
    ]
    result = read(table_bytes(rows))
    assert codes(result) == [
        (3, "Person-/organisationsnummer", "invalid_identity_number"),
        (3, "Fakturabelopp", "invalid_amount"),
        (4, "Kundnamn", "missing_value"),
        (4, "Fakturadatum", "invalid_date"),
        (6, "Fakturanummer", "duplicate_invoice"),
    ]
    assert result.errors[0].params == {"reason": "invalid_checksum", "value": "811218-9875"}
    assert result.errors[1].params == {"reason": "ambiguous_separator", "value": "12,345"}
    assert result.errors[-1].params == {"invoice_number": "1001", "first_line": 2}
    assert result.rows == [] and result.rows_read == 5


def test_line_numbers_count_file_lines_through_quoted_newlines_and_blank_lines():
    good = table_bytes([ledger_row(1, customer_address="c/o Berg\nStorgatan 1")])
    bad = table_bytes([ledger_row(2, due_date="31/12/2024")]).split(b"\r\n", 1)[1]
    data = good + b"\r\n" + bad
    result = read(data)
    # Header line 1, the first record spans lines 2-3, a blank line 4, the bad row is line 5.
    assert codes(result) == [(5, "Förfallodatum", "invalid_date")]


def test_a_row_with_the_wrong_number_of_cells_is_an_error():
    data = table_bytes([ledger_row(1)]) + b"1002;only;three\r\n"
    assert codes(read(data)) == [(3, None, "wrong_column_count")]


def test_too_long_text_is_an_error():
    result = read(table_bytes([ledger_row(1, invoice_number="9" * 41)]))
    assert codes(result) == [(2, "Fakturanummer", "too_long")]


def test_streaming_reports_progress_and_yields_rows_before_later_errors():
    rows = [ledger_row(n) for n in range(1, 6)] + [ledger_row(6, open_amount="x")]
    seen = []
    items = list(
        iter_ledger(table_bytes(rows), reference_date=TODAY, progress=seen.append, progress_every=2)
    )
    assert seen == [2, 4, 6, 6]
    assert [type(item).__name__ for item in items] == ["LedgerRow"] * 5 + ["ParseError"]


def test_xlsx_with_native_cell_types():
    header = list(DEFAULT_LEDGER_LAYOUT.values())
    cells = [
        "raindance", 1001, "050101-1233", "Kund", None, None, None,
        "BOU1", "CHILD", datetime(2024, 1, 5), datetime(1799, 12, 31), 1234.5, 1000, "reminder", None,
    ]  # fmt: skip
    org = organisation_number()
    second = list(cells)
    second[1:3] = [1002.0, org]
    result = read(xlsx_bytes(header, [cells, [], second]))
    assert codes(result) == []
    first, other = result.rows
    assert first.invoice_number == "1001" and other.invoice_number == "1002"
    assert first.customer_id_number.value == "200501011233"
    assert other.customer_id_number.kind is IdentityKind.ORGANISATION
    assert (first.invoice_date, first.due_date) == (date(2024, 1, 5), None)
    assert (first.original_amount_ore, first.open_amount_ore) == (123_450, 100_000)
    assert other.line == 4  # the empty spreadsheet row 3 is skipped but counted


def test_xlsx_number_that_lost_its_leading_zero_is_still_a_personnummer():
    header = list(DEFAULT_LEDGER_LAYOUT.values())
    row = ["s", "1", 501011233, "Kund", None, None, None, "U", "C", "2024-01-05", "", "1", "1",
           "none", None]  # fmt: skip
    assert read(xlsx_bytes(header, [row])).rows[0].customer_id_number.value == "200501011233"


def test_xlsx_amount_with_more_than_two_decimals_is_an_error():
    header = list(DEFAULT_LEDGER_LAYOUT.values())
    row = ["s", "1", "050101-1233", "Kund", None, None, None, "U", "C", "2024-01-05", "", 1.005,
           "1", "none", None]  # fmt: skip
    assert codes(read(xlsx_bytes(header, [row]))) == [(2, "Fakturabelopp", "invalid_amount")]


def test_not_an_xlsx_although_it_looks_like_one():
    assert codes(read(b"PK\x03\x04garbage")) == [(1, None, "unreadable_xlsx")]


def test_empty_file():
    assert codes(read(b"")) == [(1, None, "empty_file")]


# --- dates ---------------------------------------------------------------------------------


def test_two_digit_years_only_when_asked():
    strict, lenient = ReadOptions(TODAY), ReadOptions(TODAY, two_digit_years=True)
    with pytest.raises(CellError):
        parse_date("24-01-05", strict)
    assert parse_date("24-01-05", lenient) == date(2024, 1, 5)
    assert parse_date("360105", lenient) == date(2036, 1, 5)  # within 10 years ahead
    assert parse_date("370105", lenient) == date(1937, 1, 5)


@given(st.dates(min_value=date(1800, 1, 1), max_value=date(9998, 12, 31)))
def test_every_written_form_of_a_date_reads_back(day):
    options = ReadOptions(TODAY)
    for text in (day.isoformat(), f"{day:%Y%m%d}", f"{day.isoformat()} 00:00:00", f" {day} "):
        assert parse_date(text, options) == (None if day in options.placeholder_dates else day)


@given(st.dates(min_value=date(1937, 1, 1), max_value=date(2036, 12, 31)))
def test_every_two_digit_form_reads_back_within_the_window(day):
    options = ReadOptions(TODAY, two_digit_years=True)
    for text in (f"{day:%y-%m-%d}", f"{day:%y%m%d}"):
        assert parse_date(text, options) == day


@pytest.mark.parametrize("text", ["1799-12-31", "1900-01-01", "9999-12-31", "0000-00-00", "", " "])
def test_placeholder_dates_read_as_none(text):
    assert parse_date(text, ReadOptions(TODAY)) is None


# --- all or nothing ------------------------------------------------------------------------

corruptions = st.sampled_from([
    ("original_amount", "12,345"), ("open_amount", "abc"), ("invoice_date", "2024-13-01"),
    ("due_date", "05/01/2024"), ("customer_id_number", "811218-9875"), ("customer_name", ""),
    ("collection_stage_code", "NOPE"), ("invoice_number", ""), ("unit_code", "x" * 41),
])  # fmt: skip


@settings(max_examples=60)
@given(
    count=st.integers(1, 12),
    bad=st.dictionaries(st.integers(0, 11), corruptions, min_size=1, max_size=5),
    amounts=st.lists(st.integers(-(10**9), 10**9), min_size=12, max_size=12),
)
def test_a_malformed_file_gives_no_rows_and_every_bad_line(count, bad, amounts):
    rows = [ledger_row(n, original_amount=format_amount(amounts[n])) for n in range(count)]
    bad = {n: corruption for n, corruption in bad.items() if n < count}
    for n, (field, value) in bad.items():
        rows[n][field] = value
    result = read(table_bytes(rows))
    if not bad:
        assert result.ok and [r.original_amount_ore for r in result.rows] == amounts[:count]
        return
    assert result.rows == []
    assert {e.line for e in result.errors} == {n + 2 for n in bad}


# --- payments ------------------------------------------------------------------------------


def test_payments_file_by_invoice_number_or_ocr():
    rows = [
        payment_row(1),
        payment_row(2, invoice_number="", ocr_reference="10027", amount="1 000,00-"),
        payment_row(3, payment_date="20240302"),
    ]
    result = parse_payments(payments_bytes(rows), reference_date=TODAY)
    assert codes(result) == []
    assert [
        (p.invoice_number, p.ocr_reference, p.payment_date, p.amount_ore) for p in result.rows
    ] == [
        ("1001", None, date(2024, 3, 1), 50_000),
        (None, "10027", date(2024, 3, 1), -100_000),
        ("1003", None, date(2024, 3, 2), 50_000),
    ]


def test_payments_need_a_reference_and_an_amount():
    rows = [
        payment_row(1, invoice_number=""),
        payment_row(2, amount="0"),
        payment_row(3, payment_date=""),
    ]
    result = parse_payments(payments_bytes(rows), reference_date=TODAY)
    assert codes(result) == [
        (2, None, "missing_reference"),
        (3, "Belopp", "zero_amount"),
        (4, "Betalningsdag", "missing_value"),
    ]
    assert result.rows == []
