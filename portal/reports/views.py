"""Report pages and the internal-control page (/rapporter)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import access, clock, jobs
from portal.cases.models import CASE_TYPE_LABELS
from portal.downloads import file_response
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org.models import Committee, OrgUnit
from portal.org.services import municipality_get
from portal.reports import control, decision_reports, exports, finance_reports, queries, services
from portal.reports.forms import PeriodForm, ReportFilterForm
from portal.reports.models import ReportExport
from portal.reports.pdf import mark_words
from portal.reports.tables import Report, report_csv, report_xlsx
from portal.web import actor, page_or_partial

bp = Blueprint("reports", __name__, url_prefix="/rapporter")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ReportKind:
    name: str  # in the URL
    title: object
    summary: object
    build: Callable[..., Report]


REPORTS = {kind.name: kind for kind in (
    ReportKind("beslut", _l("Decisions per committee, case type and month"),
               _l("count and amount, granted, partly granted and refused; by decision date"),
               decision_reports.decisions),
    ReportKind("avskrivningar", _l("Write-offs per department and year"),
               _l("book-keeping and final, by reason, in thousands of kronor as the audits print them; by execution "
                  "date"), finance_reports.write_offs),
    ReportKind("delegation", _l("Delegation compliance"),
               _l("per rule and delegate, stand-ins and further delegates, consultation, referred, not yet reported; "
                  "by decision date"), decision_reports.compliance),
    ReportKind("forfallna", _l("Overdue receivables per department"),
               _l("the restlängd in age buckets, printable per department, by due month"), finance_reports.overdue),
    ReportKind("planer", _l("Instalment plans: on track, late and broken"),
               _l("amounts paid and due, per department"), finance_reports.plans),
)}


def _report_kind(name: str) -> ReportKind:
    kind = REPORTS.get(name)
    if kind is None:
        abort(404)
    return kind


def _filters() -> tuple[ReportFilterForm, queries.Filters]:
    form = ReportFilterForm(request.args)
    form.committee.choices = [("", _("All committees"))] + [
        (str(c.id), c.name) for c in db.session.scalars(
            select(Committee).where(Committee.parent_id.is_(None)).order_by(Committee.name))]
    units = list(db.session.scalars(select(OrgUnit).order_by(OrgUnit.name)))
    form.department.choices = [("", _("All departments"))] + [
        (str(u.id), u.name) for u in units if u.kind == "department"]
    form.unit.choices = [("", _("All units"))] + [(str(u.id), u.name) for u in units if u.kind == "unit"]
    form.case_type.choices = [("", _("All case types"))] + [(t.value, str(label)) for t, label in CASE_TYPE_LABELS.items()]
    form.validate()

    def ok(field, convert=None):
        if field.errors or not field.data:
            return None
        return convert(field.data) if convert else field.data

    return form, queries.Filters(committee_id=ok(form.committee, int), department_id=ok(form.department, int),
                                 unit_id=ok(form.unit, int), case_type=ok(form.case_type),
                                 date_from=ok(form.date_from), date_to=ok(form.date_to))


def _build(kind: ReportKind) -> tuple[ReportFilterForm, Report]:
    access.require(current_user, access.VIEW_REPORTS)
    form, filters = _filters()
    return form, kind.build(current_user, clock.today(), filters, queries.organisation())


def _args() -> dict[str, str]:
    return {key: value for key, value in request.args.items() if value}


@bp.get("/")
@login_required
def index():
    access.require(current_user, access.VIEW_REPORTS)
    return render_template("reports/index.html", reports=REPORTS.values())


@bp.get("/<name>")
@login_required
def report(name: str):
    kind = _report_kind(name)
    form, built = _build(kind)
    return page_or_partial("reports/report.html", "reports/_report_results.html",
                           status=422 if form.errors else 200, form=form, report=built, kind=kind, args=_args())


def _file_name(built: Report, extension: str) -> str:
    return f"{built.title} {clock.today().isoformat()}.{extension}"


@bp.get("/<name>.csv")
@login_required
def report_csv_file(name: str):
    _form, built = _build(_report_kind(name))
    return file_response(report_csv(built), "text/csv; charset=utf-8", _file_name(built, "csv"))


@bp.get("/<name>.xlsx")
@login_required
def report_xlsx_file(name: str):
    _form, built = _build(_report_kind(name))
    return file_response(report_xlsx(built), XLSX, _file_name(built, "xlsx"))


def _department_list(department_id: int) -> Report:
    department = db.get_or_404(OrgUnit, department_id)
    access.require(current_user, access.VIEW_REPORTS)
    if department.kind != "department":
        abort(404)
    return finance_reports.department_list(current_user, clock.today(), department.id, queries.organisation(),
                                           with_names=access.allowed(current_user, access.VIEW_CUSTOMERS),
                                           limit=finance_reports.INVOICES_LISTED)


@bp.get("/forfallna/forvaltningar/<id:department_id>")
@login_required
def overdue_department(department_id: int):
    built = _department_list(department_id)
    return render_template("reports/department_list.html", report=built, department_id=department_id)


def _department_file(department_id: int, extension: str, make: Callable[[Report], bytes], mimetype: str):
    """The list as a file when the page holds all of it; a longer list is made by a job (the page offers it)."""
    built = _department_list(department_id)
    if not built.tables[0].complete:
        return redirect(url_for("reports.overdue_department", department_id=department_id), code=303)
    return file_response(make(built), mimetype, _file_name(built, extension))


@bp.get("/forfallna/forvaltningar/<id:department_id>.csv")
@login_required
def overdue_department_csv(department_id: int):
    return _department_file(department_id, "csv", report_csv, "text/csv; charset=utf-8")


@bp.get("/forfallna/forvaltningar/<id:department_id>.xlsx")
@login_required
def overdue_department_xlsx(department_id: int):
    return _department_file(department_id, "xlsx", report_xlsx, XLSX)


@bp.post("/forfallna/forvaltningar/<id:department_id>/fil")
@login_required
def overdue_department_export(department_id: int):
    department = db.get_or_404(OrgUnit, department_id)
    access.require(current_user, access.VIEW_REPORTS)
    if department.kind != "department":
        abort(404)
    try:
        export = exports.export_request(actor(access.capacity(current_user, access.VIEW_REPORTS)), department,
                                        request.form.get("file_format"))
    except ValidationFailed as failure:
        db.session.rollback()
        for message in failure.errors.values():
            flash(message, "error")
        return redirect(url_for("reports.overdue_department", department_id=department_id), code=303)
    db.session.commit()
    return redirect(url_for("reports.export_page", export_id=export.id), code=303)


def _export(export_id: int) -> ReportExport:
    export = db.get_or_404(ReportExport, export_id)
    access.require(current_user, access.VIEW_REPORT_EXPORT, export)
    return export


@bp.get("/filer/<id:export_id>")
@login_required
def export_page(export_id: int):
    export = _export(export_id)
    department = db.session.get(OrgUnit, export.department_id)
    job = jobs.latest_for(exports.SUBJECT, export.id, (exports.MAKE,))
    return page_or_partial("reports/export.html", "reports/_export_status.html", export=export, job=job,
                           department=department, failed=job is not None and jobs.is_failed(job))


@bp.get("/filer/<id:export_id>/hamta")
@login_required
def export_download(export_id: int):
    export = _export(export_id)
    content = db.session.scalar(select(ReportExport.content).where(ReportExport.id == export.id))
    if content is None:
        abort(404)
    return file_response(content, exports.FORMATS[export.file_format], export.file_name)


# --- internal control ---------------------------------------------------------------------------------

def _period() -> tuple[PeriodForm, control.Period, queries.LegalPerson | None]:
    """The period and, where the municipality has companies or joint authorities, whose internal
    control: one legal person's at a time (the municipality's unless another is chosen)."""
    form = PeriodForm(request.args)
    org = queries.organisation()
    persons = queries.legal_persons(queries.Filters(), org)
    form.legal_person.choices = [(str(person.key), person.title()) for person in persons]
    form.validate()

    def ok(field):
        return None if field.errors else field.data

    if len(persons) == 1:
        return form, control.Period(ok(form.date_from), ok(form.date_to)), None
    chosen = ok(form.legal_person)
    person = org.persons.get(int(chosen)) if chosen else None
    person = person or org.persons[queries.MUNICIPALITY]
    return form, control.Period(ok(form.date_from), ok(form.date_to), tuple(org.committees_of(person)),
                                person.reports_delegated_decisions), person


@bp.get("/intern-kontroll")
@login_required
def internal_control():
    access.require(current_user, access.VIEW_INTERNAL_CONTROL)
    form, period, person = _period()
    found = control.objectives(clock.today(), period)
    return page_or_partial("reports/internal_control.html", "reports/_internal_control_results.html",
                           status=422 if form.errors else 200, form=form, period=period, objectives=found,
                           person=person, issued=services.issued_reports(), mark_words=mark_words,
                           within_days=control.report_within_days())


@bp.post("/intern-kontroll/utfarda")
@login_required
def internal_control_issue():
    access.require(current_user, access.VIEW_INTERNAL_CONTROL)
    form, period, person = _period()
    if form.errors:
        return redirect(url_for("reports.internal_control", **request.args), code=303)
    document = services.internal_control_issue(actor(access.capacity(current_user, access.VIEW_INTERNAL_CONTROL)),
                                               period, municipality_get(), current_user.full_name,
                                               person.title() if person else None)
    db.session.commit()
    flash(_("The internal-control report was issued with verification code %(code)s.",
            code=document.verification_code), "success")
    return redirect(url_for("reports.internal_control", **request.args), code=303)
