"""The overdue report (restlängd) and the month-end snapshot on a generated ledger: median time of
repeated runs, the statements sent, and the plan PostgreSQL chose for the aggregate.

    python bench/generate.py --database-url URL --invoices 2000000 ...   # first, once
    python bench/bench_overdue.py --database-url URL [--runs 5]

The snapshot is taken and rolled back, so the database is left as it was.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, select, text  # noqa: E402

from portal import clock, create_app  # noqa: E402
from portal.audit.services import SYSTEM  # noqa: E402
from portal.auth.models import User  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.receivables.models import Invoice  # noqa: E402
from portal.reports import finance_reports, queries, services  # noqa: E402


def _timed(call, runs: int) -> tuple[float, int]:
    statements = 0

    def count(*_args):
        nonlocal statements
        statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    db.session.rollback()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
        db.session.rollback()
    return statistics.median(times), statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ["PORTAL_DEVELOPMENT"] = "1"
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "bench-" * 8})
    with app.test_request_context():
        day = clock.today()
        invoices = db.session.scalar(select(func.count()).select_from(Invoice))
        overdue = db.session.scalar(select(func.count()).select_from(Invoice).where(
            *finance_reports.overdue_conditions(_user("revisor"), day, queries.Filters(), queries.organisation())))
        print(f"{invoices} invoices, {overdue} overdue today; median of {args.runs} runs")
        org = queries.organisation()
        for username in ("revisor", "chef.norr"):
            reader = _user(username)
            seconds, statements = _timed(lambda reader=reader: finance_reports.overdue(
                reader, day, queries.Filters(), org), args.runs)
            print(f"{username:10} overdue report   {seconds * 1000:9.1f} ms  {statements:3} statements")
        seconds, statements = _timed(lambda: services.month_snapshot_take(SYSTEM, day), args.runs)
        print(f"{'system':10} month snapshot   {seconds * 1000:9.1f} ms  {statements:3} statements")
        if db.engine.dialect.name == "postgresql":
            query = finance_reports.overdue_by_unit(_user("revisor"), day, queries.Filters(), org)
            sql = str(query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
            print("\n".join(db.session.scalars(text("EXPLAIN (ANALYZE, BUFFERS) " + sql))))
            db.session.rollback()


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


if __name__ == "__main__":
    main()
