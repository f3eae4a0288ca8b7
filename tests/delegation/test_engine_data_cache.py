"""The engine's data (organisation snapshot, versions in force, price base amounts) is kept per app
server while the organisation's version token stands; a trigger changes the token with every change
to the tables it is built from, so a change through any server, or past the portal, is seen by every
server at its next transaction (issue 14)."""

from __future__ import annotations

import contextlib
import re
from datetime import date

import pytest
from sqlalchemy import event, text

from portal import create_app
from portal.delegation import queries
from portal.extensions import db
from portal.org.models import ENGINE_TABLES

DAY = date(2026, 11, 23)


@contextlib.contextmanager
def counting():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    target = db.engine
    event.listen(target, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(target, "before_cursor_execute", count)


def new_transaction() -> None:
    """End the test's current (savepoint) transaction, as a request's end does."""
    db.session.commit()


def token() -> str:
    return db.session.scalar(text("SELECT token FROM org_version WHERE id = 1"))


def test_the_snapshot_is_built_once_and_then_costs_one_query_a_transaction(app, world):
    committee_id = world.sn.id
    first = queries.case_context(committee_id, DAY)
    new_transaction()
    with counting() as statements:
        again = queries.case_context(committee_id, DAY)
        queries.org_snapshot()
        queries.price_base_amounts()
    assert again.org is first.org and again.engine_version is first.engine_version
    sent = [s for s in statements if not s.startswith("SAVEPOINT")]
    assert len(sent) == 1 and sent[0].startswith("SELECT org_version.token FROM org_version"), sent


def test_a_change_in_the_same_transaction_is_seen_by_the_next_question(app, world, make):
    before = queries.org_snapshot()
    assert world.head_north.id in before.position_by_id
    newcomer = make.user("nykomling")
    make.appointment(newcomer, world.head_north, date(2026, 1, 1))
    after = queries.org_snapshot()
    assert after is not before
    assert newcomer.id in after.holders_on(world.head_north.id, DAY)


@pytest.mark.parametrize("table", ENGINE_TABLES)
def test_every_change_to_an_engine_table_changes_the_token_even_past_the_portal(app, world, make, table):
    make.absence(world.sara, date(2026, 11, 1), date(2026, 11, 30))
    make.further_delegation(world.version, "1.2", world.dept_head, world.head_north)
    make.category("VA")
    db.session.flush()
    before = token()
    db.session.execute(text(f"UPDATE {table} SET id = id WHERE id = (SELECT min(id) FROM {table})"))
    assert token() != before


def test_an_insert_and_a_delete_change_the_token_too(app, world, make):
    before = token()
    db.session.execute(text("INSERT INTO price_base_amounts (year, amount_ore, is_demo) VALUES (2031, 1, false)"))
    inserted = token()
    db.session.execute(text("DELETE FROM price_base_amounts WHERE year = 2031"))
    assert len({before, inserted, token()}) == 3


def test_the_engine_reads_only_tables_whose_changes_change_the_token(app, world, make):
    """A table the engine comes to read needs its trigger: this fails until it is in ENGINE_TABLES
    (and a migration gives it the trigger, which the test above then checks)."""
    make.further_delegation(world.version, "1.2", world.dept_head, world.head_north)
    app.extensions.pop("portal_engine_data", None)
    new_transaction()
    committee_ids = [world.sn.id, world.ks.id]
    with counting() as statements:
        queries.case_contexts(committee_ids, DAY)
    read = {name for statement in statements
            for name in re.findall(r"\b(?:FROM|JOIN) (\w+)", statement)}
    assert read - {"org_version"} <= set(ENGINE_TABLES), read - set(ENGINE_TABLES)
    assert {"appointments", "delegation_rules", "price_base_amounts"} <= read


@contextlib.contextmanager
def another_server(app):
    """A second app, as a second server process: its own kept engine data, its own sessions, on the
    same database (here the test's connection, whose transaction both servers see)."""
    other = create_app({key: app.config[key] for key in (
        "TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_STORAGE_URI")})
    engines = db._app_engines[other]
    own_engine = engines[None]
    engines[None] = db._app_engines[app][None]
    try:
        with other.app_context():
            db.session.configure(join_transaction_mode="create_savepoint")
            yield other
            db.session.remove()
    finally:
        engines[None] = own_engine
        own_engine.dispose()


def test_a_change_made_on_another_server_is_seen_at_once(app, world, make):
    kept = queries.org_snapshot()
    assert world.sara.id in kept.holders_on(world.head_south.id, DAY)
    new_transaction()
    assert queries.org_snapshot() is kept  # unchanged: this server keeps its snapshot
    with another_server(app) as other:
        assert world.sara.id in queries.org_snapshot().holders_on(world.head_south.id, DAY)
        make.absence(db.session.merge(world.sara), date(2026, 11, 20), date(2026, 11, 30))
        db.session.commit()
        assert other.extensions["portal_engine_data"] is not app.extensions["portal_engine_data"]
    new_transaction()
    seen = queries.org_snapshot()
    assert seen is not kept
    assert seen.absence_on(world.sara.id, DAY) is not None
    assert kept.absence_on(world.sara.id, DAY) is None


def test_a_page_reads_no_organisation_table_once_the_snapshot_is_kept(client, world):
    from tests import factories

    client.login("director", factories.PASSWORD)
    query = {"committee_id": world.sn.id, "amount": "5000", "issuing_unit_id": world.north.id,
             "case_type": "deferral", "deferral_months": "2"}
    first = client.get("/delegation/vem-far-besluta", query_string=query)
    assert first.status_code == 200 and "Anna Norberg" in first.get_data(as_text=True)
    with counting() as statements:
        again = client.get("/delegation/vem-far-besluta", query_string=query)
    assert again.status_code == 200 and "Anna Norberg" in again.get_data(as_text=True)
    with counting() as building:
        queries.build_org_snapshot()
        db.session.execute(text("SELECT 1"))
    assert len(building) == 7
    assert not set(statements) & set(building[:6])


def test_without_the_version_row_nothing_is_kept(app, world):
    """A schema made without the migration's row has no version to trust: every question builds."""
    db.session.execute(text("DELETE FROM org_version"))
    first = queries.org_snapshot()
    new_transaction()
    db.session.execute(text("DELETE FROM org_version"))
    assert queries.org_snapshot() is not first
