"""Every step of a case, and every attempt to decide outside the scheme (R1–R8)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.cases import services
from portal.cases.models import Decision
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.errors import ValidationFailed
from portal.extensions import db


def _deferral(world, new_due=date(2027, 1, 31), invoices=None):
    case = services.case_create(
        world.actor(world.officer, "case_officer"), customer=world.customer, case_type=CaseType.DEFERRAL,
        invoice_ids=[i.id for i in (invoices or [world.invoice])], terms=TermsInput(), reasons="Sjukdom.",
    )
    return services.case_update(world.actor(world.officer), case, invoice_ids=[i.id for i in (invoices or [world.invoice])],
                                terms=TermsInput(new_due_date=new_due), reasons="Sjukdom i familjen.")


def _submitted(world, **kw):
    case = _deferral(world, **kw)
    services.case_submit(world.actor(world.officer), case)
    return case


def _consulted(world, **kw):
    case = _submitted(world, **kw)
    services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    return case


def _grant(world, case, who, outcome=Outcome.GRANTED, **kw):
    return services.case_decide(world.actor(who), case, services.DecisionInput(
        outcome=outcome, reasons="Skäl finns.", no_conflict_confirmed=True, **kw))


def _refused_with(excinfo, *words):
    text = " ".join(excinfo.value.errors.values())
    for word in words:
        assert word in text, text


def test_a_draft_keeps_amount_and_length_and_is_audited(app, world):
    case = _deferral(world)
    assert case.state == CaseState.DRAFT and case.registry_number is None
    assert case.amount_ore == 3_000_00 and case.length_months == 3
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "case").order_by(AuditEntry.id)).all()
    assert actions == ["case.create", "case.update"]


def test_submitting_gives_registry_numbers_in_order_and_waits_for_consultation(app, world, make):
    other_invoice = make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31),
                                 original_ore=1_000_00)
    first, second = _submitted(world), _submitted(world, invoices=[other_invoice])
    assert (first.registry_number, second.registry_number) == ("SN 2026/1", "SN 2026/2")
    assert first.state == CaseState.AWAITING_CONSULTATION


def test_a_withdrawn_case_keeps_its_number(app, world):
    case = _submitted(world)
    services.case_withdraw(world.actor(world.officer), case, "Kunden betalade.")
    assert case.state == CaseState.WITHDRAWN and case.registry_number == "SN 2026/1"


def test_r4_no_decision_before_the_required_consultation(app, world):
    case = _submitted(world)
    with pytest.raises(ValidationFailed) as refused:
        _grant(world, case, world.unit_head)
    assert case.state == CaseState.AWAITING_CONSULTATION
    assert db.session.scalars(select(Decision)).first() is None
    _refused_with(refused, "går inte")


def test_unit_head_grants_a_consulted_deferral_under_rule_1_1(app, world):
    case = _consulted(world)
    assert case.state == CaseState.AWAITING_DECISION
    decision = _grant(world, case, world.unit_head)
    assert case.state == CaseState.GRANTED
    assert (decision.rule_number, decision.scheme_version_id, decision.capacity) == ("1.1", world.version.id, "holder")
    assert decision.decision_date == date(2026, 11, 23) and decision.amount_ore == 3_000_00
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.grant")).one()
    assert entry.after["rule_number"] == "1.1" and entry.actor_id == world.unit_head.id


def test_r3_whoever_prepared_a_case_never_decides_it(app, world, make):
    from portal.org.models import PositionKind

    make.appointment(world.officer, make.position(world.committee, PositionKind.UNIT_HEAD, world.unit))
    case = _consulted(world)
    with pytest.raises(ValidationFailed) as refused:
        _grant(world, case, world.officer)
    _refused_with(refused, "berett")


def test_r1_nobody_without_the_position_decides(app, world):
    case = _consulted(world)
    for person in (world.outsider, world.other_head, world.finance):
        with pytest.raises(ValidationFailed):
            _grant(world, case, person)
    assert case.state == CaseState.AWAITING_DECISION


def test_r2_a_longer_deferral_goes_to_the_department_head(app, world):
    case = _consulted(world, new_due=date(2027, 2, 1))  # 4 months: over rule 1.1, inside rule 1.2
    with pytest.raises(ValidationFailed) as refused:
        _grant(world, case, world.unit_head)
    _refused_with(refused, "1.1")
    decision = _grant(world, case, world.department_head)
    assert decision.rule_number == "1.2" and decision.rule_level == 2


def test_refusing_needs_the_same_delegation_as_granting(app, world):
    case = _consulted(world, new_due=date(2027, 2, 1))
    with pytest.raises(ValidationFailed):
        _grant(world, case, world.unit_head, Outcome.REFUSED)


def test_r6_outside_every_rule_the_case_goes_to_the_committee(app, world):
    case = _submitted(world, new_due=date(2027, 10, 1))  # 12 months: no rule allows it
    assert case.state == CaseState.REFERRED_TO_COMMITTEE
    for person in (world.unit_head, world.department_head):
        with pytest.raises(ValidationFailed):
            _grant(world, case, person)


def test_standin_named_on_the_absence_decides_only_inside_its_dates(app, world, make, frozen_clock):
    make.absence(world.unit_head, date(2026, 11, 20), date(2026, 11, 23), standin=world.other_head)
    case = _consulted(world)
    with pytest.raises(ValidationFailed):
        _grant(world, case, world.unit_head)  # the absent holder
    decision = _grant(world, case, world.other_head)
    assert decision.capacity == "standin" and decision.standin_for_id == world.unit_head.id


def test_standin_outside_the_absence_is_refused(app, world, make):
    make.absence(world.unit_head, date(2026, 11, 24), date(2026, 11, 30), standin=world.other_head)
    case = _consulted(world)
    with pytest.raises(ValidationFailed):
        _grant(world, case, world.other_head)


def _write_off(world, amount_invoice):
    case = services.case_create(world.actor(world.officer), customer=world.customer, case_type=CaseType.WRITE_OFF,
                                invoice_ids=[amount_invoice.id], terms=TermsInput(), reasons="Dödsbo utan tillgångar.")
    services.case_update(world.actor(world.officer), case, invoice_ids=[amount_invoice.id],
                         terms=TermsInput(write_off_reason="deceased_without_assets", write_off_final=True),
                         reasons="Dödsbo utan tillgångar.")
    services.case_submit(world.actor(world.officer), case)
    return case


def test_r5_a_write_off_cannot_be_split_to_slip_under_the_limit(app, world, make, frozen_clock):
    first_invoice = make.invoice(world.customer, world.unit, world.category, due_date=None, original_ore=3_000_00)
    second_invoice = make.invoice(world.customer, world.unit, world.category, due_date=None, original_ore=3_000_00)
    first = _write_off(world, first_invoice)
    _grant(world, first, world.unit_head)
    second = _write_off(world, second_invoice)
    assert second.state == CaseState.REFERRED_TO_COMMITTEE  # 3 000 + 3 000 > 5 000 over 12 months
    with pytest.raises(ValidationFailed):
        _grant(world, second, world.unit_head)


def test_a_credit_on_another_units_invoice_is_refused(app, world, make):
    invoice = make.invoice(world.customer, world.other_unit, world.category, due_date=None, original_ore=500_00)
    case = services.case_create(world.actor(world.officer), customer=world.customer, case_type=CaseType.CREDIT,
                                invoice_ids=[invoice.id], terms=TermsInput(credit_reason="wrong_price"), reasons="Felaktig taxa.")
    case.credit_reason = "wrong_price"  # the draft's terms are set before submission
    services.case_submit(world.actor(world.officer), case)
    with pytest.raises(ValidationFailed):
        _grant(world, case, world.unit_head)
    assert _grant(world, case, world.other_head).rule_number == "4.1"


def test_a_declared_conflict_of_interest_bars_the_decider(app, world):
    case = _consulted(world)
    services.conflict_declare(world.actor(world.unit_head), case, "Släkt med kunden.")
    with pytest.raises(ValidationFailed) as refused:
        _grant(world, case, world.unit_head)
    _refused_with(refused, "jäv")


def test_the_customer_never_decides_their_own_case(app, world):
    world.unit_head.identity_number = world.customer.identity_number
    case = _consulted(world)
    with pytest.raises(ValidationFailed):
        _grant(world, case, world.unit_head)


def test_the_decider_confirms_no_conflict_and_gives_reasons(app, world):
    case = _consulted(world)
    with pytest.raises(ValidationFailed) as refused:
        services.case_decide(world.actor(world.unit_head), case, services.DecisionInput(
            Outcome.GRANTED, "Skäl finns.", no_conflict_confirmed=False))
    assert "no_conflict_confirmed" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        services.case_decide(world.actor(world.unit_head), case, services.DecisionInput(
            Outcome.GRANTED, "  ", no_conflict_confirmed=True))
    assert "reasons" in refused.value.errors


def test_r8_a_decided_case_is_decided_once_and_never_edited(app, world):
    case = _consulted(world)
    _grant(world, case, world.unit_head)
    with pytest.raises(ValidationFailed) as refused:
        _grant(world, case, world.department_head)
    _refused_with(refused, "redan")
    with pytest.raises(ValidationFailed):
        services.case_update(world.actor(world.officer), case, invoice_ids=[world.invoice.id],
                             terms=TermsInput(new_due_date=date(2027, 1, 15)), reasons="Ändrat")
    assert len(db.session.scalars(select(Decision)).all()) == 1


def test_a_correction_is_a_new_case_referring_to_the_old_decision(app, world):
    case = _consulted(world)
    decision = _grant(world, case, world.unit_head)
    correction = services.case_create(world.actor(world.officer), customer=world.customer,
                                      case_type=CaseType.DEFERRAL, invoice_ids=[world.invoice.id],
                                      terms=TermsInput(), reasons="Rättelse.", corrects=decision)
    assert correction.corrects_decision_id == decision.id and correction.id != case.id


def test_a_partial_grant_is_checked_on_its_changed_terms(app, world):
    case = _consulted(world, new_due=date(2027, 2, 1))  # 4 months asked
    changed = TermsInput(new_due_date=date(2027, 1, 31))  # 3 months granted: inside rule 1.1
    decision = _grant(world, case, world.unit_head, Outcome.PARTLY_GRANTED, changed_terms=changed)
    assert decision.rule_number == "1.1" and decision.terms["new_due_date"] == "2027-01-31"
    assert case.state == CaseState.PARTLY_GRANTED


def test_only_finance_executes_and_only_granted_cases(app, world):
    case = _consulted(world)
    _grant(world, case, world.unit_head)
    services.case_execute(world.actor(world.finance, "finance_officer"), case)
    assert case.state == CaseState.EXECUTED
    refused_case = _consulted(world)
    _grant(world, refused_case, world.unit_head, Outcome.REFUSED)
    with pytest.raises(ValidationFailed):
        services.case_execute(world.actor(world.finance), refused_case)


def test_plan_schedule_and_routing_by_amount_and_length(app, world, make):
    big = make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 11, 30),
                       original_ore=40_000_00)  # over half a price base amount (29 600 kr)
    case = services.case_create(world.actor(world.officer), customer=world.customer,
                                case_type=CaseType.INSTALMENT_PLAN, invoice_ids=[big.id], terms=TermsInput(),
                                reasons="Avbetalning.")
    services.case_update(world.actor(world.officer), case, invoice_ids=[big.id],
                         terms=TermsInput(first_due_date=date(2026, 12, 31), instalments=10),
                         reasons="Avbetalning.")
    assert case.instalments == 10 and case.monthly_amount_ore % 100 == 0
    services.case_submit(world.actor(world.officer), case)
    with pytest.raises(ValidationFailed):
        _grant(world, case, world.unit_head)  # amount over 0,5 pbb
    assert _grant(world, case, world.department_head).rule_number == "2.2"


def test_version_not_yet_in_force_sends_the_case_to_the_committee(app, world, make):
    world.version.valid_from = date(2026, 12, 1)
    db.session.flush()
    case = _submitted(world)
    assert case.state == CaseState.REFERRED_TO_COMMITTEE


def test_invoices_of_two_units_make_two_cases(app, world, make):
    other = make.invoice(world.customer, world.other_unit, world.category, original_ore=100_00)
    with pytest.raises(ValidationFailed) as refused:
        services.case_create(world.actor(world.officer), customer=world.customer, case_type=CaseType.DEFERRAL,
                             invoice_ids=[world.invoice.id, other.id], terms=TermsInput(), reasons="x")
    assert "invoice_ids" in refused.value.errors


def test_new_due_date_must_be_after_the_current_one(app, world, frozen_clock):
    with pytest.raises(ValidationFailed) as refused:
        _deferral(world, new_due=date(2026, 10, 31))
    assert "new_due_date" in refused.value.errors
    with pytest.raises(ValidationFailed):
        _deferral(world, new_due=date(2026, 11, 22) + timedelta(days=0))
