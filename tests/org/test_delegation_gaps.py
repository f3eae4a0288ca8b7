"""Gaps in the delegation on the organisation page: positions the rules in force name without a
holder today or without a stand-in, linked to the position page where they are fixed, and only of
the committees whose schemes the reader may read."""

from __future__ import annotations

from datetime import date

from portal.auth.roles import Role
from portal.delegation.queries import delegation_gaps
from portal.extensions import db
from portal.org.models import PositionKind
from tests.cases.conftest import build_world


def _world(make, frozen_clock):
    world = build_world(make)
    sn = world.committee
    # A vacant unit head of its own unit, named by rule 1.1 (the unit head where the invoice was issued).
    world.vacant_unit = make.unit(sn, name="Hemtjänst Väst", parent=world.unit.parent)
    world.vacant = make.position(sn, PositionKind.UNIT_HEAD, world.vacant_unit, title="Enhetschef Hemtjänst Väst")
    # Another committee with its own gap, to be seen only by those who read its scheme.
    bun = make.committee("BUN", "Barn- och utbildningsnämnden")
    school = make.unit(bun, name="Förskola Solen")
    make.position(bun, PositionKind.UNIT_HEAD, school, title="Rektor Solen")
    make.delegation_rule(make.scheme_version(bun, valid_from=date(2026, 1, 1)), "1", case_type="deferral")
    world.bun = bun
    return world


def _by_title(gaps):
    return {gap.position.title: gap for gap in gaps}


def test_a_vacant_position_and_positions_without_stand_in_are_gaps(make, frozen_clock):
    world = _world(make, frozen_clock)
    director = make.user("ekonomichef", Role.FINANCE_DIRECTOR)
    db.session.commit()
    gaps = _by_title(delegation_gaps(director, date(2026, 11, 23)))
    vacant = gaps["Enhetschef Hemtjänst Väst"]
    assert vacant.no_holder and vacant.no_standin and vacant.rules == ("1.1", "2.1", "3.1", "4.1")
    held = gaps["Enhetschef Hemtjänst Norr"]
    assert not held.no_holder and held.no_standin
    assert "Rektor Solen" in gaps and gaps["Rektor Solen"].committee.code == "BUN"


def test_a_standing_stand_in_closes_the_gap_unless_nobody_holds_it(make, frozen_clock):
    world = _world(make, frozen_clock)
    director = make.user("ekonomichef", Role.FINANCE_DIRECTOR)
    standin = make.position(world.committee, PositionKind.UNIT_HEAD, world.other_unit, title="Biträdande chef")
    for position in db.session.scalars(db.select(type(standin)).where(type(standin).committee_id == world.committee.id)):
        if position.id != standin.id:
            position.standing_standin_position_id = standin.id
    db.session.commit()
    gaps = _by_title(delegation_gaps(director, date(2026, 11, 23)))
    norr = gaps["Enhetschef Hemtjänst Norr"]  # held, and its stand-in position is vacant
    assert not norr.no_holder and not norr.no_standin
    assert [p.title for p in norr.vacant_standins] == ["Biträdande chef"]
    make.appointment(make.user("bitr", full_name="Berit Bitr"), standin)
    db.session.commit()
    gaps = _by_title(delegation_gaps(director, date(2026, 11, 23)))
    assert "Enhetschef Hemtjänst Norr" not in gaps  # held, with a held stand-in: no gap
    assert gaps["Enhetschef Hemtjänst Väst"].no_holder and not gaps["Enhetschef Hemtjänst Väst"].no_standin


def test_a_holder_without_a_system_role_counts_only_her_own_committees_gaps(make, frozen_clock):
    world = _world(make, frozen_clock)
    db.session.commit()
    gaps = _by_title(delegation_gaps(world.unit_head, date(2026, 11, 23)))
    assert "Enhetschef Hemtjänst Väst" in gaps and "Rektor Solen" not in gaps
    outsider = make.user("ingen")
    db.session.commit()
    assert delegation_gaps(outsider, date(2026, 11, 23)) == []


def test_the_organisation_page_lists_the_gaps_linked_to_their_positions(client, make, frozen_clock):
    world = _world(make, frozen_clock)
    make.user("ekonomichef", Role.FINANCE_DIRECTOR)
    db.session.commit()
    client.login("ekonomichef")
    html = client.get("/organisation/").get_data(as_text=True)
    assert "Luckor i delegationen" in html and "Ingen innehavare i dag" in html
    assert f'href="/organisation/befattningar/{world.vacant.id}"' in html
    home = client.get("/").get_data(as_text=True)
    assert "luckor i delegationen" in home and 'href="/organisation/#gaps"' in home


def test_a_reader_of_another_committee_without_a_staff_role_gets_403(client, make, frozen_clock):
    world = _world(make, frozen_clock)
    member = make.user("bun.ledamot")
    make.appointment(member, make.position(world.bun, PositionKind.MEMBER, title="Ledamot BUN"))
    db.session.commit()
    client.login("bun.ledamot")
    assert client.get("/organisation/").status_code == 403
    assert "luckor i delegationen" not in client.get("/").get_data(as_text=True)
