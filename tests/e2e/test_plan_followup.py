"""In a real browser (issue 13, RULINGS 16): an executed instalment plan followed from kept, through
late (instalments not paid, the days counted on the clock the tests move), to broken by the
municipality's setting; the case officer proposes that the whole debt falls due and the unit head
who may grant that plan today confirms it, with its letter; no accessibility violations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from portal import clock
from portal.audit.services import Actor
from portal.extensions import db
from tests.e2e.conftest import axe_violations, login, logout
from tests.e2e.test_cases import _customer_with_invoice

START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # the demo scheme and 2026's price base amount apply
FIRST_DUE = date(2026, 6, 10)


@pytest.fixture
def moved_clock(monkeypatch):
    """The portal's clock (the served app runs in this process), set by the test."""
    moments = {"now": START}
    monkeypatch.setattr(clock, "now", lambda: moments["now"])
    return moments


def _executed_plan(app) -> tuple[int, int, str]:
    """A plan of three instalments of a 3 000 kr invoice, granted by the unit head of Hemtjänst
    Norr, its signed agreement registered and booked by finance; the first instalment 2026-06-10."""
    from portal.auth.models import User
    from portal.cases import services
    from portal.cases.rules import Outcome
    from portal.cases.terms import TermsInput
    from portal.delegation.engine_types import CaseType
    from portal.receivables.models import Customer, FollowUpSetting, Invoice

    customer_id = _customer_with_invoice(app, "Petra Plansson", 3_000_00, due_days_ago=5)
    with app.app_context():
        def acting(username: str, capacity: str | None = None) -> Actor:
            user = db.session.scalars(select(User).where(User.username == username)).one()
            return Actor(user.id, user.username, capacity)

        officer = acting("handlaggare", "case_officer")
        invoice = db.session.scalars(select(Invoice).where(Invoice.customer_id == customer_id)).one()
        case = services.case_create(officer, customer=db.session.get(Customer, customer_id),
                                    case_type=CaseType.INSTALMENT_PLAN, invoice_ids=[invoice.id],
                                    terms=TermsInput(), reasons="Arbetslös sedan våren.")
        services.case_update(officer, case, invoice_ids=[invoice.id], reasons="Arbetslös sedan våren.",
                             terms=TermsInput(first_due_date=FIRST_DUE, instalments=3))
        services.case_submit(officer, case)
        services.case_decide(acting("chef.norr"), case, services.DecisionInput(
            Outcome.GRANTED, "Planen är rimlig.", no_conflict_confirmed=True))
        services.agreement_register_signed(officer, case, clock.today())
        services.case_execute(acting("ekonom", "finance_officer"), case)
        # The municipality's follow-up setting: late by more than 10 days is broken.
        db.session.execute(delete(FollowUpSetting))
        db.session.add(FollowUpSetting(broken_after_days=10))
        db.session.commit()
        number = case.registry_number
        case_id = case.id
        db.session.remove()
    return customer_id, case_id, number


def _forget_the_setting(app) -> None:
    from portal.receivables.models import FollowUpSetting

    with app.app_context():
        db.session.execute(delete(FollowUpSetting))
        db.session.commit()
        db.session.remove()


def _plan_row(page, number: str) -> str:
    return page.locator("#customer-plans tr", has=page.get_by_role("link", name=number, exact=True)).inner_text()


def test_a_plan_goes_late_then_broken_and_its_whole_debt_falls_due(page, live_app, moved_clock):
    customer_id, case_id, number = _executed_plan(live_app)
    try:
        # Kept: nothing has fallen due yet.
        login(page, "handlaggare")
        page.goto(f"/arenden/{case_id}")
        assert page.locator("#plan-status").inner_text() == "Följs"
        assert axe_violations(page) == []
        logout(page)

        # Five days after the first instalment fell due, unpaid: late, not yet broken. The clock
        # moves only between requests: a request in flight would meet a session ten days idle.
        moved_clock["now"] = START + timedelta(days=14)
        login(page, "handlaggare")
        page.goto(f"/kunder/{customer_id}")
        assert "Försenad (5 dagar)" in _plan_row(page, number)
        assert axe_violations(page) == []
        page.locator("#customer-plans").get_by_role("link", name=number, exact=True).click()
        page.wait_for_url(f"**/arenden/{case_id}")
        page.locator("#plan-status").wait_for()
        assert page.get_by_role("button", name="Skicka in förslaget").count() == 0
        logout(page)

        # Fifteen days: broken. The officer proposes that the whole debt falls due.
        moved_clock["now"] = START + timedelta(days=24)
        login(page, "handlaggare")
        page.goto("/kunder/planer")
        row = page.locator("#plans-to-follow tr", has=page.get_by_role("link", name=number, exact=True))
        assert "Bruten" in row.inner_text() and "15" in row.inner_text()
        assert axe_violations(page) == []
        row.get_by_role("link", name=number, exact=True).click()
        assert page.locator("#plan-status").inner_text() == "Bruten (15 dagar)"
        page.get_by_label("Skäl för förslaget").fill("Ingen betalning trots påminnelse.")
        assert axe_violations(page) == []
        page.get_by_role("button", name="Skicka in förslaget").click()
        page.get_by_text("Förslaget om att hela skulden förfaller skickades in").wait_for()
        assert "Hela skulden förfaller (plan bruten)" in page.locator("h1").inner_text()
        proposal = page.locator("h1 small").inner_text()
        assert axe_violations(page) == []
        logout(page)

        # The unit head, who may grant that plan today, confirms it.
        login(page, "chef.norr")
        page.goto("/")
        page.get_by_role("link", name=proposal, exact=True).first.click()
        assert page.get_by_label("Bevilja delvis").count() == 0
        page.get_by_label("Bifall: hela skulden förfaller").check()
        page.get_by_label("Skäl för beslutet").fill("Planen har inte följts.")
        page.get_by_label("Jag är inte jävig i ärendet").check()
        page.get_by_label("Jag bekräftar beslutet").check()
        assert axe_violations(page) == []
        page.get_by_role("button", name="Registrera beslutet").click()
        page.get_by_text("Beslutet registrerades.").wait_for()
        decision = page.get_by_role("region", name="Beslut", exact=True)
        assert decision.get_by_role("link", name="Beslutsbrev").count() == 1
        assert axe_violations(page) == []
        logout(page)

        login(page, "handlaggare")
        page.goto(f"/arenden/{case_id}")
        assert page.locator("#plan-status").inner_text() == "Hela skulden förfaller"
        page.goto(f"/kunder/{customer_id}")
        assert "Hela skulden förfaller" in _plan_row(page, number) and proposal in _plan_row(page, number)
        assert axe_violations(page) == []
    finally:
        _forget_the_setting(live_app)
