"""Reads of the trail and of the customer view log for the auditor's pages: each filter an indexed
column or an indexed lookup, one count, one page (or a stream for the export)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, String, cast, func, or_, select

from portal import clock
from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.extensions import db

PER_PAGE = 50


@dataclass(frozen=True)
class TrailFilters:
    case: str | None = None  # a registry number (or part of it)
    customer: str | None = None  # a customer's name (or part of it)
    person: str | None = None  # a username or a person's name (or part of it)
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.STOCKHOLM)


def _contains(column, text: str):
    """Case-insensitive contains on both databases (SQLite's lower() leaves å, ä, ö alone)."""
    text = " ".join(text.split())
    return or_(func.lower(column).contains(text.lower(), autoescape=True),
               column.contains(text, autoescape=True), column.contains(text.title(), autoescape=True))


def _people(text: str):
    return select(User.id).where(or_(_contains(User.username, text), _contains(User.full_name, text)))


def _case_ids(filters: TrailFilters):
    from portal.cases.models import Case
    from portal.receivables.models import Customer

    query = select(cast(Case.id, String(40)))
    if filters.case:
        query = query.where(_contains(Case.registry_number, filters.case))
    if filters.customer:
        query = query.where(Case.customer_id.in_(select(Customer.id).where(_contains(Customer.name, filters.customer))))
    return query


def _period(query: Select, column, date_from: date | None, date_to: date | None) -> Select:
    if date_from:
        query = query.where(column >= _start(date_from))
    if date_to:
        query = query.where(column < _start(date_to + timedelta(days=1)))
    return query


def trail_query(filters: TrailFilters) -> Select:
    query = select(AuditEntry)
    if filters.case or filters.customer:
        query = query.where(AuditEntry.object_type == "case", AuditEntry.object_id.in_(_case_ids(filters)))
    if filters.person:
        query = query.where(or_(AuditEntry.actor_id.in_(_people(filters.person)),
                                _contains(AuditEntry.actor_name, filters.person)))
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    return _period(query, AuditEntry.occurred_at, filters.date_from, filters.date_to)


def _page_of(query: Select, order, page: int) -> Page:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = min(max(1, page), max(1, -(-total // PER_PAGE)))
    items = list(db.session.scalars(query.order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return Page(items, total, page)


def trail_page(filters: TrailFilters, page: int = 1) -> Page:
    """Newest first: the auditor usually looks for what happened lately."""
    return _page_of(trail_query(filters), (AuditEntry.id.desc(),), page)


def trail_rows(filters: TrailFilters) -> Iterator[AuditEntry]:
    """Every matching entry in the order written, streamed in batches (for the export)."""
    yield from db.session.scalars(trail_query(filters).order_by(AuditEntry.id).execution_options(yield_per=500))


def people_by_id(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def registry_numbers(case_ids: set[str]) -> dict[str, str]:
    """{case id as the trail writes it: registry number (or "" for a draft)} for one page's cases."""
    from portal.cases.models import Case

    ids = [int(i) for i in case_ids if i and i.isdigit() and len(i) < 19]
    if not ids:
        return {}
    return {str(case_id): number or "" for case_id, number in
            db.session.execute(select(Case.id, Case.registry_number).where(Case.id.in_(ids)))}


# --- the customer view log --------------------------------------------------------------------------

@dataclass(frozen=True)
class ViewFilters:
    customer: str | None = None
    person: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def views_query(filters: ViewFilters) -> Select:
    from portal.receivables.models import Customer, CustomerView

    query = select(CustomerView)
    if filters.customer:
        query = query.where(CustomerView.customer_id.in_(
            select(Customer.id).where(_contains(Customer.name, filters.customer))))
    if filters.person:
        query = query.where(CustomerView.user_id.in_(_people(filters.person)))
    return _period(query, CustomerView.viewed_at, filters.date_from, filters.date_to)


def views_page(filters: ViewFilters, page: int = 1) -> Page:
    from sqlalchemy.orm import joinedload

    from portal.receivables.models import CustomerView

    query = views_query(filters).options(joinedload(CustomerView.user))
    return _page_of(query, (CustomerView.viewed_at.desc(), CustomerView.id.desc()), page)


def view_rows(filters: ViewFilters) -> Iterator[tuple]:
    """(view, customer name, username, person's name) for every matching view, in the order logged."""
    from portal.receivables.models import Customer, CustomerView

    query = (views_query(filters).add_columns(Customer.name, User.username, User.full_name)
             .join(Customer, Customer.id == CustomerView.customer_id).join(User, User.id == CustomerView.user_id)
             .order_by(CustomerView.id).execution_options(yield_per=500))
    yield from db.session.execute(query)


def customer_names(ids: set[int]) -> dict[int, str]:
    from portal.receivables.models import Customer

    if not ids:
        return {}
    return dict(db.session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(ids))).all())
