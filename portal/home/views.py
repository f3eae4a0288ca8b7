"""Mina uppgifter: where every user lands, with their positions and stand-in duties today."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory
from flask_login import current_user, login_required

from portal import clock
from portal.org.confirmations import to_confirm_count
from portal.org.queries import absence_on, appointments_on, standin_duties

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    from portal.cases.views import queue_context

    today = clock.today()
    return render_template(
        "home/index.html",
        **queue_context(),
        appointments=appointments_on(current_user.id, today),
        duties=standin_duties(current_user.id, today),
        absence=absence_on(current_user.id, today),
        to_confirm=to_confirm_count(current_user),
    )


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on every page (and beside every PDF): the portal's own icon."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)
