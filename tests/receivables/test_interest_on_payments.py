"""A plan's interest recomputed on the payments actually made (RULINGS 1): late interest from each
invoice's own due date, at each half-year's reference rate + 8 points, on the capital as the payments
really lowered it, each payment settling in the settlement order. Exact öre, worked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from portal.receivables.rules import (
    NO_INTEREST,
    MissingReferenceRate,
    RulesError,
    SettlementPart,
    interest_on_payments,
)

# 2 % reference rate + 8 points = 10 % a year in both half-years.
RATES = {date(2026, 7, 1): 200, date(2027, 1, 1): 200}
DUE = date(2026, 10, 31)
PAYMENTS = [(date(2026, 12, 31), 1_000_00), (date(2027, 1, 31), 1_000_00)]
INTEREST_FIRST = (SettlementPart.INTEREST, SettlementPart.FEES, SettlementPart.CAPITAL)


def ore(capital_days: int, rate_bp: int = 1000) -> int:
    """Capital-days at a rate, 365-day year, rounded half-up once per rate period."""
    return (2 * capital_days * rate_bp + 3_650_000) // (2 * 3_650_000)


def test_the_hand_worked_rounding_helper():
    assert ore(300_000 * 61) == 5014  # 50,137 kr: rounded up


def test_capital_first_leaves_the_interest_owed_in_full():
    """3 000 kr due 2026-10-31; 1 000 kr paid 2026-12-31 and 2027-01-31 (capital first), seen
    2027-02-10. 2026 H2: 61 days (1 Nov–31 Dec) on 3 000 kr = 50,14 kr. 2027 H1: 31 days on
    2 000 kr and 10 days on 1 000 kr = 7 200 000 capital-days = 19,73 kr."""
    result = interest_on_payments([(DUE, 3_000_00)], PAYMENTS, date(2027, 2, 10), RATES)
    assert ore(300_000 * 61) + ore(200_000 * 31 + 100_000 * 10) == 5014 + 1973
    assert (result.accrued_ore, result.interest_paid_ore, result.interest_owed_ore) == (6987, 0, 6987)
    assert (result.capital_paid_ore, result.capital_owed_ore) == (2_000_00, 1_000_00)
    assert result.owed_ore == 1_000_00 + 6987


def test_interest_first_pays_what_has_run_and_the_rest_lowers_the_capital():
    """The first payment settles 50,14 kr interest (to and including 2026-12-31) and 949,86 kr
    capital, leaving 2 050,14 kr. By 2027-01-31: 31 days on 2 050,14 kr = 17,41 kr, paid by the
    second payment with 982,59 kr capital, leaving 1 067,55 kr. To 2027-02-10: 2027 H1 is 31 days
    on 2 050,14 kr and 10 on 1 067,55 kr = 20,34 kr; 2,93 kr of it is still owed."""
    result = interest_on_payments([(DUE, 3_000_00)], PAYMENTS, date(2027, 2, 10), RATES, order=INTEREST_FIRST)
    assert (ore(205_014 * 31), ore(205_014 * 31 + 106_755 * 10)) == (1741, 2034)
    assert (result.accrued_ore, result.interest_paid_ore, result.interest_owed_ore) == (5014 + 2034, 6755, 293)
    assert (result.capital_paid_ore, result.capital_owed_ore) == (200_000 - 6755, 106_755)


def test_interest_runs_from_each_invoices_own_due_date():
    """Two invoices, 1 000 kr due 2026-10-31 and 1 000 kr due 2027-01-31; nothing paid, seen
    2027-02-10: the first bears 61 days of 2026 and 41 of 2027, the second 10 days of 2027."""
    parts = [(date(2027, 1, 31), 1_000_00), (DUE, 1_000_00)]
    result = interest_on_payments(parts, [], date(2027, 2, 10), RATES)
    assert result.accrued_ore == ore(100_000 * 61) + ore(100_000 * 41) + ore(100_000 * 10) == 1671 + 1123 + 274


def test_capital_is_paid_oldest_due_date_first_and_a_payment_before_the_due_date_bears_nothing():
    parts = [(date(2027, 1, 31), 1_000_00), (DUE, 1_000_00)]
    # 1 500 kr on 2026-10-31 (the first invoice's due date): it is paid whole, the second half.
    result = interest_on_payments(parts, [(DUE, 1_500_00)], date(2027, 2, 10), RATES)
    assert result.capital_owed_ore == 500_00
    assert result.accrued_ore == ore(50_000 * 10)  # the second invoice's rest, from its own due date


def test_fees_are_settled_first_and_an_overpayment_is_a_credit():
    result = interest_on_payments([(DUE, 1_000_00)], [(date(2026, 10, 31), 1_200_00)], date(2027, 2, 10),
                                  RATES, fees_ore=170_00)
    assert (result.fees_paid_ore, result.capital_paid_ore, result.unallocated_ore) == (170_00, 1_000_00, 30_00)
    assert (result.accrued_ore, result.owed_ore) == (0, 0)


def test_a_category_without_late_interest_bears_none_and_later_payments_do_not_count():
    result = interest_on_payments([(NO_INTEREST, 1_000_00)], [(date(2027, 3, 1), 500_00), (date(2027, 1, 5), 100_00)],
                                  date(2027, 2, 10), RATES)
    assert (result.accrued_ore, result.capital_owed_ore) == (0, 900_00)


# --- negative payments: returned payments, reversals and corrections in the ledger ---------------

def test_a_reversed_payment_owes_the_capital_again_from_the_reversals_date():
    """3 000 kr due 2026-10-31; 1 000 kr paid 2026-12-31 and reversed 2027-01-15 (capital first).
    2026 H2: 61 days on 3 000 kr. 2027 H1: 1–15 Jan on 2 000 kr (the 15th bears on the end of the
    14th), 16 Jan–10 Feb (26 days) on 3 000 kr again."""
    reversed_ = interest_on_payments([(DUE, 3_000_00)], [(date(2026, 12, 31), 1_000_00), (date(2027, 1, 15), -1_000_00)],
                                     date(2027, 2, 10), RATES)
    assert reversed_.accrued_ore == ore(300_000 * 61) + ore(200_000 * 15 + 300_000 * 26)
    assert (reversed_.capital_paid_ore, reversed_.capital_owed_ore, reversed_.unallocated_ore) == (0, 3_000_00, 0)
    assert reversed_.owed_ore == 3_000_00 + reversed_.accrued_ore
    # More than if the payment had stood, less than if it had never been made.
    kept = interest_on_payments([(DUE, 3_000_00)], [(date(2026, 12, 31), 1_000_00)], date(2027, 2, 10), RATES)
    never = interest_on_payments([(DUE, 3_000_00)], [], date(2027, 2, 10), RATES)
    assert kept.owed_ore < reversed_.owed_ore < never.owed_ore


def test_a_reversal_undoes_the_parts_in_the_reverse_of_the_settlement_order():
    """Interest first: the payment of 2026-12-31 settled 50,14 kr interest and 949,86 kr capital;
    reversed on 2027-01-15 the capital is owed again first, then the interest (none of it is paid
    any more). 2027 H1: 15 days on 2 050,14 kr, 26 days on 3 000 kr."""
    result = interest_on_payments([(DUE, 3_000_00)], [(date(2026, 12, 31), 1_000_00), (date(2027, 1, 15), -1_000_00)],
                                  date(2027, 2, 10), RATES, order=INTEREST_FIRST)
    assert (result.interest_paid_ore, result.capital_paid_ore, result.capital_owed_ore) == (0, 0, 3_000_00)
    assert result.accrued_ore == ore(300_000 * 61) + ore(205_014 * 15 + 300_000 * 26)
    # Half reversed: the capital the payment settled comes back first; the interest stays paid.
    half = interest_on_payments([(DUE, 3_000_00)], [(date(2026, 12, 31), 1_000_00), (date(2027, 1, 15), -500_00)],
                                date(2027, 2, 10), RATES, order=INTEREST_FIRST)
    assert (half.interest_paid_ore, half.capital_paid_ore) == (5014, 949_86 - 500_00)


def test_a_reversal_takes_a_credit_balance_first_and_fees_are_owed_again():
    """1 200 kr paid on the due date against 170 kr fees and 1 000 kr capital: 30 kr credit. 300 kr
    reversed on 2027-01-10: the credit, then 270 kr capital (fees are settled first, so undone
    last), owed with interest from the 10th: 11 Jan–10 Feb is 31 days on 270 kr."""
    result = interest_on_payments([(DUE, 1_000_00)], [(DUE, 1_200_00), (date(2027, 1, 10), -300_00)],
                                  date(2027, 2, 10), RATES, fees_ore=170_00)
    assert (result.unallocated_ore, result.capital_owed_ore, result.fees_owed_ore) == (0, 270_00, 0)
    assert result.accrued_ore == ore(27_000 * 31)
    everything = interest_on_payments([(DUE, 1_000_00)], [(DUE, 1_200_00), (date(2027, 1, 10), -1_200_00)],
                                      date(2027, 2, 10), RATES, fees_ore=170_00)
    assert (everything.fees_paid_ore, everything.fees_owed_ore, everything.capital_owed_ore) == (0, 170_00, 1_000_00)


def test_a_negative_row_beyond_all_that_was_paid_raises_the_capital_from_its_date():
    """A correction of 100 kr on 2027-01-20 with nothing paid: 1 100 kr owed from then; 21 Jan–10
    Feb is 21 days on the 100 kr more."""
    result = interest_on_payments([(DUE, 1_000_00)], [(date(2027, 1, 20), -100_00)], date(2027, 2, 10), RATES)
    assert result.capital_owed_ore == 1_100_00
    assert result.accrued_ore == ore(100_000 * 61) + ore(100_000 * 41 + 10_000 * 21)
    # Two invoices: the capital last paid comes back first, up to what was paid on it.
    parts = [(date(2027, 1, 31), 1_000_00), (DUE, 1_000_00)]
    paid = interest_on_payments(parts, [(DUE, 1_500_00), (DUE, -600_00)], date(2027, 2, 10), RATES)
    assert paid.capital_owed_ore == 1_100_00
    assert paid.accrued_ore == ore(10_000 * 61) + ore(10_000 * 41) + ore(100_000 * 10)


def test_a_payment_and_its_reversal_on_one_day_are_as_if_nothing_was_paid():
    never = interest_on_payments([(DUE, 3_000_00)], [], date(2027, 2, 10), RATES)
    for payments in ([(date(2026, 12, 31), 1_000_00), (date(2026, 12, 31), -1_000_00)],
                     [(date(2026, 12, 31), -1_000_00), (date(2026, 12, 31), 1_000_00)]):
        both = interest_on_payments([(DUE, 3_000_00)], payments, date(2027, 2, 10), RATES)
        assert (both.accrued_ore, both.capital_owed_ore, both.capital_paid_ore) == (never.accrued_ore, 3_000_00, 0)
    # A reversal after the day looked at does not count yet.
    later = interest_on_payments([(DUE, 3_000_00)], [(date(2026, 12, 31), 1_000_00), (date(2027, 3, 1), -1_000_00)],
                                 date(2027, 2, 10), RATES)
    assert later.capital_owed_ore == 2_000_00


def test_a_missing_reference_rate_is_said_and_bad_amounts_refused():
    with pytest.raises(MissingReferenceRate):
        interest_on_payments([(DUE, 1_000_00)], [], date(2027, 8, 1), RATES)
    with pytest.raises(RulesError):
        interest_on_payments([(DUE, -1)], [], date(2027, 2, 10), RATES)
