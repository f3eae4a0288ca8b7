"""Configuration: safe defaults, then FLASK_-prefixed or plain environment variables, then overrides."""

from __future__ import annotations

import os
from pathlib import Path


class ConfigError(RuntimeError):
    """The portal refuses to start with an unsafe or incomplete configuration."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env(name: str) -> str | None:
    """Read NAME, accepting FLASK_NAME as well (the FLASK_ form wins)."""
    return os.environ.get(f"FLASK_{name}", os.environ.get(name))


def database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator gave."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def build_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Return the app configuration as a plain dict; refuse unsafe production settings."""
    overrides = overrides or {}
    development = _bool(_env("PORTAL_DEVELOPMENT"), False)
    default_db = "sqlite:///" + str(Path(instance_path) / "portal.sqlite3")
    secure_cookies = _bool(_env("SESSION_COOKIE_SECURE"), not development)
    config = {
        "PORTAL_DEVELOPMENT": development,
        "SECRET_KEY": _env("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": database_url(_env("DATABASE_URL") or default_db),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "LOGIN_LIMIT_PER_ACCOUNT": _env("LOGIN_LIMIT_PER_ACCOUNT") or "5 per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": _env("LOGIN_LIMIT_PER_ADDRESS") or "30 per 15 minutes",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "portal_session",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": int(_env("SESSION_LIFETIME_SECONDS") or 8 * 3600),
        "PROXY_FIX_HOPS": int(_env("PROXY_FIX_HOPS") or 0),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "MAX_CONTENT_LENGTH": int(_env("MAX_UPLOAD_BYTES") or 64 * 1024 * 1024),
        # Imports (README "Gränser för import"): an .xlsx's parts inflated, data rows, one field.
        "IMPORT_MAX_UNCOMPRESSED_BYTES": int(_env("IMPORT_MAX_UNCOMPRESSED_BYTES") or 1024 * 1024 * 1024),
        "IMPORT_MAX_ROWS": int(_env("IMPORT_MAX_ROWS") or 2_000_000),
        "IMPORT_MAX_FIELD_BYTES": int(_env("IMPORT_MAX_FIELD_BYTES") or 128 * 1024),
        "IMPORT_MAX_ERRORS_KEPT": int(_env("IMPORT_MAX_ERRORS_KEPT") or 1_000),
        "IMPORT_MAX_ERRORS_COUNTED": int(_env("IMPORT_MAX_ERRORS_COUNTED") or 100_000),
    }
    config.update(overrides)
    config["SQLALCHEMY_DATABASE_URI"] = database_url(config["SQLALCHEMY_DATABASE_URI"])
    if not config["SECRET_KEY"]:
        if not config["PORTAL_DEVELOPMENT"]:
            raise ConfigError(
                "SECRET_KEY is not set. Set SECRET_KEY (or FLASK_SECRET_KEY) to a long random value; "
                "only development mode (PORTAL_DEVELOPMENT=1) runs without one."
            )
        config["SECRET_KEY"] = "development-only-secret-key-do-not-use-in-production"
    return config
