"""The pure rules of a case: steps allowed from each state, amounts, lengths, R5 window, numbers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.cases.rules import (
    DECIDED,
    CaseState,
    EarlierDecision,
    InvoiceLine,
    Outcome,
    Step,
    StepRefused,
    case_amount,
    deferral_length,
    next_states,
    registry_number,
    steps_from,
    twelve_month_prior,
    twelve_month_window,
)
from portal.delegation.engine_types import CaseType


def test_a_decided_case_cannot_be_decided_again_or_edited():
    for state in DECIDED:
        for step in (Step.GRANT, Step.PARTLY_GRANT, Step.REFUSE, Step.SUBMIT, Step.RETURN_FOR_COMPLETION,
                     Step.WITHDRAW):
            with pytest.raises(StepRefused):
                next_states(state, step)


def test_a_draft_cannot_be_decided_before_it_is_submitted():
    with pytest.raises(StepRefused):
        next_states(CaseState.DRAFT, Step.GRANT)


def test_a_case_awaiting_consultation_cannot_be_decided():
    with pytest.raises(StepRefused):
        next_states(CaseState.AWAITING_CONSULTATION, Step.GRANT)


def test_only_granted_cases_are_executed():
    assert next_states(CaseState.GRANTED, Step.EXECUTE) == {CaseState.EXECUTED}
    for state in (CaseState.REFUSED, CaseState.AWAITING_DECISION, CaseState.WITHDRAWN):
        with pytest.raises(StepRefused):
            next_states(state, Step.EXECUTE)


def test_withdrawn_and_executed_are_final():
    assert steps_from(CaseState.WITHDRAWN) == frozenset()
    assert steps_from(CaseState.EXECUTED) == frozenset()


def test_amount_of_a_deferral_or_plan_is_the_open_capital():
    lines = [InvoiceLine(1, 100_00, interest_ore=5_00, fees_ore=60_00), InvoiceLine(2, 250_50)]
    assert case_amount(CaseType.DEFERRAL, lines) == 350_50
    assert case_amount(CaseType.INSTALMENT_PLAN, lines) == 350_50


def test_amount_of_a_write_off_is_all_that_is_given_up():
    lines = [InvoiceLine(1, 100_00, interest_ore=5_00, fees_ore=60_00), InvoiceLine(2, 250_50)]
    assert case_amount(CaseType.WRITE_OFF, lines) == 100_00 + 5_00 + 60_00 + 250_50


def test_amount_of_a_partial_credit_is_the_credited_part():
    lines = [InvoiceLine(1, 1_000_00, credited_capital_ore=300_00), InvoiceLine(2, 50_00)]
    assert case_amount(CaseType.CREDIT, lines) == 300_00 + 50_00


def test_deferral_length_counts_a_started_month_as_whole():
    assert deferral_length(date(2026, 1, 31), date(2026, 4, 30)).months == 3
    assert deferral_length(date(2026, 1, 31), date(2026, 5, 1)).months == 4
    assert deferral_length(date(2026, 1, 31), date(2026, 5, 1)).days == 90


def _decision(day: date, amount: int, outcome: Outcome = Outcome.GRANTED, **kw) -> EarlierDecision:
    base = dict(customer_id=1, committee_id=7, case_type=CaseType.WRITE_OFF)
    base.update(kw)
    return EarlierDecision(outcome=outcome, decision_date=day, amount_ore=amount, **base)


def test_twelve_month_window_is_the_year_before_up_to_the_decision_date():
    assert twelve_month_window(date(2026, 11, 23)) == (date(2025, 11, 24), date(2026, 11, 23))


def test_twelve_month_basis_counts_granted_decisions_in_the_window_only():
    decisions = [
        _decision(date(2025, 11, 23), 1_000_00),           # a year and a day before: outside
        _decision(date(2025, 11, 24), 200_00),             # first day inside
        _decision(date(2026, 11, 23), 30_00),              # same day: inside
        _decision(date(2026, 6, 1), 400_00, Outcome.PARTLY_GRANTED),
        _decision(date(2026, 6, 2), 5_000_00, Outcome.REFUSED),
        _decision(date(2026, 6, 3), 7_00, customer_id=2),
        _decision(date(2026, 6, 4), 8_00, committee_id=8),
        _decision(date(2026, 6, 5), 9_00, case_type=CaseType.CREDIT),
    ]
    assert twelve_month_prior(decisions, customer_id=1, committee_id=7, case_type=CaseType.WRITE_OFF,
                              decision_date=date(2026, 11, 23)) == 200_00 + 30_00 + 400_00


@given(st.lists(st.tuples(st.integers(0, 800), st.integers(0, 10_000_00)), max_size=20), st.integers(1, 10_000_00))
def test_splitting_never_lowers_the_basis(parts, extra):
    """Whatever was decided before only adds to the basis: a split case never looks smaller."""
    day = date(2026, 11, 23)
    decisions = [_decision(date.fromordinal(day.toordinal() - back), amount) for back, amount in parts]
    before = twelve_month_prior(decisions, customer_id=1, committee_id=7, case_type=CaseType.WRITE_OFF,
                                decision_date=day)
    decisions.append(_decision(day, extra))
    after = twelve_month_prior(decisions, customer_id=1, committee_id=7, case_type=CaseType.WRITE_OFF,
                               decision_date=day)
    assert after == before + extra


def test_registry_number_follows_the_committee_format():
    assert registry_number("{code} {year}/{number}", code="SN", year=2026, number=123) == "SN 2026/123"
    assert registry_number("{code}-{year}-{number:04d}", code="TN", year=2026, number=7) == "TN-2026-0007"


# --- one invoice in one open case (RULINGS 15) ----------------------------------------------------

def _other(state, case_type=CaseType.DEFERRAL, given=0, case_id=9):
    from portal.cases.rules import OtherCase

    return OtherCase(case_id, "SN 2026/9", state, case_type, invoice_id=1, given_up_capital_ore=given)


def _holds(others, asked=1_000_00, open_ore=1_000_00):
    from portal.cases.rules import WantedInvoice, invoice_holds

    return invoice_holds([WantedInvoice(1, "F1", open_ore, asked)], others)


@pytest.mark.parametrize("state", ["awaiting_consultation", "awaiting_decision", "referred_to_committee",
                                   "returned"])
def test_an_open_case_holds_its_invoice(state):
    from portal.cases.rules import CaseState, HoldKind

    [hold] = _holds([_other(CaseState(state))])
    assert hold.kind == HoldKind.OPEN_CASE and hold.blocks


@pytest.mark.parametrize("state", ["withdrawn", "refused", "executed", "granted", "partly_granted"])
def test_closed_cases_and_granted_deferrals_hold_nothing(state):
    from portal.cases.rules import CaseState

    assert _holds([_other(CaseState(state))]) == []


def test_a_draft_only_warns():
    from portal.cases.rules import CaseState, HoldKind

    [hold] = _holds([_other(CaseState.DRAFT)])
    assert hold.kind == HoldKind.DRAFT and not hold.blocks


def test_what_a_granted_write_off_gave_up_is_no_longer_open():
    from portal.cases.rules import CaseState, HoldKind

    granted = _other(CaseState.GRANTED, CaseType.WRITE_OFF, given=600_00)
    assert _holds([granted], asked=400_00) == []
    [hold] = _holds([granted], asked=400_01)
    assert hold.kind == HoldKind.BEYOND_OPEN and hold.remaining_ore == 400_00 and hold.blocks


def test_a_partial_write_off_gives_up_capital_before_interest_invoice_by_invoice():
    from portal.cases.rules import InvoiceLine, given_up_capital

    lines = [InvoiceLine(1, 1_000_00, interest_ore=50_00), InvoiceLine(2, 500_00)]
    assert given_up_capital(CaseType.WRITE_OFF, lines, 1_200_00) == {1: 1_000_00, 2: 150_00}
    assert given_up_capital(CaseType.DEFERRAL, lines, 1_500_00) == {}
