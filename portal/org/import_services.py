"""Importing the organisation from the HR system's file: upload (kept for the preview), then import all or nothing.

Every unit, position, person and appointment created, changed, ended or cancelled is audited in the
import's own transaction. An appointment of the importing person waits for a second person with the
same right (RULINGS 9), through the same registration that the appointment form uses.
"""

from __future__ import annotations

import hashlib
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal import clock
from portal.audit.services import Actor, changes, record, record_refusal, snapshot
from portal.auth import services as users
from portal.auth.models import User
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org import import_file, import_plan
from portal.org.models import Appointment, OrgImport, OrgUnit, PendingRegistration, Position
from portal.org.services import APPOINTMENT_FIELDS, POSITION_FIELDS, UNIT_FIELDS, appointment_save


class ImportRefused(ValidationFailed):
    """The file or the preview cannot be imported; `problems` lists every bad row."""

    def __init__(self, problems: import_file.Problems):
        super().__init__({"file": _("The file cannot be imported: nothing was changed.")})
        self.problems = problems


def preview(org_import: OrgImport, importer_id: int, today: date) -> import_plan.Plan:
    """What the stored file would change in the organisation as it stands now."""
    read = import_file.read(org_import.content, today)
    return import_plan.plan(read, importer_id, today)


def upload(actor: Actor, filename: str, data: bytes) -> OrgImport:
    """Keep a file whose rows are all good, for its preview; refuse (and record) any other."""
    today = clock.today()
    found = import_plan.plan(import_file.read(data, today), actor.user_id, today)
    if found.problems:
        record_refusal(actor, "upload.refused", "org_import", None, reason=found.problems.listed[0]["message"],
                       details={"kind": "organisation", "filename": filename[:255], "size": len(data),
                                "sha256": hashlib.sha256(data).hexdigest(), "errors": found.problems.count})
        raise ImportRefused(found.problems)
    org_import = OrgImport(filename=filename[:255] or "organisation", content=data,
                           sha256=hashlib.sha256(data).hexdigest(), size=len(data), rows=found.row_count,
                           state="previewed", uploaded_by_id=actor.user_id, uploaded_at=clock.now())
    db.session.add(org_import)
    db.session.flush()
    record(actor, "org_import.upload", "org_import", org_import.id,
           after={"filename": org_import.filename, "sha256": org_import.sha256, "rows": org_import.rows})
    return org_import


def run(actor: Actor, org_import: OrgImport, digest: str) -> dict[str, int]:
    """Apply the preview the person saw (`digest`), all or nothing: the caller commits once."""
    if org_import.state != "previewed":
        raise ValidationFailed({"file": _("This file has already been imported.")})
    today = clock.today()
    found = preview(org_import, actor.user_id, today)
    if found.problems:
        raise ImportRefused(found.problems)
    if found.digest() != digest:
        raise ValidationFailed({"file": _(
            "The organisation has changed since the preview was shown: check the new preview and import again.")})
    counts = found.counts()
    _apply(actor, found, today)
    org_import.state = "imported"
    org_import.imported_at = clock.now()
    org_import.summary = counts
    db.session.flush()
    record(actor, "org_import.run", "org_import", org_import.id, after=counts)
    return counts


def _created(actor: Actor, objects: list, fields: tuple[str, ...], object_type: str) -> None:
    """Write new rows in one flush, then one trail entry each (a flush per row costs a file of
    10,000 rows minutes: each flush walks every object the session holds)."""
    if not objects:
        return
    db.session.add_all(objects)
    db.session.flush()
    for obj in objects:
        record(actor, f"{object_type}.create", object_type, obj.id, after=snapshot(obj, fields))


def _changed(actor: Actor, obj, fields: tuple[str, ...], values: dict, object_type: str) -> None:
    """Change an existing row and record what changed (flushed with the rest)."""
    before = snapshot(obj, fields)
    for name, value in values.items():
        setattr(obj, name, value)
    before, after = changes(before, snapshot(obj, fields))
    if after:
        record(actor, f"{object_type}.update", object_type, obj.id, before=before, after=after)


def _apply(actor: Actor, found: import_plan.Plan, today: date) -> None:
    with db.session.no_autoflush:
        units = {u.code: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.code.is_not(None)))}
        # Parents before their units: a unit's depth in the file (the portal's units are already there).
        steps = {s.code: s for s in found.units}

        def depth(step) -> int:
            n, parent = 0, step.parent_code
            while parent in steps and n < len(steps):
                n, parent = n + 1, steps[parent].parent_code
            return n

        by_depth: dict[int, list] = {}
        for step in found.units:
            by_depth.setdefault(depth(step), []).append(step)
        for level in sorted(by_depth):
            new = []
            for step in by_depth[level]:
                values = {"name": step.name, "kind": step.kind, "code": step.code, "committee_id": step.committee.id,
                          "parent_id": units[step.parent_code].id if step.parent_code else None, "active": True}
                if step.existing is None:
                    unit = OrgUnit(**values)
                    new.append(unit)
                else:
                    unit = step.existing
                    _changed(actor, unit, UNIT_FIELDS, values, "org_unit")
                units[step.code] = unit
            _created(actor, new, UNIT_FIELDS, "org_unit")
        positions = {(p.org_unit_id, p.title.casefold()): p for p in db.session.scalars(
            select(Position).where(Position.org_unit_id.in_([u.id for u in units.values()])).order_by(Position.id.desc()))}
        new = []
        for step in found.positions:
            unit = units[step.unit_code]
            values = {"title": step.title, "kind": step.kind.value, "committee_id": unit.committee_id,
                      "org_unit_id": unit.id, "active": True}
            if step.existing is None:
                position = Position(standing_standin_position_id=None, **values)
                new.append(position)
            else:
                position = step.existing
                _changed(actor, position, POSITION_FIELDS, values, "position")
            positions[(unit.id, step.title.casefold())] = position
        _created(actor, new, POSITION_FIELDS, "position")
        users.people_from_register(actor, [(s.existing, s.full_name, s.email, s.employee_number) for s in found.people])
        numbers = sorted({s.employee_number for s in found.appointments})
        people = {u.employee_number: u for start in range(0, len(numbers), 500) for u in db.session.scalars(
            select(User).where(User.employee_number.in_(numbers[start:start + 500])))}
        new, own = [], []
        for step in found.appointments:
            position = positions[(units[step.unit_code].id, step.title.casefold())]
            values = {"user_id": people[step.employee_number].id, "position_id": position.id,
                      "starts_on": step.starts_on, "ends_on": None}
            if step.own:
                own.append(values)
            else:
                new.append(Appointment(**values))
        _created(actor, new, APPOINTMENT_FIELDS, "appointment")
        for end in found.ends:
            appointment = end.appointment
            if end.ends_on is not None:
                _changed(actor, appointment, APPOINTMENT_FIELDS, {"ends_on": end.ends_on}, "appointment")
            else:
                record(actor, "appointment.delete", "appointment", appointment.id,
                       before=snapshot(appointment, APPOINTMENT_FIELDS), after={"reason": "org_import"})
                db.session.delete(appointment)
    db.session.flush()
    for values in own:
        # The form's own path: the registration waits for a second person with the same right.
        if not isinstance(appointment_save(actor, None, **values), PendingRegistration):
            raise ValidationFailed({"file": _("The organisation has changed since the preview was shown.")})
