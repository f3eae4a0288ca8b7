"""The menu's count of what waits (home.menu_count): the engine's part is kept in the person's session
and used again only while nothing it was computed from has changed. Each test tries to make the kept
number wrong: a case arriving, leaving, decided by another, an absence that moves the stand-in, the
person's own request, time, another person in the same browser."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal.cases import queries as case_queries
from portal.cases import services as case_services
from portal.cases.rules import Outcome
from portal.extensions import db
from portal.home import menu_count
from tests.meetings.conftest import deferral, world  # noqa: F401


def _menu_count(client, url: str = "/arenden/") -> int:
    """The number beside "Mina uppgifter" as the page's menu shows it (0 when there is none)."""
    page = client.get(url).get_data(as_text=True)
    assert 'hx-get="/antal-uppgifter"' in page
    found = re.findall(r'<span class="badge">(\d+)<span class="visually-hidden"> väntar</span></span>', page)
    return int(found[0]) if found else 0


@pytest.fixture
def verdicts(monkeypatch):
    """How many times the engine was asked whether someone may decide a case."""
    calls = []
    original = case_queries.may_decide

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(case_queries, "may_decide", counted)
    return calls


def _waiting(world, new_due=date(2026, 12, 31)):
    case = deferral(world, new_due)
    case_services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    return case


def test_the_count_is_kept_between_pages_without_asking_the_engine_again(client, world, verdicts):
    _waiting(world)
    db.session.commit()
    client.login("chef.norr")
    assert _menu_count(client) == 1
    asked = len(verdicts)
    assert asked >= 1
    assert _menu_count(client, "/kunder/") == 1 and _menu_count(client) == 1
    assert len(verdicts) == asked  # the same number, from the session


def test_a_case_arriving_or_decided_by_another_shows_at_once(client, world, make):
    first = _waiting(world)
    db.session.commit()
    client.login("chef.norr")
    assert _menu_count(client) == 1
    _waiting(world)
    db.session.commit()
    assert _menu_count(client) == 2  # a new case in the queue changes what the count was read from
    # The department head may decide it too (rule 1.2 is a level above): once decided, it is gone.
    case_services.case_decide(world.actor(world.department_head), first, case_services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Skäl finns.", no_conflict_confirmed=True))
    db.session.commit()
    assert _menu_count(client) == 1


def test_an_absence_moves_the_count_to_the_stand_in_at_once(client, world, make):
    _waiting(world)
    db.session.commit()
    client.login("chef.syd")
    assert _menu_count(client) == 0
    make.absence(world.unit_head, date(2026, 11, 20), date(2026, 12, 4), standin=world.other_head)
    db.session.commit()
    assert _menu_count(client) == 1  # the organisation's version changed: counted afresh
    client.post_form("/logga-ut")
    client.login("chef.norr")
    assert _menu_count(client) == 0  # absent: not hers to decide today


def test_the_persons_own_unsafe_request_drops_the_kept_count(client, world):
    _waiting(world)
    db.session.commit()
    client.login("chef.norr")
    assert _menu_count(client) == 1
    with client.session_transaction() as session:
        assert menu_count.SESSION_KEY in session
    client.post_form("/logga-ut")  # any unsafe request; logging out ends the session besides
    client.login("chef.norr")
    with client.session_transaction() as session:
        assert menu_count.SESSION_KEY not in session


def test_a_forged_or_stale_number_is_not_shown(client, world):
    _waiting(world)
    db.session.commit()
    client.login("chef.norr")
    assert _menu_count(client) == 1
    with client.session_transaction() as session:
        kept = dict(session[menu_count.SESSION_KEY])
        session[menu_count.SESSION_KEY] = {**kept, "n": [7, 0]}
    assert _menu_count(client) == 7  # the signed session is trusted while the key stands ...
    with client.session_transaction() as session:
        session[menu_count.SESSION_KEY] = {**kept, "n": [7, 0], "until": 0}
    assert _menu_count(client) == 1  # ... and only for KEEP_SECONDS
    with client.session_transaction() as session:
        session[menu_count.SESSION_KEY] = {**kept, "n": [7, 0], "key": "another"}
    assert _menu_count(client) == 1


def test_the_start_page_and_the_refresh_count_afresh(client, world, verdicts):
    _waiting(world)
    db.session.commit()
    client.login("chef.norr")
    assert _menu_count(client) == 1
    with client.session_transaction() as session:
        session[menu_count.SESSION_KEY] = {**session[menu_count.SESSION_KEY], "n": [7, 0]}
    assert _menu_count(client, "/") == 1
    with client.session_transaction() as session:
        session[menu_count.SESSION_KEY] = {**session[menu_count.SESSION_KEY], "n": [7, 0]}
    refreshed = client.get("/antal-uppgifter", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<span class="badge">1<' in refreshed
    assert _menu_count(client) == 1  # the refresh kept what it counted


def test_another_person_in_the_same_browser_never_gets_the_kept_number(client, world):
    _waiting(world)
    db.session.commit()
    client.login("chef.norr")
    assert _menu_count(client) == 1
    with client.session_transaction() as session:
        kept = dict(session[menu_count.SESSION_KEY])
    client.post_form("/logga-ut")
    client.login("chef.syd")  # another unit's head: nothing of chef.norr's is hers
    with client.session_transaction() as session:
        session[menu_count.SESSION_KEY] = kept
    assert _menu_count(client) == 0
