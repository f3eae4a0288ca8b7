"""Benchmark: parse a generated 1,000,000-row ledger CSV; prints time, rows/s and peak memory.

Run: /work/main/.venv/bin/python bench/bench_ledger_parse.py [--rows N] [--tracemalloc]
Peak memory is the process's maximum resident set size (it includes the file's bytes, which
the import holds anyway); --tracemalloc also reports Python's own peak allocation, at the cost of
a much slower run.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.money import format_amount
from portal.receivables.identity import luhn_check_digit
from portal.receivables.ledger_parse import DEFAULT_LEDGER_LAYOUT, iter_ledger
from portal.receivables.tabular import ParseError

STAGE_CODES = {"": "none", "P1": "reminder", "P2": "reminder", "INK": "collection_demand",
               "KFM": "payment_order", "LTB": "long_term_monitoring"}  # fmt: skip


def _customers(rng: random.Random, count: int) -> list[tuple[str, str]]:
    customers = []
    for n in range(count):
        if n % 10 == 0:  # an organisation
            body = f"{rng.choice('2589')}{rng.randint(0, 9)}{rng.randint(2, 9)}{rng.randint(0, 999999):06d}"
            customers.append((f"{body[:6]}-{body[6:]}{luhn_check_digit(body)}", f"Företag {n} AB"))
        else:
            born = date(1930, 1, 1) + timedelta(days=rng.randint(0, 30_000))
            body = born.strftime("%y%m%d") + f"{rng.randint(0, 999):03d}"
            number = f"{born:%Y%m%d}-{body[6:]}{luhn_check_digit(body)}"
            customers.append((number, f"Kund Nummer {n} Åkesson"))
    return customers


def write_ledger(path: Path, rows: int, seed: int = 1) -> None:
    """A ledger export in the default layout, Swedish Excel style: ';' and decimal comma."""
    rng = random.Random(seed)
    customers = _customers(rng, max(rows // 5, 1))
    stage_codes = list(STAGE_CODES)
    start = date(2020, 1, 1)
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, delimiter=";")
        writer.writerow(DEFAULT_LEDGER_LAYOUT.values())
        for n in range(rows):
            number, name = customers[rng.randrange(len(customers))]
            invoice_date = start + timedelta(days=rng.randrange(2000))
            original = rng.randint(100, 5_000_000)
            open_amount = original if rng.random() < 0.7 else rng.randint(0, original)
            writer.writerow((
                "raindance", str(1_000_000 + n), number, name, f"Storgatan {n % 200 + 1}",
                f"{rng.randint(100, 999)} {rng.randint(10, 99)}", "Strängnäs",
                f"U{n % 40}", f"C{n % 12}", invoice_date.isoformat(),
                (invoice_date + timedelta(days=30)).isoformat() if n % 100 else "1799-12-31",
                format_amount(original), format_amount(open_amount),
                stage_codes[n % len(stage_codes)], f"{1_000_000 + n}{n % 10}",
            ))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "ledger.csv"
        began = time.perf_counter()
        write_ledger(path, args.rows)
        print(f"generated {args.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB "
              f"in {time.perf_counter() - began:.1f} s")  # fmt: skip
        if args.tracemalloc:
            tracemalloc.start()
        began = time.perf_counter()
        data = path.read_bytes()
        rows = errors = 0
        for item in iter_ledger(data, reference_date=date(2026, 1, 1), stage_codes=STAGE_CODES):
            if isinstance(item, ParseError):
                errors += 1
            else:
                rows += 1
        elapsed = time.perf_counter() - began
    print(
        f"parsed {rows:,} rows ({errors} errors) in {elapsed:.2f} s: {rows / elapsed:,.0f} rows/s"
    )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.tracemalloc:
        print(f"tracemalloc peak {tracemalloc.get_traced_memory()[1] / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
