"""How long one decision letter takes to make: the median of 50 builds of a plan's letter (the
largest: a schedule of 24 instalments), with its PDF/A post-processing. No database is needed.

    python bench/bench_decision_letter.py [--out letter.pdf]
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.cases.pdf import InvoiceRow, LetterData, build_decision_letter, build_plan_agreement  # noqa: E402
from portal.delegation.engine_types import CaseType  # noqa: E402


def sample(case_type: CaseType = CaseType.INSTALMENT_PLAN, outcome: str = "granted", **overrides) -> LetterData:
    schedule = [{"number": n, "due_date": f"{2027 + (n - 1) // 12}-{(n - 1) % 12 + 1:02d}-28",
                 "amount_ore": 1_250_00, "fees_ore": 170_00 if n == 1 else 0, "capital_ore": 1_000_00,
                 "interest_ore": 80_00} for n in range(1, 25)]
    values = dict(
        municipality_name="Demokommun", logo=None, committee_name="Socialnämnden", registry_number="SN 2026/17",
        decision_date=date(2026, 11, 23), issued_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        case_type=case_type, outcome=outcome, customer_name="<script>alert(1)</script> Åsa Öberg",
        customer_identity="19850612-****", customer_address=["Storgatan 1", "612 30 Demokommun"],
        invoices=[InvoiceRow("F1001", date(2026, 10, 31), 24_000_00, 120_00)],
        asked={"amount_ore": 24_000_00, "instalments": 30, "new_due_date": "2027-02-28"},
        granted={"amount_ore": 24_000_00, "instalments": 24, "monthly_amount_ore": 1_250_00,
                 "first_due_date": "2027-01-28", "new_due_date": "2027-01-31",
                 "write_off_reason": "deceased_without_assets", "write_off_final": True,
                 "credit_settlement": "refund", "schedule": schedule},
        reasons="Kunden har haft sjukdom i familjen och kan betala i delar.", rule_number="2.1",
        version_label="Delegationsordning 2026", adoption_reference="SN 2025-12-10 § 120",
        decider_name="Nils Norberg", decider_position="Enhetschef Hemtjänst Norr", officer_name="Hanna Holm",
        officer_email="hanna.holm@demokommun.se", appealable=True,
        original_due_date=date(2026, 10, 31), schedule=schedule,
    )
    values.update(overrides)
    return LetterData(**values)


def main() -> None:
    from portal import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "bench-" * 8})
    data = sample()
    with app.test_request_context():
        build_decision_letter(data, "ABCD-EFGH-JKMN")  # fonts and the sRGB profile load once
        timings, cpu = [], []
        for _ in range(50):
            start, start_cpu = time.perf_counter(), time.process_time()
            pdf = build_decision_letter(data, "ABCD-EFGH-JKMN")
            timings.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        if "--out" in sys.argv:
            out = Path(sys.argv[sys.argv.index("--out") + 1])
            out.write_bytes(pdf)
            for kind in CaseType:
                for outcome in ("granted", "partly_granted", "refused"):
                    letter = sample(kind, outcome, standin_for="Sara Sjöberg" if kind == CaseType.DEFERRAL else None)
                    (out.parent / f"{kind.value}-{outcome}.pdf").write_bytes(build_decision_letter(letter, "ABCD-EFGH-JKMN"))
            (out.parent / "agreement.pdf").write_bytes(build_plan_agreement(data, "ABCD-EFGH-JKMN"))
    # CPU time beside wall time: on a machine shared with other work the wall time mostly measures
    # the wait for a core, the CPU time what the letter itself costs.
    print(f"decision letter (plan, 24 instalments): median {statistics.median(timings) * 1000:.1f} ms "
          f"(CPU {statistics.median(cpu) * 1000:.1f} ms) over {len(timings)} builds, {len(pdf):,} bytes")


if __name__ == "__main__":
    main()
