"""Reads the meeting pages share: meetings of a committee, their agendas, what waits for an agenda,
their documents, and who reads and runs meetings (the delegation report's reads are in
delegation_report.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, String, func, literal, select, union_all
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload, selectinload

from portal import access, clock
from portal.auth.roles import Role
from portal.batches.models import WriteOffBatch
from portal.batches.rules import BatchState
from portal.cases.models import Case
from portal.cases.rules import CaseState
from portal.extensions import db
from portal.meetings.delegation_report import batch_type_label, type_label
from portal.meetings.models import AgendaItem, Meeting
from portal.meetings.rules import MeetingState
from portal.org.models import Committee
from portal.org.queries import elected_committee_ids, secretary_committee_ids


def meetings_of(committee_id: int) -> list[Meeting]:
    return list(db.session.scalars(
        select(Meeting).where(Meeting.committee_id == committee_id)
        .order_by(Meeting.meeting_date.desc(), Meeting.id.desc())
    ))


def open_item_of_case(case_id: int) -> AgendaItem | None:
    """The paragraph of a planned meeting where the case waits for the committee, if any."""
    return db.session.scalars(
        select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.case_id == case_id, Meeting.state == MeetingState.PLANNED.value)
    ).first()


def open_item_of_batch(batch_id: int) -> AgendaItem | None:
    """The paragraph of a planned meeting where the batch write-off waits for the committee, if any."""
    return db.session.scalars(
        select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.batch_id == batch_id, Meeting.state == MeetingState.PLANNED.value)
    ).first()


def item_of_batch(batch_id: int) -> AgendaItem | None:
    """The batch's paragraph: on a planned meeting's agenda, or where the committee decided it."""
    return db.session.scalars(
        select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id).where(AgendaItem.batch_id == batch_id)
        .options(joinedload(AgendaItem.meeting).joinedload(Meeting.committee))
        .order_by(Meeting.meeting_date.desc(), AgendaItem.id.desc())
    ).first()


# --- referred cases and batch write-offs waiting for an agenda, grouped and a page at a time --------

WAITING_PER_PAGE = 25


@dataclass(frozen=True)
class Waiting:
    """A case or a batch write-off referred to the committee and on no planned meeting's agenda."""

    kind: str  # ItemKind's matter: "case" or "batch"
    id: int
    registry_number: str
    title: str  # a batch's title; "" for a case
    amount_ore: int
    submitted_on: date | None


@dataclass(frozen=True)
class WaitingGroup:
    """One type's referred matters: its count and sum over every page, and its rows on this page."""

    type_label: str
    count: int
    amount_ore: int
    rows: list[Waiting]


@dataclass(frozen=True)
class WaitingPage:
    groups: list[WaitingGroup]
    page: int
    per_page: int

    @property
    def count(self) -> int:
        return sum(group.count for group in self.groups)

    @property
    def amount_ore(self) -> int:
        return sum(group.amount_ore for group in self.groups)

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    def find(self, kind: str, matter_id: int) -> Waiting | None:
        return next((row for group in self.groups for row in group.rows
                     if row.kind == kind and row.id == matter_id), None)


def _waiting(committee_id: int):
    """Referred cases and batch write-offs of the committee on no planned agenda, as one select
    ordered by type (cases by case type, then batches) and within it by the day it was referred."""
    planned = select(AgendaItem.case_id, AgendaItem.batch_id).join(Meeting, Meeting.id == AgendaItem.meeting_id).where(
        Meeting.state == MeetingState.PLANNED.value).subquery()
    whole_debt_due = sql_case((Case.whole_debt_due_for_id.is_(None), 0), else_=1)
    cases = select(
        literal(0, Integer).label("order"), literal("case", String).label("kind"), Case.id.label("id"),
        Case.registry_number.label("registry_number"), literal("", String).label("title"),
        Case.amount_ore.label("amount_ore"), Case.submitted_at.label("submitted_at"),
        Case.case_type.label("case_type"), whole_debt_due.label("whole_debt_due"),
    ).where(Case.committee_id == committee_id, Case.state == CaseState.REFERRED_TO_COMMITTEE.value,
            Case.id.not_in(select(planned.c.case_id).where(planned.c.case_id.is_not(None))))
    batches = select(
        literal(1, Integer).label("order"), literal("batch", String).label("kind"), WriteOffBatch.id.label("id"),
        WriteOffBatch.registry_number.label("registry_number"), WriteOffBatch.title.label("title"),
        WriteOffBatch.amount_ore.label("amount_ore"), WriteOffBatch.submitted_at.label("submitted_at"),
        literal("", String).label("case_type"), literal(0, Integer).label("whole_debt_due"),
    ).where(WriteOffBatch.committee_id == committee_id, WriteOffBatch.state == BatchState.REFERRED_TO_COMMITTEE.value,
            WriteOffBatch.id.not_in(select(planned.c.batch_id).where(planned.c.batch_id.is_not(None))))
    return union_all(cases, batches).subquery()


def _waiting_label(row) -> str:
    return batch_type_label() if row.order else type_label(row.case_type, bool(row.whole_debt_due))


def waiting_page(committee_id: int, page: int = 1) -> WaitingPage:
    """What waits for the committee's agenda: every type's count and sum, and one page of matters
    grouped by type, in two statements however many wait (issue 14: no page grows without bound)."""
    both = _waiting(committee_id)
    grouping = (both.c.order, both.c.case_type, both.c.whole_debt_due)
    totals = db.session.execute(
        select(*grouping, func.count().label("count"), func.coalesce(func.sum(both.c.amount_ore), 0).label("amount"))
        .group_by(*grouping).order_by(*grouping)).all()
    count = sum(row.count for row in totals)
    page = min(max(1, page), max(1, -(-count // WAITING_PER_PAGE)))
    rows = db.session.execute(
        select(both).order_by(*grouping, both.c.submitted_at, both.c.id)
        .offset((page - 1) * WAITING_PER_PAGE).limit(WAITING_PER_PAGE)).all()
    on_page: dict[str, list[Waiting]] = {}
    for row in rows:
        on_page.setdefault(_waiting_label(row), []).append(Waiting(
            row.kind, row.id, row.registry_number or "—", row.title or "", int(row.amount_ore or 0),
            clock.local(row.submitted_at).date() if row.submitted_at else None))
    groups: dict[str, WaitingGroup] = {}
    for row in totals:
        label = _waiting_label(row)
        before = groups.get(label)
        groups[label] = WaitingGroup(label, row.count + (before.count if before else 0),
                                     int(row.amount) + (before.amount_ore if before else 0), on_page.get(label, []))
    return WaitingPage(list(groups.values()), page, WAITING_PER_PAGE)


def meeting_with_items(meeting_id: int) -> Meeting | None:
    return db.session.scalars(
        select(Meeting).where(Meeting.id == meeting_id)
        .options(joinedload(Meeting.committee), selectinload(Meeting.items).joinedload(AgendaItem.case),
                 selectinload(Meeting.items).joinedload(AgendaItem.batch))
    ).first()


def documents_of(meeting: Meeting) -> list:
    from portal.documents.models import IssuedDocument

    return list(db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.object_type == "meeting",
                                     IssuedDocument.object_id == str(meeting.id))
        .order_by(IssuedDocument.issued_at, IssuedDocument.id)
    ))


# --- who reads and runs meetings (access.py asks; README "Vem ser vad") ----------------------------

# An urgent matter is shown to members once the case officer marked it urgent and while it is not
# back in the officer's hands: never a draft.
URGENT_HIDDEN_STATES = frozenset({CaseState.DRAFT.value, CaseState.RETURNED.value, CaseState.WITHDRAWN.value})


def _committee_id(obj: Committee | Meeting) -> int:
    return obj.committee_id if isinstance(obj, Meeting) else obj.id


def meeting_committee_ids(user, day: date) -> set[int]:
    """The committees whose meetings a person reads: where they are elected, and where they are the
    committee secretary (with the secretary's role)."""
    ids = elected_committee_ids(user.id, day)
    if Role.COMMITTEE_SECRETARY in user.roles:
        ids |= secretary_committee_ids(user.id, day)
    return ids


@access.register(access.VIEW_MEETINGS, access.MANAGE_MEETINGS, access.VIEW_MEETING,
                 access.VIEW_DELEGATION_REPORT, access.DECIDE_URGENT)
def _meetings_rule(user, action: str, obj, day: date) -> bool:
    roles = user.roles
    if action == access.MANAGE_MEETINGS:
        if Role.COMMITTEE_SECRETARY not in roles:
            return False
        ids = secretary_committee_ids(user.id, day)
        return bool(ids) if obj is None else _committee_id(obj) in ids
    if action == access.DECIDE_URGENT:
        return (obj is not None and bool(obj.urgent) and obj.state not in URGENT_HIDDEN_STATES
                and obj.committee_id in elected_committee_ids(user.id, day))
    if Role.AUDITOR in roles:
        return True
    ids = meeting_committee_ids(user, day)
    if obj is None:
        return action == access.VIEW_MEETINGS and bool(ids)
    return _committee_id(obj) in ids


@access.register_document("meeting")
def _meeting_document_rule(user, document, day: date) -> bool:
    meeting = db.session.get(Meeting, int(document.object_id))
    return meeting is not None and access.allowed(user, access.VIEW_MEETING, meeting, on=day)
