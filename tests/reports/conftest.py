"""A small municipality for the reports: two committees, a department with two units, a published
scheme, people in place, and helpers that write cases and decisions as the services leave them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest

from portal.auth.roles import Role
from portal.batches.models import WriteOffBatch, WriteOffBatchDecision, WriteOffBatchLine
from portal.cases.models import Case, CaseInvoice, Consultation, Decision
from portal.extensions import db
from portal.meetings.models import AgendaItem, DelegationReportLine, Meeting
from portal.org.models import PositionKind

_numbers = itertools.count(1)


@dataclass
class Town:
    make: object
    committee: object
    other_committee: object
    department: object
    unit: object
    other_unit: object
    head_position: object
    other_head_position: object
    department_position: object
    version: object
    other_version: object
    officer: object
    head: object
    other_head: object
    department_head: object
    auditor: object
    director: object
    finance: object
    customer: object
    category: object

    def case(self, case_type: str = "deferral", *, unit=None, committee=None, prepared_by=None,
             state: str = "granted", amount_ore: int = 100_000, reason: str | None = None,
             final: bool | None = None, executed_on: date | None = None, lines=()) -> Case:
        case = Case(committee_id=(committee or self.committee).id, customer_id=self.customer.id,
                    org_unit_id=(unit or self.unit).id, case_type=case_type, state=state,
                    registry_number=f"SN 2026/{next(_numbers)}", prepared_by_id=(prepared_by or self.officer).id,
                    created_at=datetime(2026, 1, 2, tzinfo=UTC), submitted_at=datetime(2026, 1, 2, tzinfo=UTC),
                    reasons="", amount_ore=amount_ore, write_off_reason=reason, write_off_final=final,
                    executed_on=executed_on)
        db.session.add(case)
        db.session.flush()
        for capital, interest, fees in lines:
            invoice = self.make.invoice(self.customer, unit or self.unit, self.category, original_ore=capital)
            db.session.add(CaseInvoice(case_id=case.id, invoice_id=invoice.id, open_capital_ore=capital,
                                       interest_ore=interest, fees_ore=fees))
        db.session.flush()
        return case

    def decide(self, case: Case, on: date, *, outcome: str = "granted", by=None, rule: str | None = "1.1",
               version=None, capacity: str = "holder", position=None, meeting=None, paragraph=None,
               amount_ore: int | None = None, delegated_by=None) -> Decision:
        delegated = meeting is None
        decision = Decision(
            case_id=case.id, outcome=outcome, decision_date=on,
            decided_at=datetime.combine(on, time(10), tzinfo=UTC), decided_by_id=(by or self.head).id,
            capacity=capacity, position_id=(position or self.head_position).id if delegated else None,
            delegated_by_position_id=delegated_by.id if delegated_by else None,
            scheme_version_id=(version or self.version).id if delegated else None,
            rule_number=rule if delegated else None, rule_level=1 if delegated else None,
            meeting_id=meeting.id if meeting else None, paragraph=paragraph,
            amount_ore=case.amount_ore if amount_ore is None else amount_ore, terms={}, reasons="Skäl",
            no_conflict_confirmed=True)
        db.session.add(decision)
        db.session.flush()
        return decision

    def batch(self, lines, *, committee=None, state: str = "executed", decided_on: date | None = date(2026, 3, 5),
              outcome: str = "granted", executed_at: datetime | None = None, reason: str = "uneconomic",
              final: bool = False, by=None, prepared_by=None, rule: str = "3.1", version=None,
              capacity: str = "holder", position=None, reported_at=None, meeting=None) -> WriteOffBatch:
        """A batch write-off as the batch services leave it: lines of (unit, capital, interest), its one
        decision (unless `decided_on` is None) and, when executed, the instant finance booked it."""
        batch = WriteOffBatch(
            committee_id=(committee or self.committee).id, state=state, registry_number=f"SN 2026/{next(_numbers)}",
            title="Små skulder", write_off_reason=reason, write_off_final=final, reasons="Skäl",
            source={"kind": "filter"}, prepared_by_id=(prepared_by or self.finance).id,
            created_at=datetime(2026, 1, 2, tzinfo=UTC), submitted_at=datetime(2026, 1, 2, tzinfo=UTC),
            executed_at=executed_at if executed_at is not None or state != "executed"
            else datetime.combine(decided_on, time(12), tzinfo=UTC))
        db.session.add(batch)
        db.session.flush()
        for unit, capital, interest in lines:
            invoice = self.make.invoice(self.customer, unit, self.category, original_ore=capital)
            db.session.add(WriteOffBatchLine(batch_id=batch.id, invoice_id=invoice.id, customer_id=self.customer.id,
                                             org_unit_id=unit.id, open_capital_ore=capital, interest_ore=interest,
                                             write_off_reason=reason))
        batch.amount_ore = sum(capital + interest for _unit, capital, interest in lines)
        batch.line_count, batch.customer_count = len(lines), 1
        if decided_on is not None:
            db.session.add(WriteOffBatchDecision(
                batch_id=batch.id, outcome=outcome, decision_date=decided_on,
                decided_at=datetime.combine(decided_on, time(10), tzinfo=UTC), decided_by_id=(by or self.head).id,
                capacity=capacity, position_id=(position or self.head_position).id if meeting is None else None,
                scheme_version_id=(version or self.version).id if meeting is None else None,
                rule_number=rule if meeting is None else None, rule_level=1 if meeting is None else None,
                meeting_id=meeting.id if meeting else None, paragraph=7 if meeting else None,
                amount_ore=batch.amount_ore, line_count=len(lines), customer_count=1, reasons="Skäl",
                no_conflict_confirmed=True, reported_meeting_id=reported_at.id if reported_at else None))
        db.session.flush()
        db.session.refresh(batch)
        return batch

    def report(self, meeting_date: date, *decisions, committee=None) -> Meeting:
        """A held meeting of the committee whose delegation report lists these decisions."""
        meeting = Meeting(committee_id=(committee or self.committee).id, meeting_date=meeting_date, state="held",
                          created_at=datetime(2026, 1, 1, tzinfo=UTC))
        db.session.add(meeting)
        db.session.flush()
        item = AgendaItem(meeting_id=meeting.id, paragraph=1, kind="delegation_report", proposal="")
        db.session.add(item)
        db.session.flush()
        for decision in decisions:
            db.session.add(DelegationReportLine(decision_id=decision.id, meeting_id=meeting.id,
                                                agenda_item_id=item.id))
        db.session.flush()
        return meeting

    def consult(self, case: Case, at: datetime) -> Consultation:
        consultation = Consultation(case_id=case.id, recorded_by_id=self.finance.id, recorded_at=at, opinion="Ok")
        db.session.add(consultation)
        db.session.flush()
        return consultation


@pytest.fixture
def town(make, frozen_clock) -> Town:
    sn = make.committee("SN", "Socialnämnden")
    bun = make.committee("BUN", "Barn- och utbildningsnämnden")
    department = make.unit(sn, name="Socialförvaltningen", kind="department", code="3000")
    unit = make.unit(sn, name="Hemtjänst Norr", parent=department, code="3110")
    other_unit = make.unit(sn, name="Hemtjänst Syd", parent=department, code="3120")
    school = make.unit(bun, name="Skolförvaltningen", kind="department", code="4000")
    department_position = make.position(sn, PositionKind.DEPARTMENT_HEAD, department, title="Socialchef")
    head_position = make.position(sn, PositionKind.UNIT_HEAD, unit, title="Enhetschef Norr",
                                  standin=department_position)
    other_head_position = make.position(sn, PositionKind.UNIT_HEAD, other_unit, title="Enhetschef Syd",
                                        standin=department_position)
    school_deputy = make.position(bun, PositionKind.UNIT_HEAD, school, title="Biträdande skolchef")
    school_head = make.position(bun, PositionKind.DEPARTMENT_HEAD, school, title="Skolchef", standin=school_deputy)
    officer = make.user("handlaggare", Role.CASE_OFFICER, full_name="Hanna Holm")
    head = make.user("chef.norr", full_name="Nils Norberg")
    other_head = make.user("chef.syd", full_name="Sara Sjöberg")
    department_head = make.user("socialchef", full_name="Sofia Strand")
    auditor = make.user("revisor", Role.AUDITOR, full_name="Rut Revisor")
    director = make.user("ekonomichef", Role.FINANCE_DIRECTOR, full_name="Eva Ekonomichef")
    finance = make.user("ekonom", Role.FINANCE_OFFICER, full_name="Erik Eklund")
    school_boss = make.user("skolchef", full_name="Sven Skolchef")
    make.appointment(head, head_position)
    make.appointment(other_head, other_head_position)
    make.appointment(department_head, department_position)
    make.appointment(school_boss, school_head)
    make.appointment(make.user("bitr.skolchef", full_name="Berit Bitr"), school_deputy)
    make.price_base_amount(2026, 5_920_000)
    version = make.scheme_version(sn, valid_from=date(2026, 1, 1), adopted_on=date(2025, 12, 10))
    make.delegation_rule(version, "1.1", case_type="deferral", max_deferral_months=3)
    make.delegation_rule(version, "2.1", case_type="instalment_plan", max_plan_months=12)
    make.delegation_rule(version, "3.1", case_type="write_off", max_amount_ore=5_000_00)
    make.delegation_rule(version, "3.2", case_type="write_off", level=2, position_kind="department_head",
                         scope="issuing_department", standin_position_id=head_position.id)
    other_version = make.scheme_version(bun, valid_from=date(2026, 1, 1), adopted_on=date(2025, 12, 11))
    make.delegation_rule(other_version, "1", case_type="deferral", position_kind="department_head",
                         scope="issuing_department")
    customer = make.customer("Åsa Öberg")
    category = make.category("HEMTJ", name="Hemtjänst")
    return Town(make, sn, bun, department, unit, other_unit, head_position, other_head_position,
                department_position, version, other_version, officer, head, other_head, department_head, auditor,
                director, finance, customer, category)
