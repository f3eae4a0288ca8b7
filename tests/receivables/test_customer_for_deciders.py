"""A decider sees the customer of the case she must decide (RULINGS 10): the debts to the case's own
committee in detail, to other committees as one total, and nothing of a customer she has no case of."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.cases import services as case_services
from portal.cases.rules import Outcome
from portal.extensions import db
from portal.receivables.models import CustomerView
from tests.meetings.conftest import at, deferral, world  # noqa: F401


def _ready(world, make):
    """A deferral awaiting chef.norr's decision; the customer also owes the other committee (BUN)
    an open invoice, a paid one and a written-off one."""
    case = deferral(world, date(2026, 12, 31))
    case_services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    school = make.unit(world.other_committee, name="Förskola Solen")
    make.invoice(world.customer, school, world.category, number="BUN-1", original_ore=1_234_00)
    make.invoice(world.customer, school, world.category, number="BUN-2", original_ore=9_000_00, stage="paid")
    make.invoice(world.customer, school, world.category, number="BUN-3", original_ore=7_000_00,
                 stage="written_off")
    make.invoice(world.customer, world.other_unit, world.category, number="SN-2", original_ore=500_00)
    db.session.commit()
    return case


def _denied(customer_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "access.denied", AuditEntry.object_type == "customer",
        AuditEntry.object_id == str(customer_id)).order_by(AuditEntry.id)))


def test_the_decider_follows_the_customer_link_and_sees_her_committees_debts_in_detail(client, world, make):
    case = _ready(world, make)
    client.login("chef.norr")
    show = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert f'href="/kunder/{world.customer.id}"' in show
    response = client.get(f"/kunder/{world.customer.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Du ser kunden som beslutsfattare: skulderna till Socialnämnden i detalj" in page
    assert world.invoice.invoice_number in page and "SN-2" in page
    # The other committee: one total of what is open (paid and written-off invoices never count).
    assert "BUN-1" not in page and "Förskola Solen" not in page
    assert 'id="total-others">1\xa0234,00\xa0kr' in page
    assert 'id="total-open">3\xa0500,00\xa0kr' in page
    # No full identity number and no address for a decider.
    assert world.customer.identity.formatted() not in page and "Storgatan 1" not in page
    [view] = db.session.scalars(select(CustomerView).where(CustomerView.customer_id == world.customer.id))
    assert view.capacity == "decider"


def test_the_start_page_links_the_customer_of_each_case_to_decide(client, world, make):
    _ready(world, make)
    client.login("chef.norr")
    page = client.get("/").get_data(as_text=True)
    assert f'href="/kunder/{world.customer.id}"' in page
    assert "andra nämnder sammanlagt 1\xa0234,00\xa0kr" in page  # the paid and written-off are not counted


def test_a_stand_in_for_the_absent_holder_sees_the_customer(client, world, make):
    make.absence(world.unit_head, date(2026, 11, 20), date(2026, 12, 4), standin=world.other_head)
    _ready(world, make)
    client.login("chef.syd")
    page = client.get(f"/kunder/{world.customer.id}").get_data(as_text=True)
    assert "Du ser kunden som beslutsfattare" in page and "BUN-1" not in page


def test_a_reader_of_another_unit_or_committee_gets_403_and_the_refusal_is_recorded(app, world, make):
    _ready(world, make)
    for username in ("chef.syd", "bun.ledamot", "ledamot", "sekr"):
        client = app.test_client()
        client.login(username)
        assert client.get(f"/kunder/{world.customer.id}").status_code == 403, username
    denied = _denied(world.customer.id)
    assert sorted(entry.actor_name for entry in denied) == ["bun.ledamot", "chef.syd", "ledamot", "sekr"]
    assert all(entry.after["permission"] == "customer.view" for entry in denied)
    assert db.session.scalars(select(CustomerView)).all() == []


def test_a_case_in_consultation_gives_the_decider_no_sight_of_the_customer_yet(client, world, make):
    deferral(world, date(2026, 12, 31))
    db.session.commit()
    client.login("chef.norr")
    assert client.get(f"/kunder/{world.customer.id}").status_code == 403


def test_the_decider_keeps_sight_for_30_days_after_her_decision_then_loses_it(client, world, make):
    case = _ready(world, make)
    case_services.case_decide(world.actor(world.unit_head), case, case_services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Skäl finns.", no_conflict_confirmed=True))
    db.session.commit()
    client.login("chef.norr")
    assert client.get(f"/kunder/{world.customer.id}").status_code == 200
    at(world, case.decision.decision_date + timedelta(days=29))
    assert client.get(f"/kunder/{world.customer.id}").status_code == 200
    at(world, case.decision.decision_date + timedelta(days=30))
    assert client.get(f"/kunder/{world.customer.id}").status_code == 403


def test_a_decider_of_one_customer_gets_403_on_another_customer(client, world, make):
    _ready(world, make)
    stranger = make.customer("Per Persson")
    make.invoice(stranger, world.unit, world.category, number="SN-9")
    db.session.commit()
    client.login("chef.norr")
    assert client.get(f"/kunder/{stranger.id}").status_code == 403
    assert len(_denied(stranger.id)) == 1


def test_the_case_officer_still_sees_the_whole_customer(client, world, make):
    _ready(world, make)
    client.login("handlaggare")
    page = client.get(f"/kunder/{world.customer.id}").get_data(as_text=True)
    assert "BUN-1" in page and "Storgatan 1" in page and "beslutsfattare" not in page
