"""The delegation engine: who may decide a case on a date, and why not (R1–R6, R9).

Pure functions over the plain data of `engine_types` and `snapshot`, answering in `results`:
no Flask, no database, no clock.

The engine is asked about the terms being decided. A grant or a partial grant is checked on the
terms granted; a refusal on the terms the customer asked for, since refusing needs the same
delegation as granting what was asked. So there is no separate logic for refusals: the caller
passes the asked terms — with one exception, the guideline bar (RULINGS 8). A case a bar covers
may not be granted by any delegate, only by the committee; refusing it is delegated to those the
bar names, so `may_decide` is told whether the decision refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from portal.delegation.deciders import StaffingCache, resolve
from portal.delegation.engine_types import (
    CaseFacts,
    CommitteeDelegate,
    PositionKindDelegate,
    Rule,
    RuleKind,
    SchemeVersion,
    Scope,
    VersionState,
)
from portal.delegation.limits import has_limits, limit_reasons
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
        replace(
            (_bar_outcome if rule.is_bar else _rule_outcome)(
                rule, facts, version, org, on_date, price_base_amounts, cache
            ),
            common_reference=rule.common_reference,
        )
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
        barred_by=tuple(o.rule_number for o in outcomes if o.is_bar and o.matched),
        adoption_reference=version.adoption_reference,
    )


def bar_cover(
    rule: Rule,
    facts: CaseFacts,
    org: OrgSnapshot,
    on_date: date,
    price_base_amounts: PriceBaseAmounts,
) -> tuple[bool, list[Reason]]:
    """Whether a guideline bar covers the case, and why (or why not).

    A bar covers a case of its type unless the case is shown to be outside it: outside its
    receivables (no invoice of the case is of them: one that is is enough to bar the case), or
    inside every one of its limits. A bar without limits covers every case of its receivables. A
    fact the caller did not give cannot show the case outside, so it covers (the reason names the
    fact), as a missing fact keeps an ordinary rule from matching: either way a delegate grants
    only what the scheme is shown to allow.
    """
    outside = [] if rule.receivables.is_everything else _bar_scope_reasons(rule, facts, org)
    if outside and all(r.code != ReasonCode.FACT_MISSING for r in outside):
        return False, outside
    broken = limit_reasons(rule.limits, facts, on_date, price_base_amounts, rule.number)
    if has_limits(rule.limits) and not broken and not outside:
        kept = Reason(ReasonCode.GUIDELINE_KEPT, rule.number, params=(("point", rule.guideline_point),))
        return False, [kept]
    return True, [*outside, *broken]


def may_decide(
    facts: CaseFacts,
    version: SchemeVersion,
    org: OrgSnapshot,
    on_date: date,
    price_base_amounts: PriceBaseAmounts,
    person_id: int,
    *,
    refusing: bool = False,
) -> DecisionCheck:
    """Whether the person may decide the case on the date, and if not, every reason.

    A person may decide under any matching rule they are a decider of, not only at the proposed
    level (DOMAIN.md: every matching rule is a valid path). The chosen `path` is the lowest level
    one; all are in `paths`. Reasons come from the rules under which the person holds, stands in
    or is a further delegate; a person with no such role anywhere gets NOT_A_DECIDER.

    Where a guideline bar covers the case, no delegate may grant it, and it is refused only under
    a covering bar, by those the bar names (`refusing`).
    """
    personal = conflict_reasons(facts, person_id)
    refusals = version_reasons(version, facts.committee_id, on_date)
    if refusals:
        return DecisionCheck(
            person_id, version.id, allowed=False, reasons=tuple(refusals + personal)
        )
    bars = [
        rule
        for rule in version.rules_by_case_type.get(facts.case_type, ())
        if rule.is_bar and bar_cover(rule, facts, org, on_date, price_base_amounts)[0]
    ]
    if bars:
        return _may_decide_barred(
            bars, facts, version, org, on_date, price_base_amounts, person_id, personal, refusing
        )

    paths: list[DecisionPath] = []
    reasons: list[Reason] = []
    sub_committee_notes: list[Reason] = []
    has_role = False
    cache: StaffingCache = {}
    for rule in version.rules_by_case_type.get(facts.case_type, ()):
        if rule.is_bar:
            continue
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


def _may_decide_barred(
    bars, facts, version, org, on_date, price_base_amounts, person_id, personal, refusing
) -> DecisionCheck:
    """RULINGS 8: only the committee grants against its guideline; a refusal under a covering bar
    is a delegated decision of those the bar names."""
    if not refusing:
        barred = [_bar_reason(ReasonCode.GUIDELINE_BARS_GRANT, rule) for rule in bars]
        return DecisionCheck(person_id, version.id, allowed=False, reasons=tuple(personal + barred))
    paths: list[DecisionPath] = []
    reasons: list[Reason] = []
    cache: StaffingCache = {}
    for rule in bars:
        resolution = resolve(rule, facts, version, org, on_date, price_base_amounts, cache)
        own = sorted(
            {d for d in resolution.deciders if d.person_id == person_id}, key=Decider.sort_key
        )
        if own and _consultation_missing(rule, facts):
            reasons.append(_consultation_reason(rule))
        elif own:
            paths.extend(
                DecisionPath(version.id, rule.number, rule.level, rule.kind, d) for d in own
            )
        elif person_id in resolution.blocked:
            reasons.extend(resolution.blocked[person_id])
    if paths and not personal:
        return DecisionCheck(person_id, version.id, allowed=True, path=paths[0], paths=tuple(paths))
    if paths:
        reasons = []
    elif not reasons:
        reasons = [
            _bar_reason(ReasonCode.NOT_A_REFUSER, rule, actual=person_id,
                        to_committee=isinstance(rule.delegate, CommitteeDelegate))
            for rule in bars
        ]
    return DecisionCheck(person_id, version.id, allowed=False, reasons=tuple(personal + reasons))


def _bar_reason(code: ReasonCode, rule: Rule, actual=None, **params) -> Reason:
    return Reason(
        code, rule.number, actual=actual,
        params=(("point", rule.guideline_point), *sorted(params.items())),
    )


def _bar_outcome(rule, facts, version, org, on_date, price_base_amounts, cache) -> RuleOutcome:
    """A guideline bar: whether it covers the case, why, and who may refuse under it."""
    covered, why = bar_cover(rule, facts, org, on_date, price_base_amounts)
    if not covered:
        return RuleOutcome(
            rule.number, rule.level, rule.kind, matched=False, reasons=tuple(why),
            consultation=rule.consultation, guideline_point=rule.guideline_point,
        )
    outcome = _rule_outcome(rule, facts, version, org, on_date, price_base_amounts, cache,
                            mismatch=[])
    return replace(outcome, guideline_point=rule.guideline_point, covered_because=tuple(why),
                   names_refuser=not isinstance(rule.delegate, CommitteeDelegate))


def _rule_outcome(
    rule, facts, version, org, on_date, price_base_amounts, cache, mismatch=None
) -> RuleOutcome:
    if mismatch is None:
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
    bars = [outcome for outcome in outcomes if outcome.is_bar and outcome.matched]
    if bars:
        return _propose_refusal(bars)
    outcomes = tuple(outcome for outcome in outcomes if not outcome.is_bar)
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


def _propose_refusal(bars: list[RuleOutcome]):
    """A barred case goes to those who may refuse it under a covering bar, at the lowest level
    where someone can; where no bar names anyone who can act today, to the committee."""
    available = [outcome for outcome in bars if outcome.available]
    if available:
        level = min(outcome.level for outcome in available)
        return level, tuple(o.rule_number for o in available if o.level == level), ()
    return None, (), tuple(
        Reason(
            ReasonCode.GUIDELINE_BAR_TO_COMMITTEE,
            outcome.rule_number,
            params=(("point", outcome.guideline_point), ("names_refuser", outcome.names_refuser)),
        )
        for outcome in bars
    )


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


def _bar_scope_reasons(rule: Rule, facts: CaseFacts, org: OrgSnapshot) -> list[Reason]:
    """Why a case lies outside a bar's receivables: none of its invoices is of the bar's
    categories (or all are of those it leaves out), or its issuing unit is outside the bar's."""
    scope, categories = rule.receivables, facts.invoice_category_ids
    if scope.limits_categories and categories:
        kept = categories & scope.category_ids if scope.category_ids is not None else categories
        if not kept - scope.excluded_category_ids:
            code = (ReasonCode.CATEGORY_OUTSIDE_SCOPE if scope.category_ids is not None
                    else ReasonCode.CATEGORY_EXCLUDED)
            listed = scope.category_ids if scope.category_ids is not None else scope.excluded_category_ids
            return [Reason(code, rule.number, limit=tuple(sorted(listed)), actual=tuple(sorted(categories)))]
        scope = replace(scope, category_ids=None, excluded_category_ids=frozenset())
    return _receivable_reasons(replace(rule, receivables=scope), facts, org)


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
