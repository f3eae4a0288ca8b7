"""Beslutsportalen: delegated decisions on municipal receivables."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import audit, clock, params
from portal.config import build_config
from portal.database import configure_engine
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; nothing happens on import and nothing is written to the database here."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(build_config(app.instance_path, test_config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    db.init_app(app)
    audit.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: "sv", timezone_selector=lambda: "Europe/Stockholm")
    limiter.init_app(app)
    _init_login(app)
    params.register(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_errors(app)
    _register_headers(app)

    from portal.cli import portal_cli

    app.cli.add_command(portal_cli)
    return app


def _init_login(app: Flask) -> None:
    from flask_login import current_user

    from portal.auth.sessions import session_user

    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    # The cookie (and a remember cookie, were one ever set) carries only a session's secret; the
    # loader finds an open session row for it, so logout and timeouts hold on every app server.
    login_manager.user_loader(session_user)

    @app.before_request
    def load_session_first():
        """Check the session before the view runs: the loader may end or touch it and commit."""
        if request.endpoint != "static":
            current_user._get_current_object()


def _register_blueprints(app: Flask) -> None:
    from portal.audit.views import bp as audit_bp
    from portal.auth.user_views import bp as users_bp
    from portal.auth.sso_views import bp as sso_bp
    from portal.auth.views import bp as auth_bp
    from portal.batches.views import bp as batches_bp
    from portal.cases.views import bp as cases_bp
    from portal.delegation.views import bp as delegation_bp
    from portal.documents.views import bp as documents_bp
    from portal.home.views import bp as home_bp
    from portal.jobs.views import bp as jobs_bp
    from portal.meetings.views import bp as meetings_bp
    from portal.notify.views import bp as notify_bp
    from portal.org.views import bp as org_bp
    from portal.receivables.views import bp as receivables_bp
    from portal.reports.views import bp as reports_bp

    for blueprint in (auth_bp, sso_bp, users_bp, home_bp, org_bp, delegation_bp, receivables_bp,
                      cases_bp, batches_bp, documents_bp, meetings_bp, audit_bp, jobs_bp, notify_bp, reports_bp):
        app.register_blueprint(blueprint)


def _register_template_helpers(app: Flask) -> None:
    from portal import access

    @app.template_filter("sv_date")
    def sv_date(value):
        return "" if value is None else value.isoformat()

    @app.template_filter("sv_datetime")
    def sv_datetime(value):
        return "" if value is None else clock.local(value).strftime("%Y-%m-%d %H:%M")

    @app.template_filter("money")
    def money(value):
        from portal.money import format_money

        return "" if value is None else format_money(value)

    @app.template_filter("amount")
    def amount(value):
        """An amount to put back in an input: "1 845,00", read again by parse_money."""
        from portal.money import format_amount

        return "" if value is None else format_amount(value)

    @app.template_filter("percent")
    def percent(basis_points):
        from portal.money import NBSP, format_amount

        return "" if basis_points is None else format_amount(basis_points) + NBSP + "%"

    @app.template_filter("as_body")
    def as_body(text, body):
        """A text written for a committee as it reads for this body (a committee, a kind, or None):
        "nämnden" becomes "styrelsen" for a company's board (portal/org/bodies.py)."""
        from markupsafe import Markup

        from portal.org.bodies import speak_as

        kind = getattr(body, "kind", body)
        said = speak_as(kind, str(text))
        return Markup(said) if isinstance(text, Markup) else said

    @app.template_filter("long_date")
    def long_date(value):
        return "" if value is None else format_date(value, "d MMMM y")

    @app.context_processor
    def inject():
        from flask_login import current_user

        from portal import navigation

        return {"access": access, "today": clock.today(),
                "main_menu": lambda: navigation.menu(current_user, request.endpoint)}


def _register_errors(app: Flask) -> None:
    """Every error a person can meet is a Swedish page; an htmx request gets a small fragment
    swapped into the page's message area instead of a whole page inside a table cell."""
    from werkzeug.exceptions import HTTPException, InternalServerError

    from portal.web import wants_partial

    def texts(code: int) -> tuple[str, str]:
        return {
            400: (_("The request could not be read"),
                  _("Something in the address or the form was not valid. Go back and check what you entered.")),
            403: (_("Access denied"), _("You do not have access to this page or object.")),
            404: (_("Not found"), _("The page or object does not exist.")),
            405: (_("Not allowed here"), _("The page cannot be used this way. Go back and use the page's own buttons.")),
            413: (_("The file is too large"), _("The uploaded file is larger than allowed.")),
            429: (_("Too many attempts"), _("Too many failed attempts. Wait a while and try again.")),
            500: (_("Something went wrong"),
                  _("The portal could not complete the request and nothing was saved. Try again; if it "
                    "happens again, tell the portal's administrator the time it happened.")),
        }.get(code) or (_("The request could not be handled"), _("Go back and try again."))

    def page(status: int, title: str, message: str, headers=None):
        headers = dict(headers or {})
        if wants_partial():
            headers.update({"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"})
            return render_template("_error.html", status=status, title=title, message=message), status, headers
        return render_template("error.html", status=status, title=title, message=message), status, headers

    @app.errorhandler(CSRFError)
    def csrf_failed(_e):
        return page(400, _("The form has expired"), _("Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        title, message = texts(error.code)
        kept = {k: v for k, v in error.get_headers() if k.lower() in {"allow", "retry-after"}}
        return page(error.code, title, message, kept)

    @app.errorhandler(InternalServerError)
    def server_error(_e):
        db.session.rollback()
        try:
            title, message = texts(500)
            return page(500, title, message)
        except Exception:  # the page itself failed: answer without templates or the database
            app.logger.exception("the error page could not be rendered")
            return ("<!doctype html><html lang=\"sv\"><title>Något gick fel</title><h1>Något gick fel</h1>"
                    "<p>Portalen kunde inte slutföra begäran och inget sparades. Försök igen.</p></html>"), 500


def _register_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.vary.add("HX-Request")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        if request.is_secure and app.config["HSTS_MAX_AGE"]:
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={app.config['HSTS_MAX_AGE']}; includeSubDomains")
        return response

    @app.teardown_request
    def rollback_unfinished(exc):
        if exc is not None:
            db.session.rollback()

