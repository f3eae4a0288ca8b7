"""A report as tables and charts, and the same tables as CSV and .xlsx (numbers as numbers).

Every chart is drawn from one of the report's tables, so the numbers beside it are the table's.
"""

from __future__ import annotations

import io
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

    @property
    def largest(self) -> int:
        return max([abs(bar.value) for bar in self.bars] or [0])


@dataclass
class Report:
    name: str
    title: str
    basis: str  # which date it counts by (RULINGS 19), said on the page and in the files
    tables: list[Table]
    charts: list[Chart] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)


def _csv_value(value, column: Column):
    if value is None:
        return ""
    if column.kind == Kind.MONEY:
        return csv_amount(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def report_csv(report: Report) -> bytes:
    """One semicolon file: the report's title and basis, then each table under its caption."""
    rows: list[list] = [[report.basis]]
    for table in report.tables:
        rows += [[], [table.caption], [column.label for column in table.columns]]
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
        sheet = workbook.create_sheet(_sheet_title(table.caption, used))
        sheet.append([report.title])
        sheet.append([report.basis])
        sheet.append([table.caption])
        sheet.append([column.label for column in table.columns])
        for cell in sheet[4]:
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
