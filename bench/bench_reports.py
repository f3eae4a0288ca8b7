"""The report pages' queries on a generated municipality: each report for the auditor (the whole
municipality) and for a unit head (their share), median of repeated runs, and the query count.

    python bench/generate.py --database-url URL --invoices 2000000 ...   # first, once
    python bench/bench_reports.py --database-url URL [--runs 5]

It reads the database `generate.py` filled and changes nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, select  # noqa: E402

from portal import clock, create_app  # noqa: E402
from portal.auth.models import User  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.org.models import OrgUnit  # noqa: E402
from portal.receivables.models import Invoice  # noqa: E402
from portal.reports import control, decision_reports, finance_reports, queries  # noqa: E402

REPORTS = {
    "decisions": decision_reports.decisions,
    "write-offs": finance_reports.write_offs,
    "compliance": decision_reports.compliance,
    "overdue": finance_reports.overdue,
    "plans": finance_reports.plans,
}


def _timed(call, runs: int) -> tuple[float, int]:
    statements = 0

    def count(*_args):
        nonlocal statements
        statements += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
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
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "bench"})
    with app.test_request_context():
        invoices = db.session.scalar(select(func.count()).select_from(Invoice))
        print(f"{invoices} invoices; median of {args.runs} runs")
        readers = {name: db.session.scalars(select(User).where(User.username == name)).one()
                   for name in ("revisor", "chef.norr")}
        day = clock.today()
        department = db.session.scalars(select(OrgUnit.id).where(OrgUnit.kind == "department")).first()
        for username, reader in readers.items():
            for name, build in REPORTS.items():
                seconds, statements = _timed(
                    lambda build=build, reader=reader: build(reader, day, queries.Filters(), queries.organisation()),
                    args.runs)
                print(f"{username:10} {name:12} {seconds * 1000:9.1f} ms  {statements:3} queries")
            seconds, statements = _timed(lambda reader=reader: finance_reports.department_list(
                reader, day, department, queries.organisation(), with_names=True), args.runs)
            print(f"{username:10} {'dept. list':12} {seconds * 1000:9.1f} ms  {statements:3} queries")
        seconds, statements = _timed(lambda: control.objectives(day, control.Period()), args.runs)
        print(f"{'revisor':10} {'int. control':12} {seconds * 1000:9.1f} ms  {statements:3} queries")


if __name__ == "__main__":
    main()
