"""Test fixtures: one schema per database per run (built by the migrations), one rolled-back
transaction per test, a client that keeps CSRF on, factories and a frozen clock."""

from __future__ import annotations

import contextvars
import os
import re
from datetime import UTC, datetime

import flask_migrate
import pytest
from flask import g
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import text

from portal import clock, create_app
from portal.extensions import db, limiter
from tests import factories

# Property tests judge correctness, not speed: on a loaded CI machine Hypothesis's deadline and its
# too-slow health check fail tests that are right (speed is measured in bench/, never in tests).
settings.register_profile("portal", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("portal")

BACKENDS = ["sqlite", "postgresql"]


def pytest_report_header(config):
    if os.environ.get("TEST_DATABASE_URL"):
        return "databases: SQLite and PostgreSQL (TEST_DATABASE_URL)"
    return "databases: SQLite only; the PostgreSQL runs are skipped: TEST_DATABASE_URL is not set"


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL run skipped: TEST_DATABASE_URL is not set")
    return url


class PortalClient(FlaskClient):
    """A test client whose requests run in a fresh context, like separate HTTP requests do.

    Flask reuses an app context that is already pushed; the test's own context would then leak
    `g` (and so the logged-in user) and the database session into the request.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)

    def csrf_token(self) -> str:
        page = self.get("/logga-in", follow_redirects=True).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'"X-CSRFToken": "([^"]+)"', page
        )
        assert match, "no CSRF token on the page"
        return match.group(1)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        """POST a form the way a browser does: with the session's CSRF token."""
        payload = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.post(url, data=payload, **kwargs)

    def login(self, username: str, password: str = factories.PASSWORD):
        response = self.post_form("/logga-in", {"username": username, "password": password})
        assert response.status_code == 303, f"login as {username} failed: {response.status_code}"
        return response


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            # Tests move the frozen clock by days with a client signed in; the timeout tests
            # (tests/auth/test_sessions.py) set the limits they test.
            "SESSION_IDLE_MINUTES": 10 * 365 * 24 * 60,
            "SESSION_MAX_MINUTES": 10 * 365 * 24 * 60,
        }
    )
    app.test_client_class = PortalClient
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _transaction(request):
    """Every test that touches the app runs in one transaction that is rolled back after it."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    engines = db._app_engines[app]
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    engines[None] = connection
    with app.app_context():
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        limiter.reset()
        try:
            yield
        finally:
            g.pop("audit_refusals", None)  # a refusal a test left unwritten must not outlive its transaction
            db.session.remove()
            engines[None] = engine
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app) -> PortalClient:
    return app.test_client()


@pytest.fixture
def frozen_clock(monkeypatch):
    """Freeze the portal's clock; call the fixture's value with a new instant to move it."""

    class Frozen:
        instant = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

        def set(self, instant: datetime) -> None:
            self.instant = instant

    frozen = Frozen()
    monkeypatch.setattr(clock, "now", lambda: frozen.instant)
    return frozen


@pytest.fixture
def make(app):
    """Factories for the objects tests need (tests/factories.py)."""
    return factories
