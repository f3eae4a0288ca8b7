"""No one makes themselves a decider: what a registration would newly let its registering person decide.

RULINGS 9: a registration that would make the person registering it a decider (an appointment, an
absence naming them as stand-in, a position's standing stand-in, a further delegation to them) waits
for a second person with the same right. What a person may decide in is read the way the engine
reads R1 and DOMAIN.md "Who stands in", as capacities rather than today's outcome:

- ("position", p): they hold p, or an absence of p's holder names them as stand-in;
- ("standin", p): they hold the position named as p's standing stand-in, so they decide in p
  whenever its holder is absent without a named stand-in, or p is vacant;
- ("further", (version, rule, position)): a rule was passed on to a position they hold.

A registration is held when the person has, on some day from today on, a capacity after it that they
did not have before. Capacities are compared, not today's deciders: setting one's own position as a
standing stand-in is a self-made decider even while the holder is present. A rule's own stand-in
position is the committee's choice (publishing a scheme is allowed and audited): the person gains it
only by being appointed to that position, which is held on its own.

Pure: plain data in (the engine's OrgSnapshot), an answer out; no Flask, no session, no clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from portal.delegation.snapshot import OrgSnapshot, covers

Capacity = tuple[str, object]


@dataclass(frozen=True)
class Gain:
    """The first day a registration would let the person act where they could not before, and in what."""

    day: date
    capacities: frozenset[Capacity]

    @property
    def position_ids(self) -> list[int]:
        """The positions the person would decide in (a further delegation: its receiving position)."""
        return sorted({c[1] if c[0] != "further" else c[1][2] for c in self.capacities})


class _Person:
    """One person's side of one snapshot, indexed once for the days asked about."""

    def __init__(self, org: OrgSnapshot, person_id: int):
        self.org = org
        self.appointments = [a for a in org.appointments if a.person_id == person_id]
        self.named_on = [a for a in org.absences if a.standin_person_id == person_id]
        self.standing_for: dict[int, list[int]] = defaultdict(list)
        for position in org.positions:
            if position.standing_standin_position_id is not None:
                self.standing_for[position.standing_standin_position_id].append(position.id)

    def held(self, day: date) -> set[int]:
        return {a.position_id for a in self.appointments if covers(a.starts_on, a.ends_on, day)}

    def capacities(self, day: date) -> frozenset[Capacity]:
        held = self.held(day)
        found: set[Capacity] = {("position", p) for p in held}
        for absence in self.named_on:
            if covers(absence.starts_on, absence.ends_on, day):
                found |= {("position", a.position_id) for a in self.org.appointments
                          if a.person_id == absence.person_id and covers(a.starts_on, a.ends_on, day)}
        for standin_position_id in held:
            found |= {("standin", p) for p in self.standing_for.get(standin_position_id, ())}
        for delegation in self.org.further_delegations:
            if delegation.receiving_position_id in held and covers(
                delegation.starts_on, delegation.ends_on, day
            ):
                found.add(("further", (delegation.scheme_version_id, delegation.rule_number,
                                       delegation.receiving_position_id)))
        return frozenset(found)


def days_to_check(
    before: OrgSnapshot, after: OrgSnapshot, today: date, window: tuple[date, date | None]
) -> list[date]:
    """The window's first day (today at the earliest) and every later day in it where a row starts,
    or the day after one ends: between these days nobody's capacities change."""
    first, last = window
    first = max(first, today)
    if last is not None and last < first:
        return []
    days = {first}
    for org in (before, after):
        for row in (*org.appointments, *org.absences, *org.further_delegations):
            for day in (row.starts_on, _day_after(row.ends_on)):
                if day is not None and first < day and (last is None or day <= last):
                    days.add(day)
    return sorted(days)


def _day_after(day: date | None) -> date | None:
    if day is None or day == date.max:
        return None
    return day + timedelta(days=1)


def self_made_decider(
    before: OrgSnapshot,
    after: OrgSnapshot,
    person_id: int | None,
    today: date,
    window: tuple[date, date | None],
) -> Gain | None:
    """What the change from `before` to `after` would newly let the person decide in, or None."""
    if person_id is None:  # the system (demo data, migrations) is nobody
        return None
    old, new = _Person(before, person_id), _Person(after, person_id)
    for day in days_to_check(before, after, today, window):
        gained = new.capacities(day) - old.capacities(day)
        if gained:
            return Gain(day, frozenset(gained))
    return None


def positions_named(
    rows: Iterable[tuple[int | None, str, str | None, int | None, int]], org: OrgSnapshot
) -> set[int]:
    """Every position a scheme's rules name, as delegate (by name, kind or presidium) or stand-in.

    Each row: (standin_position_id, delegate_type, delegate_position_kind, delegate_position_id,
    committee_id). A delegate by kind is taken at every scope of the committee.
    """
    named: set[int] = set()
    for standin_id, delegate_type, kind, named_id, committee_id in rows:
        if standin_id is not None:
            named.add(standin_id)
        if delegate_type == "named_position" and named_id is not None:
            named.add(named_id)
        elif delegate_type == "presidium":
            for presidium_kind in ("chair", "vice_chair"):
                named.update(org.positions_in_committee(presidium_kind, committee_id))
        elif delegate_type == "position_kind" and kind is not None:
            named.update(org.positions_in_committee(kind, committee_id))
    return named


def positions_held_from(org: OrgSnapshot, person_id: int, day: date) -> set[int]:
    """Positions the person holds on the day or is appointed to from a later day."""
    return {a.position_id for a in org.appointments
            if a.person_id == person_id and (a.ends_on is None or a.ends_on >= day)}


def without(rows: tuple, row) -> tuple:
    """The rows with one occurrence of `row` taken out (a change replaces its own old row)."""
    found = list(rows)
    if row is not None and row in found:
        found.remove(row)
    return tuple(found)


def may_register_own_absence(person_id: int, absent_person_id: int | None, positions_held: Collection[int]) -> bool:
    """A holder registers, changes and removes her own absence (None: a new one), never another
    person's: only while she holds a position. Whether the absence would make her a decider is
    asked as for everyone (self_made_decider), so RULINGS 9 holds on this path too."""
    return absent_person_id in (None, person_id) and bool(positions_held)


def may_name_as_own_standin(standin_person_id: int | None, colleagues: Collection[int]) -> bool:
    """A holder names to stand in for her someone who holds a position in a committee where she
    holds one (or nobody: the position's standing stand-in then decides)."""
    return standin_person_id is None or standin_person_id in colleagues
