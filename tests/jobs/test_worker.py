"""The job queue on Redis with a real worker process (`flask portal worker`): a committed job reaches
the worker, and a worker killed in the middle of an import leaves the database as it was.

These tests need data a separate process can read, so they commit: each runs against a database of
its own (a fresh SQLite file, or a PostgreSQL schema of its own), never the suite's rolled-back one.
They use TEST_REDIS_URL and are skipped, saying so, without it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import flask_migrate
import pytest
from sqlalchemy import create_engine, func, select, text

from portal import create_app, jobs
from portal.audit.services import Actor
from portal.auth.roles import Role
from portal.extensions import db
from portal.jobs.models import Job
from portal.receivables import imports
from portal.receivables.models import Customer, Invoice, LedgerImport
from tests import factories
from tests.receivables.builders import ledger_row, table_bytes

ROOT = Path(__file__).resolve().parent.parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs Redis for a real worker: TEST_REDIS_URL is not set")


@pytest.fixture
def world(database_url, tmp_path):
    """An app on a database of its own (migrated), a queue of its own, the world an import needs."""
    schema = None
    if database_url.startswith("sqlite"):
        url = "sqlite:///" + str(tmp_path / "jobs.sqlite3")
    else:
        schema = f"jobs_{uuid.uuid4().hex[:10]}"
        engine = create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        separator = "&" if "?" in database_url else "?"
        url = f"{database_url}{separator}options={quote(f'-csearch_path={schema}')}"
    queue_name = f"portal-test-{uuid.uuid4().hex[:10]}"
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key", "SQLALCHEMY_DATABASE_URI": url,
                      "PORTAL_REDIS_URL": REDIS_URL, "PORTAL_JOB_QUEUE": queue_name})
    try:
        with app.app_context():
            flask_migrate.upgrade()
            officer = factories.user("ekonom", Role.FINANCE_OFFICER)
            factories.unit(factories.committee("BUN"), code="BOU1")
            factories.category("CHILDCARE")
            db.session.commit()
            actor = Actor(officer.id, officer.username, "finance_officer", "127.0.0.1")
            yield {"app": app, "url": url, "queue": queue_name, "actor": actor, "dialect": db.engine.dialect.name}
    finally:  # also when the set-up failed: no connection or key is left behind
        with app.app_context():
            connection = jobs.services.redis_connection()
            for key in connection.scan_iter(f"*{queue_name}*"):
                connection.delete(key)
            connection.close()
            db.session.remove()
            db.engine.dispose()
        if schema:
            engine = create_engine(database_url)
            with engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            engine.dispose()


def _worker(world, tmp_path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "FLASK_APP": "portal", "DATABASE_URL": world["url"], "SECRET_KEY": "worker-test-secret-key-" + "x" * 32,
           "PORTAL_REDIS_URL": REDIS_URL, "PORTAL_JOB_QUEUE": world["queue"]}
    env.pop("PORTAL_DEVELOPMENT", None)
    log_dir = Path(os.environ.get("TEST_WORKER_LOG_DIR") or tmp_path)
    log = open(log_dir / f"worker-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen([sys.executable, "-m", "flask", "portal", "worker", *args], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    process.log = log
    return process


def _finish(process: subprocess.Popen, timeout: float = 60) -> str:
    try:
        process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        process.log.close()
    return Path(process.log.name).read_text(errors="replace")


def _upload_and_enqueue(world, rows: int) -> tuple[int, int]:
    data = table_bytes([ledger_row(n) for n in range(1, rows + 1)])
    ledger_import = imports.upload(world["actor"], data=data, file_name="r.csv", kind="ledger", mapping_id=None)
    db.session.commit()
    job = jobs.enqueue(world["actor"], "ledger_import.run", subject=("ledger_import", ledger_import.id))
    db.session.commit()
    return ledger_import.id, job.id


def _job(job_id: int) -> Job:
    db.session.rollback()
    return db.session.get(Job, job_id, populate_existing=True)


def test_a_committed_job_goes_on_the_queue_and_a_worker_runs_it(world, tmp_path):
    import_id, job_id = _upload_and_enqueue(world, 3)
    assert jobs.services.queue().count == 1 and _job(job_id).state == "waiting"
    output = _finish(_worker(world, tmp_path, "--burst"))
    job = _job(job_id)
    assert job.state == "done", output
    assert job.worker_pid and job.progress == 3 and job.attempts == 1
    assert db.session.get(LedgerImport, import_id).state == "imported"
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 3


def _wait(condition, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds} s for {what}")


def test_a_worker_killed_mid_import_leaves_the_database_as_before(world, tmp_path):
    """The import is stopped inside its transaction, after it has written every customer and invoice
    (the test holds the audit chain's head, which the import takes last), and the worker process doing
    it is killed with SIGKILL. Nothing of the import is left; the job shows as failed; run again, it
    imports."""
    if world["dialect"] != "postgresql":
        pytest.skip("stopping a worker inside its transaction needs PostgreSQL's row locks; on SQLite the "
                    "same all-or-nothing is shown by test_an_import_job_that_fails_inside_its_transaction")
    import_id, job_id = _upload_and_enqueue(world, 500)
    before = {"customers": db.session.scalar(select(func.count()).select_from(Customer)),
              "invoices": db.session.scalar(select(func.count()).select_from(Invoice))}
    holder = db.engine.connect()
    blocker = holder.begin()
    holder.execute(text("UPDATE audit_chain_head SET last_seq = last_seq WHERE id = 1"))
    worker = _worker(world, tmp_path)
    try:
        def import_waiting_with_its_writes():
            holder.execute(text("SELECT pg_stat_clear_snapshot()"))  # a transaction sees one snapshot otherwise
            return holder.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND wait_event_type = 'Lock' "
                "AND backend_xid IS NOT NULL AND query LIKE '%audit_chain_head%'")).first()

        # Waiting on the lock with a transaction id: it has written (customers and invoices come first).
        _wait(import_waiting_with_its_writes, "the import to wait inside its transaction")
        horse = _job(job_id).worker_pid
        assert _job(job_id).state == "running" and horse
        os.kill(horse, signal.SIGKILL)
        _wait(lambda: _job(job_id).state == "failed", "the worker to mark the job failed")
    finally:
        blocker.rollback()
        holder.close()
        worker.send_signal(signal.SIGTERM)
        output = _finish(worker)
    job = _job(job_id)
    assert "signal 9" in job.error and "inget som jobbet skrev sparades" in job.error, output
    assert db.session.scalar(select(func.count()).select_from(Customer)) == before["customers"]
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == before["invoices"] == 0
    assert db.session.get(LedgerImport, import_id).state == "uploaded"
    # The cause gone, the job runs again and imports every row.
    jobs.retry(world["actor"], job)
    db.session.commit()
    output = _finish(_worker(world, tmp_path, "--burst"))
    assert _job(job_id).state == "done", output
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 500
    assert db.session.get(LedgerImport, import_id).state == "imported"
