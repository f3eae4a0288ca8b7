"""In a real browser: the committee secretary builds an agenda with a referred case and the
delegation report, records the committee's decision and the meeting; no accessibility violations."""

from __future__ import annotations

from sqlalchemy import select

from portal import clock
from portal.audit.services import Actor
from portal.auth.models import User
from portal.cases import services as case_services
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.extensions import db
from portal.org.models import Committee
from tests.e2e.conftest import axe_violations, htmx_ready, login
from tests.e2e.test_cases import _customer_with_invoice


def _referred_write_off(app) -> tuple[str, int]:
    """A large final write-off, over every delegated limit: the committee decides it."""
    customer_id = _customer_with_invoice(app, "Greta Granström", 95_000_00, due_days_ago=400)
    with app.app_context():
        officer = db.session.scalars(select(User).where(User.username == "handlaggare")).one()
        actor = Actor(officer.id, officer.username, "case_officer")
        from portal.receivables.models import Customer

        customer = db.session.get(Customer, customer_id)
        invoice_ids = [invoice.id for invoice in customer.invoices]
        terms = TermsInput(write_off_reason="deceased_without_assets", write_off_final=True)
        case = case_services.case_create(actor, customer=customer, case_type=CaseType.WRITE_OFF,
                                         invoice_ids=invoice_ids, terms=terms, reasons="Dödsbo utan tillgångar.")
        case_services.case_update(actor, case, invoice_ids=invoice_ids, terms=terms,
                                  reasons="Dödsbo utan tillgångar.")
        case_services.case_submit(actor, case)
        assert case.state == "referred_to_committee"
        committee_id = db.session.scalars(select(Committee.id).where(Committee.code == "SN")).one()
        number = case.registry_number
        db.session.commit()
        db.session.remove()
    return number, committee_id


def test_the_secretary_builds_an_agenda_and_records_the_meeting(page, live_app):
    registry_number, committee_id = _referred_write_off(live_app)
    today = clock.today().isoformat()

    login(page, "sekreterare")
    page.get_by_role("link", name="Sammanträden").click()
    page.get_by_role("link", name="Socialnämnden", exact=True).click()
    page.get_by_label("Datum").fill(today)
    page.get_by_label("Plats").fill("Sessionssalen")
    page.get_by_role("button", name="Skapa sammanträde").click()
    page.locator("#agenda-heading").wait_for()
    htmx_ready(page)
    assert axe_violations(page) == []

    page.get_by_label(f"Handläggarens förslag i {registry_number}").fill("Skriva av fordran slutligt.")
    page.get_by_role("button", name=f"Ta upp {registry_number} på föredragningslistan").click()
    page.get_by_role("heading", name="§ 1 ·").wait_for()
    htmx_ready(page)
    page.get_by_role("button", name="Ta upp anmälan av delegationsbeslut på föredragningslistan").click()
    page.get_by_text("§ 2 · Anmälan av delegationsbeslut").wait_for()
    htmx_ready(page)
    page.get_by_label("Nämndens beslut", exact=True).select_option("granted")
    page.get_by_role("button", name="Spara beslutet i § 1").click()
    page.get_by_text("Nämndens beslut: Beviljat").wait_for()
    htmx_ready(page)
    assert axe_violations(page) == []
    assert "Greta Granström" not in page.content()

    page.get_by_label("Protokollet justerat").fill(today)
    page.get_by_label("Protokollet anslaget").fill(today)
    page.get_by_label("Jag bekräftar: nämndens beslut får verkan").check()
    page.get_by_role("button", name="Registrera sammanträdet").click()
    page.get_by_text("Genomfört").first.wait_for()
    assert f"SN {today} § 1" in page.content()
    assert axe_violations(page) == []

    # The minutes extract of § 1 and the delegation report, issued as PDFs and listed on the page.
    page.get_by_role("button", name="Utfärda protokollsutdrag för § 1").click()
    page.get_by_text("Handlingen utfärdades.").wait_for()
    page.get_by_role("button", name="Utfärda anmälan av delegationsbeslut").click()
    page.get_by_text("Handlingen utfärdades.").wait_for()
    documents = page.locator("#documents").inner_text()
    assert f"Protokollsutdrag SN {today} § 1" in documents and "Anmälan av delegationsbeslut" in documents
    assert axe_violations(page) == []

    page.goto(f"/sammantraden/namnder/{committee_id}/delegationsbeslut")
    assert axe_violations(page) == []
