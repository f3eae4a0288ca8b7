"""What the delegation pages show: rules in words, findings by rule, comparisons and verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.delegation import messages as m
from portal.delegation import queries
from portal.delegation.engine_types import CaseType, Rule, number_sort_key
from portal.delegation.models import DelegationRule, SchemeVersion
from portal.delegation.results import Finding, RuleOutcome, Severity, Verdict


@dataclass
class RuleView:
    """One rule as the adopted document reads it, with the checker's findings beside it."""

    stored: DelegationRule
    rule: Rule
    delegate: str
    limits: list[str]
    basis: str
    consultation: str | None
    standin: str | None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return m.label(m.RULE_KIND_LABELS, self.rule.kind)


@dataclass
class CaseTypeGroup:
    case_type: CaseType
    label: str
    levels: list[tuple[int, list[RuleView]]]


def rule_view(stored: DelegationRule, names: queries.Names, pbb: dict[int, int], year: int) -> RuleView:
    rule = queries.engine_rule(stored)
    return RuleView(
        stored=stored,
        rule=rule,
        delegate=m.delegate_text(rule, names),
        limits=_limit_words(rule, names, pbb, year),
        basis=m.label(m.AMOUNT_BASIS_LABELS, rule.limits.amount_basis),
        consultation=m.consultation_text(rule, names),
        standin=names.position(rule.standin_position_id) if rule.standin_position_id else None,
    )


def _limit_words(rule: Rule, names: queries.Names, pbb: dict[int, int], year: int) -> list[str]:
    """The rule's receivables and limits in words; a guideline bar first says what it bars, and its
    limits are the guideline's: outside them, not granted."""
    receivables = m.receivables_text(rule.receivables, names)
    limits = m.limits_text(rule.limits, pbb, year) + m.conditions_text(rule.limits, names)
    if not rule.is_bar:
        return receivables + limits
    inside = [m.guideline_limits_text(limits)] if limits else []
    return [m.bar_text(rule), *receivables, *inside]


def grouped_rules(
    version: SchemeVersion,
    names: queries.Names,
    pbb: dict[int, int],
    year: int,
    findings: list[Finding] = (),
) -> list[CaseTypeGroup]:
    """Rules by case type, then by level, in the order of the adopted document."""
    by_number: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.rule_number is not None:
            by_number.setdefault(finding.rule_number, []).append(finding)
    groups = []
    for case_type in CaseType:
        views = [
            rule_view(stored, names, pbb, year)
            for stored in version.rules
            if stored.case_type == case_type
        ]
        if not views:
            continue
        for view in views:
            for finding in by_number.get(view.rule.number, ()):
                text = m.finding_text(finding, names)
                (view.errors if finding.severity == Severity.ERROR else view.warnings).append(text)
        levels: dict[int, list[RuleView]] = {}
        for view in sorted(views, key=lambda v: (v.rule.level, *_number_key(v.rule.number))):
            levels.setdefault(view.rule.level, []).append(view)
        groups.append(CaseTypeGroup(case_type, m.label(m.CASE_TYPE_LABELS, case_type),
                                    sorted(levels.items())))
    return groups


def _number_key(number: str) -> tuple:
    return (number_sort_key(number), number)


def finding_line(finding: Finding, names: queries.Names) -> str:
    """A finding with its rule named, for lists outside the rule's own row."""
    text = m.finding_text(finding, names)
    if finding.rule_number is None:
        return text
    return m.rule_prefixed(finding.rule_number, text)


def general_findings(findings: list[Finding], names: queries.Names) -> tuple[list[str], list[str]]:
    """Findings not about one rule: (errors, warnings)."""
    errors, warnings = [], []
    for finding in findings:
        if finding.rule_number is None:
            text = m.finding_text(finding, names)
            (errors if finding.severity == Severity.ERROR else warnings).append(text)
    return errors, warnings


# --- comparison ------------------------------------------------------------------------------------

@dataclass
class ComparedRule:
    number: str
    status: str  # "added", "removed", "changed", "same"
    left: RuleView | None
    right: RuleView | None


def compare(
    left: SchemeVersion, right: SchemeVersion, names: queries.Names, pbb: dict[int, int], year: int
) -> list[ComparedRule]:
    """Rules matched by number: added in the right version, removed from it, changed or the same."""
    lefts = {r.number: rule_view(r, names, pbb, year) for r in left.rules}
    rights = {r.number: rule_view(r, names, pbb, year) for r in right.rules}
    rows = []
    for number in sorted(set(lefts) | set(rights), key=lambda n: _number_key(n)):
        a, b = lefts.get(number), rights.get(number)
        if a is None:
            status = "added"
        elif b is None:
            status = "removed"
        elif a.rule != b.rule:
            status = "changed"
        else:
            status = "same"
        rows.append(ComparedRule(number, status, a, b))
    return rows


# --- verdicts --------------------------------------------------------------------------------------

@dataclass
class DeciderView:
    name: str
    position: str
    capacity: str


@dataclass
class OutcomeView:
    rule: RuleView
    outcome: RuleOutcome
    proposed: bool
    deciders: list[DeciderView]
    disqualified: list[str]
    reasons: list[str]
    unavailable: list[str]
    covered: list[str] = field(default_factory=list)  # why a guideline bar covers the case


def verdict_view(
    verdict: Verdict, version: SchemeVersion, names: queries.Names, pbb: dict[int, int]
) -> tuple[list[OutcomeView], list[str]]:
    """Each rule of the case type with its deciders or why it does not match; and why only the
    committee decides, if it does."""
    stored = {r.number: r for r in version.rules}
    views = []
    for outcome in verdict.outcomes:
        rule = rule_view(stored[outcome.rule_number], names, pbb, verdict.on_date.year)
        views.append(
            OutcomeView(
                rule=rule,
                outcome=outcome,
                proposed=outcome.rule_number in verdict.proposed_rule_numbers,
                deciders=[
                    DeciderView(
                        names.person(d.person_id),
                        names.position(d.position_id),
                        m.capacity_text(d, names),
                    )
                    for d in outcome.deciders
                ],
                disqualified=[
                    names.person(d.decider.person_id) + ": "
                    + " ".join(m.reason_text(r, names) for r in d.reasons)
                    for d in outcome.disqualified
                ],
                reasons=[m.reason_text(r, names) for r in outcome.reasons],
                unavailable=[m.reason_text(r, names) for r in outcome.unavailable],
                covered=[m.reason_text(r, names) for r in outcome.covered_because],
            )
        )
    committee = [
        m.reason_text(r, names) for r in (*verdict.version_reasons, *verdict.committee_only_reasons)
    ]
    return views, committee
