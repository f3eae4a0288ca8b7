"""Reads of the sender and the pages: who hears of an event, what waits for a person, the outbox."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import Select, and_, false, func, or_, select, true
from sqlalchemy.orm import joinedload

from portal import access
from portal.auth.models import User, UserRole
from portal.auth.roles import Role
from portal.cases import queries as case_queries
from portal.cases.models import Case, Decision, SignedAgreement
from portal.cases.routing import route
from portal.cases.rules import CaseState
from portal.delegation.engine_types import CaseType
from portal.extensions import db
from portal.meetings import delegation_report
from portal.meetings.models import Meeting
from portal.meetings.rules import MeetingState
from portal.notify import rules
from portal.notify.models import EventKind, Frequency, MailEvent, MailPreference, MailState, OutboxMail
from portal.org.models import Committee
from portal.org.queries import secretary_committee_ids

GRANTED = (CaseState.GRANTED.value, CaseState.PARTLY_GRANTED.value)


def _reachable(user_ids: set[int], kind: EventKind) -> list[User]:
    """The active people among these with an address who want mail of this kind."""
    if not user_ids:
        return []
    rows = db.session.execute(
        select(User, MailPreference.frequency).outerjoin(MailPreference, MailPreference.user_id == User.id)
        .where(User.id.in_(user_ids), User.is_active_account.is_(True), User.email.is_not(None), User.email != "")
        .order_by(User.id)).all()
    return [user for user, frequency in rows
            if rules.wants(Frequency(frequency or Frequency.IMMEDIATELY.value), kind)]


def with_frequency(frequency: Frequency) -> list[User]:
    """Active people with an address who chose this frequency."""
    return list(db.session.scalars(
        select(User).join(MailPreference, MailPreference.user_id == User.id)
        .where(MailPreference.frequency == frequency.value, User.is_active_account.is_(True),
               User.email.is_not(None), User.email != "").order_by(User.id)))


def _with_role(role: Role) -> set[int]:
    return set(db.session.scalars(select(UserRole.user_id).where(UserRole.role == role.value)))


def secretaries_of(committee_id: int, day: date) -> set[int]:
    return {user_id for user_id in _with_role(Role.COMMITTEE_SECRETARY)
            if committee_id in secretary_committee_ids(user_id, day)}


def of_event(event: MailEvent, day: date) -> list[User]:
    """Who gets a mail of the event, as things stand when it is sent: a case that has moved on since
    (decided before its mail went) tells nobody it waits."""
    kind = EventKind(event.kind)
    if event.recipient_id is not None:
        return _reachable({event.recipient_id}, kind)
    case = db.session.get(Case, event.case_id) if event.case_id is not None else None
    if kind == EventKind.CASE_TO_DECIDE:
        if case is None or case.state != CaseState.AWAITING_DECISION:
            return []
        verdict = route(case, day).verdict
        deciders = {d.person_id for outcome in (verdict.proposed if verdict else ()) for d in outcome.deciders}
        return _reachable(deciders - {case.prepared_by_id}, kind)
    if kind == EventKind.CASE_TO_CONSULT:
        if case is None or case.state != CaseState.AWAITING_CONSULTATION:
            return []
        return _reachable(_with_role(Role.FINANCE_OFFICER) - {case.prepared_by_id}, kind)
    if kind in (EventKind.CASE_DECIDED, EventKind.CASE_RETURNED):
        return _reachable({case.prepared_by_id}, kind) if case is not None else []
    if kind == EventKind.AGREEMENT_OVERDUE:
        if case is None or not case.awaits_signature:
            return []
        return _reachable({case.prepared_by_id}, kind)
    if kind == EventKind.MEETING_UNREPORTED:
        meeting = db.session.get(Meeting, event.meeting_id)
        if meeting is None or meeting.state != MeetingState.PLANNED:
            return []
        return _reachable(secretaries_of(meeting.committee_id, day), kind)
    return []


def meetings_with_unreported(today: date, days: int) -> list[tuple[Meeting, int]]:
    """Planned meetings within `days` whose committee has delegated decisions not yet reported."""
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.state == MeetingState.PLANNED.value, Meeting.meeting_date >= today,
                              Meeting.meeting_date <= today + timedelta(days=days))
        .options(joinedload(Meeting.committee)).order_by(Meeting.meeting_date, Meeting.id)).all()
    result = []
    for meeting in meetings:
        count = sum(t.count for t in delegation_report.unreported_totals(meeting.committee_id, up_to=meeting.meeting_date))
        if count:
            result.append((meeting, count))
    return result


def overdue_agreements(today: date, days: int) -> list[tuple[Case, Decision]]:
    """Granted plans whose signed agreement is not registered `days` after the decision."""
    rows = db.session.execute(
        select(Case, Decision).join(Decision, Decision.case_id == Case.id)
        .outerjoin(SignedAgreement, SignedAgreement.case_id == Case.id)
        .where(Case.case_type == CaseType.INSTALMENT_PLAN.value, Case.state.in_(GRANTED),
               SignedAgreement.id.is_(None), Decision.decision_date <= today - timedelta(days=days))
        .order_by(Decision.decision_date, Case.id)).all()
    return [(case, decision) for case, decision in rows]


def what_waits(user: User, today: date) -> dict[str, list[dict]]:
    """A person's digest: the registry numbers of what waits for them (the start page's lists)."""

    def items(cases) -> list[dict]:
        return [{"case_id": case.id, "registry_number": case.registry_number or ""} for case in cases]

    payload: dict[str, list[dict]] = {
        "to_decide": items(item.case for item in case_queries.to_decide(user.id, today)),
        "to_consult": [], "returned": [], "to_execute": [], "agreements": [], "unreported": [],
    }
    if access.allowed(user, access.CONSULT_CASE, on=today):
        payload["to_consult"] = items(case_queries.awaiting_consultation(user))
    if access.allowed(user, access.PREPARE_CASE, on=today):
        payload["returned"] = items(c for c in case_queries.drafts_of(user.id) if c.state == CaseState.RETURNED)
        days = current_app.config["MAIL_AGREEMENT_REMINDER_DAYS"]
        payload["agreements"] = items(case for case, _decision in overdue_agreements(today, days)
                                      if case.prepared_by_id == user.id)
    if access.allowed(user, access.EXECUTE_CASE, on=today):
        payload["to_execute"] = items(case_queries.granted_not_executed(user))
    committees = secretary_committee_ids(user.id, today)
    if committees:
        counts = delegation_report.unreported_counts(committees)
        for committee in db.session.scalars(select(Committee).where(Committee.id.in_(committees))
                                            .order_by(Committee.code)):
            count = counts.get(committee.id, 0)
            if count:
                payload["unreported"].append({"committee_id": committee.id, "committee_code": committee.code,
                                              "count": count})
    return payload


# --- the administrator's outbox page --------------------------------------------------------------

PAGE_SIZE = 50


def visible_to(user: User) -> Select:
    """The outbox is the administrator's (it names who got which registry number)."""
    return select(OutboxMail).where(true() if access.allowed(user, access.MANAGE_MAIL) else false())


def outbox_page(user: User, *, problems_only: bool, page: int) -> tuple[list[OutboxMail], int]:
    """Mails newest first: by default those that failed or wait after a failed attempt."""
    query = visible_to(user)
    if problems_only:
        query = query.where(or_(OutboxMail.state == MailState.FAILED.value,
                                and_(OutboxMail.state == MailState.WAITING.value, OutboxMail.attempts > 0)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.options(joinedload(OutboxMail.event), joinedload(OutboxMail.recipient))
                              .order_by(OutboxMail.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return list(rows), total


def failed_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(
        visible_to(user).where(OutboxMail.state == MailState.FAILED.value).subquery()))
