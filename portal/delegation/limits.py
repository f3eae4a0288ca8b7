"""Whether a case lies inside a rule's limits (R2, R5), with a reason for every limit it breaks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from fractions import Fraction

from portal.delegation.engine_types import (
    AmountBasis,
    CaseFacts,
    CaseType,
    Limits,
)
from portal.delegation.results import Reason, ReasonCode

Params = tuple[tuple[str, object], ...]


def pbb_ceiling_ore(share: Fraction, price_base_amount_ore: int) -> int:
    """The ceiling in whole öre: an integer amount is ≤ share × pbb exactly when it is ≤ this floor."""
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
    reasons: list[Reason] = []
    missing: set[str] = set()

    def fail(
        code: ReasonCode, limit: object = None, actual: object = None, params: Params = ()
    ) -> None:
        reasons.append(Reason(code, rule_number, limit, actual, extra + params))

    def given(name: str) -> bool:
        if getattr(facts, name) is not None:
            return True
        if name not in missing:
            missing.add(name)
            fail(ReasonCode.FACT_MISSING, params=(("fact", name),))
        return False

    _amount_reasons(limits, facts, on_date, price_base_amounts, fail)

    for limit, name, code in (
        (limits.max_deferral_months, "deferral_months", ReasonCode.DEFERRAL_MONTHS_OVER_LIMIT),
        (limits.max_deferral_days, "deferral_days", ReasonCode.DEFERRAL_DAYS_OVER_LIMIT),
        (limits.max_plan_months, "plan_months", ReasonCode.PLAN_MONTHS_OVER_LIMIT),
    ):
        if limit is not None and given(name) and getattr(facts, name) > limit:
            fail(code, limit, getattr(facts, name))

    if limits.max_total_months is not None:
        if facts.deferral_months is None and facts.plan_months is None:
            given(
                "plan_months" if facts.case_type == CaseType.INSTALMENT_PLAN else "deferral_months"
            )
        else:
            total = (
                facts.prior_deferral_months
                + (facts.deferral_months or 0)
                + (facts.plan_months or 0)
            )
            if total > limits.max_total_months:
                fail(ReasonCode.TOTAL_MONTHS_OVER_LIMIT, limits.max_total_months, total)

    if (
        limits.min_monthly_instalment_ore is not None
        and given("monthly_instalment_ore")
        and facts.monthly_instalment_ore < limits.min_monthly_instalment_ore
    ):
        fail(
            ReasonCode.INSTALMENT_UNDER_MINIMUM,
            limits.min_monthly_instalment_ore,
            facts.monthly_instalment_ore,
        )

    for floor in limits.plan_length_floors:
        if (
            given("plan_months")
            and facts.plan_months > floor.months_over
            and facts.amount_ore < floor.min_debt_ore
        ):
            fail(
                ReasonCode.DEBT_UNDER_MINIMUM_FOR_PLAN_LENGTH,
                floor.min_debt_ore,
                facts.amount_ore,
                (("months_over", floor.months_over), ("plan_months", facts.plan_months)),
            )

    if (
        limits.allowed_write_off_reasons is not None
        and given("write_off_reason")
        and facts.write_off_reason not in limits.allowed_write_off_reasons
    ):
        fail(
            ReasonCode.WRITE_OFF_REASON_NOT_ALLOWED,
            tuple(sorted(limits.allowed_write_off_reasons)),
            facts.write_off_reason,
        )

    if (
        limits.customer_kind is not None
        and given("customer_kind")
        and facts.customer_kind != limits.customer_kind
    ):
        fail(ReasonCode.CUSTOMER_KIND_NOT_ALLOWED, limits.customer_kind, facts.customer_kind)

    if (
        limits.requires_applied_before_due
        and given("applied_before_due")
        and not facts.applied_before_due
    ):
        fail(ReasonCode.NOT_APPLIED_BEFORE_DUE, True, False)

    if (
        limits.requires_no_other_unpaid_debt
        and given("has_other_unpaid_debt")
        and facts.has_other_unpaid_debt
    ):
        fail(ReasonCode.OTHER_UNPAID_DEBT, False, True)

    return reasons


def _amount_reasons(limits, facts, on_date, price_base_amounts, fail) -> None:
    """Amount ceilings in kronor and in price base amounts of the decision's year (R2), and R5.

    With the twelve-month basis the case is added to the customer's decided amounts of the same type
    over the 12 months before; a case over the ceiling on its own is reported as such.
    """
    ceilings: list[tuple[int, Params]] = []
    if limits.max_amount_ore is not None:
        ceilings.append((limits.max_amount_ore, ()))
    if limits.max_amount_pbb is not None:
        year = on_date.year
        price_base_amount = price_base_amounts.get(year)
        share = limits.max_amount_pbb
        if price_base_amount is None:
            fail(ReasonCode.PRICE_BASE_AMOUNT_MISSING, params=(("year", year), ("share", share)))
        else:
            ceiling = pbb_ceiling_ore(share, price_base_amount)
            ceilings.append(
                (
                    ceiling,
                    (
                        ("year", year),
                        ("share", share),
                        ("price_base_amount_ore", price_base_amount),
                    ),
                )
            )
    amount = facts.amount_ore
    with_prior = amount + facts.twelve_month_prior_ore
    for ceiling, params in ceilings:
        if amount > ceiling:
            fail(ReasonCode.AMOUNT_OVER_LIMIT, ceiling, amount, params)
        elif limits.amount_basis == AmountBasis.TWELVE_MONTHS and with_prior > ceiling:
            fail(
                ReasonCode.TWELVE_MONTH_AMOUNT_OVER_LIMIT,
                ceiling,
                with_prior,
                params + (("prior_ore", facts.twelve_month_prior_ore),),
            )
