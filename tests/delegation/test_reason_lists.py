"""Credits and collection cases give a reason from a list, and a rule may allow only some of them
(issue 12 §7: "credit reasons as a list like write-off reasons"): the engine, the checker, the
words and the rule form, each tried with a reason the rule does not allow."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.delegation.checks import check_version
from portal.delegation.engine_types import CaseType
from portal.delegation.messages import limits_text, reason_text
from portal.delegation.models import CollectionReason, CreditReason, DelegationRule, SchemeVersion, reason_label
from portal.delegation.results import FindingCode, ReasonCode, Severity
from portal.extensions import db
from tests.delegation.builders import DEPARTMENT_HEAD, PBB, codes, facts, org, rule, verdict_of, version
from tests.delegation.test_views import rule_form

ONLY_WRONG_PRICE = frozenset({"wrong_price"})


def credit(reason):
    return facts(case_type=CaseType.CREDIT, deferral_months=None, reason=reason)


def test_a_credit_rule_matches_only_the_reasons_it_allows():
    scheme = version(rule("4.1", case_type=CaseType.CREDIT, allowed_reasons=ONLY_WRONG_PRICE))
    assert verdict_of(credit("wrong_price"), scheme).outcome("4.1").matched
    refused = verdict_of(credit("duplicate"), scheme)
    assert not refused.outcome("4.1").matched and refused.committee_only
    assert ReasonCode.REASON_NOT_ALLOWED in codes(refused.outcome("4.1").reasons)
    unknown = verdict_of(credit(None), scheme).outcome("4.1")
    assert not unknown.matched and ReasonCode.FACT_MISSING in codes(unknown.reasons)


@pytest.mark.parametrize("case_type", [CaseType.FORGO_COLLECTION, CaseType.STOP_COLLECTION])
def test_a_collection_rule_may_allow_only_some_reasons(case_type):
    scheme = version(rule("6.1", case_type=case_type, allowed_reasons=frozenset({"uneconomic", "time_barred"})))
    asked = facts(case_type=case_type, deferral_months=None, reason="time_barred")
    assert verdict_of(asked, scheme).outcome("6.1").matched
    assert not verdict_of(facts(case_type=case_type, deferral_months=None, reason="social_reasons"),
                          scheme).outcome("6.1").matched


def test_the_reason_limit_on_a_deferral_rule_is_an_error_and_an_empty_list_never_matches():
    def errors_of(scheme):
        return {(f.code, f.rule_number) for f in check_version(scheme, org(), PBB) if f.severity == Severity.ERROR}

    assert (FindingCode.LIMIT_NOT_FOR_CASE_TYPE, "1.1") in errors_of(
        version(rule("1.1", allowed_reasons=ONLY_WRONG_PRICE)))
    empty = version(rule("4.1", case_type=CaseType.CREDIT, allowed_reasons=frozenset()))
    assert (FindingCode.EMPTY_REASONS, "4.1") in errors_of(empty)
    assert not verdict_of(credit("wrong_price"), empty).outcome("4.1").matched


def test_two_rules_for_different_reasons_do_not_overlap():
    scheme = version(rule("4.1", case_type=CaseType.CREDIT, allowed_reasons=ONLY_WRONG_PRICE),
                     rule("4.2", case_type=CaseType.CREDIT, delegate=DEPARTMENT_HEAD,
                          allowed_reasons=frozenset({"duplicate"})))
    assert FindingCode.OVERLAPPING_RULES not in {f.code for f in check_version(scheme, org(), PBB)}
    both = version(rule("4.1", case_type=CaseType.CREDIT, allowed_reasons=ONLY_WRONG_PRICE),
                   rule("4.2", case_type=CaseType.CREDIT, delegate=DEPARTMENT_HEAD,
                        allowed_reasons=frozenset({"wrong_price", "duplicate"})))
    assert FindingCode.OVERLAPPING_RULES in {f.code for f in check_version(both, org(), PBB)}


def test_the_reasons_are_named_in_swedish_in_the_rule_and_the_refusal(app):
    from portal.delegation.results import Reason

    with app.test_request_context():
        words = limits_text(rule("4.1", case_type=CaseType.CREDIT, allowed_reasons=ONLY_WRONG_PRICE).limits)
        refusal = reason_text(Reason(ReasonCode.REASON_NOT_ALLOWED, "4.1", ("wrong_price",), "duplicate"), None)
    assert words == ["skäl: Fel pris eller taxa"]
    assert refusal == "Punkt 4.1: skälet ”Dubbelfakturerad” är inte tillåtet (tillåtna: Fel pris eller taxa)."


def test_the_two_lists_share_only_other_with_the_same_words(app):
    with app.test_request_context():
        shared = set(CreditReason) & set(CollectionReason)
        assert shared == {"other"}
        assert CreditReason.OTHER.label == CollectionReason.OTHER.label == reason_label("other")


# --- the rule form -------------------------------------------------------------------------------

def _draft(client, world):
    client.login("director")
    client.post_form(f"/delegation/namnder/{world.sn.id}/utkast", {"label": ""})
    return db.session.scalars(select(SchemeVersion).where(SchemeVersion.state == "draft")).one()


def _credit_rule_form(**changes):
    values = {"case_type": "credit", "text": "Kreditering vid fel pris.", "max_deferral_months": "",
              "restrict_reasons": "y", "allowed_credit_reasons": "wrong_price"}
    values.update(changes)
    return rule_form(**values)


def test_a_credit_rule_keeps_the_reasons_ticked_in_its_own_list(client, world):
    draft = _draft(client, world)
    response = client.post_form(f"/delegation/versioner/{draft.id}/regler",
                                {**_credit_rule_form(), "new-allowed_collection_reasons": "disputed"})
    assert response.status_code in (200, 303)
    saved = db.session.scalars(select(DelegationRule).where(DelegationRule.version_id == draft.id,
                                                            DelegationRule.number == "9.1")).one()
    assert saved.allowed_reasons == ["wrong_price"]  # the collection list is not the credit rule's
    page = client.get(f"/delegation/versioner/{draft.id}").get_data(as_text=True)
    assert "skäl: Fel pris eller taxa" in page


def test_reasons_of_another_type_or_unknown_are_refused_naming_the_field(app, client, world):
    from portal.delegation import services
    from portal.errors import ValidationFailed
    draft = _draft(client, world)
    before = db.session.scalar(select(db.func.count()).select_from(DelegationRule))
    for reasons in (["disputed"], ["no_such_reason"]):
        values = services.RuleInput(number="4.1", text="Kreditering.", level=1, case_type="credit",
                                    kind="ordinary", delegate_type="position_kind",
                                    delegate_position_kind="unit_head", delegate_scope="issuing_unit",
                                    allowed_reasons=reasons)
        with pytest.raises(ValidationFailed) as refused:
            services.rule_save(world.actor, draft, None, values)
        assert "restrict_reasons" in refused.value.errors
    assert db.session.scalar(select(db.func.count()).select_from(DelegationRule)) == before


def test_the_simulator_asks_the_reason_of_the_case_type(client, world, make):
    # The simulator reads the version in force: the reason limit goes on a rule of that version.
    make.delegation_rule(world.version, "6.1", case_type="forgo_collection", allowed_reasons=["uneconomic"])
    db.session.commit()
    client.login("director")

    def ask(reason):
        return client.get("/delegation/vem-far-besluta", query_string={
            "committee_id": world.sn.id, "case_type": "forgo_collection", "amount": "100",
            "issuing_unit_id": world.north.id, "collection_reason": reason,
            "credit_reason": "wrong_price"}, headers={"HX-Request": "true"}).get_data(as_text=True)

    allowed, refused = ask("uneconomic"), ask("social_reasons")
    assert "Bara nämnden kan besluta." not in allowed
    assert "Bara nämnden kan besluta." in refused
    assert "skälet ”Sociala skäl” är inte tillåtet (tillåtna: Oekonomiskt att driva in)" in refused
