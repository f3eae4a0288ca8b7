"""Committee meetings (sammanträden), their agendas and the delegation report lines they recorded."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.batches.models import WriteOffBatch
from portal.cases.models import BigId, Case, Decision
from portal.extensions import db
from portal.meetings.rules import REFERRED_KINDS, CommitteeOutcome, ItemKind, MeetingState, paragraph_reference
from portal.org.models import Committee

MEETING_STATE_LABELS = {MeetingState.PLANNED: _l("Planned"), MeetingState.HELD: _l("Held")}
ITEM_KIND_LABELS = {ItemKind.REFERRED_CASE: _l("Referred case"),
                    ItemKind.REFERRED_BATCH: _l("Referred batch write-off"),
                    ItemKind.DELEGATION_REPORT: _l("Delegation report")}
COMMITTEE_OUTCOME_LABELS = {
    CommitteeOutcome.GRANTED: _l("Granted"),
    CommitteeOutcome.PARTLY_GRANTED: _l("Partly granted"),
    CommitteeOutcome.REFUSED: _l("Refused"),
    CommitteeOutcome.SENT_BACK: _l("Sent back"),
}


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("state in ('planned', 'held')", name="state"),
        CheckConstraint("minutes_posted_on IS NULL OR minutes_approved_on IS NOT NULL", name="approved_before_posted"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # A committee or a sub-committee (utskott).
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    meeting_date: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(20), default=MeetingState.PLANNED.value)
    minutes_approved_on: Mapped[date | None] = mapped_column(Date)  # justering
    minutes_posted_on: Mapped[date | None] = mapped_column(Date)  # anslag: the appeal time runs from here
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    committee: Mapped[Committee] = relationship()
    items: Mapped[list[AgendaItem]] = relationship(back_populates="meeting", order_by="AgendaItem.paragraph")

    @property
    def state_label(self) -> str:
        return str(MEETING_STATE_LABELS[MeetingState(self.state)])

    @property
    def is_held(self) -> bool:
        return self.state == MeetingState.HELD


class AgendaItem(db.Model):
    """A paragraph (§) of a meeting: a referred case with the case officer's proposal, or the report."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        UniqueConstraint("meeting_id", "paragraph"),
        CheckConstraint("kind in ('referred_case', 'referred_batch', 'delegation_report')", name="kind"),
        CheckConstraint("(kind = 'referred_case') = (case_id IS NOT NULL)", name="case_for_referred"),
        CheckConstraint("(kind = 'referred_batch') = (batch_id IS NOT NULL)", name="batch_for_referred"),
        CheckConstraint("outcome IS NULL OR outcome in ('granted', 'partly_granted', 'refused', 'sent_back')",
                        name="outcome"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    paragraph: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("write_off_batches.id"), index=True)
    proposal: Mapped[str] = mapped_column(Text, default="")
    # Recorded after the meeting.
    outcome: Mapped[str | None] = mapped_column(String(20))
    decision_text: Mapped[str | None] = mapped_column(Text)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    case: Mapped[Case | None] = relationship()
    batch: Mapped[WriteOffBatch | None] = relationship()

    @property
    def matter(self) -> Case | WriteOffBatch | None:
        """What the paragraph decides: a referred case or batch write-off (both show a registry
        number, a type and an amount); None for the delegation report."""
        return self.case if self.case is not None else self.batch

    @property
    def is_referred(self) -> bool:
        return self.kind in REFERRED_KINDS

    @property
    def reference(self) -> str:
        return paragraph_reference(self.meeting.committee.code, self.meeting.meeting_date, self.paragraph)

    @property
    def kind_label(self) -> str:
        return str(ITEM_KIND_LABELS[ItemKind(self.kind)])

    @property
    def outcome_label(self) -> str:
        return "" if self.outcome is None else str(COMMITTEE_OUTCOME_LABELS[CommitteeOutcome(self.outcome)])


class DelegationReportLine(db.Model):
    """A delegated decision reported at a meeting (6 kap 40 §); unique per decision: reported once."""

    __tablename__ = "delegation_report_lines"
    __table_args__ = (UniqueConstraint("decision_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)

    decision: Mapped[Decision] = relationship()
    meeting: Mapped[Meeting] = relationship()
    agenda_item: Mapped[AgendaItem] = relationship()
