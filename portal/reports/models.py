"""The reports' own tables: how soon a delegated decision must be reported, large report files, and
the overdue receivables kept at each month's end."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db


class ReportingSetting(db.Model):
    """Within how many days of its decision a delegated decision is to be reported to the committee
    (kommunallagen 6 kap 40 § sets no number; the municipality does): one row for the municipality."""

    __tablename__ = "reporting_settings"
    __table_args__ = (CheckConstraint("report_within_days BETWEEN 1 AND 365", name="report_within_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_within_days: Mapped[int] = mapped_column(Integer)


class ReportExport(db.Model):
    """A report file too large to make in a request, made by a background job for the person who asked
    (with what they may see) and kept for them to download."""

    __tablename__ = "report_exports"
    __table_args__ = (CheckConstraint("file_format in ('csv', 'xlsx')", name="file_format"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    department_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    file_format: Mapped[str] = mapped_column(String(10))
    file_name: Mapped[str | None] = mapped_column(String(200))
    rows: Mapped[int | None] = mapped_column(Integer)
    size: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    made_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReceivablesSnapshot(db.Model):
    """The overdue receivables (restlängd) as they stood at a month's end, taken once per month by
    `flask portal snapshot-month`. Each ledger file replaces the open amounts, so a past month cannot
    be recomputed: the trend reads these. The unique month makes taking it twice impossible."""

    __tablename__ = "receivables_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    month_end: Mapped[date] = mapped_column(Date, unique=True)  # the last day of the month; ages as of it
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    invoice_count: Mapped[int] = mapped_column(Integer)
    open_amount_ore: Mapped[int] = mapped_column(BigInteger)

    lines: Mapped[list[ReceivablesSnapshotLine]] = relationship(back_populates="snapshot",
                                                                order_by="ReceivablesSnapshotLine.id")


class ReceivablesSnapshotLine(db.Model):
    """One unit's overdue invoices in one age bucket at the month's end (units, so that each reader's
    share is counted as the live report counts it)."""

    __tablename__ = "receivables_snapshot_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("receivables_snapshots.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    bucket: Mapped[str] = mapped_column(String(20))
    invoice_count: Mapped[int] = mapped_column(Integer)
    open_amount_ore: Mapped[int] = mapped_column(BigInteger)

    snapshot: Mapped[ReceivablesSnapshot] = relationship(back_populates="lines")
