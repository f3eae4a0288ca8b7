"""Which jobs a person sees: those of the kinds whose work they may see, in the query."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, false, func, select

from portal import access
from portal.auth.models import User
from portal.extensions import db
from portal.jobs import registry
from portal.jobs.models import Job
from portal.jobs.services import failed_condition


def _kind_name(obj: Any) -> str | None:
    return obj.kind if isinstance(obj, Job) else obj


@access.register(access.VIEW_JOBS, access.RETRY_JOB)
def _rule(user: User, action: str, obj: Any, day: date) -> bool:
    name = _kind_name(obj)
    kinds = registry.kinds() if name is None else [k for k in [registry.get(name)] if k is not None]
    needed = (lambda k: k.view_action) if action == access.VIEW_JOBS else (lambda k: k.retry_action)
    return any(access.allowed(user, needed(kind), on=day) for kind in kinds)


def visible_kinds(user: User) -> list[str]:
    return [kind.name for kind in registry.kinds() if access.allowed(user, kind.view_action)]


def visible_to(user: User) -> Select:
    """The jobs this user may see (every list and count starts here)."""
    kinds = visible_kinds(user)
    return select(Job).where(Job.kind.in_(kinds) if kinds else false())


PAGE_SIZE = 50


def job_list(user: User, *, failed_only: bool, page: int) -> tuple[list[Job], int]:
    """A page of the user's visible jobs, newest first, and how many there are in all."""
    query = visible_to(user)
    if failed_only:
        query = query.where(failed_condition())
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Job.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return list(rows), total
