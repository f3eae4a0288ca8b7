"""My e-mail reminders (each person's own page) and the administrator's outbox."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import access, params
from portal.extensions import db
from portal.notify import jobs as _send_job  # noqa: F401 (registers the send job's kind)
from portal.notify import queries, services
from portal.notify.forms import PreferenceForm, RetryForm
from portal.notify.models import EventKind, Frequency, OutboxMail
from portal.web import actor, submitted

bp = Blueprint("notify", __name__, url_prefix="/e-post")


@bp.context_processor
def labels():
    return {"mail_kind_label": lambda kind: EventKind(kind).label}


@bp.route("/mina-paminnelser", methods=["GET", "POST"])
@login_required
def preferences():
    form = PreferenceForm()
    if not form.is_submitted():
        form.frequency.data = services.frequency_of(current_user.id).value
    ok, _saved = submitted(form, lambda: services.preference_set(actor(None), current_user,
                                                                 Frequency(form.frequency.data)))
    if ok:
        flash(_("Your choice of e-mail reminders was saved."), "success")
        return redirect(url_for("notify.preferences"), code=303)
    return render_template("notify/preferences.html", form=form,
                           mail_on=bool(current_app.config.get("SMTP_HOST")),
                           has_address=bool(current_user.email))


@bp.get("/utkorg")
@login_required
def outbox():
    access.require(current_user, access.MANAGE_MAIL)
    problems_only = request.args.get("visa") != "alla"
    page = params.arg_int("sida", 1, minimum=1, maximum=100_000)
    mails, total = queries.outbox_page(current_user, problems_only=problems_only, page=page)
    pages = max(1, -(-total // queries.PAGE_SIZE))
    return render_template("notify/outbox.html", mails=mails, total=total, page=page, pages=pages,
                           problems_only=problems_only, form=RetryForm(),
                           mail_on=bool(current_app.config.get("SMTP_HOST")))


@bp.post("/utkorg/<id:mail_id>/skicka-igen")
@login_required
def retry(mail_id: int):
    mail = db.get_or_404(OutboxMail, mail_id)
    access.require(current_user, access.MANAGE_MAIL)
    form = RetryForm()
    ok, _mail = submitted(form, lambda: services.mail_retry(actor(access.capacity(current_user, access.MANAGE_MAIL)),
                                                            mail))
    if ok:
        flash(_("The e-mail will be sent again."), "success")
    else:
        for message in [*form.form_errors, *(e for errors in form.errors.values() for e in errors)]:
            flash(message, "error")
    return redirect(url_for("notify.outbox"), code=303)
