"""Instalment plans and deferrals followed up (RULINGS 16): each executed plan's schedule (a
deferral: its new due date) against the payments made on its invoices since the decision: on track,
late (days) or broken (late beyond the municipality's setting). The portal never cancels a broken
plan: the officer proposes a new case that the whole debt falls due (portal/cases/whole_debt.py),
and once that is granted the plan's status says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.delegation.limits import broken_after_days as rule_broken_after_days
from portal.delegation.models import DelegationRule
from portal.extensions import db
from portal.receivables import rules as receivable_rules
from portal.receivables.models import FollowUpSetting, Invoice, Payment, ReferenceRate
from portal.receivables.settlement import order_for

DEFAULT_BROKEN_AFTER_DAYS = 30  # until the finance director sets the municipality's own

STATUS_LABELS = {
    "on_track": _l("On track"),
    "late": _l("Late"),
    "broken": _l("Broken"),
    "paid": _l("Paid"),
    "whole_debt_due": _l("Whole debt due"),
}


@dataclass(frozen=True, slots=True)
class PlanStatus:
    status: str  # on_track | late | broken | paid | whole_debt_due
    days_late: int  # days since the first instalment the payments do not cover fell due
    due_ore: int  # instalments due up to and including today
    paid_ore: int  # paid on the plan's invoices since the decision, up to today
    owed_now_ore: int  # due and not paid: what the customer should pay now
    late_since: date | None  # the due date of that first uncovered instalment

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])


def plan_status(instalments: Sequence[tuple[date, int]], payments: Sequence[tuple[date, int]],
                today: date, broken_after_days: int) -> PlanStatus:
    """Compare a plan's schedule with the payments: payments cover the instalments in order of
    due date; an instalment not covered once its due date has passed makes the plan late, and
    late by more than `broken_after_days` days broken. An instalment falling due today is not
    late yet."""
    if broken_after_days < 0:
        raise ValueError("broken_after_days must not be negative")
    paid = sum(amount for day, amount in payments if day <= today)
    rows = sorted(instalments)
    total = sum(amount for _day, amount in rows)
    due = sum(amount for day, amount in rows if day <= today)
    owed = max(due - paid, 0)
    if paid >= total:
        return PlanStatus("paid", 0, due, paid, 0, None)
    cumulative = 0
    late_since = None
    for day, amount in rows:
        if day >= today:
            break
        cumulative += amount
        if paid < cumulative:
            late_since = day
            break
    if late_since is None:
        return PlanStatus("on_track", 0, due, paid, owed, None)
    days = (today - late_since).days
    return PlanStatus("broken" if days > broken_after_days else "late", days, due, paid, owed, late_since)


def broken_after_days() -> int:
    setting = db.session.scalars(select(FollowUpSetting).limit(1)).first()
    return setting.broken_after_days if setting else DEFAULT_BROKEN_AFTER_DAYS


@dataclass(frozen=True)
class FollowedPlan:
    case: object  # portal.cases.models.Case: an executed plan or deferral
    status: PlanStatus
    broken_after_days: int
    # The case proposing that the whole debt falls due, while it waits for its decision.
    proposal: object | None = None
    # The granted case by which the whole debt fell due.
    whole_debt_case: object | None = None
    # The interest recomputed on the payments actually made (RULINGS 1); None where a reference
    # rate it needs is missing (the finance director adds it).
    interest: receivable_rules.InterestOnPayments | None = None


def schedule_of(case) -> list[tuple[date, int]]:
    """What the decision asked the customer to pay and when: a plan's instalments, a deferral's
    amount on its new due date (with part payments: each month's part before it)."""
    decision = case.decision
    terms = (decision.terms or {}) if decision else {}
    if case.case_type == "deferral":
        due = terms.get("new_due_date")
        return receivable_rules.deferral_payments(
            decision.decision_date, date.fromisoformat(due), int(decision.amount_ore),
            terms.get("monthly_amount_ore")) if due else []
    return [(date.fromisoformat(row["due_date"]), int(row["amount_ore"])) for row in terms.get("schedule") or []]


def _rules_decided_under(cases) -> dict[tuple[int, str], DelegationRule]:
    """The rules the plans were granted under (by version and number), for their own limits."""
    version_ids = {case.decision.scheme_version_id for case in cases
                   if case.decision is not None and case.decision.scheme_version_id is not None}
    if not version_ids:
        return {}
    return {(rule.version_id, rule.number): rule for rule in db.session.scalars(
        select(DelegationRule).where(DelegationRule.version_id.in_(sorted(version_ids))))}


def plan_broken_after_days(case, setting: int, rules: dict[tuple[int, str], DelegationRule]) -> int:
    """The municipality's setting, or the stricter one of the rule the plan was granted under (a
    plan the committee granted itself has no rule: the setting)."""
    decision = case.decision
    rule = rules.get((decision.scheme_version_id, decision.rule_number)) if decision is not None else None
    return rule_broken_after_days(rule.limits() if rule is not None else None, setting)


def interest_of(case, paid: list[tuple[date, int]], today: date, rates: dict[date, int],
                orders: dict) -> receivable_rules.InterestOnPayments | None:
    """The plan's late interest on the payments actually made, from each invoice's own due date
    (räntelagen 3 §; 4 § without one), on the capital as decided, the plan fee settled first as the
    settlement order of the invoices' category (or the municipality's) says."""
    parts = []
    for line in case.lines:
        invoice = line.invoice
        start = (receivable_rules.interest_start_date(invoice.due_date, invoice.invoice_date)
                 if invoice.category.charges_interest else receivable_rules.NO_INTEREST)
        parts.append((start, line.open_capital_ore))
    rows = (case.decision.terms or {}).get("schedule") or []
    fees = sum(int(row.get("fees_ore") or 0) for row in rows)
    categories = {line.invoice.category_id for line in case.lines}
    category = categories.pop() if len(categories) == 1 else None
    if category not in orders:
        orders[category] = tuple(receivable_rules.SettlementPart(part) for part in order_for(category).split(","))
    try:
        return receivable_rules.interest_on_payments(parts, paid, today, rates, fees_ore=fees, order=orders[category])
    except receivable_rules.MissingReferenceRate:
        return None


def _payments_on(invoice_ids) -> dict[int, list[tuple[date, int]]]:
    """Every payment on these invoices, by invoice: reversals and corrections (negative rows) too."""
    payments: dict[int, list[tuple[date, int]]] = {}
    if invoice_ids:
        for invoice_id, day, amount in db.session.execute(
                select(Payment.invoice_id, Payment.payment_date, Payment.amount_ore)
                .where(Payment.invoice_id.in_(sorted(invoice_ids)))):
            payments.setdefault(invoice_id, []).append((day, amount))
    return payments


def _paid_since_decision(case, payments: dict[int, list[tuple[date, int]]]) -> list[tuple[date, int]]:
    since = case.decision.decision_date
    return [(day, amount) for line in case.lines for day, amount in payments.get(line.invoice_id, []) if day >= since]


def debt_on_payments(case, today: date) -> receivable_rules.InterestOnPayments | None:
    """What is owed on a plan or deferral today on the payments actually made: the same figures
    the follow-up shows (`interest_of`), for the letter that makes the whole debt fall due."""
    paid = _paid_since_decision(case, _payments_on({line.invoice_id for line in case.lines}))
    rates = dict(db.session.execute(select(ReferenceRate.half_year_start, ReferenceRate.rate_bp)).all())
    return interest_of(case, paid, today, rates, {})


def _whole_debt_cases(plan_ids: set[int]) -> dict[int, list]:
    from portal.cases.models import Case

    found: dict[int, list] = {}
    if plan_ids:
        for case in db.session.scalars(select(Case).where(Case.whole_debt_due_for_id.in_(sorted(plan_ids)))
                                       .order_by(Case.id)):
            found.setdefault(case.whole_debt_due_for_id, []).append(case)
    return found


def follow(cases, today: date) -> list[FollowedPlan]:
    """Each executed plan or deferral with its status; payments on its invoices since its decision
    date count. A plan whose whole debt a decision made due has that status, whatever is paid."""
    from portal.cases.rules import DECIDED, CaseState

    setting = broken_after_days()
    rules = _rules_decided_under(cases)
    payments = _payments_on({line.invoice_id for case in cases for line in case.lines})
    proposals = _whole_debt_cases({case.id for case in cases})
    rates = dict(db.session.execute(select(ReferenceRate.half_year_start, ReferenceRate.rate_bp)).all())
    orders: dict = {}
    followed = []
    for case in cases:
        schedule = schedule_of(case)
        if not schedule:
            continue
        paid = _paid_since_decision(case, payments)
        limit = plan_broken_after_days(case, setting, rules)
        status = plan_status(schedule, paid, today, limit)
        mine = proposals.get(case.id, [])
        granted = next((c for c in mine if c.decision is not None and c.decision.outcome != "refused"), None)
        waiting = next((c for c in mine if CaseState(c.state) not in DECIDED | {CaseState.WITHDRAWN}), None)
        if granted is not None:
            status = replace(status, status="whole_debt_due")
        followed.append(FollowedPlan(case, status, limit, waiting, granted,
                                     interest_of(case, paid, today, rates, orders)))
    return followed


def follow_one(case, today: date) -> FollowedPlan | None:
    """One executed plan or deferral followed up (None: the case is not one)."""
    followed = follow([case], today) if is_followed(case) else []
    return followed[0] if followed else None


def is_followed(case) -> bool:
    """An executed plan or deferral, granted or partly granted, and not itself a whole-debt case."""
    return (case.case_type in ("deferral", "instalment_plan") and case.state == "executed"
            and case.whole_debt_due_for_id is None and case.decision is not None
            and case.decision.outcome != "refused")


def executed_plans(user, today: date, *, customer_id: int | None = None) -> list:
    """The executed instalment plans and deferrals the user may read (the cases' own visibility,
    in the query); cases proposing that a whole debt falls due are not plans."""
    from sqlalchemy.orm import selectinload

    from portal.cases.models import Case, CaseInvoice
    from portal.cases.queries import visible_to
    from portal.cases.rules import CaseState
    from portal.delegation.engine_types import CaseType

    query = (select(Case).where(Case.case_type.in_([CaseType.INSTALMENT_PLAN.value, CaseType.DEFERRAL.value]),
                                Case.state == CaseState.EXECUTED.value, Case.whole_debt_due_for_id.is_(None),
                                visible_to(user, today))
             .options(selectinload(Case.lines).joinedload(CaseInvoice.invoice).joinedload(Invoice.category),
                      selectinload(Case.decision), selectinload(Case.customer))
             .order_by(Case.id))
    if customer_id is not None:
        query = query.where(Case.customer_id == customer_id)
    return list(db.session.scalars(query))


def plans_needing_attention(user, today: date) -> list[FollowedPlan]:
    """Late and broken plans and deferrals the user may read, the longest late first (a plan
    whose whole debt has fallen due is no longer followed)."""
    followed = [plan for plan in follow(executed_plans(user, today), today)
                if plan.status.status in ("late", "broken")]
    return sorted(followed, key=lambda plan: (-plan.status.days_late, plan.case.id))
