"""A report as tables and charts, and the same tables as CSV and .xlsx (numbers as numbers).

Every chart is drawn from one of the report's tables, so the numbers beside it are the table's.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from portal.downloads import csv_amount, csv_bytes


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"  # a whole number of things
    MONEY = "money"  # öre, shown in kronor
    THOUSANDS = "thousands"  # whole thousands of kronor (tkr), as the audits print them
    DAYS = "days"


@dataclass(frozen=True)
class Column:
    label: str
    kind: Kind = Kind.TEXT

    @property
    def numeric(self) -> bool:
        return self.kind != Kind.TEXT


@dataclass
class Table:
    key: str
    caption: str
    columns: list[Column]
    rows: list[list]
    totals: list | None = None
    note: str | None = None
    row_ids: list[int] | None = None  # what each row is about (a department's printable list links by it)
    complete: bool = True  # False: only the first rows (the whole table is a job's file)
    section: str = ""  # the key of the report's section it is in


@dataclass(frozen=True)
class Bar:
    label: str
    value: int  # in the unit of the chart's column (öre for money)


@dataclass
class Chart:
    """A horizontal bar chart of one column of a table: one bar per row."""

    key: str
    title: str
    description: str
    column: Column
    bars: list[Bar]
    section: str = ""

    @property
    def largest(self) -> int:
        return max([abs(bar.value) for bar in self.bars] or [0])


@dataclass
class Section:
    """One legal person's part of a report (RULINGS 10, 12): a company's or a joint authority's figures
    stand in a section of their own, never summed with the municipality's. A report of the
    municipality alone has one section without a heading."""

    key: str  # "" for the municipality's; the suffix of its tables' and charts' keys
    title: str | None = None  # None: the only section, not headed
    note: str | None = None
    statements: list[str] = field(default_factory=list)
    short: str = ""  # a short name for a spreadsheet's sheets


@dataclass
class Report:
    name: str
    title: str
    basis: str  # which date it counts by (RULINGS 19), said on the page and in the files
    tables: list[Table]
    charts: list[Chart] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=lambda: [Section("")])

    def tables_of(self, section: Section) -> list[Table]:
        return [table for table in self.tables if table.section == section.key]

    def charts_of(self, section: Section) -> list[Chart]:
        return [chart for chart in self.charts if chart.section == section.key]

    def section_of(self, table: Table) -> Section | None:
        return next((section for section in self.sections if section.key == table.section), None)


Built = tuple[list[Table], list[Chart], list[str]]


def apart(persons, build: Callable[[object], Built]) -> tuple[list[Table], list[Chart], list[Section]]:
    """Each legal person's tables, charts and statements built by `build(person)` from its own rows
    alone, in a section of its own: nothing of one is summed into another's (RULINGS 10). The
    municipality's keys stay as they are; another's carry its key."""
    headed = len(persons) > 1 or not persons[0].is_municipality
    tables: list[Table] = []
    charts: list[Chart] = []
    sections: list[Section] = []
    for person in persons:
        key = "" if person.is_municipality else f"p{person.key}"
        built_tables, built_charts, statements = build(person)
        for item in [*built_tables, *built_charts]:
            item.key = f"{item.key}-{key}" if key else item.key
            item.section = key
        tables += built_tables
        charts += built_charts
        sections.append(Section(key, person.title() if headed else None, person.note(), statements,
                                person.code))
    return tables, charts, sections


def _csv_value(value, column: Column):
    if value is None:
        return ""
    if column.kind == Kind.MONEY:
        return csv_amount(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _section_title(report: Report, table: Table) -> str | None:
    section = report.section_of(table)
    return section.title if section else None


def report_csv(report: Report) -> bytes:
    """One semicolon file: the report's title and basis, then each table under its caption (and its
    legal person's name when the report has several)."""
    rows: list[list] = [[report.basis]]
    for table in report.tables:
        section = _section_title(report, table)
        rows += [[], *([[section]] if section else []), [table.caption], [column.label for column in table.columns]]
        for row in [*table.rows, *([table.totals] if table.totals else [])]:
            rows.append([_csv_value(value, column) for value, column in zip(row, table.columns, strict=False)])
    return csv_bytes([report.title], rows)


def _sheet_title(caption: str, used: set[str]) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name, each name once."""
    base = "".join(" " if c in "[]:*?/\\" else c for c in caption)[:28].strip() or "Tabell"
    title, n = base, 2
    while title.casefold() in used:
        title, n = f"{base[:25]} {n}", n + 1
    used.add(title.casefold())
    return title


def report_xlsx(report: Report) -> bytes:
    """A workbook with one sheet per table: amounts as numbers in kronor with two decimals, counts as
    whole numbers, text as text (a cell starting with = is stored as text, never as a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in report.tables:
        section = report.section_of(table)
        short = f"{section.short} " if section and section.title and section.short else ""
        sheet = workbook.create_sheet(_sheet_title(short + table.caption, used))
        sheet.append([report.title])
        if section and section.title:
            sheet.append([section.title])
        sheet.append([report.basis])
        sheet.append([table.caption])
        sheet.append([column.label for column in table.columns])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in [*table.rows, *([table.totals] if table.totals else [])]:
            values = []
            for value, column in zip(row, table.columns, strict=False):
                if value is None:
                    values.append(None)
                elif column.kind == Kind.MONEY:
                    values.append(value / 100)
                elif isinstance(value, date) or column.numeric:
                    values.append(value)
                else:
                    values.append(str(value))
            sheet.append(values)
            for cell, column in zip(sheet[sheet.max_row], table.columns, strict=False):
                if column.kind == Kind.MONEY:
                    cell.number_format = "#,##0.00"
                elif column.numeric:
                    cell.number_format = "0"
                elif isinstance(cell.value, str):
                    cell.data_type = "s"
        if table.note:
            sheet.append([])
            sheet.append([table.note])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
