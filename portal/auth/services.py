"""Users: create, change, deactivate, set passwords and log in, each written to the audit trail."""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import clock
from portal.audit.services import Actor, changes, record
from portal.auth.models import NO_PASSWORD, User, UserRole
from portal.auth.roles import Role
from portal.auth.sessions import sessions_end
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.identifiers import checked_text

MIN_PASSWORD_LENGTH = 12
# Compared against when the account does not exist, so a miss costs as long as a wrong password.
_DUMMY_HASH = "scrypt:32768:8:1$bG9naW4tdGltaW5n$" + "0" * 128


def _check_password(password: str) -> dict[str, str]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return {"password": _("The password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)}
    return {}


def _user_view(user: User) -> dict:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "roles": sorted(user.roles),
        "active": user.is_active_account,
        "external_id": user.external_id,
        "employee_number": user.employee_number,
    }


def _set_roles(user: User, roles: set[Role]) -> None:
    current = {Role(row.role): row for row in user.role_rows}
    for role, row in current.items():
        if role not in roles:
            user.role_rows.remove(row)
    for role in roles - set(current):
        user.role_rows.append(UserRole(role=role.value))


def user_create(
    actor: Actor,
    *,
    username: str,
    full_name: str,
    email: str | None,
    password: str,
    roles: set[Role],
    external_id: str | None = None,
) -> User:
    username, username_error = checked_text(username)
    username = username.lower()
    full_name, name_error = checked_text(full_name)
    errors: dict[str, str] = {}
    if username_error:
        errors["username"] = username_error
    elif not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        errors["username"] = _("The user name may contain letters, digits, dot, dash and underscore.")
    elif db.session.scalar(select(func.count()).where(User.username == username)):
        errors["username"] = _("The user name %(name)s is taken.", name=username)
    if name_error:
        errors["full_name"] = name_error
    elif not full_name:
        errors["full_name"] = _("Enter the person's name.")
    errors.update(_check_password(password))
    external_id, external_error = _checked_external_id(external_id, None)
    if external_error:
        errors["external_id"] = external_error
    if errors:
        raise ValidationFailed(errors)
    user = User(
        username=username,
        full_name=full_name,
        email=(email or "").strip() or None,
        is_active_account=True,
        created_at=clock.now(),
        external_id=external_id,
    )
    user.set_password(password)
    _set_roles(user, roles)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", "user", user.id, after=_user_view(user))
    return user


def _checked_external_id(value: str | None, user: User | None) -> tuple[str | None, str | None]:
    """The identity at the provider: optional, NFC, no invisible characters, not someone else's."""
    text, error = checked_text(value or "")
    if error:
        return None, error
    if not text:
        return None, None
    if len(text) > 255:
        return None, _("At most %(n)d characters.", n=255)
    owner = db.session.scalars(select(User).where(User.external_id == text)).first()
    if owner is not None and owner is not user:
        return None, _("The identity %(identity)s belongs to %(name)s.", identity=text, name=owner.full_name)
    return text, None


def user_update(actor: Actor, user: User, *, full_name: str, email: str | None, roles: set[Role],
                external_id: str | None = None) -> User:
    full_name, name_error = checked_text(full_name)
    if name_error or not full_name:
        raise ValidationFailed({"full_name": name_error or _("Enter the person's name.")})
    external_id, external_error = _checked_external_id(external_id, user)
    if external_error:
        raise ValidationFailed({"external_id": external_error})
    if user.id == actor.user_id and Role.ADMINISTRATOR in user.roles and Role.ADMINISTRATOR not in roles:
        raise ValidationFailed({"roles": _("You cannot take away your own administrator role.")})
    before = _user_view(user)
    user.full_name = full_name
    user.email = (email or "").strip() or None
    user.external_id = external_id
    _set_roles(user, roles)
    db.session.flush()
    before, after = changes(before, _user_view(user))
    if after:
        record(actor, "user.update", "user", user.id, before=before, after=after)
    return user


def user_set_active(actor: Actor, user: User, active: bool) -> User:
    """Deactivate or reactivate; never delete, since decisions and the trail refer to the person."""
    if not active and user.id == actor.user_id:
        raise ValidationFailed({"active": _("You cannot deactivate your own account.")})
    if user.is_active_account == active:
        return user
    user.is_active_account = active
    user.deactivated_at = None if active else clock.now()
    db.session.flush()
    if not active:
        sessions_end(user.id, "deactivated")
    record(actor, "user.activate" if active else "user.deactivate", "user", user.id,
           before={"active": not active}, after={"active": active})
    return user


def user_set_password(actor: Actor, user: User, password: str) -> User:
    errors = _check_password(password)
    if errors:
        raise ValidationFailed(errors)
    user.set_password(password)
    db.session.flush()
    sessions_end(user.id, "password")  # a password someone else may know ends every session
    record(actor, "user.set_password", "user", user.id)
    return user


def login_attempt(actor: Actor, username: str, password: str, *,
                  password_accounts: frozenset[str] | None = None) -> User | None:
    """The user when name and password match an active account; every attempt is in the trail.

    `password_accounts`: when local passwords are turned off, the break-glass accounts that may
    still use theirs (None: every account may)."""
    name = unicodedata.normalize("NFC", username).strip().lower()
    user = db.session.scalars(select(User).where(User.username == name)).first()
    if user is None or not user.has_password:
        # An account without a password is refused like an unknown one, in as long a time.
        User(password_hash=_DUMMY_HASH).check_password(password or "-")
        ok = False
    else:
        ok = user.check_password(password) and user.is_active_account
    refused_here = ok and password_accounts is not None and user.username not in password_accounts
    ok = ok and not refused_here
    attempt = Actor(
        user_id=user.id if user else None,
        username=name[:80],
        capacity=None,
        address=actor.address,
        user_agent=actor.user_agent,
    )
    record(attempt, "login.success" if ok else "login.failure", "user", user.id if user else None,
           after={"reason": _("Passwords are turned off for this account: sign in through the "
                              "municipality's identity provider.")} if refused_here else None)
    db.session.flush()
    return user if ok else None


def _free_username(wanted: str, taken: set[str]) -> str:
    """A user name not in `taken`, made from an e-mail address (before any @) or a name."""
    base = unicodedata.normalize("NFKD", wanted.split("@")[0].lower())
    base = "".join(c for c in base if c.isascii() and (c.isalnum() or c in "._-"))[:60].strip("._-") or "person"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{n}"
    taken.add(name)
    return name


def people_from_register(actor: Actor, people: list[tuple[User | None, str, str | None, str]]) -> list[User]:
    """People from the HR system's file, each (known account or None, name, e-mail, employee number).

    A new person gets an account with no roles and no password (check_password refuses every attempt)
    until single sign-on knows them or the administrator sets one; a known one the file's name, e-mail
    and employee number. Written in one flush, one trail entry each."""
    taken = set(db.session.scalars(select(User.username)))
    created, found = [], []
    for user, full_name, email, employee_number in people:
        if user is None:
            user = User(username=_free_username(email or full_name, taken), full_name=full_name, email=email,
                        employee_number=employee_number, password_hash=NO_PASSWORD, is_active_account=True,
                        created_at=clock.now())
            created.append(user)
        else:
            before = _user_view(user)
            user.full_name, user.email, user.employee_number = full_name, email, employee_number
            before, after = changes(before, _user_view(user))
            if after:
                record(actor, "user.update", "user", user.id, before=before, after=after)
        found.append(user)
    db.session.add_all(created)
    db.session.flush()
    for user in created:
        record(actor, "user.create", "user", user.id, after={**_user_view(user), "password": False})
    return found
