"""The start page's queues and lists a page at a time (issue 14/15): a fixed number a page, the whole
queue's count in the heading, Previous/Next links that keep the other lists' pages, a page past the
end showing the last, and nothing on any page that the reader may not see."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal.cases import queries as case_queries
from portal.cases import services as case_services
from portal.cases.rules import Outcome
from portal.extensions import db
from portal.home import queries as home_queries
from tests.meetings.conftest import deferral, world  # noqa: F401


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(case_queries, "QUEUE_SIZE", 2)
    monkeypatch.setattr(home_queries, "LIST_SIZE", 2)


def _waiting(world, consulted: bool = True):
    case = deferral(world, date(2026, 12, 31))
    if consulted:
        case_services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    return case


def _section(page: str, heading_id: str) -> str:
    """The text of one section of the page, from its heading to the next section."""
    start = page.index(f'id="{heading_id}"')
    end = page.find("<section", start)
    return page[start:end if end != -1 else len(page)]


def _numbers(text: str) -> list[str]:
    return re.findall(r"SN 2026/\d+", text)


def test_the_queue_to_decide_is_paged_with_the_whole_count(client, world):
    cases = [_waiting(world) for _ in range(5)]
    db.session.commit()
    client.login("chef.norr")
    first = _section(client.get("/").get_data(as_text=True), "to-decide-heading")
    assert '<span class="badge">5</span>' in first
    assert _numbers(first) == [cases[0].registry_number, cases[1].registry_number]
    assert "Sida 1 av 3" in first and 'href="/?beslut_sida=2#to-decide-heading" rel="next"' in first
    assert "(3 till)" in first and 'rel="prev"' not in first
    second = _section(client.get("/?beslut_sida=2").get_data(as_text=True), "to-decide-heading")
    assert _numbers(second) == [cases[2].registry_number, cases[3].registry_number]
    assert 'href="/?beslut_sida=1#to-decide-heading" rel="prev"' in second and "(1 till)" in second
    last = _section(client.get("/?beslut_sida=3").get_data(as_text=True), "to-decide-heading")
    assert _numbers(last) == [cases[4].registry_number] and 'rel="next"' not in last
    # Past the end: the last page; garbage: the first.
    assert _numbers(_section(client.get("/?beslut_sida=99").get_data(as_text=True), "to-decide-heading")) == \
        [cases[4].registry_number]
    assert _numbers(_section(client.get("/?beslut_sida=x").get_data(as_text=True), "to-decide-heading")) == \
        _numbers(first)


def test_each_queue_keeps_the_others_page_and_the_refresh_keeps_them_all(client, world):
    for _ in range(3):
        _waiting(world, consulted=False)
    db.session.commit()
    client.login("ekonom")
    page = client.get("/?samrad_sida=2&bokfor_sida=1").get_data(as_text=True)
    consult = _section(page, "consult-heading")
    assert '<span class="badge">3</span>' in consult and len(_numbers(consult)) == 1
    assert 'href="/?samrad_sida=1&amp;bokfor_sida=1#consult-heading" rel="prev"' in consult
    assert 'hx-get="/arenden/mina-koer?samrad_sida=2&amp;bokfor_sida=1"' in page
    partial = client.get("/arenden/mina-koer?samrad_sida=2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert len(_numbers(_section(partial, "consult-heading"))) == 1


def test_the_officers_lists_and_her_drafts_are_paged(client, world):
    for _ in range(3):
        _waiting(world, consulted=False)
    db.session.commit()
    client.login("handlaggare")
    page = client.get("/").get_data(as_text=True)
    submitted = _section(page, "submitted-heading")
    assert '<span class="badge">3</span>' in submitted and len(_numbers(submitted)) == 2
    assert 'href="/?mina_sida=2#submitted-heading" rel="next"' in submitted
    assert len(_numbers(_section(client.get("/?mina_sida=2").get_data(as_text=True), "submitted-heading"))) == 1


def test_a_reader_of_another_unit_sees_no_case_on_any_page(client, world):
    for _ in range(3):
        _waiting(world)
    db.session.commit()
    client.login("chef.syd")
    for url in ("/", "/?beslut_sida=2", "/?samrad_sida=2&bokfor_sida=2", "/arenden/mina-koer?beslut_sida=2"):
        page = client.get(url, headers={"HX-Request": "true"} if "koer" in url else {}).get_data(as_text=True)
        assert _numbers(page) == [], url
        assert '<span class="badge">0</span>' in _section(page, "to-decide-heading")


def test_plans_awaiting_signature_are_paged(client, world, make):
    officer = world.actor(world.officer, "case_officer")
    from portal.cases.terms import TermsInput
    from portal.delegation.engine_types import CaseType

    for _ in range(3):
        invoice = make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31),
                               original_ore=1_000_00)
        case = case_services.case_create(officer, customer=world.customer, case_type=CaseType.INSTALMENT_PLAN,
                                         invoice_ids=[invoice.id], terms=TermsInput(), reasons="Arbetslös.")
        case_services.case_update(officer, case, invoice_ids=[invoice.id], reasons="Arbetslös.",
                                  terms=TermsInput(first_due_date=date(2026, 12, 31), instalments=6))
        case_services.case_submit(officer, case)
        case_services.case_decide(world.actor(world.unit_head), case, case_services.DecisionInput(
            outcome=Outcome.GRANTED, reasons="Ryms i riktlinjerna.", no_conflict_confirmed=True))
    db.session.commit()
    client.login("handlaggare")
    page = client.get("/arenden/vantar-pa-underskrift").get_data(as_text=True)
    assert len(_numbers(page)) == 2 and "Sida 1 av 2" in page
    assert 'href="/arenden/vantar-pa-underskrift?sida=2#signature-heading" rel="next"' in page
    assert len(_numbers(client.get("/arenden/vantar-pa-underskrift?sida=2").get_data(as_text=True))) == 1
