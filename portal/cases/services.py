"""Every step of a case, one service each: check, ask the engine where it must, flush, audit.

Services never commit; the request does, once. A decision is recorded with the engine asked again
inside the same transaction, the customer's row locked so that two decisions cannot both slip under
a 12-month basis, and a unique constraint so that a case is decided once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.audit.services import Actor, record, record_refusal
from portal.auth.models import User
from portal.cases import rules
from portal.cases.models import (
    Attachment,
    Case,
    CaseInvoice,
    ConditionAnswer,
    ConflictDeclaration,
    Consultation,
    Decision,
    RegistryCounter,
    SignedAgreement,
)
from portal.cases.queries import may_declare_conflict
from portal.cases.figures import apply_day, changes, figures_on, submitted_figures
from portal.cases.rerouting import reroute_after_decision, reroute_on_decision_day
from portal.cases.routing import Terms, check_decider, earliest_due_date, refusal, route, terms_asked
from portal.cases.rules import CaseState, Outcome, Step, StepRefused
from portal.cases.messages import hold_text
from portal.cases.terms import ComputedTerms, TermsInput, compute_terms, line_amounts, not_in_part_message
from portal.delegation.engine_types import CaseType
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.money import format_money
from portal.notify import events as mail_events
from portal.receivables.models import Customer, Invoice


def _refuse(message: str, field: str = "case") -> ValidationFailed:
    return ValidationFailed({field: message})


def _refuse_upload(actor: Actor, case: Case, kind: str, filename: str | None, data: bytes, message: str,
                   field: str) -> ValidationFailed:
    """A refused file is recorded (name, size, SHA-256 and why), then refused to the person."""
    record_refusal(actor, "upload.refused", "case", case.id, reason=message, details={
        "kind": kind, "filename": (filename or "")[:200], "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest()})
    return _refuse(message, field)


def _step(case: Case, step: Step) -> frozenset[CaseState]:
    try:
        return rules.next_states(CaseState(case.state), step)
    except StepRefused as refused:
        raise _refuse(_("This cannot be done to a case that is %(state)s.", state=case.state_label)) from refused


def _move(actor: Actor, case: Case, step: Step, target: CaseState, **details) -> None:
    if target not in _step(case, step):
        raise _refuse(_("This cannot be done to a case that is %(state)s.", state=case.state_label))
    before = case.state
    case.state = target.value
    db.session.flush()
    entry = record(actor, f"case.{step.value}", "case", case.id, before={"state": before},
                   after={"state": target.value, **details})
    mail_events.case_moved(actor, case, entry)  # who hears of it is found after the commit


# --- preparing ------------------------------------------------------------------------------------

def _invoices_for(customer: Customer, invoice_ids: list[int]) -> list[Invoice]:
    if not invoice_ids:
        raise _refuse(_("Choose at least one invoice."), "invoice_ids")
    invoices = list(db.session.scalars(select(Invoice).where(Invoice.id.in_(invoice_ids))))
    if len(invoices) != len(set(invoice_ids)) or any(i.customer_id != customer.id for i in invoices):
        raise _refuse(_("Choose invoices of this customer."), "invoice_ids")
    if len({i.org_unit_id for i in invoices}) != 1:
        raise _refuse(_("Choose invoices issued by one unit; make one case per unit."), "invoice_ids")
    if any(i.open_amount_ore <= 0 for i in invoices):
        raise _refuse(_("An invoice without an open amount cannot be part of a case."), "invoice_ids")
    return invoices


def case_create(
    actor: Actor, *, customer: Customer, case_type: CaseType, invoice_ids: list[int], terms: TermsInput,
    reasons: str, corrects: Decision | None = None,
) -> Case:
    invoices = _invoices_for(customer, invoice_ids)
    unit = invoices[0].org_unit
    case = Case(
        committee_id=unit.committee.main_committee_id, customer_id=customer.id, org_unit_id=unit.id,
        case_type=case_type.value, state=CaseState.DRAFT.value, prepared_by_id=actor.user_id,
        created_at=clock.now(), reasons=reasons.strip(),
        corrects_decision_id=corrects.id if corrects else None,
    )
    db.session.add(case)
    db.session.flush()
    _set_lines(case, invoices, terms)
    _refuse_held(actor, case.id, case.case_type, case.lines, amounts=False)
    # A draft starts with its invoices; the terms are filled in and checked before submission.
    case.amount_ore = rules.case_amount(CaseType(case.case_type), _lines_of(case))
    db.session.flush()
    record(actor, "case.create", "case", case.id, after=_case_view(case))
    return case


def _lines_of(case: Case) -> list[rules.InvoiceLine]:
    return [rules.InvoiceLine(line.invoice_id, line.open_capital_ore, line.interest_ore, line.fees_ore,
                              line.credited_capital_ore) for line in case.lines]


def case_update(actor: Actor, case: Case, *, invoice_ids: list[int], terms: TermsInput, reasons: str) -> Case:
    if CaseState(case.state) not in rules.EDITABLE:
        raise _refuse(_("Only a draft or a returned case can be changed."))
    if case.prepared_by_id != actor.user_id:
        raise _refuse(_("Only the case officer who prepared the case can change it."))
    before = _case_view(case)
    invoices = _invoices_for(case.customer, invoice_ids)
    if invoices[0].org_unit_id != case.org_unit_id:
        raise _refuse(_("Choose invoices issued by one unit; make one case per unit."), "invoice_ids")
    case.lines.clear()
    db.session.flush()
    _set_lines(case, invoices, terms)
    _refuse_held(actor, case.id, case.case_type, case.lines)
    case.reasons = reasons.strip()
    _apply_terms(case, terms)
    after = _case_view(case)
    if after != before:
        record(actor, "case.update", "case", case.id, before=before, after=after)
    return case


def _new_lines(case_type: str, invoices: list[Invoice], terms: TermsInput) -> list[CaseInvoice]:
    """The case's lines for these invoices as of today (not yet added to any case)."""
    today = clock.today()
    lines = []
    for invoice in sorted(invoices, key=lambda i: i.id):
        capital, interest = line_amounts(invoice, today)
        credited = terms.credited_ore.get(invoice.id) if case_type == CaseType.CREDIT else None
        if credited is not None and not 0 < credited <= capital:
            raise _refuse(_("The credited amount on invoice %(number)s must be more than 0 kr and at most "
                            "its open amount, %(open)s.", number=invoice.invoice_number,
                            open=format_money(capital)), f"credit_{invoice.id}")
        lines.append(CaseInvoice(invoice_id=invoice.id, invoice=invoice, open_capital_ore=capital,
                                 interest_ore=interest, fees_ore=0, credited_capital_ore=credited))
    return lines


def _set_lines(case: Case, invoices: list[Invoice], terms: TermsInput) -> None:
    case.lines.extend(_new_lines(case.case_type, invoices, terms))
    db.session.flush()


# --- one invoice in one open case (RULINGS 15) -----------------------------------------------------

def _others_on(invoice_ids: list[int], except_case_id: int | None) -> list[rules.OtherCase]:
    """The other cases with any of these invoices that hold them, warn of them or gave part up."""
    states = [s.value for s in (rules.HOLDS_INVOICES | rules.GRANTED_NOT_BOOKED | {CaseState.DRAFT})]
    with_invoice = select(CaseInvoice.case_id).where(CaseInvoice.invoice_id.in_(invoice_ids))
    query = select(Case).where(Case.id.in_(with_invoice), Case.state.in_(states))
    if except_case_id is not None:
        query = query.where(Case.id != except_case_id)
    others: list[rules.OtherCase] = []
    for other in db.session.scalars(query.order_by(Case.id)):
        state, case_type = CaseState(other.state), CaseType(other.case_type)
        given = {}
        if state in rules.GRANTED_NOT_BOOKED and other.decision is not None:
            given = rules.given_up_capital(case_type, _lines_of(other), other.decision.amount_ore)
        for line in other.lines:
            if line.invoice_id in invoice_ids:
                others.append(rules.OtherCase(other.id, other.registry_number, state, case_type, line.invoice_id,
                                              given.get(line.invoice_id, 0)))
    return others


def invoice_holds(case_id: int | None, case_type: str, lines: list[CaseInvoice]) -> list[rules.InvoiceHold]:
    """What stands in the way of a case (or a case being made) on its lines' invoices."""
    wanted = [rules.WantedInvoice(
        line.invoice_id, line.invoice.invoice_number, line.invoice.open_amount_ore,
        line.credited_capital_ore if case_type == CaseType.CREDIT and line.credited_capital_ore is not None
        else line.open_capital_ore) for line in lines]
    return rules.invoice_holds(wanted, _others_on([line.invoice_id for line in lines], case_id))


def visible_cases(user_id: int | None) -> Callable[[int], bool]:
    """May this person see a case (by id): so a refusal names only cases its reader may open."""
    from portal.cases.queries import visible_to

    user = db.session.get(User, user_id) if user_id is not None else None
    cache: dict[int, bool] = {}

    def may_see(case_id: int) -> bool:
        if user is None:
            return False
        if case_id not in cache:
            cache[case_id] = db.session.scalar(
                select(Case.id).where(Case.id == case_id, visible_to(user, clock.today(), case_id=case_id))
            ) is not None
        return cache[case_id]

    return may_see


def _refuse_held(actor: Actor, case_id: int | None, case_type: str, lines: list[CaseInvoice], *,
                 amounts: bool = True) -> None:
    """Refuse invoices held by another open case, or (once the terms say how much: not when the
    draft is created) asked beyond what remains open."""
    blocking = [hold for hold in invoice_holds(case_id, case_type, lines)
                if hold.blocks and (amounts or hold.kind != rules.HoldKind.BEYOND_OPEN)]
    if blocking:
        may_see = visible_cases(actor.user_id)
        raise _refuse(Markup(" ").join(hold_text(hold, may_see) for hold in blocking), "invoice_ids")
    from portal.batches.queries import invoices_in_open_batches

    in_batches = invoices_in_open_batches([line.invoice_id for line in lines])
    if in_batches:
        raise _refuse(_("Invoice %(numbers)s is in a batch write-off that is submitted or granted: an invoice can be "
                        "in one open case at a time.", numbers=", ".join(in_batches)), "invoice_ids")


def _apply_terms(case: Case, terms: TermsInput) -> ComputedTerms:
    """Check the terms of the case's type and keep the amount and length the lists show."""
    computed = compute_terms(case, terms, clock.today())
    case.new_due_date = terms.new_due_date
    case.first_due_date = terms.first_due_date
    case.instalments = computed.instalments
    case.monthly_amount_ore = computed.monthly_amount_ore
    case.monthly_amount_entered = terms.monthly_amount_ore is not None
    case.write_off_reason = terms.write_off_reason
    case.write_off_final = terms.write_off_final
    case.collection_reason = terms.collection_reason
    case.credit_settlement = terms.credit_settlement
    case.credit_reason = terms.credit_reason
    case.applied_before_due = terms.applied_before_due
    case.amount_ore = computed.amount_ore
    case.length_months = computed.length_months
    db.session.flush()
    return computed


def _case_view(case: Case) -> dict:
    return {
        "case_type": case.case_type, "customer_id": case.customer_id, "committee_id": case.committee_id,
        "invoice_ids": [line.invoice_id for line in case.lines], "amount_ore": case.amount_ore,
        "length_months": case.length_months, "new_due_date": case.new_due_date and case.new_due_date.isoformat(),
        "first_due_date": case.first_due_date and case.first_due_date.isoformat(),
        "instalments": case.instalments, "monthly_amount_ore": case.monthly_amount_ore,
        "write_off_reason": case.write_off_reason, "write_off_final": case.write_off_final,
        "credit_settlement": case.credit_settlement, "reasons": case.reasons,
        "collection_reason": case.collection_reason, "credit_reason": case.credit_reason,
        "credited_ore": {str(line.invoice_id): line.credited_capital_ore for line in case.lines
                         if line.credited_capital_ore is not None},
    }


# --- submitting and routing -------------------------------------------------------------------------

def _next_registry_number(case: Case) -> str:
    """Number within the committee and year; the counter row is locked while it is read and raised."""
    year = clock.today().year
    counter = db.session.scalars(
        select(RegistryCounter)
        .where(RegistryCounter.committee_id == case.committee_id, RegistryCounter.year == year)
        .with_for_update()
    ).first()
    if counter is None:
        counter = RegistryCounter(committee_id=case.committee_id, year=year, last_number=0)
        db.session.add(counter)
    counter.last_number += 1
    db.session.flush()
    committee = case.committee
    return rules.registry_number(committee.registry_format, code=committee.code, year=year,
                                 number=counter.last_number)


def case_submit(actor: Actor, case: Case) -> Case:
    """Give the registry number (first time only) and send the case where the engine says."""
    if case.prepared_by_id != actor.user_id:
        raise _refuse(_("Only the case officer who prepared the case can submit it."))
    _step(case, Step.SUBMIT)
    if not case.reasons:
        raise _refuse(_("Give the reasons for the proposal."), "reasons")
    # Two cases on one invoice submitted at once: the second waits here for the first to commit,
    # then finds it holding the invoice.
    _lock_customer(case)
    _refuse_held(actor, case.id, case.case_type, case.lines)
    entered = TermsInput.from_case(case)
    _apply_terms(case, entered)  # complete and still right today
    # The figures it is submitted with (interest and what is open today), kept so the decider sees
    # what changed by the decision day (RULINGS 2).
    day = figures_on(case, clock.today())
    apply_day(case, day)
    case.submitted_figures = submitted_figures(day)
    if case.registry_number is None:
        case.registry_number = _next_registry_number(case)
        case.submitted_at = clock.now()
    # The same question the live preview asked for these terms (terms_asked).
    routing = route(case, clock.today(), terms_asked(entered, day.computed))
    if routing.committee_only:
        target = CaseState.REFERRED_TO_COMMITTEE
    elif any(outcome.consultation_missing for outcome in routing.verdict.proposed):
        target = CaseState.AWAITING_CONSULTATION
    else:
        target = CaseState.AWAITING_DECISION
    _move(actor, case, Step.SUBMIT, target, registry_number=case.registry_number,
          proposed_rules=list(routing.verdict.proposed_rule_numbers) if routing.verdict else [],
          version_id=routing.version_id)
    return case


@dataclass(frozen=True)
class Shown:
    """The invoices, terms and reasons as the officer's form shows them."""

    invoice_ids: list[int]
    terms: TermsInput
    reasons: str


@dataclass
class _Proposal:
    """The case with the form's invoices, for computing terms without saving anything."""

    case_type: str
    lines: list[CaseInvoice]


def case_preview(case: Case, shown: Shown) -> tuple[ComputedTerms, Terms, list[rules.InvoiceHold]]:
    """The figures, the engine's question and the invoice holds for what the form shows, nothing
    saved: submitting the same form asks the engine the same question (terms_asked)."""
    invoices = _invoices_for(case.customer, shown.invoice_ids)
    if invoices[0].org_unit_id != case.org_unit_id:
        raise _refuse(_("Choose invoices issued by one unit; make one case per unit."), "invoice_ids")
    proposal = _Proposal(case.case_type, _new_lines(case.case_type, invoices, shown.terms))
    computed = compute_terms(proposal, shown.terms, clock.today())
    holds = invoice_holds(case.id, case.case_type, proposal.lines)
    return computed, terms_asked(shown.terms, computed, frozenset(i.id for i in invoices)), holds


def case_save_and_submit(actor: Actor, case: Case, shown: Shown) -> Case:
    """"Skicka in" submits what the officer sees: the form's terms are checked and saved, then the
    case is submitted, in one transaction (either both or neither)."""
    if CaseState(case.state) in rules.EDITABLE and case.prepared_by_id == actor.user_id:
        case_update(actor, case, invoice_ids=shown.invoice_ids, terms=shown.terms, reasons=shown.reasons)
    return case_submit(actor, case)


def consultation_record(actor: Actor, case: Case, opinion: str) -> Consultation:
    if not opinion.strip():
        raise _refuse(_("Write the opinion of the consultation."), "opinion")
    if actor.user_id == case.prepared_by_id:
        raise _refuse(_("The case officer who prepared the case cannot also be consulted on it."))
    consultation = Consultation(case_id=case.id, recorded_by_id=actor.user_id, recorded_at=clock.now(),
                                opinion=opinion.strip())
    db.session.add(consultation)
    db.session.flush()
    db.session.refresh(case, ["consultations"])
    routing = route(case, clock.today())
    target = CaseState.REFERRED_TO_COMMITTEE if routing.committee_only else CaseState.AWAITING_DECISION
    _move(actor, case, Step.RECORD_CONSULTATION, target, opinion=consultation.opinion)
    return consultation


def case_return(actor: Actor, case: Case, note: str) -> Case:
    if case.is_whole_debt_due:
        raise _refuse(_("A proposal that the whole debt falls due is not returned for completion: refuse it, "
                        "or the case officer withdraws it and makes a new one."))
    if not note.strip():
        raise _refuse(_("Say what the case officer needs to complete."), "note")
    _move(actor, case, Step.RETURN_FOR_COMPLETION, CaseState.RETURNED, note=note.strip())
    return case


def case_refer(actor: Actor, case: Case, note: str) -> Case:
    _move(actor, case, Step.REFER_TO_COMMITTEE, CaseState.REFERRED_TO_COMMITTEE, note=note.strip())
    return case


def case_withdraw(actor: Actor, case: Case, note: str) -> Case:
    if case.prepared_by_id != actor.user_id:
        raise _refuse(_("Only the case officer who prepared the case can withdraw it."))
    _move(actor, case, Step.WITHDRAW, CaseState.WITHDRAWN, note=note.strip())
    return case


def conflict_declare(actor: Actor, case: Case, note: str | None) -> ConflictDeclaration:
    """Jäv is declared only by someone who could act on the case (`may_declare_conflict`)."""
    person = db.session.get(User, actor.user_id) if actor.user_id is not None else None
    if person is None or not may_declare_conflict(person, case, clock.today()):
        raise ValidationFailed({"note": _(
            "Only those who could act on the case may declare a conflict of interest in it: its deciders, "
            "case officers, the finance officers consulted and the members of the deciding committee.")})
    existing = db.session.scalars(select(ConflictDeclaration).where(
        ConflictDeclaration.case_id == case.id, ConflictDeclaration.user_id == actor.user_id)).first()
    if existing is not None:
        return existing
    declaration = ConflictDeclaration(case_id=case.id, user_id=actor.user_id, declared_at=clock.now(),
                                      note=(note or "").strip() or None)
    db.session.add(declaration)
    db.session.flush()
    record(actor, "case.declare_conflict", "case", case.id, after={"note": declaration.note})
    return declaration


# --- deciding -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DecisionInput:
    outcome: Outcome
    reasons: str
    no_conflict_confirmed: bool
    # A partial grant's changed terms; None: the terms asked for.
    changed_terms: TermsInput | None = None


def _lock_customer(case: Case) -> None:
    """Serialise decisions on one customer: PostgreSQL locks the row; SQLite takes its write lock
    with the same statement, so a second decider waits here until the first has committed."""
    db.session.execute(
        update(Customer).where(Customer.id == case.customer_id).values(id=Customer.id)
        .execution_options(synchronize_session=False)
    )


def case_decide(actor: Actor, case: Case, decision: DecisionInput) -> Decision:
    _lock_customer(case)
    db.session.refresh(case)
    if case.decision is not None or CaseState(case.state) in rules.DECIDED:
        raise _refuse(_("The case has already been decided."))
    step = rules.outcome_step(decision.outcome)
    _step(case, step)
    if not decision.reasons.strip():
        raise _refuse(_("Give the reasons for the decision."), "reasons")
    if not decision.no_conflict_confirmed:
        raise _refuse(_("Confirm that you have no conflict of interest in the case (jäv)."),
                      "no_conflict_confirmed")
    if case.is_whole_debt_due:
        from portal.cases.whole_debt import decision_refusal

        refused = decision_refusal(case, decision.outcome)
        if refused:
            _record_refused_decision(actor, case, decision, refused, rules_named=[])
            raise _refuse(refused)

    today = clock.today()
    # RULINGS 2: the officer's terms stand; what derives from them is the decision day's. Where those
    # figures send the case elsewhere than it was routed, it is re-routed first and nobody decides it
    # under the old routing.
    day = figures_on(case, today)
    rerouted = reroute_on_decision_day(case, day)
    if rerouted is not None:
        message = _rerouted_text(case, rerouted, day)
        _record_refused_decision(actor, case, decision, message, rules_named=rerouted.before)
        raise RoutingChanged({"case": message})
    apply_day(case, day)
    terms = _decided_terms(case, decision)
    check = check_decider(case, actor.user_id, today, terms.engine,
                          refusing=decision.outcome == Outcome.REFUSED)
    if check is None:
        message = _("No delegation scheme is in force for the committee: only the committee decides.")
        _record_refused_decision(actor, case, decision, message, rules_named=[])
        raise _refuse(message)
    if not check.allowed:
        message = refusal(case, check, today, terms.engine)
        named = sorted({r.rule_number for r in check.reasons if r.rule_number})
        if not named:  # not a decider under any rule: the rules the case is routed to refused them
            routing = route(case, today, terms.engine)
            named = list(routing.verdict.proposed_rule_numbers) if routing.verdict else []
        _record_refused_decision(actor, case, decision, message, rules_named=named,
                                 version_id=check.version_id)
        raise ValidationFailed({"case": message})

    path = check.path
    decider = path.decider
    row = Decision(
        case_id=case.id, outcome=decision.outcome.value, decision_date=today, decided_at=clock.now(),
        decided_by_id=actor.user_id, capacity=decider.capacity.value, position_id=decider.position_id,
        standin_for_id=decider.standin_for_person_id,
        delegated_by_position_id=decider.delegated_by_position_id,
        scheme_version_id=path.version_id, rule_number=path.rule_number, rule_level=path.level,
        rule_kind=path.rule_kind.value,
        amount_ore=terms.engine.amount_ore, terms=terms.stored, reasons=decision.reasons.strip(),
        no_conflict_confirmed=True,
    )
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as clash:
        raise _refuse(_("The case has already been decided.")) from clash
    from portal.cases.pdf import decision_documents_issue

    decision_documents_issue(actor, case, row)
    _move(actor, case, step, rules.outcome_state(decision.outcome), decision_id=row.id,
          rule_number=path.rule_number, version_id=path.version_id, capacity=decider.capacity.value,
          amount_ore=row.amount_ore)
    db.session.refresh(case, ["decision"])
    reroute_after_decision(case)
    return row


class RoutingChanged(ValidationFailed):
    """The decision was refused because the case was re-routed on the decision day's figures: the
    re-routing (flushed, audited) is to be committed by the caller, the decision is not made."""


def _rerouted_text(case: Case, rerouted, day) -> str:
    changed = changes(case.submitted_figures, day.figures)
    if rerouted.after:
        where = _("it now goes to rule %(after)s instead of %(before)s",
                  after=", ".join(rerouted.after), before=", ".join(rerouted.before) or "—")
    else:
        where = _("no delegated rule covers it any more, so it goes to the committee")
    text = _("The figures have changed since the case was submitted: on the decision day %(where)s. The case "
             "has been re-routed and the decision was not recorded; whoever the case now goes to decides it.",
             where=where)
    if changed:
        text += " " + _("Changed:") + " " + "; ".join(
            f"{change.label} {change.before_text} → {change.after_text}" for change in changed) + "."
    return text


def _record_refused_decision(actor: Actor, case: Case, decision: DecisionInput, message: str, *,
                             rules_named: list[str], version_id: int | None = None) -> None:
    """The scheme refused this person the decision: the trail keeps who tried, what and why."""
    record_refusal(actor, "case.decision_refused", "case", case.id, reason=message,
                   rule=", ".join(rules_named) or None,
                   details={"outcome": decision.outcome.value, "version_id": version_id,
                            "registry_number": case.registry_number})


@dataclass(frozen=True)
class _DecidedTerms:
    engine: Terms
    stored: dict


def _decided_terms(case: Case, decision: DecisionInput) -> _DecidedTerms:
    """Refusing needs the same delegation as granting what was asked; a partial grant is checked on
    its changed terms."""
    if decision.outcome == Outcome.PARTLY_GRANTED:
        if not rules.allows_partial_grant(CaseType(case.case_type)):
            raise _refuse(not_in_part_message(), "outcome")
        if decision.changed_terms is None:
            raise _refuse(_("Give the changed terms of the partial grant."), "changed_terms")
        computed = compute_terms(case, decision.changed_terms, clock.today())
        return _DecidedTerms(terms_asked(decision.changed_terms, computed), computed.as_dict())
    entered = TermsInput.from_case(case)
    asked = compute_terms(case, entered, clock.today())
    return _DecidedTerms(terms_asked(entered, asked), asked.as_dict())


def case_execute(actor: Actor, case: Case) -> Case:
    """Finance booked the decision in the ledger; a plan only once its signed agreement is in."""
    _step(case, Step.EXECUTE)
    db.session.refresh(case, ["signed_agreement"])
    if case.awaits_signature:
        raise _refuse(_("The plan waits for the customer's signed agreement: it cannot be executed before "
                        "the case officer has registered it."))
    case.executed_on = clock.today()
    _move(actor, case, Step.EXECUTE, CaseState.EXECUTED)
    return case


# --- the signed plan agreement ---------------------------------------------------------------------

SCAN_MAX_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


@dataclass(frozen=True)
class Scan:
    filename: str
    content: bytes


def agreement_register_signed(actor: Actor, case: Case, received_on: date | None,
                              scan: Scan | None = None) -> SignedAgreement:
    """The case officer registers the customer's signed agreement; the plan takes effect with it."""
    db.session.refresh(case, ["signed_agreement"])
    if case.case_type != CaseType.INSTALMENT_PLAN or CaseState(case.state) not in (
            CaseState.GRANTED, CaseState.PARTLY_GRANTED):
        raise _refuse(_("Only a granted instalment plan has an agreement to sign."))
    if case.signed_agreement is not None:
        raise _refuse(_("The signed agreement is already registered."))
    errors: dict[str, str] = {}
    if received_on is None:
        errors["received_on"] = _("Enter the date the signed agreement was received.")
    elif received_on > clock.today():
        errors["received_on"] = _("The date received cannot be in the future.")
    elif case.decision is not None and received_on < case.decision.decision_date:
        errors["received_on"] = _("The agreement cannot have been received before the decision.")
    mimetype = None
    if scan is not None:
        mimetype = next((kind for magic, kind in SCAN_TYPES.items() if scan.content.startswith(magic)), None)
        if mimetype is None:
            errors["scan"] = _("The scan must be a PDF, PNG or JPEG file.")
        elif len(scan.content) > SCAN_MAX_BYTES:
            errors["scan"] = _("The scan may be at most 10 MB.")
    if errors:
        if scan is not None and "scan" in errors:
            _refuse_upload(actor, case, "signed_agreement", scan.filename, scan.content, errors["scan"], "scan")
        raise ValidationFailed(errors)
    agreement = SignedAgreement(
        case_id=case.id, received_on=received_on, registered_by_id=actor.user_id, registered_at=clock.now(),
        scan_filename=scan.filename[:200] if scan else None, scan_mimetype=mimetype,
        scan_size=len(scan.content) if scan else None,
        scan_sha256=hashlib.sha256(scan.content).hexdigest() if scan else None,
        scan=scan.content if scan else None,
    )
    db.session.add(agreement)
    try:
        db.session.flush()
    except IntegrityError as clash:
        raise _refuse(_("The signed agreement is already registered.")) from clash
    db.session.refresh(case, ["signed_agreement"])
    record(actor, "case.register_agreement", "case", case.id, after={
        "received_on": received_on.isoformat(), "scan_sha256": agreement.scan_sha256,
        "scan_size": agreement.scan_size})
    return agreement


def due_date_of(case: Case) -> date | None:
    return earliest_due_date(case)


# --- attachments ----------------------------------------------------------------------------------

ATTACHMENT_TYPES = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def attachment_add(actor: Actor, case: Case, filename: str, data: bytes) -> Attachment:
    """A PDF or image to a case that is not yet decided; the type is read from the content."""
    if not data:
        raise _refuse(_("Choose a file."), "file")
    if CaseState(case.state) in rules.DECIDED or case.state == CaseState.WITHDRAWN:
        raise _refuse_upload(actor, case, "attachment", filename, data,
                             _("A decided or withdrawn case takes no more attachments."), "file")
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise _refuse_upload(actor, case, "attachment", filename, data, _("The file may be at most 10 MB."), "file")
    mimetype = next((kind for magic, kind in ATTACHMENT_TYPES.items() if data.startswith(magic)), None)
    if mimetype is None:
        raise _refuse_upload(actor, case, "attachment", filename, data, _(
            "The file must be a PDF, PNG or JPEG (judged by its content, not its name)."), "file")
    name = (filename or "bilaga").replace("\\", "/").rsplit("/", 1)[-1][:200] or "bilaga"
    attachment = Attachment(case_id=case.id, filename=name, mimetype=mimetype, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), content=data,
                            uploaded_by_id=actor.user_id, uploaded_at=clock.now())
    db.session.add(attachment)
    db.session.flush()
    record(actor, "case.attach", "case", case.id, after={
        "attachment_id": attachment.id, "filename": name, "mimetype": mimetype, "size": len(data),
        "sha256": attachment.sha256})
    return attachment


# --- named eligibility conditions (issue 12 §2) ---------------------------------------------------

def condition_answer(actor: Actor, case: Case, *, condition_id: int | None, met: bool | None,
                     filename: str = "", data: bytes = b"") -> ConditionAnswer:
    """The case officer answers one of the committee's named conditions on the case, while it is
    prepared: yes or no, with the document where the condition asks for one (RULINGS 14). A new
    answer replaces the old; who answered and when is kept, and the trail keeps each answer."""
    from portal.delegation.models import EligibilityCondition

    if CaseState(case.state) not in rules.EDITABLE:
        raise _refuse(_("The conditions are answered while the case is prepared: a draft or a returned case."))
    if case.prepared_by_id != actor.user_id:
        raise _refuse(_("Only the case officer who prepared the case answers its conditions."))
    condition = db.session.get(EligibilityCondition, condition_id) if condition_id is not None else None
    if condition is None or condition.builtin or condition.committee_id != case.committee_id:
        raise _refuse(_("Choose one of the committee's conditions."), "condition_id")
    if met is None:
        raise _refuse(_("Answer whether the condition is met."), "met")
    existing = db.session.scalars(select(ConditionAnswer).where(
        ConditionAnswer.case_id == case.id, ConditionAnswer.condition_id == condition.id)).first()
    kept = existing.attachment_id if existing is not None and existing.met else None
    if condition.requires_document and met and not data and kept is None:
        raise _refuse(_("“%(condition)s” is met only with a document: attach it.", condition=condition.name),
                      "file")
    attachment = attachment_add(actor, case, filename, data) if data else None
    before = ({"met": existing.met, "attachment_id": existing.attachment_id} if existing is not None else None)
    answer = existing or ConditionAnswer(case_id=case.id, condition_id=condition.id)
    answer.met = met
    answer.attachment_id = attachment.id if attachment is not None else (kept if met else None)
    answer.answered_by_id = actor.user_id
    answer.answered_at = clock.now()
    db.session.add(answer)
    db.session.flush()
    db.session.refresh(case, ["condition_answers"])
    record(actor, "case.answer_condition", "case", case.id, before=before, after={
        "condition_id": condition.id, "condition": condition.name, "met": met,
        "attachment_id": answer.attachment_id})
    return answer
