"""A read-only snapshot of the organisation for the delegation engine, indexed once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from portal.delegation.engine_types import Limits, PositionKind, UnitKind


def covers(starts_on: date, ends_on: date | None, on_date: date) -> bool:
    """Dates are inclusive; an open end means until further notice."""
    return starts_on <= on_date and (ends_on is None or on_date <= ends_on)


@dataclass(frozen=True)
class Committee:
    id: int
    code: str
    parent_id: int | None = None  # set for a sub-committee (utskott)
    kind: str = "committee"  # a BodyKind value (portal/org/bodies.py)


@dataclass(frozen=True)
class OrgUnit:
    id: int
    kind: UnitKind
    parent_id: int | None
    committee_id: int


@dataclass(frozen=True)
class Position:
    id: int
    kind: PositionKind
    committee_id: int
    org_unit_id: int | None = None  # None for elected positions
    standing_standin_position_id: int | None = None


@dataclass(frozen=True)
class Appointment:
    person_id: int
    position_id: int
    starts_on: date
    ends_on: date | None = None


@dataclass(frozen=True)
class Absence:
    """A person absent is absent from every position they hold."""

    person_id: int
    starts_on: date
    ends_on: date | None = None
    standin_person_id: int | None = None


@dataclass(frozen=True)
class FurtherDelegation:
    """Vidaredelegering (kommunallagen 7 kap 6 §) of one rule of one scheme version."""

    id: int
    scheme_version_id: int
    rule_number: str
    delegating_position_id: int
    receiving_position_id: int
    starts_on: date
    ends_on: date | None = None
    limits: Limits | None = None  # at most the rule's own; both apply


@dataclass(frozen=True)
class OrgSnapshot:
    """The organisation with its whole dated history; build it once and ask it about any date.

    The indexes are built in `__post_init__`, so each verdict costs dictionary look-ups rather than
    scans of the appointments.
    """

    committees: tuple[Committee, ...] = ()
    org_units: tuple[OrgUnit, ...] = ()
    positions: tuple[Position, ...] = ()
    appointments: tuple[Appointment, ...] = ()
    absences: tuple[Absence, ...] = ()
    further_delegations: tuple[FurtherDelegation, ...] = ()

    def __post_init__(self) -> None:
        for name in (
            "committees",
            "org_units",
            "positions",
            "appointments",
            "absences",
            "further_delegations",
        ):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        committee_by_id = {committee.id: committee for committee in self.committees}
        unit_by_id = {unit.id: unit for unit in self.org_units}
        position_by_id = {position.id: position for position in self.positions}
        department_of = {unit.id: _nearest_department(unit, unit_by_id) for unit in self.org_units}

        in_unit: dict[tuple[str, int], list[int]] = defaultdict(list)
        in_department: dict[tuple[str, int], list[int]] = defaultdict(list)
        in_committee: dict[tuple[str, int], list[int]] = defaultdict(list)
        in_committee_units: dict[tuple[str, int], list[int]] = defaultdict(list)
        for position in sorted(self.positions, key=lambda p: p.id):
            in_committee[(position.kind, position.committee_id)].append(position.id)
            if position.org_unit_id is None:
                continue
            in_committee_units[(position.kind, position.committee_id)].append(position.id)
            in_unit[(position.kind, position.org_unit_id)].append(position.id)
            department = department_of.get(position.org_unit_id)
            if department is not None:
                in_department[(position.kind, department)].append(position.id)

        appointments_of: dict[int, list[Appointment]] = defaultdict(list)
        for appointment in self.appointments:
            appointments_of[appointment.position_id].append(appointment)
        absences_of: dict[int, list[Absence]] = defaultdict(list)
        for absence in self.absences:
            absences_of[absence.person_id].append(absence)
        further_of: dict[tuple[int, str], list[FurtherDelegation]] = defaultdict(list)
        for delegation in sorted(self.further_delegations, key=lambda d: d.id):
            further_of[(delegation.scheme_version_id, delegation.rule_number)].append(delegation)

        indexes = {
            "committee_by_id": committee_by_id,
            "unit_by_id": unit_by_id,
            "position_by_id": position_by_id,
            "_department_of": department_of,
            "_in_unit": _freeze(in_unit),
            "_in_department": _freeze(in_department),
            "_in_committee": _freeze(in_committee),
            "_in_committee_units": _freeze(in_committee_units),
            "_appointments_of": _freeze(appointments_of),
            "_absences_of": _freeze(absences_of),
            "_further_of": _freeze(further_of),
        }
        for name, index in indexes.items():
            object.__setattr__(self, name, index)

    def department_of(self, unit_id: int) -> int | None:
        """The unit itself if it is a department, else its nearest department ancestor."""
        return self._department_of.get(unit_id)

    def unit_and_ancestors(self, unit_id: int) -> tuple[int, ...]:
        """The unit, the unit above it, and so on up to the top (a cycle in the data stops it)."""
        found: list[int] = []
        current = self.unit_by_id.get(unit_id)
        while current is not None and current.id not in found:
            found.append(current.id)
            current = self.unit_by_id.get(current.parent_id) if current.parent_id is not None else None
        return tuple(found)

    def positions_in_unit(self, kind: str, unit_id: int) -> tuple[int, ...]:
        return self._in_unit.get((kind, unit_id), ())

    def positions_in_department(self, kind: str, department_id: int) -> tuple[int, ...]:
        """Positions of the kind in the department or any unit below it."""
        return self._in_department.get((kind, department_id), ())

    def positions_in_committee(self, kind: str, committee_id: int) -> tuple[int, ...]:
        return self._in_committee.get((kind, committee_id), ())

    def positions_in_committee_units(self, kind: str, committee_id: int) -> tuple[int, ...]:
        """Positions of the kind that sit in some unit of the committee (not elected ones)."""
        return self._in_committee_units.get((kind, committee_id), ())

    def appointments_of(self, position_id: int) -> tuple[Appointment, ...]:
        return self._appointments_of.get(position_id, ())

    def holders_on(self, position_id: int, on_date: date) -> tuple[int, ...]:
        """Persons appointed to the position on the date, present or absent."""
        appointments = self._appointments_of.get(position_id, ())
        return tuple(
            sorted({a.person_id for a in appointments if covers(a.starts_on, a.ends_on, on_date)})
        )

    def absence_on(self, person_id: int, on_date: date) -> Absence | None:
        """The absence in force on the date; of overlapping ones the latest started, named stand-in
        first."""
        found = [
            a
            for a in self._absences_of.get(person_id, ())
            if covers(a.starts_on, a.ends_on, on_date)
        ]
        if not found:
            return None
        return max(found, key=lambda a: (a.starts_on, a.standin_person_id is not None))

    def is_present(self, person_id: int, on_date: date) -> bool:
        return self.absence_on(person_id, on_date) is None

    def present_holders_on(self, position_id: int, on_date: date) -> tuple[int, ...]:
        return tuple(
            p for p in self.holders_on(position_id, on_date) if self.is_present(p, on_date)
        )

    def further_delegations_of(
        self, version_id: int, rule_number: str
    ) -> tuple[FurtherDelegation, ...]:
        return self._further_of.get((version_id, rule_number), ())


def _nearest_department(unit: OrgUnit, unit_by_id: dict[int, OrgUnit]) -> int | None:
    seen: set[int] = set()
    current: OrgUnit | None = unit
    while current is not None and current.id not in seen:
        if current.kind == UnitKind.DEPARTMENT:
            return current.id
        seen.add(current.id)
        current = unit_by_id.get(current.parent_id) if current.parent_id is not None else None
    return None


def _freeze(index: dict) -> dict:
    return {key: tuple(values) for key, values in index.items()}
