"""What if (issue 12, "Getting a real municipality in"): before a draft is published, the
committee's cases decided in the last 12 months are asked again under it, each on its own decision
day with the terms the officer asked, and compared with who decided them: the same, another level,
another person, the committee, a delegate where the committee decided, or a guideline bar.

The engine is the one the cases use (`facts_for`, `verdict`); the draft is asked as if it were in
force on each day. What the portal knows of the customer's other debts is today's (the ledger keeps
no history of open amounts), which the page says."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from itertools import groupby

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.cases.models import Case, CaseInvoice, Decision
from portal.cases.routing import facts_for, known_facts
from portal.delegation import engine_types as et
from portal.delegation import queries
from portal.delegation.models import SchemeVersion
from portal.delegation.results import Verdict
from portal.delegation.rules import verdict
from portal.extensions import db
from portal.receivables.rules import add_months

# The most recent decisions replayed on one page: a year of a large committee's cases is asked in
# a few seconds; the page says when there were more.
REPLAY_LIMIT = 5_000


class Change(StrEnum):
    SAME = "same"
    OTHER_LEVEL = "other_level"
    OTHER_PERSON = "other_person"
    TO_COMMITTEE = "to_committee"
    FROM_COMMITTEE = "from_committee"
    BARRED = "barred"


CHANGE_LABELS = {
    Change.SAME: _l("As decided"),
    Change.OTHER_LEVEL: _l("Another level"),
    Change.OTHER_PERSON: _l("Another person"),
    Change.TO_COMMITTEE: _l("Only the committee"),
    Change.FROM_COMMITTEE: _l("A delegate, not the committee"),
    Change.BARRED: _l("Barred by a guideline"),
}


@dataclass(frozen=True)
class Replayed:
    case: Case
    decision: Decision
    verdict: Verdict
    change: Change
    # The draft's proposed rules and who may decide under them, as (rule number, level, person ids).
    proposed: tuple[tuple[str, int, tuple[int, ...]], ...]


@dataclass(frozen=True)
class Replay:
    since: date
    until: date
    rows: tuple[Replayed, ...]
    counts: dict[Change, int]
    more: int  # decisions in the period beyond REPLAY_LIMIT, not replayed


def as_in_force(draft: SchemeVersion) -> et.SchemeVersion:
    """The draft as the engine would read it once published: in force on every day asked."""
    return replace(queries.engine_version(draft), state=et.VersionState.PUBLISHED, valid_from=date.min,
                   valid_to=None, adoption_reference=draft.adoption_reference or draft.label or "—")


def classify(decision: Decision, found: Verdict) -> Change:
    """How the draft's answer differs from the decision that was made (every matching rule is a
    valid path: a person is "the same" if any proposed rule names them)."""
    if not decision.is_delegated:
        return Change.SAME if found.committee_only else Change.FROM_COMMITTEE
    deciders = {d.person_id for o in found.proposed for d in o.deciders}
    if found.barred:
        same = decision.outcome == "refused" and decision.decided_by_id in deciders
        return Change.SAME if same else Change.BARRED
    if found.committee_only:
        return Change.TO_COMMITTEE
    if found.proposed_level != decision.rule_level:
        return Change.OTHER_LEVEL
    if decision.decided_by_id not in deciders:
        return Change.OTHER_PERSON
    return Change.SAME


def replay(draft: SchemeVersion, today: date) -> Replay:
    """The committee's cases decided from 12 months back to today, the latest first, each asked
    under the draft on its decision day."""
    since = add_months(today, -12) + timedelta(days=1)
    in_period = (select(Decision.id).join(Case, Case.id == Decision.case_id)
                 .where(Case.committee_id == draft.committee_id,
                        Decision.decision_date.between(since, today)))
    total = db.session.scalar(select(db.func.count()).select_from(in_period.subquery())) or 0
    decisions = db.session.scalars(
        select(Decision).where(Decision.id.in_(in_period))
        .options(selectinload(Decision.case).selectinload(Case.lines).selectinload(CaseInvoice.invoice),
                 selectinload(Decision.case).selectinload(Case.customer),
                 selectinload(Decision.case).selectinload(Case.condition_answers),
                 selectinload(Decision.case).selectinload(Case.conflicts))
        .order_by(Decision.decision_date.desc(), Decision.id.desc()).limit(REPLAY_LIMIT)
    ).all()
    engine = as_in_force(draft)
    org, pbb = queries.org_snapshot(), queries.price_base_amounts()
    rows: list[Replayed] = []
    # What the engine reads beyond the cases is read once per decision day for that day's cases.
    for day, same_day in groupby(decisions, key=lambda d: d.decision_date):
        batch = list(same_day)
        known = known_facts([d.case for d in batch], day)
        for decision in batch:
            found = verdict(facts_for(decision.case, day, known=known), engine, org, day, pbb)
            proposed = tuple((o.rule_number, o.level, tuple(sorted({d.person_id for d in o.deciders})))
                             for o in found.proposed)
            rows.append(Replayed(decision.case, decision, found, classify(decision, found), proposed))
    counts = Counter(row.change for row in rows)
    return Replay(since, today, tuple(rows), {change: counts.get(change, 0) for change in Change},
                  max(0, total - len(rows)))
