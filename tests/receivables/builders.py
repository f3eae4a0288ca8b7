"""Builders shared by the receivables tests: rate tables, identity numbers, ledger files."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import Workbook

from portal.money import format_amount
from portal.receivables.identity import luhn_check_digit
from portal.receivables.ledger_parse import DEFAULT_LEDGER_LAYOUT, DEFAULT_PAYMENT_LAYOUT

# Reference rates in basis points, as published (DOMAIN.md); 2025-01-01 is one of two values
# sources give. Demo values for tests, not confirmed against Riksbanken.
REFERENCE_RATES = {
    date(2022, 7, 1): 50,
    date(2023, 1, 1): 250,
    date(2023, 7, 1): 350,
    date(2024, 1, 1): 400,
    date(2024, 7, 1): 400,
    date(2025, 1, 1): 300,
    date(2025, 7, 1): 200,
    date(2026, 1, 1): 200,
}
TODAY = date(2026, 1, 15)


def zero_rates(first_year: int = 2000, last_year: int = 2100) -> dict[date, int]:
    """A reference rate of 0 every half-year: with margin_bp=0 late interest is zero."""
    return {date(y, m, 1): 0 for y in range(first_year, last_year + 1) for m in (1, 7)}


def person_number(born: date, serial: str = "123", coordination: bool = False) -> str:
    """A valid 12-digit personnummer (or samordningsnummer) YYYYMMDD-NNNN."""
    day = born.day + (60 if coordination else 0)
    body = f"{born:%y%m}{day:02d}{serial}"
    return f"{born:%Y%m}{day:02d}-{serial}{luhn_check_digit(body)}"


def organisation_number(first_nine: str = "556036079") -> str:
    """A valid organisationsnummer NNNNNN-NNNN (third digit must be 2 or more)."""
    return f"{first_nine[:6]}-{first_nine[6:]}{luhn_check_digit(first_nine)}"


def ledger_row(n: int = 1, **values: str) -> dict[str, str]:
    """One ledger row in the default layout, keyed by portal field, as a ledger writes it."""
    row = {
        "ledger_source": "raindance",
        "invoice_number": f"{1000 + n}",
        "customer_id_number": person_number(date(1985, 6, 12), f"{n % 1000:03d}"),
        "customer_name": "Anna Åkesson",
        "customer_address": "Storgatan 1",
        "customer_postcode": "645 30",
        "customer_city": "Strängnäs",
        "unit_code": "BOU1",
        "category_code": "CHILDCARE",
        "invoice_date": "2024-01-05",
        "due_date": "2024-02-05",
        "original_amount": format_amount(123_450),
        "open_amount": format_amount(23_450),
        "collection_stage_code": "reminder",
        "ocr_reference": f"{1000 + n}7",
    }
    row.update(values)
    return row


def table_bytes(
    rows: list[dict[str, str]],
    layout: dict[str, str] | None = None,
    delimiter: str = ";",
    encoding: str = "utf-8",
    header: list[str] | None = None,
) -> bytes:
    """A CSV file of `rows` under `layout`'s headers (default: the ledger's default layout)."""
    layout = layout or DEFAULT_LEDGER_LAYOUT
    fields = list(rows[0]) if rows else list(layout)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header or [layout[name] for name in fields])
    for row in rows:
        writer.writerow([row.get(name, "") for name in fields])
    return out.getvalue().encode(encoding)


def payment_row(n: int = 1, **values: str) -> dict[str, str]:
    row = {
        "invoice_number": f"{1000 + n}",
        "ocr_reference": "",
        "payment_date": "2024-03-01",
        "amount": "500,00",
    }
    row.update(values)
    return row


def payments_bytes(rows: list[dict[str, str]], **options) -> bytes:
    return table_bytes(rows, layout=DEFAULT_PAYMENT_LAYOUT, **options)


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    """An .xlsx workbook with one sheet: `header` then `rows` (cells keep their Python types)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- the two shapes Swedish ERPs export, as a finance officer's file would be ----------------------

# Shape 1: Windows-1252, ";", decimal comma with a thousands space, payments as negative amounts
# in "Inbetalt", no open-amount column, the unit code ("Ansvar") also the key of the category.
SEMICOLON_HEADERS = ["Kundnr", "Kundnamn", "Pers/Orgnr", "Adress", "Postnr", "Ort", "Verifikat",
                     "Fakturadat", "Förfallodat", "Ansvar", "Belopp", "Inbetalt", "Kravnivå", "OCR-nr"]


def semicolon_export(rows: list[dict[str, str]]) -> bytes:
    """A ledger export in shape 1; each row gives the values under SEMICOLON_HEADERS."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(SEMICOLON_HEADERS)
    for row in rows:
        writer.writerow([row.get(header, "") for header in SEMICOLON_HEADERS])
    return out.getvalue().encode("cp1252")


def semicolon_row(n: int, **values: str) -> dict[str, str]:
    row = {
        "Kundnr": f"K{n}", "Kundnamn": "Örjan Ärlig", "Pers/Orgnr": person_number(date(1970, 3, 4), f"{n:03d}"),
        "Adress": "Åsgränd 2", "Postnr": "152 30", "Ort": "Södertälje", "Verifikat": f"V{5000 + n}",
        "Fakturadat": "2025-03-01", "Förfallodat": "2025-03-31", "Ansvar": "4410",
        "Belopp": "1 234,50", "Inbetalt": "-234,50", "Kravnivå": "P1", "OCR-nr": f"{5000 + n}3",
    }
    row.update(values)
    return row


# Shape 2: UTF-8 with a BOM, ",", decimal point, an open-amount column, the ERP's own category
# codes and stage numbers, no ledger-source column (the mapping sets it as a constant).
COMMA_HEADERS = ["InvoiceNo", "CustomerName", "OrgNo", "Unit", "Category", "InvoiceDate", "DueDate",
                 "Amount", "Balance", "DunningLevel"]


def comma_export(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=",", lineterminator="\n")
    writer.writerow(COMMA_HEADERS)
    for row in rows:
        writer.writerow([row.get(header, "") for header in COMMA_HEADERS])
    return out.getvalue().encode("utf-8-sig")


def comma_row(n: int, **values: str) -> dict[str, str]:
    row = {
        "InvoiceNo": f"{90000 + n}", "CustomerName": "Bygg & Co AB", "OrgNo": organisation_number(),
        "Unit": "VA1", "Category": "VA-AVG", "InvoiceDate": "2025-05-02", "DueDate": "2025-06-01",
        "Amount": "2500.00", "Balance": "2500.00", "DunningLevel": "2",
    }
    row.update(values)
    return row
