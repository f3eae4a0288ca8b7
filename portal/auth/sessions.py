"""Server-side sessions: started at sign-in, checked on every request by any app server, ended at
logout, on a timeout, when the password changes or the account is deactivated, or by hand."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal import clock
from portal.audit.services import Actor, record
from portal.auth import rules
from portal.auth.models import User, UserSession
from portal.errors import ValidationFailed
from portal.extensions import db

SIGN_IN_METHOD_LABELS = {"password": _l("user name and password"),
                         "oidc": _l("the municipality's identity provider"),
                         "header": _l("the intranet's sign-in (trusted proxy)")}

# last_seen_at is written at most this often, so most requests read and do not write.
TOUCH_INTERVAL = timedelta(seconds=60)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def session_start(user: User, *, address: str | None, user_agent: str | None,
                  login_method: str = "password", idp_sub: str | None = None,
                  idp_sid: str | None = None) -> str:
    """Open a session for a user who has just proved who they are; returns the cookie's secret."""
    secret = secrets.token_urlsafe(32)
    now = clock.now()
    row = UserSession(token_hash=_hash(secret), user_id=user.id, created_at=now, last_seen_at=now,
                      address=(address or None) and address[:45],
                      user_agent=(user_agent or None) and user_agent[:300], login_method=login_method,
                      idp_sub=(idp_sub or None) and idp_sub[:255], idp_sid=(idp_sid or None) and idp_sid[:255])
    db.session.add(row)
    db.session.flush()
    user.session_secret, user.session_row = secret, row
    return secret


def session_user(secret: str) -> User | None:
    """Flask-Login's loader (the session cookie and the remember cookie alike): the user of an open,
    unexpired session of an active account, else None. Runs first in the request (see
    portal/__init__.py), so its own commit holds nothing of the request's work."""
    if not secret or len(secret) > 128:
        return None
    row = db.session.scalars(select(UserSession).options(joinedload(UserSession.user))
                             .where(UserSession.token_hash == _hash(secret))).first()
    if row is None or row.ended_at is not None:
        return None
    user = row.user
    now = clock.now()
    if not user.is_active_account:
        return None
    reason = rules.session_end_reason(
        row.created_at, row.last_seen_at, now,
        idle=timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"]),
        lifetime=timedelta(minutes=current_app.config["SESSION_MAX_MINUTES"]),
    )
    if reason is not None:
        row.ended_at, row.end_reason = now, reason
        db.session.commit()
        return None
    if now - rules.as_utc(row.last_seen_at) >= TOUCH_INTERVAL:
        row.last_seen_at = now
        db.session.commit()
    user.session_secret, user.session_row = secret, row
    return user


def sessions_end(user_id: int, reason: str, *, keep: int | None = None) -> int:
    """End every open session of an account (but `keep`); returns how many were ended."""
    query = (update(UserSession)
             .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
             .values(ended_at=clock.now(), end_reason=reason))
    if keep is not None:
        query = query.where(UserSession.id != keep)
    ended = db.session.execute(query.execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    return ended


def sessions_end_for_idp(actor: Actor, *, sub: str | None, sid: str | None) -> int:
    """The identity provider says its session (sid) or its user (sub) has logged out: end the
    portal sessions it started. Only sessions signed in through the provider are touched."""
    query = (update(UserSession)
             .where(UserSession.login_method == "oidc", UserSession.ended_at.is_(None))
             .values(ended_at=clock.now(), end_reason="idp_logout"))
    if sid:
        query = query.where(UserSession.idp_sid == sid)
        if sub:
            query = query.where(UserSession.idp_sub == sub)
    else:
        query = query.where(UserSession.idp_sub == sub)
    ended = db.session.execute(query.execution_options(synchronize_session=False)).rowcount
    record(actor, "session.idp_logout", "user_session", None,
           after={"ended": ended, "subject": sub, "idp_session": sid})
    db.session.flush()
    return ended


def open_sessions(user_id: int) -> list[UserSession]:
    """The account's open sessions, newest first (timed-out ones are ended when next used)."""
    return list(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def logout(actor: Actor, user: User) -> None:
    row = user.session_row
    if row is not None and row.ended_at is None:
        row.ended_at, row.end_reason = clock.now(), "logout"
    record(actor, "logout", "user", actor.user_id)
    db.session.flush()


def session_end_own(actor: Actor, user: User, session_id: int) -> UserSession:
    """The person ends one of their own sessions ("Mina inloggningar")."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id:
        raise LookupError(session_id)
    if row.ended_at is not None:
        raise ValidationFailed({"session": _("That sign-in has already ended.")})
    row.ended_at, row.end_reason = clock.now(), "ended"
    db.session.flush()
    record(actor, "session.end", "user_session", row.id,
           after={"address": row.address, "browser": rules.browser_name(row.user_agent)})
    return row


def session_end_others(actor: Actor, user: User) -> int:
    """The person ends every session but the one they are using."""
    current = user.session_row.id if user.session_row is not None else None
    ended = sessions_end(user.id, "ended", keep=current)
    record(actor, "session.end_others", "user", user.id, after={"ended": ended})
    return ended


def session_end_all(actor: Actor, user: User) -> int:
    """The administrator ends every session of a user (a lost laptop, a suspicion)."""
    ended = sessions_end(user.id, "ended_by_admin")
    record(actor, "session.end_all", "user", user.id, after={"ended": ended})
    return ended
