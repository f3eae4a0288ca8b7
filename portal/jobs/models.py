"""Background jobs in the database: what was asked, by whom, how far it has come and how it ended.

The row is the truth every app server reads: the queue (RQ on Redis) only carries the job's id to a
worker, and without Redis the job runs in the request right after its transaction commits.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.extensions import db


class JobState(StrEnum):
    WAITING = "waiting"  # väntar: committed, not yet taken by a worker
    RUNNING = "running"  # pågår
    DONE = "done"  # klar
    FAILED = "failed"  # misslyckad

    @property
    def label(self) -> str:
        return str(JOB_STATE_LABELS[self])


JOB_STATE_LABELS = {
    JobState.WAITING: _l("Job waiting"),
    JobState.RUNNING: _l("Job running"),
    JobState.DONE: _l("Job done"),
    JobState.FAILED: _l("Job failed"),
}
ACTIVE_STATES = (JobState.WAITING.value, JobState.RUNNING.value)


class Job(db.Model):
    """One piece of long work: a ledger import, a batch, an export. Retrying runs the same row again."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("state in ('waiting', 'running', 'done', 'failed')", name="state"),
        Index("ix_jobs_subject", "subject_type", "subject_id"),
        Index("ix_jobs_state_kind", "state", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))  # a registered kind (portal/jobs/registry.py)
    state: Mapped[str] = mapped_column(String(20), default=JobState.WAITING.value)
    # What the job works on, for its page to find it ("ledger_import", 7).
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    progress: Mapped[int] = mapped_column(BigInteger, default=0)
    progress_total: Mapped[int | None] = mapped_column(BigInteger)
    # Who started it, in which capacity and from where: the job's own audit entries name them.
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    capacity: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    worker_pid: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    started_by: Mapped[User | None] = relationship()

    @property
    def state_enum(self) -> JobState:
        return JobState(self.state)
