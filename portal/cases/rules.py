"""The life of a case as pure functions: states and steps, the amount and length the scheme is
checked against, the 12-month basis (R5) and registry numbers. No Flask, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from portal.delegation.engine_types import INTERNAL_CASE_TYPES, CaseType
from portal.delegation.lengths import Length, length_between
from portal.receivables.rules import add_months


class CaseState(StrEnum):
    DRAFT = "draft"
    AWAITING_CONSULTATION = "awaiting_consultation"
    AWAITING_DECISION = "awaiting_decision"
    RETURNED = "returned"
    REFERRED_TO_COMMITTEE = "referred_to_committee"
    GRANTED = "granted"
    PARTLY_GRANTED = "partly_granted"
    REFUSED = "refused"
    EXECUTED = "executed"
    WITHDRAWN = "withdrawn"


class Step(StrEnum):
    """What a person does to a case; each is one service."""

    SUBMIT = "submit"
    RECORD_CONSULTATION = "record_consultation"
    RETURN_FOR_COMPLETION = "return_for_completion"
    REFER_TO_COMMITTEE = "refer_to_committee"
    GRANT = "grant"
    PARTLY_GRANT = "partly_grant"
    REFUSE = "refuse"
    EXECUTE = "execute"
    WITHDRAW = "withdraw"


class Outcome(StrEnum):
    GRANTED = "granted"
    PARTLY_GRANTED = "partly_granted"
    REFUSED = "refused"


DECIDED = frozenset({CaseState.GRANTED, CaseState.PARTLY_GRANTED, CaseState.REFUSED, CaseState.EXECUTED})
OPEN_FOR_DECISION = frozenset({CaseState.AWAITING_DECISION, CaseState.REFERRED_TO_COMMITTEE})
EDITABLE = frozenset({CaseState.DRAFT, CaseState.RETURNED})

# (from state, step) -> to state. Submitting lands in "awaiting consultation" or "awaiting decision"
# depending on the rule; the service picks which, so both appear here.
_STEPS: dict[tuple[CaseState, Step], frozenset[CaseState]] = {
    (CaseState.DRAFT, Step.SUBMIT): frozenset({CaseState.AWAITING_CONSULTATION, CaseState.AWAITING_DECISION,
                                               CaseState.REFERRED_TO_COMMITTEE}),
    (CaseState.RETURNED, Step.SUBMIT): frozenset({CaseState.AWAITING_CONSULTATION, CaseState.AWAITING_DECISION,
                                                  CaseState.REFERRED_TO_COMMITTEE}),
    (CaseState.AWAITING_CONSULTATION, Step.RECORD_CONSULTATION): frozenset({CaseState.AWAITING_DECISION,
                                                                           CaseState.REFERRED_TO_COMMITTEE}),
    (CaseState.AWAITING_CONSULTATION, Step.RETURN_FOR_COMPLETION): frozenset({CaseState.RETURNED}),
    (CaseState.AWAITING_DECISION, Step.RETURN_FOR_COMPLETION): frozenset({CaseState.RETURNED}),
    (CaseState.AWAITING_DECISION, Step.REFER_TO_COMMITTEE): frozenset({CaseState.REFERRED_TO_COMMITTEE}),
    (CaseState.AWAITING_DECISION, Step.GRANT): frozenset({CaseState.GRANTED}),
    (CaseState.AWAITING_DECISION, Step.PARTLY_GRANT): frozenset({CaseState.PARTLY_GRANTED}),
    (CaseState.AWAITING_DECISION, Step.REFUSE): frozenset({CaseState.REFUSED}),
    (CaseState.GRANTED, Step.EXECUTE): frozenset({CaseState.EXECUTED}),
    (CaseState.PARTLY_GRANTED, Step.EXECUTE): frozenset({CaseState.EXECUTED}),
    (CaseState.DRAFT, Step.WITHDRAW): frozenset({CaseState.WITHDRAWN}),
    (CaseState.RETURNED, Step.WITHDRAW): frozenset({CaseState.WITHDRAWN}),
    (CaseState.AWAITING_CONSULTATION, Step.WITHDRAW): frozenset({CaseState.WITHDRAWN}),
    (CaseState.AWAITING_DECISION, Step.WITHDRAW): frozenset({CaseState.WITHDRAWN}),
    (CaseState.REFERRED_TO_COMMITTEE, Step.WITHDRAW): frozenset({CaseState.WITHDRAWN}),
}


class StepRefused(ValueError):
    """The step cannot be taken from the case's state; `code` names why for the message."""

    def __init__(self, state: CaseState, step: Step):
        super().__init__(f"{step.value} is not possible in state {state.value}")
        self.state, self.step = state, step


def next_states(state: CaseState, step: Step) -> frozenset[CaseState]:
    """Where a step may lead from a state; raises StepRefused where it leads nowhere."""
    targets = _STEPS.get((state, step))
    if not targets:
        raise StepRefused(state, step)
    return targets


def steps_from(state: CaseState) -> frozenset[Step]:
    return frozenset(step for (source, step) in _STEPS if source == state)


def outcome_state(outcome: Outcome) -> CaseState:
    return {Outcome.GRANTED: CaseState.GRANTED, Outcome.PARTLY_GRANTED: CaseState.PARTLY_GRANTED,
            Outcome.REFUSED: CaseState.REFUSED}[outcome]


def outcome_step(outcome: Outcome) -> Step:
    return {Outcome.GRANTED: Step.GRANT, Outcome.PARTLY_GRANTED: Step.PARTLY_GRANT,
            Outcome.REFUSED: Step.REFUSE}[outcome]


# --- amounts and lengths (DOMAIN.md "Amount of a case", "Length") --------------------------------

@dataclass(frozen=True)
class InvoiceLine:
    """One invoice of a case, with what is given up on it (write-off, credit) where that applies."""

    invoice_id: int
    open_capital_ore: int
    interest_ore: int = 0
    fees_ore: int = 0
    # A credit may be for part of an invoice; None means the whole open capital.
    credited_capital_ore: int | None = None


def case_amount(case_type: CaseType, lines: Iterable[InvoiceLine]) -> int:
    """The amount the scheme's limits are read against.

    Deferral and plan: the open capital of the chosen invoices. Write-off: all that is given up
    (capital, interest, fees). Credit: the credited capital, with the interest and fees that go
    with it. Forgoing or stopping collection: the open amount of the invoices concerned
    (RULINGS 13).
    """
    lines = list(lines)
    if case_type in (CaseType.DEFERRAL, CaseType.INSTALMENT_PLAN, *INTERNAL_CASE_TYPES):
        return sum(line.open_capital_ore for line in lines)
    if case_type == CaseType.WRITE_OFF:
        return sum(line.open_capital_ore + line.interest_ore + line.fees_ore for line in lines)
    total = 0
    for line in lines:
        capital = line.open_capital_ore if line.credited_capital_ore is None else line.credited_capital_ore
        total += capital + line.interest_ore + line.fees_ore
    return total


def decided_line_amounts(case_type: CaseType, lines: Iterable[InvoiceLine], decided_ore: int) -> list[int]:
    """Each invoice's own part of a decided amount, in the order of `lines`.

    An invoice's part is what the case counts of it (case_amount of that line alone). A partial
    grant (less than the case asked) is spread over the invoices in order, each up to its own part,
    so the parts always add up to the decided amount.
    """
    own = [case_amount(case_type, [line]) for line in lines]
    if decided_ore >= sum(own):
        return own
    parts, left = [], decided_ore
    for amount in own:
        part = max(0, min(amount, left))
        parts.append(part)
        left -= part
    return parts


def deferral_length(current_due: date, new_due: date) -> Length:
    """Calendar months from the current due date to the new one, a started month counted whole
    (the one conversion the simulator uses too)."""
    return length_between(current_due, new_due)


def plan_length(current_due: date, last_instalment: date) -> Length:
    return length_between(current_due, last_instalment)


# --- forgoing and stopping collection (issue 12 §3) ------------------------------------------------

# The ledger's stages (portal/receivables/ledger_parse.py) where collection has been started: a
# collection demand, a payment order at Kronofogden, enforcement or long-term monitoring.
COLLECTION_STARTED = frozenset({"collection_demand", "payment_order", "enforcement", "long_term_monitoring"})
COLLECTION_NOT_STARTED = frozenset({"none", "reminder"})


def collection_stage_mismatches(case_type: CaseType, stages: Iterable[tuple[str, str]]) -> list[str]:
    """The invoices (by number) whose collection stage does not fit the case type: collection cannot
    be forgone where it has started (stop it instead), nor stopped where it has not (forgo it). A
    stage the ledger does not know ("unknown") fits both; other types are not concerned."""
    wrong = {CaseType.FORGO_COLLECTION: COLLECTION_STARTED,
             CaseType.STOP_COLLECTION: COLLECTION_NOT_STARTED}.get(case_type)
    if wrong is None:
        return []
    return [number for number, stage in stages if stage in wrong]


def allows_partial_grant(case_type: CaseType) -> bool:
    """A delegate forgoes or stops collection of the invoices concerned, or does not: there is no
    part to grant (the officer chooses fewer invoices instead)."""
    return case_type not in INTERNAL_CASE_TYPES


# --- the 12-month basis (R5) ---------------------------------------------------------------------

@dataclass(frozen=True)
class EarlierDecision:
    customer_id: int
    committee_id: int
    case_type: CaseType
    outcome: Outcome
    decision_date: date
    amount_ore: int


def twelve_month_window(decision_date: date) -> tuple[date, date]:
    """The 12 months before a decision date: from the day after the same date a year earlier,
    through the decision date itself (so two decisions on one day count together)."""
    return add_months(decision_date, -12) + timedelta(days=1), decision_date


def twelve_month_prior(
    decisions: Iterable[EarlierDecision], *, customer_id: int, committee_id: int, case_type: CaseType,
    decision_date: date,
) -> int:
    """Granted and partly granted amounts of the same type, customer and committee in the window;
    refused (and withdrawn, which have no decision) do not count."""
    first, last = twelve_month_window(decision_date)
    return sum(
        d.amount_ore for d in decisions
        if d.customer_id == customer_id and d.committee_id == committee_id and d.case_type == case_type
        and d.outcome in (Outcome.GRANTED, Outcome.PARTLY_GRANTED) and first <= d.decision_date <= last
    )


# --- registry numbers ----------------------------------------------------------------------------

def registry_number(fmt: str, *, code: str, year: int, number: int) -> str:
    """E.g. "{code} {year}/{number}" -> "SN 2026/123"; the committee keeps the format."""
    return fmt.format(code=code, year=year, number=number)


# --- one invoice in one open case (RULINGS 15) ----------------------------------------------------

# A case in these states holds its invoices: no other case may take them in. A returned case is
# still an open, registered matter (it comes back to the decider once completed).
HOLDS_INVOICES = frozenset({CaseState.AWAITING_CONSULTATION, CaseState.AWAITING_DECISION,
                            CaseState.REFERRED_TO_COMMITTEE, CaseState.RETURNED})
# Granted, not yet booked in the ledger: what such a write-off or credit gives up is no longer open,
# though the ledger's open amount does not show it until the decision is executed and imported.
GIVES_UP_CLAIM = frozenset({CaseType.WRITE_OFF, CaseType.CREDIT})
GRANTED_NOT_BOOKED = frozenset({CaseState.GRANTED, CaseState.PARTLY_GRANTED})


class HoldKind(StrEnum):
    OPEN_CASE = "open_case"  # another open case holds the invoice: refused
    DRAFT = "draft"  # another draft has it too: a warning only
    BEYOND_OPEN = "beyond_open"  # more than remains open after granted write-offs and credits: refused


@dataclass(frozen=True)
class OtherCase:
    """Another case with one of the invoices."""

    case_id: int
    registry_number: str | None
    state: CaseState
    case_type: CaseType
    invoice_id: int
    # A granted write-off or credit: the capital it gives up on this invoice.
    given_up_capital_ore: int = 0


@dataclass(frozen=True)
class WantedInvoice:
    invoice_id: int
    invoice_number: str
    open_amount_ore: int  # the ledger's open amount
    asked_capital_ore: int  # the capital this case is about on the invoice


@dataclass(frozen=True)
class InvoiceHold:
    kind: HoldKind
    invoice_number: str
    cases: tuple[OtherCase, ...]
    remaining_ore: int | None = None  # BEYOND_OPEN: what remains open after the granted cases

    @property
    def blocks(self) -> bool:
        return self.kind != HoldKind.DRAFT


def given_up_capital(case_type: CaseType, lines: list[InvoiceLine], decided_ore: int) -> dict[int, int]:
    """The capital a granted write-off or credit gives up on each invoice (capital before interest
    and fees within each invoice's part of the decided amount)."""
    if case_type not in GIVES_UP_CLAIM:
        return {}
    parts = decided_line_amounts(case_type, lines, decided_ore)
    given: dict[int, int] = {}
    for line, part in zip(lines, parts, strict=True):
        capital = line.open_capital_ore if line.credited_capital_ore is None else line.credited_capital_ore
        given[line.invoice_id] = given.get(line.invoice_id, 0) + min(part, capital)
    return given


def invoice_holds(wanted: Iterable[WantedInvoice], others: Iterable[OtherCase]) -> list[InvoiceHold]:
    """What stands in the way of a case on these invoices: another open case on one of them
    (refused), another draft (a warning), or asking more than remains open after granted write-offs
    and credits (refused). A granted deferral or plan holds nothing: a later case may follow it."""
    others = list(others)
    holds: list[InvoiceHold] = []
    for invoice in wanted:
        mine = [o for o in others if o.invoice_id == invoice.invoice_id]
        open_cases = tuple(o for o in mine if o.state in HOLDS_INVOICES)
        if open_cases:
            holds.append(InvoiceHold(HoldKind.OPEN_CASE, invoice.invoice_number, open_cases))
        granted = tuple(o for o in mine if o.state in GRANTED_NOT_BOOKED and o.given_up_capital_ore > 0)
        if granted:
            remaining = max(0, invoice.open_amount_ore - sum(o.given_up_capital_ore for o in granted))
            if invoice.asked_capital_ore > remaining:
                holds.append(InvoiceHold(HoldKind.BEYOND_OPEN, invoice.invoice_number, granted, remaining))
        drafts = tuple(o for o in mine if o.state == CaseState.DRAFT)
        if drafts:
            holds.append(InvoiceHold(HoldKind.DRAFT, invoice.invoice_number, drafts))
    return holds
