"""A batch write-off (samlingsbeslut), its lines and its one decision."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from portal.auth.models import User
from portal.batches.rules import STATE_LABELS, BatchState
from portal.cases.models import BigId
from portal.extensions import db
from portal.org.models import Committee, OrgUnit, Position
from portal.receivables.models import Customer, Invoice


class WriteOffBatch(db.Model):
    """One write-off case of many customers and invoices of one committee (it may span the
    committee's units). Built from a filter or a file by a job, checked line by line by the engine,
    decided once by whoever's rule covers every line (RULINGS 17)."""

    __tablename__ = "write_off_batches"
    __table_args__ = (
        CheckConstraint("state in ('building', 'draft', 'awaiting_decision', 'referred_to_committee', "
                        "'granted', 'refused', 'executed', 'withdrawn')", name="state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    state: Mapped[str] = mapped_column(String(30), index=True, default=BatchState.BUILDING.value)
    # From the committee's own series, like its cases; given at submission and kept for ever.
    registry_number: Mapped[str | None] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # The reason for lines that give none of their own (a file may give one per line).
    write_off_reason: Mapped[str] = mapped_column(String(40))
    # Final (the claim is given up: each customer gets a letter) or book-keeping only (no letters).
    write_off_final: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reasons: Mapped[str] = mapped_column(Text, default="")
    # How the lines were chosen: {"kind": "filter", ...criteria} or {"kind": "file", "filename", "sha256"}.
    source: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The uploaded file, kept until the job has read it (and then as the record of what was asked).
    source_file: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # A file's bad lines (all or nothing: no line is added while there are any).
    build_errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    build_error_count: Mapped[int] = mapped_column(Integer, default=0)
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Kept up to date by the services over the lines not left out, so lists need not sum.
    amount_ore: Mapped[int] = mapped_column(BigInteger, default=0)
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    customer_count: Mapped[int] = mapped_column(Integer, default=0)
    executed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    executed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The decider referred the batch to the committee instead of deciding it (`batch_refer`): who,
    # when and why (the committee reads the reason). None where the rules sent it there.
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    referred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    referral_note: Mapped[str | None] = mapped_column(Text)

    committee: Mapped[Committee] = relationship()
    prepared_by: Mapped[User] = relationship(foreign_keys=[prepared_by_id])
    referred_by: Mapped[User | None] = relationship(foreign_keys=[referred_by_id])
    lines: Mapped[list[WriteOffBatchLine]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="WriteOffBatchLine.id")
    decision: Mapped[WriteOffBatchDecision | None] = relationship(back_populates="batch", uselist=False)

    @property
    def state_enum(self) -> BatchState:
        return BatchState(self.state)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state_enum])

    @property
    def type_label(self) -> str:
        return str(_l("Write-off (batch)"))

    @property
    def included(self) -> list[WriteOffBatchLine]:
        return [line for line in self.lines if not line.left_out]


class WriteOffBatchLine(db.Model):
    """An invoice of the batch with what is given up on it, as of the day it was built (and, once
    decided, as of the decision day). A line left out stays, shown, but is not decided."""

    __tablename__ = "write_off_batch_lines"
    __table_args__ = (UniqueConstraint("batch_id", "invoice_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("write_off_batches.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    open_capital_ore: Mapped[int] = mapped_column(BigInteger)
    interest_ore: Mapped[int] = mapped_column(BigInteger, default=0)
    write_off_reason: Mapped[str] = mapped_column(String(40))
    # The file's line number, for a batch built from a file.
    file_line: Mapped[int | None] = mapped_column(Integer)
    left_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    batch: Mapped[WriteOffBatch] = relationship(back_populates="lines")
    invoice: Mapped[Invoice] = relationship()
    customer: Mapped[Customer] = relationship()
    org_unit: Mapped[OrgUnit] = relationship()

    @property
    def amount_ore(self) -> int:
        """All that is given up on the invoice: open capital and late interest (DOMAIN.md)."""
        return self.open_capital_ore + self.interest_ore


class WriteOffBatchDecision(db.Model):
    """The batch's one decision: by whom, in which capacity, under which rule; never changed (R8)."""

    __tablename__ = "write_off_batch_decisions"
    __table_args__ = (
        UniqueConstraint("batch_id"),
        CheckConstraint("outcome in ('granted', 'refused')", name="outcome"),
        CheckConstraint("(meeting_id IS NULL) = (rule_number IS NOT NULL AND scheme_version_id IS NOT NULL)",
                        name="rule_or_meeting"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("write_off_batches.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    decision_date: Mapped[date] = mapped_column(Date, index=True)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    capacity: Mapped[str] = mapped_column(String(30))
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    standin_for_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delegated_by_position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    # A delegated decision names its scheme version and rule; the committee's own decision names
    # its meeting's paragraph instead (e.g. "SN 2026-12-10 § 14"), like a case's.
    scheme_version_id: Mapped[int | None] = mapped_column(ForeignKey("scheme_versions.id"))
    rule_number: Mapped[str | None] = mapped_column(String(20))
    rule_level: Mapped[int | None] = mapped_column(Integer)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    paragraph: Mapped[int | None] = mapped_column(Integer)
    committee_reference: Mapped[str | None] = mapped_column(String(80))
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    line_count: Mapped[int] = mapped_column(Integer)
    customer_count: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[str] = mapped_column(Text)
    no_conflict_confirmed: Mapped[bool] = mapped_column(Boolean)
    # Reported to the committee (6 kap 40 §) at this meeting: one line per batch.
    reported_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)

    batch: Mapped[WriteOffBatch] = relationship(back_populates="decision")
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])
    standin_for: Mapped[User | None] = relationship(foreign_keys=[standin_for_id])
    position: Mapped[Position | None] = relationship(foreign_keys=[position_id])
    delegated_by_position: Mapped[Position | None] = relationship(foreign_keys=[delegated_by_position_id])

    @property
    def is_delegated(self) -> bool:
        """Made under the scheme (and reported to the committee), not by the committee itself."""
        return self.meeting_id is None


class BatchConflict(db.Model):
    """Someone declared a conflict of interest (jäv) in a batch: they can then never decide it."""

    __tablename__ = "write_off_batch_conflicts"
    __table_args__ = (UniqueConstraint("batch_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("write_off_batches.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(String(300))
