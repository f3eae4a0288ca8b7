"""Pure rules of the reports: the marks of the control objectives, age buckets, kronor in thousands.
No Flask, no session, no clock."""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class Mark(StrEnum):
    """How an objective stands, in the audits' own words (Botkyrka 2011: "Uppfyllt", "Delvis uppfyllt")."""

    GREEN = "green"  # met
    AMBER = "amber"  # partly met: nothing wrong now, but a weakness to act on
    RED = "red"  # not met


def worst(*marks: Mark) -> Mark:
    for mark in (Mark.RED, Mark.AMBER):
        if mark in marks:
            return mark
    return Mark.GREEN


def schemes_mark(committees: int, without_scheme: int) -> Mark:
    """Every committee has an adopted scheme in force; none at all is as bad as one missing."""
    return Mark.RED if without_scheme or not committees else Mark.GREEN


def staffing_mark(nobody: int, without_standin: int) -> Mark:
    """A position nobody can act in today is a failure; one held but with no stand-in arranged
    fails the day its holder is away."""
    if nobody:
        return Mark.RED
    return Mark.AMBER if without_standin else Mark.GREEN


def zero_mark(found: int) -> Mark:
    """A checked zero: anything found fails the objective."""
    return Mark.RED if found else Mark.GREEN


def reporting_mark(overdue_now: int, reported_late: int) -> Mark:
    """Decisions waiting past the deadline fail; decisions reported late but reported are a weakness."""
    if overdue_now:
        return Mark.RED
    return Mark.AMBER if reported_late else Mark.GREEN


# Restlängd age buckets (the audits' monthly overdue list): days past the due date, inclusive.
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-90", 31, 90),
    ("91-180", 91, 180),
    ("181-365", 181, 365),
    ("over-365", 366, None),
)


def age_bucket(due_date: date, on: date) -> str | None:
    """The bucket of an invoice due on `due_date`, seen on `on`; None when not yet overdue."""
    days = (on - due_date).days
    if days <= 0:
        return None
    for key, low, high in AGE_BUCKETS:
        if days >= low and (high is None or days <= high):
            return key
    return None


def thousands(ore: int) -> int:
    """Kronor in thousands, rounded half away from zero, as the audit's table prints them (tkr)."""
    sign = -1 if ore < 0 else 1
    return sign * ((abs(ore) + 50_000) // 100_000)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
