"""Pure functions for committee meetings: paragraph labels and when a delegated decision's appeal time ends."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays

APPEAL_WEEKS = 3  # laglighetsprövning, kommunallagen 13 kap 5 §


class MeetingState(StrEnum):
    PLANNED = "planned"
    HELD = "held"


class ItemKind(StrEnum):
    REFERRED_CASE = "referred_case"
    REFERRED_BATCH = "referred_batch"  # a batch write-off (samlingsbeslut) referred to the committee
    DELEGATION_REPORT = "delegation_report"


# The paragraphs that take the committee's decision on a matter referred to it.
REFERRED_KINDS = frozenset({ItemKind.REFERRED_CASE, ItemKind.REFERRED_BATCH})


class CommitteeOutcome(StrEnum):
    """What the committee decided on a referred case; "sent back" (återremiss) returns the case."""

    GRANTED = "granted"
    PARTLY_GRANTED = "partly_granted"
    REFUSED = "refused"
    SENT_BACK = "sent_back"


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("SE", years=year))


def is_midsummer_eve(day: date) -> bool:
    """Midsummer day is the Saturday from 20 to 26 June (lag 1989:253), so its eve is the Friday
    from 19 to 25 June. (Not "a Friday before a holiday": 6 June on a Saturday leaves 5 June a
    working day.)"""
    return day.month == 6 and day.weekday() == 4 and 19 <= day.day <= 25


def is_working_day(day: date) -> bool:
    """Not a Saturday, Sunday or public holiday; lag (1930:173) counts midsummer eve, Christmas
    eve and New Year's eve as holidays too, which the calendar library does not list."""
    if day.weekday() >= 5 or day in _public_holidays(day.year):
        return False
    if (day.month, day.day) in ((12, 24), (12, 31)):
        return False
    return not is_midsummer_eve(day)


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def appeal_ends(minutes_posted_on: date) -> date:
    """Three weeks from the posting of the minutes, moved to the next working day where the last day
    is a weekend or holiday (lag 1930:173)."""
    return next_working_day(minutes_posted_on + timedelta(weeks=APPEAL_WEEKS))


def paragraph_reference(committee_code: str, meeting_date: date, paragraph: int) -> str:
    """E.g. "SN 2026-12-10 § 14", the reference a committee decision carries."""
    return f"{committee_code} {meeting_date.isoformat()} § {paragraph}"
