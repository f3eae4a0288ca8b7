"""Customer search against a generated municipality (bench/generate.py): each kind of search, in process,
median of repeated runs, and the queries it sends.

    python bench/customer_search_at_scale.py --database-url URL
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

# BENCH_CODE=/path/to/another/checkout measures that checkout's search (e.g. main before a change).
sys.path.insert(0, os.environ.get("BENCH_CODE") or str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.receivables.queries import search_customers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    os.environ["PORTAL_DEVELOPMENT"] = "1"
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "bench-" * 8})
    with app.app_context():
        customers = db.session.execute(text("SELECT count(*) FROM customers")).scalar()
        identity = db.session.execute(text("SELECT identity_number FROM customers WHERE kind = 'person' "
                                           "ORDER BY id DESC LIMIT 1")).scalar()
        company = db.session.execute(text("SELECT identity_number FROM customers WHERE kind = 'organisation' "
                                          "ORDER BY id DESC LIMIT 1")).scalar()
        invoice, ocr = db.session.execute(text("SELECT invoice_number, ocr_reference FROM invoices "
                                               "WHERE ocr_reference IS NOT NULL ORDER BY id DESC LIMIT 1")).one()
        searches = {
            "name, common (andersson)": "andersson",
            "name, common first name (örjan)": "örjan",
            "name, rare (sjöberg h)": "sjöberg h",
            "name, no match (qqqzz)": "qqqzz",
            "personnummer": f"{identity[:8]}-{identity[8:]}",
            "organisationsnummer": f"{company[2:8]}-{company[8:]}",
            "invoice number": invoice,
            "OCR number": ocr,
        }
        print(f"{customers} customers, {db.engine.dialect.name}; median of {args.runs} runs")
        floor = []
        for _ in range(args.runs):
            started = time.perf_counter()
            db.session.execute(text("SELECT 1")).scalar()
            floor.append(time.perf_counter() - started)
            db.session.rollback()
        print(f"{'SELECT 1 (the floor per query)':30} {statistics.median(floor) * 1000:7.1f} ms")
        for label, query in searches.items():
            statements: list[str] = []
            listener = lambda *a: statements.append((a[2], a[3]))  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            found = search_customers(query, date.today())
            event.remove(db.engine, "before_cursor_execute", listener)
            times, cpu = [], []
            for _ in range(args.runs):
                started, started_cpu = time.perf_counter(), time.process_time()
                search_customers(query, date.today())
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
                db.session.rollback()
            # The database's own time for the statements (EXPLAIN ANALYZE's execution time, PostgreSQL):
            # the search without the round trips and the wait for a core on a loaded machine.
            server = [_server_ms(statement, parameters) for statement, parameters in statements]
            print(f"{label:30} {statistics.median(times) * 1000:7.1f} ms  (CPU here {statistics.median(cpu) * 1000:5.1f} ms"
                  f", database {sum(server):5.1f} ms)  {len(found):3} found  {len(statements)} queries")


def _server_ms(statement: str, parameters) -> float:
    """The median execution time of one statement as PostgreSQL reports it (0 on SQLite)."""
    if db.engine.dialect.name != "postgresql":
        return 0.0
    runs = []
    connection = db.session.connection().connection.driver_connection
    for _ in range(5):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            runs.append(cursor.fetchone()[0][0]["Execution Time"])
    db.session.rollback()
    return statistics.median(runs)


if __name__ == "__main__":
    main()
