"""RULINGS 11 in the pure engine and checker: a rule included from the common provisions decides like
the committee's own, by the existing ordering, and every outcome says where it comes from."""

from __future__ import annotations

from dataclasses import replace

from portal.delegation.checks import check_version
from portal.delegation.engine_types import AmountBasis, CaseType
from portal.delegation.results import FindingCode

from .builders import (
    DAY,
    ERIK,
    FINANCE_DIRECTOR,
    PBB,
    UNIT_HEAD,
    decide,
    facts,
    named,
    org,
    rule,
    verdict_of,
    version,
)

COMMON = "KS 2025-11-03 § 44"


def included(number="G1", **changes):
    return replace(rule(number, **changes), common_reference=COMMON)


def credit_facts(**changes):
    return facts(**{"case_type": CaseType.CREDIT, "deferral_months": None, **changes})


def test_an_included_rule_is_proposed_by_the_ordering_and_names_both_references():
    scheme = version(included(case_type=CaseType.CREDIT, delegate=named(FINANCE_DIRECTOR)),
                     rule("6.1", case_type=CaseType.CREDIT, level=2))
    result = verdict_of(credit_facts(), scheme)
    assert result.proposed_rule_numbers == ("G1",)
    assert result.outcome("G1").common_reference == COMMON
    assert result.outcome("6.1").common_reference is None
    assert result.adoption_reference == "SN 2025-12-10 § 120"
    check = decide(ERIK, credit_facts(), scheme)
    assert check.allowed and check.path.rule_number == "G1"


def test_an_own_rule_at_a_lower_level_wins_over_an_included_one_and_at_one_level_both_are_paths():
    lower = version(included(case_type=CaseType.CREDIT, delegate=named(FINANCE_DIRECTOR), level=2),
                    rule("6.1", case_type=CaseType.CREDIT))
    assert verdict_of(credit_facts(), lower).proposed_rule_numbers == ("6.1",)
    same = version(included(case_type=CaseType.CREDIT, delegate=named(FINANCE_DIRECTOR)),
                   rule("6.1", case_type=CaseType.CREDIT))
    assert set(verdict_of(credit_facts(), same).proposed_rule_numbers) == {"G1", "6.1"}


def test_an_included_rule_keeps_its_limits_and_reads_the_committees_own_12_months():
    scheme = version(included(case_type=CaseType.CREDIT, delegate=named(FINANCE_DIRECTOR),
                              max_amount_ore=500_000, amount_basis=AmountBasis.TWELVE_MONTHS))
    assert verdict_of(credit_facts(amount_ore=300_000), scheme).proposed_rule_numbers == ("G1",)
    # The prior 12 months are the committee's own case facts: over the limit, only the committee.
    over = verdict_of(credit_facts(amount_ore=300_000, twelve_month_prior_ore=300_000), scheme)
    assert over.committee_only and not over.outcome("G1").matched
    assert over.outcome("G1").common_reference == COMMON


def test_the_checker_warns_about_an_overlap_of_an_own_and_an_included_rule_and_refuses_a_shared_number():
    scheme = version(included(case_type=CaseType.CREDIT, delegate=named(FINANCE_DIRECTOR)),
                     rule("6.1", case_type=CaseType.CREDIT, delegate=UNIT_HEAD))
    found = check_version(scheme, org(), PBB, on_date=DAY)
    [overlap] = [f for f in found if f.code == FindingCode.OVERLAPS_COMMON_RULE]
    assert (overlap.rule_number, overlap.param("other_rule_number"), overlap.param("same_level")) == ("6.1", "G1", True)
    assert not [f for f in found if f.code == FindingCode.OVERLAPPING_RULES]  # said once, as the common one
    apart = version(included(case_type=CaseType.CREDIT, delegate=named(FINANCE_DIRECTOR)),
                    rule("6.1", case_type=CaseType.DEFERRAL))
    assert not [f for f in check_version(apart, org(), PBB, on_date=DAY) if f.code == FindingCode.OVERLAPS_COMMON_RULE]
    shared = version(included(case_type=CaseType.CREDIT, delegate=named(FINANCE_DIRECTOR)),
                     rule("G1", case_type=CaseType.DEFERRAL))
    assert [f.rule_number for f in check_version(shared, org(), PBB, on_date=DAY)
            if f.code == FindingCode.DUPLICATE_RULE_NUMBER] == ["G1"]
