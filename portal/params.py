"""Values read from requests, bounded: ids, whole numbers, dates, amounts and choices.

Every id in a URL, every number, date and choice in a query string or form passes through here, so
a value the database or date arithmetic cannot hold is refused at the door (a 404 for a path id, a
Swedish field message for a form, the default for a paging or display argument) and never reaches
PostgreSQL (integer overflow) or `date + timedelta` (year 10000) as a 500.
"""

from __future__ import annotations

import secrets
from datetime import date
from enum import Enum

import wtforms
from flask import abort, redirect, request, session, url_for
from flask_babel import gettext as _
from werkzeug.routing import BaseConverter, ValidationError

from portal.money import MoneyParseError, format_money, parse_money

# PostgreSQL's `integer`; every id column fits in it (the BigInteger ones too, by far).
MAX_ID = 2_147_483_647
MAX_INT = 2_147_483_647
# Dates a person may write: wide enough for any due date, decision or birth, and far enough from
# year 1 and 9999 that adding years of instalments or interest periods never overflows.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
# Ten thousand million kronor: beyond any receivable, well inside a 64-bit öre column.
MAX_MONEY_ORE = 1_000_000_000_000 * 100
# The last page a list offers to page to (a page number is otherwise an unbounded OFFSET).
MAX_PAGE = 100_000
# Longer query or form values are not ids, numbers or dates and are not parsed at all.
MAX_NUMBER_TEXT = 40


class IdConverter(BaseConverter):
    """`<id:name>` in a route: a positive id that fits the database, else the URL does not match."""

    regex = r"[0-9]{1,12}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def register(app) -> None:
    """Register the converters and the guard; call before the blueprints so their rules can use them."""
    app.url_map.converters["id"] = IdConverter
    app.before_request(refuse_nul_characters)


def refuse_nul_characters() -> None:
    """A NUL character has no use in any value a person sends and PostgreSQL cannot store or
    compare text holding one: the request is refused (400) before any view reads it."""
    sources = [request.args]
    if request.method in ("POST", "PUT", "PATCH"):
        sources.append(request.form)
    values = [request.path, *(v for v in (request.view_args or {}).values() if isinstance(v, str))]
    for source in sources:
        for key, items in source.lists():
            values += [key, *items]
    if any("\x00" in value for value in values):
        abort(400)


# --- plain values ------------------------------------------------------------------------------

def to_int(text, *, minimum: int = -MAX_INT, maximum: int = MAX_INT) -> int | None:
    """A whole number within the bounds, or None for anything else (empty, garbage, too large)."""
    if text is None:
        return None
    if isinstance(text, int) and not isinstance(text, bool):
        number = text
    else:
        text = str(text).strip()
        if not text or len(text) > MAX_NUMBER_TEXT:
            return None
        try:
            number = int(text)
        except ValueError:
            return None
    return number if minimum <= number <= maximum else None


def to_id(text) -> int | None:
    return to_int(text, minimum=1, maximum=MAX_ID)


def to_date(text) -> date | None:
    """An ISO date (YYYY-MM-DD) between EARLIEST_DATE and LATEST_DATE, or None."""
    if isinstance(text, date):
        return text if EARLIEST_DATE <= text <= LATEST_DATE else None
    if not text or len(str(text)) > MAX_NUMBER_TEXT:
        return None
    try:
        value = date.fromisoformat(str(text).strip())
    except ValueError:
        return None
    return value if EARLIEST_DATE <= value <= LATEST_DATE else None


def to_choice(text, choices: type[Enum] | set[str] | frozenset[str]) -> str | None:
    """One of the allowed values (an Enum's values or a set of strings), or None."""
    allowed = {member.value for member in choices} if isinstance(choices, type) else choices
    return text if isinstance(text, str) and text in allowed else None


class MoneyOutOfRange(MoneyParseError):
    def __init__(self, text: str):
        super().__init__("out_of_range", text)


def to_money(text: str | None) -> int | None:
    """An amount in öre within ±MAX_MONEY_ORE; None when empty. Raises MoneyParseError otherwise."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_NUMBER_TEXT:
        raise MoneyParseError("invalid", text[:MAX_NUMBER_TEXT])
    amount = parse_money(text)
    if abs(amount) > MAX_MONEY_ORE:
        raise MoneyOutOfRange(text)
    return amount


def money_message() -> str:
    return _("Write an amount in kronor between %(low)s and %(high)s, e.g. 1 250,50.",
             low=format_money(-MAX_MONEY_ORE), high=format_money(MAX_MONEY_ORE))


# --- the query string --------------------------------------------------------------------------

def arg_int(name: str, default: int | None = None, *, minimum: int = -MAX_INT,
            maximum: int = MAX_INT) -> int | None:
    """A number from the query string; the default when absent, garbage or out of bounds."""
    value = to_int(request.args.get(name), minimum=minimum, maximum=maximum)
    return default if value is None else value


def arg_id(name: str) -> int | None:
    return to_id(request.args.get(name))


def arg_ids(name: str) -> list[int]:
    """Every valid id given for a repeated parameter (?faktura=1&faktura=2); the rest is ignored."""
    return [value for value in (to_id(text) for text in request.args.getlist(name)[:500])
            if value is not None]


def arg_date(name: str) -> date | None:
    return to_date(request.args.get(name))


def arg_choice(name: str, choices) -> str | None:
    return to_choice(request.args.get(name), choices)


def optional_id(value) -> int | None:
    """A select field's coerce: empty means none, an id must fit the database."""
    if value in (None, "", "None"):
        return None
    number = to_id(value)
    if number is None:
        raise ValueError(_("Not a valid choice."))
    return number


def required_id(value) -> int:
    number = to_id(value)
    if number is None:
        raise ValueError(_("Not a valid choice."))
    return number


# --- form fields -------------------------------------------------------------------------------

class DateField(wtforms.DateField):
    """A date a person may write: ISO format, between EARLIEST_DATE and LATEST_DATE.

    An out-of-range date is refused while the form is read, so `field.data` never holds it even
    when a view reads the form without validating it.
    """

    def process_formdata(self, valuelist):
        if valuelist and len(" ".join(valuelist)) > MAX_NUMBER_TEXT:
            self.data = None
            raise ValueError(_("Write the date as YYYY-MM-DD."))
        try:
            super().process_formdata(valuelist)
        except ValueError as failure:
            self.data = None
            raise ValueError(_("Write the date as YYYY-MM-DD.")) from failure
        if self.data is not None and not EARLIEST_DATE <= self.data <= LATEST_DATE:
            self.data = None
            raise ValueError(_("Write a date between %(first)s and %(last)s.",
                               first=EARLIEST_DATE.isoformat(), last=LATEST_DATE.isoformat()))


class IntegerField(wtforms.IntegerField):
    """A whole number that fits the database; NumberRange validators narrow it further."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        number = to_int(valuelist[0])
        if number is None:
            self.data = None
            raise ValueError(_("Write a whole number between %(low)s and %(high)s.",
                               low=-MAX_INT, high=MAX_INT))
        self.data = number


# --- search texts kept out of addresses --------------------------------------------------------

SEARCHES_KEPT = 10  # per session: the latest searches, so Back and the pages of a list work


def remember_search(text: str) -> str:
    """Keep a search text (often a personnummer) in the session under an opaque token, so that
    neither the address bar, the history, a Referer nor an access log ever holds it."""
    token = secrets.token_urlsafe(9)
    kept = dict(session.get("searches") or {})
    kept[token] = text
    while len(kept) > SEARCHES_KEPT:
        kept.pop(next(iter(kept)))
    session["searches"] = kept
    return token


def recall_search(token: str | None) -> str:
    """The text behind a token from this session; empty for an unknown or another session's token."""
    if not token or len(token) > MAX_NUMBER_TEXT:
        return ""
    return (session.get("searches") or {}).get(token, "")


def searched(endpoint: str, text: str, render, **args):
    """After a search was posted: a plain form is redirected (303) to the results' address, which
    holds the other filters as they are and the text only as a token; htmx gets the results at
    once, with that address for the address bar. `render(token)` renders the results."""
    from portal.web import wants_partial

    text = text.strip()
    token = remember_search(text) if text else None
    url = url_for(endpoint, **{name: value for name, value in {**args, "sok": token}.items() if value})
    if not wants_partial():
        return redirect(url, code=303)
    body, status = render(token)
    return body, status, {"HX-Push-Url": url}
