"""Importing the organisation from the HR system's file: upload (kept for the preview), then import all or nothing.

Every unit, position, person and appointment created, changed, ended or cancelled is audited in the
import's own transaction. An appointment of the importing person waits for a second person with the
same right (RULINGS 9), through the same registration that the appointment form uses.
"""

from __future__ import annotations

import hashlib
from datetime import date

from flask_babel import gettext as _

from portal import clock
from portal.audit.services import Actor, record, record_refusal, snapshot
from portal.auth import services as users
from portal.auth.models import User
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org import import_file, import_plan
from portal.org.models import Appointment, OrgImport, OrgUnit, PendingRegistration, Position
from portal.org.services import APPOINTMENT_FIELDS, POSITION_FIELDS, UNIT_FIELDS, _save, appointment_save


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


def _apply(actor: Actor, found: import_plan.Plan, today: date) -> None:
    units = {u.code: u for u in db.session.query(OrgUnit).where(OrgUnit.code.is_not(None))}
    # Parents before their units: a unit's depth in the file (the portal's units are already there).
    steps = {s.code: s for s in found.units}

    def depth(step) -> int:
        n, parent = 0, step.parent_code
        while parent in steps and n < len(steps):
            n, parent = n + 1, steps[parent].parent_code
        return n

    for step in sorted(found.units, key=depth):
        unit = step.existing or OrgUnit()
        _save(actor, unit, UNIT_FIELDS, {
            "name": step.name, "kind": step.kind, "code": step.code, "committee_id": step.committee.id,
            "parent_id": units[step.parent_code].id if step.parent_code else None, "active": True,
        }, "org_unit")
        units[step.code] = unit
    positions: dict[tuple[str, str], Position] = {}
    for step in found.positions:
        unit = units[step.unit_code]
        position = step.existing or Position(standing_standin_position_id=None)
        _save(actor, position, POSITION_FIELDS, {
            "title": step.title, "kind": step.kind.value, "committee_id": unit.committee_id,
            "org_unit_id": unit.id, "active": True,
        }, "position")
        positions[(step.unit_code, step.title.casefold())] = position
    people: dict[str, User] = {}
    for step in found.people:
        if step.existing is None:
            people[step.employee_number] = users.user_create_without_password(
                actor, full_name=step.full_name, email=step.email, employee_number=step.employee_number)
        else:
            people[step.employee_number] = users.user_update_from_register(
                actor, step.existing, full_name=step.full_name, email=step.email,
                employee_number=step.employee_number)
    for step in found.appointments:
        person = people.get(step.employee_number) or db.session.query(User).filter_by(
            employee_number=step.employee_number).one()
        position = positions.get((step.unit_code, step.title.casefold())) or _position(units[step.unit_code], step.title)
        values = {"user_id": person.id, "position_id": position.id, "starts_on": step.starts_on, "ends_on": None}
        if step.own:
            # The form's own path: the registration waits for a second person with the same right.
            result = appointment_save(actor, None, **values)
            if not isinstance(result, PendingRegistration):
                raise ValidationFailed({"file": _("The organisation has changed since the preview was shown.")})
        else:
            _save(actor, Appointment(), APPOINTMENT_FIELDS, values, "appointment")
    for end in found.ends:
        appointment = end.appointment
        if end.ends_on is not None:
            _save(actor, appointment, APPOINTMENT_FIELDS, {"ends_on": end.ends_on}, "appointment")
        else:
            record(actor, "appointment.delete", "appointment", appointment.id,
                   before=snapshot(appointment, APPOINTMENT_FIELDS), after={"reason": "org_import"})
            db.session.delete(appointment)
    db.session.flush()


def _position(unit: OrgUnit, title: str) -> Position:
    for position in db.session.query(Position).filter_by(org_unit_id=unit.id).order_by(Position.id):
        if position.title.casefold() == title.casefold():
            return position
    raise ValidationFailed({"file": _("The organisation has changed since the preview was shown.")})
