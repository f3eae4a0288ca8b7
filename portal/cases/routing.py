"""From a case in the database to the engine's facts, and the engine's answer for it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, select

from portal import clock
from portal.auth.models import User
from portal.cases.models import Case, Decision
from portal.cases.refusals import explain, refusal_text
from portal.cases.rules import InvoiceLine, Outcome, decided_line_amounts, twelve_month_window
from portal.cases.terms import ComputedTerms, TermsInput
from portal.delegation import queries as delegation_queries
from portal.delegation.engine_types import CaseFacts, CaseType, CustomerKind, RuleKind
from portal.delegation.results import DecisionCheck, ReasonCode, RuleOutcome, Verdict
from portal.delegation.rules import may_decide, verdict
from portal.extensions import db
from portal.memo import per_transaction
from portal.org.bodies import creditor_of
from portal.org.models import Committee, OrgUnit
from portal.org.queries import creditor_expression
from portal.receivables.identity import IdentityKind
from portal.receivables.models import Invoice


@dataclass(frozen=True)
class Terms:
    """The terms the engine is asked about: the case's saved ones, the ones in the officer's form
    (the live preview), or a partial grant's changed ones. Built only by `terms_asked`."""

    amount_ore: int
    length_months: int | None = None
    length_days: int | None = None
    monthly_instalment_ore: int | None = None
    instalments: int | None = None
    write_off_reason: str | None = None
    # A credit's or a collection case's reason (the engine's `reason` fact).
    reason: str | None = None
    applied_before_due: bool | None = None
    # The invoices the terms are for (other unpaid debt is the customer's debt outside them);
    # None: the case's own lines.
    invoice_ids: frozenset[int] | None = None


def terms_asked(entered: TermsInput, computed: ComputedTerms, invoice_ids: frozenset[int] | None = None) -> Terms:
    """The one way from terms as the officer entered them (and the figures computed from them) to
    the engine's question: the live preview, the saved case, submission and the decision all ask
    through here, so the preview names the decider the case is sent to."""
    return Terms(computed.amount_ore, computed.length_months, computed.length_days, computed.monthly_amount_ore,
                 computed.instalments, write_off_reason=entered.write_off_reason,
                 reason=entered.credit_reason or entered.collection_reason,
                 applied_before_due=entered.applied_before_due, invoice_ids=invoice_ids)


def saved_terms(case: Case) -> Terms:
    """The case's saved terms, with the figures the services keep on it."""
    return terms_asked(TermsInput.from_case(case), ComputedTerms(
        case.amount_ore, case.length_months, case_length_days(case), instalments=case.instalments,
        monthly_amount_ore=case.monthly_amount_ore))


@dataclass(frozen=True)
class KnownFacts:
    """What the engine needs to know about cases beyond the cases themselves, read for many cases
    at once on one day (three queries however many cases): the queue asks about every waiting case,
    the case page about one, through the same code."""

    on_date: date
    # (customer, committee, case type) -> (case id, decision date, amount) of granted and partly
    # granted decisions from the calendar year's start or the 12-month window's, whichever is first
    granted: dict[tuple[int, int, str], tuple[tuple[int, date, int], ...]]
    # (customer, creditor) -> how many of their invoices owed to that legal person are open and overdue
    # on the day (a company's invoices are never "other unpaid debt" of a committee's case, RULINGS 10)
    overdue_count: dict[tuple[int, int], int]
    # identity number -> the user who has it (a customer who is a user may never decide, R3)
    people: dict[str, int]


def _window_start(on_date: date) -> date:
    first, _last = twelve_month_window(on_date)
    return min(first, date(on_date.year, 1, 1))


def known_facts(cases: list[Case], on_date: date) -> KnownFacts:
    """Read once per transaction for the same cases and day (the case page asks for its route,
    its decider and its visibility)."""
    key = ("known_facts", tuple(sorted(case.id for case in cases)), on_date)
    return per_transaction(key, lambda: _read_known_facts(cases, on_date))


def _read_known_facts(cases: list[Case], on_date: date) -> KnownFacts:
    customer_ids = sorted({case.customer_id for case in cases})
    if not customer_ids:
        return KnownFacts(on_date, {}, {}, {})
    _first, last = twelve_month_window(on_date)
    granted: dict[tuple[int, int, str], list[tuple[int, date, int]]] = {}
    for customer_id, committee_id, case_type, case_id, day, amount in db.session.execute(
        select(Case.customer_id, Case.committee_id, Case.case_type, Case.id, Decision.decision_date,
               Decision.amount_ore)
        .join(Case, Case.id == Decision.case_id)
        .where(
            Case.customer_id.in_(customer_ids),
            # A case proposing that a plan's whole debt falls due never counts as a plan.
            Case.whole_debt_due_for_id.is_(None),
            Decision.outcome.in_([Outcome.GRANTED.value, Outcome.PARTLY_GRANTED.value]),
            Decision.decision_date.between(_window_start(on_date), last),
        )
    ):
        granted.setdefault((customer_id, committee_id, case_type), []).append((case_id, day, int(amount or 0)))
    # Granted batch write-offs count with the single ones (R5), under the batch's id negated so that
    # no batch is taken for the case being asked about.
    from portal.batches.routing import batch_write_offs_of

    for customer_id, committee_id, batch_id, day, amount in batch_write_offs_of(
            customer_ids, _window_start(on_date), last):
        granted.setdefault((customer_id, committee_id, CaseType.WRITE_OFF.value), []).append((-batch_id, day, amount))
    creditor = creditor_expression()
    overdue = {(customer_id, int(owed_to)): count for customer_id, owed_to, count in db.session.execute(
        select(Invoice.customer_id, creditor, func.count())
        .join(OrgUnit, OrgUnit.id == Invoice.org_unit_id).join(Committee, Committee.id == OrgUnit.committee_id)
        .where(Invoice.customer_id.in_(customer_ids), Invoice.open_amount_ore > 0, Invoice.due_date < on_date)
        .group_by(Invoice.customer_id, creditor)
    )}
    identities = sorted({case.customer.identity_number for case in cases})
    people: dict[str, int] = {}
    for identity, user_id in db.session.execute(
        select(User.identity_number, User.id).where(User.identity_number.in_(identities)).order_by(User.id)
    ):
        people.setdefault(identity, user_id)
    return KnownFacts(on_date, {key: tuple(rows) for key, rows in granted.items()}, overdue, people)


def _not_counted(case: Case) -> set[int]:
    """The case itself; and a case proposing that a plan's whole debt falls due is asked as that
    plan would be asked today, so the plan does not count against itself."""
    return {case.id} | ({case.whole_debt_due_for_id} if case.whole_debt_due_for_id is not None else set())


def _earlier_grants(case: Case, known: KnownFacts) -> tuple[tuple[int, date, int], ...]:
    skip = _not_counted(case)
    return tuple(row for row in known.granted.get((case.customer_id, case.committee_id, case.case_type), ())
                 if row[0] not in skip)


def granted_cases(case: Case, on_date: date, known: KnownFacts | None = None) -> tuple[int, int]:
    """Frequency limits (issue 12 §5): granted and partly granted cases of the same type, customer
    and committee before this one, in the decision's calendar year and in the 12 months before."""
    known = known or known_facts([case], on_date)
    first, last = twelve_month_window(on_date)
    dates = [day for _case_id, day, _amount in _earlier_grants(case, known)]
    in_year = sum(1 for day in dates if day.year == on_date.year and day <= last)
    in_twelve_months = sum(1 for day in dates if first <= day <= last)
    return in_year, in_twelve_months


def twelve_month_prior(case: Case, on_date: date, known: KnownFacts | None = None) -> int:
    """R5: granted and partly granted amounts of the same type, customer and committee in the
    12 months before the decision date (this case itself excluded), batch write-offs included."""
    known = known or known_facts([case], on_date)
    first, last = twelve_month_window(on_date)
    return sum(amount for _case_id, day, amount in _earlier_grants(case, known) if first <= day <= last)


@dataclass(frozen=True)
class _TermsInvoice:
    category_id: int
    customer_id: int
    open_amount_ore: int
    due_date: date | None


def _terms_invoices(case: Case, invoice_ids: frozenset[int] | None) -> list:
    """The invoices the terms are about: the case's own (loaded with it), or the form's."""
    if invoice_ids is None:
        return [line.invoice for line in case.lines]
    return [_TermsInvoice(*row) for row in db.session.execute(
        select(Invoice.category_id, Invoice.customer_id, Invoice.open_amount_ore, Invoice.due_date)
        .where(Invoice.id.in_(sorted(invoice_ids))))]


def _other_unpaid_debt(case: Case, invoices: list, known: KnownFacts) -> bool:
    """Overdue open invoices of the customer beyond those the terms are about."""
    on_date = known.on_date
    in_terms = sum(1 for invoice in invoices
                   if invoice.customer_id == case.customer_id and invoice.open_amount_ore > 0
                   and invoice.due_date is not None and invoice.due_date < on_date)
    owed_to = creditor_of(case.committee.kind, case.committee_id)
    return known.overdue_count.get((case.customer_id, owed_to), 0) > in_terms


def _largest_invoice(case: Case, terms: Terms) -> int | None:
    """The largest amount the terms give up or ask on one invoice: each invoice's own part, as the
    ledger export books it (a rule may limit it per invoice, beside the case's total)."""
    lines = {line.invoice_id: InvoiceLine(line.invoice_id, line.open_capital_ore, line.interest_ore, line.fees_ore,
                                          line.credited_capital_ore) for line in case.lines}
    if terms.invoice_ids is not None:
        # The form's invoices (the live preview): those not yet on the case as a new line takes them.
        from portal.cases.terms import line_amounts

        missing = sorted(terms.invoice_ids - set(lines))
        for invoice in db.session.scalars(select(Invoice).where(Invoice.id.in_(missing))) if missing else ():
            capital, interest = line_amounts(invoice, clock.today())
            lines[invoice.id] = InvoiceLine(invoice.id, capital, interest, 0, None)
        lines = {invoice_id: lines[invoice_id] for invoice_id in sorted(terms.invoice_ids) if invoice_id in lines}
    parts = decided_line_amounts(CaseType(case.case_type), list(lines.values()), terms.amount_ore)
    return max(parts, default=None)


def facts_for(case: Case, on_date: date, terms: Terms | None = None, known: KnownFacts | None = None) -> CaseFacts:
    """The engine's facts for a case on a day; `known` carries what was read for many cases at once
    (`known_facts`), else it is read for this case alone."""
    terms = terms or saved_terms(case)
    known = known if known is not None and known.on_date == on_date else known_facts([case], on_date)
    case_type = CaseType(case.case_type)
    in_year, in_twelve_months = granted_cases(case, on_date, known)
    customer_kind = (CustomerKind.ORGANISATION if case.customer.kind == IdentityKind.ORGANISATION.value
                     else CustomerKind.PRIVATE)
    invoices = _terms_invoices(case, terms.invoice_ids)
    return CaseFacts(
        committee_id=case.committee_id,
        case_type=case_type,
        amount_ore=terms.amount_ore,
        twelve_month_prior_ore=twelve_month_prior(case, on_date, known),
        largest_invoice_ore=_largest_invoice(case, terms),
        deferral_months=terms.length_months if case_type == CaseType.DEFERRAL else None,
        deferral_days=terms.length_days if case_type == CaseType.DEFERRAL else None,
        plan_months=terms.length_months if case_type == CaseType.INSTALMENT_PLAN else None,
        monthly_instalment_ore=terms.monthly_instalment_ore,
        instalments=terms.instalments if case_type == CaseType.INSTALMENT_PLAN else None,
        granted_cases_calendar_year=in_year,
        granted_cases_twelve_months=in_twelve_months,
        issuing_unit_id=case.org_unit_id,
        invoice_category_ids=frozenset(invoice.category_id for invoice in invoices) or None,
        write_off_reason=terms.write_off_reason,
        reason=terms.reason,
        customer_kind=customer_kind,
        applied_before_due=terms.applied_before_due,
        has_other_unpaid_debt=_other_unpaid_debt(case, invoices, known),
        conditions_met=frozenset(a.condition_id for a in case.condition_answers if a.met),
        conditions_unmet=frozenset(a.condition_id for a in case.condition_answers if not a.met),
        preparer_person_id=case.prepared_by_id,
        customer_person_id=known.people.get(case.customer.identity_number),
        conflict_person_ids=frozenset(c.user_id for c in case.conflicts),
        consultation_recorded=bool(case.consultations),
        urgent=bool(case.urgent),
    )


def case_length_days(case: Case) -> int | None:
    due = earliest_due_date(case)
    end = case.new_due_date if case.case_type == CaseType.DEFERRAL else None
    if due is None or end is None:
        return None
    return (end - due).days


def earliest_due_date(case: Case) -> date | None:
    dues = [line.invoice.due_date for line in case.lines if line.invoice.due_date is not None]
    return min(dues) if dues else None


@dataclass(frozen=True)
class Routing:
    """The engine's verdict for a case on a day, with the version it was asked under."""

    verdict: Verdict | None
    version_id: int | None
    facts: CaseFacts

    @property
    def committee_only(self) -> bool:
        return self.verdict is None or self.verdict.committee_only


def route(case: Case, on_date: date, terms: Terms | None = None) -> Routing:
    context = delegation_queries.case_context(case.committee_id, on_date)
    facts = facts_for(case, on_date, terms)
    if context.engine_version is None:
        return Routing(None, None, facts)
    result = verdict(facts, context.engine_version, context.org, on_date, context.price_base_amounts)
    return Routing(result, context.version_id, facts)


def check_decider(case: Case, person_id: int, on_date: date, terms: Terms | None = None, *,
                  refusing: bool = True) -> DecisionCheck | None:
    """May this person decide the case on this day (None: no scheme in force, only the committee).

    Where a guideline bar covers the case, refusing it is the one delegated decision (RULINGS 8):
    by default the person is asked about that, as who may act on the case; the decision service
    asks about the outcome chosen."""
    context = delegation_queries.case_context(case.committee_id, on_date)
    if context.engine_version is None:
        return None
    facts = facts_for(case, on_date, terms)
    return may_decide(facts, context.engine_version, context.org, on_date, context.price_base_amounts,
                      person_id, refusing=refusing)


@dataclass(frozen=True)
class UrgentCover:
    """What the scheme says about the case as an urgent matter (kommunallagen 6 kap 39 §): the
    urgent rules that would take it, and why each other urgent rule of its type would not."""

    rules: tuple[str, ...]
    others: tuple[RuleOutcome, ...]

    @property
    def covered(self) -> bool:
        return bool(self.rules)


def urgent_cover(case: Case, on_date: date) -> UrgentCover:
    """Ask the engine about the case as if it were marked urgent: an urgent rule covers it when the
    rule matches and someone may decide under it today. Marking urgent is offered, and allowed, only
    then; otherwise the mark would strand the case where nobody can decide it."""
    context = delegation_queries.case_context(case.committee_id, on_date)
    if context.engine_version is None:
        return UrgentCover((), ())
    facts = replace(facts_for(case, on_date), urgent=True)
    result = verdict(facts, context.engine_version, context.org, on_date, context.price_base_amounts)
    urgent = [outcome for outcome in result.outcomes if outcome.kind == RuleKind.URGENT]
    return UrgentCover(tuple(o.rule_number for o in urgent if o.available),
                       tuple(o for o in urgent if not o.available))


def refusal(case: Case, check: DecisionCheck, on_date: date, terms: Terms | None = None) -> str:
    """Why this person may not decide the case, naming each rule, and who can decide instead
    (refusals.refusal_text): the words of the decision service, the case page and the trail."""
    context = delegation_queries.case_context(case.committee_id, on_date)
    facts = facts_for(case, on_date, terms)
    explained, answer = (), None
    if context.engine_version is not None:
        if any(reason.code == ReasonCode.NOT_A_DECIDER for reason in check.reasons):
            explained = explain(check.person_id, facts, context.engine_version, context.org, on_date)
        answer = verdict(facts, context.engine_version, context.org, on_date, context.price_base_amounts)
    return refusal_text(check.person_id, check.reasons, delegation_queries.names(), on_date=on_date,
                        facts=facts, explained=explained, verdict=answer)
