"""Putting work on the queue, retrying it, and handing committed jobs to a worker.

The API the rest of the portal uses (README "Bakgrundsjobb"):

    job = jobs.enqueue(actor, "ledger_import.run", subject=("ledger_import", 7), params={...})
    db.session.commit()   # the job is handed over only once this commits

With PORTAL_REDIS_URL set, the commit puts the job's id on the RQ queue and a worker
(`flask portal worker`) runs it; without Redis it runs in this process right after the commit.
"""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from portal import clock
from portal.audit.services import Actor, record
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.jobs import registry
from portal.jobs.models import ACTIVE_STATES, Job, JobState

log = logging.getLogger(__name__)

PENDING = "portal_jobs_pending"  # session.info: ids of jobs added in the open transaction
QUEUED_FUNCTION = "portal.jobs.runner.perform_queued"


def enqueue(actor: Actor, kind: str, *, subject: tuple[str, int] | None = None,
            params: dict[str, Any] | None = None) -> Job:
    """Add a job in the caller's transaction (audited); it is handed to a worker when that commits."""
    job_kind = registry.get(kind)
    if job_kind is None:
        raise ValueError(f"unknown job kind {kind!r}")
    subject_type, subject_id = subject if subject else (None, None)
    if job_kind.one_per_subject and subject is not None and active_for(subject_type, subject_id, kind) is not None:
        raise ValidationFailed({"job": _("The same work is already waiting or running; wait until it is done.")})
    job = Job(kind=kind, state=JobState.WAITING.value, subject_type=subject_type, subject_id=subject_id,
              params=params or {}, progress=0, started_by_id=actor.user_id, capacity=actor.capacity,
              address=actor.address, attempts=0, created_at=clock.now())
    db.session.add(job)
    db.session.flush()
    record(actor, "job.enqueue", "job", job.id,
           after={"kind": kind, "subject_type": subject_type, "subject_id": subject_id})
    _pending(db.session()).append(job.id)
    return job


def retry(actor: Actor, job: Job) -> Job:
    """Run a failed job again (the same row, one more attempt); audited."""
    if not is_failed(job):
        raise ValidationFailed({"job": _("Only a failed job can be run again.")})
    job_kind = registry.get(job.kind)
    if job_kind and job_kind.one_per_subject and job.subject_type is not None:
        other = active_for(job.subject_type, job.subject_id, job.kind)
        if other is not None and other.id != job.id:
            raise ValidationFailed({"job": _("The same work is already waiting or running; wait until it is done.")})
    before = {"state": job.state, "error": job.error}
    changed = db.session.execute(
        update(Job).where(Job.id == job.id, Job.state == job.state)
        .values(state=JobState.WAITING.value, error=None, progress=0, progress_total=None, worker_pid=None,
                started_at=None, heartbeat_at=None, finished_at=None)
        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise ValidationFailed({"job": _("The job changed meanwhile; reload the page.")})
    db.session.refresh(job)
    record(actor, "job.retry", "job", job.id, before=before, after={"state": job.state})
    _pending(db.session()).append(job.id)
    return job


def stale_before():
    """A running job whose worker has not been heard from since this instant has died with it."""
    return clock.now() - timedelta(seconds=current_app.config["PORTAL_JOB_STALE_SECONDS"])


def is_failed(job: Job) -> bool:
    """Failed, or running in a worker that stopped answering (killed, or its machine gone)."""
    if job.state == JobState.FAILED:
        return True
    heartbeat = job.heartbeat_at
    if job.state != JobState.RUNNING or heartbeat is None:
        return False
    return (heartbeat if heartbeat.tzinfo else heartbeat.replace(tzinfo=UTC)) < stale_before()


def failed_condition():
    """The query form of is_failed, for lists."""
    return or_(Job.state == JobState.FAILED.value,
               and_(Job.state == JobState.RUNNING.value, Job.heartbeat_at < stale_before()))


def active_for(subject_type: str, subject_id: int, kind: str | None = None) -> Job | None:
    """The waiting or running (not stale) job on a subject, if any."""
    query = select(Job).where(Job.subject_type == subject_type, Job.subject_id == subject_id,
                              Job.state.in_(ACTIVE_STATES),
                              or_(Job.state == JobState.WAITING.value, Job.heartbeat_at >= stale_before()))
    if kind is not None:
        query = query.where(Job.kind == kind)
    return db.session.scalars(query.order_by(Job.id.desc()).limit(1)).first()


def latest_for(subject_type: str, subject_id: int, kinds: tuple[str, ...] | None = None) -> Job | None:
    """The newest job on a subject (its page shows how it went)."""
    query = select(Job).where(Job.subject_type == subject_type, Job.subject_id == subject_id)
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    return db.session.scalars(query.order_by(Job.id.desc()).limit(1)).first()


# --- handing committed jobs over -------------------------------------------------------------------

def _pending(session: Session) -> list[int]:
    return session.info.setdefault(PENDING, [])


def redis_connection():
    """The Redis client for the queue, one per app (None: no Redis configured, jobs run inline)."""
    url = current_app.config.get("PORTAL_REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("portal_jobs_redis")
    if client is None:
        from redis import Redis

        client = current_app.extensions["portal_jobs_redis"] = Redis.from_url(url)
    return client


def queue():
    from rq import Queue

    return Queue(current_app.config["PORTAL_JOB_QUEUE"], connection=redis_connection())


def after_commit(session: Session, job_ids: list[int]) -> None:
    """Called by the session right after a commit that added jobs: queue them, or run them here."""
    if redis_connection() is None:
        from portal.jobs.runner import run_job

        for job_id in job_ids:
            run_job(job_id)
        return
    for job_id in job_ids:
        _put_on_queue(session, job_id)


def _put_on_queue(session: Session, job_id: int) -> None:
    job = session.get(Job, job_id)
    if job is None or job.state != JobState.WAITING:
        return
    job_kind = registry.get(job.kind)
    rq_id = f"{current_app.config['PORTAL_JOB_QUEUE']}-job-{job_id}-{job.attempts + 1}"
    try:
        queue().enqueue(QUEUED_FUNCTION, job_id, job_id=rq_id,
                        job_timeout=job_kind.timeout_seconds if job_kind else 3600,
                        result_ttl=3600, failure_ttl=7 * 24 * 3600)
    except Exception as error:  # Redis unreachable: the job shows as failed and can be retried
        log.exception("job %s could not be put on the queue", job_id)
        session.rollback()
        session.execute(update(Job).where(Job.id == job_id, Job.state == JobState.WAITING.value)
                        .values(state=JobState.FAILED.value, finished_at=clock.now(),
                                error=_("The job queue could not be reached (%(error)s).",
                                        error=type(error).__name__)))
        session.commit()
