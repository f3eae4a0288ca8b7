"""The finance export of granted cases: one line per invoice with that invoice's own amount, plain
numbers, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from portal.cases import services
from portal.cases.rules import Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.extensions import db

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _granted_write_off(world, make, numbers: tuple[str, str], amounts: tuple[int, int]):
    invoices = [make.invoice(world.customer, world.unit, world.category, number=number, original_ore=amount,
                             due_date=date(2026, 11, 30))
                for number, amount in zip(numbers, amounts, strict=True)]
    ids = [invoice.id for invoice in invoices]
    officer = world.actor(world.officer)
    case = services.case_create(officer, customer=world.customer, case_type=CaseType.WRITE_OFF, invoice_ids=ids,
                                terms=TermsInput(), reasons="Dödsbo utan tillgångar.")
    services.case_update(officer, case, invoice_ids=ids, reasons="Dödsbo utan tillgångar.", terms=TermsInput(
        write_off_reason="deceased_without_assets", write_off_final=False))
    services.case_submit(officer, case)
    services.case_decide(world.actor(world.unit_head), case, services.DecisionInput(
        Outcome.GRANTED, "Ok.", no_conflict_confirmed=True))
    db.session.commit()
    return case


def _rows(client) -> list[list[str]]:
    response = client.get("/arenden/att-verkstalla.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_each_invoice_has_its_own_line_and_amount(client, world, make):
    case = _granted_write_off(world, make, ("F-100", "F-200"), (1_200_00, 800_50))
    client.login("ekonom")
    header, *rows = _rows(client)
    amount = header.index("Belopp")
    mine = {row[header.index("Fakturanummer")]: row[amount] for row in rows
            if row[0] == case.registry_number}
    assert mine == {"F-100": "1200,00", "F-200": "800,50"}


def test_no_cell_starts_like_a_formula_and_amounts_are_plain_numbers(client, world, make):
    case = _granted_write_off(world, make, ("=HYPERLINK(\"http://x\")", "@SUM(A1)"), (3_456_78, 10_00))
    client.login("ekonom")
    header, *rows = _rows(client)
    mine = [row for row in rows if row[0] == case.registry_number]
    assert len(mine) == 2
    for row in [header, *rows]:
        for cell in row:
            assert not cell.startswith(DANGEROUS), cell
            assert not re.search(r"\d\s*kr", cell), cell
            assert "\u00a0" not in cell and "\u202f" not in cell
    numbers = {row[header.index("Fakturanummer")] for row in mine}
    assert numbers == {"'=HYPERLINK(\"http://x\")", "'@SUM(A1)"}
    assert {row[header.index("Belopp")] for row in mine} == {"3456,78", "10,00"}
    assert {row[header.index("Typ")] for row in mine} == {"Avskrivning"}


def test_a_partial_grant_is_spread_over_the_invoices_and_adds_up():
    from portal.cases.rules import InvoiceLine, decided_line_amounts

    lines = [InvoiceLine(1, 1_000_00), InvoiceLine(2, 500_00)]
    assert decided_line_amounts(CaseType.WRITE_OFF, lines, 1_500_00) == [1_000_00, 500_00]
    assert decided_line_amounts(CaseType.WRITE_OFF, lines, 1_200_00) == [1_000_00, 200_00]
    assert decided_line_amounts(CaseType.WRITE_OFF, lines, 300_00) == [300_00, 0]
    credit = [InvoiceLine(1, 1_000_00, credited_capital_ore=250_00), InvoiceLine(2, 500_00)]
    assert decided_line_amounts(CaseType.CREDIT, credit, 750_00) == [250_00, 500_00]
