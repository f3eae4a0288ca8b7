"""Swedish identity numbers: personnummer, samordningsnummer and organisationsnummer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

# Canonical form (IdentityNumber.value) is always 12 digits, so one column holds every kind and
# two kinds can never collide:
# - persons and coordination numbers: YYYYMMDDNNNN (century resolved, as Skatteverket writes it);
# - organisations: "16" + the 10-digit organisationsnummer, the 12-digit form Skatteverket uses.
# A sole trader's organisationsnummer is the owner's personnummer and reads as a person.
# Spaces around the separator are read as people type them ("19420314 - 1231", "811218 9876").
_FORM = re.compile(r"(\d{6}|\d{8}) *([-+]?) *(\d{4})\Z")
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_PERSON_CENTURIES = ("18", "19", "20")
ORGANISATION_PREFIX = "16"


class IdentityKind(StrEnum):
    PERSON = "person"  # personnummer
    COORDINATION = "coordination"  # samordningsnummer: day of birth + 60
    ORGANISATION = "organisation"  # organisationsnummer: third digit 2 or more


class IdentityNumberError(ValueError):
    """An identity number could not be read; `code` names the reason for the caller to translate.

    Codes: ``empty``, ``invalid_format`` (not 10 or 12 digits with an optional ``-``/``+`` before
    the last four; ``+`` only in the 10-digit form of a person), ``invalid_checksum`` (Luhn),
    ``invalid_date`` (no such birth date), ``future_birth_date`` (after the reference date),
    ``invalid_organisation_number`` (16-prefix on a number whose third digit is below 2).
    """

    def __init__(self, code: str, text: str):
        super().__init__(f"{code}: {text!r}")
        self.code = code
        self.text = text


@dataclass(frozen=True, slots=True)
class IdentityNumber:
    value: str  # canonical 12 digits, see above
    kind: IdentityKind

    @property
    def is_person(self) -> bool:
        return self.kind is not IdentityKind.ORGANISATION

    @property
    def birth_date(self) -> date | None:
        """The date of birth of a person (day − 60 for a coordination number); None for orgs."""
        if not self.is_person:
            return None
        day = int(self.value[6:8])
        if self.kind is IdentityKind.COORDINATION:
            day -= 60
        return date(int(self.value[:4]), int(self.value[4:6]), day)

    def formatted(self) -> str:
        """``YYYYMMDD-NNNN`` for persons, ``NNNNNN-NNNN`` for organisations."""
        if self.is_person:
            return f"{self.value[:8]}-{self.value[8:]}"
        return f"{self.value[2:8]}-{self.value[8:]}"

    def mask(self) -> str:
        """``19850612-****`` for persons; organisation numbers are public and shown whole."""
        if self.is_person:
            return f"{self.value[:8]}-****"
        return self.formatted()

    def __str__(self) -> str:
        return self.formatted()


def luhn_check_digit(nine_digits: str) -> str:
    """The Luhn check digit that completes a 10-digit personnummer or organisationsnummer."""
    total = sum(_DOUBLED[ord(c) - 48] for c in nine_digits[0::2])
    total += sum(ord(c) - 48 for c in nine_digits[1::2])
    return str(-total % 10)


def _luhn_valid(ten_digits: str) -> bool:
    total = sum(_DOUBLED[ord(c) - 48] for c in ten_digits[0::2])
    total += sum(ord(c) - 48 for c in ten_digits[1::2])
    return total % 10 == 0


def parse_identity_number(text: str, reference_date: date) -> IdentityNumber:
    """Read a personnummer, samordningsnummer or organisationsnummer in any usual written form.

    Forms: ``YYMMDDNNNN``, ``YYMMDD-NNNN``, ``YYMMDD+NNNN`` (``+``: 100 years old or more),
    ``YYYYMMDDNNNN``, ``YYYYMMDD-NNNN``, and for organisations ``NNNNNNNNNN``, ``NNNNNN-NNNN``,
    ``16NNNNNNNNNN``, ``16NNNNNN-NNNN``. Surrounding whitespace and spaces around the
    separator are ignored. The century of a
    10-digit personnummer is the latest one that puts the birth date on or before
    `reference_date` (a century earlier with ``+``).
    """
    s = text.strip()
    if not s:
        raise IdentityNumberError("empty", text)
    match = _FORM.match(s)
    if not match:
        raise IdentityNumberError("invalid_format", text)
    head, separator, serial = match.groups()
    if len(head) == 8:
        if separator == "+":
            raise IdentityNumberError("invalid_format", text)
        prefix, body = head[:2], head[2:] + serial
        if prefix == ORGANISATION_PREFIX:
            if body[2] < "2":
                raise IdentityNumberError("invalid_organisation_number", text)
            return _organisation(body, text)
        if prefix not in _PERSON_CENTURIES:
            raise IdentityNumberError("invalid_format", text)
        if body[2] >= "2":
            raise IdentityNumberError("invalid_date", text)
        year = int(head[:4])
    else:
        body = head + serial
        if body[2] >= "2":
            if separator == "+":
                raise IdentityNumberError("invalid_format", text)
            return _organisation(body, text)
        year = None
    if not _luhn_valid(body):
        raise IdentityNumberError("invalid_checksum", text)
    month, day = int(body[2:4]), int(body[4:6])
    kind = IdentityKind.PERSON
    if day > 60:
        kind, day = IdentityKind.COORDINATION, day - 60
    if year is None:
        yy = int(body[:2])
        year = reference_date.year - (reference_date.year - yy) % 100
        if year == reference_date.year and (month, day) > (
            reference_date.month,
            reference_date.day,
        ):
            year -= 100
        if separator == "+":
            year -= 100
    try:
        born = date(year, month, day)
    except ValueError:
        raise IdentityNumberError("invalid_date", text) from None
    if born > reference_date:
        raise IdentityNumberError("future_birth_date", text)
    return IdentityNumber(f"{year:04d}{body[2:]}", kind)


def _organisation(body: str, text: str) -> IdentityNumber:
    if not _luhn_valid(body):
        raise IdentityNumberError("invalid_checksum", text)
    return IdentityNumber(ORGANISATION_PREFIX + body, IdentityKind.ORGANISATION)
