"""The HR system's file, read: its columns, its limits, and every bad row in Swedish with its line and column.

The file is a CSV or .xlsx table, one row a position and who holds it (a row may name a unit alone,
or a position that is vacant). Reading only checks each row by itself and the rows against each
other; what they mean for the organisation as it stands is portal/org/import_plan.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from portal.receivables.messages import error_message, file_kind_label
from portal.receivables.tabular import (
    FieldKind,
    FieldSpec,
    ParseError,
    ReadLimits,
    ReadOptions,
    open_records,
)

MAX_BYTES = 5 * 1024 * 1024  # an HR export of every position of a large municipality is well below
MAX_ROWS = 3_000  # a first import of 3,000 new rows: about 11 s on SQLite, 28 s on PostgreSQL (bench/bench_org_import.py)
MAX_ERRORS_LISTED = 1_000

FIELDS = (
    FieldSpec("committee_code", FieldKind.TEXT, "Nämnd", column_required=True, value_required=True,
              max_length=20),
    FieldSpec("unit_code", FieldKind.TEXT, "Enhetskod", column_required=True, value_required=True,
              max_length=40),
    FieldSpec("unit_name", FieldKind.TEXT, "Enhet", column_required=True, value_required=True),
    FieldSpec("parent_code", FieldKind.TEXT, "Överordnad enhetskod", column_required=True,
              value_required=False, max_length=40),
    FieldSpec("position_title", FieldKind.TEXT, "Befattning", column_required=True, value_required=False),
    FieldSpec("position_kind", FieldKind.TEXT, "Befattningstyp", column_required=True, value_required=False,
              max_length=60),
    FieldSpec("employee_number", FieldKind.TEXT, "Anställningsnummer", column_required=True,
              value_required=False, max_length=40),
    FieldSpec("full_name", FieldKind.TEXT, "Namn", column_required=True, value_required=False),
    FieldSpec("email", FieldKind.TEXT, "E-post", column_required=True, value_required=False, max_length=254),
    FieldSpec("starts_on", FieldKind.DATE, "Från", column_required=True, value_required=False),
)
HEADERS = {spec.name: spec.default_header for spec in FIELDS}


@dataclass(frozen=True)
class Row:
    line: int
    committee_code: str
    unit_code: str
    unit_name: str
    parent_code: str | None
    position_title: str | None
    position_kind: str | None
    employee_number: str | None
    full_name: str | None
    email: str | None
    starts_on: date | None


@dataclass
class Problems:
    """Every bad row, with its line and column: the first MAX_ERRORS_LISTED kept, the rest counted."""

    listed: list[dict] = field(default_factory=list)  # {"line", "column", "message"}
    count: int = 0

    def add(self, line: int | None, column: str | None, message: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_ERRORS_LISTED:
            self.listed.append({"line": line, "column": HEADERS.get(column, column) if column else None,
                                "message": message})

    def __bool__(self) -> bool:
        return self.count > 0


def _person_columns(row: Row) -> bool:
    return any((row.employee_number, row.full_name, row.email, row.starts_on))


def _check_row(row: Row, problems: Problems) -> bool:
    """The row's own rules: a position needs its kind, a person needs a position, a number, a name and a date."""
    ok = True

    def bad(column: str, message: str) -> None:
        nonlocal ok
        ok = False
        problems.add(row.line, column, message)

    if row.parent_code is not None and row.parent_code == row.unit_code:
        bad("parent_code", _("A unit cannot belong to itself."))
    if row.position_title is None and row.position_kind is not None:
        bad("position_title", _("The row gives a kind of position but no position."))
    if row.position_title is not None and row.position_kind is None:
        bad("position_kind", _("Give the kind of position, e.g. Enhetschef."))
    if _person_columns(row):
        if row.position_title is None:
            bad("position_title", _("The row names a person but no position for them."))
        if row.employee_number is None:
            bad("employee_number", _("Give the person's employee number."))
        if row.full_name is None:
            bad("full_name", _("Give the person's name."))
        if row.starts_on is None:
            bad("starts_on", _("Give the date the person holds the position from."))
        if row.email is not None and ("@" not in row.email or " " in row.email):
            bad("email", _("“%(value)s” is not an e-mail address.", value=row.email))
    return ok


def _cross_check(rows: list[Row], problems: Problems) -> list[Row]:
    """Rows against each other: a unit, a person and a holding are described the same way throughout."""
    units: dict[str, Row] = {}
    people: dict[str, Row] = {}
    holdings: dict[tuple[str, str, str], Row] = {}
    positions: dict[tuple[str, str], Row] = {}
    good = []
    for row in rows:
        ok = True
        first = units.setdefault(row.unit_code, row)
        for name in ("unit_name", "committee_code", "parent_code"):
            if getattr(first, name) != getattr(row, name):
                problems.add(row.line, name, _(
                    "Unit %(code)s is described otherwise on line %(line)s (“%(value)s”).", code=row.unit_code,
                    line=first.line, value=getattr(first, name) or "—"))
                ok = False
        if row.position_title is not None:
            key = (row.unit_code, row.position_title.casefold())
            seen = positions.setdefault(key, row)
            if seen.position_kind.casefold() != row.position_kind.casefold():
                problems.add(row.line, "position_kind", _(
                    "The position %(title)s in unit %(code)s has another kind on line %(line)s.",
                    title=row.position_title, code=row.unit_code, line=seen.line))
                ok = False
        if row.employee_number is not None:
            person = people.setdefault(row.employee_number, row)
            for name in ("full_name", "email"):
                if getattr(person, name) != getattr(row, name):
                    problems.add(row.line, name, _(
                        "Employee %(number)s is given another %(what)s on line %(line)s.",
                        number=row.employee_number, what=HEADERS[name].lower(), line=person.line))
                    ok = False
            key3 = (row.unit_code, row.position_title.casefold(), row.employee_number)
            holding = holdings.setdefault(key3, row)
            if holding is not row:
                problems.add(row.line, "employee_number", _(
                    "The same person and position as on line %(line)s: each holding once.", line=holding.line))
                ok = False
        elif row.position_title is None and first is not row:
            problems.add(row.line, "unit_code", _(
                "Unit %(code)s is already on line %(line)s: a row without a position adds nothing.",
                code=row.unit_code, line=first.line))
            ok = False
        if ok:
            good.append(row)
    return good


@dataclass
class ReadResult:
    rows: list[Row]
    problems: Problems
    row_count: int


def read(data: bytes, today: date) -> ReadResult:
    """The file's rows, each checked by itself and against the others (all or nothing: the caller
    imports nothing while `problems` holds anything)."""
    problems = Problems()
    if not data:
        problems.add(1, None, error_message("empty_file"))
        return ReadResult([], problems, 0)
    if len(data) > MAX_BYTES:
        problems.add(None, None, _("The file is %(size)s MB; the most the organisation import reads is "
                                   "%(max)s MB.", size=f"{len(data) / (1024 * 1024):.1f}".replace(".", ","),
                                   max=MAX_BYTES // (1024 * 1024)))
        return ReadResult([], problems, 0)
    records = open_records(data, FIELDS, None, ReadOptions(
        reference_date=today, limits=ReadLimits(max_uncompressed_bytes=8 * MAX_BYTES, max_rows=MAX_ROWS)))
    for problem in records.errors:
        _add_parse_error(problems, problem)
    rows: list[Row] = []
    count = 0
    for item in records.rows:
        if isinstance(item, ParseError):
            _add_parse_error(problems, item)
            count += item.code != "too_many_rows"
            continue
        count += 1
        line, values = item
        values[0] = values[0].upper()  # committee codes are kept in capitals
        row = Row(line, *values)
        if _check_row(row, problems):
            rows.append(row)
    if not rows and not problems:
        problems.add(None, None, _("The file has no rows under its header."))
    rows = _cross_check(rows, problems)
    return ReadResult(rows, problems, count)


def _add_parse_error(problems: Problems, problem: ParseError) -> None:
    column = problem.column
    if problem.code in ("missing_column", "duplicate_column"):
        field_name = str(problem.params.get("field", ""))
        message = (_("The file has no column %(column)s.", column=HEADERS.get(field_name, field_name))
                   if problem.code == "missing_column"
                   else _("The column %(column)s occurs more than once.", column=HEADERS.get(field_name, field_name)))
        problems.add(problem.line, HEADERS.get(field_name), message)
        return
    if problem.code == "not_a_table":
        problems.add(problem.line, None, _(
            "The file is %(kind)s, not a table. Export the organisation from the HR system as CSV or .xlsx "
            "and upload that file.", kind=file_kind_label(str(problem.params.get("kind")))))
        return
    problems.add(problem.line, column, error_message(problem.code, problem.params))
