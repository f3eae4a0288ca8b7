"""Tests of instalment schedules, payment allocation and lengths in months (DOMAIN "Plans")."""

from datetime import date
from itertools import pairwise, permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.receivables import rules
from portal.receivables.rules import (
    DEFAULT_SETTLEMENT_ORDER,
    NO_INTEREST,
    MissingReferenceRate,
    Owed,
    RulesError,
    SettlementPart,
    add_months,
    allocate_payment,
    instalment_schedule,
    late_interest,
    months_between,
    plan_length_months,
    rates_with_estimates,
)
from tests.receivables.builders import REFERENCE_RATES

FEES, CAPITAL, INTEREST = SettlementPart


def rows_of(schedule):
    return [
        (
            r.due_date,
            r.amount_ore,
            r.fees_ore,
            r.capital_ore,
            r.interest_ore,
            r.remaining_capital_ore,
        )
        for r in schedule.rows
    ]


def test_schedule_without_interest_worked_by_hand():
    # 1 000 kr capital + 180 kr collection costs = 1 180 kr over 3 instalments:
    # 1 180 / 3 = 393,33 → rounded up to 394 kr a month; the last takes 1 180 − 2 × 394 = 392.
    # The plan fee 170 kr comes on top of the first; costs are settled before capital.
    schedule = instalment_schedule(
        capital_ore=100_000, accrued_interest_ore=0, plan_fee_ore=17_000,
        collection_costs_ore=18_000, decision_date=date(2024, 1, 15),
        first_due_date=date(2024, 1, 31), reference_rates=REFERENCE_RATES, instalments=3,
        charges_interest=False,
    )  # fmt: skip
    assert schedule.monthly_amount_ore == 39_400
    assert rows_of(schedule) == [
        # 394 kr: 180 costs + 214 capital; + 170 plan fee
        (date(2024, 1, 31), 56_400, 35_000, 21_400, 0, 78_600),
        (date(2024, 2, 29), 39_400, 0, 39_400, 0, 39_200),  # 31st clamped to February's end
        (date(2024, 3, 31), 39_200, 0, 39_200, 0, 0),
    ]
    assert schedule.total_ore == 135_000  # 1 000 + 170 + 180 kr


def test_schedule_with_monthly_amount_and_interest_worked_by_hand():
    # Decided 2024-01-31, rate in force 4 + 8 = 12 %. Capital 3 000 kr, accrued interest 50 kr,
    # collection costs 180 kr, plan fee 170 kr, 1 100 kr a month from 2024-02-29.
    # 1: 29 days on 3 000 kr: 300 000 × 29 × 1200 / 3 650 000 = 2 860,27 → 2 860 öre.
    #    1 100 kr pays 180 costs + 920 capital (interest last): capital left 2 080 kr.
    #    Amount 1 100 + 170 fee = 1 270 kr.
    # 2: 2024-03-01..03-29 = 29 days on 2 080 kr: 208 000 × 29 × 1200 / 3 650 000 = 1 983,12
    #    → 1 983 öre. 1 100 kr all capital: 980 kr left.
    # 3: 2024-03-30..04-29 = 31 days on 980 kr: 98 000 × 31 × 1200 / 3 650 000 = 998,79 → 999.
    #    Owed 980 kr + interest 50 + 28,60 + 19,83 + 9,99 = 108,42 kr = 1 088,42 kr ≤ 1 100: last.
    schedule = instalment_schedule(
        capital_ore=300_000, accrued_interest_ore=5_000, plan_fee_ore=17_000,
        collection_costs_ore=18_000, decision_date=date(2024, 1, 31),
        first_due_date=date(2024, 2, 29), reference_rates=REFERENCE_RATES,
        monthly_amount_ore=110_000,
    )  # fmt: skip
    assert schedule.rate_bp == 1200
    assert [r.interest_accrued_ore for r in schedule.rows] == [2_860, 1_983, 999]
    assert rows_of(schedule) == [
        (date(2024, 2, 29), 127_000, 35_000, 92_000, 0, 208_000),
        (date(2024, 3, 29), 110_000, 0, 110_000, 0, 98_000),
        (date(2024, 4, 29), 108_842, 0, 98_000, 10_842, 0),
    ]
    assert plan_length_months(date(2023, 12, 31), schedule) == 4  # 12-31 → 04-29 started 4th


def test_an_instalment_spanning_new_year_takes_each_half_years_rate():
    # Decided 2024-12-20 (12 %); the first instalment runs into 2025, when the rate is 11 %.
    # 1: 2024-12-21..12-31 = 11 days at 12 %: 100 000 × 11 × 1200 / 3 650 000 = 361,64 → 362
    #    2025-01-01..01-20 = 20 days at 11 %: 100 000 × 20 × 1100 / 3 650 000 = 602,74 → 603
    # (before the fix the whole plan ran at the decision day's 12 %: 1 019 öre)
    schedule = instalment_schedule(
        capital_ore=100_000, accrued_interest_ore=0, plan_fee_ore=0, collection_costs_ore=0,
        decision_date=date(2024, 12, 20), first_due_date=date(2025, 1, 20),
        reference_rates=REFERENCE_RATES, instalments=2,
    )  # fmt: skip
    assert schedule.rate_bp == 1200
    assert schedule.rows[0].interest_accrued_ore == 362 + 603
    assert [(r.half_year_start, r.rate_bp, r.estimated) for r in schedule.rates] == [
        (date(2024, 7, 1), 1200, False), (date(2025, 1, 1), 1100, False)]  # fmt: skip


# --- plan interest from each invoice's own due date (räntelagen 3 §, RULINGS 1) -----------------

DEMO_RATES = {**REFERENCE_RATES, date(2026, 7, 1): 200}  # known through 2026-12-31, as in the demo


def _issue_plan(module, **kwargs):
    """Issue 11's plan: 14 500 kr on an invoice due 2026-12-31, decided 2026-11-30, twelve
    instalments of 1 281 kr from 2027-01-31 (the monthly amount a 12-instalment plan gave)."""
    return module.instalment_schedule(
        capital_ore=1_450_000, accrued_interest_ore=0, plan_fee_ore=0, collection_costs_ore=0,
        decision_date=date(2026, 11, 30), first_due_date=date(2027, 1, 31),
        reference_rates=DEMO_RATES, monthly_amount_ore=128_100, **kwargs,
    )  # fmt: skip


def test_interest_on_an_invoice_not_yet_due_runs_from_its_due_date_not_the_decision():
    # Before the fix interest ran from the decision date: 865,25 kr in all. From the due date,
    # 2027-01-01 on, the first instalment bears 31 days, not 62:
    # 1 450 000 × 31 × 1000 / 3 650 000 = 12 315,07 → 123,15 kr (was 246,30 kr).
    # The total is 742,10 kr: each instalment's interest rounded half-up (the exact sum is
    # 742,1159 kr, which issue 11 gave as 742,11 kr).
    schedule = _issue_plan(rules, capital_parts=[(date(2026, 12, 31), 1_450_000)])
    plan_interest = sum(row.interest_accrued_ore for row in schedule.rows)
    assert schedule.rows[0].interest_accrued_ore == 12_315
    assert plan_interest == 74_210
    assert len(schedule.rows) == 12 and schedule.rows[-1].amount_ore == 115_110
    # The same plan counted from the decision date is the defect's figure.
    from_decision = _issue_plan(rules)
    assert sum(row.interest_accrued_ore for row in from_decision.rows) == 86_525


def test_an_invoice_already_due_bears_interest_from_its_due_date_through_the_plan():
    # 12 000 kr due 2026-04-30, decided 2026-05-15: interest runs from 2026-05-01, before the
    # decision, and is exactly late_interest to the first due date (one interest function).
    # 2026-05-01..06-30 = 61 days at 10 %: 1 200 000 × 61 × 1000 / 3 650 000 = 20 054,79 → 20 055.
    # 2026-07-01..07-30 = 30 days on 5 875 kr at the latest known 10 %, estimated: 4 828,77 → 4 829.
    schedule = instalment_schedule(
        capital_ore=1_200_000, accrued_interest_ore=0, plan_fee_ore=0, collection_costs_ore=0,
        decision_date=date(2026, 5, 15), first_due_date=date(2026, 6, 30),
        reference_rates=REFERENCE_RATES, instalments=2,
        capital_parts=[(date(2026, 4, 30), 1_200_000)],
    )  # fmt: skip
    first, second = schedule.rows
    assert first.interest_accrued_ore == 20_055
    assert first.interest_accrued_ore == late_interest(
        1_200_000, date(2026, 4, 30), date(2026, 6, 30), REFERENCE_RATES).total_ore
    assert (first.interest_estimated, second.interest_estimated) == (False, True)
    assert second.interest_accrued_ore == 4_829
    assert schedule.estimated_from == date(2026, 7, 1)
    assert [(r.half_year_start, r.rate_bp, r.estimated) for r in schedule.rates] == [
        (date(2026, 1, 1), 1000, False), (date(2026, 7, 1), 1000, True)]  # fmt: skip


def test_invoices_due_before_and_after_the_decision_each_bear_interest_from_their_own_date():
    # 1 000 kr due 2026-03-31 and 1 000 kr due 2026-06-15; decided 2026-05-01; one instalment
    # 2026-06-30. The first bears 04-01..06-30 = 91 days, the second 06-16..06-30 = 15 days, 10 %:
    # 100 000 × (91 + 15) × 1000 / 3 650 000 = 2 904,11 → 2 904 (one rate period, rounded once).
    schedule = instalment_schedule(
        capital_ore=200_000, accrued_interest_ore=0, plan_fee_ore=0, collection_costs_ore=0,
        decision_date=date(2026, 5, 1), first_due_date=date(2026, 6, 30),
        reference_rates=REFERENCE_RATES, instalments=1,
        capital_parts=[(date(2026, 6, 15), 100_000), (date(2026, 3, 31), 100_000)],
    )  # fmt: skip
    assert schedule.rows[0].interest_accrued_ore == 2_904
    assert schedule.rows[0].amount_ore == 202_904


def test_an_invoice_due_after_the_first_instalment_bears_nothing_until_then():
    schedule = instalment_schedule(
        capital_ore=100_000, accrued_interest_ore=0, plan_fee_ore=0, collection_costs_ore=0,
        decision_date=date(2026, 5, 1), first_due_date=date(2026, 5, 31),
        reference_rates=REFERENCE_RATES, monthly_amount_ore=100_000,
        capital_parts=[(date(2026, 6, 30), 100_000)],
    )  # fmt: skip
    assert [row.interest_accrued_ore for row in schedule.rows] == [0]
    assert schedule.total_ore == 100_000


def test_a_capital_without_late_interest_bears_none():
    schedule = instalment_schedule(
        capital_ore=300_000, accrued_interest_ore=0, plan_fee_ore=0, collection_costs_ore=0,
        decision_date=date(2026, 5, 1), first_due_date=date(2026, 5, 31),
        reference_rates=REFERENCE_RATES, instalments=1,
        capital_parts=[(date(2026, 3, 31), 100_000), (NO_INTEREST, 200_000)],
    )  # fmt: skip
    # Only the 1 000 kr bears interest: 04-01..05-31 = 61 days: 1 671,23 → 1 671.
    assert schedule.rows[0].interest_accrued_ore == 1_671


def test_a_rate_change_on_1_january_applies_from_that_day():
    # Due 2024-12-31: that instalment takes 12-02..12-31 = 30 days at 12 %, none of 2025's rate;
    # 10 000 000 × 30 × 1200 / 3 650 000 = 98 630,14 → 98 630. The next, 2025-01-01..01-31,
    # 31 days on 49 276 kr at 11 %: 46 036,44 → 46 036.
    on_new_years_eve = instalment_schedule(
        capital_ore=10_000_000, accrued_interest_ore=0, plan_fee_ore=0, collection_costs_ore=0,
        decision_date=date(2024, 12, 1), first_due_date=date(2024, 12, 31),
        reference_rates=REFERENCE_RATES, instalments=2,
    )  # fmt: skip
    assert [r.interest_accrued_ore for r in on_new_years_eve.rows] == [98_630, 46_036]
    # Due 2025-01-01: the 1st of January itself is at 11 %: 98 630 + 3 013,70 → 3 014.
    on_new_years_day = instalment_schedule(
        capital_ore=10_000_000, accrued_interest_ore=0, plan_fee_ore=0, collection_costs_ore=0,
        decision_date=date(2024, 12, 1), first_due_date=date(2025, 1, 1),
        reference_rates=REFERENCE_RATES, instalments=2,
    )  # fmt: skip
    assert on_new_years_day.rows[0].interest_accrued_ore == 98_630 + 3_014


def test_a_rate_change_on_1_july_applies_from_that_day():
    # 2025-06-02..06-30 = 29 days at 3 + 8 = 11 %: 87 397,26 → 87 397; 2025-07-01 at 10 %: 2 739,73 → 2 740.
    schedule = instalment_schedule(
        capital_ore=10_000_000, accrued_interest_ore=0, plan_fee_ore=0, collection_costs_ore=0,
        decision_date=date(2025, 6, 1), first_due_date=date(2025, 7, 1),
        reference_rates=REFERENCE_RATES, instalments=2,
    )  # fmt: skip
    assert schedule.rows[0].interest_accrued_ore == 87_397 + 2_740
    assert not any(row.interest_estimated for row in schedule.rows)


def test_unknown_half_years_take_the_latest_known_rate_and_are_marked_estimates():
    rates, estimated_from = rates_with_estimates(REFERENCE_RATES, date(2027, 3, 1))
    assert estimated_from == date(2026, 7, 1)
    assert rates[date(2026, 7, 1)] == rates[date(2027, 1, 1)] == REFERENCE_RATES[date(2026, 1, 1)]
    assert rates_with_estimates(REFERENCE_RATES, date(2026, 6, 30)) == (REFERENCE_RATES, None)
    # A half-year missing between known ones is not guessed.
    gap = {date(2024, 1, 1): 400, date(2025, 1, 1): 300}
    with pytest.raises(MissingReferenceRate):
        late_interest(100_000, date(2024, 6, 1), date(2024, 8, 1), rates_with_estimates(gap, date(2025, 2, 1))[0])


def test_capital_parts_must_add_up_to_the_capital():
    with pytest.raises(RulesError) as raised:
        instalment_schedule(
            capital_ore=100_000, accrued_interest_ore=0, plan_fee_ore=0, collection_costs_ore=0,
            decision_date=date(2026, 5, 1), first_due_date=date(2026, 5, 31),
            reference_rates=REFERENCE_RATES, instalments=1,
            capital_parts=[(date(2026, 3, 31), 90_000)],
        )  # fmt: skip
    assert raised.value.code == "capital_parts_do_not_add_up"


def test_monthly_amount_is_rounded_up_to_whole_kronor():
    schedule = instalment_schedule(
        capital_ore=100_000, accrued_interest_ore=0, plan_fee_ore=0, collection_costs_ore=0,
        decision_date=date(2024, 1, 1), first_due_date=date(2024, 2, 1),
        reference_rates=REFERENCE_RATES, monthly_amount_ore=33_301, charges_interest=False,
    )  # fmt: skip
    assert schedule.monthly_amount_ore == 33_400
    assert [r.amount_ore for r in schedule.rows] == [33_400, 33_400, 33_200]


def test_too_many_instalments_for_the_debt_is_refused():
    # 50 kr cannot be paid in 60 whole-kronor instalments: 1 kr a month ends after 50.
    with pytest.raises(RulesError) as raised:
        instalment_schedule(
            capital_ore=5_000, accrued_interest_ore=0, plan_fee_ore=0, collection_costs_ore=0,
            decision_date=date(2024, 1, 1), first_due_date=date(2024, 2, 1),
            reference_rates=REFERENCE_RATES, instalments=60, charges_interest=False,
        )  # fmt: skip
    assert raised.value.code == "too_many_instalments"
    assert raised.value.params["possible"] == 50


def test_a_monthly_amount_below_the_interest_never_ends_and_is_refused():
    with pytest.raises(RulesError) as raised:
        instalment_schedule(
            capital_ore=10**9, accrued_interest_ore=0, plan_fee_ore=0, collection_costs_ore=0,
            decision_date=date(2024, 1, 1), first_due_date=date(2024, 2, 1),
            reference_rates=REFERENCE_RATES, monthly_amount_ore=100,
            settlement_order=(INTEREST, FEES, CAPITAL),
        )  # fmt: skip
    assert raised.value.code == "monthly_amount_too_small"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"instalments": 3, "monthly_amount_ore": 100}, "instalments_or_monthly_amount"),
        ({}, "instalments_or_monthly_amount"),
        ({"instalments": 0}, "instalments_out_of_range"),
        ({"monthly_amount_ore": 0}, "monthly_amount_not_positive"),
        (
            {"instalments": 3, "first_due_date": date(2024, 1, 1)},
            "first_due_date_not_after_decision",
        ),
        ({"instalments": 3, "settlement_order": (FEES, CAPITAL)}, "invalid_settlement_order"),
    ],
)
def test_schedule_refuses_bad_terms(kwargs, code):
    terms = {
        "capital_ore": 100_000, "accrued_interest_ore": 0, "plan_fee_ore": 0, "collection_costs_ore": 0,
        "decision_date": date(2024, 1, 1), "first_due_date": date(2024, 2, 1),
        "reference_rates": REFERENCE_RATES,
    }  # fmt: skip
    terms.update(kwargs)
    with pytest.raises(RulesError) as raised:
        instalment_schedule(**terms)
    assert raised.value.code == code


orders = st.sampled_from(list(permutations(SettlementPart)))
amounts = st.integers(min_value=0, max_value=5 * 10**7)


@given(
    capital=st.integers(min_value=1, max_value=5 * 10**7),
    accrued=amounts, fee=st.integers(0, 50_000), costs=st.integers(0, 100_000),
    decided=st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 6, 30)),
    wait=st.integers(1, 60), count=st.integers(1, 36), order=orders,
)  # fmt: skip
def test_instalments_add_up_exactly_and_nothing_is_negative(
    capital, accrued, fee, costs, decided, wait, count, order
):
    first_due = date.fromordinal(decided.toordinal() + wait)
    try:
        schedule = instalment_schedule(
            capital_ore=capital, accrued_interest_ore=accrued, plan_fee_ore=fee,
            collection_costs_ore=costs, decision_date=decided, first_due_date=first_due,
            reference_rates=REFERENCE_RATES, instalments=count, settlement_order=order,
        )  # fmt: skip
    except RulesError as error:
        assert error.code == "too_many_instalments"
        return
    rows = schedule.rows
    plan_interest = sum(r.interest_accrued_ore for r in rows)
    assert schedule.total_ore == capital + accrued + plan_interest + fee + costs
    assert schedule.total_capital_ore == capital
    assert schedule.total_fees_ore == fee + costs
    assert schedule.total_interest_ore == accrued + plan_interest
    assert len(rows) == count
    for row in rows:
        assert min(row.amount_ore, row.fees_ore, row.capital_ore, row.interest_ore) >= 0
        assert row.remaining_capital_ore >= 0
        assert row.amount_ore == row.fees_ore + row.capital_ore + row.interest_ore
        assert row.due_date == add_months(first_due, row.number - 1)
    monthly = schedule.monthly_amount_ore
    assert monthly % 100 == 0
    assert all(r.amount_ore - (fee if r.number == 1 else 0) == monthly for r in rows[:-1])
    assert rows[-1].amount_ore - (fee if count == 1 else 0) <= monthly
    assert rows[-1].remaining_capital_ore == 0
    # The smallest such amount: a krona less a month does not finish in `count` instalments.
    if monthly > 100:
        cheaper = instalment_schedule(
            capital_ore=capital, accrued_interest_ore=accrued, plan_fee_ore=fee,
            collection_costs_ore=costs, decision_date=decided, first_due_date=first_due,
            reference_rates=REFERENCE_RATES, monthly_amount_ore=monthly - 100,
            settlement_order=order,
        )  # fmt: skip
        assert len(cheaper.rows) > count


# --- allocation ------------------------------------------------------------------------------


def test_partial_payment_settles_costs_then_capital_then_interest():
    owed = Owed(fees_ore=18_000, capital_ore=100_000, interest_ore=5_000)
    paid = allocate_payment(50_000, owed)
    assert (paid.fees_ore, paid.capital_ore, paid.interest_ore, paid.unallocated_ore) == (
        18_000, 32_000, 0, 0,
    )  # fmt: skip


def test_another_order_can_be_configured():
    owed = Owed(fees_ore=18_000, capital_ore=100_000, interest_ore=5_000)
    paid = allocate_payment(20_000, owed, order=(INTEREST, FEES, CAPITAL))
    assert (paid.interest_ore, paid.fees_ore, paid.capital_ore) == (5_000, 15_000, 0)


def test_payment_directed_to_capital_is_used_so_and_the_rest_by_order():
    owed = Owed(fees_ore=18_000, capital_ore=100_000, interest_ore=5_000)
    paid = allocate_payment(60_000, owed, directed={CAPITAL: 50_000})
    assert (paid.fees_ore, paid.capital_ore, paid.interest_ore) == (10_000, 50_000, 0)


def test_overpayment_is_left_unallocated():
    paid = allocate_payment(200_000, Owed(1, 2, 3))
    assert (paid.fees_ore, paid.capital_ore, paid.interest_ore, paid.unallocated_ore) == (
        1, 2, 3, 199_994,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("directed", "code"),
    [({CAPITAL: 200}, "invalid_direction"), ({FEES: 10, CAPITAL: 100}, "directed_more_than_paid")],
)
def test_impossible_directions_are_refused(directed, code):
    with pytest.raises(RulesError) as raised:
        allocate_payment(100, Owed(50, 150, 0), directed=directed)
    assert raised.value.code == code


@given(amounts, amounts, amounts, amounts, orders)
def test_allocation_splits_the_whole_payment_and_never_exceeds_what_is_owed(
    amount, fees, capital, interest, order
):
    owed = Owed(fees, capital, interest)
    paid = allocate_payment(amount, owed, order)
    parts = [paid.part(part) for part in SettlementPart]
    assert sum(parts) + paid.unallocated_ore == amount
    assert all(0 <= paid.part(part) <= owed.part(part) for part in SettlementPart)
    assert paid.unallocated_ore == max(amount - owed.total_ore, 0)
    # A later part in the order gets something only once the earlier ones are settled.
    for earlier, later in pairwise(order):
        if paid.part(later):
            assert paid.part(earlier) == owed.part(earlier)
    assert DEFAULT_SETTLEMENT_ORDER == (FEES, CAPITAL, INTEREST)


# --- lengths ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2024, 1, 15), date(2024, 1, 15), 0),
        (date(2024, 1, 15), date(2024, 1, 16), 1),  # a started month counts whole
        (date(2024, 1, 15), date(2024, 4, 15), 3),
        (date(2024, 1, 15), date(2024, 4, 16), 4),
        (date(2024, 1, 31), date(2024, 2, 29), 1),  # month-end clamp: 31 Jan + 1 month
        (date(2024, 2, 29), date(2024, 3, 29), 1),
        (date(2024, 2, 29), date(2024, 3, 31), 2),
        (date(2023, 12, 31), date(2024, 1, 1), 1),
        (date(2024, 3, 1), date(2025, 3, 1), 12),
    ],
)
def test_months_between_counts_started_months(start, end, months):
    assert months_between(start, end) == months


def test_months_between_refuses_an_end_before_the_start():
    with pytest.raises(RulesError):
        months_between(date(2024, 2, 1), date(2024, 1, 31))


@given(st.dates(max_value=date(9000, 1, 1)), st.integers(0, 400))
def test_months_between_is_the_smallest_count_that_reaches_the_end(start, days):
    end = date.fromordinal(start.toordinal() + days)
    months = months_between(start, end)
    assert add_months(start, months) >= end
    assert months == 0 or add_months(start, months - 1) < end
