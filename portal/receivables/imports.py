"""Importing ledger and payments files: upload, preview (nothing written), all-or-nothing bulk import.

A file goes through three steps, each a service call the page and `flask portal import-ledger`
share: upload() stores the file; read_file() parses it (the slow part, reporting progress through
ProgressWriter), streaming a ledger's rows into a temporary staging table that locks nothing
others use; preview() or run() classifies the rows against the database as new, changed or
unchanged, and run() writes them in bulk (for a ledger: a few set-based statements from the
staging table). Any error anywhere means nothing but the import's own row is written, and every
error is kept with its line and column.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Date, Engine, func, select, update

from portal import clock
from portal.audit.services import Actor, record
from portal.downloads import csv_bytes
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org.models import OrgUnit
from portal.receivables.ledger_parse import (
    COLLECTION_STAGES,
    DEFAULT_LEDGER_LAYOUT,
    DEFAULT_LIMITS,
    DEFAULT_PAYMENT_LAYOUT,
    NO_RULES,
    MappingRules,
    duplicate_invoice,
    iter_ledger,
    iter_payments,
    ledger_warnings,
)
from portal.receivables.models import (
    BankPayment,
    CollectionStageCode,
    ImportKind,
    ImportState,
    Invoice,
    InvoiceCategory,
    LedgerImport,
    LedgerImportFile,
    LedgerMapping,
    Payment,
)
from portal.receivables import settlement
from portal.receivables.bgmax import is_bgmax, parse_bgmax
from portal.receivables.tabular import ParseError, ReadLimits

MAX_STORED_ERRORS = 1_000  # a file of a million bad rows lists its first errors, then counts the rest
# ... up to this many: a file with more errors is evidently not of the chosen layout, and reading
# it to the end would only cost minutes (a crafted .xlsx of millions of empty rows).
MAX_COUNTED_ERRORS = 100_000
BATCH_ROWS = 5_000
STAGING_BATCH_ROWS = 10_000
PROGRESS_INTERVAL_SECONDS = 1.0
LEDGER_IMPORT_FIELDS = ("kind", "state", "file_name", "sha256", "count_new", "count_changed",
                        "count_unchanged", "count_errors", "rows_total", "count_customers_new",
                        "count_customers_changed", "count_warnings", "count_unmatched",
                        "file_identity")  # fmt: skip

_invoices = Invoice.__table__
_payments = Payment.__table__
_imports = LedgerImport.__table__

# The invoice columns a ledger row sets, in the order of the tuples below.
# open_amount_source is always None from the ledger: its open amount replaces a bank file's (RULINGS 5).
_INVOICE_VALUES = ("org_unit_id", "category_id", "invoice_date", "due_date", "original_amount_ore",
                   "open_amount_ore", "collection_stage", "collection_stage_code", "ocr_reference",
                   "open_amount_source")  # fmt: skip


def template_csv(kind: ImportKind) -> bytes:
    """The default layout's header row as a CSV file in the Swedish Excel style (UTF-8 BOM, ';')."""
    layout = DEFAULT_LEDGER_LAYOUT if kind is ImportKind.LEDGER else DEFAULT_PAYMENT_LAYOUT
    return csv_bytes(list(layout.values()), [])


@contextlib.contextmanager
def _without_garbage_collection() -> Iterator[None]:
    """Hold off the cyclic garbage collector while a million rows are built: the rows hold no
    cycles, and its passes over them would take longer than the import itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- upload --------------------------------------------------------------------------------------


def upload(
    actor: Actor, *, data: bytes, file_name: str, kind: str, mapping_id: int | None
) -> LedgerImport:
    """Store an uploaded file for preview and import; nothing is read yet."""
    errors: dict[str, str] = {}
    if kind not in set(ImportKind):
        errors["kind"] = _("Choose ledger or payments.")
    if not data:
        errors["file"] = _("Choose a file to upload (CSV or .xlsx).")
    mapping = None
    if mapping_id is not None:
        mapping = db.session.get(LedgerMapping, mapping_id)
        if mapping is None:
            errors["mapping_id"] = _("Choose a saved mapping.")
        elif mapping.kind != kind:
            errors["mapping_id"] = _("The mapping is for another kind of file.")
    if errors:
        raise ValidationFailed(errors)
    ledger_import = LedgerImport(
        kind=kind,
        state=ImportState.UPLOADED.value,
        file_name=(file_name or "fil").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255],
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        file=LedgerImportFile(content=data),
        mapping_id=mapping.id if mapping else None,
        mapping_name=mapping.name if mapping else None,
        uploaded_by_id=actor.user_id,
        uploaded_at=clock.now(),
        rows_read=0,
        errors=[],
    )
    db.session.add(ledger_import)
    db.session.flush()
    record(actor, "ledger_import.upload", "ledger_import", ledger_import.id,
           after={"kind": kind, "file_name": ledger_import.file_name,
                  "sha256": ledger_import.sha256, "mapping": ledger_import.mapping_name})
    return ledger_import


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportJob:
    """What reading a file needs, as plain values, so no database session is open meanwhile."""

    import_id: int
    kind: ImportKind
    data: bytes | bytearray  # a bytearray when read from the database (_file_content)
    mapping: dict[str, str] | None
    stage_codes: dict[str, str]
    units: dict[str, int]  # ledger code (ansvar) -> org unit id
    categories: dict[str, int]  # category code -> id
    reference_date: date
    limits: ReadLimits = DEFAULT_LIMITS
    max_errors: int = MAX_STORED_ERRORS
    max_errors_counted: int = MAX_COUNTED_ERRORS
    rules: MappingRules = NO_RULES


def mapping_rules(mapping: LedgerMapping | None) -> MappingRules:
    """A saved mapping's constants, defaults, derived open amount and value tables."""
    if mapping is None:
        return NO_RULES
    return MappingRules(
        constants=dict(mapping.constants or {}),
        defaults=dict(mapping.defaults or {}),
        paid_sign=mapping.paid_sign,
        stage_codes=dict(mapping.stage_codes or {}),
        category_codes=dict(mapping.category_codes or {}),
    )


def import_job(ledger_import: LedgerImport) -> ImportJob:
    """Load the file and the tables it is read against; refuse a file already imported."""
    if ledger_import.state == ImportState.IMPORTED:
        raise ValidationFailed({"state": _("The file has already been imported.")})
    mapping = db.session.get(LedgerMapping, ledger_import.mapping_id) if ledger_import.mapping_id else None
    # The ledger's own stage codes, and the portal's stage names as written in the default layout.
    stage_codes = {stage: stage for stage in COLLECTION_STAGES}
    stage_codes.update(db.session.execute(select(CollectionStageCode.code, CollectionStageCode.stage)).all())
    units = dict(db.session.execute(
        select(OrgUnit.code, OrgUnit.id).where(OrgUnit.code.is_not(None))).all())
    categories = dict(db.session.execute(select(InvoiceCategory.code, InvoiceCategory.id)).all())
    return ImportJob(
        import_id=ledger_import.id,
        kind=ImportKind(ledger_import.kind),
        data=_file_content(ledger_import.id),
        mapping=dict(mapping.columns) if mapping else None,
        stage_codes=stage_codes,
        units=units,
        categories=categories,
        reference_date=clock.today(),
        limits=ReadLimits(
            max_uncompressed_bytes=current_app.config["IMPORT_MAX_UNCOMPRESSED_BYTES"],
            max_rows=current_app.config["IMPORT_MAX_ROWS"],
            max_field_bytes=current_app.config["IMPORT_MAX_FIELD_BYTES"],
        ),
        max_errors=current_app.config["IMPORT_MAX_ERRORS_KEPT"],
        max_errors_counted=current_app.config["IMPORT_MAX_ERRORS_COUNTED"],
        rules=mapping_rules(mapping),
    )


FILE_CHUNK_BYTES = 8 * 1024 * 1024


def _file_content(import_id: int) -> bytearray:
    """The uploaded file, read past the ORM in pieces of 8 MB into one bytearray, so the process
    holds it once: neither the driver (libpq keeps a buffer the size of the largest value it has
    received; SQLite assembles a large blob before Python copies it) nor an ORM object keeps a
    second copy, nor does joining pieces into bytes make one."""
    content = LedgerImportFile.content
    where = LedgerImportFile.import_id == import_id
    size = db.session.execute(select(func.length(content)).where(where)).scalar_one()
    data = bytearray(size)
    for start in range(0, size, FILE_CHUNK_BYTES):
        piece = db.session.execute(select(func.substr(content, start + 1, FILE_CHUNK_BYTES))
                                   .where(where)).scalar_one()
        data[start : start + len(piece)] = piece
    return data


class ProgressWriter:
    """Writes how many rows have been read to the import's row, committed at once on a connection
    of its own, so every app server can report it while the import's own transaction is open.

    It is called only while the file is read, before the import's transaction writes anything:
    on SQLite a second connection can commit only while no other connection holds the write lock
    and the import's transaction must begin after the last progress write (see views._read_and).
    When the session runs on a shared connection (the tests), the write joins that transaction.
    """

    def __init__(self, import_id: int, interval: float = PROGRESS_INTERVAL_SECONDS):
        self.import_id = import_id
        self.interval = interval
        self._last = 0.0

    def __call__(self, rows_read: int, final: bool = False) -> None:
        now = time.monotonic()
        if final or now - self._last >= self.interval:
            self._last = now
            self.write(rows_read)

    def write(self, rows_read: int) -> None:
        statement = update(_imports).where(_imports.c.id == self.import_id).values(rows_read=rows_read)
        bind = db.engine
        if not isinstance(bind, Engine):
            bind.execute(statement)
            return
        # Progress need not survive a power cut: spare each commit its fsync on SQLite.
        with bind.connect() as connection, _sqlite_pragma(connection, "synchronous", "NORMAL"), \
                connection.begin():
            connection.execute(statement)


@contextlib.contextmanager
def _sqlite_pragma(connection, name: str, value: str) -> Iterator[None]:
    """Set a SQLite pragma on this connection for a while (nothing on other databases)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    before = raw.execute(f"PRAGMA {name}").fetchone()[0]
    raw.execute(f"PRAGMA {name}={value}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA {name}={before}")


_UNKNOWN_CODE_ERRORS = {"unknown_unit_code": "unit", "unknown_category_code": "category",
                        "unknown_collection_stage_code": "stage"}


@dataclass
class Parsed:
    """A file read into rows (none when anything is wrong), its errors and its number of rows."""

    kind: ImportKind
    mapping: dict[str, str] | None = None
    rows: list[tuple] = field(default_factory=list)  # payments and bank files
    staged: int = 0  # ledger rows written to the staging table (see _Staging)
    errors: list[ParseError] = field(default_factory=list)  # the first `max_errors` of them
    rows_read: int = 0
    error_count: int = 0  # all of them
    stopped_at: int = 0  # the line where reading stopped after too many errors
    max_errors: int = MAX_STORED_ERRORS
    max_errors_counted: int = MAX_COUNTED_ERRORS
    warnings: list[ParseError] = field(default_factory=list)  # the first `max_errors` of them
    warning_count: int = 0
    # {"unit"|"category"|"stage": {code: rows}}: the codes the portal (or the mapping) lacks.
    unknown_codes: dict[str, dict[str, int]] = field(default_factory=dict)
    bank_file: bool = False  # a BgMax file: rows are BankRows
    file_identity: str | None = None

    def add_warning(self, warning: ParseError) -> None:
        self.warning_count += 1
        if len(self.warnings) < self.max_errors:
            self.warnings.append(warning)

    def add_error(self, error: ParseError) -> None:
        """Count every error; keep only the first ones, so a file of millions of bad rows cannot
        fill the memory (the rest are a count)."""
        self.error_count += 1
        kind = _UNKNOWN_CODE_ERRORS.get(error.code)
        if kind is not None:
            codes = self.unknown_codes.setdefault(kind, {})
            value = str(error.params.get("value"))
            codes[value] = codes.get(value, 0) + 1
        if len(self.errors) < self.max_errors:
            self.errors.append(error)

    @property
    def gave_up(self) -> bool:
        return self.error_count >= self.max_errors_counted

    def give_up(self, line: int) -> None:
        """Stop reading: the last kept error says where and why."""
        self.stopped_at = line
        self.errors.append(ParseError(line, None, "too_many_errors", {"count": self.error_count}))


def read_file(job: ImportJob, progress: Callable[..., None] | None = None) -> Parsed:
    """Parse the file and check its codes against the tables. A ledger's good rows go to the
    staging table on the session's connection (no table another connection uses is touched, so
    the progress is committed meanwhile); preview() or run() must follow in the same transaction.

    `progress(rows_read)` is called while reading and `progress(rows_read, True)` at the end.
    """
    parsed = Parsed(job.kind, job.mapping, max_errors=job.max_errors,
                    max_errors_counted=job.max_errors_counted)
    counted = [0]

    def count(rows: int) -> None:
        counted[0] = rows
        if progress is not None:
            progress(rows)

    with _without_garbage_collection():
        if job.kind is ImportKind.LEDGER:
            _read_ledger(job, parsed, count)
        elif is_bgmax(job.data):
            _read_bgmax(job, parsed, count)
        else:
            _read_payments(job, parsed, count)
    bad_lines = {error.line for error in parsed.errors if error.line > 1}
    parsed.rows_read = max(counted[0], len(bad_lines), parsed.stopped_at - 1)
    if progress is not None:
        progress(parsed.rows_read, True)
    if parsed.errors:
        parsed.rows.clear()
        parsed.warnings.clear()
        parsed.warning_count = 0
        if job.kind is ImportKind.LEDGER:
            _Staging(db.session.connection()).drop()
            parsed.staged = 0
    return parsed


def _header(job: ImportJob, name: str, layout: dict[str, str]) -> str:
    return (job.mapping or {}).get(name) or layout[name]


def _read_ledger(job: ImportJob, parsed: Parsed, progress: Callable[[int], None]) -> None:
    """Stream the ledger's good rows into the staging table, a batch at a time, so a file of a
    million rows is never held as rows in memory; then find the invoices given twice there."""
    open_header = _header(job, "open_amount", DEFAULT_LEDGER_LAYOUT)
    errors, add_error = parsed.errors, parsed.add_error
    staging = _Staging(db.session.connection())
    staging.create()
    sqlite = staging.dialect == "sqlite"
    batch: list[tuple] = []
    columns: dict[str, str] = {}
    for item in iter_ledger(job.data, reference_date=job.reference_date, mapping=job.mapping,
                            stage_codes=job.stage_codes, progress=progress, limits=job.limits,
                            rules=job.rules, units=job.units, categories=job.categories,
                            check_duplicates=False, columns=columns):  # fmt: skip
        if type(item) is ParseError:
            add_error(item)
            if parsed.gave_up:
                parsed.give_up(item.line)
                break
            continue
        if not errors:  # with an error nothing imports: the rows are kept only to find duplicates
            open_ore = item.open_amount_ore
            if open_ore < 0 or open_ore > item.original_amount_ore:
                for warning in ledger_warnings(item, None if job.rules.paid_sign else open_header):
                    parsed.add_warning(warning)
        identity = item.customer_id_number
        invoice_date, due_date = item.invoice_date, item.due_date
        if sqlite:  # stored as ISO text, as SQLAlchemy's Date type stores it
            invoice_date = invoice_date.isoformat()
            due_date = due_date.isoformat() if due_date is not None else None
        batch.append((item.line, item.ledger_source, item.invoice_number, identity.value,
                      identity.kind.value, item.customer_name, item.customer_address,
                      item.customer_postcode, item.customer_city, item.unit_id, item.category_id,
                      invoice_date, due_date, item.original_amount_ore, item.open_amount_ore,
                      item.collection_stage, item.collection_stage_code, item.ocr_reference))  # fmt: skip
        if len(batch) >= STAGING_BATCH_ROWS:
            staging.write(batch)
            parsed.staged += len(batch)
            batch.clear()
    staging.write(batch)
    parsed.staged += len(batch)
    if parsed.staged:
        staging.analyze()
        _add_duplicates(parsed, staging, columns.get("invoice_number"))


def _add_duplicates(parsed: Parsed, staging: _Staging, header: str | None) -> None:
    """The same invoice (ledger source and number) on a later line than its first is an error
    there, merged in line order with the errors reading found (the first `max_errors` kept).
    Found after reading, they do not count towards the errors at which reading gives up."""
    duplicates, count = staging.duplicates(parsed.max_errors)
    if not count:
        return
    stop = [e for e in parsed.errors if e.code == "too_many_errors"]
    kept = [e for e in parsed.errors if e.code != "too_many_errors"]
    merged = sorted(kept + [duplicate_invoice(line, header, number, first)
                            for line, number, first in duplicates], key=lambda e: e.line)
    parsed.errors[:] = merged[: parsed.max_errors] + stop
    parsed.error_count += count


def _read_bgmax(job: ImportJob, parsed: Parsed, progress: Callable[[int], None]) -> None:
    """A Bankgirot BgMax file: every error, or its payments (a payment with several references
    becomes one row per reference, so each is matched to its own invoice)."""
    result = parse_bgmax(job.data)
    parsed.bank_file = True
    parsed.file_identity = result.identity
    for error in result.errors:
        parsed.add_error(error)
    for payment in result.payments:
        references = payment.extra_references
        if payment.reference_type == "several" and references and payment.reference:
            references = [(payment.reference, payment.amount_ore - sum(a for _r, a in references)),
                          *references]
        if payment.reference_type != "several" or not references:
            references = [(payment.reference, payment.amount_ore)]
        for n, (reference, amount) in enumerate(references):
            key = payment.key if payment.bank_serial else f"{result.identity}:{payment.line}"
            parsed.rows.append(BankRow(
                key=key if n == 0 else f"{key}:{n}", line=payment.line,
                receiving_bankgiro=payment.receiving_bankgiro, deposit_date=payment.deposit_date,
                bank_serial=payment.bank_serial or None, amount_ore=amount, reference=reference,
                reference_type=payment.reference_type, payer_name=payment.payer_name,
                information=" ".join(payment.information)[:500] or None))  # fmt: skip
    progress(result.records)


def _read_payments(job: ImportJob, parsed: Parsed, progress: Callable[[int], None]) -> None:
    for item in iter_payments(job.data, reference_date=job.reference_date, mapping=job.mapping,
                              progress=progress, limits=job.limits, rules=job.rules):  # fmt: skip
        if type(item) is ParseError:
            parsed.add_error(item)
            if parsed.gave_up:
                parsed.give_up(item.line)
                break
        elif not parsed.errors:
            parsed.rows.append((item.line, item.ledger_source, item.invoice_number,
                                item.ocr_reference, item.payment_date, item.amount_ore))


# --- classifying and writing ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BankRow:
    """One payment (or one reference of a payment with several) from a bank file."""

    key: str
    line: int
    receiving_bankgiro: str
    deposit_date: date
    bank_serial: str | None
    amount_ore: int
    reference: str | None
    reference_type: str
    payer_name: str | None
    information: str | None


@dataclass
class Plan:
    """What an import would do: rows to insert (payments, bank payments) or, for a ledger file
    classified in the database (_Staging), counts; and errors found against the database
    (unknown invoices in a payments file)."""

    new: list[tuple] = field(default_factory=list)
    unchanged: int = 0
    errors: list[ParseError] = field(default_factory=list)
    unmatched: int = 0  # bank payments no invoice was found for
    count_new: int | None = None  # a ledger file's new invoices (else len(new))
    count_changed: int = 0
    customers_new: int = 0
    customers_changed: int = 0

    @property
    def new_count(self) -> int:
        return len(self.new) if self.count_new is None else self.count_new


# --- the ledger through a staging table: COPY (PostgreSQL) or executemany (SQLite), then set-based

# (column, PostgreSQL type, SQLite type); dates are ISO text on SQLite, as SQLAlchemy stores them.
_STAGING_COLUMNS = (
    ("line", "integer", "integer"), ("ledger_source", "text", "text"),
    ("invoice_number", "text", "text"), ("identity_number", "text", "text"),
    ("kind", "text", "text"), ("name", "text", "text"), ("address", "text", "text"),
    ("postcode", "text", "text"), ("city", "text", "text"), ("org_unit_id", "integer", "integer"),
    ("category_id", "integer", "integer"), ("invoice_date", "date", "text"),
    ("due_date", "date", "text"), ("original_amount_ore", "bigint", "integer"),
    ("open_amount_ore", "bigint", "integer"), ("collection_stage", "text", "text"),
    ("collection_stage_code", "text", "text"), ("ocr_reference", "text", "text"),
)  # fmt: skip
_CUSTOMER_VALUES = ("kind", "name", "address", "postcode", "city")
_STAGED_INVOICE_VALUES = _INVOICE_VALUES[:-1]  # open_amount_source: always None from the ledger


class _Staging:
    """A ledger file's good rows in a temporary table on the import's own connection, so neither
    the file's rows nor the invoices already in the database are held in memory, and classifying
    and writing are a few statements whatever the file's size. A temporary table locks nothing
    another connection uses (the ProgressWriter commits meanwhile), is created and filled inside
    the import's transaction and vanishes with it, so a worker killed mid-import leaves nothing."""

    def __init__(self, connection):
        self.connection = connection
        self.dialect = connection.dialect.name
        self.distinct = "IS DISTINCT FROM" if self.dialect == "postgresql" else "IS NOT"
        # On SQLite every name says "temp.": an unqualified one is looked up in the main database
        # too, which would start the transaction's snapshot of it while the file is read, and a
        # transaction that began reading before the ProgressWriter's commits may not write after.
        schema = "temp." if self.dialect == "sqlite" else ""
        self.TABLE = f"{schema}ledger_import_staging"
        self.CUSTOMERS = f"{schema}ledger_import_staging_customers"

    def _sql(self, statement: str):
        return self.connection.exec_driver_sql(statement)

    def create(self) -> None:
        place = 1 if self.dialect == "postgresql" else 2
        self.drop()
        self._sql(f"CREATE TEMPORARY TABLE {self.TABLE} "
                  f"({', '.join(f'{spec[0]} {spec[place]}' for spec in _STAGING_COLUMNS)})")

    def drop(self) -> None:
        self._sql(f"DROP TABLE IF EXISTS {self.CUSTOMERS}")
        self._sql(f"DROP TABLE IF EXISTS {self.TABLE}")

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        names = ", ".join(spec[0] for spec in _STAGING_COLUMNS)
        driver = self.connection.connection.driver_connection
        if self.dialect == "postgresql":
            with driver.cursor() as cursor, cursor.copy(f"COPY {self.TABLE} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["?"] * len(_STAGING_COLUMNS))
        driver.executemany(f"INSERT INTO {self.TABLE} ({names}) VALUES ({marks})", rows)

    def analyze(self) -> None:
        """Tell PostgreSQL's planner the table's size (autovacuum never analyses a temporary table,
        and the planner would take a million rows for a few)."""
        if self.dialect == "postgresql":
            self._sql(f"ANALYZE {self.TABLE}")

    def duplicates(self, limit: int) -> tuple[list[tuple[int, str, int]], int]:
        """(line, invoice number, first line) of the first `limit` invoices (ledger source and
        number) given again after their first line, and how many there are in all."""
        repeated = (f"SELECT line, invoice_number, first_line FROM (SELECT line, invoice_number, "
                    f"MIN(line) OVER (PARTITION BY ledger_source, invoice_number) AS first_line "
                    f"FROM {self.TABLE}) AS numbered WHERE line <> first_line")  # fmt: skip
        count = self._sql(f"SELECT COUNT(*) FROM ({repeated}) AS repeated").scalar()
        if not count:
            return [], 0
        found = self._sql(f"{repeated} ORDER BY line LIMIT {int(limit)}").all()
        return [tuple(row) for row in found], count

    def _differs(self, left: str, right: str, names: tuple[str, ...]) -> str:
        return " OR ".join(f"{left}.{name} {self.distinct} {right}.{name}" for name in names)

    def _invoice_differs(self, invoice: str) -> str:
        """`invoice`: the invoice in the database, c: its customer, s: the file's row."""
        return (f"c.identity_number {self.distinct} s.identity_number OR "
                f"{self._differs(invoice, 's', _STAGED_INVOICE_VALUES)} OR "
                f"{invoice}.open_amount_source IS NOT NULL")  # fmt: skip

    def classify(self) -> Plan:
        """Count what importing would do to invoices and customers. A customer takes the values
        of its last row in the file, and new customers come in the order of their first rows."""
        values = ", ".join(_CUSTOMER_VALUES)
        self._sql(f"DROP TABLE IF EXISTS {self.CUSTOMERS}")
        self._sql(
            f"CREATE TEMPORARY TABLE {self.CUSTOMERS} AS SELECT identity_number, {values}, first_line "
            f"FROM (SELECT identity_number, {values}, "
            f"MIN(line) OVER (PARTITION BY identity_number) AS first_line, "
            f"ROW_NUMBER() OVER (PARTITION BY identity_number ORDER BY line DESC) AS place "
            f"FROM {self.TABLE}) AS numbered WHERE place = 1")  # fmt: skip
        new_customers, changed_customers = self._sql(
            f"SELECT COALESCE(SUM(CASE WHEN c.id IS NULL THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN c.id IS NOT NULL AND ({self._differs('c', 's', _CUSTOMER_VALUES)}) "
            f"THEN 1 ELSE 0 END), 0) "
            f"FROM {self.CUSTOMERS} s LEFT JOIN customers c ON c.identity_number = s.identity_number"
        ).one()  # fmt: skip
        new, changed, total = self._sql(
            f"SELECT COALESCE(SUM(CASE WHEN i.id IS NULL THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN i.id IS NOT NULL AND ({self._invoice_differs('i')}) "
            f"THEN 1 ELSE 0 END), 0), COUNT(*) "
            f"FROM {self.TABLE} s LEFT JOIN invoices i "
            f"ON i.ledger_source = s.ledger_source AND i.invoice_number = s.invoice_number "
            f"LEFT JOIN customers c ON c.id = i.customer_id"
        ).one()  # fmt: skip
        return Plan(count_new=new, count_changed=changed, unchanged=total - new - changed,
                    customers_new=new_customers, customers_changed=changed_customers)

    def apply(self, plan: Plan, demo: bool) -> None:
        """Insert the new customers (in the file's order) and update the changed ones; update the
        changed invoices and insert the new ones in the file's order. `plan` is classify()'s: a
        statement with nothing to do is not sent (the same file again sends none)."""
        yes, no = ("true", "false") if self.dialect == "postgresql" else ("1", "0")
        staged = ", ".join(f"s.{name}" for name in _CUSTOMER_VALUES)
        if plan.customers_new:
            self._sql(
                f"INSERT INTO customers (identity_number, {', '.join(_CUSTOMER_VALUES)}, "
                f"protected_identity, deceased, debt_restructuring, demo) "
                f"SELECT s.identity_number, {staged}, {no}, {no}, {no}, {yes if demo else no} "
                f"FROM {self.CUSTOMERS} s WHERE NOT EXISTS "
                f"(SELECT 1 FROM customers c WHERE c.identity_number = s.identity_number) "
                f"ORDER BY s.first_line")  # fmt: skip
        if plan.customers_changed:
            self._sql(
                f"UPDATE customers SET {', '.join(f'{name} = s.{name}' for name in _CUSTOMER_VALUES)} "
                f"FROM {self.CUSTOMERS} s WHERE customers.identity_number = s.identity_number "
                f"AND ({self._differs('customers', 's', _CUSTOMER_VALUES)})")  # fmt: skip
        if plan.count_changed:
            self._sql(
                f"UPDATE invoices SET customer_id = n.id, "
                f"{', '.join(f'{name} = s.{name}' for name in _STAGED_INVOICE_VALUES)}, "
                f"open_amount_source = NULL "
                f"FROM {self.TABLE} s, customers n, customers c "
                f"WHERE invoices.ledger_source = s.ledger_source "
                f"AND invoices.invoice_number = s.invoice_number "
                f"AND n.identity_number = s.identity_number AND c.id = invoices.customer_id "
                f"AND ({self._invoice_differs('invoices')})")  # fmt: skip
        if plan.count_new:
            self._sql(
                f"INSERT INTO invoices (ledger_source, invoice_number, customer_id, "
                f"{', '.join(_STAGED_INVOICE_VALUES)}) "
                f"SELECT s.ledger_source, s.invoice_number, n.id, "
                f"{', '.join(f's.{name}' for name in _STAGED_INVOICE_VALUES)} "
                f"FROM {self.TABLE} s JOIN customers n ON n.identity_number = s.identity_number "
                f"WHERE NOT EXISTS (SELECT 1 FROM invoices i WHERE i.ledger_source = s.ledger_source "
                f"AND i.invoice_number = s.invoice_number) ORDER BY s.line")  # fmt: skip


def _classify_payments(parsed: Parsed, import_id: int) -> Plan:
    plan = Plan()
    connection = db.session.connection()
    by_number: dict[str, int] = {}
    by_ocr: dict[str, int | None] = {}  # None: several invoices share the OCR reference
    for invoice_id, source, number, ocr in connection.execute(select(
            _invoices.c.id, _invoices.c.ledger_source, _invoices.c.invoice_number,
            _invoices.c.ocr_reference)):  # fmt: skip
        by_number[f"{source}\x1f{number}"] = invoice_id
        if ocr:
            by_ocr[ocr] = None if ocr in by_ocr else invoice_id
    existing = {
        (invoice_id, day, amount, occurrence)
        for invoice_id, day, amount, occurrence in connection.execute(select(
            _payments.c.invoice_id, _payments.c.payment_date, _payments.c.amount_ore,
            _payments.c.occurrence))
    }  # fmt: skip
    headers = {**DEFAULT_PAYMENT_LAYOUT, **(parsed.mapping or {})}
    number_header, ocr_header = headers["invoice_number"], headers["ocr_reference"]
    seen: dict[tuple, int] = {}
    for line, source, number, ocr, day, amount in parsed.rows:
        if number is not None:
            invoice_id = by_number.get(f"{source}\x1f{number}")
            if invoice_id is None:
                plan.errors.append(ParseError(line, number_header, "unknown_invoice", {"value": number}))
                continue
        else:
            invoice_id = by_ocr.get(ocr, 0)
            if invoice_id == 0:
                plan.errors.append(ParseError(line, ocr_header, "unknown_invoice", {"value": ocr}))
                continue
            if invoice_id is None:
                plan.errors.append(ParseError(line, ocr_header, "ambiguous_ocr", {"value": ocr}))
                continue
        key = (invoice_id, day, amount)
        occurrence = seen[key] = seen.get(key, 0) + 1
        if (*key, occurrence) in existing:
            plan.unchanged += 1
        else:
            plan.new.append((*key, occurrence, import_id))
    return plan


def _write_payments(plan: Plan) -> None:
    _bulk_insert(db.session.connection(), _payments,
                 ("invoice_id", "payment_date", "amount_ore", "occurrence", "import_id"), plan.new)


# --- the bulk path: the driver's own executemany, or COPY on PostgreSQL ------------------------


def _driver_values(table, columns: tuple[str, ...], rows: list[tuple], dialect: str) -> list[tuple]:
    """SQLite stores a date as ISO text (as SQLAlchemy's Date type does); psycopg takes dates."""
    dates = [n for n, name in enumerate(columns) if isinstance(table.c[name].type, Date)]
    if dialect != "sqlite" or not dates:
        return rows
    converted = []
    for row in rows:
        row = list(row)
        for n in dates:
            if row[n] is not None:
                row[n] = row[n].isoformat()
        converted.append(tuple(row))
    return converted


def _bulk_insert(connection, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert many rows past the ORM and SQLAlchemy's per-row processing: that is what makes a
    million-row import take seconds rather than minutes."""
    if not rows:
        return
    dialect = connection.dialect.name
    names = ", ".join(columns)
    if dialect == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join(["?"] * len(columns))
    statement = f"INSERT INTO {table.name} ({names}) VALUES ({placeholders})"
    for batch in _batches(rows):
        connection.exec_driver_sql(statement, _driver_values(table, columns, batch, dialect))


def _batches(items: list) -> Iterable[list]:
    for start in range(0, len(items), BATCH_ROWS):
        yield items[start : start + BATCH_ROWS]


def _error_dicts(errors: list[ParseError], limit: int = MAX_STORED_ERRORS) -> list[dict[str, Any]]:
    """The first `limit` errors, and the one that says where reading stopped, if it did."""
    kept = errors[:limit] + [e for e in errors[limit:] if e.code == "too_many_errors"]
    return [{"line": e.line, "column": e.column, "code": e.code,
             "params": {k: v if isinstance(v, int | str) or v is None else str(v)
                        for k, v in e.params.items()}}
            for e in kept]  # fmt: skip


def _classify(ledger_import: LedgerImport, parsed: Parsed) -> Plan:
    if parsed.errors:
        return Plan(errors=parsed.errors)
    if parsed.kind is ImportKind.LEDGER:
        return _Staging(db.session.connection()).classify()
    if parsed.bank_file:
        return _classify_bank(parsed)
    return _classify_payments(parsed, ledger_import.id)


def _write_ledger(plan: Plan, demo: bool) -> None:
    """Write a classified ledger file from the staging table (see _Staging.apply)."""
    _Staging(db.session.connection()).apply(plan, demo)


def _drop_staging(parsed: Parsed) -> None:
    if parsed.kind is ImportKind.LEDGER:
        _Staging(db.session.connection()).drop()


def _classify_bank(parsed: Parsed) -> Plan:
    """Bank payments already imported (by key) are unchanged; the others are matched to an
    invoice by their reference as an OCR reference, else as an invoice number, or left for a
    person to match (never an error: the file imports and the payment waits)."""
    plan = Plan()
    connection = db.session.connection()
    keys = [row.key for row in parsed.rows]
    existing: set[str] = set()
    for start in range(0, len(keys), BATCH_ROWS):
        existing.update(connection.execute(select(BankPayment.key).where(
            BankPayment.key.in_(keys[start : start + BATCH_ROWS]))).scalars())
    by_ocr, by_number = settlement.invoice_lookup(connection)
    for row in parsed.rows:
        if row.key in existing:
            plan.unchanged += 1
            continue
        invoice_id, how = settlement.match_reference(row.reference, by_ocr, by_number)
        plan.new.append((row, invoice_id, how))
        if invoice_id is None:
            plan.unmatched += 1
    return plan


def _store_outcome(ledger_import: LedgerImport, parsed: Parsed, plan: Plan, state: ImportState) -> None:
    errors = sorted(plan.errors, key=lambda e: e.line)
    ledger_import.state = state.value
    ledger_import.rows_read = parsed.rows_read
    ledger_import.rows_total = parsed.rows_read
    ledger_import.count_new = plan.new_count
    ledger_import.count_changed = plan.count_changed
    ledger_import.count_unchanged = plan.unchanged
    ledger_import.count_errors = parsed.error_count if parsed.errors else len(errors)
    ledger_import.errors = _error_dicts(errors, parsed.max_errors)
    ledger_import.count_unmatched = plan.unmatched
    ledger_import.file_identity = parsed.file_identity
    if parsed.bank_file:
        ledger_import.count_new = plan.new_count - plan.unmatched
    ledger_import.count_customers_new = plan.customers_new
    ledger_import.count_customers_changed = plan.customers_changed
    ledger_import.count_warnings = parsed.warning_count
    ledger_import.warnings = _error_dicts(parsed.warnings, parsed.max_errors)
    ledger_import.unknown_codes = {kind: dict(sorted(codes.items()))
                                   for kind, codes in sorted(parsed.unknown_codes.items())}


def preview(actor: Actor, ledger_import: LedgerImport, parsed: Parsed) -> LedgerImport:
    """Count what importing the file would do (new, changed, unchanged), or list its errors;
    no invoice, customer or payment is written."""
    plan = _classify(ledger_import, parsed)
    _drop_staging(parsed)
    state = ImportState.REJECTED if plan.errors else ImportState.PREVIEWED
    _store_outcome(ledger_import, parsed, plan, state)
    db.session.flush()
    record(actor, "ledger_import.preview", "ledger_import", ledger_import.id,
           after=_summary(ledger_import))
    return ledger_import


def run(actor: Actor, ledger_import: LedgerImport, parsed: Parsed, *, demo: bool = False) -> LedgerImport:
    """Import the file all or nothing: with any error only the import's row (state rejected,
    the errors) is written; otherwise customers, invoices or payments are inserted and updated
    in bulk. `demo` marks new customers as demo data."""
    if ledger_import.state not in (ImportState.UPLOADED, ImportState.PREVIEWED):
        _drop_staging(parsed)
        raise ValidationFailed({"state": _("Only a file without errors that is not yet imported "
                                           "can be imported.")})
    with _without_garbage_collection():
        plan = _classify(ledger_import, parsed)
    if plan.errors:
        _drop_staging(parsed)
        _store_outcome(ledger_import, parsed, plan, ImportState.REJECTED)
        db.session.flush()
        record(actor, "ledger_import.reject", "ledger_import", ledger_import.id,
               after=_summary(ledger_import))
        return ledger_import
    # A page cache that holds the invoices' indexes keeps SQLite from re-reading them per row.
    with _without_garbage_collection(), _sqlite_pragma(db.session.connection(), "cache_size", "-262144"):
        if parsed.kind is ImportKind.LEDGER:
            _write_ledger(plan, demo)
            _drop_staging(parsed)
        elif parsed.bank_file:
            settlement.write_bank_payments(actor, ledger_import.id, plan.new)
        else:
            _write_payments(plan)
    _store_outcome(ledger_import, parsed, plan, ImportState.IMPORTED)
    ledger_import.imported_by_id = actor.user_id
    ledger_import.imported_at = clock.now()
    db.session.flush()
    record(actor, "ledger_import.import", "ledger_import", ledger_import.id,
           after={**_summary(ledger_import), "customers_new": plan.customers_new,
                  "customers_changed": plan.customers_changed})
    return ledger_import


def earlier_imports(ledger_import: LedgerImport) -> list[LedgerImport]:
    """Other uploads of the same file (same SHA-256, or a bank file's own identity) that were
    imported, newest first."""
    same = LedgerImport.sha256 == ledger_import.sha256
    if ledger_import.file_identity:
        same = same | (LedgerImport.file_identity == ledger_import.file_identity)
    return list(db.session.scalars(
        select(LedgerImport)
        .where(same, LedgerImport.id != ledger_import.id,
               LedgerImport.state == ImportState.IMPORTED.value)
        .order_by(LedgerImport.imported_at.desc(), LedgerImport.id.desc())
    ))


def _summary(ledger_import: LedgerImport) -> dict[str, Any]:
    return {name: getattr(ledger_import, name) for name in LEDGER_IMPORT_FIELDS}
