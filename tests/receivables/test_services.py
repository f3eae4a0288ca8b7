"""Reference tables, mappings, the customer view log and interest to a day, against the database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal import clock
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.receivables import queries, rules, services
from portal.receivables.models import CustomerView

DIRECTOR = Actor(user_id=None, username="ekonomichef", capacity="finance_director")


def test_a_reference_rate_is_read_in_percent_and_stored_in_basis_points(app):
    rate = services.rate_save(DIRECTOR, None, half_year_start=date(2025, 1, 1), rate_text="2,50",
                              confirmed=False, note="Källorna skiljer sig")
    assert rate.rate_bp == 250 and rate.confirmed is False
    services.rate_save(DIRECTOR, rate, half_year_start=date(2025, 1, 1), rate_text="3.00 %",
                       confirmed=True, note=None)
    assert rate.rate_bp == 300 and rate.confirmed is True
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "reference_rate")
                                 .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["reference_rate.create", "reference_rate.update"]
    assert entries[1].before["rate_bp"] == 250 and entries[1].after["rate_bp"] == 300


@pytest.mark.parametrize("start, text, field", [
    (date(2025, 2, 1), "2,50", "half_year_start"),
    (None, "2,50", "half_year_start"),
    (date(2025, 7, 1), "två", "rate"),
    (date(2025, 7, 1), "2,505", "rate"),
    (date(2025, 7, 1), "75", "rate"),
])
def test_a_reference_rate_needs_a_half_year_and_a_sane_rate(app, start, text, field):
    with pytest.raises(ValidationFailed) as failure:
        services.rate_save(DIRECTOR, None, half_year_start=start, rate_text=text, confirmed=False, note=None)
    assert field in failure.value.errors


def test_one_rate_per_half_year(app, make):
    make.reference_rates({date(2026, 1, 1): 200})
    with pytest.raises(ValidationFailed) as failure:
        services.rate_save(DIRECTOR, None, half_year_start=date(2026, 1, 1), rate_text="2,00",
                           confirmed=True, note=None)
    assert failure.value.errors == {"half_year_start": "Halvåret har redan en referensränta."}


def test_fees_are_kept_in_ore_from_a_date_and_once_per_kind_and_date(app):
    fee = services.fee_save(DIRECTOR, None, kind="collection_demand", amount_text="180,00",
                            valid_from=date(2024, 1, 1))
    assert fee.amount_ore == 18_000
    with pytest.raises(ValidationFailed) as failure:
        services.fee_save(DIRECTOR, None, kind="collection_demand", amount_text="190",
                          valid_from=date(2024, 1, 1))
    assert "valid_from" in failure.value.errors
    with pytest.raises(ValidationFailed) as failure:
        services.fee_save(DIRECTOR, None, kind="parking", amount_text="-1", valid_from=None)
    assert set(failure.value.errors) == {"kind", "amount", "valid_from"}


def test_category_codes_are_unique_and_the_time_bar_is_in_years(app, make):
    make.category("VA")
    with pytest.raises(ValidationFailed) as failure:
        services.category_save(DIRECTOR, None, code="VA", name="VA igen", charges_interest=True,
                               time_bar_years=0, appealable=False)
    assert set(failure.value.errors) == {"code", "time_bar_years"}
    category = services.category_save(DIRECTOR, None, code="LSS", name="LSS", charges_interest=False,
                                      time_bar_years=3, appealable=True)
    assert (category.charges_interest, category.appealable) == (False, True)


def test_stage_codes_are_stored_casefolded_and_once(app):
    code = services.stage_code_save(DIRECTOR, None, code=" Ink ", stage="collection_demand")
    assert code.code == "ink"
    with pytest.raises(ValidationFailed) as failure:
        services.stage_code_save(DIRECTOR, None, code="INK", stage="reminder")
    assert "code" in failure.value.errors
    with pytest.raises(ValidationFailed) as failure:
        services.stage_code_save(DIRECTOR, None, code="paid", stage="nonsense")
    assert set(failure.value.errors) == {"code", "stage"}
    services.stage_code_delete(DIRECTOR, code)
    assert db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "stage_code").order_by(AuditEntry.id)).all() == ["stage_code.create", "stage_code.delete"]


def test_a_mapping_keeps_only_given_headers_of_known_fields(app):
    mapping = services.mapping_save(DIRECTOR, None, name="Unit4", kind="ledger", columns={
        "invoice_number": "  voucher_no ", "open_amount": "rest_amount", "due_date": "",
        "not_a_field": "x"})
    assert mapping.columns == {"invoice_number": "voucher_no", "open_amount": "rest_amount"}
    with pytest.raises(ValidationFailed) as failure:
        services.mapping_save(DIRECTOR, None, name="Unit4", kind="ledger",
                              columns={"invoice_number": "Nr"})
    assert set(failure.value.errors) == {"name"}


def test_one_header_may_feed_two_fields(app):
    mapping = services.mapping_save(DIRECTOR, None, name="Ansvar två gånger", kind="ledger",
                                    columns={"unit_code": "Ansvar", "category_code": "ANSVAR"})
    assert mapping.columns == {"unit_code": "Ansvar", "category_code": "ANSVAR"}


def test_every_customer_view_is_logged_with_who_and_when(app, make, frozen_clock):
    viewer = make.user("hanna")
    customer = make.customer("Åsa Öberg")
    actor = Actor(user_id=viewer.id, username="hanna", capacity="case_officer", address="10.0.0.1")
    services.customer_view_log(actor, customer)
    services.customer_view_log(actor, customer)
    views = db.session.scalars(select(CustomerView)).all()
    assert len(views) == 2
    assert {(v.user_id, v.customer_id, v.capacity, v.address) for v in views} == {
        (viewer.id, customer.id, "case_officer", "10.0.0.1")}
    assert clock.local(views[0].viewed_at) == frozen_clock.instant  # SQLite drops the zone


@pytest.fixture
def debt_world(make):
    unit = make.unit(make.committee("SN"), code="3110")
    return {"unit": unit, "care": make.category("HEMTJ"), "free": make.category("LSS", charges_interest=False)}


def test_interest_to_a_day_is_rules_late_interest_on_the_open_amount(app, make, debt_world):
    make.reference_rates()
    customer = make.customer()
    invoice = make.invoice(customer, debt_world["unit"], debt_world["care"], due_date=date(2025, 10, 31),
                           original_ore=1_000_000)
    debts = queries.customer_debts(customer, date(2026, 3, 31))
    expected = rules.late_interest(1_000_000, date(2025, 10, 31), date(2026, 3, 31),
                                   queries.reference_rates()).total_ore
    assert debts.lines[0].invoice.id == invoice.id
    assert debts.interest_ore == debts.lines[0].interest_ore == expected > 0
    assert debts.open_ore == 1_000_000


def test_payments_after_the_due_date_bear_interest_until_they_are_made(app, make, debt_world):
    make.reference_rates()
    customer = make.customer()
    invoice = make.invoice(customer, debt_world["unit"], debt_world["care"], due_date=date(2026, 1, 31),
                           original_ore=200_000, open_ore=100_000)
    make.payment(invoice, date(2026, 3, 2), 100_000)
    line = queries.customer_debts(customer, date(2026, 4, 30)).lines[0]
    rates = queries.reference_rates()
    expected = rules.accrued_interest([(date(2026, 1, 31), 200_000), (date(2026, 3, 2), 100_000)],
                                      date(2026, 4, 30), rates).total_ore
    assert line.interest_ore == expected
    assert expected > rules.late_interest(100_000, date(2026, 1, 31), date(2026, 4, 30), rates).total_ore


def test_no_interest_on_categories_without_it_on_closed_or_paid_invoices(app, make, debt_world):
    make.reference_rates()
    customer = make.customer()
    make.invoice(customer, debt_world["unit"], debt_world["free"], due_date=date(2025, 1, 31))
    make.invoice(customer, debt_world["unit"], debt_world["care"], due_date=date(2025, 1, 31), stage="written_off")
    make.invoice(customer, debt_world["unit"], debt_world["care"], due_date=date(2025, 1, 31), open_ore=0)
    debts = queries.customer_debts(customer, date(2026, 3, 31))
    assert [line.interest_ore for line in debts.lines] == [None, None, None]
    assert debts.interest_ore == 0 and debts.open_ore == 100_000  # written off is not owed


def test_a_missing_reference_rate_is_named_not_a_crash(app, make, debt_world):
    make.reference_rates({date(2026, 1, 1): 200})
    customer = make.customer()
    make.invoice(customer, debt_world["unit"], debt_world["care"], due_date=date(2026, 3, 31))
    debts = queries.customer_debts(customer, date(2026, 8, 15))
    assert debts.lines[0].missing_rate == date(2026, 7, 1)
    assert debts.missing_rates == (date(2026, 7, 1),)


def test_search_finds_customers_by_name_identity_number_and_invoice_number(app, make, debt_world):
    asa = make.customer("Åsa Öberg", identity_number=make.person_number(date(1942, 3, 14), 123))
    other = make.customer("Bengt Berg")
    make.invoice(other, debt_world["unit"], debt_world["care"], number="D1000042")
    today = date(2026, 11, 23)
    assert queries.search_customers("åsa", today) == [asa]
    assert queries.search_customers("Öberg", today) == [asa]
    formatted = f"{asa.identity_number[:8]}-{asa.identity_number[8:]}"
    assert queries.search_customers(formatted, today) == [asa]
    assert queries.search_customers(asa.identity_number[2:], today) == [asa]  # 10 digits
    assert queries.search_customers("19420314", today) == [asa]
    assert queries.search_customers("D1000042", today) == [other]
    assert queries.search_customers("x", today) == []
