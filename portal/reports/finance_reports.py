"""Finance reports: write-offs by execution date (RULINGS 19), overdue receivables as the ledger
stands today (the restlängd in age buckets), and instalment plans as the follow-up sees them today."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, literal_column, select

from portal import clock
from portal.cases.models import Case, CaseInvoice, Decision
from portal.extensions import db
from portal.receivables.followup import STATUS_LABELS, executed_plans, follow
from portal.receivables.models import CLOSED_STAGES, STAGE_LABELS, Customer, Invoice
from portal.reports import batch_decisions
from portal.reports.labels import write_off_reason_label
from portal.reports.models import ReceivablesSnapshot, ReceivablesSnapshotLine
from portal.reports.queries import (
    Filters,
    LegalPerson,
    Organisation,
    case_conditions,
    chosen_units,
    in_period,
    invoice_conditions,
    legal_persons,
    month_of,
    snapshot_conditions,
    year_of,
)
from portal.reports.rules import AGE_BUCKETS, thousands
from portal.reports.tables import Bar, Built, Chart, Column, Kind, Report, Table, apart

WRITE_OFF = "write_off"
INVOICES_LISTED = 5_000


# --- write-offs ----------------------------------------------------------------------------------------

def _parts(amount: int, fees: int, interest: int) -> tuple[int, int, int]:
    """What was written off split as capital, collection costs and interest: the costs and the interest
    the case's invoices carried, the rest capital (a partial write-off gives up the costs first)."""
    fees_part = max(0, min(fees, amount))
    interest_part = max(0, min(interest, amount - fees_part))
    return amount - fees_part - interest_part, fees_part, interest_part


def write_offs(user, day: date, filters: Filters, org: Organisation) -> Report:
    lines = (select(CaseInvoice.case_id, func.sum(CaseInvoice.fees_ore).label("fees"),
                    func.sum(CaseInvoice.interest_ore).label("interest"))
             .group_by(CaseInvoice.case_id).subquery())
    year = year_of(Case.executed_on)
    rows = db.session.execute(
        select(Case.org_unit_id, year.label("year"), Case.write_off_reason, Case.write_off_final,
               func.count().label("count"), func.coalesce(func.sum(Decision.amount_ore), 0).label("amount"),
               func.coalesce(func.sum(lines.c.fees), 0).label("fees"),
               func.coalesce(func.sum(lines.c.interest), 0).label("interest"))
        .join(Decision, Decision.case_id == Case.id).outerjoin(lines, lines.c.case_id == Case.id)
        .where(Case.case_type == WRITE_OFF, Case.executed_on.is_not(None), *case_conditions(user, day, filters, org),
               in_period(Case.executed_on, filters))
        .group_by(Case.org_unit_id, year, Case.write_off_reason, Case.write_off_final)
    ).all()
    batch_lines = batch_decisions.executed_lines(user, day, filters, org)

    def build(person: LegalPerson) -> Built:
        mine = [row for row in rows if org.person_of_unit(row.org_unit_id) == person.key]
        mine_batched = [row for row in batch_lines if org.person_of_unit(row.org_unit_id) == person.key]
        years = sorted({int(row.year) for row in mine} | {clock.local(row.executed_at).year for row in mine_batched})
        capital: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        fees: dict[int, int] = defaultdict(int)
        interest: dict[int, int] = defaultdict(int)
        details: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])

        def add(unit_id: int, year: int, reason: str, final: bool, parts: tuple[int, int, int]) -> list[int]:
            department = org.department_name(unit_id)
            capital[department][year] += parts[0]
            fees[year] += parts[1]
            interest[year] += parts[2]
            kind = _("Final") if final else _("Book-keeping (the claim is kept)")
            detail = details[(department, year, write_off_reason_label(reason), kind)]
            detail[2] += sum(parts)
            return detail

        for row in mine:
            add(row.org_unit_id, int(row.year), row.write_off_reason, row.write_off_final,
                _parts(int(row.amount), int(row.fees), int(row.interest)))[0] += row.count
        for row in mine_batched:  # a batch's line gives up its open capital and its late interest
            add(row.org_unit_id, clock.local(row.executed_at).year, row.write_off_reason, row.write_off_final,
                (int(row.capital), 0, int(row.interest)))[1] += row.count
        year_columns = [Column(str(y), Kind.THOUSANDS) for y in years]
        audit_rows = [[department, *[thousands(by_year.get(y, 0)) for y in years]]
                      for department, by_year in sorted(capital.items())]
        audit_rows += [[_("Collection costs written off"), *[thousands(fees[y]) for y in years]],
                       [_("Late interest written off"), *[thousands(interest[y]) for y in years]]]
        total = {y: sum(by_year.get(y, 0) for by_year in capital.values()) + fees[y] + interest[y] for y in years}
        detail_rows = [[*key, count, lines, amount] for key, (count, lines, amount) in sorted(details.items())]
        department_table = Table(
            "departments", _("Written off per department, all years in the report"),
            [Column(_("Department etc.")), Column(_("Amount"), Kind.MONEY)],
            [[department, sum(by_year.values())] for department, by_year in sorted(capital.items())])
        return (
            [Table("audit", _("Write-offs, amount in thousands of kronor (tkr)"),
                   [Column(_("Department etc.")), *year_columns], audit_rows if years else [],
                   [_("Total"), *[thousands(total[y]) for y in years]] if years else None,
                   note=_("Departments: the capital written off. Collection costs and late interest are the amounts "
                          "the written-off invoices carried. The portal keeps no VAT of its own: VAT is in the "
                          "capital.")),
             Table("details", _("Write-offs per department, year and reason"),
                   [Column(_("Department etc.")), Column(_("Year")), Column(_("Reason")),
                    Column(_("Kind of write-off")), Column(_("Cases"), Kind.COUNT),
                    Column(_("Invoices in batch write-offs"), Kind.COUNT), Column(_("Amount"), Kind.MONEY)],
                   detail_rows, [_("Total"), "", "", "", *[sum(r[i] for r in detail_rows) for i in (4, 5, 6)]]
                   if detail_rows else None),
             department_table],
            [Chart("departments", _("Written off per department"),
                   _("The capital written off per department, all years in the report, in kronor."),
                   department_table.columns[1], [Bar(row[0], row[1]) for row in department_table.rows])],
            [])

    tables, charts, sections = apart(legal_persons(filters, org), build)
    return Report(
        "avskrivningar", _("Write-offs per department and year"),
        _("Counted by execution date (booked in the ledger); batch write-offs by the day finance marked them "
          "executed."), tables, charts, [], sections)


# --- overdue receivables -------------------------------------------------------------------------------

def bucket_labels() -> dict[str, str]:
    return {"0-30": _("0–30 days"), "31-90": _("31–90 days"), "91-180": _("91–180 days"),
            "181-365": _("181–365 days"), "over-365": _("More than 365 days")}


def bucket_sql(on: date):
    """The age bucket of an invoice's due date seen on a day, in SQL (rules.AGE_BUCKETS' limits)."""
    whens = [(Invoice.due_date >= on - timedelta(days=high), key) for key, _low, high in AGE_BUCKETS if high]
    return case(*whens, else_="over-365")


def overdue_conditions(user, day: date, filters: Filters, org: Organisation) -> list:
    """Overdue invoices the reader sees. `open_amount_ore > 0` is written out (not a parameter) so the
    databases see it matches the partial index `ix_invoices_overdue` that holds every column read."""
    return [Invoice.due_date < day, Invoice.open_amount_ore > literal_column("0"),
            Invoice.collection_stage.not_in(CLOSED_STAGES), *invoice_conditions(user, day, filters, org),
            in_period(Invoice.due_date, filters)]


def overdue_by_unit(user, day: date, filters: Filters, org: Organisation):
    """The restlängd as one aggregate in the database: overdue invoices counted and summed per unit and
    age bucket (a few hundred rows whatever the ledger's size), read from `ix_invoices_overdue`."""
    bucket = bucket_sql(day)
    return (select(Invoice.org_unit_id, bucket.label("bucket"), func.count().label("count"),
                   func.sum(Invoice.open_amount_ore).label("amount"))
            .where(*overdue_conditions(user, day, filters, org)).group_by(Invoice.org_unit_id, bucket))


def overdue(user, day: date, filters: Filters, org: Organisation) -> Report:
    conditions = overdue_conditions(user, day, filters, org)
    rows = db.session.execute(overdue_by_unit(user, day, filters, org)).all()
    year, month = year_of(Invoice.due_date), month_of(Invoice.due_date)
    by_month = db.session.execute(
        select(Invoice.org_unit_id, year.label("year"), month.label("month"), func.count().label("count"),
               func.sum(Invoice.open_amount_ore).label("amount"))
        .where(*conditions).group_by(Invoice.org_unit_id, year, month)).all()
    month_ends = _month_ends(user, day, filters, org)
    keys = [key for key, _low, _high in AGE_BUCKETS]
    labels = bucket_labels()

    def build(person: LegalPerson) -> Built:
        departments: dict[int, dict] = {}
        for row in rows:
            if org.person_of_unit(row.org_unit_id) != person.key:
                continue
            department = org.department_of.get(row.org_unit_id, row.org_unit_id)
            entry = departments.setdefault(department, {"count": 0, **{key: 0 for key in keys}})
            entry[row.bucket] += int(row.amount)
            entry["count"] += row.count
        columns = [Column(_("Department")), Column(_("Invoices"), Kind.COUNT),
                   *[Column(labels[key], Kind.MONEY) for key in keys], Column(_("Total"), Kind.MONEY)]
        ordered = sorted(departments.items(), key=lambda item: org.unit_names.get(item[0], ""))
        table_rows = [[org.unit_names.get(department, "—"), entry["count"], *[entry[key] for key in keys],
                       sum(entry[key] for key in keys)] for department, entry in ordered]
        totals = [_("Total"), *[sum(row[i] for row in table_rows) for i in range(1, len(columns))]]
        due: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in by_month:
            if org.person_of_unit(row.org_unit_id) == person.key:
                entry = due[f"{int(row.year):04d}-{int(row.month):02d}"]
                entry[0] += row.count
                entry[1] += int(row.amount)
        due_months = Table("due_months", _("Overdue today by the month the invoices fell due"),
                           [Column(_("Due month")), Column(_("Invoices"), Kind.COUNT),
                            Column(_("Open amount"), Kind.MONEY)],
                           [[key, count, amount] for key, (count, amount) in sorted(due.items())])
        kept: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in month_ends:
            if org.person_of_unit(row.org_unit_id) == person.key:
                entry = kept[row.month_end.isoformat()]
                entry[0] += int(row.count)
                entry[1] += int(row.amount)
        trend = Table("trend", _("Overdue at each month end"),
                      [Column(_("Month end")), Column(_("Invoices"), Kind.COUNT),
                       Column(_("Overdue amount"), Kind.MONEY)],
                      [[key, count, amount] for key, (count, amount) in sorted(kept.items())],
                      note=_("Kept at the end of each month (flask portal snapshot-month); the period chooses the "
                             "month ends."))
        buckets = Table("buckets", _("Overdue per age"), [Column(_("Age")), Column(_("Open amount"), Kind.MONEY)],
                        [[labels[key], totals[2 + i]] for i, key in enumerate(keys)] if table_rows else [])
        return (
            [Table("departments", _("Overdue receivables per department and age (restlängd)"), columns, table_rows,
                   totals if table_rows else None, row_ids=[department for department, _entry in ordered]),
             buckets, trend, due_months],
            [Chart("buckets", _("Overdue per age"), _("The open amount overdue in each age bucket, in kronor."),
                   buckets.columns[1], [Bar(row[0], row[1]) for row in buckets.rows]),
             Chart("trend", _("Overdue at month end"),
                   _("The open amount overdue at the end of each month, as kept at that month's end, in kronor."),
                   trend.columns[2], [Bar(row[0], row[2]) for row in trend.rows])],
            [])

    tables, charts, sections = apart(legal_persons(filters, org), build)
    return Report(
        "forfallna", _("Overdue receivables per department"),
        _("As the ledger stands today (%(date)s); the period chooses invoices by due date.", date=day.isoformat()),
        tables, charts, [_("Printable per department: choose a department's name in the table.")], sections)


def _month_ends(user, day: date, filters: Filters, org: Organisation) -> list:
    """The trend from history: the overdue receivables kept at each month's end per unit (the ledger
    replaces open amounts, so a past month cannot be recomputed), the reader's units under the
    filters; the period chooses the month ends."""
    line = ReceivablesSnapshotLine
    return db.session.execute(
        select(ReceivablesSnapshot.month_end, line.org_unit_id, func.sum(line.invoice_count).label("count"),
               func.sum(line.open_amount_ore).label("amount"))
        .join(line, line.snapshot_id == ReceivablesSnapshot.id)
        .where(*snapshot_conditions(user, day, filters, org), in_period(ReceivablesSnapshot.month_end, filters))
        .group_by(ReceivablesSnapshot.month_end, line.org_unit_id)).all()


def department_list(user, day: date, department_id: int, org: Organisation, with_names: bool,
                    limit: int | None = INVOICES_LISTED) -> Report:
    """The monthly overdue list of one department as the audit asked it to be sent: every overdue
    invoice, oldest first, with its age bucket (at most `limit` rows; the whole list as a job's file)."""
    filters = Filters(department_id=department_id)
    conditions = overdue_conditions(user, day, filters, org)
    bucket = bucket_sql(day)
    query = (select(Invoice.invoice_number, Customer.name, Invoice.due_date, Invoice.open_amount_ore,
                    Invoice.collection_stage, bucket.label("bucket"))
             .join(Customer, Customer.id == Invoice.customer_id).where(*conditions)
             .order_by(Invoice.due_date, Invoice.invoice_number))
    count = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    labels = bucket_labels()
    columns = [Column(_("Invoice number")), *([Column(_("Customer"))] if with_names else []),
               Column(_("Due date")), Column(_("Days overdue"), Kind.DAYS), Column(_("Age")),
               Column(_("Collection stage")), Column(_("Open amount"), Kind.MONEY)]
    rows = [[r.invoice_number, *([r.name] if with_names else []), r.due_date, (day - r.due_date).days,
             labels[r.bucket], str(STAGE_LABELS.get(r.collection_stage, r.collection_stage)), int(r.open_amount_ore)]
            for r in db.session.execute(query.limit(limit) if limit is not None else query)]
    name = org.unit_names.get(department_id, "—")
    note = None
    if len(rows) < count:
        note = _("The first %(shown)s of %(count)s rows are shown.", shown=len(rows), count=count)
    return Report(
        "forfallna", _("Overdue receivables: %(department)s", department=name),
        _("As the ledger stands today (%(date)s).", date=day.isoformat()),
        [Table("invoices", _("Overdue invoices, oldest first"), columns, rows,
               [_("Total"), *([""] if with_names else []), "", "", "", "", sum(r[-1] for r in rows)] if rows else None,
               note=note, complete=len(rows) == count)])


# --- instalment plans ---------------------------------------------------------------------------------

PLAN_STATUSES = tuple(STATUS_LABELS)  # every status the follow-up gives, whole debt due included


def plans(user, day: date, filters: Filters, org: Organisation) -> Report:
    """The follow-up's own verdict on each executed plan the reader may see (the follow-up compares each
    schedule with the payments, which is no single query), summed by status."""
    units = chosen_units(filters, org)
    followed = [plan for plan in follow(executed_plans(user, day), day)
                if (not filters.committee_id or plan.case.committee_id == filters.committee_id)
                and (units is None or plan.case.org_unit_id in units)
                and (not filters.date_from or plan.case.decision.decision_date >= filters.date_from)
                and (not filters.date_to or plan.case.decision.decision_date <= filters.date_to)]

    def build(person: LegalPerson) -> Built:
        totals: dict[str, list[int]] = {status: [0, 0, 0, 0] for status in PLAN_STATUSES}
        per_department: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for plan in followed:
            if org.person_of_committee(plan.case.committee_id) != person.key:
                continue
            entry = totals[plan.status.status]
            entry[0] += 1
            entry[1] += plan.case.decision.amount_ore
            entry[2] += plan.status.paid_ore
            entry[3] += plan.status.owed_now_ore
            department = per_department[(org.department_name(plan.case.org_unit_id), plan.status.label)]
            department[0] += 1
            department[1] += plan.status.owed_now_ore
        status_rows = [[str(STATUS_LABELS[status]), *totals[status]] for status in PLAN_STATUSES]
        status_table = Table(
            "statuses", _("Instalment plans by status"),
            [Column(_("Status")), Column(_("Plans"), Kind.COUNT), Column(_("Amount of the plans"), Kind.MONEY),
             Column(_("Paid since the decision"), Kind.MONEY), Column(_("Due and not paid"), Kind.MONEY)],
            status_rows, [_("Total"), *[sum(row[i] for row in status_rows) for i in range(1, 5)]])
        return (
            [status_table,
             Table("departments", _("Instalment plans per department and status"),
                   [Column(_("Department")), Column(_("Status")), Column(_("Plans"), Kind.COUNT),
                    Column(_("Due and not paid"), Kind.MONEY)],
                   [[*key, count, owed] for key, (count, owed) in sorted(per_department.items())])],
            [Chart("statuses", _("Instalment plans by status"), _("The number of executed plans in each status."),
                   status_table.columns[1], [Bar(row[0], row[1]) for row in status_rows])],
            [])

    tables, charts, sections = apart(legal_persons(filters, org), build)
    return Report(
        "planer", _("Instalment plans: on track, late and broken"),
        _("As followed up today (%(date)s); the period chooses plans by decision date.", date=day.isoformat()),
        tables, charts, [], sections)
