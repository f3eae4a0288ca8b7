"""Reads about the organisation that several pages share: who holds what, and who stands in, on a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal import access
from portal.auth.models import User
from portal.extensions import db
from portal.memo import per_transaction
from portal.org import rules
from portal.org.bodies import OWN_LEGAL_PERSON, REPORTING_KINDS, creditor_of
from portal.org.models import Absence, Appointment, Committee, OrgUnit, Position, PositionKind

# Positions whose holder (or stand-in) sees the cases of their part of the organisation (RULINGS 10):
# a unit head their unit, a department head their department, each with the units below it.
SIGHT_KINDS = frozenset({PositionKind.UNIT_HEAD, PositionKind.DEPARTMENT_HEAD})
# Positions that act on cases (decide, prepare, book): elected members read cases through their
# meetings and the secretary through her agendas, never through the case list.
CASE_WORK_KINDS = frozenset({PositionKind.UNIT_HEAD, PositionKind.DEPARTMENT_HEAD,
                             PositionKind.FINANCE_DIRECTOR, PositionKind.FEE_OFFICER})


def reporting_committee_ids():
    """The bodies whose delegated decisions are reported to them (not a company's, RULINGS 12): every
    list of decisions waiting for a delegation report selects from these."""
    return select(Committee.id).where(Committee.kind.in_(REPORTING_KINDS))


def creditor_expression():
    """The legal person an invoice of a committee is owed to, in SQL (see bodies.creditor_of): every
    total of "the customer's other debt" sums only the case's own creditor's invoices."""
    return case((Committee.kind.in_([kind.value for kind in OWN_LEGAL_PERSON]), Committee.id), else_=0)


def creditor_of_committee(committee_id: int) -> int:
    committee = db.session.get(Committee, committee_id)
    return creditor_of(committee.kind if committee else None, committee_id)


def _covering(model, day: date):
    return (model.starts_on <= day) & or_(model.ends_on.is_(None), model.ends_on >= day)


def appointments_on(user_id: int, day: date) -> list[Appointment]:
    """The appointments a person holds on a day, with their positions and committees loaded; read
    once per transaction (a page asks in every access check)."""
    return list(per_transaction(("appointments_on", user_id, day), lambda: tuple(
        db.session.scalars(
            select(Appointment)
            .where(Appointment.user_id == user_id, _covering(Appointment, day))
            .options(
                joinedload(Appointment.position).joinedload(Position.committee),
                joinedload(Appointment.position).joinedload(Position.org_unit),
            )
            .order_by(Appointment.starts_on)
        )
    )))


def absence_on(user_id: int, day: date) -> Absence | None:
    return per_transaction(("absence_on", user_id, day), lambda: db.session.scalars(
        select(Absence).where(Absence.user_id == user_id, _covering(Absence, day)).limit(1)
    ).first())


def holders_on(position_ids: list[int], day: date) -> dict[int, list[User]]:
    """Holders of each position on a day (a position may have none: vacant)."""
    result: dict[int, list[User]] = {pid: [] for pid in position_ids}
    if not position_ids:
        return result
    rows = db.session.execute(
        select(Appointment.position_id, User)
        .join(User, User.id == Appointment.user_id)
        .where(Appointment.position_id.in_(position_ids), _covering(Appointment, day))
        .order_by(User.full_name)
    )
    for position_id, user in rows:
        result[position_id].append(user)
    return result


def absent_user_ids_on(user_ids: list[int], day: date) -> set[int]:
    """Which of these people are registered absent on a day."""
    if not user_ids:
        return set()
    return set(db.session.scalars(
        select(Absence.user_id).where(Absence.user_id.in_(user_ids), _covering(Absence, day))
    ))


@dataclass(frozen=True)
class StandinDuty:
    """Someone stands in today for a position whose holder is absent, or that is vacant."""

    position: Position
    absent_user: User | None  # None: the position is vacant
    basis: str  # "named_on_absence" | "standing_standin"
    until: date | None = None  # the absence's last day; None: until further notice (or vacant)


def standin_duties(user_id: int, day: date) -> list[StandinDuty]:
    """Where a person stands in on a day, in the precedence DOMAIN.md gives.

    First the absences that name this person; then positions whose standing stand-in is a
    position this person holds, where the holder is absent without a named stand-in, or where
    nobody holds the position at all. Read once per transaction.
    """
    return list(per_transaction(("standin_duties", user_id, day), lambda: tuple(_standin_duties(user_id, day))))


def _standin_duties(user_id: int, day: date) -> list[StandinDuty]:
    duties: list[StandinDuty] = []
    named = db.session.scalars(
        select(Absence)
        .where(Absence.standin_user_id == user_id, _covering(Absence, day))
        .options(joinedload(Absence.user))
    ).all()
    for absence in named:
        for appointment in appointments_on(absence.user_id, day):
            duties.append(StandinDuty(appointment.position, absence.user, "named_on_absence", absence.ends_on))

    held = [a.position_id for a in appointments_on(user_id, day)]
    if held:
        covered = db.session.scalars(
            select(Position)
            .where(Position.standing_standin_position_id.in_(held), Position.active.is_(True))
            .options(joinedload(Position.committee))
        ).all()
        holders = holders_on([p.id for p in covered], day)
        for position in covered:
            if not holders[position.id]:
                duties.append(StandinDuty(position, None, "standing_standin"))
            for holder in holders[position.id]:
                absence = absence_on(holder.id, day)
                if absence is not None and absence.standin_user_id is None and holder.id != user_id:
                    duties.append(StandinDuty(position, holder, "standing_standin", absence.ends_on))
    return duties


def committee_ids_in_sight(user_id: int, day: date) -> set[int]:
    """Committees a person sees through the positions they hold on a day (and a sub-committee's parent)."""
    ids: set[int] = set()
    for appointment in appointments_on(user_id, day):
        committee = appointment.position.committee
        ids.add(committee.id)
        if committee.parent_id:
            ids.add(committee.parent_id)
    return ids


def positions_of_duty(user_id: int, day: date) -> list[Position]:
    """The positions a person holds on a day and those they stand in for."""
    return [a.position for a in appointments_on(user_id, day)] + [d.position for d in standin_duties(user_id, day)]


def unit_subtree_ids(unit_ids: set[int]) -> set[int]:
    """These units and every unit below them."""
    if not unit_ids:
        return set()
    children = per_transaction("unit_children", _unit_children)
    found, todo = set(), list(unit_ids)
    while todo:
        unit_id = todo.pop()
        if unit_id not in found:
            found.add(unit_id)
            todo.extend(children.get(unit_id, []))
    return found


def _unit_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for unit_id, parent_id in db.session.execute(select(OrgUnit.id, OrgUnit.parent_id)):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(unit_id)
    return children


def units_in_sight(user_id: int, day: date) -> set[int]:
    """The units whose cases a person sees through a unit or department head's position held or
    stood in for on a day (with the units below them)."""
    return unit_subtree_ids({p.org_unit_id for p in positions_of_duty(user_id, day)
                             if p.org_unit_id is not None and PositionKind(p.kind) in SIGHT_KINDS})


def case_work_committee_ids(user_id: int, day: date) -> set[int]:
    """Main committees where a person holds or stands in for a position that acts on cases."""
    return {p.committee.main_committee_id for p in positions_of_duty(user_id, day)
            if PositionKind(p.kind) in CASE_WORK_KINDS}


def elected_committee_ids(user_id: int, day: date) -> set[int]:
    """Committees (and sub-committees) where the person holds an elected position on a day."""
    return {a.position.committee_id for a in appointments_on(user_id, day)
            if PositionKind(a.position.kind).is_elected}


def secretary_committee_ids(user_id: int, day: date) -> set[int]:
    """Committees a person is secretary of on a day: through a committee secretary position they
    hold, or one they stand in for (an assignment while its holder is away). The secretary of a
    committee is its sub-committees' secretary too."""
    positions = [a.position for a in appointments_on(user_id, day)]
    positions += [duty.position for duty in standin_duties(user_id, day)]
    ids = {p.committee_id for p in positions if p.kind == PositionKind.COMMITTEE_SECRETARY.value and p.active}
    if ids:
        ids |= set(db.session.scalars(select(Committee.id).where(Committee.parent_id.in_(ids))))
    return ids


@access.register(access.VIEW_COMMITTEE)
def _committee_rule(user: User, _action: str, committee: Committee | None, day: date) -> bool:
    if committee is None:
        return False
    return bool(user.roles & access.STAFF_ROLES) or committee.id in committee_ids_in_sight(user.id, day)


def absences_in_sight(user: User, day: date) -> list[Absence]:
    """Current and coming absences the person may read, in the query: every one for organisation
    readers; for anyone else her own and those that name her to stand in."""
    query = (select(Absence).where(or_(Absence.ends_on.is_(None), Absence.ends_on >= day))
             .options(joinedload(Absence.user), joinedload(Absence.standin))
             .order_by(Absence.starts_on, Absence.id))
    if not access.allowed(user, access.VIEW_ORGANISATION, on=day):
        query = query.where(or_(Absence.user_id == user.id, Absence.standin_user_id == user.id))
    return list(db.session.scalars(query))


def colleagues_of(user_id: int, day: date) -> list[User]:
    """Active people who hold, on the day, a position in a committee where this person holds one:
    whom a holder may name to stand in for her (by name)."""
    committees = {a.position.committee_id for a in appointments_on(user_id, day)}
    if not committees:
        return []
    return list(db.session.scalars(
        select(User).join(Appointment, Appointment.user_id == User.id)
        .join(Position, Position.id == Appointment.position_id)
        .where(Position.committee_id.in_(committees), _covering(Appointment, day), User.id != user_id,
               User.is_active_account.is_(True))
        .distinct().order_by(User.full_name, User.id)))


def _named_to_stand_in(user_id: int, day: date) -> bool:
    return db.session.scalar(select(Absence.id).where(
        Absence.standin_user_id == user_id, or_(Absence.ends_on.is_(None), Absence.ends_on >= day)).limit(1)) is not None


@access.register(access.VIEW_ABSENCES, access.REGISTER_OWN_ABSENCE)
def _absence_rule(user: User, action: str, absence: Absence | None, day: date) -> bool:
    held = [a.position_id for a in appointments_on(user.id, day)]
    if action == access.REGISTER_OWN_ABSENCE:
        return rules.may_register_own_absence(user.id, absence.user_id if absence is not None else None, held)
    return (access.allowed(user, access.VIEW_ORGANISATION, on=day) or bool(held)
            or bool(standin_duties(user.id, day)) or _named_to_stand_in(user.id, day))


def committees_tree() -> list[Committee]:
    """Main committees with their sub-committees, by name."""
    return list(
        db.session.scalars(
            select(Committee)
            .where(Committee.parent_id.is_(None))
            .options(selectinload(Committee.sub_committees))
            .order_by(Committee.name)
        )
    )


def units_of_committee(committee_id: int) -> list[OrgUnit]:
    """Departments and units of a committee, in tree order (parents before children, by name)."""
    units = list(
        db.session.scalars(
            select(OrgUnit).where(OrgUnit.committee_id == committee_id).order_by(OrgUnit.name)
        )
    )
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    known = {unit.id for unit in units}
    ordered: list[OrgUnit] = []

    def walk(parent_id: int | None) -> None:
        for unit in children.get(parent_id, []):
            ordered.append(unit)
            walk(unit.id)

    walk(None)
    for unit in units:  # a unit whose parent belongs to another committee still shows
        if unit.parent_id is not None and unit.parent_id not in known:
            ordered.append(unit)
            walk(unit.id)
    return ordered


def unit_depth(unit: OrgUnit) -> int:
    depth, current = 0, unit
    while current.parent is not None and depth < 20:
        depth, current = depth + 1, current.parent
    return depth


def positions_of_committee(committee_id: int) -> list[Position]:
    return list(
        db.session.scalars(
            select(Position)
            .where(Position.committee_id == committee_id)
            .options(joinedload(Position.org_unit), joinedload(Position.standing_standin))
            .order_by(Position.title)
        )
    )
