"""When mail is sent, retried and given up, and who hears of which event: plain data, no Flask."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.notify.models import EventKind, Frequency

# A failed send waits this long before the next attempt; after the last it is failed for good and
# the administrator's outbox page shows it.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A sender that claimed a mail and was not heard of again (its machine stopped): the mail is sent again.
CLAIM_EXPIRES = timedelta(minutes=15)

# Events that concern one case as it happens: sent only to those who want mail at once.
CASE_EVENTS = frozenset({EventKind.CASE_TO_DECIDE, EventKind.CASE_TO_CONSULT, EventKind.CASE_DECIDED,
                         EventKind.CASE_RETURNED})


def after_failure(attempts: int, now: datetime) -> datetime | None:
    """When to try again after the attempts made so far have failed (None: give up)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + RETRY_DELAYS[max(attempts, 1) - 1]


def wants(frequency: Frequency, kind: EventKind) -> bool:
    """Does a person with this preference get a mail of this kind? At once: every event and
    reminder as it comes; daily: the digest only (it lists the same matters); never: nothing."""
    if frequency == Frequency.NEVER:
        return False
    if kind == EventKind.DIGEST:
        return frequency == Frequency.DAILY
    return frequency == Frequency.IMMEDIATELY


def digest_due(local_now: datetime, digest_hour: int) -> bool:
    """The day's digests are made from the first run at or after the hour (Stockholm time)."""
    return local_now.hour >= digest_hour

