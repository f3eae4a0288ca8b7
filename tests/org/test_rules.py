"""No one makes themselves a decider: the pure rule, on plain snapshots of the organisation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from portal.delegation.engine_types import PositionKind, UnitKind
from portal.delegation.snapshot import (
    Absence,
    Appointment,
    Committee,
    FurtherDelegation,
    OrgSnapshot,
    OrgUnit,
    Position,
)
from portal.org.rules import days_to_check, positions_named, self_made_decider

TODAY = date(2026, 11, 23)
ADMIN, SARA, ANNA = 1, 2, 3
DEPARTMENT, NORTH, SOUTH, CONTROLLER = 10, 11, 12, 13

ORG = OrgSnapshot(
    committees=(Committee(1, "SN"),),
    org_units=(OrgUnit(1, UnitKind.DEPARTMENT, None, 1), OrgUnit(2, UnitKind.UNIT, 1, 1)),
    positions=(
        Position(DEPARTMENT, PositionKind.DEPARTMENT_HEAD, 1, 1),
        Position(NORTH, PositionKind.UNIT_HEAD, 1, 2),
        Position(SOUTH, PositionKind.UNIT_HEAD, 1, 2, standing_standin_position_id=NORTH),
        Position(CONTROLLER, PositionKind.FEE_OFFICER, 1, 2),
    ),
    appointments=(
        Appointment(SARA, SOUTH, date(2024, 1, 1)),
        Appointment(ANNA, NORTH, date(2024, 1, 1)),
        Appointment(ADMIN, CONTROLLER, date(2024, 1, 1)),
    ),
)
FOREVER = (TODAY, None)


def test_appointing_oneself_to_a_position_makes_oneself_a_decider():
    after = replace(ORG, appointments=(*ORG.appointments, Appointment(ADMIN, SOUTH, date(2027, 1, 1))))
    gain = self_made_decider(ORG, after, ADMIN, TODAY, (date(2027, 1, 1), None))
    assert gain is not None and gain.day == date(2027, 1, 1) and gain.position_ids == [SOUTH]


def test_appointing_someone_else_makes_the_registering_person_nothing():
    after = replace(ORG, appointments=(*ORG.appointments, Appointment(ANNA, SOUTH, TODAY)))
    assert self_made_decider(ORG, after, ADMIN, TODAY, FOREVER) is None


def test_lengthening_ones_own_appointment_is_a_gain_shortening_it_is_not():
    mine = Appointment(ADMIN, SOUTH, date(2026, 1, 1), date(2026, 12, 31))
    base = replace(ORG, appointments=(*ORG.appointments, mine))
    longer = replace(ORG, appointments=(*ORG.appointments, replace(mine, ends_on=date(2027, 6, 30))))
    shorter = replace(ORG, appointments=(*ORG.appointments, replace(mine, ends_on=date(2026, 11, 30))))
    window = (date(2026, 1, 1), date(2027, 6, 30))
    assert self_made_decider(base, longer, ADMIN, TODAY, window).day == date(2027, 1, 1)
    assert self_made_decider(base, shorter, ADMIN, TODAY, window) is None


def test_an_appointment_that_ended_before_today_gives_no_power_now():
    after = replace(ORG, appointments=(*ORG.appointments,
                                       Appointment(ADMIN, SOUTH, date(2025, 1, 1), date(2025, 12, 31))))
    assert self_made_decider(ORG, after, ADMIN, TODAY, (date(2025, 1, 1), date(2025, 12, 31))) is None


def test_an_absence_naming_oneself_as_stand_in_makes_oneself_a_decider():
    after = replace(ORG, absences=(Absence(SARA, date(2026, 12, 1), date(2026, 12, 5), ADMIN),))
    gain = self_made_decider(ORG, after, ADMIN, TODAY, (date(2026, 12, 1), date(2026, 12, 5)))
    assert gain is not None and gain.day == date(2026, 12, 1) and gain.position_ids == [SOUTH]


def test_an_absence_naming_someone_else_or_nobody_does_not():
    for standin in (ANNA, None):
        after = replace(ORG, absences=(Absence(SARA, date(2026, 12, 1), None, standin),))
        assert self_made_decider(ORG, after, ADMIN, TODAY, (date(2026, 12, 1), None)) is None


def test_a_standing_stand_in_set_to_ones_own_position_is_a_gain_while_the_holder_is_present():
    positions = tuple(replace(p, standing_standin_position_id=CONTROLLER) if p.id == SOUTH else p
                      for p in ORG.positions)
    gain = self_made_decider(ORG, replace(ORG, positions=positions), ADMIN, TODAY, FOREVER)
    assert gain is not None and gain.day == TODAY and gain.position_ids == [SOUTH]


def test_a_standing_stand_in_set_to_someone_elses_position_is_not():
    positions = tuple(replace(p, standing_standin_position_id=DEPARTMENT) if p.id == SOUTH else p
                      for p in ORG.positions)
    assert self_made_decider(ORG, replace(ORG, positions=positions), ADMIN, TODAY, FOREVER) is None


def test_a_further_delegation_to_a_position_one_holds_is_a_gain_even_for_its_holder():
    david = 4
    org = replace(ORG, appointments=(*ORG.appointments, Appointment(david, DEPARTMENT, date(2024, 1, 1)),
                                     Appointment(david, NORTH, date(2024, 1, 1))))
    after = replace(org, further_delegations=(
        FurtherDelegation(-1, 7, "1.2", DEPARTMENT, NORTH, date(2026, 12, 1)),))
    gain = self_made_decider(org, after, david, TODAY, (date(2026, 12, 1), None))
    assert gain is not None and gain.position_ids == [NORTH]
    assert self_made_decider(org, after, ADMIN, TODAY, (date(2026, 12, 1), None)) is None


def test_the_system_is_nobody():
    after = replace(ORG, appointments=(*ORG.appointments, Appointment(ADMIN, SOUTH, TODAY)))
    assert self_made_decider(ORG, after, None, TODAY, FOREVER) is None


def test_the_days_checked_are_where_something_starts_or_ends_in_the_window():
    org = replace(ORG, absences=(Absence(SARA, date(2026, 12, 1), date(2026, 12, 5)),))
    days = days_to_check(ORG, org, TODAY, (date(2026, 1, 1), date(2026, 12, 31)))
    assert days == [TODAY, date(2026, 12, 1), date(2026, 12, 6)]
    assert days_to_check(ORG, org, TODAY, (date(2025, 1, 1), date(2025, 2, 1))) == []


def test_positions_a_scheme_names_include_delegates_by_kind_by_name_and_stand_ins():
    rows = [(None, "position_kind", "unit_head", None, 1), (CONTROLLER, "named_position", None, DEPARTMENT, 1)]
    assert positions_named(rows, ORG) == {NORTH, SOUTH, CONTROLLER, DEPARTMENT}
