"""Receivables pages: masking per role, the view log, interest to today, import, reference tables."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.auth.roles import Role
from portal.extensions import db
from portal.money import format_money
from portal.receivables import queries, rules
from portal.receivables.models import (
    CollectionStageCode,
    CustomerView,
    Invoice,
    LedgerImport,
    LedgerMapping,
    ReferenceRate,
)
from tests.receivables.builders import ledger_row, table_bytes

BORN = date(1985, 6, 12)


@pytest.fixture
def world(make, frozen_clock):
    make.user("handlaggare", Role.CASE_OFFICER)
    make.user("ekonom", Role.FINANCE_OFFICER)
    make.user("ekonomichef", Role.FINANCE_DIRECTOR)
    make.user("revisor", Role.AUDITOR)
    make.user("sekreterare", Role.COMMITTEE_SECRETARY)
    unit = make.unit(make.committee("BUN"), code="BOU1", name="Förskolor Centrum")
    category = make.category("CHILDCARE", name="Förskoleavgift")
    make.reference_rates()
    identity = make.person_number(BORN, 123)
    customer = make.customer("Åsa Öberg", identity_number=identity, address="Kyrkvägen 4")
    invoice = make.invoice(customer, unit, category, number="D1001", due_date=date(2026, 3, 31),
                           original_ore=184_500, stage="collection_demand")
    protected = make.customer("Karin Ek", address="Hemlig väg 1", protected_identity=True)
    db.session.commit()
    return {"customer": customer, "invoice": invoice, "protected": protected, "identity": identity,
            "unit": unit}


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("username, full", [("handlaggare", True), ("ekonom", True),
                                            ("ekonomichef", True), ("revisor", False)])
def test_the_personnummer_is_shown_in_full_only_to_roles_that_act_on_the_debt(client, world, username, full):
    client.login(username)
    page = _text(client.get(f"/kunder/{world['customer'].id}"))
    number = world["identity"]
    assert (f"{number[:8]}-{number[8:]}" in page) is full
    assert f"{number[:8]}-****" in page or full


@pytest.mark.parametrize("username", ["handlaggare", "ekonomichef", "revisor"])
def test_a_protected_identity_is_masked_for_everyone_and_its_address_hidden(client, world, username):
    client.login(username)
    page = _text(client.get(f"/kunder/{world['protected'].id}"))
    number = world["protected"].identity_number
    assert f"{number[:8]}-****" in page and number[8:] not in page
    assert "Hemlig väg" not in page and "Skyddad identitet: adressen visas inte." in page


def test_every_view_of_a_customer_is_logged_and_the_auditor_sees_the_log(client, app, world):
    client.login("handlaggare")
    client.get(f"/kunder/{world['customer'].id}")
    client.get(f"/kunder/{world['customer'].id}")
    auditor = app.test_client()
    auditor.login("revisor")
    page = _text(auditor.get(f"/kunder/{world['customer'].id}"))
    views = db.session.scalars(select(CustomerView).order_by(CustomerView.id)).all()
    assert [(v.user.username, v.capacity) for v in views] == [
        ("handlaggare", "case_officer"), ("handlaggare", "case_officer"), ("revisor", "auditor")]
    assert "Vilka som har visat kunden" in page and "(handlaggare)" in page


def test_the_case_officer_does_not_see_the_view_log(client, world):
    client.login("handlaggare")
    assert "Vilka som har visat kunden" not in _text(client.get(f"/kunder/{world['customer'].id}"))


def test_interest_to_today_on_the_page_equals_the_rules(client, world):
    client.login("ekonom")
    page = _text(client.get(f"/kunder/{world['customer'].id}"))
    expected = rules.late_interest(184_500, date(2026, 3, 31), date(2026, 11, 23),
                                   queries.reference_rates()).total_ore
    assert expected > 0
    assert re.search(r'id="total-interest">([^<]*)<', page).group(1) == format_money(expected)
    assert re.search(r'id="total-open">([^<]*)<', page).group(1) == format_money(184_500)
    assert "Inkassokrav" in page and "Förskolor Centrum" in page and "D1001" in page


def test_a_missing_reference_rate_is_named_on_the_page(client, world):
    db.session.execute(ReferenceRate.__table__.delete().where(
        ReferenceRate.half_year_start == date(2026, 7, 1)))
    db.session.commit()
    client.login("ekonom")
    page = _text(client.get(f"/kunder/{world['customer'].id}"))
    assert "kan inte beräknas: referensränta saknas för 2026-07-01" in page


def test_search_answers_htmx_with_the_results_only_and_masks_for_the_auditor(client, world):
    client.login("revisor")
    response = client.post_form("/kunder/", {"q": "åsa"}, headers={"HX-Request": "true"})
    fragment = _text(response)
    assert response.status_code == 200 and "<html" not in fragment
    assert "Åsa Öberg" in fragment and f"{world['identity'][:8]}-****" in fragment
    assert "Karin Ek" not in fragment
    assert "Åsa Öberg" in _text(client.post_form("/kunder/", {"q": "D1001"}, follow_redirects=True))


def _upload(client, data: bytes, kind: str = "ledger", mapping_id: str = "", follow=True):
    return client.post_form("/import/", {"kind": kind, "mapping_id": mapping_id,
                                         "file": (io.BytesIO(data), "reskontra.csv")},
                            follow_redirects=follow)


def test_the_finance_officer_uploads_previews_and_imports_a_ledger(client, world):
    client.login("ekonom")
    response = _upload(client, table_bytes([ledger_row(1), ledger_row(2)]), follow=False)
    assert response.status_code == 303
    url = response.location
    ledger_import = db.session.scalars(select(LedgerImport)).one()
    assert "Förhandsgranska" in _text(client.get(url))
    preview = client.post_form(f"{url}/forhandsgranska", {}, headers={"HX-Request": "true"})
    assert preview.status_code == 200 and "<html" not in _text(preview)
    assert re.search(r'id="count-new">2<', _text(preview))
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 1
    done = client.post_form(f"{url}/importera", {}, follow_redirects=True)
    assert "Vad importen gjorde" in _text(done) and ledger_import.sha256 in _text(done)
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 3
    history = _text(client.get("/import/"))
    assert "reskontra.csv" in history and ledger_import.sha256[:12] in history


def test_a_bad_file_is_rejected_with_every_error_listed_in_swedish(client, world):
    client.login("ekonom")
    url = _upload(client, table_bytes([ledger_row(1, unit_code="9999"), ledger_row(2, due_date="2024-13-01")]),
                  follow=False).location
    page = _text(client.post_form(f"{url}/forhandsgranska", {}, follow_redirects=True))
    assert "Filen har 2 fel och ingenting importerades." in page
    assert "Ingen enhet har koden ”9999”." in page
    assert "”2024-13-01” är inte ett datum; skriv ÅÅÅÅ-MM-DD." in page
    assert re.search(r"<td>2</td><td>Enhet</td>", page) and re.search(r"<td>3</td><td>Förfallodatum</td>", page)
    assert client.post_form(f"{url}/importera", {}).status_code == 422


def test_upload_without_a_file_says_so(client, world):
    client.login("ekonom")
    response = client.post_form("/import/", {"kind": "ledger", "mapping_id": ""})
    assert response.status_code == 422 and "Välj en fil att ladda upp" in _text(response)


def test_the_status_shows_the_rows_read(client, world):
    client.login("ekonom")
    url = _upload(client, table_bytes([ledger_row(1)]), follow=False).location
    import_id = int(url.rsplit("/", 1)[1])
    db.session.execute(LedgerImport.__table__.update().where(LedgerImport.id == import_id).values(rows_read=40000))
    db.session.commit()
    assert "40000 rader lästa" in _text(client.get(f"/import/{import_id}/status"))


def test_the_template_downloads_as_csv(client, world):
    client.login("revisor")
    response = client.get("/import/mall/ledger.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert response.data.decode("utf-8-sig").startswith("Reskontra;Fakturanummer;")
    assert client.get("/import/mall/other.csv").status_code == 404


def test_a_mapping_is_created_and_used_by_its_name(client, world):
    client.login("ekonom")
    response = client.post_form("/import/mappningar/ny/ledger", {
        "name": "Unit4", "col_invoice_number": "voucher_no", "col_open_amount": "rest_amount"})
    assert response.status_code == 303
    mapping = db.session.scalars(select(LedgerMapping)).one()
    assert mapping.columns == {"invoice_number": "voucher_no", "open_amount": "rest_amount"}
    page = _text(client.get("/import/mappningar/"))
    assert "voucher_no" in page and "fakturanummer" in page
    clash = client.post_form(f"/import/mappningar/{mapping.id}", {
        "name": "Unit4", "col_invoice_number": "Nr", "const_invoice_number": "1"})
    assert clash.status_code == 422 and "Ange antingen en rubrik eller en konstant" in _text(clash)


def test_the_finance_director_adds_and_edits_reference_rates_with_htmx(client, world):
    client.login("ekonomichef")
    page = _text(client.get("/referensdata/"))
    assert "Demovärde, ej kontrollerat" in page and "2,50 eller 3,00" not in page
    assert "(2,50 % eller 3,00 %)" in page
    added = client.post_form("/referensdata/referensrantor", {
        "half_year_start": "2027-01-01", "rate": "2,25", "note": "Prognos"}, headers={"HX-Request": "true"})
    assert added.status_code == 200 and "<html" not in _text(added) and "2,25" in _text(added)
    bad = client.post_form("/referensdata/referensrantor", {"half_year_start": "2027-02-01", "rate": "2"},
                           headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "En referensränta gäller från 1 januari eller 1 juli." in _text(bad)
    rate = db.session.scalars(select(ReferenceRate).where(ReferenceRate.half_year_start == date(2027, 1, 1))).one()
    form = _text(client.get(f"/referensdata/referensrantor/{rate.id}", headers={"HX-Request": "true"}))
    assert 'value="2,25"' in form
    saved = client.post_form(f"/referensdata/referensrantor/{rate.id}", {
        "half_year_start": "2027-01-01", "rate": "2,50", "confirmed": "y"}, headers={"HX-Request": "true"})
    assert saved.status_code == 200 and "Kontrollerad" in _text(saved)
    db.session.refresh(rate)
    assert (rate.rate_bp, rate.confirmed) == (250, True)


def test_the_finance_officer_keeps_stage_codes_but_not_rates(client, world):
    client.login("ekonom")
    assert client.post_form("/referensdata/referensrantor", {"half_year_start": "2027-01-01",
                                                             "rate": "2"}).status_code == 403
    response = client.post_form("/referensdata/kravsteg", {"code": "KFM", "stage": "payment_order"})
    assert response.status_code == 303
    code = db.session.scalars(select(CollectionStageCode)).one()
    assert (code.code, code.stage) == ("kfm", "payment_order")
    assert client.post_form(f"/referensdata/kravsteg/{code.id}/ta-bort", {}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(CollectionStageCode)) == 0


def test_navigation_shows_receivables_links_only_to_roles_that_may_use_them(client, app, world):
    client.login("ekonom")
    menu = _text(client.get("/"))
    assert all(f">{label}</a>" in menu for label in ("Kunder", "Import", "Referensdata"))
    secretary = app.test_client()
    secretary.login("sekreterare")
    menu = _text(secretary.get("/"))
    assert ">Kunder</a>" not in menu and ">Import</a>" not in menu and ">Referensdata</a>" in menu
