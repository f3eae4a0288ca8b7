"""The case list with 200 000 cases: each filter the page offers, first page and a deep page.

Run: python bench/bench_case_list.py [--cases N] [--database-url URL]. It builds a fresh SQLite file
(or empties the given PostgreSQL database), loads the demo organisation, bulk-inserts the cases and
times queries.case_page, median of repeated runs, plus the query count of one page render.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
from sqlalchemy import event, insert, select, text

from portal import create_app
from portal.cases.models import Case
from portal.cases.queries import CaseFilters, case_page
from portal.demo.seed import seed_demo
from portal.extensions import db
from portal.org.models import OrgUnit
from portal.receivables.models import Customer

TYPES = ["deferral", "instalment_plan", "write_off", "credit"]
STATES = ["awaiting_decision", "granted", "executed", "refused", "withdrawn", "draft"]


def _load(count: int) -> None:
    rng = random.Random(7)
    units = db.session.execute(select(OrgUnit.id, OrgUnit.committee_id).where(OrgUnit.kind == "unit")).all()
    customers = list(db.session.scalars(select(Customer.id)))
    officer = db.session.execute(text("select id from users where username = 'handlaggare'")).scalar_one()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = []
    for n in range(1, count + 1):
        unit_id, committee_id = rng.choice(units)
        submitted = start + timedelta(minutes=rng.randrange(0, 1_400_000))
        rows.append({
            "committee_id": committee_id, "customer_id": rng.choice(customers), "org_unit_id": unit_id,
            "case_type": rng.choice(TYPES), "state": rng.choice(STATES), "registry_number": f"B {n}",
            "prepared_by_id": officer, "created_at": submitted, "submitted_at": submitted, "reasons": "Bench",
            "amount_ore": rng.randrange(100_00, 200_000_00),
        })
        if len(rows) == 20_000:
            db.session.execute(insert(Case), rows)
            rows = []
    if rows:
        db.session.execute(insert(Case), rows)
    db.session.commit()


def _time(label: str, filters: CaseFilters, page: int = 1, runs: int = 15) -> None:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = case_page(filters, page=page)
        [c.customer.name for c in result.cases]
        times.append((time.perf_counter() - started) * 1000)
        db.session.expire_all()
    print(f"{label:<42} {statistics.median(times):7.1f} ms median  ({result.total} matching)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app({"SECRET_KEY": "bench-" * 8, "SQLALCHEMY_DATABASE_URI": url, "PORTAL_DEVELOPMENT": True})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        seed_demo(ledger_invoices=2_000)
        db.session.commit()
        started = time.perf_counter()
        _load(args.cases)
        print(f"{args.cases} cases inserted in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})")
        committee = db.session.execute(text("select id from committees where code = 'SN'")).scalar_one()
        unit = db.session.execute(text("select id from org_units where code = '3110'")).scalar_one()
        _time("no filter, first page", CaseFilters())
        _time("no filter, page 2 000", CaseFilters(), page=2_000)
        _time("type + state", CaseFilters(case_type="write_off", state="awaiting_decision"))
        _time("committee + state", CaseFilters(committee_id=committee, state="granted"))
        _time("unit", CaseFilters(unit_id=unit))
        _time("amount 10 000–20 000 kr", CaseFilters(amount_min_ore=10_000_00, amount_max_ore=20_000_00))
        _time("submitted in one month", CaseFilters(submitted_from=datetime(2025, 3, 1).date(),
                                                    submitted_to=datetime(2025, 3, 31).date()))
        _time("registry number", CaseFilters(q="B 123456"))
        _time("customer name", CaseFilters(q="Öberg"))
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        case_page(CaseFilters(state="granted"))
        print(f"queries for one page: {len(statements)}")


if __name__ == "__main__":
    main()
