"""Reading an uploaded scheme workbook (spreadsheet.py writes it): each row back into the editor's
own form data, with every problem named by line and column in Swedish.

A row is parsed and validated by the editor's RuleForm afterwards (scheme_import), so this module
only turns cells into what the form's fields would have received: names into ids, the labels of
choices into their codes, numbers into text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal.delegation.models import SchemeVersion
from portal.delegation.spreadsheet import HEADERS, NONE_WORD, NO, YES, Names, _key, names_for
from portal.receivables import tabular

# A scheme has tens of rules; a file of more rows is not a scheme.
MAX_ROWS = 500
# Errors listed one by one; the rest are counted (as every import does).
MAX_ERRORS_SHOWN = 1_000
MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    """A problem in the file: its line (the header is line 1), the column (None: the whole row or
    file) and the message in Swedish."""

    line: int | None  # None: the whole file
    column: str | None
    message: str


@dataclass
class Row:
    line: int
    formdata: MultiDict
    category_scope: str  # "", "only" or "except": where a category error stands


@dataclass
class ReadResult:
    rows: list[Row]
    errors: list[RowError]


class _CellProblem(Exception):
    pass


def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return YES if raw else NO
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, date):
        raise _CellProblem(_("A date is not a valid value here."))
    return str(raw).strip()


def _integer(raw) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return ""
    if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        raise _CellProblem(_("Write a whole number."))
    if isinstance(raw, int | float):
        return str(int(raw))
    text = _text(raw).replace(" ", "").replace("\u00a0", "")
    if not text.lstrip("-").isdigit():
        raise _CellProblem(_("“%(value)s” is not a whole number.", value=_text(raw)))
    return text


_AMOUNT = tabular.make_converter(
    tabular.FieldSpec("amount", tabular.FieldKind.AMOUNT, "", False, False),
    tabular.ReadOptions(reference_date=date(2000, 1, 1)),
)


def _amount(raw) -> str:
    """A cell of kronor as the form's text (a number cell, or text as people write amounts)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return ""
    if isinstance(raw, date):
        raise _CellProblem(_("A date is not a valid value here."))
    try:
        ore = _AMOUNT(raw)
    except tabular.CellError:
        raise _CellProblem(_("“%(value)s” is not an amount in kronor, e.g. 12 345,50.", value=_text(raw))) from None
    if ore is None:
        return ""
    sign = "-" if ore < 0 else ""
    kronor, cents = divmod(abs(ore), 100)
    return f"{sign}{kronor},{cents:02d}"


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ";").split(";") if part.strip()]


def _choice(names: Names, kind: str, raw) -> str:
    text = _text(raw)
    if not text:
        return ""
    found = names.find(kind, text)
    if found is None:
        raise _CellProblem(_("“%(value)s” is not one of the values the column takes (see the sheet "
                             "Val).", value=text))
    return str(found)


def _many(names: Names, kind: str, raw) -> list[str]:
    """Names separated by semicolons; a name that itself holds one is found whole (the longest
    run of parts that is a name wins)."""
    found, unknown = [], []
    parts = _split(_text(raw))
    start = 0
    while start < len(parts):
        for end in range(len(parts), start, -1):
            key = names.find(kind, "; ".join(parts[start:end]))
            if key is not None:
                found.append(str(key))
                start = end
                break
        else:
            unknown.append(parts[start])
            start += 1
    if unknown:
        raise _CellProblem(_("Unknown: %(values)s (see the sheet Val for the names the column takes).",
                             values=", ".join(f"”{u}”" for u in unknown)))
    return found


def _row_formdata(cells: dict[str, object], names: Names, line: int,
                  errors: list[RowError]) -> Row:
    data = MultiDict()

    def cell(header: str, convert: Callable[[object], object]):
        try:
            return convert(cells.get(header))
        except _CellProblem as problem:
            errors.append(RowError(line, header, str(problem)))
            return None

    for header, name in (("Nummer", "number"), ("Text som antagen", "text"),
                         ("Punkt i riktlinjen", "guideline_point")):
        data[name] = cell(header, _text) or ""
    for header, name in (("Nivå", "level"), ("Längsta anstånd (månader)", "max_deferral_months"),
                         ("Längsta anstånd (dagar)", "max_deferral_days"),
                         ("Längsta plan (månader)", "max_plan_months"),
                         ("Längsta anstånd och plan sammanlagt (månader)", "max_total_months"),
                         ("Flest delbetalningar i en plan", "max_instalments"),
                         ("Flest beviljade ärenden per kund", "max_granted_cases"),
                         ("Brutet efter (dagar sen)", "broken_after_days")):
        data[name] = cell(header, _integer) or ""
    for header, name in (("Högsta belopp (kr)", "max_amount"), ("Lägsta belopp (kr)", "min_amount"),
                         ("Högsta belopp per faktura (kr)", "max_invoice_amount"),
                         ("Minsta månadsbelopp (kr)", "min_monthly_instalment")):
        data[name] = cell(header, _amount) or ""
    data["max_amount_pbb"] = cell("Högsta belopp i prisbasbelopp", _text) or ""
    floors = cell("Minsta skuld för planlängd", _text) or ""
    data["plan_length_floors"] = "\n".join(_split(floors))
    for header, name, kind in (("Ärendetyp", "case_type", "case_type"), ("Typ av punkt", "kind", "kind"),
                               ("Delegat", "delegate_type", "delegate_type"),
                               ("Typ av befattning", "delegate_position_kind", "delegate_position_kind"),
                               ("Var befattningen finns", "delegate_scope", "delegate_scope"),
                               ("Namngiven befattning", "delegate_position_id", "position"),
                               ("Utskott", "delegate_committee_id", "sub_committee"),
                               ("Ersättarbefattning", "standin_position_id", "position"),
                               ("Samråd med enhet", "consultation_unit_id", "unit"),
                               ("Samråd med befattning", "consultation_position_id", "position"),
                               ("Beloppsgrund", "amount_basis", "amount_basis"),
                               ("Räknat", "frequency_period", "frequency_period"),
                               ("Typ av kund", "customer_kind", "customer_kind")):
        data[name] = cell(header, lambda raw, kind=kind: _choice(names, kind, raw)) or ""
    # The editor's defaults where the sheet leaves a choice empty.
    for name, default in (("case_type", ""), ("kind", "ordinary"), ("amount_basis", "case"),
                          ("frequency_period", "calendar_year")):
        data[name] = data[name] or default
    if not data["case_type"] and "Ärendetyp" not in {e.column for e in errors if e.line == line}:
        errors.append(RowError(line, "Ärendetyp", _("Choose a case type.")))
    if not data["delegate_type"] and "Delegat" not in {e.column for e in errors if e.line == line}:
        errors.append(RowError(line, "Delegat", _("Choose who the delegate is.")))

    further = cell("Får vidaredelegeras", _text) or ""
    if further.casefold() in ("ja", "j", "x", "1", "true", "sant"):
        data["allows_further_delegation"] = "y"
    elif further.casefold() not in ("", "nej", "n", "0", "false", "falskt"):
        errors.append(RowError(line, "Får vidaredelegeras",
                               _("Write Ja or Nej (“%(value)s” is neither).", value=further)))

    only = cell("Bara fakturakategorierna", lambda raw: _many(names, "category", raw))
    excluded = cell("Alla fakturakategorier utom", lambda raw: _many(names, "category", raw))
    scope = ""
    if only and excluded:
        message = _("Name the only categories or the excluded ones, not both.")
        errors.append(RowError(line, "Bara fakturakategorierna", message))
        errors.append(RowError(line, "Alla fakturakategorier utom", message))
    elif only:
        scope = "only"
    elif excluded:
        scope = "except"
    data["category_scope"] = scope
    data.setlist("scope_category_ids", only or excluded or [])
    data.setlist("scope_unit_ids", cell("Bara fakturor utfärdade av", lambda raw: _many(names, "unit", raw)) or [])
    data.setlist("required_condition_ids",
                 cell("Förutsättningar", lambda raw: _many(names, "condition", raw)) or [])
    reasons_text = cell("Tillåtna skäl för avskrivning", _text) or ""
    if reasons_text:
        data["restrict_write_off_reasons"] = "y"
        if _key(reasons_text) != _key(NONE_WORD):
            data.setlist("allowed_write_off_reasons", cell(
                "Tillåtna skäl för avskrivning", lambda raw: _many(names, "write_off_reason", raw)) or [])
    case_reasons = cell("Tillåtna skäl för kreditering och indrivning", _text) or ""
    if case_reasons:
        data["restrict_reasons"] = "y"
        if _key(case_reasons) != _key(NONE_WORD):
            found = cell("Tillåtna skäl för kreditering och indrivning",
                         lambda raw: _many(names, "reason", raw)) or []
            # Both groups: the form keeps the one of the rule's case type, and the service names a
            # reason that belongs to another type.
            data.setlist("allowed_credit_reasons", found)
            data.setlist("allowed_collection_reasons", found)
    return Row(line, data, scope)


def _header_problem(header: list[str]) -> list[RowError]:
    errors = []
    known = {_key(h): h for h in HEADERS}
    seen: dict[str, int] = {}
    for index, text in enumerate(header):
        if not str(text or "").strip():
            continue
        key = _key(text)
        if key not in known:
            errors.append(RowError(1, str(text), _("The column “%(column)s” is not one of the scheme's "
                                                   "columns (see the sheet Val).", column=text)))
        elif key in seen:
            errors.append(RowError(1, str(text), _("The column “%(column)s” occurs more than once.",
                                                   column=text)))
        seen.setdefault(key, index)
    for h in HEADERS:
        if _key(h) not in seen:
            errors.append(RowError(1, h, _("The file has no column “%(column)s”. Download the draft "
                                           "as a spreadsheet for a file with every column.", column=h)))
    return errors


def read_workbook(data: bytes, version: SchemeVersion) -> ReadResult:
    """The rows of an uploaded workbook as the editor's form data, with every problem found."""
    if not data:
        return ReadResult([], [RowError(None, None, _("Choose the .xlsx file to upload."))])
    if len(data) > MAX_FILE_BYTES:
        return ReadResult([], [RowError(None, None, _("The file is larger than %(mb)s MB: a scheme is "
                                                   "far smaller. Upload the scheme's workbook.",
                                                   mb=MAX_FILE_BYTES // (1024 * 1024)))])
    kind = tabular.binary_kind(data)
    if kind is not None or not data.startswith(b"PK\x03\x04"):
        return ReadResult([], [RowError(None, None, _(
            "The file is not an .xlsx workbook. Save it in Excel as “Excel-arbetsbok (.xlsx)” and "
            "upload that file."))])
    table = tabular._open_xlsx(data, tabular.ReadLimits(max_uncompressed_bytes=50 * 1024 * 1024,
                                                        max_rows=MAX_ROWS))
    if isinstance(table, tabular.ParseError):
        message = {
            "empty_file": _("The sheet is empty: it has no header row and no rules."),
            "xlsx_too_large": _("The workbook unpacks to more than 50 MB: it is not a scheme."),
        }.get(table.code, _("The file cannot be read as an .xlsx workbook."))
        return ReadResult([], [RowError(None, None, message)])
    try:
        header = [str(h).strip() if h is not None else "" for h in table.header]
        errors = _header_problem(header)
        if errors:
            return ReadResult([], errors)
        index = {_key(h): n for n, h in enumerate(header) if h}
        names = names_for(version)
        rows: list[Row] = []
        count = 0
        for line, cells in table.rows:
            if isinstance(cells, tabular.CellError):
                errors.append(RowError(line, None, _("The file cannot be read as an .xlsx workbook.")))
                break
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                return ReadResult([], [RowError(None, None, _(
                    "The sheet has more than %(max)s rules, the most a scheme may have. Nothing "
                    "was read.", max=MAX_ROWS))])
            by_header = {h: (cells[index[_key(h)]] if index[_key(h)] < len(cells) else None)
                         for h in HEADERS}
            rows.append(_row_formdata(by_header, names, line, errors))
    finally:
        table.close()
    if not rows and not errors:
        errors.append(RowError(None, None, _("The sheet has no rules. To remove every rule, discard "
                                          "the draft instead.")))
    return ReadResult(rows, errors)
