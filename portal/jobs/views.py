"""The background jobs page: what is waiting, running, done or failed, and running a failed one again."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from portal import access, params
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.jobs import queries, registry, services
from portal.jobs.models import Job
from portal.web import actor

bp = Blueprint("jobs", __name__, url_prefix="/jobb")


class RetryForm(FlaskForm):
    """Only the CSRF token: the job is in the address."""


def _subject_url(job: Job) -> str | None:
    kind = registry.get(job.kind)
    if kind is None or kind.subject_endpoint is None or job.subject_id is None:
        return None
    endpoint, keyword = kind.subject_endpoint
    return url_for(endpoint, **{keyword: job.subject_id})


@bp.get("/")
@login_required
def index():
    access.require(current_user, access.VIEW_JOBS)
    failed_only = request.args.get("visa") != "alla"
    page = params.arg_int("sida", 1, minimum=1, maximum=100_000)
    jobs, total = queries.job_list(current_user, failed_only=failed_only, page=page)
    pages = max(1, -(-total // queries.PAGE_SIZE))
    return render_template("jobs/index.html", jobs=jobs, total=total, page=page, pages=pages,
                           failed_only=failed_only, form=RetryForm(), is_failed=services.is_failed,
                           kind_label=lambda name: (registry.get(name).label if registry.get(name) else name),
                           subject_url=_subject_url)


@bp.post("/<id:job_id>/forsok-igen")
@login_required
def retry(job_id: int):
    job = db.session.scalars(queries.visible_to(current_user).where(Job.id == job_id)).first()
    if job is None:
        job = db.get_or_404(Job, job_id)
        access.require(current_user, access.VIEW_JOBS, job)
    access.require(current_user, access.RETRY_JOB, job)
    if not RetryForm().validate_on_submit():
        flash(_("The form has expired; try again."), "error")
        return redirect(url_for("jobs.index"), code=303)
    try:
        services.retry(actor(access.capacity(current_user, access.RETRY_JOB)), job)
    except ValidationFailed as failure:
        db.session.rollback()
        for message in failure.errors.values():
            flash(message, "error")
        return redirect(url_for("jobs.index"), code=303)
    db.session.commit()  # queued now, or (without Redis) run before this returns
    flash(_("The job was started again."), "success")
    return redirect(_subject_url(job) or url_for("jobs.index", visa="alla"), code=303)
