"""Deciding and withdrawing cannot be undone: both ask for confirmation, checked on the server, with
or without JavaScript."""

from __future__ import annotations

from datetime import date

from portal.cases import services
from portal.cases.models import Case
from portal.cases.rules import CaseState
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.extensions import db


def _awaiting_decision(world) -> Case:
    officer = world.actor(world.officer)
    case = services.case_create(officer, customer=world.customer, case_type=CaseType.DEFERRAL,
                                invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    services.case_update(officer, case, invoice_ids=[world.invoice.id],
                         terms=TermsInput(new_due_date=date(2026, 12, 31)), reasons="Sjukdom.")
    services.case_submit(officer, case)
    services.consultation_record(world.actor(world.finance), case, "Inga invändningar.")
    db.session.commit()
    return case


def test_a_decision_is_recorded_only_when_the_decider_confirms_it(client, world):
    case = _awaiting_decision(world)
    client.login("chef.norr")
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Jag bekräftar beslutet: när det är registrerat kan det inte ångras" in page
    decision = {"outcome": "granted", "reasons": "Skäl finns.", "no_conflict": "y"}
    response = client.post_form(f"/arenden/{case.id}/beslut", decision)
    assert response.status_code == 422
    assert "Kryssa i rutan för att bekräfta." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).decision is None
    response = client.post_form(f"/arenden/{case.id}/beslut", {**decision, "confirmed": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == CaseState.GRANTED


def test_withdrawing_asks_first_on_a_page_of_its_own_and_keeps_the_note(client, world):
    case = services.case_create(world.actor(world.officer), customer=world.customer, case_type=CaseType.DEFERRAL,
                                invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    db.session.commit()
    client.login("handlaggare")
    response = client.post_form(f"/arenden/{case.id}/aterkalla", {"note": "Kunden har betalat."})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html
    assert "Det går inte att ångra." in html
    assert 'name="note" value="Kunden har betalat."' in html and 'name="confirmed" value="y"' in html
    assert f'action="/arenden/{case.id}/aterkalla"' in html
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == CaseState.DRAFT
    response = client.post_form(f"/arenden/{case.id}/aterkalla", {"note": "Kunden har betalat.", "confirmed": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == CaseState.WITHDRAWN
