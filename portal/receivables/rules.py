"""Pure rules on receivables: late interest, instalment schedules, payment allocation, lengths."""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

# Every amount here is an int of öre and every rate an int of basis points (1 % = 100 bp).
# Reference rates are a parameter (the finance director's table), never a constant: a mapping
# from the first day of a half-year (1 January or 1 July) to Riksbanken's reference rate.
LATE_INTEREST_MARGIN_BP = 800  # räntelagen 6 §: reference rate + 8 percentage points
DAYS_PER_YEAR = 365
_RATE_DENOMINATOR = DAYS_PER_YEAR * 10_000  # öre × days × bp / this = interest in öre
MAX_INSTALMENTS = 1200  # a hundred years of monthly instalments: beyond that a plan never ends
# The date a capital "bears interest after" when it bears none (a category without late interest).
NO_INTEREST = date.max


class RulesError(ValueError):
    """A rule cannot be applied to these values; `code` and `params` are for the caller to word."""

    def __init__(self, code: str, **params: object):
        super().__init__(f"{code}: {params}" if params else code)
        self.code = code
        self.params = params


class MissingReferenceRate(RulesError):
    """The reference-rate table has no value for a half-year that the computation needs."""

    def __init__(self, half_year_start: date):
        super().__init__("missing_reference_rate", half_year_start=half_year_start)
        self.half_year_start = half_year_start


# --- dates and lengths --------------------------------------------------------------------------


def add_months(start: date, months: int) -> date:
    """The same day `months` calendar months later, clamped to the end of a shorter month."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last_day))


def deferral_payments(decision_date: date, new_due_date: date, amount_ore: int,
                      part_payment_ore: int | None) -> list[tuple[date, int]]:
    """What a granted deferral asks the customer to pay and when: the whole amount on the new due
    date, or, with part payments ("anstånd med delbetalning"), the part payment on the same day of
    each month after the decision while that day is before the new due date, and the rest on it.
    The letter and the follow-up both read it."""
    payments: list[tuple[date, int]] = []
    if part_payment_ore:
        month = 1
        while (day := add_months(decision_date, month)) < new_due_date and part_payment_ore * month < amount_ore:
            payments.append((day, part_payment_ore))
            month += 1
    payments.append((new_due_date, amount_ore - sum(amount for _, amount in payments)))
    return payments


def months_between(from_date: date, to_date: date) -> int:
    """Length in calendar months from `from_date` to `to_date`, counting a started month as whole.

    The length used for deferrals (current due date to new due date) and plans (current due date
    to the last instalment): the smallest n with add_months(from_date, n) on or after to_date.
    2024-01-15 → 2024-04-15 is 3 months, → 2024-04-16 is 4; 2024-01-31 → 2024-02-29 is 1.
    """
    if to_date < from_date:
        raise RulesError("end_before_start", from_date=from_date, to_date=to_date)
    months = (to_date.year - from_date.year) * 12 + to_date.month - from_date.month
    # add_months(from_date, months) lies in to_date's month: at most one more month is started.
    if add_months(from_date, months) < to_date:
        months += 1
    return months


def half_year_start(day: date) -> date:
    """1 January or 1 July of the half-year `day` is in (räntelagen 9 §)."""
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def _next_half_year_start(day: date) -> date:
    return date(day.year, 7, 1) if day.month <= 6 else date(day.year + 1, 1, 1)


def interest_start_date(due_date: date | None, sent_date: date | None) -> date:
    """The date after which late interest runs: the due date (räntelagen 3 §), or without one
    the date one month after the invoice or demand was sent (4 §).

    Interest is charged for each day after the returned date, exactly as for a due date; the
    sent date must be that of an invoice or demand that said interest would be charged.
    """
    if due_date is not None:
        return due_date
    if sent_date is None:
        raise RulesError("no_interest_start")
    return add_months(sent_date, 1)


# --- late interest ------------------------------------------------------------------------------


def late_interest_rate_bp(
    day: date, reference_rates: Mapping[date, int], margin_bp: int = LATE_INTEREST_MARGIN_BP
) -> int:
    """The late-interest rate on `day`: the half-year's reference rate plus the margin."""
    start = half_year_start(day)
    try:
        return reference_rates[start] + margin_bp
    except KeyError:
        raise MissingReferenceRate(start) from None


def _round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-up; both non-negative."""
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    """Interest of one rate period (half-year), rounded once; days are first_day..last_day."""

    first_day: date
    last_day: date
    days: int
    rate_bp: int
    interest_ore: int


@dataclass(frozen=True, slots=True)
class InterestBreakdown:
    periods: tuple[InterestPeriod, ...]

    @property
    def total_ore(self) -> int:
        return sum(period.interest_ore for period in self.periods)


def accrued_interest(
    capital_owed: Sequence[tuple[date, int]],
    until: date,
    reference_rates: Mapping[date, int],
    *,
    margin_bp: int = LATE_INTEREST_MARGIN_BP,
    charges_interest: bool = True,
) -> InterestBreakdown:
    """Late interest on a capital that changes over time, up to and including `until`.

    `capital_owed` lists (date, capital owed at the end of that day) in date order; the first
    entry is the date interest starts after (the due date, see interest_start_date) and later
    entries follow payments. Interest for a day is charged on the capital owed at the end of the
    day before, so the day of a payment still bears interest on what was paid that day
    (DOMAIN: "up to and including the day of payment"). Each half-year is its own rate period,
    rounded half-up once; no interest on interest; a capital at or below zero bears none.
    """
    if not capital_owed:
        raise RulesError("no_capital")
    for (earlier, _), (later, _) in itertools.pairwise(capital_owed):
        if later < earlier:
            raise RulesError("capital_dates_out_of_order", earlier=earlier, later=later)
    first_day = capital_owed[0][0] + timedelta(days=1)
    if not charges_interest or until < first_day:
        return InterestBreakdown(())
    periods = []
    step = 0  # capital_owed[step] is the last entry dated before the day being charged
    period_start = first_day
    while period_start <= until:
        period_end = min(_next_half_year_start(period_start) - timedelta(days=1), until)
        rate_bp = late_interest_rate_bp(period_start, reference_rates, margin_bp)
        capital_days = 0
        day = period_start
        while day <= period_end:
            while step + 1 < len(capital_owed) and capital_owed[step + 1][0] < day:
                step += 1
            # The capital stays the same until the day after the next entry's date.
            segment_end = period_end
            if step + 1 < len(capital_owed):
                segment_end = min(segment_end, capital_owed[step + 1][0])
            capital_days += max(capital_owed[step][1], 0) * ((segment_end - day).days + 1)
            day = segment_end + timedelta(days=1)
        days = (period_end - period_start).days + 1
        interest = _round_half_up(capital_days * rate_bp, _RATE_DENOMINATOR)
        periods.append(InterestPeriod(period_start, period_end, days, rate_bp, interest))
        period_start = period_end + timedelta(days=1)
    return InterestBreakdown(tuple(periods))


def late_interest(
    capital_ore: int,
    due_date: date,
    payment_date: date,
    reference_rates: Mapping[date, int],
    *,
    margin_bp: int = LATE_INTEREST_MARGIN_BP,
    charges_interest: bool = True,
) -> InterestBreakdown:
    """Late interest on `capital_ore` paid on `payment_date` (DOMAIN "Money and interest").

    Days of delay = payment date − due date: interest for each day after the due date up to and
    including the day of payment, 365-day year, split at 1 January and 1 July, each part at its
    half-year's rate and rounded half-up to whole öre. Pass interest_start_date(None, sent) as
    `due_date` when there is none; `charges_interest=False` for categories without interest.
    """
    return accrued_interest(
        [(due_date, capital_ore)],
        payment_date,
        reference_rates,
        margin_bp=margin_bp,
        charges_interest=charges_interest,
    )


# --- settlement of payments ---------------------------------------------------------------------


class SettlementPart(StrEnum):
    FEES = "fees"  # collection costs and fees: reminder, collection demand, plan fee
    CAPITAL = "capital"
    INTEREST = "interest"


# Strängnäs 2017: a partial payment settles first collection costs, then capital, then interest.
DEFAULT_SETTLEMENT_ORDER: tuple[SettlementPart, ...] = (
    SettlementPart.FEES,
    SettlementPart.CAPITAL,
    SettlementPart.INTEREST,
)


@dataclass(frozen=True, slots=True)
class Owed:
    fees_ore: int = 0
    capital_ore: int = 0
    interest_ore: int = 0

    def part(self, part: SettlementPart) -> int:
        return getattr(self, f"{part.value}_ore")

    @property
    def total_ore(self) -> int:
        return self.fees_ore + self.capital_ore + self.interest_ore


@dataclass(frozen=True, slots=True)
class Allocation:
    fees_ore: int
    capital_ore: int
    interest_ore: int
    unallocated_ore: int  # more than was owed: an overpayment to refund or hold

    def part(self, part: SettlementPart) -> int:
        return getattr(self, f"{part.value}_ore")


def _check_order(order: Sequence[SettlementPart]) -> None:
    if sorted(order) != sorted(SettlementPart):
        raise RulesError("invalid_settlement_order", order=tuple(order))


def allocate_payment(
    amount_ore: int,
    owed: Owed,
    order: Sequence[SettlementPart] = DEFAULT_SETTLEMENT_ORDER,
    directed: Mapping[SettlementPart, int] | None = None,
) -> Allocation:
    """Split a payment into fees, capital and interest.

    What the payer directed (`directed`: part → amount) is settled first, as the payer said;
    the rest follows `order` (each part settled in full before the next); anything beyond what
    is owed is returned as unallocated.
    """
    _check_order(order)
    if amount_ore < 0 or min(owed.fees_ore, owed.capital_ore, owed.interest_ore) < 0:
        raise RulesError("negative_amount")
    settled = dict.fromkeys(SettlementPart, 0)
    left = amount_ore
    for part, directed_ore in (directed or {}).items():
        if directed_ore < 0 or directed_ore > owed.part(part):
            raise RulesError("invalid_direction", part=part.value, amount_ore=directed_ore)
        settled[part] = directed_ore
        left -= directed_ore
    if left < 0:
        raise RulesError("directed_more_than_paid", amount_ore=amount_ore)
    for part in order:
        share = min(left, owed.part(part) - settled[part])
        settled[part] += share
        left -= share
    return Allocation(
        settled[SettlementPart.FEES],
        settled[SettlementPart.CAPITAL],
        settled[SettlementPart.INTEREST],
        left,
    )


# --- interest on the payments actually made -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class InterestOnPayments:
    """A plan's (or deferral's) debt recomputed on the payments actually made (RULINGS 1): the late
    interest that has run, from each invoice's own due date, on the capital as it was really owed,
    and how the payments settled fees, capital and interest."""

    accrued_ore: int  # late interest that has run up to and including `until`
    interest_paid_ore: int  # of it, settled by the payments
    fees_paid_ore: int
    capital_paid_ore: int
    capital_owed_ore: int  # still owed after the payments
    fees_owed_ore: int
    unallocated_ore: int  # paid beyond everything owed on its day: a credit balance

    @property
    def interest_owed_ore(self) -> int:
        return self.accrued_ore - self.interest_paid_ore

    @property
    def owed_ore(self) -> int:
        return self.capital_owed_ore + self.fees_owed_ore + self.interest_owed_ore


def interest_on_payments(
    capital_parts: Sequence[tuple[date, int]],
    payments: Sequence[tuple[date, int]],
    until: date,
    reference_rates: Mapping[date, int],
    *,
    fees_ore: int = 0,
    order: Sequence[SettlementPart] = DEFAULT_SETTLEMENT_ORDER,
    margin_bp: int = LATE_INTEREST_MARGIN_BP,
) -> InterestOnPayments:
    """Late interest on each capital part from its own date (an invoice's due date, räntelagen 3 §;
    NO_INTEREST for a category without late interest), as the payments actually lower it.

    Payments up to `until` are taken in date order; each settles what is owed on its day (the
    fees, the capital, the interest run up to and including that day) in `order`, capital oldest
    date first, like the schedule. The day of a payment still bears interest on what it pays
    (accrued_interest). A negative payment (a returned payment, a reversal or a correction in the
    ledger) undoes what was settled, from its own date: first any credit balance, then the parts
    in the reverse of `order` (capital back on the invoices last paid, bearing interest again from
    that date); what it undoes beyond everything paid raises the oldest capital. On one day the
    payments come before the reversals. Raises MissingReferenceRate where a half-year's rate is not
    known.
    """
    _check_order(order)
    if fees_ore < 0 or any(capital < 0 for _start, capital in capital_parts):
        raise RulesError("negative_amount")
    parts = sorted(capital_parts)
    timelines = [[(start, capital)] for start, capital in parts]

    def accrued(day: date) -> int:
        return sum(accrued_interest(line, day, reference_rates, margin_bp=margin_bp).total_ore
                   for line in timelines if line[0][0] != NO_INTEREST)

    originals = [capital for _start, capital in parts]

    def restore(day: date, amount: int) -> None:
        """Put capital back on the parts from `day`: the last paid first, each up to what was
        paid on it; the rest on the oldest part."""
        left = amount
        for index in reversed(range(len(timelines))):
            line = timelines[index]
            share = left if index == 0 else min(originals[index] - line[-1][1], left)
            if share <= 0:
                continue
            left -= share
            if day <= line[0][0]:
                line[0] = (line[0][0], line[0][1] + share)
            else:
                line.append((day, line[-1][1] + share))

    fees_owed, interest_paid, fees_paid, capital_paid, unallocated = fees_ore, 0, 0, 0, 0
    for day, amount in sorted((payment for payment in payments if payment[0] <= until and payment[1] != 0),
                              key=lambda payment: (payment[0], payment[1] < 0)):
        if amount < 0:
            left = -amount
            share = min(unallocated, left)
            unallocated -= share
            left -= share
            for part in reversed(order):
                if part == SettlementPart.FEES:
                    share = min(fees_paid, left)
                    fees_paid -= share
                    fees_owed += share
                elif part == SettlementPart.INTEREST:
                    share = min(interest_paid, left)
                    interest_paid -= share
                else:
                    share = min(capital_paid, left)
                    capital_paid -= share
                    if share and timelines:
                        restore(day, share)
                left -= share
            if left and timelines:  # undone beyond all that was paid: owed from its date
                restore(day, left)
            continue
        capital_owed = sum(line[-1][1] for line in timelines)
        owed = Owed(fees_owed, capital_owed, accrued(day) - interest_paid)
        allocation = allocate_payment(amount, owed, order)
        fees_owed -= allocation.fees_ore
        fees_paid += allocation.fees_ore
        interest_paid += allocation.interest_ore
        unallocated += allocation.unallocated_ore
        left = allocation.capital_ore
        capital_paid += left
        for line in timelines:
            share = min(line[-1][1], left)
            if not share:
                continue
            left -= share
            if day <= line[0][0]:  # paid before its interest starts: it never bore any
                line[0] = (line[0][0], line[0][1] - share)
            else:
                line.append((day, line[-1][1] - share))
    return InterestOnPayments(accrued(until), interest_paid, fees_paid, capital_paid,
                              sum(line[-1][1] for line in timelines), fees_owed, unallocated)


# --- instalment plans ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int  # 1-based
    due_date: date
    amount_ore: int  # fees_ore + capital_ore + interest_ore
    fees_ore: int  # plan fee (first instalment) and collection costs settled
    capital_ore: int
    interest_ore: int  # interest settled: accrued before the plan and during it
    interest_accrued_ore: int  # plan interest that ran on the capital since the previous date
    remaining_capital_ore: int  # capital still owed after this instalment
    # The interest that ran up to this date is partly at an estimated rate (a half-year whose
    # reference rate is not yet known, taken at the latest known rate).
    interest_estimated: bool = False


@dataclass(frozen=True, slots=True)
class PlanRate:
    """The late-interest rate a plan applies from the start of a half-year."""

    half_year_start: date
    rate_bp: int  # reference rate + margin
    estimated: bool  # the half-year's reference rate is not known: the latest known one is used


@dataclass(frozen=True, slots=True)
class InstalmentSchedule:
    rows: tuple[Instalment, ...]
    monthly_amount_ore: int  # whole kronor; the last instalment takes the remainder
    rate_bp: int  # late-interest rate in force on the decision date (0 without interest)
    # Each half-year's rate over the plan, the estimated ones marked (empty without interest).
    rates: tuple[PlanRate, ...] = ()

    @property
    def total_ore(self) -> int:
        return sum(row.amount_ore for row in self.rows)

    @property
    def total_fees_ore(self) -> int:
        return sum(row.fees_ore for row in self.rows)

    @property
    def total_capital_ore(self) -> int:
        return sum(row.capital_ore for row in self.rows)

    @property
    def total_interest_ore(self) -> int:
        return sum(row.interest_ore for row in self.rows)

    @property
    def last_due_date(self) -> date:
        return self.rows[-1].due_date

    @property
    def estimated_from(self) -> date | None:
        """The first half-year whose rate is an estimate, if the plan reaches one."""
        return next((rate.half_year_start for rate in self.rates if rate.estimated), None)


def plan_length_months(current_due_date: date, schedule: InstalmentSchedule) -> int:
    """DOMAIN "Length" of a plan: months from the invoice's current due date to the last one."""
    return months_between(current_due_date, schedule.last_due_date)


def _ceil_to_kronor(ore: int) -> int:
    return -(-ore // 100) * 100


def rates_with_estimates(reference_rates: Mapping[date, int], until: date) -> tuple[dict[date, int], date | None]:
    """The reference rates, with every half-year after the latest known one up to `until` taken
    at the latest known rate (DOMAIN "Plans"); returns them and the first estimated half-year.

    A half-year missing between two known ones is not guessed: late_interest_rate_bp still
    raises MissingReferenceRate for it.
    """
    if not reference_rates:
        raise MissingReferenceRate(half_year_start(until))
    latest = max(reference_rates)
    rates = dict(reference_rates)
    estimated_from = None
    start = _next_half_year_start(latest)
    while start <= until:
        estimated_from = estimated_from or start
        rates[start] = reference_rates[latest]
        start = _next_half_year_start(start)
    return rates, estimated_from


def instalment_schedule(
    *,
    capital_ore: int,
    accrued_interest_ore: int,
    plan_fee_ore: int,
    collection_costs_ore: int,
    decision_date: date,
    first_due_date: date,
    reference_rates: Mapping[date, int],
    instalments: int | None = None,
    monthly_amount_ore: int | None = None,
    capital_parts: Sequence[tuple[date, int]] | None = None,
    settlement_order: Sequence[SettlementPart] = DEFAULT_SETTLEMENT_ORDER,
    margin_bp: int = LATE_INTEREST_MARGIN_BP,
    charges_interest: bool = True,
) -> InstalmentSchedule:
    """The schedule of an instalment plan (DOMAIN "Plans").

    Give either `instalments` (the monthly amount is then the smallest whole-kronor amount that
    pays everything in that many instalments) or `monthly_amount_ore` (rounded up to whole
    kronor; the plan runs until paid). Instalments fall due monthly from `first_due_date` on the
    same day of the month, clamped to the month's end. The plan fee is paid once, on top of the
    first instalment.

    Interest (räntelagen 3 and 6 §§): `capital_parts` lists each invoice's capital with the date
    its interest runs after (its due date, interest_start_date); without it the whole capital
    bears interest after the decision date, `accrued_interest_ore` being the interest up to then.
    Interest never runs on a capital before its own date. It is computed by accrued_interest,
    the one interest function: for each day up to and including the next due date, on the capital
    still owed, at each half-year's reference rate plus the margin, known half-years exactly and
    later ones at the latest known rate (marked estimated), rounded half-up per instalment and
    half-year. Instalments pay capital oldest date first. Each instalment settles collection
    costs, capital and the interest owed in `settlement_order`; the last takes the remainder.
    """
    _check_order(settlement_order)
    if min(capital_ore, accrued_interest_ore, plan_fee_ore, collection_costs_ore) < 0:
        raise RulesError("negative_amount")
    if first_due_date <= decision_date:
        raise RulesError("first_due_date_not_after_decision", first_due_date=first_due_date)
    if (instalments is None) == (monthly_amount_ore is None):
        raise RulesError("instalments_or_monthly_amount")
    parts = tuple(sorted(capital_parts if capital_parts is not None else [(decision_date, capital_ore)]))
    if sum(part for _start, part in parts) != capital_ore or any(part < 0 for _start, part in parts):
        raise RulesError("capital_parts_do_not_add_up", capital_ore=capital_ore)
    if instalments is not None and not 1 <= instalments <= MAX_INSTALMENTS:
        raise RulesError("instalments_out_of_range", instalments=instalments)
    rates: dict[date, int] = {}
    rate_bp = 0
    if charges_interest:
        # Rates are filled far enough for any plan a count or a monthly amount can give.
        rates, _estimated = rates_with_estimates(reference_rates, add_months(first_due_date, MAX_INSTALMENTS))
        rate_bp = late_interest_rate_bp(decision_date, rates, margin_bp)
    known_until = max(reference_rates) if reference_rates else None
    plan = _PlanTerms(
        parts,
        accrued_interest_ore,
        plan_fee_ore,
        collection_costs_ore,
        decision_date,
        first_due_date,
        rates,
        _next_half_year_start(known_until) if known_until else None,
        margin_bp,
        charges_interest,
        tuple(settlement_order),
    )
    if monthly_amount_ore is not None:
        if monthly_amount_ore <= 0:
            raise RulesError("monthly_amount_not_positive")
        monthly = _ceil_to_kronor(monthly_amount_ore)
        rows = plan.run(monthly, None)
    else:
        monthly, rows = _schedule_for_count(plan, instalments)
    return InstalmentSchedule(rows, monthly, rate_bp, plan.rates_over(rows[-1].due_date))


def _schedule_for_count(plan: _PlanTerms, instalments: int) -> tuple[int, tuple[Instalment, ...]]:
    """The smallest whole-kronor monthly amount whose last instalment is no larger than it."""
    owed = plan.capital_ore + plan.accrued_interest_ore + plan.collection_costs_ore
    # Paying everything at once, with interest on the full capital to the last due date, is
    # always enough; paying without any plan interest never is more than enough.
    last_due = add_months(plan.first_due_date, instalments - 1)
    most_interest = plan.interest(plan.parts, plan.start, last_due)
    low = max(_ceil_to_kronor(-(-owed // instalments)), 100)
    high = max(_ceil_to_kronor(owed + most_interest), low)
    while low < high:
        middle = (low + high) // 200 * 100
        last = plan.run(middle, instalments)[-1]
        if last.amount_ore - _plan_fee_in(last, plan) <= middle:
            high = middle
        else:
            low = middle + 100
    rows = plan.run(low, instalments)
    if len(rows) < instalments:
        raise RulesError("too_many_instalments", instalments=instalments, possible=len(rows))
    return low, rows


def _plan_fee_in(row: Instalment, plan: _PlanTerms) -> int:
    return plan.plan_fee_ore if row.number == 1 else 0


def _pay_capital(parts: tuple[tuple[date, int], ...], paid_ore: int) -> tuple[tuple[date, int], ...]:
    """The capital parts after paying `paid_ore` of capital, the oldest date first."""
    left = []
    for start, capital in parts:
        share = min(capital, paid_ore)
        paid_ore -= share
        if capital - share:
            left.append((start, capital - share))
    return tuple(left)


@dataclass(frozen=True, slots=True)
class _PlanTerms:
    parts: tuple[tuple[date, int], ...]  # (date interest runs after, capital), oldest first
    accrued_interest_ore: int
    plan_fee_ore: int
    collection_costs_ore: int
    decision_date: date
    first_due_date: date
    rates: dict[date, int]  # reference rates, estimated half-years filled in
    estimated_from: date | None  # the first half-year whose reference rate is not known
    margin_bp: int
    charges_interest: bool
    order: tuple[SettlementPart, ...]

    @property
    def capital_ore(self) -> int:
        return sum(capital for _start, capital in self.parts)

    @property
    def start(self) -> date:
        """Interest is counted from here: the decision date, or an earlier date a capital runs after."""
        return min([self.decision_date, *(start for start, _capital in self.parts)])

    def interest(self, parts: tuple[tuple[date, int], ...], after: date, until: date) -> int:
        """Interest on `parts` for each day after `after` up to and including `until`; a part bears
        interest only for the days after its own date."""
        if not self.charges_interest or until <= after:
            return 0
        bearing = sum(capital for start, capital in parts if start <= after)
        owed = [(after, bearing)]
        for start, capital in parts:
            if after < start < until:
                bearing += capital
                owed.append((start, bearing))
        return accrued_interest(owed, until, self.rates, margin_bp=self.margin_bp).total_ore

    def estimated(self, until: date) -> bool:
        return self.charges_interest and self.estimated_from is not None and until >= self.estimated_from

    def rates_over(self, until: date) -> tuple[PlanRate, ...]:
        if not self.charges_interest:
            return ()
        result = []
        start = half_year_start(self.start + timedelta(days=1))
        while start <= until:
            estimated = self.estimated_from is not None and start >= self.estimated_from
            result.append(PlanRate(start, self.rates[start] + self.margin_bp, estimated))
            start = _next_half_year_start(start)
        return tuple(result)

    def run(self, monthly_ore: int, instalments: int | None) -> tuple[Instalment, ...]:
        """Instalments of `monthly_ore` until paid, the `instalments`-th taking all that is left."""
        owed = Owed(self.collection_costs_ore, self.capital_ore, self.accrued_interest_ore)
        parts = self.parts
        rows: list[Instalment] = []
        previous = self.start
        number = 0
        while True:
            number += 1
            if number > MAX_INSTALMENTS:
                raise RulesError("monthly_amount_too_small", monthly_amount_ore=monthly_ore)
            due = add_months(self.first_due_date, number - 1)
            accrued = self.interest(parts, previous, due)
            owed = Owed(owed.fees_ore, owed.capital_ore, owed.interest_ore + accrued)
            last = owed.total_ore <= monthly_ore or number == instalments
            paid = allocate_payment(owed.total_ore if last else monthly_ore, owed, self.order)
            plan_fee = self.plan_fee_ore if number == 1 else 0
            remaining = Owed(
                owed.fees_ore - paid.fees_ore,
                owed.capital_ore - paid.capital_ore,
                owed.interest_ore - paid.interest_ore,
            )
            rows.append(
                Instalment(
                    number=number,
                    due_date=due,
                    amount_ore=plan_fee + paid.fees_ore + paid.capital_ore + paid.interest_ore,
                    fees_ore=plan_fee + paid.fees_ore,
                    capital_ore=paid.capital_ore,
                    interest_ore=paid.interest_ore,
                    interest_accrued_ore=accrued,
                    remaining_capital_ore=remaining.capital_ore,
                    interest_estimated=self.estimated(due),
                )
            )
            if last:
                return tuple(rows)
            if remaining.fees_ore + remaining.capital_ore >= owed.fees_ore + owed.capital_ore and (
                remaining.interest_ore >= owed.interest_ore - accrued
            ):
                # Nothing was paid off this month but the month's interest: it never ends.
                raise RulesError("monthly_amount_too_small", monthly_amount_ore=monthly_ore)
            owed = remaining
            parts = _pay_capital(parts, paid.capital_ore)
            previous = due
