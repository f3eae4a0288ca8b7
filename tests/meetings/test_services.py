"""Meetings: the agenda, the committee's decisions per paragraph, the report, once, and urgent matters."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.cases import services as case_services
from portal.cases.models import Decision
from portal.cases.rules import CaseState, Outcome
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.meetings import delegation_report, queries, services
from portal.meetings.models import DelegationReportLine
from portal.meetings.rules import CommitteeOutcome
from tests.meetings.conftest import at, delegated, referred


def _meeting(world, day=date(2026, 12, 10)):
    return services.meeting_create(world.actor(world.secretary, "committee_secretary"), world.committee,
                                   meeting_date=day, place="Sessionssalen")


def _record(world, meeting, approved=date(2026, 12, 14), posted=date(2026, 12, 15)):
    at(world, posted)
    return services.meeting_record(world.actor(world.secretary), meeting, approved_on=approved, posted_on=posted)


def test_a_referred_case_goes_on_the_agenda_with_the_proposal(app, world):
    case = referred(world)
    assert case.state == CaseState.REFERRED_TO_COMMITTEE
    meeting = _meeting(world)
    waiting = queries.waiting_page(world.committee.id)
    assert [(row.kind, row.id) for group in waiting.groups for row in group.rows] == [("case", case.id)]
    item = services.agenda_add(world.actor(world.secretary), meeting, case, "Bevilja anstånd.")
    assert item.paragraph == 1 and item.case_id == case.id
    assert queries.waiting_page(world.committee.id).count == 0
    with pytest.raises(ValidationFailed):
        services.agenda_add(world.actor(world.secretary), _meeting(world, date(2026, 12, 17)), case, "Igen.")


def test_only_referred_cases_of_the_committee_go_on_the_agenda(app, world):
    decision = delegated(world)
    with pytest.raises(ValidationFailed) as refused:
        services.agenda_add(world.actor(world.secretary), _meeting(world), decision.case, "Förslag.")
    assert "matter" in refused.value.errors
    other = services.meeting_create(world.actor(world.secretary), world.other_committee,
                                    meeting_date=date(2026, 12, 10), place="")
    with pytest.raises(ValidationFailed):
        services.agenda_add(world.actor(world.secretary), other, referred(world), "Förslag.")


def test_recording_gives_the_case_the_committees_decision_at_its_paragraph(app, world):
    case = referred(world)
    meeting = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), meeting)
    item = services.agenda_add(world.actor(world.secretary), meeting, case, "Bevilja anstånd.")
    with pytest.raises(ValidationFailed) as refused:
        _record(world, meeting)
    assert "§ 2" in refused.value.errors["meeting"]
    services.item_decide(world.actor(world.secretary), item, outcome=CommitteeOutcome.GRANTED, decision_text="")
    _record(world, meeting)
    assert meeting.is_held and case.state == CaseState.GRANTED
    decision = case.decision
    assert decision.committee_reference == "SN 2026-12-10 § 2" and decision.rule_number is None
    assert decision.decision_date == date(2026, 12, 10) and not decision.is_delegated
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.committee_decide")).one()
    with pytest.raises(ValidationFailed):
        services.agenda_add_report(world.actor(world.secretary), meeting)


def test_a_partial_grant_needs_its_terms_and_sending_back_returns_the_case(app, world, make):
    first, second = referred(world), referred(world, make.invoice(world.customer, world.unit, world.category,
                                                                  due_date=date(2026, 10, 31)))
    meeting = _meeting(world)
    one = services.agenda_add(world.actor(world.secretary), meeting, first, "Bevilja.")
    two = services.agenda_add(world.actor(world.secretary), meeting, second, "Bevilja.")
    with pytest.raises(ValidationFailed):
        services.item_decide(world.actor(world.secretary), one, outcome=CommitteeOutcome.PARTLY_GRANTED,
                             decision_text=" ")
    services.item_decide(world.actor(world.secretary), one, outcome=CommitteeOutcome.PARTLY_GRANTED,
                         decision_text="Anstånd till 2027-03-31.")
    services.item_decide(world.actor(world.secretary), two, outcome=CommitteeOutcome.SENT_BACK,
                         decision_text="Utred betalningsförmågan.")
    _record(world, meeting)
    assert first.state == CaseState.PARTLY_GRANTED
    assert first.decision.terms["committee_terms"] == "Anstånd till 2027-03-31."
    assert second.state == CaseState.RETURNED and second.decision is None


def test_the_dates_of_the_minutes_must_follow_the_meeting(app, world):
    meeting = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), meeting)
    at(world, date(2026, 12, 20))
    for approved, posted, field in [(date(2026, 12, 9), date(2026, 12, 14), "minutes_approved_on"),
                                    (date(2026, 12, 14), date(2026, 12, 13), "minutes_posted_on"),
                                    (date(2026, 12, 14), date(2026, 12, 21), "minutes_posted_on"),
                                    (None, date(2026, 12, 14), "minutes_approved_on")]:
        with pytest.raises(ValidationFailed) as refused:
            services.meeting_record(world.actor(world.secretary), meeting, approved_on=approved, posted_on=posted)
        assert field in refused.value.errors


def test_the_report_lists_each_delegated_decision_exactly_once_across_meetings(app, world, make):
    first = delegated(world)
    assert delegation_report.unreported_decisions(world.committee.id) == [first]
    december = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), december)
    _record(world, december)
    assert delegation_report.reported_decisions(december) == [first]
    assert delegation_report.unreported_decisions(world.committee.id) == []

    at(world, date(2026, 12, 16))
    second = delegated(world, make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 11, 30)))
    january = _meeting(world, date(2027, 1, 14))
    services.agenda_add_report(world.actor(world.secretary), january)
    _record(world, january, date(2027, 1, 18), date(2027, 1, 19))
    assert delegation_report.reported_decisions(january) == [second]
    lines = db.session.scalars(select(DelegationReportLine)).all()
    assert sorted(line.decision_id for line in lines) == sorted([first.id, second.id])


def test_the_database_refuses_a_second_report_of_a_decision(app, world):
    from sqlalchemy.exc import IntegrityError

    decision = delegated(world)
    meeting = _meeting(world)
    item = services.agenda_add_report(world.actor(world.secretary), meeting)
    db.session.add(DelegationReportLine(decision_id=decision.id, meeting_id=meeting.id, agenda_item_id=item.id))
    db.session.flush()
    nested = db.session.begin_nested()
    db.session.add(DelegationReportLine(decision_id=decision.id, meeting_id=meeting.id, agenda_item_id=item.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    nested.rollback()


def test_a_decision_row_has_either_a_rule_or_a_paragraph(app, world):
    from sqlalchemy.exc import IntegrityError

    case = referred(world)
    nested = db.session.begin_nested()
    db.session.add(Decision(case_id=case.id, outcome="granted", decision_date=date(2026, 11, 23),
                            decided_at=world.clock.instant, decided_by_id=world.secretary.id, capacity="committee",
                            amount_ore=1, terms={}, reasons="x", no_conflict_confirmed=False))
    with pytest.raises(IntegrityError):
        db.session.flush()
    nested.rollback()


def test_the_report_has_no_names_and_shows_when_the_appeal_time_ends(app, world):
    decision = delegated(world)
    meeting = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), meeting)
    _record(world, meeting, date(2026, 12, 14), date(2026, 12, 16))
    [group] = delegation_report.report_groups(delegation_report.reported_decisions(meeting), meeting.minutes_posted_on)
    assert group.rule_number == "1.1"
    [line] = group.lines
    assert line.registry_number == decision.case.registry_number
    assert line.position_title == "Enhetschef Hemtjänst Norr"
    assert line.appeal_ends == date(2027, 1, 7)  # 5 Jan + Epiphany 6 Jan
    assert "Öberg" not in repr(line) and world.customer.identity_number not in repr(line)


def test_the_chair_decides_an_urgent_case_and_it_is_in_the_next_report(app, world):
    case = referred(world)
    with pytest.raises(ValidationFailed):
        services.case_mark_urgent(world.actor(world.officer), case, " ")
    services.case_mark_urgent(world.actor(world.officer), case, "Vräkning hotar.")
    assert case.state == CaseState.AWAITING_DECISION and case.urgent
    with pytest.raises(ValidationFailed):
        case_services.case_decide(world.actor(world.member), case, case_services.DecisionInput(
            outcome=Outcome.GRANTED, reasons="Brådskande.", no_conflict_confirmed=True))
    decision = case_services.case_decide(world.actor(world.chair), case, case_services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Brådskande.", no_conflict_confirmed=True))
    assert decision.rule_number == "9.1" and decision.is_delegated
    meeting = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), meeting)
    _record(world, meeting)
    [group] = delegation_report.report_groups(delegation_report.reported_decisions(meeting))
    assert group.rule_number == "9.1" and group.lines[0].urgent


def test_an_urgent_rule_never_matches_a_case_that_is_not_urgent(app, world):
    case = referred(world)
    assert case.state == CaseState.REFERRED_TO_COMMITTEE  # the urgent rule 9.1 did not take it


def test_a_decision_under_further_delegation_names_the_department_head_in_the_report(app, world):
    from portal.org.models import Position

    decision = delegated(world)
    head = db.session.scalars(select(Position).where(Position.title == "Socialchef")).one()
    # As the engine records a further delegate's decision (the decision is otherwise never changed).
    decision.delegated_by_position_id = head.id
    db.session.flush()
    db.session.expire(decision)
    [group] = delegation_report.report_groups(delegation_report.unreported_decisions(world.committee.id))
    assert group.lines[0].further_delegated_by == "Socialchef"


def test_a_committee_decision_gets_its_letter_citing_the_paragraph(app, world):
    import io

    from pypdf import PdfReader

    from portal.documents.services import documents_for

    case = referred(world)
    meeting = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), meeting)
    item = services.agenda_add(world.actor(world.secretary), meeting, case, "Bevilja anstånd.")
    services.item_decide(world.actor(world.secretary), item, outcome=CommitteeOutcome.GRANTED, decision_text="")
    _record(world, meeting)
    (letter,) = [d for d in documents_for("decision", case.decision.id) if d.kind == "decision_letter"]
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(letter.content)).pages).split())
    assert "Socialnämnden vid sammanträde den 2026-12-10, SN 2026-12-10 § 2" in text
    assert "delegationsordning" not in text


# --- the report is fixed when issued (RULINGS 18) ---------------------------------------------------

def _issue_report(world, meeting):
    from portal.documents.models import DocumentKind

    return services.meeting_document_issue(world.actor(world.secretary), meeting, DocumentKind.DELEGATION_REPORT)


def test_a_decision_made_after_the_report_was_issued_waits_for_the_next_report(app, world, make):
    first = delegated(world)
    meeting = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), meeting)
    _issue_report(world, meeting)
    later = delegated(world, make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 11, 30)))
    assert [line.registry_number for group in delegation_report.meeting_report(meeting) for line in group.lines] == [
        first.case.registry_number]
    _record(world, meeting)
    assert delegation_report.reported_decisions(meeting) == [first]
    assert delegation_report.report_line_of(later.id) is None
    assert delegation_report.unreported_decisions(world.committee.id) == [later]
    january = _meeting(world, date(2027, 1, 14))
    services.agenda_add_report(world.actor(world.secretary), january)
    _record(world, january, date(2027, 1, 18), date(2027, 1, 19))
    assert delegation_report.reported_decisions(january) == [later]


def test_recording_a_meeting_whose_report_was_never_issued_issues_it_first(app, world):
    from portal.meetings.queries import documents_of

    decision = delegated(world)
    meeting = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), meeting)
    assert not delegation_report.report_issued(meeting)
    _record(world, meeting)
    assert [d.kind for d in documents_of(meeting)] == ["delegation_report"]
    assert delegation_report.reported_decisions(meeting) == [decision]


def test_an_issued_report_stays_on_the_agenda(app, world):
    delegated(world)
    meeting = _meeting(world)
    item = services.agenda_add_report(world.actor(world.secretary), meeting)
    _issue_report(world, meeting)
    with pytest.raises(ValidationFailed) as refused:
        services.item_remove(world.actor(world.secretary), item)
    assert "utfärdad" in refused.value.errors["meeting"]


def test_reissuing_the_report_lists_the_same_decisions(app, world, make):
    first = delegated(world)
    meeting = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), meeting)
    _issue_report(world, meeting)
    delegated(world, make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 11, 30)))
    _issue_report(world, meeting)
    assert delegation_report.reported_decisions(meeting) == [first]


# --- a meeting is edited until recorded; recorded dates are corrected ---------------------------------

def test_a_planned_meeting_changes_date_and_place_until_recorded(app, world):
    meeting = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), meeting)
    services.meeting_update(world.actor(world.secretary), meeting, meeting_date=date(2026, 12, 11), place="Lilla salen")
    assert (meeting.meeting_date, meeting.place) == (date(2026, 12, 11), "Lilla salen")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "meeting.update")).one()
    assert entry.before["meeting_date"] == "2026-12-10" and entry.after["meeting_date"] == "2026-12-11"
    with pytest.raises(ValidationFailed) as refused:
        services.meeting_update(world.actor(world.secretary), meeting, meeting_date=None, place="")
    assert "meeting_date" in refused.value.errors
    _record(world, meeting)
    with pytest.raises(ValidationFailed):
        services.meeting_update(world.actor(world.secretary), meeting, meeting_date=date(2026, 12, 12), place="")


def test_correcting_the_posting_date_moves_the_appeal_end_and_is_audited(app, world):
    decision = delegated(world)
    meeting = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), meeting)
    _record(world, meeting, date(2026, 12, 14), date(2026, 12, 16))
    [line] = delegation_report.meeting_report(meeting)[0].lines
    assert line.appeal_ends == date(2027, 1, 7)
    at(world, date(2026, 12, 20))
    with pytest.raises(ValidationFailed) as refused:
        services.meeting_correct_dates(world.actor(world.secretary), meeting, approved_on=date(2026, 12, 14),
                                       posted_on=date(2026, 12, 15), reason=" ")
    assert "reason" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        services.meeting_correct_dates(world.actor(world.secretary), meeting, approved_on=date(2026, 12, 14),
                                       posted_on=date(2026, 12, 13), reason="Fel dag.")
    assert "minutes_posted_on" in refused.value.errors
    services.meeting_correct_dates(world.actor(world.secretary), meeting, approved_on=date(2026, 12, 14),
                                   posted_on=date(2026, 12, 15), reason="Anslaget sattes upp den 15:e.")
    [line] = delegation_report.meeting_report(meeting)[0].lines
    assert line.registry_number == decision.case.registry_number
    assert line.appeal_ends == date(2027, 1, 5)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "meeting.correct_dates")).one()
    assert entry.before["minutes_posted_on"] == "2026-12-16"
    assert entry.after == {"minutes_approved_on": "2026-12-14", "minutes_posted_on": "2026-12-15",
                           "reason": "Anslaget sattes upp den 15:e."}


def test_only_a_recorded_meetings_dates_are_corrected(app, world):
    meeting = _meeting(world)
    with pytest.raises(ValidationFailed):
        services.meeting_correct_dates(world.actor(world.secretary), meeting, approved_on=date(2026, 12, 14),
                                       posted_on=date(2026, 12, 15), reason="Fel.")
