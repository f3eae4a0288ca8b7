"""Recording what happened, in the transaction that made it happen: one small row per event.

Who hears of it is found later, by the sender (portal/notify/services.py): the decision's own
transaction writes nothing else and can never fail or wait for mail.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from portal import clock
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.cases.rules import CaseState
from portal.extensions import db
from portal.notify.models import EventKind, MailEvent

SEND_REQUESTED = "portal_mail_send_requested"  # session.info: a send job is already added
SEND_JOB = "mail.send"

_KIND_OF_STATE = {
    CaseState.AWAITING_DECISION: EventKind.CASE_TO_DECIDE,
    CaseState.AWAITING_CONSULTATION: EventKind.CASE_TO_CONSULT,
    CaseState.GRANTED: EventKind.CASE_DECIDED,
    CaseState.PARTLY_GRANTED: EventKind.CASE_DECIDED,
    CaseState.REFUSED: EventKind.CASE_DECIDED,
    CaseState.RETURNED: EventKind.CASE_RETURNED,
}


def mail_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def case_moved(actor: Actor, case, entry: AuditEntry) -> MailEvent | None:
    """A case reached a state someone should hear of (the trail entry that moved it names the event)."""
    kind = _KIND_OF_STATE.get(CaseState(case.state))
    if kind is None or not mail_configured():
        return None
    if entry.id is None:
        db.session.flush()
    return add(actor, f"trail:{entry.id}", kind, case_id=case.id,
               payload={"registry_number": case.registry_number, "case_type": case.case_type,
                        "state": case.state})


def add(actor: Actor, key: str, kind: EventKind, *, case_id: int | None = None, meeting_id: int | None = None,
        recipient_id: int | None = None, payload: dict[str, Any] | None = None) -> MailEvent:
    """Add an event in the caller's transaction and ask for a send once it commits."""
    event = MailEvent(key=key, kind=kind.value, case_id=case_id, meeting_id=meeting_id, recipient_id=recipient_id,
                      payload=payload or {}, created_at=clock.now())
    db.session.add(event)
    request_send(actor)
    return event


def request_send(actor: Actor) -> None:
    """With a job queue, a send job runs in a worker once the transaction commits (one per
    transaction). Without one, nothing runs in the request: `flask portal send-reminders` from cron
    sends what waits, so a person deciding never waits for the mail relay."""
    from portal import jobs
    from portal.jobs.services import redis_connection

    session = db.session()
    transaction = session.get_transaction()
    if redis_connection() is None or (transaction is not None and session.info.get(SEND_REQUESTED) is transaction):
        return
    jobs.enqueue(actor, SEND_JOB)
    session.info[SEND_REQUESTED] = session.get_transaction()
