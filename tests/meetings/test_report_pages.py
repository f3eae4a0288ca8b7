"""The delegation report at scale (issue 14): the committee's report paged by meeting, newest first;
a meeting's report lines paged; "not yet reported" counted in one statement by an index, batch
write-offs included (RULINGS 17, 18)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select, text

from portal.cases.models import Case, Decision
from portal.documents.models import DocumentKind
from portal.extensions import db
from portal.meetings import delegation_report, queries, services
from tests.meetings.conftest import delegated
from tests.test_query_counts import counting


def _as(client, username):
    client.post_form("/logga-ut")
    client.login(username)


def _reported_at(world, day: date, decisions: int = 1):
    """A meeting on `day` whose issued report lists `decisions` new delegated decisions."""
    made = [delegated(world) for _ in range(decisions)]
    secretary = world.actor(world.secretary)
    meeting = services.meeting_create(secretary, world.committee, meeting_date=day, place="Salen")
    services.agenda_add_report(secretary, meeting)
    services.meeting_document_issue(secretary, meeting, DocumentKind.DELEGATION_REPORT)
    return meeting, made


def _report_url(world, page=None) -> str:
    url = f"/sammantraden/namnder/{world.committee.id}/delegationsbeslut"
    return url if page is None else f"{url}?sida={page}"


def test_issuing_the_report_marks_each_decision_with_its_meeting(app, world):
    meeting, [decision] = _reported_at(world, date(2026, 12, 10))
    assert decision.reported_meeting_id == meeting.id
    assert delegation_report.unreported_totals(world.committee.id) == []
    [total] = delegation_report.reported_totals([meeting.id])[meeting.id]
    assert (total.rule_number, total.count, total.amount_ore) == ("1.1", 1, decision.amount_ore)


def test_the_committee_report_pages_by_meeting_newest_first(client, world, monkeypatch):
    monkeypatch.setattr(delegation_report, "REPORT_MEETINGS_PER_PAGE", 2)
    days = [date(2026, 12, 3), date(2026, 12, 10), date(2026, 12, 17)]
    for day in days:
        _reported_at(world, day)
    db.session.commit()
    _as(client, "ledamot")
    first = client.get(_report_url(world)).get_data(as_text=True)
    assert "2026-12-17" in first and "2026-12-10" in first and "2026-12-03" not in first
    assert first.index("2026-12-17") < first.index("2026-12-10")
    assert "Sida 1 av 2" in first and f'{_report_url(world, 2)}" rel="next"' in first
    second = client.get(_report_url(world, 2)).get_data(as_text=True)
    assert "2026-12-03" in second and "2026-12-17" not in second and 'rel="prev"' in second
    # A page number past the end or not a number is no error.
    assert client.get(_report_url(world, 99)).status_code == 200
    assert "2026-12-17" in client.get(_report_url(world, "x")).get_data(as_text=True)


def test_each_meeting_on_the_committee_report_shows_its_totals_and_links_to_its_decisions(client, world):
    meeting, made = _reported_at(world, date(2026, 12, 10), decisions=2)
    db.session.commit()
    _as(client, "ledamot")
    page = client.get(_report_url(world)).get_data(as_text=True)
    totals = page[page.index(f'id="reported{meeting.id}-totals-caption"'):]
    assert re.search(r"<td>1\.1</td><td>2</td>", totals)
    assert f"/sammantraden/{meeting.id}" in page
    assert made[0].case.registry_number not in page  # the lines are on the meeting's page
    meeting_page = client.get(f"/sammantraden/{meeting.id}").get_data(as_text=True)
    assert all(d.case.registry_number in meeting_page for d in made)


def test_a_meetings_report_lines_are_paged_with_every_groups_totals(client, world, monkeypatch):
    monkeypatch.setattr(delegation_report, "REPORT_LINES_PER_PAGE", 2)
    made = [delegated(world) for _ in range(3)]
    secretary = world.actor(world.secretary)
    meeting = services.meeting_create(secretary, world.committee, meeting_date=date(2026, 12, 10), place="Salen")
    services.agenda_add_report(secretary, meeting)
    db.session.commit()
    _as(client, "sekr")
    numbers = [d.case.registry_number for d in made]  # in the report's order: type, rule, date, id
    first = client.get(f"/sammantraden/{meeting.id}").get_data(as_text=True)
    assert [n for n in numbers if f"<td>{n}</td>" in first] == numbers[:2]
    assert re.search(r"<td>1\.1</td><td>3</td>", first) and "Sida 1 av 2" in first
    second = client.get(f"/sammantraden/{meeting.id}?sida=2").get_data(as_text=True)
    assert [n for n in numbers if f"<td>{n}</td>" in second] == numbers[2:]
    # Once issued, the same pages list what the report listed.
    services.meeting_document_issue(secretary, meeting, DocumentKind.DELEGATION_REPORT)
    later = delegated(world)
    db.session.commit()
    issued = client.get(f"/sammantraden/{meeting.id}?sida=2").get_data(as_text=True)
    assert f"<td>{numbers[2]}</td>" in issued and later.case.registry_number not in issued


def test_not_yet_reported_lists_the_first_lines_and_counts_them_all(client, world, monkeypatch):
    monkeypatch.setattr(delegation_report, "REPORT_LINES_PER_PAGE", 2)
    for _ in range(3):
        delegated(world)
    db.session.commit()
    _as(client, "ledamot")
    page = client.get(_report_url(world)).get_data(as_text=True)
    assert "De första 2 av 3 besluten visas" in page
    assert re.search(r"<td>1\.1</td><td>3</td>", page)


def test_not_yet_reported_is_one_statement(app, world):
    for _ in range(3):
        delegated(world)
    _reported_at(world, date(2026, 12, 10))
    delegated(world)
    with counting() as statements:
        totals = delegation_report.unreported_totals(world.committee.id)
    assert len(statements) == 1
    assert [(t.rule_number, t.count) for t in totals] == [("1.1", 1)]
    with counting() as statements:
        counts = delegation_report.unreported_counts({world.committee.id, world.other_committee.id})
    assert len(statements) == 1 and counts == {world.committee.id: 1}


def test_not_yet_reported_is_read_by_the_index_on_postgresql(app, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    delegated(world)
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    query = (select(func.count(Decision.id)).join(Case, Case.id == Decision.case_id)
             .where(*delegation_report._unreported_cases([world.committee.id], None)))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = "\n".join(db.session.execute(text(f"EXPLAIN {compiled}")).scalars())
    assert "ix_decisions_reported_meeting_id" in plan, plan
