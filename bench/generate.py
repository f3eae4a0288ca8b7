"""A large municipality in the database: customers, invoices and cases on top of the demo organisation.

    python bench/generate.py --database-url URL [--customers 500000 --invoices 2000000 --cases 200000]

The size of Sweden's largest municipalities is the default (issue 14: 2 000 000 invoices, 500 000
customers, 200 000 cases); pass smaller numbers on a small machine. URL is a PostgreSQL URL
(postgresql+psycopg://user@host/db, emptied first: its public schema is dropped) or sqlite:///file
(a new file). The demo organisation, users and schemes come from `flask portal seed-demo`'s code; the
rest is inserted in batches past the ORM, deterministically (a fixed seed). Of the cases `--waiting`
await the decision of chef.norr (unit head, Hemtjänst Norr), so "Mina uppgifter" has a real queue.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.cases.models import Case, CaseInvoice  # noqa: E402
from portal.demo.seed import seed_demo  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.org.models import OrgUnit  # noqa: E402
from portal.receivables.identity import luhn_check_digit  # noqa: E402
from portal.receivables.models import Customer, Invoice, InvoiceCategory  # noqa: E402

BATCH = 20_000
FIRST = ["Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Kerstin", "Per", "Ingrid",
         "Karl", "Lena", "Nils", "Åsa", "Örjan", "Sofia", "Mohammed", "Fatima", "Ali", "Elin", "Oskar",
         "Ebba", "Hugo", "Saga", "Liam", "Maja", "Noah", "Alice", "Ella", "Björn", "Gunilla", "Håkan"]
LAST = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
        "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Öberg",
        "Lindqvist", "Åkesson", "Lindberg", "Jakobsson", "Magnusson", "Berg", "Sjöberg", "Ali", "Hassan",
        "Mohamed", "Lundgren", "Strand", "Holm", "Ek", "Forsberg", "Sandberg", "Wallin", "Engström"]
COMPANY = ["Bygg", "Fastighets", "Konsult", "Transport", "Café", "Städ", "Data", "Måleri", "Rör", "El"]
STAGES = ["none", "reminder", "collection_demand", "payment_order", "enforcement", "long_term_monitoring"]
TYPES = ["deferral", "instalment_plan", "write_off", "credit"]
STATES = ["granted", "executed", "refused", "withdrawn", "draft", "referred_to_committee"]


def _identity(rng: random.Random, n: int, organisation: bool) -> tuple[str, str]:
    if organisation:
        nine = f"55{2 + n % 8}{n % 1_000_000:06d}"  # the third digit of an organisationsnummer is 2 or more
        return "16" + nine + luhn_check_digit(nine), "organisation"
    born = date(1930, 1, 1) + timedelta(days=rng.randrange(0, 30_000))
    serial = f"{n % 1000:03d}"
    body = f"{born:%y%m%d}{serial}"
    return f"{born:%Y%m%d}{serial}{luhn_check_digit(body)}", "person"


def _flush(table, rows: list[dict]) -> None:
    """Insert the rows: COPY on PostgreSQL, the driver's executemany on SQLite."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        names = list(rows[0])
        cursor = connection.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {table.__tablename__} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[name]) if isinstance(row[name], dict) else row[name] for name in names])
    else:
        db.session.execute(insert(table), rows)
    rows.clear()


def generate(customers: int, invoices: int, cases: int, waiting: int) -> dict[str, float]:
    rng = random.Random(14)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    seed_demo(ledger_invoices=200)
    db.session.commit()
    timings["demo organisation"] = time.perf_counter() - started

    started = time.perf_counter()
    rows: list[dict] = []
    seen: set[str] = set(db.session.scalars(select(Customer.identity_number)))
    n = 0
    made = 0
    while made < customers:
        n += 1
        organisation = n % 10 == 0
        identity, kind = _identity(rng, n, organisation)
        if identity in seen:
            continue
        seen.add(identity)
        name = (f"{rng.choice(COMPANY)}firma {rng.choice(LAST)} AB" if organisation
                else f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        rows.append({"identity_number": identity, "kind": kind, "name": name, "address": f"Gatan {n % 200}",
                     "postcode": f"{10000 + n % 89999:05d}", "city": "Storstad", "protected_identity": n % 997 == 0,
                     "deceased": False, "debt_restructuring": False, "demo": True})
        made += 1
        if len(rows) >= BATCH:
            _flush(Customer, rows)
    _flush(Customer, rows)
    db.session.commit()
    timings["customers"] = time.perf_counter() - started

    started = time.perf_counter()
    customer_ids = list(db.session.scalars(select(Customer.id)))
    units = db.session.execute(select(OrgUnit.id, OrgUnit.committee_id).where(OrgUnit.kind == "unit")).all()
    categories = list(db.session.scalars(select(InvoiceCategory.id)))
    today = date.today()
    for n in range(1, invoices + 1):
        unit_id, _committee = rng.choice(units)
        due = today - timedelta(days=rng.randrange(-30, 900))
        original = rng.randrange(100_00, 30_000_00)
        rows.append({"ledger_source": "bench", "invoice_number": f"B{n:08d}", "customer_id": rng.choice(customer_ids),
                     "org_unit_id": unit_id, "category_id": rng.choice(categories), "invoice_date": due - timedelta(days=30),
                     "due_date": due, "original_amount_ore": original, "open_amount_ore": rng.choice((0, original, original // 2)),
                     "collection_stage": rng.choice(STAGES), "collection_stage_code": None,
                     "ocr_reference": f"{n:08d}{n % 10}"})
        if len(rows) >= BATCH:
            _flush(Invoice, rows)
    _flush(Invoice, rows)
    db.session.commit()
    timings["invoices"] = time.perf_counter() - started

    started = time.perf_counter()
    officer = db.session.execute(text("SELECT id FROM users WHERE username = 'handlaggare'")).scalar_one()
    north = db.session.execute(text("SELECT id, committee_id FROM org_units WHERE name = 'Hemtjänst Norr'")).one()
    first_invoice = db.session.scalar(select(Invoice.id).where(Invoice.invoice_number == "B00000001"))
    start = datetime.now(UTC) - timedelta(days=900)
    for n in range(1, cases + 1):
        is_waiting = n <= waiting
        unit_id, committee_id = north if is_waiting else rng.choice(units)
        submitted = start + timedelta(minutes=rng.randrange(0, 1_290_000))
        case_type = "write_off" if is_waiting else rng.choice(TYPES)
        rows.append({"committee_id": committee_id, "customer_id": rng.choice(customer_ids), "org_unit_id": unit_id,
                     "case_type": case_type, "state": "awaiting_decision" if is_waiting else rng.choice(STATES),
                     "registry_number": f"BENCH {n}", "prepared_by_id": officer, "created_at": submitted,
                     "submitted_at": submitted, "reasons": "Genererat ärende.", "amount_ore": rng.randrange(100_00, 4_000_00),
                     "write_off_reason": "deceased_without_assets" if case_type == "write_off" else None,
                     "write_off_final": True if case_type == "write_off" else None})
        if len(rows) >= BATCH:
            _flush(Case, rows)
    _flush(Case, rows)
    db.session.commit()
    # One invoice line for each case (the waiting ones are what Mina uppgifter asks the engine about).
    lines = db.session.execute(text(
        "INSERT INTO case_invoices (case_id, invoice_id, open_capital_ore, interest_ore, fees_ore) "
        "SELECT id, :first + (id % :invoices), amount_ore, 0, 0 FROM cases WHERE registry_number LIKE 'BENCH %'"),
        {"first": first_invoice, "invoices": invoices})
    db.session.commit()
    timings[f"cases (+{lines.rowcount} lines)"] = time.perf_counter() - started
    started = time.perf_counter()
    decided, meetings = _decisions_and_meetings(rng, start.date(), today)
    meetings += _planned_meetings(today)
    timings[f"decisions ({decided}), meetings ({meetings})"] = time.perf_counter() - started
    started = time.perf_counter()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # VACUUM also moves the trigram index's pending entries (GIN fastupdate) into the index proper,
        # as autovacuum would soon after a bulk load.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    timings["vacuum, analyze"] = time.perf_counter() - started
    return timings


DECIDED = ("granted", "executed", "refused")


def _decisions_and_meetings(rng: random.Random, first_day: date, today: date) -> tuple[int, int]:
    """A decision for every decided generated case, delegated under a rule of its committee's scheme,
    and for each committee a meeting every four weeks since the first case, each held and reporting
    the decisions made since the one before (lines and `reported_meeting_id`, as issuing does); the
    last five weeks' decisions are not yet reported. The meeting and report pages read these."""
    from portal.cases.models import Decision
    from portal.meetings.models import AgendaItem, DelegationReportLine, Meeting

    decider = db.session.execute(text("SELECT id FROM users WHERE username = 'chef.norr'")).scalar_one()
    rules = {committee_id: (version_id, rule_number, level, position_id)
             for committee_id, version_id, rule_number, level, position_id in db.session.execute(text(
                 "SELECT v.committee_id, v.id, r.number, r.level, "
                 " (SELECT p.id FROM positions p WHERE p.committee_id = v.committee_id ORDER BY p.id LIMIT 1) "
                 "FROM scheme_versions v JOIN delegation_rules r ON r.version_id = v.id "
                 "WHERE v.state = 'published' ORDER BY r.sort_order DESC"))}
    cases = db.session.execute(text(
        "SELECT id, committee_id, state, amount_ore, submitted_at FROM cases "
        "WHERE registry_number LIKE 'BENCH %' AND state IN ('granted', 'executed', 'refused')")).all()
    rows: list[dict] = []
    decided_on: dict[int, list[tuple[date, int]]] = {}
    now = datetime.now(UTC)
    for case_id, committee_id, state, amount, submitted in cases:
        if committee_id not in rules:
            continue
        version_id, rule_number, level, position_id = rules[committee_id]
        submitted = submitted if isinstance(submitted, datetime) else datetime.fromisoformat(str(submitted))
        day = min(submitted.date() + timedelta(days=rng.randrange(1, 20)), today)
        rows.append({"case_id": case_id, "outcome": "refused" if state == "refused" else "granted",
                     "decision_date": day, "decided_at": now, "decided_by_id": decider, "capacity": "holder",
                     "position_id": position_id, "scheme_version_id": version_id, "rule_number": rule_number,
                     "rule_level": level, "rule_kind": "ordinary", "amount_ore": amount, "terms": {},
                     "reasons": "Genererat beslut.", "no_conflict_confirmed": True})
        if len(rows) >= BATCH:
            _flush(Decision, rows)
    _flush(Decision, rows)
    db.session.commit()
    for decision_id, committee_id, day in db.session.execute(text(
            "SELECT d.id, c.committee_id, d.decision_date FROM decisions d JOIN cases c ON c.id = d.case_id "
            "WHERE c.registry_number LIKE 'BENCH %'")):
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        decided_on.setdefault(committee_id, []).append((day, decision_id))
    meetings = 0
    for committee_id, decisions in decided_on.items():
        decisions.sort()
        day, position = first_day + timedelta(days=28), 0
        while day <= today - timedelta(days=35):
            meeting = Meeting(committee_id=committee_id, meeting_date=day, place="Sessionssalen", state="held",
                              minutes_approved_on=day + timedelta(days=3), minutes_posted_on=day + timedelta(days=4),
                              created_at=now)
            db.session.add(meeting)
            db.session.flush()
            item = AgendaItem(meeting_id=meeting.id, paragraph=1, kind="delegation_report", proposal="Läggs till handlingarna.")
            db.session.add(item)
            db.session.flush()
            reported = []
            while position < len(decisions) and decisions[position][0] <= day:
                reported.append(decisions[position][1])
                position += 1
            lines = [{"decision_id": d, "meeting_id": meeting.id, "agenda_item_id": item.id} for d in reported]
            for chunk in range(0, len(lines), BATCH):
                _flush(DelegationReportLine, lines[chunk:chunk + BATCH])
            if reported:
                db.session.execute(text(f"UPDATE decisions SET reported_meeting_id = {meeting.id} "
                                        f"WHERE id IN (SELECT decision_id FROM delegation_report_lines "
                                        f"WHERE meeting_id = {meeting.id})"))
            meetings += 1
            day += timedelta(days=28)
        db.session.commit()
    return len(cases), meetings


def _planned_meetings(today: date) -> int:
    """Each committee's next meeting, a week ahead, with the delegation report on its agenda and not
    issued: its page lists what is not yet reported."""
    from portal.meetings.models import AgendaItem, Meeting

    committees = list(db.session.scalars(text("SELECT DISTINCT committee_id FROM meetings")))
    for committee_id in committees:
        meeting = Meeting(committee_id=committee_id, meeting_date=today + timedelta(days=7), place="Sessionssalen",
                          state="planned", created_at=datetime.now(UTC))
        db.session.add(meeting)
        db.session.flush()
        db.session.add(AgendaItem(meeting_id=meeting.id, paragraph=1, kind="delegation_report",
                                  proposal="Läggs till handlingarna."))
    db.session.commit()
    return len(committees)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--customers", type=int, default=500_000)
    parser.add_argument("--invoices", type=int, default=2_000_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--waiting", type=int, default=300, help="cases awaiting chef.norr's decision")
    args = parser.parse_args()
    url = args.database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    os.environ["PORTAL_DEVELOPMENT"] = "1"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" * 8})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        total = time.perf_counter()
        for step, seconds in generate(args.customers, args.invoices, args.cases, args.waiting).items():
            print(f"{step:32} {seconds:8.1f} s", flush=True)
        print(f"{'total':32} {time.perf_counter() - total:8.1f} s")


if __name__ == "__main__":
    main()
