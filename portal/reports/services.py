"""State changes of the reports domain: the reporting deadline, and the internal-control report
issued as a document for the audit file."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import clock
from portal.audit.services import Actor, record
from portal.documents.models import DocumentKind, IssuedDocument
from portal.documents.services import document_issue
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.reports import control, pdf
from portal.reports.models import ReportingSetting


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
                           issued_by_name: str) -> IssuedDocument:
    """Check every objective now and issue the result as a PDF with a verification code; the
    document is stored as issued and never generated again."""
    day = clock.today()
    found = control.objectives(day, period)
    title = _("Internal control %(date)s", date=day.isoformat())
    return document_issue(
        actor, kind=DocumentKind.INTERNAL_CONTROL, title=title, object_type=INTERNAL_CONTROL,
        object_id=day.isoformat(),
        render=lambda code: pdf.internal_control_pdf(found, period, day, code, municipality_name, issued_by_name))


def issued_reports(limit: int = 20) -> list[IssuedDocument]:
    return list(db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.object_type == INTERNAL_CONTROL)
        .order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc()).limit(limit)))


def day_of(document: IssuedDocument) -> date:
    return date.fromisoformat(document.object_id)
