"""Reading a batch's file: a CSV or .xlsx list of invoice numbers, all or nothing, every bad line
listed by its number (the first 1,000, then a count), in the words of the ledger import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.batches.rules import MAX_LINES
from portal.delegation.models import WriteOffReason
from portal.extensions import db
from portal.org.models import Committee, OrgUnit
from portal.receivables.messages import error_message
from portal.receivables.models import Invoice
from portal.receivables.tabular import FieldKind, FieldSpec, ParseError, ReadLimits, ReadOptions, open_records

MAX_ERRORS_LISTED = 1_000
FIELDS = (
    FieldSpec("invoice_number", FieldKind.TEXT, "Fakturanummer", column_required=True, value_required=True,
              max_length=40),
    FieldSpec("ledger_source", FieldKind.TEXT, "Reskontra", column_required=False, value_required=False,
              max_length=40),
    FieldSpec("write_off_reason", FieldKind.TEXT, "Orsak", column_required=False, value_required=False,
              max_length=100),
)


@dataclass
class FileResult:
    lines: list[tuple[Invoice, str, int]]  # (invoice, reason, file line)
    errors: list[dict]  # {"line", "message"}, the first MAX_ERRORS_LISTED
    error_count: int


def _reasons() -> dict[str, str]:
    """A reason as the file may write it: the code or the Swedish label, in any case."""
    known = {}
    for reason in WriteOffReason:
        known[reason.value.casefold()] = reason.value
        known[reason.label.casefold()] = reason.value
    return known


def read_batch_file(batch, today: date) -> FileResult:
    from portal.batches.services import held_invoice_ids

    errors: list[dict] = []
    count = 0

    def error(line: int | None, message: str) -> None:
        nonlocal count
        count += 1
        if len(errors) < MAX_ERRORS_LISTED:
            errors.append({"line": line, "message": message})

    records = open_records(batch.source_file or b"", FIELDS, None,
                           ReadOptions(reference_date=today, limits=ReadLimits(max_rows=MAX_LINES)))
    for problem in records.errors:
        error(problem.line, error_message(problem.code, {**problem.params, "column": problem.column}))
    rows: list[tuple[int, str, str | None, str | None]] = []
    for item in records.rows:
        if isinstance(item, ParseError):
            error(item.line, error_message(item.code, {**item.params, "column": item.column}))
            continue
        line, (number, source, reason) = item
        rows.append((line, str(number).strip(), (source or "").strip() or None, (reason or "").strip() or None))
    if not rows and not count:
        error(None, _("The file lists no invoices."))
    units = select(OrgUnit.id).join(Committee, Committee.id == OrgUnit.committee_id).where(
        or_(Committee.id == batch.committee_id, Committee.parent_id == batch.committee_id))
    numbers = sorted({number for _line, number, _source, _reason in rows})
    found: dict[str, list[Invoice]] = {}
    for start in range(0, len(numbers), 1000):
        for invoice in db.session.scalars(select(Invoice).where(Invoice.invoice_number.in_(numbers[start:start + 1000]))
                                          .options(selectinload(Invoice.category))):
            found.setdefault(invoice.invoice_number, []).append(invoice)
    committee_units = set(db.session.scalars(units))
    held = held_invoice_ids([i.id for group in found.values() for i in group], batch.id) if found else set()
    reasons = _reasons()
    seen: dict[int, int] = {}
    chosen: list[tuple[Invoice, str, int]] = []
    for line, number, source, reason_text in rows:
        candidates = [i for i in found.get(number, []) if source is None or i.ledger_source == source]
        if not candidates:
            error(line, _("Invoice %(number)s is not in the ledger.", number=number))
            continue
        if len(candidates) > 1:
            error(line, _("Invoice number %(number)s is in more than one ledger: add the column Reskontra.",
                          number=number))
            continue
        invoice = candidates[0]
        reason = batch.write_off_reason
        if reason_text is not None:
            reason = reasons.get(reason_text.casefold())
            if reason is None:
                error(line, _("The reason \"%(reason)s\" is not a write-off reason; write one of: %(known)s.",
                              reason=reason_text, known=", ".join(r.label for r in WriteOffReason)))
                continue
        if invoice.org_unit_id not in committee_units:
            error(line, _("Invoice %(number)s belongs to another committee.", number=number))
        elif invoice.open_amount_ore <= 0:
            error(line, _("Invoice %(number)s has no open amount.", number=number))
        elif invoice.id in held:
            error(line, _("Invoice %(number)s is in an open case or another batch.", number=number))
        elif invoice.id in seen:
            error(line, _("Invoice %(number)s is listed already on line %(first)s.", number=number,
                          first=seen[invoice.id]))
        else:
            seen[invoice.id] = line
            chosen.append((invoice, reason, line))
    return FileResult(chosen, errors, count)
