"""A broken plan becomes a case (RULINGS 16): the officer proposes that the whole debt falls due, as a
new case linked to the plan; whoever may grant that plan today decides it, with its letter; it is
reported like other delegated decisions. A deferral not kept works the same way. Each rule tried."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from flask import g
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.auth.roles import Role
from portal.cases import services
from portal.cases.models import Case
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput
from portal.cases.whole_debt import whole_debt_due_propose
from portal.delegation.engine_types import CaseType
from portal.documents.models import DocumentKind
from portal.documents.services import documents_for
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.meetings.delegation_report import unreported_decisions
from portal.money import format_money
from portal.receivables import followup
from portal.receivables.models import Payment
from tests.cases.conftest import build_world
from tests.documents.test_letters import flat, kr

GRANT = services.DecisionInput(Outcome.GRANTED, "Planen är inte följd.", no_conflict_confirmed=True)
REFUSE = services.DecisionInput(Outcome.REFUSED, "Kunden har hört av sig.", no_conflict_confirmed=True)


def _on(frozen_clock, day: date) -> None:
    frozen_clock.set(datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC))


def _executed(world, case_type: CaseType, terms: TermsInput) -> Case:
    officer = world.actor(world.officer, "case_officer")
    case = services.case_create(officer, customer=world.customer, case_type=case_type,
                                invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    services.case_update(officer, case, invoice_ids=[world.invoice.id], reasons="Sjukdom.", terms=terms)
    services.case_submit(officer, case)
    if case.state == CaseState.AWAITING_CONSULTATION:
        services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    services.case_decide(world.actor(world.unit_head), case, GRANT)
    if case_type == CaseType.INSTALMENT_PLAN:
        services.agreement_register_signed(officer, case, date(2026, 11, 23))
    services.case_execute(world.actor(world.finance, "finance_officer"), case)
    return case


def _world(make):
    world = build_world(make)
    make.price_base_amount(2027, 6_000_000)  # the proposals are decided in 2027
    make.reference_rates({date(2027, 1, 1): 200})
    return world


@pytest.fixture
def plan(make, frozen_clock):
    """An executed plan of three instalments decided 2026-11-23, the first due 2026-12-31; nothing
    paid on it, so it is late from 2027-01-01 and broken (default 30 days) from 2027-01-31."""
    world = _world(make)
    case = _executed(world, CaseType.INSTALMENT_PLAN, TermsInput(first_due_date=date(2026, 12, 31), instalments=3))
    make.user("revisor", Role.AUDITOR)
    db.session.commit()
    return world, case


def _propose(world, plan, reasons="Ingen betalning sedan december.") -> Case:
    return whole_debt_due_propose(world.actor(world.officer, "case_officer"), plan, reasons)


def _refusals(action: str) -> list[dict]:
    """The refusals waiting to be written in their own transaction when the request ends."""
    return [refusal for refusal in g.get("audit_refusals", []) if refusal["action"] == action]


def test_a_plan_that_is_kept_cannot_be_declared_broken(plan, frozen_clock):
    world, case = plan
    _on(frozen_clock, date(2026, 12, 20))
    with pytest.raises(ValidationFailed) as kept:
        _propose(world, case)
    assert "följs" in kept.value.errors["case"] and "kan inte förklaras bruten" in kept.value.errors["case"]
    _on(frozen_clock, date(2027, 1, 20))
    with pytest.raises(ValidationFailed) as late:
        _propose(world, case)
    assert late.value.errors["case"] == (f"{case.registry_number} är försenad 20 dagar, inte bruten: den är "
                                         "bruten när den är försenad mer än 30 dagar.")
    assert len(_refusals("case.whole_debt_due_refused")) == 2
    assert db.session.scalar(select(Case).where(Case.whole_debt_due_for_id == case.id)) is None


def test_a_broken_plan_becomes_a_case_linked_to_it_routed_on_the_plans_terms(plan, frozen_clock):
    world, case = plan
    _on(frozen_clock, date(2027, 2, 10))
    proposal = _propose(world, case)
    assert proposal.whole_debt_due_for_id == case.id and proposal.registry_number
    assert proposal.case_type == CaseType.INSTALMENT_PLAN and proposal.state == CaseState.AWAITING_DECISION
    assert proposal.type_label == "Hela skulden förfaller (plan bruten)"
    # Asked about the plan as decided: its amount and instalments, not what remains open.
    assert proposal.amount_ore == case.decision.amount_ore and proposal.instalments == 3
    assert [line.invoice_id for line in proposal.lines] == [world.invoice.id]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.submit",
                                                        AuditEntry.object_id == str(proposal.id))).one()
    assert entry.after["proposed_rules"] == ["2.1"]


def test_no_second_open_whole_debt_case_on_one_plan(plan, frozen_clock):
    world, case = plan
    _on(frozen_clock, date(2027, 2, 10))
    first = _propose(world, case)
    with pytest.raises(ValidationFailed) as second:
        _propose(world, case)
    assert f"Ärende {first.registry_number} föreslår redan" in second.value.errors["case"]
    # Refused: the plan stands, and a later proposal may be made.
    services.case_decide(world.actor(world.unit_head), first, REFUSE)
    assert followup.follow_one(case, date(2027, 2, 10)).status.status == "broken"
    again = _propose(world, case)
    services.case_decide(world.actor(world.unit_head), again, GRANT)
    with pytest.raises(ValidationFailed) as after:
        _propose(world, case)
    assert f"har redan förfallit genom beslutet i ärende {again.registry_number}" in after.value.errors["case"]
    assert len(_refusals("case.whole_debt_due_refused")) == 2


def test_a_withdrawn_proposal_frees_the_plan_for_a_new_one(plan, frozen_clock):
    world, case = plan
    _on(frozen_clock, date(2027, 2, 10))
    first = _propose(world, case)
    services.case_withdraw(world.actor(world.officer, "case_officer"), first, "Fel underlag.")
    assert _propose(world, case).id != first.id


def test_granted_the_whole_debt_falls_due_with_its_letter_and_is_reported(plan, frozen_clock):
    world, case = plan
    _on(frozen_clock, date(2027, 2, 10))
    proposal = _propose(world, case)
    decision = services.case_decide(world.actor(world.unit_head), proposal, GRANT)
    assert (decision.rule_number, decision.outcome, proposal.state) == ("2.1", "granted", "granted")
    assert decision.amount_ore == case.decision.amount_ore
    assert followup.follow_one(case, date(2027, 2, 10)).status.status == "whole_debt_due"
    assert not proposal.awaits_signature
    documents = documents_for("decision", decision.id)
    assert [d.kind for d in documents] == [DocumentKind.DECISION_LETTER.value]
    text = flat(documents[0].content)
    capital, interest = proposal.lines[0].open_capital_ore, proposal.lines[0].interest_ore
    assert "Beslut om att hela skulden förfaller till betalning" in text
    assert (f"beslutar att hela den återstående skulden förfaller till betalning omedelbart, eftersom villkoren "
            f"i din avbetalningsplan {case.registry_number}, beslutad 2026-11-23, inte har hållits") in text
    assert f"Att betala: {kr(capital + interest)}." in text and interest > 0
    assert "punkt 2.1" in text
    reported = [d for d in unreported_decisions(world.committee.id) if d.id == decision.id]
    assert reported and reported[0].case.type_label == "Hela skulden förfaller (plan bruten)"
    # The plan is no longer to follow up; the case waits for finance to book it.
    assert case.id not in [p.case.id for p in followup.plans_needing_attention(world.officer, date(2027, 2, 10))]
    services.case_execute(world.actor(world.finance, "finance_officer"), proposal)
    assert proposal.state == CaseState.EXECUTED


def test_refused_the_plan_stands_and_the_letter_says_so(plan, frozen_clock):
    world, case = plan
    _on(frozen_clock, date(2027, 2, 10))
    proposal = _propose(world, case)
    decision = services.case_decide(world.actor(world.unit_head), proposal, REFUSE)
    text = flat(documents_for("decision", decision.id)[0].content)
    assert f"Din avbetalningsplan {case.registry_number}, beslutad 2026-11-23, gäller fortfarande" in text


def test_the_wrong_decider_is_refused(plan, frozen_clock):
    world, case = plan
    _on(frozen_clock, date(2027, 2, 10))
    proposal = _propose(world, case)
    for who in (world.other_head, world.officer, world.finance):
        with pytest.raises(ValidationFailed):
            services.case_decide(world.actor(who), proposal, GRANT)
    assert len(_refusals("case.decision_refused")) == 3
    assert proposal.decision is None and proposal.state == CaseState.AWAITING_DECISION


def test_whoever_may_grant_the_plan_today_decides_not_who_granted_it(plan, frozen_clock, make):
    """A new scheme from 2027 gives plans to the department head only: the unit head who granted
    the plan may no longer decide that its whole debt falls due."""
    world, case = plan
    world.version.valid_to = date(2026, 12, 31)
    newer = make.scheme_version(world.committee, valid_from=date(2027, 1, 1), adopted_on=date(2026, 11, 20))
    make.delegation_rule(newer, "2.1", case_type="instalment_plan", position_kind="department_head",
                         scope="issuing_department", max_plan_months=24)
    db.session.flush()
    _on(frozen_clock, date(2027, 2, 10))
    proposal = _propose(world, case)
    with pytest.raises(ValidationFailed):
        services.case_decide(world.actor(world.unit_head), proposal, GRANT)
    decision = services.case_decide(world.actor(world.department_head), proposal, GRANT)
    assert (decision.scheme_version_id, decision.rule_number) == (newer.id, "2.1")


def test_a_plan_caught_up_before_the_decision_cannot_be_declared_broken(plan, frozen_clock):
    world, case = plan
    _on(frozen_clock, date(2027, 2, 10))
    proposal = _propose(world, case)
    first, second = case.decision.terms["schedule"][:2]
    db.session.add(Payment(invoice_id=world.invoice.id, payment_date=date(2027, 2, 10),
                           amount_ore=first["amount_ore"] + second["amount_ore"], occurrence=1))
    db.session.flush()
    with pytest.raises(ValidationFailed) as refused:
        services.case_decide(world.actor(world.unit_head), proposal, GRANT)
    assert "kan inte förklaras bruten" in refused.value.errors["case"]
    assert services.case_decide(world.actor(world.unit_head), proposal, REFUSE).outcome == "refused"


def test_a_whole_debt_case_is_granted_or_refused_never_in_part_nor_returned(plan, frozen_clock):
    world, case = plan
    _on(frozen_clock, date(2027, 2, 10))
    proposal = _propose(world, case)
    partly = services.DecisionInput(Outcome.PARTLY_GRANTED, "Halva.", no_conflict_confirmed=True,
                                    changed_terms=TermsInput(instalments=2))
    with pytest.raises(ValidationFailed) as refused:
        services.case_decide(world.actor(world.unit_head), proposal, partly)
    assert "aldrig delvis" in refused.value.errors["case"]
    with pytest.raises(ValidationFailed):
        services.case_return(world.actor(world.unit_head), proposal, "Komplettera.")


def test_a_deferral_not_kept_works_the_same_way(make, frozen_clock):
    world = _world(make)
    deferral = _executed(world, CaseType.DEFERRAL, TermsInput(new_due_date=date(2026, 12, 31)))
    _on(frozen_clock, date(2027, 1, 15))
    assert followup.follow_one(deferral, date(2027, 1, 15)).status.status == "late"
    with pytest.raises(ValidationFailed):
        _propose(world, deferral)
    _on(frozen_clock, date(2027, 2, 5))
    proposal = _propose(world, deferral)
    assert proposal.type_label == "Hela skulden förfaller (anstånd inte hållet)"
    # The deferral's rule asks for consultation with finance: so does the proposal.
    assert proposal.state == CaseState.AWAITING_CONSULTATION
    services.consultation_record(world.actor(world.finance, "finance_officer"), proposal, "Instämmer.")
    decision = services.case_decide(world.actor(world.unit_head), proposal, GRANT)
    assert decision.rule_number == "1.1"
    text = flat(documents_for("decision", decision.id)[0].content)
    assert f"villkoren i ditt anstånd med betalning {deferral.registry_number}" in text


def test_an_executed_write_off_or_an_open_plan_cannot_fall_due(plan, frozen_clock, make):
    world, case = plan
    _on(frozen_clock, date(2027, 2, 10))
    proposal = _propose(world, case)
    with pytest.raises(ValidationFailed) as refused:
        _propose(world, proposal)  # a whole-debt case is not a plan
    assert "Bara en verkställd avbetalningsplan eller ett verkställt anstånd" in refused.value.errors["case"]


# --- pages ----------------------------------------------------------------------------------------

def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_officer_proposes_from_the_plans_page_and_the_decider_grants(client, app, plan, frozen_clock):
    world, case = plan
    _on(frozen_clock, date(2027, 2, 10))
    client.login("handlaggare")
    page = _text(client.get(f"/arenden/{case.id}"))
    assert 'id="plan-followup"' in page and "Bruten (41 dagar)" in page
    assert f'action="/arenden/{case.id}/hela-skulden"' in page
    empty = client.post_form(f"/arenden/{case.id}/hela-skulden", {"reasons": ""})
    assert empty.status_code == 422
    response = client.post_form(f"/arenden/{case.id}/hela-skulden", {"reasons": "Ingen betalning."})
    assert response.status_code == 303
    proposal = db.session.scalars(select(Case).where(Case.whole_debt_due_for_id == case.id)).one()
    assert response.headers["Location"].endswith(f"/arenden/{proposal.id}")
    again = client.post_form(f"/arenden/{case.id}/hela-skulden", {"reasons": "En gång till."})
    assert again.status_code == 422 and "föreslår redan" in _text(again)
    listing = _text(client.get("/kunder/planer"))
    assert proposal.registry_number in listing
    chef = app.test_client()
    chef.login("chef.norr")
    shown = _text(chef.get(f"/arenden/{proposal.id}"))
    assert "Hela skulden förfaller (plan bruten)" in shown and "Avslå: planen står kvar" in shown
    assert "Delvis bifall" not in shown and 'name="instalments"' not in shown
    decided = chef.post_form(f"/arenden/{proposal.id}/beslut", {
        "outcome": "granted", "reasons": "Inte följd.", "no_conflict": "y", "confirmed": "y"})
    assert decided.status_code == 303
    customer = _text(client.get(f"/kunder/{world.customer.id}"))
    assert "Hela skulden förfaller" in customer and proposal.registry_number in customer


def test_a_reader_without_the_right_cannot_propose(client, plan, frozen_clock):
    world, case = plan
    _on(frozen_clock, date(2027, 2, 10))
    for username in ("chef.syd", "revisor"):
        client.login(username)
        response = client.post_form(f"/arenden/{case.id}/hela-skulden", {"reasons": "Försök."})
        assert response.status_code == 403
    assert db.session.scalar(select(Case).where(Case.whole_debt_due_for_id == case.id)) is None


def test_finance_exports_the_whole_debt_for_booking(client, plan, frozen_clock):
    world, case = plan
    _on(frozen_clock, date(2027, 2, 10))
    proposal = _propose(world, case)
    services.case_decide(world.actor(world.unit_head), proposal, GRANT)
    db.session.commit()
    client.login("ekonom")
    rows = list(csv.reader(io.StringIO(client.get("/arenden/att-verkstalla.csv").get_data(as_text=True)),
                           delimiter=";"))
    mine = [row for row in rows if row[0] == proposal.registry_number]
    assert len(mine) == 1
    assert mine[0][1] == "Hela skulden förfaller (plan bruten)" and mine[0][7] == "2027-02-10"


def test_the_rule_the_plan_was_granted_under_may_make_it_broken_sooner(make, frozen_clock):
    world = _world(make)
    rule = next(r for r in world.version.rules if r.number == "2.1")
    rule.broken_after_days = 14
    db.session.flush()
    case = _executed(world, CaseType.INSTALMENT_PLAN, TermsInput(first_due_date=date(2026, 12, 31), instalments=3))
    _on(frozen_clock, date(2027, 1, 15))
    followed = followup.follow_one(case, date(2027, 1, 15))
    assert (followed.status.status, followed.status.days_late, followed.broken_after_days) == ("broken", 15, 14)
    assert _propose(world, case).whole_debt_due_for_id == case.id
    # A rule never makes it looser than the municipality's setting.
    rule.broken_after_days = 90
    db.session.flush()
    assert followup.follow_one(case, date(2027, 1, 15)).broken_after_days == 30


def test_the_plans_interest_is_recomputed_on_the_payments_actually_made(client, plan, frozen_clock):
    """3 000 kr due 2026-10-31 in a plan; 1 000 kr paid 2026-12-31 (capital first); seen 2027-01-10
    at 10 % (2 % + 8): 61 days of 2026 on 3 000 kr = 50,14 kr, 10 days of 2027 on 2 000 kr = 5,48 kr."""
    world, case = plan
    db.session.add(Payment(invoice_id=world.invoice.id, payment_date=date(2026, 12, 31), amount_ore=1_000_00,
                           occurrence=1))
    db.session.commit()
    _on(frozen_clock, date(2027, 1, 10))
    interest = followup.follow_one(case, date(2027, 1, 10)).interest
    assert (interest.accrued_ore, interest.interest_paid_ore, interest.capital_owed_ore) == (5014 + 548, 0, 2_000_00)
    client.login("handlaggare")
    page = _text(client.get(f"/arenden/{case.id}"))
    assert ("55,62\u00a0kr har löpt fram till i dag, 0,00\u00a0kr av den är betald och 55,62\u00a0kr är obetald"
            in page)
    assert f"Betalningsplanen beräknade {format_money(case.decision.terms['interest_ore'])}" in page
    customer = _text(client.get(f"/kunder/{world.customer.id}"))
    assert "Ränta hittills" in customer and ">55,62\u00a0kr<" in customer
    _on(frozen_clock, date(2027, 1, 20))
    listing = _text(client.get("/kunder/planer"))
    assert "Ränta hittills" in listing and case.registry_number in listing


def test_without_the_reference_rate_the_interest_says_it_cannot_be_computed(client, plan, frozen_clock):
    world, case = plan
    _on(frozen_clock, date(2027, 8, 10))  # 2027-07-01's rate is not in the table
    assert followup.follow_one(case, date(2027, 8, 10)).interest is None
    client.login("handlaggare")
    assert "Räntan på betalningarna kan inte beräknas" in _text(client.get(f"/arenden/{case.id}"))


# --- the letter owes what the follow-up computes on the payments actually made (RULINGS 1) ----------

def _paid(world, day: date, amount: int, occurrence: int = 1) -> None:
    """A payment row as the ledger gives it; its open amount follows (RULINGS 5: the ledger's book)."""
    db.session.add(Payment(invoice_id=world.invoice.id, payment_date=day, amount_ore=amount, occurrence=occurrence))
    world.invoice.open_amount_ore -= amount
    db.session.flush()


def _granted_letter(world, case) -> tuple[str, dict]:
    proposal = _propose(world, case)
    decision = services.case_decide(world.actor(world.unit_head), proposal, GRANT)
    return flat(documents_for("decision", decision.id)[0].content), decision.terms


def test_the_letter_counts_interest_on_the_payments_made_as_the_follow_up_does(client, plan, frozen_clock):
    """3 000 kr due 2026-10-31; 1 000 kr paid 2026-12-31 (capital first), the plan broken on
    2027-02-10: 2 000 kr capital, and interest of 61 days on 3 000 kr (50,14 kr) and 41 days of 2027
    on 2 000 kr (22,47 kr) = 72,61 kr. Interest on today's open amount from the due date, as the
    letter had it, would leave out what the paid 1 000 kr bore until it was paid (55,89 kr)."""
    world, case = plan
    _paid(world, date(2026, 12, 31), 1_000_00)
    _on(frozen_clock, date(2027, 2, 10))
    followed = followup.follow_one(case, date(2027, 2, 10))
    assert followed.status.status == "broken"
    assert (followed.interest.capital_owed_ore, followed.interest.interest_owed_ore) == (2_000_00, 5014 + 2247)
    text, terms = _granted_letter(world, case)
    assert (terms["remaining_capital_ore"], terms["remaining_interest_ore"]) == (2_000_00, 72_61)
    owed = 2_000_00 + followed.interest.fees_owed_ore + 72_61
    assert f"Återstående kapital: {kr(2_000_00)}." in text
    assert f"räknad på de betalningar som faktiskt har kommit in: {kr(72_61)}. Att betala: {kr(owed)}." in text
    assert kr(55_89) not in text
    # The case page's follow-up of the plan says the same interest.
    client.login("handlaggare")
    assert "72,61\u00a0kr är obetald" in _text(client.get(f"/arenden/{case.id}"))


def test_a_reversed_payment_is_owed_again_in_the_letter_from_its_date(plan, frozen_clock):
    """The 1 000 kr of 2026-12-31 returned on 2027-01-20: 3 000 kr owed again, interest on 2 000 kr
    for 1–20 January and on 3 000 kr for 21 January–10 February (21 days)."""
    world, case = plan
    _paid(world, date(2026, 12, 31), 1_000_00)
    _paid(world, date(2027, 1, 20), -1_000_00)
    _on(frozen_clock, date(2027, 2, 10))
    followed = followup.follow_one(case, date(2027, 2, 10))
    assert (followed.status.status, followed.status.paid_ore) == ("broken", 0)
    interest = 5014 + (2 * (200_000 * 20 + 300_000 * 21) * 1000 + 3_650_000) // (2 * 3_650_000)
    assert (followed.interest.capital_owed_ore, followed.interest.interest_owed_ore) == (3_000_00, interest)
    text, terms = _granted_letter(world, case)
    assert (terms["remaining_capital_ore"], terms["remaining_interest_ore"]) == (3_000_00, interest)
    assert f"Återstående kapital: {kr(3_000_00)}." in text


def test_a_reversal_can_break_a_plan_that_was_kept(plan, frozen_clock):
    """The first instalment paid in time and then returned: the plan is late from its due date."""
    world, case = plan
    first = case.decision.terms["schedule"][0]
    _paid(world, date(2026, 12, 30), first["amount_ore"])
    _on(frozen_clock, date(2027, 1, 10))
    assert followup.follow_one(case, date(2027, 1, 10)).status.status == "on_track"
    with pytest.raises(ValidationFailed):
        _propose(world, case)
    _paid(world, date(2027, 1, 12), -first["amount_ore"])
    _on(frozen_clock, date(2027, 2, 10))
    status = followup.follow_one(case, date(2027, 2, 10)).status
    assert (status.status, status.late_since, status.days_late) == ("broken", date(2026, 12, 31), 41)
    assert _propose(world, case).whole_debt_due_for_id == case.id


def test_without_the_reference_rate_no_whole_debt_letter_is_made(plan, frozen_clock):
    world, case = plan
    _on(frozen_clock, date(2027, 8, 10))  # 2027-07-01's rate is not in the table
    with pytest.raises(ValidationFailed) as refused:
        _propose(world, case)
    assert "referensräntan" in refused.value.errors["case"].lower()
    db.session.rollback()  # as the request does on an error
    assert db.session.scalar(select(Case).where(Case.whole_debt_due_for_id == case.id)) is None
