"""Invariants of the delegation engine over generated schemes, organisations and cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.delegation.engine_types import (
    AmountBasis,
    BuiltinCondition,
    CaseFacts,
    CaseType,
    CustomerKind,
    Limits,
    FloorForm,
    PlanLengthFloor,
    PositionKind,
    PositionKindDelegate,
    RequiredCondition,
    RuleKind,
    Scope,
    SubCommitteeDelegate,
)
from portal.delegation.results import Capacity, ReasonCode
from portal.delegation.rules import may_decide, verdict
from portal.delegation.snapshot import Absence, FurtherDelegation, covers

from .builders import (
    CHAIR,
    COORDINATOR_LSS,
    DAY,
    DEPARTMENT_HEAD,
    DEPT_HEAD_CARE,
    FEE_OFFICER_HOME_CARE,
    HEAD_HOME_CARE,
    HEAD_LSS,
    HOLDERS,
    JOHAN,
    LARS,
    MEMBER,
    PBB,
    PRESIDIUM,
    SECRETARY,
    SN_AU,
    UNIT_GROUP_HOME,
    UNIT_HEAD,
    UNIT_HOME_CARE,
    UNIT_LSS,
    UNIT_WITHOUT_DEPARTMENT,
    VICE_CHAIR,
    named,
    org,
    rule,
    version,
)

PERSONS = sorted({*HOLDERS.values(), LARS})
REASONS = ("time_barred", "deceased_no_estate", "uneconomic")
DATES = [DAY, date(2025, 12, 31), date(2026, 1, 1), date(2027, 1, 4)]
DELEGATES = [
    UNIT_HEAD,
    DEPARTMENT_HEAD,
    DEPARTMENT_HEAD,
    PRESIDIUM,
    named(CHAIR),
    named(MEMBER),
    named(HEAD_LSS),
    PositionKindDelegate(PositionKind.FEE_OFFICER, Scope.ISSUING_UNIT),
    PositionKindDelegate(PositionKind.UNIT_HEAD, Scope.COMMITTEE),
    SubCommitteeDelegate(SN_AU),
]
# The two built-in conditions (computed from the facts) and two the officer answers.
CONDITIONS = [RequiredCondition(1, BuiltinCondition.APPLIED_BEFORE_DUE),
              RequiredCondition(2, BuiltinCondition.NO_OTHER_UNPAID_DEBT), RequiredCondition(8),
              RequiredCondition(9)]
PROPERTY_SETTINGS = settings(max_examples=100, deadline=None)


def maybe(strategy):
    return st.none() | strategy


@st.composite
def limits_strategy(draw, floors=True):
    return Limits(
        max_amount_ore=draw(maybe(st.integers(0, 3_000_000))),
        max_amount_pbb=draw(
            maybe(st.sampled_from([Fraction(1, 4), Fraction(1, 3), Fraction(1, 2), Fraction(1)]))
        ),
        max_deferral_months=draw(maybe(st.integers(1, 12))),
        max_deferral_days=draw(maybe(st.integers(1, 400))),
        max_plan_months=draw(maybe(st.integers(1, 36))),
        max_total_months=draw(maybe(st.integers(1, 48))),
        min_monthly_instalment_ore=draw(maybe(st.integers(0, 50_000))),
        plan_length_floors=tuple(
            draw(
                st.lists(
                    st.builds(PlanLengthFloor, st.integers(1, 24), st.integers(0, 2_000_000),
                              st.sampled_from(list(FloorForm))),
                    max_size=2 if floors else 0,
                )
            )
        ),
        allowed_write_off_reasons=draw(maybe(st.frozensets(st.sampled_from(REASONS)))),
        customer_kind=draw(maybe(st.sampled_from(list(CustomerKind)))),
        required_conditions=tuple(draw(st.lists(st.sampled_from(CONDITIONS), max_size=3, unique=True))),
        amount_basis=draw(st.sampled_from(list(AmountBasis))),
    )


@st.composite
def rules_strategy(draw, case_type, floors=True):
    """Rules of one case type, mostly sparse in limits so that some of them match."""
    count = draw(st.integers(1, 6))
    found = []
    for index in range(count):
        limits = draw(limits_strategy(floors=floors))
        keep = draw(st.sets(st.sampled_from(list(Limits.__dataclass_fields__)), max_size=3))
        sparse = Limits(**{name: getattr(limits, name) for name in keep})
        found.append(
            replace(
                rule(
                    f"{index + 1}.{draw(st.integers(1, 3))}",
                    case_type=case_type,
                    delegate=draw(st.sampled_from(DELEGATES)),
                    level=draw(st.integers(1, 3)),
                    kind=draw(
                        st.sampled_from([RuleKind.ORDINARY, RuleKind.ORDINARY, RuleKind.URGENT])
                    ),
                    standin=draw(maybe(st.sampled_from([SECRETARY, HEAD_HOME_CARE, VICE_CHAIR]))),
                    further=draw(st.sampled_from([True, True, False])),
                    consultation=None,
                ),
                limits=sparse,
            )
        )
    return found


@st.composite
def facts_strategy(draw, case_type):
    met = draw(st.frozensets(st.sampled_from([8, 9])))
    return CaseFacts(
        committee_id=1,
        case_type=case_type,
        amount_ore=draw(st.integers(0, 4_000_000)),
        twelve_month_prior_ore=draw(st.integers(0, 1_000_000)),
        deferral_months=draw(maybe(st.integers(1, 14))),
        deferral_days=draw(maybe(st.integers(1, 420))),
        plan_months=draw(maybe(st.integers(1, 40))),
        prior_deferral_months=draw(st.integers(0, 12)),
        monthly_instalment_ore=draw(maybe(st.integers(0, 60_000))),
        issuing_unit_id=draw(
            st.sampled_from(
                [UNIT_HOME_CARE, UNIT_LSS, UNIT_GROUP_HOME, UNIT_WITHOUT_DEPARTMENT, None]
            )
        ),
        write_off_reason=draw(maybe(st.sampled_from([*REASONS, "other"]))),
        customer_kind=draw(maybe(st.sampled_from(list(CustomerKind)))),
        applied_before_due=draw(maybe(st.booleans())),
        has_other_unpaid_debt=draw(maybe(st.booleans())),
        conditions_met=met,
        conditions_unmet=draw(st.frozensets(st.sampled_from([8, 9])).map(lambda ids: ids - met)),
        preparer_person_id=draw(maybe(st.sampled_from(PERSONS))),
        customer_person_id=draw(maybe(st.sampled_from(PERSONS))),
        conflict_person_ids=draw(st.frozensets(st.sampled_from(PERSONS), max_size=2)),
        consultation_recorded=True,
        urgent=draw(st.booleans()),
    )


@st.composite
def organisation_strategy(draw, rules):
    # Further delegations aim mostly at department head rules, where they can take effect.
    heads = [r.number for r in rules if r.delegate == DEPARTMENT_HEAD]
    rule_numbers = heads * 3 + [r.number for r in rules]
    absences = draw(
        st.lists(
            st.builds(
                Absence,
                st.sampled_from(PERSONS),
                st.integers(-3, 1).map(lambda d: DAY + timedelta(days=d)),
                maybe(st.integers(0, 3).map(lambda d: DAY + timedelta(days=d))),
                maybe(st.sampled_from(PERSONS)),
            ),
            max_size=4,
        )
    )
    delegations = [
        FurtherDelegation(
            id=index + 1,
            scheme_version_id=1,
            rule_number=draw(st.sampled_from(rule_numbers)),
            delegating_position_id=draw(
                st.sampled_from([DEPT_HEAD_CARE, DEPT_HEAD_CARE, HEAD_LSS])
            ),
            receiving_position_id=draw(st.sampled_from([COORDINATOR_LSS, FEE_OFFICER_HOME_CARE])),
            starts_on=DAY - timedelta(days=draw(st.integers(0, 2))),
            limits=draw(st.one_of(st.none(), st.none(), limits_strategy(floors=False))),
        )
        for index in range(draw(st.integers(0, 3)))
    ]
    vacant = tuple(
        draw(st.sets(st.sampled_from([HEAD_HOME_CARE, DEPT_HEAD_CARE, CHAIR]), max_size=1))
    )
    standing = draw(st.sampled_from([None, {HEAD_HOME_CARE: HEAD_LSS}]))
    return org(absences=absences, further_delegations=delegations, vacant=vacant, standing=standing)


@st.composite
def world(draw, floors=True):
    """A scheme version of one case type, an organisation, a case of that type and a day."""
    case_type = draw(st.sampled_from(list(CaseType)))
    rules = draw(rules_strategy(case_type, floors=floors))
    numbers = list(dict.fromkeys(r.number for r in rules))
    rules = [next(r for r in rules if r.number == number) for number in numbers]
    scheme = version(*rules, valid_from=date(2025, 1, 1))
    return (
        scheme,
        draw(organisation_strategy(rules)),
        draw(facts_strategy(case_type)),
        draw(st.sampled_from(DATES)),
    )


def _met(condition: RequiredCondition, f: CaseFacts) -> bool:
    if condition.builtin == BuiltinCondition.APPLIED_BEFORE_DUE:
        return f.applied_before_due is True
    if condition.builtin == BuiltinCondition.NO_OTHER_UNPAID_DEBT:
        return f.has_other_unpaid_debt is False
    return condition.id in f.conditions_met


def inside(limits: Limits, f: CaseFacts, on_date: date) -> bool:
    """An independent reading of DOMAIN.md: ceilings and floors inclusive, a missing fact fails."""

    def at_most(limit, value):
        return limit is None or (value is not None and value <= limit)

    basis = f.amount_ore + (
        f.twelve_month_prior_ore if limits.amount_basis == AmountBasis.TWELVE_MONTHS else 0
    )
    if limits.max_amount_pbb is not None:
        pbb = PBB.get(on_date.year)
        if pbb is None or basis > pbb * limits.max_amount_pbb:
            return False
    lengths = (f.deferral_months, f.plan_months)
    total = f.prior_deferral_months + sum(v or 0 for v in lengths)
    return (
        at_most(limits.max_amount_ore, basis)
        and at_most(limits.max_deferral_months, f.deferral_months)
        and at_most(limits.max_deferral_days, f.deferral_days)
        and at_most(limits.max_plan_months, f.plan_months)
        and (
            limits.max_total_months is None
            or (lengths != (None, None) and total <= limits.max_total_months)
        )
        and (
            limits.min_monthly_instalment_ore is None
            or (
                f.monthly_instalment_ore is not None
                and f.monthly_instalment_ore >= limits.min_monthly_instalment_ore
            )
        )
        and all(
            f.plan_months is not None
            and (not floor.covers(f.plan_months) or f.amount_ore >= floor.min_debt_ore)
            for floor in limits.plan_length_floors
        )
        and (
            limits.allowed_write_off_reasons is None
            or f.write_off_reason in limits.allowed_write_off_reasons
        )
        and (limits.customer_kind is None or f.customer_kind == limits.customer_kind)
        and all(_met(condition, f) for condition in limits.required_conditions)
    )


@PROPERTY_SETTINGS
@given(world())
def test_nobody_is_ever_allowed_outside_a_limit(generated):
    scheme, organisation, case, on_date = generated
    rules = {r.number: r for r in scheme.rules}
    delegations = {d.id: d for d in organisation.further_delegations}
    for person in PERSONS:
        check = may_decide(case, scheme, organisation, on_date, PBB, person)
        for path in check.paths if check.allowed else ():
            chosen = rules[path.rule_number]
            assert inside(chosen.limits, case, on_date)
            assert chosen.kind == RuleKind.ORDINARY or case.urgent
            if path.decider.capacity == Capacity.FURTHER_DELEGATE:
                delegation = delegations[path.decider.further_delegation_id]
                assert chosen.allows_further_delegation
                assert delegation.limits is None or inside(delegation.limits, case, on_date)


@PROPERTY_SETTINGS
@given(world())
def test_a_person_with_no_appointment_stand_in_duty_or_further_delegation_is_never_allowed(
    generated,
):
    scheme, organisation, case, on_date = generated
    for person in PERSONS:
        check = may_decide(case, scheme, organisation, on_date, PBB, person)
        appointed = any(
            a.person_id == person and covers(a.starts_on, a.ends_on, on_date)
            for a in organisation.appointments
        )
        named_standin = any(
            a.standin_person_id == person and covers(a.starts_on, a.ends_on, on_date)
            for a in organisation.absences
        )
        if not (appointed or named_standin):
            assert not check.allowed
            assert ReasonCode.NOT_A_DECIDER in {r.code for r in check.reasons}


@PROPERTY_SETTINGS
@given(world(), st.randoms(use_true_random=False))
def test_the_verdict_does_not_depend_on_the_order_of_rules(generated, random):
    scheme, organisation, case, on_date = generated
    shuffled_rules = list(scheme.rules)
    random.shuffle(shuffled_rules)
    shuffled = replace(scheme, rules=tuple(shuffled_rules))
    assert verdict(case, shuffled, organisation, on_date, PBB) == verdict(
        case, scheme, organisation, on_date, PBB
    )
    for person in PERSONS:
        assert may_decide(case, shuffled, organisation, on_date, PBB, person) == may_decide(
            case, scheme, organisation, on_date, PBB, person
        )


@PROPERTY_SETTINGS
@given(world(floors=False), st.data())
def test_lowering_an_amount_never_takes_away_a_delegates_right_under_the_same_rule(generated, data):
    """Without smallest-debt floors: a floor may rightly refuse a long plan for a small debt."""
    scheme, organisation, case, on_date = generated
    lower = replace(case, amount_ore=data.draw(st.integers(0, case.amount_ore)))
    for person in PERSONS:
        before = may_decide(case, scheme, organisation, on_date, PBB, person)
        if not before.allowed:
            continue
        after = may_decide(lower, scheme, organisation, on_date, PBB, person)
        assert {(p.rule_number, p.decider) for p in before.paths} <= {
            (p.rule_number, p.decider) for p in after.paths
        }


@PROPERTY_SETTINGS
@given(world())
def test_the_verdict_and_the_person_check_agree(generated):
    scheme, organisation, case, on_date = generated
    result = verdict(case, scheme, organisation, on_date, PBB)
    listed = {d.person_id for outcome in result.matching for d in outcome.deciders}
    allowed = {
        p for p in PERSONS if may_decide(case, scheme, organisation, on_date, PBB, p).allowed
    }
    assert allowed == listed
    assert result.committee_only == (result.proposed_level is None)
    if result.proposed_level is not None:
        assert all(o.level >= result.proposed_level for o in result.outcomes if o.available)


@PROPERTY_SETTINGS
@given(
    limits_strategy(floors=False),
    maybe(limits_strategy(floors=False)),
    facts_strategy(CaseType.INSTALMENT_PLAN),
)
def test_a_further_delegate_is_never_allowed_outside_the_rules_or_its_own_limits(
    rule_limits, own_limits, case
):
    scheme = version(
        replace(
            rule("4.2", case_type=CaseType.INSTALMENT_PLAN, delegate=DEPARTMENT_HEAD, further=True),
            limits=rule_limits,
        )
    )
    delegation = FurtherDelegation(
        1, 1, "4.2", DEPT_HEAD_CARE, COORDINATOR_LSS, DAY, None, own_limits
    )
    organisation = org(further_delegations=[delegation])
    case = replace(case, issuing_unit_id=UNIT_LSS)
    check = may_decide(case, scheme, organisation, DAY, PBB, JOHAN)
    within = inside(rule_limits, case, DAY) and (
        own_limits is None or inside(own_limits, case, DAY)
    )
    barred = JOHAN in {case.preparer_person_id, case.customer_person_id, *case.conflict_person_ids}
    assert check.allowed == (within and not barred)
    if check.allowed:
        assert check.path.decider.capacity == Capacity.FURTHER_DELEGATE
