"""Logging in and out, throttled per account and per address."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.audit.services import Actor
from portal.auth import services
from portal.auth.forms import LoginForm
from portal.extensions import db, limiter
from portal.web import actor

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    fallback = url_for("home.index")
    if (not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target)):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def _account_key() -> str:
    return "login-account:" + (request.form.get("username", "").strip().lower()[:80] or "-")


def _login_failed(response) -> bool:
    return request.method == "POST" and response.status_code != 303


@bp.route("/logga-in", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-address",
)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")), code=303)
    form = LoginForm()
    if form.validate_on_submit():
        attempt = Actor(None, None, None, request.remote_addr, request.user_agent.string)
        user = services.login_attempt(attempt, form.username.data, form.password.data)
        db.session.commit()
        if user is not None:
            session.clear()
            session.permanent = True
            login_user(user)
            return redirect(_safe_next(request.args.get("next")), code=303)
        form.form_errors.append(_("Wrong user name or password, or the account is deactivated."))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.post("/logga-ut")
@login_required
def logout():
    services.logout_recorded(actor(None))
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"), code=303)
