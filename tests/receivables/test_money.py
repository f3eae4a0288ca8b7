"""Tests of parsing and formatting amounts as öre."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.money import MoneyParseError, format_amount, format_money, parse_money

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("text", "ore"),
    [
        ("12345,50", 1_234_550),
        ("12 345,50", 1_234_550),
        (f"12{NBSP}345,50", 1_234_550),
        (f"12{NNBSP}345,50", 1_234_550),
        ("12345.50", 1_234_550),
        ("12345", 1_234_500),
        ("-12,50", -1_250),
        ("\u221212,50", -1_250),
        ("12,50-", -1_250),
        ("12.345,50", 1_234_550),
        ("12,345.50", 1_234_550),
        ("1.234.567", 123_456_700),
        ("12,5", 1_250),
        ("0,05", 5),
        (" 12 345,50 kr ", 1_234_550),
        ("+7", 700),
    ],
)
def test_parse_money_reads_the_usual_forms(text, ore):
    assert parse_money(text) == ore


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("  ", "empty"),
        ("abc", "invalid"),
        ("12,345", "ambiguous_separator"),
        ("12.345", "ambiguous_separator"),
        ("12,3456", "too_many_decimals"),
        ("1234,567", "too_many_decimals"),
        ("12 34", "invalid"),
        ("-1-", "invalid"),
        ("1.234,5.6", "invalid"),
        ("12 345.678", "invalid"),
        ("1e3", "invalid"),
    ],
)
def test_parse_money_rejects_with_a_code(text, code):
    with pytest.raises(MoneyParseError) as raised:
        parse_money(text)
    assert raised.value.code == code


def test_format_money_groups_thousands_with_no_break_space_and_uses_hyphen_minus():
    assert format_money(1_234_550) == f"12{NBSP}345,50{NBSP}kr"
    assert format_money(-5) == f"-0,05{NBSP}kr"
    assert format_amount(123_456_789) == f"1{NBSP}234{NBSP}567,89"
    assert format_amount(0) == "0,00"


def written_forms(ore: int) -> list[str]:
    """Every way the portal accepts `ore` to be written."""
    sign = "-" if ore < 0 else ""
    kronor, rest = divmod(abs(ore), 100)
    plain = f"{kronor},{rest:02d}"
    grouped = f"{kronor:,}"
    forms = [
        f"{sign}{plain}",
        f"{sign}{kronor}.{rest:02d}",
        f"{sign}{grouped.replace(',', ' ')},{rest:02d}",
        f"{sign}{grouped.replace(',', NBSP)},{rest:02d}",
        f"{sign}{grouped.replace(',', NNBSP)},{rest:02d}",
        f"{sign}{grouped.replace(',', '.')},{rest:02d}",
        f"{sign}{grouped}.{rest:02d}",
        f"{plain}-" if sign else plain,
        format_money(ore),
        format_amount(ore),
    ]
    if rest == 0:
        forms.append(f"{sign}{kronor}")
    if rest % 10 == 0:
        forms.append(f"{sign}{kronor},{rest // 10}")
    return forms


@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_every_written_form_of_an_amount_reads_back(ore):
    for text in written_forms(ore):
        assert parse_money(text) == ore, text
