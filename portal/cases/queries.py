"""Reads about cases that pages share: the queues of "Mina uppgifter", the case list, the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal import clock
from portal.audit.models import AuditEntry
from portal.cases.models import Case, CaseInvoice
from portal.cases.routing import facts_for
from portal.cases.rules import CaseState
from portal.delegation import queries as delegation_queries
from portal.delegation.rules import may_decide
from portal.extensions import db
from portal.org.models import Position, PositionKind
from portal.org.queries import appointments_on, standin_duties
from portal.receivables.models import Customer, Invoice


def _with_summary(query: Select) -> Select:
    return query.options(joinedload(Case.customer), joinedload(Case.committee), joinedload(Case.org_unit))


def drafts_of(user_id: int) -> list[Case]:
    return list(db.session.scalars(_with_summary(select(Case).where(
        Case.prepared_by_id == user_id,
        Case.state.in_([CaseState.DRAFT.value, CaseState.RETURNED.value]),
    ).order_by(Case.created_at.desc()))))


def awaiting_consultation() -> list[Case]:
    return list(db.session.scalars(_with_summary(select(Case).where(
        Case.state == CaseState.AWAITING_CONSULTATION.value).order_by(Case.submitted_at))))


def committees_of_duty(user_id: int, day: date, *, employees_only: bool = False) -> set[int]:
    """Committees where the person holds or stands in for a position today (employees' positions
    only, when asked: elected members read cases through their meetings, not the case list)."""
    positions: list[Position] = [a.position for a in appointments_on(user_id, day)]
    positions += [d.position for d in standin_duties(user_id, day)]
    return {
        position.committee.main_committee_id for position in positions
        if not (employees_only and PositionKind(position.kind).is_elected)
    }


@dataclass(frozen=True)
class ToDecide:
    case: Case
    rule_number: str
    capacity: str


def to_decide(user_id: int, day: date) -> list[ToDecide]:
    """Cases awaiting decision that the engine says this person may decide today.

    The engine's context is built once per committee; each case then costs its facts only.
    """
    committees = committees_of_duty(user_id, day)
    further = delegation_queries.org_snapshot()
    if not committees and not further.further_delegations:
        return []
    candidates = list(db.session.scalars(_with_summary(
        select(Case).where(Case.state == CaseState.AWAITING_DECISION.value,
                           Case.committee_id.in_(committees) if committees else Case.id.is_(None))
        .options(selectinload(Case.lines).joinedload(CaseInvoice.invoice).joinedload(Invoice.category),
                 selectinload(Case.conflicts), selectinload(Case.consultations))
        .order_by(Case.submitted_at)
    )))
    result: list[ToDecide] = []
    contexts: dict[int, delegation_queries.CaseContext] = {}
    for case in candidates:
        context = contexts.get(case.committee_id)
        if context is None:
            context = contexts[case.committee_id] = delegation_queries.case_context(case.committee_id, day)
        if context.engine_version is None:
            continue
        check = may_decide(facts_for(case, day), context.engine_version, context.org, day,
                           context.price_base_amounts, user_id)
        if check.allowed:
            result.append(ToDecide(case, check.path.rule_number, check.path.decider.capacity.value))
    return result


def granted_not_executed() -> list[Case]:
    """Granted cases finance may book: a plan only once its signed agreement is registered."""
    from portal.cases.models import SignedAgreement
    from portal.delegation.engine_types import CaseType

    signed = select(SignedAgreement.id).where(SignedAgreement.case_id == Case.id).exists()
    return list(db.session.scalars(_with_summary(select(Case).where(
        Case.state.in_([CaseState.GRANTED.value, CaseState.PARTLY_GRANTED.value]),
        or_(Case.case_type != CaseType.INSTALMENT_PLAN.value, signed),
    ).options(joinedload(Case.decision), selectinload(Case.lines).joinedload(CaseInvoice.invoice))
        .order_by(Case.submitted_at))))


def awaiting_signature() -> list[Case]:
    """Granted instalment plans whose signed agreement is not registered yet, oldest decision first."""
    from portal.cases.models import Decision, SignedAgreement
    from portal.delegation.engine_types import CaseType

    return list(db.session.scalars(_with_summary(
        select(Case).join(Decision, Decision.case_id == Case.id)
        .outerjoin(SignedAgreement, SignedAgreement.case_id == Case.id)
        .where(Case.case_type == CaseType.INSTALMENT_PLAN.value,
               Case.state.in_([CaseState.GRANTED.value, CaseState.PARTLY_GRANTED.value]),
               SignedAgreement.id.is_(None))
        .options(joinedload(Case.decision))
        .order_by(Decision.decision_date, Case.id))))


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


def _search(term: str):
    """Case ids by registry number, or by the customer's name or identity number: a union of
    indexed lookups, so the search does not scan every case."""
    from portal.receivables.identity import IdentityNumberError, parse_identity_number

    customers = select(Customer.id).where(Customer.name.ilike(f"%{term}%"))
    try:
        identity = parse_identity_number(term, clock.today()).value
    except IdentityNumberError:
        identity = None
    if identity:
        customers = select(Customer.id).where(Customer.identity_number == identity)
    by_number = select(Case.id).where(Case.registry_number == term)
    by_customer = select(Case.id).where(Case.customer_id.in_(customers))
    return by_number.union(by_customer)


def case_page(filters: CaseFilters, page: int = 1, per_page: int = 50) -> Page:
    """One page of the case list; each filter is an indexed column, the count one query."""
    query = select(Case)
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
        query = query.where(Case.id.in_(_search(filters.q.strip())))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, page)
    cases = list(db.session.scalars(
        _with_summary(query).order_by(Case.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ))
    return Page(cases, total or 0, page, per_page)
