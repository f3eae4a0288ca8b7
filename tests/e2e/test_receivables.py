"""In a real browser: the finance officer imports a ledger in the municipality's own layout."""

from __future__ import annotations

from portal.receivables.identity import luhn_check_digit
from tests.e2e.conftest import axe_violations, htmx_ready, login, menu_link

HEADERS = ["Källa", "FAKTNR", "ORGNR", "KUNDNAMN", "ADR2", "POSTNR", "ORT", "ANSVAR", "KATEGORI",
           "FAKTURADATUM", "FORFALLODATUM", "BELOPP", "REST", "KRAVKOD", "OCRNR"]


def _ledger_file(tmp_path) -> str:
    body = "5107150" + "42"
    number = f"19510715-{body[6:]}{luhn_check_digit(body)}"
    rows = [
        ["e2e", "E2E-1", number, "Ebba Ekdahl", "Lingonvägen 3", "612 40", "Demokommun", "3110", "HEMTJ",
         "2026-01-05", "2026-02-04", "1 845,00", "1 845,00", "INK", ""],
        ["e2e", "E2E-2", number, "Ebba Ekdahl", "Lingonvägen 3", "612 40", "Demokommun", "5100", "VA",
         "2026-03-01", "2026-03-31", "2 456,50", "456,50", "P1", ""],
    ]
    path = tmp_path / "kundreskontra.csv"
    text = "\r\n".join(";".join(row) for row in [HEADERS, *rows]) + "\r\n"
    path.write_bytes(text.encode("cp1252"))  # as Excel saves "CSV (semikolonavgränsad)"
    return str(path)


def test_finance_officer_imports_a_ledger_in_their_own_layout_and_opens_a_customer(page, tmp_path):
    login(page, "ekonom")
    menu_link(page, "Import").click()
    page.wait_for_url("**/import/")
    assert axe_violations(page) == []
    page.get_by_label("Kolumnmappning").select_option(label="Raindance (demo) (reskontra)")
    page.get_by_label("Fil (CSV eller .xlsx)").set_input_files(_ledger_file(tmp_path))
    page.get_by_role("button", name="Ladda upp och förhandsgranska").click()
    page.wait_for_url("**/import/*")

    page.evaluate("window.__noReload = true")
    page.get_by_role("button", name="Förhandsgranska").click()
    page.get_by_text("Vad importen gör").wait_for()
    assert page.locator("#count-new").inner_text() == "2"
    assert axe_violations(page) == []
    page.get_by_role("button", name="Importera filen").click()
    page.get_by_text("Vad importen gjorde").wait_for()
    assert page.evaluate("window.__noReload") is True
    assert page.locator("#count-new").inner_text() == "2"

    page.get_by_role("link", name="Sök en kund").click()
    htmx_ready(page)  # the search asks as you type once htmx has taken the field (its script is deferred)
    page.get_by_label("Sök på namn, personnummer, organisationsnummer, fakturanummer eller OCR-nummer").fill("Ebba")
    page.locator("#customer-results").get_by_role("link", name="Ebba Ekdahl").click()
    page.get_by_role("heading", name="Ebba Ekdahl", level=1).wait_for()
    text = page.locator("main").inner_text()
    assert "19510715-" in text and "E2E-1" in text and "Inkassokrav" in text
    assert "2 301,50 kr" in text.replace("\u00a0", " ")  # open: 1 845,00 + 456,50
    assert axe_violations(page) == []


def test_reference_and_customer_pages_pass_axe_for_the_finance_director(page):
    login(page, "ekonomichef")
    page.goto("/referensdata/")
    assert page.get_by_role("heading", name="Referensräntor").is_visible()
    assert axe_violations(page) == []
    page.goto("/kunder/")
    page.get_by_label("Sök på namn").fill("Åsa")
    page.locator("#customer-results").get_by_role("link", name="Åsa Öberg").wait_for()
    assert "sa" not in page.url.partition("?")[2]  # the search text is never in the address
    page.locator("#customer-results").get_by_role("link", name="Åsa Öberg").click()
    page.get_by_role("heading", name="Åsa Öberg", level=1).wait_for()
    assert axe_violations(page) == []


def test_a_mapping_for_a_real_export_is_made_in_the_form_and_passes_axe(page, tmp_path):
    login(page, "ekonom")
    page.goto("/import/mappningar/ny/ledger")
    assert axe_violations(page) == []
    page.locator("#name").fill("Visma e2e")
    page.get_by_label("Rubrik för fakturanummer").fill("FAKTNR")
    page.get_by_label("Konstant för reskontra på varje rad").fill("e2e")
    page.get_by_label("Restbelopp och betalningar").select_option("negative")
    page.get_by_label("Reskontrans kravstegskoder").fill("INK = Inkassokrav\nP1 = Påminnelse")
    page.get_by_role("button", name="Spara mappning").click()
    page.wait_for_url("**/import/mappningar/")
    text = page.locator("main").inner_text()
    assert "Visma e2e" in text and "INK = Inkassokrav" in text
    assert axe_violations(page) == []


def test_a_bank_file_is_imported_and_its_unmatched_payment_matched_by_hand(page, live_app, tmp_path):
    from datetime import date

    from sqlalchemy import select

    from portal.extensions import db
    from portal.receivables.bgmax import PaymentSpec, write_bgmax
    from portal.receivables.models import Customer, Invoice

    with live_app.app_context():
        invoice = db.session.scalars(select(Invoice).join(Customer).where(
            Customer.name == "Bergslagens Bygg AB", Invoice.open_amount_ore > 10_000)).first()
        number = invoice.invoice_number
        db.session.remove()
    path = tmp_path / "bgmax.txt"
    path.write_bytes(write_bgmax([(date(2026, 11, 20), [PaymentSpec(10_000, "55555555", payer_name="Bergslagens Bygg AB",
                                                                     information=f"Faktura {number}")])],
                                 timestamp="20261120070000000000"))
    login(page, "ekonom")
    page.goto("/import/")
    page.get_by_label("Typ av fil").select_option(label="Betalningar")
    page.get_by_label("Fil (CSV eller .xlsx)").set_input_files(str(path))
    page.get_by_role("button", name="Ladda upp och förhandsgranska").click()
    page.wait_for_url("**/import/*")
    page.get_by_role("button", name="Förhandsgranska").click()
    page.get_by_text("Vad importen gör").wait_for()
    assert "väntar på att matchas för hand" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Importera filen").click()
    page.get_by_text("Vad importen gjorde").wait_for()
    page.get_by_role("link", name="Bankbetalningar att matcha").first.click()
    page.wait_for_url("**/import/bankbetalningar/")
    assert f"Faktura {number}" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    row = page.locator("#unmatched-payments tbody tr", has_text=f"Faktura {number}")
    row.get_by_label("Fakturanummer eller OCR-nummer").fill(number)
    row.get_by_label("Kundens anvisning").select_option("capital,interest,fees")
    row.get_by_role("button", name="Matcha").click()
    page.get_by_text(f"Betalningen matchades mot faktura {number}.").wait_for()
    assert "kapital, ränta, indrivningskostnader" in page.locator("#matched-by-hand").inner_text()
    assert axe_violations(page) == []
