"""Builders for delegation engine tests: a small social committee, its people, rules and cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction

from portal.delegation.engine_types import (
    CaseFacts,
    CaseType,
    Consultation,
    CustomerKind,
    Limits,
    NamedPositionDelegate,
    PlanLengthFloor,
    PositionKind,
    PositionKindDelegate,
    PresidiumDelegate,
    Rule,
    RuleKind,
    SchemeVersion,
    Scope,
    VersionState,
)
from portal.delegation.rules import may_decide, verdict
from portal.delegation.snapshot import (
    Absence,
    Appointment,
    Committee,
    FurtherDelegation,
    OrgSnapshot,
    OrgUnit,
    Position,
)

DAY = date(2026, 4, 15)
SINCE = date(2020, 1, 1)
PBB = {2024: 5_730_000, 2025: 5_880_000, 2026: 5_920_000}

# Committees
SN, SN_AU, KS = 1, 2, 3
# Departments and units
DEPT_CARE, UNIT_HOME_CARE, UNIT_LSS, UNIT_GROUP_HOME = 10, 11, 12, 13
DEPT_FINANCE, UNIT_ECONOMY = 30, 31
UNIT_WITHOUT_DEPARTMENT = 40
# Positions
HEAD_HOME_CARE, HEAD_LSS, FEE_OFFICER_HOME_CARE, COORDINATOR_LSS = 101, 102, 103, 104
DEPT_HEAD_CARE, FINANCE_DIRECTOR, SECRETARY = 110, 120, 130
CHAIR, VICE_CHAIR, MEMBER, DEPUTY, AU_CHAIR = 201, 202, 203, 204, 205
# Persons
ANNA, BERIT, CECILIA, DAVID, ERIK, FATIMA, GORAN = 1, 2, 3, 4, 5, 6, 7
HELENA, IBRAHIM, JOHAN, KARIN, LARS, MAJA = 8, 9, 10, 11, 12, 13

HOLDERS = {
    HEAD_HOME_CARE: ANNA,
    HEAD_LSS: BERIT,
    FEE_OFFICER_HOME_CARE: CECILIA,
    DEPT_HEAD_CARE: DAVID,
    FINANCE_DIRECTOR: ERIK,
    CHAIR: FATIMA,
    VICE_CHAIR: GORAN,
    MEMBER: HELENA,
    DEPUTY: IBRAHIM,
    COORDINATOR_LSS: JOHAN,
    SECRETARY: KARIN,
    AU_CHAIR: MAJA,
}  # LARS holds nothing

UNIT_HEAD = PositionKindDelegate(PositionKind.UNIT_HEAD, Scope.ISSUING_UNIT)
DEPARTMENT_HEAD = PositionKindDelegate(PositionKind.DEPARTMENT_HEAD, Scope.ISSUING_DEPARTMENT)
PRESIDIUM = PresidiumDelegate()
ECONOMY_CONSULTATION = Consultation(unit_id=UNIT_ECONOMY)


def named(position_id: int) -> NamedPositionDelegate:
    return NamedPositionDelegate(position_id)


def committees() -> list[Committee]:
    return [Committee(SN, "SN"), Committee(SN_AU, "SN AU", parent_id=SN), Committee(KS, "KS")]


def org_units() -> list[OrgUnit]:
    return [
        OrgUnit(DEPT_CARE, "department", None, SN),
        OrgUnit(UNIT_HOME_CARE, "unit", DEPT_CARE, SN),
        OrgUnit(UNIT_LSS, "unit", DEPT_CARE, SN),
        OrgUnit(UNIT_GROUP_HOME, "unit", UNIT_LSS, SN),
        OrgUnit(UNIT_WITHOUT_DEPARTMENT, "unit", None, SN),
        OrgUnit(DEPT_FINANCE, "department", None, KS),
        OrgUnit(UNIT_ECONOMY, "unit", DEPT_FINANCE, KS),
    ]


def positions(standing: dict[int, int | None] | None = None) -> list[Position]:
    found = [
        Position(HEAD_HOME_CARE, "unit_head", SN, UNIT_HOME_CARE),
        Position(HEAD_LSS, "unit_head", SN, UNIT_LSS),
        Position(FEE_OFFICER_HOME_CARE, "fee_officer", SN, UNIT_HOME_CARE),
        Position(COORDINATOR_LSS, "fee_officer", SN, UNIT_LSS),
        Position(DEPT_HEAD_CARE, "department_head", SN, DEPT_CARE),
        Position(SECRETARY, "committee_secretary", SN, DEPT_CARE),
        Position(FINANCE_DIRECTOR, "finance_director", KS, DEPT_FINANCE),
        Position(CHAIR, "chair", SN, standing_standin_position_id=VICE_CHAIR),
        Position(VICE_CHAIR, "vice_chair", SN),
        Position(MEMBER, "member", SN),
        Position(DEPUTY, "deputy_member", SN),
        Position(AU_CHAIR, "chair", SN_AU),
    ]
    standing = standing or {}
    return [
        replace(p, standing_standin_position_id=standing[p.id]) if p.id in standing else p
        for p in found
    ]


def org(
    *,
    absences: tuple[Absence, ...] | list[Absence] = (),
    further_delegations: tuple[FurtherDelegation, ...] | list[FurtherDelegation] = (),
    extra_appointments: tuple[Appointment, ...] | list[Appointment] = (),
    vacant: tuple[int, ...] = (),
    standing: dict[int, int | None] | None = None,
) -> OrgSnapshot:
    """The standard organisation; `vacant` positions lose holders, `standing` sets stand-ins."""
    appointments = [
        Appointment(person, position, SINCE)
        for position, person in HOLDERS.items()
        if position not in vacant
    ]
    return OrgSnapshot(
        committees=committees(),
        org_units=org_units(),
        positions=positions(standing),
        appointments=[*appointments, *extra_appointments],
        absences=absences,
        further_delegations=further_delegations,
    )


def rule(
    number: str = "1",
    *,
    case_type: CaseType = CaseType.DEFERRAL,
    delegate=UNIT_HEAD,
    level: int = 1,
    kind: RuleKind = RuleKind.ORDINARY,
    standin: int | None = None,
    further: bool = False,
    consultation: Consultation | None = None,
    **limits,
) -> Rule:
    return Rule(
        number=number,
        text=f"Delegation rule {number}",
        level=level,
        case_type=case_type,
        delegate=delegate,
        kind=kind,
        standin_position_id=standin,
        allows_further_delegation=further,
        limits=Limits(**limits),
        consultation=consultation,
    )


def version(
    *rules: Rule,
    id: int = 1,
    committee_id: int = SN,
    valid_from: date = date(2026, 1, 1),
    valid_to: date | None = None,
    state: VersionState = VersionState.PUBLISHED,
    adoption_reference: str | None = "SN 2025-12-10 § 120",
) -> SchemeVersion:
    return SchemeVersion(
        id=id,
        committee_id=committee_id,
        label=f"Delegationsordning {valid_from.year}",
        valid_from=valid_from,
        valid_to=valid_to,
        state=state,
        rules=tuple(rules),
        adoption_reference=adoption_reference,
    )


def facts(**changes) -> CaseFacts:
    """A 5 000 kr, two-month deferral from home care, prepared by Cecilia, consultation recorded."""
    defaults = {
        "committee_id": SN,
        "case_type": CaseType.DEFERRAL,
        "amount_ore": 500_000,
        "deferral_months": 2,
        "issuing_unit_id": UNIT_HOME_CARE,
        "customer_kind": CustomerKind.PRIVATE,
        "applied_before_due": True,
        "has_other_unpaid_debt": False,
        "preparer_person_id": CECILIA,
        "consultation_recorded": True,
    }
    return CaseFacts(**{**defaults, **changes})


def plan_facts(**changes) -> CaseFacts:
    """A 10 000 kr, ten-month instalment plan of 1 000 kr a month."""
    base = {
        "case_type": CaseType.INSTALMENT_PLAN,
        "amount_ore": 1_000_000,
        "deferral_months": None,
        "plan_months": 10,
        "monthly_instalment_ore": 100_000,
    }
    return facts(**{**base, **changes})


def write_off_facts(**changes) -> CaseFacts:
    base = {
        "case_type": CaseType.WRITE_OFF,
        "amount_ore": 300_000,
        "deferral_months": None,
        "write_off_reason": "time_barred",
    }
    return facts(**{**base, **changes})


def realistic_scheme(**changes) -> SchemeVersion:
    """The social committee's scheme, drawn from the rule shapes in DOMAIN.md."""
    reasons = frozenset({"time_barred", "deceased_no_estate", "debt_restructuring", "uneconomic"})
    rules = (
        rule("3.1", max_deferral_months=3, consultation=ECONOMY_CONSULTATION),
        rule("3.2", delegate=DEPARTMENT_HEAD, level=2, max_deferral_months=6),
        rule(
            "4.1",
            case_type=CaseType.INSTALMENT_PLAN,
            max_plan_months=12,
            max_amount_pbb=Fraction(1, 2),
            min_monthly_instalment_ore=20_000,
        ),
        rule(
            "4.2",
            case_type=CaseType.INSTALMENT_PLAN,
            delegate=DEPARTMENT_HEAD,
            level=2,
            further=True,
            max_plan_months=24,
            max_total_months=24,
            max_amount_pbb=Fraction(1),
            plan_length_floors=(PlanLengthFloor(12, 1_200_000),),
        ),
        rule(
            "5.1",
            case_type=CaseType.WRITE_OFF,
            max_amount_ore=500_000,
            allowed_write_off_reasons=reasons,
            amount_basis="twelve_months",
        ),
        rule(
            "5.2",
            case_type=CaseType.WRITE_OFF,
            delegate=DEPARTMENT_HEAD,
            level=2,
            max_amount_pbb=Fraction(1),
            amount_basis="twelve_months",
        ),
        rule(
            "5.3", case_type=CaseType.WRITE_OFF, delegate=PRESIDIUM, level=3, kind=RuleKind.URGENT
        ),
        rule("6.1", case_type=CaseType.CREDIT),
    )
    return version(*rules, **changes)


def decide(
    person_id, case=None, scheme=None, organisation=None, on_date=DAY, price_base_amounts=PBB
):
    """may_decide with the standard scheme, organisation and day unless given."""
    return may_decide(
        case or facts(),
        scheme or realistic_scheme(),
        organisation or org(),
        on_date,
        price_base_amounts,
        person_id,
    )


def verdict_of(case=None, scheme=None, organisation=None, on_date=DAY, price_base_amounts=PBB):
    return verdict(
        case or facts(),
        scheme or realistic_scheme(),
        organisation or org(),
        on_date,
        price_base_amounts,
    )


def codes(reasons) -> set[str]:
    return {reason.code for reason in reasons}
