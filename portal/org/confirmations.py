"""Four eyes on registrations that would make their registering person a decider (RULINGS 9).

Every service that registers who holds a position, who is absent and who stands in, or who a rule
is passed on to, asks `hold_if_self_made` before it writes. When the registration would let the
registering person decide something they could not decide before (portal/org/rules.py says), it is
not written: it waits here, outside the tables the engine reads, until a second person with the same
right confirms it. Confirming runs the same service again with the confirming person as actor, so
every check (and this one, for the confirming person) holds at the moment it takes effect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from portal import access, clock
from portal.audit.services import Actor, record
from portal.auth.models import User
from portal.delegation import queries as delegation_queries
from portal.delegation import snapshot as sn
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org import rules
from portal.org.models import (
    Absence,
    Appointment,
    PendingRegistration,
    Position,
    RegistrationKind,
    RegistrationState,
)
from portal.org.queries import appointments_on

ORGANISATION_KINDS = frozenset(
    {RegistrationKind.APPOINTMENT, RegistrationKind.ABSENCE, RegistrationKind.POSITION}
)
DATE_FIELDS = frozenset({"starts_on", "ends_on"})

# kind -> how a confirmed registration is applied: the registering service, called again with the
# confirming person as actor. Registered by org.services and delegation.services at import.
APPLIERS: dict[str, Callable[[Actor, PendingRegistration], Any]] = {}


class OwnRegistration(ValidationFailed):
    """The registering person tried to confirm their own registration: refused, and recorded."""


def applies(kind: RegistrationKind):
    def register(function):
        APPLIERS[kind.value] = function
        return function

    return register


# --- the check --------------------------------------------------------------------------------------

def _window(*periods: tuple[date | None, date | None] | None) -> tuple[date, date | None]:
    """The days a change touches: from the earliest start to the latest end of its old and new rows."""
    known = [p for p in periods if p is not None and p[0] is not None]
    if not known:
        return date.min, None
    first = min(p[0] for p in known)
    last = None if any(p[1] is None for p in known) else max(p[1] for p in known)
    return first, last


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def parsed(payload: dict[str, Any]) -> dict[str, Any]:
    """The registration's values as the service takes them (dates back to dates)."""
    return {k: date.fromisoformat(v) if k in DATE_FIELDS and v else v for k, v in payload.items()}


def hold_if_self_made(
    actor: Actor,
    kind: RegistrationKind,
    object_id: int | None,
    values: dict[str, Any],
    before: sn.OrgSnapshot,
    after: sn.OrgSnapshot,
    window: tuple[date, date | None],
    *,
    confirming_position_id: int | None = None,
) -> PendingRegistration | None:
    """Hold the registration for a second person when it would make the actor a decider."""
    today = clock.today()
    gain = rules.self_made_decider(before, after, actor.user_id, today, window)
    if gain is None:
        return None
    registration = PendingRegistration(
        kind=kind.value,
        object_id=object_id,
        payload=_plain(values),
        gained=gain.position_ids,
        state=RegistrationState.PENDING.value,
        registered_by_id=actor.user_id,
        registered_at=clock.now(),
        confirming_position_id=confirming_position_id,
    )
    db.session.add(registration)
    db.session.flush()
    record(actor, "registration.hold", "pending_registration", registration.id,
           after={"kind": kind.value, "object_id": object_id, "values": registration.payload,
                  "gained_position_ids": gain.position_ids, "from": gain.day.isoformat()})
    return registration


def appointment_change(
    actor: Actor, appointment: Appointment, values: dict[str, Any]
) -> PendingRegistration | None:
    before = delegation_queries.org_snapshot()
    old = None
    if appointment.id is not None:
        old = sn.Appointment(appointment.user_id, appointment.position_id, appointment.starts_on,
                             appointment.ends_on)
    new = sn.Appointment(values["user_id"], values["position_id"], values["starts_on"], values["ends_on"])
    after = replace(before, appointments=(*rules.without(before.appointments, old), new))
    window = _window(old and (old.starts_on, old.ends_on), (new.starts_on, new.ends_on))
    return hold_if_self_made(actor, RegistrationKind.APPOINTMENT, appointment.id, values,
                             before, after, window)


def absence_change(actor: Actor, absence: Absence, values: dict[str, Any]) -> PendingRegistration | None:
    before = delegation_queries.org_snapshot()
    old = None
    if absence.id is not None:
        old = sn.Absence(absence.user_id, absence.starts_on, absence.ends_on, absence.standin_user_id)
    new = sn.Absence(values["user_id"], values["starts_on"], values["ends_on"], values["standin_user_id"])
    after = replace(before, absences=(*rules.without(before.absences, old), new))
    window = _window(old and (old.starts_on, old.ends_on), (new.starts_on, new.ends_on))
    return hold_if_self_made(actor, RegistrationKind.ABSENCE, absence.id, values, before, after, window)


def position_change(actor: Actor, position: Position, values: dict[str, Any]) -> PendingRegistration | None:
    """Only a position's standing stand-in can make someone a decider; a new position is vacant and
    so falls to its standing stand-in at once."""
    if position.id is not None and values["standing_standin_position_id"] == position.standing_standin_position_id:
        return None
    if values["standing_standin_position_id"] is None:
        return None
    before = delegation_queries.org_snapshot()
    position_id = position.id if position.id is not None else -1
    new = sn.Position(position_id, values["kind"], values["committee_id"], values["org_unit_id"],
                      values["standing_standin_position_id"])
    old = before.position_by_id.get(position_id)
    after = replace(before, positions=(*rules.without(before.positions, old), new))
    return hold_if_self_made(actor, RegistrationKind.POSITION, position.id, values, before, after,
                             (clock.today(), None))


# --- who confirms ------------------------------------------------------------------------------------

def has_same_right(user: User, registration: PendingRegistration) -> bool:
    """The right the registration needed: editing the organisation, or holding the delegating
    position today (further delegation, kommunallagen 7 kap 6 §)."""
    if registration.kind_enum in ORGANISATION_KINDS:
        return access.allowed(user, access.EDIT_ORGANISATION)
    return registration.confirming_position_id in {
        a.position_id for a in appointments_on(user.id, clock.today())
    }


def may_decide(user: User, registration: PendingRegistration) -> bool:
    """May confirm or refuse it: the same right. Whether they are the registering person is checked
    (and a refusal recorded) by confirm()."""
    return has_same_right(user, registration)


def may_refuse(user: User, registration: PendingRegistration) -> bool:
    """The registering person withdraws their own registration rather than refusing it."""
    return registration.registered_by_id != user.id and has_same_right(user, registration)


def may_withdraw(user: User, registration: PendingRegistration) -> bool:
    return registration.registered_by_id == user.id


def _confirmable_by(user: User) -> list:
    """Conditions for the pending registrations the user has the right to confirm."""
    held = [a.position_id for a in appointments_on(user.id, clock.today())]
    found = []
    if held:
        found.append(PendingRegistration.confirming_position_id.in_(held))
    if access.allowed(user, access.EDIT_ORGANISATION):
        found.append(PendingRegistration.kind.in_([k.value for k in ORGANISATION_KINDS]))
    return found


def registrations_in_sight(user: User) -> list[PendingRegistration]:
    """Pending registrations the user may confirm, or registered themselves: filtered in the query."""
    seen = [PendingRegistration.registered_by_id == user.id, *_confirmable_by(user)]
    return list(db.session.scalars(
        select(PendingRegistration)
        .where(PendingRegistration.state == RegistrationState.PENDING.value, or_(*seen))
        .options(joinedload(PendingRegistration.registered_by))
        .order_by(PendingRegistration.registered_at, PendingRegistration.id)
    ))


def to_confirm_count(user: User) -> int:
    """How many registrations of others wait for this user's confirmation (for Mina uppgifter)."""
    confirmable = _confirmable_by(user)
    if not confirmable:
        return 0
    return db.session.scalar(
        select(func.count()).select_from(PendingRegistration)
        .where(PendingRegistration.state == RegistrationState.PENDING.value,
               PendingRegistration.registered_by_id != user.id, or_(*confirmable))
    ) or 0


# --- confirm, refuse, withdraw ------------------------------------------------------------------------

def _refuse_unless_pending(registration: PendingRegistration) -> None:
    if not registration.is_pending:
        raise ValidationFailed({"registration": _("The registration has already been dealt with.")})


def _close(actor: Actor, registration: PendingRegistration, state: RegistrationState, action: str,
           **after: Any) -> None:
    registration.state = state.value
    registration.decided_by_id = actor.user_id
    registration.decided_at = clock.now()
    db.session.flush()
    record(actor, action, "pending_registration", registration.id,
           after={"kind": registration.kind, "registered_by_id": registration.registered_by_id, **after})


def confirm(actor: Actor, registration: PendingRegistration) -> Any:
    """A second person confirms: the registration takes effect through its own service.

    The registering person cannot confirm it: that attempt is recorded (the caller commits it on its
    own, nothing else having changed) and refused with OwnRegistration.
    """
    _refuse_unless_pending(registration)
    if actor.user_id == registration.registered_by_id:
        record(actor, "registration.confirm_refused", "pending_registration", registration.id,
               after={"kind": registration.kind, "reason": "own_registration"})
        raise OwnRegistration({"registration": _(
            "You registered this yourself, and it would make you a decider: another person with the "
            "same right must confirm it."
        )})
    result = APPLIERS[registration.kind](actor, registration)
    if isinstance(result, PendingRegistration):
        raise ValidationFailed({"registration": _(
            "Confirming this would make you a decider yourself: a third person must confirm it."
        )})
    registration.result_id = result.id
    _close(actor, registration, RegistrationState.CONFIRMED, "registration.confirm", result_id=result.id)
    return result


def refuse(actor: Actor, registration: PendingRegistration) -> None:
    _refuse_unless_pending(registration)
    if actor.user_id == registration.registered_by_id:
        raise ValidationFailed({"registration": _("Withdraw your own registration instead.")})
    _close(actor, registration, RegistrationState.REFUSED, "registration.refuse")


def withdraw(actor: Actor, registration: PendingRegistration) -> None:
    _refuse_unless_pending(registration)
    _close(actor, registration, RegistrationState.WITHDRAWN, "registration.withdraw")


# --- what the page shows --------------------------------------------------------------------------------

def _period(values: dict[str, Any]) -> str:
    start = values.get("starts_on") or ""
    end = values.get("ends_on") or _("until further notice")
    return f"{start} – {end}"


def describe(registration: PendingRegistration) -> tuple[str, list[tuple[str, str]]]:
    """What the registration would do, in words: (what, [(label, value), ...])."""
    values = registration.payload
    user_ids = {values.get(k) for k in ("user_id", "standin_user_id") if values.get(k)}
    position_ids = {values.get(k) for k in ("position_id", "standing_standin_position_id",
                                           "delegating_position_id", "receiving_position_id")
                    if values.get(k)} | set(registration.gained)
    users = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).all())
    positions = dict(db.session.execute(
        select(Position.id, Position.title).where(Position.id.in_(position_ids))).all())
    positions[-1] = values.get("title") or _("the new position")
    gained = ", ".join(positions.get(p, "") for p in registration.gained)
    kind = registration.kind_enum
    if kind == RegistrationKind.APPOINTMENT:
        what = _("Appointment") if registration.object_id is None else _("Change of appointment")
        details = [(_("Person"), users.get(values["user_id"], "")),
                   (_("Position"), positions.get(values["position_id"], "")),
                   (_("Period"), _period(values))]
    elif kind == RegistrationKind.ABSENCE:
        what = _("Absence") if registration.object_id is None else _("Change of absence")
        details = [(_("Absent person"), users.get(values["user_id"], "")),
                   (_("Period"), _period(values)),
                   (_("Stands in"), users.get(values.get("standin_user_id"), _("the standing stand-in")))]
    elif kind == RegistrationKind.POSITION:
        what = _("New position") if registration.object_id is None else _("Change of position")
        details = [(_("Position"), values.get("title", "")),
                   (_("Standing stand-in"), positions.get(values["standing_standin_position_id"], ""))]
    else:
        what = _("Further delegation")
        details = [(_("Rule"), values.get("rule_number", "")),
                   (_("From position"), positions.get(values["delegating_position_id"], "")),
                   (_("To position"), positions.get(values["receiving_position_id"], "")),
                   (_("Period"), _period(values))]
    details.append((_("Would let the registering person decide as"), gained))
    return what, details
