"""The trail's hash chain: how an entry is hashed, how it is appended, and how the chain is verified.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's canonical content (its
place in the chain included). Appending locks the one chain-head row (PostgreSQL: a row lock held to
commit; SQLite: the write lock), so two app servers appending at once queue instead of forking the
chain; a unique place per entry backs that up. Appending reads one row, never the trail.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.audit.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
HEAD_ID = 1
CONTENT_FIELDS = ("occurred_at", "actor_id", "actor_name", "capacity", "action", "object_type",
                  "object_id", "before", "after", "address", "user_agent")


def _instant(value: datetime | None) -> str | None:
    """UTC to the microsecond, as both databases give it back (SQLite returns it naive, in UTC)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _stored_json(value: Any) -> Any:
    """A JSON column's value as it reads back from the database (tuples become lists, keys strings)."""
    return None if value is None else json.loads(json.dumps(value))


def canonical(values: dict[str, Any], seq: int) -> bytes:
    """The bytes an entry's hash covers: every content field and its place, in one fixed form."""
    content = {name: values.get(name) for name in CONTENT_FIELDS}
    content["occurred_at"] = _instant(content["occurred_at"])
    content["before"] = _stored_json(content["before"])
    content["after"] = _stored_json(content["after"])
    content["seq"] = seq
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(values: dict[str, Any], seq: int, prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(values, seq)).hexdigest()


def _values_of(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in CONTENT_FIELDS}


# --- appending --------------------------------------------------------------------------------------

def lock_head(connection: Connection) -> tuple[int, str]:
    """Take the chain head for this transaction and read it: the UPDATE is the lock on both databases
    (PostgreSQL's row lock, SQLite's write lock), held until the transaction ends."""
    table = AuditChainHead.__table__
    connection.execute(update(table).where(table.c.id == HEAD_ID).values(last_seq=table.c.last_seq))
    row = connection.execute(select(table.c.last_seq, table.c.last_hash).where(table.c.id == HEAD_ID)).first()
    if row is None:
        raise RuntimeError("The audit chain head is missing: run the migrations (flask db upgrade).")
    return int(row.last_seq), row.last_hash


def _append(session: Session, _flush_context, _instances) -> None:
    pending = [obj for obj in session.new if isinstance(obj, AuditEntry) and obj.entry_hash is None]
    if not pending:
        return
    # The order the entries were added in, which is also the order the flush inserts them in.
    pending.sort(key=lambda entry: inspect(entry).insert_order)
    connection = session.connection()
    seq, prev = lock_head(connection)
    for entry in pending:
        if entry.occurred_at is not None and entry.occurred_at.tzinfo is not None:
            entry.occurred_at = entry.occurred_at.astimezone(UTC)
        seq += 1
        entry.chain_seq = seq
        entry.prev_hash = prev
        entry.entry_hash = prev = entry_hash(_values_of(entry), seq, prev)
    table = AuditChainHead.__table__
    connection.execute(update(table).where(table.c.id == HEAD_ID).values(last_seq=seq, last_hash=prev))


def install() -> None:
    """Chain every audit entry any session flushes (idempotent)."""
    if not event.contains(Session, "before_flush", _append):
        event.listen(Session, "before_flush", _append)


# --- verifying --------------------------------------------------------------------------------------

class Finding(StrEnum):
    CHANGED = "changed"
    DELETED = "deleted"
    INSERTED = "inserted"


@dataclass(frozen=True)
class Problem:
    """The first place where the chain does not hold."""

    finding: Finding
    seq: int  # the place in the chain where it breaks
    entry_id: int | None  # the changed or inserted row; for a deletion, the row after the gap (if any)
    previous_id: int | None  # the last row that is still in order
    missing: int = 0  # how many entries are gone, for a deletion


@dataclass(frozen=True)
class Verification:
    entries: int
    head_seq: int
    head_hash: str
    problem: Problem | None

    @property
    def intact(self) -> bool:
        return self.problem is None


BATCH = 1000


def _rows_after(connection: Connection, last_id: int) -> list:
    table = AuditEntry.__table__
    columns = [table.c.id, table.c.chain_seq, table.c.prev_hash, table.c.entry_hash,
               *(table.c[name] for name in CONTENT_FIELDS)]
    return list(connection.execute(select(*columns).where(table.c.id > last_id)
                                   .order_by(table.c.id).limit(BATCH)))


def _check(row, expected_seq: int, prev_hash: str, previous_id: int | None) -> Problem | None:
    if row.chain_seq is None or row.entry_hash is None or row.chain_seq < expected_seq:
        return Problem(Finding.INSERTED, expected_seq, row.id, previous_id)
    if row.chain_seq > expected_seq:
        return Problem(Finding.DELETED, expected_seq, row.id, previous_id, row.chain_seq - expected_seq)
    if row.prev_hash != prev_hash:
        return Problem(Finding.CHANGED, expected_seq, row.id, previous_id)
    if entry_hash(row._mapping, row.chain_seq, row.prev_hash) != row.entry_hash:
        return Problem(Finding.CHANGED, expected_seq, row.id, previous_id)
    return None


def verify(connection: Connection) -> Verification:
    """Walk the trail in the order it was written (keyset batches, so a long trail is never held in
    memory) and name the first changed, deleted or inserted entry.

    The head is read after the walk: an entry that was visible to the walk was committed together with
    its head update, so the head then covers it; entries committed meanwhile are walked too.
    """
    expected, prev, last_id, previous_id, count = 1, GENESIS, 0, None, 0
    head_table = AuditChainHead.__table__
    while True:
        rows = _rows_after(connection, last_id)
        for row in rows:
            problem = _check(row, expected, prev, previous_id)
            if problem is not None:
                head = _head(connection, head_table)
                if problem.finding != Finding.INSERTED and row.chain_seq is not None and row.chain_seq > head[0]:
                    problem = Problem(Finding.INSERTED, expected, row.id, previous_id)
                return Verification(count, head[0], head[1], problem)
            expected, prev, previous_id, count = expected + 1, row.entry_hash, row.id, count + 1
            last_id = row.id
        if len(rows) == BATCH:
            continue
        head_seq, head_hash = _head(connection, head_table)
        if head_seq > expected - 1 and _rows_after(connection, last_id):
            continue  # appended while we walked
        problem = None
        if head_seq > expected - 1:
            problem = Problem(Finding.DELETED, expected, None, previous_id, head_seq - expected + 1)
        elif head_seq < expected - 1:  # entries past the head: the head was taken before them
            problem = Problem(Finding.INSERTED, head_seq + 1, _id_at(connection, head_seq + 1),
                              _id_at(connection, head_seq))
        elif head_hash != prev:
            problem = Problem(Finding.CHANGED, expected - 1, previous_id, previous_id)
        return Verification(count, head_seq, head_hash, problem)


def _id_at(connection: Connection, seq: int) -> int | None:
    table = AuditEntry.__table__
    return connection.scalar(select(table.c.id).where(table.c.chain_seq == seq).order_by(table.c.id).limit(1))


def _head(connection: Connection, table) -> tuple[int, str]:
    row = connection.execute(select(table.c.last_seq, table.c.last_hash).where(table.c.id == HEAD_ID)).first()
    return (0, GENESIS) if row is None else (int(row.last_seq), row.last_hash)

