"""The portal's one clock: UTC instants stored, Europe/Stockholm dates decided. Tests freeze it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Stockholm: the date that decisions, appointments and absences use."""
    return now().astimezone(STOCKHOLM).date()


def local(instant: datetime) -> datetime:
    """An instant shown in Stockholm time (naive database values are UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(STOCKHOLM)
