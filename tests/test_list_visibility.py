"""Nothing of a committee or a unit leaks to a reader of another (RULINGS 10, README "Vem ser vad").

One world: Socialnämnden's Hemtjänst Norr has a case in every stage a list shows (a draft, one awaiting
consultation with an attachment, a decided deferral with its letter, a granted plan with its signed
scan, one referred to the committee on a meeting's agenda, an urgent one). Readers from another unit
of the same committee and from another committee then walk every list, search, count, queue,
export, partial and object page, and nothing of the case appears: not the customer's name, a
registry number, an invoice number, an amount or the personnummer. Probing the personnummer through
the case search reveals nothing either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from portal.auth.roles import Role
from portal.cases import services as case_services
from portal.cases.rules import Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.documents.services import documents_for
from portal.extensions import db
from portal.meetings import services as meeting_services
from portal.money import format_amount
from portal.org.models import PositionKind
from tests.cases.conftest import build_world

AMOUNT_ORE = 1_234_567  # 12 345,67 kr: each case of the customer is on an invoice of this amount


@dataclass
class Leak:
    world: object
    customer_id: int
    cases: dict
    attachment_id: int
    letter_id: int
    meeting_id: int
    markers: list[str]


def _invoice(world, make, number: str):
    return make.invoice(world.customer, world.unit, world.category, number=number, due_date=date(2026, 10, 31),
                        original_ore=AMOUNT_ORE)


def _case(world, make, number: str, case_type=CaseType.DEFERRAL, terms=None, submit=True):
    officer = world.actor(world.officer, "case_officer")
    invoice = _invoice(world, make, number)
    case = case_services.case_create(officer, customer=world.customer, case_type=case_type,
                                     invoice_ids=[invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    case_services.case_update(officer, case, invoice_ids=[invoice.id], reasons="Sjukdom i familjen.",
                              terms=terms or TermsInput(new_due_date=date(2026, 12, 31)))
    if submit:
        case_services.case_submit(officer, case)
    return case


@pytest.fixture
def leak(make, frozen_clock) -> Leak:
    world = build_world(make)
    officer, finance = world.actor(world.officer, "case_officer"), world.actor(world.finance, "finance_officer")
    chef = world.actor(world.unit_head)
    # Socialnämnden's own people: a chair, a secretary, and an urgent rule for the chair.
    chair = make.user("ordf.sn")
    make.appointment(chair, make.position(world.committee, PositionKind.CHAIR))
    secretary = make.user("sekr.sn", Role.COMMITTEE_SECRETARY)
    make.appointment(secretary, make.position(world.committee, PositionKind.COMMITTEE_SECRETARY, world.unit.parent))
    make.delegation_rule(world.version, "9.1", case_type="deferral", kind="urgent", position_kind="chair",
                         scope="committee")
    # The readers: another unit of the same committee (chef.syd, from build_world) and another committee.
    bun = make.committee("BUN", "Barn- och utbildningsnämnden")
    school = make.unit(bun, name="Skolförvaltningen", kind="department")
    preschool = make.unit(bun, name="Förskolan Solen", parent=school)
    make.appointment(make.user("bun.chef"), make.position(bun, PositionKind.UNIT_HEAD, preschool))
    make.appointment(make.user("bun.forvchef"), make.position(bun, PositionKind.DEPARTMENT_HEAD, school))
    make.appointment(make.user("bun.ordf"), make.position(bun, PositionKind.CHAIR))
    make.appointment(make.user("bun.sekr", Role.COMMITTEE_SECRETARY),
                     make.position(bun, PositionKind.COMMITTEE_SECRETARY, school))
    make.user("admin", Role.ADMINISTRATOR)

    draft = _case(world, make, "HEMLIG-1", submit=False)
    consulting = _case(world, make, "HEMLIG-2")
    attachment = case_services.attachment_add(officer, consulting, "intyg.pdf", b"%PDF-1.7\n")
    decided = _case(world, make, "HEMLIG-3")
    case_services.consultation_record(finance, decided, "Inga invändningar.")
    decision = case_services.case_decide(chef, decided, case_services.DecisionInput(
        Outcome.GRANTED, "Skäl finns.", no_conflict_confirmed=True))
    plan = _case(world, make, "HEMLIG-4", CaseType.INSTALMENT_PLAN,
                 TermsInput(first_due_date=date(2026, 12, 31), instalments=3))
    case_services.case_decide(chef, plan, case_services.DecisionInput(
        Outcome.GRANTED, "Skäl finns.", no_conflict_confirmed=True))
    signed_plan = _case(world, make, "HEMLIG-5", CaseType.INSTALMENT_PLAN,
                        TermsInput(first_due_date=date(2026, 12, 31), instalments=3))
    case_services.case_decide(chef, signed_plan, case_services.DecisionInput(
        Outcome.GRANTED, "Skäl finns.", no_conflict_confirmed=True))
    case_services.agreement_register_signed(officer, signed_plan, date(2026, 11, 23),
                                            case_services.Scan("avtal.pdf", b"%PDF-1.4 signerat"))
    referred = _case(world, make, "HEMLIG-6", terms=TermsInput(new_due_date=date(2027, 7, 31)))
    secretary_actor = world.actor(secretary, "committee_secretary")
    meeting = meeting_services.meeting_create(secretary_actor, world.committee, meeting_date=date(2026, 12, 10),
                                              place="Salen")
    meeting_services.agenda_add(secretary_actor, meeting, referred, "Bevilja.")
    meeting_services.agenda_add_report(secretary_actor, meeting)
    urgent = _case(world, make, "HEMLIG-7", terms=TermsInput(new_due_date=date(2027, 7, 31)))
    meeting_services.case_mark_urgent(officer, urgent, "Vräkning hotar.")
    _bank_payment_of(world.customer.name)
    db.session.commit()

    cases = {"draft": draft, "consulting": consulting, "decided": decided, "plan": plan,
             "signed_plan": signed_plan, "referred": referred, "urgent": urgent}
    identity = world.customer.identity
    markers = [world.customer.name, identity.formatted(), world.customer.identity_number,
               format_amount(AMOUNT_ORE), "12345,67", *[f"HEMLIG-{n}" for n in range(1, 8)],
               *[c.registry_number for c in cases.values() if c.registry_number]]
    letter = documents_for("decision", decision.id)[0]
    return Leak(world, world.customer.id, {k: c.id for k, c in cases.items()}, attachment.id, letter.id,
                meeting.id, markers)


def _bank_payment_of(payer_name: str) -> None:
    """A bank payment from the customer that named no invoice: listed for the finance roles only."""
    from portal.audit.services import SYSTEM
    from portal.receivables import imports
    from portal.receivables.models import BankPayment

    ledger_import = imports.upload(SYSTEM, data=b"01BGMAX", file_name="bgmax.txt", kind="payments",
                                   mapping_id=None)
    db.session.add(BankPayment(key="leak", import_id=ledger_import.id, line=3, receiving_bankgiro="9912346",
                               deposit_date=date(2026, 11, 20), amount_ore=AMOUNT_ORE, reference="1",
                               reference_type="ocr", payer_name=payer_name))
    db.session.flush()


def _urls(leak: Leak) -> list[str]:
    """Every list, search, count, queue, export, partial and object page where a case can show."""
    sn, unit = leak.world.committee.id, leak.world.unit.id
    c = leak.cases
    return [
        "/", "/arenden/mina-koer",
        "/arenden/", "/arenden/?sida=2", f"/arenden/?committee_id={sn}", f"/arenden/?unit_id={unit}",
        "/arenden/?state=awaiting_consultation", "/arenden/?state=granted", "/arenden/?state=draft",
        "/arenden/?amount_min=12345&amount_max=12346",
        "/arenden/att-verkstalla.csv", "/arenden/vantar-pa-underskrift", "/arenden/beslutsbrev?dag=2026-11-23",
        "/kunder/?q=%C3%85sa", f"/kunder/{leak.customer_id}",
        *[f"/arenden/{case_id}" for case_id in c.values()],
        f"/arenden/bilagor/{leak.attachment_id}", f"/arenden/{c['signed_plan']}/avtal/skanning",
        f"/dokument/{leak.letter_id}",
        "/sammantraden/", f"/sammantraden/namnder/{sn}", f"/sammantraden/{leak.meeting_id}",
        f"/sammantraden/{leak.meeting_id}/arenden/{c['referred']}", f"/sammantraden/namnder/{sn}/delegationsbeslut",
        *[f"/sammantraden/arenden/{case_id}/bradskande-beslut" for case_id in c.values()],
        "/delegation/", "/delegation/vem-far-besluta", "/organisation/",
        # Receivables' finance pages: bank payments waiting for a person (the payer's name is the
        # customer's), imports, mappings.
        "/import/", "/import/bankbetalningar/", "/import/mappningar/", "/kunder/planer",
    ]


READERS = ["chef.syd", "bun.chef", "bun.forvchef", "bun.ordf", "bun.sekr", "admin"]


def _leaks(body: str, markers: list[str], typed: str = "") -> list[str]:
    """The markers found in a page, apart from what the reader typed (a search box shows it back)."""
    body = body.replace(typed, "") if typed else body
    return [m for m in markers if m in body]


@pytest.mark.parametrize("reader", READERS)
def test_a_reader_of_another_unit_or_committee_sees_nothing_of_the_case_anywhere(client, leak, reader):
    client.login(reader)
    for url in _urls(leak):
        # The case list's htmx partial comes from the same query: ask for it too.
        partial = ({"HX-Request": "true", "HX-Target": "case-list"},) if "?" in url or url == "/arenden/" else ()
        for headers in ({}, *partial):
            response = client.get(url, headers=headers)
            assert response.status_code in (200, 403, 404), (url, response.status_code)
            found = _leaks(response.get_data(as_text=True), leak.markers)
            assert not found, f"{reader} sees {found} at {url}"


def _search(client, term: str, **headers):
    """The case search is posted (a personnummer never goes into an address); follow to the results."""
    return client.post_form("/arenden/", {"q": term}, headers=headers, follow_redirects=not headers)


@pytest.mark.parametrize("reader", ["chef.syd", "bun.chef", "bun.forvchef"])
def test_the_case_list_counts_and_finds_nothing_of_theirs(client, leak, reader):
    """Those who may list cases get the list, and it counts none of the other unit's cases, whatever
    they search for: the name, the registry number, the invoice number or the personnummer."""
    client.login(reader)
    identity = leak.world.customer.identity
    registry = leak.markers[-1]
    for term in (leak.world.customer.name, registry, identity.formatted(), leak.world.customer.identity_number,
                 "HEMLIG-3"):
        for headers in ({}, {"HX-Request": "true", "HX-Target": "case-list"}):
            response = _search(client, term, **headers)
            assert response.status_code == 200
            page = response.get_data(as_text=True)
            assert "0 ärenden" in page, (reader, term)
            assert not _leaks(page, leak.markers, typed=term), (reader, term)


def test_the_units_own_head_and_the_case_officer_do_see_them(client, leak):
    """The walk above is not empty because the lists are: the same pages show the cases to their readers."""
    client.login("chef.norr")
    page = client.get("/arenden/").get_data(as_text=True)
    assert leak.world.customer.name in page and "7 ärenden" in page
    client.post_form("/logga-ut")
    client.login("handlaggare")
    page = _search(client, leak.world.customer.identity.formatted()).get_data(as_text=True)
    assert "7 ärenden" in page  # the six submitted and the draft, which has no number yet
    assert all(number in page for number in leak.markers[-6:])
    page = _search(client, leak.markers[-1]).get_data(as_text=True)
    assert "1 ärende" in page and leak.markers[-1] in page  # the search does narrow the list
