"""The organisation: municipality, committees, departments and units, positions and who holds them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.org import bodies
from portal.org.bodies import BodyKind
from portal.extensions import db


class PositionKind(StrEnum):
    UNIT_HEAD = "unit_head"
    DEPARTMENT_HEAD = "department_head"
    FINANCE_DIRECTOR = "finance_director"
    FEE_OFFICER = "fee_officer"
    COMMITTEE_SECRETARY = "committee_secretary"
    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    MEMBER = "member"
    DEPUTY_MEMBER = "deputy_member"

    @property
    def label(self) -> str:
        return str(POSITION_KIND_LABELS[self])

    @property
    def is_elected(self) -> bool:
        return self in ELECTED_KINDS


ELECTED_KINDS = frozenset(
    {PositionKind.CHAIR, PositionKind.VICE_CHAIR, PositionKind.MEMBER, PositionKind.DEPUTY_MEMBER}
)

POSITION_KIND_LABELS = {
    PositionKind.UNIT_HEAD: _l("Unit head"),
    PositionKind.DEPARTMENT_HEAD: _l("Department head"),
    PositionKind.FINANCE_DIRECTOR: _l("Finance director"),
    PositionKind.FEE_OFFICER: _l("Fee officer"),
    PositionKind.COMMITTEE_SECRETARY: _l("Committee secretary"),
    PositionKind.CHAIR: _l("Chair"),
    PositionKind.VICE_CHAIR: _l("Vice chair"),
    PositionKind.MEMBER: _l("Member"),
    PositionKind.DEPUTY_MEMBER: _l("Deputy member"),
}


BODY_KIND_LABELS = {
    BodyKind.COMMITTEE: _l("Committee (nämnd)"),
    BodyKind.EXECUTIVE_COMMITTEE: _l("Executive committee (kommunstyrelse)"),
    BodyKind.COMPANY_BOARD: _l("Board of a municipal company (aktiebolag)"),
    BodyKind.FEDERATION_BOARD: _l("Board of a joint authority (kommunalförbund)"),
}


class UnitKind(StrEnum):
    DEPARTMENT = "department"
    UNIT = "unit"

    @property
    def label(self) -> str:
        return str(_l("Department") if self is UnitKind.DEPARTMENT else _l("Unit"))


# The tables the delegation engine's data is built from: a trigger on each (migration
# 0027_org_version) gives `org_version` a new token with every change, by the portal or by SQL past
# it, in the same transaction. A table the engine comes to read gets its trigger in its own migration.
ENGINE_TABLES = ("committees", "org_units", "positions", "appointments", "absences", "further_delegations",
                 "scheme_versions", "delegation_rules", "price_base_amounts", "invoice_categories")


class OrgVersion(db.Model):
    """One row: the token of the organisation and schemes as they stand (see ENGINE_TABLES)."""

    __tablename__ = "org_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40))


class Municipality(db.Model):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_number: Mapped[str | None] = mapped_column(String(20))
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_mimetype: Mapped[str | None] = mapped_column(String(50))


class Committee(db.Model):
    """A body that keeps a delegation scheme: a committee (nämnd), the executive committee, a
    municipal company's board or a joint authority's board (`kind`, a BodyKind)."""

    __tablename__ = "committees"
    __table_args__ = (CheckConstraint(
        "kind in ('committee', 'executive_committee', 'company_board', 'federation_board')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), default=BodyKind.COMMITTEE.value,
                                      server_default=BodyKind.COMMITTEE.value)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    # A sub-committee (utskott) names the committee it belongs to.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"), index=True)
    registry_format: Mapped[str] = mapped_column(String(60), default="{code} {year}/{number}")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Committee | None] = relationship(remote_side="Committee.id", back_populates="sub_committees")
    sub_committees: Mapped[list[Committee]] = relationship(back_populates="parent", order_by="Committee.name")

    @property
    def kind_enum(self) -> BodyKind:
        return BodyKind(self.kind)

    @property
    def kind_label(self) -> str:
        return str(BODY_KIND_LABELS[BodyKind(self.kind)])

    @property
    def reports_delegated_decisions(self) -> bool:
        return bodies.reports_delegated_decisions(self.kind)

    @property
    def open_to_appeal(self) -> bool:
        return bodies.open_to_appeal(self.kind)

    @property
    def is_sub_committee(self) -> bool:
        return self.parent_id is not None

    @property
    def main_committee_id(self) -> int:
        return self.parent_id or self.id


class OrgUnit(db.Model):
    """A department (förvaltning) or a unit (enhet) below it, owned by one committee."""

    __tablename__ = "org_units"
    __table_args__ = (CheckConstraint("kind in ('department', 'unit')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    # The ledger's responsibility code (ansvar); unique so that imported invoices find their unit.
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side="OrgUnit.id", back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent", order_by="OrgUnit.name")
    committee: Mapped[Committee] = relationship()

    @property
    def kind_enum(self) -> UnitKind:
        return UnitKind(self.kind)


class Position(db.Model):
    """A function that decisions are delegated to (befattning), employed or elected."""

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    standing_standin_position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    committee: Mapped[Committee] = relationship()
    org_unit: Mapped[OrgUnit | None] = relationship()
    standing_standin: Mapped[Position | None] = relationship(remote_side="Position.id")
    appointments: Mapped[list[Appointment]] = relationship(
        back_populates="position", order_by="Appointment.starts_on.desc()"
    )

    @property
    def kind_enum(self) -> PositionKind:
        return PositionKind(self.kind)


class Appointment(db.Model):
    """A person holds a position (förordnande) from a date, until a date or further notice."""

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    user: Mapped[User] = relationship()
    position: Mapped[Position] = relationship(back_populates="appointments")

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class Absence(db.Model):
    """A person is away (frånvaro); optionally a named person stands in for them meanwhile."""

    __tablename__ = "absences"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint("standin_user_id IS NULL OR standin_user_id <> user_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    standin_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    note: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    standin: Mapped[User | None] = relationship(foreign_keys=[standin_user_id])

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class RegistrationKind(StrEnum):
    """What a registration held for confirmation would change (R1's holders and stand-ins)."""

    APPOINTMENT = "appointment"
    ABSENCE = "absence"
    POSITION = "position"  # a position's standing stand-in
    FURTHER_DELEGATION = "further_delegation"


class RegistrationState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class PendingRegistration(db.Model):
    """A registration that would make the person registering it a decider (RULINGS 9).

    It does not take effect: its values wait here, outside the tables the engine reads, until a
    second person with the same right confirms it; the confirmation then runs the same service with
    the confirming person as actor. Refused and withdrawn registrations are kept for the record.
    """

    __tablename__ = "pending_registrations"
    __table_args__ = (
        CheckConstraint("kind in ('appointment', 'absence', 'position', 'further_delegation')",
                        name="kind"),
        CheckConstraint("state in ('pending', 'confirmed', 'refused', 'withdrawn')", name="state"),
        CheckConstraint("decided_by_id IS NULL OR state <> 'pending'", name="decided_not_pending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    # The row the registration changes; None when it would create one.
    object_id: Mapped[int | None] = mapped_column()
    payload: Mapped[dict] = mapped_column(JSON)
    # The positions it would let the registering person act in, as the rule found them.
    gained: Mapped[list] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default=RegistrationState.PENDING.value, index=True)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The row the confirmation created or changed.
    result_id: Mapped[int | None] = mapped_column()
    # A further delegation is confirmed by another holder of the delegating position (the right to
    # pass a rule on is that position's); the organisation's registrations by another editor.
    confirming_position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"), index=True)

    registered_by: Mapped[User] = relationship(foreign_keys=[registered_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def kind_enum(self) -> RegistrationKind:
        return RegistrationKind(self.kind)

    @property
    def is_pending(self) -> bool:
        return self.state == RegistrationState.PENDING


class OrgImport(db.Model):
    """A file from the HR system read into the organisation (units, positions, appointments, people).

    Kept from upload: the preview is read from the stored file against the organisation as it stands,
    and the import applies exactly what the confirmed preview showed (its digest), all or nothing.
    """

    __tablename__ = "org_imports"
    __table_args__ = (CheckConstraint("state in ('previewed', 'imported')", name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    rows: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default="previewed")
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    imported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the import did, counted: {"units_created": n, ...}.
    summary: Mapped[dict | None] = mapped_column(JSON)

    uploaded_by: Mapped[User] = relationship()
