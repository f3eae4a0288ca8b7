"""A credit gives its reason from a list, like a write-off (issue 12 §7): required before the case
is saved, shown on the case, and asked by the engine where a rule allows only some reasons."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.cases import services
from portal.cases.models import Case
from portal.cases.rules import CaseState
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.delegation.models import DelegationRule
from portal.errors import ValidationFailed
from portal.extensions import db


def _credit_draft(world):
    officer = world.actor(world.officer)
    return services.case_create(officer, customer=world.customer, case_type=CaseType.CREDIT,
                                invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Fel pris.")


def test_a_credit_without_a_reason_is_refused_naming_the_field_and_nothing_changes(app, world):
    case = _credit_draft(world)
    officer = world.actor(world.officer)
    for reason in (None, "", "no_such_reason", "disputed"):  # "disputed" is a collection reason
        with pytest.raises(ValidationFailed) as refused:
            services.case_update(officer, case, invoice_ids=[world.invoice.id],
                                 terms=TermsInput(credit_reason=reason), reasons="Fel pris.")
        assert refused.value.errors == {"credit_reason": "Välj skälet för krediteringen."}
    with pytest.raises(ValidationFailed):
        services.case_submit(officer, case)
    assert case.state == CaseState.DRAFT.value and case.registry_number is None


def test_the_reason_is_saved_audited_and_shown_on_the_case(client, world):
    case = _credit_draft(world)
    db.session.commit()
    client.login("handlaggare")
    form = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Skäl för krediteringen" in form and "Befogad reklamation" in form
    assert client.post_form(f"/arenden/{case.id}/villkor", {
        "invoice_ids": str(world.invoice.id), "credit_reason": "complaint", "reasons": "Fel pris."}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Case, case.id).credit_reason == "complaint"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.update",
                                                        AuditEntry.object_id == str(case.id))).one()
    assert entry.after["credit_reason"] == "complaint"
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Befogad reklamation" in page


def test_a_rule_for_some_reasons_sends_another_reason_to_the_committee(app, world, make):
    rule = db.session.scalars(select(DelegationRule).where(DelegationRule.number == "4.1")).one()
    rule.allowed_reasons = ["wrong_price"]
    db.session.flush()
    officer = world.actor(world.officer)
    routed = {}
    for reason in ("wrong_price", "duplicate"):
        invoice = make.invoice(world.customer, world.unit, world.category, original_ore=200_00)
        case = services.case_create(officer, customer=world.customer, case_type=CaseType.CREDIT,
                                    invoice_ids=[invoice.id], terms=TermsInput(), reasons="Skäl.")
        services.case_update(officer, case, invoice_ids=[line.invoice_id for line in case.lines],
                             terms=TermsInput(credit_reason=reason), reasons="Skäl finns.")
        services.case_submit(officer, case)
        routed[reason] = case.state
    assert routed == {"wrong_price": CaseState.AWAITING_DECISION.value,
                      "duplicate": CaseState.REFERRED_TO_COMMITTEE.value}

