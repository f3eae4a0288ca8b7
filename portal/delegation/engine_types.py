"""Plain data the delegation engine reads: scheme versions, rules, limits and case facts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction
from functools import cached_property


class CaseType(StrEnum):
    DEFERRAL = "deferral"
    INSTALMENT_PLAN = "instalment_plan"
    WRITE_OFF = "write_off"
    CREDIT = "credit"
    # Internal decisions about collection (issue 12 §3, RULINGS 13): not to send a debt to
    # collection (no inkasso, no betalningsföreläggande), and to stop collection already started.
    FORGO_COLLECTION = "forgo_collection"
    STOP_COLLECTION = "stop_collection"


# Decisions for the file: a decision document, no letter to the customer, nothing given up.
INTERNAL_CASE_TYPES = frozenset({CaseType.FORGO_COLLECTION, CaseType.STOP_COLLECTION})


class RuleKind(StrEnum):
    ORDINARY = "ordinary"
    # Kommunallagen 6 kap 39 §: the chair or a named member decides urgent matters.
    URGENT = "urgent"
    # A guideline bar ("beviljas inte", issue 12 §8, RULINGS 8): not a delegation to grant. It
    # covers the cases of its type and receivables that break one of its limits (every such case
    # when it has none); those may not be granted by anyone but the committee, and its delegate
    # is who may refuse them under the guideline.
    BAR = "bar"


class PositionKind(StrEnum):
    UNIT_HEAD = "unit_head"
    DEPARTMENT_HEAD = "department_head"
    FINANCE_DIRECTOR = "finance_director"
    FEE_OFFICER = "fee_officer"
    COMMITTEE_SECRETARY = "committee_secretary"
    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    MEMBER = "member"
    DEPUTY_MEMBER = "deputy_member"


ELECTED_KINDS = frozenset(
    {PositionKind.CHAIR, PositionKind.VICE_CHAIR, PositionKind.MEMBER, PositionKind.DEPUTY_MEMBER}
)
PRESIDIUM_KINDS = (PositionKind.CHAIR, PositionKind.VICE_CHAIR)
# Kommunallagen 6 kap 39 § names the chair "or another member" (ledamot): no deputy, no employee.
URGENT_DECIDER_KINDS = frozenset({PositionKind.CHAIR, PositionKind.VICE_CHAIR, PositionKind.MEMBER})


class UnitKind(StrEnum):
    DEPARTMENT = "department"
    UNIT = "unit"


class Scope(StrEnum):
    """Where a position of the delegate kind must sit, seen from the invoice's issuing unit."""

    ISSUING_UNIT = "issuing_unit"
    ISSUING_DEPARTMENT = "issuing_department"
    COMMITTEE = "committee"


class CustomerKind(StrEnum):
    PRIVATE = "private"
    ORGANISATION = "organisation"


class AmountBasis(StrEnum):
    CASE = "case"
    TWELVE_MONTHS = "twelve_months"


class FrequencyPeriod(StrEnum):
    """The period a frequency limit counts granted cases in (issue 12 §5)."""

    CALENDAR_YEAR = "calendar_year"
    TWELVE_MONTHS = "twelve_months"


class BuiltinCondition(StrEnum):
    """The eligibility conditions the portal computes from the data (RULINGS 14); every other
    named condition is answered on the case by its officer."""

    APPLIED_BEFORE_DUE = "applied_before_due"
    NO_OTHER_UNPAID_DEBT = "no_other_unpaid_debt"


@dataclass(frozen=True)
class RequiredCondition:
    """A named eligibility condition a rule requires (issue 12 §2): one of the committee's own
    yes/no conditions, by id; `builtin` where the portal computes it rather than the officer."""

    id: int
    builtin: BuiltinCondition | None = None

    def stored(self) -> list:
        return [self.id, self.builtin.value if self.builtin else None]

    @classmethod
    def from_stored(cls, value) -> RequiredCondition:
        condition_id, builtin = value
        return cls(int(condition_id), BuiltinCondition(builtin) if builtin else None)


class VersionState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


@dataclass(frozen=True)
class PositionKindDelegate:
    """Every position of a kind within a scope, e.g. the unit head of the issuing unit."""

    kind: PositionKind
    scope: Scope


@dataclass(frozen=True)
class NamedPositionDelegate:
    position_id: int


@dataclass(frozen=True)
class PresidiumDelegate:
    """The committee's chair and vice chairs."""


@dataclass(frozen=True)
class SubCommitteeDelegate:
    """A sub-committee (utskott): it decides at its own meeting, never one person alone."""

    committee_id: int


@dataclass(frozen=True)
class CommitteeDelegate:
    """Nobody but the committee itself: what a guideline bar that names no refuser says."""


Delegate = (
    PositionKindDelegate
    | NamedPositionDelegate
    | PresidiumDelegate
    | SubCommitteeDelegate
    | CommitteeDelegate
)


class FloorForm(StrEnum):
    """How a plan-length floor is worded (RULINGS 3): the words decide which lengths it covers.

    LONGER_THAN, "en plan längre än N månader kräver minst X", is the form of the versions
    published before the rule books' own wording was added; their stored floors keep that meaning.
    OR_MORE, "en plan på N månader eller mer kräver minst X", is how the rule books write it and the
    form every new floor is written in.
    """

    LONGER_THAN = "longer_than"
    OR_MORE = "or_more"


@dataclass(frozen=True)
class PlanLengthFloor:
    """A plan of the lengths the form names, counted from `months`, needs at least `min_debt_ore`."""

    months: int
    min_debt_ore: int
    form: FloorForm = FloorForm.LONGER_THAN

    def covers(self, plan_months: int) -> bool:
        """Whether a plan of this many months is one the floor speaks of."""
        if self.form == FloorForm.OR_MORE:
            return plan_months >= self.months
        return plan_months > self.months

    @property
    def shortest_covered(self) -> int:
        """The shortest plan the floor speaks of."""
        return self.months if self.form == FloorForm.OR_MORE else self.months + 1

    def as_or_more(self) -> PlanLengthFloor:
        """The same floor in the rule books' words: "longer than N" is "N + 1 or more"."""
        return PlanLengthFloor(self.shortest_covered, self.min_debt_ore, FloorForm.OR_MORE)

    def stored(self) -> list:
        """As kept in a rule's JSON column: [N, X] is the older "longer than" form."""
        if self.form == FloorForm.OR_MORE:
            return [self.months, self.min_debt_ore, FloorForm.OR_MORE.value]
        return [self.months, self.min_debt_ore]

    @classmethod
    def from_stored(cls, value) -> PlanLengthFloor:
        months, debt, *form = value
        return cls(int(months), int(debt), FloorForm(form[0]) if form else FloorForm.LONGER_THAN)


# The case types whose cases give the fact a limit reads: elsewhere the limit can never be met.
LIMIT_CASE_TYPES: dict[str, frozenset[CaseType]] = {
    "max_deferral_months": frozenset({CaseType.DEFERRAL}),
    "max_deferral_days": frozenset({CaseType.DEFERRAL}),
    "max_plan_months": frozenset({CaseType.INSTALMENT_PLAN}),
    # A deferral with part payments ("anstånd med delbetalning, minst 200 kr per månad").
    "min_monthly_instalment_ore": frozenset({CaseType.DEFERRAL, CaseType.INSTALMENT_PLAN}),
    "max_instalments": frozenset({CaseType.INSTALMENT_PLAN}),
    "plan_length_floors": frozenset({CaseType.INSTALMENT_PLAN}),
    "max_total_months": frozenset({CaseType.DEFERRAL, CaseType.INSTALMENT_PLAN}),
    "allowed_write_off_reasons": frozenset({CaseType.WRITE_OFF}),
    "allowed_reasons": frozenset({CaseType.CREDIT, CaseType.FORGO_COLLECTION, CaseType.STOP_COLLECTION}),
    "broken_after_days": frozenset({CaseType.DEFERRAL, CaseType.INSTALMENT_PLAN}),
}


def limit_applies(limit: str, case_type: CaseType) -> bool:
    """Whether a rule of the case type can hold the limit (every type, unless listed above)."""
    return case_type in LIMIT_CASE_TYPES.get(limit, frozenset(CaseType))


def monthly_amount_limited(case_type: CaseType) -> bool:
    """Whether a rule of the case type can limit a monthly amount (so a case may give one)."""
    return limit_applies("min_monthly_instalment_ore", case_type)


@dataclass(frozen=True)
class Limits:
    """The limits of a rule: ceilings and floors are inclusive (DOMAIN.md "Precise semantics").

    A limit left as None does not apply; several limits all apply.
    """

    max_amount_ore: int | None = None
    # A lower bound: "30 000–100 000 kr: the director" (inclusive, on the case's own amount).
    min_amount_ore: int | None = None
    # Each invoice's own amount at most this ("högst 1 000 kr per faktura"), beside the case's total.
    max_invoice_amount_ore: int | None = None
    # A share of the price base amount of the decision's year, e.g. Fraction(1, 2) for "0,5 pbb".
    max_amount_pbb: Fraction | None = None
    max_deferral_months: int | None = None
    max_deferral_days: int | None = None
    max_plan_months: int | None = None
    # Earlier deferral months plus this deferral plus this plan.
    max_total_months: int | None = None
    min_monthly_instalment_ore: int | None = None
    # The number of instalments of a plan ("rent in 2 or 3 parts").
    max_instalments: int | None = None
    plan_length_floors: tuple[PlanLengthFloor, ...] = ()
    allowed_write_off_reasons: frozenset[str] | None = None
    # A credit's or a collection case's reason among these (models.CASE_REASONS gives the words).
    allowed_reasons: frozenset[str] | None = None
    customer_kind: CustomerKind | None = None
    # Named eligibility conditions that must be met, each answered (or computed) on the case.
    required_conditions: tuple[RequiredCondition, ...] = ()
    amount_basis: AmountBasis = AmountBasis.CASE
    # At most this many granted cases of the type per customer in the period, this one included.
    max_granted_cases: int | None = None
    frequency_period: FrequencyPeriod = FrequencyPeriod.CALENDAR_YEAR
    # RULINGS 16: a plan or deferral granted under the rule is broken when late by more than this
    # many days, where that is stricter than the municipality's setting. Not a condition for
    # matching: it is read when the plan is followed up (limits.broken_after_days).
    broken_after_days: int | None = None


@dataclass(frozen=True)
class Consultation:
    """Samråd before the decision, with a unit (anyone there may record it) or one position."""

    unit_id: int | None = None
    position_id: int | None = None


@dataclass(frozen=True)
class ReceivableScope:
    """Which receivables a rule speaks of (issue 12 §1): invoice categories, only these
    (`category_ids`) or all but these (`excluded_category_ids`), and the issuing units, a unit or
    every unit below a department (`unit_ids`). Left empty, the rule speaks of every receivable.

    A case spanning several invoices is inside the scope only if every invoice is.
    """

    category_ids: frozenset[int] | None = None
    excluded_category_ids: frozenset[int] = frozenset()
    unit_ids: frozenset[int] | None = None

    @property
    def limits_categories(self) -> bool:
        return self.category_ids is not None or bool(self.excluded_category_ids)

    @property
    def is_everything(self) -> bool:
        return not self.limits_categories and self.unit_ids is None


@dataclass(frozen=True)
class Rule:
    number: str
    text: str
    level: int
    case_type: CaseType
    delegate: Delegate
    kind: RuleKind = RuleKind.ORDINARY
    standin_position_id: int | None = None
    allows_further_delegation: bool = False
    limits: Limits = field(default_factory=Limits)
    consultation: Consultation | None = None
    receivables: ReceivableScope = field(default_factory=ReceivableScope)
    # The guideline's own point a bar cites, e.g. "4.2" ("punkt 4.2"); None on other rules.
    guideline_point: str | None = None
    # A rule included from the common provisions (RULINGS 11): the adoption reference of the
    # common version it comes from ("KS 2026-01-15 § 3"). It decides like the committee's own rule;
    # every verdict and document says where it comes from.
    common_reference: str | None = None

    @property
    def is_bar(self) -> bool:
        return self.kind == RuleKind.BAR

    @property
    def is_included(self) -> bool:
        return self.common_reference is not None


def rule_sort_key(rule: Rule) -> tuple:
    """Level first, then the rule number read naturally ("4.2" before "4.10"); repr breaks ties."""
    return (rule.level, number_sort_key(rule.number), rule.number, repr(rule))


def number_sort_key(number: str) -> tuple:
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.findall(r"\d+|\D+", number)
    )


@dataclass(frozen=True)
class SchemeVersion:
    id: int
    committee_id: int
    label: str
    valid_from: date
    valid_to: date | None
    state: VersionState
    rules: tuple[Rule, ...]
    adoption_reference: str | None = None
    # The common version the committee adopted into this version (RULINGS 11), by its reference.
    common_reference: str | None = None

    @cached_property
    def rules_by_case_type(self) -> dict[CaseType, tuple[Rule, ...]]:
        grouped: dict[CaseType, list[Rule]] = {}
        for rule in self.rules:
            grouped.setdefault(rule.case_type, []).append(rule)
        return {
            case_type: tuple(sorted(rules, key=rule_sort_key))
            for case_type, rules in grouped.items()
        }


@dataclass(frozen=True)
class CaseFacts:
    """What the caller knows about the case: amounts in öre, lengths counted in whole months."""

    committee_id: int
    case_type: CaseType
    amount_ore: int
    twelve_month_prior_ore: int = 0
    # The largest amount on any one invoice of the case (what it gives up or asks on that invoice).
    largest_invoice_ore: int | None = None
    deferral_months: int | None = None
    deferral_days: int | None = None
    plan_months: int | None = None
    prior_deferral_months: int = 0
    monthly_instalment_ore: int | None = None
    instalments: int | None = None
    # Granted (or partly granted) cases of the same type, customer and committee before this one,
    # in the decision's calendar year and in the 12 months before the decision.
    granted_cases_calendar_year: int | None = None
    granted_cases_twelve_months: int | None = None
    issuing_unit_id: int | None = None
    # The invoice categories (Fakturakategori) of the case's invoices; None: not known.
    invoice_category_ids: frozenset[int] | None = None
    write_off_reason: str | None = None
    # The reason a credit or a collection case gives (CreditReason, CollectionReason values).
    reason: str | None = None
    customer_kind: CustomerKind | None = None
    # Computed by the portal where it can be (the built-in conditions, RULINGS 14).
    applied_before_due: bool | None = None
    has_other_unpaid_debt: bool | None = None
    # The officer's answers to the committee's named conditions, by condition id; a condition in
    # neither set is unanswered.
    conditions_met: frozenset[int] = frozenset()
    conditions_unmet: frozenset[int] = frozenset()
    preparer_person_id: int | None = None
    customer_person_id: int | None = None
    conflict_person_ids: frozenset[int] = frozenset()
    consultation_recorded: bool = False
    urgent: bool = False
