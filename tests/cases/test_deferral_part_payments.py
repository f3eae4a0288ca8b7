"""Issue 12 §6 on real cases: "anstånd med delbetalning, minst 200 kr per månad, högst 6 månader".
The officer enters a part payment per month on a deferral; the engine asks a rule's smallest monthly
amount of it, the letter states the payments, and the follow-up expects each one."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from portal.cases import services
from portal.cases.routing import check_decider
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.documents.services import documents_for
from portal.extensions import db
from portal.receivables import followup
from portal.receivables.rules import deferral_payments
from tests.cases.conftest import build_world

NEW_DUE = date(2027, 3, 31)  # five months after the invoice's due date 2026-10-31


@pytest.fixture
def world(make, frozen_clock):
    """The cases' Socialnämnden, and a rule that lets the unit head grant a deferral of up to six
    months when the customer pays at least 200 kr a month meanwhile (without it, five months is the
    department head's, after consultation: rule 1.2)."""
    world = build_world(make)
    make.delegation_rule(world.version, "1.0", case_type="deferral", max_deferral_months=6,
                         min_monthly_instalment_ore=200_00)
    return world


def _deferral(world, part_payment_ore: int | None):
    officer = world.actor(world.officer, "case_officer")
    case = services.case_create(officer, customer=world.customer, case_type=CaseType.DEFERRAL,
                                invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    services.case_update(officer, case, invoice_ids=[world.invoice.id], reasons="Sjukdom i familjen.",
                         terms=TermsInput(new_due_date=NEW_DUE, monthly_amount_ore=part_payment_ore))
    return case


def test_the_payments_fall_monthly_after_the_decision_and_the_rest_on_the_new_due_date():
    assert deferral_payments(date(2026, 11, 23), NEW_DUE, 3_000_00, 250_00) == [
        (date(2026, 12, 23), 250_00), (date(2027, 1, 23), 250_00), (date(2027, 2, 23), 250_00),
        (date(2027, 3, 23), 250_00), (NEW_DUE, 2_000_00)]
    assert deferral_payments(date(2026, 11, 23), NEW_DUE, 3_000_00, None) == [(NEW_DUE, 3_000_00)]
    # Part payments that would pay it all before the new due date stop there; the rest falls on it.
    assert deferral_payments(date(2026, 11, 23), NEW_DUE, 500_00, 200_00) == [
        (date(2026, 12, 23), 200_00), (date(2027, 1, 23), 200_00), (NEW_DUE, 100_00)]


def test_a_part_payment_at_the_rules_smallest_amount_lets_the_unit_head_decide(world):
    case = _deferral(world, 250_00)
    services.case_submit(world.actor(world.officer, "case_officer"), case)
    assert case.state == CaseState.AWAITING_DECISION  # rule 1.0 asks no consultation
    check = check_decider(case, world.unit_head.id, date(2026, 11, 23))
    assert check.allowed and check.path.rule_number == "1.0"


@pytest.mark.parametrize("part_payment_ore", [None, 150_00])
def test_without_a_part_payment_or_below_the_smallest_one_the_rule_does_not_cover_the_case(world, part_payment_ore):
    case = _deferral(world, part_payment_ore)
    services.case_submit(world.actor(world.officer, "case_officer"), case)
    assert case.state == CaseState.AWAITING_CONSULTATION  # rule 1.2: the department head, after consultation
    check = check_decider(case, world.unit_head.id, date(2026, 11, 23))
    assert not check.allowed


@pytest.mark.parametrize(("value", "message"), [
    ("0", "Delbetalningen per månad måste vara mer än 0 kr."),
    ("-100", "Delbetalningen per månad måste vara mer än 0 kr."),
    ("3000", "Delbetalningen per månad måste vara mindre än beloppet som anståndet gäller"),
    ("tvåhundra", "Skriv ett belopp i kronor mellan"),
    ("9" * 40, "Fältet får"),
])
def test_a_bad_part_payment_is_named_beside_its_field_and_nothing_is_saved(world, client, value, message):
    case = _deferral(world, None)
    db.session.commit()
    client.login(world.officer.username)
    response = client.post_form(f"/arenden/{case.id}/villkor", {
        "invoice_ids": str(world.invoice.id), "new_due_date": "2027-01-31", "part_payment": value,
        "reasons": "Ändrat."})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = page[page.index('id="part_payment-error"'):][:400]
    assert message in error
    db.session.refresh(case)
    assert case.new_due_date == NEW_DUE and case.monthly_amount_ore is None and case.reasons == "Sjukdom i familjen."


def test_the_form_saves_the_part_payment_and_shows_it_again(world, client):
    case = _deferral(world, None)
    db.session.commit()
    client.login(world.officer.username)
    response = client.post_form(f"/arenden/{case.id}/villkor", {
        "invoice_ids": str(world.invoice.id), "new_due_date": NEW_DUE.isoformat(), "part_payment": "250",
        "reasons": "Betalar 250 kr i månaden."})
    assert response.status_code == 303
    db.session.refresh(case)
    assert case.monthly_amount_ore == 250_00
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert 'id="part_payment"' in page and 'value="250,00"' in page


def test_the_letter_states_the_part_payments_and_the_follow_up_expects_each(world):
    case = _deferral(world, 250_00)
    services.case_submit(world.actor(world.officer, "case_officer"), case)
    decision = services.case_decide(world.actor(world.unit_head), case, services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Rimligt.", no_conflict_confirmed=True))
    (letter,) = [d for d in documents_for("decision", decision.id) if d.kind == "decision_letter"]
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.content)).pages).split())
    assert "Ny förfallodag: 2027-03-31." in text
    assert ("Under anståndet betalar du 250,00 kr i månaden, den första senast 2026-12-23 och den sista "
            "senast 2027-03-23; resten, 2 000,00 kr, betalar du senast 2027-03-31.") in text.replace("\u00a0", " ")
    assert followup.schedule_of(case) == deferral_payments(decision.decision_date, NEW_DUE, 3_000_00, 250_00)

