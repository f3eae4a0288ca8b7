"""The pure rules of sessions: when one has run out, and how a browser is named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.auth.rules import browser_name, session_end_reason

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LIMITS = {"idle": timedelta(minutes=30), "lifetime": timedelta(hours=12)}


def test_an_active_session_within_both_limits_goes_on():
    assert session_end_reason(T0, T0 + timedelta(hours=11), T0 + timedelta(hours=11, minutes=29), **LIMITS) is None


def test_a_session_idle_for_the_idle_limit_ends_as_idle():
    assert session_end_reason(T0, T0, T0 + timedelta(minutes=30), **LIMITS) == "idle"


def test_the_absolute_lifetime_wins_over_recent_use():
    now = T0 + timedelta(hours=12)
    assert session_end_reason(T0, now - timedelta(seconds=1), now, **LIMITS) == "expired"


def test_naive_database_times_are_read_as_utc():
    naive = T0.replace(tzinfo=None)
    assert session_end_reason(naive, naive, T0 + timedelta(minutes=31), **LIMITS) == "idle"


def test_browsers_are_named_by_product_and_system():
    assert browser_name("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/131.0 Safari/537.36 Edg/131.0") == "Edge, Windows"
    assert browser_name("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0") == "Firefox, Linux"
    assert browser_name("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 "
                        "Safari/605.1.15") == "Safari, macOS"
    assert browser_name("curl/8.5.0") is None
    assert browser_name(None) is None
