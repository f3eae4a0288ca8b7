"""Signing in on someone else's word: the identity provider's verified ID token, or a trusted
reverse proxy's header. The provider says who signs in; roles and positions stay the portal's."""

from __future__ import annotations

import re
import secrets
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.audit.services import Actor, record, record_refusal
from portal.auth import services
from portal.auth.models import User
from portal.errors import ValidationFailed
from portal.extensions import db


class SignInRefused(Exception):
    """A known refusal, with the Swedish message the person is shown."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _username_for(profile: dict, identity: str) -> str:
    """A free user name from the provider's preferred_username or e-mail (before any @)."""
    wanted = str(profile.get("preferred_username") or profile.get("email") or identity)
    base = re.sub(r"[^a-z0-9._-]", "", unicodedata.normalize("NFKD", wanted.split("@")[0].lower()))[:60]
    base = base.strip("._-") or "sso"
    name, n = base, 1
    while db.session.scalar(select(func.count()).where(User.username == name)):
        n += 1
        name = f"{base}{n}"
    return name


def _create(attempt: Actor, identity: str, profile: dict) -> User:
    """A new account without roles for an identity the provider vouches for (OIDC_CREATE_USERS)."""
    full_name = str(profile.get("name") or identity)[:200]
    user = services.user_create(
        attempt, username=_username_for(profile, identity), full_name=full_name,
        email=str(profile.get("email") or "")[:254] or None,
        password=secrets.token_urlsafe(32),  # nobody knows it: the account signs in through the provider
        roles=set(), external_id=identity)
    return user


def external_sign_in(attempt: Actor, identity: object, *, method: str, create: bool = False,
                     profile: dict | None = None) -> User:
    """The active user whose external identity this is; every outcome is in the trail."""
    value = unicodedata.normalize("NFC", str(identity if identity is not None else "")).strip()
    who = Actor(None, value[:80] or None, None, attempt.address, attempt.user_agent)
    if not value or len(value) > 255:
        message = _("The identity provider did not say who you are. Tell the portal's administrator.")
        record_refusal(who, "login.refused", "user", None, reason=message, details={"method": method})
        raise SignInRefused(message)
    user = db.session.scalars(select(User).where(User.external_id == value)).first()
    if user is None and create:
        try:
            user = _create(who, value, profile or {})
        except ValidationFailed as failure:
            message = _("No account could be created for you: %(reason)s",
                        reason=next(iter(failure.errors.values())))
            record_refusal(who, "login.refused", "user", None, reason=message,
                           details={"method": method, "identity": value})
            raise SignInRefused(message) from failure
    if user is None:
        message = _("You signed in at the municipality, but the portal has no account for you. Ask the "
                    "portal's administrator to connect your account (your identity: %(identity)s).",
                    identity=value)
        record_refusal(who, "login.refused", "user", None, reason=message,
                       details={"method": method, "identity": value})
        raise SignInRefused(message)
    known = Actor(user.id, user.username, None, attempt.address, attempt.user_agent)
    if not user.is_active_account:
        message = _("Your account in the portal is deactivated.")
        record_refusal(known, "login.refused", "user", user.id, reason=message, details={"method": method})
        raise SignInRefused(message)
    record(known, "login.success", "user", user.id, after={"method": method})
    db.session.flush()
    return user
