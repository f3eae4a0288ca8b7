"""The overdue report at scale (one aggregate read from its index, as many statements for a long
ledger as for a short one) and its trend from the overdue receivables kept at each month's end."""

from __future__ import annotations

import contextlib
import io
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import event, func, select, text

from portal import clock
from portal.audit.models import AuditEntry
from portal.audit.services import SYSTEM
from portal.cli import portal_cli
from portal.demo import history
from portal.extensions import db
from portal.reports import finance_reports, queries, services
from portal.reports.models import ReceivablesSnapshot, ReceivablesSnapshotLine

TODAY = date(2026, 11, 23)
MONTH_END = date(2026, 10, 31)


def _build(user, **filters):
    return finance_reports.overdue(user, clock.today(), queries.Filters(**filters), queries.organisation())


def _table(report, key):
    return next(table for table in report.tables if table.key == key)


@contextlib.contextmanager
def _counting():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# --- at scale --------------------------------------------------------------------------------------

def test_the_overdue_report_sends_as_many_statements_for_a_long_ledger_as_for_a_short_one(town, make):
    make.invoice(town.customer, town.unit, town.category, due_date=TODAY - timedelta(days=40))
    org = queries.organisation()
    with _counting() as short:
        finance_reports.overdue(town.auditor, TODAY, queries.Filters(), org)
    for n in range(60):
        make.invoice(make.customer(f"Kund {n}"), (town.unit, town.other_unit)[n % 2], town.category,
                     due_date=TODAY - timedelta(days=n * 9 + 1), original_ore=(n + 1) * 100_00)
    with _counting() as long:
        report = finance_reports.overdue(town.auditor, TODAY, queries.Filters(), org)
    assert len(long) == len(short) <= 4, long
    assert _table(report, "departments").totals[1] == 61


def test_the_overdue_aggregate_reads_its_partial_index(town, make):
    make.invoice(town.customer, town.unit, town.category, due_date=TODAY - timedelta(days=40))
    query = finance_reports.overdue_by_unit(town.auditor, TODAY, queries.Filters(), queries.organisation())
    dialect = db.session.get_bind().dialect
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    assert "open_amount_ore > 0" in sql  # written out, so the partial index's condition is seen to hold
    if dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table is read whole otherwise
        plan = "\n".join(db.session.scalars(text("EXPLAIN " + sql)))
    else:
        plan = "\n".join(str(row[-1]) for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_invoices_overdue" in plan, plan


# --- month-end snapshots ---------------------------------------------------------------------------

def _ledger(town, make):
    """Overdue at the end of October: 100 kr (1 day), 400 kr (45 days) in Norr, 900 kr (400 days) in
    Syd. Not overdue then: due on 31 October itself, due in November, paid, or written off."""
    make.invoice(town.customer, town.unit, town.category, due_date=MONTH_END - timedelta(days=1), original_ore=100_00)
    make.invoice(town.customer, town.unit, town.category, due_date=MONTH_END - timedelta(days=45), original_ore=400_00)
    make.invoice(town.customer, town.other_unit, town.category, due_date=MONTH_END - timedelta(days=400),
                 original_ore=900_00)
    make.invoice(town.customer, town.unit, town.category, due_date=MONTH_END, original_ore=7_000_00)
    make.invoice(town.customer, town.unit, town.category, due_date=date(2026, 11, 5), original_ore=7_000_00)
    make.invoice(town.customer, town.unit, town.category, due_date=date(2026, 1, 5), original_ore=7_000_00, open_ore=0)
    make.invoice(town.customer, town.unit, town.category, due_date=date(2026, 1, 5), original_ore=7_000_00,
                 stage="written_off")


def test_the_month_just_ended_is_kept_per_unit_and_age_once(town, make):
    _ledger(town, make)
    taken = services.month_snapshot_take(SYSTEM, TODAY)
    assert taken.new and taken.snapshot.month_end == MONTH_END
    assert (taken.snapshot.invoice_count, taken.snapshot.open_amount_ore) == (3, 1_400_00)
    lines = {(line.org_unit_id, line.bucket): (line.invoice_count, line.open_amount_ore)
             for line in taken.snapshot.lines}
    assert lines == {(town.unit.id, "0-30"): (1, 100_00), (town.unit.id, "31-90"): (1, 400_00),
                     (town.other_unit.id, "over-365"): (1, 900_00)}
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "receivables_snapshot.take")).one()
    assert entry.object_id == str(taken.snapshot.id)
    # Again in the same month: nothing changes, nothing is recorded.
    make.invoice(town.customer, town.unit, town.category, due_date=date(2026, 9, 1), original_ore=5_000_00)
    again = services.month_snapshot_take(SYSTEM, date(2026, 11, 30))
    assert not again.new and again.snapshot.id == taken.snapshot.id
    assert db.session.scalar(select(func.count()).select_from(ReceivablesSnapshotLine)) == 3
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "receivables_snapshot.take")) == 1
    # The next month is a snapshot of its own.
    assert services.month_snapshot_take(SYSTEM, date(2026, 12, 1)).snapshot.month_end == date(2026, 11, 30)
    assert db.session.scalar(select(func.count()).select_from(ReceivablesSnapshot)) == 2


def test_the_trend_reads_the_kept_months_not_todays_ledger(town, make):
    _ledger(town, make)
    services.month_snapshot_take(SYSTEM, date(2026, 10, 1))  # the end of September
    services.month_snapshot_take(SYSTEM, TODAY)  # the end of October
    # Everything is paid since: today's ledger has nothing overdue, the kept months stand.
    for invoice in town.customer.invoices:
        invoice.open_amount_ore = 0
    db.session.flush()
    report = _build(town.auditor)
    assert _table(report, "departments").rows == []
    trend = _table(report, "trend")
    assert trend.rows == [["2026-09-30", 2, 1_300_00], ["2026-10-31", 3, 1_400_00]]
    assert [bar.value for bar in next(c for c in report.charts if c.key == "trend").bars] == [1_300_00, 1_400_00]
    assert "snapshot-month" in trend.note
    # The period chooses month ends; a unit chosen counts its own lines.
    assert _table(_build(town.auditor, date_from=date(2026, 10, 1)), "trend").rows == [["2026-10-31", 3, 1_400_00]]
    assert _table(_build(town.auditor, unit_id=town.other_unit.id), "trend").rows == [
        ["2026-09-30", 1, 900_00], ["2026-10-31", 1, 900_00]]


def test_each_reader_counts_only_the_kept_lines_of_units_they_see(town, make, client):
    _ledger(town, make)
    services.month_snapshot_take(SYSTEM, TODAY)
    assert _table(_build(town.head), "trend").rows == [["2026-10-31", 2, 500_00]]  # Hemtjänst Norr only
    assert _table(_build(town.other_head), "trend").rows == [["2026-10-31", 1, 900_00]]
    assert _table(_build(town.finance), "trend").rows == [["2026-10-31", 3, 1_400_00]]
    client.login("skolchef")  # another committee's department head: nothing of Socialnämnden's
    assert _table(_build(_user("skolchef")), "trend").rows == []
    page = client.get("/rapporter/forfallna").get_data(as_text=True)
    assert "2026-10-31" not in page
    assert "2026-10-31" not in client.get("/rapporter/forfallna.csv").get_data(as_text=True)
    workbook = load_workbook(io.BytesIO(client.get("/rapporter/forfallna.xlsx").data))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "2026-10-31" not in cells
    client.post_form("/logga-ut")
    client.login("chef.norr")
    page = client.get("/rapporter/forfallna").get_data(as_text=True)
    assert "2026-10-31" in page and "Förfallet vid varje månadsskifte" in page
    csv = client.get("/rapporter/forfallna.csv").get_data(as_text=True)
    assert "2026-10-31;2;500,00" in csv


def _user(username):
    from portal.auth.models import User

    return db.session.scalars(select(User).where(User.username == username)).one()


def test_the_command_keeps_the_month_once(app, town, make):
    _ledger(town, make)
    runner = app.test_cli_runner()
    outputs = [runner.invoke(portal_cli, ["snapshot-month"]) for _ in range(2)]
    assert all(result.exit_code == 0 for result in outputs), outputs[0].output
    assert "Month end 2026-10-31 kept: 3 overdue invoices, 1400.00 kr." in outputs[0].output
    assert "already kept (nothing changed)" in outputs[1].output
    assert db.session.scalar(select(func.count()).select_from(ReceivablesSnapshot)) == 1


# --- the demo's past month ends --------------------------------------------------------------------

def test_the_demo_rebuilds_past_month_ends_from_its_ledger_and_payments(town, make):
    """At the end of September: an invoice paid in October was still owed, one invoiced in October did
    not exist yet, one written off never counts; today's open amount plus what came in later."""
    paid_later = make.invoice(town.customer, town.unit, town.category, invoice_date=date(2026, 7, 1),
                              due_date=date(2026, 8, 1), original_ore=500_00, open_ore=0, stage="paid")
    make.payment(paid_later, date(2026, 10, 10), 500_00)
    part_paid = make.invoice(town.customer, town.other_unit, town.category, invoice_date=date(2026, 5, 1),
                             due_date=date(2026, 6, 1), original_ore=300_00, open_ore=100_00)
    make.payment(part_paid, date(2026, 10, 20), 150_00)
    make.payment(part_paid, date(2026, 7, 1), 50_00)  # before the month end: it was not owed then
    make.invoice(town.customer, town.unit, town.category, invoice_date=date(2026, 10, 2),
                 due_date=date(2026, 9, 20), original_ore=9_000_00)  # invoiced after the month end
    make.invoice(town.customer, town.unit, town.category, invoice_date=date(2026, 1, 1),
                 due_date=date(2026, 2, 1), original_ore=8_000_00, stage="written_off")
    make.invoice(town.customer, town.unit, town.category, invoice_date=date(2026, 9, 1),
                 due_date=date(2026, 10, 1), original_ore=200_00)  # due in October

    assert history.month_ends(TODAY, 3) == [date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31)]
    assert history.seed_month_ends(3) == "3 month-end snapshots of overdue receivables"
    kept = {s.month_end: s for s in db.session.scalars(select(ReceivablesSnapshot))}
    september = kept[date(2026, 9, 30)]
    assert {(line.org_unit_id, line.bucket): (line.invoice_count, line.open_amount_ore)
            for line in september.lines} == {(town.unit.id, "31-90"): (1, 500_00),
                                             (town.other_unit.id, "91-180"): (1, 250_00)}
    october = kept[date(2026, 10, 31)]  # paid in October: gone; the October invoices count now
    assert (october.invoice_count, october.open_amount_ore) == (3, 100_00 + 9_000_00 + 200_00)
    trend = _table(_build(town.auditor), "trend")
    assert [row[0] for row in trend.rows] == ["2026-08-31", "2026-09-30", "2026-10-31"]
    assert trend.rows[1][1:] == [2, 750_00]
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "receivables_snapshot.take")).all()
    assert len(entries) == 3 and {entry.after["source"] for entry in entries} == {"demo"}
    # Again: no month is kept twice, nothing more in the trail.
    assert history.seed_month_ends(3) == "0 month-end snapshots of overdue receivables"
    assert db.session.scalar(select(func.count()).select_from(ReceivablesSnapshot)) == 3
