"""Reads that the receivables pages share: customer search, a customer's debts with interest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import column, func, select, table, true, union_all
from sqlalchemy.orm import joinedload, selectinload

from portal import access
from portal.extensions import db
from portal.memo import per_transaction
from portal.org.models import Committee, OrgUnit
from portal.org.queries import creditor_expression, creditor_of_committee, units_in_sight
from portal.receivables import rules
from portal.receivables.identity import IdentityNumberError, parse_identity_number
from portal.receivables.models import (
    CLOSED_STAGES,
    BankPayment,
    CollectionStageCode,
    FollowUpSetting,
    Customer,
    CustomerView,
    Fee,
    Invoice,
    InvoiceCategory,
    LedgerImport,
    LedgerMapping,
    ReferenceRate,
    SettlementOrder,
)

SEARCH_LIMIT = 50


NAME_MIN_CHARS = 3  # a name is matched on its three-letter pieces (trigrams), so at least three


def search_customers(text: str, reference_date: date, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """Customers whose name contains the text (three characters or more, case folded), whose
    identity number it is (any usual form of a personnummer, samordningsnummer or
    organisationsnummer, or its first six or more digits), or who have an invoice with that number
    or OCR reference: at most `limit`, by name.

    One statement: each part its own indexed select of at most `limit` customer ids, never OR-ed with
    another (an OR with a LIKE would read every customer), the parts' union then read in name order:
    the identity number by its unique index, invoices by their number and OCR indexes, the name by a
    trigram index (PostgreSQL pg_trgm GIN on lower(name), or for a common name the (name, id) index
    read in order until `limit` are found; SQLite an FTS5 trigram table kept by triggers, migration
    0019). Both give the same customers.
    """
    text = " ".join((text or "").split())
    if len(text) < 2:
        return []
    parts: list = []
    digits = "".join(c for c in text if c.isdigit())
    try:
        identity = parse_identity_number(text, reference_date).value
    except IdentityNumberError:
        if len(digits) >= 6 and digits == text.replace("-", ""):
            # A prefix as a range, which the unique index answers (":" sorts right after "9").
            parts.append(select(Customer.id.label("id")).where(
                Customer.identity_number >= digits, Customer.identity_number < digits + ":",
            ).order_by(Customer.identity_number).limit(limit))
    else:
        parts.append(select(Customer.id.label("id")).where(Customer.identity_number == identity))
    parts.append(select(Invoice.customer_id.label("id")).where(Invoice.invoice_number == text).limit(limit))
    if digits == text:
        parts.append(select(Invoice.customer_id.label("id")).where(Invoice.ocr_reference == text).limit(limit))
    if len(text) >= NAME_MIN_CHARS and any(c.isalpha() for c in text):  # a number is no name
        parts.append(_customers_named(text, limit))
    # Each part read as a subquery of its own, so each keeps its own index, order and limit.
    found = union_all(*(select(part.subquery().c.id) for part in parts)).subquery()
    return list(db.session.scalars(
        select(Customer).where(Customer.id.in_(select(found.c.id)))
        .order_by(Customer.name, Customer.id).limit(limit)))


def _customers_named(text: str, limit: int):
    """The first `limit` customers by name whose name contains the text, case folded (a select)."""
    if db.session.get_bind().dialect.name == "sqlite":
        phrase = '"' + text.replace('"', '""') + '"'  # an FTS5 phrase: the text as a substring
        return (select(Customer.id.label("id"))
                .join(_CUSTOMER_NAMES, _CUSTOMER_NAMES.c.rowid == Customer.id)
                .where(_CUSTOMER_NAMES.c.customers_name_search.op("MATCH")(phrase))
                .order_by(Customer.name, Customer.id).limit(limit))
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (select(Customer.id.label("id")).where(func.lower(Customer.name).like(f"%{escaped}%", escape="\\"))
            .order_by(Customer.name, Customer.id).limit(limit))


# SQLite's FTS5 table of customers' names (migration 0019); not a model: the triggers keep it.
_CUSTOMER_NAMES = table("customers_name_search", column("rowid"), column("customers_name_search"))


def reference_rates() -> dict[date, int]:
    """The finance director's table as rules.py takes it: {half-year start: basis points}; read
    once per transaction, however many invoices a page shows."""
    return per_transaction("reference_rates", lambda: dict(
        db.session.execute(select(ReferenceRate.half_year_start, ReferenceRate.rate_bp)).all()))


@dataclass(frozen=True)
class InvoiceDebt:
    """An invoice with its late interest to a day, or the half-year whose rate is missing."""

    invoice: Invoice
    interest_ore: int | None  # None: no interest runs (closed, nothing open, category) or missing
    missing_rate: date | None = None

    @property
    def charges_interest(self) -> bool:
        return self.interest_ore is not None or self.missing_rate is not None


@dataclass(frozen=True)
class CustomerDebts:
    lines: list[InvoiceDebt]
    open_ore: int
    interest_ore: int
    missing_rates: tuple[date, ...]  # half-years whose reference rate is not in the table


def invoice_interest(invoice: Invoice, until: date, rates: dict[date, int]) -> InvoiceDebt:
    """Late interest on the invoice's open capital up to and including `until`.

    The capital owed after the interest start is the open amount plus the payments made after
    it; each later payment lowers it from the day after (rules.accrued_interest). Without a due
    date interest runs from one month after the invoice date (räntelagen 4 §).
    """
    if (invoice.collection_stage in CLOSED_STAGES or invoice.open_amount_ore <= 0
            or not invoice.category.charges_interest):  # fmt: skip
        return InvoiceDebt(invoice, None)
    start = rules.interest_start_date(invoice.due_date, invoice.invoice_date)
    later = sorted((p.payment_date, p.amount_ore) for p in invoice.payments if p.payment_date > start)
    capital = invoice.open_amount_ore + sum(amount for _day, amount in later)
    timeline = [(start, capital)]
    for day, amount in later:
        capital -= amount
        timeline.append((day, capital))
    try:
        breakdown = rules.accrued_interest(timeline, until, rates)
    except rules.MissingReferenceRate as missing:
        return InvoiceDebt(invoice, None, missing.half_year_start)
    return InvoiceDebt(invoice, breakdown.total_ore)


def _of_committees(committee_ids: frozenset[int]):
    """Invoices issued by units of these committees or of their sub-committees, as a condition."""
    return Invoice.org_unit_id.in_(
        select(OrgUnit.id).join(Committee, Committee.id == OrgUnit.committee_id)
        .where(Committee.id.in_(committee_ids) | Committee.parent_id.in_(committee_ids)))


def customer_debts(customer: Customer, until: date, committee_ids: frozenset[int] | None = None) -> CustomerDebts:
    """The customer's invoices (newest due first) with open amounts and interest to `until`: all of
    them, or (for a decider, RULINGS 10) only those owed to the given committees."""
    invoices = db.session.scalars(
        select(Invoice)
        .where(Invoice.customer_id == customer.id,
               _of_committees(committee_ids) if committee_ids is not None else true())
        .options(joinedload(Invoice.org_unit), joinedload(Invoice.category),
                 selectinload(Invoice.payments))
        .order_by(Invoice.due_date.desc(), Invoice.invoice_number)
    ).all()  # fmt: skip
    rates = reference_rates()
    lines = [invoice_interest(invoice, until, rates) for invoice in invoices]
    open_ore = sum(i.open_amount_ore for i in invoices if i.collection_stage not in CLOSED_STAGES)
    return CustomerDebts(
        lines=lines,
        open_ore=open_ore,
        interest_ore=sum(line.interest_ore or 0 for line in lines),
        missing_rates=tuple(sorted({line.missing_rate for line in lines if line.missing_rate})),
    )


@dataclass(frozen=True)
class DebtsSeenByDecider:
    """What a decider of a committee's case sees of the customer's other debts (RULINGS 10): the
    open invoices owed to the case's own committee in detail, those owed to other committees only as
    one total (secrecy between committees, e.g. social services)."""

    own: list[InvoiceDebt]
    own_open_ore: int
    other_committees_open_ore: int


def debts_seen_by_decider(customer_id: int, committee_id: int, until: date,
                          leave_out: frozenset[int] = frozenset()) -> DebtsSeenByDecider:
    """The customer's open debts as a decider of the committee sees them, leaving out the case's own
    invoices; the other committees' total is summed in the database, never loaded row by row."""
    open_invoice = (Invoice.customer_id == customer_id, Invoice.open_amount_ore > 0,
                    Invoice.collection_stage.not_in(CLOSED_STAGES), Invoice.id.not_in(leave_out))
    own = db.session.scalars(
        select(Invoice).join(OrgUnit, OrgUnit.id == Invoice.org_unit_id)
        .where(*open_invoice, OrgUnit.committee_id == committee_id)
        .options(joinedload(Invoice.org_unit), joinedload(Invoice.category), selectinload(Invoice.payments))
        .order_by(Invoice.due_date, Invoice.invoice_number)
    ).all()
    # Only the debts to the same legal person: a municipal company's invoices never count with a
    # committee's, nor a committee's with a company's (RULINGS 10).
    other = db.session.scalar(
        select(func.coalesce(func.sum(Invoice.open_amount_ore), 0)).join(OrgUnit, OrgUnit.id == Invoice.org_unit_id)
        .join(Committee, Committee.id == OrgUnit.committee_id)
        .where(*open_invoice, OrgUnit.committee_id != committee_id,
               creditor_expression() == creditor_of_committee(committee_id)))
    rates = reference_rates()
    return DebtsSeenByDecider(
        own=[invoice_interest(invoice, until, rates) for invoice in own],
        own_open_ore=sum(i.open_amount_ore for i in own),
        other_committees_open_ore=int(other or 0),
    )


def open_debt_to_other_committees(customer_id: int, committee_ids: frozenset[int]) -> int:
    """The customer's open debt to every committee but these, as one sum read in the database: what
    a decider of these committees' cases may know of the rest (secrecy between committees)."""
    return int(db.session.scalar(
        select(func.coalesce(func.sum(Invoice.open_amount_ore), 0))
        .where(Invoice.customer_id == customer_id, Invoice.open_amount_ore > 0,
               Invoice.collection_stage.not_in(CLOSED_STAGES), ~_of_committees(committee_ids))) or 0)


def customer_views(customer_id: int, limit: int = 20) -> list[CustomerView]:
    return list(db.session.scalars(
        select(CustomerView).where(CustomerView.customer_id == customer_id)
        .options(joinedload(CustomerView.user))
        .order_by(CustomerView.viewed_at.desc(), CustomerView.id.desc()).limit(limit)))


# --- reference tables and imports ---------------------------------------------------------------


def categories() -> list[InvoiceCategory]:
    return list(db.session.scalars(select(InvoiceCategory).order_by(InvoiceCategory.name)))


def rates() -> list[ReferenceRate]:
    return list(db.session.scalars(select(ReferenceRate).order_by(ReferenceRate.half_year_start.desc())))


def fees() -> list[Fee]:
    return list(db.session.scalars(select(Fee).order_by(Fee.kind, Fee.valid_from.desc())))


def settlement_orders() -> list[SettlementOrder]:
    return list(db.session.scalars(select(SettlementOrder).outerjoin(SettlementOrder.category)
                                   .order_by(SettlementOrder.category_id.is_not(None), InvoiceCategory.name)))


def follow_up_settings() -> list[FollowUpSetting]:
    return list(db.session.scalars(select(FollowUpSetting)))


def unmatched_bank_payments() -> list[BankPayment]:
    """Bank payments no reference matched, oldest first: the finance roles see the whole
    municipality's (RULINGS 10), and only they reach the page."""
    return list(db.session.scalars(select(BankPayment).where(BankPayment.invoice_id.is_(None))
                                   .order_by(BankPayment.deposit_date, BankPayment.id).limit(500)))


def bank_payments_matched_by_hand(limit: int = 50) -> list[BankPayment]:
    return list(db.session.scalars(select(BankPayment).where(BankPayment.matched_by == "hand")
                                   .order_by(BankPayment.matched_at.desc(), BankPayment.id.desc()).limit(limit)))


def stage_codes() -> list[CollectionStageCode]:
    return list(db.session.scalars(select(CollectionStageCode).order_by(CollectionStageCode.code)))


def mappings(kind: str | None = None) -> list[LedgerMapping]:
    query = select(LedgerMapping).order_by(LedgerMapping.name)
    if kind:
        query = query.where(LedgerMapping.kind == kind)
    return list(db.session.scalars(query))


def import_history(limit: int = 50) -> list[LedgerImport]:
    return list(db.session.scalars(
        select(LedgerImport).options(joinedload(LedgerImport.uploaded_by),
                                     joinedload(LedgerImport.imported_by))
        .order_by(LedgerImport.uploaded_at.desc(), LedgerImport.id.desc()).limit(limit)))


def invoices_visible_to(user, day: date):
    """The invoices a person may count (reports, lists), as a condition on `Invoice`: those who work
    with debts or audit them (access.CUSTOMER_VIEWERS) every invoice; a unit or department head the
    invoices of the units whose cases they see (the cases' own rule, README "Vem ser vad")."""
    if user.roles & access.CUSTOMER_VIEWERS:
        return true()
    return Invoice.org_unit_id.in_(units_in_sight(user.id, day))
