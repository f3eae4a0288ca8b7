"""Documents as issued: the exact bytes, their SHA-256 and the code that proves them genuine."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.org.models import Committee
from portal.extensions import db


class DocumentKind(StrEnum):
    DECISION_LETTER = "decision_letter"
    PLAN_AGREEMENT = "plan_agreement"
    DELEGATION_SCHEME = "delegation_scheme"
    MINUTES_EXTRACT = "minutes_extract"
    AGENDA = "agenda"
    DELEGATION_REPORT = "delegation_report"
    # An internal decision (forgoing or stopping collection): for the file, not sent to the customer.
    DECISION_RECORD = "decision_record"
    INTERNAL_CONTROL = "internal_control"

    @property
    def label(self) -> str:
        return str(DOCUMENT_KIND_LABELS[self])


DOCUMENT_KIND_LABELS = {
    DocumentKind.DECISION_LETTER: _l("Decision letter"),
    DocumentKind.PLAN_AGREEMENT: _l("Instalment plan agreement"),
    DocumentKind.DELEGATION_SCHEME: _l("Delegation scheme"),
    DocumentKind.MINUTES_EXTRACT: _l("Minutes extract"),
    DocumentKind.AGENDA: _l("Agenda"),
    DocumentKind.DELEGATION_REPORT: _l("Delegation report"),
    DocumentKind.DECISION_RECORD: _l("Decision document (internal)"),
    DocumentKind.INTERNAL_CONTROL: _l("Internal control"),
}


class IssuedDocument(db.Model):
    """Never updated: a corrected document is a new one."""

    __tablename__ = "issued_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"), index=True)
    registry_number: Mapped[str | None] = mapped_column(String(60))
    # What the document is about, e.g. ("scheme_version", 12): the owning domain checks access.
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40))
    verification_code: Mapped[str] = mapped_column(String(20), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    committee: Mapped[Committee | None] = relationship()

    @property
    def kind_enum(self) -> DocumentKind:
        return DocumentKind(self.kind)
