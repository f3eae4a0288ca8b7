"""Running one job: claim it, do its work in one transaction, record how it ended.

The same function runs a job in a worker (`flask portal worker`, RQ forks a process per job) and in
the web process when no Redis is configured. Progress and a heartbeat are written on a connection of
their own, so every app server sees them while the job's own transaction is still open.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Engine, update

from portal import clock
from portal.audit.services import Actor
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.jobs import registry
from portal.jobs.models import Job, JobState

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_SECONDS = 1.0
HEARTBEAT_SECONDS = 30.0
MAX_ERROR_CHARS = 4000
_parent_pid: int | None = None  # the worker's own pid: a job running in another process was forked


@dataclass
class JobContext:
    """What a job's work function gets: its id, who started it, its parameters, a progress reporter."""

    job_id: int
    kind: str
    actor: Actor
    params: dict[str, Any]
    subject_id: int | None
    _last: float = field(default=0.0, repr=False)

    def progress(self, done: int, total: int | None = None, *, final: bool = False) -> None:
        """Report how far the job has come (throttled to once a second unless final).

        Written and committed on a connection of its own. On SQLite call it only before the job's
        transaction writes anything (a second connection cannot write while that one holds the lock).
        """
        now = time.monotonic()
        if not final and now - self._last < PROGRESS_INTERVAL_SECONDS:
            return
        self._last = now
        values: dict[str, Any] = {"progress": done, "heartbeat_at": clock.now()}
        if total is not None:
            values["progress_total"] = total
        write_aside(update(Job).where(Job.id == self.job_id).values(**values))


def write_aside(statement) -> None:
    """Execute and commit a statement outside the session's transaction (tests share one connection,
    and there it joins the test's transaction)."""
    bind = db.engine
    if not isinstance(bind, Engine):
        bind.execute(statement)
        return
    with bind.begin() as connection:
        connection.execute(statement)


@contextlib.contextmanager
def _heartbeat(job_id: int) -> Iterator[None]:
    """Tell every app server the worker is alive while the job runs (PostgreSQL: a thread writes every
    30 s). SQLite gets none: a commit from another connection between the job's first read and first
    write would make its transaction fail, so there the progress writes are the heartbeat."""
    bind = db.engine
    if not isinstance(bind, Engine) or bind.dialect.name == "sqlite":
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                with bind.begin() as connection:
                    connection.execute(update(Job).where(Job.id == job_id, Job.state == JobState.RUNNING.value)
                                       .values(heartbeat_at=clock.now()))
            except Exception:  # the database away for a moment: the next beat tries again
                log.warning("heartbeat of job %s not written", job_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def run_job(job_id: int) -> None:
    """Claim a waiting job and run it; a job someone else claimed (or ran) is left alone."""
    session = db.session
    started = clock.now()
    claimed = session.execute(
        update(Job).where(Job.id == job_id, Job.state == JobState.WAITING.value)
        .values(state=JobState.RUNNING.value, started_at=started, heartbeat_at=started, progress=0,
                worker_pid=os.getpid(), attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    session.commit()
    if claimed != 1:
        return
    job = session.get(Job, job_id, populate_existing=True)
    job_kind = registry.get(job.kind)
    if job_kind is None:
        _fail(job_id, _("The portal does not know this kind of job (%(kind)s).", kind=job.kind))
        return
    context = JobContext(
        job_id=job.id, kind=job.kind, params=dict(job.params or {}), subject_id=job.subject_id,
        actor=Actor(user_id=job.started_by_id, username=job.started_by.username if job.started_by else "system",
                    capacity=job.capacity or "system", address=job.address))
    with _heartbeat(job_id):
        try:
            job_kind.run(context)
            session.execute(update(Job).where(Job.id == job_id)
                            .values(state=JobState.DONE.value, finished_at=clock.now(), heartbeat_at=clock.now(),
                                    error=None)
                            .execution_options(synchronize_session=False))
            session.commit()
        except ValidationFailed as failure:
            session.rollback()
            _fail(job_id, " ".join(str(message) for message in failure.errors.values()))
        except Exception as error:
            session.rollback()
            log.exception("job %s (%s) failed", job_id, job.kind)
            _fail(job_id, f"{type(error).__name__}: {error}")


def _fail(job_id: int, error: str) -> None:
    session = db.session
    session.execute(update(Job).where(Job.id == job_id)
                    .values(state=JobState.FAILED.value, finished_at=clock.now(), error=error[:MAX_ERROR_CHARS])
                    .execution_options(synchronize_session=False))
    session.commit()


# --- in the worker -----------------------------------------------------------------------------------

def perform_queued(job_id: int) -> None:
    """What RQ calls in the work horse (a process forked from `flask portal worker`)."""
    if _parent_pid is not None and os.getpid() != _parent_pid:
        # The pool's connections belong to the parent: the child opens its own.
        db.engine.dispose(close=False)
    run_job(job_id)


def horse_killed(rq_job, _pid, status, _rusage) -> None:
    """RQ's handler when a work horse dies without finishing (killed, out of memory): the job is
    failed in the database at once (its transaction was rolled back by the database)."""
    try:
        job_id = int(rq_job.args[0])
    except (IndexError, TypeError, ValueError):
        return
    how = _("signal %(signal)s", signal=os.WTERMSIG(status)) if status and os.WIFSIGNALED(status) else \
        _("exit status %(status)s", status=status)
    session = db.session
    session.rollback()
    session.execute(update(Job).where(Job.id == job_id, Job.state == JobState.RUNNING.value)
                    .values(state=JobState.FAILED.value, finished_at=clock.now(),
                            error=_("The worker process running the job stopped (%(how)s); nothing the job "
                                    "wrote was kept.", how=how))
                    .execution_options(synchronize_session=False))
    session.commit()


def work(*, burst: bool = False, name: str | None = None) -> bool:
    """Run an RQ worker on the portal's queue until stopped (or, with burst, until the queue is empty)."""
    global _parent_pid
    from rq import Worker

    from portal.jobs.services import queue, redis_connection

    connection = redis_connection()
    if connection is None:
        raise RuntimeError("PORTAL_REDIS_URL is not set: without Redis jobs run in the web process.")
    _parent_pid = os.getpid()
    db.session.remove()
    db.engine.dispose()
    worker = Worker([queue()], connection=connection, name=name, work_horse_killed_handler=horse_killed)
    current_app.logger.info("worker %s on queue %s", worker.name, current_app.config["PORTAL_JOB_QUEUE"])
    return worker.work(burst=burst, with_scheduler=False)
