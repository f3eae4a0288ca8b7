"""Money as integer öre: the one place that parses and formats amounts."""

from __future__ import annotations

import re
from decimal import Decimal

# Display conventions (the single source for the whole portal):
# - thousands are grouped with NO-BREAK SPACE (U+00A0) and the unit is joined with one too,
#   so "12 345,50 kr" never wraps inside an amount;
# - the decimal separator is a comma and there are always two decimals;
# - a negative amount starts with ASCII HYPHEN-MINUS "-", which survives copying into Excel,
#   CSV files and PDFs alike (parse_money also reads U+2212 MINUS SIGN).
NBSP = "\u00a0"
MINUS = "-"

_SPACE_CHARS = " \u00a0\u202f"  # space, no-break space, narrow no-break space
_MINUS_SIGNS = ("-", "\u2212")
_SIMPLE = re.compile(r"(\d+)(?:[.,](\d{1,2}))?\Z")
_SPACE_GROUPED = re.compile(r"(\d{1,3}(?:[ \u00a0\u202f]\d{3})+)(?:,(\d{1,2}))?\Z")
_DROP_SPACES = str.maketrans("", "", _SPACE_CHARS)
_GROUPED = re.compile(r"\d{1,3}(?:([ .,])\d{3})*\Z")
_FRACTION = re.compile(r"\d{1,2}\Z")
# The forms a ledger export writes (1234,50, -1 234,50, 1234): read at once, with the result
# the general reading below would give; anything else takes the general path.
_PLAIN = re.compile(r"(-?)(\d+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+)(?:,(\d\d?))?\Z").match


class MoneyParseError(ValueError):
    """An amount could not be read; `code` names the reason for the caller to translate.

    Codes: ``empty``, ``invalid`` (not an amount), ``too_many_decimals`` (öre are the smallest
    unit), ``ambiguous_separator`` (one "." or "," followed by exactly three digits, which could
    be a thousands separator or three decimals).
    """

    def __init__(self, code: str, text: str):
        super().__init__(f"{code}: {text!r}")
        self.code = code
        self.text = text


def parse_money(text: str) -> int:
    """Return the amount written in `text` as öre.

    Accepts ``12345,50``, ``12 345,50`` (space, no-break space or narrow no-break space between
    thousands), ``12345.50``, ``12.345,50``, ``12,345.50``, ``12345``, ``-12,50`` (also with
    U+2212), a trailing minus ``12,50-``, a leading ``+`` and a trailing ``kr``. One or two
    decimals; never float arithmetic.
    """
    plain = _PLAIN(text)
    if plain is not None:
        sign, whole, fraction = plain.groups()
        if not whole.isdecimal():
            whole = "".join(whole.split())  # the spaces between groups of thousands
        if fraction is None:
            ore = int(whole) * 100
        else:
            ore = int(whole + fraction) * (10 if len(fraction) == 1 else 1)
        return -ore if sign else ore
    original = text
    s = text.strip()
    if s[-2:].lower() == "kr":
        s = s[:-2].rstrip()
    if not s:
        raise MoneyParseError("empty", original)
    negative = False
    if s[0] in _MINUS_SIGNS:
        negative, s = True, s[1:]
    elif s[0] == "+":
        s = s[1:]
    if s and s[-1] in _MINUS_SIGNS:
        if negative:
            raise MoneyParseError("invalid", original)
        negative, s = True, s[:-1]
    s = s.strip(_SPACE_CHARS)
    match = _SIMPLE.match(s) or _SPACE_GROUPED.match(s)  # the common forms, quickly
    if match:
        whole, fraction = match.groups()
        ore = int(whole.translate(_DROP_SPACES)) * 100
        if fraction:
            ore += int(fraction) * (10 if len(fraction) == 1 else 1)
    else:
        ore = _parse_grouped(s, original)
    return -ore if negative else ore


def _parse_grouped(s: str, original: str) -> int:
    """Read an amount with thousands separators, or say why it is not one."""
    for space in _SPACE_CHARS[1:]:
        s = s.replace(space, " ")
    last = max(s.rfind("."), s.rfind(","))
    whole, fraction, decimal_mark = s, "", None
    if last != -1:
        head, mark, tail = s[:last], s[last], s[last + 1 :]
        single = s.count(mark) == 1 and not any(c in head for c in " .," if c != mark)
        if _FRACTION.match(tail):
            whole, fraction, decimal_mark = head, tail, mark
        elif single and tail.isdigit():
            # "12,345" could be 12 kronor 345 thousandths or twelve thousand; "1234,567" cannot be
            # grouped, so it has three decimals. Neither is accepted.
            if len(tail) == 3 and head.isdigit() and len(head) <= 3:
                raise MoneyParseError("ambiguous_separator", original)
            raise MoneyParseError("too_many_decimals", original)
    if not _GROUPED.match(whole):
        raise MoneyParseError("invalid", original)
    separators = {c for c in whole if not c.isdigit()}
    if len(separators) > 1 or decimal_mark in separators:
        raise MoneyParseError("invalid", original)
    digits = "".join(c for c in whole if c.isdigit())
    return int(digits) * 100 + (int(fraction.ljust(2, "0")) if fraction else 0)


def parse_money_decimal(value: Decimal) -> int:
    """Convert a Decimal number of kronor (e.g. from a spreadsheet cell) to öre exactly."""
    ore = value * 100
    if ore != ore.to_integral_value():
        raise MoneyParseError("too_many_decimals", str(value))
    return int(ore)


def format_amount(ore: int) -> str:
    """Format öre as ``12 345,50`` (no-break spaces between thousands, ``-`` when negative)."""
    sign = MINUS if ore < 0 else ""
    kronor, rest = divmod(abs(ore), 100)
    return f"{sign}{kronor:,}".replace(",", NBSP) + f",{rest:02d}"


def format_money(ore: int) -> str:
    """Format öre as ``12 345,50 kr`` (see format_amount; a no-break space before ``kr``)."""
    return format_amount(ore) + NBSP + "kr"
