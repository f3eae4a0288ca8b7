"""Report pages and the internal-control page (/rapporter)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import access, clock
from portal.extensions import db
from portal.org.services import municipality_get
from portal.reports import control, queries, services  # noqa: F401 - queries registers the access rules
from portal.reports.forms import PeriodForm
from portal.reports.pdf import mark_words
from portal.web import actor, page_or_partial

bp = Blueprint("reports", __name__, url_prefix="/rapporter")


def _period() -> tuple[PeriodForm, control.Period]:
    form = PeriodForm(request.args)
    form.validate()

    def ok(field):
        return None if field.errors else field.data

    return form, control.Period(ok(form.date_from), ok(form.date_to))


@bp.get("/")
@login_required
def index():
    access.require(current_user, access.VIEW_INTERNAL_CONTROL)
    return page_or_partial("reports/index.html", "reports/index.html", reports=[])


@bp.get("/intern-kontroll")
@login_required
def internal_control():
    access.require(current_user, access.VIEW_INTERNAL_CONTROL)
    form, period = _period()
    found = control.objectives(clock.today(), period)
    return page_or_partial("reports/internal_control.html", "reports/_internal_control_results.html",
                           status=422 if form.errors else 200, form=form, period=period, objectives=found,
                           issued=services.issued_reports(), mark_words=mark_words,
                           within_days=control.report_within_days())


@bp.post("/intern-kontroll/utfarda")
@login_required
def internal_control_issue():
    access.require(current_user, access.VIEW_INTERNAL_CONTROL)
    form, period = _period()
    if form.errors:
        return redirect(url_for("reports.internal_control", **request.args), code=303)
    document = services.internal_control_issue(actor(access.capacity(current_user, access.VIEW_INTERNAL_CONTROL)),
                                               period, municipality_get(), current_user.full_name)
    db.session.commit()
    flash(_("The internal-control report was issued with verification code %(code)s.",
            code=document.verification_code), "success")
    return redirect(url_for("reports.internal_control", **request.args), code=303)
