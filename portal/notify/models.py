"""Events worth a mail, the outbox (one row per event and recipient) and each person's preference."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, \
    UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.extensions import db

BigId = BigInteger().with_variant(Integer, "sqlite")


class Frequency(StrEnum):
    IMMEDIATELY = "immediately"  # genast: a mail for each event
    DAILY = "daily"  # dagligen: one digest in the morning of what waits
    NEVER = "never"  # aldrig

    @property
    def label(self) -> str:
        return str(FREQUENCY_LABELS[self])


FREQUENCY_LABELS = {
    Frequency.IMMEDIATELY: _l("At once, one e-mail for each case"),
    Frequency.DAILY: _l("Once a day, a summary of what waits"),
    Frequency.NEVER: _l("Never"),
}


class EventKind(StrEnum):
    CASE_TO_DECIDE = "case_to_decide"
    CASE_TO_CONSULT = "case_to_consult"
    CASE_DECIDED = "case_decided"
    CASE_RETURNED = "case_returned"
    AGREEMENT_OVERDUE = "agreement_overdue"
    MEETING_UNREPORTED = "meeting_unreported"
    DIGEST = "digest"

    @property
    def label(self) -> str:
        return str(EVENT_KIND_LABELS[self])


EVENT_KIND_LABELS = {
    EventKind.CASE_TO_DECIDE: _l("Case to decide"),
    EventKind.CASE_TO_CONSULT: _l("Case to consult"),
    EventKind.CASE_DECIDED: _l("Case decided"),
    EventKind.CASE_RETURNED: _l("Case returned"),
    EventKind.AGREEMENT_OVERDUE: _l("Signed agreement not back"),
    EventKind.MEETING_UNREPORTED: _l("Unreported decisions before a meeting"),
    EventKind.DIGEST: _l("Daily summary"),
}


class MailState(StrEnum):
    WAITING = "waiting"  # to send (again) from next_attempt_at
    SENDING = "sending"  # claimed by one sender
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt: the administrator sends it again

    @property
    def label(self) -> str:
        return str(MAIL_STATE_LABELS[self])


MAIL_STATE_LABELS = {
    MailState.WAITING: _l("Mail waiting"),
    MailState.SENDING: _l("Mail being sent"),
    MailState.SENT: _l("Mail sent"),
    MailState.FAILED: _l("Mail failed"),
}


class MailEvent(db.Model):
    """Something a person should hear of. `key` names the event once (a trail entry, a day's digest,
    a meeting's reminder), so two app servers that notice it at once record it once."""

    __tablename__ = "mail_events"
    __table_args__ = (Index("ix_mail_events_pending", "expanded_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    # Who it is for, when the event itself says (a digest, a reminder); otherwise found on expanding.
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What the mail says besides its kind: registry numbers, counts and paths, never names or amounts.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set when its recipients were found and its mails put in the outbox (once, by one sender).
    expanded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxMail(db.Model):
    """One mail of one event to one person: sent once, retried on failure."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        UniqueConstraint("event_id", "recipient_id"),
        CheckConstraint("state in ('waiting', 'sending', 'sent', 'failed')", name="state"),
        Index("ix_mail_outbox_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("mail_events.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=MailState.WAITING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    event: Mapped[MailEvent] = relationship()
    recipient: Mapped[User] = relationship()

    @property
    def state_enum(self) -> MailState:
        return MailState(self.state)


class MailPreference(db.Model):
    """How often a person wants mail; without a row, at once."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(20), default=Frequency.IMMEDIATELY.value)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("frequency in ('immediately', 'daily', 'never')", name="frequency"),)
