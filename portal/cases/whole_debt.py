"""A broken plan, or a deferral not kept, becomes a case of its own (RULINGS 16): the case officer
proposes that the whole debt falls due, linked to the plan; whoever may grant that plan today under
the scheme decides it, with its letter, and it is reported like every delegated decision. The portal
never ends a plan by itself, and never lets a plan that is kept be declared broken."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal import clock
from portal.audit.services import Actor, record, record_refusal
from portal.cases import services
from portal.cases.models import Case, CaseInvoice
from portal.cases.rules import DECIDED, CaseState, Outcome
from portal.cases.terms import line_amounts
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.receivables import followup

CLOSED = DECIDED | {CaseState.WITHDRAWN}


def cases_for(plan: Case) -> list[Case]:
    """Every case that proposed that the plan's whole debt falls due, oldest first."""
    return list(db.session.scalars(select(Case).where(Case.whole_debt_due_for_id == plan.id).order_by(Case.id)))


def _in_the_way(plan: Case) -> str | None:
    """Another proposal waiting for its decision, or a decision that already made the debt due."""
    for other in cases_for(plan):
        if other.decision is not None and other.decision.outcome != Outcome.REFUSED:
            return _("The whole debt of %(plan)s has already fallen due by decision in case %(number)s.",
                     plan=plan.registry_number, number=other.registry_number)
        if CaseState(other.state) not in CLOSED:
            return _("Case %(number)s already proposes that the whole debt of %(plan)s falls due; it waits "
                     "for its decision (the case officer who made it may withdraw it).",
                     number=other.registry_number, plan=plan.registry_number)
    return None


def not_broken_text(plan: Case, followed: followup.FollowedPlan | None) -> str | None:
    """Why the plan cannot be declared broken today (None: it is broken)."""
    if followed is None:
        return _("Only an executed instalment plan or deferral can have its whole debt fall due.")
    status = followed.status
    if status.status == "broken":
        return None
    if status.status == "late":
        return _("%(plan)s is late by %(days)s days, not broken: it is broken when late by more than %(limit)s "
                 "days.", plan=plan.registry_number, days=status.days_late, limit=followed.broken_after_days)
    if status.status == "whole_debt_due":
        return _("The whole debt of %(plan)s has already fallen due.", plan=plan.registry_number)
    return _("%(plan)s is kept (%(status)s): a plan that is kept cannot be declared broken.",
             plan=plan.registry_number, status=status.label.lower())


def whole_debt_due_propose(actor: Actor, plan: Case, reasons: str) -> Case:
    """The case officer proposes that the whole debt of a broken plan or deferral falls due: a new
    case on the plan's invoices that are still open, submitted at once and routed by the engine on
    the plan's own terms (terms.compute_terms). One such case at a time per plan."""
    services._lock_customer(plan)  # noqa: SLF001 (one package): two proposals at once, one wins
    db.session.refresh(plan)
    if followup.is_followed(plan):
        refused = _in_the_way(plan) or not_broken_text(plan, followup.follow_one(plan, clock.today()))
    else:
        refused = not_broken_text(plan, None)
    if refused:
        record_refusal(actor, "case.whole_debt_due_refused", "case", plan.id, reason=refused,
                       details={"registry_number": plan.registry_number})
        raise ValidationFailed({"case": refused})
    if not reasons.strip():
        raise ValidationFailed({"reasons": _("Give the reasons for the proposal.")})
    today = clock.today()
    lines = []
    for line in plan.lines:
        if line.invoice.open_amount_ore > 0:
            capital, interest = line_amounts(line.invoice, today)
            lines.append(CaseInvoice(invoice_id=line.invoice_id, invoice=line.invoice, open_capital_ore=capital,
                                     interest_ore=interest, fees_ore=0))
    if not lines:
        raise ValidationFailed({"case": _("Nothing is open on the invoices of %(plan)s: there is no debt to fall "
                                          "due.", plan=plan.registry_number)})
    case = Case(
        committee_id=plan.committee_id, customer_id=plan.customer_id, org_unit_id=plan.org_unit_id,
        case_type=plan.case_type, state=CaseState.DRAFT.value, prepared_by_id=actor.user_id,
        created_at=clock.now(), reasons=reasons.strip(), whole_debt_due_for_id=plan.id,
        # The plan's terms as the officer entered them: the engine is asked about that plan.
        new_due_date=plan.new_due_date, first_due_date=plan.first_due_date, instalments=plan.instalments,
        monthly_amount_ore=plan.monthly_amount_ore, monthly_amount_entered=plan.monthly_amount_entered,
        applied_before_due=plan.applied_before_due, amount_ore=plan.decision.amount_ore,
        length_months=plan.decision.terms.get("length_months"),
    )
    case.lines.extend(lines)
    db.session.add(case)
    db.session.flush()
    db.session.refresh(case, ["whole_debt_due_for"])
    view = services._case_view(case)  # noqa: SLF001 (one package)
    record(actor, "case.create", "case", case.id, after={**view, "whole_debt_due_for": plan.registry_number})
    return services.case_submit(actor, case)


def decision_refusal(case: Case, outcome: Outcome) -> str | None:
    """Why this decision cannot be made on a whole-debt case today (None: it can): it is granted or
    refused, never in part; and granted only while the plan is still broken (a customer who has
    caught up keeps the plan)."""
    if outcome == Outcome.PARTLY_GRANTED:
        return _("A proposal that the whole debt falls due is granted or refused, never granted in part.")
    if outcome == Outcome.REFUSED:
        return None
    plan = case.whole_debt_due_for
    return not_broken_text(plan, followup.follow_one(plan, clock.today()))
