"""Who can act under one rule on a date: holders, stand-ins and further delegates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from portal.delegation.engine_types import (
    PRESIDIUM_KINDS,
    CaseFacts,
    CommitteeDelegate,
    NamedPositionDelegate,
    PositionKind,
    PositionKindDelegate,
    PresidiumDelegate,
    Rule,
    SchemeVersion,
    Scope,
    SubCommitteeDelegate,
)
from portal.delegation.limits import limit_reasons
from portal.delegation.results import Capacity, Decider, Reason, ReasonCode, StandinSource
from portal.delegation.snapshot import Absence, OrgSnapshot, Position, covers


@dataclass
class Resolution:
    """Who can act under one rule on the date, before R3 is applied."""

    deciders: list[Decider] = field(default_factory=list)
    unavailable: list[Reason] = field(default_factory=list)
    # Persons with a role under the rule who cannot act under it today (absent, or a further
    # delegation that does not reach the case), with why.
    blocked: dict[int, list[Reason]] = field(default_factory=dict)
    sub_committee_id: int | None = None

    def block(self, person_id: int, reasons: list[Reason]) -> None:
        self.blocked.setdefault(person_id, []).extend(reasons)


@dataclass(frozen=True)
class _Staffing:
    """Who acts for one delegate on the date, the same for every rule naming that delegate."""

    positions: tuple[int, ...]
    deciders: tuple[Decider, ...]
    unavailable: tuple[Reason, ...]  # without rule number: tagged per rule
    absent_holders: tuple[tuple[int, int], ...]  # (person, position)


StaffingCache = dict[tuple, _Staffing]


def resolve(
    rule: Rule,
    facts: CaseFacts,
    version: SchemeVersion,
    org: OrgSnapshot,
    on_date: date,
    price_base_amounts: Mapping[int, int],
    cache: StaffingCache | None = None,
) -> Resolution:
    """The deciders of the rule for this case on the date, before R3, and who is left out and why.

    Pass one `cache` per case and date: rules naming the same delegate and stand-in position then
    share one look-up of holders, absences and stand-ins.
    """
    key = (rule.delegate, rule.standin_position_id)
    staffing = cache.get(key) if cache is not None else None
    if staffing is None:
        staffing = _staff(rule.delegate, rule.standin_position_id, facts, version, org, on_date)
        if cache is not None:
            cache[key] = staffing
    resolution = Resolution(
        deciders=list(staffing.deciders),
        unavailable=[
            Reason(r.code, rule.number, r.limit, r.actual, r.params) for r in staffing.unavailable
        ],
    )
    for person_id, position_id in staffing.absent_holders:
        absent = Reason(
            ReasonCode.REGISTERED_ABSENT, rule.number, params=(("position_id", position_id),)
        )
        resolution.block(person_id, [absent])
    if isinstance(rule.delegate, SubCommitteeDelegate):
        committee_id = rule.delegate.committee_id
        resolution.sub_committee_id = committee_id
        resolution.unavailable.append(
            Reason(
                ReasonCode.SUB_COMMITTEE_DECIDES,
                rule.number,
                params=(("committee_id", committee_id),),
            )
        )
    if not rule.is_bar:  # a refusal under the guideline is not passed on (checks.py)
        _further_deciders(
            rule, staffing.positions, facts, version, org, on_date, price_base_amounts, resolution
        )
    return resolution


def _staff(
    delegate, rule_standin_position_id, facts, version, org: OrgSnapshot, on_date
) -> _Staffing:
    unavailable: list[Reason] = []
    deciders: list[Decider] = []
    absent_holders: list[tuple[int, int]] = []
    positions = _delegate_positions(delegate, facts, version, org, unavailable)
    for position_id in positions:
        position = org.position_by_id[position_id]
        holders = org.holders_on(position_id, on_date)
        if not holders:
            standins = _standins(None, position, rule_standin_position_id, org, on_date)
            if not standins:
                params = (("position_id", position_id),)
                unavailable.append(
                    Reason(ReasonCode.POSITION_VACANT_WITHOUT_STANDIN, params=params)
                )
            for person_id, source, via_position_id in standins:
                deciders.append(
                    Decider(person_id, position_id, Capacity.STANDIN, None, source, via_position_id)
                )
        for holder in holders:
            absence = org.absence_on(holder, on_date)
            if absence is None:
                deciders.append(Decider(holder, position_id, Capacity.HOLDER))
                continue
            absent_holders.append((holder, position_id))
            standins = _standins(absence, position, rule_standin_position_id, org, on_date)
            if not standins:
                params = (("position_id", position_id), ("person_id", holder))
                unavailable.append(Reason(ReasonCode.HOLDER_ABSENT_WITHOUT_STANDIN, params=params))
            for person_id, source, via_position_id in standins:
                deciders.append(
                    Decider(
                        person_id, position_id, Capacity.STANDIN, holder, source, via_position_id
                    )
                )
    return _Staffing(positions, tuple(deciders), tuple(unavailable), tuple(absent_holders))


def _delegate_positions(
    delegate, facts, version, org: OrgSnapshot, unavailable: list[Reason]
) -> tuple[int, ...]:
    """The delegate positions for this case, by kind and scope, by name or the presidium."""
    if isinstance(delegate, (SubCommitteeDelegate, CommitteeDelegate)):
        return ()  # a sub-committee decides at its meeting; the committee is nobody's delegate
    if isinstance(delegate, NamedPositionDelegate):
        if delegate.position_id in org.position_by_id:
            return (delegate.position_id,)
        params = (("position_id", delegate.position_id),)
        unavailable.append(Reason(ReasonCode.DELEGATE_POSITION_UNKNOWN, params=params))
        return ()
    if isinstance(delegate, PresidiumDelegate):
        found = tuple(
            p
            for kind in PRESIDIUM_KINDS
            for p in org.positions_in_committee(kind, version.committee_id)
        )
    else:
        found = _positions_in_scope(delegate, facts, version, org)
    if not found:
        unavailable.append(Reason(ReasonCode.NO_POSITION_IN_SCOPE))
    return found


def _positions_in_scope(
    delegate: PositionKindDelegate, facts, version, org: OrgSnapshot
) -> tuple[int, ...]:
    if delegate.scope == Scope.COMMITTEE:
        return org.positions_in_committee(delegate.kind, version.committee_id)
    if facts.issuing_unit_id is None or facts.issuing_unit_id not in org.unit_by_id:
        return ()
    if delegate.scope == Scope.ISSUING_UNIT:
        return org.positions_in_unit(delegate.kind, facts.issuing_unit_id)
    department = org.department_of(facts.issuing_unit_id)
    return org.positions_in_department(delegate.kind, department) if department is not None else ()


def _standins(
    absence: Absence | None,
    position: Position,
    rule_standin_position_id: int | None,
    org: OrgSnapshot,
    on_date: date,
):
    """DOMAIN.md "Who stands in", in order: the stand-in named on the absence; else the holders of
    the position's standing stand-in position; else those of the rule's stand-in position. A step
    that yields nobody present falls through to the next. Stand-ins are not chained further.
    """
    named = absence.standin_person_id if absence is not None else None
    if named is not None and org.is_present(named, on_date):
        return [(named, StandinSource.ABSENCE, None)]
    for source, standin_position_id in (
        (StandinSource.STANDING_POSITION, position.standing_standin_position_id),
        (StandinSource.RULE_POSITION, rule_standin_position_id),
    ):
        if standin_position_id is None:
            continue
        present = org.present_holders_on(standin_position_id, on_date)
        if present:
            return [(person_id, source, standin_position_id) for person_id in present]
    return []


def _further_deciders(
    rule, positions, facts, version, org: OrgSnapshot, on_date, price_base_amounts, resolution
):
    """Holders of positions a department head passed the rule on to (kommunallagen 7 kap 6 §).

    A further delegation counts only where the rule allows it, the delegating position is a
    department head delegate of the rule for this very case, and the case is inside its own limits
    as well as the rule's. Its receivers get no stand-ins: the department head can still decide.
    """
    for delegation in org.further_delegations_of(version.id, rule.number):
        if not covers(delegation.starts_on, delegation.ends_on, on_date):
            continue
        tag = (("further_delegation_id", delegation.id),)
        problems: list[Reason] = []
        if not rule.allows_further_delegation:
            problems.append(
                Reason(ReasonCode.FURTHER_DELEGATION_NOT_ALLOWED_BY_RULE, rule.number, params=tag)
            )
        delegating = org.position_by_id.get(delegation.delegating_position_id)
        if (
            delegating is None
            or delegating.kind != PositionKind.DEPARTMENT_HEAD
            or delegating.id not in positions
        ):
            problems.append(
                Reason(ReasonCode.FURTHER_DELEGATION_NOT_FROM_DELEGATE, rule.number, params=tag)
            )
        if delegation.limits is not None:
            problems.extend(
                limit_reasons(
                    delegation.limits, facts, on_date, price_base_amounts, rule.number, tag
                )
            )
        receivers = org.holders_on(delegation.receiving_position_id, on_date)
        if problems:
            resolution.unavailable.extend(problems)
            for receiver in receivers:
                resolution.block(receiver, problems)
            continue
        delegators = org.holders_on(delegation.delegating_position_id, on_date)
        acting = 0
        for receiver in receivers:
            if not org.is_present(receiver, on_date):
                resolution.block(
                    receiver, [Reason(ReasonCode.REGISTERED_ABSENT, rule.number, params=tag)]
                )
                continue
            acting += 1
            resolution.deciders.append(
                Decider(
                    receiver,
                    delegation.receiving_position_id,
                    Capacity.FURTHER_DELEGATE,
                    further_delegation_id=delegation.id,
                    delegated_by_position_id=delegation.delegating_position_id,
                    delegated_by_person_id=delegators[0] if delegators else None,
                )
            )
        if not acting:
            resolution.unavailable.append(
                Reason(ReasonCode.FURTHER_DELEGATE_UNAVAILABLE, rule.number, params=tag)
            )
