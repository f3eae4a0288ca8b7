"""Avstå från indrivning and avbryta indrivning in the engine and the draft checker: rules of these
types hold amount limits like any other, and no limit of a deferral, plan or write-off."""

from __future__ import annotations

import pytest

from portal.delegation.checks import check_version
from portal.delegation.engine_types import CaseType
from portal.delegation.results import FindingCode, Severity

from .builders import DEPARTMENT_HEAD, PBB, facts, org, rule, verdict_of, version

COLLECTION_TYPES = (CaseType.FORGO_COLLECTION, CaseType.STOP_COLLECTION)


def collection_facts(case_type: CaseType, amount_ore: int):
    return facts(case_type=case_type, amount_ore=amount_ore, deferral_months=None)


@pytest.mark.parametrize("case_type", COLLECTION_TYPES)
def test_an_amount_ceiling_holds_for_not_pursuing_a_debt(case_type):
    scheme = version(rule("6.1", case_type=case_type, max_amount_ore=500_000),
                     rule("6.2", case_type=case_type, delegate=DEPARTMENT_HEAD, level=2,
                          max_amount_ore=2_000_000))
    at_limit = verdict_of(collection_facts(case_type, 500_000), scheme)
    assert at_limit.outcome("6.1").matched
    above = verdict_of(collection_facts(case_type, 500_001), scheme)
    assert not above.outcome("6.1").matched and above.outcome("6.2").matched
    beyond = verdict_of(collection_facts(case_type, 2_000_001), scheme)
    assert beyond.committee_only


@pytest.mark.parametrize("case_type", COLLECTION_TYPES)
def test_a_rule_of_another_type_never_decides_a_collection_case(case_type):
    scheme = version(rule("3.1", case_type=CaseType.WRITE_OFF), rule("1.1"))
    assert verdict_of(collection_facts(case_type, 100), scheme).committee_only


def test_the_two_types_are_not_one_another():
    scheme = version(rule("6.1", case_type=CaseType.FORGO_COLLECTION))
    assert verdict_of(collection_facts(CaseType.FORGO_COLLECTION, 100), scheme).outcome("6.1").matched
    assert verdict_of(collection_facts(CaseType.STOP_COLLECTION, 100), scheme).committee_only


@pytest.mark.parametrize("case_type", COLLECTION_TYPES)
@pytest.mark.parametrize("limits", [
    {"max_deferral_months": 3}, {"max_plan_months": 12}, {"min_monthly_instalment_ore": 20_000},
    {"max_instalments": 3}, {"max_total_months": 24}, {"allowed_write_off_reasons": frozenset({"time_barred"})},
])
def test_a_limit_of_another_case_type_on_a_collection_rule_is_an_error(case_type, limits):
    scheme = version(rule("6.1", case_type=case_type, **limits))
    findings = check_version(scheme, org(), PBB)
    assert (FindingCode.LIMIT_NOT_FOR_CASE_TYPE, "6.1") in {
        (f.code, f.rule_number) for f in findings if f.severity == Severity.ERROR}


def test_the_checker_warns_where_a_collection_type_has_no_delegated_rule():
    scheme = version(rule("6.1", case_type=CaseType.FORGO_COLLECTION))
    warned = {dict(f.params).get("case_type") for f in check_version(scheme, org(), PBB)
              if f.code == FindingCode.CASE_TYPE_WITHOUT_RULE}
    assert CaseType.STOP_COLLECTION in warned and CaseType.FORGO_COLLECTION not in warned


# --- the editor, the draft's page, the simulator and the scheme document ------------------------

def _rule_form(**changes) -> dict:
    values = {"number": "6.1", "text": "Beslut att avstå från indrivning om högst 5 000 kr.", "level": "1",
              "case_type": "forgo_collection", "kind": "ordinary", "delegate_type": "position_kind",
              "delegate_position_kind": "unit_head", "delegate_scope": "issuing_unit",
              "amount_basis": "case", "max_amount": "5 000", "customer_kind": ""}
    values.update(changes)
    return {f"new-{key}": value for key, value in values.items()}


def test_a_rule_of_each_new_type_through_the_editor_into_the_simulator_and_the_document(client, world):
    from sqlalchemy import select

    from portal.delegation.models import DelegationRule, SchemeVersion
    from portal.extensions import db

    client.login("director")
    client.post_form(f"/delegation/namnder/{world.sn.id}/utkast", {"label": "Utkast"})
    draft = db.session.scalars(select(SchemeVersion).where(SchemeVersion.state == "draft")).one()
    htmx = {"HX-Request": "true"}
    assert client.post_form(f"/delegation/versioner/{draft.id}/regler", _rule_form(),
                            headers=htmx).status_code == 200
    response = client.post_form(f"/delegation/versioner/{draft.id}/regler", _rule_form(
        number="7.1", text="Beslut att avbryta påbörjad indrivning.", case_type="stop_collection",
        max_amount="", max_deferral_months="3"), headers=htmx)
    html = response.get_data(as_text=True)
    assert "Gränsen ”längsta anstånd i månader” gäller inte för ärendetypen" in html  # the checker, in Swedish
    saved = {rule.number: rule.case_type for rule in db.session.scalars(
        select(DelegationRule).where(DelegationRule.version_id == draft.id))}
    assert saved["6.1"] == "forgo_collection" and saved["7.1"] == "stop_collection"
    page = client.get(f"/delegation/versioner/{draft.id}").get_data(as_text=True)
    assert "Avstå från indrivning" in page and "Avbryta indrivning" in page
    assert "forgo_collection</" not in page and ">stop_collection" not in page

    answer = client.get("/delegation/vem-far-besluta", query_string={
        "committee_id": world.sn.id, "case_type": "forgo_collection", "amount": "5 000",
        "issuing_unit_id": world.north.id}, headers=htmx)
    assert answer.status_code == 200
    assert "avstå från indrivning" in answer.get_data(as_text=True).lower()
