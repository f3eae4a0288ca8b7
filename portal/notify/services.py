"""The sender: find each event's recipients, make the day's reminders, send what is due, retry.

Every step claims its rows with a conditional UPDATE and commits before the next, so several app
servers (or a worker and a cron run) never send one mail twice: an event is expanded once, a mail
is sent by whoever claimed it. A mail that fails is tried again later (rules.RETRY_DELAYS); after
the last attempt the administrator's page shows it, and sending it again is audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.audit.services import Actor, record
from portal.auth.models import User
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.notify import events, mailer, queries, rules
from portal.notify.messages import compose
from portal.notify.models import EventKind, Frequency, MailEvent, MailPreference, MailState, OutboxMail

log = logging.getLogger(__name__)

BATCH = 200
MAX_ERROR_CHARS = 2000


@dataclass
class Summary:
    events: int = 0
    expanded: int = 0
    sent: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return (f"{self.events} new events, {self.expanded} events expanded, {self.sent} mails sent, "
                f"{self.failed} failed")


def run(*, scan: bool = True) -> Summary:
    """What the job and `flask portal send-reminders` do: the day's reminders, then every event's
    mails, then every mail that is due."""
    summary = Summary()
    if not events.mail_configured():
        return summary
    if scan:
        summary.events = scan_reminders()
    summary.expanded = expand_pending()
    summary.sent, summary.failed = send_due()
    return summary


# --- reminders ---------------------------------------------------------------------------------------

def _add_once(key: str, kind: EventKind, **values) -> bool:
    """Record a scheduled event unless it is already recorded (here or by another server right now)."""
    if db.session.scalar(select(MailEvent.id).where(MailEvent.key == key)) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(MailEvent(key=key, kind=kind.value, created_at=clock.now(), **values))
    except IntegrityError:
        return False
    return True


def scan_reminders() -> int:
    """The reminders due today: unreported decisions before a meeting, agreements not back, digests."""
    config = current_app.config
    today = clock.today()
    added = 0
    for meeting, count in queries.meetings_with_unreported(today, config["MAIL_MEETING_REMINDER_DAYS"]):
        added += _add_once(f"meeting:{meeting.id}:unreported", EventKind.MEETING_UNREPORTED, meeting_id=meeting.id,
                           payload={"committee_code": meeting.committee.code, "count": count,
                                    "meeting_date": meeting.meeting_date.isoformat()})
    for case, decision in queries.overdue_agreements(today, config["MAIL_AGREEMENT_REMINDER_DAYS"]):
        added += _add_once(f"agreement:{case.id}", EventKind.AGREEMENT_OVERDUE, case_id=case.id,
                           payload={"registry_number": case.registry_number, "case_type": case.case_type,
                                    "days": (today - decision.decision_date).days})
    if rules.digest_due(clock.local(clock.now()), config["MAIL_DIGEST_HOUR"]):
        for user in queries.with_frequency(Frequency.DAILY):
            key = f"digest:{today.isoformat()}:{user.id}"
            if db.session.scalar(select(MailEvent.id).where(MailEvent.key == key)) is not None:
                continue
            payload = queries.what_waits(user, today)
            if any(payload.values()):
                added += _add_once(key, EventKind.DIGEST, recipient_id=user.id, payload=payload)
    db.session.commit()
    return added


# --- expanding events into mails -----------------------------------------------------------------

def expand_pending() -> int:
    expanded = 0
    ids = db.session.scalars(select(MailEvent.id).where(MailEvent.expanded_at.is_(None))
                             .order_by(MailEvent.id).limit(BATCH * 5)).all()
    for event_id in ids:
        expanded += expand(event_id)
    return expanded


def expand(event_id: int) -> bool:
    """Claim the event, put one mail per recipient in the outbox, commit both together."""
    now = clock.now()
    claimed = db.session.execute(
        update(MailEvent).where(MailEvent.id == event_id, MailEvent.expanded_at.is_(None)).values(expanded_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        return False
    event = db.session.get(MailEvent, event_id, populate_existing=True)
    for user in queries.of_event(event, clock.today()):
        db.session.add(OutboxMail(event_id=event.id, recipient_id=user.id, state=MailState.WAITING.value,
                                  attempts=0, next_attempt_at=now, created_at=now))
    db.session.commit()
    return True


# --- sending -------------------------------------------------------------------------------------

def _due(now):
    return or_(and_(OutboxMail.state == MailState.WAITING.value, OutboxMail.next_attempt_at <= now),
               and_(OutboxMail.state == MailState.SENDING.value, OutboxMail.claimed_at < now - rules.CLAIM_EXPIRES))


def send_due() -> tuple[int, int]:
    """Send every mail that is due; each is claimed (and committed) before it is handed to the relay."""
    sent = failed = 0
    relay = mailer.Relay()
    try:
        while True:
            now = clock.now()
            ids = db.session.scalars(select(OutboxMail.id).where(_due(now)).order_by(OutboxMail.id).limit(BATCH)).all()
            if not ids:
                break
            for mail_id in ids:
                result = _send_one(relay, mail_id)
                sent += result is True
                failed += result is False
            if len(ids) < BATCH:
                break
    finally:
        relay.close()
    return sent, failed


def _send_one(relay: mailer.Relay, mail_id: int) -> bool | None:
    now = clock.now()
    claimed = db.session.execute(
        update(OutboxMail).where(OutboxMail.id == mail_id, _due(now))
        .values(state=MailState.SENDING.value, claimed_at=now, attempts=OutboxMail.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if claimed != 1:
        return None  # another sender has it
    mail = db.session.get(OutboxMail, mail_id, populate_existing=True)
    try:
        composed = compose(mail.event)
        relay.send(mailer.build(to=mail.recipient.email, subject=composed.subject, body=composed.body,
                                message_key=f"portal-mail-{mail.id}"))
    except Exception as error:  # the relay refused or was away, or the mail could not be made
        log.warning("mail %s not sent: %s", mail_id, error)
        retry_at = rules.after_failure(mail.attempts, clock.now())
        db.session.execute(update(OutboxMail).where(OutboxMail.id == mail_id).values(
            state=MailState.WAITING.value if retry_at else MailState.FAILED.value,
            next_attempt_at=retry_at or mail.next_attempt_at, claimed_at=None,
            last_error=f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]))
        db.session.commit()
        return False
    db.session.execute(update(OutboxMail).where(OutboxMail.id == mail_id).values(
        state=MailState.SENT.value, sent_at=clock.now(), claimed_at=None))
    db.session.commit()
    return True


def mail_retry(actor: Actor, mail: OutboxMail) -> OutboxMail:
    """The administrator sends a failed mail again (audited); it goes with the next send."""
    if mail.state != MailState.FAILED:
        raise ValidationFailed({"mail": _("Only a failed e-mail can be sent again.")})
    before = {"state": mail.state, "attempts": mail.attempts, "error": mail.last_error}
    mail.state = MailState.WAITING.value
    mail.attempts = 0
    mail.next_attempt_at = clock.now()
    db.session.flush()
    record(actor, "mail.retry", "mail", mail.id, before=before, after={"state": mail.state})
    events.request_send(actor)
    return mail


def preference_set(actor: Actor, user: User, frequency: Frequency) -> MailPreference:
    """A person chooses how often they get mail (audited)."""
    preference = db.session.get(MailPreference, user.id)
    before = preference.frequency if preference else Frequency.IMMEDIATELY.value
    if preference is None:
        preference = MailPreference(user_id=user.id, frequency=frequency.value, updated_at=clock.now())
        db.session.add(preference)
    elif preference.frequency != frequency.value:
        preference.frequency = frequency.value
        preference.updated_at = clock.now()
    db.session.flush()
    if before != frequency.value:
        record(actor, "mail.preference", "user", user.id, before={"frequency": before},
               after={"frequency": frequency.value})
    return preference


def frequency_of(user_id: int) -> Frequency:
    preference = db.session.get(MailPreference, user_id)
    return Frequency(preference.frequency) if preference else Frequency.IMMEDIATELY

