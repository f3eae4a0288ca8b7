"""The one place that answers: may this user see or change this object? Views never decide it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort

from portal import clock
from portal.auth.models import User
from portal.auth.roles import Role
from portal.org.models import Committee

# Actions on the organisation and users.
VIEW_ORGANISATION = "organisation.view"
EDIT_ORGANISATION = "organisation.edit"
VIEW_COMMITTEE = "committee.view"
MANAGE_USERS = "users.manage"
VIEW_USER = "user.view"

# --- cases ---
VIEW_CASE = "case.view"
LIST_CASES = "case.list"
PREPARE_CASE = "case.prepare"
CONSULT_CASE = "case.consult"
EXECUTE_CASE = "case.execute"

STAFF_ROLES = frozenset(Role)
ORGANISATION_EDITORS = frozenset({Role.FINANCE_DIRECTOR, Role.ADMINISTRATOR})


def _committee_in_sight(user: User, committee: Committee, day: date) -> bool:
    from portal.org.queries import committee_ids_in_sight

    return committee.id in committee_ids_in_sight(user.id, day)


def _employee_committees(user: User, day: date) -> set[int]:
    """Committees where the person holds, or stands in for, an employee's position today: unit and
    department heads see the cases they may be asked to decide."""
    from portal.cases.queries import committees_of_duty

    return committees_of_duty(user.id, day, employees_only=True)


def allowed(user: Any, action: str, obj: Any = None, *, on: date | None = None) -> bool:
    """True when the user may perform the action on the object (on a day; default today)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    day = on or clock.today()
    roles = user.roles
    if action == VIEW_ORGANISATION:
        return bool(roles & STAFF_ROLES)
    if action == EDIT_ORGANISATION:
        return bool(roles & ORGANISATION_EDITORS)
    if action == MANAGE_USERS:
        return Role.ADMINISTRATOR in roles
    if action == VIEW_USER:
        return obj is not None and (obj.id == user.id or bool(roles & ORGANISATION_EDITORS))
    if action in (LIST_CASES,):
        return bool(roles & STAFF_ROLES) or bool(_employee_committees(user, day))
    if action == PREPARE_CASE:
        return Role.CASE_OFFICER in roles
    if action in (CONSULT_CASE, EXECUTE_CASE):
        return Role.FINANCE_OFFICER in roles
    if action == VIEW_CASE:
        if obj is None:
            return False
        return bool(roles & STAFF_ROLES) or obj.committee_id in _employee_committees(user, day)
    if action == VIEW_COMMITTEE:
        if obj is None:
            return False
        return bool(roles & STAFF_ROLES) or _committee_in_sight(user, obj, day)
    raise ValueError(f"unknown action {action!r}")


def require(user: Any, action: str, obj: Any = None) -> None:
    """Abort with 403 unless allowed (anonymous users never reach this: views require login)."""
    if not allowed(user, action, obj):
        abort(403)


def capacity(user: User, action: str) -> str:
    """The system role under which the user performs an action, for the audit trail."""
    editors = {
        EDIT_ORGANISATION: (Role.FINANCE_DIRECTOR, Role.ADMINISTRATOR),
        MANAGE_USERS: (Role.ADMINISTRATOR,),
        PREPARE_CASE: (Role.CASE_OFFICER,),
        CONSULT_CASE: (Role.FINANCE_OFFICER,),
        EXECUTE_CASE: (Role.FINANCE_OFFICER,),
    }.get(action, tuple(Role))
    for role in editors:
        if role in user.roles:
            return role.value
    return "user"
