"""Benchmark: import a generated 1,000,000-row ledger into the database, then import it again.

Run: /work/main/.venv/bin/python bench/bench_ledger_import.py [--rows N] [--database URL]
Without --database a fresh SQLite file in a temporary directory is used. A PostgreSQL URL must
name a database the benchmark may empty (its public schema is dropped and rebuilt). Prints the
time and rows/s of reading (parse and code checks), classifying against the database and
writing, for the first import (all rows new) and for the same file again (all unchanged).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import flask_migrate
from bench_ledger_parse import STAGE_CODES, write_ledger
from sqlalchemy import func, select, text

from portal import create_app
from portal.audit.services import SYSTEM
from portal.extensions import db
from portal.org.models import Committee, OrgUnit
from portal.receivables import imports
from portal.receivables.models import CollectionStageCode, Invoice, InvoiceCategory


def _prepare_tables() -> None:
    committee = Committee(name="Bänknämnden", code="BN", registry_format="{code} {year}/{number}",
                          active=True)
    db.session.add(committee)
    db.session.flush()
    for n in range(40):
        db.session.add(OrgUnit(name=f"Enhet {n}", kind="department", code=f"U{n}",
                               committee_id=committee.id, active=True))
    for n in range(12):
        db.session.add(InvoiceCategory(code=f"C{n}", name=f"Kategori {n}", charges_interest=True,
                                       time_bar_years=3, appealable=False, active=True))
    for code, stage in STAGE_CODES.items():
        if code:
            db.session.add(CollectionStageCode(code=code.casefold(), stage=stage))
    db.session.commit()


def _import(data: bytes, name: str) -> dict[str, float]:
    timings = {}
    ledger_import = imports.upload(SYSTEM, data=data, file_name=name, kind="ledger", mapping_id=None)
    db.session.commit()
    began = time.perf_counter()
    job = imports.import_job(ledger_import)
    db.session.commit()
    parsed = imports.read_file(job, imports.ProgressWriter(job.import_id))
    timings["read"] = time.perf_counter() - began
    assert not parsed.errors, parsed.errors[:5]
    began = time.perf_counter()
    imports.run(SYSTEM, ledger_import, parsed)
    db.session.commit()
    timings["classify and write"] = time.perf_counter() - began
    timings["total"] = timings["read"] + timings["classify and write"]
    timings["counts"] = (ledger_import.count_new, ledger_import.count_changed,
                         ledger_import.count_unchanged)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database or f"sqlite:///{directory}/bench.sqlite3"
        app = create_app({"SECRET_KEY": "bench-" * 8, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as connection:
                    connection.execute(text("DROP SCHEMA public CASCADE"))
                    connection.execute(text("CREATE SCHEMA public"))
            flask_migrate.upgrade()
            _prepare_tables()
            path = Path(directory) / "ledger.csv"
            write_ledger(path, args.rows)
            data = path.read_bytes()
            print(f"{db.engine.dialect.name}: {args.rows:,} rows, {len(data) / 1e6:.0f} MB")
            for attempt in ("first import", "same file again"):
                t = _import(data, "ledger.csv")
                print(f"{attempt}: read {t['read']:.1f} s, classify and write "
                      f"{t['classify and write']:.1f} s, total {t['total']:.1f} s = "
                      f"{args.rows / t['total']:,.0f} rows/s; new/changed/unchanged {t['counts']}")
            count = db.session.scalar(select(func.count()).select_from(Invoice))
            print(f"invoices in the database: {count:,}")
            print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
