"""Instalment plans followed up (RULINGS 16): the schedule against the payments: on track, late,
broken; the case officer's list and the customer page; the municipality's setting."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.auth.roles import Role
from portal.cases import services as case_services
from portal.cases.rules import Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.extensions import db
from portal.money import format_money
from portal.receivables.followup import plan_status
from portal.receivables.models import FollowUpSetting, Payment
from tests.cases.conftest import build_world

SCHEDULE = [(date(2026, 1, 31), 100_00), (date(2026, 2, 28), 100_00), (date(2026, 3, 31), 100_00)]


def test_a_plan_paid_as_scheduled_is_on_track():
    status = plan_status(SCHEDULE, [(date(2026, 1, 30), 100_00)], date(2026, 2, 10), 30)
    assert (status.status, status.days_late, status.owed_now_ore) == ("on_track", 0, 0)


def test_an_instalment_falling_due_today_is_not_late_yet():
    status = plan_status(SCHEDULE, [(date(2026, 1, 30), 100_00)], date(2026, 2, 28), 30)
    assert (status.status, status.owed_now_ore) == ("on_track", 100_00)


def test_a_missed_instalment_makes_the_plan_late_by_its_days_and_then_broken():
    late = plan_status(SCHEDULE, [(date(2026, 1, 30), 100_00)], date(2026, 3, 10), 30)
    assert (late.status, late.days_late, late.late_since, late.owed_now_ore) == ("late", 10, date(2026, 2, 28), 100_00)
    broken = plan_status(SCHEDULE, [(date(2026, 1, 30), 100_00)], date(2026, 3, 31), 30)
    assert (broken.status, broken.days_late) == ("broken", 31)
    assert plan_status(SCHEDULE, [(date(2026, 1, 30), 100_00)], date(2026, 3, 30), 30).status == "late"


def test_a_part_payment_covers_in_order_and_a_later_catch_up_puts_the_plan_back_on_track():
    part = plan_status(SCHEDULE, [(date(2026, 1, 30), 60_00)], date(2026, 2, 5), 30)
    assert (part.status, part.days_late, part.owed_now_ore) == ("late", 5, 40_00)
    caught_up = plan_status(SCHEDULE, [(date(2026, 1, 30), 60_00), (date(2026, 2, 6), 140_00)], date(2026, 2, 10), 30)
    assert caught_up.status == "on_track"
    paid = plan_status(SCHEDULE, [(date(2026, 1, 5), 300_00)], date(2026, 1, 10), 30)
    assert paid.status == "paid"
    # A payment after today is not yet made.
    assert plan_status(SCHEDULE, [(date(2026, 2, 20), 100_00)], date(2026, 2, 10), 30).status == "late"


def test_a_negative_setting_is_refused():
    with pytest.raises(ValueError):
        plan_status(SCHEDULE, [], date(2026, 2, 10), -1)


@pytest.fixture
def plan(make, frozen_clock):
    """An executed plan of three instalments, decided 2026-11-23 (world date), first due 2026-12-31."""
    world = build_world(make)
    officer, chef = world.actor(world.officer, "case_officer"), world.actor(world.unit_head)
    case = case_services.case_create(officer, customer=world.customer, case_type=CaseType.INSTALMENT_PLAN,
                                     invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    case_services.case_update(officer, case, invoice_ids=[world.invoice.id], reasons="Sjukdom.",
                              terms=TermsInput(first_due_date=date(2026, 12, 31), instalments=3))
    case_services.case_submit(officer, case)
    case_services.case_decide(chef, case, case_services.DecisionInput(Outcome.GRANTED, "Skäl finns.",
                                                                      no_conflict_confirmed=True))
    case_services.agreement_register_signed(officer, case, date(2026, 11, 23),
                                            case_services.Scan("avtal.pdf", b"%PDF-1.4 signerat"))
    case_services.case_execute(world.actor(world.finance, "finance_officer"), case)
    make.user("revisor", Role.AUDITOR)
    db.session.commit()
    return world, case


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_late_plan_is_listed_with_what_is_owed_now_and_shown_on_the_customer_page(client, plan, frozen_clock):
    from datetime import UTC, datetime

    world, case = plan
    first = case.decision.terms["schedule"][0]
    client.login("handlaggare")
    assert "Ingen verkställd plan är försenad." in _text(client.get("/kunder/planer"))
    frozen_clock.set(datetime(2027, 1, 10, 10, 0, tzinfo=UTC))
    page = _text(client.get("/kunder/planer"))
    assert case.registry_number in page and "Åsa Öberg" in page and "Försenad" in page
    row = re.search(r'<tr>\s*<td><a href="/arenden/%d">.*?</tr>' % case.id, page, re.S).group(0)
    assert ">10<" in row and format_money(first["amount_ore"]) in row
    customer_page = _text(client.get(f"/kunder/{world.customer.id}"))
    assert 'id="customer-plans"' in customer_page and "Försenad (10 dagar)" in customer_page
    # Paid the first instalment (on its invoice, after the decision): back on track.
    db.session.add(Payment(invoice_id=world.invoice.id, payment_date=date(2027, 1, 9),
                           amount_ore=first["amount_ore"], occurrence=1))
    db.session.commit()
    assert "Ingen verkställd plan är försenad." in _text(client.get("/kunder/planer"))
    assert "Följs" in _text(client.get(f"/kunder/{world.customer.id}"))


def test_the_municipalitys_setting_decides_when_a_plan_is_broken(client, app, plan, frozen_clock, make):
    from datetime import UTC, datetime

    world, case = plan
    frozen_clock.set(datetime(2027, 1, 20, 10, 0, tzinfo=UTC))
    client.login("handlaggare")
    assert "Försenad" in _text(client.get("/kunder/planer"))  # 20 days, default 30
    make.user("ekonomichef", Role.FINANCE_DIRECTOR)
    db.session.commit()
    director = app.test_client()
    director.login("ekonomichef")
    response = director.post_form("/referensdata/uppfoljning", {"broken_after_days": "14"})
    assert response.status_code == 303
    assert db.session.scalar(select(FollowUpSetting.broken_after_days)) == 14
    assert "<strong>Bruten</strong>" in _text(client.get("/kunder/planer"))
    second = director.post_form("/referensdata/uppfoljning", {"broken_after_days": "20"})
    assert second.status_code == 422 and "Inställningen finns redan" in _text(second)
    assert db.session.scalar(select(func.count()).select_from(FollowUpSetting)) == 1
    assert director.post_form("/referensdata/uppfoljning", {"broken_after_days": "0"}).status_code == 422
    refused = client.post_form("/referensdata/uppfoljning", {"broken_after_days": "5"})
    assert refused.status_code == 403


def test_a_reader_of_another_unit_sees_no_plan(client, plan, frozen_clock):
    from datetime import UTC, datetime

    frozen_clock.set(datetime(2027, 3, 1, 10, 0, tzinfo=UTC))
    world, case = plan
    client.login("chef.syd")
    page = _text(client.get("/kunder/planer"))
    assert "Åsa Öberg" not in page and "Ingen verkställd plan är försenad." in page
