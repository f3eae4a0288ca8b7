"""Re-routing: a waiting case is asked of the engine again when something it was routed on has
changed, and moved and audited (`case.reroute`) where its route changed. Two things do it, through
the one function `reroute`: a decision that changes a customer's 12-month basis (R5) re-routes their
other open cases of the same type and committee; and the decision day's figures (RULINGS 2: interest
to the day, what is still open) re-route the case itself before anyone can decide it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from portal import clock
from portal.audit.models import AuditEntry
from portal.audit.services import SYSTEM, record
from portal.cases.figures import DayFigures, changes, figures_on
from portal.cases.models import Case
from portal.cases.routing import Routing, Terms, route, terms_asked
from portal.cases.rules import CaseState
from portal.cases.terms import ComputedTerms, TermsInput
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.notify import events as mail_events

WAITING = (CaseState.AWAITING_CONSULTATION.value, CaseState.AWAITING_DECISION.value)
ROUTED_BY = ("case.submit", "case.reroute", "case.mark_urgent", "case.unmark_urgent")


def routed_rules(case: Case) -> list[str] | None:
    """The rules the case was last sent to (at submission or its last re-routing), from the trail."""
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "case", AuditEntry.object_id == str(case.id),
                                 AuditEntry.action.in_(ROUTED_BY))
        .order_by(AuditEntry.id.desc()).limit(1)).first()
    if entry is None or not entry.after or "proposed_rules" not in entry.after:
        return None
    return list(entry.after["proposed_rules"])


def day_terms(case: Case, day: DayFigures) -> Terms:
    """The engine's question on the day's figures, asked as every other (routing.terms_asked)."""
    return terms_asked(TermsInput.from_case(case), day.computed)


def figures_today(case: Case, on_date: date) -> DayFigures | None:
    """The case's decision-day figures, or None where its entered terms no longer compute (the
    decision then refuses with the field's message; routing keeps the stored figures)."""
    try:
        return figures_on(case, on_date)
    except ValidationFailed:
        return None


@dataclass(frozen=True)
class Rerouted:
    before: list[str]
    after: list[str]
    state_before: str
    routing: Routing


def reroute(case: Case, on_date: date, *, day: DayFigures | None, cause: dict[str, Any]) -> Rerouted | None:
    """Ask the engine again, on the day's figures; if the case's route changed, send it there (a case
    awaiting decision that no rule covers now goes to the committee) and audit the change with its
    cause. Returns what changed, or None."""
    before = routed_rules(case)
    if before is None:
        return None  # never routed through the trail (data from before it): nothing to compare with
    routing = route(case, on_date, day_terms(case, day) if day is not None else None)
    after = list(routing.verdict.proposed_rule_numbers) if routing.verdict else []
    state = case.state
    if routing.committee_only and state == CaseState.AWAITING_DECISION.value:
        case.state = CaseState.REFERRED_TO_COMMITTEE.value  # as submitting would have sent it
    if after == before and case.state == state:
        return None
    db.session.flush()
    entry = record(SYSTEM, "case.reroute", "case", case.id,
           before={"proposed_rules": before, "state": state},
           after={"proposed_rules": after, "state": case.state,
                  "twelve_month_prior_ore": routing.facts.twelve_month_prior_ore,
                  "amount_ore": routing.facts.amount_ore, **cause})
    if case.state == CaseState.AWAITING_DECISION.value:
        mail_events.case_moved(SYSTEM, case, entry)  # it waits for other deciders now
    return Rerouted(before, after, state, routing)


def reroute_after_decision(decided: Case) -> list[Case]:
    """Ask the engine again for every waiting case the decision's amount now counts for."""
    if decided.decision is None or decided.decision.outcome not in ("granted", "partly_granted"):
        return []
    siblings = db.session.scalars(select(Case).where(
        Case.customer_id == decided.customer_id, Case.committee_id == decided.committee_id,
        Case.case_type == decided.case_type, Case.id != decided.id, Case.state.in_(WAITING),
    ).order_by(Case.id)).all()
    today = clock.today()
    return [case for case in siblings
            if reroute(case, today, day=figures_today(case, today),
                       cause={"because_of_case": decided.registry_number}) is not None]


def crossed_limits(case: Case, day: DayFigures) -> bool:
    """Whether the decision day's figures change which rules of the scheme match the case, compared
    with the figures it was submitted with, both asked of the engine today. Only figures are compared
    so: who may decide (an absence, a declared conflict) changes the proposal, not the case's route."""
    submitted = case.submitted_figures
    if not submitted or not changes(submitted, day.figures):
        return False
    asked = terms_asked(TermsInput.from_case(case), ComputedTerms(
        submitted["amount_ore"], submitted.get("length_months"), submitted.get("length_days"),
        instalments=submitted.get("instalments"), monthly_amount_ore=submitted.get("monthly_amount_ore")))
    return _matching(route(case, day.on_date, asked)) != _matching(route(case, day.on_date, day_terms(case, day)))


def _matching(routing: Routing) -> tuple[str, ...]:
    if routing.verdict is None:
        return ()
    return tuple(outcome.rule_number for outcome in routing.verdict.outcomes if outcome.matched)


def reroute_on_decision_day(case: Case, day: DayFigures) -> Rerouted | None:
    """RULINGS 2: where the decision day's figures cross a limit of the scheme, the case is re-routed
    (audited, with the figures that changed) before anyone can decide it."""
    if not crossed_limits(case, day):
        return None
    changed = changes(case.submitted_figures, day.figures)
    return reroute(case, day.on_date, day=day, cause={
        "figures_changed": {change.key: [change.before, change.after] for change in changed}})
