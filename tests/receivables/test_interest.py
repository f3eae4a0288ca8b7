"""Tests of late interest (räntelagen) as DOMAIN.md "Money and interest" defines it."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.receivables.rules import (
    MissingReferenceRate,
    accrued_interest,
    interest_start_date,
    late_interest,
    late_interest_rate_bp,
)
from tests.receivables.builders import REFERENCE_RATES, zero_rates

# Interest in öre = capital öre × days × rate bp / (365 × 10 000), rounded half-up per period.


def test_domain_worked_example():
    # 10 000 kr due 2023-10-31, paid 2024-03-31.
    # 2023-11-01..2023-12-31 = 30 + 31 = 61 days at 3,50 + 8 = 11,50 %:
    #   1 000 000 × 61 × 1150 / 3 650 000 = 19 219,18 → 19 219 öre = 192,19 kr
    # 2024-01-01..2024-03-31 = 31 + 29 + 31 = 91 days at 4,00 + 8 = 12,00 %:
    #   1 000 000 × 91 × 1200 / 3 650 000 = 29 917,81 → 29 918 öre = 299,18 kr
    # Total 491,37 kr.
    result = late_interest(1_000_000, date(2023, 10, 31), date(2024, 3, 31), REFERENCE_RATES)
    assert [(p.days, p.rate_bp, p.interest_ore) for p in result.periods] == [
        (61, 1150, 19_219),
        (91, 1200, 29_918),
    ]
    assert result.total_ore == 49_137


def test_a_span_over_1_july_is_split_at_each_rate():
    # 5 000 kr due 2025-06-20, paid 2025-07-10.
    # 2025-06-21..06-30 = 10 days at 3,00 + 8 = 11 %: 500 000 × 10 × 1100 / 3 650 000
    #   = 1 506,85 → 1 507 öre
    # 2025-07-01..07-10 = 10 days at 2,00 + 8 = 10 %: 500 000 × 10 × 1000 / 3 650 000
    #   = 1 369,86 → 1 370 öre
    result = late_interest(500_000, date(2025, 6, 20), date(2025, 7, 10), REFERENCE_RATES)
    assert [(p.first_day, p.last_day, p.interest_ore) for p in result.periods] == [
        (date(2025, 6, 21), date(2025, 6, 30), 1_507),
        (date(2025, 7, 1), date(2025, 7, 10), 1_370),
    ]
    assert result.total_ore == 2_877


def test_equal_rates_in_two_half_years_are_still_two_rate_periods():
    # 2024-01-01 and 2024-07-01 are both 4,00 %; each half-year is rounded on its own.
    result = late_interest(1_000_000, date(2024, 6, 29), date(2024, 7, 2), REFERENCE_RATES)
    assert [p.days for p in result.periods] == [1, 2]  # 06-30; 07-01 and 07-02


def test_paid_on_the_due_date_bears_no_interest():
    assert (
        late_interest(1_000_000, date(2024, 3, 1), date(2024, 3, 1), REFERENCE_RATES).total_ore == 0
    )


def test_one_day_late_bears_one_day():
    # 1 000 000 × 1 × 1200 / 3 650 000 = 328,77 → 329 öre
    assert (
        late_interest(1_000_000, date(2024, 3, 1), date(2024, 3, 2), REFERENCE_RATES).total_ore
        == 329
    )


def test_without_due_date_interest_starts_one_month_after_sending():
    # Sent 2024-01-31 without a due date: one month later is 2024-02-29 (clamped), and interest
    # runs for each day after it. Paid 2024-03-10: 2024-03-01..03-10 = 10 days at 12 %:
    # 1 000 000 × 10 × 1200 / 3 650 000 = 3 287,67 → 3 288 öre.
    start = interest_start_date(None, date(2024, 1, 31))
    assert start == date(2024, 2, 29)
    assert late_interest(1_000_000, start, date(2024, 3, 10), REFERENCE_RATES).total_ore == 3_288
    assert interest_start_date(date(2024, 2, 5), date(2024, 1, 5)) == date(2024, 2, 5)


def test_a_category_without_interest_bears_none():
    result = late_interest(
        1_000_000, date(2023, 10, 31), date(2024, 3, 31), REFERENCE_RATES, charges_interest=False
    )
    assert result.total_ore == 0


def test_a_zero_rate_gives_zero_interest():
    result = late_interest(10**9, date(2020, 1, 1), date(2030, 1, 1), zero_rates(), margin_bp=0)
    assert result.total_ore == 0


def test_a_missing_reference_rate_names_the_half_year():
    with pytest.raises(MissingReferenceRate) as raised:
        late_interest(1_000_000, date(2026, 5, 1), date(2026, 8, 1), REFERENCE_RATES)
    assert raised.value.code == "missing_reference_rate"
    assert raised.value.params == {"half_year_start": date(2026, 7, 1)}


def test_rate_in_force_is_reference_plus_eight_points():
    assert late_interest_rate_bp(date(2024, 12, 31), REFERENCE_RATES) == 1200
    assert late_interest_rate_bp(date(2025, 1, 1), REFERENCE_RATES) == 1100


def test_interest_on_a_capital_that_falls_after_payments():
    # 10 000 kr due 2024-03-01; 4 000 kr paid 2024-03-11, the rest 2024-03-21. All at 12 %.
    # 2024-03-02..03-11: 10 days on 10 000 kr (the payment day still bears the full capital)
    #   1 000 000 × 10 = 10 000 000 öre-days
    # 2024-03-12..03-21: 10 days on 6 000 kr = 6 000 000 öre-days
    # One rate period, rounded once: 16 000 000 × 1200 / 3 650 000 = 5 260,27 → 5 260 öre.
    owed = [(date(2024, 3, 1), 1_000_000), (date(2024, 3, 11), 600_000), (date(2024, 3, 21), 0)]
    result = accrued_interest(owed, date(2024, 6, 30), REFERENCE_RATES)
    assert result.total_ore == 5_260
    assert len(result.periods) == 1


def test_accrued_interest_to_a_date_before_payment_in_full():
    # 10 000 kr due 2023-12-31 still owed; interest to 2024-01-10 = 10 days at 12 %:
    # 1 000 000 × 10 × 1200 / 3 650 000 = 3 287,67 → 3 288 öre.
    owed = [(date(2023, 12, 31), 1_000_000)]
    assert accrued_interest(owed, date(2024, 1, 10), REFERENCE_RATES).total_ore == 3_288


capitals = st.integers(min_value=0, max_value=10**11)
due_dates = st.dates(min_value=date(2022, 7, 1), max_value=date(2026, 6, 1))


@given(capitals, due_dates, st.integers(0, 400), st.integers(0, 400))
def test_interest_never_falls_as_the_payment_date_moves_later(capital, due, days, more):
    paid = min(due + timedelta(days=days), date(2026, 6, 30))
    later = min(paid + timedelta(days=more), date(2026, 6, 30))
    earlier_total = late_interest(capital, due, paid, REFERENCE_RATES).total_ore
    later_total = late_interest(capital, due, later, REFERENCE_RATES).total_ore
    assert 0 <= earlier_total <= later_total


@given(
    capitals, st.dates(min_value=date(2001, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 3000)
)
def test_zero_rate_gives_zero_interest_always(capital, due, days):
    paid = due + timedelta(days=days)
    assert late_interest(capital, due, paid, zero_rates(), margin_bp=0).total_ore == 0


@given(capitals, due_dates, st.integers(0, 700))
def test_periods_cover_exactly_the_days_of_delay(capital, due, days):
    paid = min(due + timedelta(days=days), date(2026, 6, 30))
    periods = late_interest(capital, due, paid, REFERENCE_RATES).periods
    assert sum(p.days for p in periods) == (paid - due).days
