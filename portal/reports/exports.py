"""A department's whole overdue list as a file, made on the job queue: a large department's list is
more than a request should build (the page shows the first rows). The job reads as the person who
asked, with what they may see, and keeps the file for them alone."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import access, clock, jobs
from portal.audit.services import Actor, record
from portal.auth.models import User
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.jobs.runner import JobContext
from portal.org.models import OrgUnit
from portal.reports import finance_reports, queries
from portal.reports.models import ReportExport
from portal.reports.tables import report_csv, report_xlsx

MAKE = "report_export.make"
SUBJECT = "report_export"
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def export_request(actor: Actor, department: OrgUnit, file_format: str | None) -> ReportExport:
    """Ask for the department's whole overdue list as a file; the job makes it after the commit."""
    if file_format not in FORMATS:
        raise ValidationFailed({"file_format": _("Choose CSV or Excel.")})
    export = ReportExport(requested_by_id=actor.user_id, requested_at=clock.now(), department_id=department.id,
                          file_format=file_format)
    db.session.add(export)
    db.session.flush()
    record(actor, "report_export.request", SUBJECT, export.id,
           after={"department_id": department.id, "file_format": file_format})
    jobs.enqueue(actor, MAKE, subject=(SUBJECT, export.id))
    return export


@jobs.job_kind(MAKE, label=_l("Report file"), view_action=access.VIEW_INTERNAL_CONTROL,
               retry_action=access.VIEW_INTERNAL_CONTROL, subject_endpoint=("reports.export_page", "export_id"))
def make(context: JobContext) -> None:
    export = db.session.get(ReportExport, context.subject_id)
    if export is None:
        raise LookupError(f"report export {context.subject_id} does not exist")
    reader = db.session.get(User, export.requested_by_id)
    report = finance_reports.department_list(
        reader, clock.today(), export.department_id, queries.organisation(),
        with_names=access.allowed(reader, access.VIEW_CUSTOMERS), limit=None)
    content = report_csv(report) if export.file_format == "csv" else report_xlsx(report)
    export.content, export.size = content, len(content)
    export.rows = len(report.tables[0].rows)
    export.file_name = f"{report.title} {clock.today().isoformat()}.{export.file_format}"
    export.made_at = clock.now()
