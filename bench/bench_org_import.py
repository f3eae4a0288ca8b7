"""Benchmark: the organisation import at its row limit: upload (read and plan), preview, import, then
the same file again (nothing changes) and a file that drops a tenth of the appointments.

Run: .venv/bin/python bench/bench_org_import.py [--rows N] [--database URL]
Without --database a fresh SQLite file in a temporary directory is used. A PostgreSQL URL must name a
database the benchmark may empty (its public schema is dropped and rebuilt).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate
from sqlalchemy import text

from portal import clock, create_app
from portal.audit.services import Actor
from portal.auth.models import User
from portal.extensions import db
from portal.org import import_file, import_services
from portal.org.models import Committee

HEADER = "Nämnd;Enhetskod;Enhet;Överordnad enhetskod;Befattning;Befattningstyp;Anställningsnummer;Namn;E-post;Från"


def hr_file(rows: int, drop_every: int = 0) -> bytes:
    """Forty departments, units of ten positions each, every position held by its own person."""
    lines = [HEADER]
    for n in range(rows):
        department, unit = n % 40, n // 10
        if drop_every and n % drop_every == 0:
            continue
        if n < 40:
            lines.append(f"BN;D{department};Förvaltning {department};;Förvaltningschef {department};"
                         f"Förvaltningschef;E{n};Person {n};p{n}@bench.se;2024-01-01")
        else:
            lines.append(f"BN;U{unit};Enhet {unit};D{unit % 40};Handläggare {n};Avgiftshandläggare;E{n};"
                         f"Person {n};p{n}@bench.se;2024-01-01")
    return "\n".join(lines).encode()


def _timed(label: str, call):
    began = time.perf_counter()
    result = call()
    print(f"{label:<40} {time.perf_counter() - began:7.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=import_file.MAX_ROWS)
    parser.add_argument("--database")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-" + "x" * 32, "TESTING": True})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        db.session.add(Committee(name="Bänknämnden", code="BN", registry_format="{code} {year}/{number}", active=True))
        importer = User(username="bench", full_name="Bänk", password_hash="!", is_active_account=True,
                        created_at=clock.now())
        db.session.add(importer)
        db.session.commit()
        actor = Actor(importer.id, importer.username, "finance_director")
        print(f"{args.rows} rows, {db.engine.dialect.name}")
        for label, data in (("first import (all new)", hr_file(args.rows)),
                            ("same file again (nothing changes)", hr_file(args.rows)),
                            ("a tenth of the rows dropped", hr_file(args.rows, drop_every=10))):
            org_import = _timed(f"{label}: upload and plan", lambda: import_services.upload(actor, "hr.csv", data))
            db.session.commit()
            found = _timed(f"{label}: preview", lambda: import_services.preview(org_import, importer.id, clock.today()))
            counts = _timed(f"{label}: import", lambda: import_services.run(actor, org_import, found.digest()))
            db.session.commit()
            print("   ", {k: v for k, v in counts.items() if v})


if __name__ == "__main__":
    main()
