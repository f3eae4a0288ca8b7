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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
            listener = lambda *a: statements.append(a[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            found = search_customers(query, date.today())
            event.remove(db.engine, "before_cursor_execute", listener)
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                search_customers(query, date.today())
                times.append(time.perf_counter() - started)
                db.session.rollback()
            print(f"{label:30} {statistics.median(times) * 1000:7.1f} ms  {len(found):3} found  "
                  f"{len(statements)} queries")


if __name__ == "__main__":
    main()
