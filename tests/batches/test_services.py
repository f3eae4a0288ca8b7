"""Batch write-offs: building from a filter and a file, the engine's check of each line, deciding
once under the rule that covers every line. Each rule is tried to be broken."""

from __future__ import annotations

from datetime import date

import pytest
from flask import g
from sqlalchemy import select

from portal import clock
from portal.audit.models import AuditEntry
from portal.batches import services
from portal.batches.models import WriteOffBatchDecision
from portal.batches.routing import route
from portal.batches.rules import BatchState
from portal.cases.models import Case, CaseInvoice, Decision
from portal.documents.models import IssuedDocument
from portal.errors import ValidationFailed
from portal.extensions import db
from tests.batches.conftest import built, head, submitted

GRANT = services.BatchDecisionInput(granted=True, reasons="Oekonomiskt att driva in.", no_conflict_confirmed=True)


def _numbers(batch) -> list[str]:
    return sorted(line.invoice.invoice_number for line in batch.included)


def _actions(batch) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "write_off_batch", AuditEntry.object_id == str(batch.id)).order_by(AuditEntry.id)))


# --- building ---------------------------------------------------------------------------------------

def test_filter_takes_small_old_debts_of_the_committee_across_its_units(bw, make):
    make.invoice(make.customer(), bw.unit, bw.no_interest, number="BIG", due_date=date(2022, 6, 30),
                 original_ore=500_00)  # not under 100 kr
    make.invoice(make.customer(), bw.unit, bw.no_interest, number="NEW", due_date=date(2025, 6, 30),
                 original_ore=50_00)  # not three years old
    make.invoice(make.customer(), bw.other_committee_unit, bw.no_interest, number="BN1",
                 due_date=date(2022, 6, 30), original_ore=50_00)  # another committee's
    make.invoice(make.customer(), bw.unit, bw.no_interest, number="PAID", due_date=date(2022, 6, 30),
                 original_ore=50_00, open_ore=0)
    batch = built(bw)
    assert batch.state == BatchState.DRAFT
    assert _numbers(batch) == ["N000", "N001", "N002", "S000", "S001"]
    assert batch.customer_count == 5 and batch.amount_ore == (50 + 51 + 52 + 60 + 61) * 100
    assert _actions(batch) == ["write_off_batch.create", "write_off_batch.build"]


def test_filter_on_debt_restructuring_takes_only_those_customers(bw, make):
    customer = make.customer("Skuldsanerad", debt_restructuring=True)
    make.invoice(customer, bw.other_unit, bw.no_interest, number="SK1", due_date=date(2026, 5, 31),
                 original_ore=12_000_00)
    batch = built(bw, services.BatchFilter(debt_restructuring=True), write_off_reason="debt_restructuring")
    assert _numbers(batch) == ["SK1"]


def test_filter_leaves_aside_invoices_held_by_an_open_case(bw, make):
    case = Case(committee_id=bw.committee.id, customer_id=bw.norr[0].customer_id, org_unit_id=bw.unit.id,
                case_type="deferral", state="awaiting_decision", prepared_by_id=bw.officer.id, created_at=clock.now())
    db.session.add(case)
    db.session.flush()
    db.session.add(CaseInvoice(case_id=case.id, invoice_id=bw.norr[0].id, open_capital_ore=5_000))
    db.session.flush()
    assert "N000" not in _numbers(built(bw))


def test_a_second_batch_cannot_take_the_invoices_of_the_first(bw):
    built(bw)
    assert _numbers(built(bw)) == []


def test_a_filter_without_a_criterion_is_refused(bw):
    with pytest.raises(ValidationFailed) as refused:
        services.batch_create_from_filter(bw.actor(bw.finance), head(bw.committee), services.BatchFilter())
    assert "below" in refused.value.errors


def test_a_batch_needs_a_committee_title_and_reason(bw):
    with pytest.raises(ValidationFailed) as refused:
        services.batch_create_from_filter(
            bw.actor(bw.finance), services.BatchHead(None, " ", "no_such_reason", False, ""),
            services.BatchFilter(below_ore=100_00))
    assert set(refused.value.errors) == {"committee_id", "title", "write_off_reason"}


def _from_file(bw, content: bytes):
    actor = bw.actor(bw.finance)
    batch = services.batch_create_from_file(actor, head(bw.committee), "lista.csv", content)
    services.batch_build(actor, batch)
    db.session.refresh(batch)
    return batch


def test_file_builds_the_lines_it_lists_with_their_reasons(bw):
    batch = _from_file(bw, "Fakturanummer;Orsak\nN000;Preskriberad\nS001;\n".encode())
    assert _numbers(batch) == ["N000", "S001"]
    reasons = {line.invoice.invoice_number: line.write_off_reason for line in batch.lines}
    assert reasons == {"N000": "time_barred", "S001": "uneconomic"}
    assert [line.file_line for line in batch.lines] == [2, 3]


def test_file_is_all_or_nothing_with_every_bad_line_listed(bw, make):
    make.invoice(make.customer(), bw.other_committee_unit, bw.no_interest, number="BN1", original_ore=50_00)
    content = "Fakturanummer;Orsak\nN000;\nX999;\nBN1;\nN000;\nN001;Ingen aning\n".encode()
    batch = _from_file(bw, content)
    assert batch.lines == [] and batch.state == BatchState.DRAFT
    lines = {error["line"]: error["message"] for error in batch.build_errors}
    assert set(lines) == {3, 4, 5, 6}
    assert "X999" in lines[3] and "annan nämnd" in lines[4] and "rad 2" in lines[5] and "Ingen aning" in lines[6]
    assert batch.build_error_count == 4


def test_a_file_that_is_not_a_table_is_one_clear_error(bw):
    batch = _from_file(bw, b"%PDF-1.7 not a list")
    assert batch.lines == [] and batch.build_error_count == 1
    assert "PDF" in batch.build_errors[0]["message"]


def test_a_file_without_the_invoice_number_column_is_refused(bw):
    batch = _from_file(bw, b"Nummer\nN000\n")
    assert batch.lines == [] and batch.build_error_count == 1


# --- the engine's check of each line ------------------------------------------------------------------

def test_each_line_is_checked_and_the_rule_covering_every_line_decides(bw):
    batch = built(bw)
    verdict = route(batch, date(2026, 11, 23))
    # Each line is a level-1 matter for its own unit head, but no unit head may decide the other
    # unit's lines: the department head's rule 3.2 covers them all.
    assert verdict.level_needed == 1 and not verdict.failing
    assert verdict.proposed.rule_number == "3.2"
    assert verdict.proposed.person_ids == {bw.department_head.id}


def test_a_batch_of_one_unit_goes_to_its_unit_head(bw):
    batch = built(bw, services.BatchFilter(below_ore=100_00, unit_ids=(bw.unit.id,)))
    verdict = route(batch, date(2026, 11, 23))
    assert verdict.proposed.rule_number == "3.1"
    assert verdict.proposed.person_ids == {bw.unit_head.id}


def test_the_customers_lines_are_added_together_and_to_their_twelve_months(bw, make):
    """R5 per customer: a granted 4 960 kr write-off in March and this batch's 50 kr are 5 010 kr,
    over the unit head's 5 000 kr: that customer's line needs the department head."""
    customer = bw.norr[0].customer
    earlier = Case(committee_id=bw.committee.id, customer_id=customer.id, org_unit_id=bw.unit.id,
                   case_type="write_off", state="granted", prepared_by_id=bw.officer.id, created_at=clock.now())
    db.session.add(earlier)
    db.session.flush()
    db.session.add(Decision(case_id=earlier.id, outcome="granted", decision_date=date(2026, 3, 1),
                            decided_at=clock.now(), decided_by_id=bw.unit_head.id,
                            capacity="holder", scheme_version_id=bw.version.id, rule_number="3.1", rule_level=1,
                            amount_ore=4_960_00, terms={}, reasons="x", no_conflict_confirmed=True))
    db.session.flush()
    batch = built(bw, services.BatchFilter(below_ore=100_00, unit_ids=(bw.unit.id,)))
    verdict = route(batch, date(2026, 11, 23))
    line = next(line for line in batch.lines if line.customer_id == customer.id)
    assert verdict.line_level(line.id) == 2
    assert verdict.level_needed == 2 and verdict.proposed.rule_number == "3.2"


def test_a_line_no_rule_covers_fails_and_can_be_left_out(bw, make):
    big = make.invoice(make.customer("Storskuld"), bw.unit, bw.no_interest, number="BIG",
                       due_date=date(2026, 5, 31), original_ore=60_000_00)
    batch = built(bw, services.BatchFilter(due_before=date(2026, 11, 1), unit_ids=(bw.unit.id,)))
    verdict = route(batch, date(2026, 11, 23))
    failing = [line for line in batch.lines if line.id in verdict.failing]
    assert [line.invoice_id for line in failing] == [big.id] and verdict.committee_only
    services.batch_leave_out_failing(bw.actor(bw.finance), batch)
    assert "BIG" not in _numbers(batch)
    assert route(batch, date(2026, 11, 23)).proposed.rule_number == "3.1"
    assert "write_off_batch.leave_out" in _actions(batch)


def test_a_batch_that_still_has_failing_lines_goes_to_the_committee(bw, make):
    make.invoice(make.customer("Storskuld"), bw.unit, bw.no_interest, number="BIG", due_date=date(2022, 5, 31),
                 original_ore=60_000_00)
    batch = built(bw, services.BatchFilter(due_before=date(2023, 1, 1)))
    services.batch_submit(bw.actor(bw.finance), batch)
    assert batch.state == BatchState.REFERRED_TO_COMMITTEE and batch.registry_number


def test_a_reason_the_rule_does_not_allow_fails_the_line(bw, make):
    for rule in bw.version.rules:
        if rule.case_type == "write_off":
            rule.allowed_write_off_reasons = ["time_barred"]
    db.session.flush()
    batch = _from_file(bw, "Fakturanummer;Orsak\nN000;Preskriberad\nN001;\n".encode())
    verdict = route(batch, date(2026, 11, 23))
    failing = [line.invoice.invoice_number for line in batch.lines if line.id in verdict.failing]
    assert failing == ["N001"]


# --- submitting and deciding --------------------------------------------------------------------------

def test_submission_numbers_the_batch_from_the_committees_series(bw):
    batch = submitted(bw)
    assert batch.state == BatchState.AWAITING_DECISION
    assert batch.registry_number.startswith("SN 2026/")


def test_only_the_preparer_changes_or_submits_a_draft(bw):
    batch = built(bw)
    with pytest.raises(ValidationFailed):
        services.batch_submit(bw.actor(bw.officer), batch)
    with pytest.raises(ValidationFailed):
        services.batch_leave_out(bw.actor(bw.officer), batch, [batch.lines[0].id])


def test_the_department_head_decides_every_line_in_one_decision(bw):
    batch = submitted(bw)
    decision = services.batch_decide(bw.actor(bw.department_head), batch, GRANT)
    assert batch.state == BatchState.GRANTED
    assert (decision.rule_number, decision.rule_level, decision.capacity) == ("3.2", 2, "holder")
    assert decision.line_count == 5 and decision.customer_count == 5 and decision.amount_ore == batch.amount_ore
    documents = db.session.scalars(select(IssuedDocument).where(IssuedDocument.object_type == "write_off_batch",
                                                                IssuedDocument.object_id == str(batch.id))).all()
    assert len(documents) == 1 and documents[0].content.startswith(b"%PDF")
    assert _actions(batch)[-1] == "write_off_batch.grant"


def test_a_unit_head_may_not_decide_the_other_units_lines(bw):
    batch = submitted(bw)
    with pytest.raises(ValidationFailed) as refused:
        services.batch_decide(bw.actor(bw.unit_head), batch, GRANT)
    message = refused.value.errors["batch"]
    assert "2 av samlingsbeslutets 5 rader" in message and "S000" in message
    [refusal] = g.audit_refusals  # written in a transaction of its own when the request ends
    assert refusal["action"] == "write_off_batch.decision_refused" and refusal["object_id"] == batch.id
    assert "S000" in refusal["after"]["reason"]


def test_the_preparer_never_decides(bw, make):
    from portal.org.models import PositionKind

    batch = submitted(bw)
    position = make.position(bw.committee, PositionKind.DEPARTMENT_HEAD, bw.unit.parent, title="Tf socialchef")
    make.appointment(bw.finance, position)
    with pytest.raises(ValidationFailed) as refused:
        services.batch_decide(bw.actor(bw.finance), batch, GRANT)
    assert "fyraögonsprincipen" in refused.value.errors["batch"]


def test_a_declared_conflict_bars_the_decider(bw):
    batch = submitted(bw)
    services.conflict_declare(bw.actor(bw.department_head), batch, "Släkt med en kund")
    with pytest.raises(ValidationFailed):
        services.batch_decide(bw.actor(bw.department_head), batch, GRANT)


def test_the_decider_confirms_no_conflict_and_gives_reasons(bw):
    batch = submitted(bw)
    for wrong, field in ((services.BatchDecisionInput(True, "Skäl", False), "no_conflict_confirmed"),
                         (services.BatchDecisionInput(True, " ", True), "reasons")):
        with pytest.raises(ValidationFailed) as refused:
            services.batch_decide(bw.actor(bw.department_head), batch, wrong)
        assert field in refused.value.errors


def test_a_batch_is_decided_once(bw):
    batch = submitted(bw)
    services.batch_decide(bw.actor(bw.department_head), batch, GRANT)
    with pytest.raises(ValidationFailed):
        services.batch_decide(bw.actor(bw.department_head), batch, GRANT)
    assert len(db.session.scalars(select(WriteOffBatchDecision)).all()) == 1


def test_a_draft_cannot_be_decided(bw):
    batch = built(bw)
    with pytest.raises(ValidationFailed):
        services.batch_decide(bw.actor(bw.department_head), batch, GRANT)


def test_a_payment_since_submission_stops_the_decision(bw):
    batch = submitted(bw)
    bw.norr[1].open_amount_ore = 0
    db.session.flush()
    with pytest.raises(ValidationFailed) as refused:
        services.batch_decide(bw.actor(bw.department_head), batch, GRANT)
    assert "N001" in refused.value.errors["batch"]


def test_the_engine_is_asked_again_on_the_decision_day(bw, make):
    """A write-off granted to one of the customers after submission moves their line over the
    unit head's limit: the unit head may no longer decide the one-unit batch."""
    batch = services.batch_create_from_filter(
        bw.actor(bw.finance), head(bw.committee), services.BatchFilter(below_ore=100_00, unit_ids=(bw.unit.id,)))
    services.batch_build(bw.actor(bw.finance), batch)
    services.batch_submit(bw.actor(bw.finance), batch)
    customer = bw.norr[2].customer
    earlier = Case(committee_id=bw.committee.id, customer_id=customer.id, org_unit_id=bw.unit.id,
                   case_type="write_off", state="granted", prepared_by_id=bw.officer.id, created_at=clock.now())
    db.session.add(earlier)
    db.session.flush()
    db.session.add(Decision(case_id=earlier.id, outcome="granted", decision_date=date(2026, 11, 23),
                            decided_at=clock.now(), decided_by_id=bw.department_head.id, capacity="holder",
                            scheme_version_id=bw.version.id, rule_number="3.2", rule_level=2,
                            amount_ore=4_990_00, terms={}, reasons="x", no_conflict_confirmed=True))
    db.session.flush()
    with pytest.raises(ValidationFailed) as refused:
        services.batch_decide(bw.actor(bw.unit_head), batch, GRANT)
    assert "N002" in refused.value.errors["batch"]
    assert services.batch_decide(bw.actor(bw.department_head), batch, GRANT).rule_number == "3.2"


def test_refusing_needs_the_same_delegation_and_is_recorded(bw):
    batch = submitted(bw)
    decision = services.batch_decide(bw.actor(bw.department_head), batch,
                                     services.BatchDecisionInput(False, "Driv in först.", True))
    assert decision.outcome == "refused" and batch.state == BatchState.REFUSED


def test_finance_executes_a_granted_batch_only(bw):
    batch = submitted(bw)
    with pytest.raises(ValidationFailed):
        services.batch_execute(bw.actor(bw.finance), batch)
    services.batch_decide(bw.actor(bw.department_head), batch, GRANT)
    services.batch_execute(bw.actor(bw.finance), batch)
    assert batch.state == BatchState.EXECUTED and batch.executed_by_id == bw.finance.id


def test_a_line_a_guideline_bar_covers_fails_since_no_delegate_may_grant_it(bw, make):
    """RULINGS 8: a write-off above 60 kr is against the guideline; only the committee grants it, so
    that line fails and the rest of the batch still goes to the department head."""
    make.delegation_rule(bw.version, "3.9", case_type="write_off", kind="bar", guideline_point="5.1",
                         max_amount_ore=60_00)
    batch = built(bw)
    verdict = route(batch, date(2026, 11, 23))
    failing = sorted(line.invoice.invoice_number for line in batch.lines if line.id in verdict.failing)
    assert failing == ["S001"]  # 61 kr
    services.batch_leave_out_failing(bw.actor(bw.finance), batch)
    assert route(batch, date(2026, 11, 23)).proposed.rule_number == "3.2"
