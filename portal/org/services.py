"""Changes to the organisation: each checks its input, flushes, and writes the audit trail."""

from __future__ import annotations

import hashlib
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.audit.services import Actor, changes, record, record_refusal, snapshot
from portal.auth.models import User
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.identifiers import checked_text, registry_format_error
from portal import clock
from portal.org import confirmations, queries, rules
from portal.org.confirmations import applies, parsed
from portal.org.models import (
    Absence,
    Appointment,
    BodyKind,
    Committee,
    Municipality,
    OrgUnit,
    PendingRegistration,
    Position,
    PositionKind,
    RegistrationKind,
    UnitKind,
)

COMMITTEE_FIELDS = ("name", "kind", "code", "parent_id", "registry_format", "active")
UNIT_FIELDS = ("name", "kind", "code", "parent_id", "committee_id", "active")
POSITION_FIELDS = ("title", "kind", "committee_id", "org_unit_id", "standing_standin_position_id", "active")
APPOINTMENT_FIELDS = ("user_id", "position_id", "starts_on", "ends_on")
ABSENCE_FIELDS = ("user_id", "starts_on", "ends_on", "standin_user_id", "note")
MUNICIPALITY_FIELDS = ("name", "organisation_number", "logo_mimetype")

LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
LOGO_MAX_BYTES = 512 * 1024


def _save(actor: Actor, obj, fields: tuple[str, ...], values: dict, object_type: str) -> None:
    """Apply values to a new or existing object and record exactly what changed."""
    is_new = obj.id is None
    before = {} if is_new else snapshot(obj, fields)
    for name in fields:
        if name in values:
            setattr(obj, name, values[name])
    if is_new:
        db.session.add(obj)
    db.session.flush()
    after = snapshot(obj, fields)
    if is_new:
        record(actor, f"{object_type}.create", object_type, obj.id, after=after)
        return
    before, after = changes(before, after)
    if after:
        record(actor, f"{object_type}.update", object_type, obj.id, before=before, after=after)


def _dates_in_order(starts_on: date | None, ends_on: date | None) -> dict[str, str]:
    if starts_on is None:
        return {"starts_on": _("Enter a start date.")}
    if ends_on is not None and ends_on < starts_on:
        return {"ends_on": _("The end date cannot be before the start date.")}
    return {}


def municipality_get() -> Municipality:
    municipality = db.session.scalars(select(Municipality).limit(1)).first()
    if municipality is None:
        municipality = Municipality(name="")
        db.session.add(municipality)
        db.session.flush()
    return municipality


def municipality_update(
    actor: Actor, *, name: str, organisation_number: str | None, logo: bytes | None = None
) -> Municipality:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Enter the municipality's name.")
    mimetype = None
    if logo is not None:
        mimetype = next((kind for magic, kind in LOGO_TYPES.items() if logo.startswith(magic)), None)
        if mimetype is None:
            errors["logo"] = _("The logo must be a PNG or JPEG image.")
        elif len(logo) > LOGO_MAX_BYTES:
            errors["logo"] = _("The logo may be at most 512 kB.")
    if "logo" in errors:
        record_refusal(actor, "upload.refused", "municipality", None, reason=errors["logo"],
                       details={"kind": "logo", "size": len(logo), "sha256": hashlib.sha256(logo).hexdigest()})
    if errors:
        raise ValidationFailed(errors)
    municipality = municipality_get()
    values = {"name": name.strip(), "organisation_number": (organisation_number or "").strip() or None}
    if logo is not None:
        municipality.logo = logo
        values["logo_mimetype"] = mimetype
        record(actor, "municipality.logo", "municipality", municipality.id, after={"bytes": len(logo)})
    _save(actor, municipality, MUNICIPALITY_FIELDS, values, "municipality")
    return municipality


def committee_save(
    actor: Actor,
    committee: Committee | None,
    *,
    name: str,
    code: str,
    parent_id: int | None,
    registry_format: str | None = None,
    active: bool = True,
    kind: str = BodyKind.COMMITTEE.value,
) -> Committee:
    committee = committee or Committee()
    errors: dict[str, str] = {}
    if kind not in {k.value for k in BodyKind}:
        errors["kind"] = _("Choose what kind of body it is.")
    name, name_error = checked_text(name)
    code, code_error = checked_text(code)
    code = code.upper()
    if name_error:
        errors["name"] = name_error
    elif not name:
        errors["name"] = _("Enter the committee's name.")
    if code_error:
        errors["code"] = code_error
    elif not code:
        errors["code"] = _("Enter a short code, e.g. SN.")
    elif len(code) > 20 or not all(char.isalnum() or char in "-_" for char in code):
        errors["code"] = _("The short code may hold at most 20 letters, digits, dashes and underscores.")
    elif db.session.scalar(
        select(func.count()).where(Committee.code == code, Committee.id != (committee.id or -1))
    ):
        errors["code"] = _("Another committee already has the code %(code)s.", code=code)
    if parent_id is not None:
        parent = db.session.get(Committee, parent_id)
        if parent is None or parent.parent_id is not None or parent.id == committee.id:
            errors["parent_id"] = _("A sub-committee belongs to a main committee.")
        elif committee.id is not None and committee.sub_committees:
            errors["parent_id"] = _("A committee with sub-committees cannot itself be a sub-committee.")
        else:
            kind = parent.kind  # a sub-committee (utskott) is of its main body's kind
    registry_format, format_error = checked_text(registry_format or "{code} {year}/{number}")
    format_error = format_error or registry_format_error(registry_format)
    if format_error:
        errors["registry_format"] = format_error
    if errors:
        raise ValidationFailed(errors)
    values = dict(name=name, kind=kind, code=code, parent_id=parent_id,
                  registry_format=registry_format, active=active)
    _save(actor, committee, COMMITTEE_FIELDS, values, "committee")
    for sub in committee.sub_committees if committee.parent_id is None else ():
        _save(actor, sub, ("kind",), {"kind": kind}, "committee")
    return committee


def unit_save(
    actor: Actor,
    unit: OrgUnit | None,
    *,
    name: str,
    kind: str,
    code: str | None,
    parent_id: int | None,
    committee_id: int,
    active: bool = True,
) -> OrgUnit:
    unit = unit or OrgUnit()
    errors: dict[str, str] = {}
    code = (code or "").strip() or None
    if not name.strip():
        errors["name"] = _("Enter the name.")
    if kind not in set(UnitKind):
        errors["kind"] = _("Choose department or unit.")
    if db.session.get(Committee, committee_id) is None:
        errors["committee_id"] = _("Choose a committee.")
    if code and db.session.scalar(
        select(func.count()).where(OrgUnit.code == code, OrgUnit.id != (unit.id or -1))
    ):
        errors["code"] = _("Another unit already has the code %(code)s.", code=code)
    if parent_id is not None:
        parent = db.session.get(OrgUnit, parent_id)
        ancestor, hops = parent, 0
        while ancestor is not None and hops < 50:
            if unit.id is not None and ancestor.id == unit.id:
                errors["parent_id"] = _("A unit cannot be placed below itself.")
                break
            ancestor, hops = ancestor.parent, hops + 1
        if parent is None:
            errors["parent_id"] = _("Choose an existing department or unit.")
    elif kind == UnitKind.UNIT:
        errors["parent_id"] = _("A unit belongs to a department: choose where it belongs.")
    if errors:
        raise ValidationFailed(errors)
    values = dict(name=name.strip(), kind=kind, code=code, parent_id=parent_id,
                  committee_id=committee_id, active=active)
    _save(actor, unit, UNIT_FIELDS, values, "org_unit")
    return unit


def position_save(
    actor: Actor,
    position: Position | None,
    *,
    title: str,
    kind: str,
    committee_id: int,
    org_unit_id: int | None,
    standing_standin_position_id: int | None,
    active: bool = True,
) -> Position | PendingRegistration:
    """Add or change a position. A standing stand-in that would make the actor a decider waits for
    a second editor's confirmation (the whole registration, so nothing half takes effect)."""
    position = position or Position()
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Enter the title.")
    if kind not in set(PositionKind):
        errors["kind"] = _("Choose a kind of position.")
    elif PositionKind(kind).is_elected and org_unit_id is not None:
        errors["org_unit_id"] = _("An elected position belongs to the committee, not to a unit.")
    elif not PositionKind(kind).is_elected and org_unit_id is None:
        errors["org_unit_id"] = _("An employee's position belongs to a department or unit.")
    if db.session.get(Committee, committee_id) is None:
        errors["committee_id"] = _("Choose a committee.")
    if org_unit_id is not None and db.session.get(OrgUnit, org_unit_id) is None:
        errors["org_unit_id"] = _("Choose an existing department or unit.")
    if standing_standin_position_id is not None:
        if position.id is not None and standing_standin_position_id == position.id:
            errors["standing_standin_position_id"] = _("A position cannot stand in for itself.")
        elif db.session.get(Position, standing_standin_position_id) is None:
            errors["standing_standin_position_id"] = _("Choose an existing position.")
    if errors:
        raise ValidationFailed(errors)
    values = dict(title=title.strip(), kind=kind, committee_id=committee_id, org_unit_id=org_unit_id,
                  standing_standin_position_id=standing_standin_position_id, active=active)
    pending = confirmations.position_change(actor, position, values)
    if pending is not None:
        return pending
    _save(actor, position, POSITION_FIELDS, values, "position")
    return position


def appointment_save(
    actor: Actor,
    appointment: Appointment | None,
    *,
    user_id: int | None,
    position_id: int,
    starts_on: date | None,
    ends_on: date | None,
) -> Appointment | PendingRegistration:
    """Appoint a person to a position; appointing oneself (or lengthening one's own appointment)
    waits for a second editor's confirmation."""
    appointment = appointment or Appointment()
    errors = _dates_in_order(starts_on, ends_on)
    user = db.session.get(User, user_id) if user_id else None
    if user is None:
        errors["user_id"] = _("Choose a person.")
    elif not user.is_active_account:
        errors["user_id"] = _("The account is deactivated and cannot be appointed.")
    if db.session.get(Position, position_id) is None:
        errors["position_id"] = _("Choose a position.")
    if not errors:
        overlapping = db.session.scalar(
            select(func.count()).where(
                Appointment.user_id == user_id,
                Appointment.position_id == position_id,
                Appointment.id != (appointment.id or -1),
                Appointment.starts_on <= (ends_on or date.max),
                (Appointment.ends_on.is_(None)) | (Appointment.ends_on >= starts_on),
            )
        )
        if overlapping:
            errors["starts_on"] = _("The person already holds this position during these dates.")
    if errors:
        raise ValidationFailed(errors)
    values = dict(user_id=user_id, position_id=position_id, starts_on=starts_on, ends_on=ends_on)
    pending = confirmations.appointment_change(actor, appointment, values)
    if pending is not None:
        return pending
    _save(actor, appointment, APPOINTMENT_FIELDS, values, "appointment")
    return appointment


def absence_save(
    actor: Actor,
    absence: Absence | None,
    *,
    user_id: int | None,
    starts_on: date | None,
    ends_on: date | None,
    standin_user_id: int | None,
    note: str | None,
) -> Absence | PendingRegistration:
    """Register an absence. One that names the actor as stand-in, or leaves the absent person's
    positions to a stand-in position the actor holds, waits for a second editor's confirmation."""
    absence = absence or Absence()
    errors = _dates_in_order(starts_on, ends_on)
    if user_id is None or db.session.get(User, user_id) is None:
        errors["user_id"] = _("Choose a person.")
    if standin_user_id is not None:
        standin = db.session.get(User, standin_user_id)
        if standin_user_id == user_id:
            errors["standin_user_id"] = _("A person cannot stand in for themselves.")
        elif standin is None or not standin.is_active_account:
            errors["standin_user_id"] = _("Choose an active person as stand-in.")
    if not errors:
        overlapping = db.session.scalar(
            select(func.count()).where(
                Absence.user_id == user_id,
                Absence.id != (absence.id or -1),
                Absence.starts_on <= (ends_on or date.max),
                (Absence.ends_on.is_(None)) | (Absence.ends_on >= starts_on),
            )
        )
        if overlapping:
            errors["starts_on"] = _("The person is already registered absent during these dates.")
    if errors:
        raise ValidationFailed(errors)
    values = dict(user_id=user_id, starts_on=starts_on, ends_on=ends_on,
                  standin_user_id=standin_user_id, note=(note or "").strip() or None)
    pending = confirmations.absence_change(actor, absence, values)
    if pending is not None:
        return pending
    _save(actor, absence, ABSENCE_FIELDS, values, "absence")
    return absence


def own_absence_save(actor: Actor, absence: Absence | None, *, starts_on: date | None, ends_on: date | None,
                     standin_user_id: int | None, note: str | None) -> Absence | PendingRegistration:
    """A holder registers or changes her own absence, with her stand-in and until when: the same
    checks and the same hold for a self-made decider (RULINGS 9) as an editor's registration."""
    held = [a.position_id for a in queries.appointments_on(actor.user_id, clock.today())]
    if not rules.may_register_own_absence(actor.user_id, absence.user_id if absence else None, held):
        raise ValidationFailed({"user_id": _("You can register only your own absence, while you hold a position.")})
    colleagues = {u.id for u in queries.colleagues_of(actor.user_id, clock.today())}
    if standin_user_id != actor.user_id and not rules.may_name_as_own_standin(standin_user_id, colleagues):
        raise ValidationFailed({"standin_user_id": _("Choose a stand-in who holds a position in your committee.")})
    return absence_save(actor, absence, user_id=actor.user_id, starts_on=starts_on, ends_on=ends_on,
                        standin_user_id=standin_user_id, note=note)


def absence_delete(actor: Actor, absence: Absence) -> None:
    """An absence registered by mistake may be removed; the trail keeps what it said.

    Removing an absence makes no one a decider but the absent person, who comes back to the
    positions they hold (stand-ins are not chained, so nobody else gains): no confirmation."""
    record(actor, "absence.delete", "absence", absence.id, before=snapshot(absence, ABSENCE_FIELDS))
    db.session.delete(absence)
    db.session.flush()


# --- registrations confirmed by a second person (confirmations.py) ---------------------------------

def _existing(model, registration: PendingRegistration):
    if registration.object_id is None:
        return None
    found = db.session.get(model, registration.object_id)
    if found is None:
        raise ValidationFailed({"registration": _("What the registration changes no longer exists.")})
    return found


@applies(RegistrationKind.APPOINTMENT)
def _apply_appointment(actor: Actor, registration: PendingRegistration):
    return appointment_save(actor, _existing(Appointment, registration), **parsed(registration.payload))


@applies(RegistrationKind.ABSENCE)
def _apply_absence(actor: Actor, registration: PendingRegistration):
    return absence_save(actor, _existing(Absence, registration), **parsed(registration.payload))


@applies(RegistrationKind.POSITION)
def _apply_position(actor: Actor, registration: PendingRegistration):
    return position_save(actor, _existing(Position, registration), **parsed(registration.payload))
