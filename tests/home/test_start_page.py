"""Mina uppgifter per role: what each role finds on the start page, and what it must not find."""

from __future__ import annotations

from datetime import date

from portal.auth.roles import Role
from portal.cases import services as case_services
from portal.cases.rules import Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.extensions import db
from portal.meetings import services as meeting_services
from tests.meetings.conftest import delegated, deferral, referred, world  # noqa: F401


def _page(client, username: str) -> str:
    client.login(username)
    return client.get("/").get_data(as_text=True)


def _plan(world, decided_by=None):
    officer = world.actor(world.officer, "case_officer")
    case = case_services.case_create(officer, customer=world.customer, case_type=CaseType.INSTALMENT_PLAN,
                                     invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Arbetslös.")
    case_services.case_update(officer, case, invoice_ids=[world.invoice.id], reasons="Arbetslös.",
                              terms=TermsInput(first_due_date=date(2026, 12, 31), instalments=6))
    case_services.case_submit(officer, case)
    if decided_by is not None:
        case_services.case_decide(world.actor(decided_by), case, case_services.DecisionInput(
            outcome=Outcome.GRANTED, reasons="Ryms i riktlinjerna.", no_conflict_confirmed=True))
    return case


def test_the_case_officer_finds_her_cases_on_their_way_and_the_plans_awaiting_signature(client, world, make):
    waiting = deferral(world, date(2027, 1, 31))
    other_invoice = make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31),
                                 original_ore=2_000_00)
    world.invoice = other_invoice
    plan = _plan(world, decided_by=world.unit_head)
    db.session.commit()
    world.clock.set(world.clock.instant.replace(day=28))
    page = _page(client, "handlaggare")
    assert "Mina ärenden under handläggning" in page and waiting.registry_number in page
    assert "Planer som väntar på kundens underskrift" in page
    assert plan.registry_number in page and "beslutad för 5 dagar sedan" in page
    # Not hers to do: no secretary's or director's lists.
    assert "Delegationsordningar och referensdata" not in page and "inte anmälda" not in page


def test_the_officer_does_not_see_another_officers_cases_as_hers(client, world):
    deferral(world, date(2027, 1, 31))
    db.session.commit()
    page = _page(client, "utomstaende")
    assert "Inget av dina ärenden väntar på samråd, beslut eller nämnden." in page
    assert "SN 2026/1" not in page


def test_the_decider_sees_the_customers_debt_to_the_committee_and_to_others_as_one_total(client, world, make):
    case = deferral(world, date(2026, 12, 31))
    case_services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    other_unit = make.unit(world.other_committee, name="Förskola")
    make.invoice(world.customer, other_unit, world.category, due_date=date(2026, 9, 30), original_ore=1_234_00)
    make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 12, 31), original_ore=500_00)
    db.session.commit()
    page = _page(client, "chef.norr")
    assert case.registry_number in page
    assert "Kunden är skyldig SN 3\xa0500,00\xa0kr på 2 fakturor (3\xa0000,00\xa0kr förfallet)" in page
    assert "andra nämnder sammanlagt 1\xa0234,00\xa0kr" in page
    assert "Förskola" not in page  # the other committee's invoices are not shown one by one


def test_the_decider_sees_decisions_of_the_last_30_days_and_where_she_stands_in_until_when(client, world, make):
    delegated(world)
    make.absence(world.other_head, date(2026, 11, 20), date(2026, 12, 4), standin=world.unit_head)
    db.session.commit()
    page = _page(client, "chef.norr")
    assert "Mina beslut de senaste 30 dagarna" in page and "SN 2026/1" in page
    assert "till och med 2026-12-04" in page
    assert "Sara Sjöberg är frånvarande, du är ersättare" in page
    world.clock.set(world.clock.instant.replace(month=12, day=24))
    assert "Mina beslut de senaste 30 dagarna" not in client.get("/").get_data(as_text=True)


def test_the_holder_sees_her_own_absence(client, world, make):
    make.absence(world.other_head, date(2026, 11, 20), None)
    db.session.commit()
    page = _page(client, "chef.syd")
    assert "Mina frånvaron" in page and "Du är frånvarande" in page and "tills vidare" in page
    # Once, in the page's content: the page's title is its name alone.
    assert page.count('id="absences-heading"') == 1
    title = page[page.index("<title>"):page.index("</title>")]
    assert "frånvarande" not in title and "Mina uppgifter" in title


def test_the_secretary_finds_unreported_decisions_the_next_meeting_and_referred_cases(client, world):
    delegated(world)
    waiting = referred(world)
    meeting_services.meeting_create(world.actor(world.secretary, "committee_secretary"), world.committee,
                                    meeting_date=date(2026, 11, 30), place="Salen")
    db.session.commit()
    page = _page(client, "sekr")
    assert "1 delegationsbeslut är inte anmält" in page
    assert "Nästa sammanträde 2026-11-30" in page and "0 punkter på dagordningen" in page
    assert "anmälan av delegationsbeslut står inte på dagordningen" in page
    assert "1 hänskjutet ärende väntar på en dagordning" in page and waiting.registry_number in page
    assert "Mina ärenden under handläggning" not in page


def test_the_finance_officer_finds_payments_to_match_and_the_latest_import(client, world):
    from portal.receivables import imports

    imports.upload(world.actor(world.finance, "finance_officer"), data="a;b\n1;2\n".encode(), file_name="r.csv",
                   kind="ledger", mapping_id=None)
    db.session.commit()
    page = _page(client, "ekonom")
    assert "0 bankbetalningar väntar på att matchas" in page and "senast 2026-11-23 11:00" in page
    assert "Mina ärenden under handläggning" not in page and "Granskningsloggen" not in page


def test_the_finance_director_is_told_of_drafts_and_a_missing_reference_rate(client, world, make):
    director = make.user("ekonomichef", Role.FINANCE_DIRECTOR)
    make.scheme_version(world.committee, state="draft", valid_from=None)
    db.session.commit()
    page = _page(client, director.username)
    assert "Ett utkast för Socialnämnden väntar på att publiceras" in page
    assert "Referensräntan för halvåret från 2027-01-01 saknas" in page


def test_the_auditor_gets_links_to_the_trail(client, world, make):
    make.user("revisor", Role.AUDITOR)
    db.session.commit()
    page = _page(client, "revisor")
    assert "/granskning/logg" in page and "/granskning/kedjan" in page
    assert "Mina ärenden under handläggning" not in page


def test_the_secretarys_and_the_officers_start_page_send_as_many_queries_for_many_cases_as_for_few(client, world,
                                                                                                make):
    from tests.test_query_counts import queries_for

    def another_invoice():
        return make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31),
                            original_ore=1_000_00)

    delegated(world)
    referred(world, another_invoice())
    meeting_services.meeting_create(world.actor(world.secretary, "committee_secretary"), world.committee,
                                    meeting_date=date(2026, 11, 30), place="Salen")
    db.session.commit()
    client.login("sekr")
    few = queries_for(client, "/")
    for _n in range(4):
        delegated(world, another_invoice())
        referred(world, another_invoice())
    db.session.commit()
    assert queries_for(client, "/") == few
    client.post_form("/logga-ut")
    client.login("handlaggare")
    assert queries_for(client, "/") == queries_for(client, "/")  # warm
    officer_many = queries_for(client, "/")
    for _n in range(3):
        referred(world, another_invoice())
    db.session.commit()
    assert queries_for(client, "/") == officer_many


def test_the_menu_counts_what_waits(client, world, make):
    case = deferral(world, date(2026, 12, 31))
    case_services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    db.session.commit()
    client.login("chef.norr")
    page = client.get("/arenden/").get_data(as_text=True)
    # Counted on the server with the page, so it shows without JavaScript; htmx refreshes it.
    badge = '<span class="badge">1<span class="visually-hidden"> väntar</span></span>'
    assert 'hx-get="/antal-uppgifter"' in page and page.count(badge) == 2  # the wide menu and the phone's
    count = client.get("/antal-uppgifter", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<span class="badge">1<span class="visually-hidden"> väntar</span></span>' in count
    client.post_form("/logga-ut")
    client.login("utomstaende")
    assert "badge" not in client.get("/antal-uppgifter").get_data(as_text=True)
