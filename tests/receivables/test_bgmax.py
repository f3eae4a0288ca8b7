"""Bankgirot BgMax payment files: reading and checking the records, importing all or nothing and
idempotently, matching by OCR, matching by hand (audited), settling in the municipality's order
and lowering open amounts until the next ledger file (RULINGS 4, 5, 24).

The files are written by portal.receivables.bgmax.write_bgmax after the record layout in
Bankgirot's technical manual (summarised in /work/shared/research/ledger-formats.md); the reader
was also checked by hand against the public sample in richardolsson/pybgmax (tests/samples), which
is not copied here."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.auth.roles import Role
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.receivables import imports, settlement
from portal.receivables.bgmax import PaymentSpec, parse_bgmax, write_bgmax
from portal.receivables.messages import error_message
from portal.receivables.models import (
    BankPayment,
    ImportState,
    Invoice,
    LedgerImport,
    Payment,
    SettlementOrder,
)
from tests.receivables.builders import ledger_row, payment_row, payments_bytes, table_bytes

OFFICER = Actor(user_id=None, username="ekonom", capacity="finance_officer")
DAY = date(2026, 1, 14)


def _file(*payments: PaymentSpec, **options) -> bytes:
    return write_bgmax([(DAY, list(payments))], **options)


# --- the reader ------------------------------------------------------------------------------------


def test_records_are_80_characters_of_iso_8859_1_and_read_back():
    data = write_bgmax([(DAY, [PaymentSpec(12_345, "10017", payer_name="Åsa Öberg"),
                               PaymentSpec(500, "10027", deduction=True)]),
                        (date(2026, 1, 15), [PaymentSpec(300, "", reference_type=3,
                                                         extra_references=(("10037", 200), ("10047", 100)),
                                                         information="Faktura 1003 och 1004")])])
    lines = data.split(b"\r\n")[:-1]
    assert all(len(line) == 80 for line in lines) and "Åsa".encode("iso-8859-1") in data
    result = parse_bgmax(data)
    assert result.errors == [] and result.deposits == 2
    assert result.identity == "BGMAX 20260115083000123456 P"
    first, deduction, several = result.payments
    assert (first.reference, first.reference_type, first.amount_ore, first.deposit_date) == (
        "10017", "ocr", 12_345, DAY)
    assert first.payer_name == "Åsa Öberg" and first.receiving_bankgiro == "9912346"
    assert deduction.amount_ore == -500 and deduction.deduction
    assert several.extra_references == [("10037", 200), ("10047", 100)]
    assert several.information == ["Faktura 1003 och 1004"] and several.deposit_date == date(2026, 1, 15)


@pytest.mark.parametrize("closing, what", [({"payments": 3}, "payments"), ({"deposits": 2}, "deposits"),
                                           ({"deductions": 1}, "deductions"),
                                           ({"extra_references": 4}, "extra_references")])
def test_a_closing_record_whose_counts_disagree_is_an_error(closing, what, app):
    result = parse_bgmax(_file(PaymentSpec(100, "1"), PaymentSpec(200, "2"), closing=closing))
    assert [(e.code, e.params["what"]) for e in result.errors] == [("bgmax_closing_count", what)]
    assert result.payments == []
    message = error_message("bgmax_closing_count", result.errors[0].params)
    assert message.startswith("Slutposten (TK70) anger antalet") and "filen har" in message


def test_a_deposit_whose_count_or_sum_disagrees_is_an_error(app):
    result = parse_bgmax(_file(PaymentSpec(100, "1"), PaymentSpec(200, "2"),
                               deposit_overrides={0: {"count": 3, "amount": 299}}))
    assert {e.code: e.params for e in result.errors} == {
        "bgmax_deposit_count": {"expected": 3, "found": 2},
        "bgmax_deposit_sum": {"expected": 299, "found": 300}}
    assert "2,99\xa0kr" in error_message("bgmax_deposit_sum", result.errors[1].params)


def test_a_file_cut_short_or_with_a_bad_record_lists_every_problem():
    lines = _file(PaymentSpec(100, "1")).decode("iso-8859-1").split("\r\n")
    cut = "\r\n".join(lines[:3]).encode("iso-8859-1")
    assert {e.code for e in parse_bgmax(cut).errors} == {"bgmax_missing_closing"}
    long_line = "\r\n".join([lines[0], lines[1], lines[2] + "X", *lines[3:]]).encode("iso-8859-1")
    assert [(e.line, e.code) for e in parse_bgmax(long_line).errors][0] == (3, "bgmax_record_too_long")
    bad_amount = "\r\n".join([lines[0], lines[1], lines[2][:40] + "ABC" + lines[2][43:], *lines[3:]])
    codes = [e.code for e in parse_bgmax(bad_amount.encode("iso-8859-1")).errors]
    assert "bgmax_invalid_number" in codes
    assert [e.code for e in parse_bgmax(b"01BGMAX nothing else\r\n").errors] == [
        "bgmax_invalid_opening", "bgmax_missing_closing"]
    assert [e.code for e in parse_bgmax(b"Kundnr;Namn\r\n").errors] == ["not_bgmax"]


def test_unknown_record_codes_are_skipped_as_the_manual_asks():
    lines = _file(PaymentSpec(100, "1")).decode("iso-8859-1").split("\r\n")
    data = "\r\n".join([*lines[:3], "99" + " " * 78, *lines[3:]]).encode("iso-8859-1")
    assert parse_bgmax(data).errors == [] and len(parse_bgmax(data).payments) == 1


# --- importing ---------------------------------------------------------------------------------------


@pytest.fixture
def world(make, frozen_clock):
    committee = make.committee("TFN")
    make.unit(committee, code="BOU1")
    make.category("CHILDCARE", charges_interest=True)
    make.category("VA", charges_interest=True)
    make.reference_rates()
    rows = [ledger_row(n, ocr_reference=f"{1000 + n}7", original_amount="1 000,00", open_amount="1 000,00",
                       due_date="2025-12-31") for n in (1, 2, 3)]
    rows.append(ledger_row(4, category_code="VA", ocr_reference="10047", original_amount="1 000,00",
                           open_amount="1 000,00", due_date="2025-12-31"))
    _import(table_bytes(rows), kind="ledger")


def _import(data: bytes, kind: str = "payments", preview: bool = False) -> LedgerImport:
    ledger_import = imports.upload(OFFICER, data=data, file_name="bgmax.txt", kind=kind, mapping_id=None)
    parsed = imports.read_file(imports.import_job(ledger_import))
    return (imports.preview if preview else imports.run)(OFFICER, ledger_import, parsed)


def _invoice(number: str) -> Invoice:
    db.session.expire_all()
    return db.session.scalars(select(Invoice).where(Invoice.invoice_number == number)).one()


def test_payments_are_matched_by_ocr_and_lower_the_open_amount_marked_as_from_the_bank(world):
    data = _file(PaymentSpec(40_000, "10017"), PaymentSpec(25_000, "99999", payer_name="Okänd Betalare"))
    previewed = _import(data, preview=True)
    assert previewed.state == ImportState.PREVIEWED
    assert (previewed.count_new, previewed.count_unmatched) == (1, 1)
    assert previewed.file_identity == "BGMAX 20260115083000123456 P"
    assert _invoice("1001").open_amount_ore == 100_000  # a preview writes nothing
    done = _import(data)
    assert done.state == ImportState.IMPORTED
    invoice = _invoice("1001")
    assert (invoice.open_amount_ore, invoice.open_amount_source) == (60_000, "bank")
    assert [(p.amount_ore, p.source, p.payment_date) for p in invoice.payments] == [(40_000, "bank", DAY)]
    matched = db.session.scalars(select(BankPayment).where(BankPayment.invoice_id == invoice.id)).one()
    assert matched.matched_by == "ocr" and matched.settlement["capital"] == 40_000
    unmatched = db.session.scalars(select(BankPayment).where(BankPayment.invoice_id.is_(None))).one()
    assert (unmatched.reference, unmatched.payer_name) == ("99999", "Okänd Betalare")


def test_the_same_file_again_changes_nothing(world):
    data = _file(PaymentSpec(40_000, "10017"), PaymentSpec(25_000, "99999"))
    _import(data)
    again = _import(data)
    assert again.state == ImportState.IMPORTED
    assert (again.count_new, again.count_unmatched, again.count_unchanged) == (0, 0, 2)
    assert _invoice("1001").open_amount_ore == 60_000
    assert db.session.scalar(select(func.count()).select_from(BankPayment)) == 2
    assert imports.earlier_imports(again)  # the page says the file was imported before


def test_a_file_with_a_disagreeing_closing_record_imports_nothing(world):
    done = _import(_file(PaymentSpec(40_000, "10017"), closing={"payments": 2}))
    assert done.state == ImportState.REJECTED
    assert [e["code"] for e in done.errors] == ["bgmax_closing_count"]
    assert _invoice("1001").open_amount_ore == 100_000
    assert db.session.scalar(select(func.count()).select_from(BankPayment)) == 0


def test_the_next_ledger_file_replaces_a_bank_lowered_open_amount(world):
    _import(_file(PaymentSpec(40_000, "10017")))
    _import(table_bytes([ledger_row(1, ocr_reference="10017", original_amount="1 000,00",
                                    open_amount="650,00", due_date="2025-12-31")]), kind="ledger")
    invoice = _invoice("1001")
    assert (invoice.open_amount_ore, invoice.open_amount_source) == (65_000, None)


def test_a_payment_in_both_the_bank_file_and_a_payments_file_is_counted_once(world):
    _import(_file(PaymentSpec(40_000, "10017")))
    rows = [payment_row(1, ledger_source="raindance", payment_date=DAY.isoformat(), amount="400,00")]
    later = _import(payments_bytes(rows))
    assert (later.count_new, later.count_unchanged) == (0, 1)
    assert len(_invoice("1001").payments) == 1
    # ... and the other way round: the payments file first, then the bank file.
    _import(payments_bytes([payment_row(2, ledger_source="raindance", payment_date=DAY.isoformat(),
                                        amount="300,00")]))
    _import(_file(PaymentSpec(30_000, "10027", bank_serial="260114000777"), timestamp="20260116083000000000"))
    invoice = _invoice("1002")
    assert len(invoice.payments) == 1 and invoice.open_amount_ore == 100_000
    bank = db.session.scalars(select(BankPayment).where(BankPayment.invoice_id == invoice.id)).one()
    assert bank.settlement == {"counted_before": True}


def test_a_payment_with_several_references_pays_each_invoice(world):
    _import(_file(PaymentSpec(30_000, "", reference_type=3, extra_references=(("10027", 20_000), ("10037", 10_000)))))
    assert (_invoice("1002").open_amount_ore, _invoice("1003").open_amount_ore) == (80_000, 90_000)


def test_settlement_follows_the_municipalitys_order_and_a_categorys_override(world, make):
    # Interest has run since 2025-12-31 at 2,00 % + 8 points: a little over 3 kr on 1 000 kr by 14 January.
    interest = settlement.rules.late_interest(100_000, date(2025, 12, 31), DAY,
                                              settlement._reference_rates()).total_ore
    assert interest > 0
    va = db.session.scalars(select(Invoice).where(Invoice.invoice_number == "1004")).one().category
    db.session.add(SettlementOrder(category_id=None, settlement_order="interest,fees,capital"))
    db.session.add(SettlementOrder(category_id=va.id, settlement_order="capital,interest,fees"))
    db.session.flush()
    _import(_file(PaymentSpec(10_000, "10017"), PaymentSpec(10_000, "10047")))
    municipality, category = _invoice("1001"), _invoice("1004")
    assert municipality.open_amount_ore == 100_000 - (10_000 - interest)  # interest first
    assert category.open_amount_ore == 90_000  # capital first, as the category says
    settled = db.session.scalars(select(BankPayment).where(BankPayment.invoice_id == municipality.id)).one()
    assert settled.settlement["interest"] == interest and settled.settlement["order"] == "interest,fees,capital"


def test_an_overpayment_leaves_a_credit_balance(world):
    _import(_file(PaymentSpec(150_000, "10017")))
    invoice = _invoice("1001")
    bank = db.session.scalars(select(BankPayment).where(BankPayment.invoice_id == invoice.id)).one()
    assert bank.settlement["capital"] == 100_000 and bank.settlement["unallocated"] > 0
    assert invoice.open_amount_ore == -bank.settlement["unallocated"]


# --- matching by hand ----------------------------------------------------------------------------


@pytest.fixture
def people(make, world):
    make.user("ekonom", Role.FINANCE_OFFICER, full_name="Eva Ekonom")
    make.user("revisor", Role.AUDITOR)
    make.user("handlaggare", Role.CASE_OFFICER)
    _import(_file(PaymentSpec(25_000, "99999", payer_name="Okänd Betalare", information="avser faktura 1003")))
    db.session.commit()
    return db.session.scalars(select(BankPayment)).one()


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_an_unmatched_payment_is_listed_and_matched_by_hand_with_the_customers_direction(client, people):
    client.login("ekonom")
    page = _text(client.get("/import/bankbetalningar/"))
    assert "Okänd Betalare" in page and "avser faktura 1003" in page and "250,00" in page
    prefix = f"p{people.id}"
    response = client.post_form(f"/import/bankbetalningar/{people.id}", {
        f"{prefix}-invoice": "1003", f"{prefix}-direction": "capital,interest,fees"})
    assert response.status_code == 303
    invoice = _invoice("1003")
    assert (invoice.open_amount_ore, invoice.open_amount_source) == (75_000, "bank")
    db.session.expire_all()
    matched = db.session.get(BankPayment, people.id)
    assert (matched.matched_by, matched.direction) == ("hand", "capital,interest,fees")
    assert matched.matched_by_user.username == "ekonom"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "bank_payment.match")).one()
    assert entry.after["invoice_number"] == "1003" and entry.after["direction"] == "capital,interest,fees"
    assert entry.before == {"open_amount_ore": 100_000} and entry.actor_name == "ekonom"
    page = _text(client.get("/import/bankbetalningar/"))
    assert "Ingen bankbetalning väntar" in page and "Matchade för hand" in page
    assert "kapital, ränta, indrivningskostnader" in page
    # Matched once: posting again changes nothing.
    again = client.post_form(f"/import/bankbetalningar/{people.id}", {f"{prefix}-invoice": "1002"})
    assert again.status_code == 422 and "redan matchad" in _text(again)
    assert _invoice("1002").open_amount_ore == 100_000


def test_matching_by_hand_names_a_bad_invoice_and_changes_nothing(client, people):
    client.login("ekonom")
    prefix = f"p{people.id}"
    response = client.post_form(f"/import/bankbetalningar/{people.id}", {f"{prefix}-invoice": "NOPE"})
    assert response.status_code == 422 and "Ingen faktura har nummer eller OCR-nummer NOPE." in _text(response)
    bad_order = client.post_form(f"/import/bankbetalningar/{people.id}", {
        f"{prefix}-invoice": "1003", f"{prefix}-direction": "interest,interest,fees"})
    assert bad_order.status_code == 422
    db.session.expire_all()
    assert db.session.get(BankPayment, people.id).invoice_id is None
    assert _invoice("1003").open_amount_ore == 100_000


def test_only_the_finance_officer_matches_and_the_auditor_reads(client, app, people):
    client.login("revisor")
    page = _text(client.get("/import/bankbetalningar/"))
    assert "Okänd Betalare" in page and f"p{people.id}-invoice" not in page
    assert client.post_form(f"/import/bankbetalningar/{people.id}", {f"p{people.id}-invoice": "1003"}).status_code == 403
    officer = app.test_client()
    officer.login("handlaggare")
    assert officer.get("/import/bankbetalningar/").status_code == 403
    db.session.expire_all()
    assert db.session.get(BankPayment, people.id).invoice_id is None


def test_match_by_hand_service_refuses_an_unknown_direction(people):
    with pytest.raises(ValidationFailed) as failure:
        settlement.match_by_hand(OFFICER, people, invoice_text="1003", direction="fees")
    assert set(failure.value.errors) == {"direction"}


def test_a_bank_file_uploaded_in_the_browser_is_recognised_and_previewed(client, people):
    client.login("ekonom")
    data = _file(PaymentSpec(10_000, "10027", bank_serial="260114000555"), timestamp="20260120101010000000")
    response = client.post_form("/import/", {"kind": "payments", "mapping_id": "",
                                             "file": (io.BytesIO(data), "bgmax.txt")})
    url = response.location
    page = _text(client.post_form(f"{url}/forhandsgranska", {}, follow_redirects=True))
    assert "En bankfil (BgMax) med identiteten BGMAX 20260120101010000000 P." in page
    assert re.search(r'id="count-new">1<', page)
    closing = _file(PaymentSpec(10_000, "10027"), timestamp="20260120111111000000", closing={"deposits": 3})
    response = client.post_form("/import/", {"kind": "payments", "mapping_id": "",
                                             "file": (io.BytesIO(closing), "bgmax2.txt")})
    page = _text(client.post_form(f"{response.location}/forhandsgranska", {}, follow_redirects=True))
    assert "Slutposten (TK70) anger antalet insättningar (TK15) till 3; filen har 1." in page


def test_the_settlement_order_is_kept_by_the_finance_director_on_the_reference_page(client, app, make, people):
    make.user("ekonomichef", Role.FINANCE_DIRECTOR)
    db.session.commit()
    client.login("ekonomichef")
    response = client.post_form("/referensdata/avrakningsordning", {
        "category_id": "", "settlement_order": "capital,fees,interest"})
    assert response.status_code in (200, 303)
    page = _text(client.get("/referensdata/"))
    assert "Hela kommunen" in page and "kapital, indrivningskostnader, ränta" in page
    twice = client.post_form("/referensdata/avrakningsordning", {"category_id": "", "settlement_order": "fees,capital,interest"})
    assert twice.status_code == 422 and "redan angiven" in _text(twice)
    assert settlement.order_for(None) == "capital,fees,interest"
    officer = app.test_client()
    officer.login("ekonom")
    refused = officer.post_form("/referensdata/avrakningsordning", {"category_id": "", "settlement_order": "fees,capital,interest"})
    assert refused.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(SettlementOrder)) == 1
