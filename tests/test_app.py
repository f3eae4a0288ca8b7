"""The app factory: safe configuration, security headers, proxy handling."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.config import ConfigError, database_url


def test_refuses_to_start_without_secret_key_outside_development(monkeypatch):
    for name in ("SECRET_KEY", "FLASK_SECRET_KEY", "PORTAL_DEVELOPMENT", "FLASK_PORTAL_DEVELOPMENT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_development_mode_starts_without_secret_key_and_with_plain_cookies(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("PORTAL_DEVELOPMENT", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"]
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_production_cookies_are_secure_and_http_only(monkeypatch):
    monkeypatch.delenv("PORTAL_DEVELOPMENT", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_database_url_from_environment_uses_psycopg_for_postgresql(monkeypatch):
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/portal-env-test.sqlite3")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/portal-env-test.sqlite3"


def test_proxy_fix_trusts_forwarded_headers_only_when_configured(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    seen = {}
    for hops in (0, 1):
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PROXY_FIX_HOPS": hops})

        @app.get("/_remote")
        def remote():
            from flask import request

            return f"{request.remote_addr} {request.scheme}"

        seen[hops] = app.test_client().get(
            "/_remote", headers={"X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https"}
        ).get_data(as_text=True)
    assert seen[0] == "127.0.0.1 http"
    assert seen[1] == "10.1.2.3 https"


def test_pages_carry_security_headers(client):
    response = client.get("/logga-in")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_speak_swedish(client):
    page = client.get("/logga-in").get_data(as_text=True)
    assert '<html lang="sv">' in page
    assert "Logga in" in page
    assert "Användarnamn" in page


def test_every_page_links_a_real_icon_served_at_favicon_ico(client):
    from io import BytesIO

    from PIL import Image

    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/vnd.microsoft.icon"
        assert response.cache_control.max_age == 86400
        icon = Image.open(BytesIO(response.data))
    assert icon.format == "ICO" and icon.size[0] >= 16
    assert 'rel="icon" href="/favicon.ico"' in client.get("/logga-in").get_data(as_text=True)


def test_production_refuses_a_short_secret_key_or_the_development_key(monkeypatch):
    from portal.config import DEVELOPMENT_SECRET_KEY

    for name in ("PORTAL_DEVELOPMENT", "FLASK_PORTAL_DEVELOPMENT", "FLASK_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 31)
    with pytest.raises(ConfigError, match="31 bytes long; production needs at least 32"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("SECRET_KEY", "å" * 16)  # 32 bytes in UTF-8: bytes count, not characters
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    monkeypatch.setenv("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    with pytest.raises(ConfigError, match="development key"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_development_mode_accepts_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("PORTAL_DEVELOPMENT", "1")
    monkeypatch.setenv("SECRET_KEY", "short")
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"] == "short"


def test_hsts_is_sent_only_over_https_behind_the_configured_proxy(monkeypatch):
    monkeypatch.delenv("PORTAL_DEVELOPMENT", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    proxied = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PROXY_FIX_HOPS": 1}).test_client()
    https = proxied.get("/logga-in", headers={"X-Forwarded-Proto": "https"})
    assert https.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in proxied.get("/logga-in").headers
    direct = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).test_client()
    # without PROXY_FIX_HOPS a forwarded header is not believed
    assert "Strict-Transport-Security" not in direct.get(
        "/logga-in", headers={"X-Forwarded-Proto": "https"}).headers


def test_gunicorn_does_not_announce_versions(tmp_path):
    """The production server (`gunicorn wsgi:app`) says "Server: gunicorn" and nothing more."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SECRET_KEY": "y" * 40, "DATABASE_URL": f"sqlite:///{tmp_path / 'g.sqlite3'}",
           "PORTAL_DEVELOPMENT": "", "FLASK_PORTAL_DEVELOPMENT": ""}
    root = Path(__file__).resolve().parent.parent
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", "1",
                               "wsgi:app"], cwd=root, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        headers = None
        for _attempt in range(200):  # wait for the server to listen (not a timing assertion)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/logga-in") as response:
                    headers = response.headers
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.1)
        assert headers is not None, "gunicorn did not start"
        assert headers.get_all("Server") == ["gunicorn"]
        assert "X-Powered-By" not in headers
    finally:
        server.terminate()
        server.wait(timeout=30)
