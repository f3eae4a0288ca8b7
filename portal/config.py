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


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


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
        # Failed sign-ins (README "Inloggning och sessioner"): a delay, never a lock.
        "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": _env("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS") or "5 per 15 minutes",
        "LOGIN_LIMIT_PER_ACCOUNT": _env("LOGIN_LIMIT_PER_ACCOUNT") or "30 per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": _env("LOGIN_LIMIT_PER_ADDRESS") or "100 per 15 minutes",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "portal_session",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        # Server-side sessions end after this long without a request, and at the latest this long
        # after signing in (ASVS V3.3: 30 minutes idle, 12 hours in all).
        "SESSION_IDLE_MINUTES": int(_env("SESSION_IDLE_MINUTES") or 30),
        "SESSION_MAX_MINUTES": int(_env("SESSION_MAX_MINUTES") or 12 * 60),
        # Strict-Transport-Security on responses served over HTTPS (behind the proxy: PROXY_FIX_HOPS).
        "HSTS_MAX_AGE": int(_env("HSTS_MAX_AGE") or 365 * 24 * 3600),
        "PROXY_FIX_HOPS": int(_env("PROXY_FIX_HOPS") or 0),
        # Signing in with the municipality's identity provider (README "Inloggning med kommunens
        # identitet"): OpenID Connect, and optionally a trusted reverse proxy's header.
        "OIDC_ISSUER": _env("OIDC_ISSUER") or None,
        "OIDC_CLIENT_ID": _env("OIDC_CLIENT_ID") or None,
        "OIDC_CLIENT_SECRET": _env("OIDC_CLIENT_SECRET") or None,
        "OIDC_SCOPES": _env("OIDC_SCOPES") or "openid profile email",
        "OIDC_USER_CLAIM": _env("OIDC_USER_CLAIM") or "sub",
        "OIDC_PROVIDER_NAME": _env("OIDC_PROVIDER_NAME") or None,
        "OIDC_CREATE_USERS": _bool(_env("OIDC_CREATE_USERS"), False),
        "OIDC_CLOCK_SKEW_SECONDS": int(_env("OIDC_CLOCK_SKEW_SECONDS") or 60),
        "LOCAL_PASSWORDS": _bool(_env("LOCAL_PASSWORDS"), True),
        "BREAK_GLASS_USERS": _list(_env("BREAK_GLASS_USERS")),
        "TRUSTED_HEADER": _env("TRUSTED_HEADER") or None,
        "TRUSTED_PROXIES": _list(_env("TRUSTED_PROXIES")),
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
        # A file this small (a bank file of a day's payments) is previewed in the request itself.
        "IMPORT_PREVIEW_IN_REQUEST_BYTES": int(_env("IMPORT_PREVIEW_IN_REQUEST_BYTES") or 256 * 1024),
        # Background jobs (README "Bakgrundsjobb"): RQ on this Redis, or inline without it.
        "PORTAL_REDIS_URL": _env("PORTAL_REDIS_URL") or None,
        "PORTAL_JOB_QUEUE": _env("PORTAL_JOB_QUEUE") or "portal",
        "PORTAL_JOB_STALE_SECONDS": int(_env("PORTAL_JOB_STALE_SECONDS") or 15 * 60),
        # Reminders by e-mail (README "Påminnelser per e-post"): the municipality's SMTP relay. Without
        # SMTP_HOST the portal sends no mail and records no mail events.
        "SMTP_HOST": _env("SMTP_HOST") or None,
        "SMTP_PORT": int(_env("SMTP_PORT") or 587),
        "SMTP_STARTTLS": _bool(_env("SMTP_STARTTLS"), True),
        "SMTP_USERNAME": _env("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": _env("SMTP_PASSWORD") or None,
        "SMTP_TIMEOUT_SECONDS": int(_env("SMTP_TIMEOUT_SECONDS") or 20),
        "MAIL_FROM": _env("MAIL_FROM") or None,
        # The address people reach the portal at: the links in the mails start with it.
        "PORTAL_BASE_URL": _env("PORTAL_BASE_URL") or None,
        "MAIL_DIGEST_HOUR": int(_env("MAIL_DIGEST_HOUR") or 6),
        "MAIL_AGREEMENT_REMINDER_DAYS": int(_env("MAIL_AGREEMENT_REMINDER_DAYS") or 14),
        "MAIL_MEETING_REMINDER_DAYS": int(_env("MAIL_MEETING_REMINDER_DAYS") or 7),
    }
    config.update(overrides)
    config["SQLALCHEMY_DATABASE_URI"] = database_url(config["SQLALCHEMY_DATABASE_URI"])
    # The cookie lives as long as the longest session may; the server decides before that.
    config["PERMANENT_SESSION_LIFETIME"] = 60 * config["SESSION_MAX_MINUTES"]
    production = not config["PORTAL_DEVELOPMENT"] and not config.get("TESTING")
    if not config["SECRET_KEY"]:
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. Set SECRET_KEY (or FLASK_SECRET_KEY) to a long random value; "
                "only development mode (PORTAL_DEVELOPMENT=1) runs without one."
            )
        config["SECRET_KEY"] = DEVELOPMENT_SECRET_KEY
    elif production:
        _check_secret_key(config["SECRET_KEY"])
    _check_sign_in(config)
    _check_mail(config)
    return config


def _check_mail(config: dict) -> None:
    """A relay without a sender address or without the portal's own address would send mails nobody
    can answer or follow: refused at start."""
    if not config["SMTP_HOST"]:
        return
    missing = [name for name in ("MAIL_FROM", "PORTAL_BASE_URL") if not config[name]]
    if missing:
        raise ConfigError(f"SMTP_HOST is set but {' and '.join(missing)} is not.")
    if not config["PORTAL_BASE_URL"].startswith(("https://", "http://")):
        raise ConfigError("PORTAL_BASE_URL must start with https:// (the links in the mails use it).")
    if bool(config["SMTP_USERNAME"]) != bool(config["SMTP_PASSWORD"]):
        raise ConfigError("SMTP_USERNAME and SMTP_PASSWORD are set together or not at all.")
    if not 0 <= config["MAIL_DIGEST_HOUR"] <= 23:
        raise ConfigError("MAIL_DIGEST_HOUR must be an hour from 0 to 23.")


def _check_sign_in(config: dict) -> None:
    """Half a provider configuration, a bad proxy address or a header without proxies is refused."""
    import ipaddress

    if config["OIDC_ISSUER"]:
        missing = [name for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET") if not config[name]]
        if missing:
            raise ConfigError(f"OIDC_ISSUER is set but {' and '.join(missing)} is not.")
        if not 1 <= config["OIDC_CLOCK_SKEW_SECONDS"] <= 300:
            raise ConfigError("OIDC_CLOCK_SKEW_SECONDS must be between 1 and 300.")
    if config["TRUSTED_HEADER"] and not config["TRUSTED_PROXIES"]:
        raise ConfigError("TRUSTED_HEADER is set but TRUSTED_PROXIES is empty: name the proxies' "
                          "addresses, or anyone could send the header.")
    for address in config["TRUSTED_PROXIES"]:
        try:
            ipaddress.ip_network(address, strict=False)
        except ValueError as error:
            raise ConfigError(f"TRUSTED_PROXIES: {address!r} is not an address or network.") from error


DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"
MIN_SECRET_KEY_BYTES = 32


def _check_secret_key(key: str | bytes) -> None:
    """Production signs sessions with a key nobody can guess: long, and not the development key."""
    raw = key.encode() if isinstance(key, str) else key
    if raw == DEVELOPMENT_SECRET_KEY.encode():
        raise ConfigError("SECRET_KEY is the development key, which is public. Set SECRET_KEY to a "
                          "long random value, e.g. the output of: python -c 'import secrets; "
                          "print(secrets.token_urlsafe(48))'.")
    if len(raw) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(f"SECRET_KEY is {len(raw)} bytes long; production needs at least "
                          f"{MIN_SECRET_KEY_BYTES}. Set it to a long random value, e.g. the output of: "
                          "python -c 'import secrets; print(secrets.token_urlsafe(48))'.")
