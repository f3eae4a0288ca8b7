"""Reading CSV and .xlsx tables into checked cells: encodings, delimiters, headers, dates."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from portal.money import MoneyParseError, parse_money, parse_money_decimal
from portal.receivables.identity import IdentityNumberError, parse_identity_number

# Dates that ledgers write when they mean "no date": Raindance's 1799-12-31, Excel's and other
# systems' zero dates, and "until further notice" 9999-12-31. They read as None.
PLACEHOLDER_DATES = frozenset(
    {
        date(1799, 12, 31),
        date(1899, 12, 30),
        date(1899, 12, 31),
        date(1900, 1, 1),
        date(9999, 12, 31),
    }
)
DELIMITERS = (";", ",", "\t", "|")
PROGRESS_EVERY = 10_000
_CACHE_LIMIT = 200_000
_XLSX_MAGIC = b"PK\x03\x04"
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\Z")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})\Z")
_SHORT_DATE = re.compile(r"(\d{2})-?(\d{2})-?(\d{2})\Z")
_ZERO_DATES = frozenset({"0000-00-00", "00000000"})


@dataclass(frozen=True, slots=True)
class ParseError:
    """One problem in a file: its 1-based line (the header is line 1), the column header as
    written in the file (None for the whole file), a code and the values the message needs."""

    line: int
    column: str | None
    code: str
    params: Mapping[str, object] = field(default_factory=dict)


class FieldKind(StrEnum):
    TEXT = "text"
    DATE = "date"
    AMOUNT = "amount"  # öre
    IDENTITY = "identity"  # IdentityNumber


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str  # the portal's field
    kind: FieldKind
    default_header: str  # the header of the default layout
    column_required: bool  # the file must have the column
    value_required: bool  # every row must fill it
    max_length: int = 200  # text fields only


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """How much of a file is read at most, so a crafted file (an .xlsx "zip bomb", a field of
    megabytes) cannot take the server's memory or minutes of its time. The app's configuration
    sets them (IMPORT_MAX_UNCOMPRESSED_BYTES, IMPORT_MAX_ROWS, IMPORT_MAX_FIELD_BYTES)."""

    max_uncompressed_bytes: int = 1024 * 1024 * 1024  # an .xlsx's parts together, inflated
    max_rows: int = 2_000_000  # data rows
    max_field_bytes: int = 128 * 1024  # one CSV field or one header cell


@dataclass(frozen=True, slots=True)
class ReadOptions:
    reference_date: date  # for the century of 10-digit personnummer and two-digit years
    two_digit_years: bool = False  # accept YYMMDD / YY-MM-DD dates (see parse_date)
    placeholder_dates: frozenset[date] = PLACEHOLDER_DATES
    limits: ReadLimits = ReadLimits()


class CellError(Exception):
    """A cell could not be read; becomes a ParseError with the cell's line and column."""

    def __init__(self, code: str, **params: object):
        super().__init__(code)
        self.code = code
        self.params = params


def normalise_header(header: str) -> str:
    """Headers match ignoring case, accents' composition, surrounding and repeated whitespace."""
    return " ".join(unicodedata.normalize("NFC", header).split()).casefold()


def parse_date(text: str, options: ReadOptions) -> date | None:
    """Read ``YYYY-MM-DD`` (a time of day after it is ignored) or ``YYYYMMDD``; with
    `options.two_digit_years` also ``YYMMDD`` and ``YY-MM-DD``. Empty, all-zero and placeholder
    dates are None.

    Two-digit years are off by default because a century cannot be known in general; for a
    ledger it is safe to put every year in the hundred years that end ten years after the
    reference date's year (reference 2026: 1937-2036), which is what the option does.
    """
    s = text.strip()
    if not s or s in _ZERO_DATES:
        return None
    match = _ISO_DATE.match(s) or _COMPACT_DATE.match(s)
    if match:
        year = int(match[1])
    else:
        match = _SHORT_DATE.match(s) if options.two_digit_years else None
        if not match:
            raise CellError("invalid_date", value=text)
        latest = options.reference_date.year + 10
        year = latest - (latest - int(match[1])) % 100
    try:
        parsed = date(year, int(match[2]), int(match[3]))
    except ValueError:
        raise CellError("invalid_date", value=text) from None
    return None if parsed in options.placeholder_dates else parsed


# --- cell converters: a str from CSV, or any openpyxl value ---------------------------------------


def _cell_text(value: object) -> str:
    """The text of a spreadsheet cell; integral numbers lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


def make_converter(spec: FieldSpec, options: ReadOptions) -> Callable[[object], object]:
    """A function from a raw cell to the field's value (None when empty), raising CellError."""
    if spec.kind is FieldKind.TEXT:
        max_length = spec.max_length

        def text(raw: object) -> str | None:
            s = (raw if type(raw) is str else _cell_text(raw)).strip()
            if len(s) > max_length:
                raise CellError("too_long", max_length=max_length, value=s)
            return s or None

        text.kind, text.max_length = FieldKind.TEXT, max_length  # see _compile_row
        return text
    if spec.kind is FieldKind.AMOUNT:

        def amount(raw: object) -> int | None:
            if type(raw) is not str:
                return _cell_amount(raw)
            if not raw or raw.isspace():
                return None
            try:
                return parse_money(raw)
            except MoneyParseError as error:
                raise CellError("invalid_amount", reason=error.code, value=raw) from None

        amount.kind = FieldKind.AMOUNT
        return amount
    if spec.kind is FieldKind.DATE:
        dates: dict[str, date | None | CellError] = {}

        def a_date(raw: object) -> date | None:
            if type(raw) is not str:
                if isinstance(raw, datetime):
                    raw = raw.date()
                if isinstance(raw, date):
                    return None if raw in options.placeholder_dates else raw
                raw = _cell_text(raw)
            found = dates.get(raw, dates)
            if found is dates:
                try:
                    found = parse_date(raw, options)
                except CellError as error:
                    found = error
                if len(dates) >= _CACHE_LIMIT:
                    dates.clear()
                dates[raw] = found
            if type(found) is CellError:
                raise CellError(found.code, **found.params)
            return found

        a_date.kind, a_date.cache = FieldKind.DATE, dates
        return a_date
    identities: dict[str, object] = {}

    def identity(raw: object) -> object:
        if type(raw) is not str:
            raw = _cell_text(raw)
            # A spreadsheet that stored 0501011234 as a number dropped its leading zero.
            if len(raw) == 9 and raw.isdigit():
                raw = raw.zfill(10)
        found = identities.get(raw)
        if found is None:
            if not raw or raw.isspace():
                return None
            try:
                found = parse_identity_number(raw, options.reference_date)
            except IdentityNumberError as error:
                found = CellError("invalid_identity_number", reason=error.code, value=raw)
            if len(identities) >= _CACHE_LIMIT:
                identities.clear()
            identities[raw] = found
        if type(found) is CellError:
            raise CellError(found.code, **found.params)
        return found

    identity.kind, identity.cache = FieldKind.IDENTITY, identities
    return identity


def _cell_amount(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError("invalid_amount", reason="invalid", value=str(value))
    if isinstance(value, int):
        return value * 100
    if isinstance(value, float):
        # A spreadsheet number is a binary float: its shortest repr is what the user typed.
        try:
            return parse_money_decimal(Decimal(repr(value)))
        except MoneyParseError as error:
            raise CellError("invalid_amount", reason=error.code, value=repr(value)) from None
    if isinstance(value, str):
        try:
            return parse_money(value) if value.strip() else None
        except MoneyParseError as error:
            raise CellError("invalid_amount", reason=error.code, value=value) from None
    raise CellError("invalid_amount", reason="invalid", value=_cell_text(value))


# --- tables -----------------------------------------------------------------------------------


@dataclass
class _Table:
    header: list[str]
    rows: Iterator[tuple[int, Sequence[object]]]  # (1-based line, cells)
    pad_short_rows: bool  # spreadsheets leave out trailing empty cells; CSV rows must be whole
    close: Callable[[], None] = lambda: None


class _ViewReader(io.RawIOBase):
    """A seekable stream over a bytearray (or any buffer) without copying it, as io.BytesIO does
    for anything but bytes: the import reads a large file into a bytearray piece by piece."""

    def __init__(self, data):
        self._view = memoryview(data).cast("B")
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        start = self._position
        count = max(0, min(len(buffer), len(self._view) - start))
        buffer[:count] = self._view[start : start + count]
        self._position = start + count
        return count

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: len(self._view)}[whence]
        self._position = max(0, base + offset)
        return self._position

    def tell(self) -> int:
        return self._position


def byte_stream(data: bytes | bytearray) -> io.BufferedIOBase:
    """A binary stream over the file's bytes: io.BytesIO shares a bytes object's memory, and a
    bytearray is read in place."""
    if isinstance(data, bytes):
        return io.BytesIO(data)
    return io.BufferedReader(_ViewReader(data))


def _detect_encoding(data: bytes) -> str | None:
    """UTF-8 (a BOM is dropped) if the bytes are valid UTF-8, else Windows-1252, else None."""
    if data.isascii():
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), 1 << 20):
            decoder.decode(data[start : start + (1 << 20)])
        decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return None if _CP1252_UNDEFINED.search(data) else "cp1252"


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter that occurs most often in the header line (";" on a tie at 0)."""
    counts = [(header_line.count(candidate), -i) for i, candidate in enumerate(DELIMITERS)]
    return DELIMITERS[-max(counts)[1]]


def _field_too_large(error: csv.Error) -> bool:
    return "field larger than field limit" in str(error)


def _open_csv(data: bytes, limits: ReadLimits) -> _Table | ParseError:
    encoding = _detect_encoding(data)
    if encoding is None:
        return ParseError(1, None, "invalid_encoding")
    end = data.find(b"\n")
    first_line = data[: end if end != -1 else len(data)].decode(encoding)
    delimiter = sniff_delimiter(first_line)
    stream = io.TextIOWrapper(byte_stream(data), encoding=encoding, newline="")
    # The csv module's field limit is process-wide; every reader in the portal uses this one.
    csv.field_size_limit(limits.max_field_bytes)
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return ParseError(1, None, "empty_file")
    except csv.Error as error:
        if _field_too_large(error):
            return ParseError(1, None, "field_too_large", {"max_kb": limits.max_field_bytes // 1024})
        return ParseError(1, None, "malformed_csv", {"detail": str(error)})

    def rows() -> Iterator[tuple[int, list[str]]]:
        previous_end = reader.line_num
        try:
            for cells in reader:
                yield previous_end + 1, cells
                previous_end = reader.line_num
        except csv.Error as error:
            if _field_too_large(error):
                yield previous_end + 1, CellError("field_too_large", max_kb=limits.max_field_bytes // 1024)
            else:
                yield previous_end + 1, CellError("malformed_csv", detail=str(error))

    return _Table(header, rows(), pad_short_rows=False)


def _inflated_size(data: bytes) -> int | None:
    """What the .xlsx's parts add up to when inflated (the sizes its directory declares, which
    zipfile enforces while reading), or None when it is not a readable zip file."""
    try:
        with zipfile.ZipFile(byte_stream(data)) as archive:
            return sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _open_xlsx(data: bytes, limits: ReadLimits) -> _Table | ParseError:
    from openpyxl import load_workbook

    inflated = _inflated_size(data)
    if inflated is None:
        return ParseError(1, None, "unreadable_xlsx")
    if inflated > limits.max_uncompressed_bytes:
        return ParseError(1, None, "xlsx_too_large",
                          {"max_mb": limits.max_uncompressed_bytes // (1024 * 1024)})
    try:
        workbook = load_workbook(byte_stream(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # Read-only mode trusts the sheet's <dimension>, which some programs write wrongly
        # (A1:A1 for a full sheet): read every row and cell that is really there instead.
        sheet.reset_dimensions()
        all_rows = sheet.iter_rows(values_only=True)
        header_cells = next(all_rows, None)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, SyntaxError):
        return ParseError(1, None, "unreadable_xlsx")
    if header_cells is None:
        workbook.close()
        return ParseError(1, None, "empty_file")
    if any(len(_cell_text(cell).encode("utf-8")) > limits.max_field_bytes for cell in header_cells):
        workbook.close()
        return ParseError(1, None, "field_too_large", {"max_kb": limits.max_field_bytes // 1024})

    def rows() -> Iterator[tuple[int, tuple[object, ...]]]:
        try:
            yield from enumerate(all_rows, start=2)
        finally:
            workbook.close()

    header = [_cell_text(cell) for cell in header_cells]
    return _Table(header, rows(), pad_short_rows=True, close=workbook.close)


@dataclass
class Records:
    """A table opened for reading: the columns found, file-level errors, then the rows."""

    columns: dict[str, str]  # portal field -> its header as written in the file
    errors: list[ParseError]  # file-level problems; when there are any, `rows` is empty
    rows: Iterator[tuple[int, list[object]] | ParseError]


def open_records(
    data: bytes,
    fields: Sequence[FieldSpec],
    mapping: Mapping[str, str | None] | None,
    options: ReadOptions,
    progress: Callable[[int], None] | None = None,
    progress_every: int = PROGRESS_EVERY,
    converters: Mapping[str, Callable[[object], object]] | None = None,
    constants: Mapping[str, str] | None = None,
    defaults: Mapping[str, str] | None = None,
) -> Records:
    """Open a CSV or .xlsx table (.xlsx is recognised by its content) and match its columns.

    `mapping` gives a portal field the header it has in this file (None: the file lacks it);
    unmapped fields use their default header. `rows` yields (line, values in `fields` order,
    None for an absent column or empty cell) for each good data row, and a ParseError for each
    bad cell or row, in file order. Blank rows are skipped; `progress` gets the number of data
    rows read so far, every `progress_every` rows and at the end. `converters` replaces the
    converter of a field by name (it gets the raw cell, returns a value or raises CellError).
    `constants` gives a field the same text on every row (no column is read for it);
    `defaults` gives the text a field takes when its cell is empty or the file lacks the column.
    Both are read by the field's converter, so the caller checks them first (check_constant).
    """
    unknown = set(mapping or {}) - {spec.name for spec in fields}
    if unknown:
        raise ValueError(f"unknown fields in mapping: {sorted(unknown)}")
    limits = options.limits
    not_a_table = binary_kind(data)
    if not_a_table is not None:
        return Records({}, [ParseError(1, None, "not_a_table", {"kind": not_a_table})], iter(()))
    table = _open_xlsx(data, limits) if data.startswith(_XLSX_MAGIC) else _open_csv(data, limits)
    if isinstance(table, ParseError):
        return Records({}, [table], iter(()))
    positions: dict[str, list[int]] = {}
    for index, header in enumerate(table.header):
        positions.setdefault(normalise_header(header), []).append(index)
    found_columns: dict[str, str] = {}
    columns: list[tuple[int, str, Callable[[object], object], bool] | None] = []
    errors = []
    constants, defaults = constants or {}, defaults or {}
    for spec in fields:
        converter = (converters or {}).get(spec.name) or make_converter(spec, options)
        if spec.name in constants:
            # Every row gets the constant: the file needs no column for it.
            columns.append((0, spec.default_header, _constant(converter, constants[spec.name]),
                            spec.value_required))
            continue
        header = (mapping or {}).get(spec.name, spec.default_header)
        found = positions.get(normalise_header(header), []) if header is not None else []
        if len(found) > 1:
            errors.append(ParseError(1, header, "duplicate_column", {"field": spec.name}))
        elif not found:
            if spec.column_required and spec.name not in defaults:
                errors.append(ParseError(1, header, "missing_column", {"field": spec.name}))
            columns.append((0, header, _constant(converter, defaults[spec.name]), spec.value_required)
                           if spec.name in defaults else None)
        else:
            index = found[0]
            found_columns[spec.name] = table.header[index]
            if spec.name in defaults:
                converter = _with_default(converter, defaults[spec.name])
            columns.append((index, table.header[index], converter, spec.value_required))
    if errors:
        # Nothing is converted, but the rows are still counted: a rejected file shows its size.
        return Records(found_columns, errors, _count_rows(table, progress, limits.max_rows))
    rows = _convert_rows(table, columns, progress, progress_every, limits.max_rows)
    return Records(found_columns, [], rows)


def _absent(raw: object) -> None:
    return None


def _empty(raw: object) -> bool:
    return raw is None or (type(raw) is str and (not raw or raw.isspace()))


def _constant(converter: Callable[[object], object], text: str) -> Callable[[object], object]:
    """A converter that ignores the cell: the constant, converted once (a bad constant raises
    its CellError on every row)."""
    try:
        value = converter(text)
    except CellError as error:
        failure = error

        def failing(raw: object) -> object:
            raise CellError(failure.code, **failure.params)

        return failing
    return lambda raw: value


def _with_default(converter: Callable[[object], object], text: str) -> Callable[[object], object]:
    return lambda raw: converter(text if _empty(raw) else raw)


def check_constant(spec: FieldSpec, text: str, options: ReadOptions) -> CellError | None:
    """Whether a constant or default text reads as the field's value (None when it does)."""
    try:
        make_converter(spec, options)(text)
    except CellError as error:
        return error
    return None


# Files that are evidently not a table, by their first bytes: (magic, kind).
_BINARY_MAGIC = (
    (b"%PDF", "pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),  # the old Excel (and Word) format
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "archive"),
    (b"7z\xbc\xaf", "archive"),
)


def binary_kind(data: bytes) -> str | None:
    """What a file is when it is evidently not CSV or .xlsx (a PDF, an old .xls, an image):
    "pdf", "xls", "image", "gzip", "archive", "zip" (a zip without a workbook) or "binary"
    (NUL bytes in text); None when it may be a table."""
    for magic, kind in _BINARY_MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(_XLSX_MAGIC):
        try:
            with zipfile.ZipFile(byte_stream(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None  # _open_xlsx words it
        return None if "[Content_Types].xml" in names else "zip"
    head = data[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return None


def _count_rows(table: _Table, progress: Callable[[int], None] | None,
                max_rows: int) -> Iterator[tuple[int, list[object]] | ParseError]:
    """Read a table's rows only to count them (its columns did not match); yields nothing."""
    read = 0
    try:
        for _line, cells in table.rows:
            if isinstance(cells, CellError):
                break
            if not any(cells) and all(cell is None or cell == "" for cell in cells):
                continue
            read += 1
            if read >= max_rows:
                break
    finally:
        table.close()
    if progress is not None:
        progress(read)
    return
    yield


def _convert_rows(
    table: _Table,
    columns: list[tuple[int, str, Callable[[object], object], bool] | None],
    progress: Callable[[int], None] | None,
    progress_every: int,
    max_rows: int,
) -> Iterator[tuple[int, list[object]] | ParseError]:
    width = len(table.header)
    # The fast path converts a whole row in one comprehension (for CSV, one compiled function);
    # a row that fails it is converted again cell by cell to report every bad cell.
    fast = [(column[0], column[2]) if column else (0, _absent) for column in columns]
    required = [n for n, column in enumerate(columns) if column and column[3]]
    compiled = None if table.pad_short_rows else _compile_row(columns)
    read = 0
    for line, cells in table.rows:
        if isinstance(cells, CellError):
            yield ParseError(line, None, cells.code, cells.params)
            return
        if not any(cells) and all(cell is None or cell == "" for cell in cells):
            continue
        read += 1
        if read > max_rows:
            table.close()
            yield ParseError(line, None, "too_many_rows", {"max": max_rows})
            break
        if progress is not None and read % progress_every == 0:
            progress(read)
        if len(cells) != width:
            if table.pad_short_rows and len(cells) < width:
                cells = tuple(cells) + (None,) * (width - len(cells))
            else:
                yield ParseError(
                    line, None, "wrong_column_count", {"expected": width, "found": len(cells)}
                )
                continue
        if compiled is not None:
            try:
                values = compiled(cells)
            except (CellError, MoneyParseError, _NotFast):
                pass  # converted again below, cell by cell
            else:
                yield line, values
                continue
        try:
            values = [convert(cells[index]) for index, convert in fast]
        except CellError:
            pass
        else:
            for n in required:
                if values[n] is None:
                    break
            else:
                yield line, values
                continue
        yield from _cell_errors(line, cells, columns)
    if progress is not None:
        progress(read)


class _NotFast(Exception):
    """A compiled row converter met a cell it leaves to the field's own converter."""


_MISSING = object()


def _compile_row(
    columns: list[tuple[int, str, Callable[[object], object], bool] | None],
) -> Callable[[Sequence[str]], list[object]]:
    """One function that converts a whole CSV row (every cell a str) to its values, as the
    columns' converters would, written out so a row costs no call per text cell. It gives up
    (raises) on any cell it does not read as plainly valid, and the caller converts that row
    again the slow way, which words every error; so it is only ever a shortcut to the same values.
    """
    lines = ["def convert(c):"]
    names: dict[str, object] = {"_NotFast": _NotFast, "_MISSING": _MISSING, "CellError": CellError,
                                "parse_money": parse_money}
    for n, column in enumerate(columns):
        v = f"v{n}"
        if column is None:
            lines.append(f"    {v} = None")
            continue
        index, _header, converter, value_required = column
        kind = getattr(converter, "kind", None)
        if kind is FieldKind.TEXT:
            lines += [f"    {v} = c[{index}].strip()",
                      f"    if len({v}) > {int(converter.max_length)}: raise _NotFast",
                      f"    {v} = {v} or None"]  # fmt: skip
        elif kind is FieldKind.AMOUNT:
            lines += [f"    r = c[{index}]",
                      f"    {v} = parse_money(r) if r and not r.isspace() else None"]  # fmt: skip
        elif kind in (FieldKind.DATE, FieldKind.IDENTITY) or isinstance(getattr(converter, "cache", None), dict):
            # A converter that keeps what each text read as (a CellError for a bad one) in `cache`.
            names[f"get{n}"], names[f"f{n}"] = converter.cache.get, converter
            lines += [f"    r = c[{index}]",
                      f"    {v} = get{n}(r, _MISSING)",
                      f"    if {v} is _MISSING or {v}.__class__ is CellError: {v} = f{n}(r)"]  # fmt: skip
        else:
            names[f"f{n}"] = converter
            lines.append(f"    {v} = f{n}(c[{index}])")
        if value_required:
            lines.append(f"    if {v} is None: raise _NotFast")
    lines.append(f"    return [{', '.join(f'v{n}' for n in range(len(columns)))}]")
    exec("\n".join(lines), names)  # noqa: S102 - the source is built above from fixed pieces
    return names["convert"]


def _cell_errors(
    line: int,
    cells: Sequence[object],
    columns: list[tuple[int, str, Callable[[object], object], bool] | None],
) -> Iterator[ParseError]:
    for column in columns:
        if column is None:
            continue
        index, header, converter, value_required = column
        try:
            value = converter(cells[index])
        except CellError as error:
            yield ParseError(line, header, error.code, error.params)
        else:
            if value is None and value_required:
                yield ParseError(line, header, "missing_value")
