"""When the appeal time of a reported delegated decision ends (kommunallagen 13 kap 5 §, lag 1930:173)."""

from __future__ import annotations

from datetime import date

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
