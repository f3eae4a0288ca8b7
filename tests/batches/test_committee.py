"""A batch write-off referred to the committee: put on a meeting's agenda by the secretary and
decided by the committee at its paragraph, the same path as a referred case (portal/meetings).
One decision, one document, the committee's own (never in the delegation report). Each rule is
tried to be broken: the wrong state, another committee, a second agenda, a partial grant, the
wrong person, a reader of another committee."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal import access
from portal.audit.models import AuditEntry
from portal.auth.roles import Role
from portal.batches import queries as batch_queries
from portal.batches.jobs import LETTERS
from portal.batches import services
from portal.batches.models import WriteOffBatchDecision
from portal.batches.rules import BatchState
from portal.documents.models import IssuedDocument
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.jobs.models import Job
from portal.meetings import delegation_report
from portal.meetings import queries as meeting_queries
from portal.meetings import services as meetings
from portal.meetings.rules import CommitteeOutcome
from portal.org.models import PositionKind
from tests.batches.conftest import built
from tests.documents.test_letters import flat

MEETING_DAY = date(2026, 11, 23)


@pytest.fixture
def cw(bw, make):
    """The batch world with Socialnämnden's secretary and a member, and another committee's
    secretary and member."""
    bw.base.secretary = make.user("sekr", Role.COMMITTEE_SECRETARY, full_name="Stina Sekreterare")
    make.appointment(bw.secretary, make.position(bw.committee, PositionKind.COMMITTEE_SECRETARY,
                                                 title="Nämndsekreterare SN"))
    bw.base.member = make.user("ledamot", full_name="Lena Ledamot")
    make.appointment(bw.member, make.position(bw.committee, PositionKind.MEMBER, title="Ledamot SN"))
    bn = bw.other_committee_unit.committee
    bw.base.other_secretary = make.user("sekr.bn", Role.COMMITTEE_SECRETARY, full_name="Britt Byggsekreterare")
    make.appointment(bw.other_secretary, make.position(bn, PositionKind.COMMITTEE_SECRETARY,
                                                       title="Nämndsekreterare BN"))
    bw.base.other_member = make.user("ledamot.bn", full_name="Bo Byggledamot")
    make.appointment(bw.other_member, make.position(bn, PositionKind.MEMBER, title="Ledamot BN"))
    return bw


def referred_batch(cw, make):
    """A batch with a line over every delegated limit: submitted as it is, the committee decides it."""
    make.invoice(make.customer("Storskuld"), cw.unit, cw.no_interest, number="BIG", due_date=date(2022, 5, 31),
                 original_ore=60_000_00)
    batch = built(cw, services.BatchFilter(due_before=date(2023, 1, 1)))
    services.batch_submit(cw.actor(cw.finance), batch)
    assert batch.state == BatchState.REFERRED_TO_COMMITTEE
    return batch


def _meeting(cw, committee=None, secretary=None):
    return meetings.meeting_create(cw.actor(secretary or cw.secretary), committee or cw.committee,
                                   meeting_date=MEETING_DAY, place="Sessionssalen")


def _on_agenda(cw, batch, outcome=CommitteeOutcome.GRANTED, text=""):
    meeting = _meeting(cw)
    item = meetings.agenda_add(cw.actor(cw.secretary), meeting, batch, "Skriva av fordringarna.")
    meetings.item_decide(cw.actor(cw.secretary), item, outcome=outcome, decision_text=text)
    return meeting, item


def _record(cw, meeting):
    return meetings.meeting_record(cw.actor(cw.secretary), meeting, approved_on=MEETING_DAY, posted_on=MEETING_DAY)


def _actions(object_type, object_id) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id)).order_by(AuditEntry.id)))


def test_the_committee_grants_a_referred_batch_at_its_paragraph(cw, make):
    batch = referred_batch(cw, make)
    meeting, item = _on_agenda(cw, batch)
    assert meeting_queries.waiting_page(cw.committee.id).count == 0  # on an agenda: no longer waiting
    _record(cw, meeting)
    db.session.refresh(batch)
    decision = batch.decision
    assert batch.state == BatchState.GRANTED
    assert decision.committee_reference == f"SN {MEETING_DAY.isoformat()} § {item.paragraph}"
    assert decision.capacity == "committee" and decision.meeting_id == meeting.id and not decision.is_delegated
    assert decision.rule_number is None and decision.scheme_version_id is None
    assert decision.decision_date == MEETING_DAY and decision.line_count == batch.line_count
    assert "write_off_batch.committee_decide" in _actions("write_off_batch", batch.id)
    assert "meeting.agenda_add_batch" in _actions("meeting", meeting.id)
    documents = db.session.scalars(select(IssuedDocument).where(
        IssuedDocument.object_type == "write_off_batch", IssuedDocument.object_id == str(batch.id))).all()
    assert len(documents) == 1
    text = flat(documents[0].content)
    assert "Nämndens beslut" in text and decision.committee_reference in text and "delegationsordning" not in text
    assert "BIG" in text


def test_the_committees_decision_is_not_in_the_delegation_report(cw, make, frozen_clock):
    batch = referred_batch(cw, make)
    meeting, _item = _on_agenda(cw, batch)
    _record(cw, meeting)
    assert all(not isinstance(d, WriteOffBatchDecision)
               for d in delegation_report.unreported_decisions(cw.committee.id))
    later = meetings.meeting_create(cw.actor(cw.secretary), cw.committee, meeting_date=date(2026, 12, 10), place="")
    meetings.agenda_add_report(cw.actor(cw.secretary), later)
    frozen_clock.set(frozen_clock.instant.replace(month=12, day=10))
    meetings.meeting_record(cw.actor(cw.secretary), later, approved_on=date(2026, 12, 10),
                            posted_on=date(2026, 12, 10))
    db.session.refresh(batch.decision)
    assert batch.decision.reported_meeting_id is None


def test_the_committee_refuses_and_no_letter_is_made(cw, make):
    batch = referred_batch(cw, make)
    batch.write_off_final = True
    meeting, _item = _on_agenda(cw, batch, CommitteeOutcome.REFUSED, "Fordringarna ska bevakas vidare.")
    _record(cw, meeting)
    db.session.refresh(batch)
    assert batch.state == BatchState.REFUSED and batch.decision.outcome == "refused"
    assert batch.decision.reasons == "Fordringarna ska bevakas vidare."
    assert _letter_jobs(batch) == 0
    document = db.session.scalars(select(IssuedDocument).where(
        IssuedDocument.object_type == "write_off_batch", IssuedDocument.object_id == str(batch.id))).one()
    assert "avslås" in flat(document.content)


def _letter_jobs(batch) -> int:
    return len(db.session.scalars(select(Job).where(Job.kind == LETTERS, Job.subject_id == batch.id)).all())


def test_a_final_write_off_the_committee_grants_sends_each_customer_a_letter(cw, make):
    batch = referred_batch(cw, make)
    batch.write_off_final = True
    meeting, _item = _on_agenda(cw, batch)
    _record(cw, meeting)
    assert _letter_jobs(batch) == 1  # the letters are made once the meeting's recording is committed


def test_sent_back_the_batch_returns_to_its_preparer_and_keeps_its_number(cw, make):
    batch = referred_batch(cw, make)
    number = batch.registry_number
    meeting, _item = _on_agenda(cw, batch, CommitteeOutcome.SENT_BACK, "Lämna ut den stora skulden.")
    _record(cw, meeting)
    db.session.refresh(batch)
    assert batch.state == BatchState.DRAFT and batch.decision is None
    assert "write_off_batch.committee_send_back" in _actions("write_off_batch", batch.id)
    services.batch_leave_out_failing(cw.actor(cw.finance), batch)
    services.batch_submit(cw.actor(cw.finance), batch)
    assert batch.state == BatchState.AWAITING_DECISION and batch.registry_number == number


def test_the_committee_cannot_partly_grant_a_batch(cw, make):
    batch = referred_batch(cw, make)
    meeting = _meeting(cw)
    item = meetings.agenda_add(cw.actor(cw.secretary), meeting, batch, "Skriva av.")
    with pytest.raises(ValidationFailed) as refused:
        meetings.item_decide(cw.actor(cw.secretary), item, outcome=CommitteeOutcome.PARTLY_GRANTED,
                             decision_text="Bara de små.")
    assert "i sin helhet" in refused.value.errors["outcome"]
    assert item.outcome is None


def test_an_undecided_batch_paragraph_stops_the_recording(cw, make):
    batch = referred_batch(cw, make)
    meeting = _meeting(cw)
    meetings.agenda_add(cw.actor(cw.secretary), meeting, batch, "Skriva av.")
    with pytest.raises(ValidationFailed):
        _record(cw, meeting)
    assert batch.state == BatchState.REFERRED_TO_COMMITTEE and batch.decision is None


def test_only_a_referred_batch_goes_on_the_agenda(cw, make):
    batch = built(cw)
    services.batch_submit(cw.actor(cw.finance), batch)
    assert batch.state == BatchState.AWAITING_DECISION  # a delegate's rule covers it
    with pytest.raises(ValidationFailed) as refused:
        meetings.agenda_add(cw.actor(cw.secretary), _meeting(cw), batch, "Skriva av.")
    assert "matter" in refused.value.errors


def test_another_committees_meeting_cannot_take_the_batch(cw, make):
    batch = referred_batch(cw, make)
    other = _meeting(cw, cw.other_committee_unit.committee, cw.other_secretary)
    with pytest.raises(ValidationFailed) as refused:
        meetings.agenda_add(cw.actor(cw.other_secretary), other, batch, "Skriva av.")
    assert "annan nämnd" in refused.value.errors["matter"]


def test_a_batch_goes_on_one_agenda_at_a_time_and_needs_a_proposal(cw, make):
    batch = referred_batch(cw, make)
    meeting = _meeting(cw)
    with pytest.raises(ValidationFailed) as refused:
        meetings.agenda_add(cw.actor(cw.secretary), meeting, batch, "  ")
    assert "proposal" in refused.value.errors
    meetings.agenda_add(cw.actor(cw.secretary), meeting, batch, "Skriva av.")
    with pytest.raises(ValidationFailed):
        meetings.agenda_add(cw.actor(cw.secretary), _meeting(cw), batch, "Skriva av.")


def test_a_line_paid_since_the_referral_is_left_out_of_the_committees_decision(cw, make):
    batch = referred_batch(cw, make)
    paid = next(line for line in batch.included if line.invoice.invoice_number == "N000")
    paid.invoice.open_amount_ore = 0
    meeting, _item = _on_agenda(cw, batch)
    _record(cw, meeting)
    db.session.refresh(batch)
    assert paid.left_out and batch.decision.line_count == batch.line_count
    assert "N000" not in {line.invoice.invoice_number for line in batch.included}


def test_a_batch_decided_twice_is_refused(cw, make):
    batch = referred_batch(cw, make)
    meeting, _item = _on_agenda(cw, batch)
    _record(cw, meeting)
    with pytest.raises(ValidationFailed):
        services.batch_committee_decide(cw.actor(cw.secretary), batch, services.CommitteeBatchDecision(
            granted=False, reasons="x", meeting_id=meeting.id, meeting_date=MEETING_DAY, paragraph=9,
            reference="SN § 9"))
    assert batch.decision.outcome == "granted"


# --- who sees it ---------------------------------------------------------------------------------

def test_the_secretary_and_members_see_the_committees_batch_without_customers(cw, make, client):
    batch = referred_batch(cw, make)
    assert access.allowed(cw.secretary, access.VIEW_BATCH, batch)  # referred to her committee
    assert not access.allowed(cw.member, access.VIEW_BATCH, batch)  # not yet on an agenda
    meeting, _item = _on_agenda(cw, batch)
    for user in (cw.secretary, cw.member):
        assert access.allowed(user, access.VIEW_BATCH, batch), user.username
        assert not batch_queries.shows_customers(user, batch, MEETING_DAY)
    for user in (cw.other_secretary, cw.other_member, cw.officer, cw.unit_head):
        assert not access.allowed(user, access.VIEW_BATCH, batch), user.username
        assert batch not in batch_queries.batches_for(user)
    client.login("ledamot")
    page = client.get(f"/samlingsbeslut/{batch.id}").get_data(as_text=True)
    assert "BIG" in page and "Storskuld" not in page and "Norrkund 0" not in page
    assert f"§ {_item.paragraph}" in page
    client.post_form("/logga-ut")
    client.login("ledamot.bn")
    assert client.get(f"/samlingsbeslut/{batch.id}").status_code == 403


def test_the_secretary_puts_the_batch_on_the_agenda_from_the_meeting_page(cw, make, client):
    batch = referred_batch(cw, make)
    meeting = _meeting(cw)
    client.login("sekr")
    page = client.get(f"/sammantraden/{meeting.id}").get_data(as_text=True)
    assert batch.registry_number in page and f"Ta upp {batch.registry_number} på föredragningslistan" in page
    response = client.post_form(f"/sammantraden/{meeting.id}/arenden",
                                {"kind": "batch", "matter_id": str(batch.id), "proposal": ""})
    assert response.status_code == 422 and "Ange ekonomiavdelningens förslag." in response.get_data(as_text=True)
    response = client.post_form(f"/sammantraden/{meeting.id}/arenden",
                                {"kind": "batch", "matter_id": str(batch.id), "proposal": "Skriva av fordringarna."})
    assert response.status_code == 303
    page = client.get(f"/sammantraden/{meeting.id}").get_data(as_text=True)
    assert "Hänskjutet samlingsbeslut" in page and batch.registry_number in page


def test_finance_and_another_committees_secretary_cannot_put_the_batch_on_the_agenda(cw, make, client):
    batch = referred_batch(cw, make)
    meeting = _meeting(cw)
    for username in ("ekonom", "sekr.bn"):
        client.login(username)
        response = client.post_form(f"/sammantraden/{meeting.id}/arenden",
                                    {"kind": "batch", "matter_id": str(batch.id), "proposal": "Skriva av."})
        assert response.status_code == 403, username
        client.post_form("/logga-ut")
    assert meeting_queries.open_item_of_batch(batch.id) is None
