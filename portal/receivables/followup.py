"""Instalment plans followed up (RULINGS 16): each executed plan's schedule against the payments
made on its invoices since the decision: on track, late (days) or broken (late beyond the
municipality's setting). The portal never cancels a broken plan: the officer proposes a new case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.receivables.models import FollowUpSetting, Payment

DEFAULT_BROKEN_AFTER_DAYS = 30  # until the finance director sets the municipality's own

STATUS_LABELS = {
    "on_track": _l("On track"),
    "late": _l("Late"),
    "broken": _l("Broken"),
    "paid": _l("Paid"),
}


@dataclass(frozen=True, slots=True)
class PlanStatus:
    status: str  # on_track | late | broken | paid
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
    case: object  # portal.cases.models.Case
    status: PlanStatus


def _schedule(case) -> list[tuple[date, int]]:
    decision = case.decision
    rows = (decision.terms or {}).get("schedule") if decision else None
    return [(date.fromisoformat(row["due_date"]), int(row["amount_ore"])) for row in rows or []]


def follow(cases, today: date) -> list[FollowedPlan]:
    """Each executed plan with its status; payments on its invoices since its decision date count."""
    limit = broken_after_days()
    invoice_ids = {line.invoice_id for case in cases for line in case.lines}
    payments: dict[int, list[tuple[date, int]]] = {}
    if invoice_ids:
        for invoice_id, day, amount in db.session.execute(
                select(Payment.invoice_id, Payment.payment_date, Payment.amount_ore)
                .where(Payment.invoice_id.in_(invoice_ids))):
            payments.setdefault(invoice_id, []).append((day, amount))
    followed = []
    for case in cases:
        schedule = _schedule(case)
        if not schedule:
            continue
        since = case.decision.decision_date
        paid = [(day, amount) for line in case.lines for day, amount in payments.get(line.invoice_id, [])
                if day >= since]
        followed.append(FollowedPlan(case, plan_status(schedule, paid, today, limit)))
    return followed


def executed_plans(user, today: date, *, customer_id: int | None = None) -> list:
    """The executed instalment plans the user may read (the cases' own visibility, in the query)."""
    from sqlalchemy.orm import selectinload

    from portal.cases.models import Case
    from portal.cases.queries import visible_to
    from portal.cases.rules import CaseState
    from portal.delegation.engine_types import CaseType

    query = (select(Case).where(Case.case_type == CaseType.INSTALMENT_PLAN.value,
                                Case.state == CaseState.EXECUTED.value, visible_to(user, today))
             .options(selectinload(Case.lines), selectinload(Case.decision), selectinload(Case.customer))
             .order_by(Case.id))
    if customer_id is not None:
        query = query.where(Case.customer_id == customer_id)
    return list(db.session.scalars(query))


def plans_needing_attention(user, today: date) -> list[FollowedPlan]:
    """Late and broken plans the user may read, the longest late first."""
    followed = [plan for plan in follow(executed_plans(user, today), today)
                if plan.status.status in ("late", "broken")]
    return sorted(followed, key=lambda plan: (-plan.status.days_late, plan.case.id))
