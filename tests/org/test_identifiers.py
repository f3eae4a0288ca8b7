"""Names and codes: composed to NFC, no invisible characters, one alphabet; registry formats bounded."""

from __future__ import annotations

import unicodedata

import pytest

from portal.audit.services import SYSTEM
from portal.auth import services as auth_services
from portal.errors import ValidationFailed
from portal.identifiers import checked_text, registry_format_error
from portal.org import services

ZERO_WIDTH = "\u200b"
RIGHT_TO_LEFT_OVERRIDE = "\u202e"
CYRILLIC_A = "\u0430"
GREEK_O = "\u03bf"


def _refused(call, field: str) -> str:
    with pytest.raises(ValidationFailed) as failure:
        call()
    assert field in failure.value.errors
    return failure.value.errors[field]


@pytest.mark.parametrize("code", ["SN" + ZERO_WIDTH, "S\u200dN", RIGHT_TO_LEFT_OVERRIDE + "SN", "S\u00a0N",
                                  "S\u3164N"])
def test_a_committee_code_with_an_invisible_character_is_refused(app, code):
    message = _refused(lambda: services.committee_save(SYSTEM, None, name="Socialnämnden", code=code,
                                                       parent_id=None), "code")
    assert "osynligt" in message


def test_a_committee_code_that_mixes_alphabets_is_refused_and_named(app):
    message = _refused(lambda: services.committee_save(SYSTEM, None, name="Socialnämnden", code="S" + CYRILLIC_A.upper() + "N",
                                                       parent_id=None), "code")
    assert "kyrilliska" in message.lower() and "latinska" in message.lower()


def test_a_committee_code_is_composed_and_bounded(app):
    decomposed = unicodedata.normalize("NFD", "ÖN")
    committee = services.committee_save(SYSTEM, None, name="Överförmyndarnämnden", code=decomposed, parent_id=None)
    assert committee.code == "ÖN" and unicodedata.is_normalized("NFC", committee.code)
    _refused(lambda: services.committee_save(SYSTEM, None, name="N", code="S N", parent_id=None), "code")


@pytest.mark.parametrize("username", [CYRILLIC_A + "dmin", "adm" + GREEK_O + "n", "admin" + ZERO_WIDTH,
                                      "ad\u202emin"])
def test_a_user_name_that_imitates_another_is_refused(app, username):
    message = _refused(lambda: auth_services.user_create(
        SYSTEM, username=username, full_name="Anna Andersson", email=None, password="a long enough password 1",
        roles=set()), "username")
    assert "alfabet" in message or "osynligt" in message


def test_a_persons_name_is_composed_and_has_no_invisible_characters(app):
    user = auth_services.user_create(SYSTEM, username="zoe", full_name=unicodedata.normalize("NFD", "Zoë Åberg"),
                                     email=None, password="a long enough password 1", roles=set())
    assert user.full_name == "Zoë Åberg"
    _refused(lambda: auth_services.user_update(SYSTEM, user, full_name="Zoë" + ZERO_WIDTH, email=None, roles=set()),
             "full_name")


@pytest.mark.parametrize("fmt", [
    "{code.__class__}", "{number!r}", "{number:>999999999}", "{number:,}", "{0}", "{}", "{year}", "{code}",
    "{number}{number}", "{number", "{{number}}", "{code} {year}/{number}" + ZERO_WIDTH, "x" * 41 + "{number}",
    "{code}\n{number}", "{code} <{number}>",
])
def test_a_registry_format_outside_the_bounds_is_refused(app, fmt):
    _refused(lambda: services.committee_save(SYSTEM, None, name="N", code="N", parent_id=None,
                                             registry_format=fmt), "registry_format")


@pytest.mark.parametrize("fmt", ["{code} {year}/{number}", "{code}-{year}-{number:04d}", "Dnr {number}",
                                 "{year}.{number}"])
def test_ordinary_registry_formats_are_kept(app, fmt):
    assert registry_format_error(fmt) is None


def test_plain_text_passes_unchanged():
    assert checked_text("  Socialnämnden ") == ("Socialnämnden", None)
    assert checked_text("Иван Петров")[1] is None  # one alphabet, not Latin, is fine
