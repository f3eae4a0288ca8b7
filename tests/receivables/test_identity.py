"""Tests of reading Swedish identity numbers."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.receivables.identity import (
    IdentityKind,
    IdentityNumberError,
    luhn_check_digit,
    parse_identity_number,
)
from tests.receivables.builders import TODAY, organisation_number, person_number

# 811218-9876: Luhn over 8 1 1 2 1 8 9 8 7 with weights 2 1 2 1 ...:
# 16→7, 1, 2, 2, 2, 8, 18→9, 8, 14→5 = 44, so the check digit is 6.
ANNA = "811218-9876"


def test_check_digit_is_worked_by_hand():
    assert luhn_check_digit("811218987") == "6"


@pytest.mark.parametrize(
    "text", ["8112189876", "811218-9876", "198112189876", "19811218-9876", " 811218-9876 ",
             "19811218 - 9876", "811218 9876"]
)
def test_every_form_of_a_personnummer_gives_the_canonical_12_digits(text):
    number = parse_identity_number(text, TODAY)
    assert number.value == "198112189876"
    assert number.kind is IdentityKind.PERSON
    assert number.birth_date == date(1981, 12, 18)
    assert number.mask() == "19811218-****"
    assert number.formatted() == "19811218-9876"


def test_ten_digit_century_is_the_latest_not_after_the_reference_date():
    twelve_years_old = person_number(date(2013, 1, 10))[2:]  # 130110-NNNN
    assert parse_identity_number(twelve_years_old, TODAY).value.startswith("2013")
    # Born 1926-01-16 (day after TODAY's day-of-year in 2026): still 99, so "-" means 1926.
    born_1926 = person_number(date(1926, 1, 16))[2:]
    assert parse_identity_number(born_1926, TODAY).value.startswith("1926")
    # Born 2026-01-16 would be tomorrow, so a 10-digit 260116 is 1926 as well.
    assert parse_identity_number(born_1926.replace("-", ""), TODAY).value.startswith("1926")


def test_plus_means_a_hundred_years_or_older():
    number = person_number(date(1912, 12, 12))[2:].replace("-", "+")
    assert parse_identity_number(number, TODAY).birth_date == date(1912, 12, 12)


def test_samordningsnummer_has_day_plus_sixty():
    text = person_number(date(1981, 12, 18), coordination=True)
    assert text.startswith("19811278-")
    number = parse_identity_number(text, TODAY)
    assert number.kind is IdentityKind.COORDINATION
    assert number.birth_date == date(1981, 12, 18)
    assert number.mask() == "19811278-****"


@pytest.mark.parametrize("text", ["5560360793", "556036-0793", "165560360793", "16556036-0793"])
def test_organisationsnummer_forms(text):
    number = parse_identity_number(text, TODAY)
    assert number.kind is IdentityKind.ORGANISATION
    assert number.value == "165560360793"
    assert number.mask() == "556036-0793"  # public: shown whole
    assert number.birth_date is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("81121-9876", "invalid_format"),
        ("811218/9876", "invalid_format"),
        ("19811218+9876", "invalid_format"),
        ("556036+0793", "invalid_format"),
        ("811218-9875", "invalid_checksum"),
        ("556036-0792", "invalid_checksum"),
        ("21811218-9876", "invalid_format"),
        ("16811218-9876", "invalid_organisation_number"),
        (person_number(date(2030, 1, 1)), "future_birth_date"),
        ("811232" + "123" + luhn_check_digit("811232123"), "invalid_date"),
        ("19" + "810229" + "123" + luhn_check_digit("810229123"), "invalid_date"),
    ],
)
def test_bad_numbers_are_refused_with_a_code(text, code):
    with pytest.raises(IdentityNumberError) as raised:
        parse_identity_number(text, TODAY)
    assert raised.value.code == code


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    serial=st.integers(0, 999),
    coordination=st.booleans(),
)
def test_every_written_form_of_a_person_reads_back(born, serial, coordination):
    twelve = person_number(born, f"{serial:03d}", coordination)
    canonical = twelve.replace("-", "")
    age_100 = (TODAY.year - born.year, TODAY.month, TODAY.day) >= (100, born.month, born.day)
    ten = twelve[2:].replace("-", "+" if age_100 else "-")
    forms = [twelve, canonical, ten]
    if not age_100:
        forms.append(ten.replace("-", ""))
    for text in forms:
        number = parse_identity_number(text, TODAY)
        assert number.value == canonical, text
        assert number.birth_date == born
        assert parse_identity_number(number.formatted(), TODAY) == number


@given(st.from_regex(r"[1-9][0-9][2-9][0-9]{6}", fullmatch=True))
def test_every_written_form_of_an_organisation_reads_back(first_nine):
    dashed = organisation_number(first_nine)
    plain = dashed.replace("-", "")
    for text in (dashed, plain, "16" + plain, "16" + dashed):
        assert parse_identity_number(text, TODAY).value == "16" + plain
