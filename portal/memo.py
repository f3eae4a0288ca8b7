"""Reads kept for the rest of the transaction: the reference tables and the reader's holdings that
a page would otherwise read again for every row it shows, and again in every check it makes.

What is kept is forgotten whenever the session writes (a flush or a bulk statement), commits or
rolls back, so a service that changes the organisation and then asks again within its transaction
reads the change.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db

T = TypeVar("T")

_KEY = "portal_memo"


def per_transaction(key: Hashable, build: Callable[[], T]) -> T:
    """`build()` once in this transaction for the key; the same answer after that."""
    session = db.session()
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()  # what a query would flush first; the flush forgets what was kept
    kept = session.info.setdefault(_KEY, {})
    if key not in kept:
        kept[key] = build()
    return kept[key]


@event.listens_for(Session, "after_flush")
def _forget_after_flush(session: Session, _flush_context) -> None:
    session.info.pop(_KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_transaction(session: Session, _transaction) -> None:
    session.info.pop(_KEY, None)


@event.listens_for(Session, "do_orm_execute")
def _forget_before_a_bulk_write(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info.pop(_KEY, None)
