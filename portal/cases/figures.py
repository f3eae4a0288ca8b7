"""Decision-day figures (RULINGS 2): the officer's entered terms are kept (a due date, the number of
instalments or the monthly amount, the amounts credited); what derives from them is recomputed on
the decision day: each invoice's open capital (payments may have come in) and late interest to that
day, the amount the scheme's limits are read against, a plan's interest and last instalment. The
figures a case was submitted with are kept on it, so the decider sees what changed since."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.cases.models import Case
from portal.cases.terms import ComputedTerms, TermsInput, compute_terms, line_amounts
from portal.delegation.engine_types import CaseType
from portal.errors import ValidationFailed
from portal.money import format_money


@dataclass(frozen=True)
class DayLine:
    """A case's invoice as it stands on a day; the terms module reads it like a case line."""

    invoice_id: int
    invoice: Any
    open_capital_ore: int
    interest_ore: int
    fees_ore: int
    credited_capital_ore: int | None


@dataclass(frozen=True)
class _CaseOnDay:
    """What compute_terms reads of a case, with its lines as they stand on the day."""

    case_type: str
    lines: list[DayLine]
    # A case proposing that a plan's whole debt falls due is computed on that plan's terms.
    whole_debt_due_for: Any = None


@dataclass(frozen=True)
class DayFigures:
    """The case computed on a day: its lines, its terms (the officer's, or a partial grant's) and
    the figures shown and compared."""

    on_date: date
    lines: list[DayLine]
    computed: ComputedTerms
    figures: dict[str, int | None]


# The figures compared between submission and the decision day, in the order they are shown.
FIGURE_LABELS = {
    "open_capital_ore": _l("Open capital"),
    "interest_to_date_ore": _l("Late interest to the day"),
    "amount_ore": _l("Amount checked against the limits"),
    "length_months": _l("Length in months"),
    "instalments": _l("Number of instalments"),
    "monthly_amount_ore": _l("Monthly amount"),
    "last_instalment_ore": _l("Last instalment"),
    "interest_ore": _l("Interest in the plan"),
}
MONEY = frozenset(key for key in FIGURE_LABELS if key.endswith("_ore"))


def lines_on(case: Case, day: date) -> list[DayLine]:
    """Each invoice's open capital and late interest on the day; the credited amounts entered stay."""
    lines = []
    for line in case.lines:
        capital, interest = line_amounts(line.invoice, day)
        lines.append(DayLine(line.invoice_id, line.invoice, capital, interest, line.fees_ore,
                             line.credited_capital_ore))
    return lines


def figures_on(case: Case, day: date, terms: TermsInput | None = None) -> DayFigures:
    """The case on the day, on the officer's terms (or a partial grant's changed ones). Raises
    ValidationFailed, naming the field, where the entered terms no longer compute (a credit above
    what is now open on the invoice)."""
    lines = lines_on(case, day)
    if CaseType(case.case_type) == CaseType.CREDIT:
        for line in lines:
            if line.credited_capital_ore is not None and line.credited_capital_ore > line.open_capital_ore:
                raise ValidationFailed({"case": _(
                    "The credited amount on invoice %(number)s (%(credited)s) is now more than its open "
                    "amount, %(open)s: the case officer needs to lower the credited amount.",
                    number=line.invoice.invoice_number, credited=format_money(line.credited_capital_ore),
                    open=format_money(line.open_capital_ore))})
    on_day = _CaseOnDay(case.case_type, lines, case.whole_debt_due_for)
    computed = compute_terms(on_day, terms or TermsInput.from_case(case), day)
    return DayFigures(day, lines, computed, _figures(computed, lines))


def _figures(computed: ComputedTerms, lines: list[DayLine]) -> dict[str, int | None]:
    data = computed.as_dict()
    return {
        "open_capital_ore": sum(line.open_capital_ore for line in lines),
        "interest_to_date_ore": sum(line.interest_ore for line in lines),
        "amount_ore": computed.amount_ore,
        "length_months": computed.length_months,
        "length_days": computed.length_days,  # read by the engine (limits in days), not shown
        "instalments": computed.instalments,
        "monthly_amount_ore": computed.monthly_amount_ore,
        "last_instalment_ore": data.get("last_instalment_ore"),
        "interest_ore": data.get("interest_ore"),
    }


def submitted_figures(day: DayFigures) -> dict[str, Any]:
    """What the case keeps of its submission: the day and the figures."""
    return {"on_date": day.on_date.isoformat(), **day.figures}


@dataclass(frozen=True)
class Change:
    key: str
    before: int | None
    after: int | None

    @property
    def label(self) -> str:
        return str(FIGURE_LABELS[self.key])

    def _shown(self, value: int | None) -> str:
        if value is None:
            return "—"
        return format_money(value) if self.key in MONEY else str(value)

    @property
    def before_text(self) -> str:
        return self._shown(self.before)

    @property
    def after_text(self) -> str:
        return self._shown(self.after)


def changes(submitted: dict[str, Any] | None, now: dict[str, int | None]) -> list[Change]:
    """Every figure that differs on the day from what the case was submitted with (nothing for a case
    submitted before the portal kept its figures)."""
    if not submitted:
        return []
    return [Change(key, submitted.get(key), now.get(key)) for key in FIGURE_LABELS
            if key in submitted and submitted.get(key) != now.get(key)]


def apply_day(case: Case, day: DayFigures) -> None:
    """Write the decision day's figures on the case and its lines (the decision is made on them)."""
    by_invoice = {line.invoice_id: line for line in day.lines}
    for line in case.lines:
        fresh = by_invoice[line.invoice_id]
        line.open_capital_ore, line.interest_ore = fresh.open_capital_ore, fresh.interest_ore
    case.amount_ore = day.computed.amount_ore
    case.length_months = day.computed.length_months
    if CaseType(case.case_type) == CaseType.INSTALMENT_PLAN:
        case.instalments = day.computed.instalments
        case.monthly_amount_ore = day.computed.monthly_amount_ore
