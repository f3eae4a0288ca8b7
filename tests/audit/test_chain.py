"""The trail proves itself: every entry is chained to the one before, appends never fork the chain,
PostgreSQL refuses to change or delete entries, and the verifier names the first changed, deleted or
inserted entry on both databases."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal import clock
from portal.audit import chain
from portal.audit.chain import Finding
from portal.audit.models import AuditChainHead, AuditEntry
from portal.audit.services import SYSTEM, record
from portal.extensions import db


def _trail(count: int) -> list[AuditEntry]:
    entries = [record(SYSTEM, "user.update", "user", n, before={"full_name": f"Old {n}"},
                      after={"full_name": f"Ny {n} åäö"}) for n in range(count)]
    db.session.flush()
    return entries


def _verify() -> chain.Verification:
    return chain.verify(db.session.connection())


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _tamper(sql: str, **params) -> None:
    """Change the trail behind the portal's back, as someone with database access could. On PostgreSQL
    the trigger refuses; a superuser switches triggers off for this transaction to go on."""
    if _postgresql():
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    db.session.execute(text(sql), params)
    db.session.expire_all()


def test_each_entry_carries_its_place_and_the_previous_entry_hash(app):
    first, second, third = _trail(3)
    assert [e.chain_seq for e in (first, second, third)] == [1, 2, 3]
    assert second.prev_hash == first.entry_hash and third.prev_hash == second.entry_hash
    assert first.prev_hash == chain.GENESIS
    head = db.session.get(AuditChainHead, chain.HEAD_ID)
    assert (head.last_seq, head.last_hash) == (3, third.entry_hash)


def test_an_untouched_trail_verifies_as_intact(app):
    _trail(5)
    result = _verify()
    assert result.intact and result.entries == 5 and result.head_seq == 5


def test_appending_reads_the_head_not_the_trail(app):
    """The append costs one locked row, whatever the trail's length."""
    _trail(3)
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.session.get_bind().engine
    from sqlalchemy import event

    event.listen(engine, "before_cursor_execute", note)
    try:
        _trail(1)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert reads and all("audit_chain_head" in s and "audit_entries" not in s for s in reads)


def test_the_entry_hash_covers_its_content(app):
    entry = _trail(1)[0]
    values = {name: getattr(entry, name) for name in chain.CONTENT_FIELDS}
    assert chain.entry_hash(values, 1, chain.GENESIS) == entry.entry_hash
    assert chain.entry_hash({**values, "actor_name": "someone"}, 1, chain.GENESIS) != entry.entry_hash
    assert chain.entry_hash(values, 2, chain.GENESIS) != entry.entry_hash


def test_verify_names_a_changed_entry(app):
    entries = _trail(4)
    _tamper("UPDATE audit_entries SET after = :after WHERE id = :id",
            after='{"full_name": "Someone else"}', id=entries[2].id)
    result = _verify()
    assert result.problem.finding == Finding.CHANGED
    assert (result.problem.entry_id, result.problem.seq, result.problem.previous_id) == (
        entries[2].id, 3, entries[1].id)
    assert result.entries == 2


def test_verify_names_an_entry_whose_time_was_moved(app):
    entries = _trail(3)
    _tamper("UPDATE audit_entries SET occurred_at = :at WHERE id = :id",
            at=clock.now().replace(year=2020), id=entries[0].id)
    assert _verify().problem.entry_id == entries[0].id


def test_verify_names_a_deleted_entry(app):
    entries = _trail(5)
    _tamper("DELETE FROM audit_entries WHERE id IN (:a, :b)", a=entries[1].id, b=entries[2].id)
    problem = _verify().problem
    assert problem.finding == Finding.DELETED
    assert (problem.seq, problem.missing, problem.previous_id, problem.entry_id) == (
        2, 2, entries[0].id, entries[3].id)


def test_verify_names_entries_deleted_from_the_end(app):
    entries = _trail(4)
    _tamper("DELETE FROM audit_entries WHERE id = :id", id=entries[-1].id)
    problem = _verify().problem
    assert (problem.finding, problem.seq, problem.missing, problem.previous_id, problem.entry_id) == (
        Finding.DELETED, 4, 1, entries[-2].id, None)


def _insert_copy(source: AuditEntry, *, seq: int, prev_hash: str, entry_hash: str) -> int:
    new_id = db.session.scalar(select(db.func.max(AuditEntry.id))) + 1
    db.session.execute(text(
        "INSERT INTO audit_entries (id, occurred_at, actor_name, capacity, action, object_type, object_id, "
        "chain_seq, prev_hash, entry_hash) SELECT :new_id, occurred_at, actor_name, capacity, 'case.grant', "
        "object_type, object_id, :seq, :prev, :hash FROM audit_entries WHERE id = :id"),
        {"new_id": new_id, "seq": seq, "prev": prev_hash, "hash": entry_hash, "id": source.id})
    return new_id


def test_verify_names_an_inserted_entry_even_with_a_well_made_hash(app):
    """Whoever knows the hash can chain a forged entry onto the end; the head, moved only under its
    lock by the portal, does not count it."""
    entries = _trail(3)
    last = entries[-1]
    forged = {name: getattr(last, name) for name in chain.CONTENT_FIELDS}
    forged.update(action="case.grant", actor_id=None, before=None, after=None, address=None, user_agent=None)
    new_id = _insert_copy(last, seq=4, prev_hash=last.entry_hash,
                          entry_hash=chain.entry_hash(forged, 4, last.entry_hash))
    problem = _verify().problem
    assert (problem.finding, problem.entry_id, problem.seq, problem.previous_id) == (
        Finding.INSERTED, new_id, 4, last.id)


def test_verify_names_an_inserted_entry_with_a_made_up_hash(app):
    entries = _trail(3)
    new_id = _insert_copy(entries[0], seq=4, prev_hash=entries[-1].entry_hash, entry_hash="f" * 64)
    problem = _verify().problem
    assert (problem.finding, problem.entry_id) == (Finding.INSERTED, new_id)


def test_verify_names_an_entry_that_claims_an_earlier_place(app):
    entries = _trail(3)
    if not _postgresql():
        pytest.skip("SQLite cannot drop the unique place in place (see the test below for both databases)")
    db.session.execute(text("ALTER TABLE audit_entries DROP CONSTRAINT uq_audit_entries_chain_seq"))
    new_id = _insert_copy(entries[0], seq=2, prev_hash=entries[0].entry_hash, entry_hash="e" * 64)
    problem = _verify().problem
    assert (problem.finding, problem.entry_id, problem.seq) == (Finding.INSERTED, new_id, 4)


def test_the_trail_refuses_a_second_entry_at_the_same_place(app):
    entries = _trail(2)
    with pytest.raises(DBAPIError), db.session.begin_nested():
        _insert_copy(entries[0], seq=2, prev_hash=entries[0].entry_hash, entry_hash="e" * 64)


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET action = 'case.grant' WHERE id = :id",
    "DELETE FROM audit_entries WHERE id = :id",
    "TRUNCATE audit_entries",
])
def test_postgresql_refuses_to_change_or_delete_the_trail(app, statement):
    if not _postgresql():
        pytest.skip("SQLite has no such trigger; the verifier catches it there")
    entry = _trail(1)[0]
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement), {"id": entry.id})
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.id == entry.id)) == "user.update"


def test_two_app_servers_appending_at_once_do_not_fork_the_chain(app):
    """Two connections, each committing its own entries as fast as it can, at the same moment."""
    if not _postgresql():
        pytest.skip("SQLite lets one writer in at a time; the append's lock is PostgreSQL's concern")
    engine = create_engine(os.environ["TEST_DATABASE_URL"])
    start = threading.Barrier(2)
    failures: list[BaseException] = []
    written: list[int] = []
    per_server = 25

    def server(name: str) -> None:
        try:
            start.wait()
            for n in range(per_server):
                with Session(engine) as session:
                    entry = AuditEntry(occurred_at=clock.now(), actor_name=name, action="login.success",
                                       object_type="user", object_id=str(n))
                    session.add(entry)
                    session.commit()
                    written.append(entry.id)
        except BaseException as failure:  # noqa: BLE001 - reported by the assertion below
            failures.append(failure)

    with engine.connect() as before:
        head_before = before.execute(text("SELECT last_seq FROM audit_chain_head")).scalar_one()
    threads = [threading.Thread(target=server, args=(f"server{i}",)) for i in (1, 2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not failures
        with engine.connect() as connection:
            result = chain.verify(connection)
            seqs = connection.execute(text(
                "SELECT chain_seq FROM audit_entries WHERE id = ANY(:ids) ORDER BY id"), {"ids": written}).scalars().all()
        assert result.intact, result.problem
        assert seqs == list(range(head_before + 1, head_before + 2 * per_server + 1))
        assert result.head_seq == head_before + 2 * per_server
    finally:
        with engine.begin() as cleanup:  # the trail of this test only; the trigger is off for it
            cleanup.execute(text("SET LOCAL session_replication_role = replica"))
            cleanup.execute(text("DELETE FROM audit_entries WHERE id = ANY(:ids)"), {"ids": written})
            cleanup.execute(text(
                "UPDATE audit_chain_head SET last_seq = :seq, last_hash = COALESCE("
                "(SELECT entry_hash FROM audit_entries WHERE chain_seq = :seq), :genesis)"),
                {"seq": head_before, "genesis": chain.GENESIS})
        engine.dispose()
