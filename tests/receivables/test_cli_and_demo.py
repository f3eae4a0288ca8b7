"""`flask portal import-ledger` and the demo ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.cli import portal_cli
from portal.demo.seed import seed_demo
from portal.extensions import db
from portal.receivables.identity import parse_identity_number
from portal.receivables.ledger_parse import DEFAULT_LEDGER_LAYOUT
from portal.receivables.models import (
    CollectionStageCode,
    Customer,
    Fee,
    Invoice,
    InvoiceCategory,
    LedgerImport,
    Payment,
    ReferenceRate,
)
from tests.receivables.builders import ledger_row, table_bytes


@pytest.fixture
def world(make, frozen_clock):
    make.unit(make.committee("BUN"), code="BOU1")
    make.category("CHILDCARE")


def _run(app, *args):
    return app.test_cli_runner().invoke(portal_cli, ["import-ledger", *args])


def test_import_ledger_prints_the_counts(app, world, tmp_path):
    path = tmp_path / "reskontra.csv"
    path.write_bytes(table_bytes([ledger_row(1), ledger_row(2)]))
    result = _run(app, str(path), "--preview")
    assert result.exit_code == 0, result.output
    assert "2 new, 0 changed and 0 unchanged rows would be imported" in result.output
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0
    result = _run(app, str(path))
    assert result.exit_code == 0 and "2 new, 0 changed and 0 unchanged rows were imported" in result.output
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 2
    assert "0 new, 0 changed and 2 unchanged" in _run(app, str(path)).output


def test_import_ledger_lists_every_error_with_its_line_and_fails(app, world, tmp_path):
    path = tmp_path / "reskontra.csv"
    path.write_bytes(table_bytes([ledger_row(1, unit_code="9999"), ledger_row(2, open_amount="x")]))
    result = _run(app, str(path))
    assert result.exit_code != 0
    assert "line 2, column 'Enhet': Ingen enhet har koden ”9999”." in result.stderr
    assert "line 3, column 'Restbelopp':" in result.stderr
    assert "2 errors: nothing was imported" in result.stderr
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0
    assert db.session.scalars(select(LedgerImport.state)).all() == ["rejected"]


def test_import_ledger_uses_a_saved_mapping_by_name(app, world, make, tmp_path):
    make.mapping("Unit4", {"invoice_number": "voucher_no"})
    row = ledger_row(1)
    path = tmp_path / "unit4.csv"
    path.write_bytes(table_bytes([row], layout={**DEFAULT_LEDGER_LAYOUT, "invoice_number": "voucher_no"}))
    assert _run(app, str(path)).exit_code != 0  # the default layout has no Fakturanummer here
    result = _run(app, str(path), "--mapping", "Unit4")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Nonexistent" in _run(app, str(path), "--mapping", "Nonexistent").stderr


def test_the_demo_ledger_is_generated_checked_and_loaded_once(app, frozen_clock):
    seed_demo(ledger_invoices=300)
    invoices = db.session.scalar(select(func.count()).select_from(Invoice))
    assert invoices >= 300
    customers = db.session.scalars(select(Customer)).all()
    assert all(c.demo for c in customers)
    for c in customers:  # every generated identity number passes the checksum
        written = c.identity_number[2:] if c.kind == "organisation" else c.identity_number
        assert parse_identity_number(written, clock.today()).value == c.identity_number
    units = set(db.session.scalars(select(Invoice.org_unit_id).distinct()))
    assert len(units) >= 10
    assert {c.code for c in db.session.scalars(select(InvoiceCategory))} == {
        "HEMTJ", "LSS", "FORSK", "VA", "HYRA", "OVR"}
    today = clock.today()
    overdue = db.session.scalar(select(func.count()).select_from(Invoice).where(
        Invoice.due_date < today - timedelta(days=90), Invoice.open_amount_ore > 0))
    assert overdue > 0
    assert db.session.scalar(select(func.count()).select_from(Payment)) > 0
    asa = db.session.scalars(select(Customer).where(Customer.name == "Åsa Öberg")).one()
    assert len([i for i in asa.invoices if i.org_unit.code == "3110" and i.category.code == "HEMTJ"
                and i.due_date < today]) == 5
    assert db.session.scalars(select(Customer).where(Customer.deceased.is_(True))).one().name.startswith("Gustav")
    assert db.session.scalars(select(Customer).where(Customer.kind == "organisation",
                                                     Customer.name == "Bergslagens Bygg AB")).one()
    rates = db.session.scalars(select(ReferenceRate)).all()
    assert len(rates) == 8 and not any(r.confirmed for r in rates)
    assert sorted(f.amount_ore for f in db.session.scalars(select(Fee))) == [6_000, 17_000, 18_000]
    assert db.session.scalar(select(func.count()).select_from(CollectionStageCode)) == 10
    counts = [db.session.scalar(select(func.count()).select_from(m))
              for m in (Invoice, Customer, Payment, LedgerImport)]
    seed_demo(ledger_invoices=300)
    assert [db.session.scalar(select(func.count()).select_from(m))
            for m in (Invoice, Customer, Payment, LedgerImport)] == counts


def test_seed_demo_command_takes_the_ledger_size(app, frozen_clock):
    app.config["PORTAL_DEVELOPMENT"] = True
    try:
        result = app.test_cli_runner().invoke(portal_cli, ["seed-demo", "--invoices", "120"])
    finally:
        app.config["PORTAL_DEVELOPMENT"] = False
    assert result.exit_code == 0, result.output
    assert "demo ledger of 1" in result.output
    assert 120 <= db.session.scalar(select(func.count()).select_from(Invoice)) < 130
