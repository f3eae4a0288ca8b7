"""A delegate decides a routine case from "Mina uppgifter" on a phone-sized screen, by keyboard."""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from portal.audit.services import Actor
from portal.extensions import db
from tests.e2e.conftest import axe_violations, login
from tests.e2e.test_cases import _customer_with_invoice


def _routine_plan(app) -> str:
    """A plan the unit head of Hemtjänst Norr may grant, prepared and submitted by the case officer."""
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.cases import services
    from portal.cases.terms import TermsInput
    from portal.delegation.engine_types import CaseType
    from portal.receivables.models import Customer, Invoice

    customer_id = _customer_with_invoice(app, "Maja Telefon", 3_000_00, due_days_ago=5)
    with app.app_context():
        officer = db.session.scalars(select(User).where(User.username == "handlaggare")).one()
        actor = Actor(officer.id, officer.username, "case_officer")
        customer = db.session.get(Customer, customer_id)
        invoice = db.session.scalars(select(Invoice).where(Invoice.customer_id == customer_id)).one()
        case = services.case_create(actor, customer=customer, case_type=CaseType.INSTALMENT_PLAN,
                                    invoice_ids=[invoice.id], terms=TermsInput(), reasons="Rutinplan.")
        services.case_update(actor, case, invoice_ids=[invoice.id], reasons="Rutinplan.", terms=TermsInput(
            first_due_date=clock.today() + timedelta(days=20), instalments=3))
        services.case_submit(actor, case)
        db.session.commit()
        number = case.registry_number
        db.session.remove()
    return number


def test_unit_head_decides_a_routine_case_on_a_phone_by_keyboard(browser, live_server, live_app):
    number = _routine_plan(live_app)
    context = browser.new_context(base_url=live_server, bypass_csp=True, locale="sv-SE",
                                  viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        login(page, "chef.norr")
        queue = page.get_by_role("region", name="Att besluta")
        # Step 1: open the case from the queue.
        link = queue.get_by_role("link", name=number)
        link.focus()
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Besluta", exact=True).wait_for()
        # Step 2: fill the decision by keyboard.
        page.get_by_label("Bevilja", exact=True).focus()
        page.keyboard.press("Space")
        page.get_by_label("Skäl för beslutet").fill("Enligt riktlinjerna.")
        page.get_by_label("Jag är inte jävig i ärendet").focus()
        page.keyboard.press("Space")
        page.get_by_label("Jag bekräftar beslutet").focus()
        page.keyboard.press("Space")
        # Step 3: record it.
        page.keyboard.press("Enter")
        page.get_by_text("Beslutet registrerades.").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert axe_violations(page) == []
    finally:
        context.close()
