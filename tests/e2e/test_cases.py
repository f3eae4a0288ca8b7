"""In a real browser: a plan prepared, granted by the unit head and executed by finance; an
over-limit write-off routed to the committee; no accessibility violations on the case pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.org.models import OrgUnit
from portal.receivables.models import Customer, Invoice, InvoiceCategory
from tests.e2e.conftest import axe_violations, htmx_ready, login, logout

_made = iter(range(1, 1000))


def _customer_with_invoice(app, name: str, amount_ore: int, due_days_ago: int) -> int:
    """A customer of Hemtjänst Norr with one overdue invoice, added to the served database."""
    n = next(_made)
    with app.app_context():
        unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "3110")).one()
        category = db.session.scalars(select(InvoiceCategory).order_by(InvoiceCategory.id)).first()
        from portal.receivables.identity import luhn_check_digit

        digits = f"19700101{900 + n:03d}"
        identity = "19" + digits[2:] + str(luhn_check_digit(digits[2:]))
        customer = Customer(identity_number=identity, kind="person", name=name, address="Provgatan 1",
                            postcode="612 30", city="Demokommun", protected_identity=False, deceased=False,
                            debt_restructuring=False, demo=True)
        db.session.add(customer)
        db.session.flush()
        today = clock.today()
        db.session.add(Invoice(
            ledger_source="main", invoice_number=f"E2E-{n}", customer_id=customer.id, org_unit_id=unit.id,
            category_id=category.id, invoice_date=today - timedelta(days=due_days_ago + 30),
            due_date=today - timedelta(days=due_days_ago), original_amount_ore=amount_ore,
            open_amount_ore=amount_ore, collection_stage="reminder"))
        db.session.commit()
        customer_id = customer.id
        db.session.remove()
    return customer_id


def _logout(page):
    logout(page)


def _new_case(page, customer_id: int, type_label: str, reasons: str) -> None:
    page.goto(f"/kunder/{customer_id}")
    page.get_by_role("link", name="Nytt ärende").click()
    page.get_by_label(type_label).check()
    page.locator("input[name=invoice_ids]").first.check()
    page.get_by_label("Motivering").fill(reasons)
    page.get_by_role("button", name="Skapa utkast").click()
    page.get_by_role("heading", name="Villkor och motivering").wait_for()
    htmx_ready(page)


def test_plan_prepared_granted_by_the_unit_head_and_executed_by_finance(page, live_app):
    customer_id = _customer_with_invoice(live_app, "Karin Lundqvist", 6_000_00, due_days_ago=10)
    first_due = (clock.today() + timedelta(days=30)).isoformat()

    login(page, "handlaggare")
    _new_case(page, customer_id, "Avbetalningsplan", "Kunden kan betala 1 000 kr i månaden.")
    assert axe_violations(page) == []
    page.get_by_label("Första förfallodag").fill(first_due)
    page.get_by_label("Antal månatliga delbetalningar").fill("6")
    page.get_by_label("Antal månatliga delbetalningar").dispatch_event("change")
    page.get_by_role("table", name="Betalningsplan").wait_for()  # the schedule appears live
    assert "Nils Norberg" in page.locator("#preview").inner_text()
    page.get_by_role("button", name="Spara villkoren").click()
    page.get_by_role("button", name="Skicka in ärendet").click()
    page.get_by_text("Väntar på beslut").first.wait_for()
    registry_number = page.locator("h1 small").inner_text()
    assert registry_number.startswith("SN")
    _logout(page)

    # The unit head finds it under "Att besluta" and decides in three steps, by keyboard.
    login(page, "chef.norr")
    page.get_by_role("link", name=registry_number).click()
    page.get_by_label("Bevilja", exact=True).check()
    page.get_by_label("Skäl för beslutet").fill("Rimlig plan enligt riktlinjerna.")
    page.get_by_label("Jag är inte jävig i ärendet").check()
    page.get_by_label("Jag bekräftar beslutet").check()
    page.get_by_label("Jag bekräftar beslutet").press("Enter")
    page.get_by_text("Beslutet registrerades.").wait_for()
    decision = page.get_by_role("region", name="Beslut", exact=True).inner_text()
    assert "Beviljat" in decision and "Punkt 2.1, nivå 1" in decision
    assert "Beslutsbrev" in decision and "Avbetalningsavtal" in decision
    assert "Planen väntar på kundens underskrift." in decision
    assert axe_violations(page) == []
    _logout(page)

    # The plan takes effect when the case officer registers the customer's signed agreement.
    login(page, "handlaggare")
    page.goto("/arenden/vantar-pa-underskrift")
    page.get_by_role("link", name=registry_number).click()
    page.get_by_role("button", name="Registrera det undertecknade avtalet").click()
    page.get_by_text("Det undertecknade avtalet registrerades: planen gäller.").wait_for()
    assert axe_violations(page) == []
    _logout(page)

    login(page, "ekonom")
    page.get_by_role("link", name=registry_number).click()
    page.get_by_role("button", name="Markera som verkställt (bokfört i reskontran)").click()
    page.get_by_text("Ärendet markerades som verkställt.").wait_for()
    assert "Verkställt" in page.locator("main .badge").first.inner_text()


def test_over_limit_write_off_goes_to_the_committee(page, live_app):
    customer_id = _customer_with_invoice(live_app, "Bengt Bergström", 90_000_00, due_days_ago=400)
    login(page, "handlaggare")
    _new_case(page, customer_id, "Avskrivning", "Dödsbo utan tillgångar.")
    page.get_by_label("Orsak till avskrivningen").select_option("deceased_without_assets")
    page.get_by_label("Typ av avskrivning").select_option("final")
    page.get_by_role("button", name="Spara villkoren").click()
    page.get_by_role("button", name="Skicka in ärendet").click()
    page.get_by_text("Hänskjutet till nämnden").first.wait_for()
    assert "Nämnden beslutar" in page.locator("#verdict").inner_text()
    page.goto("/arenden/")
    assert axe_violations(page) == []
