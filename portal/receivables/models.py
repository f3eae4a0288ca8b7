"""Receivables in the database: customers, invoices, payments, reference tables and imports."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
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
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.extensions import db
from portal.org.models import OrgUnit
from portal.receivables.identity import IdentityKind, IdentityNumber
from portal.receivables.ledger_parse import COLLECTION_STAGES

# Row counts reach millions: 64-bit keys on PostgreSQL (SQLite's INTEGER is 64-bit already and
# only INTEGER autoincrements there).
BigId = BigInteger().with_variant(Integer, "sqlite")


def _in(column: str, values) -> str:
    return f"{column} in ({', '.join(repr(str(v)) for v in values)})"


STAGE_LABELS = {
    "none": _l("No collection"),
    "reminder": _l("Reminder"),
    "collection_demand": _l("Collection demand"),
    "payment_order": _l("Payment order (Kronofogden)"),
    "enforcement": _l("Enforcement"),
    "long_term_monitoring": _l("Long-term monitoring"),
    "paid": _l("Paid"),
    "written_off": _l("Written off"),
    "cancelled": _l("Cancelled"),
    "credited": _l("Credited"),
    "unknown": _l("Unknown"),
}
# Outcomes: an invoice in one of these stages owes nothing more and bears no interest.
CLOSED_STAGES = frozenset({"paid", "written_off", "cancelled", "credited"})


class FeeKind(StrEnum):
    REMINDER = "reminder"  # påminnelseavgift (only where agreed)
    COLLECTION_DEMAND = "collection_demand"  # inkassokrav
    INSTALMENT_PLAN = "instalment_plan"  # amorteringsplan

    @property
    def label(self) -> str:
        return str(FEE_KIND_LABELS[self])


FEE_KIND_LABELS = {
    FeeKind.REMINDER: _l("Reminder fee"),
    FeeKind.COLLECTION_DEMAND: _l("Collection demand fee"),
    FeeKind.INSTALMENT_PLAN: _l("Instalment plan fee"),
}


class ImportKind(StrEnum):
    LEDGER = "ledger"
    PAYMENTS = "payments"

    @property
    def label(self) -> str:
        return str(_l("Ledger") if self is ImportKind.LEDGER else _l("Payments"))


class ImportState(StrEnum):
    UPLOADED = "uploaded"  # the file is stored, not read yet
    PREVIEWED = "previewed"  # read without errors: counts known, nothing written
    REJECTED = "rejected"  # read with errors: nothing can be imported
    IMPORTED = "imported"

    @property
    def label(self) -> str:
        return str(IMPORT_STATE_LABELS[self])


IMPORT_STATE_LABELS = {
    ImportState.UPLOADED: _l("Uploaded"),
    ImportState.PREVIEWED: _l("Previewed"),
    ImportState.REJECTED: _l("Rejected"),
    ImportState.IMPORTED: _l("Imported"),
}


class Customer(db.Model):
    """A debtor: a private person or an organisation, known by the canonical identity number."""

    __tablename__ = "customers"
    __table_args__ = (CheckConstraint(_in("kind", list(IdentityKind)), name="kind"),
                      # The customer search's common names, read in order from the index (migration 0039).
                      Index("ix_customers_name_id", "name", "id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Canonical 12 digits (identity.IdentityNumber.value): persons YYYYMMDDNNNN, orgs 16NNNNNNNNNN.
    identity_number: Mapped[str] = mapped_column(String(12), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))  # indexed with id: ix_customers_name_id
    address: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    # Skyddad identitet: the number is masked for everyone and the address hidden.
    protected_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    deceased: Mapped[bool] = mapped_column(Boolean, default=False)  # dödsbo
    debt_restructuring: Mapped[bool] = mapped_column(Boolean, default=False)  # skuldsanering
    demo: Mapped[bool] = mapped_column(Boolean, default=False)

    invoices: Mapped[list[Invoice]] = relationship(
        back_populates="customer", order_by="Invoice.due_date"
    )

    @property
    def identity(self) -> IdentityNumber:
        return IdentityNumber(self.identity_number, IdentityKind(self.kind))

    @property
    def is_person(self) -> bool:
        return self.kind != IdentityKind.ORGANISATION


class InvoiceCategory(db.Model):
    """What an invoice is for; decides late interest, the time bar and whether appeals apply."""

    __tablename__ = "invoice_categories"
    __table_args__ = (CheckConstraint("time_bar_years > 0", name="time_bar_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # as the ledger writes it
    name: Mapped[str] = mapped_column(String(200))
    charges_interest: Mapped[bool] = mapped_column(Boolean, default=True)
    time_bar_years: Mapped[int] = mapped_column(Integer, default=10)
    appealable: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Invoice(db.Model):
    """An invoice (fordran) as the ledger last said it is."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("ledger_source", "invoice_number"),
        CheckConstraint(_in("collection_stage", COLLECTION_STAGES), name="collection_stage"),
        # Overdue lists: due before a day, with something still open. Fewer indexes mean a faster
        # bulk import, so there is none for category or OCR (the import matches OCR in memory).
        Index("ix_invoices_due_date_open", "due_date", "open_amount_ore"),
        # The overdue report (restlängd) sums open invoices by unit and age: this index holds every
        # column it reads, for open invoices only, so the report scans the index and not the table.
        Index("ix_invoices_overdue", "due_date", "org_unit_id", "open_amount_ore", "collection_stage",
              postgresql_where=text("open_amount_ore > 0"), sqlite_where=text("open_amount_ore > 0")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ledger_source: Mapped[str] = mapped_column(String(40))
    invoice_number: Mapped[str] = mapped_column(String(40), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("invoice_categories.id"))
    invoice_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    original_amount_ore: Mapped[int] = mapped_column(BigInteger)
    open_amount_ore: Mapped[int] = mapped_column(BigInteger)
    collection_stage: Mapped[str] = mapped_column(String(30), default="unknown")
    collection_stage_code: Mapped[str | None] = mapped_column(String(40))
    ocr_reference: Mapped[str | None] = mapped_column(String(40), index=True)
    # None: the open amount is the ledger's. "bank": a bank file's payment lowered it since the
    # last ledger file (RULINGS 5); the next ledger file's open amount replaces it.
    open_amount_source: Mapped[str | None] = mapped_column(String(10))

    customer: Mapped[Customer] = relationship(back_populates="invoices")
    org_unit: Mapped[OrgUnit] = relationship()
    category: Mapped[InvoiceCategory] = relationship()
    payments: Mapped[list[Payment]] = relationship(
        back_populates="invoice", order_by="Payment.payment_date"
    )

    @property
    def stage_label(self) -> str:
        return str(STAGE_LABELS[self.collection_stage])


class Payment(db.Model):
    """A payment on an invoice. The same amount on the same day may come twice: `occurrence`
    numbers such repeats within a file, so importing a file again never duplicates them."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("invoice_id", "payment_date", "amount_ore", "occurrence"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    payment_date: Mapped[date] = mapped_column(Date)
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    occurrence: Mapped[int] = mapped_column(Integer, default=1)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_imports.id"), index=True)
    source: Mapped[str | None] = mapped_column(String(10))  # None: a payments file; "bank": BgMax

    invoice: Mapped[Invoice] = relationship(back_populates="payments")


SETTLEMENT_PARTS = ("fees", "capital", "interest")
SETTLEMENT_ORDERS = tuple(",".join(order) for order in (
    ("fees", "capital", "interest"), ("fees", "interest", "capital"), ("capital", "fees", "interest"),
    ("capital", "interest", "fees"), ("interest", "fees", "capital"), ("interest", "capital", "fees"),
))
SETTLEMENT_PART_LABELS = {
    "fees": _l("collection costs"),
    "capital": _l("capital"),
    "interest": _l("interest"),
}


def settlement_order_label(order: str) -> str:
    return ", ".join(str(SETTLEMENT_PART_LABELS[part]) for part in order.split(","))


class SettlementOrder(db.Model):
    """In which order a payment settles collection costs, capital and interest (RULINGS 4): one
    row without a category for the whole municipality, and optional overrides per category."""

    __tablename__ = "settlement_orders"
    __table_args__ = (CheckConstraint(_in("settlement_order", SETTLEMENT_ORDERS), name="settlement_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_categories.id"), unique=True)
    settlement_order: Mapped[str] = mapped_column(String(40))

    category: Mapped[InvoiceCategory | None] = relationship()

    @property
    def label(self) -> str:
        return settlement_order_label(self.settlement_order)


class FollowUpSetting(db.Model):
    """How the portal follows up instalment plans (RULINGS 16): one row for the municipality."""

    __tablename__ = "follow_up_settings"
    __table_args__ = (CheckConstraint("broken_after_days >= 0", name="broken_after_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A plan late by more than this many days is broken (a scheme rule may tighten it).
    broken_after_days: Mapped[int] = mapped_column(Integer)


class BankPayment(db.Model):
    """A payment from a bank file (BgMax), matched to an invoice by its OCR reference or by a
    person, or waiting to be matched. `key` (receiving bankgiro, deposit date, Bankgirot's serial)
    makes a payment the same in any file that holds it, so no file imports it twice."""

    __tablename__ = "bank_payments"
    __table_args__ = (
        CheckConstraint("matched_by in ('ocr', 'invoice_number', 'hand')", name="matched_by"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("ledger_imports.id"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    receiving_bankgiro: Mapped[str] = mapped_column(String(10))
    deposit_date: Mapped[date] = mapped_column(Date, index=True)
    bank_serial: Mapped[str | None] = mapped_column(String(12))
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str | None] = mapped_column(String(25))
    reference_type: Mapped[str] = mapped_column(String(10))
    payer_name: Mapped[str | None] = mapped_column(String(100))
    information: Mapped[str | None] = mapped_column(String(500))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    matched_by: Mapped[str | None] = mapped_column(String(20))
    matched_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    matched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The customer's direction, when a person matched it by hand (a settlement order).
    direction: Mapped[str | None] = mapped_column(String(40))
    # {"fees", "capital", "interest", "unallocated"} in öre, and "counted_before": the payment
    # was already in the ledger's payments (same invoice, date and amount) and was not counted again.
    settlement: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    invoice: Mapped[Invoice | None] = relationship()
    matched_by_user: Mapped[User | None] = relationship()

class ReferenceRate(db.Model):
    """Riksbanken's reference rate for a half-year (räntelagen 9 §), kept by the finance director."""

    __tablename__ = "reference_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    half_year_start: Mapped[date] = mapped_column(Date, unique=True)
    rate_bp: Mapped[int] = mapped_column(Integer)  # basis points: 2.50 % = 250
    # False: a demo value or not yet checked against Riksbanken; the page says so.
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(300))


class Fee(db.Model):
    """A fee amount (lag 1981:739 om ersättning för inkassokostnader) from a date."""

    __tablename__ = "fees"
    __table_args__ = (
        UniqueConstraint("kind", "valid_from"),
        CheckConstraint(_in("kind", list(FeeKind)), name="kind"),
        CheckConstraint("amount_ore >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    valid_from: Mapped[date] = mapped_column(Date)

    @property
    def kind_enum(self) -> FeeKind:
        return FeeKind(self.kind)


class CollectionStageCode(db.Model):
    """The ledger's own collection-stage code and the portal stage it means."""

    __tablename__ = "collection_stage_codes"
    __table_args__ = (
        CheckConstraint(_in("stage", COLLECTION_STAGES), name="stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored casefolded, as the parser matches codes ignoring case and surrounding space.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    stage: Mapped[str] = mapped_column(String(30))

    @property
    def stage_label(self) -> str:
        return str(STAGE_LABELS[self.stage])


class LedgerMapping(db.Model):
    """A saved mapping from the municipality's own column headers to the portal's fields."""

    __tablename__ = "ledger_mappings"
    __table_args__ = (CheckConstraint(_in("kind", list(ImportKind)), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    # {portal field: header in the file}; a field left out uses the default layout's header.
    # One header may feed two fields (the unit code as unit and as category key).
    columns: Mapped[dict[str, str]] = mapped_column(JSON)
    # {portal field: text}: every row gets the constant (the column is not read); the default
    # fills an empty cell or a missing column. Read by the field's own parser.
    constants: Mapped[dict[str, str] | None] = mapped_column(JSON)
    defaults: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # None: the open amount is a column. "negative"/"positive": the file has no open amount; it
    # is the invoice amount plus the paid amount written negative, or minus it written positive.
    # For a payments file "negative" means payments are written as negative amounts.
    paid_sign: Mapped[str | None] = mapped_column(String(10))
    # The mapping's own value tables: {ledger code: portal stage}, {ledger code: category code}.
    stage_codes: Mapped[dict[str, str] | None] = mapped_column(JSON)
    category_codes: Mapped[dict[str, str] | None] = mapped_column(JSON)

    @property
    def kind_enum(self) -> ImportKind:
        return ImportKind(self.kind)


class LedgerImport(db.Model):
    """One uploaded file and what became of it: preview, errors, counts, progress."""

    __tablename__ = "ledger_imports"
    __table_args__ = (
        CheckConstraint(_in("kind", list(ImportKind)), name="kind"),
        CheckConstraint(_in("state", list(ImportState)), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=ImportState.UPLOADED.value)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    mapping_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_mappings.id"))
    mapping_name: Mapped[str | None] = mapped_column(String(100))  # as it was when uploaded
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)  # progress while reading
    rows_total: Mapped[int | None] = mapped_column(BigInteger)  # data rows, once read
    count_new: Mapped[int] = mapped_column(BigInteger, default=0)
    count_changed: Mapped[int] = mapped_column(BigInteger, default=0)
    count_unchanged: Mapped[int] = mapped_column(BigInteger, default=0)
    count_errors: Mapped[int] = mapped_column(BigInteger, default=0)
    count_unmatched: Mapped[int] = mapped_column(BigInteger, default=0)  # bank payments left to a person
    # A bank file's own identity (BgMax: Bankgirot's timestamp and test mark).
    file_identity: Mapped[str | None] = mapped_column(String(64), index=True)
    # [{line, column, code, params}], at most MAX_STORED_ERRORS; messages are worded on display.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    count_customers_new: Mapped[int] = mapped_column(BigInteger, default=0)
    count_customers_changed: Mapped[int] = mapped_column(BigInteger, default=0)
    # Rows that import but deserve a look (RULINGS 6: credit balances), stored like the errors.
    count_warnings: Mapped[int] = mapped_column(BigInteger, default=0)
    warnings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # Codes the portal lacks, with the number of rows naming each:
    # {"unit": {code: rows}, "category": {...}, "stage": {...}}.
    unknown_codes: Mapped[dict[str, dict[str, int]] | None] = mapped_column(JSON)

    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    imported_by: Mapped[User | None] = relationship(foreign_keys=[imported_by_id])
    file: Mapped[LedgerImportFile] = relationship(cascade="all, delete-orphan")

    @property
    def kind_enum(self) -> ImportKind:
        return ImportKind(self.kind)

    @property
    def state_enum(self) -> ImportState:
        return ImportState(self.state)


class LedgerImportFile(db.Model):
    """The file as uploaded, so the import reads exactly what was previewed. A table of its own:
    SQLite rewrites a whole row on update, and progress updates the import's row often."""

    __tablename__ = "ledger_import_files"

    import_id: Mapped[int] = mapped_column(ForeignKey("ledger_imports.id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class CustomerView(db.Model):
    """Who looked at a customer's data, when, in which capacity: every view is logged."""

    __tablename__ = "customer_views"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    capacity: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship()
