"""What was refused is in the trail too, written in a transaction of its own (RULINGS 20): a 403 on
an object, a decision the scheme refuses (with the rule), a refused upload, and every re-routing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.audit.services import SYSTEM, record, record_refusal, write_refusals
from portal.auth.roles import Role
from portal.cases import services
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.errors import ValidationFailed
from portal.extensions import db
from tests.cases.conftest import build_world


def _entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_a_refusal_outlives_the_rollback_of_the_work_it_refused(app):
    record(SYSTEM, "user.update", "user", 1)  # the refused work, never committed
    record_refusal(SYSTEM, "access.denied", "case", 7, reason="Nej.", details={"path": "/arenden/7"})
    assert write_refusals() == 1
    assert _entries("user.update") == []
    [refusal] = _entries("access.denied")
    assert refusal.object_id == "7" and refusal.after == {"path": "/arenden/7", "reason": "Nej."}
    assert refusal.chain_seq and refusal.entry_hash


def test_a_403_on_an_object_is_recorded_with_the_object_and_the_permission(client, make):
    make.user("handlaggare", Role.CASE_OFFICER)
    other = make.user("annan", Role.CASE_OFFICER)
    db.session.commit()
    client.login("handlaggare")
    assert client.get(f"/admin/anvandare/{other.id}").status_code == 403
    [entry] = _entries("access.denied")
    assert (entry.actor_name, entry.object_type, entry.object_id) == ("handlaggare", "user", str(other.id))
    assert entry.after == {"path": f"/admin/anvandare/{other.id}", "method": "GET", "permission": "user.view"}


def test_a_403_on_a_page_is_recorded_too(client, make):
    make.user("handlaggare", Role.CASE_OFFICER)
    db.session.commit()
    client.login("handlaggare")
    assert client.get("/admin/anvandare/").status_code == 403
    [entry] = _entries("access.denied")
    assert entry.object_type == "page" and entry.after["permission"] == "users.manage"


@pytest.fixture
def world(make, frozen_clock):
    return build_world(make)


def _write_off(world, invoice):
    case = services.case_create(world.actor(world.officer), customer=world.customer, case_type=CaseType.WRITE_OFF,
                                invoice_ids=[invoice.id], terms=TermsInput(), reasons="Dödsbo utan tillgångar.")
    services.case_update(world.actor(world.officer), case, invoice_ids=[invoice.id],
                         terms=TermsInput(write_off_reason="deceased_without_assets", write_off_final=True),
                         reasons="Dödsbo utan tillgångar.")
    services.case_submit(world.actor(world.officer), case)
    return case


def _decide(world, case, who):
    return services.case_decide(world.actor(who), case, services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Skäl finns.", no_conflict_confirmed=True))


def test_a_decision_the_scheme_refuses_is_recorded_with_the_rule(app, world):
    case = _write_off(world, world.invoice)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        _decide(world, case, world.other_head)  # heads another unit: rule 3.1 is not theirs
    write_refusals()
    [entry] = _entries("case.decision_refused")
    assert entry.actor_name == "chef.syd" and entry.object_id == str(case.id)
    assert entry.after["rule"] == "3.1" and entry.after["outcome"] == "granted"
    assert entry.after["reason"] == refused.value.errors["case"]
    assert case.state == CaseState.AWAITING_DECISION


def test_a_refused_attachment_is_recorded_with_its_name_size_and_hash(client, world):
    case = services.case_create(world.actor(world.officer), customer=world.customer, case_type=CaseType.DEFERRAL,
                                invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    db.session.commit()
    client.login("handlaggare")
    response = client.post_form(f"/arenden/{case.id}/bilagor",
                                {"file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "intyg.pdf")},
                                content_type="multipart/form-data")
    assert response.status_code == 422
    [entry] = _entries("upload.refused")
    assert entry.actor_name == "handlaggare" and entry.object_id == str(case.id)
    assert entry.after["filename"] == "intyg.pdf" and entry.after["size"] == 14
    assert entry.after["kind"] == "attachment" and "PDF, PNG eller JPEG" in entry.after["reason"]


def test_an_upload_over_the_request_limit_is_recorded(client, app, make):
    make.user("handlaggare", Role.CASE_OFFICER)
    db.session.commit()
    client.login("handlaggare")
    token = client.csrf_token()
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/arenden/1/bilagor", data={"csrf_token": token,
                                                           "file": (io.BytesIO(b"x" * 4096), "stor.pdf")},
                               content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    [entry] = _entries("upload.refused")
    assert entry.after["too_large"] is True and entry.after["path"] == "/arenden/1/bilagor"


def test_a_decision_that_changes_the_12_month_basis_reroutes_the_other_open_case(app, world, make):
    make.delegation_rule(world.version, "3.2", case_type="write_off", level=2, position_kind="department_head",
                         scope="issuing_department", max_amount_ore=20_000_00, amount_basis="twelve_months")
    first = _write_off(world, make.invoice(world.customer, world.unit, world.category, due_date=None,
                                           original_ore=3_000_00))
    second = _write_off(world, make.invoice(world.customer, world.unit, world.category, due_date=None,
                                            original_ore=3_000_00))
    assert second.state == CaseState.AWAITING_DECISION
    _decide(world, first, world.unit_head)  # 3 000 kr now counts for the second case: 6 000 > 5 000
    [entry] = _entries("case.reroute")
    assert entry.object_id == str(second.id) and entry.actor_name == "system"
    assert entry.before == {"proposed_rules": ["3.1"], "state": "awaiting_decision"}
    assert entry.after["proposed_rules"] == ["3.2"] and entry.after["twelve_month_prior_ore"] == 3_000_00
    assert entry.after["because_of_case"] == first.registry_number
    decision = _decide(world, second, world.department_head)
    assert decision.rule_number == "3.2"


def test_a_reroute_past_every_rule_sends_the_case_to_the_committee(app, world, make):
    first = _write_off(world, make.invoice(world.customer, world.unit, world.category, due_date=None,
                                           original_ore=3_000_00))
    second = _write_off(world, make.invoice(world.customer, world.unit, world.category, due_date=None,
                                            original_ore=3_000_00))
    _decide(world, first, world.unit_head)
    [entry] = _entries("case.reroute")
    assert entry.after["proposed_rules"] == [] and entry.after["state"] == "referred_to_committee"
    assert second.state == CaseState.REFERRED_TO_COMMITTEE


def test_an_unchanged_route_is_not_recorded(app, world, make):
    first = _write_off(world, make.invoice(world.customer, world.unit, world.category, due_date=None,
                                           original_ore=1_000_00))
    second = _write_off(world, make.invoice(world.customer, world.unit, world.category, due_date=None,
                                            original_ore=1_000_00))
    _decide(world, first, world.unit_head)  # 1 000 + 1 000 stays under rule 3.1's 5 000
    assert _entries("case.reroute") == []
    assert second.state == CaseState.AWAITING_DECISION
