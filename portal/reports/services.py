"""State changes of the reports domain: the reporting deadline, the internal-control report issued as
a document for the audit file, and the month-end snapshots of the overdue receivables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, func, insert, literal, literal_column, select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.audit.services import Actor, record
from portal.documents.models import DocumentKind, IssuedDocument
from portal.documents.services import document_issue
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.receivables.models import CLOSED_STAGES, Invoice
from portal.reports import control, finance_reports, pdf
from portal.reports.models import ReceivablesSnapshot, ReceivablesSnapshotLine, ReportingSetting


def reporting_setting_save(actor: Actor, setting: ReportingSetting | None, *,
                           report_within_days: int | None) -> ReportingSetting:
    """The municipality's one deadline for reporting delegated decisions, in days."""
    errors: dict[str, str] = {}
    if report_within_days is None or not 1 <= report_within_days <= 365:
        errors["report_within_days"] = _("Enter a number of days between 1 and 365.")
    elif setting is None and db.session.scalar(select(func.count()).select_from(ReportingSetting)):
        errors["report_within_days"] = _("The setting already exists; change it in the table.")
    if errors:
        raise ValidationFailed(errors)
    if setting is None:
        setting = ReportingSetting(report_within_days=report_within_days)
        db.session.add(setting)
        db.session.flush()
        record(actor, "reporting_setting.create", "reporting_setting", setting.id,
               after={"report_within_days": report_within_days})
        return setting
    before = setting.report_within_days
    if before != report_within_days:
        setting.report_within_days = report_within_days
        db.session.flush()
        record(actor, "reporting_setting.update", "reporting_setting", setting.id,
               before={"report_within_days": before}, after={"report_within_days": report_within_days})
    return setting


INTERNAL_CONTROL = "internal_control"  # the issued document's object type; its id is the day checked


def internal_control_issue(actor: Actor, period: control.Period, municipality_name: str,
                           issued_by_name: str, legal_person: str | None = None) -> IssuedDocument:
    """Check every objective now and issue the result as a PDF with a verification code; the
    document is stored as issued and never generated again. `legal_person`: whose internal control
    when the period is one company's, joint authority's or the municipality's beside them."""
    day = clock.today()
    found = control.objectives(day, period)
    title = _("Internal control %(date)s", date=day.isoformat())
    if legal_person:
        title = f"{title}: {legal_person}"
    return document_issue(
        actor, kind=DocumentKind.INTERNAL_CONTROL, title=title, object_type=INTERNAL_CONTROL,
        object_id=day.isoformat(),
        render=lambda code: pdf.internal_control_pdf(found, period, day, code, municipality_name, issued_by_name,
                                                     legal_person))


def issued_reports(limit: int = 20) -> list[IssuedDocument]:
    return list(db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.object_type == INTERNAL_CONTROL)
        .order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc()).limit(limit)))


def day_of(document: IssuedDocument) -> date:
    return date.fromisoformat(document.object_id)


# --- month-end snapshots of the overdue receivables -------------------------------------------------

@dataclass(frozen=True)
class Taken:
    snapshot: ReceivablesSnapshot
    new: bool  # False: the month had been taken before, and nothing changed


def month_ended_before(day: date) -> date:
    """The last day of the month before the one `day` is in."""
    return day.replace(day=1) - timedelta(days=1)


def month_snapshot_take(actor: Actor, today: date) -> Taken:
    """Keep the overdue receivables at the end of the month that ended most recently, per unit and
    age bucket (ages as of that last day; open amounts as the ledger stands now: run it on the first
    day of the month, before the next ledger file). Once per month: a second run changes nothing."""
    month_end = month_ended_before(today)
    bucket = finance_reports.bucket_sql(month_end)
    return month_end_keep(actor, month_end, lambda snapshot_id: (
        select(snapshot_id, Invoice.org_unit_id, bucket, func.count(), func.sum(Invoice.open_amount_ore))
        .where(Invoice.due_date < month_end, Invoice.open_amount_ore > literal_column("0"),
               Invoice.collection_stage.not_in(CLOSED_STAGES))
        .group_by(Invoice.org_unit_id, bucket)))


def month_end_keep(actor: Actor, month_end: date, lines: Callable[[ColumnElement], Select],
                   source: str = "ledger") -> Taken:
    """Keep one month end from `lines(snapshot_id)`, a select of (snapshot id, unit, bucket, count,
    open amount): one set-based statement, so no invoice passes through Python. A month kept before
    is left as it is. `source` says in the trail where the figures came from."""
    existing = db.session.scalars(select(ReceivablesSnapshot).where(ReceivablesSnapshot.month_end == month_end)).first()
    if existing is not None:
        return Taken(existing, False)
    snapshot = ReceivablesSnapshot(month_end=month_end, taken_at=clock.now(), invoice_count=0, open_amount_ore=0)
    try:
        with db.session.begin_nested():
            db.session.add(snapshot)
            db.session.flush()
    except IntegrityError:  # another run took the month meanwhile
        return Taken(db.session.scalars(select(ReceivablesSnapshot)
                                        .where(ReceivablesSnapshot.month_end == month_end)).one(), False)
    db.session.execute(insert(ReceivablesSnapshotLine).from_select(
        ["snapshot_id", "org_unit_id", "bucket", "invoice_count", "open_amount_ore"], lines(literal(snapshot.id))))
    count, amount = db.session.execute(
        select(func.coalesce(func.sum(ReceivablesSnapshotLine.invoice_count), 0),
               func.coalesce(func.sum(ReceivablesSnapshotLine.open_amount_ore), 0))
        .where(ReceivablesSnapshotLine.snapshot_id == snapshot.id)).one()
    snapshot.invoice_count, snapshot.open_amount_ore = int(count), int(amount)
    db.session.flush()
    record(actor, "receivables_snapshot.take", "receivables_snapshot", snapshot.id,
           after={"month_end": month_end.isoformat(), "invoices": snapshot.invoice_count,
                  "open_amount_ore": snapshot.open_amount_ore, "source": source})
    return Taken(snapshot, True)
