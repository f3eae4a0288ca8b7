"""Ledger and payments import against the database: preview, all or nothing, idempotency, updates."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.receivables import imports
from portal.receivables.messages import error_message
from portal.receivables.models import Customer, ImportState, Invoice, LedgerImport, Payment
from tests.receivables.builders import (
    ledger_row,
    organisation_number,
    payment_row,
    payments_bytes,
    table_bytes,
    xlsx_bytes,
)

OFFICER = Actor(user_id=None, username="ekonom", capacity="finance_officer")


@pytest.fixture
def world(make, frozen_clock):
    committee = make.committee("BUN")
    unit = make.unit(committee, code="BOU1", name="Förskolor")
    make.unit(committee, code="VA1", name="VA")
    make.category("CHILDCARE")
    make.category("VA")
    return {"unit": unit}


def _import(data: bytes, *, kind: str = "ledger", mapping_id: int | None = None, preview: bool = False,
            file_name: str = "reskontra.csv") -> LedgerImport:
    ledger_import = imports.upload(OFFICER, data=data, file_name=file_name, kind=kind,
                                   mapping_id=mapping_id)
    parsed = imports.read_file(imports.import_job(ledger_import),
                               imports.ProgressWriter(ledger_import.id))
    return (imports.preview if preview else imports.run)(OFFICER, ledger_import, parsed)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _invoice(number: str) -> Invoice:
    return db.session.scalars(select(Invoice).where(Invoice.invoice_number == number)).one()


def test_preview_counts_new_changed_and_unchanged_and_writes_nothing(world):
    _import(table_bytes([ledger_row(1), ledger_row(2)]))
    later = table_bytes([ledger_row(1), ledger_row(2, open_amount="100,00"), ledger_row(3)])
    previewed = _import(later, preview=True)
    assert previewed.state == ImportState.PREVIEWED
    assert (previewed.count_new, previewed.count_changed, previewed.count_unchanged) == (1, 1, 1)
    assert _count(Invoice) == 2
    assert _invoice("1002").open_amount_ore == 23_450


def test_import_creates_customers_and_invoices_from_the_rows(world):
    org = organisation_number()
    done = _import(table_bytes([ledger_row(1), ledger_row(2, customer_id_number=org,
                                                          customer_name="Bygg AB")]))
    assert done.state == ImportState.IMPORTED and done.count_new == 2 and done.rows_total == 2
    invoice = _invoice("1001")
    assert invoice.org_unit_id == world["unit"].id and invoice.category.code == "CHILDCARE"
    assert (invoice.original_amount_ore, invoice.open_amount_ore) == (123_450, 23_450)
    assert invoice.due_date == date(2024, 2, 5) and invoice.collection_stage == "reminder"
    assert invoice.customer.name == "Anna Åkesson" and invoice.customer.kind == "person"
    company = _invoice("1002").customer
    assert company.kind == "organisation" and company.identity_number == "16" + org.replace("-", "")


def test_the_same_file_twice_changes_nothing(world):
    data = table_bytes([ledger_row(n) for n in range(1, 6)])
    _import(data)
    before = [(i.id, i.open_amount_ore) for i in db.session.scalars(select(Invoice).order_by(Invoice.id))]
    again = _import(data)
    assert (again.count_new, again.count_changed, again.count_unchanged) == (0, 0, 5)
    db.session.expire_all()
    assert [(i.id, i.open_amount_ore) for i in db.session.scalars(select(Invoice).order_by(Invoice.id))] == before
    assert _count(Customer) == 5


def test_a_later_file_updates_open_amounts_stages_and_customers_without_duplicates(world):
    _import(table_bytes([ledger_row(1), ledger_row(2)]))
    later = table_bytes([
        ledger_row(1, open_amount="0,00", collection_stage_code="paid"),
        ledger_row(2, collection_stage_code="collection_demand", customer_name="Anna Åkesson-Berg"),
    ])
    done = _import(later)
    assert (done.count_new, done.count_changed, done.count_unchanged) == (0, 2, 0)
    db.session.expire_all()
    assert (_invoice("1001").open_amount_ore, _invoice("1001").collection_stage) == (0, "paid")
    assert _invoice("1002").collection_stage == "collection_demand"
    assert _invoice("1002").customer.name == "Anna Åkesson-Berg"
    assert _count(Invoice) == 2


def test_one_bad_row_imports_nothing_and_every_bad_row_is_listed_in_swedish(world, app):
    rows = [
        ledger_row(1),
        ledger_row(2, open_amount="12,345"),
        ledger_row(3, unit_code="9999"),
        ledger_row(4, category_code="PARKERING"),
        ledger_row(5, collection_stage_code="X9"),
        ledger_row(6),
    ]
    done = _import(table_bytes(rows))
    assert done.state == ImportState.REJECTED
    assert _count(Invoice) == 0 and _count(Customer) == 0
    found = {(e["line"], e["column"], e["code"]) for e in done.errors}
    assert found == {
        (3, "Restbelopp", "invalid_amount"),
        (4, "Enhet", "unknown_unit_code"),
        (5, "Fakturakategori", "unknown_category_code"),
        (6, "Kravsteg", "unknown_collection_stage_code"),
    }
    assert done.count_errors == 4
    by_code = {e["code"]: error_message(e["code"], e["params"]) for e in done.errors}
    assert by_code["unknown_unit_code"] == "Ingen enhet har koden ”9999”."
    assert by_code["unknown_category_code"] == "Ingen fakturakategori har koden ”PARKERING”."
    assert "X9" in by_code["unknown_collection_stage_code"] and "kravstegstabellen" in by_code[
        "unknown_collection_stage_code"]
    assert "inte ett giltigt belopp" in by_code["invalid_amount"]


def test_a_rejected_file_cannot_then_be_imported_but_a_corrected_one_can(world):
    bad = _import(table_bytes([ledger_row(1, unit_code="9999")]), preview=True)
    assert bad.state == ImportState.REJECTED
    with pytest.raises(ValidationFailed):
        imports.run(OFFICER, bad, imports.read_file(imports.import_job(bad)))
    assert _import(table_bytes([ledger_row(1)])).state == ImportState.IMPORTED


def test_an_imported_file_is_not_imported_twice_from_the_same_upload(world):
    done = _import(table_bytes([ledger_row(1)]))
    with pytest.raises(ValidationFailed):
        imports.import_job(done)


def test_the_municipalitys_own_headers_through_a_saved_mapping_and_stage_codes(world, make):
    headers = {"invoice_number": "FAKTNR", "customer_id_number": "ORGNR", "customer_name": "KUNDNAMN",
               "unit_code": "ANSVAR", "category_code": "KATEGORI", "invoice_date": "FAKTURADATUM",
               "due_date": "FORFALLODATUM", "original_amount": "BELOPP_SEK", "open_amount": "REST",
               "collection_stage_code": "KRAVNIVA"}
    mapping = make.mapping("Raindance", headers)
    make.stage_code("INK", "collection_demand")
    row = ledger_row(1, collection_stage_code="ink")
    layout = {**{k: k for k in row}, **headers}
    data = table_bytes([row], layout=layout)
    assert b"FAKTNR" in data and b"Fakturanummer" not in data
    done = _import(data, mapping_id=mapping.id)
    assert done.state == ImportState.IMPORTED, done.errors
    assert done.mapping_name == "Raindance"
    invoice = _invoice("1001")
    assert (invoice.collection_stage, invoice.collection_stage_code) == ("collection_demand", "ink")


def test_windows_1252_files_are_read(world):
    data = table_bytes([ledger_row(1, customer_name="Örjan Ärlig")], encoding="cp1252")
    assert "Ö".encode("cp1252") in data
    _import(data)
    assert _invoice("1001").customer.name == "Örjan Ärlig"


def test_xlsx_files_are_read(world):
    row = ledger_row(1)
    header = ["Reskontra", "Fakturanummer", "Person-/organisationsnummer", "Kundnamn", "Enhet",
              "Fakturakategori", "Fakturadatum", "Förfallodatum", "Fakturabelopp", "Restbelopp"]
    cells = ["raindance", 1001, row["customer_id_number"], "Anna Åkesson", "BOU1", "CHILDCARE",
             date(2024, 1, 5), date(2024, 2, 5), 1234.5, 234.5]
    done = _import(xlsx_bytes(header, [cells]), file_name="reskontra.xlsx")
    assert done.state == ImportState.IMPORTED, done.errors
    invoice = _invoice("1001")
    assert (invoice.original_amount_ore, invoice.open_amount_ore) == (123_450, 23_450)
    assert invoice.collection_stage == "unknown"  # no stage column


def test_payments_are_matched_by_invoice_number_or_ocr_and_never_duplicated(world):
    _import(table_bytes([ledger_row(1), ledger_row(2)]))
    rows = [payment_row(1, ledger_source="raindance"),
            payment_row(1, ledger_source="raindance"),  # the same payment twice is two payments
            payment_row(2, invoice_number="", ocr_reference="10027", amount="100,00")]
    data = payments_bytes(rows)
    done = _import(data, kind="payments", file_name="betalningar.csv")
    assert done.state == ImportState.IMPORTED, done.errors
    assert (done.count_new, done.count_unchanged) == (3, 0)
    again = _import(data, kind="payments", file_name="betalningar.csv")
    assert (again.count_new, again.count_unchanged) == (0, 3)
    assert _count(Payment) == 3
    assert sorted(p.amount_ore for p in _invoice("1001").payments) == [50_000, 50_000]
    assert [p.amount_ore for p in _invoice("1002").payments] == [10_000]


def test_payments_for_unknown_invoices_import_nothing(world):
    _import(table_bytes([ledger_row(1)]))
    rows = [payment_row(1, ledger_source="raindance"), payment_row(9, ledger_source="raindance")]
    done = _import(payments_bytes(rows), kind="payments")
    assert done.state == ImportState.REJECTED
    assert [(e["line"], e["code"]) for e in done.errors] == [(3, "unknown_invoice")]
    assert _count(Payment) == 0


def test_progress_is_written_to_the_import_row_while_reading(world):
    ledger_import = imports.upload(OFFICER, data=table_bytes([ledger_row(n) for n in range(1, 4)]),
                                   file_name="r.csv", kind="ledger", mapping_id=None)
    seen = []
    writer = imports.ProgressWriter(ledger_import.id, interval=0)
    original = writer.write
    writer.write = lambda rows: (original(rows), seen.append(rows))
    imports.read_file(imports.import_job(ledger_import), writer)
    stored = db.session.scalar(select(LedgerImport.rows_read).where(LedgerImport.id == ledger_import.id))
    assert seen and seen[-1] == 3 and stored == 3


def test_upload_preview_and_import_are_in_the_audit_trail(world):
    done = _import(table_bytes([ledger_row(1)]))
    actions = list(db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "ledger_import",
                                        AuditEntry.object_id == str(done.id)).order_by(AuditEntry.id)))
    assert actions == ["ledger_import.upload", "ledger_import.import"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "ledger_import.import")).one()
    assert entry.after["count_new"] == 1 and entry.after["sha256"] == done.sha256
    assert entry.actor_name == "ekonom" and entry.capacity == "finance_officer"


def test_upload_refuses_an_empty_file_and_a_mapping_of_another_kind(world, make):
    payments_mapping = make.mapping("Bank", {"amount": "Summa"}, kind="payments")
    with pytest.raises(ValidationFailed) as failure:
        imports.upload(OFFICER, data=b"", file_name="x.csv", kind="ledger", mapping_id=payments_mapping.id)
    assert set(failure.value.errors) == {"file", "mapping_id"}


def test_the_template_is_the_default_layout_in_swedish_excel_style():
    data = imports.template_csv(imports.ImportKind.LEDGER)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").strip().split(";")[:3] == [
        "Reskontra", "Fakturanummer", "Person-/organisationsnummer"]
