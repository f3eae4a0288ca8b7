"""What the delegation engine returns: reasons, deciders, outcomes, verdicts and findings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from portal.delegation.engine_types import CaseType, Consultation, RuleKind


class Capacity(StrEnum):
    HOLDER = "holder"
    STANDIN = "standin"
    FURTHER_DELEGATE = "further_delegate"


class StandinSource(StrEnum):
    """Which step of DOMAIN.md "Who stands in" produced a stand-in, in order of precedence."""

    ABSENCE = "absence"
    STANDING_POSITION = "standing_standin_position"
    RULE_POSITION = "rule_standin_position"


class ReasonCode(StrEnum):
    # The scheme version cannot be used on the date (R9).
    VERSION_NOT_PUBLISHED = "version_not_published"
    VERSION_WITHOUT_ADOPTION_REFERENCE = "version_without_adoption_reference"
    VERSION_NOT_YET_VALID = "version_not_yet_valid"
    VERSION_EXPIRED = "version_expired"
    VERSION_OF_OTHER_COMMITTEE = "version_of_other_committee"
    # The rule does not match the case (R1 scope, R2 limits, R5 basis).
    NOT_URGENT = "not_urgent"
    ISSUING_UNIT_MISSING = "issuing_unit_missing"
    ISSUING_UNIT_UNKNOWN = "issuing_unit_unknown"
    ISSUING_UNIT_OF_OTHER_COMMITTEE = "issuing_unit_of_other_committee"
    ISSUING_UNIT_WITHOUT_DEPARTMENT = "issuing_unit_without_department"
    CATEGORY_OUTSIDE_SCOPE = "category_outside_scope"
    CATEGORY_EXCLUDED = "category_excluded"
    ISSUING_UNIT_OUTSIDE_SCOPE = "issuing_unit_outside_scope"
    FACT_MISSING = "fact_missing"
    PRICE_BASE_AMOUNT_MISSING = "price_base_amount_missing"
    AMOUNT_OVER_LIMIT = "amount_over_limit"
    TWELVE_MONTH_AMOUNT_OVER_LIMIT = "twelve_month_amount_over_limit"
    DEFERRAL_MONTHS_OVER_LIMIT = "deferral_months_over_limit"
    DEFERRAL_DAYS_OVER_LIMIT = "deferral_days_over_limit"
    PLAN_MONTHS_OVER_LIMIT = "plan_months_over_limit"
    TOTAL_MONTHS_OVER_LIMIT = "total_months_over_limit"
    INSTALMENT_UNDER_MINIMUM = "instalment_under_minimum"
    AMOUNT_UNDER_MINIMUM = "amount_under_minimum"
    INVOICE_AMOUNT_OVER_LIMIT = "invoice_amount_over_limit"
    INSTALMENTS_OVER_LIMIT = "instalments_over_limit"
    FREQUENCY_OVER_LIMIT = "frequency_over_limit"
    DEBT_UNDER_MINIMUM_FOR_PLAN_LENGTH = "debt_under_minimum_for_plan_length"
    WRITE_OFF_REASON_NOT_ALLOWED = "write_off_reason_not_allowed"
    REASON_NOT_ALLOWED = "reason_not_allowed"
    CUSTOMER_KIND_NOT_ALLOWED = "customer_kind_not_allowed"
    CONDITION_NOT_MET = "condition_not_met"
    CONDITION_UNANSWERED = "condition_unanswered"
    # The rule matches but some or all of its delegates cannot act on the date.
    DELEGATE_POSITION_UNKNOWN = "delegate_position_unknown"
    NO_POSITION_IN_SCOPE = "no_position_in_scope"
    POSITION_VACANT_WITHOUT_STANDIN = "position_vacant_without_standin"
    HOLDER_ABSENT_WITHOUT_STANDIN = "holder_absent_without_standin"
    SUB_COMMITTEE_DECIDES = "sub_committee_decides"
    FURTHER_DELEGATION_NOT_ALLOWED_BY_RULE = "further_delegation_not_allowed_by_rule"
    FURTHER_DELEGATION_NOT_FROM_DELEGATE = "further_delegation_not_from_delegate"
    FURTHER_DELEGATE_UNAVAILABLE = "further_delegate_unavailable"
    # One person may not decide (R1, R3, R4).
    NOT_A_DECIDER = "not_a_decider"
    REGISTERED_ABSENT = "registered_absent"
    PREPARED_THE_CASE = "prepared_the_case"
    IS_THE_CUSTOMER = "is_the_customer"
    DECLARED_CONFLICT = "declared_conflict"
    CONSULTATION_MISSING = "consultation_missing"
    # Guideline bars (issue 12 §8): the case is inside a bar's guideline, or it is barred.
    GUIDELINE_KEPT = "guideline_kept"
    GUIDELINE_BARS_GRANT = "guideline_bars_grant"
    NOT_A_REFUSER = "not_a_refuser"
    # Why only the committee decides.
    VERSION_NOT_IN_FORCE = "version_not_in_force"
    NO_RULE_FOR_CASE_TYPE = "no_rule_for_case_type"
    NO_MATCHING_RULE = "no_matching_rule"
    NO_AVAILABLE_DECIDER = "no_available_decider"
    GUIDELINE_BAR_TO_COMMITTEE = "guideline_bar_to_committee"


@dataclass(frozen=True)
class Reason:
    """A reason code with its parameters; pages turn it into a Swedish sentence."""

    code: ReasonCode
    rule_number: str | None = None
    limit: object = None
    actual: object = None
    params: tuple[tuple[str, object], ...] = ()

    def param(self, name: str, default: object = None) -> object:
        return dict(self.params).get(name, default)


@dataclass(frozen=True)
class Decider:
    """A person who may decide under a rule, and in which capacity (recorded with the decision)."""

    person_id: int
    # The delegate position acted for; for a further delegate, the receiving position.
    position_id: int
    capacity: Capacity
    standin_for_person_id: int | None = None  # None with capacity STANDIN: the position is vacant
    standin_source: StandinSource | None = None
    standin_position_id: int | None = None  # the position that made this person the stand-in
    further_delegation_id: int | None = None
    delegated_by_position_id: int | None = None
    delegated_by_person_id: int | None = None

    def sort_key(self) -> tuple:
        return (
            self.person_id,
            self.position_id,
            self.capacity,
            self.standin_for_person_id or 0,
            self.further_delegation_id or 0,
            self.standin_position_id or 0,
        )


@dataclass(frozen=True)
class DisqualifiedDecider:
    """A decider by position who may not decide this case (R3), with every reason."""

    decider: Decider
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class RuleOutcome:
    rule_number: str
    level: int
    kind: RuleKind
    matched: bool
    reasons: tuple[Reason, ...] = ()  # why the rule does not match
    deciders: tuple[Decider, ...] = ()
    disqualified: tuple[DisqualifiedDecider, ...] = ()
    unavailable: tuple[Reason, ...] = ()  # positions or further delegations that give nobody today
    sub_committee_id: int | None = None
    consultation: Consultation | None = None
    consultation_missing: bool = False
    # A guideline bar: `matched` means it covers the case, `covered_because` says why (the limits
    # of the guideline the case breaks), and its deciders are those who may refuse under it.
    guideline_point: str | None = None
    covered_because: tuple[Reason, ...] = ()
    names_refuser: bool = True
    # Included from the common provisions: the common version's adoption reference (RULINGS 11).
    common_reference: str | None = None

    @property
    def is_bar(self) -> bool:
        return self.kind == RuleKind.BAR

    @property
    def available(self) -> bool:
        return self.matched and (bool(self.deciders) or self.sub_committee_id is not None)


@dataclass(frozen=True)
class Verdict:
    version_id: int
    case_type: CaseType
    on_date: date
    outcomes: tuple[RuleOutcome, ...]
    proposed_level: int | None
    proposed_rule_numbers: tuple[str, ...]
    committee_only: bool
    committee_only_reasons: tuple[Reason, ...] = ()
    version_reasons: tuple[Reason, ...] = ()
    # The guideline bars that cover the case as asked: it may not be granted but by the committee,
    # and the proposed rules (if any) are the bars under which it may be refused.
    barred_by: tuple[str, ...] = ()
    # The committee's own adoption reference of the version, which an included rule's words name
    # beside the common version's (RULINGS 11: a decision names both).
    adoption_reference: str | None = None

    @property
    def barred(self) -> bool:
        return bool(self.barred_by)

    @property
    def matching(self) -> tuple[RuleOutcome, ...]:
        return tuple(outcome for outcome in self.outcomes if outcome.matched)

    @property
    def proposed(self) -> tuple[RuleOutcome, ...]:
        return tuple(
            o for o in self.outcomes if o.rule_number in self.proposed_rule_numbers and o.available
        )

    def outcome(self, rule_number: str) -> RuleOutcome:
        return next(outcome for outcome in self.outcomes if outcome.rule_number == rule_number)


@dataclass(frozen=True)
class DecisionPath:
    """The stamp of a decision: scheme version, rule, level and the capacity the person acts in."""

    version_id: int
    rule_number: str
    level: int
    rule_kind: RuleKind
    decider: Decider


@dataclass(frozen=True)
class DecisionCheck:
    person_id: int
    version_id: int
    allowed: bool
    path: DecisionPath | None = None  # the lowest-level path when allowed
    paths: tuple[DecisionPath, ...] = ()
    reasons: tuple[Reason, ...] = ()  # every reason when not allowed


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class FindingCode(StrEnum):
    # Errors: publishing is blocked.
    COMMITTEE_UNKNOWN = "committee_unknown"
    VALIDITY_REVERSED = "validity_reversed"
    DUPLICATE_RULE_NUMBER = "duplicate_rule_number"
    LEVEL_NOT_POSITIVE = "level_not_positive"
    LIMIT_NOT_FOR_CASE_TYPE = "limit_not_for_case_type"
    LIMIT_NOT_POSITIVE = "limit_not_positive"
    EMPTY_WRITE_OFF_REASONS = "empty_write_off_reasons"
    EMPTY_REASONS = "empty_reasons"
    FLOOR_ABOVE_MAX_AMOUNT = "floor_above_max_amount"
    PRICE_BASE_AMOUNT_MISSING = "price_base_amount_missing"
    DELEGATE_KIND_MISSING = "delegate_kind_missing"
    DELEGATE_POSITION_MISSING = "delegate_position_missing"
    DELEGATE_SUB_COMMITTEE_MISSING = "delegate_sub_committee_missing"
    STANDIN_POSITION_MISSING = "standin_position_missing"
    CONSULTATION_TARGET_MISSING = "consultation_target_missing"
    URGENT_DELEGATE_NOT_A_MEMBER = "urgent_delegate_not_a_member"
    URGENT_RULE_OF_A_COMPANY = "urgent_rule_of_a_company"
    FURTHER_DELEGATION_RULE_MISSING = "further_delegation_rule_missing"
    FURTHER_DELEGATION_NOT_ALLOWED = "further_delegation_not_allowed"
    FURTHER_DELEGATION_NOT_FROM_DEPARTMENT_HEAD = "further_delegation_not_from_department_head"
    FURTHER_DELEGATION_RECEIVER_MISSING = "further_delegation_receiver_missing"
    INSTALMENT_ABOVE_MAX_AMOUNT = "instalment_above_max_amount"
    MIN_ABOVE_MAX_AMOUNT = "min_above_max_amount"
    SCOPE_CATEGORY_MISSING = "scope_category_missing"
    SCOPE_EMPTY = "scope_empty"
    SCOPE_BOTH_FORMS = "scope_both_forms"
    SCOPE_UNIT_NOT_OF_COMMITTEE = "scope_unit_not_of_committee"
    CONDITION_UNKNOWN = "condition_unknown"
    BAR_WITHOUT_POINT = "bar_without_point"
    COMMITTEE_DELEGATE_NOT_BAR = "committee_delegate_not_bar"
    BAR_PASSED_ON = "bar_passed_on"
    # Warnings: shown, not blocking.
    CASE_TYPE_WITHOUT_RULE = "case_type_without_rule"
    OVERLAPPING_RULES = "overlapping_rules"
    OVERLAPS_COMMON_RULE = "overlaps_common_rule"
    PLAN_LENGTH_FLOOR_UNREACHABLE = "plan_length_floor_unreachable"
    POSITION_WITHOUT_HOLDER = "position_without_holder"
    POSITION_WITHOUT_STANDIN = "position_without_standin"
    STANDIN_POSITION_VACANT = "standin_position_vacant"
    FURTHER_DELEGATION_NOT_POSSIBLE = "further_delegation_not_possible"
    FURTHER_DELEGATION_LIMIT_LOOSER = "further_delegation_limit_looser"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: FindingCode
    rule_number: str | None = None
    params: tuple[tuple[str, object], ...] = ()

    def param(self, name: str, default: object = None) -> object:
        return dict(self.params).get(name, default)
