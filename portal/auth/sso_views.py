"""Signing in through the municipality's identity provider (OpenID Connect) or a trusted proxy's
header, and the provider's back-channel logout."""

from __future__ import annotations

import ipaddress

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from portal.audit.services import Actor, record_refusal
from portal.auth import oidc, sessions
from portal.auth.sso import SignInRefused, external_sign_in
from portal.auth.views import _safe_next
from portal.extensions import csrf, db

bp = Blueprint("sso", __name__)

NEXT_KEY = "sso_next"


def _attempt() -> Actor:
    return Actor(None, None, None, request.remote_addr, request.user_agent.string)


def _refused(message: str, status: int = 403):
    return render_template("auth/refused.html", message=message), status


def _start_session(user, *, method: str, sub: str | None = None, sid: str | None = None):
    target = session.get(NEXT_KEY)
    session.clear()
    session.permanent = True
    sessions.session_start(user, address=request.remote_addr, user_agent=request.user_agent.string,
                           login_method=method, idp_sub=sub, idp_sid=sid)
    db.session.commit()
    login_user(user)
    return redirect(_safe_next(target), code=303)


@bp.get("/logga-in/sso")
def start():
    if not oidc.configured():
        abort(404)
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")), code=303)
    session[NEXT_KEY] = _safe_next(request.args.get("next"))
    try:
        return oidc.authorize_redirect(url_for("sso.callback", _external=True))
    except oidc.SignInFailed as failure:
        current_app.logger.warning("OpenID Connect sign-in could not start: %s", failure)
        return _refused(_("The municipality's sign-in cannot be reached right now. Try again in a "
                          "while."), 502)


@bp.get("/logga-in/sso/svar")
def callback():
    if not oidc.configured():
        abort(404)
    try:
        claims = oidc.complete_sign_in()
    except oidc.SignInFailed as failure:
        current_app.logger.warning("OpenID Connect sign-in refused: %s", failure)
        message = _("The answer from the municipality's sign-in could not be verified, so you are not "
                    "signed in. Start again from the login page.")
        record_refusal(_attempt(), "login.refused", "user", None, reason=message,
                       details={"method": "oidc", "error": str(failure)[:300]})
        return _refused(message)
    config = current_app.config
    try:
        user = external_sign_in(_attempt(), claims.get(config["OIDC_USER_CLAIM"]), method="oidc",
                                create=config["OIDC_CREATE_USERS"], profile=claims)
    except SignInRefused as refusal:
        db.session.commit()
        return _refused(refusal.message)
    return _start_session(user, method="oidc", sub=claims.get("sub"), sid=claims.get("sid"))


@bp.post("/logga-in/sso/utloggning")
@csrf.exempt
def backchannel_logout():
    """OpenID Back-Channel Logout 1.0: the provider posts a signed logout token."""
    if not oidc.configured():
        abort(404)
    headers = {"Cache-Control": "no-store"}
    try:
        claims = oidc.verify_logout_token(request.form.get("logout_token", ""))
    except oidc.SignInFailed as failure:
        current_app.logger.warning("back-channel logout token refused: %s", failure)
        record_refusal(Actor(None, "idp", None, request.remote_addr, request.user_agent.string),
                       "session.idp_logout_refused", "user_session", None, reason=str(failure)[:300])
        return {"error": "invalid_request"}, 400, headers
    sessions.sessions_end_for_idp(Actor(None, "idp", None, request.remote_addr, None),
                                  sub=claims.get("sub"), sid=claims.get("sid"))
    db.session.commit()
    return "", 200, headers


def _peer_address() -> str:
    """The address that connected to the portal: the proxy itself, before ProxyFix rewrote it."""
    original = request.environ.get("werkzeug.proxy_fix.orig", {})
    return original.get("REMOTE_ADDR") or request.environ.get("REMOTE_ADDR", "")


def _from_trusted_proxy() -> bool:
    try:
        peer = ipaddress.ip_address(_peer_address())
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(network, strict=False)
               for network in current_app.config["TRUSTED_PROXIES"])


@bp.get("/logga-in/proxy")
def trusted_header():
    """Intranets behind an authenticating reverse proxy (Kerberos, IIS): the proxy names the user
    in TRUSTED_HEADER, believed only when the request comes from one of TRUSTED_PROXIES."""
    header = current_app.config["TRUSTED_HEADER"]
    if not header:
        abort(404)
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")), code=303)
    value = request.headers.get(header)
    if not _from_trusted_proxy():
        message = _("Signing in by the intranet's proxy is only possible through the proxy.")
        record_refusal(_attempt(), "login.refused", "user", None, reason=message,
                       details={"method": "header", "peer": _peer_address()[:45]})
        return _refused(message)
    session[NEXT_KEY] = _safe_next(request.args.get("next"))
    try:
        user = external_sign_in(_attempt(), value, method="header")
    except SignInRefused as refusal:
        db.session.commit()
        return _refused(refusal.message)
    return _start_session(user, method="header")
