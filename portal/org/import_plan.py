"""What an HR file would change in the organisation as it stands: the preview, and what the import applies.

Matching keys, so that the same file read twice changes nothing:
- a unit by its code (the ledger's ansvar code, unique in the portal);
- a position by its unit and its title (case aside);
- a person by their employee number; a person the portal knows without one is recognised once by
  their e-mail address (exactly one account without an employee number has it) and gets the number;
- an appointment by person and position: one that holds today or later stands as it is.

The file is the whole HR export: an appointment to an employee's position (not an elected one) of a
person with an employee number that no row lists any more is ended yesterday (one that has not
begun is cancelled). Units and positions a file leaves out are never removed: that is done by hand.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from portal.auth.models import User
from portal.extensions import db
from portal.org.import_file import Problems, ReadResult, Row
from portal.org.models import (
    Appointment,
    Committee,
    OrgUnit,
    PendingRegistration,
    Position,
    PositionKind,
    RegistrationKind,
    RegistrationState,
    UnitKind,
)

EMPLOYEE_KINDS = tuple(kind for kind in PositionKind if not kind.is_elected)


def position_kinds() -> dict[str, PositionKind]:
    """A kind of position as a file may write it: its Swedish name or its code, in any case."""
    known: dict[str, PositionKind] = {}
    for kind in PositionKind:
        known[kind.value.casefold()] = kind
        known[kind.label.casefold()] = kind
    return known


@dataclass
class UnitStep:
    line: int
    code: str
    name: str
    kind: str
    committee: Committee
    parent_code: str | None
    existing: OrgUnit | None
    changes: dict[str, tuple[object, object]] = field(default_factory=dict)


@dataclass
class PositionStep:
    line: int
    unit_code: str
    title: str
    kind: PositionKind
    existing: Position | None
    changes: dict[str, tuple[object, object]] = field(default_factory=dict)


@dataclass
class PersonStep:
    line: int
    employee_number: str
    full_name: str
    email: str | None
    existing: User | None
    changes: dict[str, tuple[object, object]] = field(default_factory=dict)


@dataclass
class AppointmentStep:
    line: int
    employee_number: str
    full_name: str
    unit_code: str
    title: str
    starts_on: date
    own: bool  # appoints the importing person: waits for a second person (RULINGS 9)


@dataclass
class EndStep:
    appointment: Appointment
    ends_on: date | None  # None: it had not begun, and is cancelled


@dataclass
class Plan:
    units: list[UnitStep] = field(default_factory=list)  # created or changed
    positions: list[PositionStep] = field(default_factory=list)
    people: list[PersonStep] = field(default_factory=list)
    appointments: list[AppointmentStep] = field(default_factory=list)
    ends: list[EndStep] = field(default_factory=list)
    waiting: list[tuple[int, str, str]] = field(default_factory=list)  # (line, person, position) pending already
    unchanged: dict[str, int] = field(default_factory=lambda: {"units": 0, "positions": 0, "appointments": 0})
    problems: Problems = field(default_factory=Problems)
    row_count: int = 0

    @property
    def changes_anything(self) -> bool:
        return bool(self.units or self.positions or self.people or self.appointments or self.ends)

    def digest(self) -> str:
        """A fingerprint of what the import would do: the import applies only the preview it matches."""
        described = [
            [("unit", s.code, s.name, s.kind, s.committee.id, s.parent_code, s.existing and s.existing.id,
              sorted(s.changes)) for s in self.units],
            [("position", s.unit_code, s.title, s.kind.value, s.existing and s.existing.id, sorted(s.changes))
             for s in self.positions],
            [("person", s.employee_number, s.full_name, s.email, s.existing and s.existing.id, sorted(s.changes))
             for s in self.people],
            [("appointment", s.employee_number, s.unit_code, s.title, s.starts_on.isoformat(), s.own)
             for s in self.appointments],
            [("end", s.appointment.id, s.ends_on and s.ends_on.isoformat()) for s in self.ends],
        ]
        return hashlib.sha256(json.dumps(described, default=str).encode()).hexdigest()

    def counts(self) -> dict[str, int]:
        return {
            "units_created": sum(s.existing is None for s in self.units),
            "units_changed": sum(s.existing is not None for s in self.units),
            "positions_created": sum(s.existing is None for s in self.positions),
            "positions_changed": sum(s.existing is not None for s in self.positions),
            "users_created": sum(s.existing is None for s in self.people),
            "users_changed": sum(s.existing is not None for s in self.people),
            "appointments_created": sum(not s.own for s in self.appointments),
            "appointments_held": sum(s.own for s in self.appointments),
            "appointments_ended": sum(s.ends_on is not None for s in self.ends),
            "appointments_cancelled": sum(s.ends_on is None for s in self.ends),
        }


def _diff(obj, wanted: dict[str, object]) -> dict[str, tuple[object, object]]:
    return {name: (getattr(obj, name), value) for name, value in wanted.items() if getattr(obj, name) != value}


def plan(read: ReadResult, importer_id: int, today: date) -> Plan:
    """What the rows would change; every row that cannot be applied is a problem with its line and column."""
    result = Plan(problems=read.problems, row_count=read.row_count)
    problems = result.problems
    rows = read.rows
    committees = {c.code: c for c in db.session.scalars(select(Committee))}
    units = {u.code: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.code.is_not(None)))}
    kinds = position_kinds()

    # --- units -----------------------------------------------------------------------------------
    unit_rows: dict[str, Row] = {}
    bad_units: set[str] = set()
    for row in rows:
        if row.unit_code in unit_rows:
            continue
        unit_rows[row.unit_code] = row
        committee = committees.get(row.committee_code)
        if committee is None:
            problems.add(row.line, "committee_code", _("No committee has the code %(code)s.", code=row.committee_code))
            bad_units.add(row.unit_code)
            continue
        existing = units.get(row.unit_code)
        if existing is not None and existing.committee_id != committee.id:
            problems.add(row.line, "committee_code", _(
                "Unit %(code)s belongs to %(committee)s in the portal: move a unit to another committee by hand.",
                code=row.unit_code, committee=existing.committee.name))
            bad_units.add(row.unit_code)
    unit_committee = {code: committees[row.committee_code].id for code, row in unit_rows.items()
                      if code not in bad_units}
    for code, row in unit_rows.items():
        if code in bad_units or row.parent_code is None:
            continue
        if row.parent_code in unit_rows:
            parent_committee = unit_committee.get(row.parent_code)
        elif row.parent_code in units:
            parent_committee = units[row.parent_code].committee_id
        else:
            problems.add(row.line, "parent_code", _(
                "No unit has the code %(code)s, neither in the file nor in the portal.", code=row.parent_code))
            bad_units.add(code)
            continue
        if parent_committee is not None and parent_committee != unit_committee[code]:
            problems.add(row.line, "parent_code", _(
                "Unit %(code)s belongs to another committee than %(unit)s.", code=row.parent_code, unit=code))
            bad_units.add(code)
            continue
        # A ring: following the parents (the file's over the portal's) comes back to the unit.
        seen, current = {code}, row.parent_code
        while current is not None:
            if current in seen:
                problems.add(row.line, "parent_code", _(
                    "Unit %(code)s would come below itself through %(parent)s.", code=code, parent=row.parent_code))
                bad_units.add(code)
                break
            seen.add(current)
            if current in unit_rows:
                current = unit_rows[current].parent_code
            elif current in units and units[current].parent_id is not None:
                current = db.session.get(OrgUnit, units[current].parent_id).code
            else:
                current = None
    for code, row in unit_rows.items():
        if code in bad_units:
            continue
        kind = (UnitKind.UNIT if row.parent_code else UnitKind.DEPARTMENT).value
        existing = units.get(code)
        step = UnitStep(row.line, code, row.unit_name, kind, committees[row.committee_code], row.parent_code, existing)
        if existing is None:
            result.units.append(step)
            continue
        parent_id = units[row.parent_code].id if row.parent_code in units else None
        wanted: dict[str, object] = {"name": row.unit_name, "kind": kind, "active": True}
        step.changes = _diff(existing, wanted)
        if row.parent_code is None and existing.parent_id is not None or (
                row.parent_code is not None and (parent_id is None or parent_id != existing.parent_id)):
            step.changes["parent"] = (existing.parent.code if existing.parent else None, row.parent_code)
        if step.changes:
            result.units.append(step)
        else:
            result.unchanged["units"] += 1

    # --- positions --------------------------------------------------------------------------------
    unit_ids = [u.id for code, u in units.items() if code in unit_rows]
    existing_positions: dict[tuple[int, str], Position] = {}
    for position in db.session.scalars(select(Position).where(Position.org_unit_id.in_(unit_ids)).order_by(Position.id)):
        existing_positions.setdefault((position.org_unit_id, position.title.casefold()), position)
    positions_seen: set[tuple[str, str]] = set()
    good_positions: dict[tuple[str, str], Position | None] = {}
    for row in rows:
        if row.position_title is None or row.unit_code in bad_units:
            continue
        key = (row.unit_code, row.position_title.casefold())
        if key in positions_seen:
            continue
        positions_seen.add(key)
        kind = kinds.get(row.position_kind.casefold())
        if kind is None:
            problems.add(row.line, "position_kind", _(
                "“%(value)s” is not a kind of position; write one of: %(known)s.", value=row.position_kind,
                known=", ".join(k.label for k in EMPLOYEE_KINDS)))
            continue
        if kind.is_elected:
            problems.add(row.line, "position_kind", _(
                "%(kind)s is an elected position: elected members are kept in the portal, not in the HR file.",
                kind=kind.label))
            continue
        unit = units.get(row.unit_code)
        existing = existing_positions.get((unit.id, key[1])) if unit is not None else None
        good_positions[key] = existing
        step = PositionStep(row.line, row.unit_code, row.position_title, kind, existing)
        if existing is None:
            result.positions.append(step)
            continue
        step.changes = _diff(existing, {"kind": kind.value, "active": True})
        if step.changes:
            result.positions.append(step)
        else:
            result.unchanged["positions"] += 1

    # --- people ------------------------------------------------------------------------------------
    numbers = sorted({row.employee_number for row in rows if row.employee_number})
    by_number = {u.employee_number: u for u in _users(User.employee_number, numbers)}
    emails = sorted({row.email.lower() for row in rows if row.email and row.employee_number not in by_number})
    by_email: dict[str, list[User]] = {}
    for user in _users(User.email, emails, lower=True):
        if user.employee_number is None:
            by_email.setdefault(user.email.lower(), []).append(user)
    people: dict[str, User | None] = {}
    bad_people: set[str] = set()
    for row in rows:
        number = row.employee_number
        if number is None or number in people or number in bad_people:
            continue
        user = by_number.get(number)
        if user is None and row.email and len(by_email.get(row.email.lower(), [])) == 1:
            user = by_email[row.email.lower()][0]
        if user is not None and not user.is_active_account:
            problems.add(row.line, "employee_number", _(
                "The account of %(name)s (%(number)s) is deactivated and cannot be appointed.",
                name=user.full_name, number=number))
            bad_people.add(number)
            continue
        people[number] = user
        step = PersonStep(row.line, number, row.full_name, row.email, user)
        if user is None:
            result.people.append(step)
            continue
        step.changes = _diff(user, {"full_name": row.full_name, "email": row.email, "employee_number": number})
        if step.changes:
            result.people.append(step)

    # --- appointments ------------------------------------------------------------------------------
    known_user_ids = [u.id for u in people.values() if u is not None]
    position_ids = [p.id for p in good_positions.values() if p is not None]
    current: dict[tuple[int, int], list[Appointment]] = {}
    for appointment in db.session.scalars(select(Appointment).where(
            Appointment.user_id.in_(known_user_ids), Appointment.position_id.in_(position_ids))):
        current.setdefault((appointment.user_id, appointment.position_id), []).append(appointment)
    pending = _pending_appointments()
    kept: set[int] = set()
    for row in rows:
        key = (row.unit_code, (row.position_title or "").casefold())
        if row.employee_number is None or key not in good_positions or row.employee_number not in people:
            continue
        user, position = people[row.employee_number], good_positions[key]
        held = current.get((user.id, position.id), []) if user is not None and position is not None else []
        holding = next((a for a in held if a.ends_on is None or a.ends_on >= today), None)
        if holding is not None:
            kept.add(holding.id)
            result.unchanged["appointments"] += 1
            continue
        if user is not None and position is not None and (user.id, position.id) in pending:
            result.waiting.append((row.line, user.full_name, position.title))
            continue
        earlier = next((a for a in held if a.ends_on is not None and a.ends_on >= row.starts_on), None)
        if earlier is not None:
            problems.add(row.line, "starts_on", _(
                "%(name)s held this position until %(end)s: the new appointment can begin %(next)s at the earliest.",
                name=user.full_name, end=earlier.ends_on.isoformat(),
                next=(earlier.ends_on + timedelta(days=1)).isoformat()))
            continue
        result.appointments.append(AppointmentStep(
            row.line, row.employee_number, row.full_name, row.unit_code, row.position_title, row.starts_on,
            own=user is not None and user.id == importer_id))

    # --- appointments the file no longer lists ------------------------------------------------------
    in_scope = [u.id for u in people.values() if u is not None]
    yesterday = today - timedelta(days=1)
    for appointment in db.session.scalars(
        select(Appointment).join(User, User.id == Appointment.user_id).join(Position, Position.id == Appointment.position_id)
        .where(or_(User.employee_number.is_not(None), User.id.in_(in_scope)),
               Position.kind.in_([k.value for k in EMPLOYEE_KINDS]),
               or_(Appointment.ends_on.is_(None), Appointment.ends_on >= today),
               Appointment.id.not_in(kept) if kept else Appointment.id.is_not(None))
        .options(joinedload(Appointment.user), joinedload(Appointment.position).joinedload(Position.org_unit))
        .order_by(Appointment.id)
    ):
        ends_on = yesterday if appointment.starts_on <= yesterday else None
        result.ends.append(EndStep(appointment, ends_on))
    return result


def _users(column, values: list[str], lower: bool = False) -> list[User]:
    found: list[User] = []
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        condition = db.func.lower(column).in_(chunk) if lower else column.in_(chunk)
        found.extend(db.session.scalars(select(User).where(condition)))
    return found


def _pending_appointments() -> set[tuple[int, int]]:
    """(person, position) of new appointments that wait for a second person's confirmation."""
    return {
        (r.payload.get("user_id"), r.payload.get("position_id"))
        for r in db.session.scalars(select(PendingRegistration).where(
            PendingRegistration.kind == RegistrationKind.APPOINTMENT.value,
            PendingRegistration.state == RegistrationState.PENDING.value,
            PendingRegistration.object_id.is_(None)))
    }
