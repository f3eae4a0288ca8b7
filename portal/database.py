"""Engine set-up the ORM does not do by itself: SQLite pragmas and real transactions."""

from __future__ import annotations

from sqlalchemy import Engine, event


def configure_engine(engine: Engine) -> None:
    """Give SQLite foreign keys, a busy timeout and transactions that SAVEPOINT works in.

    pysqlite starts transactions lazily and breaks SAVEPOINT; the recipe from the SQLAlchemy
    documentation takes over BEGIN so that nested transactions (tests, services) behave as on
    PostgreSQL.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # pragma: no cover - exercised by every test
        connection.exec_driver_sql("BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN")


def wants_write_lock() -> bool:
    """A request that decides takes SQLite's write lock when it begins, so a second decider waits
    for the first to commit instead of failing halfway (PostgreSQL locks rows instead)."""
    from flask import g, has_app_context

    return has_app_context() and bool(g.get("sqlite_write_lock"))


def take_write_lock() -> None:
    """Ask for the write lock from the first statement of this request's transaction on."""
    from flask import g

    g.sqlite_write_lock = True
