"""Customer search answers from indexes and gives the same customers on SQLite and PostgreSQL: names by
trigrams (pg_trgm GIN / FTS5), identity numbers by equality on their unique index, invoices by number
and OCR reference; each its own query, never an identity number OR-ed with a LIKE."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select, text

from portal.extensions import db
from portal.receivables import imports, queries
from portal.receivables.models import Customer
from tests.receivables.builders import ledger_row, organisation_number, table_bytes

TODAY = date(2026, 11, 23)


@pytest.fixture
def people(make):
    unit = make.unit(make.committee("SN"), code="BOU1")
    care = make.category("CHILDCARE")
    asa = make.customer("Åsa Öberg", identity_number=make.person_number(date(1942, 3, 14), 123))
    berg = make.customer("Bengt Berg")
    lind = make.customer("ÖBERG-LIND, KARIN")
    odd = make.customer("Procent 100%_Ab")
    company = make.customer("Kommunbolaget AB", kind="organisation",
                            identity_number="16" + organisation_number("556036079").replace("-", ""))
    make.invoice(berg, unit, care, number="D1000042", ocr="100004217")
    for n in range(60):
        make.customer(f"Anna Andersson {n:02d}")
    return {"asa": asa, "berg": berg, "lind": lind, "odd": odd, "company": company}


def _search(q: str) -> list[str]:
    return [c.name for c in queries.search_customers(q, TODAY)]


def test_names_are_found_by_any_part_whatever_the_case(app, people):
    assert _search("åsa") == _search("ÅSA") == ["Åsa Öberg"]
    assert _search("öberg") == ["Åsa Öberg", "ÖBERG-LIND, KARIN"]
    assert _search("berg") == ["Bengt Berg", "Åsa Öberg", "ÖBERG-LIND, KARIN"]
    assert _search("rg-li") == ["ÖBERG-LIND, KARIN"]
    assert _search("0%_ab") == ["Procent 100%_Ab"] and _search("t 1") == ["Procent 100%_Ab"]
    assert _search("0_a") == _search("%ab") == []  # % and _ are the characters themselves
    assert _search('"') == [] and _search("ab'") == []
    assert _search("ö") == [] and _search("öb") == []  # a name needs three characters


def test_at_most_fifty_by_name_the_same_on_both_databases(app, people):
    found = _search("andersson")
    assert len(found) == 50 and found == sorted(found) and found[0] == "Anna Andersson 00"


def test_identity_numbers_invoices_and_ocr_numbers_are_found_exactly(app, people):
    asa, company = people["asa"], people["company"]
    assert _search(f"{asa.identity_number[:8]}-{asa.identity_number[8:]}") == ["Åsa Öberg"]
    assert _search(asa.identity_number[2:]) == ["Åsa Öberg"]  # ten digits
    assert _search(asa.identity_number[:8]) == ["Åsa Öberg"]  # the first digits
    assert _search(company.identity_number[2:8] + "-" + company.identity_number[8:]) == ["Kommunbolaget AB"]
    assert _search(company.identity_number) == ["Kommunbolaget AB"]
    assert _search("D1000042") == ["Bengt Berg"] and _search("100004217") == ["Bengt Berg"]
    assert _search("1000042") == []  # an invoice number is matched whole


def test_an_identity_number_is_never_or_ed_with_a_name_search(app, people):
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        asa = people["asa"]
        assert _search(f"{asa.identity_number[:8]}-{asa.identity_number[8:]}") == ["Åsa Öberg"]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    by_identity = [s for s in statements if "identity_number =" in s]
    assert by_identity and all("LIKE" not in s and "MATCH" not in s and " OR " not in s for s in by_identity)
    assert not any("LIKE" in s or "MATCH" in s for s in statements)  # digits are no name


def test_the_name_search_uses_its_index(app, people):
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(str(row[-1]) for row in db.session.execute(text(
            "EXPLAIN QUERY PLAN SELECT rowid FROM customers_name_search WHERE customers_name_search MATCH '\"berg\"'")))
        assert "VIRTUAL TABLE INDEX" in plan
        return
    db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table would be read whole
    # A common name's first customers are read in name order from the (name, id) index alone ...
    plan = " ".join(row[0] for row in db.session.execute(text(
        "EXPLAIN SELECT id FROM customers WHERE lower(name) LIKE '%berg%' ORDER BY name, id LIMIT 50")))
    assert "ix_customers_name_id" in plan
    # ... and without that path (on a table this small the planner takes it for anything) the
    # trigram index answers the name.
    savepoint = db.session.begin_nested()
    db.session.execute(text("DROP INDEX ix_customers_name_id"))
    plan = " ".join(row[0] for row in db.session.execute(text(
        "EXPLAIN SELECT id FROM customers WHERE lower(name) LIKE '%berg%'")))
    savepoint.rollback()
    assert "ix_customers_name_trgm" in plan
    plan = " ".join(row[0] for row in db.session.execute(text(
        "EXPLAIN SELECT id FROM customers WHERE identity_number = '194203141234'")))
    assert "Index" in plan and "identity_number" in plan


def test_renamed_removed_and_imported_customers_are_searched_by_their_present_names(app, make, people):
    lind = people["lind"]
    lind.name = "Karin Lindqvist"
    db.session.flush()
    assert _search("lindqvist") == ["Karin Lindqvist"] and _search("rg-li") == []
    db.session.delete(people["odd"])
    db.session.flush()
    assert _search("procent") == []
    from portal.audit.services import SYSTEM

    ledger_import = imports.upload(SYSTEM, data=table_bytes([ledger_row(1, customer_name="Zäta Importsson")]),
                                   file_name="r.csv", kind="ledger", mapping_id=None)
    parsed = imports.read_file(imports.import_job(ledger_import))
    imports.run(SYSTEM, ledger_import, parsed)
    assert _search("importsson") == ["Zäta Importsson"]
    assert db.session.scalars(select(Customer.name).where(Customer.name == "Zäta Importsson")).one()


def test_every_written_form_of_a_personnummer_finds_the_same_customer_in_one_statement(app, people):
    asa = people["asa"]
    number = asa.identity_number  # 12 digits, as stored
    forms = [number, f"{number[:8]}-{number[8:]}", number[2:], f"{number[2:8]}-{number[8:]}",
             f"  {number[:8]}-{number[8:]} "]
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        for form in forms:
            assert _search(form) == ["Åsa Öberg"], form
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert len(statements) == len(forms)  # one statement a search, whatever its parts
    assert _search(number[:-1] + str((int(number[-1]) + 1) % 10)) == []  # another number finds no one
