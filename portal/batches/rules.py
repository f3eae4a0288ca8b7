"""The pure rules of a batch write-off: its states, and from the engine's verdict on each line to
the batch's answer (which rule covers every line, who may decide it, which lines fail).

A batch is decided once, by one person, under one rule: RULINGS 17 says the decider is the one
whose rule covers every line, i.e. the highest level any line needs. Each line is asked of the
engine as its own small case (its reason, its unit and category, and the customer's part of the
batch on the 12-month basis); a line no delegated rule covers only the committee may decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from portal.delegation.results import DecisionCheck, DecisionPath, Verdict
from portal.delegation.engine_types import number_sort_key


# The decision's copy without personal data is a document of its own, issued with the decision (an
# issued document is never generated again, and the decision itself names the customers): the
# committee's members and secretary read the batch without them (RULINGS 10).
MASKED_OBJECT_TYPE = "write_off_batch_masked"


class BatchState(StrEnum):
    BUILDING = "building"
    DRAFT = "draft"
    AWAITING_DECISION = "awaiting_decision"
    REFERRED_TO_COMMITTEE = "referred_to_committee"
    GRANTED = "granted"
    REFUSED = "refused"
    EXECUTED = "executed"
    WITHDRAWN = "withdrawn"


STATE_LABELS = {
    BatchState.BUILDING: _l("Being built"),
    BatchState.DRAFT: _l("Draft"),
    BatchState.AWAITING_DECISION: _l("Awaiting decision"),
    BatchState.REFERRED_TO_COMMITTEE: _l("Referred to the committee"),
    BatchState.GRANTED: _l("Granted"),
    BatchState.REFUSED: _l("Refused"),
    BatchState.EXECUTED: _l("Executed"),
    BatchState.WITHDRAWN: _l("Withdrawn"),
}
# Invoices in a batch in these states are held: no other batch or case may take them.
HOLDS_INVOICES = frozenset({BatchState.BUILDING, BatchState.DRAFT, BatchState.AWAITING_DECISION,
                            BatchState.REFERRED_TO_COMMITTEE, BatchState.GRANTED})
# Invoices in a batch in these states keep a single case off them (RULINGS 15); a draft batch does
# not (its submission refuses invoices a case took meanwhile).
BLOCKS_CASES = frozenset({BatchState.AWAITING_DECISION, BatchState.REFERRED_TO_COMMITTEE, BatchState.GRANTED})
DECIDED = frozenset({BatchState.GRANTED, BatchState.REFUSED, BatchState.EXECUTED})
# The most lines one batch takes: a yearly list of a large municipality fits; more is two batches.
MAX_LINES = 10_000


@dataclass(frozen=True)
class CoveringRule:
    """A rule that covers every line of the batch, and the people who may decide all of them under it."""

    rule_number: str
    level: int
    person_ids: frozenset[int]


@dataclass(frozen=True)
class BatchVerdict:
    """The engine's answer for every line, and for the batch as a whole."""

    verdicts: Mapping[int, Verdict]  # line id -> the engine's verdict on that line
    failing: tuple[int, ...]  # lines no delegated rule covers: only the committee may decide them
    level_needed: int | None  # the highest level any line needs (None: a line fails)
    covering: tuple[CoveringRule, ...]  # lowest level first
    levels: Mapping[int, int | None] = field(default_factory=dict)  # line id -> the lowest level open to it
    # Rules that match some line but ask for consultation (samråd): no path for a batch.
    consultation_rules: tuple[str, ...] = ()
    # Lines a guideline bar covers (RULINGS 8): only the committee grants them.
    barred: tuple[int, ...] = ()

    @property
    def committee_only(self) -> bool:
        return not self.covering

    @property
    def proposed(self) -> CoveringRule | None:
        return self.covering[0] if self.covering else None

    def line_level(self, line_id: int) -> int | None:
        return self.levels.get(line_id)


def _available_by_rule(verdict: Verdict) -> dict[str, tuple[int, frozenset[int]]]:
    """Rule number -> (level, people who may decide the line under it): matching rules with a person
    available today (a sub-committee decides at its meeting, never one person, so it is no path).
    A rule that asks for consultation (samråd) is no path either: a batch is the finance
    department's own proposal and is not consulted on, so it goes to whoever's rule covers it
    without consultation, or to the committee (README "Samlingsbeslut")."""
    return {
        outcome.rule_number: (outcome.level, frozenset(d.person_id for d in outcome.deciders))
        for outcome in verdict.outcomes
        if outcome.matched and outcome.deciders and not outcome.is_bar and not outcome.consultation_missing
    }


def batch_verdict(verdicts: Mapping[int, Verdict]) -> BatchVerdict:
    """From each line's verdict to the batch's: a rule covers the batch when it matches every line
    and at least one person may decide every line under it. A batch is granted or refused as a
    whole on the same delegation (refusing needs the same delegation as granting), so a line a
    guideline bar covers fails: it is left out, or the batch goes to the committee."""
    # A line a guideline bar covers is no delegate's to grant (RULINGS 8): only the committee's. The
    # bar's refuser could refuse it alone, but the batch is one decision on every line, so no rule
    # covers the batch while such a line is in it.
    barred = tuple(line_id for line_id, verdict in verdicts.items() if verdict.barred)
    available = {line_id: {} if verdict.barred else _available_by_rule(verdict)
                 for line_id, verdict in verdicts.items()}
    failing = tuple(line_id for line_id in verdicts if not available[line_id])
    levels = {line_id: min((level for level, _people in mine.values()), default=None)
              for line_id, mine in available.items()}
    level_needed = None if failing or not levels else max(level for level in levels.values() if level is not None)
    covering: dict[str, tuple[int, frozenset[int]]] | None = None
    for mine in available.values():
        if covering is None:
            covering = mine
        else:
            covering = {number: (level, people & mine[number][1])
                        for number, (level, people) in covering.items() if number in mine}
        if not covering:
            break
    rules = sorted((CoveringRule(number, level, people) for number, (level, people) in (covering or {}).items()
                    if people), key=lambda rule: (rule.level, number_sort_key(rule.rule_number)))
    consultation = sorted({outcome.rule_number for verdict in verdicts.values() for outcome in verdict.outcomes
                           if outcome.matched and outcome.consultation_missing and not outcome.is_bar},
                          key=number_sort_key)
    return BatchVerdict(dict(verdicts), failing, level_needed, tuple(rules), levels, tuple(consultation), barred)


def common_path(checks: Iterable[DecisionCheck]) -> DecisionPath | None:
    """The one rule under which this person may decide every line (the lowest-level such rule),
    with the capacity they decide in; None if some line is refused them or no one rule covers all."""
    numbers: set[str] | None = None
    first: DecisionCheck | None = None
    for check in checks:
        if not check.allowed:
            return None
        mine = {path.rule_number for path in check.paths}
        numbers = mine if numbers is None else numbers & mine
        first = first or check
        if not numbers:
            return None
    if first is None or not numbers:
        return None
    paths = [path for path in first.paths if path.rule_number in numbers]
    return min(paths, key=lambda path: (path.level, number_sort_key(path.rule_number)))


def customer_totals(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
    """(customer id, amount) per line -> what the batch gives up from each customer."""
    totals: dict[int, int] = {}
    for customer_id, amount in lines:
        totals[customer_id] = totals.get(customer_id, 0) + amount
    return totals
