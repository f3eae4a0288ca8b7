"""Reads about batch write-offs: who sees which batch (`visible_to`, RULINGS 17), the batches a
person may decide now, the lists; and the access rules the batches domain answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from portal import access, clock
from portal.auth.models import User
from portal.auth.roles import Role
from portal.batches.models import WriteOffBatch, WriteOffBatchDecision, WriteOffBatchLine
from portal.batches.routing import route
from portal.batches.rules import BLOCKS_CASES, MASKED_OBJECT_TYPE, BatchState
from portal.cases.queries import committees_of_duty
from portal.documents.models import IssuedDocument
from portal.extensions import db
from portal.meetings.models import AgendaItem, Meeting
from portal.org.queries import case_work_committee_ids, elected_committee_ids, secretary_committee_ids
from portal.receivables.models import Invoice

# Finance prepares, executes and answers for the batches; the auditor reads everything (RULINGS 17).
# Case officers work case by case and do not see batches unless they decide one.
BATCH_READERS = frozenset({Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR, Role.AUDITOR})
BATCH_PREPARERS = frozenset({Role.FINANCE_OFFICER})


@dataclass(frozen=True)
class ToDecide:
    batch: WriteOffBatch
    rule_number: str
    level: int


def to_decide(user_id: int, day: date, *, batch_id: int | None = None) -> list[ToDecide]:
    """Batches awaiting decision that this person may decide today under a rule covering every line
    (only the one batch, when asked about one)."""
    committees = committees_of_duty(user_id, day)
    if not committees:
        return []
    candidates = db.session.scalars(
        select(WriteOffBatch).where(WriteOffBatch.state == BatchState.AWAITING_DECISION.value,
                                    WriteOffBatch.committee_id.in_(committees),
                                    WriteOffBatch.id == batch_id if batch_id is not None else true())
        .options(selectinload(WriteOffBatch.lines).joinedload(WriteOffBatchLine.invoice))
        .order_by(WriteOffBatch.submitted_at))
    result = []
    for batch in candidates:
        verdict = route(batch, day)
        if verdict is None:
            continue
        mine = [rule for rule in verdict.covering if user_id in rule.person_ids]
        if mine:
            result.append(ToDecide(batch, mine[0].rule_number, mine[0].level))
    return result


def visible_to(user: User, day: date, *, batch_id: int | None = None) -> ColumnElement[bool]:
    """The batches a person may read, as a condition on `WriteOffBatch` for any query: finance roles
    and the auditor see every batch; anyone else the batches they may decide now or decided; the
    committee's members the batches on its meetings' agendas (the decider who referred one to the committee
    keeps seeing it), and its secretary the batches referred
    to it too (RULINGS 10: they see the committee's matters, the page shows them no customers)."""
    if user.roles & BATCH_READERS:
        return true()
    decided = select(WriteOffBatchDecision.batch_id).where(WriteOffBatchDecision.decided_by_id == user.id)
    deciding = [item.batch.id for item in to_decide(user.id, day, batch_id=batch_id)]
    conditions = [WriteOffBatch.id.in_(decided), WriteOffBatch.id.in_(deciding), WriteOffBatch.referred_by_id == user.id]
    committees = _committee_readers_of(user, day)
    if committees:
        on_agenda = (select(AgendaItem.batch_id).join(Meeting, Meeting.id == AgendaItem.meeting_id)
                     .where(Meeting.committee_id.in_(committees), AgendaItem.batch_id.is_not(None)))
        conditions.append(WriteOffBatch.id.in_(on_agenda))
    if Role.COMMITTEE_SECRETARY in user.roles:
        secretary_of = secretary_committee_ids(user.id, day)
        if secretary_of:
            conditions.append(and_(WriteOffBatch.committee_id.in_(secretary_of),
                                   WriteOffBatch.state == BatchState.REFERRED_TO_COMMITTEE.value))
    return or_(*conditions)


def _committee_readers_of(user: User, day: date) -> set[int]:
    """The committees whose meetings the person reads: elected there, or its secretary."""
    ids = elected_committee_ids(user.id, day)
    if Role.COMMITTEE_SECRETARY in user.roles:
        ids |= secretary_committee_ids(user.id, day)
    return ids


def shows_customers(user: User, batch: WriteOffBatch, day: date) -> bool:
    """Whether the batch page names its customers to this person: finance, the auditor, and whoever
    decides or decided it under the scheme (or, as its decider, referred it to the committee); not the committee's members and secretary, who read the
    committee's matters without names or identity numbers (RULINGS 10)."""
    if user.roles & BATCH_READERS or batch.referred_by_id == user.id:
        return True
    decision = batch.decision
    if decision is not None:
        return decision.is_delegated and decision.decided_by_id == user.id
    return bool(to_decide(user.id, day, batch_id=batch.id))


def batch_visible(user: User, batch: WriteOffBatch, day: date) -> bool:
    return db.session.scalar(select(func.count()).select_from(WriteOffBatch).where(
        WriteOffBatch.id == batch.id, visible_to(user, day, batch_id=batch.id))) > 0


def batches_for(reader: User) -> list[WriteOffBatch]:
    return list(db.session.scalars(
        select(WriteOffBatch).where(visible_to(reader, clock.today()))
        .options(joinedload(WriteOffBatch.committee), joinedload(WriteOffBatch.decision))
        .order_by(WriteOffBatch.id.desc())))


def batch_with_lines(batch_id: int) -> WriteOffBatch | None:
    return db.session.scalars(
        select(WriteOffBatch).where(WriteOffBatch.id == batch_id)
        .options(selectinload(WriteOffBatch.lines).options(
            joinedload(WriteOffBatchLine.invoice).joinedload(Invoice.category),
            joinedload(WriteOffBatchLine.customer), joinedload(WriteOffBatchLine.org_unit)))).first()


def granted_not_executed(reader: User) -> list[WriteOffBatch]:
    """Granted batches finance may book, each with its lines for the ledger export."""
    return list(db.session.scalars(
        select(WriteOffBatch).where(WriteOffBatch.state == BatchState.GRANTED.value, visible_to(reader, clock.today()))
        .options(joinedload(WriteOffBatch.decision),
                 selectinload(WriteOffBatch.lines).joinedload(WriteOffBatchLine.invoice))
        .order_by(WriteOffBatch.submitted_at, WriteOffBatch.id)))


def invoices_in_open_batches(invoice_ids) -> list[str]:
    """The numbers of these invoices that a submitted or granted batch holds (RULINGS 15)."""
    return list(db.session.scalars(
        select(Invoice.invoice_number).join(WriteOffBatchLine, WriteOffBatchLine.invoice_id == Invoice.id)
        .join(WriteOffBatch, WriteOffBatch.id == WriteOffBatchLine.batch_id)
        .where(Invoice.id.in_(invoice_ids), WriteOffBatchLine.left_out.is_(False),
               WriteOffBatch.state.in_([state.value for state in BLOCKS_CASES]))
        .order_by(Invoice.invoice_number)))


@access.register(access.VIEW_BATCH, access.LIST_BATCHES, access.PREPARE_BATCH, access.DECLARE_BATCH_CONFLICT)
def _batch_rule(user: User, action: str, batch: WriteOffBatch | None, day: date) -> bool:
    if action == access.PREPARE_BATCH:
        return bool(user.roles & BATCH_PREPARERS)
    if action == access.LIST_BATCHES:
        return bool(user.roles & BATCH_READERS) or bool(case_work_committee_ids(user.id, day))
    if batch is None:
        return False
    if action == access.DECLARE_BATCH_CONFLICT:
        return batch_visible(user, batch, day) and (
            bool(user.roles & BATCH_PREPARERS) or bool(to_decide(user.id, day, batch_id=batch.id)))
    return batch_visible(user, batch, day)


@access.register_document("write_off_batch")
def _batch_document_rule(user: User, document: IssuedDocument, day: date) -> bool:
    """The decision and the customers' letters name the customers: only for those the batch page
    shows them to (not the committee's members and secretary, RULINGS 10)."""
    batch = db.session.get(WriteOffBatch, int(document.object_id))
    return batch is not None and batch_visible(user, batch, day) and shows_customers(user, batch, day)


@access.register_document(MASKED_OBJECT_TYPE)
def _masked_copy_rule(user: User, document: IssuedDocument, day: date) -> bool:
    """The copy without personal data: for everyone who sees the batch."""
    batch = db.session.get(WriteOffBatch, int(document.object_id))
    return batch is not None and batch_visible(user, batch, day)


def documents_of(user: User, batch: WriteOffBatch, day: date) -> list[IssuedDocument]:
    """The batch's documents this person may open: the decision and letters where the page shows
    them the customers, the copy without personal data to everyone who sees the batch."""
    found = db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.object_id == str(batch.id), IssuedDocument.object_type.in_(
            (["write_off_batch"] if shows_customers(user, batch, day) else []) + [MASKED_OBJECT_TYPE]))
        .order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc()))
    return list(found)
