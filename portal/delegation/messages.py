"""The Swedish words of delegation: every reason, finding, label and limit as the pages say them."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Protocol

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal.delegation.engine_types import (
    AmountBasis,
    CaseType,
    CommitteeDelegate,
    CustomerKind,
    FloorForm,
    FrequencyPeriod,
    Limits,
    PlanLengthFloor,
    NamedPositionDelegate,
    PositionKindDelegate,
    PresidiumDelegate,
    ReceivableScope,
    Rule,
    RuleKind,
    Scope,
    SubCommitteeDelegate,
    VersionState,
)
from portal.delegation.models import DelegateType, WriteOffReason, reason_label
from portal.delegation.results import Capacity, Decider, Finding, FindingCode, Reason, ReasonCode
from portal.money import format_money
from portal.org.models import PositionKind


class NameBook(Protocol):
    def position(self, position_id: int | None) -> str: ...
    def unit(self, unit_id: int | None) -> str: ...
    def committee(self, committee_id: int | None) -> str: ...
    def person(self, person_id: int | None) -> str: ...
    def category(self, category_id: int | None) -> str: ...
    def condition(self, condition_id: int | None) -> str: ...


CASE_TYPE_LABELS = {
    CaseType.DEFERRAL: _l("Deferral"),
    CaseType.INSTALMENT_PLAN: _l("Instalment plan"),
    CaseType.WRITE_OFF: _l("Write-off"),
    CaseType.CREDIT: _l("Credit"),
    CaseType.FORGO_COLLECTION: _l("Forgo collection"),
    CaseType.STOP_COLLECTION: _l("Stop collection"),
}
RULE_KIND_LABELS = {
    RuleKind.ORDINARY: _l("Ordinary"),
    RuleKind.URGENT: _l("Urgent matter (kommunallagen 6 kap 39 §)"),
    RuleKind.BAR: _l("Guideline bar: not granted"),
}
SCOPE_LABELS = {
    Scope.ISSUING_UNIT: _l("of the unit that issued the invoice"),
    Scope.ISSUING_DEPARTMENT: _l("of the department that issued the invoice"),
    Scope.COMMITTEE: _l("within the committee"),
}
CUSTOMER_KIND_LABELS = {
    CustomerKind.PRIVATE: _l("Private person"),
    CustomerKind.ORGANISATION: _l("Organisation"),
}
FREQUENCY_PERIOD_LABELS = {
    FrequencyPeriod.CALENDAR_YEAR: _l("per calendar year"),
    FrequencyPeriod.TWELVE_MONTHS: _l("in 12 months"),
}
AMOUNT_BASIS_LABELS = {
    AmountBasis.CASE: _l("This case alone"),
    AmountBasis.TWELVE_MONTHS: _l("With the customer's decided amounts of the last 12 months"),
}
VERSION_STATE_LABELS = {VersionState.DRAFT: _l("Draft"), VersionState.PUBLISHED: _l("Published")}
DELEGATE_TYPE_LABELS = {
    DelegateType.POSITION_KIND: _l("A kind of position"),
    DelegateType.NAMED_POSITION: _l("A named position"),
    DelegateType.PRESIDIUM: _l("The presidium"),
    DelegateType.SUB_COMMITTEE: _l("A sub-committee"),
    DelegateType.COMMITTEE: _l("Nobody: the committee (guideline bars only)"),
}
LIMIT_LABELS = {
    "max_amount_ore": _l("highest amount"),
    "min_amount_ore": _l("lowest amount"),
    "max_invoice_amount_ore": _l("highest amount per invoice"),
    "max_instalments": _l("most instalments"),
    "max_granted_cases": _l("most granted cases per customer"),
    "max_amount_pbb": _l("highest amount in price base amounts"),
    "max_deferral_months": _l("longest deferral in months"),
    "max_deferral_days": _l("longest deferral in days"),
    "max_plan_months": _l("longest plan"),
    "max_total_months": _l("longest deferral and plan together"),
    "min_monthly_instalment_ore": _l("smallest monthly instalment"),
    "plan_length_floors": _l("smallest debt for a plan length"),
    "allowed_write_off_reasons": _l("allowed write-off reasons"),
    "allowed_reasons": _l("allowed reasons"),
    "broken_after_days": _l("days late before a plan is broken"),
}
FACT_LABELS = {
    "deferral_months": _l("the length of the deferral in months"),
    "deferral_days": _l("the length of the deferral in days"),
    "plan_months": _l("the length of the plan in months"),
    "monthly_instalment_ore": _l("the monthly instalment"),
    "instalments": _l("the number of instalments"),
    "granted_cases_calendar_year": _l("the customer's granted cases of the type this calendar year"),
    "granted_cases_twelve_months": _l("the customer's granted cases of the type in the last 12 months"),
    "write_off_reason": _l("the write-off reason"),
    "reason": _l("the reason for the credit or for not pursuing the debt"),
    "customer_kind": _l("the kind of customer"),
    "invoice_category_ids": _l("the invoice category"),
    "largest_invoice_ore": _l("the amount of each invoice"),
}


def label(mapping: dict, value) -> str:
    found = mapping.get(value)
    return str(found) if found is not None else str(value)


def months(count: int) -> str:
    return ngettext("%(num)d month", "%(num)d months", count)


def days(count: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", count)


def length_text(facts) -> str | None:
    """The deferral as the engine was asked: both counts, as a real case gives them."""
    if facts.deferral_months is None or facts.deferral_days is None:
        return None
    return _("Asked as a deferral of %(months)s, that is %(days)s from the current due date.",
             months=months(facts.deferral_months), days=days(facts.deferral_days))


def plan_lengths(months_count: int, form) -> str:
    """The plans a floor speaks of, in the words of its form (RULINGS 3)."""
    if form == FloorForm.OR_MORE:
        return _("a plan of %(length)s or more", length=months(months_count))
    return _("a plan longer than %(length)s", length=months(months_count))


def floor_text(floor: PlanLengthFloor) -> str:
    """"en plan på 12 månader eller mer kräver en skuld på minst 12 000,00 kr"."""
    return _("%(plans)s requires a debt of at least %(amount)s",
             plans=plan_lengths(floor.months, floor.form), amount=format_money(floor.min_debt_ore))


def _floor_of(item) -> str:
    """The plans of a reason's or finding's floor (old entries name only "months_over")."""
    if item.param("months") is not None:
        return plan_lengths(item.param("months"), item.param("form", FloorForm.LONGER_THAN))
    return plan_lengths(item.param("months_over"), FloorForm.LONGER_THAN)


def share(value: Fraction) -> str:
    """A share of the price base amount as the minutes write it: "0,5", or "1/3"."""
    for places in range(5):
        scaled = value * 10**places
        if scaled.denominator == 1:
            whole, rest = divmod(int(scaled), 10**places)
            return str(whole) if places == 0 else f"{whole},{rest:0{places}d}"
    return f"{value.numerator}/{value.denominator}"


def _category_names(ids, names: NameBook) -> str:
    return ", ".join(sorted(names.category(i) for i in ids or ()))


def _unit_names(ids, names: NameBook) -> str:
    return ", ".join(sorted(names.unit(i) for i in ids or ()))


def reasons_list(values) -> str:
    return ", ".join(label_of_reason(v) for v in sorted(values))


def label_of_reason(value: str) -> str:
    try:
        return WriteOffReason(value).label
    except ValueError:
        return str(value)


def position_kind_label(kind: str) -> str:
    try:
        return PositionKind(kind).label
    except ValueError:
        return kind


# --- reasons ---------------------------------------------------------------------------------------

def _amount(reason: Reason, names: NameBook) -> str:
    text = _(
        "Rule %(rule)s: the amount %(actual)s is over the limit of %(limit)s.",
        rule=reason.rule_number,
        actual=format_money(reason.actual),
        limit=format_money(reason.limit),
    )
    return text + _pbb_note(reason)


def _pbb_note(reason: Reason) -> str:
    if reason.param("share") is None or reason.param("price_base_amount_ore") is None:
        return ""
    return " " + _(
        "(%(share)s price base amount of %(year)s, %(amount)s.)",
        share=share(reason.param("share")),
        year=reason.param("year"),
        amount=format_money(reason.param("price_base_amount_ore")),
    )


def _twelve_months(reason: Reason, names: NameBook) -> str:
    return _(
        "Rule %(rule)s: with %(prior)s decided for the customer in the last 12 months the amount is "
        "%(actual)s, over the limit of %(limit)s.",
        rule=reason.rule_number,
        prior=format_money(reason.param("prior_ore", 0)),
        actual=format_money(reason.actual),
        limit=format_money(reason.limit),
    ) + _pbb_note(reason)


def _consultation_target(reason: Reason, names: NameBook) -> str:
    if reason.param("unit_id") is not None:
        return names.unit(reason.param("unit_id"))
    return names.position(reason.param("position_id"))


def _not_a_refuser(reason: Reason, names: NameBook) -> str:
    if reason.param("to_committee"):
        return _(
            "May not be granted under the guideline (point %(point)s), and the guideline names "
            "nobody to refuse it: only the committee decides.",
            point=reason.param("point"),
        )
    return _(
        "May not be granted under the guideline (point %(point)s); %(person)s is not one of those "
        "rule %(rule)s names to refuse it.",
        point=reason.param("point"),
        person=names.person(reason.actual),
        rule=reason.rule_number,
    )


def _bar_to_committee(reason: Reason, names: NameBook) -> str:
    if reason.param("names_refuser"):
        return _(
            "May not be granted under the guideline (point %(point)s), and nobody rule %(rule)s "
            "names to refuse it can decide on the day, so only the committee decides.",
            point=reason.param("point"),
            rule=reason.rule_number,
        )
    return _(
        "May not be granted under the guideline (point %(point)s), and the guideline names nobody "
        "to refuse it, so only the committee decides.",
        point=reason.param("point"),
    )


def barred_text(points) -> str:
    """"Får inte beviljas enligt riktlinjen (punkt 4.2)": what a verdict says of a barred case."""
    return _("May not be granted under the guideline (point %(points)s).",
             points=", ".join(p for p in points if p))


def _condition_unanswered(reason: Reason, names: NameBook) -> str:
    if reason.param("builtin"):
        return _("Rule %(rule)s requires “%(condition)s”, which is not known for the case.",
                 rule=reason.rule_number, condition=names.condition(reason.param("condition_id")))
    return _("Rule %(rule)s requires “%(condition)s”, which the case officer has not answered.",
             rule=reason.rule_number, condition=names.condition(reason.param("condition_id")))


_REASONS: dict[ReasonCode, Callable[[Reason, NameBook], str]] = {
    ReasonCode.VERSION_NOT_PUBLISHED: lambda r, n: _(
        "The scheme version is a draft and has not been published."
    ),
    ReasonCode.VERSION_WITHOUT_ADOPTION_REFERENCE: lambda r, n: _(
        "The scheme version has no adoption reference."
    ),
    ReasonCode.VERSION_NOT_YET_VALID: lambda r, n: _(
        "The scheme version takes effect on %(valid_from)s, after %(day)s.",
        valid_from=r.limit.isoformat(),
        day=r.actual.isoformat(),
    ),
    ReasonCode.VERSION_EXPIRED: lambda r, n: _(
        "The scheme version ended on %(valid_to)s, before %(day)s.",
        valid_to=r.limit.isoformat(),
        day=r.actual.isoformat(),
    ),
    ReasonCode.VERSION_OF_OTHER_COMMITTEE: lambda r, n: _(
        "The scheme version belongs to %(committee)s, not to the committee of the case.",
        committee=n.committee(r.limit),
    ),
    ReasonCode.NOT_URGENT: lambda r, n: _(
        "Rule %(rule)s is only for urgent matters (kommunallagen 6 kap 39 §).", rule=r.rule_number
    ),
    ReasonCode.ISSUING_UNIT_MISSING: lambda r, n: _(
        "Rule %(rule)s needs the unit that issued the invoice.", rule=r.rule_number
    ),
    ReasonCode.ISSUING_UNIT_UNKNOWN: lambda r, n: _(
        "Rule %(rule)s: the issuing unit is unknown.", rule=r.rule_number
    ),
    ReasonCode.ISSUING_UNIT_OF_OTHER_COMMITTEE: lambda r, n: _(
        "Rule %(rule)s: the issuing unit belongs to %(committee)s.",
        rule=r.rule_number,
        committee=n.committee(r.actual),
    ),
    ReasonCode.ISSUING_UNIT_WITHOUT_DEPARTMENT: lambda r, n: _(
        "Rule %(rule)s: %(unit)s belongs to no department.", rule=r.rule_number, unit=n.unit(r.actual)
    ),
    ReasonCode.CATEGORY_OUTSIDE_SCOPE: lambda r, n: _(
        "Rule %(rule)s applies only to invoices of the categories %(allowed)s; the case has "
        "%(actual)s.",
        rule=r.rule_number,
        allowed=_category_names(r.limit, n),
        actual=_category_names(r.actual, n),
    ),
    ReasonCode.CATEGORY_EXCLUDED: lambda r, n: _(
        "Rule %(rule)s does not apply to invoices of the categories %(excluded)s; the case has "
        "%(actual)s.",
        rule=r.rule_number,
        excluded=_category_names(r.limit, n),
        actual=_category_names(r.actual, n),
    ),
    ReasonCode.ISSUING_UNIT_OUTSIDE_SCOPE: lambda r, n: _(
        "Rule %(rule)s applies only to invoices issued by %(units)s or a unit below; this one was "
        "issued by %(unit)s.",
        rule=r.rule_number,
        units=_unit_names(r.limit, n),
        unit=n.unit(r.actual),
    ),
    ReasonCode.FACT_MISSING: lambda r, n: _(
        "Rule %(rule)s: %(fact)s is not given.",
        rule=r.rule_number,
        fact=label(FACT_LABELS, r.param("fact")),
    ),
    ReasonCode.PRICE_BASE_AMOUNT_MISSING: lambda r, n: _(
        "Rule %(rule)s: no price base amount is kept for %(year)s.",
        rule=r.rule_number,
        year=r.param("year"),
    ),
    ReasonCode.AMOUNT_OVER_LIMIT: _amount,
    ReasonCode.TWELVE_MONTH_AMOUNT_OVER_LIMIT: _twelve_months,
    ReasonCode.DEFERRAL_MONTHS_OVER_LIMIT: lambda r, n: _(
        "Rule %(rule)s: a deferral of %(actual)s is longer than %(limit)s.",
        rule=r.rule_number,
        actual=months(r.actual),
        limit=months(r.limit),
    ),
    ReasonCode.DEFERRAL_DAYS_OVER_LIMIT: lambda r, n: _(
        "Rule %(rule)s: a deferral of %(actual)s is longer than %(limit)s.",
        rule=r.rule_number,
        actual=days(r.actual),
        limit=days(r.limit),
    ),
    ReasonCode.PLAN_MONTHS_OVER_LIMIT: lambda r, n: _(
        "Rule %(rule)s: a plan of %(actual)s is longer than %(limit)s.",
        rule=r.rule_number,
        actual=months(r.actual),
        limit=months(r.limit),
    ),
    ReasonCode.TOTAL_MONTHS_OVER_LIMIT: lambda r, n: _(
        "Rule %(rule)s: deferrals and plan together run %(actual)s, longer than %(limit)s.",
        rule=r.rule_number,
        actual=months(r.actual),
        limit=months(r.limit),
    ),
    ReasonCode.INSTALMENT_UNDER_MINIMUM: lambda r, n: _(
        "Rule %(rule)s: the monthly instalment %(actual)s is smaller than %(limit)s.",
        rule=r.rule_number,
        actual=format_money(r.actual),
        limit=format_money(r.limit),
    ),
    ReasonCode.INVOICE_AMOUNT_OVER_LIMIT: lambda r, n: _(
        "Rule %(rule)s: an invoice of %(actual)s is over the rule's highest amount per invoice, %(limit)s.",
        rule=r.rule_number,
        actual=format_money(r.actual),
        limit=format_money(r.limit),
    ),
    ReasonCode.AMOUNT_UNDER_MINIMUM: lambda r, n: _(
        "Rule %(rule)s: the amount %(actual)s is under the rule's lowest amount %(limit)s.",
        rule=r.rule_number,
        actual=format_money(r.actual),
        limit=format_money(r.limit),
    ),
    ReasonCode.INSTALMENTS_OVER_LIMIT: lambda r, n: _(
        "Rule %(rule)s: %(actual)s instalments are more than %(limit)s.",
        rule=r.rule_number,
        actual=r.actual,
        limit=r.limit,
    ),
    ReasonCode.FREQUENCY_OVER_LIMIT: lambda r, n: _(
        "Rule %(rule)s: this would be the customer's granted case number %(actual)s of the type "
        "%(period)s; the rule allows %(limit)s.",
        rule=r.rule_number,
        actual=r.actual,
        limit=r.limit,
        period=label(FREQUENCY_PERIOD_LABELS, r.param("period")),
    ),
    ReasonCode.DEBT_UNDER_MINIMUM_FOR_PLAN_LENGTH: lambda r, n: _(
        "Rule %(rule)s: %(plans)s requires a debt of at least %(limit)s; the debt is %(actual)s.",
        rule=r.rule_number,
        plans=_floor_of(r),
        limit=format_money(r.limit),
        actual=format_money(r.actual),
    ),
    ReasonCode.WRITE_OFF_REASON_NOT_ALLOWED: lambda r, n: _(
        "Rule %(rule)s: the reason “%(actual)s” is not allowed (allowed: %(allowed)s).",
        rule=r.rule_number,
        actual=label_of_reason(r.actual),
        allowed=reasons_list(r.limit),
    ),
    ReasonCode.REASON_NOT_ALLOWED: lambda r, n: _(
        "Rule %(rule)s: the reason “%(actual)s” is not allowed (allowed: %(allowed)s).",
        rule=r.rule_number,
        actual=reason_label(r.actual),
        allowed=", ".join(sorted(reason_label(value) for value in r.limit)),
    ),
    ReasonCode.CUSTOMER_KIND_NOT_ALLOWED: lambda r, n: _(
        "Rule %(rule)s applies only when the customer is: %(limit)s.",
        rule=r.rule_number,
        limit=label(CUSTOMER_KIND_LABELS, r.limit),
    ),
    ReasonCode.CONDITION_NOT_MET: lambda r, n: _(
        "Rule %(rule)s requires “%(condition)s”, which the case does not meet.",
        rule=r.rule_number,
        condition=n.condition(r.param("condition_id")),
    ),
    ReasonCode.CONDITION_UNANSWERED: _condition_unanswered,
    ReasonCode.DELEGATE_POSITION_UNKNOWN: lambda r, n: _(
        "Rule %(rule)s names a position that does not exist.", rule=r.rule_number
    ),
    ReasonCode.NO_POSITION_IN_SCOPE: lambda r, n: _(
        "Rule %(rule)s: there is no position of the delegate's kind where the case belongs.",
        rule=r.rule_number,
    ),
    ReasonCode.POSITION_VACANT_WITHOUT_STANDIN: lambda r, n: _(
        "Rule %(rule)s: %(position)s is vacant and nobody stands in.",
        rule=r.rule_number,
        position=n.position(r.param("position_id")),
    ),
    ReasonCode.HOLDER_ABSENT_WITHOUT_STANDIN: lambda r, n: _(
        "Rule %(rule)s: %(person)s (%(position)s) is absent and nobody stands in.",
        rule=r.rule_number,
        person=n.person(r.param("person_id")),
        position=n.position(r.param("position_id")),
    ),
    ReasonCode.SUB_COMMITTEE_DECIDES: lambda r, n: _(
        "Rule %(rule)s: %(committee)s decides at its own meeting.",
        rule=r.rule_number,
        committee=n.committee(r.param("committee_id")),
    ),
    ReasonCode.FURTHER_DELEGATION_NOT_ALLOWED_BY_RULE: lambda r, n: _(
        "Rule %(rule)s does not allow further delegation.", rule=r.rule_number
    ),
    ReasonCode.FURTHER_DELEGATION_NOT_FROM_DELEGATE: lambda r, n: _(
        "Rule %(rule)s: the further delegation was not made by the department head who is the "
        "delegate for this case.",
        rule=r.rule_number,
    ),
    ReasonCode.FURTHER_DELEGATE_UNAVAILABLE: lambda r, n: _(
        "Rule %(rule)s: nobody can act under the further delegation on the day.", rule=r.rule_number
    ),
    ReasonCode.NOT_A_DECIDER: lambda r, n: _(
        "%(person)s holds no delegate position of a rule for this case, stands in for none and has "
        "no further delegation.",
        person=n.person(r.actual),
    ),
    ReasonCode.REGISTERED_ABSENT: lambda r, n: _(
        "Rule %(rule)s: the person is registered absent on the day.", rule=r.rule_number
    ),
    ReasonCode.PREPARED_THE_CASE: lambda r, n: _(
        "%(person)s prepared the case and may not decide it.", person=n.person(r.actual)
    ),
    ReasonCode.IS_THE_CUSTOMER: lambda r, n: _(
        "%(person)s is the customer of the case.", person=n.person(r.actual)
    ),
    ReasonCode.DECLARED_CONFLICT: lambda r, n: _(
        "%(person)s has declared a conflict of interest.", person=n.person(r.actual)
    ),
    ReasonCode.CONSULTATION_MISSING: lambda r, n: _(
        "Rule %(rule)s requires consultation with %(target)s before the decision.",
        rule=r.rule_number,
        target=_consultation_target(r, n),
    ),
    ReasonCode.GUIDELINE_KEPT: lambda r, n: _(
        "Rule %(rule)s: the case is inside the guideline (point %(point)s).",
        rule=r.rule_number,
        point=r.param("point"),
    ),
    ReasonCode.GUIDELINE_BARS_GRANT: lambda r, n: _(
        "May not be granted under the guideline (point %(point)s): only the committee may depart "
        "from its guideline.",
        point=r.param("point"),
    ),
    ReasonCode.NOT_A_REFUSER: _not_a_refuser,
    ReasonCode.GUIDELINE_BAR_TO_COMMITTEE: _bar_to_committee,
    ReasonCode.VERSION_NOT_IN_FORCE: lambda r, n: _(
        "No scheme version is in force on the day, so only the committee decides."
    ),
    ReasonCode.NO_RULE_FOR_CASE_TYPE: lambda r, n: _(
        "The scheme has no rule for %(case_type)s, so only the committee decides.",
        case_type=label(CASE_TYPE_LABELS, r.actual).lower(),
    ),
    ReasonCode.NO_MATCHING_RULE: lambda r, n: _(
        "No rule matches the case (rules %(rules)s), so only the committee decides.",
        rules=", ".join(r.param("rule_numbers", ())),
    ),
    ReasonCode.NO_AVAILABLE_DECIDER: lambda r, n: _(
        "Rules %(rules)s match, but nobody can decide under them on the day, so only the committee "
        "decides.",
        rules=", ".join(r.param("rule_numbers", ())),
    ),
}


def reason_text(reason: Reason, names: NameBook) -> str:
    return _REASONS[reason.code](reason, names)


# --- findings --------------------------------------------------------------------------------------

def _limit_name(finding: Finding) -> str:
    return label(LIMIT_LABELS, finding.param("limit"))


def _delegate_kind_missing(finding: Finding, names: NameBook) -> str:
    kind = position_kind_label(finding.param("kind"))
    scope = finding.param("scope")
    if scope is None:
        return _("The committee has no position of the kind %(kind)s.", kind=kind)
    return _(
        "The committee has no position of the kind %(kind)s %(scope)s.",
        kind=kind,
        scope=label(SCOPE_LABELS, scope),
    )


_FINDINGS: dict[FindingCode, Callable[[Finding, NameBook], str]] = {
    FindingCode.COMMITTEE_UNKNOWN: lambda f, n: _("The version's committee does not exist."),
    FindingCode.VALIDITY_REVERSED: lambda f, n: _("The version ends before it starts."),
    FindingCode.DUPLICATE_RULE_NUMBER: lambda f, n: _(
        "The rule number %(rule)s is used %(count)s times.", rule=f.rule_number, count=f.param("count")
    ),
    FindingCode.LEVEL_NOT_POSITIVE: lambda f, n: _("The level must be 1 or higher."),
    FindingCode.LIMIT_NOT_FOR_CASE_TYPE: lambda f, n: _(
        "The limit “%(limit)s” does not apply to this case type, so the rule could never match.",
        limit=_limit_name(f),
    ),
    FindingCode.LIMIT_NOT_POSITIVE: lambda f, n: _(
        "The limit “%(limit)s” must be greater than zero.", limit=_limit_name(f)
    ),
    FindingCode.EMPTY_WRITE_OFF_REASONS: lambda f, n: _(
        "No write-off reason is allowed, so the rule could never match."
    ),
    FindingCode.EMPTY_REASONS: lambda f, n: _("No reason is allowed, so the rule could never match."),
    FindingCode.FLOOR_ABOVE_MAX_AMOUNT: lambda f, n: _(
        "The smallest debt %(floor)s for %(plans)s is above the highest amount %(max)s, so such "
        "plans could never match.",
        floor=format_money(f.param("min_debt_ore")),
        plans=_floor_of(f),
        max=format_money(f.param("max_ore")),
    ),
    FindingCode.INSTALMENT_ABOVE_MAX_AMOUNT: lambda f, n: _(
        "The smallest monthly instalment %(instalment)s is above the highest amount %(max)s, so "
        "the rule could never match.",
        instalment=format_money(f.param("min_instalment_ore")),
        max=format_money(f.param("max_ore")),
    ),
    FindingCode.MIN_ABOVE_MAX_AMOUNT: lambda f, n: _(
        "The lowest amount %(min)s is above the highest amount %(max)s, so the rule could never "
        "match.",
        min=format_money(f.param("min_ore")),
        max=format_money(f.param("max_ore")),
    ),
    FindingCode.SCOPE_CATEGORY_MISSING: lambda f, n: _(
        "The rule names an invoice category that is not kept (id %(id)s), so it could never "
        "match it.",
        id=f.param("category_id"),
    ),
    FindingCode.SCOPE_EMPTY: lambda f, n: _(
        "The rule is limited to an empty list of invoice categories or units, so it could never "
        "match."
    ),
    FindingCode.SCOPE_BOTH_FORMS: lambda f, n: _(
        "Name either the only invoice categories the rule applies to or those it does not apply "
        "to, not both."
    ),
    FindingCode.SCOPE_UNIT_NOT_OF_COMMITTEE: lambda f, n: _(
        "%(unit)s is not a unit of this committee, so no invoice of the committee is issued by it.",
        unit=n.unit(f.param("unit_id")),
    ),
    FindingCode.CONDITION_UNKNOWN: lambda f, n: _(
        "The rule requires a condition that is not one of this committee's (id %(id)s), so it could "
        "never be answered on its cases.",
        id=f.param("condition_id"),
    ),
    FindingCode.BAR_WITHOUT_POINT: lambda f, n: _(
        "A guideline bar names the point of the guideline it cites, e.g. 4.2."
    ),
    FindingCode.COMMITTEE_DELEGATE_NOT_BAR: lambda f, n: _(
        "Only a guideline bar may name nobody: a rule that delegates names its delegate."
    ),
    FindingCode.BAR_PASSED_ON: lambda f, n: _(
        "A guideline bar cannot be passed on: the refusal under it is for those it names."
    ),
    FindingCode.PRICE_BASE_AMOUNT_MISSING: lambda f, n: _(
        "No price base amount is kept for %(year)s: enter it under Price base amounts.",
        year=f.param("year"),
    ),
    FindingCode.DELEGATE_KIND_MISSING: _delegate_kind_missing,
    FindingCode.DELEGATE_POSITION_MISSING: lambda f, n: _("The named position does not exist."),
    FindingCode.DELEGATE_SUB_COMMITTEE_MISSING: lambda f, n: _(
        "The sub-committee is not a sub-committee of this committee."
    ),
    FindingCode.STANDIN_POSITION_MISSING: lambda f, n: _("The stand-in position does not exist."),
    FindingCode.CONSULTATION_TARGET_MISSING: lambda f, n: _(
        "The unit or position to consult does not exist."
    ),
    FindingCode.URGENT_DELEGATE_NOT_A_MEMBER: lambda f, n: _(
        "Urgent matters may be delegated only to the chair or another member "
        "(kommunallagen 6 kap 39 §)."
    ),
    FindingCode.URGENT_RULE_OF_A_COMPANY: lambda f, n: _(
        "A company's board decides under the Companies Act and its own rules of procedure: "
        "kommunallagen's urgent matters (6 kap 39 §) do not apply to it, so check that the board's "
        "rules of procedure give the chair this power."
    ),
    FindingCode.FURTHER_DELEGATION_RULE_MISSING: lambda f, n: _(
        "A further delegation refers to rule %(rule)s, which the version does not have.",
        rule=f.rule_number,
    ),
    FindingCode.FURTHER_DELEGATION_NOT_ALLOWED: lambda f, n: _(
        "Rule %(rule)s does not allow further delegation.", rule=f.rule_number
    ),
    FindingCode.FURTHER_DELEGATION_NOT_FROM_DEPARTMENT_HEAD: lambda f, n: _(
        "Only a department head who is the delegate of rule %(rule)s may pass it on "
        "(kommunallagen 7 kap 6 §).",
        rule=f.rule_number,
    ),
    FindingCode.FURTHER_DELEGATION_RECEIVER_MISSING: lambda f, n: _(
        "The receiving position does not exist."
    ),
    FindingCode.CASE_TYPE_WITHOUT_RULE: lambda f, n: _(
        "No rule for %(case_type)s: every such case goes to the committee.",
        case_type=label(CASE_TYPE_LABELS, f.param("case_type")).lower(),
    ),
    FindingCode.OVERLAPPING_RULES: lambda f, n: _(
        "Rules %(rule)s and %(other)s are at the same level with different delegates and may match "
        "the same case.",
        rule=f.rule_number,
        other=f.param("other_rule_number"),
    ),
    FindingCode.OVERLAPS_COMMON_RULE: lambda f, n: _(
        "Rule %(rule)s and rule %(other)s of the common provisions may match the same case: both stay "
        "paths at the same level.", rule=f.rule_number, other=f.param("other_rule_number"),
    ) if f.param("same_level") else _(
        "Rule %(rule)s and rule %(other)s of the common provisions may match the same case: the lower "
        "level is proposed when someone there can decide.", rule=f.rule_number, other=f.param("other_rule_number"),
    ),
    FindingCode.PLAN_LENGTH_FLOOR_UNREACHABLE: lambda f, n: _(
        "The smallest debt for %(plans)s never applies: the longest plan is %(longest)s.",
        plans=_floor_of(f),
        longest=months(f.param("max_plan_months", 0)),
    ),
    FindingCode.POSITION_WITHOUT_HOLDER: lambda f, n: _(
        "%(position)s has no holder on %(day)s.",
        position=n.position(f.param("position_id")),
        day=f.param("on_date").isoformat() if f.param("on_date") else "",
    ),
    FindingCode.POSITION_WITHOUT_STANDIN: lambda f, n: _(
        "%(position)s has no standing stand-in and the rule names none.",
        position=n.position(f.param("position_id")),
    ),
    FindingCode.STANDIN_POSITION_VACANT: lambda f, n: _(
        "%(standin)s, the stand-in for %(position)s, has no holder on %(day)s: nobody stands in "
        "when %(position)s is absent or vacant.",
        standin=n.position(f.param("standin_position_id")),
        position=n.position(f.param("position_id")),
        day=f.param("on_date").isoformat() if f.param("on_date") else "",
    ),
    FindingCode.FURTHER_DELEGATION_NOT_POSSIBLE: lambda f, n: _(
        "Further delegation is allowed, but only a department head may pass a rule on and the "
        "delegate is not one."
    ),
    FindingCode.FURTHER_DELEGATION_LIMIT_LOOSER: lambda f, n: _(
        "The further delegation's limit “%(limit)s” is looser than the rule's own.",
        limit=_limit_name(f),
    ),
}


def finding_text(finding: Finding, names: NameBook) -> str:
    return _FINDINGS[finding.code](finding, names)


def rule_prefixed(number: str, text: str) -> str:
    return _("Rule %(rule)s: %(text)s", rule=number, text=text)


# --- rules in words --------------------------------------------------------------------------------

def delegate_text(rule: Rule, names: NameBook) -> str:
    """The delegate as the adopted document says it, e.g. "Enhetschef för den enhet som fakturerat"."""
    delegate = rule.delegate
    if isinstance(delegate, PositionKindDelegate):
        return f"{position_kind_label(delegate.kind)} {label(SCOPE_LABELS, delegate.scope)}"
    if isinstance(delegate, NamedPositionDelegate):
        return names.position(delegate.position_id)
    if isinstance(delegate, PresidiumDelegate):
        return _("The presidium (chair and vice chair)")
    if isinstance(delegate, SubCommitteeDelegate):
        return names.committee(delegate.committee_id)
    if isinstance(delegate, CommitteeDelegate):
        return _("The committee itself")
    return str(delegate)


def guideline_limits_text(words: list[str]) -> str:
    """A bar's limits: the guideline allows only cases inside all of them."""
    return _("The guideline allows only: %(limits)s", limits="; ".join(words))


def bar_text(rule: Rule) -> str | None:
    """A guideline bar in words, as the scheme document prints it; None for other rules."""
    if not rule.is_bar:
        return None
    if isinstance(rule.delegate, CommitteeDelegate):
        return _("Not granted under the guideline (point %(point)s), except by the committee; "
                 "the committee also decides a refusal.", point=rule.guideline_point)
    return _("Not granted under the guideline (point %(point)s), except by the committee; the "
             "delegate may refuse under it.", point=rule.guideline_point)


def limits_text(limits: Limits, price_base_amounts: dict[int, int] | None = None,
                year: int | None = None) -> list[str]:
    """Each limit in words; an empty list means the rule has no limits."""
    words: list[str] = []
    if limits.min_amount_ore is not None:
        words.append(_("at least %(amount)s", amount=format_money(limits.min_amount_ore)))
    if limits.max_amount_ore is not None:
        words.append(_("at most %(amount)s", amount=format_money(limits.max_amount_ore)))
    if limits.max_invoice_amount_ore is not None:
        words.append(_("at most %(amount)s per invoice", amount=format_money(limits.max_invoice_amount_ore)))
    if limits.max_amount_pbb is not None:
        text = _("at most %(share)s price base amount", share=share(limits.max_amount_pbb))
        if price_base_amounts and year in price_base_amounts:
            from portal.delegation.limits import pbb_ceiling_ore

            amount = pbb_ceiling_ore(limits.max_amount_pbb, price_base_amounts[year])
            text += " " + _("(%(amount)s in %(year)s)", amount=format_money(amount), year=year)
        words.append(text)
    if (
        limits.amount_basis == AmountBasis.TWELVE_MONTHS
        and (limits.max_amount_ore is not None or limits.max_amount_pbb is not None)
    ):
        words.append(_("counted with the customer's decided amounts of the same type in the last 12 months"))
    if limits.max_deferral_months is not None:
        words.append(_("a deferral of at most %(length)s", length=months(limits.max_deferral_months)))
    if limits.max_deferral_days is not None:
        words.append(_("a deferral of at most %(length)s", length=days(limits.max_deferral_days)))
    if limits.max_plan_months is not None:
        words.append(_("a plan of at most %(length)s", length=months(limits.max_plan_months)))
    if limits.max_total_months is not None:
        words.append(
            _("deferrals and plan together at most %(length)s", length=months(limits.max_total_months))
        )
    if limits.min_monthly_instalment_ore is not None:
        words.append(
            _("a monthly instalment of at least %(amount)s",
              amount=format_money(limits.min_monthly_instalment_ore))
        )
    if limits.max_instalments is not None:
        words.append(_("at most %(count)s instalments", count=limits.max_instalments))
    for floor in limits.plan_length_floors:
        words.append(floor_text(floor))
    if limits.max_granted_cases is not None:
        words.append(_("at most %(count)s granted cases of the type per customer %(period)s",
                       count=limits.max_granted_cases,
                       period=label(FREQUENCY_PERIOD_LABELS, limits.frequency_period)))
    if limits.allowed_write_off_reasons is not None:
        words.append(_("reasons: %(reasons)s", reasons=reasons_list(limits.allowed_write_off_reasons)))
    if limits.allowed_reasons is not None:
        words.append(_("reasons: %(reasons)s",
                       reasons=", ".join(sorted(reason_label(value) for value in limits.allowed_reasons))))
    if limits.customer_kind is not None:
        words.append(_("only for: %(kind)s", kind=label(CUSTOMER_KIND_LABELS, limits.customer_kind)))
    if limits.broken_after_days is not None:
        words.append(_("broken when late by more than %(length)s (or the municipality's shorter setting)",
                       length=days(limits.broken_after_days)))
    return words


def conditions_text(limits: Limits, names: NameBook) -> list[str]:
    """The named conditions a rule requires, in words: "bara om: Fullständig ansökan"."""
    return [_("only if: %(condition)s", condition=names.condition(condition.id))
            for condition in limits.required_conditions]


def receivables_text(scope: ReceivableScope, names: NameBook) -> list[str]:
    """Which receivables the rule speaks of, in words; empty when it speaks of all."""
    words = []
    if scope.category_ids is not None:
        words.append(_("only invoices of the categories: %(names)s",
                       names=_category_names(scope.category_ids, names)))
    if scope.excluded_category_ids:
        words.append(_("not invoices of the categories: %(names)s",
                       names=_category_names(scope.excluded_category_ids, names)))
    if scope.unit_ids is not None:
        words.append(_("only invoices issued by %(names)s or a unit below",
                       names=_unit_names(scope.unit_ids, names)))
    return words


def consultation_text(rule: Rule, names: NameBook) -> str | None:
    if rule.consultation is None:
        return None
    if rule.consultation.unit_id is not None:
        return names.unit(rule.consultation.unit_id)
    return names.position(rule.consultation.position_id)


def capacity_text(decider: Decider, names: NameBook) -> str:
    if decider.capacity == Capacity.HOLDER:
        return _("Holder of %(position)s", position=names.position(decider.position_id))
    if decider.capacity == Capacity.STANDIN:
        if decider.standin_for_person_id is None:
            return _("Stands in for the vacant %(position)s", position=names.position(decider.position_id))
        return _(
            "Stands in for %(person)s (%(position)s)",
            person=names.person(decider.standin_for_person_id),
            position=names.position(decider.position_id),
        )
    return _(
        "Further delegate of %(person)s (%(position)s)",
        person=names.person(decider.delegated_by_person_id),
        position=names.position(decider.delegated_by_position_id),
    )


def common_source_text(common_reference: str | None, adoption_reference: str | None) -> str:
    """Where an included rule comes from (RULINGS 11): the common provisions, adopted by the executive
    committee, which the committee adopted into its own scheme. Both references, as the minutes cite them."""
    if not common_reference:
        return ""
    if not adoption_reference:
        return _("The rule comes from the common provisions adopted as %(common)s, which the committee "
                 "includes in this draft.", common=common_reference)
    return _("The rule comes from the common provisions adopted as %(common)s, which the committee adopted "
             "into its scheme as %(reference)s.", common=common_reference, reference=adoption_reference)


def common_source_sv(common_reference: str | None, adoption_reference: str | None) -> str:
    """The same in the documents' Swedish (letters, decision documents, the scheme PDF)."""
    if not common_reference:
        return ""
    if not adoption_reference:
        return f"Punkten ingår i de gemensamma bestämmelserna, antagna {common_reference}, som ingår i detta förslag."
    return (f"Punkten ingår i de gemensamma bestämmelserna, antagna {common_reference}, som nämnden har antagit "
            f"i sin delegationsordning {adoption_reference}.")
