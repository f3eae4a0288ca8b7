"""Reads of "Mina uppgifter" beyond the queues: each role's lists, each a fixed number of queries
whatever its length (tests/test_query_counts.py), each cut at LIST_SIZE with a count of the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.auth.models import User
from portal.batches import queries as batch_queries
from portal.cases import queries as case_queries
from portal.cases.models import Case, Decision, SignedAgreement
from portal.cases.rules import CaseState
from portal.delegation.engine_types import CaseType
from portal.delegation.models import SchemeVersion
from portal.extensions import db
from portal.meetings.models import AgendaItem, Meeting
from portal.meetings.delegation_report import unreported_counts
from portal.meetings.rules import ItemKind, MeetingState
from portal.memo import per_transaction
from portal.org.models import Absence, Committee
from portal.receivables.models import BankPayment, LedgerImport, ReferenceRate

LIST_SIZE = 20
OPEN_STATES = (CaseState.AWAITING_CONSULTATION.value, CaseState.AWAITING_DECISION.value,
               CaseState.REFERRED_TO_COMMITTEE.value)
GRANTED = (CaseState.GRANTED.value, CaseState.PARTLY_GRANTED.value)


# A page of one of these lists: the rows, the whole list's count, the page number (cases.queries).
Page = case_queries.Queue


def _page(query, count_query, page: int = 1) -> Page:
    total = int(db.session.scalar(count_query) or 0)
    page = min(max(1, page), max(1, -(-total // LIST_SIZE)))
    rows = list(db.session.scalars(query.limit(LIST_SIZE).offset((page - 1) * LIST_SIZE)).unique())
    return Page(rows, total, page, LIST_SIZE)


def _summary(query):
    return query.options(joinedload(Case.customer), joinedload(Case.committee), joinedload(Case.org_unit))


def submitted_by(user_id: int, page: int = 1) -> Page:
    """The officer's own cases on their way: in consultation, awaiting decision, referred."""
    where = (Case.prepared_by_id == user_id, Case.state.in_(OPEN_STATES))
    return _page(_summary(select(Case).where(*where)).order_by(Case.state, Case.submitted_at, Case.id),
                 select(func.count()).select_from(Case).where(*where), page)


@dataclass(frozen=True)
class AwaitingSignature:
    case: Case
    days: int  # since the decision


def signatures_awaited_by(user_id: int, today: date, page: int = 1) -> Page:
    """The officer's granted plans whose signed agreement is not registered, oldest first."""
    where = (Case.prepared_by_id == user_id, Case.case_type == CaseType.INSTALMENT_PLAN.value,
             Case.state.in_(GRANTED), SignedAgreement.id.is_(None))
    base = (select(Case).join(Decision, Decision.case_id == Case.id)
            .outerjoin(SignedAgreement, SignedAgreement.case_id == Case.id).where(*where))
    page = _page(_summary(base.options(joinedload(Case.decision))).order_by(Decision.decision_date, Case.id),
                 select(func.count()).select_from(base.subquery()), page)
    return Page([AwaitingSignature(case, (today - case.decision.decision_date).days) for case in page.rows],
                page.total, page.page, page.per_page)


def to_execute_of(user_id: int, page: int = 1) -> Page:
    """The officer's granted cases not yet booked by finance (a plan once its agreement is in)."""
    signed = select(SignedAgreement.id).where(SignedAgreement.case_id == Case.id).exists()
    where = (Case.prepared_by_id == user_id, Case.state.in_(GRANTED),
             (Case.case_type != CaseType.INSTALMENT_PLAN.value) | signed)
    return _page(_summary(select(Case).where(*where)).order_by(Case.submitted_at, Case.id),
                 select(func.count()).select_from(Case).where(*where), page)


def decided_by(user_id: int, today: date, days: int = 30, page: int = 1) -> Page:
    """The decisions a person made in the last `days` days, newest first."""
    where = (Decision.decided_by_id == user_id, Decision.decision_date > today - timedelta(days=days))
    query = (select(Decision).where(*where)
             .options(joinedload(Decision.case).joinedload(Case.customer))
             .order_by(Decision.decided_at.desc(), Decision.id.desc()))
    return _page(query, select(func.count()).select_from(Decision).where(*where), page)


# --- the committee secretary ----------------------------------------------------------------------

@dataclass(frozen=True)
class CommitteeWork:
    """What waits for a secretary in one committee."""

    committee: Committee
    unreported: int
    next_meeting: Meeting | None
    agenda_items: int  # on the next meeting's agenda
    report_on_agenda: bool
    waiting_for_agenda: list[Case]  # referred, on no planned meeting's agenda
    waiting_total: int


def secretary_work(committee_ids: set[int], today: date) -> list[CommitteeWork]:
    """Per committee: delegated decisions not yet reported, the next meeting and its agenda, the
    referred cases waiting for an agenda. Six queries however many committees and cases."""
    if not committee_ids:
        return []
    committees = list(db.session.scalars(select(Committee).where(Committee.id.in_(committee_ids))
                                         .order_by(Committee.code)))
    unreported = unreported_counts(committee_ids)  # batch write-offs too, one each (RULINGS 17)
    upcoming = db.session.scalars(
        select(Meeting).where(Meeting.committee_id.in_(committee_ids), Meeting.state == MeetingState.PLANNED.value,
                              Meeting.meeting_date >= today).order_by(Meeting.meeting_date, Meeting.id)).all()
    next_of: dict[int, Meeting] = {}
    for meeting in upcoming:
        next_of.setdefault(meeting.committee_id, meeting)
    items: dict[int, tuple[int, bool]] = {}
    if next_of:
        for meeting_id, count, reports in db.session.execute(
                select(AgendaItem.meeting_id, func.count(AgendaItem.id),
                       func.count(AgendaItem.id).filter(AgendaItem.kind == ItemKind.DELEGATION_REPORT.value))
                .where(AgendaItem.meeting_id.in_([m.id for m in next_of.values()]))
                .group_by(AgendaItem.meeting_id)).all():
            items[meeting_id] = (int(count), bool(reports))
    on_agenda = (select(AgendaItem.case_id).join(Meeting, Meeting.id == AgendaItem.meeting_id)
                 .where(Meeting.state == MeetingState.PLANNED.value, AgendaItem.case_id.is_not(None)))
    waiting_where = (Case.committee_id.in_(committee_ids), Case.state == CaseState.REFERRED_TO_COMMITTEE.value,
                     Case.id.not_in(on_agenda))
    waiting_counts = dict(db.session.execute(
        select(Case.committee_id, func.count(Case.id)).where(*waiting_where).group_by(Case.committee_id)).all())
    waiting = db.session.scalars(select(Case).where(*waiting_where).order_by(Case.submitted_at, Case.id)
                                 .limit(LIST_SIZE * len(committees))).all()
    result = []
    for committee in committees:
        meeting = next_of.get(committee.id)
        count, report = items.get(meeting.id, (0, False)) if meeting else (0, False)
        result.append(CommitteeWork(
            committee, int(unreported.get(committee.id, 0)), meeting, count, report,
            [case for case in waiting if case.committee_id == committee.id][:LIST_SIZE],
            int(waiting_counts.get(committee.id, 0))))
    return result


# --- finance --------------------------------------------------------------------------------------

def unmatched_bank_payments() -> int:
    """Payments from bank files that no invoice was found for: the finance officer matches them."""
    return db.session.scalar(select(func.count()).select_from(BankPayment).where(BankPayment.invoice_id.is_(None)))


def recent_imports(limit: int = 1) -> list[LedgerImport]:
    return list(db.session.scalars(select(LedgerImport).order_by(LedgerImport.id.desc()).limit(limit)))


def scheme_drafts() -> list[SchemeVersion]:
    """Delegation scheme drafts waiting to be published, per committee."""
    return list(db.session.scalars(select(SchemeVersion).where(SchemeVersion.state == "draft")
                                   .options(joinedload(SchemeVersion.committee)).order_by(SchemeVersion.id)))


def next_half_year(today: date) -> date:
    return date(today.year, 7, 1) if today.month <= 6 else date(today.year + 1, 1, 1)


def missing_reference_rate(today: date) -> date | None:
    """The coming half-year, when its reference rate is not in the table yet (plans use it)."""
    start = next_half_year(today)
    known = db.session.scalar(select(func.count()).select_from(ReferenceRate)
                              .where(ReferenceRate.half_year_start == start))
    return None if known else start


# --- absences -------------------------------------------------------------------------------------

def absences_of(user_id: int, today: date) -> list[Absence]:
    """A person's own absences now and to come, and those where they are named to stand in."""
    return list(db.session.scalars(
        select(Absence).where((Absence.user_id == user_id) | (Absence.standin_user_id == user_id),
                              (Absence.ends_on.is_(None)) | (Absence.ends_on >= today))
        .options(joinedload(Absence.user), joinedload(Absence.standin))
        .order_by(Absence.starts_on, Absence.id).limit(LIST_SIZE)))


# --- batch write-offs -----------------------------------------------------------------------------

def batches_to_decide(user_id: int, today: date) -> list[batch_queries.ToDecide]:
    """Batch write-offs awaiting this person's decision: those a rule of theirs covers line by line
    today (the same question the batch list and page ask; none without a position of duty). Once
    per transaction: the menu's count asks on every page."""
    return per_transaction(("batches_to_decide", user_id, today), lambda: batch_queries.to_decide(user_id, today))


def task_count(user: User, today: date) -> int:
    """The number beside "Mina uppgifter" in the menu: the case queues' count and the batch
    write-offs to decide, the engine's part kept for a while (home.menu_count)."""
    from portal.home import menu_count

    return menu_count.task_count(user, today)
