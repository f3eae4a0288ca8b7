"""Reading a ledger export and a payments file into checked rows, pure given the file's bytes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from portal.receivables.identity import IdentityNumber
from portal.receivables.tabular import (
    PLACEHOLDER_DATES,
    PROGRESS_EVERY,
    CellError,
    FieldKind,
    FieldSpec,
    ParseError,
    ReadLimits,
    ReadOptions,
    make_converter,
    open_records,
)

DEFAULT_LIMITS = ReadLimits()

# The portal's fixed list of collection stages (DOMAIN "The ledger"), in the order a claim
# usually moves through them; the last five are outcomes or "we cannot tell".
COLLECTION_STAGES = (
    "none",
    "reminder",
    "collection_demand",
    "payment_order",  # betalningsföreläggande, Kronofogden
    "enforcement",
    "long_term_monitoring",
    "paid",
    "written_off",
    "cancelled",
    "credited",
    "unknown",
)
DEFAULT_LEDGER_SOURCE = "main"

_T, _D, _A, _I = FieldKind.TEXT, FieldKind.DATE, FieldKind.AMOUNT, FieldKind.IDENTITY

# The default ledger layout: one row per invoice, headers as below (matched ignoring case and
# whitespace). (field, kind, default header, column required, value required, max length)
# - The file must have every column marked required, and each row must fill every value marked
#   required. due_date must be a column, but may be empty or a placeholder (then interest runs
#   from one month after sending, räntelagen 4 §).
# - Without a ledger_source column every row gets the caller's default source.
# - Without a collection_stage_code column the stage of every row is "unknown".
LEDGER_FIELDS: tuple[FieldSpec, ...] = tuple(
    FieldSpec(*spec)
    for spec in (
        ("ledger_source", _T, "Reskontra", False, False, 40),
        ("invoice_number", _T, "Fakturanummer", True, True, 40),
        ("customer_id_number", _I, "Person-/organisationsnummer", True, True, 20),
        ("customer_name", _T, "Kundnamn", True, True, 200),
        ("customer_address", _T, "Adress", False, False, 200),
        ("customer_postcode", _T, "Postnummer", False, False, 20),
        ("customer_city", _T, "Ort", False, False, 100),
        ("unit_code", _T, "Enhet", True, True, 40),
        ("category_code", _T, "Fakturakategori", True, True, 40),
        ("invoice_date", _D, "Fakturadatum", True, True, 0),
        ("due_date", _D, "Förfallodatum", True, False, 0),
        ("original_amount", _A, "Fakturabelopp", True, True, 0),
        ("open_amount", _A, "Restbelopp", True, True, 0),
        ("collection_stage_code", _T, "Kravsteg", False, False, 40),
        ("ocr_reference", _T, "OCR", False, False, 40),
        # Read only when the mapping derives the open amount (PAID_SIGNS): empty means 0.
        ("paid_amount", _A, "Inbetalt", False, False, 0),
    )
)
LEDGER_FIELD_SPECS = {spec.name: spec for spec in LEDGER_FIELDS}
# How a mapping without an open-amount column derives it from the paid amount: payments written
# as negative amounts (open = invoice + paid) or as positive ones (open = invoice - paid).
PAID_SIGNS = ("negative", "positive")
_STAGE_CODE_FIELD = next(spec for spec in LEDGER_FIELDS if spec.name == "collection_stage_code")
DEFAULT_LEDGER_LAYOUT: dict[str, str] = {spec.name: spec.default_header for spec in LEDGER_FIELDS
                                          if spec.name != "paid_amount"}
REQUIRED_LEDGER_FIELDS = tuple(spec.name for spec in LEDGER_FIELDS if spec.column_required)

# The payments file: one row per payment, matched to an invoice by invoice number or OCR.
PAYMENT_FIELDS: tuple[FieldSpec, ...] = tuple(
    FieldSpec(*spec)
    for spec in (
        ("ledger_source", _T, "Reskontra", False, False, 40),
        ("invoice_number", _T, "Fakturanummer", False, False, 40),
        ("ocr_reference", _T, "OCR", False, False, 40),
        ("payment_date", _D, "Betalningsdag", True, True, 0),
        ("amount", _A, "Belopp", True, True, 0),
    )
)
DEFAULT_PAYMENT_LAYOUT: dict[str, str] = {spec.name: spec.default_header for spec in PAYMENT_FIELDS}
PAYMENT_FIELD_SPECS = {spec.name: spec for spec in PAYMENT_FIELDS}


@dataclass(frozen=True)
class MappingRules:
    """What a saved mapping says beyond headers: constants and defaults per field (as text the
    field's converter reads), how the open amount is derived, and the mapping's own value tables
    ({ledger code: portal stage}, {ledger code: portal category code}, matched exactly after
    trimming; codes they do not name fall back to the common stage-code table and to the
    categories' own codes)."""

    constants: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)
    paid_sign: str | None = None  # None: the open amount is a column
    stage_codes: Mapping[str, str] = field(default_factory=dict)
    category_codes: Mapping[str, str] = field(default_factory=dict)


NO_RULES = MappingRules()


@dataclass(slots=True)
class LedgerRow:
    line: int  # 1-based line in the file, header = 1
    ledger_source: str
    invoice_number: str
    customer_id_number: IdentityNumber
    customer_name: str
    customer_address: str | None
    customer_postcode: str | None
    customer_city: str | None
    unit_code: str
    category_code: str
    invoice_date: date
    due_date: date | None
    original_amount_ore: int
    open_amount_ore: int
    collection_stage: str  # one of COLLECTION_STAGES
    collection_stage_code: str | None  # the ledger's own code, as written
    ocr_reference: str | None
    unit_id: int | None = None  # when iter_ledger was given the units
    category_id: int | None = None  # when iter_ledger was given the categories


@dataclass(slots=True)
class PaymentRow:
    line: int
    ledger_source: str
    invoice_number: str | None
    ocr_reference: str | None  # at least one of invoice_number and ocr_reference is set
    payment_date: date
    amount_ore: int  # negative for a returned payment


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What a whole file read into: no rows at all when there is any error."""

    rows: list
    errors: list[ParseError]
    rows_read: int  # data rows in the file, good or bad

    @property
    def ok(self) -> bool:
        return not self.errors


def stage_table(stage_codes: Mapping[str, str]) -> dict[str, str]:
    """Check a translation table {ledger code: portal stage} and key it for matching.

    Codes match ignoring case and surrounding whitespace. An empty code means "no stage given"
    and reads as "none" unless the table says otherwise.
    """
    table = {"": "none"}
    for code, stage in stage_codes.items():
        if stage not in COLLECTION_STAGES:
            raise ValueError(f"not a collection stage: {stage!r} (for code {code!r})")
        table[code.strip().casefold()] = stage
    return table


def iter_ledger(
    data: bytes,
    *,
    reference_date: date,
    mapping: Mapping[str, str | None] | None = None,
    stage_codes: Mapping[str, str] | None = None,
    default_ledger_source: str = DEFAULT_LEDGER_SOURCE,
    two_digit_years: bool = False,
    placeholder_dates: frozenset[date] = PLACEHOLDER_DATES,
    progress: Callable[[int], None] | None = None,
    progress_every: int = PROGRESS_EVERY,
    limits: ReadLimits = DEFAULT_LIMITS,
    rules: MappingRules = NO_RULES,
    units: Mapping[str, int] | None = None,
    categories: Mapping[str, int] | None = None,
    check_duplicates: bool = True,
    columns: dict[str, str] | None = None,
) -> Iterator[LedgerRow | ParseError]:
    """Stream a ledger export (CSV or .xlsx) as LedgerRows and ParseErrors in file order.

    `mapping` is {portal field: header in this file} for the fields whose header differs from
    DEFAULT_LEDGER_LAYOUT (None: the file lacks that optional column); one header may feed two
    fields. `rules` adds a mapping's constants, defaults, derived open amount and value tables.
    `stage_codes` translates the ledger's collection-stage codes to COLLECTION_STAGES (default:
    the portal's own names); a code not in it is an error naming the code, so the finance
    officer adds it to the table rather than having claims silently filed as "unknown".
    `units` and `categories` ({code: id}), when given, are checked on every row like any other
    cell, so a row lists every bad cell at once. The same invoice (ledger source and number)
    twice is an error on the later line. Rows stream out before errors further down, so the
    caller keeps all or nothing (see parse_ledger). `reference_date` (the export date or today)
    sets the century of 10-digit personnummer. With `check_duplicates` False the caller finds the
    same invoice twice itself (the import does, in the database, to hold no key per row); `columns`,
    when given, is filled with {field: its header as written in the file} once the file is open.
    """
    default_stages = {stage: stage for stage in COLLECTION_STAGES}
    stages = stage_table(default_stages if stage_codes is None else stage_codes)
    own_stages = {code.strip(): stage for code, stage in rules.stage_codes.items()}
    options = ReadOptions(reference_date, two_digit_years, placeholder_dates, limits)
    text = make_converter(_STAGE_CODE_FIELD, options)

    def stage_of(raw: object) -> tuple[str, str | None]:
        code = text(raw)
        stage = own_stages.get(code) if code else None
        if stage is None:
            stage = stages.get(code.casefold() if code else "")
        if stage is None:
            raise CellError("unknown_collection_stage_code", value=code)
        return stage, code

    converters: dict[str, Callable[[object], object]] = {"collection_stage_code": _memo(stage_of)}
    if units is not None:
        unit_text = make_converter(LEDGER_FIELD_SPECS["unit_code"], options)

        def unit_of(raw: object) -> tuple[str, int] | None:
            code = unit_text(raw)
            if code is None:
                return None
            unit_id = units.get(code)
            if unit_id is None:
                raise CellError("unknown_unit_code", value=code)
            return code, unit_id

        converters["unit_code"] = _memo(unit_of)
    if categories is not None:
        category_text = make_converter(LEDGER_FIELD_SPECS["category_code"], options)
        own_categories = {code.strip(): value for code, value in rules.category_codes.items()}

        def category_of(raw: object) -> tuple[str, int] | None:
            code = category_text(raw)
            if code is None:
                return None
            category_id = categories.get(own_categories.get(code, code))
            if category_id is None:
                raise CellError("unknown_category_code", value=code)
            return code, category_id

        converters["category_code"] = _memo(category_of)
    fields = LEDGER_FIELDS
    mapping = dict(mapping or {})
    if rules.paid_sign is not None:
        # The open amount is derived: its column is not read, the paid amount's is.
        fields = tuple(
            replace(spec, column_required=False, value_required=False) if spec.name == "open_amount"
            else replace(spec, column_required=True) if spec.name == "paid_amount" else spec
            for spec in LEDGER_FIELDS
        )
        mapping["open_amount"] = None
    records = open_records(
        data, fields, mapping, options, progress, progress_every, converters=converters,
        constants=rules.constants, defaults=rules.defaults,
    )  # fmt: skip
    if columns is not None:
        columns.update(records.columns)
    yield from records.errors
    number_header = records.columns.get("invoice_number")
    negative = rules.paid_sign == "negative"
    # Keys are strings, not tuples: a million tracked tuples would slow the garbage collector.
    seen: dict[str, int] = {}
    for record in records.rows:
        if isinstance(record, ParseError):
            yield record
            continue
        line, values = record
        (source, number, identity, name, address, postcode, city, unit, category,
         invoice_date, due_date, original, open_, stage_and_code, ocr, paid) = values  # fmt: skip
        stage, stage_code = stage_and_code or ("unknown", None)
        source = source or default_ledger_source
        if check_duplicates:
            first_line = seen.setdefault(f"{source}\x1f{number}", line)
            if first_line != line:
                yield duplicate_invoice(line, number_header, number, first_line)
                continue
        if rules.paid_sign is not None:
            open_ = original + (paid or 0) if negative else original - (paid or 0)
        unit_id = category_id = None
        if units is not None:
            unit, unit_id = unit
        if categories is not None:
            category, category_id = category
        yield LedgerRow(
            line, source, number, identity, name, address, postcode, city, unit, category,
            invoice_date, due_date, original, open_, stage, stage_code, ocr, unit_id, category_id,
        )  # fmt: skip


def duplicate_invoice(line: int, header: str | None, number: str, first_line: int) -> ParseError:
    """The same invoice (ledger source and number) again on a later line."""
    return ParseError(line, header, "duplicate_invoice", {"invoice_number": number, "first_line": first_line})


_MEMO_LIMIT = 10_000


def _memo(converter: Callable[[object], object]) -> Callable[[object], object]:
    """A code converter that remembers what each text read as (a ledger names few units, categories
    and stages, on every row). Only text cells: a spreadsheet's 1 and True are equal keys."""
    known: dict[str, object] = {}

    def memo(raw: object) -> object:
        if type(raw) is not str:
            return converter(raw)
        value = known.get(raw, known)
        if value is known:
            value = converter(raw)  # a CellError is raised every time, never remembered
            if len(known) < _MEMO_LIMIT:
                known[raw] = value
        return value

    memo.cache = known  # read directly by tabular's compiled rows
    return memo


def ledger_warnings(row: LedgerRow, open_header: str | None) -> list[ParseError]:
    """What the preview points out but imports (RULINGS 6): a negative open amount (an
    overpayment or a credit note) and an open amount above the invoice amount."""
    if row.open_amount_ore < 0:
        return [ParseError(row.line, open_header, "negative_open_amount",
                           {"value": row.open_amount_ore})]
    if row.open_amount_ore > row.original_amount_ore:
        return [ParseError(row.line, open_header, "open_above_invoice",
                           {"value": row.open_amount_ore, "invoice": row.original_amount_ore})]
    return []


def parse_ledger(data: bytes, **options) -> ParseResult:
    """Read a whole ledger export (options as for iter_ledger); rows only if nothing is wrong."""
    return _collect(iter_ledger(data, **options))


def iter_payments(
    data: bytes,
    *,
    reference_date: date,
    mapping: Mapping[str, str | None] | None = None,
    default_ledger_source: str = DEFAULT_LEDGER_SOURCE,
    two_digit_years: bool = False,
    placeholder_dates: frozenset[date] = PLACEHOLDER_DATES,
    progress: Callable[[int], None] | None = None,
    progress_every: int = PROGRESS_EVERY,
    limits: ReadLimits = DEFAULT_LIMITS,
    rules: MappingRules = NO_RULES,
) -> Iterator[PaymentRow | ParseError]:
    """Stream a payments file (CSV or .xlsx, DEFAULT_PAYMENT_LAYOUT unless mapped).

    Each row needs an invoice number or an OCR reference (``missing_reference`` otherwise) and a
    non-zero amount (``zero_amount``); a negative amount is a returned payment (the other way
    round with `rules.paid_sign` "negative"). The same payment
    may legitimately appear twice, so repeated rows are not errors.
    """
    options = ReadOptions(reference_date, two_digit_years, placeholder_dates, limits)
    records = open_records(data, PAYMENT_FIELDS, mapping, options, progress, progress_every,
                           constants=rules.constants, defaults=rules.defaults)
    # A file that writes payments as negative amounts (and returns as positive ones) is turned.
    sign = -1 if rules.paid_sign == "negative" else 1
    yield from records.errors
    if not records.errors and not {"invoice_number", "ocr_reference"} & set(records.columns):
        headers = (mapping or {}).get("invoice_number", DEFAULT_PAYMENT_LAYOUT["invoice_number"])
        yield ParseError(1, headers, "missing_column", {"field": "invoice_number"})
        return
    amount_header = records.columns.get("amount")
    for record in records.rows:
        if isinstance(record, ParseError):
            yield record
            continue
        line, (source, number, ocr, payment_date, amount) = record
        if number is None and ocr is None:
            yield ParseError(line, None, "missing_reference")
        elif amount == 0:
            yield ParseError(line, amount_header, "zero_amount")
        else:
            yield PaymentRow(
                line, source or default_ledger_source, number, ocr, payment_date, sign * amount
            )


def parse_payments(data: bytes, **options) -> ParseResult:
    """Read a whole payments file (options as for iter_payments); rows only if nothing is wrong."""
    return _collect(iter_payments(data, **options))


def _collect(items: Iterator[LedgerRow | PaymentRow | ParseError]) -> ParseResult:
    rows: list = []
    errors: list[ParseError] = []
    good = 0
    bad_lines = set()
    for item in items:
        if isinstance(item, ParseError):
            errors.append(item)
            if item.line > 1:
                bad_lines.add(item.line)
            rows.clear()  # all or nothing: keep reading only to list every error
        else:
            good += 1
            if not errors:
                rows.append(item)
    return ParseResult(rows, errors, good + len(bad_lines))
