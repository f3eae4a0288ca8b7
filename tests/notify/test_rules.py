"""When a failed mail is tried again, and who gets which kind of mail (pure rules)."""

from datetime import UTC, datetime, timedelta

from portal.notify import rules
from portal.notify.models import EventKind, Frequency

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_failed_mail_waits_longer_each_time_then_is_given_up():
    waits = [rules.after_failure(n, NOW) - NOW for n in range(1, rules.MAX_ATTEMPTS)]
    assert waits == sorted(waits) and waits[0] == timedelta(minutes=1)
    assert rules.after_failure(rules.MAX_ATTEMPTS, NOW) is None


def test_at_once_gets_every_event_daily_only_the_digest_never_nothing():
    for kind in EventKind:
        assert rules.wants(Frequency.IMMEDIATELY, kind) is (kind != EventKind.DIGEST)
        assert rules.wants(Frequency.DAILY, kind) is (kind == EventKind.DIGEST)
        assert rules.wants(Frequency.NEVER, kind) is False

