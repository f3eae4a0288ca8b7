"""Reads about cases that pages share: who sees which case (`visible_to`), the queues of "Mina
uppgifter", the case list, the timeline. Every list here takes its reader and filters in the query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dataclasses import replace

from sqlalchemy import ColumnElement, Select, String, cast, false, func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from portal import access, clock
from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.auth.roles import Role
from portal.cases.models import Case, CaseInvoice, ConditionAnswer, Decision, SignedAgreement
from portal.cases.routing import facts_for, known_facts
from portal.cases.rules import CaseState
from portal.delegation import queries as delegation_queries
from portal.delegation.engine_types import CaseType, RuleKind
from portal.delegation.models import EligibilityCondition, SchemeVersion
from portal.delegation.rules import may_decide
from portal.documents.models import DocumentKind, IssuedDocument
from portal.extensions import db
from portal.memo import per_transaction
from portal.org.models import Committee, OrgUnit, Position
from portal.org.queries import (
    appointments_on,
    case_work_committee_ids,
    elected_committee_ids,
    standin_duties,
    units_in_sight,
)
from portal.receivables.identity import IdentityNumberError, parse_identity_number
from portal.receivables.models import CLOSED_STAGES, Customer, Invoice


def _with_summary(query: Select) -> Select:
    return query.options(joinedload(Case.customer), joinedload(Case.committee), joinedload(Case.org_unit))


def committees_of_duty(user_id: int, day: date, *, employees_only: bool = False) -> set[int]:
    """Committees where the person holds or stands in for a position today (only positions that act
    on cases, when asked: elected members read cases through their meetings and the secretary
    through her agendas, not the case list)."""
    if employees_only:
        return case_work_committee_ids(user_id, day)
    positions: list[Position] = [a.position for a in appointments_on(user_id, day)]
    positions += [d.position for d in standin_duties(user_id, day)]
    return {position.committee.main_committee_id for position in positions}


@dataclass(frozen=True)
class ToDecide:
    case: Case
    rule_number: str
    capacity: str
    # Decided under an urgent rule (6 kap 39 §): the chair's page for it is the urgent matter's
    # page, which shows the full terms (members read no case pages).
    urgent: bool = False


def to_decide(user_id: int, day: date, *, employees_only: bool = False, case_id: int | None = None,
              outside_units: set[int] | None = None, customer_id: int | None = None) -> list[ToDecide]:
    """Cases awaiting decision that the engine says this person may decide today (only the one
    case, or one customer's cases, when asked about them; only in employees' positions and outside the units the person
    already sees, when asked for the case list's sake).

    The engine's context and the facts beyond the cases are read once for all of them: the
    queries do not grow with the queue. Asked once per transaction for the same question (the
    start page's queue and the menu's count ask the same).
    """
    key = ("to_decide", user_id, day, employees_only, case_id,
           frozenset(outside_units) if outside_units else None, customer_id)
    return per_transaction(key, lambda: _to_decide(user_id, day, employees_only=employees_only, case_id=case_id,
                                                   outside_units=outside_units, customer_id=customer_id))


def _to_decide(user_id: int, day: date, *, employees_only: bool, case_id: int | None,
               outside_units: set[int] | None, customer_id: int | None) -> list[ToDecide]:
    committees = committees_of_duty(user_id, day, employees_only=employees_only)
    further = delegation_queries.org_snapshot()
    if not committees and not further.further_delegations:
        return []
    candidates = list(db.session.scalars(_with_summary(
        select(Case).where(Case.state == CaseState.AWAITING_DECISION.value,
                           Case.committee_id.in_(committees) if committees else Case.id.is_(None),
                           Case.id == case_id if case_id is not None else true(),
                           Case.customer_id == customer_id if customer_id is not None else true(),
                           Case.org_unit_id.not_in(outside_units) if outside_units else true())
        .options(selectinload(Case.lines).joinedload(CaseInvoice.invoice).joinedload(Invoice.category),
                 selectinload(Case.conflicts), selectinload(Case.consultations),
                 selectinload(Case.condition_answers))
        .order_by(Case.submitted_at, Case.id)
    )))
    contexts = delegation_queries.case_contexts({case.committee_id for case in candidates}, day, further)
    known = known_facts(candidates, day)
    result: list[ToDecide] = []
    for case in candidates:
        context = contexts[case.committee_id]
        if context.engine_version is None:
            continue
        # Where a guideline bar covers the case, those it names act on it by refusing (RULINGS 8).
        check = may_decide(facts_for(case, day, known=known), context.engine_version, context.org, day,
                           context.price_base_amounts, user_id, refusing=True)
        if check.allowed:
            result.append(ToDecide(case, check.path.rule_number, check.path.decider.capacity.value,
                                   check.path.rule_kind == RuleKind.URGENT))
    return result


# --- who sees which case (RULINGS 10; README "Vem ser vad") ---------------------------------------

def visible_to(user: User, day: date, *, case_id: int | None = None, deciding: bool = True) -> ColumnElement[bool]:
    """The cases a person may read, as a condition on `Case` for any query: the case page and
    every list, search, count, queue and export use it alike.

    Municipality-wide readers (access.CASE_READERS) see every case. Everyone else sees, through
    the positions they hold or stand in for that day: the cases of their unit (a unit head) or
    department (a department head), whose customers the unit serves; the cases the engine says
    they may decide now,
    and the cases they decided. Nothing through a system role alone; members and the secretary
    read the cases on their agendas through the meeting pages, not here. `case_id` narrows the
    engine's part to one case (the object check).

    `deciding=False` leaves the engine's part out, for a query only over cases in another state
    than awaiting decision (a queue to consult or to book): the engine names only cases awaiting
    decision, so there it could add nothing, and asking it would cost a verdict per waiting case.
    """
    if user.roles & access.CASE_READERS:
        return true()
    units = units_in_sight(user.id, day)
    decided = select(Decision.case_id).where(Decision.decided_by_id == user.id)
    conditions = [Case.org_unit_id.in_(units), Case.id.in_(decided)]
    if deciding:
        conditions.append(Case.id.in_([item.case.id for item in to_decide(
            user.id, day, employees_only=True, case_id=case_id, outside_units=units)]))
    return or_(*conditions)


def case_visible(user: User, case: Case, day: date) -> bool:
    """The object check: the same condition as the lists, asked about one case (once per
    transaction: a page checks it for each thing it offers)."""
    return per_transaction(("case_visible", user.id, case.id, day), lambda: db.session.scalar(
        select(func.count()).select_from(Case).where(Case.id == case.id, visible_to(user, day, case_id=case.id))
    ) > 0)


def may_list_cases(user: User, day: date) -> bool:
    """The case list is for municipality-wide readers and for those who act on cases through a
    position (a unit or department head, a fee officer, anyone standing in for one)."""
    return bool(user.roles & access.CASE_READERS) or bool(case_work_committee_ids(user.id, day))


def could_decide(case: Case, user_id: int, day: date) -> bool:
    """Whether the scheme makes this person a decider of the case, whatever bars them personally
    (a declared conflict, a missing consultation): those who could act on it."""
    context = delegation_queries.case_context(case.committee_id, day)
    if context.engine_version is None:
        return False
    facts = replace(facts_for(case, day), consultation_recorded=True, conflict_person_ids=frozenset(),
                    preparer_person_id=None, customer_person_id=None)
    check = may_decide(facts, context.engine_version, context.org, day, context.price_base_amounts, user_id,
                       refusing=True)
    return check.allowed


# Those who act on a case through a system role: the officers who prepare it and the finance
# officers consulted on it. The auditor, the administrator and the secretary never act on a case.
CONFLICT_ROLES = frozenset({Role.CASE_OFFICER, Role.FINANCE_OFFICER})


def may_declare_conflict(user: User, case: Case, day: date) -> bool:
    """Jäv (kommunallagen 6 kap 28 §, 7 kap 4 §) is declared by those who could act on the case: its
    deciders under the scheme, case officers, the finance officers consulted, and the elected members
    of the deciding committee (and its sub-committees)."""
    if user.roles & CONFLICT_ROLES:
        return True
    elected = elected_committee_ids(user.id, day)
    if elected and (case.committee_id in elected or bool(db.session.scalar(
            select(func.count()).select_from(Committee).where(Committee.id.in_(elected),
                                                                Committee.parent_id == case.committee_id)))):
        return True
    return could_decide(case, user.id, day)


@access.register(access.VIEW_CASE, access.LIST_CASES, access.DECLARE_CONFLICT)
def _case_rule(user: User, action: str, case: Case | None, day: date) -> bool:
    if action == access.LIST_CASES:
        return may_list_cases(user, day)
    if case is None:
        return False
    if action == access.DECLARE_CONFLICT:
        return case_visible(user, case, day) and may_declare_conflict(user, case, day)
    return case_visible(user, case, day)


# --- the customer a decider must see (RULINGS 10; README "Vem ser vad") -----------------------------

# A decider keeps sight of the customer for as long as her decision shows under "Mina beslut".
DECIDED_CUSTOMER_DAYS = 30


def decider_committees(user: User, customer_id: int, day: date) -> frozenset[int]:
    """The committees whose debts of this customer the person sees in detail as a decider: those of
    the customer's cases the engine lets her decide today (holder, stand-in, further delegate, the
    chair in an urgent matter), and of the cases she decided under a rule of a scheme in the last
    DECIDED_CUSTOMER_DAYS days. Empty: she has no decider's reason to see the customer."""

    def read() -> frozenset[int]:
        deciding = {item.case.committee_id for item in to_decide(user.id, day, customer_id=customer_id)}
        decided = db.session.scalars(
            select(Case.committee_id).join(Decision, Decision.case_id == Case.id)
            .where(Case.customer_id == customer_id, Decision.decided_by_id == user.id,
                   Decision.scheme_version_id.is_not(None),
                   Decision.decision_date > day - timedelta(days=DECIDED_CUSTOMER_DAYS)))
        return frozenset(deciding | set(decided))

    return per_transaction(("decider_committees", user.id, customer_id, day), read)


@access.register(access.VIEW_CUSTOMER)
def _customer_rule(user: User, action: str, customer: Customer | None, day: date) -> bool:
    return customer is not None and bool(decider_committees(user, customer.id, day))


@access.register_document("decision")
def _decision_document_rule(user: User, document: IssuedDocument, day: date) -> bool:
    decision = db.session.get(Decision, int(document.object_id))
    return decision is not None and case_visible(user, decision.case, day)


# --- the queues of "Mina uppgifter", a page at a time -------------------------------------------

QUEUE_SIZE = 25  # cases a page in each queue


@dataclass(frozen=True)
class Queue:
    """One page of a queue and the whole queue's length: the page never holds the whole queue."""

    rows: list
    total: int
    page: int = 1
    per_page: int = QUEUE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def more(self) -> int:
        """How many come after this page."""
        return max(self.total - (self.page - 1) * self.per_page - len(self.rows), 0)


def _page_number(page: int, total: int, per_page: int) -> int:
    """The page asked for, within 1 and the last page (a page past the end shows the last)."""
    return min(max(1, page), max(1, -(-total // per_page)))


def paged(query: Select, page: int = 1, *, options: tuple = (), per_page: int | None = None) -> Queue:
    """A page of an ordered query and the count of all its rows: two statements, whatever the length."""
    per_page = per_page or QUEUE_SIZE
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = _page_number(page, total, per_page)
    rows = list(db.session.scalars(query.options(*options).limit(per_page).offset((page - 1) * per_page)).unique())
    return Queue(rows, int(total), page, per_page)


def paged_list(items: list, page: int = 1, *, per_page: int | None = None) -> Queue:
    """A page of a list already read (the engine's answer, which is known only whole)."""
    per_page = per_page or QUEUE_SIZE
    page = _page_number(page, len(items), per_page)
    return Queue(items[(page - 1) * per_page:page * per_page], len(items), page, per_page)


_SUMMARY = (joinedload(Case.customer), joinedload(Case.committee), joinedload(Case.org_unit))


def drafts_query(user_id: int) -> Select:
    return (select(Case).where(Case.prepared_by_id == user_id,
                               Case.state.in_([CaseState.DRAFT.value, CaseState.RETURNED.value]))
            .order_by(Case.created_at.desc(), Case.id.desc()))


def consultation_query(reader: User) -> Select:
    """Cases awaiting consultation that the reader sees (the engine's part of visibility names only
    cases awaiting decision, so it is not asked)."""
    return (select(Case).where(Case.state == CaseState.AWAITING_CONSULTATION.value,
                               visible_to(reader, clock.today(), deciding=False))
            .order_by(Case.submitted_at, Case.id))


def to_execute_condition() -> ColumnElement[bool]:
    """Granted cases finance may book: a plan only once its signed agreement is registered."""
    signed = select(SignedAgreement.id).where(SignedAgreement.case_id == Case.id).exists()
    return (Case.state.in_([CaseState.GRANTED.value, CaseState.PARTLY_GRANTED.value])
            & or_(Case.case_type != CaseType.INSTALMENT_PLAN.value, signed, Case.whole_debt_due_for_id.is_not(None)))


def to_execute_query(reader: User) -> Select:
    return (select(Case).where(to_execute_condition(), visible_to(reader, clock.today(), deciding=False))
            .order_by(Case.submitted_at, Case.id))


def signature_query(reader: User) -> Select:
    """Granted instalment plans whose signed agreement is not registered yet, oldest decision first."""
    return (select(Case).join(Decision, Decision.case_id == Case.id)
            .outerjoin(SignedAgreement, SignedAgreement.case_id == Case.id)
            .where(Case.case_type == CaseType.INSTALMENT_PLAN.value, Case.whole_debt_due_for_id.is_(None),
                   Case.state.in_([CaseState.GRANTED.value, CaseState.PARTLY_GRANTED.value]),
                   SignedAgreement.id.is_(None), visible_to(reader, clock.today(), deciding=False))
            .order_by(Decision.decision_date, Case.id))


def drafts_of(user_id: int) -> list[Case]:
    """Every draft and returned case of the officer (the daily digest); the start page pages them."""
    return list(db.session.scalars(drafts_query(user_id).options(*_SUMMARY)))


def awaiting_consultation(reader: User) -> list[Case]:
    return list(db.session.scalars(consultation_query(reader).options(*_SUMMARY)))


def granted_not_executed(reader: User) -> list[Case]:
    """Every granted case finance may book (the ledger export); the start page pages them."""
    return list(db.session.scalars(to_execute_query(reader).options(
        *_SUMMARY, joinedload(Case.decision), selectinload(Case.lines).joinedload(CaseInvoice.invoice))))


def to_decide_queue(user_id: int, day: date, page: int = 1) -> Queue:
    return paged_list(to_decide(user_id, day), page)


def drafts_queue(user_id: int, page: int = 1) -> Queue:
    return paged(drafts_query(user_id), page, options=_SUMMARY)


def consultation_queue(reader: User, page: int = 1) -> Queue:
    return paged(consultation_query(reader), page, options=_SUMMARY)


def to_execute_queue(reader: User, page: int = 1) -> Queue:
    return paged(to_execute_query(reader), page, options=_SUMMARY)


def signature_queue(reader: User, page: int = 1) -> Queue:
    return paged(signature_query(reader), page, options=(*_SUMMARY, joinedload(Case.decision)))


def _count(query: Select) -> int:
    return int(db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)


def task_count(user: User, today: date, *, cases_to_decide: int | None = None) -> int:
    """What waits in the start page's queues (the number beside "Mina uppgifter" in the menu),
    counted in the database under the queues' own conditions: cases to decide, drafts and returned
    cases, cases to consult, granted cases to book, each only for those who act on it. The cases to
    decide are the engine's answer; `cases_to_decide` gives it when already known (the menu keeps it
    for a while, home.counts)."""
    total = len(to_decide(user.id, today)) if cases_to_decide is None else cases_to_decide
    if access.allowed(user, access.PREPARE_CASE):
        total += _count(drafts_query(user.id))
    if access.allowed(user, access.CONSULT_CASE):
        total += _count(consultation_query(user))
    if access.allowed(user, access.EXECUTE_CASE):
        total += _count(to_execute_query(user))
    return total


def awaiting_signature(reader: User) -> list[Case]:
    """Granted instalment plans whose signed agreement is not registered yet, oldest decision first."""
    return list(db.session.scalars(signature_query(reader).options(*_SUMMARY, joinedload(Case.decision))))


def cases_of_customer(customer_id: int, reader: User) -> list[Case]:
    """A customer's cases that the reader may see, newest first (the customer page lists them)."""
    return list(db.session.scalars(
        select(Case).where(Case.customer_id == customer_id, visible_to(reader, clock.today()))
        .options(joinedload(Case.decision), joinedload(Case.org_unit)).order_by(Case.id.desc())
    ))


def letters_issued_on(day: date, reader: User) -> list[IssuedDocument]:
    """The decision letters issued on a Stockholm day about cases the reader may see, in order, for
    printing as one PDF: one query, the reader's condition in it."""
    start = datetime.combine(day, time.min, tzinfo=clock.STOCKHOLM).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=clock.STOCKHOLM).astimezone(UTC)
    visible = (select(cast(Decision.id, String)).join(Case, Case.id == Decision.case_id)
               .where(visible_to(reader, clock.today())))
    return list(db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.kind == DocumentKind.DECISION_LETTER.value,
                                     IssuedDocument.object_type == "decision",
                                     IssuedDocument.issued_at >= start, IssuedDocument.issued_at < end,
                                     IssuedDocument.object_id.in_(visible))
        .order_by(IssuedDocument.id)))


@dataclass(frozen=True)
class DecisionRecord:
    """A decision as recorded on its day: outcome, rule, level, the scheme version with its adoption
    reference, the decider and the capacity they decided in. Nothing here asks the engine today:
    a published version never changes, so its label and reference are those the decision was made
    under (R9)."""

    decision: Decision
    version_label: str | None
    adoption_reference: str | None
    valid_from: date | None
    # The decision's rule came from the common provisions adopted as this (RULINGS 11).
    common_reference: str | None = None

    @property
    def urgent(self) -> bool:
        return self.decision.rule_kind == RuleKind.URGENT.value


def decision_record(decision: Decision) -> DecisionRecord:
    version = (db.session.get(SchemeVersion, decision.scheme_version_id)
               if decision.scheme_version_id is not None else None)
    rule = next((r for r in version.rules if r.number == decision.rule_number), None) if version else None
    return DecisionRecord(decision, version.label if version else None,
                          version.adoption_reference if version else None,
                          version.valid_from if version else None,
                          rule.common_version.adoption_reference if rule is not None and rule.is_included else None)


def timeline(case_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "case", AuditEntry.object_id == str(case_id)).order_by(AuditEntry.id)))


@dataclass(frozen=True)
class CaseFilters:
    q: str | None = None
    case_type: str | None = None
    state: str | None = None
    committee_id: int | None = None
    unit_id: int | None = None
    amount_min_ore: int | None = None
    amount_max_ore: int | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None


@dataclass(frozen=True)
class Page:
    cases: list[Case]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.STOCKHOLM)


def _search(term: str, reader: User):
    """Case ids by registry number, or by the customer's name or identity number: a union of
    indexed lookups, so the search does not scan every case. An identity number finds a case only
    for readers who see identity numbers in full, and never a protected identity (whose number is
    masked for everyone): otherwise the search would confirm whose number it is."""
    customers = select(Customer.id).where(Customer.name.ilike(f"%{term}%"))
    try:
        identity = parse_identity_number(term, clock.today()).value
    except IdentityNumberError:
        identity = None
    if identity:
        customers = select(Customer.id).where(Customer.identity_number == identity,
                                              Customer.protected_identity.is_(False))
        if not reader.roles & access.FULL_IDENTITY_VIEWERS:
            customers = customers.where(false())
    by_number = select(Case.id).where(Case.registry_number == term)
    by_customer = select(Case.id).where(Case.customer_id.in_(customers))
    return by_number.union(by_customer)


def case_page(filters: CaseFilters, reader: User, page: int = 1, per_page: int = 50) -> Page:
    """One page of the case list as the reader may see it; each filter is an indexed column, the
    count one query over the same condition."""
    query = select(Case).where(visible_to(reader, clock.today()))
    if filters.case_type:
        query = query.where(Case.case_type == filters.case_type)
    if filters.state:
        query = query.where(Case.state == filters.state)
    if filters.committee_id:
        query = query.where(Case.committee_id == filters.committee_id)
    if filters.unit_id:
        query = query.where(Case.org_unit_id == filters.unit_id)
    if filters.amount_min_ore is not None:
        query = query.where(Case.amount_ore >= filters.amount_min_ore)
    if filters.amount_max_ore is not None:
        query = query.where(Case.amount_ore <= filters.amount_max_ore)
    if filters.submitted_from:
        query = query.where(Case.submitted_at >= _local_start(filters.submitted_from))
    if filters.submitted_to:
        query = query.where(Case.submitted_at < _local_start(filters.submitted_to + timedelta(days=1)))
    if filters.q:
        query = query.where(Case.id.in_(_search(filters.q.strip(), reader)))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, page)
    cases = list(db.session.scalars(
        _with_summary(query).order_by(Case.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ))
    return Page(cases, total or 0, page, per_page)


# --- the customer's debt beside a case to decide --------------------------------------------------

@dataclass(frozen=True)
class Debt:
    """A customer's open debt beside a case (RULINGS 10): to the case's own committee in detail, to
    the other committees as one total (secrecy between committees)."""

    committee_ore: int = 0
    committee_invoices: int = 0
    overdue_ore: int = 0  # of the committee's: past its due date
    others_ore: int = 0


def debts_beside(cases: list[Case], today: date) -> dict[int, Debt]:
    """The debt of each case's customer, read for all the cases in one query."""
    customer_ids = {case.customer_id for case in cases}
    if not customer_ids:
        return {}
    main = func.coalesce(Committee.parent_id, Committee.id)
    overdue = func.sum(Invoice.open_amount_ore).filter(Invoice.due_date < today)
    rows = db.session.execute(
        select(Invoice.customer_id, main, func.sum(Invoice.open_amount_ore), func.count(Invoice.id), overdue)
        .join(OrgUnit, OrgUnit.id == Invoice.org_unit_id).join(Committee, Committee.id == OrgUnit.committee_id)
        .where(Invoice.customer_id.in_(customer_ids), Invoice.open_amount_ore > 0,
               Invoice.collection_stage.not_in(CLOSED_STAGES))
        .group_by(Invoice.customer_id, main)).all()
    per_customer: dict[int, dict[int, tuple[int, int, int]]] = {}
    for customer_id, committee_id, total, count, late in rows:
        per_customer.setdefault(customer_id, {})[committee_id] = (int(total or 0), int(count), int(late or 0))
    result = {}
    for case in cases:
        by_committee = per_customer.get(case.customer_id, {})
        main_id = case.committee.main_committee_id  # the rows are per main committee
        own = by_committee.get(main_id, (0, 0, 0))
        others = sum(total for committee_id, (total, _c, _l) in by_committee.items() if committee_id != main_id)
        result[case.id] = Debt(own[0], own[1], own[2], others)
    return result


# --- named eligibility conditions (issue 12 §2) ---------------------------------------------------

@dataclass(frozen=True)
class ConditionRow:
    """A condition a rule of the case's type requires, with the officer's answer (if any)."""

    condition: EligibilityCondition
    answer: ConditionAnswer | None


def conditions_for(case: Case, day: date) -> list[ConditionRow]:
    """The named conditions the rules of the case's type require in the scheme in force, built-in
    ones included (the portal computes those), each with the answer given on the case."""
    context = delegation_queries.case_context(case.committee_id, day)
    if context.engine_version is None:
        return []
    ids = {condition.id for rule in context.engine_version.rules_by_case_type.get(CaseType(case.case_type), ())
           for condition in rule.limits.required_conditions}
    if not ids:
        return []
    answers = {answer.condition_id: answer for answer in case.condition_answers}
    conditions = db.session.scalars(select(EligibilityCondition).where(EligibilityCondition.id.in_(sorted(ids)))
                                    .order_by(EligibilityCondition.builtin.is_(None), EligibilityCondition.name))
    return [ConditionRow(condition, answers.get(condition.id)) for condition in conditions]
