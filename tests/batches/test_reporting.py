"""A decided batch in the committee's delegation report (one line: count, sum, reason), in the ledger
export (one line per invoice), in the customers' 12-month basis of later single cases, and a limit
per invoice checked invoice by invoice for single cases and batch lines alike."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

import pytest

from portal.auth.roles import Role
from portal.batches import services
from portal.batches.routing import route
from portal.cases import services as case_services
from portal.cases.routing import facts_for, twelve_month_prior
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseFacts, CaseType, Limits
from portal.delegation.limits import limit_reasons
from portal.delegation.results import ReasonCode
from portal.extensions import db
from portal.meetings import delegation_report
from portal.meetings import services as meeting_services
from portal.org.models import PositionKind
from tests.batches.conftest import submitted
from tests.batches.test_services import GRANT


def _granted(bw, **kwargs):
    batch = submitted(bw, **kwargs)
    services.batch_decide(bw.actor(bw.department_head), batch, GRANT)
    return batch


def test_the_delegation_report_shows_one_line_per_batch_with_count_sum_and_reason(bw, make):
    batch = _granted(bw)
    groups = delegation_report.report_groups(delegation_report.unreported_decisions(bw.committee.id))
    [group] = groups
    [line] = group.lines
    assert (line.registry_number, line.amount_ore, group.rule_number) == (batch.registry_number, batch.amount_ore, "3.2")
    assert line.summary == "5 fakturor, 5 kunder; Oekonomiskt litet belopp"
    assert "Norrkund" not in line.summary  # the report goes into public minutes: no names

    secretary = make.user("sekr", Role.COMMITTEE_SECRETARY)
    make.appointment(secretary, make.position(bw.committee, PositionKind.COMMITTEE_SECRETARY))
    actor = bw.actor(secretary)
    meeting = meeting_services.meeting_create(actor, bw.committee, meeting_date=date(2026, 12, 10), place="Salen")
    meeting_services.agenda_add_report(actor, meeting)
    from portal.documents.models import DocumentKind

    meeting_services.meeting_document_issue(actor, meeting, DocumentKind.DELEGATION_REPORT)
    assert batch.decision.reported_meeting_id == meeting.id
    assert delegation_report.unreported_decisions(bw.committee.id) == []
    assert delegation_report.reported_decisions(meeting) == [batch.decision]
    assert meeting in delegation_report.meetings_with_reports(bw.committee.id)


def test_the_ledger_export_has_one_line_per_invoice_of_a_granted_batch(client, bw):
    batch = _granted(bw)
    client.login("ekonom")
    response = client.get("/arenden/att-verkstalla.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    mine = [row for row in rows if row[0] == batch.registry_number]
    assert sorted(row[4] for row in mine) == ["N000", "N001", "N002", "S000", "S001"]
    assert {row[10] for row in mine} == {"Oekonomiskt litet belopp"}
    assert sum(int(row[6].replace(",", "")) for row in mine) == batch.amount_ore


def test_a_left_out_line_is_not_exported_nor_decided(bw):
    batch = services.batch_create_from_filter(
        bw.actor(bw.finance), services.BatchHead(bw.committee.id, "T", "uneconomic", False, "Skäl"),
        services.BatchFilter(below_ore=100_00))
    services.batch_build(bw.actor(bw.finance), batch)
    left = next(line for line in batch.lines if line.invoice.invoice_number == "S001")
    services.batch_leave_out(bw.actor(bw.finance), batch, [left.id])
    services.batch_submit(bw.actor(bw.finance), batch)
    decision = services.batch_decide(bw.actor(bw.department_head), batch, GRANT)
    assert decision.line_count == 4 and left.left_out


def test_a_batch_write_off_counts_in_the_customers_twelve_months(bw, make):
    _granted(bw)
    invoice = make.invoice(bw.norr[0].customer, bw.unit, bw.no_interest, due_date=date(2026, 10, 31),
                           original_ore=1_000_00)
    officer = bw.actor(bw.officer)
    case = case_services.case_create(officer, customer=bw.norr[0].customer, case_type=CaseType.WRITE_OFF,
                                     invoice_ids=[invoice.id], terms=TermsInput(), reasons="Prov")
    assert twelve_month_prior(case, date(2026, 11, 23)) == 50_00


def test_a_limit_per_invoice_holds_whatever_the_total():
    facts = CaseFacts(committee_id=1, case_type=CaseType.WRITE_OFF, amount_ore=2_000_00, largest_invoice_ore=1_500_00)
    [reason] = limit_reasons(Limits(max_amount_ore=5_000_00, max_invoice_amount_ore=1_000_00), facts,
                             date(2026, 11, 23), {}, "3.1")
    assert reason.code == ReasonCode.INVOICE_AMOUNT_OVER_LIMIT and reason.actual == 1_500_00
    assert limit_reasons(Limits(max_invoice_amount_ore=1_500_00), facts, date(2026, 11, 23), {}, "3.1") == []
    missing = limit_reasons(Limits(max_invoice_amount_ore=1_500_00), replace(facts, largest_invoice_ore=None),
                            date(2026, 11, 23), {}, "3.1")
    assert [r.code for r in missing] == [ReasonCode.FACT_MISSING]


def test_a_single_write_off_of_many_invoices_is_checked_invoice_by_invoice(bw, make):
    """Thirty 100 kr invoices and one of 1 200 kr: 4 200 kr in all is under the unit head's 5 000 kr,
    but the rule allows at most 1 000 kr per invoice."""
    rule = next(rule for rule in bw.version.rules if rule.number == "3.1")
    rule.max_invoice_amount_ore = 1_000_00
    db.session.flush()
    customer = make.customer("Många fakturor")
    invoices = [make.invoice(customer, bw.unit, bw.no_interest, due_date=date(2026, 6, 30), original_ore=100_00)
                for _ in range(30)]
    big = make.invoice(customer, bw.unit, bw.no_interest, due_date=date(2026, 6, 30), original_ore=1_200_00)
    officer = bw.actor(bw.officer)
    case = case_services.case_create(officer, customer=customer, case_type=CaseType.WRITE_OFF,
                                     invoice_ids=[i.id for i in invoices], terms=TermsInput(), reasons="Prov")
    case_services.case_update(officer, case, invoice_ids=[i.id for i in invoices],
                              terms=TermsInput(write_off_reason="uneconomic", write_off_final=False), reasons="Prov")
    assert facts_for(case, date(2026, 11, 23)).largest_invoice_ore == 100_00
    case_services.case_update(officer, case, invoice_ids=[i.id for i in [*invoices, big]],
                              terms=TermsInput(write_off_reason="uneconomic", write_off_final=False), reasons="Prov")
    facts = facts_for(case, date(2026, 11, 23))
    assert facts.amount_ore == 4_200_00 and facts.largest_invoice_ore == 1_200_00
    from portal.cases.routing import route as case_route

    routing = case_route(case, date(2026, 11, 23))
    outcome = next(o for o in routing.verdict.outcomes if o.rule_number == "3.1")
    assert not outcome.matched
    assert [r.code for r in outcome.reasons] == [ReasonCode.INVOICE_AMOUNT_OVER_LIMIT]


def test_a_batch_line_over_the_limit_per_invoice_needs_the_next_level(bw, make):
    rule = next(rule for rule in bw.version.rules if rule.number == "3.1")
    rule.max_invoice_amount_ore = 51_00
    db.session.flush()
    batch = submitted(bw, criteria=services.BatchFilter(below_ore=100_00, unit_ids=(bw.unit.id,)))
    verdict = route(batch, date(2026, 11, 23))
    levels = {line.invoice.invoice_number: verdict.line_level(line.id) for line in batch.lines}
    assert levels == {"N000": 1, "N001": 1, "N002": 2}  # 50 and 51 kr within 51 kr (inclusive), 52 kr over


def test_a_case_cannot_take_an_invoice_a_submitted_batch_holds(bw):
    from portal.errors import ValidationFailed

    submitted(bw)
    invoice = bw.norr[0]
    with pytest.raises(ValidationFailed) as refused:
        case_services.case_create(bw.actor(bw.officer), customer=invoice.customer, case_type=CaseType.DEFERRAL,
                                  invoice_ids=[invoice.id], terms=TermsInput(), reasons="Prov")
    assert "N000" in refused.value.errors["invoice_ids"] and "samlingsbeslut" in refused.value.errors["invoice_ids"]


def test_not_yet_reported_counts_a_batch_as_one_line_with_its_sum(bw, make):
    from portal.home.queries import secretary_work

    batch = _granted(bw)
    [total] = delegation_report.unreported_totals(bw.committee.id)
    assert (total.type_label, total.rule_number, total.count, total.amount_ore, total.batch) == (
        "Avskrivning (samlingsbeslut)", "3.2", 1, batch.amount_ore, True)
    assert delegation_report.unreported_counts([bw.committee.id]) == {bw.committee.id: 1}
    [work] = secretary_work({bw.committee.id}, date(2026, 11, 23))
    assert work.unreported == 1
    page = delegation_report.unreported_page(bw.committee.id)
    [group] = page.groups
    assert [line.registry_number for line in group.lines] == [batch.registry_number]
    assert page.pages == 1 and page.count == 1


def test_a_meetings_paged_report_lists_its_batch_on_the_first_page(bw, make):
    batch = _granted(bw)
    secretary = make.user("sekr", Role.COMMITTEE_SECRETARY)
    make.appointment(secretary, make.position(bw.committee, PositionKind.COMMITTEE_SECRETARY))
    actor = bw.actor(secretary)
    meeting = meeting_services.meeting_create(actor, bw.committee, meeting_date=date(2026, 12, 10), place="Salen")
    meeting_services.agenda_add_report(actor, meeting)
    from portal.documents.models import DocumentKind

    meeting_services.meeting_document_issue(actor, meeting, DocumentKind.DELEGATION_REPORT)
    first = delegation_report.reported_page(meeting, 1)
    assert [line.registry_number for g in first.groups for line in g.lines] == [batch.registry_number]
    assert first.count == 1 and first.amount_ore == batch.amount_ore
    assert delegation_report.reported_page(meeting, 2).groups == []
    assert delegation_report.unreported_counts([bw.committee.id]) == {}
