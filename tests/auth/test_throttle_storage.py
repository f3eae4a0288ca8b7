"""Login throttling counts in shared storage (Redis) so that several app servers agree."""

from __future__ import annotations

import os
import uuid

import flask_migrate
import pytest

from portal import create_app
from portal.extensions import db, limiter
from tests import factories
from tests.conftest import PortalClient

REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="Redis run skipped: TEST_REDIS_URL is not set")
def test_failed_login_count_is_kept_in_redis_for_every_app_server(app, tmp_path):
    redis_app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'redis.sqlite3'}",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": "3 per 15 minutes",
        "SESSION_COOKIE_SECURE": False,
    })
    redis_app.test_client_class = PortalClient
    username = f"shared{uuid.uuid4().hex[:8]}"
    try:
        with redis_app.app_context():
            flask_migrate.upgrade()
            factories.user(username)
            db.session.commit()
        storage = limiter.storage
        assert type(storage).__name__ == "RedisStorage"
        first, second = redis_app.test_client(), redis_app.test_client()
        for client in (first, second, first):
            response = client.post_form("/logga-in", {"username": username, "password": "bad-password-x"})
            assert response.status_code == 401
        blocked = second.post_form("/logga-in", {"username": username, "password": factories.PASSWORD})
        assert blocked.status_code == 429
    finally:
        limiter.reset()
        limiter.init_app(app)  # back to the session app's in-memory storage
