"""The job queue without Redis: a job runs after its transaction commits, never before or without it;
a failed job changes nothing, is listed for those who see its kind, and can be run again (audited)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import access, clock, jobs
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.auth.roles import Role
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.jobs import registry
from portal.jobs.models import Job, JobState
from portal.receivables.models import CollectionStageCode, Invoice, LedgerImport
from tests.receivables.builders import ledger_row, table_bytes

CALLS: list[dict] = []


@pytest.fixture
def test_kind(app):
    """A kind that writes a stage code (so its transaction is visible), or fails halfway when asked."""

    @jobs.job_kind("test.stage_code", label="Provjobb", view_action=access.VIEW_IMPORTS,
                   retry_action=access.IMPORT_LEDGER)
    def work(context):
        CALLS.append(dict(context.params))
        db.session.add(CollectionStageCode(code=context.params["code"], stage="reminder"))
        db.session.flush()
        context.progress(1, 2, final=True)
        if context.params.get("fail"):
            raise RuntimeError("halfway")

    CALLS.clear()
    yield "test.stage_code"
    registry._kinds.pop("test.stage_code")


@pytest.fixture
def people(make):
    return {"officer": make.user("ekonom", Role.FINANCE_OFFICER), "auditor": make.user("revisor", Role.AUDITOR),
            "case_officer": make.user("handlaggare", Role.CASE_OFFICER)}


def _actor(user) -> Actor:
    return Actor(user.id, user.username, "finance_officer", "127.0.0.1")


def _codes() -> set[str]:
    return set(db.session.scalars(select(CollectionStageCode.code)))


def test_a_job_runs_only_once_its_transaction_commits(test_kind, people):
    job = jobs.enqueue(_actor(people["officer"]), test_kind, params={"code": "k1"})
    db.session.flush()
    assert CALLS == [] and job.state == JobState.WAITING
    db.session.commit()
    assert CALLS == [{"code": "k1"}]
    db.session.refresh(job)
    assert job.state == JobState.DONE and job.attempts == 1 and job.finished_at is not None
    assert (job.progress, job.progress_total) == (1, 2) and "k1" in _codes()
    assert job.started_by_id == people["officer"].id and job.capacity == "finance_officer"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "job.enqueue")).one()
    assert entry.object_id == str(job.id) and entry.after["kind"] == test_kind


def test_a_job_whose_transaction_rolls_back_never_runs(test_kind, people):
    job_id = jobs.enqueue(_actor(people["officer"]), test_kind, params={"code": "k2"}).id
    db.session.rollback()
    db.session.commit()
    assert CALLS == [] and db.session.get(Job, job_id) is None


def test_a_failed_job_keeps_nothing_it_wrote_and_says_why(test_kind, people):
    job = jobs.enqueue(_actor(people["officer"]), test_kind, params={"code": "k3", "fail": True})
    db.session.commit()
    db.session.refresh(job)
    assert job.state == JobState.FAILED and "RuntimeError: halfway" in job.error
    assert "k3" not in _codes() and jobs.is_failed(job)


def test_the_same_subject_gets_one_job_at_a_time(test_kind, people):
    officer = _actor(people["officer"])
    db.session.add(Job(kind=test_kind, state="running", subject_type="thing", subject_id=1, params={}, progress=0,
                       attempts=1, created_at=clock.now(), heartbeat_at=clock.now()))
    db.session.flush()
    with pytest.raises(ValidationFailed) as refused:
        jobs.enqueue(officer, test_kind, subject=("thing", 1), params={"code": "k4"})
    assert "väntar redan eller pågår" in refused.value.errors["job"]
    assert jobs.enqueue(officer, test_kind, subject=("thing", 2), params={"code": "k5"}).subject_id == 2


def test_a_running_job_whose_worker_went_silent_counts_as_failed(test_kind, people, frozen_clock):
    silent = Job(kind=test_kind, state="running", subject_type="thing", subject_id=1, params={"code": "k6"},
                 progress=0, attempts=1, created_at=clock.now(), heartbeat_at=clock.now() - timedelta(hours=1))
    alive = Job(kind=test_kind, state="running", subject_type="thing", subject_id=2, params={}, progress=0,
                attempts=1, created_at=clock.now(), heartbeat_at=clock.now() - timedelta(seconds=30))
    db.session.add_all([silent, alive])
    db.session.flush()
    assert jobs.is_failed(silent) and not jobs.is_failed(alive)
    assert jobs.active_for("thing", 1) is None and jobs.active_for("thing", 2) is alive
    jobs.retry(_actor(people["officer"]), silent)  # the silent one may be run again
    db.session.commit()
    db.session.refresh(silent)
    assert silent.state == JobState.DONE and silent.attempts == 2 and "k6" in _codes()


def test_only_a_failed_job_can_be_retried(test_kind, people):
    job = jobs.enqueue(_actor(people["officer"]), test_kind, params={"code": "k7"})
    db.session.commit()
    with pytest.raises(ValidationFailed):
        jobs.retry(_actor(people["officer"]), db.session.get(Job, job.id))


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_failed_jobs_page_lists_and_retries_for_those_who_may(app, client, test_kind, people):
    job = jobs.enqueue(_actor(people["officer"]), test_kind, params={"code": "k8", "fail": True})
    db.session.commit()
    client.login("revisor")  # sees import jobs, may not run them
    page = _text(client.get("/jobb/"))
    assert "Misslyckade jobb" in page and "RuntimeError: halfway" in page and "Provjobb" in page
    assert "Kör igen" not in page
    assert client.post_form(f"/jobb/{job.id}/forsok-igen").status_code == 403
    client = app.test_client()
    client.login("handlaggare")  # sees no import work at all
    assert client.get("/jobb/").status_code == 403
    assert client.post_form(f"/jobb/{job.id}/forsok-igen").status_code == 403
    client = app.test_client()
    client.login("ekonom")
    assert "Kör igen" in _text(client.get("/jobb/"))
    CALLS.clear()
    job.params = {"code": "k8"}  # the cause put right
    db.session.commit()
    response = client.post_form(f"/jobb/{job.id}/forsok-igen", follow_redirects=True)
    assert "Jobbet startades igen." in _text(response) and CALLS == [{"code": "k8"}]
    db.session.refresh(job)
    assert job.state == JobState.DONE and job.attempts == 2 and "k8" in _codes()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "job.retry")).one()
    assert entry.actor_id == people["officer"].id and entry.before["state"] == "failed"
    assert "Inga misslyckade jobb." in _text(client.get("/jobb/"))
    assert re.search(r"Klar", _text(client.get("/jobb/?visa=alla")))


def test_the_jobs_list_shows_only_kinds_the_reader_may_see(client, test_kind, people):
    db.session.add(Job(kind="some.other_kind", state="failed", params={}, progress=0, attempts=1,
                       error="hemligt fel", created_at=clock.now()))
    jobs.enqueue(_actor(people["officer"]), test_kind, params={"code": "k9", "fail": True})
    db.session.commit()
    client.login("ekonom")
    page = _text(client.get("/jobb/?visa=alla"))
    assert "RuntimeError: halfway" in page and "hemligt fel" not in page and "1 jobb" in page


def test_the_ledger_import_runs_as_a_job_and_its_page_shows_how_it_went(client, app, make, people, frozen_clock,
                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_PREVIEW_IN_REQUEST_BYTES", 0)  # no file is small enough
    make.unit(make.committee("BUN"), code="BOU1")
    make.category("CHILDCARE")
    db.session.commit()
    client.login("ekonom")
    url = client.post_form("/import/", {"kind": "ledger", "mapping_id": "",
                                        "file": (__import__("io").BytesIO(table_bytes([ledger_row(1), ledger_row(2)])),
                                                 "r.csv")}).location
    import_id = int(url.rsplit("/", 1)[1])
    assert client.post_form(f"{url}/forhandsgranska").status_code == 303
    assert client.post_form(f"{url}/importera").status_code == 303
    kinds = db.session.scalars(select(Job.kind).where(Job.subject_id == import_id).order_by(Job.id)).all()
    states = db.session.scalars(select(Job.state).where(Job.subject_id == import_id).order_by(Job.id)).all()
    assert kinds == ["ledger_import.preview", "ledger_import.run"] and states == ["done", "done"]
    assert db.session.get(LedgerImport, import_id).state == "imported"
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 2
    # The status answer for a watched job that has ended is the whole section; unwatched (the page's own
    # request still running) only the progress, so it never replaces the section under that request.
    job_id = db.session.scalars(select(Job.id).where(Job.subject_id == import_id).order_by(Job.id.desc())).first()
    status = client.get(f"/import/{import_id}/status?job={job_id}")
    assert status.headers["HX-Retarget"] == "#import" and "Vad importen gjorde" in _text(status)
    assert "HX-Retarget" not in client.get(f"/import/{import_id}/status").headers


def test_a_small_file_is_previewed_in_the_request_and_imported_as_a_job(client, make, people):
    make.unit(make.committee("BUN"), code="BOU1")
    make.category("CHILDCARE")
    db.session.commit()
    client.login("ekonom")
    url = client.post_form("/import/", {"kind": "ledger", "mapping_id": "",
                                        "file": (__import__("io").BytesIO(table_bytes([ledger_row(1)])), "r.csv")}).location
    import_id = int(url.rsplit("/", 1)[1])
    assert client.post_form(f"{url}/forhandsgranska").status_code == 303
    assert db.session.get(LedgerImport, import_id).state == "previewed"
    assert db.session.scalars(select(Job.kind).where(Job.subject_id == import_id)).all() == []
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "ledger_import.preview", AuditEntry.object_id == str(import_id))) == 1
    assert client.post_form(f"{url}/importera").status_code == 303
    assert db.session.scalars(select(Job.kind).where(Job.subject_id == import_id)).all() == ["ledger_import.run"]


def test_an_import_job_that_fails_inside_its_transaction_leaves_nothing(client, make, people, monkeypatch):
    from portal.receivables import imports

    make.unit(make.committee("BUN"), code="BOU1")
    make.category("CHILDCARE")
    ledger_import = imports.upload(_actor(people["officer"]), data=table_bytes([ledger_row(1), ledger_row(2)]),
                                   file_name="r.csv", kind="ledger", mapping_id=None)
    db.session.commit()
    real_write = imports._write_ledger

    def write_then_die(plan, demo):
        real_write(plan, demo)  # customers and invoices are in the transaction now
        raise MemoryError("the worker ran out of memory")

    monkeypatch.setattr(imports, "_write_ledger", write_then_die)
    client.login("ekonom")
    response = client.post_form(f"/import/{ledger_import.id}/importera")
    assert response.status_code == 422 and "MemoryError" in _text(response)
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0
    db.session.refresh(ledger_import)
    assert ledger_import.state == "uploaded"
    job = jobs.latest_for("ledger_import", ledger_import.id)
    assert job.state == "failed" and job.kind == "ledger_import.run"
    page = _text(client.get(f"/import/{ledger_import.id}"))
    assert "Jobbet avbröts innan det blev klart och ingenting ändrades" in page
    monkeypatch.setattr(imports, "_write_ledger", real_write)
    client.post_form(f"/jobb/{job.id}/forsok-igen")
    db.session.refresh(ledger_import)
    assert ledger_import.state == "imported"
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 2
