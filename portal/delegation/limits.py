"""Whether a case lies inside a rule's limits (R2, R5), with a reason for every limit it breaks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from functools import partial

from portal.delegation.engine_types import (
    AmountBasis,
    BuiltinCondition,
    CaseFacts,
    CaseType,
    FrequencyPeriod,
    Limits,
    RequiredCondition,
)
from portal.delegation.results import Reason, ReasonCode

Params = tuple[tuple[str, object], ...]


def broken_after_days(limits: Limits | None, municipality_days: int) -> int:
    """How many days late make a plan or deferral broken (RULINGS 16): the municipality's setting,
    or the rule's own where it is stricter; a rule never makes it looser."""
    if limits is None or limits.broken_after_days is None:
        return municipality_days
    return min(limits.broken_after_days, municipality_days)


def pbb_ceiling_ore(share: Fraction, price_base_amount_ore: int) -> int:
    """The ceiling in whole öre: an amount is ≤ share × pbb exactly when it is ≤ this value."""
    return (price_base_amount_ore * share.numerator) // share.denominator


def limit_reasons(
    limits: Limits,
    facts: CaseFacts,
    on_date: date,
    price_base_amounts: Mapping[int, int],
    rule_number: str,
    extra: Params = (),
) -> list[Reason]:
    """Every limit the case breaks; empty when the case is inside all of them.

    Ceilings and floors are inclusive. A limit whose fact the caller did not give cannot be shown
    to hold, so it fails with FACT_MISSING rather than passing silently. `extra` parameters are
    added to each reason (a further delegation's id, for instance).
    """
    broken: list[_Broken] = []
    for check in _checks(limits):
        check(facts, on_date, price_base_amounts, broken)
    if not broken:
        return []
    reasons = []
    missing: set[Params] = set()
    for code, limit, actual, params in broken:
        if code == ReasonCode.FACT_MISSING:
            if params in missing:
                continue
            missing.add(params)
        reasons.append(Reason(code, rule_number, limit, actual, extra + params))
    return reasons


def has_limits(limits: Limits) -> bool:
    """Whether any limit is set (an amount basis or a frequency period alone limits nothing)."""
    return bool(_checks(limits))


_Broken = tuple[ReasonCode, object, object, Params]
_COMPILED = "_compiled_checks"


def _checks(limits: Limits) -> tuple:
    """The checks of the limits that are set, compiled once per (immutable) Limits instance.

    Kept in the instance's __dict__ beside the fields: not a field, so equality, hashing and
    `dataclasses.replace` are untouched. A verdict then pays only for the limits a rule has.
    """
    compiled = limits.__dict__.get(_COMPILED)
    if compiled is None:
        compiled = _compile(limits)
        object.__setattr__(limits, _COMPILED, compiled)
    return compiled


def _compile(limits: Limits) -> tuple:
    checks = []
    if limits.max_amount_ore is not None or limits.max_amount_pbb is not None:
        twelve_months = limits.amount_basis == AmountBasis.TWELVE_MONTHS
        checks.append(partial(_amount, limits.max_amount_ore, limits.max_amount_pbb, twelve_months))
    if limits.min_amount_ore is not None:
        checks.append(partial(_min_amount, limits.min_amount_ore))
    if limits.max_invoice_amount_ore is not None:
        checks.append(partial(_invoice_amount, limits.max_invoice_amount_ore))
    for limit, name, code in (
        (limits.max_instalments, "instalments", ReasonCode.INSTALMENTS_OVER_LIMIT),
        (limits.max_deferral_months, "deferral_months", ReasonCode.DEFERRAL_MONTHS_OVER_LIMIT),
        (limits.max_deferral_days, "deferral_days", ReasonCode.DEFERRAL_DAYS_OVER_LIMIT),
        (limits.max_plan_months, "plan_months", ReasonCode.PLAN_MONTHS_OVER_LIMIT),
    ):
        if limit is not None:
            checks.append(partial(_ceiling, limit, name, code))
    if limits.max_total_months is not None:
        checks.append(partial(_total_months, limits.max_total_months))
    if limits.min_monthly_instalment_ore is not None:
        checks.append(partial(_min_instalment, limits.min_monthly_instalment_ore))
    for floor in limits.plan_length_floors:
        checks.append(partial(_plan_length_floor, floor))
    if limits.allowed_write_off_reasons is not None:
        allowed = limits.allowed_write_off_reasons
        checks.append(partial(_write_off_reason, allowed, tuple(sorted(allowed))))
    if limits.allowed_reasons is not None:
        allowed = limits.allowed_reasons
        checks.append(partial(_reason, allowed, tuple(sorted(allowed))))
    if limits.max_granted_cases is not None:
        checks.append(partial(_frequency, limits.max_granted_cases, limits.frequency_period))
    if limits.customer_kind is not None:
        checks.append(partial(_customer_kind, limits.customer_kind))
    for condition in limits.required_conditions:
        checks.append(partial(_condition, condition))
    return tuple(checks)


def _missing(name: str) -> _Broken:
    return (ReasonCode.FACT_MISSING, None, None, (("fact", name),))


def _amount(max_ore, share, twelve_months, facts, on_date, price_base_amounts, broken) -> None:
    """Amount ceilings in kronor and in price base amounts of the decision's year (R2), and R5.

    With the twelve-month basis the case is added to the customer's decided amounts of the same type
    over the 12 months before; a case over the ceiling on its own is reported as such.
    """
    ceilings: list[tuple[int, Params]] = []
    if max_ore is not None:
        ceilings.append((max_ore, ()))
    if share is not None:
        year = on_date.year
        price_base_amount = price_base_amounts.get(year)
        if price_base_amount is None:
            params = (("year", year), ("share", share))
            broken.append((ReasonCode.PRICE_BASE_AMOUNT_MISSING, None, None, params))
        else:
            params = (
                ("year", year),
                ("share", share),
                ("price_base_amount_ore", price_base_amount),
            )
            ceilings.append((pbb_ceiling_ore(share, price_base_amount), params))
    amount = facts.amount_ore
    with_prior = amount + facts.twelve_month_prior_ore
    for ceiling, params in ceilings:
        if amount > ceiling:
            broken.append((ReasonCode.AMOUNT_OVER_LIMIT, ceiling, amount, params))
        elif twelve_months and with_prior > ceiling:
            params = params + (("prior_ore", facts.twelve_month_prior_ore),)
            broken.append((ReasonCode.TWELVE_MONTH_AMOUNT_OVER_LIMIT, ceiling, with_prior, params))


def _min_amount(limit, facts, on_date, price_base_amounts, broken) -> None:
    """A lower bound on the case's own amount, inclusive: "30 000–100 000 kr"."""
    if facts.amount_ore < limit:
        broken.append((ReasonCode.AMOUNT_UNDER_MINIMUM, limit, facts.amount_ore, ()))


def _invoice_amount(limit, facts, on_date, price_base_amounts, broken) -> None:
    """Each invoice's own amount, inclusive: a 30-invoice case is checked invoice by invoice, not
    only on its total (issue 13)."""
    if facts.largest_invoice_ore is None:
        broken.append(_missing("largest_invoice_ore"))
    elif facts.largest_invoice_ore > limit:
        broken.append((ReasonCode.INVOICE_AMOUNT_OVER_LIMIT, limit, facts.largest_invoice_ore, ()))


def _frequency(limit, period, facts, on_date, price_base_amounts, broken) -> None:
    """At most `limit` granted cases of the type per customer in the period, this one included."""
    name = (
        "granted_cases_calendar_year"
        if period == FrequencyPeriod.CALENDAR_YEAR
        else "granted_cases_twelve_months"
    )
    earlier = getattr(facts, name)
    if earlier is None:
        broken.append(_missing(name))
    elif earlier + 1 > limit:
        params = (("period", period), ("earlier", earlier))
        broken.append((ReasonCode.FREQUENCY_OVER_LIMIT, limit, earlier + 1, params))


def _ceiling(limit, name, code, facts, on_date, price_base_amounts, broken) -> None:
    value = getattr(facts, name)
    if value is None:
        broken.append(_missing(name))
    elif value > limit:
        broken.append((code, limit, value, ()))


def _total_months(limit, facts, on_date, price_base_amounts, broken) -> None:
    """Earlier deferrals, this deferral and this plan together."""
    if facts.deferral_months is None and facts.plan_months is None:
        plan = facts.case_type == CaseType.INSTALMENT_PLAN
        broken.append(_missing("plan_months" if plan else "deferral_months"))
        return
    total = facts.prior_deferral_months + (facts.deferral_months or 0) + (facts.plan_months or 0)
    if total > limit:
        broken.append((ReasonCode.TOTAL_MONTHS_OVER_LIMIT, limit, total, ()))


def _min_instalment(limit, facts, on_date, price_base_amounts, broken) -> None:
    value = facts.monthly_instalment_ore
    if value is None:
        broken.append(_missing("monthly_instalment_ore"))
    elif value < limit:
        broken.append((ReasonCode.INSTALMENT_UNDER_MINIMUM, limit, value, ()))


def _plan_length_floor(floor, facts, on_date, price_base_amounts, broken) -> None:
    """A plan of a length the floor covers needs a debt of at least its amount; each form of
    words covers the lengths it says ("longer than N", "N or more")."""
    months = facts.plan_months
    if months is None:
        broken.append(_missing("plan_months"))
    elif floor.covers(months) and facts.amount_ore < floor.min_debt_ore:
        params = (("months", floor.months), ("form", floor.form), ("plan_months", months))
        broken.append(
            (ReasonCode.DEBT_UNDER_MINIMUM_FOR_PLAN_LENGTH, floor.min_debt_ore, facts.amount_ore,
             params)
        )


def _write_off_reason(allowed, listed, facts, on_date, price_base_amounts, broken) -> None:
    reason = facts.write_off_reason
    if reason is None:
        broken.append(_missing("write_off_reason"))
    elif reason not in allowed:
        broken.append((ReasonCode.WRITE_OFF_REASON_NOT_ALLOWED, listed, reason, ()))


def _reason(allowed, listed, facts, on_date, price_base_amounts, broken) -> None:
    """A credit's or a collection case's reason among the rule's ."""
    if facts.reason is None:
        broken.append(_missing("reason"))
    elif facts.reason not in allowed:
        broken.append((ReasonCode.REASON_NOT_ALLOWED, listed, facts.reason, ()))


def _customer_kind(kind, facts, on_date, price_base_amounts, broken) -> None:
    if facts.customer_kind is None:
        broken.append(_missing("customer_kind"))
    elif facts.customer_kind != kind:
        broken.append((ReasonCode.CUSTOMER_KIND_NOT_ALLOWED, kind, facts.customer_kind, ()))


def condition_answer(condition: RequiredCondition, facts: CaseFacts) -> bool | None:
    """Whether the case meets the condition: computed from the facts for a built-in one, else
    the officer's answer; None when nobody has answered (or it cannot be computed)."""
    if condition.builtin == BuiltinCondition.APPLIED_BEFORE_DUE:
        return facts.applied_before_due
    if condition.builtin == BuiltinCondition.NO_OTHER_UNPAID_DEBT:
        return None if facts.has_other_unpaid_debt is None else not facts.has_other_unpaid_debt
    if condition.id in facts.conditions_met:
        return True
    if condition.id in facts.conditions_unmet:
        return False
    return None


def _condition(condition, facts, on_date, price_base_amounts, broken) -> None:
    """A named condition must be met; unanswered, it cannot be shown to hold."""
    answer = condition_answer(condition, facts)
    params = (("condition_id", condition.id), ("builtin", condition.builtin))
    if answer is None:
        broken.append((ReasonCode.CONDITION_UNANSWERED, True, None, params))
    elif not answer:
        broken.append((ReasonCode.CONDITION_NOT_MET, True, False, params))
