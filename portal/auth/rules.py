"""Pure rules of signing in: when a session has run out, and how a browser is named on a page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def as_utc(instant: datetime) -> datetime:
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def session_end_reason(created_at: datetime, last_seen_at: datetime, now: datetime, *,
                       idle: timedelta, lifetime: timedelta) -> str | None:
    """"expired" past the absolute lifetime, "idle" after too long without a request, else None."""
    if now - as_utc(created_at) >= lifetime:
        return "expired"
    if now - as_utc(last_seen_at) >= idle:
        return "idle"
    return None


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
            ("Mac OS X", "macOS"), ("Linux", "Linux"))


def browser_name(user_agent: str | None) -> str | None:
    """A short name such as "Firefox, Windows" from a User-Agent; None when nothing is recognised."""
    agent = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in agent), None)
    return ", ".join(part for part in (browser, system) if part) or None
