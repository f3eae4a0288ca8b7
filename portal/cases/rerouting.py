"""Re-routing: when a decision changes a customer's 12-month basis (R5), their other open cases of
the same type and committee are asked again; each whose route changed is re-routed and audited."""

from __future__ import annotations

from sqlalchemy import select

from portal import clock
from portal.audit.models import AuditEntry
from portal.audit.services import SYSTEM, record
from portal.cases.models import Case
from portal.cases.routing import route
from portal.cases.rules import CaseState
from portal.extensions import db

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


def reroute_after_decision(decided: Case) -> list[Case]:
    """Ask the engine again for every waiting case the decision's amount now counts for."""
    if decided.decision is None or decided.decision.outcome not in ("granted", "partly_granted"):
        return []
    siblings = db.session.scalars(select(Case).where(
        Case.customer_id == decided.customer_id, Case.committee_id == decided.committee_id,
        Case.case_type == decided.case_type, Case.id != decided.id, Case.state.in_(WAITING),
    ).order_by(Case.id)).all()
    return [case for case in siblings if _reroute(case, decided)]


def _reroute(case: Case, because_of: Case) -> bool:
    before = routed_rules(case)
    if before is None:
        return False  # never routed through the trail (data from before it): nothing to compare with
    routing = route(case, clock.today())
    after = list(routing.verdict.proposed_rule_numbers) if routing.verdict else []
    state = case.state
    if routing.committee_only and state == CaseState.AWAITING_DECISION.value:
        case.state = CaseState.REFERRED_TO_COMMITTEE.value  # as submitting would have sent it
    if after == before and case.state == state:
        return False
    db.session.flush()
    record(SYSTEM, "case.reroute", "case", case.id,
           before={"proposed_rules": before, "state": state},
           after={"proposed_rules": after, "state": case.state,
                  "twelve_month_prior_ore": routing.facts.twelve_month_prior_ore,
                  "because_of_case": because_of.registry_number})
    return True
