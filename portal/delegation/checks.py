"""The draft checker: errors that block publishing a scheme version, warnings that inform."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from itertools import combinations

from portal.delegation.engine_types import (
    LIMIT_CASE_TYPES,
    PRESIDIUM_KINDS,
    URGENT_DECIDER_KINDS,
    CaseType,
    CommitteeDelegate,
    Limits,
    NamedPositionDelegate,
    PositionKind,
    PositionKindDelegate,
    PresidiumDelegate,
    Rule,
    RuleKind,
    SchemeVersion,
    Scope,
    SubCommitteeDelegate,
    number_sort_key,
)
from portal.delegation.limits import pbb_ceiling_ore
from portal.delegation.results import Finding, FindingCode, Severity
from portal.delegation.snapshot import FurtherDelegation, OrgSnapshot
from portal.org.bodies import is_company

ERROR, WARNING = Severity.ERROR, Severity.WARNING

# Limits that only make sense for some case types; elsewhere the fact they read is never given,
# so the rule could never match.
_LIMIT_CASE_TYPES = LIMIT_CASE_TYPES
_POSITIVE_LIMITS = (
    "broken_after_days",
    "min_amount_ore",
    "max_invoice_amount_ore",
    "max_instalments",
    "max_granted_cases",
    "max_deferral_months",
    "max_deferral_days",
    "max_plan_months",
    "max_total_months",
    "max_amount_ore",
)
_CEILINGS = (
    "max_invoice_amount_ore",
    "max_instalments",
    "max_granted_cases",
    "max_amount_ore",
    "max_amount_pbb",
    "max_deferral_months",
    "max_deferral_days",
    "max_plan_months",
    "max_total_months",
)


def check_version(
    version: SchemeVersion,
    org: OrgSnapshot,
    price_base_amounts: Mapping[int, int],
    *,
    on_date: date | None = None,
    categories: Mapping[int, str] | None = None,
    conditions: Mapping[int, int | None] | None = None,
) -> list[Finding]:
    """Every finding about the version, errors first, then by rule number.

    `categories` are the invoice categories kept (by id); a rule scoped to one not kept could
    never match. Left None, category ids are not looked up.
    `conditions` are the named eligibility conditions kept, each with its committee (None for a
    built-in one, every committee's); a rule requiring one not of its committee could never be
    answered on its cases. Left None, they are not looked up.

    Holders and stand-ins are looked at on `on_date`, by default the version's valid-from day.
    Price base amounts must exist for every year the version may be in force as far as known: from
    the year of valid-from to that of valid-to, or to the last year in the table when open-ended.
    """
    on_date = on_date or version.valid_from
    years = _years_in_force(version, price_base_amounts)
    findings: list[Finding] = []
    if version.committee_id not in org.committee_by_id:
        findings.append(
            Finding(
                ERROR,
                FindingCode.COMMITTEE_UNKNOWN,
                params=(("committee_id", version.committee_id),),
            )
        )
    if version.valid_to is not None and version.valid_to < version.valid_from:
        findings.append(Finding(ERROR, FindingCode.VALIDITY_REVERSED))
    for number, count in Counter(rule.number for rule in version.rules).items():
        if count > 1:
            findings.append(
                Finding(ERROR, FindingCode.DUPLICATE_RULE_NUMBER, number, (("count", count),))
            )
    for rule in version.rules:
        findings.extend(
            _limit_findings(rule.number, rule.case_type, rule.limits, years, price_base_amounts)
        )
        findings.extend(_delegate_findings(rule, version, org))
        findings.extend(_staffing_findings(rule, version, org, on_date))
        findings.extend(_receivable_findings(rule, version, org, categories))
        findings.extend(_condition_findings(rule, version, conditions))
    for case_type in CaseType:
        if not any(
            rule.case_type == case_type and rule.kind == RuleKind.ORDINARY for rule in version.rules
        ):
            findings.append(
                Finding(
                    WARNING, FindingCode.CASE_TYPE_WITHOUT_RULE, params=(("case_type", case_type),)
                )
            )
    findings.extend(_overlap_findings(version))
    findings.extend(_common_overlap_findings(version))
    for delegation in org.further_delegations:
        if delegation.scheme_version_id == version.id:
            findings.extend(
                _further_delegation_findings(delegation, version, org, years, price_base_amounts)
            )
    unique = list(dict.fromkeys(findings))
    return sorted(
        unique,
        key=lambda f: (
            f.severity != ERROR,
            number_sort_key(f.rule_number or ""),
            f.rule_number or "",
            f.code,
        ),
    )


def _years_in_force(version: SchemeVersion, price_base_amounts: Mapping[int, int]) -> range:
    start = version.valid_from.year
    end = (
        version.valid_to.year if version.valid_to is not None else max([start, *price_base_amounts])
    )
    return range(start, max(start, end) + 1)


def _limit_findings(number, case_type, limits: Limits, years, price_base_amounts) -> list[Finding]:
    findings = []
    for name, case_types in _LIMIT_CASE_TYPES.items():
        value = getattr(limits, name)
        if value is not None and value != () and case_type not in case_types:
            findings.append(
                Finding(ERROR, FindingCode.LIMIT_NOT_FOR_CASE_TYPE, number, (("limit", name),))
            )
    for name in _POSITIVE_LIMITS:
        value = getattr(limits, name)
        if value is not None and value < 1:
            findings.append(
                Finding(
                    ERROR,
                    FindingCode.LIMIT_NOT_POSITIVE,
                    number,
                    (("limit", name), ("value", value)),
                )
            )
    if limits.max_amount_pbb is not None and limits.max_amount_pbb <= 0:
        findings.append(
            Finding(ERROR, FindingCode.LIMIT_NOT_POSITIVE, number, (("limit", "max_amount_pbb"),))
        )
    if limits.allowed_write_off_reasons is not None and not limits.allowed_write_off_reasons:
        findings.append(Finding(ERROR, FindingCode.EMPTY_WRITE_OFF_REASONS, number))
    if limits.allowed_reasons is not None and not limits.allowed_reasons:
        findings.append(Finding(ERROR, FindingCode.EMPTY_REASONS, number))
    if limits.max_amount_pbb is not None:
        for year in years:
            if year not in price_base_amounts:
                findings.append(
                    Finding(ERROR, FindingCode.PRICE_BASE_AMOUNT_MISSING, number, (("year", year),))
                )
    for floor in limits.plan_length_floors:
        words = (("months", floor.months), ("form", floor.form))
        if limits.max_plan_months is not None and floor.shortest_covered > limits.max_plan_months:
            findings.append(
                Finding(
                    WARNING,
                    FindingCode.PLAN_LENGTH_FLOOR_UNREACHABLE,
                    number,
                    words + (("max_plan_months", limits.max_plan_months),),
                )
            )
            continue
        for ceiling, year in _amount_ceilings(limits, years, price_base_amounts):
            if ceiling < floor.min_debt_ore:
                params = words + (
                    ("min_debt_ore", floor.min_debt_ore),
                    ("max_ore", ceiling),
                )
                findings.append(
                    Finding(
                        ERROR,
                        FindingCode.FLOOR_ABOVE_MAX_AMOUNT,
                        number,
                        params + (("year", year),),
                    )
                )
    if limits.min_amount_ore is not None:
        for ceiling, year in _amount_ceilings(limits, years, price_base_amounts):
            if ceiling < limits.min_amount_ore:
                params = (("min_ore", limits.min_amount_ore), ("max_ore", ceiling), ("year", year))
                findings.append(Finding(ERROR, FindingCode.MIN_ABOVE_MAX_AMOUNT, number, params))
    if limits.min_monthly_instalment_ore is not None:
        # An instalment is never more than the debt, and the debt never more than the ceiling.
        for ceiling, year in _amount_ceilings(limits, years, price_base_amounts):
            if ceiling < limits.min_monthly_instalment_ore:
                params = (
                    ("min_instalment_ore", limits.min_monthly_instalment_ore),
                    ("max_ore", ceiling),
                    ("year", year),
                )
                findings.append(
                    Finding(ERROR, FindingCode.INSTALMENT_ABOVE_MAX_AMOUNT, number, params)
                )
    return findings


def _amount_ceilings(limits: Limits, years, price_base_amounts):
    if limits.max_amount_ore is not None:
        yield limits.max_amount_ore, None
    if limits.max_amount_pbb is not None:
        for year in years:
            if year in price_base_amounts:
                yield pbb_ceiling_ore(limits.max_amount_pbb, price_base_amounts[year]), year


def _delegate_findings(rule: Rule, version: SchemeVersion, org: OrgSnapshot) -> list[Finding]:
    findings = []
    number, delegate, committee_id = rule.number, rule.delegate, version.committee_id
    if rule.level < 1:
        findings.append(
            Finding(ERROR, FindingCode.LEVEL_NOT_POSITIVE, number, (("level", rule.level),))
        )
    if isinstance(delegate, PositionKindDelegate):
        if delegate.scope == Scope.COMMITTEE:
            present = org.positions_in_committee(delegate.kind, committee_id)
        else:
            present = org.positions_in_committee_units(delegate.kind, committee_id)
        if not present:
            params = (("kind", delegate.kind), ("scope", delegate.scope))
            findings.append(Finding(ERROR, FindingCode.DELEGATE_KIND_MISSING, number, params))
    elif (
        isinstance(delegate, NamedPositionDelegate)
        and delegate.position_id not in org.position_by_id
    ):
        params = (("position_id", delegate.position_id),)
        findings.append(Finding(ERROR, FindingCode.DELEGATE_POSITION_MISSING, number, params))
    elif isinstance(delegate, PresidiumDelegate) and not org.positions_in_committee(
        PositionKind.CHAIR, committee_id
    ):
        findings.append(
            Finding(
                ERROR, FindingCode.DELEGATE_KIND_MISSING, number, (("kind", PositionKind.CHAIR),)
            )
        )
    elif isinstance(delegate, SubCommitteeDelegate):
        sub = org.committee_by_id.get(delegate.committee_id)
        if sub is None or sub.parent_id != committee_id:
            params = (("committee_id", delegate.committee_id),)
            findings.append(
                Finding(ERROR, FindingCode.DELEGATE_SUB_COMMITTEE_MISSING, number, params)
            )
    if rule.standin_position_id is not None and rule.standin_position_id not in org.position_by_id:
        params = (("position_id", rule.standin_position_id),)
        findings.append(Finding(ERROR, FindingCode.STANDIN_POSITION_MISSING, number, params))
    consultation = rule.consultation
    if consultation is not None and not (
        (consultation.unit_id is not None and consultation.unit_id in org.unit_by_id)
        or (consultation.position_id is not None and consultation.position_id in org.position_by_id)
    ):
        params = (("unit_id", consultation.unit_id), ("position_id", consultation.position_id))
        findings.append(Finding(ERROR, FindingCode.CONSULTATION_TARGET_MISSING, number, params))
    if rule.kind == RuleKind.URGENT and not _members_only(delegate, org):
        findings.append(Finding(ERROR, FindingCode.URGENT_DELEGATE_NOT_A_MEMBER, number))
    committee = org.committee_by_id.get(version.committee_id)
    if rule.kind == RuleKind.URGENT and committee is not None and is_company(committee.kind):
        findings.append(Finding(WARNING, FindingCode.URGENT_RULE_OF_A_COMPANY, number))
    if rule.is_bar and not (rule.guideline_point or "").strip():
        findings.append(Finding(ERROR, FindingCode.BAR_WITHOUT_POINT, number))
    if isinstance(delegate, CommitteeDelegate) and not rule.is_bar:
        findings.append(Finding(ERROR, FindingCode.COMMITTEE_DELEGATE_NOT_BAR, number))
    if rule.is_bar and rule.allows_further_delegation:
        findings.append(Finding(ERROR, FindingCode.BAR_PASSED_ON, number))
    if (
        rule.allows_further_delegation
        and not rule.is_bar
        and not _may_name_department_head(delegate, org)
    ):
        findings.append(Finding(WARNING, FindingCode.FURTHER_DELEGATION_NOT_POSSIBLE, number))
    return findings


def _receivable_findings(rule: Rule, version: SchemeVersion, org: OrgSnapshot, categories):
    scope, number, findings = rule.receivables, rule.number, []
    if scope.category_ids is not None and scope.excluded_category_ids:
        findings.append(Finding(ERROR, FindingCode.SCOPE_BOTH_FORMS, number))
    for name, ids in (("category_ids", scope.category_ids), ("unit_ids", scope.unit_ids)):
        if ids is not None and not ids:
            findings.append(Finding(ERROR, FindingCode.SCOPE_EMPTY, number, (("scope", name),)))
    if categories is not None:
        for category_id in sorted((scope.category_ids or frozenset()) | scope.excluded_category_ids):
            if category_id not in categories:
                params = (("category_id", category_id),)
                findings.append(Finding(ERROR, FindingCode.SCOPE_CATEGORY_MISSING, number, params))
    for unit_id in sorted(scope.unit_ids or ()):
        unit = org.unit_by_id.get(unit_id)
        if unit is None or unit.committee_id != version.committee_id:
            params = (("unit_id", unit_id),)
            findings.append(Finding(ERROR, FindingCode.SCOPE_UNIT_NOT_OF_COMMITTEE, number, params))
    return findings


def _condition_findings(rule: Rule, version: SchemeVersion, conditions) -> list[Finding]:
    if conditions is None:
        return []
    return [
        Finding(ERROR, FindingCode.CONDITION_UNKNOWN, rule.number, (("condition_id", condition.id),))
        for condition in rule.limits.required_conditions
        if condition.id not in conditions or conditions[condition.id] not in (None, version.committee_id)
    ]


def _members_only(delegate, org: OrgSnapshot) -> bool:
    """Kommunallagen 6 kap 39 §: urgent matters go to the chair or another member only."""
    if isinstance(delegate, PresidiumDelegate):
        return True
    if isinstance(delegate, PositionKindDelegate):
        return delegate.kind in URGENT_DECIDER_KINDS and delegate.scope == Scope.COMMITTEE
    if isinstance(delegate, NamedPositionDelegate):
        position = org.position_by_id.get(delegate.position_id)
        return (
            position is None or position.kind in URGENT_DECIDER_KINDS
        )  # a missing one is reported apart
    return False


def _may_name_department_head(delegate, org: OrgSnapshot, position_id: int | None = None) -> bool:
    if isinstance(delegate, PositionKindDelegate):
        return delegate.kind == PositionKind.DEPARTMENT_HEAD
    if isinstance(delegate, NamedPositionDelegate):
        position = org.position_by_id.get(delegate.position_id)
        named = position is not None and position.kind == PositionKind.DEPARTMENT_HEAD
        return named and (position_id is None or position_id == delegate.position_id)
    return False


def delegate_position_ids(rule: Rule, version: SchemeVersion, org: OrgSnapshot) -> tuple[int, ...]:
    """The positions a rule names (the internal-control page names their holders today)."""
    return _delegate_position_ids(rule, version, org)


def _delegate_position_ids(rule: Rule, version: SchemeVersion, org: OrgSnapshot) -> tuple[int, ...]:
    """Every position that can be a delegate of the rule for some case of the committee."""
    delegate, committee_id = rule.delegate, version.committee_id
    if isinstance(delegate, PositionKindDelegate):
        if delegate.scope == Scope.COMMITTEE:
            return org.positions_in_committee(delegate.kind, committee_id)
        return org.positions_in_committee_units(delegate.kind, committee_id)
    if isinstance(delegate, NamedPositionDelegate):
        return (delegate.position_id,) if delegate.position_id in org.position_by_id else ()
    if isinstance(delegate, PresidiumDelegate):
        return tuple(
            p for kind in PRESIDIUM_KINDS for p in org.positions_in_committee(kind, committee_id)
        )
    return ()


def _staffing_findings(
    rule: Rule, version: SchemeVersion, org: OrgSnapshot, on_date: date
) -> list[Finding]:
    findings = []
    for position_id in _delegate_position_ids(rule, version, org):
        params = (("position_id", position_id), ("on_date", on_date))
        if not org.holders_on(position_id, on_date):
            findings.append(
                Finding(WARNING, FindingCode.POSITION_WITHOUT_HOLDER, rule.number, params)
            )
        standing = org.position_by_id[position_id].standing_standin_position_id
        if standing is None and rule.standin_position_id is None:
            findings.append(
                Finding(WARNING, FindingCode.POSITION_WITHOUT_STANDIN, rule.number, params[:1])
            )
        for standin_id in (standing, rule.standin_position_id):
            # A stand-in position nobody holds stands in for nobody (a missing one is an error).
            if standin_id in org.position_by_id and not org.holders_on(standin_id, on_date):
                findings.append(
                    Finding(
                        WARNING,
                        FindingCode.STANDIN_POSITION_VACANT,
                        rule.number,
                        (("position_id", position_id), ("standin_position_id", standin_id),
                         ("on_date", on_date)),
                    )
                )
    return findings


def _overlap_findings(version: SchemeVersion) -> list[Finding]:
    """Rules of one type, kind and level with different delegates that one case could match."""
    findings = []
    groups: dict[tuple, list[Rule]] = {}
    for rule in version.rules:
        groups.setdefault((rule.case_type, rule.kind, rule.level), []).append(rule)
    for rules in groups.values():
        for first, second in combinations(
            sorted(rules, key=lambda r: number_sort_key(r.number)), 2
        ):
            if (
                first.delegate != second.delegate
                and first.is_included == second.is_included  # else _common_overlap_findings
                and _may_overlap(first.limits, second.limits)
                and _scopes_may_overlap(first.receivables, second.receivables)
            ):
                params = (("other_rule_number", second.number),)
                findings.append(
                    Finding(WARNING, FindingCode.OVERLAPPING_RULES, first.number, params)
                )
    return findings


def _common_overlap_findings(version: SchemeVersion) -> list[Finding]:
    """A rule of the committee's own and one included from the common provisions (RULINGS 11) of
    the same case type and kind that one case could match: the engine's ordering decides between
    them (the lowest level with someone able to decide), which the committee should have meant."""
    own = [rule for rule in version.rules if not rule.is_included]
    findings = []
    for included in (rule for rule in version.rules if rule.is_included):
        for rule in own:
            if (
                rule.case_type == included.case_type
                and rule.kind == included.kind
                and _may_overlap(rule.limits, included.limits)
                and _scopes_may_overlap(rule.receivables, included.receivables)
            ):
                params = (("other_rule_number", included.number), ("same_level", rule.level == included.level))
                findings.append(Finding(WARNING, FindingCode.OVERLAPS_COMMON_RULE, rule.number, params))
    return findings


def _may_overlap(first: Limits, second: Limits) -> bool:
    """Ceilings always meet near zero, so only exclusive categories keep two rules apart."""
    kinds = {first.customer_kind, second.customer_kind}
    if None not in kinds and len(kinds) == 2:
        return False
    for reasons in ((first.allowed_write_off_reasons, second.allowed_write_off_reasons),
                    (first.allowed_reasons, second.allowed_reasons)):
        if None not in reasons and not reasons[0] & reasons[1]:
            return False
    return True


def _scopes_may_overlap(first, second) -> bool:
    """Two category scopes that no category satisfies both keep two rules apart."""
    if first.category_ids is not None and second.category_ids is not None:
        if not first.category_ids & second.category_ids:
            return False
    for only, other in ((first, second), (second, first)):
        if only.category_ids is not None and only.category_ids <= other.excluded_category_ids:
            return False
    return True


def _further_delegation_findings(
    delegation: FurtherDelegation,
    version: SchemeVersion,
    org: OrgSnapshot,
    years,
    price_base_amounts,
) -> list[Finding]:
    number = delegation.rule_number
    tag = (("further_delegation_id", delegation.id),)
    rule = next((r for r in version.rules if r.number == number), None)
    if rule is None:
        return [Finding(ERROR, FindingCode.FURTHER_DELEGATION_RULE_MISSING, number, tag)]
    findings = []
    if not rule.allows_further_delegation:
        findings.append(Finding(ERROR, FindingCode.FURTHER_DELEGATION_NOT_ALLOWED, number, tag))
    delegating = org.position_by_id.get(delegation.delegating_position_id)
    if (
        delegating is None
        or delegating.kind != PositionKind.DEPARTMENT_HEAD
        or not _may_name_department_head(rule.delegate, org, delegating.id)
        or delegating.id not in _delegate_position_ids(rule, version, org)
    ):
        findings.append(
            Finding(ERROR, FindingCode.FURTHER_DELEGATION_NOT_FROM_DEPARTMENT_HEAD, number, tag)
        )
    if delegation.receiving_position_id not in org.position_by_id:
        findings.append(
            Finding(ERROR, FindingCode.FURTHER_DELEGATION_RECEIVER_MISSING, number, tag)
        )
    if delegation.limits is not None:
        for finding in _limit_findings(
            number, rule.case_type, delegation.limits, years, price_base_amounts
        ):
            findings.append(Finding(finding.severity, finding.code, number, finding.params + tag))
        for name in _CEILINGS:
            own, rules = getattr(delegation.limits, name), getattr(rule.limits, name)
            if own is not None and rules is not None and own > rules:
                params = (("limit", name), ("value", own), ("rule_value", rules)) + tag
                findings.append(
                    Finding(WARNING, FindingCode.FURTHER_DELEGATION_LIMIT_LOOSER, number, params)
                )
    return findings
