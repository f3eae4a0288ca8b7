"""Object factories: each makes a valid object with sensible defaults and flushes it."""

from __future__ import annotations

import itertools
import secrets
from datetime import date

from werkzeug.security import generate_password_hash

from portal import clock
from portal.auth.models import User, UserRole
from portal.auth.roles import Role
from portal.extensions import db
from portal.org.models import Absence, Appointment, Committee, OrgUnit, Position, PositionKind

PASSWORD = "correct-horse-battery"
_HASH = generate_password_hash(PASSWORD)  # hashing is slow on purpose: do it once per run
_seq = itertools.count(1)


def user(username: str | None = None, *roles: Role, full_name: str | None = None,
         active: bool = True) -> User:
    n = next(_seq)
    account = User(
        username=username or f"user{n}",
        full_name=full_name or f"Person {n}",
        email=None,
        password_hash=_HASH,
        is_active_account=active,
        created_at=clock.now(),
        session_token=secrets.token_hex(16),
    )
    account.role_rows = [UserRole(role=Role(r).value) for r in roles]
    db.session.add(account)
    db.session.flush()
    return account


def committee(code: str | None = None, name: str | None = None, parent: Committee | None = None) -> Committee:
    n = next(_seq)
    item = Committee(name=name or f"Nämnd {n}", code=code or f"N{n}", parent_id=parent.id if parent else None,
                     registry_format="{code} {year}/{number}", active=True)
    db.session.add(item)
    db.session.flush()
    return item


def unit(committee_: Committee, name: str | None = None, kind: str = "unit",
         parent: OrgUnit | None = None, code: str | None = None) -> OrgUnit:
    n = next(_seq)
    item = OrgUnit(name=name or f"Enhet {n}", kind=kind, code=code or f"U{n}", committee_id=committee_.id,
                   parent_id=parent.id if parent else None, active=True)
    db.session.add(item)
    db.session.flush()
    return item


def position(committee_: Committee, kind: PositionKind = PositionKind.UNIT_HEAD, unit_: OrgUnit | None = None,
             title: str | None = None, standin: Position | None = None) -> Position:
    n = next(_seq)
    if unit_ is None and not kind.is_elected:
        unit_ = unit(committee_)
    item = Position(title=title or f"Befattning {n}", kind=kind.value, committee_id=committee_.id,
                    org_unit_id=unit_.id if unit_ else None,
                    standing_standin_position_id=standin.id if standin else None, active=True)
    db.session.add(item)
    db.session.flush()
    return item


def appointment(user_: User, position_: Position, starts_on: date = date(2020, 1, 1),
                ends_on: date | None = None) -> Appointment:
    item = Appointment(user_id=user_.id, position_id=position_.id, starts_on=starts_on, ends_on=ends_on)
    db.session.add(item)
    db.session.flush()
    return item


def absence(user_: User, starts_on: date, ends_on: date | None = None,
            standin: User | None = None) -> Absence:
    item = Absence(user_id=user_.id, starts_on=starts_on, ends_on=ends_on,
                   standin_user_id=standin.id if standin else None)
    db.session.add(item)
    db.session.flush()
    return item
