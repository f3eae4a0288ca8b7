"""The ledger import writes exactly what it wrote before it was made fast (issue 14).

A generated set of files (a few thousand rows: every identity form, amount and date form, stage
codes by the common table and by a mapping's own, credit-balance warnings, a saved mapping with
constants, defaults, a derived open amount and value tables, changed and unchanged rows, a file
with over a thousand bad rows) is previewed and imported in turn. The database afterwards, the
customers and invoices in insertion order, every import's outcome and every audit entry, is
digested and compared with the digests the earlier import code (main at fd9f618, before the bulk
rewrite) produced from the same files, on SQLite and on PostgreSQL alike. Ids are written as the
natural keys they stand for, so the digests do not depend on the sequences other tests moved.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.extensions import db
from portal.money import format_amount
from portal.org.models import OrgUnit
from portal.receivables import imports
from portal.receivables.identity import luhn_check_digit
from portal.receivables.ledger_parse import DEFAULT_LEDGER_LAYOUT
from portal.receivables.models import (
    CollectionStageCode,
    Customer,
    Invoice,
    InvoiceCategory,
    LedgerImport,
    LedgerMapping,
)
from tests.receivables.builders import table_bytes

OFFICER = Actor(user_id=None, username="ekonom", capacity="finance_officer")

# What the import code before the rewrite left in the database (see the module's docstring).
EXPECTED = {
    "customers": "c78124dc8d20547b622879016f073b0fd30d74ebe11c4dad14be24bc67f57373",
    "invoices": "c80e9dbe7a644be3bd51952ad874cff16185a93d1f71b6fc86c1c8565cae8242",
    "imports": "ea708c5822a6c3ef4f3b4cbb294709f7a495837f10e4dadb6de203afb5d45981",
    "audit": "43d96eb3c4781c2d32cd20a86cb89fd72aa61133dcdad1483cb90e20053024c7",
}

_STAGES = ["", "P1", "p1 ", "INK", "KFM", "reminder", "LTB"]


def _identity(rng: random.Random, n: int) -> str:
    """Every written form of an identity number the ledger may use."""
    form = n % 6
    if form == 5:  # an organisation, with or without its 16 prefix and dash
        body = f"{rng.choice('2589')}{rng.randint(0, 9)}{rng.randint(2, 9)}{rng.randint(0, 999999):06d}"
        number = body + luhn_check_digit(body)
        return rng.choice([f"{number[:6]}-{number[6:]}", number, f"16{number}"])
    born = date(1930, 1, 1) + timedelta(days=rng.randint(0, 30_000))
    day = born.day + (60 if form == 4 else 0)  # a samordningsnummer
    body = f"{born:%y%m}{day:02d}{rng.randint(0, 999):03d}"
    full = f"{born:%Y%m}{day:02d}{body[6:]}{luhn_check_digit(body)}"
    return [f"{full[:8]}-{full[8:]}", full, f"{full[2:8]}-{full[8:]}", full[2:], full][form]


def _amount(rng: random.Random, ore: int) -> str:
    kronor, rest = divmod(abs(ore), 100)
    sign = "-" if ore < 0 else ""
    return rng.choice([
        format_amount(ore),
        f"{sign}{kronor}.{rest:02d}",
        f"{sign}{kronor},{rest:02d}",
        f"{kronor},{rest:02d}-" if ore < 0 else f"{kronor},{rest:02d} kr",
        f"{sign}{kronor}" if rest == 0 else f"{sign}{kronor},{rest:02d}",
    ])  # fmt: skip


def _rows(rng: random.Random, count: int, first: int, customers: list[tuple]) -> list[dict]:
    rows = []
    for n in range(first, first + count):
        identity, name = customers[rng.randrange(len(customers))]
        invoice_date = date(2021, 1, 1) + timedelta(days=rng.randrange(1500))
        original = rng.randint(100, 2_000_000)
        shape = rng.random()
        open_ = (original if shape < 0.6 else rng.randint(0, original) if shape < 0.9
                 else -rng.randint(1, 50_000) if shape < 0.95 else original + rng.randint(1, 9_999))
        due = rng.choice([
            (invoice_date + timedelta(days=30)).isoformat(),
            (invoice_date + timedelta(days=30)).strftime("%Y%m%d"),
            "1799-12-31", "", f"{(invoice_date + timedelta(days=20)).isoformat()} 00:00:00",
        ])  # fmt: skip
        rows.append({
            "ledger_source": rng.choice(["raindance", "raindance", "agresso", ""]),
            "invoice_number": f"F{100_000 + n}",
            "customer_id_number": identity,
            "customer_name": name if rng.random() < 0.9 else f" {name} ",
            "customer_address": rng.choice(["Storgatan 1", "Box 12", "", "Ågatan 3 B"]),
            "customer_postcode": rng.choice(["645 30", "64530", ""]),
            "customer_city": rng.choice(["Strängnäs", "Mariefred", ""]),
            "unit_code": f"U{rng.randrange(6)}",
            "category_code": f"C{rng.randrange(4)}",
            "invoice_date": rng.choice([invoice_date.isoformat(), invoice_date.strftime("%Y%m%d")]),
            "due_date": due,
            "original_amount": _amount(rng, original),
            "open_amount": _amount(rng, open_),
            "collection_stage_code": rng.choice(_STAGES),
            "ocr_reference": rng.choice([f"{100_000 + n}{n % 10}", ""]),
        })  # fmt: skip
    return rows


def _customers(rng: random.Random, count: int) -> list[tuple]:
    return [(_identity(rng, n), f"Kund {n} {rng.choice(['Åkesson', 'Berg', 'Öman AB'])}")
            for n in range(count)]


def _import(data: bytes, *, mapping_id: int | None = None, preview: bool = False) -> LedgerImport:
    ledger_import = imports.upload(OFFICER, data=data, file_name="reskontra.csv", kind="ledger",
                                   mapping_id=mapping_id)
    parsed = imports.read_file(imports.import_job(ledger_import),
                               imports.ProgressWriter(ledger_import.id))
    return (imports.preview if preview else imports.run)(OFFICER, ledger_import, parsed)


def _plain(value):
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _digest(lines: list) -> str:
    text = "\n".join(json.dumps(line, sort_keys=True, ensure_ascii=False, default=str) for line in lines)
    return hashlib.sha256(text.encode()).hexdigest()


def _database() -> dict[str, str]:
    """The database's import results, ids written as the keys they stand for."""
    customers = Customer.__table__
    invoices = Invoice.__table__
    identity_of = dict(db.session.execute(select(customers.c.id, customers.c.identity_number)).all())
    unit_of = dict(db.session.execute(select(OrgUnit.id, OrgUnit.code)).all())
    category_of = dict(db.session.execute(select(InvoiceCategory.id, InvoiceCategory.code)).all())
    import_ids = [i for (i,) in db.session.execute(select(LedgerImport.id).order_by(LedgerImport.id))]
    import_of = {import_id: n for n, import_id in enumerate(import_ids)}
    customer_lines = [
        {name: _plain(value) for name, value in row._mapping.items() if name != "id"}
        for row in db.session.execute(select(customers).order_by(customers.c.id))
    ]
    invoice_lines = []
    for row in db.session.execute(select(invoices).order_by(invoices.c.id)):
        line = {name: _plain(value) for name, value in row._mapping.items() if name != "id"}
        line["customer_id"] = identity_of[line["customer_id"]]
        line["org_unit_id"] = unit_of[line["org_unit_id"]]
        line["category_id"] = category_of[line["category_id"]]
        invoice_lines.append(line)
    import_lines = []
    skip = {"id", "mapping_id", "uploaded_by_id", "imported_by_id"}
    for item in db.session.scalars(select(LedgerImport).order_by(LedgerImport.id)):
        import_lines.append({column.name: _plain(getattr(item, column.key))
                             for column in LedgerImport.__table__.columns if column.name not in skip})
    audit_lines = []
    for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "ledger_import")
                                    .order_by(AuditEntry.id)):
        audit_lines.append({"action": entry.action, "object": import_of[int(entry.object_id)],
                            "actor": entry.actor_name, "capacity": entry.capacity,
                            "before": entry.before, "after": entry.after,
                            "at": _plain(entry.occurred_at)})
    return {"customers": _digest(customer_lines), "invoices": _digest(invoice_lines),
            "imports": _digest(import_lines), "audit": _digest(audit_lines)}


@pytest.fixture
def world(make, frozen_clock):
    committee = make.committee("BEN", name="Bänknämnden")
    for n in range(6):
        make.unit(committee, code=f"U{n}", name=f"Enhet {n}")
    for n in range(4):
        make.category(f"C{n}", name=f"Kategori {n}")
    make.category("VA", name="Vatten")
    for code, stage in {"p1": "reminder", "ink": "collection_demand", "kfm": "payment_order",
                        "ltb": "long_term_monitoring"}.items():
        db.session.add(CollectionStageCode(code=code, stage=stage))
    db.session.flush()


def test_imports_write_what_the_earlier_code_wrote(world):
    rng = random.Random(14)
    customers = _customers(rng, 700)
    first = _rows(rng, 2_500, 0, customers)
    _import(table_bytes(first), preview=True)
    _import(table_bytes(first))

    # Changed amounts, stages and customers' addresses, new rows and rows no longer in the file.
    second = [dict(row) for row in first[200:]]
    for row in second[::7]:
        row["open_amount"] = _amount(rng, rng.randint(-1_000, 100_000))
    for row in second[::11]:
        row["collection_stage_code"] = "KFM"
        row["customer_address"] = "Nya vägen 9"
    second += _rows(rng, 600, 5_000, customers + _customers(random.Random(15), 100))
    _import(table_bytes(second), preview=True)
    _import(table_bytes(second))
    _import(table_bytes(second))  # the same file again: all unchanged

    # A saved mapping: own headers, constants, defaults, the open amount derived from the paid
    # amount written negative, the mapping's own stage and category tables.
    headers = {"invoice_number": "Verifikat", "customer_id_number": "Kundid", "customer_name": "Namn",
               "unit_code": "Ansvar", "category_code": "Ansvar", "paid_amount": "Betalt",
               "original_amount": "Belopp", "collection_stage_code": "Steg"}
    mapping = LedgerMapping(
        name="Agresso", kind="ledger", columns=headers, paid_sign="negative",
        constants={"ledger_source": "agresso"}, defaults={"customer_city": "Strängnäs",
                                                            "due_date": "2026-12-31"},
        stage_codes={"R": "reminder", "X": "enforcement"}, category_codes={"U1": "VA", "U2": "C2"})
    db.session.add(mapping)
    db.session.flush()
    layout = {**DEFAULT_LEDGER_LAYOUT, **headers}
    layout.pop("open_amount")
    layout.pop("ledger_source")
    layout.pop("category_code")
    mapped = []
    for row in _rows(rng, 1_200, 9_000, customers):
        paid = -rng.randint(0, 1_000_000) if rng.random() < 0.7 else 0
        mapped.append({
            "invoice_number": row["invoice_number"], "customer_id_number": row["customer_id_number"],
            "customer_name": row["customer_name"], "customer_address": row["customer_address"],
            "customer_postcode": row["customer_postcode"], "customer_city": row["customer_city"],
            "unit_code": rng.choice(["U1", "U2"]), "invoice_date": row["invoice_date"],
            "due_date": row["due_date"], "original_amount": row["original_amount"],
            "paid_amount": _amount(rng, paid) if paid else "", "collection_stage_code": rng.choice(["R", "X", "P1", ""]),
            "ocr_reference": row["ocr_reference"],
        })  # fmt: skip
    _import(table_bytes(mapped, layout), mapping_id=mapping.id)

    # Over a thousand bad rows among good ones: every kind of error, all or nothing.
    bad = _rows(rng, 2_600, 20_000, customers)
    for n, row in enumerate(bad[::2]):
        kind = n % 8
        if kind == 0:
            row["original_amount"] = "12,345"
        elif kind == 1:
            row["unit_code"] = f"X{n % 5}"
        elif kind == 2:
            row["invoice_number"] = bad[0]["invoice_number"]
            row["ledger_source"] = bad[0]["ledger_source"]
        elif kind == 3:
            row["customer_id_number"] = "19850612-1235"
        elif kind == 4:
            row["customer_name"] = ""
        elif kind == 5:
            row["invoice_date"] = "2024-02-30"
        elif kind == 6:
            row["collection_stage_code"] = f"Q{n % 3}"
            row["category_code"] = "NOPE"
        else:
            row["open_amount"] = "abc"
            row["due_date"] = "31/12/2024"
    _import(table_bytes(bad), preview=True)
    _import(table_bytes(bad))
    db.session.flush()
    assert _database() == EXPECTED
