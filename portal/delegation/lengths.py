"""How long a deferral or plan is, in the months and days the rules count: one conversion for
real cases and the simulator alike, so that both ask the engine the same question."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portal.receivables.rules import add_months, months_between


@dataclass(frozen=True)
class Length:
    months: int
    days: int


def length_between(start: date, end: date) -> Length:
    """From the current due date to the new one (or to a plan's last instalment): calendar
    months with a started month counted whole, and days."""
    return Length(months=months_between(start, end), days=(end - start).days)


def length_of_months(start: date, months: int) -> Length:
    """A length asked in months: it ends the same day `months` calendar months later."""
    return length_between(start, add_months(start, months))


def length_of_days(start: date, days: int) -> Length:
    """A length asked in days: it ends `days` days later."""
    return length_between(start, start + timedelta(days=days))
