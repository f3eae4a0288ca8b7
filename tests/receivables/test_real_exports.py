"""Real ledger exports through mappings made the way the UI makes them (the mapping form posted):
the two shapes Swedish ERPs export, value tables per mapping, every error of a row, warnings,
new and changed customers, a file that is not a table, the same file uploaded again."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.auth.roles import Role
from portal.extensions import db
from portal.receivables.models import Customer, ImportState, Invoice, LedgerImport, LedgerMapping
from tests.receivables.builders import (
    comma_export,
    comma_row,
    ledger_row,
    payment_row,
    payments_bytes,
    semicolon_export,
    semicolon_row,
    table_bytes,
)

# What a finance officer types into the mapping form for each shape.
SEMICOLON_FORM = {
    "name": "Visma (semikolon)",
    "col_invoice_number": "Verifikat", "col_customer_id_number": "Pers/Orgnr",
    "col_customer_name": "Kundnamn", "col_customer_address": "Adress", "col_customer_postcode": "Postnr",
    "col_customer_city": "Ort", "col_invoice_date": "Fakturadat", "col_due_date": "Förfallodat",
    # One column, two fields: the unit code is also the category's key, through the table below.
    "col_unit_code": "Ansvar", "col_category_code": "Ansvar",
    "col_original_amount": "Belopp", "col_paid_amount": "Inbetalt",
    "col_collection_stage_code": "Kravnivå", "col_ocr_reference": "OCR-nr",
    "const_ledger_source": "visma",
    "paid_sign": "negative",
    "stage_codes": "P1 = Påminnelse\nINK = Inkassokrav\nKFM = payment_order\n",
    "category_codes": "4410 = VA\n4420 = VA\n",
}
COMMA_FORM = {
    "name": "Unit4 (komma)",
    "col_invoice_number": "InvoiceNo", "col_customer_id_number": "OrgNo",
    "col_customer_name": "CustomerName", "col_unit_code": "Unit", "col_category_code": "Category",
    "col_invoice_date": "InvoiceDate", "col_due_date": "DueDate", "col_original_amount": "Amount",
    "col_open_amount": "Balance", "col_collection_stage_code": "DunningLevel",
    "const_ledger_source": "unit4",
    "default_collection_stage_code": "0",
    "paid_sign": "",
    # The same code "1" means a reminder here; the other ERP has no such code.
    "stage_codes": "0 = none\n1 = reminder\n2 = Inkassokrav\n",
    "category_codes": "VA-AVG = VA\nBARN = CHILDCARE\n",
}


@pytest.fixture
def world(make, frozen_clock):
    make.user("ekonom", Role.FINANCE_OFFICER)
    make.user("ekonomichef", Role.FINANCE_DIRECTOR)
    committee = make.committee("TFN")
    make.unit(committee, code="4410", name="VA Norr")
    make.unit(committee, code="4420", name="VA Syd")
    make.unit(committee, code="VA1", name="VA")
    make.category("VA", name="Vatten och avlopp")
    make.category("CHILDCARE", name="Barnomsorg")
    db.session.commit()


def _text(response) -> str:
    return response.get_data(as_text=True)


def _make_mapping(client, form: dict, kind: str = "ledger") -> LedgerMapping:
    response = client.post_form(f"/import/mappningar/ny/{kind}", form)
    assert response.status_code == 303, _text(response)
    return db.session.scalars(select(LedgerMapping).where(LedgerMapping.name == form["name"])).one()


def _upload(client, data: bytes, mapping: LedgerMapping | None = None, kind: str = "ledger",
            name: str = "export.csv") -> str:
    response = client.post_form("/import/", {"kind": kind, "mapping_id": str(mapping.id) if mapping else "",
                                             "file": (io.BytesIO(data), name)})
    assert response.status_code == 303, _text(response)
    return response.location


def _preview(client, url: str) -> str:
    return _text(client.post_form(f"{url}/forhandsgranska", {}, follow_redirects=True))


def _import(client, url: str) -> str:
    return _text(client.post_form(f"{url}/importera", {}, follow_redirects=True))


def _item(url: str) -> LedgerImport:
    db.session.expire_all()
    return db.session.get(LedgerImport, int(url.rsplit("/", 1)[1]))


def _invoice(number: str) -> Invoice:
    return db.session.scalars(select(Invoice).where(Invoice.invoice_number == number)).one()


def test_the_semicolon_windows_1252_export_imports_through_a_mapping_made_in_the_form(client, world):
    client.login("ekonom")
    mapping = _make_mapping(client, SEMICOLON_FORM)
    assert mapping.columns["unit_code"] == mapping.columns["category_code"] == "Ansvar"
    assert mapping.paid_sign == "negative" and mapping.constants == {"ledger_source": "visma"}
    assert mapping.stage_codes == {"P1": "reminder", "INK": "collection_demand", "KFM": "payment_order"}
    data = semicolon_export([
        semicolon_row(1),
        semicolon_row(2, Ansvar="4420", Belopp="10 000,00", Inbetalt="", Kravnivå="INK"),
        semicolon_row(3, Belopp="500,00", Inbetalt="-500,00", Kravnivå="KFM"),
    ])
    assert data.startswith(b"Kundnr;") and "Örjan".encode("cp1252") in data
    url = _upload(client, data, mapping)
    page = _preview(client, url)
    assert re.search(r'id="count-new">3<', page) and re.search(r'id="count-customers-new">3<', page)
    assert _item(url).state == ImportState.PREVIEWED
    _import(client, url)
    assert _item(url).state == ImportState.IMPORTED
    first, second, third = _invoice("V5001"), _invoice("V5002"), _invoice("V5003")
    # open amount = invoice amount + the (negative) paid amount
    assert (first.original_amount_ore, first.open_amount_ore) == (123_450, 100_000)
    assert (second.open_amount_ore, third.open_amount_ore) == (1_000_000, 0)
    assert first.category.code == second.category.code == "VA"
    assert (first.org_unit.code, second.org_unit.code) == ("4410", "4420")
    assert (first.collection_stage, second.collection_stage, third.collection_stage) == (
        "reminder", "collection_demand", "payment_order")
    assert first.collection_stage_code == "P1" and first.ledger_source == "visma"
    assert first.customer.name == "Örjan Ärlig" and first.customer.city == "Södertälje"


def test_the_comma_utf8_bom_export_imports_through_its_own_mapping(client, world):
    client.login("ekonom")
    mapping = _make_mapping(client, COMMA_FORM)
    data = comma_export([
        comma_row(1),
        comma_row(2, Category="BARN", Balance="1200.50", DunningLevel=""),  # empty: the default "0"
        comma_row(3, DunningLevel="1"),
    ])
    assert data.startswith(b"\xef\xbb\xbfInvoiceNo,")
    url = _upload(client, data, mapping)
    _preview(client, url)
    _import(client, url)
    assert _item(url).state == ImportState.IMPORTED, _item(url).errors
    first, second, third = _invoice("90001"), _invoice("90002"), _invoice("90003")
    assert (first.original_amount_ore, first.open_amount_ore, first.category.code) == (250_000, 250_000, "VA")
    assert (second.open_amount_ore, second.category.code, second.collection_stage) == (120_050, "CHILDCARE", "none")
    assert (first.collection_stage, third.collection_stage) == ("collection_demand", "reminder")
    assert first.ledger_source == "unit4" and first.customer.kind == "organisation"
    # One customer (the same organisation on three rows).
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1


def test_two_mappings_read_the_same_code_their_own_way(client, world):
    client.login("ekonom")
    semicolon = _make_mapping(client, {**SEMICOLON_FORM, "stage_codes": "1 = Inkassokrav"})
    comma = _make_mapping(client, COMMA_FORM)
    _import(client, _preview_url(client, semicolon_export([semicolon_row(1, Kravnivå="1")]), semicolon))
    _import(client, _preview_url(client, comma_export([comma_row(1, DunningLevel="1")]), comma))
    assert _invoice("V5001").collection_stage == "collection_demand"
    assert _invoice("90001").collection_stage == "reminder"


def _preview_url(client, data: bytes, mapping: LedgerMapping | None = None) -> str:
    url = _upload(client, data, mapping)
    _preview(client, url)
    return url


def test_every_error_of_a_row_is_listed(client, world):
    client.login("ekonom")
    mapping = _make_mapping(client, SEMICOLON_FORM)
    data = semicolon_export([semicolon_row(1, Ansvar="9999", Kravnivå="X9", Fakturadat="2025-02-30")])
    url = _upload(client, data, mapping)
    page = _preview(client, url)
    found = {(e["line"], e["column"], e["code"]) for e in _item(url).errors}
    # The unit column feeds unit and category: both are named, with the stage and the date.
    assert found == {(2, "Ansvar", "unknown_unit_code"), (2, "Ansvar", "unknown_category_code"),
                     (2, "Kravnivå", "unknown_collection_stage_code"), (2, "Fakturadat", "invalid_date")}
    assert "Filen har 4 fel och ingenting importerades." in page


def test_unknown_units_and_categories_are_listed_with_who_adds_them(client, world):
    client.login("ekonom")
    rows = [ledger_row(1, unit_code="BOU9", category_code="PARK"), ledger_row(2, unit_code="BOU9"),
            ledger_row(3, unit_code="VA1", category_code="VA", collection_stage_code="Z")]
    url = _upload(client, table_bytes(rows))
    page = _preview(client, url)
    assert _item(url).unknown_codes == {"category": {"PARK": 1}, "stage": {"Z": 1},
                                        "unit": {"BOU9": 2}}
    section = page[page.index('id="unknown-codes"'):page.index('id="import-errors"')]
    assert "<code>BOU9</code> (2 rader)" in section and "<code>PARK</code> (1 rad)" in section
    assert "Ekonomichefen lägger till enheter" in section and 'href="/organisation/"' in section
    assert "Ekonomichefen lägger till fakturakategorier" in section
    assert 'href="/referensdata/#kategorier"' in section and 'href="/referensdata/#kravsteg"' in section


def test_a_pdf_is_one_clear_error(client, world):
    client.login("ekonom")
    url = _upload(client, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 50,
                  name="reskontra.pdf")
    page = _preview(client, url)
    item = _item(url)
    assert item.state == ImportState.REJECTED and item.count_errors == 1
    assert [(e["line"], e["code"]) for e in item.errors] == [(1, "not_a_table")]
    assert "Filen är ett PDF-dokument, inte en tabell. Exportera reskontran som CSV eller .xlsx" in page


def test_an_old_xls_workbook_is_named_as_such(client, world):
    client.login("ekonom")
    url = _upload(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, name="reskontra.xls")
    assert "det gamla Excel-formatet (.xls)" in _preview(client, url)


def test_a_rejected_file_shows_its_real_row_count(client, world):
    client.login("ekonom")
    rows = [ledger_row(n) for n in range(1, 8)]
    for row in rows:
        row.pop("customer_name")  # a required column is missing: no row is read into fields
    url = _upload(client, table_bytes(rows))
    page = _preview(client, url)
    item = _item(url)
    assert item.state == ImportState.REJECTED and item.rows_total == 7
    assert re.search(r"Rader i filen</dt><dd>7<", page)


def test_credit_balances_are_warnings_and_the_rows_import(client, world):
    client.login("ekonom")
    rows = [ledger_row(1, unit_code="VA1", category_code="VA", open_amount="-150,00"),
            ledger_row(2, unit_code="VA1", category_code="VA", original_amount="100,00", open_amount="150,00"),
            ledger_row(3, unit_code="VA1", category_code="VA")]
    url = _upload(client, table_bytes(rows))
    page = _preview(client, url)
    item = _item(url)
    assert item.state == ImportState.PREVIEWED and item.count_warnings == 2
    assert {(e["line"], e["code"]) for e in item.warnings} == {(2, "negative_open_amount"),
                                                              (3, "open_above_invoice")}
    assert "Restbeloppet -150,00\xa0kr är negativt" in page
    assert "Restbeloppet 150,00\xa0kr är större än fakturabeloppet 100,00\xa0kr" in page
    _import(client, url)
    assert _invoice("1001").open_amount_ore == -15_000 and _invoice("1002").open_amount_ore == 15_000


def test_a_derived_open_amount_below_zero_is_a_warning_named_without_a_column(client, world):
    client.login("ekonom")
    mapping = _make_mapping(client, SEMICOLON_FORM)
    url = _upload(client, semicolon_export([semicolon_row(1, Belopp="100,00", Inbetalt="-130,00")]), mapping)
    _preview(client, url)
    assert [(e["line"], e["column"], e["code"]) for e in _item(url).warnings] == [
        (2, None, "negative_open_amount")]


def test_the_preview_counts_new_and_changed_customers(client, world):
    client.login("ekonom")
    _import(client, _preview_url(client, table_bytes([
        ledger_row(1, unit_code="VA1", category_code="VA"), ledger_row(2, unit_code="VA1", category_code="VA")])))
    later = table_bytes([ledger_row(1, unit_code="VA1", category_code="VA", customer_name="Anna Berg"),
                         ledger_row(2, unit_code="VA1", category_code="VA"),
                         ledger_row(3, unit_code="VA1", category_code="VA")])
    url = _preview_url(client, later)
    item = _item(url)
    assert (item.count_customers_new, item.count_customers_changed) == (1, 1)
    assert (item.count_new, item.count_changed, item.count_unchanged) == (1, 0, 2)


def test_uploading_a_file_already_imported_says_so(client, world):
    client.login("ekonom")
    data = table_bytes([ledger_row(1, unit_code="VA1", category_code="VA")])
    first = _preview_url(client, data)
    _import(client, first)
    again = _upload(client, data)
    page = _text(client.get(again))
    assert "Den här filen (samma SHA-256) har redan importerats" in page
    assert f'href="{first.replace("http://localhost", "")}"' in page
    other = _upload(client, table_bytes([ledger_row(2, unit_code="VA1", category_code="VA")]))
    assert "samma SHA-256" not in _text(client.get(other))


def test_the_mapping_form_checks_constants_defaults_and_value_tables(client, world):
    client.login("ekonom")
    response = client.post_form("/import/mappningar/ny/ledger", {
        "name": "Fel", "const_invoice_date": "2025-13-01", "default_original_amount": "tolv",
        "col_open_amount": "Rest", "paid_sign": "negative", "stage_codes": "P1 = Flygande\nutan likhetstecken",
        "category_codes": "4410 = FINNS_INTE"})
    page = _text(response)
    assert response.status_code == 422
    assert "”2025-13-01” är inte ett datum" in page and "”tolv” är inte ett giltigt belopp" in page
    assert "Restbeloppet räknas fram ur inbetalt belopp" in page
    assert "Skriv en ”kod = kravsteg” per rad, varje kod en gång: utan likhetstecken" in page
    assert "Ingen fakturakategori har koden: FINNS_INTE" in page
    assert db.session.scalar(select(func.count()).select_from(LedgerMapping)) == 0
    unknown_stage = client.post_form("/import/mappningar/ny/ledger", {"name": "Fel", "stage_codes": "P1 = Flygande"})
    assert unknown_stage.status_code == 422 and "Inget kravsteg i portalen: Flygande" in _text(unknown_stage)
    sign = client.post_form("/import/mappningar/ny/ledger", {"name": "Fel", "paid_sign": "sideways"})
    assert sign.status_code == 422 and db.session.scalar(select(func.count()).select_from(LedgerMapping)) == 0


def test_the_mapping_form_shows_what_was_saved(client, world):
    client.login("ekonom")
    mapping = _make_mapping(client, SEMICOLON_FORM)
    page = _text(client.get(f"/import/mappningar/{mapping.id}"))
    assert 'value="Ansvar"' in page and 'value="visma"' in page
    assert "P1 = Påminnelse" in page and "4410 = VA" in page
    assert '<option selected value="negative">' in page or 'value="negative" selected' in page
    listing = _text(client.get("/import/mappningar/"))
    assert "Egna kravstegskoder" in listing and "4420 = VA" in listing


def test_a_payments_mapping_turns_payments_written_negative(client, world, make):
    client.login("ekonom")
    _import(client, _preview_url(client, table_bytes([ledger_row(1, unit_code="VA1", category_code="VA")])))
    mapping = _make_mapping(client, {"name": "Bank (negativ)", "col_amount": "Summa", "paid_sign": "negative",
                                     "const_ledger_source": "raindance"}, kind="payments")
    data = payments_bytes([payment_row(1, amount="-500,00")], header=["Fakturanummer", "OCR", "Betalningsdag", "Summa"])
    url = _upload(client, data, mapping, kind="payments")
    _preview(client, url)
    _import(client, url)
    assert _item(url).state == ImportState.IMPORTED, _item(url).errors
    assert [p.amount_ore for p in _invoice("1001").payments] == [50_000]
    assert _invoice("1001").payments[0].payment_date == date(2024, 3, 1)


def test_the_finance_director_adds_a_missing_category_from_the_preview(client, app, world):
    client.login("ekonom")
    url = _upload(client, table_bytes([ledger_row(1, unit_code="VA1", category_code="PARK")]))
    page = _preview(client, url)
    assert "Lägg till kategorin" not in page  # the finance officer cannot add categories
    director = app.test_client()
    director.login("ekonomichef")
    page = _text(director.get(url))
    assert 'aria-label="Lägg till fakturakategorin PARK"' in page and 'name="code" value="PARK"' in page
    added = director.post_form("/referensdata/kategorier", {"code": "PARK", "name": "Parkering",
                                                            "time_bar_years": "10", "charges_interest": "y",
                                                            "active": "y"})
    assert added.status_code == 303
    again = _preview_url(client, table_bytes([ledger_row(1, unit_code="VA1", category_code="PARK")]))
    assert _item(again).state == ImportState.PREVIEWED
