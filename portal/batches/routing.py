"""From a batch in the database to the engine's facts for each line, and the engine's answers.

Each line is asked as its own small write-off case: its reason, its issuing unit and invoice
category, and, for the amount, what the batch gives up from that customer (all their lines
together) added on the 12-month basis to the write-offs granted them in the 12 months before
(R5, per customer and committee). Lines with the same facts are asked once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal.auth.models import User
from portal.batches.models import BatchConflict, WriteOffBatch, WriteOffBatchDecision, WriteOffBatchLine
from portal.batches.rules import BatchVerdict, batch_verdict, customer_totals
from portal.cases.models import Case, Decision
from portal.cases.rules import Outcome, twelve_month_window
from portal.delegation import queries as delegation_queries
from portal.delegation.engine_types import CaseFacts, CaseType, CustomerKind
from portal.delegation.results import DecisionCheck
from portal.delegation.rules import may_decide, verdict
from portal.extensions import db
from portal.org.models import Committee, OrgUnit
from portal.org.queries import creditor_expression, creditor_of_committee
from portal.receivables.identity import IdentityKind
from portal.receivables.models import Customer, Invoice

GRANTED = (Outcome.GRANTED.value, Outcome.PARTLY_GRANTED.value)


def batch_write_offs_of(customer_ids, first: date, last: date) -> list[tuple[int, int, int, date, int]]:
    """(customer, committee, batch, decision date, amount given up) of every granted batch write-off
    of these customers decided in [first, last], for the single cases' 12-month basis."""
    return [(customer_id, committee_id, batch_id, day, int(amount or 0)) for customer_id, committee_id, batch_id, day, amount
            in db.session.execute(
                select(WriteOffBatchLine.customer_id, WriteOffBatch.committee_id, WriteOffBatchLine.batch_id,
                       WriteOffBatchDecision.decision_date,
                       func.sum(WriteOffBatchLine.open_capital_ore + WriteOffBatchLine.interest_ore))
                .join(WriteOffBatchDecision, WriteOffBatchDecision.batch_id == WriteOffBatchLine.batch_id)
                .join(WriteOffBatch, WriteOffBatch.id == WriteOffBatchLine.batch_id)
                .where(WriteOffBatchLine.customer_id.in_(customer_ids), WriteOffBatchLine.left_out.is_(False),
                       WriteOffBatchDecision.outcome == Outcome.GRANTED.value,
                       WriteOffBatchDecision.decision_date.between(first, last))
                .group_by(WriteOffBatchLine.customer_id, WriteOffBatch.committee_id, WriteOffBatchLine.batch_id,
                          WriteOffBatchDecision.decision_date))]


def batch_write_offs_by_customer(committee_id: int, customer_ids, first: date, last: date,
                                 except_batch_id: int | None = None) -> dict[int, list[tuple[date, int]]]:
    """Per customer: (decision date, amount given up) of each granted batch write-off of the committee
    decided in [first, last]. The 12-month basis of single cases reads it too."""
    query = (
        select(WriteOffBatchLine.customer_id, WriteOffBatchDecision.decision_date,
               func.sum(WriteOffBatchLine.open_capital_ore + WriteOffBatchLine.interest_ore))
        .join(WriteOffBatchDecision, WriteOffBatchDecision.batch_id == WriteOffBatchLine.batch_id)
        .join(WriteOffBatch, WriteOffBatch.id == WriteOffBatchLine.batch_id)
        .where(WriteOffBatch.committee_id == committee_id, WriteOffBatchLine.customer_id.in_(customer_ids),
               WriteOffBatchLine.left_out.is_(False), WriteOffBatchDecision.outcome == Outcome.GRANTED.value,
               WriteOffBatchDecision.decision_date.between(first, last))
        .group_by(WriteOffBatchLine.customer_id, WriteOffBatchLine.batch_id, WriteOffBatchDecision.decision_date)
    )
    if except_batch_id is not None:
        query = query.where(WriteOffBatchLine.batch_id != except_batch_id)
    result: dict[int, list[tuple[date, int]]] = {}
    for customer_id, day, amount in db.session.execute(query):
        # int(): PostgreSQL's SUM over a bigint is a Decimal; öre are integers everywhere else.
        result.setdefault(customer_id, []).append((day, int(amount or 0)))
    return result


@dataclass(frozen=True)
class _CustomerFacts:
    kind: CustomerKind
    prior_ore: int
    in_year: int
    in_twelve_months: int
    other_unpaid_debt: bool
    person_id: int | None


def _customer_facts(batch: WriteOffBatch, lines: list[WriteOffBatchLine], on_date: date) -> dict[int, _CustomerFacts]:
    customer_ids = sorted({line.customer_id for line in lines})
    first, last = twelve_month_window(on_date)
    start = min(first, date(on_date.year, 1, 1))
    customer_ids_query = select(WriteOffBatchLine.customer_id).where(WriteOffBatchLine.batch_id == batch.id)
    # Single write-off cases granted to these customers by the committee.
    singles: dict[int, list[tuple[date, int]]] = {}
    for customer_id, day, amount in db.session.execute(
        select(Case.customer_id, Decision.decision_date, Decision.amount_ore)
        .join(Decision, Decision.case_id == Case.id)
        .where(Case.customer_id.in_(customer_ids_query), Case.committee_id == batch.committee_id,
               Case.case_type == CaseType.WRITE_OFF.value, Decision.outcome.in_(GRANTED),
               Decision.decision_date.between(start, last))
    ):
        singles.setdefault(customer_id, []).append((day, int(amount)))
    batches = batch_write_offs_by_customer(batch.committee_id, customer_ids_query, start, last, batch.id)
    line_invoices = select(WriteOffBatchLine.invoice_id).where(WriteOffBatchLine.batch_id == batch.id,
                                                               WriteOffBatchLine.left_out.is_(False))
    # Only debts to the batch's own legal person count (RULINGS 10: never a company's with a committee's).
    with_other_debt = set(db.session.scalars(
        select(Invoice.customer_id).join(OrgUnit, OrgUnit.id == Invoice.org_unit_id)
        .join(Committee, Committee.id == OrgUnit.committee_id)
        .where(Invoice.customer_id.in_(customer_ids_query), Invoice.open_amount_ore > 0,
               Invoice.due_date < on_date, Invoice.id.not_in(line_invoices),
               creditor_expression() == creditor_of_committee(batch.committee_id))
        .distinct()))
    customers = {row.id: row for row in db.session.execute(
        select(Customer.id, Customer.kind, Customer.identity_number).where(Customer.id.in_(customer_ids_query)))}
    people = dict(db.session.execute(
        select(User.identity_number, User.id).where(User.identity_number.in_(
            select(Customer.identity_number).where(Customer.id.in_(customer_ids_query))))).all())
    facts = {}
    for customer_id in customer_ids:
        decided = singles.get(customer_id, []) + batches.get(customer_id, [])
        row = customers[customer_id]
        facts[customer_id] = _CustomerFacts(
            kind=CustomerKind.ORGANISATION if row.kind == IdentityKind.ORGANISATION.value else CustomerKind.PRIVATE,
            prior_ore=sum(amount for day, amount in decided if first <= day <= last),
            in_year=sum(1 for day, _amount in decided if day.year == on_date.year),
            in_twelve_months=sum(1 for day, _amount in decided if first <= day <= last),
            other_unpaid_debt=customer_id in with_other_debt,
            person_id=people.get(row.identity_number),
        )
    return facts


def line_facts(batch: WriteOffBatch, on_date: date) -> dict[int, CaseFacts]:
    """The engine's facts for each line not left out, by line id."""
    lines = batch.included
    if not lines:
        return {}
    customers = _customer_facts(batch, lines, on_date)
    totals = customer_totals((line.customer_id, line.amount_ore) for line in lines)
    conflicts = frozenset(db.session.scalars(select(BatchConflict.user_id).where(BatchConflict.batch_id == batch.id)))
    facts = {}
    for line in lines:
        customer = customers[line.customer_id]
        facts[line.id] = CaseFacts(
            committee_id=batch.committee_id,
            case_type=CaseType.WRITE_OFF,
            amount_ore=totals[line.customer_id],
            twelve_month_prior_ore=customer.prior_ore,
            largest_invoice_ore=line.amount_ore,
            granted_cases_calendar_year=customer.in_year,
            granted_cases_twelve_months=customer.in_twelve_months,
            issuing_unit_id=line.org_unit_id,
            invoice_category_ids=frozenset({line.invoice.category_id}),
            write_off_reason=line.write_off_reason,
            customer_kind=customer.kind,
            has_other_unpaid_debt=customer.other_unpaid_debt,
            preparer_person_id=batch.prepared_by_id,
            customer_person_id=customer.person_id,
            conflict_person_ids=conflicts,
            # No consultation is recorded on a batch: a rule that asks for one is not a path for it
            # (the engine names the missing consultation), README "Samlingsbeslut".
            consultation_recorded=False,
        )
    return facts


def route(batch: WriteOffBatch, on_date: date) -> BatchVerdict | None:
    """The engine's verdict on every line and on the batch (None: no scheme in force, only the
    committee decides)."""
    context = delegation_queries.case_context(batch.committee_id, on_date)
    if context.engine_version is None:
        return None
    asked: dict[CaseFacts, object] = {}
    verdicts = {}
    for line_id, facts in line_facts(batch, on_date).items():
        if facts not in asked:
            asked[facts] = verdict(facts, context.engine_version, context.org, on_date, context.price_base_amounts)
        verdicts[line_id] = asked[facts]
    return batch_verdict(verdicts)


def check_decider(batch: WriteOffBatch, person_id: int, on_date: date) -> dict[int, DecisionCheck] | None:
    """May this person decide each line (by line id); None: no scheme in force."""
    context = delegation_queries.case_context(batch.committee_id, on_date)
    if context.engine_version is None:
        return None
    asked: dict[CaseFacts, DecisionCheck] = {}
    checks = {}
    for line_id, facts in line_facts(batch, on_date).items():
        if facts not in asked:
            asked[facts] = may_decide(facts, context.engine_version, context.org, on_date,
                                      context.price_base_amounts, person_id)
        checks[line_id] = asked[facts]
    return checks
