"""A crafted file cannot take the server's memory or time: an .xlsx that inflates beyond the limit,
too many rows, millions of errors, a field of megabytes; and a wrong <dimension> loses no rows.
The tests build such files themselves."""

from __future__ import annotations

import io
import re
import time
import zipfile

from portal.receivables import imports
from portal.receivables.ledger_parse import DEFAULT_LEDGER_LAYOUT, parse_ledger
from portal.receivables.messages import error_message
from portal.receivables.models import ImportState
from portal.receivables.tabular import ReadLimits
from tests.receivables.builders import TODAY, ledger_row, table_bytes, xlsx_bytes
from tests.receivables.test_imports import OFFICER, world  # noqa: F401  (the importing world)


def _ledger_xlsx(rows: list[dict[str, str]]) -> bytes:
    header = list(DEFAULT_LEDGER_LAYOUT.values())
    return xlsx_bytes(header, [[row[field] for field in DEFAULT_LEDGER_LAYOUT] for row in rows])


def _rewrite_sheet(data: bytes, change) -> bytes:
    """The same workbook with its first sheet's XML passed through `change`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(item, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def _zip_bomb(rows: int) -> bytes:
    """A small .xlsx whose sheet inflates to `rows` identical bad rows (each one an error)."""
    row = ('<row><c t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>y</t></is></c>'
           '<c t="inlineStr"><is><t>z</t></is></c></row>').encode()

    def inflate(xml: bytes) -> bytes:
        head, _, tail = xml.partition(b"</sheetData>")
        return head.replace(b"<sheetData>", b"<sheetData>") + row * rows + b"</sheetData>" + tail

    return _rewrite_sheet(_ledger_xlsx([ledger_row(1)]), inflate)


def _codes(result) -> list[str]:
    return [error.code for error in result.errors]


def test_an_xlsx_that_inflates_beyond_the_limit_is_refused_before_it_is_read(app):
    bomb = _zip_bomb(200_000)
    inflated = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(bomb)).infolist())
    assert len(bomb) < 200_000 < inflated and inflated > 20 * 1024 * 1024
    started = time.monotonic()
    result = parse_ledger(bomb, reference_date=TODAY, limits=ReadLimits(max_uncompressed_bytes=10 * 1024 * 1024))
    assert time.monotonic() - started < 5
    assert _codes(result) == ["xlsx_too_large"]
    assert error_message("xlsx_too_large", result.errors[0].params).startswith("Filen .xlsx packas upp till mer än 10 MB")


def test_reading_stops_at_the_row_limit(app):
    rows = [ledger_row(n) for n in range(1, 51)]
    result = parse_ledger(table_bytes(rows), reference_date=TODAY, limits=ReadLimits(max_rows=10))
    assert _codes(result)[-1] == "too_many_rows"
    assert result.rows == [] and result.errors[-1].line == 12
    assert "fler än 10 rader" in error_message("too_many_rows", result.errors[-1].params)


def test_a_file_of_many_bad_rows_keeps_the_first_thousand_errors_and_counts_the_rest(world, app):
    app.config["IMPORT_MAX_ERRORS_KEPT"], kept = 100, app.config["IMPORT_MAX_ERRORS_KEPT"]
    try:
        bomb = _zip_bomb(3_000)
        ledger_import = imports.upload(OFFICER, data=bomb, file_name="bomb.xlsx", kind="ledger", mapping_id=None)
        parsed = imports.read_file(imports.import_job(ledger_import))
        assert len(parsed.errors) == 100 and parsed.error_count >= 3_000
        done = imports.preview(OFFICER, ledger_import, parsed)
    finally:
        app.config["IMPORT_MAX_ERRORS_KEPT"] = kept
    assert done.state == ImportState.REJECTED
    assert done.count_errors >= 3_000 and len(done.errors) == 100


def test_reading_stops_once_the_errors_pass_the_counted_limit(world, app):
    config = app.config
    before = config["IMPORT_MAX_ERRORS_KEPT"], config["IMPORT_MAX_ERRORS_COUNTED"]
    config["IMPORT_MAX_ERRORS_KEPT"], config["IMPORT_MAX_ERRORS_COUNTED"] = 100, 500
    try:
        ledger_import = imports.upload(OFFICER, data=_zip_bomb(200_000), file_name="bomb.xlsx", kind="ledger",
                                       mapping_id=None)
        started = time.monotonic()
        parsed = imports.read_file(imports.import_job(ledger_import))
        assert time.monotonic() - started < 30
        done = imports.preview(OFFICER, ledger_import, parsed)
    finally:
        config["IMPORT_MAX_ERRORS_KEPT"], config["IMPORT_MAX_ERRORS_COUNTED"] = before
    assert parsed.error_count == 500 and 70 <= parsed.rows_read < 1_000  # 7 errors a row: ~72 rows
    assert len(done.errors) == 101 and done.errors[-1]["code"] == "too_many_errors"
    assert error_message("too_many_errors", done.errors[-1]["params"]).startswith("Läsningen avbröts här efter 500 fel")


def test_the_default_keeps_a_thousand_errors():
    assert ReadLimits().max_field_bytes == 128 * 1024
    assert imports.MAX_STORED_ERRORS == 1_000 and imports.MAX_COUNTED_ERRORS == 100_000


def test_an_xlsx_with_a_wrong_dimension_imports_all_its_rows():
    rows = [ledger_row(n) for n in range(1, 4)]

    def wrong_dimension(xml: bytes) -> bytes:
        changed, count = re.subn(rb'<dimension ref="[^"]+"\s*/>', b'<dimension ref="A1:A1"/>', xml)
        assert count == 1
        return changed

    data = _rewrite_sheet(_ledger_xlsx(rows), wrong_dimension)
    result = parse_ledger(data, reference_date=TODAY, stage_codes={"reminder": "reminder"})
    assert result.errors == []
    assert [row.invoice_number for row in result.rows] == ["1001", "1002", "1003"]
    assert result.rows[0].ocr_reference == "10017"  # the last column too, beyond A1:A1


def test_a_header_field_over_128_kb_is_a_clear_swedish_error(app):
    layout = list(DEFAULT_LEDGER_LAYOUT.values())
    data = (";".join([*layout, "x" * (129 * 1024)]) + "\r\n").encode()
    result = parse_ledger(data, reference_date=TODAY)
    assert _codes(result) == ["field_too_large"]
    assert error_message("field_too_large", result.errors[0].params).startswith(
        "Ett fält är längre än 128 KB")


def test_a_field_over_the_limit_in_a_row_is_named_on_its_line():
    data = table_bytes([ledger_row(1), ledger_row(2, customer_address="x" * (200 * 1024))])
    result = parse_ledger(data, reference_date=TODAY)
    assert _codes(result) == ["field_too_large"] and result.errors[0].line == 3
