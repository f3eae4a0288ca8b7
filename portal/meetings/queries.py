"""Reads the meeting pages share: meetings of a committee, cases to put on an agenda, the report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from portal import access
from portal.auth.roles import Role
from portal.batches.models import WriteOffBatch, WriteOffBatchDecision
from portal.batches.rules import BatchState
from portal.cases.models import Case, Decision
from portal.cases.rules import CaseState
from portal.extensions import db
from portal.meetings.models import AgendaItem, DelegationReportLine, Meeting
from portal.meetings.rules import MeetingState, appeal_ends
from portal.org.models import Committee
from portal.org.queries import elected_committee_ids, reporting_committee_ids, secretary_committee_ids


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


def referred_batches(committee_id: int) -> list[WriteOffBatch]:
    """Batch write-offs referred to the committee that wait for a meeting's agenda."""
    waiting = select(AgendaItem.batch_id).join(Meeting, Meeting.id == AgendaItem.meeting_id).where(
        Meeting.state == MeetingState.PLANNED.value, AgendaItem.batch_id.is_not(None))
    return list(db.session.scalars(
        select(WriteOffBatch).where(WriteOffBatch.committee_id == committee_id,
                                    WriteOffBatch.state == BatchState.REFERRED_TO_COMMITTEE.value,
                                    WriteOffBatch.id.not_in(waiting))
        .order_by(WriteOffBatch.submitted_at, WriteOffBatch.id)
    ))


def referred_cases(committee_id: int) -> list[Case]:
    """Cases referred to the committee that wait for a meeting's agenda."""
    waiting = select(AgendaItem.case_id).join(Meeting, Meeting.id == AgendaItem.meeting_id).where(
        Meeting.state == MeetingState.PLANNED.value, AgendaItem.case_id.is_not(None))
    return list(db.session.scalars(
        select(Case).where(Case.committee_id == committee_id,
                           Case.state == CaseState.REFERRED_TO_COMMITTEE.value,
                           Case.id.not_in(waiting))
        .order_by(Case.submitted_at, Case.id)
    ))


def unreported_decisions(committee_id: int, up_to: date | None = None) -> list[Decision | WriteOffBatchDecision]:
    """Every delegated (and urgent) decision of the committee that no meeting has reported yet, batch
    write-offs' decisions included (one line each)."""
    reported = select(DelegationReportLine.decision_id)
    query = (
        select(Decision).join(Case, Case.id == Decision.case_id)
        .where(Case.committee_id == committee_id, Decision.meeting_id.is_(None), Decision.id.not_in(reported),
               Case.committee_id.in_(reporting_committee_ids()))
        .options(joinedload(Decision.case), joinedload(Decision.position),
                 joinedload(Decision.delegated_by_position))
        .order_by(Case.case_type, Decision.rule_number, Decision.decision_date, Decision.id)
    )
    if up_to is not None:
        query = query.where(Decision.decision_date <= up_to)
    return list(db.session.scalars(query).unique()) + _batch_decisions(
        WriteOffBatch.committee_id == committee_id, WriteOffBatchDecision.reported_meeting_id.is_(None),
        # The committee's own decision on a batch referred to it is in its minutes, not in the report.
        WriteOffBatchDecision.meeting_id.is_(None),
        WriteOffBatch.committee_id.in_(reporting_committee_ids()),
        WriteOffBatchDecision.decision_date <= up_to if up_to is not None else true())


def _batch_decisions(*conditions) -> list[WriteOffBatchDecision]:
    return list(db.session.scalars(
        select(WriteOffBatchDecision).join(WriteOffBatch, WriteOffBatch.id == WriteOffBatchDecision.batch_id)
        .where(*conditions)
        .options(joinedload(WriteOffBatchDecision.batch).selectinload(WriteOffBatch.lines),
                 joinedload(WriteOffBatchDecision.position))
        .order_by(WriteOffBatchDecision.rule_number, WriteOffBatchDecision.decision_date, WriteOffBatchDecision.id)))


def reported_decisions(meeting: Meeting) -> list[Decision | WriteOffBatchDecision]:
    return _reported_cases(meeting) + _batch_decisions(WriteOffBatchDecision.reported_meeting_id == meeting.id)


def _reported_cases(meeting: Meeting) -> list[Decision]:
    return list(db.session.scalars(
        select(Decision).join(DelegationReportLine, DelegationReportLine.decision_id == Decision.id)
        .join(Case, Case.id == Decision.case_id)
        .where(DelegationReportLine.meeting_id == meeting.id)
        .options(joinedload(Decision.case), joinedload(Decision.position),
                 joinedload(Decision.delegated_by_position))
        .order_by(Case.case_type, Decision.rule_number, Decision.decision_date, Decision.id)
    ).unique())


@dataclass(frozen=True)
class ReportLine:
    """One decision as the public minutes show it: no names, no identity numbers."""

    registry_number: str
    type_label: str
    amount_ore: int
    outcome_label: str
    position_title: str
    decision_date: date
    urgent: bool
    # Made under further delegation: reported to the department head too (7 kap 8 §).
    further_delegated_by: str | None
    appeal_ends: date | None
    # A batch write-off: its count of invoices and customers and its reasons, on its one line.
    summary: str | None = None


@dataclass(frozen=True)
class ReportGroup:
    type_label: str
    rule_number: str
    lines: list[ReportLine]


def report_groups(decisions: list[Decision], posted_on: date | None = None) -> list[ReportGroup]:
    """The report grouped by case type and rule, in the order given."""
    groups: dict[tuple[str, str], list[ReportLine]] = {}
    for decision in decisions:
        if isinstance(decision, WriteOffBatchDecision):
            line = _batch_line(decision, posted_on)
            groups.setdefault((line.type_label, decision.rule_number), []).append(line)
            continue
        case = decision.case
        line = ReportLine(
            registry_number=case.registry_number or "",
            type_label=case.type_label,
            amount_ore=decision.amount_ore,
            outcome_label=decision.outcome_label,
            position_title=decision.position.title if decision.position else "",
            decision_date=decision.decision_date,
            urgent=bool(case.urgent),
            further_delegated_by=decision.delegated_by_position.title if decision.delegated_by_position else None,
            appeal_ends=appeal_ends(posted_on) if posted_on else None,
        )
        groups.setdefault((case.type_label, decision.rule_number or ""), []).append(line)
    return [ReportGroup(type_label, rule, lines) for (type_label, rule), lines in groups.items()]


def _batch_line(decision: WriteOffBatchDecision, posted_on: date | None) -> ReportLine:
    """A batch write-off on one line (RULINGS 17): count, sum and reasons, never a name."""
    from flask_babel import gettext as _, ngettext

    from portal.delegation.models import WriteOffReason

    batch = decision.batch
    reasons = sorted({WriteOffReason(line.write_off_reason).label for line in batch.included})
    summary = "{}, {}; {}".format(
        ngettext("%(num)d invoice", "%(num)d invoices", decision.line_count),
        ngettext("%(num)d customer", "%(num)d customers", decision.customer_count), ", ".join(reasons))
    return ReportLine(
        registry_number=batch.registry_number or "", type_label=_("Write-off (batch)"),
        amount_ore=decision.amount_ore, outcome_label=_("Granted") if decision.outcome == "granted" else _("Refused"),
        position_title=decision.position.title if decision.position else "", decision_date=decision.decision_date,
        urgent=False, further_delegated_by=None, appeal_ends=appeal_ends(posted_on) if posted_on else None,
        summary=summary)


def meeting_with_items(meeting_id: int) -> Meeting | None:
    return db.session.scalars(
        select(Meeting).where(Meeting.id == meeting_id)
        .options(joinedload(Meeting.committee), selectinload(Meeting.items).joinedload(AgendaItem.case),
                 selectinload(Meeting.items).joinedload(AgendaItem.batch))
    ).first()


def report_line_of(decision_id: int) -> DelegationReportLine | None:
    return db.session.scalars(
        select(DelegationReportLine).where(DelegationReportLine.decision_id == decision_id)
        .options(joinedload(DelegationReportLine.meeting))
    ).first()


def report_issued(meeting: Meeting) -> bool:
    """The meeting's delegation report has been issued: from then on it lists what it listed then."""
    from portal.documents.models import DocumentKind, IssuedDocument

    return db.session.scalar(
        select(IssuedDocument.id).where(IssuedDocument.object_type == "meeting",
                                        IssuedDocument.object_id == str(meeting.id),
                                        IssuedDocument.kind == DocumentKind.DELEGATION_REPORT.value).limit(1)
    ) is not None


def report_fixed(meeting: Meeting) -> bool:
    """The report's decisions are fixed (its lines written) once it is issued or the meeting recorded."""
    return meeting.is_held or report_issued(meeting)


def meeting_report(meeting: Meeting) -> list[ReportGroup] | None:
    """The report of a meeting's agenda: once issued (or the meeting recorded) what it listed then;
    until then what it would list; None when the report is not on the agenda."""
    if not any(item.kind == "delegation_report" for item in meeting.items):
        return None
    if report_fixed(meeting):
        return report_groups(reported_decisions(meeting), meeting.minutes_posted_on)
    return report_groups(unreported_decisions(meeting.committee_id, up_to=meeting.meeting_date))


def meetings_with_reports(committee_id: int) -> list[Meeting]:
    """Meetings of the committee whose report lists decisions: recorded, or issued and still to be held."""
    with_lines = select(DelegationReportLine.meeting_id)
    with_batches = select(WriteOffBatchDecision.reported_meeting_id).where(
        WriteOffBatchDecision.reported_meeting_id.is_not(None))
    return list(db.session.scalars(
        select(Meeting).where(Meeting.committee_id == committee_id,
                              or_(Meeting.id.in_(with_lines), Meeting.id.in_(with_batches)))
        .order_by(Meeting.meeting_date.desc(), Meeting.id.desc())
    ))


def documents_of(meeting: Meeting) -> list:
    from portal.documents.models import IssuedDocument

    return list(db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.object_type == "meeting",
                                     IssuedDocument.object_id == str(meeting.id))
        .order_by(IssuedDocument.issued_at, IssuedDocument.id)
    ))


def further_delegated_decisions(position_ids: list[int]) -> list[Decision]:
    """Decisions made under further delegation from these (department head) positions, newest first:
    they are reported to the department head (kommunallagen 7 kap 8 §)."""
    if not position_ids:
        return []
    return list(db.session.scalars(
        select(Decision).join(Case, Case.id == Decision.case_id)
        .where(Decision.delegated_by_position_id.in_(position_ids))
        .options(joinedload(Decision.case), joinedload(Decision.position),
                 joinedload(Decision.delegated_by_position))
        .order_by(Case.case_type, Decision.rule_number, Decision.decision_date.desc(), Decision.id)
    ).unique())


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
