"""Sign-in throttling that cannot be used to lock a colleague out.

Failed attempts are counted per (account, address) pair, with a higher ceiling per account (many
addresses guessing one password) and per address (one address guessing many accounts). A limit
reached means a delay, not a lock: the person is told when to try again, and the oldest failure ages
out of the moving window. The counts live in Flask-Limiter's storage (RATELIMIT_STORAGE_URI: Redis in
production), so every app server sees the same counts.
"""

from __future__ import annotations

import math
import time
import unicodedata
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse
from limits.strategies import MovingWindowRateLimiter

from portal.extensions import limiter

SCOPES = ("account_address", "account", "address")
THROTTLE_LIMIT_LABELS = {"account_address": _l("this account from this address"),
                         "account": _l("this account from any address"),
                         "address": _l("any account from this address")}
_CONFIG = {"account_address": "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", "account": "LOGIN_LIMIT_PER_ACCOUNT",
           "address": "LOGIN_LIMIT_PER_ADDRESS"}


@dataclass(frozen=True)
class Delay:
    """Which limit was reached and how many seconds until the next attempt is counted again."""

    scope: str
    retry_after: int


def account_key(username: str | None) -> str:
    """The account as typed, normalised the way login_attempt() looks it up."""
    return unicodedata.normalize("NFC", username or "").strip().lower()[:80] or "-"


def _keys(account: str, address: str | None) -> dict[str, tuple[str, ...]]:
    address = address or "-"
    return {"account_address": (account, address), "account": (account,), "address": (address,)}


def _strategy() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(limiter.storage)


def delay(account: str, address: str | None) -> Delay | None:
    """The delay to impose before this attempt is even checked, or None when it may go ahead."""
    strategy, keys = _strategy(), _keys(account, address)
    for scope in SCOPES:
        item = parse(current_app.config[_CONFIG[scope]])
        if not strategy.test(item, "login", scope, *keys[scope]):
            stats = strategy.get_window_stats(item, "login", scope, *keys[scope])
            return Delay(scope, max(1, math.ceil(stats.reset_time - time.time())))
    return None


def failed(account: str, address: str | None) -> None:
    strategy, keys = _strategy(), _keys(account, address)
    for scope in SCOPES:
        strategy.hit(parse(current_app.config[_CONFIG[scope]]), "login", scope, *keys[scope])


def succeeded(account: str, address: str | None) -> None:
    """A right password from this address forgets this pair's failures (not the account's)."""
    item = parse(current_app.config[_CONFIG["account_address"]])
    _strategy().clear(item, "login", "account_address", *_keys(account, address)["account_address"])
