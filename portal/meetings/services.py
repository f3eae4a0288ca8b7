"""Meetings: create and edit, put referred cases and the delegation report on the agenda, record the
meeting, correct its recorded dates.

Services flush and audit; the request commits. Recording a meeting gives each referred case the
committee's decision at its paragraph ("SN 2026-12-10 § 14"). The delegation report is fixed when it
is issued: the decisions it lists then are written as its lines, and a decision made later waits for
the next meeting's report; recording a meeting whose report was never issued issues it first. A
unique constraint on the report line makes a second report of a decision impossible, whatever two
secretaries do at the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.audit.services import Actor, record, record_refusal
from portal.cases import whole_debt
from portal.cases.models import Case, Decision
from portal.cases.rerouting import reroute_after_decision
from portal.cases.routing import route, urgent_cover
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput, compute_terms
from portal.delegation.messages import reason_text
from portal.delegation.queries import names as delegation_names
from portal.delegation.results import ReasonCode
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.notify import events as mail_events
from portal.meetings import delegation_report, queries
from portal.batches import services as batch_services
from portal.batches.models import WriteOffBatch, WriteOffBatchDecision
from portal.batches.rules import BatchState
from portal.meetings.models import AgendaItem, DelegationReportLine, Meeting
from portal.meetings.rules import CommitteeOutcome, ItemKind, MeetingState, paragraph_reference
from portal.org.models import Committee


def _refuse(message: str, field: str = "meeting") -> ValidationFailed:
    return ValidationFailed({field: message})


def _planned(meeting: Meeting) -> None:
    if meeting.is_held:
        raise _refuse(_("The meeting has been recorded; its agenda can no longer change."))


def meeting_create(actor: Actor, committee: Committee, *, meeting_date: date | None, place: str) -> Meeting:
    if meeting_date is None:
        raise _refuse(_("Give the date of the meeting."), "meeting_date")
    if not committee.active:
        raise _refuse(_("The committee is not active."), "committee")
    meeting = Meeting(committee_id=committee.id, meeting_date=meeting_date, place=(place or "").strip(),
                      state=MeetingState.PLANNED.value, created_at=clock.now())
    db.session.add(meeting)
    db.session.flush()
    record(actor, "meeting.create", "meeting", meeting.id, after={
        "committee_id": committee.id, "meeting_date": meeting_date.isoformat(), "place": meeting.place})
    return meeting


def meeting_update(actor: Actor, meeting: Meeting, *, meeting_date: date | None, place: str) -> Meeting:
    """A planned meeting's date and place can change until it is recorded."""
    _planned(meeting)
    if meeting_date is None:
        raise _refuse(_("Give the date of the meeting."), "meeting_date")
    before = {"meeting_date": meeting.meeting_date.isoformat(), "place": meeting.place}
    meeting.meeting_date, meeting.place = meeting_date, (place or "").strip()
    db.session.flush()
    record(actor, "meeting.update", "meeting", meeting.id, before=before,
           after={"meeting_date": meeting_date.isoformat(), "place": meeting.place})
    return meeting


def _check_minutes_dates(meeting: Meeting, approved_on: date | None, posted_on: date | None) -> None:
    if approved_on is None:
        raise _refuse(_("Give the date the minutes were approved."), "minutes_approved_on")
    if posted_on is None:
        raise _refuse(_("Give the date the minutes were posted."), "minutes_posted_on")
    if approved_on < meeting.meeting_date:
        raise _refuse(_("The minutes cannot be approved before the meeting."), "minutes_approved_on")
    if posted_on < approved_on:
        raise _refuse(_("The minutes cannot be posted before they are approved."), "minutes_posted_on")
    if approved_on > clock.today() or posted_on > clock.today():
        raise _refuse(_("Record the meeting once its minutes are approved and posted."), "minutes_posted_on")


def meeting_correct_dates(actor: Actor, meeting: Meeting, *, approved_on: date | None, posted_on: date | None,
                          reason: str) -> Meeting:
    """Correct a recorded meeting's justering or anslag date. The appeal time of every decision
    reported there runs from the corrected posting (it is always computed from it); the trail keeps
    both dates and why."""
    if not meeting.is_held:
        raise _refuse(_("Only a recorded meeting's dates are corrected; record the meeting first."))
    _check_minutes_dates(meeting, approved_on, posted_on)
    if not (reason or "").strip():
        raise _refuse(_("Say what was wrong with the recorded date."), "reason")
    if (approved_on, posted_on) == (meeting.minutes_approved_on, meeting.minutes_posted_on):
        raise _refuse(_("The dates are the ones already recorded."), "minutes_posted_on")
    before = {"minutes_approved_on": meeting.minutes_approved_on.isoformat(),
              "minutes_posted_on": meeting.minutes_posted_on.isoformat()}
    meeting.minutes_approved_on, meeting.minutes_posted_on = approved_on, posted_on
    db.session.flush()
    record(actor, "meeting.correct_dates", "meeting", meeting.id, before=before, after={
        "minutes_approved_on": approved_on.isoformat(), "minutes_posted_on": posted_on.isoformat(),
        "reason": reason.strip()})
    return meeting


def _next_paragraph(meeting: Meeting) -> int:
    last = db.session.scalar(select(func.max(AgendaItem.paragraph)).where(AgendaItem.meeting_id == meeting.id))
    return (last or 0) + 1


@dataclass(frozen=True)
class _Matter:
    """How a referred matter of one kind goes on the agenda: its item, its trail and its words."""

    kind: ItemKind
    column: str  # the agenda item's reference to it
    referred_state: str
    not_referred: str
    other_committee: str
    on_agenda: str
    no_proposal: str


def _matter(matter: Case | WriteOffBatch) -> _Matter:
    if isinstance(matter, WriteOffBatch):
        return _Matter(
            ItemKind.REFERRED_BATCH, "batch_id", BatchState.REFERRED_TO_COMMITTEE,
            _("Only a batch write-off referred to the committee can go on the agenda."),
            _("The batch write-off belongs to another committee."),
            _("The batch write-off is already on the agenda of a meeting."),
            _("Give the finance officer's proposal."))
    return _Matter(
        ItemKind.REFERRED_CASE, "case_id", CaseState.REFERRED_TO_COMMITTEE,
        _("Only a case referred to the committee can go on the agenda."), _("The case belongs to another committee."),
        _("The case is already on the agenda of a meeting."), _("Give the case officer's proposal."))


def agenda_add(actor: Actor, meeting: Meeting, matter: Case | WriteOffBatch, proposal: str) -> AgendaItem:
    """A case or a batch write-off referred to the committee goes on the agenda with its officer's
    proposal (the case officer's, or for a batch the finance officer's); the committee decides it at
    its paragraph."""
    _planned(meeting)
    words = _matter(matter)
    if matter.state != words.referred_state:
        raise _refuse(words.not_referred, "matter")
    if matter.committee_id != meeting.committee.main_committee_id:
        raise _refuse(words.other_committee, "matter")
    batch = words.kind is ItemKind.REFERRED_BATCH
    if (queries.open_item_of_batch if batch else queries.open_item_of_case)(matter.id) is not None:
        raise _refuse(words.on_agenda, "matter")
    if not (proposal or "").strip():
        raise _refuse(words.no_proposal, "proposal")
    item = AgendaItem(meeting_id=meeting.id, paragraph=_next_paragraph(meeting), proposal=proposal.strip(),
                      kind=words.kind.value, **{words.column: matter.id})
    db.session.add(item)
    db.session.flush()
    db.session.refresh(meeting, ["items"])
    record(actor, "meeting.agenda_add_batch" if batch else "meeting.agenda_add_case", "meeting", meeting.id, after={
        "paragraph": item.paragraph, words.column: matter.id, "proposal": item.proposal})
    return item


def agenda_add_report(actor: Actor, meeting: Meeting) -> AgendaItem:
    """The delegation report (anmälan av delegationsbeslut) as a paragraph of its own, once a meeting."""
    _planned(meeting)
    if meeting.committee.is_sub_committee:
        raise _refuse(_("Delegated decisions are reported to the committee itself, not to a sub-committee."))
    if not meeting.committee.reports_delegated_decisions:
        raise _refuse(_("A municipal company's board has no delegation report: kommunallagen's reporting of "
                        "delegated decisions does not apply to a company."))
    if any(item.kind == ItemKind.DELEGATION_REPORT for item in meeting.items):
        raise _refuse(_("The delegation report is already on the agenda."))
    item = AgendaItem(meeting_id=meeting.id, paragraph=_next_paragraph(meeting),
                      kind=ItemKind.DELEGATION_REPORT.value, proposal=_("The committee places the report on file."))
    db.session.add(item)
    db.session.flush()
    db.session.refresh(meeting, ["items"])
    record(actor, "meeting.agenda_add_report", "meeting", meeting.id, after={"paragraph": item.paragraph})
    return item


def item_remove(actor: Actor, item: AgendaItem) -> None:
    meeting = item.meeting
    _planned(meeting)
    if item.kind == ItemKind.DELEGATION_REPORT and delegation_report.report_fixed(meeting):
        raise _refuse(_("The delegation report has been issued: it stays on the agenda."))
    record(actor, "meeting.agenda_remove", "meeting", meeting.id, before={
        "paragraph": item.paragraph, "kind": item.kind, "case_id": item.case_id, "batch_id": item.batch_id})
    db.session.delete(item)
    db.session.flush()
    db.session.refresh(meeting, ["items"])


def item_decide(actor: Actor, item: AgendaItem, *, outcome: CommitteeOutcome | None, decision_text: str) -> AgendaItem:
    """Note the committee's decision on a referred case's paragraph; it takes effect when the
    meeting is recorded. A partial grant says its terms in the text."""
    _planned(item.meeting)
    if not item.is_referred:
        raise _refuse(_("Only a referred case takes a decision."), "outcome")
    if outcome is None:
        raise _refuse(_("Choose the committee's decision."), "outcome")
    if item.batch is not None and outcome == CommitteeOutcome.PARTLY_GRANTED:
        # One decision per batch (RULINGS 17): the lines to keep are chosen by leaving the others out.
        raise _refuse(_("A batch write-off is granted or refused as a whole. To grant only some of its lines, "
                        "send it back: the finance officer leaves the others out and submits it again."), "outcome")
    text = (decision_text or "").strip()
    if outcome in (CommitteeOutcome.PARTLY_GRANTED, CommitteeOutcome.SENT_BACK) and not text:
        message = (_("Give the terms the committee granted.") if outcome == CommitteeOutcome.PARTLY_GRANTED
                   else _("Say why the committee sent the case back."))
        raise _refuse(message, "decision_text")
    if item.case is not None and item.case.is_whole_debt_due and outcome != CommitteeOutcome.SENT_BACK:
        refused = whole_debt.decision_refusal(item.case, Outcome(outcome.value))
        if refused:
            raise _refuse(refused, "outcome")
    before = {"outcome": item.outcome, "decision_text": item.decision_text}
    item.outcome, item.decision_text = outcome.value, text or None
    db.session.flush()
    record(actor, "meeting.item_decide", "meeting", item.meeting_id, before=before, after={
        "paragraph": item.paragraph, "outcome": item.outcome, "decision_text": item.decision_text})
    return item


_CASE_STATE = {
    CommitteeOutcome.GRANTED: CaseState.GRANTED,
    CommitteeOutcome.PARTLY_GRANTED: CaseState.PARTLY_GRANTED,
    CommitteeOutcome.REFUSED: CaseState.REFUSED,
    CommitteeOutcome.SENT_BACK: CaseState.RETURNED,
}


def meeting_record(actor: Actor, meeting: Meeting, *, approved_on: date | None, posted_on: date | None) -> Meeting:
    """The meeting was held, its minutes approved (justering) and posted (anslag)."""
    _planned(meeting)
    _check_minutes_dates(meeting, approved_on, posted_on)
    if not meeting.items:
        raise _refuse(_("The agenda is empty."))
    undecided = [item.paragraph for item in meeting.items if item.is_referred and not item.outcome]
    if undecided:
        raise _refuse(_("Record the committee's decision in every paragraph (§ %(paragraphs)s).",
                        paragraphs=", ".join(str(p) for p in undecided)))

    for item in meeting.items:
        if item.kind == ItemKind.REFERRED_CASE:
            _record_committee_decision(actor, meeting, item)
        elif item.kind == ItemKind.REFERRED_BATCH:
            _record_committee_batch_decision(actor, meeting, item)
    if any(item.kind == ItemKind.DELEGATION_REPORT for item in meeting.items) and not delegation_report.report_issued(meeting):
        from portal.documents.models import DocumentKind

        meeting_document_issue(actor, meeting, DocumentKind.DELEGATION_REPORT)
    meeting.state = MeetingState.HELD.value
    meeting.minutes_approved_on, meeting.minutes_posted_on = approved_on, posted_on
    db.session.flush()
    record(actor, "meeting.record", "meeting", meeting.id, after={
        "minutes_approved_on": approved_on.isoformat(), "minutes_posted_on": posted_on.isoformat()})
    return meeting


def _record_committee_decision(actor: Actor, meeting: Meeting, item: AgendaItem) -> None:
    case = item.case
    outcome = CommitteeOutcome(item.outcome)
    if case.state != CaseState.REFERRED_TO_COMMITTEE or case.decision is not None:
        raise _refuse(_("Case %(number)s is no longer referred to the committee.", number=case.registry_number))
    before = case.state
    reference = paragraph_reference(meeting.committee.code, meeting.meeting_date, item.paragraph)
    details: dict = {"reference": reference, "outcome": outcome.value}
    if outcome != CommitteeOutcome.SENT_BACK:
        asked = compute_terms(case, TermsInput.from_case(case), clock.today())
        terms = asked.as_dict()
        if item.decision_text:
            terms["committee_terms"] = item.decision_text
        decision = Decision(
            case_id=case.id, outcome=outcome.value, decision_date=meeting.meeting_date, decided_at=clock.now(),
            decided_by_id=actor.user_id, capacity="committee", meeting_id=meeting.id, paragraph=item.paragraph,
            committee_reference=reference, amount_ore=case.amount_ore, terms=terms,
            reasons=item.decision_text or item.proposal, no_conflict_confirmed=False,
        )
        db.session.add(decision)
        try:
            db.session.flush()
        except IntegrityError as clash:
            raise _refuse(_("The case has already been decided.")) from clash
        details["decision_id"] = decision.id
        db.session.refresh(case, ["decision"])
        # The letter is issued as for any decision, in the same transaction (the meeting's paragraph
        # stands where a delegated decision cites its rule).
        from portal.cases.pdf import decision_documents_issue

        decision_documents_issue(actor, case, decision)
    case.state = _CASE_STATE[outcome].value
    db.session.flush()
    entry = record(actor, "case.committee_decide", "case", case.id, before={"state": before},
                   after={"state": case.state, **details})
    mail_events.case_moved(actor, case, entry)
    if case.decision is not None:
        reroute_after_decision(case)


def _record_committee_batch_decision(actor: Actor, meeting: Meeting, item: AgendaItem) -> None:
    """The committee's decision on a referred batch write-off, at its paragraph: the batches domain
    writes it (one decision, one document), as `_record_committee_decision` does for a case."""
    outcome = CommitteeOutcome(item.outcome)
    reference = paragraph_reference(meeting.committee.code, meeting.meeting_date, item.paragraph)
    if outcome == CommitteeOutcome.SENT_BACK:
        batch_services.batch_send_back(actor, item.batch, reference, item.decision_text or "")
        return
    batch_services.batch_committee_decide(actor, item.batch, batch_services.CommitteeBatchDecision(
        granted=outcome == CommitteeOutcome.GRANTED, reasons=item.decision_text or item.proposal,
        meeting_id=meeting.id, meeting_date=meeting.meeting_date, paragraph=item.paragraph, reference=reference))


def _report_fix(actor: Actor, meeting: Meeting, item: AgendaItem) -> None:
    """Write the report's lines: every decision not yet reported, up to the meeting's date."""
    decisions = delegation_report.unreported_decisions(meeting.committee_id, up_to=meeting.meeting_date)
    batches = [d for d in decisions if isinstance(d, WriteOffBatchDecision)]
    decisions = [d for d in decisions if not isinstance(d, WriteOffBatchDecision)]
    for decision in decisions:
        db.session.add(DelegationReportLine(decision_id=decision.id, meeting_id=meeting.id, agenda_item_id=item.id))
        decision.reported_meeting_id = meeting.id  # what "not yet reported" reads, by its index
    for batch_decision in batches:  # a batch write-off is reported on one line (RULINGS 17)
        batch_decision.reported_meeting_id = meeting.id
    try:
        db.session.flush()
    except IntegrityError as clash:
        raise _refuse(_("A decision on the report has already been reported at another meeting.")) from clash
    record(actor, "meeting.report", "meeting", meeting.id, after={
        "paragraph": item.paragraph, "decision_ids": [d.id for d in decisions],
        "batch_decision_ids": [d.id for d in batches]})


# --- urgent matters (kommunallagen 6 kap 39 §) ------------------------------------------------------

def case_mark_urgent(actor: Actor, case: Case, note: str) -> Case:
    """The case cannot wait for the committee: an urgent rule of the scheme now takes it, and a
    case referred to the committee (not on an agenda) goes back to awaiting decision. Only where an
    urgent rule covers the case: otherwise the mark would leave it where nobody may decide it."""
    if case.state not in (CaseState.AWAITING_DECISION, CaseState.REFERRED_TO_COMMITTEE):
        raise _refuse(_("Only a case awaiting decision or referred to the committee can be marked urgent."), "case")
    if case.urgent:
        raise _refuse(_("The case is already marked urgent."), "case")
    if queries.open_item_of_case(case.id) is not None:
        raise _refuse(_("The case is on a meeting's agenda: the committee decides it there."), "case")
    if not (note or "").strip():
        raise _refuse(_("Say why the case cannot wait for the committee's meeting."), "note")
    cover = urgent_cover(case, clock.today())
    if not cover.covered:
        message = urgent_refusal_text(cover)
        record_refusal(actor, "case.mark_urgent_refused", "case", case.id, reason=message,
                       rule=", ".join(o.rule_number for o in cover.others) or None,
                       details={"registry_number": case.registry_number})
        raise _refuse(message, "case")
    before = case.state
    case.urgent = True
    case.state = CaseState.AWAITING_DECISION.value
    db.session.flush()
    record(actor, "case.mark_urgent", "case", case.id, before={"state": before, "urgent": False},
           after={"state": case.state, "urgent": True, "note": note.strip(), "proposed_rules": list(cover.rules)})
    return case


def urgent_refusal_text(cover) -> str:
    """Why the case cannot be marked urgent, naming each urgent rule of its type and why it does
    not take the case, and the way forward (the committee at a meeting)."""
    message = _("The case cannot be marked urgent: no rule of the delegation scheme for urgent matters "
                "(kommunallagen 6 kap 39 §) covers it, so the committee decides it at a meeting.")
    book = delegation_names()
    why = [" ".join(reason_text(r, book) for r in (*o.reasons, *o.unavailable) if r.code != ReasonCode.NOT_URGENT)
           or _("Rule %(number)s: nobody may decide under it today.", number=o.rule_number)
           for o in cover.others]
    return " ".join([message, *why])


def case_unmark_urgent(actor: Actor, case: Case, note: str) -> Case:
    """The case officer takes the urgent mark back while the case is undecided: the case goes where
    the scheme sends it without the mark (the committee, when no ordinary rule covers it)."""
    if not case.urgent:
        raise _refuse(_("The case is not marked urgent."), "case")
    if case.decision is not None or case.state not in (CaseState.AWAITING_DECISION,
                                                       CaseState.AWAITING_CONSULTATION):
        raise _refuse(_("Only an undecided case waiting for its decision can have the urgent mark taken back."),
                      "case")
    before = case.state
    case.urgent = False
    db.session.flush()
    routing = route(case, clock.today())
    if routing.committee_only:
        case.state = CaseState.REFERRED_TO_COMMITTEE.value
    elif any(outcome.consultation_missing for outcome in routing.verdict.proposed):
        case.state = CaseState.AWAITING_CONSULTATION.value
    else:
        case.state = CaseState.AWAITING_DECISION.value
    db.session.flush()
    record(actor, "case.unmark_urgent", "case", case.id, before={"state": before, "urgent": True},
           after={"state": case.state, "urgent": False, "note": (note or "").strip(),
                  "proposed_rules": list(routing.verdict.proposed_rule_numbers) if routing.verdict else []})
    return case


# --- documents ----------------------------------------------------------------------------------

def meeting_document_issue(actor: Actor, meeting: Meeting, kind: str, item: AgendaItem | None = None):
    """Issue the agenda, the delegation report or a paragraph's minutes extract, stored as issued."""
    from portal.documents.models import DocumentKind
    from portal.documents.services import document_issue
    from portal.meetings import pdf
    from portal.org.services import municipality_get

    municipality = municipality_get()
    today = clock.today()
    report = delegation_report.meeting_report(meeting)
    if kind == DocumentKind.AGENDA:
        return document_issue(actor, kind=DocumentKind.AGENDA, title=_("Agenda") + f" {meeting.meeting_date}",
                              object_type="meeting", object_id=meeting.id, committee_id=meeting.committee_id,
                              render=lambda code: pdf.agenda_pdf(meeting, report, code=code, issued_on=today,
                                                                 municipality=municipality))
    if kind == DocumentKind.DELEGATION_REPORT:
        if report is None:
            raise _refuse(_("The delegation report is not on the agenda."))
        if not delegation_report.report_fixed(meeting):
            item = next(i for i in meeting.items if i.kind == ItemKind.DELEGATION_REPORT)
            _report_fix(actor, meeting, item)
            report = delegation_report.report_groups(delegation_report.reported_decisions(meeting), meeting.minutes_posted_on)
        return document_issue(actor, kind=DocumentKind.DELEGATION_REPORT,
                              title=_("Delegation report") + f" {meeting.meeting_date}", object_type="meeting",
                              object_id=meeting.id, committee_id=meeting.committee_id,
                              render=lambda code: pdf.delegation_report_pdf(meeting, report, code=code,
                                                                            issued_on=today,
                                                                            municipality=municipality))
    if kind == DocumentKind.MINUTES_EXTRACT and item is not None:
        if not meeting.is_held:
            raise _refuse(_("A minutes extract is issued once the meeting is recorded."))
        return document_issue(actor, kind=DocumentKind.MINUTES_EXTRACT, title=_("Minutes extract") + f" {item.reference}",
                              object_type="meeting", object_id=meeting.id, committee_id=meeting.committee_id,
                              registry_number=item.matter.registry_number if item.matter else None,
                              render=lambda code: pdf.minutes_extract_pdf(item, code=code, issued_on=today,
                                                                          municipality=municipality))
    raise _refuse(_("Unknown document."))
