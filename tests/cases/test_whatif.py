"""What if (issue 12): the committee's decided cases of the last 12 months asked again under a
draft, each compared with who decided it."""

from __future__ import annotations

from datetime import date

import pytest

from portal.auth.roles import Role
from portal.cases import services, whatif
from portal.cases.rules import Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.extensions import db
from tests.cases.conftest import build_world

TODAY = date(2026, 11, 23)


@pytest.fixture
def world(make, frozen_clock):
    """Two write-offs the unit head granted under rule 3.1 (up to 5 000 kr), one of another
    committee's; and a draft in which write-offs over 2 000 kr are the department head's."""
    world = build_world(make)
    world.director = make.user("ekonomichef", Role.FINANCE_DIRECTOR, full_name="Eva Ekström")
    small = make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31),
                         original_ore=1_000_00)
    world.large = _granted_write_off(world, world.invoice)  # 3 000 kr
    world.small = _granted_write_off(world, small)  # 1 000 kr
    draft = make.scheme_version(world.committee, state="draft", label="Utkast 2027")
    make.delegation_rule(draft, "3.1", case_type="write_off", max_amount_ore=2_000_00)
    make.delegation_rule(draft, "3.2", case_type="write_off", level=2, position_kind="department_head",
                         scope="issuing_department", max_amount_ore=10_000_00)
    world.draft = draft
    db.session.commit()
    return world


def _granted_write_off(world, invoice):
    officer = world.actor(world.officer, "case_officer")
    case = services.case_create(officer, customer=world.customer, case_type=CaseType.WRITE_OFF,
                                invoice_ids=[invoice.id], terms=TermsInput(), reasons="Dödsbo.")
    services.case_update(officer, case, invoice_ids=[invoice.id], reasons="Dödsbo utan tillgångar.",
                         terms=TermsInput(write_off_reason="deceased_without_assets", write_off_final=True))
    services.case_submit(officer, case)
    services.case_decide(world.actor(world.unit_head), case, services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Inga tillgångar.", no_conflict_confirmed=True))
    return case


def test_each_decided_case_is_asked_under_the_draft_on_its_decision_day(world):
    result = whatif.replay(world.draft, TODAY)
    by_case = {row.case.id: row for row in result.rows}
    assert by_case[world.small.id].change == whatif.Change.SAME
    assert by_case[world.large.id].change == whatif.Change.OTHER_LEVEL
    assert by_case[world.large.id].proposed == (("3.2", 2, (world.department_head.id,)),)
    assert result.counts[whatif.Change.SAME] == 1 and result.counts[whatif.Change.OTHER_LEVEL] == 1
    assert result.more == 0 and result.since == date(2025, 11, 24)


def test_a_draft_without_a_rule_for_the_type_sends_every_such_case_to_the_committee(world, make):
    for rule in list(world.draft.rules):
        db.session.delete(rule)
    make.delegation_rule(world.draft, "1.1", case_type="deferral", max_deferral_months=3)
    db.session.commit()
    db.session.refresh(world.draft)
    result = whatif.replay(world.draft, TODAY)
    assert {row.change for row in result.rows} == {whatif.Change.TO_COMMITTEE}


def test_cases_decided_more_than_12_months_ago_are_not_replayed(world):
    assert len(whatif.replay(world.draft, TODAY).rows) == 2
    assert whatif.replay(world.draft, date(2027, 11, 23)).rows == ()


def test_the_page_shows_the_counts_and_the_changed_cases_to_the_finance_director(world, client):
    client.login(world.director.username)
    page = client.get(f"/delegation/versioner/{world.draft.id}/vad-om").get_data(as_text=True)
    counts = page[page.index('id="whatif-counts"'):page.index("</table>", page.index('id="whatif-counts"'))]
    assert "En annan nivå</th><td class=\"number\">1" in counts.replace("\n", "")
    cases = page[page.index('id="whatif-cases"'):]
    assert world.large.registry_number in cases and world.small.registry_number not in cases
    assert "punkt 3.2, nivå 2: Sofia Strand" in cases
    every = client.get(f"/delegation/versioner/{world.draft.id}/vad-om?visa=alla").get_data(as_text=True)
    assert world.small.registry_number in every
    # Garbage in the query string is the default, never a 500.
    assert client.get(f"/delegation/versioner/{world.draft.id}/vad-om?visa=x&sida=-4").status_code == 200


@pytest.mark.parametrize("who", ["officer", "unit_head", "outsider"])
def test_only_those_who_write_schemes_may_replay(world, client, who):
    client.login(getattr(world, who).username)
    assert client.get(f"/delegation/versioner/{world.draft.id}/vad-om").status_code == 403


def test_the_draft_page_links_to_the_replay(world, client):
    client.login(world.director.username)
    page = client.get(f"/delegation/versioner/{world.draft.id}").get_data(as_text=True)
    assert f"/delegation/versioner/{world.draft.id}/vad-om" in page
