"""Reading schemes and the organisation from the database into the engine's plain data."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event

from portal.delegation import queries
from portal.delegation import snapshot as sn
from portal.delegation.engine_types import CaseFacts, CaseType, Limits
from portal.delegation.results import Capacity
from portal.delegation.rules import verdict
from portal.extensions import db

DAY = date(2026, 4, 15)


def deferral(world, **changes) -> CaseFacts:
    values = {"committee_id": world.sn.id, "case_type": CaseType.DEFERRAL, "amount_ore": 500_000,
              "deferral_months": 2, "issuing_unit_id": world.south.id,
              "consultation_recorded": True}
    return CaseFacts(**{**values, **changes})


def test_versions_switch_on_their_valid_from_day(world, make):
    later = make.scheme_version(world.sn, valid_from=date(2026, 7, 1), adopted_on=date(2026, 6, 10))
    world.version.valid_to = date(2026, 6, 30)
    db.session.flush()
    assert queries.version_in_force(world.sn.id, date(2026, 6, 30)).id == world.version.id
    assert queries.version_in_force(world.sn.id, date(2026, 7, 1)).id == later.id
    assert queries.version_in_force(world.sn.id, date(2025, 12, 31)) is None
    assert [v.id for v in queries.future_versions(world.sn.id, date(2026, 6, 30))] == [later.id]
    assert [v.id for v in queries.earlier_versions(world.sn.id, date(2026, 7, 1))] == [world.version.id]
    overview = queries.overview(world.sn.id, date(2026, 7, 1))
    assert overview.in_force.id == later.id and overview.earlier[0].id == world.version.id


def test_a_draft_is_never_in_force(world, make):
    make.scheme_version(world.ks, state="draft")
    assert queries.version_in_force(world.ks.id, DAY) is None


def test_price_base_amounts_by_year(world):
    assert queries.price_base_amounts() == {2024: 5_730_000, 2025: 5_880_000, 2026: 5_920_000}


def expected_snapshot(world, further=()) -> sn.OrgSnapshot:
    """The same organisation written by hand with the pure builders."""
    committees = [sn.Committee(world.sn.id, "SN"), sn.Committee(world.ks.id, "KS"),
                  sn.Committee(world.au.id, "SNAU", world.sn.id)]
    units = [sn.OrgUnit(u.id, u.kind, u.parent_id, u.committee_id)
             for u in (world.department, world.north, world.south, world.economy)]
    units.append(sn.OrgUnit(world.economy.parent_id, "department", None, world.ks.id))
    positions = [
        sn.Position(world.dept_head.id, "department_head", world.sn.id, world.department.id),
        sn.Position(world.head_north.id, "unit_head", world.sn.id, world.north.id),
        sn.Position(world.head_south.id, "unit_head", world.sn.id, world.south.id, world.head_north.id),
        sn.Position(world.fee_officer.id, "fee_officer", world.sn.id, world.north.id),
        sn.Position(world.chair.id, "chair", world.sn.id),
    ]
    appointments = [
        sn.Appointment(person.id, position.id, date(2024, 1, 1))
        for person, position in ((world.anna, world.head_north), (world.sara, world.head_south),
                                 (world.david, world.dept_head), (world.cecilia, world.fee_officer),
                                 (world.olle, world.chair))
    ]
    absences = [sn.Absence(world.sara.id, date(2026, 4, 10), date(2026, 4, 20))]
    return sn.OrgSnapshot(committees, units, positions, appointments, absences, further)


def test_the_snapshot_from_the_database_gives_the_verdict_of_the_pure_builders(world, make):
    make.absence(world.sara, date(2026, 4, 10), date(2026, 4, 20))
    item = make.further_delegation(world.version, "1.2", world.dept_head, world.fee_officer,
                                   max_deferral_months=4)
    further = [sn.FurtherDelegation(item.id, world.version.id, "1.2", world.dept_head.id,
                                    world.fee_officer.id, date(2026, 1, 1), None,
                                    Limits(max_deferral_months=4))]
    from_db = queries.org_snapshot()
    by_hand = expected_snapshot(world, further)
    assert set(from_db.positions) == set(by_hand.positions)
    assert set(from_db.appointments) == set(by_hand.appointments)
    assert set(from_db.further_delegations) == set(by_hand.further_delegations)
    version = queries.engine_version(world.version)
    pbb = queries.price_base_amounts()
    for facts in (deferral(world), deferral(world, deferral_months=5),
                  deferral(world, issuing_unit_id=world.north.id), deferral(world, deferral_months=7)):
        assert verdict(facts, version, from_db, DAY, pbb) == verdict(facts, version, by_hand, DAY, pbb)
    standins = verdict(deferral(world), version, from_db, DAY, pbb).outcome("1.1").deciders
    assert [(d.person_id, d.capacity, d.standin_for_person_id) for d in standins] == [
        (world.anna.id, Capacity.STANDIN, world.sara.id)
    ]


def test_the_case_context_costs_the_same_number_of_queries_however_large_the_organisation(world, make):
    def count() -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])
        engine = db.session.get_bind()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            db.session.expire_all()
            context = queries.case_context(world.sn.id, DAY)
            assert context.engine_version.rules
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    small = count()
    for n in range(40):
        make.appointment(make.user(f"extra{n}"), world.fee_officer, date(2025, 1, 1))
        make.absence(make.user(), date(2026, 5, 1))
    assert count() == small
