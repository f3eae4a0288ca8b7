"""The delegation engine against DOMAIN.md R1–R6 and R9, limits, stand-ins, further delegation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

import pytest

from portal.delegation.engine_types import (
    BuiltinCondition,
    CaseType,
    CustomerKind,
    FloorForm,
    Limits,
    PlanLengthFloor,
    PositionKind,
    PositionKindDelegate,
    RequiredCondition,
    RuleKind,
    Scope,
    SubCommitteeDelegate,
    VersionState,
)
from portal.delegation.results import Capacity, ReasonCode, StandinSource
from portal.delegation.snapshot import Absence, Appointment, FurtherDelegation

from .builders import (
    ANNA,
    BERIT,
    CECILIA,
    CHAIR,
    COORDINATOR_LSS,
    DAVID,
    DAY,
    DEPARTMENT_HEAD,
    DEPT_HEAD_CARE,
    ERIK,
    FATIMA,
    FEE_OFFICER_HOME_CARE,
    GORAN,
    HEAD_HOME_CARE,
    HEAD_LSS,
    HELENA,
    IBRAHIM,
    JOHAN,
    KARIN,
    KS,
    LARS,
    MAJA,
    MEMBER,
    PBB,
    PRESIDIUM,
    SECRETARY,
    SINCE,
    SN_AU,
    UNIT_ECONOMY,
    UNIT_GROUP_HOME,
    UNIT_LSS,
    UNIT_WITHOUT_DEPARTMENT,
    VICE_CHAIR,
    codes,
    decide,
    facts,
    named,
    org,
    plan_facts,
    realistic_scheme,
    rule,
    verdict_of,
    version,
    write_off_facts,
)

APPLIED_BEFORE_DUE = RequiredCondition(1, BuiltinCondition.APPLIED_BEFORE_DUE)
NO_OTHER_UNPAID_DEBT = RequiredCondition(2, BuiltinCondition.NO_OTHER_UNPAID_DEBT)
COMPLETE_APPLICATION = RequiredCondition(9)  # "fullständig ansökan med åtgärdsplan": the officer answers
NEXT_DAY = DAY + timedelta(days=1)
DAY_BEFORE = DAY - timedelta(days=1)


# R1: the decider holds the delegate position of the applicable rule on the day, or stands in.


def test_unit_head_of_the_issuing_unit_may_grant_a_three_month_deferral():
    check = decide(ANNA, facts(deferral_months=3))
    assert check.allowed
    assert (check.path.rule_number, check.path.level, check.path.decider.capacity) == (
        "3.1",
        1,
        Capacity.HOLDER,
    )
    assert check.path.decider.position_id == HEAD_HOME_CARE
    assert check.path.version_id == 1


def test_unit_head_of_another_unit_may_not_decide_for_the_issuing_unit():
    check = decide(BERIT)
    assert not check.allowed
    assert codes(check.reasons) == {ReasonCode.NOT_A_DECIDER}


@pytest.mark.parametrize("person", [LARS, KARIN, HELENA, IBRAHIM, ERIK])
def test_people_without_a_delegate_position_are_never_deciders(person):
    check = decide(person)
    assert not check.allowed
    assert ReasonCode.NOT_A_DECIDER in codes(check.reasons)


def test_an_appointment_counts_from_its_first_to_its_last_day_inclusive():
    appointment = Appointment(LARS, HEAD_LSS, starts_on=DAY, ends_on=NEXT_DAY)
    organisation = org(vacant=(HEAD_LSS,), extra_appointments=[appointment])
    case = facts(issuing_unit_id=UNIT_LSS)
    assert not decide(LARS, case, organisation=organisation, on_date=DAY_BEFORE).allowed
    assert decide(LARS, case, organisation=organisation, on_date=DAY).allowed
    assert decide(LARS, case, organisation=organisation, on_date=NEXT_DAY).allowed
    assert not decide(
        LARS, case, organisation=organisation, on_date=NEXT_DAY + timedelta(days=1)
    ).allowed


def test_department_head_scope_reaches_a_unit_nested_below_another_unit():
    check = decide(DAVID, facts(issuing_unit_id=UNIT_GROUP_HOME, deferral_months=5))
    assert check.allowed and check.path.rule_number == "3.2"


def test_committee_scope_takes_every_position_of_the_kind_in_the_committee():
    scheme = version(
        rule("1", delegate=PositionKindDelegate(PositionKind.UNIT_HEAD, Scope.COMMITTEE))
    )
    assert decide(BERIT, scheme=scheme).allowed
    assert decide(ANNA, scheme=scheme).allowed


@pytest.mark.parametrize(
    ("unit", "code"),
    [
        (None, ReasonCode.ISSUING_UNIT_MISSING),
        (999, ReasonCode.ISSUING_UNIT_UNKNOWN),
        (UNIT_ECONOMY, ReasonCode.ISSUING_UNIT_OF_OTHER_COMMITTEE),
    ],
)
def test_a_unit_scoped_rule_needs_a_known_issuing_unit_of_the_committee(unit, code):
    result = verdict_of(facts(issuing_unit_id=unit))
    assert codes(result.outcome("3.1").reasons) == {code}
    assert result.committee_only


def test_a_department_scoped_rule_needs_a_department_above_the_issuing_unit():
    result = verdict_of(facts(issuing_unit_id=UNIT_WITHOUT_DEPARTMENT, deferral_months=5))
    assert codes(result.outcome("3.2").reasons) == {ReasonCode.ISSUING_UNIT_WITHOUT_DEPARTMENT}


def test_a_named_position_may_be_an_employee_of_another_committee():
    scheme = version(rule("1", case_type=CaseType.CREDIT, delegate=named(120)))
    assert decide(ERIK, facts(case_type=CaseType.CREDIT, deferral_months=None), scheme).allowed


# R2: the case is inside the rule's limits; ceilings and floors are inclusive.

EDGES = [
    # (limits, facts at the edge, facts just inside, facts just outside, reason outside)
    (
        {"max_amount_ore": 500_000},
        {"amount_ore": 500_000},
        {"amount_ore": 499_999},
        {"amount_ore": 500_001},
        ReasonCode.AMOUNT_OVER_LIMIT,
    ),
    (
        {"max_amount_pbb": Fraction(1, 2)},
        {"amount_ore": 2_960_000},
        {"amount_ore": 2_959_999},
        {"amount_ore": 2_960_001},
        ReasonCode.AMOUNT_OVER_LIMIT,
    ),
    (
        {"max_amount_pbb": Fraction(1, 3)},
        {"amount_ore": 1_973_333},
        {"amount_ore": 1_973_332},
        {"amount_ore": 1_973_334},
        ReasonCode.AMOUNT_OVER_LIMIT,
    ),
    (
        {"max_deferral_months": 3},
        {"deferral_months": 3},
        {"deferral_months": 2},
        {"deferral_months": 4},
        ReasonCode.DEFERRAL_MONTHS_OVER_LIMIT,
    ),
    (
        {"max_deferral_days": 180},
        {"deferral_days": 180},
        {"deferral_days": 179},
        {"deferral_days": 181},
        ReasonCode.DEFERRAL_DAYS_OVER_LIMIT,
    ),
    (
        {"max_total_months": 24},
        {"deferral_months": 6, "prior_deferral_months": 18},
        {"deferral_months": 5, "prior_deferral_months": 18},
        {"deferral_months": 7, "prior_deferral_months": 18},
        ReasonCode.TOTAL_MONTHS_OVER_LIMIT,
    ),
    (
        {"customer_kind": CustomerKind.PRIVATE},
        {"customer_kind": "private"},
        {"customer_kind": "private"},
        {"customer_kind": "organisation"},
        ReasonCode.CUSTOMER_KIND_NOT_ALLOWED,
    ),
    (
        {"required_conditions": (APPLIED_BEFORE_DUE,)},
        {"applied_before_due": True},
        {"applied_before_due": True},
        {"applied_before_due": False},
        ReasonCode.CONDITION_NOT_MET,
    ),
    (
        {"required_conditions": (NO_OTHER_UNPAID_DEBT,)},
        {"has_other_unpaid_debt": False},
        {"has_other_unpaid_debt": False},
        {"has_other_unpaid_debt": True},
        ReasonCode.CONDITION_NOT_MET,
    ),
    (
        {"required_conditions": (COMPLETE_APPLICATION,)},
        {"conditions_met": frozenset({9})},
        {"conditions_met": frozenset({9, 10})},
        {"conditions_unmet": frozenset({9})},
        ReasonCode.CONDITION_NOT_MET,
    ),
]

PLAN_EDGES = [
    (
        {"max_plan_months": 12},
        {"plan_months": 12},
        {"plan_months": 11},
        {"plan_months": 13},
        ReasonCode.PLAN_MONTHS_OVER_LIMIT,
    ),
    (
        {"max_total_months": 24},
        {"plan_months": 12, "prior_deferral_months": 12},
        {"plan_months": 11, "prior_deferral_months": 12},
        {"plan_months": 13, "prior_deferral_months": 12},
        ReasonCode.TOTAL_MONTHS_OVER_LIMIT,
    ),
    # A floor: at the edge and just above are inside, just under is outside.
    (
        {"min_monthly_instalment_ore": 20_000},
        {"monthly_instalment_ore": 20_000},
        {"monthly_instalment_ore": 20_001},
        {"monthly_instalment_ore": 19_999},
        ReasonCode.INSTALMENT_UNDER_MINIMUM,
    ),
    (
        {"plan_length_floors": (PlanLengthFloor(12, 1_200_000),)},
        {"plan_months": 13, "amount_ore": 1_200_000},
        {"plan_months": 12, "amount_ore": 100_000},
        {"plan_months": 13, "amount_ore": 1_199_999},
        ReasonCode.DEBT_UNDER_MINIMUM_FOR_PLAN_LENGTH,
    ),
]

WRITE_OFF_EDGES = [
    (
        {"allowed_write_off_reasons": frozenset({"time_barred"})},
        {"write_off_reason": "time_barred"},
        {"write_off_reason": "time_barred"},
        {"write_off_reason": "disputed"},
        ReasonCode.WRITE_OFF_REASON_NOT_ALLOWED,
    ),
    (
        {"max_amount_ore": 500_000, "amount_basis": "twelve_months"},
        {"amount_ore": 200_000, "twelve_month_prior_ore": 300_000},
        {"amount_ore": 199_999, "twelve_month_prior_ore": 300_000},
        {"amount_ore": 200_001, "twelve_month_prior_ore": 300_000},
        ReasonCode.TWELVE_MONTH_AMOUNT_OVER_LIMIT,
    ),
]

ALL_EDGES = (
    [(CaseType.DEFERRAL, facts, *edge) for edge in EDGES]
    + [(CaseType.INSTALMENT_PLAN, plan_facts, *edge) for edge in PLAN_EDGES]
    + [(CaseType.WRITE_OFF, write_off_facts, *edge) for edge in WRITE_OFF_EDGES]
)


@pytest.mark.parametrize(
    ("case_type", "make", "limits", "at", "inside", "outside", "code"),
    ALL_EDGES,
    ids=[f"{edge[0]}-{min(edge[2])}-{edge[6]}" for edge in ALL_EDGES],
)
def test_every_limit_holds_at_its_edge_and_breaks_just_past_it(
    case_type, make, limits, at, inside, outside, code
):
    scheme = version(rule("1", case_type=case_type, **limits))
    assert decide(ANNA, make(**at), scheme).allowed
    assert decide(ANNA, make(**inside), scheme).allowed
    refused = decide(ANNA, make(**outside), scheme)
    assert not refused.allowed
    assert [(r.code, r.rule_number) for r in refused.reasons] == [(code, "1")]


def test_an_amount_reason_carries_the_limit_and_the_actual_value():
    refused = decide(ANNA, facts(amount_ore=500_001), version(rule("1", max_amount_ore=500_000)))
    (reason,) = refused.reasons
    assert (reason.limit, reason.actual) == (500_000, 500_001)


def test_a_price_base_amount_limit_uses_the_year_of_the_decision():
    scheme = version(rule("1", max_amount_pbb=Fraction(1, 2)), valid_from=date(2025, 1, 1))
    case = facts(
        amount_ore=2_950_000
    )  # over half of 58 800 kr (2025), under half of 59 200 kr (2026)
    refused = decide(ANNA, case, scheme, on_date=date(2025, 12, 31))
    assert codes(refused.reasons) == {ReasonCode.AMOUNT_OVER_LIMIT}
    assert refused.reasons[0].param("year") == 2025 and refused.reasons[0].limit == 2_940_000
    assert decide(ANNA, case, scheme, on_date=date(2026, 1, 1)).allowed


def test_a_price_base_amount_limit_cannot_match_in_a_year_without_a_value():
    scheme = version(rule("1", max_amount_pbb=Fraction(1, 2)))
    result = verdict_of(facts(amount_ore=100), scheme, on_date=date(2027, 2, 1))
    (reason,) = result.outcome("1").reasons
    assert reason.code == ReasonCode.PRICE_BASE_AMOUNT_MISSING and reason.param("year") == 2027
    assert result.committee_only


def test_a_limit_whose_fact_is_not_given_fails_closed():
    scheme = version(rule("1", max_deferral_days=30))
    refused = decide(ANNA, facts(deferral_days=None), scheme)
    assert [(r.code, r.param("fact")) for r in refused.reasons] == [
        (ReasonCode.FACT_MISSING, "deferral_days")
    ]


def test_every_broken_limit_is_reported_not_only_the_first():
    scheme = version(
        rule("1", max_amount_ore=100, max_deferral_months=1, required_conditions=(APPLIED_BEFORE_DUE,))
    )
    refused = decide(ANNA, facts(applied_before_due=False), scheme)
    assert codes(refused.reasons) == {
        ReasonCode.AMOUNT_OVER_LIMIT,
        ReasonCode.DEFERRAL_MONTHS_OVER_LIMIT,
        ReasonCode.CONDITION_NOT_MET,
    }


# R3: four eyes, the customer, declared conflicts.


def test_the_preparer_never_decides_even_as_holder_of_the_delegate_position():
    check = decide(ANNA, facts(preparer_person_id=ANNA))
    assert not check.allowed
    assert codes(check.reasons) == {ReasonCode.PREPARED_THE_CASE}


def test_the_verdict_bars_the_preparer_and_proposes_the_next_level():
    result = verdict_of(facts(preparer_person_id=ANNA))
    first = result.outcome("3.1")
    assert first.matched and not first.deciders
    assert [d.decider.person_id for d in first.disqualified] == [ANNA]
    assert result.proposed_level == 2 and result.proposed_rule_numbers == ("3.2",)


def test_the_customer_never_decides_their_own_case():
    check = decide(ANNA, facts(customer_person_id=ANNA))
    assert codes(check.reasons) == {ReasonCode.IS_THE_CUSTOMER}


def test_a_declared_conflict_of_interest_bars_the_decider():
    check = decide(ANNA, facts(conflict_person_ids=frozenset({ANNA})))
    assert codes(check.reasons) == {ReasonCode.DECLARED_CONFLICT}


def test_a_stand_in_who_prepared_the_case_is_barred_too():
    organisation = org(absences=[Absence(ANNA, DAY, DAY, standin_person_id=CECILIA)])
    check = decide(CECILIA, organisation=organisation)
    assert codes(check.reasons) == {ReasonCode.PREPARED_THE_CASE}


# R4: consultation where the rule requires it.


def test_a_decision_needing_consultation_waits_until_it_is_recorded():
    refused = decide(ANNA, facts(consultation_recorded=False))
    assert not refused.allowed
    (reason,) = refused.reasons
    assert (reason.code, reason.rule_number, reason.param("unit_id")) == (
        ReasonCode.CONSULTATION_MISSING,
        "3.1",
        UNIT_ECONOMY,
    )
    assert decide(ANNA, facts(consultation_recorded=True)).allowed


def test_missing_consultation_keeps_the_rule_matching_in_the_verdict():
    result = verdict_of(facts(consultation_recorded=False))
    first = result.outcome("3.1")
    assert first.matched and first.consultation_missing
    assert result.proposed_level == 1


def test_a_path_without_consultation_may_be_used_while_another_waits_for_it():
    check = decide(DAVID, facts(consultation_recorded=False))
    assert check.allowed and check.path.rule_number == "3.2"


# R5: no splitting over twelve months.


def test_a_write_off_cannot_be_split_to_slip_under_the_limit():
    refused = decide(ANNA, write_off_facts(amount_ore=300_000, twelve_month_prior_ore=300_000))
    (reason,) = [r for r in refused.reasons if r.rule_number == "5.1"]
    assert (reason.code, reason.limit, reason.actual) == (
        ReasonCode.TWELVE_MONTH_AMOUNT_OVER_LIMIT,
        500_000,
        600_000,
    )


def test_the_case_basis_ignores_earlier_decisions():
    scheme = version(rule("1", case_type=CaseType.WRITE_OFF, max_amount_ore=500_000))
    assert decide(
        ANNA, write_off_facts(amount_ore=500_000, twelve_month_prior_ore=10_000_000), scheme
    ).allowed


# R6: a decision outside R1–R5 is refused; the case goes to the next level or to the committee.


def test_a_case_over_the_unit_heads_limit_goes_to_the_department_head():
    result = verdict_of(facts(deferral_months=5))
    assert not result.outcome("3.1").matched
    assert result.proposed_level == 2
    assert [d.person_id for d in result.outcome("3.2").deciders] == [DAVID]
    refused = decide(ANNA, facts(deferral_months=5))
    assert [(r.code, r.rule_number, r.limit, r.actual) for r in refused.reasons] == [
        (ReasonCode.DEFERRAL_MONTHS_OVER_LIMIT, "3.1", 3, 5)
    ]


def test_a_case_over_every_limit_goes_to_the_committee_naming_each_rule():
    result = verdict_of(facts(deferral_months=7))
    assert result.committee_only and result.proposed_level is None
    (reason,) = result.committee_only_reasons
    assert reason.code == ReasonCode.NO_MATCHING_RULE and reason.param("rule_numbers") == (
        "3.1",
        "3.2",
    )
    assert all(outcome.reasons for outcome in result.outcomes)


def test_a_case_type_without_rules_goes_to_the_committee():
    result = verdict_of(facts(), version(rule("1", case_type=CaseType.CREDIT)))
    assert result.committee_only
    assert codes(result.committee_only_reasons) == {ReasonCode.NO_RULE_FOR_CASE_TYPE}


def test_matching_rules_with_nobody_to_decide_leave_only_the_committee():
    result = verdict_of(facts(deferral_months=5), organisation=org(vacant=(DEPT_HEAD_CARE,)))
    assert result.outcome("3.2").matched and not result.outcome("3.2").deciders
    assert codes(result.outcome("3.2").unavailable) == {ReasonCode.POSITION_VACANT_WITHOUT_STANDIN}
    assert codes(result.committee_only_reasons) == {ReasonCode.NO_AVAILABLE_DECIDER}


def test_every_matching_rule_is_a_valid_path_not_only_the_proposed_level():
    result = verdict_of(facts(deferral_months=2))
    assert result.proposed_rule_numbers == ("3.1",)
    assert [o.rule_number for o in result.matching] == ["3.1", "3.2"]
    check = decide(DAVID, facts(deferral_months=2))
    assert check.allowed and (check.path.rule_number, check.path.level) == ("3.2", 2)


def test_the_verdict_names_the_version_and_every_rule_of_the_case_type():
    result = verdict_of(plan_facts())
    assert result.version_id == 1
    assert [o.rule_number for o in result.outcomes] == ["4.1", "4.2"]


def test_rules_are_ordered_by_level_then_by_number_read_naturally():
    scheme = version(rule("4.10"), rule("4.2"), rule("2.1", level=2))
    assert [o.rule_number for o in verdict_of(scheme=scheme).outcomes] == ["4.2", "4.10", "2.1"]


# R9: only a published version with an adoption reference, on its days of validity.


def test_a_draft_version_decides_nothing():
    check = decide(ANNA, scheme=realistic_scheme(state=VersionState.DRAFT))
    assert codes(check.reasons) == {ReasonCode.VERSION_NOT_PUBLISHED}
    assert verdict_of(scheme=realistic_scheme(state=VersionState.DRAFT)).committee_only


def test_a_version_published_without_adoption_reference_does_not_take_effect():
    check = decide(ANNA, scheme=realistic_scheme(adoption_reference=None))
    assert codes(check.reasons) == {ReasonCode.VERSION_WITHOUT_ADOPTION_REFERENCE}


def test_a_version_of_another_committee_is_refused():
    check = decide(ANNA, scheme=realistic_scheme(committee_id=KS))
    assert ReasonCode.VERSION_OF_OTHER_COMMITTEE in codes(check.reasons)


def test_versions_switch_on_the_valid_from_day():
    switch = date(2026, 3, 1)
    old = realistic_scheme(id=1, valid_from=date(2025, 1, 1), valid_to=switch - timedelta(days=1))
    new = version(rule("1", max_deferral_months=1), id=2, valid_from=switch)
    case = facts(deferral_months=2)
    assert decide(ANNA, case, old, on_date=switch - timedelta(days=1)).allowed
    assert codes(decide(ANNA, case, new, on_date=switch - timedelta(days=1)).reasons) == {
        ReasonCode.VERSION_NOT_YET_VALID
    }
    assert codes(decide(ANNA, case, old, on_date=switch).reasons) == {ReasonCode.VERSION_EXPIRED}
    assert codes(decide(ANNA, case, new, on_date=switch).reasons) == {
        ReasonCode.DEFERRAL_MONTHS_OVER_LIMIT
    }
    assert verdict_of(case, new, on_date=switch).version_id == 2


def test_personal_bars_are_reported_with_a_version_not_in_force():
    check = decide(ANNA, facts(preparer_person_id=ANNA), realistic_scheme(state=VersionState.DRAFT))
    assert codes(check.reasons) == {ReasonCode.VERSION_NOT_PUBLISHED, ReasonCode.PREPARED_THE_CASE}


# Who stands in: named on the absence, else the standing stand-in, else the rule's, else next level.


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "on_date", "absent"),
    [
        (DAY, DAY, DAY, True),
        (DAY, DAY, DAY_BEFORE, False),
        (DAY, DAY, NEXT_DAY, False),
        (DAY_BEFORE, DAY, DAY, True),
        (DAY, NEXT_DAY, DAY, True),
        (DAY, None, date(2030, 1, 1), True),
    ],
)
def test_a_stand_in_acts_exactly_inside_the_absence_dates(starts_on, ends_on, on_date, absent):
    organisation = org(absences=[Absence(ANNA, starts_on, ends_on, standin_person_id=BERIT)])
    assert decide(BERIT, organisation=organisation, on_date=on_date).allowed is absent
    assert decide(ANNA, organisation=organisation, on_date=on_date).allowed is not absent


def test_a_stand_in_decides_in_the_capacity_of_stand_in_for_the_absent_holder():
    organisation = org(absences=[Absence(ANNA, DAY, DAY, standin_person_id=BERIT)])
    decider = decide(BERIT, organisation=organisation).path.decider
    assert decider.capacity == Capacity.STANDIN
    assert (decider.position_id, decider.standin_for_person_id, decider.standin_source) == (
        HEAD_HOME_CARE,
        ANNA,
        StandinSource.ABSENCE,
    )


def test_an_absent_holder_may_not_decide_while_registered_absent():
    organisation = org(absences=[Absence(ANNA, DAY, DAY, standin_person_id=BERIT)])
    check = decide(ANNA, organisation=organisation)
    assert [(r.code, r.rule_number) for r in check.reasons] == [
        (ReasonCode.REGISTERED_ABSENT, "3.1")
    ]


def standin_case(absence_standin=None, standing=None, rule_standin=None, absences=()):
    scheme = version(rule("1", standin=rule_standin), rule("2", delegate=DEPARTMENT_HEAD, level=2))
    organisation = org(
        absences=[Absence(ANNA, DAY, DAY, standin_person_id=absence_standin), *absences],
        standing={HEAD_HOME_CARE: standing} if standing else None,
    )
    return verdict_of(scheme=scheme, organisation=organisation)


def stand_ins(result):
    return [(d.person_id, d.standin_source) for d in result.outcome("1").deciders]


def test_the_stand_in_named_on_the_absence_comes_first():
    result = standin_case(absence_standin=KARIN, standing=HEAD_LSS, rule_standin=SECRETARY)
    assert stand_ins(result) == [(KARIN, StandinSource.ABSENCE)]


def test_the_standing_stand_in_position_comes_second():
    result = standin_case(standing=HEAD_LSS, rule_standin=SECRETARY)
    assert stand_ins(result) == [(BERIT, StandinSource.STANDING_POSITION)]
    assert result.outcome("1").deciders[0].standin_position_id == HEAD_LSS


def test_the_rules_stand_in_position_comes_third():
    result = standin_case(rule_standin=SECRETARY)
    assert stand_ins(result) == [(KARIN, StandinSource.RULE_POSITION)]


def test_without_any_stand_in_the_case_goes_to_the_next_level():
    result = standin_case()
    first = result.outcome("1")
    assert first.matched and not first.deciders
    (reason,) = first.unavailable
    assert (
        reason.code == ReasonCode.HOLDER_ABSENT_WITHOUT_STANDIN
        and reason.param("person_id") == ANNA
    )
    assert result.proposed_level == 2


def test_an_absent_stand_in_falls_through_to_the_next_step():
    away = [Absence(KARIN, DAY, DAY), Absence(BERIT, DAY, DAY)]
    result = standin_case(
        absence_standin=KARIN, standing=HEAD_LSS, rule_standin=SECRETARY, absences=away
    )
    assert stand_ins(result) == []
    result = standin_case(absence_standin=KARIN, standing=HEAD_LSS, absences=away[:1])
    assert stand_ins(result) == [(BERIT, StandinSource.STANDING_POSITION)]


def test_a_vacant_position_counts_as_absent():
    organisation = org(vacant=(HEAD_HOME_CARE,), standing={HEAD_HOME_CARE: HEAD_LSS})
    decider = decide(BERIT, organisation=organisation).path.decider
    assert (decider.capacity, decider.standin_for_person_id, decider.position_id) == (
        Capacity.STANDIN,
        None,
        HEAD_HOME_CARE,
    )


def test_the_chair_is_stood_in_for_by_the_vice_chair():
    scheme = version(rule("1", delegate=named(CHAIR)))
    organisation = org(absences=[Absence(FATIMA, DAY, None)])
    check = decide(GORAN, scheme=scheme, organisation=organisation)
    assert check.allowed and check.path.decider.standin_for_person_id == FATIMA


# Further delegation (vidaredelegering, kommunallagen 7 kap 6 §).


def plan_scheme_with_further(
    limits=None, *, delegating=DEPT_HEAD_CARE, starts_on=SINCE, ends_on=None, allowed=True
):
    delegation = FurtherDelegation(
        id=7,
        scheme_version_id=1,
        rule_number="4.2",
        delegating_position_id=delegating,
        receiving_position_id=COORDINATOR_LSS,
        starts_on=starts_on,
        ends_on=ends_on,
        limits=limits,
    )
    scheme = realistic_scheme()
    if not allowed:
        scheme = version(
            *[
                r
                if r.number != "4.2"
                else rule(
                    "4.2", case_type=CaseType.INSTALMENT_PLAN, delegate=DEPARTMENT_HEAD, level=2
                )
                for r in scheme.rules
            ]
        )
    return scheme, org(further_delegations=[delegation])


LONG_PLAN = {"plan_months": 18, "amount_ore": 2_000_000, "issuing_unit_id": UNIT_LSS}


def test_a_further_delegate_decides_within_its_limits_naming_both_steps():
    scheme, organisation = plan_scheme_with_further(Limits(max_amount_ore=2_000_000))
    check = decide(JOHAN, plan_facts(**LONG_PLAN), scheme, organisation)
    assert check.allowed
    decider = check.path.decider
    assert (decider.capacity, decider.further_delegation_id) == (Capacity.FURTHER_DELEGATE, 7)
    assert (decider.delegated_by_position_id, decider.delegated_by_person_id) == (
        DEPT_HEAD_CARE,
        DAVID,
    )
    assert check.path.rule_number == "4.2"


def test_a_further_delegate_is_refused_beyond_its_own_tighter_limits():
    scheme, organisation = plan_scheme_with_further(Limits(max_amount_ore=1_999_999))
    check = decide(JOHAN, plan_facts(**LONG_PLAN), scheme, organisation)
    (reason,) = check.reasons
    assert (reason.code, reason.rule_number, reason.param("further_delegation_id")) == (
        ReasonCode.AMOUNT_OVER_LIMIT,
        "4.2",
        7,
    )
    assert decide(DAVID, plan_facts(**LONG_PLAN), scheme, organisation).allowed


def test_a_further_delegate_is_refused_beyond_the_rules_limits():
    scheme, organisation = plan_scheme_with_further(Limits(max_plan_months=36))
    check = decide(JOHAN, plan_facts(**{**LONG_PLAN, "plan_months": 25}), scheme, organisation)
    assert not check.allowed
    assert ReasonCode.PLAN_MONTHS_OVER_LIMIT in codes(check.reasons)


def test_further_delegation_needs_the_rules_permission():
    scheme, organisation = plan_scheme_with_further(allowed=False)
    check = decide(JOHAN, plan_facts(**LONG_PLAN), scheme, organisation)
    assert codes(check.reasons) == {ReasonCode.FURTHER_DELEGATION_NOT_ALLOWED_BY_RULE}


def test_further_delegation_must_come_from_a_department_head_delegate_of_the_rule():
    scheme, organisation = plan_scheme_with_further(delegating=HEAD_LSS)
    check = decide(JOHAN, plan_facts(**LONG_PLAN), scheme, organisation)
    assert codes(check.reasons) == {ReasonCode.FURTHER_DELEGATION_NOT_FROM_DELEGATE}


def test_an_absent_further_delegate_gets_no_stand_in_and_the_department_head_remains():
    scheme, organisation = plan_scheme_with_further()
    organisation = replace(
        organisation, absences=(Absence(JOHAN, DAY, DAY, standin_person_id=LARS),)
    )
    assert codes(decide(JOHAN, plan_facts(**LONG_PLAN), scheme, organisation).reasons) == {
        ReasonCode.REGISTERED_ABSENT
    }
    assert not decide(LARS, plan_facts(**LONG_PLAN), scheme, organisation).allowed
    result = verdict_of(plan_facts(**LONG_PLAN), scheme, organisation)
    assert ReasonCode.FURTHER_DELEGATE_UNAVAILABLE in codes(result.outcome("4.2").unavailable)
    assert [d.person_id for d in result.outcome("4.2").deciders] == [DAVID]


def test_further_delegation_counts_only_on_its_own_dates():
    scheme, organisation = plan_scheme_with_further(starts_on=NEXT_DAY)
    assert codes(decide(JOHAN, plan_facts(**LONG_PLAN), scheme, organisation).reasons) == {
        ReasonCode.NOT_A_DECIDER
    }
    assert decide(JOHAN, plan_facts(**LONG_PLAN), scheme, organisation, on_date=NEXT_DAY).allowed


def test_further_delegation_of_another_version_counts_for_nothing():
    _scheme, organisation = plan_scheme_with_further()
    other = realistic_scheme(id=2)
    assert not decide(JOHAN, plan_facts(**LONG_PLAN), other, organisation).allowed


# Presidium, sub-committee and urgent decisions (kommunallagen 6 kap 37 and 39 §§).


def test_the_presidium_is_the_chair_and_the_vice_chair():
    scheme = version(rule("1", delegate=PRESIDIUM))
    deciders = verdict_of(scheme=scheme).outcome("1").deciders
    assert sorted((d.person_id, d.position_id) for d in deciders) == [
        (FATIMA, CHAIR),
        (GORAN, VICE_CHAIR),
    ]
    assert not decide(HELENA, scheme=scheme).allowed


def test_a_sub_committee_decides_at_its_meeting_and_no_person_alone():
    scheme = version(rule("1", delegate=SubCommitteeDelegate(SN_AU)))
    result = verdict_of(scheme=scheme)
    outcome = result.outcome("1")
    assert outcome.matched and outcome.deciders == () and outcome.sub_committee_id == SN_AU
    assert not result.committee_only and result.proposed_level == 1
    check = decide(MAJA, scheme=scheme)
    assert codes(check.reasons) == {ReasonCode.NOT_A_DECIDER, ReasonCode.SUB_COMMITTEE_DECIDES}


def test_an_urgent_rule_matches_only_an_urgent_case():
    case = write_off_facts(amount_ore=10_000_000)
    result = verdict_of(case)
    assert codes(result.outcome("5.3").reasons) == {ReasonCode.NOT_URGENT}
    assert result.committee_only
    urgent = verdict_of(write_off_facts(amount_ore=10_000_000, urgent=True))
    assert (
        urgent.proposed_rule_numbers == ("5.3",) and urgent.outcome("5.3").kind == RuleKind.URGENT
    )
    check = decide(FATIMA, write_off_facts(amount_ore=10_000_000, urgent=True))
    assert check.allowed and check.path.rule_kind == RuleKind.URGENT


def test_a_member_with_a_named_urgent_position_decides_urgent_cases():
    scheme = version(rule("9", delegate=named(MEMBER), kind=RuleKind.URGENT))
    assert decide(HELENA, facts(urgent=True), scheme).allowed
    assert codes(decide(HELENA, facts(urgent=False), scheme).reasons) == {ReasonCode.NOT_URGENT}


# The deciders are positions' people on the day; a holder of two positions appears under each.


def test_a_person_holding_two_delegate_positions_is_listed_once_for_each():
    extra = Appointment(ANNA, FEE_OFFICER_HOME_CARE, SINCE)
    scheme = version(
        rule("1", delegate=PositionKindDelegate(PositionKind.FEE_OFFICER, Scope.ISSUING_UNIT)),
        rule("2"),
    )
    result = verdict_of(facts(preparer_person_id=LARS), scheme, org(extra_appointments=[extra]))
    assert sorted(d.person_id for d in result.outcome("1").deciders) == [ANNA, CECILIA]
    assert (
        decide(ANNA, facts(preparer_person_id=LARS), scheme, org(extra_appointments=[extra]))
        .paths[0]
        .rule_number
        == "1"
    )


def test_price_base_amounts_are_parameters_not_constants():
    scheme = version(rule("1", max_amount_pbb=Fraction(1)))
    case = facts(amount_ore=6_000_000)
    assert not decide(ANNA, case, scheme).allowed
    assert decide(ANNA, case, scheme, price_base_amounts={**PBB, 2026: 6_000_000}).allowed


# --- plan-length floors in both forms of words (RULINGS 3) ------------------------------------------

@pytest.mark.parametrize(
    ("form", "refused_lengths"),
    [
        # "en plan längre än 12 månader kräver minst 12 000 kr": 13 months and up.
        (FloorForm.LONGER_THAN, {13}),
        # "en plan på 12 månader eller mer kräver minst 12 000 kr": 12 months and up.
        (FloorForm.OR_MORE, {12, 13}),
    ],
)
def test_a_floor_covers_the_lengths_its_words_say(form, refused_lengths):
    floors = (PlanLengthFloor(12, 1_200_000, form),)
    scheme = version(rule("4.1", case_type=CaseType.INSTALMENT_PLAN, plan_length_floors=floors))
    for months in (11, 12, 13):
        small = verdict_of(plan_facts(plan_months=months, amount_ore=1_199_999), scheme)
        enough = verdict_of(plan_facts(plan_months=months, amount_ore=1_200_000), scheme)
        assert enough.outcome("4.1").matched, months
        assert small.outcome("4.1").matched is (months not in refused_lengths), months
        if months in refused_lengths:
            (reason,) = small.outcome("4.1").reasons
            assert reason.code == ReasonCode.DEBT_UNDER_MINIMUM_FOR_PLAN_LENGTH
            assert reason.param("form") == form and reason.param("months") == 12


def test_an_older_floor_read_in_the_new_words_means_the_same():
    older = PlanLengthFloor(12, 1_200_000)
    newer = older.as_or_more()
    assert (newer.months, newer.form) == (13, FloorForm.OR_MORE)
    assert all(older.covers(m) == newer.covers(m) for m in range(0, 40))
    assert PlanLengthFloor.from_stored([12, 1_200_000]) == older
    assert PlanLengthFloor.from_stored(newer.stored()) == newer
