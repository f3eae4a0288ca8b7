"""Queries per page do not grow with the rows shown or the size of the queue (issue 14: no N+1).

Each test counts the SQL statements one request sends, on a small world and again after more rows
(cases waiting, invoices, customers, agenda items) were added, and asserts the two counts are equal.
A page that asked the engine, or the database, once more per row would send more the second time.
No timing is asserted here: speed is measured in bench/.
"""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from sqlalchemy import event, select

from portal.cases import services as case_services
from portal.cases.rules import Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.extensions import db
from portal.meetings import services as meeting_services
from tests import factories
from tests.meetings.conftest import world  # noqa: F401  (the cases' world with a secretary and a chair)


@contextlib.contextmanager
def counting():
    """Count the statements sent on the database connection while the block runs."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    target = db.engine
    event.listen(target, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(target, "before_cursor_execute", count)


class Sent(list):
    """The statements one request sent; equal to another request's when as many were sent, and on
    failure the statements of both are shown (so the one repeated per row is easy to find)."""

    def __eq__(self, other) -> bool:
        return len(self) == len(other)

    def __repr__(self) -> str:
        return f"{len(self)} statements:\n" + "\n".join(" ".join(s.split())[:160] for s in self)


def queries_for(client, url: str) -> Sent:
    """The statements of one request with the menu's count not kept (home.menu_count): the count's
    worst case, asking the engine, is part of every page measured."""
    with client.session_transaction() as session:
        session.pop("menu_count", None)
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return Sent(statements)


def _officer(world):
    return world.actor(world.officer, "case_officer")


def _waiting(world, customer=None, invoices: int = 1, consulted: bool = True):
    """A deferral awaiting the unit head's decision, on invoices of its own of its own customer."""
    customer = customer or factories.customer()
    lines = [factories.invoice(customer, world.unit, world.category, due_date=date(2026, 10, 31),
                               original_ore=1_000_00) for _ in range(invoices)]
    ids = [invoice.id for invoice in lines]
    case = case_services.case_create(_officer(world), customer=customer, case_type=CaseType.DEFERRAL,
                                     invoice_ids=ids, terms=TermsInput(), reasons="Sjukdom.")
    case_services.case_update(_officer(world), case, invoice_ids=ids, terms=TermsInput(new_due_date=date(2027, 1, 31)),
                              reasons="Sjukdom i familjen.")
    case_services.case_submit(_officer(world), case)
    if consulted:
        case_services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    return case


def _granted(world, customer=None):
    """A case the unit head granted: the next case of the customer has a decision behind it."""
    case = _waiting(world, customer)
    return case_services.case_decide(world.actor(world.unit_head), case, case_services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Skäl finns.", no_conflict_confirmed=True))


def _more_waiting(world, count: int) -> None:
    """More cases in the queue, some of customers with earlier grants and other unpaid debt."""
    for number in range(count):
        customer = factories.customer()
        if number % 2:
            _granted(world, customer)
            factories.invoice(customer, world.unit, world.category, due_date=date(2026, 9, 30))
        _waiting(world, customer, invoices=1 + number % 3)
    db.session.commit()


def _as(client, username: str) -> None:
    client.post_form("/logga-ut")
    client.login(username)


def test_mina_uppgifter_sends_as_many_queries_for_a_long_queue_as_for_a_short_one(client, world):
    _waiting(world)
    _waiting(world, consulted=False)
    db.session.commit()
    _as(client, "chef.norr")
    short = queries_for(client, "/")
    assert "SN 2026/1" in client.get("/").get_data(as_text=True)
    _more_waiting(world, 6)
    page = client.get("/").get_data(as_text=True)
    assert page.count("/arenden/") >= 7
    assert queries_for(client, "/") == short


@pytest.mark.parametrize("username", ["chef.norr", "socialchef", "ekonom", "handlaggare"])
def test_mina_uppgifter_is_constant_for_every_kind_of_reader(client, world, username):
    # Every list of the page has a row to begin with: an empty list sends no query for its rows'
    # relations, so "none" against "some" is not what this test is about.
    _waiting(world)
    _waiting(world, consulted=False)
    _granted(world)
    db.session.commit()
    _as(client, username)
    short = queries_for(client, "/")
    _more_waiting(world, 5)
    assert queries_for(client, "/") == short


@pytest.mark.parametrize("username", ["chef.norr", "handlaggare"])
def test_the_case_list_is_constant_in_the_rows_shown(client, world, username):
    _waiting(world)
    db.session.commit()
    _as(client, username)
    short = queries_for(client, "/arenden/")
    _more_waiting(world, 6)
    assert queries_for(client, "/arenden/") == short
    assert queries_for(client, "/arenden/?q=SN+2026%2F2") == queries_for(client, "/arenden/?q=SN+2026%2F3")


def test_the_case_page_is_constant_in_its_invoices_and_the_queue(client, world):
    small = _waiting(world)
    large = _waiting(world, invoices=4)
    db.session.commit()
    _as(client, "chef.norr")
    before = queries_for(client, f"/arenden/{small.id}")
    assert queries_for(client, f"/arenden/{large.id}") == before
    _more_waiting(world, 6)
    assert queries_for(client, f"/arenden/{small.id}") == before


def test_the_customer_page_is_constant_in_invoices_and_cases(client, world):
    _waiting(world, world.customer)
    db.session.commit()
    _as(client, "handlaggare")
    url = f"/kunder/{world.customer.id}"
    before = queries_for(client, url)
    for _ in range(3):
        _waiting(world, world.customer, invoices=2)
    _granted(world, world.customer)
    db.session.commit()
    assert queries_for(client, url) == before


def _search(client, text: str) -> str:
    response = client.post_form("/kunder/", {"q": text})
    assert response.status_code in (302, 303)
    return response.headers["Location"]


def test_customer_search_is_constant_in_the_customers_found(client, world):
    factories.customer("Berit Lindgren")
    db.session.commit()
    _as(client, "handlaggare")
    before = queries_for(client, _search(client, "Lindgren"))
    for number in range(6):
        customer = factories.customer(f"Karl Lindgren {number}")
        factories.invoice(customer, world.unit, world.category, due_date=date(2026, 10, 31))
    db.session.commit()
    url = _search(client, "Lindgren")
    assert client.get(url).get_data(as_text=True).count("Lindgren") >= 7
    assert queries_for(client, url) == before


def test_the_meeting_page_is_constant_in_its_agenda_and_report(client, world):
    from tests.meetings.conftest import delegated, referred

    meeting = meeting_services.meeting_create(world.actor(world.secretary), world.committee,
                                              meeting_date=date(2026, 12, 10), place="Salen")

    def add(count: int) -> None:
        for _ in range(count):
            case = referred(world, factories.invoice(world.customer, world.unit, world.category,
                                                     due_date=date(2026, 10, 31)))
            meeting_services.agenda_add(world.actor(world.secretary), meeting, case, "Bevilja anstånd.")
            delegated(world, factories.invoice(world.customer, world.unit, world.category,
                                               due_date=date(2026, 10, 31)))
        db.session.commit()

    add(1)
    meeting_services.agenda_add_report(world.actor(world.secretary), meeting)
    db.session.commit()
    _as(client, "sekr")
    url = f"/sammantraden/{meeting.id}"
    before = queries_for(client, url)
    add(4)
    assert queries_for(client, url) == before


def test_the_planned_meetings_waiting_list_is_constant_and_paged(client, world, monkeypatch):
    """The secretary's planned meeting lists what waits for an agenda a page at a time, grouped by
    type, in as many queries for many waiting cases as for one."""
    from portal.meetings import queries as meeting_queries
    from tests.meetings.conftest import referred

    monkeypatch.setattr(meeting_queries, "WAITING_PER_PAGE", 2)
    meeting = meeting_services.meeting_create(world.actor(world.secretary), world.committee,
                                              meeting_date=date(2026, 12, 10), place="Salen")
    referred(world, factories.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31)))
    db.session.commit()
    _as(client, "sekr")
    url = f"/sammantraden/{meeting.id}"
    before = queries_for(client, url)
    for _ in range(4):
        referred(world, factories.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31)))
    db.session.commit()
    assert queries_for(client, url) == before
    assert client.get(url).get_data(as_text=True).count('name="matter_id"') == 2


def test_the_queue_asks_the_engine_on_the_same_facts_as_the_case_page(app, world):
    """The facts read for every waiting case at once are those read for each case alone."""
    from portal.cases.models import Case
    from portal.cases.routing import facts_for, known_facts
    from portal.cases.rules import CaseState

    _waiting(world, world.customer)
    _more_waiting(world, 5)
    user = factories.user("kund.som.anvandare", full_name="Kund Användare")
    user.identity_number = world.customer.identity_number
    db.session.flush()
    cases = list(db.session.scalars(select(Case).where(Case.state == CaseState.AWAITING_DECISION.value)))
    day = date(2026, 11, 23)
    known = known_facts(cases, day)
    together = [facts_for(case, day, known=known) for case in cases]
    assert together == [facts_for(case, day) for case in cases]
    assert {f.granted_cases_twelve_months for f in together} == {0, 1}
    assert {f.has_other_unpaid_debt for f in together} == {False, True}
    assert user.id in {f.customer_person_id for f in together}


def _report_issued(world, day: date, decisions: int):
    """A meeting on `day` whose issued report lists `decisions` new delegated decisions."""
    from portal.documents.models import DocumentKind
    from tests.meetings.conftest import delegated

    for _ in range(decisions):
        delegated(world, factories.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31)))
    secretary = world.actor(world.secretary)
    meeting = meeting_services.meeting_create(secretary, world.committee, meeting_date=day, place="Salen")
    meeting_services.agenda_add_report(secretary, meeting)
    meeting_services.meeting_document_issue(secretary, meeting, DocumentKind.DELEGATION_REPORT)
    db.session.commit()
    return meeting


def test_the_committee_report_is_constant_in_meetings_and_decisions(client, world):
    from tests.meetings.conftest import delegated

    _report_issued(world, date(2026, 12, 3), 1)
    delegated(world, factories.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31)))
    db.session.commit()
    _as(client, "sekr")
    url = f"/sammantraden/namnder/{world.committee.id}/delegationsbeslut"
    before = queries_for(client, url)
    for day in (date(2026, 12, 10), date(2026, 12, 17), date(2027, 1, 14)):
        _report_issued(world, day, 2)
    for _ in range(3):
        delegated(world, factories.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31)))
    db.session.commit()
    assert client.get(url).get_data(as_text=True).count("/sammantraden/") >= 4
    assert queries_for(client, url) == before


def test_an_issued_reports_meeting_page_is_constant_in_its_lines(client, world):
    small = _report_issued(world, date(2026, 12, 10), 1)
    large = _report_issued(world, date(2026, 12, 17), 4)
    _as(client, "sekr")
    assert queries_for(client, f"/sammantraden/{large.id}") == queries_for(client, f"/sammantraden/{small.id}")


def test_the_queues_pages_are_constant_in_the_page_and_the_queue(client, world, monkeypatch):
    from portal.cases import queries as case_queries
    from portal.home import queries as home_queries

    monkeypatch.setattr(case_queries, "QUEUE_SIZE", 2)
    monkeypatch.setattr(home_queries, "LIST_SIZE", 2)
    for _n in range(3):
        _waiting(world)
        _waiting(world, consulted=False)
    db.session.commit()
    for username, url in (("chef.norr", "/?beslut_sida={}"), ("ekonom", "/?samrad_sida={}"),
                          ("handlaggare", "/?mina_sida={}&utkast_sida={}")):
        _as(client, username)
        first = queries_for(client, url.format(1, 1))
        assert queries_for(client, url.format(2, 2)) == first
        _more_waiting(world, 4)
        assert queries_for(client, url.format(2, 2)) == first
        assert queries_for(client, url.format(4, 4)) == first
