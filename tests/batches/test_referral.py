"""A batch write-off's decider refers it to the committee by hand, as a single case's decider may:
with a reason, audited; the batch then waits for the committee's meeting like a batch the rules sent
there. Tried to be broken: no reason, the preparer, a unit head whose rule covers only some lines,
finance, a decider with a declared conflict, the wrong state, a second referral; each refusal is
recorded."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import select

from portal import access
from portal.audit.models import AuditEntry
from portal.batches import queries as batch_queries
from portal.batches import services
from portal.batches.models import WriteOffBatch
from portal.batches.rules import BatchState
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.meetings import queries as meeting_queries
from portal.meetings import services as meetings
from portal.meetings.rules import CommitteeOutcome
from tests.batches.conftest import submitted
from tests.batches.test_committee import MEETING_DAY, _meeting, _record, cw  # noqa: F401 (the fixture)

REASON = "Två av kunderna har nyligen fått avskrivningar: nämnden bör se helheten."


def _actions(batch) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "write_off_batch", AuditEntry.object_id == str(batch.id)).order_by(AuditEntry.id)))


def test_the_decider_refers_the_batch_with_a_reason_and_it_waits_for_the_committee(cw):
    batch = submitted(cw)
    assert batch.state == BatchState.AWAITING_DECISION
    services.batch_refer(cw.actor(cw.department_head), batch, f"  {REASON}  ")
    assert batch.state == BatchState.REFERRED_TO_COMMITTEE
    assert (batch.referred_by_id, batch.referral_note) == (cw.department_head.id, REASON)
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "write_off_batch.refer_to_committee", AuditEntry.object_id == str(batch.id))).one()
    assert entry.after["note"] == REASON and entry.after["rule_number"] == "3.2"
    assert entry.before == {"state": "awaiting_decision"} and entry.actor_id == cw.department_head.id
    # Waiting for a meeting, as a batch the rules referred: the secretary sees it and takes it up.
    waiting = meeting_queries.waiting_page(cw.committee.id)
    assert ("batch", batch.id) in {(row.kind, row.id) for group in waiting.groups for row in group.rows}
    assert access.allowed(cw.secretary, access.VIEW_BATCH, batch)
    # The decider who referred it keeps seeing it (with its customers); nobody decides it by delegation now.
    assert access.allowed(cw.department_head, access.VIEW_BATCH, batch)
    assert batch_queries.shows_customers(cw.department_head, batch, MEETING_DAY)
    assert batch_queries.to_decide(cw.department_head.id, MEETING_DAY) == []
    with pytest.raises(ValidationFailed):
        services.batch_decide(cw.actor(cw.department_head), batch, services.BatchDecisionInput(True, "Skäl.", True))
    # The committee decides it at its meeting, the committee's own decision.
    meeting = _meeting(cw)
    item = meetings.agenda_add(cw.actor(cw.secretary), meeting, batch, "Skriva av fordringarna.")
    meetings.item_decide(cw.actor(cw.secretary), item, outcome=CommitteeOutcome.GRANTED, decision_text="")
    _record(cw, meeting)
    db.session.refresh(batch)
    assert batch.state == BatchState.GRANTED and not batch.decision.is_delegated
    assert batch.decision.committee_reference.endswith(f"§ {item.paragraph}")


def test_a_referral_needs_a_reason(cw):
    batch = submitted(cw)
    with pytest.raises(ValidationFailed) as refused:
        services.batch_refer(cw.actor(cw.department_head), batch, "   ")
    assert "note" in refused.value.errors
    assert batch.state == BatchState.AWAITING_DECISION and batch.referred_by_id is None
    assert "write_off_batch.refer_to_committee" not in _actions(batch)


@pytest.mark.parametrize("who", ["unit_head", "finance", "officer", "member", "secretary", "auditor"])
def test_nobody_but_the_batchs_decider_refers_it_and_the_refusal_is_recorded(cw, who):
    """The unit head's rule covers only the lines of the unit; finance prepared it (four eyes); the
    others decide nothing under the scheme."""
    batch = submitted(cw)
    user = getattr(cw, who)
    with pytest.raises(ValidationFailed) as refused:
        services.batch_refer(cw.actor(user), batch, REASON)
    assert "Bara samlingsbeslutets beslutsfattare" in refused.value.errors["batch"]
    assert batch.state == BatchState.AWAITING_DECISION and batch.referred_by_id is None
    [refusal] = g.audit_refusals  # written in a transaction of its own when the request ends
    assert (refusal["action"], refusal["object_id"], refusal["actor"].user_id) == (
        "write_off_batch.refer_refused", batch.id, user.id)


def test_the_preparer_is_refused_even_holding_the_deciding_position(cw, make):
    from portal.org.models import PositionKind

    batch = submitted(cw)
    position = make.position(cw.committee, PositionKind.DEPARTMENT_HEAD, cw.unit.parent, title="Tf socialchef")
    make.appointment(cw.finance, position)
    with pytest.raises(ValidationFailed):
        services.batch_refer(cw.actor(cw.finance), batch, REASON)
    assert batch.state == BatchState.AWAITING_DECISION


def test_a_decider_with_a_declared_conflict_cannot_refer(cw):
    batch = submitted(cw)
    services.conflict_declare(cw.actor(cw.department_head), batch, "Släkt med en kund")
    with pytest.raises(ValidationFailed):
        services.batch_refer(cw.actor(cw.department_head), batch, REASON)
    assert batch.state == BatchState.AWAITING_DECISION


def test_a_referred_batch_is_not_referred_again(cw):
    batch = submitted(cw)
    services.batch_refer(cw.actor(cw.department_head), batch, REASON)
    with pytest.raises(ValidationFailed) as again:
        services.batch_refer(cw.actor(cw.department_head), batch, REASON)
    assert "hänskjutet till nämnden" in again.value.errors["batch"].lower()
    assert _actions(batch).count("write_off_batch.refer_to_committee") == 1


def test_a_decided_batch_is_not_referred(cw):
    batch = submitted(cw)
    services.batch_decide(cw.actor(cw.department_head), batch, services.BatchDecisionInput(True, "Skäl.", True))
    with pytest.raises(ValidationFailed):
        services.batch_refer(cw.actor(cw.department_head), batch, REASON)
    assert batch.state == BatchState.GRANTED and batch.referred_by_id is None


def test_sent_back_and_submitted_again_the_old_referral_is_gone(cw):
    batch = submitted(cw)
    services.batch_refer(cw.actor(cw.department_head), batch, REASON)
    meeting = _meeting(cw)
    item = meetings.agenda_add(cw.actor(cw.secretary), meeting, batch, "Skriva av.")
    meetings.item_decide(cw.actor(cw.secretary), item, outcome=CommitteeOutcome.SENT_BACK,
                         decision_text="Utred kunderna först.")
    _record(cw, meeting)
    db.session.refresh(batch)
    assert batch.state == BatchState.DRAFT
    services.batch_submit(cw.actor(cw.finance), batch)
    assert batch.state == BatchState.AWAITING_DECISION
    assert (batch.referred_by_id, batch.referral_note) == (None, None)


# --- pages ----------------------------------------------------------------------------------------

def test_the_decider_refers_from_the_batch_page(cw, client):
    batch = submitted(cw)
    db.session.commit()
    client.login("socialchef")
    page = client.get(f"/samlingsbeslut/{batch.id}").get_data(as_text=True)
    assert f'action="/samlingsbeslut/{batch.id}/namnden"' in page and "Hänskjut till nämnden" in page
    empty = client.post_form(f"/samlingsbeslut/{batch.id}/namnden", {"note": ""})
    assert empty.status_code == 422
    assert "Skriv varför nämnden ska besluta om samlingsbeslutet." in empty.get_data(as_text=True)
    response = client.post_form(f"/samlingsbeslut/{batch.id}/namnden", {"note": REASON})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(WriteOffBatch, batch.id).state == BatchState.REFERRED_TO_COMMITTEE
    shown = client.get(f"/samlingsbeslut/{batch.id}").get_data(as_text=True)
    assert 'id="batch-referral"' in shown and REASON in shown and "Hänskjutet av beslutsfattaren" in shown
    assert f'action="/samlingsbeslut/{batch.id}/namnden"' not in shown


def test_the_refer_form_is_offered_to_the_decider_only_and_others_are_refused(cw, client, app):
    batch = submitted(cw)
    db.session.commit()
    client.login("ekonom")
    page = client.get(f"/samlingsbeslut/{batch.id}").get_data(as_text=True)
    assert f'action="/samlingsbeslut/{batch.id}/namnden"' not in page
    refused = client.post_form(f"/samlingsbeslut/{batch.id}/namnden", {"note": REASON})
    assert refused.status_code == 422 and "Bara samlingsbeslutets beslutsfattare" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(WriteOffBatch, batch.id).state == BatchState.AWAITING_DECISION
    written = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "write_off_batch.refer_refused")).all()
    assert [entry.actor_id for entry in written] == [cw.finance.id]
    other = app.test_client()
    other.login("chef.syd")  # cannot see the batch at all
    assert other.post_form(f"/samlingsbeslut/{batch.id}/namnden", {"note": REASON}).status_code == 403
