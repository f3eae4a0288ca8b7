"""Issue 11: "brådskande" (kommunallagen 6 kap 39 §) only where an urgent rule of the scheme covers
the case; the case officer can take the mark back; the chair's link opens a page they may read,
with the full terms."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.cases import services as case_services
from portal.cases.models import Case
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.documents.models import DocumentKind
from portal.documents.services import documents_for
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.meetings import services
from tests.documents.test_letters import flat
from tests.meetings.conftest import referred

NBSP = "\u00a0"


def _as(client, username):
    client.post_form("/logga-ut")
    client.login(username)


def _text(response) -> str:
    return response.get_data(as_text=True).replace(NBSP, " ")


def _large_write_off(world, make) -> Case:
    """6 000 kr: over rule 3.1's 5 000 kr, and the scheme has no urgent rule for write-offs."""
    invoice = make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31),
                           original_ore=6_000_00)
    officer = world.actor(world.officer, "case_officer")
    case = case_services.case_create(officer, customer=world.customer, case_type=CaseType.WRITE_OFF,
                                     invoice_ids=[invoice.id], terms=TermsInput(), reasons="Dödsbo.")
    case_services.case_update(officer, case, invoice_ids=[invoice.id], reasons="Dödsbo utan tillgångar.",
                              terms=TermsInput(write_off_reason="deceased_without_assets", write_off_final=True))
    case_services.case_submit(officer, case)
    assert case.state == CaseState.REFERRED_TO_COMMITTEE
    return case


def _entries(case, action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "case",
                                                       AuditEntry.object_id == str(case.id),
                                                       AuditEntry.action == action)).all()


def test_a_case_no_urgent_rule_covers_cannot_be_marked_urgent(app, world, make):
    # Issue 11: the mark moved such a case to "Väntar på beslut" where nobody could decide it.
    case = _large_write_off(world, make)
    with pytest.raises(ValidationFailed) as refused:
        services.case_mark_urgent(world.actor(world.officer), case, "Dödsboet ska skiftas.")
    message = refused.value.errors["case"]
    assert "kan inte markeras som brådskande" in message and "nämnden beslutar" in message
    assert not case.urgent and case.state == CaseState.REFERRED_TO_COMMITTEE


def test_an_urgent_rule_that_does_not_match_is_named_with_its_reason(app, world, make):
    make.delegation_rule(world.version, "9.2", case_type="write_off", kind="urgent", position_kind="chair",
                         scope="committee", max_amount_ore=1_000_00)
    case = _large_write_off(world, make)
    with pytest.raises(ValidationFailed) as refused:
        services.case_mark_urgent(world.actor(world.officer), case, "Dödsboet ska skiftas.")
    message = refused.value.errors["case"]
    assert "9.2" in message and "1 000,00 kr" in message.replace(NBSP, " ")
    assert "gäller bara brådskande" not in message  # the rule's kind is not a reason here


def test_the_refused_mark_is_in_the_trail_and_the_page_offers_no_mark(client, world, make):
    case = _large_write_off(world, make)
    db.session.commit()
    _as(client, "handlaggare")
    page = _text(client.get(f"/arenden/{case.id}"))
    assert "Markera ärendet som brådskande" not in page
    assert "kan inte markeras som brådskande" in page
    response = client.post_form(f"/sammantraden/arenden/{case.id}/bradskande", {"note": "Dödsboet ska skiftas."})
    assert response.status_code == 303
    assert "kan inte markeras som brådskande" in _text(client.get(f"/arenden/{case.id}"))
    db.session.expire_all()
    assert not db.session.get(Case, case.id).urgent
    [entry] = _entries(case, "case.mark_urgent_refused")
    assert "kan inte markeras som brådskande" in entry.after["reason"]


def test_a_case_an_urgent_rule_covers_is_offered_the_mark(client, world):
    case = referred(world)  # a nine months' deferral: the urgent rule 9.1 for deferrals covers it
    db.session.commit()
    _as(client, "handlaggare")
    assert "Markera ärendet som brådskande" in _text(client.get(f"/arenden/{case.id}"))


def test_the_officer_takes_the_mark_back_and_the_case_returns_to_the_committee(client, world):
    case = referred(world)
    services.case_mark_urgent(world.actor(world.officer), case, "Vräkning hotar.")
    db.session.commit()
    _as(client, "handlaggare")
    page = _text(client.get(f"/arenden/{case.id}"))
    assert "Ta bort markeringen som brådskande" in page
    response = client.post_form(f"/sammantraden/arenden/{case.id}/bradskande/ta-bort",
                                {"note": "Hyresvärden väntar."})
    assert response.status_code == 303
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert not case.urgent and case.state == CaseState.REFERRED_TO_COMMITTEE
    [entry] = _entries(case, "case.unmark_urgent")
    assert entry.before == {"state": "awaiting_decision", "urgent": True}
    assert entry.after["state"] == "referred_to_committee" and entry.after["note"] == "Hyresvärden väntar."
    # The chair no longer decides it.
    _as(client, "ordf")
    assert client.get(f"/sammantraden/arenden/{case.id}/bradskande-beslut").status_code == 403


def test_a_case_stranded_by_an_earlier_mark_can_be_unmarked(app, world, make):
    case = _large_write_off(world, make)
    case.urgent, case.state = True, CaseState.AWAITING_DECISION.value  # marked before the rule existed
    services.case_unmark_urgent(world.actor(world.officer), case, "")
    assert not case.urgent and case.state == CaseState.REFERRED_TO_COMMITTEE


def test_an_unmarked_case_can_go_back_to_a_delegate(app, world):
    """Unmarked, a case that an ordinary rule covers waits for that rule's decider."""
    from tests.meetings.conftest import deferral

    case = deferral(world, date(2026, 12, 31))  # two months: rule 1.1 after consultation
    case_services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    services.case_mark_urgent(world.actor(world.officer), case, "Brådskar.")
    services.case_unmark_urgent(world.actor(world.officer), case, "")
    assert case.state == CaseState.AWAITING_DECISION and not case.urgent


def test_the_mark_cannot_be_taken_back_after_the_decision_or_twice(app, world):
    case = referred(world)
    with pytest.raises(ValidationFailed):
        services.case_unmark_urgent(world.actor(world.officer), case, "")
    services.case_mark_urgent(world.actor(world.officer), case, "Vräkning hotar.")
    case_services.case_decide(world.actor(world.chair), case, case_services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Brådskande.", no_conflict_confirmed=True))
    with pytest.raises(ValidationFailed):
        services.case_unmark_urgent(world.actor(world.officer), case, "")
    assert case.urgent and case.state == CaseState.GRANTED


def test_only_the_preparing_officer_takes_the_mark_back(client, world):
    case = referred(world)
    services.case_mark_urgent(world.actor(world.officer), case, "Vräkning hotar.")
    db.session.commit()
    _as(client, "utomstaende")
    assert client.post_form(f"/sammantraden/arenden/{case.id}/bradskande/ta-bort", {}).status_code == 403
    _as(client, "ordf")
    assert client.post_form(f"/sammantraden/arenden/{case.id}/bradskande/ta-bort", {}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Case, case.id).urgent


def test_the_chairs_link_opens_the_urgent_page_with_the_full_terms(client, world):
    # Issue 11: the chair's "Att besluta" link went to the case page, which is closed to members (403).
    case = referred(world)
    services.case_mark_urgent(world.actor(world.officer), case, "Vräkning hotar.")
    db.session.commit()
    _as(client, "ordf")
    home = _text(client.get("/"))
    link = f"/sammantraden/arenden/{case.id}/bradskande-beslut"
    assert f'href="{link}"' in home and f'href="/arenden/{case.id}"' not in home
    page = _text(client.get(link))
    assert "Ny förfallodag" in page and "2027-07-31" in page
    assert world.invoice.invoice_number in page and "3 000,00 kr" in page
    assert "Sjukdom i familjen." in page and "Åsa Öberg" in page
    assert "Du beslutar enligt punkt 9.1 på nämndens vägnar" in page
    response = client.post_form(link, {"outcome": "granted", "reasons": "Kan inte vänta.",
                                       "no_conflict_confirmed": "y", "confirmed": "y"})
    assert response.status_code == 303
    page = _text(client.get(link))
    assert "Olle Ordförande, som innehavare av befattningen Ordförande SN, i ett brådskande ärende" in page
    assert "Punkt 9.1, nivå 1" in page


def test_an_urgent_decision_says_so_in_the_letter(app, world):
    case = referred(world)
    services.case_mark_urgent(world.actor(world.officer), case, "Vräkning hotar.")
    decision = case_services.case_decide(world.actor(world.chair), case, case_services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Brådskande.", no_conflict_confirmed=True))
    assert decision.rule_kind == "urgent"
    [letter] = [d for d in documents_for("decision", decision.id) if d.kind == DocumentKind.DECISION_LETTER.value]
    assert "i ett brådskande ärende på nämndens vägnar (kommunallagen 6 kap 39 §)" in flat(letter.content)
