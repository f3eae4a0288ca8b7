"""Benchmark of the database path: build the organisation snapshot and a verdict from SQLite holding
5,000 appointments and a 40-rule scheme, as every case page will.

Run from the repository root: `python bench/bench_delegation_db.py [--calls N]`.
Prints the median and p95 time for building the snapshot (six queries), for the whole case context
(version in force, snapshot, price base amounts) and for one verdict on it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate

from portal import create_app
from portal.delegation import queries
from portal.delegation.engine_types import CaseFacts, CaseType
from portal.delegation.models import DelegationRule, PriceBaseAmount, SchemeVersion
from portal.delegation.rules import verdict
from portal.extensions import db
from portal.org.models import Appointment, Committee, OrgUnit, Position

DAY = date(2026, 4, 15)


def build(units: int = 1_000) -> tuple[int, int]:
    """A committee of 50 departments with 20 units each, a head and four officers per unit, and
    5,000 appointments of users that do not log in (plain rows, no password hashing)."""
    from portal.auth.models import User

    committee = Committee(name="Socialnämnden", code="SN", registry_format="{code} {year}/{number}")
    db.session.add(committee)
    db.session.flush()
    now = __import__("portal.clock", fromlist=["now"]).now()
    users = [User(username=f"u{i}", full_name=f"Person {i}", password_hash="x", is_active_account=True,
                  created_at=now) for i in range(5_000)]
    db.session.add_all(users)
    departments = [OrgUnit(name=f"Förvaltning {d}", kind="department", committee_id=committee.id)
                   for d in range(50)]
    db.session.add_all(departments)
    db.session.flush()
    unit_rows = [OrgUnit(name=f"Enhet {u}", kind="unit", committee_id=committee.id,
                         parent_id=departments[u % 50].id) for u in range(units)]
    db.session.add_all(unit_rows)
    db.session.flush()
    positions = []
    for d in departments:
        positions.append(Position(title=f"Chef {d.id}", kind="department_head", committee_id=committee.id,
                                  org_unit_id=d.id))
    for u in unit_rows:
        positions.append(Position(title=f"Enhetschef {u.id}", kind="unit_head", committee_id=committee.id,
                                  org_unit_id=u.id))
        positions += [Position(title=f"Handläggare {u.id}/{k}", kind="fee_officer",
                               committee_id=committee.id, org_unit_id=u.id) for k in range(4)]
    db.session.add_all(positions)
    db.session.flush()
    db.session.add_all(Appointment(user_id=users[i].id, position_id=positions[i % len(positions)].id,
                                   starts_on=date(2024, 1, 1)) for i in range(5_000))
    db.session.add(PriceBaseAmount(year=2026, amount_ore=5_920_000, is_demo=True))
    version = SchemeVersion(committee_id=committee.id, state="published", label="Bench",
                            adoption_reference="SN 2025-12-10 § 1", valid_from=date(2026, 1, 1),
                            created_at=now)
    db.session.add(version)
    db.session.flush()
    for n in range(40):
        case_type = ("deferral", "instalment_plan", "write_off", "credit")[n % 4]
        db.session.add(DelegationRule(
            version_id=version.id, number=f"{n // 4 + 1}.{n % 4 + 1}", text="Punkt", level=n % 3 + 1,
            case_type=case_type, kind="ordinary", delegate_type="position_kind",
            delegate_position_kind="unit_head" if n % 2 else "department_head",
            delegate_scope="issuing_unit" if n % 2 else "issuing_department",
            allows_further_delegation=False, amount_basis="case", sort_order=n,
            max_amount_ore=100_000 * (n + 1),
            max_deferral_months=n % 12 + 1 if case_type == "deferral" else None,
        ))
    db.session.commit()
    return committee.id, unit_rows[7].id


def timed(function, calls: int) -> tuple[float, float]:
    samples = []
    for _ in range(calls):
        db.session.expire_all()
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SECRET_KEY": "bench-" * 8, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3"})
        with app.app_context():
            flask_migrate.upgrade()
            committee_id, unit_id = build()
            facts = CaseFacts(committee_id=committee_id, case_type=CaseType.DEFERRAL, amount_ore=400_000,
                              deferral_months=2, issuing_unit_id=unit_id, consultation_recorded=True)
            context = queries.case_context(committee_id, DAY)
            print(f"appointments: {len(context.org.appointments)}, positions: {len(context.org.positions)}, "
                  f"rules: {len(context.engine_version.rules)}")
            for name, function in (
                ("org snapshot (6 queries)", queries.org_snapshot),
                ("case context (9 queries)", lambda: queries.case_context(committee_id, DAY)),
                ("verdict on the context", lambda: verdict(facts, context.engine_version, context.org, DAY,
                                                           context.price_base_amounts)),
            ):
                median, p95 = timed(function, args.calls)
                print(f"{name:28} median {median:7.2f} ms   p95 {p95:7.2f} ms")


if __name__ == "__main__":
    main()
