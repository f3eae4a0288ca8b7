"""Bodies other than committees (issue 12 §9, RULINGS 10 and 12): every text names the body as it is,
a company's decisions are never reported and its letters carry no appeal text, a joint authority
follows kommunallagen like a committee, and a company's invoices never count with a committee's."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.auth.roles import Role
from portal.cases.routing import route
from portal.documents.models import DocumentKind
from portal.documents.services import documents_for
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.home.queries import secretary_work
from portal.meetings import delegation_report
from portal.meetings import services as meeting_services
from portal.org import services as org_services
from portal.org.bodies import (
    BodyKind,
    creditor_of,
    is_company,
    open_to_appeal,
    reports_delegated_decisions,
    speak_as,
)
from portal.receivables.queries import debts_seen_by_decider
from tests.meetings.conftest import delegated, referred

COMPANY = BodyKind.COMPANY_BOARD.value
FEDERATION = BodyKind.FEDERATION_BOARD.value


def flat(pdf: bytes) -> str:
    return re.sub(r"[ \n\u00a0]+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def _as(world, kind: str) -> None:
    world.committee.kind = kind
    db.session.flush()


def _letter_text(decision) -> str:
    letter = next(d for d in documents_for("decision", decision.id) if d.kind == DocumentKind.DECISION_LETTER.value)
    return flat(letter.content)


# --- the words --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "said"), [
    (BodyKind.COMMITTEE, "Bara nämnden kan besluta. Nämndens beslut."),
    (BodyKind.EXECUTIVE_COMMITTEE, "Bara kommunstyrelsen kan besluta. Kommunstyrelsens beslut."),
    (BodyKind.COMPANY_BOARD, "Bara styrelsen kan besluta. Styrelsens beslut."),
    (BodyKind.FEDERATION_BOARD, "Bara förbundsstyrelsen kan besluta. Förbundsstyrelsens beslut."),
])
def test_every_kind_of_body_is_named_as_it_is(kind, said):
    assert speak_as(kind, "Bara nämnden kan besluta. Nämndens beslut.") == said
    assert speak_as(kind, said) == said  # twice is once: a partial inside a page is not said again


def test_words_that_are_not_the_body_stay_as_they_are():
    text = "Skuld till andra nämnder; en annan nämnd; nämndsekreterare; Socialnämnden"
    assert speak_as(BodyKind.COMPANY_BOARD, text) == text
    assert speak_as(BodyKind.COMPANY_BOARD, "Only the committee decides.") == "Only the board decides."
    assert speak_as(BodyKind.COMPANY_BOARD, "Owed to the committees") == "Owed to the committees"
    assert speak_as(None, "Bara nämnden kan besluta.") == "Bara nämnden kan besluta."


def test_only_a_company_is_outside_kommunallagen():
    assert [k for k in BodyKind if is_company(k)] == [BodyKind.COMPANY_BOARD]
    assert not reports_delegated_decisions(BodyKind.COMPANY_BOARD) and not open_to_appeal(BodyKind.COMPANY_BOARD)
    for kind in (BodyKind.COMMITTEE, BodyKind.EXECUTIVE_COMMITTEE, BodyKind.FEDERATION_BOARD):
        assert reports_delegated_decisions(kind) and open_to_appeal(kind)


def test_committees_share_the_municipality_as_creditor_a_company_is_its_own():
    assert creditor_of(BodyKind.COMMITTEE, 4) == creditor_of(BodyKind.EXECUTIVE_COMMITTEE, 5) == 0
    assert creditor_of(BodyKind.COMPANY_BOARD, 4) == 4
    assert creditor_of(BodyKind.FEDERATION_BOARD, 6) == 6


# --- the kind is kept, and every change is in the trail ---------------------------------------------

def test_the_kind_is_changed_and_audited_and_a_sub_committee_follows_its_main_body(app, world, make):
    director = make.user("director", Role.FINANCE_DIRECTOR)
    actor = world.actor(director, "finance_director")
    sub = make.committee("SNAU", "Socialnämndens arbetsutskott", parent=world.committee)
    org_services.committee_save(actor, world.committee, name="Bostadsbolaget AB", code="SN", parent_id=None,
                                kind=COMPANY)
    assert (world.committee.kind, sub.kind) == (COMPANY, COMPANY)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "committee.update")
                                 .order_by(AuditEntry.id)).all()
    assert {e.object_id for e in entries} == {str(world.committee.id), str(sub.id)}
    assert all(e.before["kind"] == "committee" and e.after["kind"] == COMPANY for e in entries)
    new_sub = org_services.committee_save(actor, None, name="Utskott", code="BAU", parent_id=world.committee.id,
                                          kind="committee")
    assert new_sub.kind == COMPANY


def test_an_unknown_kind_is_refused_by_the_field_and_nothing_changes(app, world, make):
    director = make.user("director", Role.FINANCE_DIRECTOR)
    with pytest.raises(ValidationFailed) as refused:
        org_services.committee_save(world.actor(director), world.committee, name="X", code="SN", parent_id=None,
                                    kind="aktiebolag")
    assert set(refused.value.errors) == {"kind"}
    assert world.committee.kind == "committee" and world.committee.name == "Socialnämnden"


def test_the_administrator_edits_the_kind_on_the_committee_page(app, client, world, make):
    make.user("admin", Role.ADMINISTRATOR)
    client.login("admin")
    url = f"/organisation/namnder/{world.committee.id}/redigera"
    bad = client.post_form(url, {"name": "Socialnämnden", "code": "SN", "kind": "bolag", "parent_id": ""})
    assert bad.status_code == 422 and "Välj vilket slags organ det är." in bad.text
    assert world.committee.kind == "committee"
    ok = client.post_form(url, {"name": "Socialnämnden", "code": "SN", "kind": FEDERATION, "parent_id": "",
                                "registry_format": "{code} {year}/{number}", "active": "y"})
    assert ok.status_code == 303
    page = client.get(f"/organisation/namnder/{world.committee.id}")
    assert "Förbundsstyrelse (kommunalförbund)" in page.text


# --- verdicts and pages -----------------------------------------------------------------------------

def test_the_case_page_says_only_the_board_decides_for_a_company(app, client, world):
    _as(world, COMPANY)
    case = referred(world)
    client.login("handlaggare")
    text = client.get(f"/arenden/{case.id}").text
    assert "Styrelsen beslutar:" in text and "Nämnden beslutar:" not in text
    assert not re.search(r"\bnämnden", text, re.IGNORECASE)


def test_the_scheme_document_of_a_company_cites_the_companies_act_not_kommunallagen(app, world, make):
    from portal.delegation.pdf import build_scheme_document

    _as(world, COMPANY)
    text = flat(build_scheme_document(world.version, "ABC123"))
    assert "aktiebolagslagen" in text and "6 kap. 40 §" not in text
    assert not re.search(r"\bnämnden", text, re.IGNORECASE)
    _as(world, FEDERATION)
    text = flat(build_scheme_document(world.version, "ABC123"))
    assert "Förbundsstyrelsen delegerar beslutanderätt enligt kommunallagen" in text
    assert "anmäls till förbundsstyrelsen (6 kap. 40 §)" in text


# --- letters ----------------------------------------------------------------------------------------

def test_a_companys_letter_has_no_appeal_text_even_for_an_appealable_category(app, world):
    world.category.appealable = True
    _as(world, COMPANY)
    text = _letter_text(delegated(world))
    assert "överklaga" not in text.lower() and "laglighetsprövning" not in text


def test_a_joint_authoritys_letter_can_be_appealed_like_a_committees(app, world):
    world.category.appealable = True
    _as(world, FEDERATION)
    text = _letter_text(delegated(world))
    assert "Hur du överklagar" in text and "förbundsstyrelsen skickar det vidare till förvaltningsrätten" in text
    assert "Medlemmarna i förbundets medlemskommuner kan också begära laglighetsprövning" in text


# --- no delegation report for a company -------------------------------------------------------------

def test_a_companys_decision_never_appears_in_a_delegation_report(app, world, client):
    _as(world, COMPANY)
    decision = delegated(world)
    assert decision.id not in {d.id for d in delegation_report.unreported_decisions(world.committee.id)}
    assert delegation_report.unreported_decisions(world.committee.id) == []
    work = {w.committee.id: w for w in secretary_work({world.committee.id}, date(2026, 11, 23))}
    assert work[world.committee.id].unreported == 0
    client.login("sekr")
    page = client.get(f"/sammantraden/namnder/{world.committee.id}/delegationsbeslut")
    assert "Ett kommunalt bolags styrelse har ingen anmälan av delegationsbeslut" in page.text
    assert decision.case.registry_number not in page.text


def test_a_companys_meeting_takes_no_delegation_report(app, world):
    _as(world, COMPANY)
    secretary = world.actor(world.secretary, "committee_secretary")
    meeting = meeting_services.meeting_create(secretary, world.committee, meeting_date=date(2026, 12, 10),
                                              place="Styrelserummet")
    with pytest.raises(ValidationFailed, match="ingen anmälan av delegationsbeslut"):
        meeting_services.agenda_add_report(secretary, meeting)
    assert meeting.items == []


def test_a_joint_authoritys_decision_is_reported_like_a_committees(app, world):
    _as(world, FEDERATION)
    decision = delegated(world)
    assert [d.id for d in delegation_report.unreported_decisions(world.committee.id)] == [decision.id]


# --- a company's invoices never count with a committee's (RULINGS 10) ------------------------------

def _company_debt(world, make):
    company = make.committee("BOAB", "Bostadsbolaget AB")
    company.kind = COMPANY
    rent = make.unit(company, name="Uthyrning", code="9100")
    return make.invoice(world.customer, rent, world.category, due_date=date(2026, 9, 30), original_ore=9_000_00)


def test_a_companys_invoice_is_not_owed_to_other_committees(app, world, make):
    _company_debt(world, make)
    other = make.unit(world.other_committee, name="Förskola", code="4100")
    make.invoice(world.customer, other, world.category, due_date=date(2026, 9, 30), original_ore=1_000_00)
    seen = debts_seen_by_decider(world.customer.id, world.committee.id, date(2026, 11, 23))
    assert seen.other_committees_open_ore == 1_000_00


def test_a_committees_invoices_are_not_owed_to_the_company(app, world, make):
    invoice = _company_debt(world, make)
    company_id = invoice.org_unit.committee_id
    seen = debts_seen_by_decider(world.customer.id, company_id, date(2026, 11, 23))
    assert seen.other_committees_open_ore == 0


def test_an_overdue_company_invoice_is_not_other_unpaid_debt_of_a_committees_case(app, world, make):
    _company_debt(world, make)
    case = referred(world)
    facts = route(case, date(2026, 11, 23)).facts
    assert facts.has_other_unpaid_debt is False
    make.invoice(world.customer, world.other_unit, world.category, due_date=date(2026, 9, 30),
                 original_ore=1_000_00)
    db.session.expire_all()
    assert route(case, date(2026, 11, 23)).facts.has_other_unpaid_debt is True
