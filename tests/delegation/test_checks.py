"""The draft checker: errors that block publishing a scheme version, warnings that only inform."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from portal.delegation.checks import check_version
from portal.delegation.engine_types import (
    CaseType,
    Consultation,
    CustomerKind,
    FloorForm,
    Limits,
    PlanLengthFloor,
    PositionKind,
    PositionKindDelegate,
    RuleKind,
    Scope,
    SubCommitteeDelegate,
)
from portal.delegation.results import FindingCode, Severity
from portal.delegation.snapshot import FurtherDelegation

from .builders import (
    CHAIR,
    COORDINATOR_LSS,
    DEPARTMENT_HEAD,
    DEPT_HEAD_CARE,
    HEAD_HOME_CARE,
    HEAD_LSS,
    KS,
    PBB,
    PRESIDIUM,
    SINCE,
    SN_AU,
    named,
    org,
    plan_facts,
    realistic_scheme,
    rule,
    verdict_of,
    version,
    write_off_facts,
)

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def findings_of(scheme, organisation=None, price_base_amounts=PBB):
    return check_version(scheme, organisation or org(), price_base_amounts)


def errors(findings):
    return {(f.code, f.rule_number) for f in findings if f.severity == ERROR}


def warnings(findings):
    return {(f.code, f.rule_number) for f in findings if f.severity == WARNING}


def test_the_realistic_scheme_has_no_blocking_error():
    assert errors(findings_of(realistic_scheme())) == set()


def test_duplicate_rule_numbers_block_publishing():
    scheme = version(rule("3.1"), rule("3.1", delegate=DEPARTMENT_HEAD, level=2))
    assert (FindingCode.DUPLICATE_RULE_NUMBER, "3.1") in errors(findings_of(scheme))


def test_an_empty_set_of_write_off_reasons_can_never_match():
    scheme = version(
        rule("5.1", case_type=CaseType.WRITE_OFF, allowed_write_off_reasons=frozenset())
    )
    assert (FindingCode.EMPTY_WRITE_OFF_REASONS, "5.1") in errors(findings_of(scheme))
    assert not verdict_of(write_off_facts(), scheme).outcome("5.1").matched


@pytest.mark.parametrize(
    ("case_type", "limits"),
    [
        (CaseType.DEFERRAL, {"max_plan_months": 12}),
        (CaseType.WRITE_OFF, {"min_monthly_instalment_ore": 10_000}),
        (CaseType.DEFERRAL, {"max_instalments": 3}),
        (CaseType.INSTALMENT_PLAN, {"max_deferral_days": 30}),
        (CaseType.CREDIT, {"allowed_write_off_reasons": frozenset({"time_barred"})}),
        (CaseType.WRITE_OFF, {"max_total_months": 24}),
    ],
)
def test_a_limit_of_another_case_type_is_an_error(case_type, limits):
    scheme = version(rule("1", case_type=case_type, **limits))
    assert (FindingCode.LIMIT_NOT_FOR_CASE_TYPE, "1") in errors(findings_of(scheme))


def test_a_plan_limit_on_a_deferral_rule_really_never_matches():
    scheme = version(rule("1", max_plan_months=12))
    assert not verdict_of(scheme=scheme).outcome("1").matched


@pytest.mark.parametrize("limit", ["max_deferral_months", "max_deferral_days", "max_amount_ore"])
def test_a_zero_ceiling_is_an_error(limit):
    scheme = version(rule("1", **{limit: 0}))
    assert (FindingCode.LIMIT_NOT_POSITIVE, "1") in errors(findings_of(scheme))


def test_a_max_amount_below_a_smallest_debt_floor_is_an_error():
    floors = (PlanLengthFloor(12, 1_200_000),)
    plan = {"case_type": CaseType.INSTALMENT_PLAN, "plan_length_floors": floors}
    below = version(rule("4.2", max_amount_ore=1_199_999, **plan))
    at = version(rule("4.2", max_amount_ore=1_200_000, **plan))
    assert (FindingCode.FLOOR_ABOVE_MAX_AMOUNT, "4.2") in errors(findings_of(below))
    assert errors(findings_of(at)) == set()


def test_a_price_base_amount_ceiling_below_a_floor_is_an_error_for_that_year():
    floors = (PlanLengthFloor(12, 3_000_000),)  # half a pbb is 2 960 000 öre in 2026
    scheme = version(
        rule(
            "4.2",
            case_type=CaseType.INSTALMENT_PLAN,
            max_amount_pbb=Fraction(1, 2),
            plan_length_floors=floors,
        )
    )
    (finding,) = [f for f in findings_of(scheme) if f.code == FindingCode.FLOOR_ABOVE_MAX_AMOUNT]
    assert (finding.param("year"), finding.param("max_ore")) == (2026, 2_960_000)


def test_a_floor_for_plans_longer_than_the_rule_allows_is_only_a_warning():
    floors = (PlanLengthFloor(12, 1_200_000),)
    scheme = version(
        rule(
            "4.1", case_type=CaseType.INSTALMENT_PLAN, max_plan_months=12, plan_length_floors=floors
        )
    )
    findings = findings_of(scheme)
    assert (FindingCode.PLAN_LENGTH_FLOOR_UNREACHABLE, "4.1") in warnings(findings)
    assert errors(findings) == set()


def test_a_price_base_amount_limit_needs_a_value_for_the_first_year():
    scheme = version(rule("1", max_amount_pbb=Fraction(1, 2)), valid_from=date(2027, 1, 1))
    (finding,) = [f for f in findings_of(scheme) if f.code == FindingCode.PRICE_BASE_AMOUNT_MISSING]
    assert (finding.rule_number, finding.param("year")) == ("1", 2027)


def test_a_price_base_amount_limit_needs_a_value_for_every_year_in_force():
    scheme = version(
        rule("1", max_amount_pbb=Fraction(1)),
        valid_from=date(2024, 6, 1),
        valid_to=date(2026, 5, 31),
    )
    table = {2024: PBB[2024], 2026: PBB[2026]}
    missing = [
        f.param("year")
        for f in findings_of(scheme, price_base_amounts=table)
        if f.code == FindingCode.PRICE_BASE_AMOUNT_MISSING
    ]
    assert missing == [2025]


def test_an_open_ended_version_is_checked_as_far_as_values_are_known():
    scheme = version(rule("1", max_amount_pbb=Fraction(1)), valid_from=date(2025, 1, 1))
    assert errors(findings_of(scheme)) == set()


@pytest.mark.parametrize(
    ("delegate", "code"),
    [
        (
            PositionKindDelegate(PositionKind.FINANCE_DIRECTOR, Scope.ISSUING_UNIT),
            FindingCode.DELEGATE_KIND_MISSING,
        ),
        (
            PositionKindDelegate(PositionKind.CHAIR, Scope.ISSUING_UNIT),
            FindingCode.DELEGATE_KIND_MISSING,
        ),
        (named(999), FindingCode.DELEGATE_POSITION_MISSING),
        (SubCommitteeDelegate(KS), FindingCode.DELEGATE_SUB_COMMITTEE_MISSING),
        (SubCommitteeDelegate(999), FindingCode.DELEGATE_SUB_COMMITTEE_MISSING),
    ],
)
def test_a_delegate_the_organisation_lacks_is_an_error(delegate, code):
    assert (code, "1") in errors(findings_of(version(rule("1", delegate=delegate))))


def test_the_presidium_and_a_sub_committee_of_the_committee_are_valid_delegates():
    scheme = version(
        rule("1", delegate=PRESIDIUM), rule("2", delegate=SubCommitteeDelegate(SN_AU), level=2)
    )
    assert errors(findings_of(scheme)) == set()


def test_a_missing_stand_in_position_or_consultation_target_is_an_error():
    scheme = version(rule("1", standin=999, consultation=Consultation(unit_id=998)))
    found = errors(findings_of(scheme))
    assert {
        (FindingCode.STANDIN_POSITION_MISSING, "1"),
        (FindingCode.CONSULTATION_TARGET_MISSING, "1"),
    } <= found


def test_an_urgent_rule_must_go_to_the_chair_or_a_member():
    employee = version(rule("9", kind=RuleKind.URGENT))
    assert (FindingCode.URGENT_DELEGATE_NOT_A_MEMBER, "9") in errors(findings_of(employee))
    assert (
        errors(findings_of(version(rule("9", kind=RuleKind.URGENT, delegate=named(CHAIR)))))
        == set()
    )


def test_a_case_type_without_an_ordinary_rule_is_a_warning():
    scheme = version(
        rule("1"), rule("9", case_type=CaseType.CREDIT, kind=RuleKind.URGENT, delegate=PRESIDIUM)
    )
    without = {
        f.param("case_type")
        for f in findings_of(scheme)
        if f.code == FindingCode.CASE_TYPE_WITHOUT_RULE
    }
    assert without == {CaseType.INSTALMENT_PLAN, CaseType.WRITE_OFF, CaseType.CREDIT,
                       CaseType.FORGO_COLLECTION, CaseType.STOP_COLLECTION}


def test_overlapping_rules_at_one_level_with_different_delegates_are_a_warning():
    scheme = version(rule("3.1"), rule("3.2", delegate=DEPARTMENT_HEAD))
    assert (FindingCode.OVERLAPPING_RULES, "3.1") in warnings(findings_of(scheme))


def test_rules_for_exclusive_customer_kinds_do_not_overlap():
    scheme = version(
        rule("3.1", customer_kind=CustomerKind.PRIVATE),
        rule("3.2", delegate=DEPARTMENT_HEAD, customer_kind=CustomerKind.ORGANISATION),
    )
    assert not any(f.code == FindingCode.OVERLAPPING_RULES for f in findings_of(scheme))


def test_a_delegate_position_without_holder_or_stand_in_is_a_warning():
    scheme = version(rule("1", delegate=named(HEAD_LSS)))
    found = warnings(findings_of(scheme, org(vacant=(HEAD_LSS,))))
    assert {
        (FindingCode.POSITION_WITHOUT_HOLDER, "1"),
        (FindingCode.POSITION_WITHOUT_STANDIN, "1"),
    } <= found
    covered = findings_of(version(rule("1", delegate=named(HEAD_LSS), standin=HEAD_HOME_CARE)))
    assert not any(f.code == FindingCode.POSITION_WITHOUT_STANDIN for f in covered)


def further(rule_number="4.2", delegating=DEPT_HEAD_CARE, limits=None):
    return FurtherDelegation(7, 1, rule_number, delegating, COORDINATOR_LSS, SINCE, None, limits)


@pytest.mark.parametrize(
    ("delegation", "code"),
    [
        (further(rule_number="99"), FindingCode.FURTHER_DELEGATION_RULE_MISSING),
        (further(rule_number="4.1"), FindingCode.FURTHER_DELEGATION_NOT_ALLOWED),
        (further(delegating=HEAD_LSS), FindingCode.FURTHER_DELEGATION_NOT_FROM_DEPARTMENT_HEAD),
    ],
)
def test_a_further_delegation_outside_the_rules_permission_is_an_error(delegation, code):
    found = errors(findings_of(realistic_scheme(), org(further_delegations=[delegation])))
    assert (code, delegation.rule_number) in found


def test_a_further_delegation_looser_than_its_rule_is_a_warning():
    delegation = further(limits=Limits(max_plan_months=36))
    found = findings_of(realistic_scheme(), org(further_delegations=[delegation]))
    (finding,) = [f for f in found if f.code == FindingCode.FURTHER_DELEGATION_LIMIT_LOOSER]
    assert (
        finding.rule_number,
        finding.param("limit"),
        finding.param("further_delegation_id"),
    ) == (
        "4.2",
        "max_plan_months",
        7,
    )
    assert errors(found) == set()
    # Both limits apply, so the looser one gives nothing beyond the rule.
    long_plan = plan_facts(plan_months=30, amount_ore=3_000_000)
    assert not verdict_of(long_plan, organisation=org(further_delegations=[delegation])).matching


def test_findings_come_errors_first_each_with_its_rule_number():
    scheme = version(rule("2", delegate=DEPARTMENT_HEAD), rule("1"), rule("1", max_plan_months=1))
    findings = findings_of(scheme)
    severities = [f.severity for f in findings]
    assert severities == sorted(severities, key=lambda s: s != ERROR)
    assert all(f.rule_number for f in findings if f.severity == ERROR)


# --- issue 11: the checker's new findings -----------------------------------------------------------

@pytest.mark.parametrize(
    ("ceiling", "blocked"), [({"max_amount_ore": 19_999}, True), ({"max_amount_ore": 20_000}, False)]
)
def test_a_smallest_instalment_above_the_largest_amount_can_never_match(ceiling, blocked):
    scheme = version(
        rule("4.1", case_type=CaseType.INSTALMENT_PLAN, min_monthly_instalment_ore=20_000, **ceiling)
    )
    found = (FindingCode.INSTALMENT_ABOVE_MAX_AMOUNT, "4.1") in errors(findings_of(scheme))
    assert found is blocked


def test_a_smallest_instalment_above_a_price_base_amount_ceiling_names_the_year():
    scheme = version(
        rule("4.1", case_type=CaseType.INSTALMENT_PLAN, min_monthly_instalment_ore=3_000_000,
             max_amount_pbb=Fraction(1, 2))
    )
    (finding,) = [f for f in findings_of(scheme) if f.code == FindingCode.INSTALMENT_ABOVE_MAX_AMOUNT]
    assert (finding.param("year"), finding.param("max_ore")) == (2026, 2_960_000)


def test_a_vacant_standing_stand_in_is_a_warning_not_an_error():
    scheme = version(rule("3.1"))
    staffed = org(standing={HEAD_HOME_CARE: HEAD_LSS})
    vacant = org(standing={HEAD_HOME_CARE: HEAD_LSS}, vacant=(HEAD_LSS,))
    assert (FindingCode.STANDIN_POSITION_VACANT, "3.1") not in warnings(findings_of(scheme, staffed))
    found = findings_of(scheme, vacant)
    assert (FindingCode.STANDIN_POSITION_VACANT, "3.1") in warnings(found)
    assert FindingCode.STANDIN_POSITION_VACANT not in {code for code, _ in errors(found)}


def test_a_vacant_stand_in_named_by_the_rule_is_a_warning():
    scheme = version(rule("3.1", standin=DEPT_HEAD_CARE))
    found = [
        f for f in findings_of(scheme, org(vacant=(DEPT_HEAD_CARE,)))
        if f.code == FindingCode.STANDIN_POSITION_VACANT
    ]
    assert found and all(f.severity == WARNING for f in found)
    assert {f.param("standin_position_id") for f in found} == {DEPT_HEAD_CARE}


@pytest.mark.parametrize(("form", "warned"), [(FloorForm.LONGER_THAN, True), (FloorForm.OR_MORE, False)])
def test_a_floor_at_the_longest_plan_is_reachable_only_in_the_or_more_words(form, warned):
    floors = (PlanLengthFloor(12, 1_200_000, form),)
    scheme = version(
        rule("4.1", case_type=CaseType.INSTALMENT_PLAN, max_plan_months=12, plan_length_floors=floors)
    )
    assert ((FindingCode.PLAN_LENGTH_FLOOR_UNREACHABLE, "4.1") in warnings(findings_of(scheme))) is warned


def test_an_urgent_rule_in_a_companys_scheme_is_warned_about():
    """Kommunallagen 6 kap 39 § is the committees' urgent-matters power; an aktiebolag's board has its
    own rules of procedure (issue 12 §9): the checker warns, a committee's scheme is not warned."""
    from dataclasses import replace

    urgent = version(rule("1"), rule("9", kind=RuleKind.URGENT, delegate=named(CHAIR)))
    as_committee = findings_of(urgent)
    company = org()
    company = replace(company, committees=[replace(c, kind="company_board") if c.id == urgent.committee_id else c
                                           for c in company.committees])
    assert (FindingCode.URGENT_RULE_OF_A_COMPANY, "9") in warnings(findings_of(urgent, company))
    assert (FindingCode.URGENT_RULE_OF_A_COMPANY, "9") not in warnings(as_committee)
    assert (FindingCode.URGENT_RULE_OF_A_COMPANY, "1") not in warnings(findings_of(urgent, company))
