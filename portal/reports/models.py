"""The reports' own reference data: how soon a delegated decision must be reported."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Integer
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class ReportingSetting(db.Model):
    """Within how many days of its decision a delegated decision is to be reported to the committee
    (kommunallagen 6 kap 40 § sets no number; the municipality does): one row for the municipality."""

    __tablename__ = "reporting_settings"
    __table_args__ = (CheckConstraint("report_within_days BETWEEN 1 AND 365", name="report_within_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_within_days: Mapped[int] = mapped_column(Integer)
