"""RULINGS 2 (issue 11): the officer's entered terms are kept; the figures derived from them are
recomputed on the decision day, the decider sees what changed since submission, and a case whose
decision-day figures cross a limit is re-routed (audited) before anyone can decide it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.cases import services
from portal.cases.models import Case
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput, reference_rates
from portal.delegation.engine_types import CaseType
from portal.documents.models import DocumentKind
from portal.documents.services import documents_for
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.receivables.rules import late_interest
from tests.documents.test_letters import flat, kr

NBSP = "\u00a0"
SUBMITTED = date(2026, 11, 23)
DECISION_DAY = date(2026, 12, 15)


def _at(frozen_clock, day: date) -> None:
    frozen_clock.set(datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC))


def _interest(capital: int, due: date, day: date) -> int:
    return late_interest(capital, due, day, reference_rates()).total_ore


def _write_off_near_the_limit(world, make) -> Case:
    """4 960 kr due 2026-10-31: with interest 4 991,25 kr when submitted (under rule 3.1's 5 000 kr),
    over 5 000 kr by 15 December, where rule 3.2 (the department head) takes it."""
    make.delegation_rule(world.version, "3.2", case_type="write_off", level=2, position_kind="department_head",
                         scope="issuing_department", max_amount_ore=50_000_00)
    invoice = make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31),
                           original_ore=4_960_00)
    officer = world.actor(world.officer, "case_officer")
    case = services.case_create(officer, customer=world.customer, case_type=CaseType.WRITE_OFF,
                                invoice_ids=[invoice.id], terms=TermsInput(), reasons="Dödsbo.")
    services.case_update(officer, case, invoice_ids=[invoice.id], reasons="Dödsbo utan tillgångar.",
                         terms=TermsInput(write_off_reason="deceased_without_assets", write_off_final=True))
    services.case_submit(officer, case)
    assert case.state == CaseState.AWAITING_DECISION
    return case


def _decide(world, case, user, outcome=Outcome.GRANTED, **kw):
    return services.case_decide(world.actor(user), case, services.DecisionInput(
        outcome=outcome, reasons="Styrkt.", no_conflict_confirmed=True, **kw))


def _entries(case, action):
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "case", AuditEntry.object_id == str(case.id), AuditEntry.action == action)
        .order_by(AuditEntry.id)).all()


def test_the_submission_keeps_the_figures_it_was_submitted_with(app, world, make):
    case = _write_off_near_the_limit(world, make)
    interest = _interest(4_960_00, date(2026, 10, 31), SUBMITTED)
    assert case.submitted_figures["on_date"] == "2026-11-23"
    assert case.submitted_figures["amount_ore"] == 4_960_00 + interest < 5_000_00
    assert case.submitted_figures["interest_to_date_ore"] == interest


def test_a_limit_crossed_by_the_decision_day_re_routes_the_case_before_anyone_decides(app, world, make,
                                                                                       frozen_clock):
    case = _write_off_near_the_limit(world, make)
    _at(frozen_clock, DECISION_DAY)
    with pytest.raises(services.RoutingChanged) as refused:
        _decide(world, case, world.unit_head)
    message = refused.value.errors["case"]
    assert "går det nu till punkt 3.2 i stället för 3.1" in message and "beslutet registrerades inte" in message
    assert "Belopp som prövas mot gränserna" in message and "→" in message
    assert case.decision is None and case.state == CaseState.AWAITING_DECISION
    [reroute] = _entries(case, "case.reroute")
    assert reroute.before["proposed_rules"] == ["3.1"] and reroute.after["proposed_rules"] == ["3.2"]
    amount_now = 4_960_00 + _interest(4_960_00, date(2026, 10, 31), DECISION_DAY)
    assert reroute.after["figures_changed"]["amount_ore"] == [case.submitted_figures["amount_ore"], amount_now]
    # Re-routed, the case is decided where it now goes, on the decision day's amount.
    decision = _decide(world, case, world.department_head)
    assert decision.rule_number == "3.2" and decision.amount_ore == amount_now > 5_000_00


def test_the_unit_head_cannot_decide_it_after_the_re_routing_either(app, world, make, frozen_clock):
    case = _write_off_near_the_limit(world, make)
    _at(frozen_clock, DECISION_DAY)
    with pytest.raises(services.RoutingChanged):
        _decide(world, case, world.unit_head)
    with pytest.raises(ValidationFailed) as refused:
        _decide(world, case, world.unit_head)
    assert not isinstance(refused.value, services.RoutingChanged)
    assert case.decision is None


def test_the_decider_sees_what_changed_and_the_attempt_is_refused_on_the_page(client, world, make, frozen_clock):
    case = _write_off_near_the_limit(world, make)
    db.session.commit()
    _at(frozen_clock, DECISION_DAY)
    client.login("chef.norr")
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True).replace(NBSP, " ")
    submitted = case.submitted_figures["amount_ore"]
    now = 4_960_00 + _interest(4_960_00, date(2026, 10, 31), DECISION_DAY)
    assert "Ändrat sedan ärendet skickades in" in page
    assert kr(submitted) in page and kr(now) in page
    assert "Med beslutsdagens belopp går ärendet till punkt 3.2, inte till punkt 3.1 dit det skickades." in page
    response = client.post_form(f"/arenden/{case.id}/beslut", {
        "outcome": "granted", "reasons": "Styrkt.", "no_conflict": "y", "confirmed": "y"})
    assert response.status_code == 422
    assert "Ärendet har dirigerats om och beslutet registrerades inte" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).decision is None
    assert len(_entries(case, "case.reroute")) == 1  # committed, though the decision was refused
    [refusal] = _entries(case, "case.decision_refused")
    assert refusal.after["rule"] == "3.1" and "dirigerats om" in refusal.after["reason"]


def test_unchanged_figures_show_no_change_block(client, world, make):
    case = _write_off_near_the_limit(world, make)
    db.session.commit()
    client.login("chef.norr")
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Ändrat sedan ärendet skickades in" not in page


def test_a_plan_keeps_its_monthly_amount_and_recomputes_the_rest_after_a_payment(app, world, make, frozen_clock):
    officer = world.actor(world.officer, "case_officer")
    case = services.case_create(officer, customer=world.customer, case_type=CaseType.INSTALMENT_PLAN,
                                invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Ansökan.")
    services.case_update(officer, case, invoice_ids=[world.invoice.id], reasons="Ansökan från kunden.",
                         terms=TermsInput(first_due_date=date(2027, 1, 31), monthly_amount_ore=1_000_00))
    services.case_submit(officer, case)
    submitted = dict(case.submitted_figures)
    assert submitted["open_capital_ore"] == 3_000_00 and submitted["instalments"] == 4
    # 1 000 kr paid before the decision (the ledger's Restbelopp), decided a week later.
    world.invoice.open_amount_ore = 2_000_00
    _at(frozen_clock, date(2026, 11, 30))
    decision = _decide(world, case, world.unit_head)
    assert decision.terms["monthly_amount_ore"] == 1_000_00  # the officer's entered term stands
    assert decision.amount_ore == 2_000_00 and decision.terms["instalments"] == 3
    assert decision.terms["last_instalment_ore"] != submitted["last_instalment_ore"]
    assert case.lines[0].open_capital_ore == 2_000_00
    letter = flat(next(d for d in documents_for("decision", decision.id)
                       if d.kind == DocumentKind.DECISION_LETTER.value).content)
    assert kr(2_000_00) in letter and kr(3_000_00) not in letter


def test_the_letter_gives_the_decision_days_amount_and_interest(app, world, make, frozen_clock):
    case = _write_off_near_the_limit(world, make)
    _at(frozen_clock, date(2026, 11, 26))  # three days on: 3.1 still covers it
    decision = _decide(world, case, world.unit_head)
    interest = _interest(4_960_00, date(2026, 10, 31), date(2026, 11, 26))
    assert decision.amount_ore == 4_960_00 + interest != case.submitted_figures["amount_ore"]
    letter = flat(next(d for d in documents_for("decision", decision.id)
                       if d.kind == DocumentKind.DECISION_LETTER.value).content)
    assert f"Belopp som skrivs av: {kr(4_960_00 + interest)}" in letter and kr(interest) in letter
    assert kr(case.submitted_figures["amount_ore"]) not in letter


def test_a_credit_above_what_is_now_open_is_refused_naming_the_invoice(app, world, frozen_clock):
    officer = world.actor(world.officer, "case_officer")
    case = services.case_create(officer, customer=world.customer, case_type=CaseType.CREDIT,
                                invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Fel pris.")
    services.case_update(officer, case, invoice_ids=[world.invoice.id], reasons="Fel pris.",
                         terms=TermsInput(credit_reason="wrong_price", credited_ore={world.invoice.id: 2_500_00}))
    services.case_submit(officer, case)
    world.invoice.open_amount_ore = 2_000_00
    with pytest.raises(ValidationFailed) as refused:
        _decide(world, case, world.unit_head)
    assert "är nu mer än dess öppna belopp" in refused.value.errors["case"]
    assert case.decision is None


def test_the_trail_shows_the_changed_figures_of_a_re_routing_in_swedish(app, world, make, frozen_clock):
    from portal.audit.display import describe

    case = _write_off_near_the_limit(world, make)
    _at(frozen_clock, DECISION_DAY)
    with pytest.raises(services.RoutingChanged):
        _decide(world, case, world.unit_head)
    [reroute] = _entries(case, "case.reroute")
    details = dict(describe(reroute))
    assert details["Föreslagna punkter"] == "3.1 → 3.2"
    changed = details["Ändrat sedan ärendet skickades in"].replace(NBSP, " ")
    assert f"Belopp som prövas mot gränserna {kr(case.submitted_figures['amount_ore'])} → " in changed


def _limit_rule_to_reasons(world, reasons: list[str]) -> None:
    from portal.delegation.models import DelegationRule

    rule = db.session.scalars(select(DelegationRule).where(DelegationRule.version_id == world.version.id,
                                                           DelegationRule.number == "3.1")).one()
    rule.allowed_write_off_reasons = reasons
    db.session.flush()


def test_the_decision_day_question_keeps_the_write_off_reason(client, world, make, frozen_clock):
    """The page and the decision ask the engine on the decision day's figures with every other fact
    of the case kept: a rule limited to some write-off reasons still covers the case."""
    _limit_rule_to_reasons(world, ["deceased_without_assets"])
    case = _write_off_near_the_limit(world, make)
    db.session.commit()
    _at(frozen_clock, date(2026, 11, 26))  # the interest has grown, 3.1 still covers it
    client.login("chef.norr")
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Ändrat sedan ärendet skickades in" in page
    assert "Registrera beslutet" in page and "punkt 3.1" in page.lower()
    response = client.post_form(f"/arenden/{case.id}/beslut", {
        "outcome": "granted", "reasons": "Styrkt.", "no_conflict": "y", "confirmed": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Case, case.id).decision.rule_number == "3.1"
