"""Benchmark: import a generated 1,000,000-row ledger into the database, then import it again.

Run: .venv/bin/python bench/bench_ledger_import.py [--rows N] [--database URL]
Without --database a fresh SQLite file in a temporary directory is used. A PostgreSQL URL must
name a database the benchmark may empty (its public schema is dropped and rebuilt). Prints the
wall time, this process's CPU time and rows/s of reading (parse, code checks and, for a ledger,
streaming the rows into the staging table), and of classifying against the database and writing,
for the first import (all rows new) and for the same file again (all unchanged); on PostgreSQL
the server's own work is in the wall time only. Ends with the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import os
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
from portal.receivables.models import CollectionStageCode, Invoice, InvoiceCategory, LedgerImport


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


def _server_cpu() -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend serving this database (the server runs
    on this machine: read from /proc), so its share of the import is counted as well."""
    if db.engine.dialect.name != "postgresql":
        return {}
    pids = db.session.execute(text(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars().all()
    db.session.commit()
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


def _server_seconds(before: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in _server_cpu().items())


def _import(path: Path) -> dict[str, object]:
    """Upload, read and import the file as the import job does; the file's bytes are read from
    disk here so that the process holds them only as the job would (once, from the database)."""
    timings: dict[str, object] = {}
    ledger_import = imports.upload(SYSTEM, data=path.read_bytes(), file_name=path.name, kind="ledger",
                                   mapping_id=None)
    db.session.commit()
    db.session.expire_all()
    server = _server_cpu()
    wall, cpu = time.perf_counter(), time.process_time()
    job = imports.import_job(ledger_import)
    db.session.commit()
    parsed = imports.read_file(job, imports.ProgressWriter(job.import_id))
    timings["read"] = (time.perf_counter() - wall, time.process_time() - cpu)
    assert not parsed.errors, parsed.errors[:5]
    del job
    timings["server read"] = _server_seconds(server)
    server = _server_cpu()
    wall, cpu = time.perf_counter(), time.process_time()
    imports.run(SYSTEM, db.session.get(LedgerImport, ledger_import.id), parsed)
    db.session.commit()
    timings["classify and write"] = (time.perf_counter() - wall, time.process_time() - cpu)
    timings["server write"] = _server_seconds(server)
    timings["total"] = tuple(a + b for a, b in zip(timings["read"], timings["classify and write"]))
    ledger_import = db.session.get(LedgerImport, ledger_import.id)
    timings["counts"] = (ledger_import.count_new, ledger_import.count_changed,
                         ledger_import.count_unchanged)
    db.session.expire_all()
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
            print(f"{db.engine.dialect.name}: {args.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB; "
                  f"peak RSS before importing {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
            for attempt in ("first import", "same file again"):
                t = _import(path)
                (read_wall, read_cpu), (write_wall, write_cpu) = t["read"], t["classify and write"]
                total_wall, total_cpu = t["total"]
                server_read, server_write = t["server read"], t["server write"]
                server = server_read + server_write
                on_server = (lambda seconds: f" + {seconds:.1f} s server") if server else (lambda seconds: "")
                print(f"{attempt}: read {read_wall:.1f} s wall / {read_cpu:.1f} s CPU{on_server(server_read)}, "
                      f"classify and write {write_wall:.1f} s wall / {write_cpu:.1f} s CPU"
                      f"{on_server(server_write)}; total {total_wall:.1f} s wall = "
                      f"{args.rows / total_wall:,.0f} rows/s; {total_cpu + server:.1f} s CPU = "
                      f"{args.rows / (total_cpu + server):,.0f} rows per CPU-second; "
                      f"new/changed/unchanged {t['counts']}")
            count = db.session.scalar(select(func.count()).select_from(Invoice))
            print(f"invoices in the database: {count:,}")
            print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
