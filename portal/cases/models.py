"""Cases (ärenden) and their decisions, consultations, attachments and registry numbers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from portal.auth.models import User
from portal.cases.rules import CaseState, Outcome, allows_partial_grant
from portal.delegation.engine_types import CaseType
from portal.delegation.models import CASE_TYPE_CHECK, CollectionReason, reason_label
from portal.extensions import db
from portal.org.models import Committee, OrgUnit, Position
from portal.receivables.models import Customer, Invoice

BigId = BigInteger().with_variant(Integer, "sqlite")

CASE_TYPE_LABELS = {
    CaseType.DEFERRAL: _l("Deferral"),
    CaseType.INSTALMENT_PLAN: _l("Instalment plan"),
    CaseType.WRITE_OFF: _l("Write-off"),
    CaseType.CREDIT: _l("Credit"),
    CaseType.FORGO_COLLECTION: _l("Forgo collection"),
    CaseType.STOP_COLLECTION: _l("Stop collection"),
}
# A case proposing that the whole debt of a broken plan or deferral falls due (RULINGS 16) has the
# type of the plan or deferral it is about: whoever may grant that plan today decides it.
WHOLE_DEBT_DUE_LABELS = {
    CaseType.DEFERRAL: _l("Whole debt due (deferral not kept)"),
    CaseType.INSTALMENT_PLAN: _l("Whole debt due (plan broken)"),
}
CASE_STATE_LABELS = {
    CaseState.DRAFT: _l("Draft"),
    CaseState.AWAITING_CONSULTATION: _l("Awaiting consultation"),
    CaseState.AWAITING_DECISION: _l("Awaiting decision"),
    CaseState.RETURNED: _l("Returned for completion"),
    CaseState.REFERRED_TO_COMMITTEE: _l("Referred to the committee"),
    CaseState.GRANTED: _l("Granted"),
    CaseState.PARTLY_GRANTED: _l("Partly granted"),
    CaseState.REFUSED: _l("Refused"),
    CaseState.EXECUTED: _l("Executed"),
    CaseState.WITHDRAWN: _l("Withdrawn"),
}
OUTCOME_LABELS = {
    Outcome.GRANTED: _l("Granted"),
    Outcome.PARTLY_GRANTED: _l("Partly granted"),
    Outcome.REFUSED: _l("Refused"),
}


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(CASE_TYPE_CHECK, name="case_type"),
        Index("ix_cases_committee_state", "committee_id", "state"),
        Index("ix_cases_customer_type", "customer_id", "case_type"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    # The unit that issued the case's invoices: the scheme's "issuing unit" scope reads it.
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    case_type: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[str] = mapped_column(String(30), index=True, default=CaseState.DRAFT.value)
    # Given at submission and kept for ever, also when the case is withdrawn.
    registry_number: Mapped[str | None] = mapped_column(String(60), unique=True)
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # The day finance booked the decision in the ledger: finance reports count by it (RULINGS 19).
    executed_on: Mapped[date | None] = mapped_column(Date, index=True)
    reasons: Mapped[str] = mapped_column(Text, default="")
    # Terms, by case type.
    new_due_date: Mapped[date | None] = mapped_column(Date)
    first_due_date: Mapped[date | None] = mapped_column(Date)
    instalments: Mapped[int | None] = mapped_column(Integer)
    monthly_amount_ore: Mapped[int | None] = mapped_column(BigInteger)
    # A plan is asked as a number of instalments or as a monthly amount; both are stored (lists and
    # the engine read them), and this says which the officer entered, so a grant keeps that one.
    monthly_amount_entered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    write_off_reason: Mapped[str | None] = mapped_column(String(40))
    write_off_final: Mapped[bool | None] = mapped_column(Boolean)
    # Forgoing or stopping collection: a CollectionReason value.
    collection_reason: Mapped[str | None] = mapped_column(String(40))
    credit_settlement: Mapped[str | None] = mapped_column(String(20))  # refund | set_off
    # A credit: a CreditReason value.
    credit_reason: Mapped[str | None] = mapped_column(String(40))
    applied_before_due: Mapped[bool | None] = mapped_column(Boolean)
    # Kept up to date by the services so lists can filter and sort without recomputing.
    amount_ore: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    length_months: Mapped[int | None] = mapped_column(Integer)
    # The figures derived from the terms as they stood at submission (amount, interest, last
    # instalment, rule), so the decider sees what changed by the decision day.
    submitted_figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # So urgent that the committee cannot wait (kommunallagen 6 kap 39 §): only then may an "urgent"
    # rule of the scheme match.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # R8: a correction is a new case that refers to the decision it corrects.
    corrects_decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", use_alter=True, name="fk_cases_corrects_decision_id_decisions"))
    # RULINGS 16: the portal never cancels a broken plan (or a deferral not kept) itself; a case of
    # its own, linked to it, proposes that the whole debt falls due, and a person decides it.
    whole_debt_due_for_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)

    committee: Mapped[Committee] = relationship()
    customer: Mapped[Customer] = relationship()
    org_unit: Mapped[OrgUnit] = relationship()
    prepared_by: Mapped[User] = relationship()
    lines: Mapped[list[CaseInvoice]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseInvoice.id"
    )
    decision: Mapped[Decision | None] = relationship(
        back_populates="case", foreign_keys="Decision.case_id", uselist=False
    )
    consultations: Mapped[list[Consultation]] = relationship(back_populates="case")
    conflicts: Mapped[list[ConflictDeclaration]] = relationship(back_populates="case")
    condition_answers: Mapped[list[ConditionAnswer]] = relationship(back_populates="case")
    signed_agreement: Mapped[SignedAgreement | None] = relationship(uselist=False, viewonly=True)
    whole_debt_due_for: Mapped[Case | None] = relationship(remote_side="Case.id", foreign_keys=[whole_debt_due_for_id])

    @property
    def type_enum(self) -> CaseType:
        return CaseType(self.case_type)

    @property
    def state_enum(self) -> CaseState:
        return CaseState(self.state)

    @property
    def is_whole_debt_due(self) -> bool:
        return self.whole_debt_due_for_id is not None

    @property
    def type_label(self) -> str:
        if self.is_whole_debt_due:
            return str(WHOLE_DEBT_DUE_LABELS[self.type_enum])
        return str(CASE_TYPE_LABELS[self.type_enum])

    @property
    def state_label(self) -> str:
        return str(CASE_STATE_LABELS[self.state_enum])

    @property
    def allows_partial_grant(self) -> bool:
        # A proposal that a plan's whole debt falls due is granted or refused (RULINGS 16).
        return allows_partial_grant(self.type_enum) and not self.is_whole_debt_due

    @property
    def collection_reason_label(self) -> str:
        return CollectionReason(self.collection_reason).label if self.collection_reason else ""

    @property
    def credit_reason_label(self) -> str:
        return reason_label(self.credit_reason) if self.credit_reason else ""

    @property
    def awaits_signature(self) -> bool:
        """A granted plan takes effect only when the signed agreement is registered."""
        return (self.case_type == CaseType.INSTALMENT_PLAN and not self.is_whole_debt_due
                and self.signed_agreement is None
                and self.state in (CaseState.GRANTED, CaseState.PARTLY_GRANTED))


class CaseInvoice(db.Model):
    """An invoice of a case, with the amounts as they stood when the case was prepared."""

    __tablename__ = "case_invoices"
    __table_args__ = (UniqueConstraint("case_id", "invoice_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    open_capital_ore: Mapped[int] = mapped_column(BigInteger)
    interest_ore: Mapped[int] = mapped_column(BigInteger, default=0)
    fees_ore: Mapped[int] = mapped_column(BigInteger, default=0)
    credited_capital_ore: Mapped[int | None] = mapped_column(BigInteger)

    case: Mapped[Case] = relationship(back_populates="lines")
    invoice: Mapped[Invoice] = relationship()


class Decision(db.Model):
    """What was decided, by whom, in which capacity and under which rule; never changed (R8)."""

    __tablename__ = "decisions"
    __table_args__ = (
        # Exactly one decision per case, whatever two people do at the same moment.
        UniqueConstraint("case_id"),
        CheckConstraint("outcome in ('granted', 'partly_granted', 'refused')", name="outcome"),
        # Delegated: made under a rule of the scheme. The committee's own: at a meeting's paragraph.
        CheckConstraint(
            "(scheme_version_id IS NOT NULL AND rule_number IS NOT NULL AND rule_level IS NOT NULL)"
            " OR (meeting_id IS NOT NULL AND paragraph IS NOT NULL)",
            name="rule_or_paragraph",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    decision_date: Mapped[date] = mapped_column(Date, index=True)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # holder | standin | further_delegate
    capacity: Mapped[str] = mapped_column(String(30))
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    standin_for_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delegated_by_position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    scheme_version_id: Mapped[int | None] = mapped_column(ForeignKey("scheme_versions.id"))
    rule_number: Mapped[str | None] = mapped_column(String(20))
    rule_level: Mapped[int | None] = mapped_column(Integer)
    # ordinary | urgent (the chair or a named member on the committee's behalf, 6 kap 39 §); NULL for
    # the committee's own decision. Recorded so the case shows the capacity as it was on the day.
    rule_kind: Mapped[str | None] = mapped_column(String(20))
    # The committee's own decision at a meeting: its paragraph, e.g. "SN 2026-12-10 § 14".
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", use_alter=True, name="fk_decisions_meeting_id_meetings"), index=True)
    paragraph: Mapped[int | None] = mapped_column(Integer)
    committee_reference: Mapped[str | None] = mapped_column(String(80))
    # A delegated decision: the meeting whose issued report listed it (RULINGS 18), written with its
    # report line; NULL while not yet reported, which the index finds without reading the others.
    reported_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", use_alter=True, name="fk_decisions_reported_meeting_id_meetings"), index=True)
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    # The terms decided: for a partial grant, the changed terms.
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    reasons: Mapped[str] = mapped_column(Text)
    no_conflict_confirmed: Mapped[bool] = mapped_column(Boolean)

    case: Mapped[Case] = relationship(back_populates="decision", foreign_keys=[case_id])
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])
    standin_for: Mapped[User | None] = relationship(foreign_keys=[standin_for_id])
    position: Mapped[Position | None] = relationship(foreign_keys=[position_id])
    delegated_by_position: Mapped[Position | None] = relationship(foreign_keys=[delegated_by_position_id])

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[Outcome(self.outcome)])

    @property
    def is_delegated(self) -> bool:
        return self.meeting_id is None


class Consultation(db.Model):
    """Samråd recorded before the decision, where the rule asks for it (R4)."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opinion: Mapped[str] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="consultations")
    recorded_by: Mapped[User] = relationship()


class ConflictDeclaration(db.Model):
    """Someone declared a conflict of interest (jäv) in a case; they can then never decide it."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (UniqueConstraint("case_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(String(300))

    case: Mapped[Case] = relationship(back_populates="conflicts")


class Attachment(db.Model):
    """A PDF or image attached to a case, kept in the database so every app server can serve it."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConditionAnswer(db.Model):
    """The case officer's answer to a named eligibility condition (issue 12 §2): met or not, who
    answered and when, and the document where the condition names one. A new answer replaces the
    old one while the case can be changed; the trail keeps each."""

    __tablename__ = "case_condition_answers"
    __table_args__ = (UniqueConstraint("case_id", "condition_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    condition_id: Mapped[int] = mapped_column(ForeignKey("eligibility_conditions.id"))
    met: Mapped[bool] = mapped_column(Boolean)
    answered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("case_attachments.id"))

    case: Mapped[Case] = relationship(back_populates="condition_answers")
    answered_by: Mapped[User] = relationship()
    attachment: Mapped[Attachment | None] = relationship()


class RegistryCounter(db.Model):
    """The last registry number given per committee and year; its row is locked while numbering."""

    __tablename__ = "registry_counters"

    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class SignedAgreement(db.Model):
    """The customer's signed plan agreement, registered by the case officer: the plan takes effect
    from it (DOMAIN.md "Plans"). The optional scan is kept in the database like attachments."""

    __tablename__ = "signed_agreements"
    __table_args__ = (UniqueConstraint("case_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    received_on: Mapped[date] = mapped_column(Date)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    scan_filename: Mapped[str | None] = mapped_column(String(200))
    scan_mimetype: Mapped[str | None] = mapped_column(String(60))
    scan_size: Mapped[int | None] = mapped_column(Integer)
    scan_sha256: Mapped[str | None] = mapped_column(String(64))
    scan: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    registered_by: Mapped[User] = relationship()
