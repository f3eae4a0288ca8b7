"""Every step of a batch write-off, one service each: check, ask the engine, flush, audit; never commit.

Building reads many invoices and runs as a job (`batch_build`). Deciding runs in the decider's own
request and transaction, like `case_decide`: the customers' rows are locked, the figures and the
engine are asked again inside the transaction, the preparer never decides (R3), and a unique
constraint keeps the batch to one decision.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import clock
from portal.audit.services import Actor, record, record_refusal
from portal.batches import files
from portal.batches.models import BatchConflict, WriteOffBatch, WriteOffBatchDecision, WriteOffBatchLine
from portal.batches.routing import check_decider, route
from portal.batches.rules import DECIDED, HOLDS_INVOICES, MAX_LINES, BatchState, common_path
from portal.cases import rules as case_rules
from portal.cases.models import Case, CaseInvoice
from portal.cases.terms import line_amounts
from portal.delegation.models import WriteOffReason
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org.models import Committee, OrgUnit
from portal.receivables.models import Customer, Invoice

FILE_MAX_BYTES = 10 * 1024 * 1024


def _refuse(message: str, field: str = "batch") -> ValidationFailed:
    return ValidationFailed({field: message})


def _move(actor: Actor, batch: WriteOffBatch, action: str, allowed: set[BatchState], target: BatchState,
          **details) -> None:
    if batch.state_enum not in allowed:
        raise _refuse(_("This cannot be done to a batch that is %(state)s.", state=batch.state_label))
    before = batch.state
    batch.state = target.value
    db.session.flush()
    record(actor, action, "write_off_batch", batch.id, before={"state": before},
           after={"state": target.value, **details})


# --- creating and building ------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchFilter:
    """Which open invoices of the committee a batch takes: all criteria given hold together."""

    # Debts under this open amount (strictly less: "every debt under 100 kr").
    below_ore: int | None = None
    # Due before this date ("older than three years": the date three years ago).
    due_before: date | None = None
    debt_restructuring: bool = False  # customers in debt restructuring (skuldsanering)
    deceased: bool = False  # deceased customers (dödsbo)
    unit_ids: tuple[int, ...] = ()  # only these units of the committee; empty: all of them

    @property
    def is_empty(self) -> bool:
        return (self.below_ore is None and self.due_before is None and not self.debt_restructuring
                and not self.deceased)

    def stored(self) -> dict:
        return {"kind": "filter", "below_ore": self.below_ore,
                "due_before": self.due_before.isoformat() if self.due_before else None,
                "debt_restructuring": self.debt_restructuring, "deceased": self.deceased,
                "unit_ids": list(self.unit_ids)}

    @classmethod
    def from_stored(cls, data: dict) -> BatchFilter:
        return cls(data.get("below_ore"), date.fromisoformat(data["due_before"]) if data.get("due_before") else None,
                   bool(data.get("debt_restructuring")), bool(data.get("deceased")),
                   tuple(data.get("unit_ids") or ()))


@dataclass(frozen=True)
class BatchHead:
    """What the finance officer gives every batch: committee, title, reason, final or not, reasons."""

    committee_id: int | None
    title: str
    write_off_reason: str | None
    write_off_final: bool
    reasons: str


def _checked_head(head: BatchHead) -> tuple[Committee, str]:
    errors: dict[str, str] = {}
    committee = db.session.get(Committee, head.committee_id) if head.committee_id else None
    if committee is None or committee.parent_id is not None:
        errors["committee_id"] = _("Choose the committee whose invoices are written off.")
    if not head.title.strip():
        errors["title"] = _("Give the batch a title, e.g. \"Small debts older than three years, 2026\".")
    elif len(head.title.strip()) > 200:
        errors["title"] = _("The title may be at most 200 characters.")
    if head.write_off_reason not in {reason.value for reason in WriteOffReason}:
        errors["write_off_reason"] = _("Choose the reason for the write-off.")
    if errors:
        raise ValidationFailed(errors)
    return committee, head.title.strip()


def _new_batch(actor: Actor, head: BatchHead, source: dict, data: bytes | None = None) -> WriteOffBatch:
    committee, title = _checked_head(head)
    batch = WriteOffBatch(
        committee_id=committee.id, state=BatchState.BUILDING.value, title=title,
        write_off_reason=head.write_off_reason, write_off_final=head.write_off_final,
        reasons=head.reasons.strip(), source=source, source_file=data, prepared_by_id=actor.user_id,
        created_at=clock.now())
    db.session.add(batch)
    db.session.flush()
    record(actor, "write_off_batch.create", "write_off_batch", batch.id, after={
        "committee_id": committee.id, "title": title, "write_off_reason": head.write_off_reason,
        "write_off_final": head.write_off_final, "source": source})
    return batch


def batch_create_from_filter(actor: Actor, head: BatchHead, criteria: BatchFilter) -> WriteOffBatch:
    """A batch of the committee's open invoices that meet the criteria (built by the job)."""
    if criteria.is_empty:
        raise _refuse(_("Give at least one criterion (an amount, a due date, debt restructuring or deceased): "
                        "a batch never takes every debt of a committee."), "below")
    if criteria.below_ore is not None and criteria.below_ore <= 0:
        raise _refuse(_("The amount must be more than 0 kr."), "below")
    if criteria.due_before is not None and criteria.due_before > clock.today():
        raise _refuse(_("The due date must be today or earlier."), "due_before")
    if criteria.unit_ids and head.committee_id:
        units = db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(criteria.unit_ids))).all()
        if len(units) != len(set(criteria.unit_ids)) or any(
                u.committee.main_committee_id != head.committee_id for u in units):
            raise _refuse(_("Choose units of the committee."), "unit_ids")
    return _new_batch(actor, head, criteria.stored())


def batch_create_from_file(actor: Actor, head: BatchHead, filename: str, data: bytes) -> WriteOffBatch:
    """A batch of the invoices a file lists by number (built by the job, all or nothing)."""
    if not data:
        raise _refuse(_("Choose a file."), "file")
    if len(data) > FILE_MAX_BYTES:
        raise _refuse(_("The file may be at most 10 MB."), "file")
    name = (filename or "fil").replace("\\", "/").rsplit("/", 1)[-1][:200] or "fil"
    return _new_batch(actor, head, {"kind": "file", "filename": name, "sha256": hashlib.sha256(data).hexdigest(),
                                    "size": len(data)}, data)


def _committee_units(committee_id: int):
    return select(OrgUnit.id).join(Committee, Committee.id == OrgUnit.committee_id).where(
        or_(Committee.id == committee_id, Committee.parent_id == committee_id))


def held_invoice_ids(invoice_ids, except_batch_id: int | None = None):
    """Invoices no batch may take: held by an open case, granted in a case not yet booked, or in
    another batch that is not refused, withdrawn or executed (RULINGS 15)."""
    case_states = [s.value for s in (case_rules.HOLDS_INVOICES | case_rules.GRANTED_NOT_BOOKED)]
    in_cases = (select(CaseInvoice.invoice_id).join(Case, Case.id == CaseInvoice.case_id)
                .where(CaseInvoice.invoice_id.in_(invoice_ids), Case.state.in_(case_states)))
    in_batches = (select(WriteOffBatchLine.invoice_id).join(WriteOffBatch, WriteOffBatch.id == WriteOffBatchLine.batch_id)
                  .where(WriteOffBatchLine.invoice_id.in_(invoice_ids), WriteOffBatchLine.left_out.is_(False),
                         WriteOffBatch.state.in_([s.value for s in HOLDS_INVOICES])))
    if except_batch_id is not None:
        in_batches = in_batches.where(WriteOffBatch.id != except_batch_id)
    return set(db.session.scalars(in_cases)) | set(db.session.scalars(in_batches))


def _filter_invoices(batch: WriteOffBatch) -> tuple[list[tuple[Invoice, str, int | None]], dict]:
    criteria = BatchFilter.from_stored(batch.source)
    query = (select(Invoice).join(Customer, Customer.id == Invoice.customer_id)
             .where(Invoice.org_unit_id.in_(_committee_units(batch.committee_id)), Invoice.open_amount_ore > 0))
    if criteria.below_ore is not None:
        query = query.where(Invoice.open_amount_ore < criteria.below_ore)
    if criteria.due_before is not None:
        query = query.where(Invoice.due_date < criteria.due_before)
    if criteria.debt_restructuring:
        query = query.where(Customer.debt_restructuring.is_(True))
    if criteria.deceased:
        query = query.where(Customer.deceased.is_(True))
    if criteria.unit_ids:
        query = query.where(Invoice.org_unit_id.in_(criteria.unit_ids))
    invoices = list(db.session.scalars(query.options(selectinload(Invoice.category))
                                       .order_by(Invoice.id).limit(MAX_LINES + 1)))
    if len(invoices) > MAX_LINES:
        return [], {"too_many": MAX_LINES}
    held = held_invoice_ids([i.id for i in invoices], batch.id) if invoices else set()
    chosen = [(invoice, batch.write_off_reason, None) for invoice in invoices if invoice.id not in held]
    return chosen, {"held": len(held)}


def batch_build(actor: Actor, batch: WriteOffBatch) -> WriteOffBatch:
    """The job's work: find the invoices, take each one's amounts today, keep the lines (a file:
    all or nothing, every bad line listed)."""
    if batch.state_enum != BatchState.BUILDING:
        raise _refuse(_("The batch is already built."))
    today = clock.today()
    if batch.source.get("kind") == "file":
        result = files.read_batch_file(batch, today)
        chosen, errors, count = result.lines, result.errors, result.error_count
        summary: dict = {}
    else:
        chosen, summary = _filter_invoices(batch)
        errors, count = [], 0
        if "too_many" in summary:
            errors, count = [{"line": None, "message": _(
                "More than %(max)s invoices meet the criteria: narrow them (a lower amount, an earlier due "
                "date or some units) and make several batches.", max=MAX_LINES)}], 1
    batch.build_errors = errors or None
    batch.build_error_count = count
    if not errors:
        for invoice, reason, file_line in chosen:
            capital, interest = line_amounts(invoice, today)
            batch.lines.append(WriteOffBatchLine(
                invoice_id=invoice.id, invoice=invoice, customer_id=invoice.customer_id,
                org_unit_id=invoice.org_unit_id, open_capital_ore=capital, interest_ore=interest,
                write_off_reason=reason, file_line=file_line))
    batch.state = BatchState.DRAFT.value
    db.session.flush()
    _totals(batch)
    record(actor, "write_off_batch.build", "write_off_batch", batch.id, after={
        "state": batch.state, "lines": batch.line_count, "customers": batch.customer_count,
        "amount_ore": batch.amount_ore, "errors": count, "held_left_aside": summary.get("held", 0)})
    return batch


def _totals(batch: WriteOffBatch) -> None:
    included = batch.included
    batch.amount_ore = sum(line.amount_ore for line in included)
    batch.line_count = len(included)
    batch.customer_count = len({line.customer_id for line in included})
    db.session.flush()


# --- preparing ------------------------------------------------------------------------------------

def _preparer_only(actor: Actor, batch: WriteOffBatch) -> None:
    if batch.prepared_by_id != actor.user_id:
        raise _refuse(_("Only the finance officer who prepared the batch can change it."))
    if batch.state_enum != BatchState.DRAFT:
        raise _refuse(_("Only a draft batch can be changed."))


def batch_leave_out(actor: Actor, batch: WriteOffBatch, line_ids: list[int], *, left_out: bool = True) -> int:
    """Leave lines out of the batch (or take them back): they stay shown, but are not decided."""
    _preparer_only(actor, batch)
    wanted = set(line_ids)
    lines = [line for line in batch.lines if line.id in wanted]
    if len(lines) != len(wanted):
        raise _refuse(_("Choose lines of this batch."), "line_ids")
    if not left_out:
        held = held_invoice_ids([line.invoice_id for line in lines], batch.id)
        if held:
            raise _refuse(_("An invoice taken back is now in another open case or batch."), "line_ids")
    changed = [line for line in lines if line.left_out != left_out]
    for line in changed:
        line.left_out = left_out
    db.session.flush()
    _totals(batch)
    if changed:
        record(actor, "write_off_batch.leave_out" if left_out else "write_off_batch.take_back",
               "write_off_batch", batch.id,
               after={"invoices": [line.invoice.invoice_number for line in changed],
                      "lines": batch.line_count, "amount_ore": batch.amount_ore})
    return len(changed)


def batch_leave_out_failing(actor: Actor, batch: WriteOffBatch) -> int:
    """Leave out every line no delegated rule covers (the engine's answer today)."""
    _preparer_only(actor, batch)
    verdict = route(batch, clock.today())
    if verdict is None:
        raise _refuse(_("No delegation scheme is in force for the committee: only the committee decides."))
    return batch_leave_out(actor, batch, list(verdict.failing))


def batch_submit(actor: Actor, batch: WriteOffBatch) -> WriteOffBatch:
    """Give the registry number and send the batch to whoever's rule covers every line, or to the
    committee when no one rule does."""
    from portal.cases.services import _next_registry_number  # the committee's one series of numbers

    _preparer_only(actor, batch)
    if not batch.included:
        raise _refuse(_("The batch has no lines to decide."))
    if not batch.reasons.strip():
        raise _refuse(_("Give the reasons for the proposal."), "reasons")
    held = held_invoice_ids([line.invoice_id for line in batch.included], batch.id)
    if held:
        numbers = sorted(line.invoice.invoice_number for line in batch.included if line.invoice_id in held)
        raise _refuse(_("These invoices are now in another open case or batch: %(numbers)s. Leave them out.",
                        numbers=", ".join(numbers[:20])))
    verdict = route(batch, clock.today())
    # A batch the committee sent back keeps the number it was given.
    batch.registry_number = batch.registry_number or _next_registry_number(batch)
    batch.submitted_at = clock.now()
    # A referral belongs to the submission it ended (the trail keeps it): this one starts afresh.
    batch.referred_by_id, batch.referred_at, batch.referral_note = None, None, None
    proposed = verdict.proposed if verdict is not None else None
    target = BatchState.AWAITING_DECISION if proposed is not None else BatchState.REFERRED_TO_COMMITTEE
    _move(actor, batch, "write_off_batch.submit", {BatchState.DRAFT}, target, registry_number=batch.registry_number,
          rule_number=proposed.rule_number if proposed else None, level=proposed.level if proposed else None,
          lines=batch.line_count, customers=batch.customer_count, amount_ore=batch.amount_ore,
          failing=len(verdict.failing) if verdict else None)
    return batch


def batch_refer(actor: Actor, batch: WriteOffBatch, note: str) -> WriteOffBatch:
    """The batch's decider refers it to the committee instead of deciding it, with the reason, as
    a single case's decider may (`case_refer`). Only someone whose one rule covers every line today
    may (the preparer never is, R3); anyone else is refused and the refusal recorded. The batch then
    waits for the committee's meeting like a batch the rules sent there (`batch_committee_decide`)."""
    _lock_customers(batch)  # a decision and a referral at once: one waits for the other
    db.session.refresh(batch)
    if batch.state_enum != BatchState.AWAITING_DECISION:
        raise _refuse(_("This cannot be done to a batch that is %(state)s.", state=batch.state_label))
    checks = check_decider(batch, actor.user_id, clock.today())
    path = common_path(checks.values()) if checks and actor.user_id != batch.prepared_by_id else None
    if path is None:
        message = _("Only the batch's decider may refer it to the committee: someone whose rule covers every "
                    "line today.")
        record_refusal(actor, "write_off_batch.refer_refused", "write_off_batch", batch.id, reason=message,
                       details={"registry_number": batch.registry_number})
        raise _refuse(message)
    if not note.strip():
        raise _refuse(_("Say why the committee should decide the batch."), "note")
    batch.referred_by_id, batch.referred_at, batch.referral_note = actor.user_id, clock.now(), note.strip()
    _move(actor, batch, "write_off_batch.refer_to_committee", {BatchState.AWAITING_DECISION},
          BatchState.REFERRED_TO_COMMITTEE, note=note.strip(), rule_number=path.rule_number,
          capacity=path.decider.capacity.value)
    return batch


def batch_withdraw(actor: Actor, batch: WriteOffBatch, note: str) -> WriteOffBatch:
    if batch.prepared_by_id != actor.user_id:
        raise _refuse(_("Only the finance officer who prepared the batch can withdraw it."))
    _move(actor, batch, "write_off_batch.withdraw", {BatchState.DRAFT, BatchState.AWAITING_DECISION,
                                     BatchState.REFERRED_TO_COMMITTEE}, BatchState.WITHDRAWN, note=note.strip())
    return batch


def conflict_declare(actor: Actor, batch: WriteOffBatch, note: str | None) -> BatchConflict:
    existing = db.session.scalars(select(BatchConflict).where(
        BatchConflict.batch_id == batch.id, BatchConflict.user_id == actor.user_id)).first()
    if existing is not None:
        return existing
    if batch.state_enum in DECIDED or batch.state_enum == BatchState.WITHDRAWN:
        raise _refuse(_("The batch is no longer open."))
    declaration = BatchConflict(batch_id=batch.id, user_id=actor.user_id, declared_at=clock.now(),
                                note=(note or "").strip()[:300] or None)
    db.session.add(declaration)
    db.session.flush()
    record(actor, "write_off_batch.declare_conflict", "write_off_batch", batch.id, after={"note": declaration.note})
    return declaration


# --- deciding -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchDecisionInput:
    granted: bool
    reasons: str
    no_conflict_confirmed: bool


def _lock_customers(batch: WriteOffBatch) -> None:
    """Serialise decisions on the batch's customers with single cases and other batches, as
    `case_decide` does for one: the same row lock, taken on every customer of the batch."""
    customers = select(WriteOffBatchLine.customer_id).where(WriteOffBatchLine.batch_id == batch.id)
    db.session.execute(
        update(Customer).where(Customer.id.in_(customers)).values(id=Customer.id)
        .execution_options(synchronize_session=False))


def _refused(actor: Actor, batch: WriteOffBatch, message: str, rule: str | None = None) -> ValidationFailed:
    record_refusal(actor, "write_off_batch.decision_refused", "write_off_batch", batch.id, reason=message,
                   rule=rule, details={"registry_number": batch.registry_number})
    return _refuse(message)


def batch_decide(actor: Actor, batch: WriteOffBatch, decision: BatchDecisionInput) -> WriteOffBatchDecision:
    """One decision for every line: by someone whose one rule covers each line on the decision day."""
    from portal.batches.explain import refusal_text

    _lock_customers(batch)
    db.session.refresh(batch)
    if batch.decision is not None or batch.state_enum in DECIDED:
        raise _refuse(_("The batch has already been decided."))
    if batch.state_enum != BatchState.AWAITING_DECISION:
        raise _refuse(_("This cannot be done to a batch that is %(state)s.", state=batch.state_label))
    if not decision.reasons.strip():
        raise _refuse(_("Give the reasons for the decision."), "reasons")
    if not decision.no_conflict_confirmed:
        raise _refuse(_("Confirm that you have no conflict of interest in the case (jäv)."), "no_conflict_confirmed")
    if actor.user_id == batch.prepared_by_id:
        raise _refused(actor, batch, _("You prepared the batch: someone else decides it (four eyes, R3)."))

    today = clock.today()
    paid = [line.invoice.invoice_number for line in _decision_day_figures(batch, today)]
    if paid:
        raise _refused(actor, batch, _(
            "These invoices have no open amount any more: %(numbers)s. The finance officer leaves them out "
            "before the batch is decided.", numbers=", ".join(sorted(paid)[:20])))
    checks = check_decider(batch, actor.user_id, today)
    if checks is None:
        raise _refused(actor, batch, _("No delegation scheme is in force for the committee: only the committee decides."))
    path = common_path(checks.values())
    if path is None:
        raise _refused(actor, batch, refusal_text(batch, checks, today))
    decider = path.decider
    row = WriteOffBatchDecision(
        batch_id=batch.id, outcome="granted" if decision.granted else "refused", decision_date=today,
        decided_at=clock.now(), decided_by_id=actor.user_id, capacity=decider.capacity.value,
        position_id=decider.position_id, standin_for_id=decider.standin_for_person_id,
        delegated_by_position_id=decider.delegated_by_position_id, scheme_version_id=path.version_id,
        rule_number=path.rule_number, rule_level=path.level, amount_ore=batch.amount_ore,
        line_count=batch.line_count, customer_count=batch.customer_count, reasons=decision.reasons.strip(),
        no_conflict_confirmed=True)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as clash:
        raise _refuse(_("The batch has already been decided.")) from clash
    details = dict(decision_id=row.id, rule_number=path.rule_number, version_id=path.version_id,
                   capacity=decider.capacity.value, amount_ore=row.amount_ore, lines=row.line_count,
                   customers=row.customer_count)
    _issue(actor, batch, row)
    if decision.granted:
        _move(actor, batch, "write_off_batch.grant", {BatchState.AWAITING_DECISION}, BatchState.GRANTED, **details)
    else:
        _move(actor, batch, "write_off_batch.refuse", {BatchState.AWAITING_DECISION}, BatchState.REFUSED, **details)
    _letters(actor, batch)
    return row


def _issue(actor: Actor, batch: WriteOffBatch, row: WriteOffBatchDecision) -> None:
    """The decision is written: issue its one document, in the same transaction."""
    from portal.batches.pdf import batch_documents_issue

    db.session.refresh(batch, ["decision"])
    batch_documents_issue(actor, batch, row)


def _letters(actor: Actor, batch: WriteOffBatch) -> None:
    """A granted final write-off: the customers' letters are made by a job once this transaction
    is committed."""
    if batch.state_enum == BatchState.GRANTED and batch.write_off_final:
        # Each customer gets a letter (a book-keeping write-off sends none).
        from portal import jobs
        from portal.batches.jobs import LETTERS, SUBJECT

        jobs.enqueue(actor, LETTERS, subject=(SUBJECT, batch.id))


def _decision_day_figures(batch: WriteOffBatch, today: date) -> list[WriteOffBatchLine]:
    """Each line's amounts on the decision day (payments may have come in since the batch was
    built); the lines whose invoice has no open capital any more."""
    paid = []
    for line in batch.included:
        capital, interest = line_amounts(line.invoice, today)
        if capital <= 0:
            paid.append(line)
        line.open_capital_ore, line.interest_ore = capital, interest
    db.session.flush()
    _totals(batch)
    return paid


# --- the committee's own decision (a batch referred to it) --------------------------------------

@dataclass(frozen=True)
class CommitteeBatchDecision:
    """What the committee decided at a meeting's paragraph, as the secretary records it."""

    granted: bool
    reasons: str
    meeting_id: int
    meeting_date: date
    paragraph: int
    reference: str  # e.g. "SN 2026-12-10 § 14"


def batch_committee_decide(actor: Actor, batch: WriteOffBatch, decision: CommitteeBatchDecision) -> WriteOffBatchDecision:
    """The committee's decision on a batch referred to it, registered when the secretary records
    the meeting (portal/meetings `meeting_record`, the same path as a referred case). It names the
    meeting's paragraph, not a delegation rule, and is never in the delegation report. An invoice
    paid since the batch was referred has nothing left to write off: its line is left out."""
    _lock_customers(batch)
    db.session.refresh(batch)
    if batch.decision is not None or batch.state_enum != BatchState.REFERRED_TO_COMMITTEE:
        raise _refuse(_("Batch %(number)s is no longer referred to the committee.", number=batch.registry_number))
    paid = _decision_day_figures(batch, clock.today())
    for line in paid:
        line.left_out = True
    if paid:
        _totals(batch)
        record(actor, "write_off_batch.leave_out", "write_off_batch", batch.id,
               after={"invoices": [line.invoice.invoice_number for line in paid], "paid": True,
                      "lines": batch.line_count, "amount_ore": batch.amount_ore})
    if not batch.included:
        raise _refuse(_("Every invoice of batch %(number)s has been paid: nothing is left to decide. Remove the "
                        "paragraph from the agenda.", number=batch.registry_number))
    row = WriteOffBatchDecision(
        batch_id=batch.id, outcome="granted" if decision.granted else "refused",
        decision_date=decision.meeting_date, decided_at=clock.now(), decided_by_id=actor.user_id,
        capacity="committee", meeting_id=decision.meeting_id, paragraph=decision.paragraph,
        committee_reference=decision.reference, amount_ore=batch.amount_ore, line_count=batch.line_count,
        customer_count=batch.customer_count, reasons=decision.reasons.strip(), no_conflict_confirmed=False)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as clash:
        raise _refuse(_("The batch has already been decided.")) from clash
    _issue(actor, batch, row)
    _move(actor, batch, "write_off_batch.committee_decide", {BatchState.REFERRED_TO_COMMITTEE},
          BatchState.GRANTED if decision.granted else BatchState.REFUSED, decision_id=row.id, outcome=row.outcome,
          reference=decision.reference, amount_ore=row.amount_ore, lines=row.line_count, customers=row.customer_count)
    _letters(actor, batch)
    return row


def batch_send_back(actor: Actor, batch: WriteOffBatch, reference: str, reasons: str) -> WriteOffBatch:
    """The committee sent the batch back (återremiss): the finance officer who prepared it changes
    it and submits it again, under the same registry number."""
    _move(actor, batch, "write_off_batch.committee_send_back", {BatchState.REFERRED_TO_COMMITTEE},
          BatchState.DRAFT, reference=reference, reasons=reasons.strip())
    return batch


def masked_copies_issue(actor: Actor) -> int:
    """Issue the copy without personal data for every decided batch that has none (batches decided
    before copies were issued with the decision); returns how many were issued. Running it again
    issues nothing."""
    from portal.batches.pdf import masked_copy_issue
    from portal.batches.rules import MASKED_OBJECT_TYPE
    from portal.documents.models import IssuedDocument

    copied = set(db.session.scalars(
        select(IssuedDocument.object_id).where(IssuedDocument.object_type == MASKED_OBJECT_TYPE)))
    batches = [batch for batch in db.session.scalars(
        select(WriteOffBatch).join(WriteOffBatchDecision, WriteOffBatchDecision.batch_id == WriteOffBatch.id)
        .order_by(WriteOffBatch.id)) if str(batch.id) not in copied]
    for batch in batches:
        masked_copy_issue(actor, batch, batch.decision)
    return len(batches)


def batch_execute(actor: Actor, batch: WriteOffBatch) -> WriteOffBatch:
    """Finance booked the write-offs in the ledger (one line per invoice in the export)."""
    _move(actor, batch, "write_off_batch.execute", {BatchState.GRANTED}, BatchState.EXECUTED)
    batch.executed_at = clock.now()
    batch.executed_by_id = actor.user_id
    db.session.flush()
    return batch

