"""Writing the audit trail: services call record() in the same transaction as their change, and
record_refusal() for what was refused, which is written in a transaction of its own (RULINGS 20)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from flask import current_app, g, has_app_context

from portal import clock
from portal.audit.labels import ACTION_LABELS
from portal.audit.models import AuditEntry
from portal.extensions import db


@dataclass(frozen=True)
class Actor:
    """Who does something, in which capacity, from where: passed from the view to every service."""

    user_id: int | None
    username: str | None
    capacity: str | None
    address: str | None = None
    user_agent: str | None = None


SYSTEM = Actor(user_id=None, username="system", capacity="system")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of an object as JSON-safe values, for before/after."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def record(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: int | str | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry to the trail; the caller's transaction commits it together with the change."""
    if has_app_context() and current_app.testing and action not in ACTION_LABELS:
        raise ValueError(f"the audit action {action!r} has no Swedish label in portal/audit/labels.py")
    entry = AuditEntry(
        occurred_at=clock.now(),
        actor_id=actor.user_id,
        actor_name=actor.username,
        capacity=actor.capacity,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=before,
        after=after,
        address=actor.address,
        user_agent=(actor.user_agent or None) and actor.user_agent[:300],
    )
    db.session.add(entry)
    return entry


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, so an entry says what happened and nothing else."""
    changed = [key for key in after if before.get(key) != after.get(key)]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


# --- refusals -------------------------------------------------------------------------------------
# A refused step rolls the request's transaction back, and with it anything recorded in it. So a
# refusal waits in the application context and is written when that context ends (after the request's
# own transaction has ended: rolled back, or committed), in a transaction of its own.

def record_refusal(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: int | str | None = None,
    *,
    reason: str | None = None,
    rule: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Note that something was refused (a decision, an object, an upload, a login): the rule that
    refused it and the reason the person was given. Written by write_refusals(), which runs by itself
    when the request (or command) ends; call it yourself only after your transaction has ended."""
    after = {**(details or {})}
    if reason is not None:
        after["reason"] = reason
    if rule is not None:
        after["rule"] = rule
    g.setdefault("audit_refusals", []).append(
        dict(actor=actor, action=action, object_type=object_type, object_id=object_id, after=after or None))


def write_refusals() -> int:
    """Write the waiting refusals in a transaction of their own; returns how many were written.

    Whatever the session still holds uncommitted is rolled back first: it is the refused work.
    """
    pending = g.pop("audit_refusals", None)
    if not pending:
        return 0
    db.session.rollback()
    for item in pending:
        record(item["actor"], item["action"], item["object_type"], item["object_id"], after=item["after"])
    db.session.commit()
    return len(pending)


def _write_refusals_at_teardown(_exc: BaseException | None) -> None:
    try:
        write_refusals()
    except Exception:  # a refusal that cannot be written must not hide the response; say so in the log
        db.session.rollback()
        current_app.logger.exception("could not write refusals to the audit trail")
