"""Writing the audit trail: services call record() in the same transaction as their change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from portal import clock
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
