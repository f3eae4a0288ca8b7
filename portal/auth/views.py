"""Signing in and out, throttled without lock-outs, and "Mina inloggningar"."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import format_decimal, ngettext
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from portal import clock
from portal.audit.services import Actor, record_refusal
from portal.auth import oidc, rules, services, sessions, throttle
from portal.auth.forms import LoginForm
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org.models import Municipality
from portal.params import to_id
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


def _throttled(account: str, wait: throttle.Delay):
    """429 with Retry-After and a Swedish page saying when to try again; the attempt is audited."""
    minutes = max(1, -(-wait.retry_after // 60))
    at = clock.local(clock.now() + timedelta(seconds=wait.retry_after)).strftime("%H:%M")
    message = ngettext("Too many failed sign-in attempts. Try again in %(num)d minute (at %(at)s).",
                       "Too many failed sign-in attempts. Try again in %(num)d minutes (at %(at)s).",
                       minutes, at=at)
    record_refusal(Actor(None, account, None, request.remote_addr, request.user_agent.string),
                   "login.throttled", "user", None, reason=message,
                   details={"limit": wait.scope, "retry_after_seconds": wait.retry_after})
    page = render_template("error.html", status=429, title=_("Wait a moment"), message=message)
    return page, 429, {"Retry-After": str(wait.retry_after)}


@bp.route("/logga-in", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")), code=303)
    form = LoginForm()
    if form.validate_on_submit():
        account, address = throttle.account_key(form.username.data), request.remote_addr
        wait = throttle.delay(account, address)
        if wait is not None:
            return _throttled(account, wait)
        attempt = Actor(None, None, None, address, request.user_agent.string)
        user = services.login_attempt(attempt, form.username.data, form.password.data,
                                      password_accounts=_password_accounts())
        if user is not None:
            session.clear()
            session.permanent = True
            sessions.session_start(user, address=address, user_agent=request.user_agent.string)
            db.session.commit()
            login_user(user)
            throttle.succeeded(account, address)
            return redirect(_safe_next(request.args.get("next")), code=303)
        db.session.commit()
        throttle.failed(account, address)
        form.form_errors.append(_("Wrong user name or password, or the account is deactivated."))
        return _login_page(form), 401
    return _login_page(form), (400 if form.errors else 200)


def _password_accounts() -> frozenset[str] | None:
    """None while local passwords are on; else the break-glass accounts that keep theirs."""
    config = current_app.config
    if config["LOCAL_PASSWORDS"]:
        return None
    return frozenset(name.strip().lower() for name in config["BREAK_GLASS_USERS"])


def _provider_name() -> str:
    """OIDC_PROVIDER_NAME, else the municipality's name: "Logga in med Exempelkommun"."""
    name = current_app.config["OIDC_PROVIDER_NAME"] or db.session.scalars(
        select(Municipality.name).order_by(Municipality.id).limit(1)).first()
    return name or _("the municipality's sign-in")


def _login_page(form):
    config = current_app.config
    return render_template(
        "auth/login.html", form=form, sso=oidc.configured(),
        provider_name=_provider_name() if oidc.configured() else None,
        proxy_sign_in=bool(config["TRUSTED_HEADER"]), local_passwords=config["LOCAL_PASSWORDS"],
        next_target=_safe_next(request.args.get("next")),
        idp_logout_url=session.pop("idp_logout_url", None))


@bp.post("/logga-ut")
@login_required
def logout():
    signed_in_with_idp = (current_user.session_row is not None
                          and current_user.session_row.login_method == "oidc")
    sessions.logout(actor(None), current_user)
    db.session.commit()
    logout_user()
    session.clear()
    if signed_in_with_idp and oidc.configured():
        # The provider's own session lives on: offer its end-session page (RP-initiated logout).
        url = oidc.logout_url(url_for("auth.login", _external=True))
        if url:
            session["idp_logout_url"] = url
    return redirect(url_for("auth.login"), code=303)


@bp.get("/mina-inloggningar")
@login_required
def my_sessions():
    rows = sessions.open_sessions(current_user.id)
    current_id = current_user.session_row.id
    config = current_app.config
    return render_template("auth/sessions.html", rows=rows, current_id=current_id,
                           browser_name=rules.browser_name, idle_minutes=config["SESSION_IDLE_MINUTES"],
                           max_hours=format_decimal(round(config["SESSION_MAX_MINUTES"] / 60, 1)))


@bp.post("/mina-inloggningar/avsluta")
@login_required
def my_session_end():
    """End one of one's own sign-ins; which one comes in the form, so the address names no row."""
    session_id = to_id(request.form.get("session_id"))
    if session_id is None:
        flash(_("Choose the sign-in to end."), "error")
        return redirect(url_for("auth.my_sessions"), code=303)
    if session_id == current_user.session_row.id:
        flash(_("Use Log out to end the sign-in you are using."), "error")
        return redirect(url_for("auth.my_sessions"), code=303)
    try:
        sessions.session_end_own(actor(None), current_user, session_id)
    except LookupError:
        abort(404)
    except ValidationFailed as failure:
        flash(next(iter(failure.errors.values())), "error")
        return redirect(url_for("auth.my_sessions"), code=303)
    db.session.commit()
    flash(_("The sign-in was ended."), "success")
    return redirect(url_for("auth.my_sessions"), code=303)


@bp.post("/mina-inloggningar/avsluta-andra")
@login_required
def my_sessions_end_others():
    ended = sessions.session_end_others(actor(None), current_user)
    db.session.commit()
    flash(ngettext("%(num)d other sign-in was ended.", "%(num)d other sign-ins were ended.", ended),
          "success")
    return redirect(url_for("auth.my_sessions"), code=303)
