"""Reminders by e-mail, end to end through a real SMTP server: who gets which mail, what it says and
what it never says, one mail per event, retries, preferences and the administrator's outbox."""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit.models import AuditEntry
from portal.auth.roles import Role
from portal.cases import services as case_services
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput
from portal.config import ConfigError, build_config
from portal.delegation.engine_types import CaseType
from portal.extensions import db
from portal.notify import rules, services
from portal.notify.models import EventKind, Frequency, MailEvent, MailState, OutboxMail


def _deferral(world):
    case = case_services.case_create(
        world.actor(world.officer, "case_officer"), customer=world.customer, case_type=CaseType.DEFERRAL,
        invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    return case_services.case_update(world.actor(world.officer), case, invoice_ids=[world.invoice.id],
                                     terms=TermsInput(new_due_date=date(2027, 1, 31)), reasons="Sjukdom i familjen.")


def _submitted(world):
    case = _deferral(world)
    case_services.case_submit(world.actor(world.officer), case)
    db.session.commit()
    return case


def _consulted(world):
    case = _submitted(world)
    case_services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    db.session.commit()
    return case


def _decide(world, case, who=None):
    case_services.case_decide(world.actor(who or world.unit_head), case, case_services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Skäl finns.", no_conflict_confirmed=True))
    db.session.commit()


def test_each_step_of_a_case_reaches_the_person_it_concerns(app, world, smtp_server):
    case = _submitted(world)
    services.run(scan=False)
    [consult] = smtp_server.to("ekonom@kommun.example")
    assert consult["Subject"] == f"Ärende {case.registry_number} väntar på samråd"

    case_services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    db.session.commit()
    services.run(scan=False)
    [to_decide] = smtp_server.to("chef.norr@kommun.example")
    assert to_decide["Subject"] == f"Ärende {case.registry_number} väntar på ditt beslut"
    assert f"https://beslut.kommun.example/arenden/{case.id}" in to_decide.get_content()
    assert to_decide["From"] == "beslutsportalen@kommun.example"
    # Only the rule's decider: not the other unit's head, not the officer who prepared it.
    assert not smtp_server.to("chef.syd@kommun.example")
    assert not smtp_server.to("handlaggare@kommun.example")

    _decide(world, case)
    services.run(scan=False)
    [decided] = smtp_server.to("handlaggare@kommun.example")
    assert decided["Subject"] == f"Ditt ärende {case.registry_number} är beslutat"
    assert "beviljat" in decided.get_content()
    assert len(smtp_server.messages) == 3


def test_a_returned_case_tells_its_officer(app, world, smtp_server):
    case = _consulted(world)
    case_services.case_return(world.actor(world.unit_head), case, "Bifoga läkarintyget.")
    db.session.commit()
    services.run(scan=False)
    [returned] = smtp_server.to("handlaggare@kommun.example")
    assert returned["Subject"] == f"Ditt ärende {case.registry_number} har återsänts för komplettering"
    assert "läkarintyget" not in returned.get_content()  # the note stays in the portal


def test_no_mail_names_a_person_an_identity_number_or_an_amount(app, world, smtp_server):
    case = _submitted(world)
    services.run(scan=False)
    case_services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    db.session.commit()
    services.run(scan=False)
    _decide(world, case)
    services.run(scan=False)
    assert len(smtp_server.messages) == 3
    forbidden = [world.customer.name, world.customer.identity_number, world.officer.full_name,
                 world.unit_head.full_name, world.finance.full_name, "Sjukdom", "3 000", "3000", " kr"]
    for message in smtp_server.messages:
        text = smtp_server.text(message)
        for word in forbidden:
            assert word not in text, (word, text)
        assert not re.search(r"\d{6,8}-?\d{4}", text), text  # nothing shaped like a personnummer
        assert case.registry_number in text
        # The only links lead into the portal.
        assert set(re.findall(r"https?://[^/\s]+", text)) == {"https://beslut.kommun.example"}


def test_the_decision_commits_whatever_the_mail_server_does(app, world, smtp_server):
    case = _consulted(world)
    smtp_server.controller.stop()  # the relay is away
    _decide(world, case)
    assert case.state == CaseState.GRANTED and case.decision is not None
    summary = services.run(scan=False)
    assert (summary.sent, summary.failed) == (0, 1)
    mail = db.session.scalars(select(OutboxMail)).one()
    assert mail.state == MailState.WAITING and mail.attempts == 1 and mail.last_error


def test_one_mail_per_event_and_recipient_however_many_senders(app, world, smtp_server):
    case = _submitted(world)
    [event] = db.session.scalars(select(MailEvent)).all()
    assert services.expand(event.id) is True
    assert services.expand(event.id) is False  # a second server finds it expanded
    mail = db.session.scalars(select(OutboxMail)).one()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(OutboxMail(event_id=event.id, recipient_id=mail.recipient_id, state="waiting", attempts=0,
                                  next_attempt_at=mail.next_attempt_at, created_at=mail.created_at))
    assert services.send_due() == (1, 0)
    assert services.send_due() == (0, 0)
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["Message-ID"] == f"<portal-mail-{mail.id}@kommun.example>"
    assert case.registry_number in smtp_server.messages[0]["Subject"]


def test_a_failed_send_is_retried_then_shown_to_the_administrator_who_sends_it_again(
        app, world, smtp_server, frozen_clock, client, make):
    case = _submitted(world)
    smtp_server.refuse = True
    services.run(scan=False)
    mail = db.session.scalars(select(OutboxMail)).one()
    assert mail.state == MailState.WAITING and mail.attempts == 1 and "451" in mail.last_error
    assert services.send_due() == (0, 0)  # not due again yet
    for _attempt in range(rules.MAX_ATTEMPTS - 1):
        frozen_clock.set(frozen_clock.instant + timedelta(hours=3))
        services.send_due()
    db.session.refresh(mail)
    assert mail.state == MailState.FAILED and mail.attempts == rules.MAX_ATTEMPTS
    assert not smtp_server.messages

    admin = make.user("admin", Role.ADMINISTRATOR)
    client.login("admin")
    page = client.get("/e-post/utkorg").get_data(as_text=True)
    assert case.registry_number in page and "Misslyckat" in page and "451" in page
    smtp_server.refuse = False
    response = client.post_form(f"/e-post/utkorg/{mail.id}/skicka-igen")
    assert response.status_code == 303
    services.send_due()
    db.session.refresh(mail)
    assert mail.state == MailState.SENT and len(smtp_server.messages) == 1
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mail.retry")).one()
    assert entry.actor_id == admin.id


def test_only_the_administrator_sees_the_outbox(app, world, client):
    client.login("handlaggare")
    assert client.get("/e-post/utkorg").status_code == 403
    assert client.post_form("/e-post/utkorg/1/skicka-igen").status_code in (403, 404)


def test_sending_again_is_refused_for_a_mail_that_did_not_fail(app, world, smtp_server, make, client):
    _submitted(world)
    services.run(scan=False)
    mail = db.session.scalars(select(OutboxMail)).one()
    make.user("admin", Role.ADMINISTRATOR)
    client.login("admin")
    page = client.post_form(f"/e-post/utkorg/{mail.id}/skicka-igen", follow_redirects=True).get_data(as_text=True)
    assert "Bara ett misslyckat e-postmeddelande kan skickas igen." in page
    assert len(smtp_server.messages) == 1


def test_the_relay_credentials_are_used(app, world, smtp_server, mail_config, monkeypatch):
    monkeypatch.setitem(mail_config, "SMTP_USERNAME", "portal")
    monkeypatch.setitem(mail_config, "SMTP_PASSWORD", "relay-secret")
    _submitted(world)
    services.run(scan=False)
    assert smtp_server.logins == ["portal"] and len(smtp_server.messages) == 1


def test_without_a_relay_no_event_is_recorded(app, world, mail_config, monkeypatch):
    monkeypatch.setitem(mail_config, "SMTP_HOST", None)
    _submitted(world)
    assert db.session.scalar(select(func.count()).select_from(MailEvent)) == 0


@pytest.mark.parametrize("missing", ["MAIL_FROM", "PORTAL_BASE_URL"])
def test_a_relay_without_sender_or_portal_address_is_refused_at_start(tmp_path, monkeypatch, missing):
    monkeypatch.setenv("SMTP_HOST", "smtp.kommun.example")
    monkeypatch.setenv("MAIL_FROM", "portal@kommun.example")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://beslut.kommun.example")
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        build_config(str(tmp_path), {"TESTING": True})


# --- preferences and reminders -------------------------------------------------------------------

def test_a_person_chooses_daily_and_gets_a_digest_instead_of_each_mail(app, world, smtp_server, client, frozen_clock):
    client.login("chef.norr")
    page = client.get("/e-post/mina-paminnelser").get_data(as_text=True)
    assert "En gång om dagen" in page
    assert client.post_form("/e-post/mina-paminnelser", {"frequency": "daily"}).status_code == 303
    assert services.frequency_of(world.unit_head.id) == Frequency.DAILY
    assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.action == "mail.preference")).all()

    case = _consulted(world)
    frozen_clock.set(datetime(2026, 11, 24, 4, 0, tzinfo=UTC))  # 05:00 in Stockholm: before the digest hour
    services.run()
    assert not smtp_server.to("chef.norr@kommun.example")
    frozen_clock.set(datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
    services.run()
    services.run()
    [digest] = smtp_server.to("chef.norr@kommun.example")
    assert digest["Subject"] == "Beslutsportalen: 1 ärende väntar på dig"
    assert case.registry_number in digest.get_content() and "Att besluta (1)" in digest.get_content()
    assert world.customer.name not in smtp_server.text(digest)


def test_never_means_no_mail(app, world, smtp_server):
    services.preference_set(world.actor(world.unit_head), world.unit_head, Frequency.NEVER)
    _consulted(world)
    services.run()
    assert not smtp_server.to("chef.norr@kommun.example")


def test_a_bad_preference_is_refused_and_nothing_changes(app, world, client):
    client.login("chef.norr")
    response = client.post_form("/e-post/mina-paminnelser", {"frequency": "weekly"})
    assert response.status_code == 200 and "Inte ett giltigt val" in response.get_data(as_text=True)
    assert services.frequency_of(world.unit_head.id) == Frequency.IMMEDIATELY


def test_the_officer_is_reminded_once_when_the_signed_agreement_has_not_come_back(app, world, smtp_server, frozen_clock):
    case = case_services.case_create(
        world.actor(world.officer, "case_officer"), customer=world.customer, case_type=CaseType.INSTALMENT_PLAN,
        invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Arbetslös.")
    case_services.case_update(world.actor(world.officer), case, invoice_ids=[world.invoice.id],
                              terms=TermsInput(first_due_date=date(2026, 12, 31), instalments=6), reasons="Arbetslös.")
    case_services.case_submit(world.actor(world.officer), case)
    db.session.commit()
    _decide(world, case)
    services.run()
    smtp_server.messages.clear()
    frozen_clock.set(frozen_clock.instant + timedelta(days=13))
    services.run()
    assert not smtp_server.messages
    frozen_clock.set(frozen_clock.instant + timedelta(days=1))
    services.run()
    services.run()
    [reminder] = smtp_server.to("handlaggare@kommun.example")
    assert reminder["Subject"] == f"Det undertecknade avtalet i ärende {case.registry_number} har inte kommit tillbaka"
    assert "14 dagar" in reminder.get_content()


def test_the_secretary_is_reminded_of_unreported_decisions_before_the_meeting(app, world, smtp_server, make):
    from portal.meetings.models import Meeting
    from portal.org.models import PositionKind
    from portal import clock

    secretary = make.user("sekreterare", Role.COMMITTEE_SECRETARY)
    secretary.email = "sekreterare@kommun.example"
    make.appointment(secretary, make.position(world.committee, PositionKind.COMMITTEE_SECRETARY, None,
                                              title="Nämndsekreterare SN"))
    case = _consulted(world)
    _decide(world, case)
    meeting = Meeting(committee_id=world.committee.id, meeting_date=date(2026, 11, 27), place="Sessionssalen",
                      state="planned", created_at=clock.now())
    db.session.add(meeting)
    db.session.commit()
    services.run()
    services.run()
    [reminder] = smtp_server.to("sekreterare@kommun.example")
    assert reminder["Subject"] == "Ej anmälda delegationsbeslut före sammanträdet 2026-11-27"
    assert "1 delegationsbeslut i SN är inte anmält" in reminder.get_content()
    assert f"/sammantraden/{meeting.id}" in reminder.get_content()


def test_the_cron_command_sends_and_says_what_it_did(app, world, smtp_server):
    _submitted(world)
    result = app.test_cli_runner().invoke(args=["portal", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 mails sent" in result.output and len(smtp_server.messages) == 1


def test_every_event_kind_is_worded(app, world):
    from portal.notify.messages import compose

    for kind in EventKind:
        payload = {"registry_number": "SN 2026/1", "case_type": "deferral", "state": "granted", "days": 14,
                   "meeting_date": "2026-12-01", "committee_code": "SN", "count": 2,
                   "to_decide": [{"case_id": 1, "registry_number": "SN 2026/1"}]}
        composed = compose(MailEvent(kind=kind.value, case_id=1, meeting_id=1, payload=payload))
        assert composed.subject and "SN" in composed.subject + composed.body


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs Redis: TEST_REDIS_URL is not set")
def test_with_a_job_queue_the_commit_puts_one_send_job_on_it_and_the_job_sends(app, world, smtp_server, monkeypatch):
    from portal.jobs import services as job_services
    from portal.jobs.models import Job
    from portal.jobs.runner import run_job

    queue_name = f"portal-test-{uuid.uuid4().hex[:10]}"
    monkeypatch.setitem(app.config, "PORTAL_REDIS_URL", os.environ["TEST_REDIS_URL"])
    monkeypatch.setitem(app.config, "PORTAL_JOB_QUEUE", queue_name)
    app.extensions.pop("portal_jobs_redis", None)
    try:
        case = _submitted(world)
        [job] = db.session.scalars(select(Job).where(Job.kind == "mail.send")).all()
        assert job_services.queue().count == 1  # handed over once the submit committed
        assert not smtp_server.messages  # nothing is sent in the request
        run_job(job.id)  # what the worker does with it
        [mail] = smtp_server.messages
        assert case.registry_number in mail["Subject"]
        assert db.session.get(Job, job.id, populate_existing=True).state == "done"
    finally:
        connection = job_services.redis_connection()
        for key in connection.scan_iter(f"*{queue_name}*"):
            connection.delete(key)
        app.extensions.pop("portal_jobs_redis", None)
