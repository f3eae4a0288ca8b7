"""When the appeal time of a reported delegated decision ends (kommunallagen 13 kap 5 §, lag 1930:173)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.meetings.rules import appeal_ends, is_working_day, paragraph_reference


def test_three_weeks_from_posting_on_an_ordinary_weekday():
    assert appeal_ends(date(2026, 11, 4)) == date(2026, 11, 25)


@pytest.mark.parametrize(("posted", "ends"), [
    (date(2026, 11, 7), date(2026, 11, 30)),  # ends on a Saturday: Monday
    (date(2026, 11, 8), date(2026, 11, 30)),  # ends on a Sunday: Monday
])
def test_an_end_on_a_weekend_moves_to_monday(posted, ends):
    assert appeal_ends(posted) == ends


def test_easter_moves_the_end_past_good_friday_and_easter_monday():
    # 2026: Good Friday 3 April, Easter Monday 6 April.
    assert appeal_ends(date(2026, 3, 13)) == date(2026, 4, 7)
    assert appeal_ends(date(2026, 3, 16)) == date(2026, 4, 7)


def test_midsummer_eve_counts_as_a_holiday():
    # 2026: midsummer eve Friday 19 June, midsummer day Saturday 20 June.
    assert not is_working_day(date(2026, 6, 19))
    assert appeal_ends(date(2026, 5, 29)) == date(2026, 6, 22)


def test_christmas_and_new_year_eves_and_national_day():
    assert appeal_ends(date(2026, 12, 3)) == date(2026, 12, 28)  # 24 Dec: eve, 25-27 holidays
    assert appeal_ends(date(2026, 12, 10)) == date(2027, 1, 4)  # 31 Dec, 1 Jan, weekend
    assert not is_working_day(date(2025, 6, 6))  # National day on a Friday


def test_paragraph_reference_names_committee_date_and_paragraph():
    assert paragraph_reference("SN", date(2026, 12, 10), 14) == "SN 2026-12-10 § 14"


# --- every day of 2024-2035 against a table built by hand -------------------------------------------
#
# Lag (1930:173) om beräkning av lagstadgad tid: a time limit whose last day is a Saturday, Sunday,
# public holiday, midsummer eve, Christmas eve or New Year's eve ends on the next weekday instead.
# The public holidays are those of lag (1989:253) om allmänna helgdagar. Below are the ones that fall
# on a Monday to Friday (weekends are non-working days anyway), worked out by hand from:
#   - Fixed dates: nyårsdagen 1 Jan, trettondedag jul 6 Jan, första maj 1 May, Sveriges nationaldag
#     6 June, julafton 24 Dec, juldagen 25 Dec, annandag jul 26 Dec, nyårsafton 31 Dec; listed only
#     in years where they fall on a weekday (the weekday of 1 January of each year, counted forward).
#   - Easter Sunday (Gregorian computus; 2024 31 Mar, 2025 20 Apr, 2026 5 Apr, 2027 28 Mar, 2028 16 Apr,
#     2029 1 Apr, 2030 21 Apr, 2031 13 Apr, 2032 28 Mar, 2033 17 Apr, 2034 9 Apr, 2035 25 Mar):
#     långfredagen is Easter - 2 days (Friday), annandag påsk Easter + 1 (Monday), Kristi
#     himmelsfärdsdag Easter + 39 (the Thursday of the sixth week after Easter). Påskdagen and
#     pingstdagen are Sundays and so never listed.
#   - Midsommardagen is the Saturday from 20 to 26 June, so midsommarafton is the Friday from 19 to
#     25 June. Alla helgons dag is a Saturday (31 Oct - 6 Nov), never a weekday.
#   - 6 June on a Saturday (2026) or a Sunday (2027, 2032) adds no weekday: Friday 5 June 2026 is an
#     ordinary working day, the defect this table was built to catch.
WEEKDAY_HOLIDAYS = {
    2024: ["01-01", "03-29", "04-01", "05-01", "05-09", "06-06", "06-21", "12-24", "12-25", "12-26", "12-31"],
    2025: ["01-01", "01-06", "04-18", "04-21", "05-01", "05-29", "06-06", "06-20", "12-24", "12-25", "12-26",
           "12-31"],
    2026: ["01-01", "01-06", "04-03", "04-06", "05-01", "05-14", "06-19", "12-24", "12-25", "12-31"],
    2027: ["01-01", "01-06", "03-26", "03-29", "05-06", "06-25", "12-24", "12-31"],
    2028: ["01-06", "04-14", "04-17", "05-01", "05-25", "06-06", "06-23", "12-25", "12-26"],
    2029: ["01-01", "03-30", "04-02", "05-01", "05-10", "06-06", "06-22", "12-24", "12-25", "12-26", "12-31"],
    2030: ["01-01", "04-19", "04-22", "05-01", "05-30", "06-06", "06-21", "12-24", "12-25", "12-26", "12-31"],
    2031: ["01-01", "01-06", "04-11", "04-14", "05-01", "05-22", "06-06", "06-20", "12-24", "12-25", "12-26",
           "12-31"],
    2032: ["01-01", "01-06", "03-26", "03-29", "05-06", "06-25", "12-24", "12-31"],
    2033: ["01-06", "04-15", "04-18", "05-26", "06-06", "06-24", "12-26"],
    2034: ["01-06", "04-07", "04-10", "05-01", "05-18", "06-06", "06-23", "12-25", "12-26"],
    2035: ["01-01", "03-23", "03-26", "05-01", "05-03", "06-06", "06-22", "12-24", "12-25", "12-26", "12-31"],
}
HAND_HOLIDAYS = frozenset(date.fromisoformat(f"{year}-{day}") for year, days in WEEKDAY_HOLIDAYS.items()
                          for day in days)
YEARS = range(2024, 2036)


def _hand_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in HAND_HOLIDAYS


def test_the_hand_table_lists_only_weekdays():
    assert all(day.weekday() < 5 for day in HAND_HOLIDAYS)


@pytest.mark.parametrize("year", YEARS)
def test_every_day_of_the_year_is_a_working_day_exactly_as_the_hand_table_says(year):
    day, wrong = date(year, 1, 1), []
    while day.year == year:
        if is_working_day(day) != _hand_working_day(day):
            wrong.append(day.isoformat())
        day += timedelta(days=1)
    assert wrong == []


@pytest.mark.parametrize("year", YEARS)
def test_the_appeal_time_ends_on_the_first_working_day_from_three_weeks_after_posting(year):
    posted, wrong = date(year, 1, 1), []
    while posted.year == year:
        expected = posted + timedelta(weeks=3)
        while not _hand_working_day(expected):
            expected += timedelta(days=1)
        if expected.year not in YEARS:  # the table ends with 2035
            break
        if appeal_ends(posted) != expected:
            wrong.append((posted.isoformat(), appeal_ends(posted).isoformat(), expected.isoformat()))
        posted += timedelta(days=1)
    assert wrong == []


def test_national_day_on_a_saturday_leaves_the_friday_before_a_working_day():
    # 6 June 2026 is a Saturday: the appeal time of minutes posted on 15 May ends on Friday 5 June.
    assert is_working_day(date(2026, 6, 5))
    assert appeal_ends(date(2026, 5, 15)) == date(2026, 6, 5)
