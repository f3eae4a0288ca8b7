"""Issue 11, "Routing and the engine": "Skicka in" submits what the officer sees; the live preview
and the saved case ask the engine one question; one invoice in one open case (RULINGS 15)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.auth.roles import Role
from portal.cases import services
from portal.cases.models import Case
from portal.cases.routing import route
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.errors import ValidationFailed
from portal.extensions import db


def _draft(world, case_type=CaseType.DEFERRAL, invoices=None, terms=None, who=None):
    invoices = invoices or [world.invoice]
    actor = world.actor(who or world.officer)
    case = services.case_create(actor, customer=world.customer, case_type=case_type,
                                invoice_ids=[i.id for i in invoices], terms=TermsInput(), reasons="Skäl.")
    return services.case_update(actor, case, invoice_ids=[i.id for i in invoices],
                                terms=terms or TermsInput(new_due_date=date(2027, 1, 31)), reasons="Skäl finns.")


def _submitted_rules(case) -> list[str]:
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "case.submit", AuditEntry.object_id == str(case.id))).one()
    return entry.after["proposed_rules"]


def _write_off_terms(reason="deceased_without_assets"):
    return TermsInput(write_off_reason=reason, write_off_final=True)


def _refusal(excinfo) -> str:
    return " ".join(str(message) for message in excinfo.value.errors.values())


# --- 1. "Skicka in" submits what the officer sees --------------------------------------------------

def test_submit_sends_the_terms_in_the_form_not_the_saved_ones(client, world):
    # Saved: a 3-month deferral (unit head, 1.1). Shown in the form: 5 months (department head, 1.2).
    case = _draft(world)
    client.login("handlaggare")
    response = client.post_form(f"/arenden/{case.id}/skicka", {
        "invoice_ids": str(world.invoice.id), "new_due_date": "2027-03-31", "reasons": "Sjukdom i familjen."})
    assert response.status_code == 303
    db.session.expire_all()
    submitted = db.session.get(Case, case.id)
    assert submitted.new_due_date == date(2027, 3, 31) and submitted.length_months == 5
    assert submitted.reasons == "Sjukdom i familjen."
    assert submitted.state == CaseState.AWAITING_CONSULTATION and submitted.registry_number == "SN 2026/1"
    assert _submitted_rules(submitted) == ["1.2"]


def test_submit_with_invalid_terms_names_the_field_and_saves_nothing(client, world):
    case = _draft(world)
    client.login("handlaggare")
    response = client.post_form(f"/arenden/{case.id}/skicka", {
        "invoice_ids": str(world.invoice.id), "new_due_date": "2026-10-01", "reasons": "Ändrad motivering."})
    assert response.status_code == 422
    assert "Den nya förfallodagen måste vara efter den nuvarande" in response.get_data(as_text=True)
    db.session.expire_all()
    kept = db.session.get(Case, case.id)
    assert kept.state == CaseState.DRAFT and kept.registry_number is None
    assert kept.new_due_date == date(2027, 1, 31) and kept.reasons == "Skäl finns."


def test_the_submit_button_posts_the_terms_form_without_javascript(client, world):
    case = _draft(world)
    client.login("handlaggare")
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    form = page[page.index(f'action="/arenden/{case.id}/villkor"'):]
    form = form[:form.index("</form>")]
    assert f'formaction="/arenden/{case.id}/skicka"' in form and "Skicka in ärendet" in form


def test_submitting_unchanged_terms_adds_no_change_to_the_timeline(client, world):
    case = _draft(world)
    client.login("handlaggare")
    assert client.post_form(f"/arenden/{case.id}/skicka", {
        "invoice_ids": str(world.invoice.id), "new_due_date": "2027-01-31",
        "reasons": "Skäl finns."}).status_code == 303
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "case", AuditEntry.object_id == str(case.id)).order_by(AuditEntry.id)).all()
    assert sorted(actions) == ["case.create", "case.submit", "case.update"], actions  # the draft's one update


# --- 2. the preview and the saved case ask the engine the same question ---------------------------

@pytest.fixture
def reason_rules(world, make):
    """3.1 is for uneconomic small amounts (unit head), 3.2 for estates without assets (department head)."""
    from portal.delegation.models import DelegationRule

    rule = db.session.scalars(select(DelegationRule).where(DelegationRule.number == "3.1")).one()
    rule.allowed_write_off_reasons = ["uneconomic"]
    make.delegation_rule(world.version, "3.2", case_type="write_off", level=2, position_kind="department_head",
                         scope="issuing_department", allowed_write_off_reasons=["deceased_without_assets"])
    db.session.flush()


def test_the_preview_reads_the_write_off_reason_in_the_form(client, world, reason_rules):
    case = _draft(world, CaseType.WRITE_OFF, terms=_write_off_terms("uneconomic"))
    client.login("handlaggare")
    preview = client.post_form(f"/arenden/{case.id}/forhandsgranska", {
        "invoice_ids": str(world.invoice.id), "write_off_reason": "deceased_without_assets",
        "write_off_final": "final", "reasons": "Dödsbo."}).get_data(as_text=True)
    assert "punkt 3.2" in preview and "punkt 3.1" not in preview
    assert client.post_form(f"/arenden/{case.id}/skicka", {
        "invoice_ids": str(world.invoice.id), "write_off_reason": "deceased_without_assets",
        "write_off_final": "final", "reasons": "Dödsbo."}).status_code == 303
    assert _submitted_rules(db.session.get(Case, case.id)) == ["3.2"]


def test_preview_and_saved_case_get_the_same_verdict_from_one_question(app, world, reason_rules, make):
    second = make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 9, 30),
                          original_ore=4_000_00)
    case = _draft(world, CaseType.WRITE_OFF, terms=_write_off_terms("uneconomic"))
    shown = services.Shown([world.invoice.id, second.id], _write_off_terms(), "Dödsbo.")
    computed, asked, holds = services.case_preview(case, shown)
    before_saving = route(case, date(2026, 11, 23), asked)
    services.case_update(world.actor(world.officer), case, invoice_ids=shown.invoice_ids, terms=shown.terms,
                         reasons=shown.reasons)
    saved = route(case, date(2026, 11, 23))
    assert computed.amount_ore == case.amount_ore > 7_000_00 and holds == []
    assert before_saving.facts == saved.facts
    assert before_saving.verdict.proposed_rule_numbers == saved.verdict.proposed_rule_numbers == ("3.2",)


def test_the_preview_counts_the_invoices_ticked_in_the_form(client, world, make):
    second = make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31),
                          original_ore=2_500_00)
    case = _draft(world)
    client.login("handlaggare")
    preview = client.post_form(f"/arenden/{case.id}/forhandsgranska", {
        "invoice_ids": [str(world.invoice.id), str(second.id)], "new_due_date": "2027-01-31",
        "reasons": "Skäl."}).get_data(as_text=True)
    assert "5\u00a0500,00\u00a0kr" in preview


# --- 3. one invoice in one open case (RULINGS 15) ------------------------------------------------

@pytest.mark.parametrize("state", [CaseState.AWAITING_CONSULTATION, CaseState.AWAITING_DECISION,
                                   CaseState.REFERRED_TO_COMMITTEE, CaseState.RETURNED])
def test_an_invoice_in_an_open_case_refuses_another_case_naming_it(app, world, state):
    first = _draft(world)
    services.case_submit(world.actor(world.officer), first)
    first.state = state.value
    db.session.flush()
    with pytest.raises(ValidationFailed) as refused:
        _draft(world, CaseType.INSTALMENT_PLAN)
    assert "SN 2026/1" in _refusal(refused) and "ett öppet ärende i taget" in _refusal(refused)


def test_a_draft_holding_the_invoice_cannot_be_submitted_once_the_other_case_is(app, world):
    first, second = _draft(world), _draft(world, CaseType.INSTALMENT_PLAN,
                                          terms=TermsInput(first_due_date=date(2026, 12, 31), instalments=3))
    services.case_submit(world.actor(world.officer), first)
    with pytest.raises(ValidationFailed) as refused:
        services.case_submit(world.actor(world.officer), second)
    assert "Faktura F" in _refusal(refused) and "SN 2026/1" in _refusal(refused)
    assert second.state == CaseState.DRAFT


def test_the_refusal_links_the_other_case_on_the_page(client, world):
    first = _draft(world)
    services.case_submit(world.actor(world.officer), first)
    client.login("handlaggare")
    response = client.post_form(f"/arenden/ny/{world.customer.id}", {
        "case_type": "write_off", "invoice_ids": str(world.invoice.id), "reasons": "Dödsbo."})
    assert response.status_code == 422
    assert f'<a href="/arenden/{first.id}">SN 2026/1</a>' in response.get_data(as_text=True)


def test_a_reader_who_may_not_see_the_other_case_is_told_only_that_one_exists(app, world):
    first = _draft(world)
    services.case_submit(world.actor(world.officer), first)
    with pytest.raises(ValidationFailed) as refused:
        _draft(world, CaseType.WRITE_OFF, terms=_write_off_terms(), who=world.other_head)
    text = _refusal(refused)
    assert "ett annat öppet ärende" in text and "SN 2026" not in text and "/arenden/" not in text


def test_another_draft_only_warns(client, world):
    first = _draft(world)
    second = _draft(world, CaseType.INSTALMENT_PLAN,
                    terms=TermsInput(first_due_date=date(2026, 12, 31), instalments=3))
    client.login("handlaggare")
    page = client.get(f"/arenden/{second.id}").get_data(as_text=True)
    assert f'finns också i <a href="/arenden/{first.id}">ett utkast</a> (inte inskickat)' in page
    services.case_submit(world.actor(world.officer), second)
    assert second.state == CaseState.AWAITING_DECISION


def test_a_granted_deferral_does_not_block_a_later_plan(app, world):
    deferral = _draft(world)
    services.case_submit(world.actor(world.officer), deferral)
    services.consultation_record(world.actor(world.finance, "finance_officer"), deferral, "Inga invändningar.")
    services.case_decide(world.actor(world.unit_head), deferral, services.DecisionInput(
        Outcome.GRANTED, "Skäl finns.", no_conflict_confirmed=True))
    plan = _draft(world, CaseType.INSTALMENT_PLAN,
                  terms=TermsInput(first_due_date=date(2027, 2, 28), instalments=3))
    services.case_submit(world.actor(world.officer), plan)
    assert plan.state == CaseState.AWAITING_DECISION


def _granted_write_off(world):
    case = _draft(world, CaseType.WRITE_OFF, terms=_write_off_terms())
    services.case_submit(world.actor(world.officer), case)
    services.case_decide(world.actor(world.unit_head), case, services.DecisionInput(
        Outcome.GRANTED, "Dödsbo utan tillgångar.", no_conflict_confirmed=True))
    return case


def test_a_write_off_after_a_granted_write_off_of_the_invoice_is_refused_naming_it(app, world):
    first = _granted_write_off(world)
    assert first.state == CaseState.GRANTED and world.invoice.open_amount_ore == 3_000_00
    with pytest.raises(ValidationFailed) as refused:
        _draft(world, CaseType.WRITE_OFF, terms=_write_off_terms())
    assert _refusal(refused).startswith("Faktura F")
    assert "bara 0,00\u00a0kr kvar" in _refusal(refused) and "SN 2026/1" in _refusal(refused)


def test_a_credit_beyond_what_a_partial_write_off_left_open_is_refused_and_within_it_allowed(app, world):
    case = _draft(world, CaseType.WRITE_OFF, terms=_write_off_terms())
    services.case_submit(world.actor(world.officer), case)
    services.case_decide(world.actor(world.unit_head), case, services.DecisionInput(
        Outcome.PARTLY_GRANTED, "Delvis.", no_conflict_confirmed=True,
        changed_terms=TermsInput(**{**TermsInput.from_case(case).__dict__, "amount_ore": 2_000_00})))
    with pytest.raises(ValidationFailed) as refused:
        _draft(world, CaseType.CREDIT, terms=TermsInput(credit_reason="wrong_price", credited_ore={world.invoice.id: 1_500_00}))
    assert "bara 1\u00a0000,00\u00a0kr kvar" in _refusal(refused)
    credit = _draft(world, CaseType.CREDIT, terms=TermsInput(credit_reason="wrong_price", credited_ore={world.invoice.id: 1_000_00}))
    services.case_submit(world.actor(world.officer), credit)
    assert credit.state != CaseState.DRAFT


def test_an_executed_write_off_is_left_to_the_ledger(app, world):
    # Booked in the ledger: the next ledger file's open amount says what remains (RULINGS 5).
    first = _granted_write_off(world)
    services.case_execute(world.actor(world.finance, "finance_officer"), first)
    world.invoice.open_amount_ore = 1_000_00
    db.session.flush()
    later = _draft(world, CaseType.WRITE_OFF, terms=_write_off_terms())
    assert later.amount_ore >= 1_000_00


def test_a_refused_submission_says_why_also_where_the_terms_form_is_not_shown(client, world, make):
    # Another case officer may not submit a colleague's draft; the page says so (the form is not theirs).
    make.user("handlaggare2", Role.CASE_OFFICER, full_name="Harald Hök")
    case = _draft(world)
    client.login("handlaggare2")
    response = client.post_form(f"/arenden/{case.id}/skicka", {
        "invoice_ids": str(world.invoice.id), "new_due_date": "2027-03-31", "reasons": "Annat."})
    assert response.status_code == 422
    assert "Endast handläggaren som beredde ärendet kan skicka in det." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).new_due_date == date(2027, 1, 31)
