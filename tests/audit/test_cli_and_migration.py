"""`flask portal audit verify`, and the migration that chains a trail written before the chain."""

from __future__ import annotations

from datetime import UTC, datetime

import flask_migrate
from sqlalchemy import inspect, text

from portal import create_app
from portal.audit import chain
from portal.audit.services import SYSTEM, record
from portal.cli import portal_cli
from portal.extensions import db


def test_verify_command_says_the_trail_is_intact(app):
    record(SYSTEM, "user.create", "user", 1)
    db.session.commit()
    result = app.test_cli_runner().invoke(portal_cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact: 1 entries" in result.output


def test_verify_command_names_the_changed_entry_and_fails(app):
    entries = [record(SYSTEM, "user.create", "user", n) for n in range(3)]
    db.session.flush()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    db.session.execute(text("UPDATE audit_entries SET actor_name = 'nobody' WHERE id = :id"), {"id": entries[1].id})
    db.session.commit()
    result = app.test_cli_runner().invoke(portal_cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"Entry id {entries[1].id} (place 2 in the chain) has been changed." in result.output


CHAIN_REVISION = "0010_trail_chain"


def _before_chain(app) -> str:
    from alembic.script import ScriptDirectory

    config = app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_revision(CHAIN_REVISION).down_revision


def test_the_migration_chains_the_entries_already_written_in_id_order(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key", "RATELIMIT_STORAGE_URI": "memory://",
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "before.sqlite3")})
    with app.app_context():
        before = _before_chain(app)
        flask_migrate.upgrade(revision=before)
        with db.engine.begin() as connection:
            for n, action in ((3, "user.create"), (1, "login.success"), (2, "case.create")):
                connection.execute(text(
                    "INSERT INTO audit_entries (id, occurred_at, actor_name, capacity, action, object_type, "
                    "object_id, after) VALUES (:id, :at, 'system', 'system', :action, 'user', :id, :after)"),
                    {"id": n, "at": datetime(2026, 1, n, 12, 0, tzinfo=UTC).replace(tzinfo=None),
                     "action": action, "after": '{"n": %d, "namn": "Åsa"}' % n})
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            result = chain.verify(connection)
            seqs = connection.execute(text("SELECT id, chain_seq FROM audit_entries ORDER BY id")).all()
        assert result.intact and result.entries == 3
        assert [tuple(row) for row in seqs] == [(1, 1), (2, 2), (3, 3)]
        # New entries continue the chain from the migrated head.
        record(SYSTEM, "user.update", "user", 1)
        db.session.commit()
        with db.engine.connect() as connection:
            assert chain.verify(connection).entries == 4
        flask_migrate.downgrade(revision=before)
        with db.engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("audit_entries")}
            assert "entry_hash" not in columns and not inspect(connection).has_table("audit_chain_head")
        db.session.remove()
        db.engine.dispose()
