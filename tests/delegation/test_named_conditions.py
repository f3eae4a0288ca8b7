"""Issue 12 §2, RULINGS 14: a rule may require a committee's own named yes/no conditions.

The case officer answers them on the case; the built-in ones (applied before the due date, no other
unpaid debt) the portal computes. An unanswered or unmet required condition keeps the case outside
the rule, with words naming the condition. Each test tries to get a case past a condition."""

from __future__ import annotations

from dataclasses import replace

from portal.delegation.checks import check_version
from portal.delegation.engine_types import BuiltinCondition, CaseType, RequiredCondition, RuleKind
from portal.delegation.results import FindingCode, ReasonCode, Severity

from .builders import ANNA, DEPARTMENT_HEAD, PBB, codes, decide, facts, org, plan_facts, rule, verdict_of, version

COMPLETE_APPLICATION = RequiredCondition(9)  # "Fullständig ansökan med åtgärdsplan"
NOT_NEW_CONSTRUCTION = RequiredCondition(10)  # "Inte vid nybyggnation"
APPLIED_BEFORE_DUE = RequiredCondition(1, BuiltinCondition.APPLIED_BEFORE_DUE)
NO_OTHER_UNPAID_DEBT = RequiredCondition(2, BuiltinCondition.NO_OTHER_UNPAID_DEBT)


def scheme(*conditions):
    """The unit head grants deferrals of up to three months on the conditions given; the department
    head up to six months without them."""
    return version(
        rule("1.1", max_deferral_months=3, required_conditions=conditions),
        rule("1.2", delegate=DEPARTMENT_HEAD, level=2, max_deferral_months=6),
    )


def test_an_unanswered_condition_keeps_the_case_outside_the_rule():
    answer = verdict_of(facts(), scheme(COMPLETE_APPLICATION))
    outcome = answer.outcome("1.1")
    assert not outcome.matched and codes(outcome.reasons) == {ReasonCode.CONDITION_UNANSWERED}
    assert outcome.reasons[0].param("condition_id") == 9
    assert answer.proposed_rule_numbers == ("1.2",)
    assert not decide(ANNA, facts(), scheme(COMPLETE_APPLICATION)).allowed


def test_a_condition_answered_no_keeps_the_case_outside_and_says_so():
    refused = decide(ANNA, facts(conditions_unmet=frozenset({9})), scheme(COMPLETE_APPLICATION))
    assert codes(refused.reasons) == {ReasonCode.CONDITION_NOT_MET}


def test_every_required_condition_must_be_met_not_only_one():
    both = scheme(COMPLETE_APPLICATION, NOT_NEW_CONSTRUCTION)
    assert not decide(ANNA, facts(conditions_met=frozenset({9})), both).allowed
    assert decide(ANNA, facts(conditions_met=frozenset({9, 10})), both).allowed


def test_an_answer_to_another_condition_does_not_count():
    assert not decide(ANNA, facts(conditions_met=frozenset({10})), scheme(COMPLETE_APPLICATION)).allowed


def test_the_built_in_conditions_are_computed_from_the_facts_not_answered():
    applied = scheme(APPLIED_BEFORE_DUE)
    assert decide(ANNA, facts(applied_before_due=True), applied).allowed
    assert codes(decide(ANNA, facts(applied_before_due=False), applied).reasons) == {ReasonCode.CONDITION_NOT_MET}
    # An officer's "yes" to the built-in condition's id is no answer: the portal computes it.
    unknown = decide(ANNA, facts(applied_before_due=None, conditions_met=frozenset({1})), applied)
    assert codes(unknown.reasons) == {ReasonCode.CONDITION_UNANSWERED}
    assert unknown.reasons[0].param("builtin") == BuiltinCondition.APPLIED_BEFORE_DUE
    debt = scheme(NO_OTHER_UNPAID_DEBT)
    assert decide(ANNA, facts(has_other_unpaid_debt=False), debt).allowed
    assert not decide(ANNA, facts(has_other_unpaid_debt=True), debt).allowed


def test_a_guideline_bar_covers_a_case_that_does_not_meet_its_condition():
    bar = replace(rule("7.1", case_type=CaseType.INSTALMENT_PLAN, kind=RuleKind.BAR,
                       required_conditions=(NOT_NEW_CONSTRUCTION,)), guideline_point="3.4")
    plans = version(rule("4.1", case_type=CaseType.INSTALMENT_PLAN), bar)
    assert verdict_of(plan_facts(conditions_unmet=frozenset({10})), plans).barred
    assert verdict_of(plan_facts(), plans).barred  # unanswered: not shown inside the guideline
    assert not verdict_of(plan_facts(conditions_met=frozenset({10})), plans).barred


def test_the_checker_refuses_a_condition_that_is_not_the_committees():
    the_scheme = scheme(COMPLETE_APPLICATION, APPLIED_BEFORE_DUE)
    kept = {9: 1, 1: None}  # condition 9 is this committee's (SN = 1), 1 built in
    assert not [f for f in check_version(the_scheme, org(), PBB, conditions=kept)
                if f.code == FindingCode.CONDITION_UNKNOWN]
    for conditions in ({1: None}, {9: 3, 1: None}):  # not kept at all; another committee's
        [finding] = [f for f in check_version(the_scheme, org(), PBB, conditions=conditions)
                     if f.code == FindingCode.CONDITION_UNKNOWN]
        assert finding.severity == Severity.ERROR and finding.rule_number == "1.1"
        assert finding.param("condition_id") == 9
