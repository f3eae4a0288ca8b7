"""Issue 12 §8, RULINGS 8: a guideline bar ("beviljas inte") is not a delegation.

A bar covers the cases of its type and receivables outside its limits (every case of them when it
has none). No delegate may grant such a case, only the committee; those the bar names may refuse it,
and that refusal is a delegated decision under the bar. Each test tries to get past a bar."""

from __future__ import annotations

from dataclasses import replace

from portal.delegation.checks import check_version
from portal.delegation.engine_types import (
    CaseType,
    CommitteeDelegate,
    ReceivableScope,
    RuleKind,
)
from portal.delegation.results import FindingCode, ReasonCode, Severity
from portal.delegation.rules import may_decide, verdict

from .builders import (
    ANNA,
    CECILIA,
    DAVID,
    DAY,
    DEPARTMENT_HEAD,
    HEAD_HOME_CARE,
    PBB,
    UNIT_HEAD,
    codes,
    facts,
    org,
    plan_facts,
    rule,
    version,
)

VA = 501


def bar(number="7.1", *, point="4.2", delegate=UNIT_HEAD, **limits):
    """"Avbetalningsplan längre än 12 månader beviljas inte (riktlinjen punkt 4.2)": the unit head
    refuses under it."""
    return replace(
        rule(number, case_type=CaseType.INSTALMENT_PLAN, delegate=delegate, kind=RuleKind.BAR,
             **limits),
        guideline_point=point,
    )


def scheme(*bars):
    """Plans: the unit head to 24 months, the department head to 36; and the bars given."""
    return version(
        rule("4.1", case_type=CaseType.INSTALMENT_PLAN, max_plan_months=24),
        rule("4.2", case_type=CaseType.INSTALMENT_PLAN, delegate=DEPARTMENT_HEAD, level=2,
             max_plan_months=36),
        *bars,
    )


def ask(case, the_scheme, organisation=None):
    return verdict(case, the_scheme, organisation or org(), DAY, PBB)


def check(person, case, the_scheme, *, refusing=False):
    return may_decide(case, the_scheme, org(), DAY, PBB, person, refusing=refusing)


def test_a_plan_outside_the_guideline_is_barred_though_a_delegated_rule_matches_it():
    the_scheme = scheme(bar(max_plan_months=12))
    answer = ask(plan_facts(plan_months=18), the_scheme)
    assert answer.barred and answer.barred_by == ("7.1",)
    assert answer.outcome("4.1").matched  # the unit head's own rule would take it
    assert answer.proposed_rule_numbers == ("7.1",) and not answer.committee_only
    [refusers] = [o.deciders for o in answer.proposed]
    assert {d.person_id for d in refusers} == {ANNA}
    assert codes(answer.outcome("7.1").covered_because) == {ReasonCode.PLAN_MONTHS_OVER_LIMIT}


def test_a_plan_inside_the_guideline_goes_where_the_scheme_sends_it():
    answer = ask(plan_facts(plan_months=12), scheme(bar(max_plan_months=12)))
    assert not answer.barred and answer.proposed_rule_numbers == ("4.1",)
    assert codes(answer.outcome("7.1").reasons) == {ReasonCode.GUIDELINE_KEPT}


def test_nobody_may_grant_a_barred_case_not_even_under_a_rule_that_matches_it():
    the_scheme = scheme(bar(max_plan_months=12))
    case = plan_facts(plan_months=18)
    for person in (ANNA, DAVID):
        refused = check(person, case, the_scheme)
        assert not refused.allowed
        assert codes(refused.reasons) == {ReasonCode.GUIDELINE_BARS_GRANT}
        assert refused.reasons[0].param("point") == "4.2"


def test_the_one_the_bar_names_may_refuse_under_it_and_the_path_says_so():
    the_scheme = scheme(bar(max_plan_months=12))
    allowed = check(ANNA, plan_facts(plan_months=18), the_scheme, refusing=True)
    assert allowed.allowed
    assert (allowed.path.rule_number, allowed.path.rule_kind) == ("7.1", RuleKind.BAR)


def test_someone_the_bar_does_not_name_may_not_refuse_under_it():
    the_scheme = scheme(bar(max_plan_months=12))
    refused = check(DAVID, plan_facts(plan_months=18), the_scheme, refusing=True)
    assert not refused.allowed
    assert codes(refused.reasons) == {ReasonCode.NOT_A_REFUSER}
    assert refused.reasons[0].actual == DAVID


def test_four_eyes_holds_for_a_refusal_under_a_bar():
    the_scheme = scheme(bar(max_plan_months=12))
    refused = check(ANNA, plan_facts(plan_months=18, preparer_person_id=ANNA), the_scheme,
                    refusing=True)
    assert not refused.allowed and codes(refused.reasons) == {ReasonCode.PREPARED_THE_CASE}


def test_a_partial_grant_inside_the_guideline_is_decided_under_the_ordinary_rules():
    the_scheme = scheme(bar(max_plan_months=12))
    assert check(ANNA, plan_facts(plan_months=12), the_scheme).allowed
    assert not check(ANNA, plan_facts(plan_months=13), the_scheme).allowed


def test_a_bar_that_names_nobody_sends_the_case_to_the_committee():
    the_scheme = scheme(bar(max_plan_months=12, delegate=CommitteeDelegate()))
    answer = ask(plan_facts(plan_months=18), the_scheme)
    assert answer.barred and answer.committee_only
    [reason] = answer.committee_only_reasons
    assert reason.code == ReasonCode.GUIDELINE_BAR_TO_COMMITTEE
    assert reason.param("names_refuser") is False
    refused = check(ANNA, plan_facts(plan_months=18), the_scheme, refusing=True)
    assert not refused.allowed and refused.reasons[0].param("to_committee") is True


def test_a_bar_whose_refuser_cannot_act_today_sends_the_case_to_the_committee():
    the_scheme = scheme(bar(max_plan_months=12))
    answer = ask(plan_facts(plan_months=18), the_scheme, org(vacant=(HEAD_HOME_CARE,)))
    assert answer.committee_only
    [reason] = answer.committee_only_reasons
    assert reason.code == ReasonCode.GUIDELINE_BAR_TO_COMMITTEE and reason.param("names_refuser")


def test_a_bar_without_limits_covers_every_case_of_its_receivables_and_no_other():
    va_bar = replace(bar(), receivables=ReceivableScope(category_ids=frozenset({VA})))
    the_scheme = scheme(va_bar)
    assert ask(plan_facts(invoice_category_ids=frozenset({VA})), the_scheme).barred
    assert not ask(plan_facts(invoice_category_ids=frozenset({502})), the_scheme).barred
    # One VA invoice among others is enough: granting the case would grant a VA plan.
    assert ask(plan_facts(invoice_category_ids=frozenset({VA, 502})), the_scheme).barred
    # A case of unknown categories cannot be shown outside the bar.
    assert ask(plan_facts(), the_scheme).barred


def test_a_bar_on_all_but_some_categories_leaves_a_case_wholly_of_those_alone():
    the_scheme = scheme(replace(bar(), receivables=ReceivableScope(excluded_category_ids=frozenset({VA}))))
    assert not ask(plan_facts(invoice_category_ids=frozenset({VA})), the_scheme).barred
    assert ask(plan_facts(invoice_category_ids=frozenset({VA, 502})), the_scheme).barred


def test_a_fact_not_given_cannot_show_a_case_inside_the_guideline():
    the_scheme = scheme(bar(max_granted_cases=1))
    answer = ask(plan_facts(), the_scheme)
    assert answer.barred
    assert codes(answer.outcome("7.1").covered_because) == {ReasonCode.FACT_MISSING}
    assert not ask(plan_facts(granted_cases_calendar_year=0), the_scheme).barred
    assert ask(plan_facts(granted_cases_calendar_year=1), the_scheme).barred


def test_a_bar_of_another_case_type_does_not_touch_the_case():
    the_scheme = scheme(bar(max_plan_months=12))
    answer = ask(facts(deferral_months=2), the_scheme)
    assert not answer.barred and "7.1" not in {o.rule_number for o in answer.outcomes}


def test_the_checker_refuses_a_bar_without_its_point_a_nobody_rule_and_a_bar_passed_on():
    findings = check_version(
        scheme(
            bar("7.1", point=None, max_plan_months=12),
            rule("7.2", case_type=CaseType.INSTALMENT_PLAN, delegate=CommitteeDelegate()),
            replace(bar("7.3", max_plan_months=12), allows_further_delegation=True),
        ),
        org(),
        PBB,
    )
    errors = {(f.rule_number, f.code) for f in findings if f.severity == Severity.ERROR}
    assert ("7.1", FindingCode.BAR_WITHOUT_POINT) in errors
    assert ("7.2", FindingCode.COMMITTEE_DELEGATE_NOT_BAR) in errors
    assert ("7.3", FindingCode.BAR_PASSED_ON) in errors
    assert not any(f.code == FindingCode.FURTHER_DELEGATION_NOT_POSSIBLE and f.rule_number == "7.3"
                   for f in findings)


def test_the_checker_accepts_a_well_made_bar_and_it_is_no_delegation_of_its_case_type():
    clean = check_version(scheme(bar(max_plan_months=12, delegate=CommitteeDelegate())), org(), PBB)
    assert not any(f.rule_number == "7.1" and f.severity == Severity.ERROR for f in clean)
    only_bar = check_version(version(replace(bar(), case_type=CaseType.CREDIT)), org(), PBB)
    warned = {f.param("case_type") for f in only_bar if f.code == FindingCode.CASE_TYPE_WITHOUT_RULE}
    assert CaseType.CREDIT in warned


def test_the_preparer_is_not_a_refuser_by_being_named_elsewhere():
    # Cecilia (fee officer) is no delegate of the bar: she cannot refuse, whatever she prepared.
    refused = check(CECILIA, plan_facts(plan_months=18, preparer_person_id=ANNA),
                    scheme(bar(max_plan_months=12)), refusing=True)
    assert not refused.allowed and codes(refused.reasons) == {ReasonCode.NOT_A_REFUSER}
