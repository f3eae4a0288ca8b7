"""Issue 12 §3 and §5: a deferral with part payments, a lowest amount, the number of instalments,
and how often a customer may be granted a case of a type. Each test tries to get past the limit."""

from __future__ import annotations

import pytest

from portal.delegation.checks import check_version
from portal.delegation.engine_types import CaseType, FrequencyPeriod, monthly_amount_limited
from portal.delegation.results import FindingCode, ReasonCode, Severity

from .builders import (
    ANNA,
    DEPARTMENT_HEAD,
    PBB,
    codes,
    decide,
    facts,
    org,
    plan_facts,
    rule,
    verdict_of,
    version,
)


def errors_of(scheme):
    return {(f.code, f.rule_number) for f in check_version(scheme, org(), PBB) if f.severity == Severity.ERROR}


# --- §3 deferral with part payments -------------------------------------------------------------------

def test_a_deferral_rule_may_ask_a_smallest_monthly_part_payment():
    """"Anstånd med delbetalning, minst 200 kr per månad, högst 6 månader"."""
    scheme = version(rule("1", max_deferral_months=6, min_monthly_instalment_ore=20_000))
    assert monthly_amount_limited(CaseType.DEFERRAL)
    assert errors_of(scheme) == set()  # a checker error before issue 12
    assert verdict_of(facts(monthly_instalment_ore=20_000), scheme).outcome("1").matched
    under = verdict_of(facts(monthly_instalment_ore=19_999), scheme).outcome("1")
    assert codes(under.reasons) == {ReasonCode.INSTALMENT_UNDER_MINIMUM}
    without = verdict_of(facts(monthly_instalment_ore=None), scheme).outcome("1")
    assert codes(without.reasons) == {ReasonCode.FACT_MISSING}  # a deferral without part payments
    assert not decide(ANNA, facts(monthly_instalment_ore=19_999), scheme).allowed


# --- §3 a lowest amount ----------------------------------------------------------------------------

@pytest.mark.parametrize(("amount", "level"), [(2_999_999, 1), (3_000_000, 1), (3_000_001, 2),
                                                (10_000_000, 2), (10_000_001, None)])
def test_30_000_to_100_000_kr_goes_to_the_director(amount, level):
    scheme = version(
        rule("1", max_amount_ore=3_000_000),
        rule("2", delegate=DEPARTMENT_HEAD, level=2, min_amount_ore=3_000_001, max_amount_ore=10_000_000),
    )
    result = verdict_of(facts(amount_ore=amount), scheme)
    assert result.proposed_level == level
    if amount < 3_000_001:
        assert ReasonCode.AMOUNT_UNDER_MINIMUM in codes(result.outcome("2").reasons)


def test_a_lowest_amount_above_the_highest_is_a_checker_error():
    assert (FindingCode.MIN_ABOVE_MAX_AMOUNT, "1") in errors_of(
        version(rule("1", min_amount_ore=100_001, max_amount_ore=100_000)))
    assert errors_of(version(rule("1", min_amount_ore=100_000, max_amount_ore=100_000))) == set()
    assert (FindingCode.LIMIT_NOT_POSITIVE, "1") in errors_of(version(rule("1", min_amount_ore=0)))


# --- §3 the number of instalments --------------------------------------------------------------------

def test_rent_in_two_or_three_parts():
    scheme = version(rule("4", case_type=CaseType.INSTALMENT_PLAN, max_instalments=3))
    assert verdict_of(plan_facts(instalments=3), scheme).outcome("4").matched
    four = verdict_of(plan_facts(instalments=4), scheme).outcome("4")
    assert codes(four.reasons) == {ReasonCode.INSTALMENTS_OVER_LIMIT}
    unknown = verdict_of(plan_facts(instalments=None), scheme).outcome("4")
    assert codes(unknown.reasons) == {ReasonCode.FACT_MISSING}
    assert (FindingCode.LIMIT_NOT_FOR_CASE_TYPE, "1") in errors_of(version(rule("1", max_instalments=3)))


# --- §5 frequency ----------------------------------------------------------------------------------

@pytest.mark.parametrize("period", list(FrequencyPeriod))
def test_at_most_one_plan_per_customer_and_period(period):
    scheme = version(rule("4", case_type=CaseType.INSTALMENT_PLAN, max_granted_cases=1,
                          frequency_period=period))
    name = ("granted_cases_calendar_year" if period == FrequencyPeriod.CALENDAR_YEAR
            else "granted_cases_twelve_months")
    other = ("granted_cases_twelve_months" if period == FrequencyPeriod.CALENDAR_YEAR
             else "granted_cases_calendar_year")
    first = verdict_of(plan_facts(**{name: 0, other: 5}), scheme).outcome("4")
    second = verdict_of(plan_facts(**{name: 1, other: 0}), scheme).outcome("4")
    assert first.matched
    (reason,) = second.reasons
    assert reason.code == ReasonCode.FREQUENCY_OVER_LIMIT and (reason.limit, reason.actual) == (1, 2)
    assert codes(verdict_of(plan_facts(), scheme).outcome("4").reasons) == {ReasonCode.FACT_MISSING}


def test_a_frequency_of_zero_is_a_checker_error():
    assert (FindingCode.LIMIT_NOT_POSITIVE, "1") in errors_of(version(rule("1", max_granted_cases=0)))
