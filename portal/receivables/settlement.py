"""Bank payments against invoices: matching by reference, settling in the municipality's order,
lowering the open amount (RULINGS 4 and 5), and matching by hand."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import clock
from portal.audit.services import Actor, record
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.receivables import rules
from portal.receivables.models import (
    SETTLEMENT_ORDERS,
    BankPayment,
    FollowUpSetting,
    Invoice,
    InvoiceCategory,
    Payment,
    ReferenceRate,
    SettlementOrder,
)

if TYPE_CHECKING:
    from portal.receivables.imports import BankRow

DEFAULT_ORDER = ",".join(part.value for part in rules.DEFAULT_SETTLEMENT_ORDER)


def invoice_lookup(connection) -> tuple[dict[str, int | None], dict[str, int | None]]:
    """{OCR reference: invoice id} and {invoice number: invoice id}; None where several invoices
    share the value (then the reference matches none of them)."""
    by_ocr: dict[str, int | None] = {}
    by_number: dict[str, int | None] = {}
    for invoice_id, number, ocr in connection.execute(
            select(Invoice.id, Invoice.invoice_number, Invoice.ocr_reference)):
        by_number[number] = None if number in by_number else invoice_id
        if ocr:
            by_ocr[ocr] = None if ocr in by_ocr else invoice_id
    return by_ocr, by_number


def match_reference(reference: str | None, by_ocr: dict, by_number: dict) -> tuple[int | None, str | None]:
    """The invoice a bank reference names: as an OCR reference first, else as an invoice number."""
    if not reference:
        return None, None
    for value in dict.fromkeys((reference, reference.lstrip("0"))):
        if by_ocr.get(value):
            return by_ocr[value], "ocr"
    for value in dict.fromkeys((reference, reference.lstrip("0"))):
        if by_number.get(value):
            return by_number[value], "invoice_number"
    return None, None


def order_for(category_id: int | None) -> str:
    """The settlement order for an invoice category: its own override, else the municipality's,
    else the guideline's (collection costs, capital, interest)."""
    rows = dict(db.session.execute(select(SettlementOrder.category_id, SettlementOrder.settlement_order)
                                   .where((SettlementOrder.category_id == category_id)
                                          | SettlementOrder.category_id.is_(None))).all())
    return rows.get(category_id) or rows.get(None) or DEFAULT_ORDER


def _reference_rates() -> dict[date, int]:
    return dict(db.session.execute(select(ReferenceRate.half_year_start, ReferenceRate.rate_bp)).all())


def apply_payment(bank_payment: BankPayment, invoice: Invoice, *, direction: str | None = None,
                  rates: dict[date, int] | None = None) -> None:
    """Book a bank payment on its invoice: counted once (a payment with the same invoice, date
    and amount already in the portal is not counted again), settled in the category's order (or
    the customer's direction), the open amount lowered by the capital it settles and anything
    paid beyond what was owed (a credit balance), and marked as coming from the bank file."""
    day, amount = bank_payment.deposit_date, bank_payment.amount_ore
    bank_payment.invoice_id = invoice.id
    # The same payment from a payments file (RULINGS 5), not yet claimed by another bank payment.
    claimed = select(BankPayment.payment_id).where(BankPayment.payment_id.is_not(None))
    already = db.session.scalar(select(Payment.id).where(
        Payment.invoice_id == invoice.id, Payment.payment_date == day, Payment.amount_ore == amount,
        Payment.source.is_(None), Payment.id.not_in(claimed)).limit(1))
    if already is not None:
        bank_payment.payment_id = already
        bank_payment.settlement = {"counted_before": True}
        return
    order = direction or order_for(invoice.category_id)
    capital = max(invoice.open_amount_ore, 0)
    interest = 0
    interest_known = True
    if amount > 0 and capital:
        try:
            start = rules.interest_start_date(invoice.due_date, invoice.invoice_date)
            interest = rules.late_interest(
                capital, start, day, rates if rates is not None else _reference_rates(),
                charges_interest=invoice.category.charges_interest).total_ore
        except rules.MissingReferenceRate:
            interest_known = False  # settled as if none had run; the settlement says so
    if amount > 0:
        parts = tuple(rules.SettlementPart(part) for part in order.split(","))
        allocation = rules.allocate_payment(amount, rules.Owed(0, capital, interest), parts)
        settled = {"fees": allocation.fees_ore, "capital": allocation.capital_ore,
                   "interest": allocation.interest_ore, "unallocated": allocation.unallocated_ore}
    else:  # a deduction or a returned payment: the capital grows back
        settled = {"fees": 0, "capital": amount, "interest": 0, "unallocated": 0}
    occurrence = 1 + (db.session.scalar(select(func.count()).select_from(Payment).where(
        Payment.invoice_id == invoice.id, Payment.payment_date == day,
        Payment.amount_ore == amount)) or 0)
    payment = Payment(invoice_id=invoice.id, payment_date=day, amount_ore=amount, occurrence=occurrence,
                      import_id=bank_payment.import_id, source="bank")
    db.session.add(payment)
    db.session.flush()
    bank_payment.payment_id = payment.id
    bank_payment.settlement = {**settled, "order": order, "interest_known": interest_known}
    invoice.open_amount_ore -= settled["capital"] + settled["unallocated"]
    invoice.open_amount_source = "bank"


def write_bank_payments(actor: Actor, import_id: int, new: Iterable[tuple[BankRow, int | None, str | None]]) -> None:
    """Store a bank file's new payments; book those matched to an invoice."""
    rates = _reference_rates()
    for row, invoice_id, how in new:
        bank_payment = BankPayment(
            key=row.key, import_id=import_id, line=row.line, receiving_bankgiro=row.receiving_bankgiro,
            deposit_date=row.deposit_date, bank_serial=row.bank_serial, amount_ore=row.amount_ore,
            reference=row.reference, reference_type=row.reference_type, payer_name=row.payer_name,
            information=row.information)  # fmt: skip
        db.session.add(bank_payment)
        db.session.flush()
        if invoice_id is not None:
            bank_payment.matched_by = how
            bank_payment.matched_at = clock.now()
            apply_payment(bank_payment, db.session.get(Invoice, invoice_id), rates=rates)
    db.session.flush()


def _find_invoice(text: str) -> Invoice:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({"invoice": _("Enter the invoice number or OCR reference.")})
    found = list(db.session.scalars(select(Invoice).where(
        (Invoice.invoice_number == text) | (Invoice.ocr_reference == text)).limit(3)))
    if not found:
        raise ValidationFailed({"invoice": _("No invoice has the number or OCR reference %(value)s.",
                                             value=text)})
    if len(found) > 1:
        raise ValidationFailed({"invoice": _("Several invoices have %(value)s; enter the OCR reference.",
                                             value=text)})
    return found[0]


def match_by_hand(actor: Actor, bank_payment: BankPayment, *, invoice_text: str,
                  direction: str | None) -> BankPayment:
    """A person matches a bank payment no reference matched to an invoice; the customer's
    direction (a settlement order), when given, is recorded and used (RULINGS 4)."""
    if bank_payment.invoice_id is not None:
        raise ValidationFailed({"invoice": _("The payment is already matched to an invoice.")})
    direction = direction or None
    if direction is not None and direction not in SETTLEMENT_ORDERS:
        raise ValidationFailed({"direction": _("Choose an order from the list.")})
    invoice = _find_invoice(invoice_text)
    bank_payment.matched_by = "hand"
    bank_payment.matched_by_user_id = actor.user_id
    bank_payment.matched_at = clock.now()
    bank_payment.direction = direction
    before = invoice.open_amount_ore
    apply_payment(bank_payment, invoice, direction=direction)
    db.session.flush()
    record(actor, "bank_payment.match", "bank_payment", bank_payment.id,
           before={"open_amount_ore": before},
           after={"invoice_id": invoice.id, "invoice_number": invoice.invoice_number,
                  "amount_ore": bank_payment.amount_ore, "direction": direction,
                  "settlement": bank_payment.settlement, "open_amount_ore": invoice.open_amount_ore})
    return bank_payment


def follow_up_save(actor: Actor, setting: FollowUpSetting | None, *, broken_after_days: int | None) -> FollowUpSetting:
    """The municipality's one follow-up setting: how many days late makes a plan broken."""
    errors: dict[str, str] = {}
    if broken_after_days is None or not 1 <= broken_after_days <= 365:
        errors["broken_after_days"] = _("Enter a number of days between 1 and 365.")
    if setting is None and db.session.scalar(select(func.count()).select_from(FollowUpSetting)):
        errors["broken_after_days"] = _("The setting already exists; change it in the table.")
    if errors:
        raise ValidationFailed(errors)
    from portal.receivables.services import _save

    setting = setting or FollowUpSetting()
    _save(actor, setting, ("broken_after_days",), {"broken_after_days": broken_after_days}, "follow_up_setting")
    return setting


def settlement_order_save(actor: Actor, setting: SettlementOrder | None, *, category_id: int | None,
                          order: str) -> SettlementOrder:
    """The municipality's settlement order (no category) or a category's override."""
    setting = setting or SettlementOrder()
    errors: dict[str, str] = {}
    if order not in SETTLEMENT_ORDERS:
        errors["settlement_order"] = _("Choose an order from the list.")
    if category_id is not None and db.session.get(InvoiceCategory, category_id) is None:
        errors["category_id"] = _("Choose a category from the list.")
    elif db.session.scalar(select(func.count()).select_from(SettlementOrder).where(
            SettlementOrder.category_id.is_(None) if category_id is None
            else SettlementOrder.category_id == category_id,
            SettlementOrder.id != (setting.id or -1))):
        errors["category_id"] = _("That order is already set; change it in the table.")
    if errors:
        raise ValidationFailed(errors)
    from portal.receivables.services import _save

    _save(actor, setting, ("category_id", "settlement_order"),
          {"category_id": category_id, "settlement_order": order}, "settlement_order")
    return setting
