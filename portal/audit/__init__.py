"""The audit trail: written by every service, chained by hashes, read by the auditor."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Chain every entry on flush, and write refusals after the request's own transaction ends."""
    from portal.audit import chain, refusals
    from portal.audit.services import _write_refusals_at_teardown

    chain.install()
    # Registered after Flask-SQLAlchemy's own teardown, so it runs before the session is removed.
    app.teardown_appcontext(_write_refusals_at_teardown)
    refusals.init_app(app)
