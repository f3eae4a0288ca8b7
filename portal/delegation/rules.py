"""The delegation engine: who may decide a case on a date, and why not (R1–R6, R9).

Pure functions over the plain data of `engine_types` and `snapshot`, answering in `results`:
no Flask, no database, no clock.

The engine is asked about the terms being decided. A grant or a partial grant is checked on the
terms granted; a refusal on the terms the customer asked for, since refusing needs the same
delegation as granting what was asked. So there is no separate logic for refusals: the caller
passes the asked terms.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from portal.delegation.deciders import StaffingCache, resolve
from portal.delegation.engine_types import (
    CaseFacts,
    PositionKindDelegate,
    Rule,
    RuleKind,
    SchemeVersion,
    Scope,
    VersionState,
)
from portal.delegation.limits import limit_reasons
from portal.delegation.results import (
    Decider,
    DecisionCheck,
    DecisionPath,
    DisqualifiedDecider,
    Reason,
    ReasonCode,
    RuleOutcome,
    Verdict,
)
from portal.delegation.snapshot import OrgSnapshot

PriceBaseAmounts = Mapping[int, int]


def version_reasons(version: SchemeVersion, committee_id: int, on_date: date) -> list[Reason]:
    """Why the version cannot serve a case of the committee on the date; empty if it can (R9)."""
    reasons = []
    if version.committee_id != committee_id:
        reasons.append(
            Reason(
                ReasonCode.VERSION_OF_OTHER_COMMITTEE,
                limit=version.committee_id,
                actual=committee_id,
            )
        )
    if version.state != VersionState.PUBLISHED:
        reasons.append(Reason(ReasonCode.VERSION_NOT_PUBLISHED, actual=version.state))
    elif not version.adoption_reference:
        reasons.append(Reason(ReasonCode.VERSION_WITHOUT_ADOPTION_REFERENCE))
    if on_date < version.valid_from:
        reasons.append(
            Reason(ReasonCode.VERSION_NOT_YET_VALID, limit=version.valid_from, actual=on_date)
        )
    if version.valid_to is not None and on_date > version.valid_to:
        reasons.append(Reason(ReasonCode.VERSION_EXPIRED, limit=version.valid_to, actual=on_date))
    return reasons


def conflict_reasons(facts: CaseFacts, person_id: int) -> list[Reason]:
    """R3: the preparer, the customer and anyone with a declared conflict never decide."""
    reasons = []
    if facts.preparer_person_id is not None and person_id == facts.preparer_person_id:
        reasons.append(Reason(ReasonCode.PREPARED_THE_CASE, actual=person_id))
    if facts.customer_person_id is not None and person_id == facts.customer_person_id:
        reasons.append(Reason(ReasonCode.IS_THE_CUSTOMER, actual=person_id))
    if person_id in facts.conflict_person_ids:
        reasons.append(Reason(ReasonCode.DECLARED_CONFLICT, actual=person_id))
    return reasons


def match_reasons(
    rule: Rule,
    facts: CaseFacts,
    version: SchemeVersion,
    org: OrgSnapshot,
    on_date: date,
    price_base_amounts: PriceBaseAmounts,
) -> list[Reason]:
    """Every reason the rule does not match the case (kind, scope, limits); empty if it does."""
    reasons = []
    if rule.kind == RuleKind.URGENT and not facts.urgent:
        reasons.append(Reason(ReasonCode.NOT_URGENT, rule.number))
    reasons.extend(_scope_reasons(rule, facts, version, org))
    if not rule.receivables.is_everything:
        reasons.extend(_receivable_reasons(rule, facts, org))
    reasons.extend(limit_reasons(rule.limits, facts, on_date, price_base_amounts, rule.number))
    return list(dict.fromkeys(reasons))


def verdict(
    facts: CaseFacts,
    version: SchemeVersion,
    org: OrgSnapshot,
    on_date: date,
    price_base_amounts: PriceBaseAmounts,
) -> Verdict:
    """Every rule of the case's type: whether it matches, why not, and who may decide under it.

    The proposed level is the lowest level (closest to the case) that has a matching rule with at
    least one available decider: a person who holds, stands in for or is a further delegate of a
    delegate position on the date and is not barred by R3 — or a sub-committee, which decides at
    its own meeting. A matching rule whose positions are all vacant or absent with nobody to stand
    in cannot be used, and DOMAIN.md "Who stands in" then sends the case to the next level; when no
    level is left, only the committee decides (`committee_only`, with the reason). Every other
    matching rule stays a valid path, and its deciders are listed too. A rule still waiting for
    its consultation (R4) counts: consultation is a step before the decision, not another level.
    """
    refusals = version_reasons(version, facts.committee_id, on_date)
    if refusals:
        return Verdict(
            version_id=version.id,
            case_type=facts.case_type,
            on_date=on_date,
            outcomes=(),
            proposed_level=None,
            proposed_rule_numbers=(),
            committee_only=True,
            committee_only_reasons=(Reason(ReasonCode.VERSION_NOT_IN_FORCE),),
            version_reasons=tuple(refusals),
        )
    cache: StaffingCache = {}
    outcomes = tuple(
        _rule_outcome(rule, facts, version, org, on_date, price_base_amounts, cache)
        for rule in version.rules_by_case_type.get(facts.case_type, ())
    )
    proposed_level, proposed_numbers, why_committee = _propose(facts, outcomes)
    return Verdict(
        version_id=version.id,
        case_type=facts.case_type,
        on_date=on_date,
        outcomes=outcomes,
        proposed_level=proposed_level,
        proposed_rule_numbers=proposed_numbers,
        committee_only=proposed_level is None,
        committee_only_reasons=why_committee,
    )


def may_decide(
    facts: CaseFacts,
    version: SchemeVersion,
    org: OrgSnapshot,
    on_date: date,
    price_base_amounts: PriceBaseAmounts,
    person_id: int,
) -> DecisionCheck:
    """Whether the person may decide the case on the date, and if not, every reason.

    A person may decide under any matching rule they are a decider of, not only at the proposed
    level (DOMAIN.md: every matching rule is a valid path). The chosen `path` is the lowest level
    one; all are in `paths`. Reasons come from the rules under which the person holds, stands in
    or is a further delegate; a person with no such role anywhere gets NOT_A_DECIDER.
    """
    personal = conflict_reasons(facts, person_id)
    refusals = version_reasons(version, facts.committee_id, on_date)
    if refusals:
        return DecisionCheck(
            person_id, version.id, allowed=False, reasons=tuple(refusals + personal)
        )

    paths: list[DecisionPath] = []
    reasons: list[Reason] = []
    sub_committee_notes: list[Reason] = []
    has_role = False
    cache: StaffingCache = {}
    for rule in version.rules_by_case_type.get(facts.case_type, ()):
        mismatch = match_reasons(rule, facts, version, org, on_date, price_base_amounts)
        resolution = resolve(rule, facts, version, org, on_date, price_base_amounts, cache)
        if resolution.sub_committee_id is not None and not mismatch:
            sub_committee_notes.extend(
                r for r in resolution.unavailable if r.code == ReasonCode.SUB_COMMITTEE_DECIDES
            )
        own = sorted(
            {d for d in resolution.deciders if d.person_id == person_id}, key=Decider.sort_key
        )
        if not own and person_id not in resolution.blocked:
            continue
        has_role = True
        reasons.extend(mismatch)
        if not own:
            reasons.extend(resolution.blocked[person_id])
        elif not mismatch and _consultation_missing(rule, facts):
            reasons.append(_consultation_reason(rule))
        elif not mismatch:
            paths.extend(
                DecisionPath(version.id, rule.number, rule.level, rule.kind, d) for d in own
            )

    if paths and not personal:
        return DecisionCheck(person_id, version.id, allowed=True, path=paths[0], paths=tuple(paths))
    if not has_role:
        reasons = [Reason(ReasonCode.NOT_A_DECIDER, actual=person_id), *sub_committee_notes]
    if paths:
        reasons = []  # the person holds a valid path; only R3 bars them
    return DecisionCheck(person_id, version.id, allowed=False, reasons=tuple(personal + reasons))


def _rule_outcome(rule, facts, version, org, on_date, price_base_amounts, cache) -> RuleOutcome:
    mismatch = match_reasons(rule, facts, version, org, on_date, price_base_amounts)
    if mismatch:
        return RuleOutcome(
            rule.number,
            rule.level,
            rule.kind,
            matched=False,
            reasons=tuple(mismatch),
            consultation=rule.consultation,
        )
    resolution = resolve(rule, facts, version, org, on_date, price_base_amounts, cache)
    deciders: list[Decider] = []
    disqualified: list[DisqualifiedDecider] = []
    for decider in sorted(set(resolution.deciders), key=Decider.sort_key):
        barred = conflict_reasons(facts, decider.person_id)
        if barred:
            disqualified.append(DisqualifiedDecider(decider, tuple(barred)))
        else:
            deciders.append(decider)
    return RuleOutcome(
        rule.number,
        rule.level,
        rule.kind,
        matched=True,
        deciders=tuple(deciders),
        disqualified=tuple(disqualified),
        unavailable=tuple(resolution.unavailable),
        sub_committee_id=resolution.sub_committee_id,
        consultation=rule.consultation,
        consultation_missing=_consultation_missing(rule, facts),
    )


def _propose(facts: CaseFacts, outcomes: tuple[RuleOutcome, ...]):
    if not outcomes:
        return None, (), (Reason(ReasonCode.NO_RULE_FOR_CASE_TYPE, actual=facts.case_type),)
    available = [outcome for outcome in outcomes if outcome.available]
    if available:
        level = min(outcome.level for outcome in available)
        return level, tuple(o.rule_number for o in available if o.level == level), ()
    matched = tuple(outcome.rule_number for outcome in outcomes if outcome.matched)
    if matched:
        return (
            None,
            (),
            (Reason(ReasonCode.NO_AVAILABLE_DECIDER, params=(("rule_numbers", matched),)),),
        )
    every = tuple(outcome.rule_number for outcome in outcomes)
    return None, (), (Reason(ReasonCode.NO_MATCHING_RULE, params=(("rule_numbers", every),)),)


def _consultation_missing(rule: Rule, facts: CaseFacts) -> bool:
    return rule.consultation is not None and not facts.consultation_recorded


def _consultation_reason(rule: Rule) -> Reason:
    consultation = rule.consultation
    return Reason(
        ReasonCode.CONSULTATION_MISSING,
        rule.number,
        params=(("unit_id", consultation.unit_id), ("position_id", consultation.position_id)),
    )


def _scope_reasons(
    rule: Rule, facts: CaseFacts, version: SchemeVersion, org: OrgSnapshot
) -> list[Reason]:
    """A rule scoped to the issuing unit or department needs a known unit of the committee."""
    delegate = rule.delegate
    if not isinstance(delegate, PositionKindDelegate) or delegate.scope == Scope.COMMITTEE:
        return []
    if facts.issuing_unit_id is None:
        return [Reason(ReasonCode.ISSUING_UNIT_MISSING, rule.number)]
    unit = org.unit_by_id.get(facts.issuing_unit_id)
    if unit is None:
        return [Reason(ReasonCode.ISSUING_UNIT_UNKNOWN, rule.number, actual=facts.issuing_unit_id)]
    if unit.committee_id != version.committee_id:
        return [
            Reason(
                ReasonCode.ISSUING_UNIT_OF_OTHER_COMMITTEE,
                rule.number,
                limit=version.committee_id,
                actual=unit.committee_id,
            )
        ]
    if delegate.scope == Scope.ISSUING_DEPARTMENT and org.department_of(unit.id) is None:
        return [Reason(ReasonCode.ISSUING_UNIT_WITHOUT_DEPARTMENT, rule.number, actual=unit.id)]
    return []


def _receivable_reasons(rule: Rule, facts: CaseFacts, org: OrgSnapshot) -> list[Reason]:
    """A rule scoped to some invoice categories or issuing units: every invoice of the case must be
    inside. A fact the caller did not give cannot be shown to hold, so it fails (FACT_MISSING)."""
    scope, reasons = rule.receivables, []
    if scope.limits_categories:
        categories = facts.invoice_category_ids
        if not categories:
            reasons.append(
                Reason(ReasonCode.FACT_MISSING, rule.number, params=(("fact", "invoice_category_ids"),))
            )
        else:
            outside = categories - scope.category_ids if scope.category_ids is not None else set()
            if outside:
                reasons.append(
                    Reason(
                        ReasonCode.CATEGORY_OUTSIDE_SCOPE,
                        rule.number,
                        limit=tuple(sorted(scope.category_ids)),
                        actual=tuple(sorted(outside)),
                    )
                )
            excluded = categories & scope.excluded_category_ids
            if excluded:
                reasons.append(
                    Reason(
                        ReasonCode.CATEGORY_EXCLUDED,
                        rule.number,
                        limit=tuple(sorted(scope.excluded_category_ids)),
                        actual=tuple(sorted(excluded)),
                    )
                )
    if scope.unit_ids is not None:
        if facts.issuing_unit_id is None:
            reasons.append(Reason(ReasonCode.ISSUING_UNIT_MISSING, rule.number))
        elif not set(org.unit_and_ancestors(facts.issuing_unit_id)) & scope.unit_ids:
            reasons.append(
                Reason(
                    ReasonCode.ISSUING_UNIT_OUTSIDE_SCOPE,
                    rule.number,
                    limit=tuple(sorted(scope.unit_ids)),
                    actual=facts.issuing_unit_id,
                )
            )
    return reasons
