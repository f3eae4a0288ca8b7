"""Users of the portal and the system roles they hold."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

# The password hash of an account that has no password (an organisation import's person, until
# single sign-on or the administrator sets one): no hash of any password ever equals it, and
# check_password refuses it before hashing anything, the empty password included.
NO_PASSWORD = "!"

from portal.auth.roles import Role
from portal.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    # Optional: lets the portal refuse that someone decides a case where they are the customer (R3).
    identity_number: Mapped[str | None] = mapped_column(String(12), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # The person's number in the municipality's HR system: how an organisation import knows them.
    employee_number: Mapped[str | None] = mapped_column(String(40), unique=True, index=True)
    # Who the person is at the municipality's identity provider: the value of the configured claim
    # (OIDC_USER_CLAIM, e.g. an employee number or `oid`), or of the trusted proxy's header.
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True, index=True)
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    # The secret of the session this request runs in (set by the session loader and at login, never
    # stored): Flask-Login keeps it in the cookie as the "user id", so the cookie names a session only.
    session_secret = None  # str: not a column (no annotation, so the ORM leaves it alone)
    session_row = None  # the UserSession row of this request

    # Flask-Login's UserMixin compares users by get_id(), which is the session's secret here: the
    # same person is the same user whatever session they are seen in.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, User):
            return NotImplemented
        return self is other or (self.id is not None and self.id == other.id)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = object.__hash__

    def get_id(self) -> str:
        if not self.session_secret:
            raise RuntimeError("the user has no server-side session; start one with auth.sessions")
        return self.session_secret

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        if not self.has_password or not password:
            return False
        return check_password_hash(self.password_hash, password)

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash) and not self.password_hash.startswith(NO_PASSWORD)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))

    user: Mapped[User] = relationship(back_populates="role_rows")


class UserSession(db.Model):
    """A signed-in session, kept on the server so that any app server can check and end it.

    The cookie carries a random secret; only its SHA-256 is stored, so reading this table does not
    let anyone take over a session.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_open", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # logout, ended, ended_by_admin, idle, expired, password, deactivated, idp_logout
    end_reason: Mapped[str | None] = mapped_column(String(30))
    login_method: Mapped[str] = mapped_column(String(20), default="password", server_default="password")
    # The provider's subject and session, so its back-channel logout can name this session.
    idp_sub: Mapped[str | None] = mapped_column(String(255), index=True)
    idp_sid: Mapped[str | None] = mapped_column(String(255), index=True)

    user: Mapped[User] = relationship()

    @property
    def is_open(self) -> bool:
        return self.ended_at is None
