"""Issue 12 §1: a rule scoped by kind of receivable (invoice categories) and by issuing unit.

The rule books say e.g. "plans for VA connection fees are decided by the VA unit; everything else
by the finance department". Each test tries to get a case past a scope it is outside of."""

from __future__ import annotations

from dataclasses import replace

import pytest

from portal.delegation.checks import check_version
from portal.delegation.engine_types import CaseType, ReceivableScope
from portal.delegation.results import FindingCode, ReasonCode, Severity

from .builders import (
    ANNA,
    BERIT,
    DAVID,
    DEPARTMENT_HEAD,
    DEPT_CARE,
    DEPT_HEAD_CARE,
    PBB,
    UNIT_ECONOMY,
    UNIT_GROUP_HOME,
    UNIT_HOME_CARE,
    UNIT_LSS,
    codes,
    decide,
    facts,
    named,
    org,
    rule,
    verdict_of,
    version,
)

VA, RENT, CARE = 501, 502, 503


def scoped(number="1", *, only=None, excluded=frozenset(), units=None, **changes):
    return replace(
        rule(number, **changes),
        receivables=ReceivableScope(
            category_ids=None if only is None else frozenset(only),
            excluded_category_ids=frozenset(excluded),
            unit_ids=None if units is None else frozenset(units),
        ),
    )


def outcome(scheme, number="1", **case):
    return verdict_of(facts(**case), scheme).outcome(number)


def test_a_rule_for_some_categories_matches_only_cases_wholly_inside_them():
    scheme = version(scoped(only={VA}))
    assert outcome(scheme, invoice_category_ids=frozenset({VA})).matched
    mixed = outcome(scheme, invoice_category_ids=frozenset({VA, RENT}))
    assert not mixed.matched
    (reason,) = mixed.reasons
    assert reason.code == ReasonCode.CATEGORY_OUTSIDE_SCOPE and reason.actual == (RENT,)


@pytest.mark.parametrize("given", [None, frozenset()])
def test_an_unknown_category_is_never_taken_as_inside(given):
    result = outcome(version(scoped(only={VA})), invoice_category_ids=given)
    assert not result.matched and codes(result.reasons) == {ReasonCode.FACT_MISSING}
    excluded = outcome(version(scoped(excluded={RENT})), invoice_category_ids=given)
    assert not excluded.matched


def test_a_rule_for_all_but_some_categories_refuses_a_case_with_any_of_them():
    scheme = version(scoped(excluded={RENT}))
    assert outcome(scheme, invoice_category_ids=frozenset({CARE, VA})).matched
    for case in ({RENT}, {RENT, CARE}):
        result = outcome(scheme, invoice_category_ids=frozenset(case))
        assert codes(result.reasons) == {ReasonCode.CATEGORY_EXCLUDED}


def test_a_unit_scope_covers_the_unit_and_every_unit_below_it():
    by_department = version(scoped(units={DEPT_CARE}))
    by_unit = version(scoped(units={UNIT_LSS}, delegate=DEPARTMENT_HEAD))
    assert outcome(by_department, issuing_unit_id=UNIT_HOME_CARE).matched
    assert outcome(by_unit, issuing_unit_id=UNIT_GROUP_HOME).matched  # below LSS
    result = outcome(by_unit, issuing_unit_id=UNIT_HOME_CARE)
    assert codes(result.reasons) == {ReasonCode.ISSUING_UNIT_OUTSIDE_SCOPE}


def test_a_missing_issuing_unit_is_named_once():
    result = outcome(version(scoped(units={DEPT_CARE})), issuing_unit_id=None)
    assert [r.code for r in result.reasons] == [ReasonCode.ISSUING_UNIT_MISSING]


def test_the_va_rule_and_the_general_rule_send_each_case_to_its_own_decider():
    """"Plans for VA connection fees: the department head; every other plan: the unit head"."""
    plan = {"case_type": CaseType.INSTALMENT_PLAN, "plan_months": 10, "monthly_instalment_ore": 50_000}
    scheme = version(
        scoped("2.1", only={VA}, delegate=named(DEPT_HEAD_CARE), case_type=CaseType.INSTALMENT_PLAN),
        scoped("2.2", excluded={VA}, case_type=CaseType.INSTALMENT_PLAN),
    )
    va = verdict_of(facts(**plan, invoice_category_ids=frozenset({VA})), scheme)
    care = verdict_of(facts(**plan, invoice_category_ids=frozenset({CARE})), scheme)
    assert va.proposed_rule_numbers == ("2.1",) and care.proposed_rule_numbers == ("2.2",)
    va_case = facts(**plan, invoice_category_ids=frozenset({VA}))
    assert not decide(ANNA, va_case, scheme).allowed  # the unit head may not decide a VA plan
    assert decide(DAVID, va_case, scheme).allowed
    refused = decide(ANNA, va_case, scheme)
    assert ReasonCode.CATEGORY_EXCLUDED in codes(refused.reasons)


def test_nobody_decides_a_case_outside_every_scope():
    scheme = version(scoped("1", only={VA}), scoped("2", only={CARE}, level=2, delegate=DEPARTMENT_HEAD))
    case = facts(invoice_category_ids=frozenset({RENT}))
    result = verdict_of(case, scheme)
    assert result.committee_only
    assert not any(decide(person, case, scheme).allowed for person in (ANNA, BERIT, DAVID))


# --- the checker ----------------------------------------------------------------------------------

def checked(scheme, categories=None):
    return check_version(scheme, org(), PBB, categories=categories or {VA: "VA", RENT: "Hyra", CARE: "Omsorg"})


def errors_of(found):
    return {(f.code, f.rule_number) for f in found if f.severity == Severity.ERROR}


def test_the_checker_refuses_scopes_that_could_never_match():
    assert (FindingCode.SCOPE_BOTH_FORMS, "1") in errors_of(checked(version(scoped(only={VA}, excluded={RENT}))))
    assert (FindingCode.SCOPE_EMPTY, "1") in errors_of(checked(version(scoped(only=set()))))
    assert (FindingCode.SCOPE_EMPTY, "1") in errors_of(checked(version(scoped(units=set()))))
    missing = checked(version(scoped(only={VA}, excluded=set())), categories={RENT: "Hyra"})
    assert (FindingCode.SCOPE_CATEGORY_MISSING, "1") in errors_of(missing)
    other_committee = checked(version(scoped(units={UNIT_ECONOMY})))
    assert (FindingCode.SCOPE_UNIT_NOT_OF_COMMITTEE, "1") in errors_of(other_committee)
    assert errors_of(checked(version(scoped(only={VA}), scoped("2", excluded={VA}, units={DEPT_CARE})))) == set()


def test_rules_with_disjoint_categories_do_not_overlap_but_others_do():
    def overlaps(first, second):
        return any(f.code == FindingCode.OVERLAPPING_RULES for f in checked(version(first, second)))

    assert not overlaps(scoped("1", only={VA}), scoped("2", only={RENT}, delegate=DEPARTMENT_HEAD))
    assert not overlaps(scoped("1", only={VA}), scoped("2", excluded={VA}, delegate=DEPARTMENT_HEAD))
    assert overlaps(scoped("1", only={VA, RENT}), scoped("2", excluded={VA}, delegate=DEPARTMENT_HEAD))
    assert overlaps(scoped("1", only={VA}), scoped("2", delegate=DEPARTMENT_HEAD))
