"""The terms of a case by its type: checked, and turned into the amount and length the scheme
reads and, for a plan, the schedule (DOMAIN.md "Plans")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal.cases.rules import (
    InvoiceLine,
    case_amount,
    collection_stage_mismatches,
    deferral_length,
    plan_length,
)
from portal.delegation.engine_types import INTERNAL_CASE_TYPES, CaseType
from portal.delegation.models import CollectionReason, CreditReason, WriteOffReason
from portal.errors import ValidationFailed
from portal.money import format_money
from portal.extensions import db
from portal.receivables.followup import debt_on_payments
from portal.receivables.models import Fee, FeeKind, Invoice
from portal.receivables.queries import reference_rates
from portal.receivables.rules import (
    NO_INTEREST,
    InstalmentSchedule,
    RulesError,
    instalment_schedule,
    interest_start_date,
    late_interest,
)

CREDIT_SETTLEMENTS = ("refund", "set_off")


@dataclass(frozen=True)
class TermsInput:
    new_due_date: date | None = None
    first_due_date: date | None = None
    instalments: int | None = None
    monthly_amount_ore: int | None = None
    write_off_reason: str | None = None
    write_off_final: bool | None = None
    credit_settlement: str | None = None
    # A credit: a CreditReason value.
    credit_reason: str | None = None
    applied_before_due: bool | None = None
    # Forgoing or stopping collection: a CollectionReason value.
    collection_reason: str | None = None
    # Credit: the part of each invoice's open capital that is credited (invoice id -> öre).
    credited_ore: dict[int, int] = field(default_factory=dict)
    # A partial grant of a write-off or credit: a lower total than was asked.
    amount_ore: int | None = None

    @classmethod
    def from_case(cls, case) -> TermsInput:
        """The terms the officer entered: a plan's monthly amount or its number of instalments,
        whichever was entered, never the other figure derived from it."""
        monthly = case.monthly_amount_entered or (case.instalments is None and case.monthly_amount_ore is not None)
        return cls(
            new_due_date=case.new_due_date, first_due_date=case.first_due_date,
            instalments=None if monthly else case.instalments,
            monthly_amount_ore=case.monthly_amount_ore if monthly else None,
            write_off_reason=case.write_off_reason, write_off_final=case.write_off_final,
            credit_settlement=case.credit_settlement, credit_reason=case.credit_reason,
            applied_before_due=case.applied_before_due,
            collection_reason=case.collection_reason,
            credited_ore={line.invoice_id: line.credited_capital_ore for line in case.lines
                          if line.credited_capital_ore is not None},
        )


@dataclass(frozen=True)
class ComputedTerms:
    amount_ore: int
    length_months: int | None = None
    length_days: int | None = None
    instalments: int | None = None
    monthly_amount_ore: int | None = None
    schedule: InstalmentSchedule | None = None
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = {"amount_ore": self.amount_ore, "length_months": self.length_months,
                "instalments": self.instalments, "monthly_amount_ore": self.monthly_amount_ore, **self.details}
        if self.schedule is not None:
            data["interest_ore"] = self.schedule.total_interest_ore
            data["last_instalment_ore"] = self.schedule.rows[-1].amount_ore
            data["schedule"] = [
                {"number": row.number, "due_date": row.due_date.isoformat(), "amount_ore": row.amount_ore,
                 "fees_ore": row.fees_ore, "capital_ore": row.capital_ore, "interest_ore": row.interest_ore,
                 "interest_estimated": row.interest_estimated}
                for row in self.schedule.rows
            ]
            data["rates"] = [{"from": rate.half_year_start.isoformat(), "rate_bp": rate.rate_bp,
                              "estimated": rate.estimated} for rate in self.schedule.rates]
        return data


def plan_fee(on_date: date) -> int:
    return db.session.scalar(
        select(Fee.amount_ore).where(Fee.kind == FeeKind.INSTALMENT_PLAN.value, Fee.valid_from <= on_date)
        .order_by(Fee.valid_from.desc()).limit(1)
    ) or 0


def line_amounts(invoice: Invoice, today: date) -> tuple[int, int]:
    """Open capital and late interest accrued to today (none where the category charges none)."""
    capital = invoice.open_amount_ore
    if invoice.due_date is None or invoice.due_date >= today or not invoice.category.charges_interest:
        return capital, 0
    try:
        interest = late_interest(capital, invoice.due_date, today, reference_rates()).total_ore
    except RulesError:
        interest = 0  # a missing reference rate is shown on the customer page; the case counts capital
    return capital, interest


def _lines(case) -> list[InvoiceLine]:
    return [InvoiceLine(line.invoice_id, line.open_capital_ore, line.interest_ore, line.fees_ore,
                        line.credited_capital_ore) for line in case.lines]


def _earliest_due(case) -> date | None:
    dues = [line.invoice.due_date for line in case.lines if line.invoice.due_date is not None]
    return min(dues) if dues else None


def compute_terms(case, terms: TermsInput, today: date) -> ComputedTerms:
    plan = getattr(case, "whole_debt_due_for", None)
    if plan is not None:
        return _whole_debt(plan, case, today)
    case_type = CaseType(case.case_type)
    if case_type == CaseType.DEFERRAL:
        return _deferral(case, terms, today)
    if case_type == CaseType.INSTALMENT_PLAN:
        return _plan(case, terms, today)
    if case_type == CaseType.WRITE_OFF:
        return _write_off(case, terms)
    if case_type in INTERNAL_CASE_TYPES:
        return _collection(case, case_type, terms)
    return _credit(case, terms)


def _whole_debt(plan, case, today: date) -> ComputedTerms:
    """A case proposing that the whole debt of a broken plan or deferral falls due (RULINGS 16) is
    decided by whoever may grant that plan today: the engine is asked about the plan's decided
    terms (its amount, length, instalments), which never change. What falls due is what the plan
    still owes on the day on the payments actually made, as its follow-up computes it (RULINGS 1):
    capital, fees and the late interest that has run from each invoice's own due date."""
    debt = debt_on_payments(plan, today)
    if debt is None:
        raise ValidationFailed({"case": _(
            "The reference rate for the plan's period is missing: ask the finance director to add it.")})
    decided = plan.decision.terms or {}
    length_days = None
    if plan.case_type == CaseType.DEFERRAL and decided.get("new_due_date") and _earliest_due(plan):
        length_days = (date.fromisoformat(decided["new_due_date"]) - _earliest_due(plan)).days
    return ComputedTerms(
        plan.decision.amount_ore, decided.get("length_months"), length_days,
        decided.get("instalments") if plan.case_type == CaseType.INSTALMENT_PLAN else None,
        decided.get("monthly_amount_ore"),
        details={"whole_debt_due_for": plan.registry_number,
                 "remaining_capital_ore": debt.capital_owed_ore, "remaining_fees_ore": debt.fees_owed_ore,
                 "remaining_interest_ore": debt.interest_owed_ore})


def _deferral(case, terms: TermsInput, today: date) -> ComputedTerms:
    due = _earliest_due(case)
    if terms.new_due_date is None:
        raise ValidationFailed({"new_due_date": _("Enter the new due date.")})
    if due is not None and terms.new_due_date <= due:
        raise ValidationFailed({"new_due_date": _("The new due date must be after the current one (%(date)s).",
                                                  date=due.isoformat())})
    if terms.new_due_date < today:
        raise ValidationFailed({"new_due_date": _("The new due date cannot be in the past.")})
    length = deferral_length(due or today, terms.new_due_date)
    amount = case_amount(CaseType.DEFERRAL, _lines(case))
    part = terms.monthly_amount_ore
    # "Anstånd med delbetalning": the customer pays at least this much a month until the new due
    # date, the rest on it. The engine asks a rule's smallest monthly amount of it (issue 12 §6).
    if part is not None and part <= 0:
        raise ValidationFailed({"part_payment": _("The part payment per month must be more than 0 kr.")})
    if part is not None and part >= amount:
        raise ValidationFailed({"part_payment": _(
            "The part payment per month must be less than the deferred amount (%(amount)s).",
            amount=format_money(amount))})
    return ComputedTerms(amount, length.months, length.days, monthly_amount_ore=part,
                         details={"new_due_date": terms.new_due_date.isoformat()})


def _plan(case, terms: TermsInput, today: date) -> ComputedTerms:
    errors: dict[str, str] = {}
    if terms.first_due_date is None:
        errors["first_due_date"] = _("Enter the first due date.")
    elif terms.first_due_date < today:
        errors["first_due_date"] = _("The first due date cannot be in the past.")
    if (terms.instalments is None) == (terms.monthly_amount_ore is None):
        errors["instalments"] = _("Give either the number of instalments or the monthly amount.")
    elif terms.instalments is not None and not 1 <= terms.instalments <= 240:
        errors["instalments"] = _("The number of instalments must be between 1 and 240.")
    elif terms.monthly_amount_ore is not None and terms.monthly_amount_ore <= 0:
        errors["monthly_amount_ore"] = _("The monthly amount must be more than 0 kr.")
    if errors:
        raise ValidationFailed(errors)
    capital = sum(line.open_capital_ore for line in case.lines)
    try:
        schedule = instalment_schedule(
            capital_ore=capital, accrued_interest_ore=0, plan_fee_ore=plan_fee(today),
            collection_costs_ore=0, decision_date=today, first_due_date=terms.first_due_date,
            reference_rates=reference_rates(), instalments=terms.instalments,
            monthly_amount_ore=terms.monthly_amount_ore, capital_parts=_capital_parts(case),
            charges_interest=any(line.invoice.category.charges_interest for line in case.lines),
        )
    except RulesError as failure:
        raise ValidationFailed({"instalments": _plan_error(failure)}) from failure
    length = plan_length(_earliest_due(case) or today, schedule.last_due_date)
    return ComputedTerms(capital, length.months, length.days, len(schedule.rows), schedule.monthly_amount_ore,
                         schedule, details={"first_due_date": terms.first_due_date.isoformat()})


def _capital_parts(case) -> list[tuple[date, int]]:
    """Each invoice's open capital with the date its late interest runs after: its own due date
    (räntelagen 3 §; 4 § without one), so interest on an invoice not yet due starts at its due
    date, never at the decision. A category without late interest bears none."""
    parts = []
    for line in case.lines:
        invoice = line.invoice
        start = (interest_start_date(invoice.due_date, invoice.invoice_date)
                 if invoice.category.charges_interest else NO_INTEREST)
        parts.append((start, line.open_capital_ore))
    return parts


def _plan_error(failure: RulesError) -> str:
    messages = {
        "too_many_instalments": _("With that many instalments the debt is paid before the last one: choose fewer."),
        "monthly_amount_too_small": _("The monthly amount is too small to pay the debt."),
        "missing_reference_rate": _("The reference rate for the plan's period is missing: ask the finance director to add it."),
    }
    return messages.get(failure.code, _("The plan cannot be computed with these terms."))


def _write_off(case, terms: TermsInput) -> ComputedTerms:
    valid = {reason.value for reason in WriteOffReason}
    if terms.write_off_reason not in valid:
        raise ValidationFailed({"write_off_reason": _("Choose the reason for the write-off.")})
    if terms.write_off_final is None:
        raise ValidationFailed({"write_off_final": _("Choose book-keeping or final write-off.")})
    asked = case_amount(CaseType.WRITE_OFF, _lines(case))
    amount = _partial_amount(terms, asked)
    return ComputedTerms(amount, details={"write_off_reason": terms.write_off_reason,
                                          "write_off_final": terms.write_off_final})


def _credit(case, terms: TermsInput) -> ComputedTerms:
    if terms.credit_reason not in {reason.value for reason in CreditReason}:
        raise ValidationFailed({"credit_reason": _("Choose the reason for the credit.")})
    paid = any(line.invoice.original_amount_ore > line.invoice.open_amount_ore for line in case.lines)
    if paid and terms.credit_settlement not in CREDIT_SETTLEMENTS:
        raise ValidationFailed({"credit_settlement": _(
            "Part of an invoice is paid: choose refund or set-off against the next invoice.")})
    if terms.credit_settlement is not None and terms.credit_settlement not in CREDIT_SETTLEMENTS:
        raise ValidationFailed({"credit_settlement": _("Choose refund or set-off.")})
    asked = case_amount(CaseType.CREDIT, _lines(case))
    amount = _partial_amount(terms, asked)
    return ComputedTerms(amount, details={"credit_settlement": terms.credit_settlement,
                                          "credit_reason": terms.credit_reason})


def _collection(case, case_type: CaseType, terms: TermsInput) -> ComputedTerms:
    """Forgoing or stopping collection: a reason from the list, invoices whose stage fits the type,
    and the open amount of the invoices as the amount (RULINGS 13); never in part."""
    if terms.collection_reason not in {reason.value for reason in CollectionReason}:
        raise ValidationFailed({"collection_reason": _("Choose the reason for not pursuing the debt.")
                                if case_type == CaseType.FORGO_COLLECTION
                                else _("Choose the reason for stopping the collection.")})
    wrong = collection_stage_mismatches(
        case_type, [(line.invoice.invoice_number, line.invoice.collection_stage) for line in case.lines])
    if wrong and case_type == CaseType.FORGO_COLLECTION:
        raise ValidationFailed({"invoice_ids": _(
            "Collection has already started on invoice %(numbers)s: make a case to stop the collection "
            "instead.", numbers=", ".join(wrong))})
    if wrong:
        raise ValidationFailed({"invoice_ids": _(
            "Collection has not started on invoice %(numbers)s: make a case to forgo collection instead.",
            numbers=", ".join(wrong))})
    if terms.amount_ore is not None:
        raise ValidationFailed({"amount_ore": not_in_part_message()})
    return ComputedTerms(case_amount(case_type, _lines(case)),
                         details={"collection_reason": terms.collection_reason})


def not_in_part_message() -> str:
    return _("A decision to forgo or stop collection covers the invoices of the case as a whole and "
             "cannot be granted in part: the case officer chooses fewer invoices instead.")


def _partial_amount(terms: TermsInput, asked: int) -> int:
    if terms.amount_ore is None:
        return asked
    if not 0 < terms.amount_ore < asked:
        raise ValidationFailed({"amount_ore": _("A partial grant is for more than 0 kr and less than asked.")})
    return terms.amount_ore


def asked_schedule(case, today: date) -> InstalmentSchedule | None:
    """A plan's schedule on the terms asked, as it computes today (None: not a plan, or the terms
    no longer compute)."""
    if CaseType(case.case_type) != CaseType.INSTALMENT_PLAN or not case.first_due_date:
        return None
    try:
        return compute_terms(case, TermsInput.from_case(case), today).schedule
    except ValidationFailed:
        return None
