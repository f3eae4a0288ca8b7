"""The number beside "Mina uppgifter" in the menu, shown on every page, without asking the delegation
engine about every waiting case and batch on every page (issue 14).

The queues to consult, to book and the drafts are plain counts in the database. The cases and batch
write-offs to decide are the engine's answer, which costs a verdict per waiting case: those two
numbers are kept in the person's own signed session cookie (no state in the app server, so any of
several servers reads it) together with a fingerprint of everything they were computed from, and
used again only while

- the fingerprint is the same: the day, the organisation's version (`org_version`: positions,
  appointments, absences, stand-ins, schemes, rules, price base amounts), and of the cases and
  batches awaiting decision in the person's committees the number, the ids and the latest
  submission (a case arriving, leaving or submitted again), and the latest decision, conflict
  declaration and consultation anywhere (a customer's earlier decisions count against a rule's
  limits, a declared conflict moves a case to the stand-in);
- at most KEEP_SECONDS have passed (what the fingerprint does not see: the ledger's open amounts);
- the person has sent no unsafe request since (their own decisions, declarations and drafts).

The start page always counts afresh (it asks the engine for its queue anyway) and so does the
count's own htmx refresh (every minute on an open page). The queues' pages are always exact.
"""

from __future__ import annotations

import hashlib
import time
from datetime import date

from flask import g, request, session
from sqlalchemy import func, select

from portal.auth.models import User
from portal.batches.models import WriteOffBatch, WriteOffBatchDecision
from portal.batches.rules import BatchState
from portal.cases import queries as case_queries
from portal.cases.models import Case, Consultation, ConflictDeclaration, Decision
from portal.cases.rules import CaseState
from portal.delegation.queries import org_token
from portal.extensions import db
from portal.memo import per_transaction

SESSION_KEY = "menu_count"
KEEP_SECONDS = 60
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _fingerprint(user: User, today: date) -> str:
    """What the engine's part of the count was computed from, in one statement."""
    committees = sorted(case_queries.committees_of_duty(user.id, today))
    parts: list[object] = [user.id, today.isoformat(), org_token(), committees]
    if committees:
        waiting = (Case.state == CaseState.AWAITING_DECISION.value, Case.committee_id.in_(committees))
        batches = (WriteOffBatch.state == BatchState.AWAITING_DECISION.value,
                   WriteOffBatch.committee_id.in_(committees))
        parts += list(db.session.execute(select(
            select(func.count(Case.id)).where(*waiting).scalar_subquery(),
            select(func.sum(Case.id)).where(*waiting).scalar_subquery(),
            select(func.max(Case.submitted_at)).where(*waiting).scalar_subquery(),
            select(func.count(WriteOffBatch.id)).where(*batches).scalar_subquery(),
            select(func.sum(WriteOffBatch.id)).where(*batches).scalar_subquery(),
            select(func.max(WriteOffBatch.submitted_at)).where(*batches).scalar_subquery(),
            select(func.max(Decision.id)).scalar_subquery(),
            select(func.max(WriteOffBatchDecision.id)).scalar_subquery(),
            select(func.max(ConflictDeclaration.id)).scalar_subquery(),
            select(func.max(Consultation.id)).scalar_subquery(),
        )).one())
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _to_decide(user: User, today: date) -> tuple[int, int]:
    """The engine's part: cases and batch write-offs this person may decide today."""
    from portal.home.queries import batches_to_decide

    return len(case_queries.to_decide(user.id, today)), len(batches_to_decide(user.id, today))


def refresh() -> None:
    """Count afresh on this request (the start page and the count's own refresh)."""
    g.menu_count_fresh = True


def task_count(user: User, today: date) -> int:
    """The number beside "Mina uppgifter": once per transaction; the engine's part from the session
    when nothing it depends on has changed (see the module's note)."""
    return per_transaction(("menu_task_count", user.id, today), lambda: _count(user, today))


def _count(user: User, today: date) -> int:
    fingerprint = _fingerprint(user, today)
    kept = session.get(SESSION_KEY)
    now = time.time()
    if (not g.get("menu_count_fresh") and isinstance(kept, dict) and kept.get("key") == fingerprint
            and now < float(kept.get("until", 0))):
        cases, batches = (int(n) for n in kept["n"])
    else:
        cases, batches = _to_decide(user, today)
        session[SESSION_KEY] = {"key": fingerprint, "n": [cases, batches], "until": now + KEEP_SECONDS}
    return case_queries.task_count(user, today, cases_to_decide=cases) + batches


def forget_on_unsafe_request() -> None:
    """A person's own unsafe request (a decision, a declaration, a draft) may change what waits for
    them: the kept count is dropped before it is handled."""
    if request.method not in SAFE_METHODS and SESSION_KEY in session:
        session.pop(SESSION_KEY, None)
