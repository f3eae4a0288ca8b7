"""What kind of body decides (issue 12 §9, RULINGS 10 and 12): the words a text uses for it, and
which parts of kommunallagen apply to it. Pure: no Flask, no session."""

from __future__ import annotations

import re
from enum import StrEnum


class BodyKind(StrEnum):
    """What kind of body keeps a delegation scheme (issue 12 §9); its labels are in org/models.py."""

    COMMITTEE = "committee"  # nämnd
    EXECUTIVE_COMMITTEE = "executive_committee"  # kommunstyrelse
    COMPANY_BOARD = "company_board"  # styrelse of a municipal company (aktiebolag)
    FEDERATION_BOARD = "federation_board"  # förbundsstyrelse of a joint authority (kommunalförbund)

# The body as every text names it, definite form: the texts are written for a committee ("nämnden",
# "the committee") and `speak_as` puts the body's own word in its place.
DEFINITE_SV = {
    BodyKind.COMMITTEE: "nämnden",
    BodyKind.EXECUTIVE_COMMITTEE: "kommunstyrelsen",
    BodyKind.COMPANY_BOARD: "styrelsen",
    BodyKind.FEDERATION_BOARD: "förbundsstyrelsen",
}
DEFINITE_EN = {
    BodyKind.COMMITTEE: "the committee",
    BodyKind.EXECUTIVE_COMMITTEE: "the executive committee",
    BodyKind.COMPANY_BOARD: "the board",
    BodyKind.FEDERATION_BOARD: "the federation board",
}

_SV = re.compile(r"\b([Nn])ämnden(s?)\b")
_EN = re.compile(r"\b([Tt])he committee\b('s)?(?! of\b)")


def _kind(kind: BodyKind | str | None) -> BodyKind:
    return BodyKind(kind) if kind else BodyKind.COMMITTEE


def _capitalised(word: str, first: str) -> str:
    return word[0].upper() + word[1:] if first.isupper() else word


def speak_as(kind: BodyKind | str | None, text: str) -> str:
    """The text as it reads for a body of the kind: "Bara nämnden kan besluta." becomes "Bara
    styrelsen kan besluta." for a company's board. Every text a person reads about one body's
    scheme, cases, letters or meetings goes through here."""
    kind = _kind(kind)
    if kind is BodyKind.COMMITTEE or not text:
        return text
    sv = DEFINITE_SV[kind]
    en = DEFINITE_EN[kind][len("the "):]
    text = _SV.sub(lambda m: _capitalised(sv, m.group(1)) + m.group(2), text)
    return _EN.sub(lambda m: m.group(1) + "he " + en + (m.group(2) or ""), text)


def is_company(kind: BodyKind | str | None) -> bool:
    """A municipal company (aktiebolag) is a separate legal person under the companies act, not
    kommunallagen (RULINGS 12)."""
    return _kind(kind) is BodyKind.COMPANY_BOARD


def reports_delegated_decisions(kind: BodyKind | str | None) -> bool:
    """Delegated decisions are reported to the body (kommunallagen 6 kap 40 §): not a company's
    (RULINGS 12); a joint authority follows kommunallagen like a committee."""
    return not is_company(kind)


def open_to_appeal(kind: BodyKind | str | None) -> bool:
    """Förvaltningsbesvär and laglighetsprövning (kommunallagen 13 kap) concern a municipality's or a
    joint authority's decisions, never a company's (RULINGS 12)."""
    return not is_company(kind)


def creditor_of(kind: BodyKind | str | None, committee_id: int) -> int:
    """Whose claim an invoice of the body is: 0 for the municipality (its committees and the
    executive committee are one legal person), the body's own id for a company (RULINGS 10: its
    invoices never count in a committee's totals or in "other unpaid debt"), and the same for a joint
    authority, which is a legal person of its own too."""
    return committee_id if _kind(kind) in OWN_LEGAL_PERSON else 0


OWN_LEGAL_PERSON = frozenset({BodyKind.COMPANY_BOARD, BodyKind.FEDERATION_BOARD})
# The kinds whose delegated decisions go into a delegation report, for queries.
REPORTING_KINDS = tuple(kind.value for kind in BodyKind if reports_delegated_decisions(kind))
