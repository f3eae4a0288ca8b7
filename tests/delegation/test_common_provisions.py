"""Issue 12 §4 and RULINGS 11: common provisions (gemensamma bestämmelser) adopted by the executive
committee, each committee adopting them into its own scheme; and copying a rule into other committees'
drafts in one step. Each rule is tried by trying to break it."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask import g
from pypdf import PdfReader
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.cases import services as case_services
from portal.cases.rules import Outcome
from portal.cases.terms import TermsInput
from portal.delegation import common, queries, services
from portal.delegation.engine_types import CaseFacts, CaseType
from portal.delegation.models import DelegationRule, SchemeVersion
from portal.delegation.results import FindingCode
from portal.delegation.rules import verdict
from portal.documents.services import documents_for
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org.bodies import BodyKind
from portal.org.models import Committee, PositionKind
from tests.cases.conftest import build_world

TODAY = date(2026, 11, 23)


def _credit_rule(position_id: int, number: str = "G1", **changes) -> services.RuleInput:
    values = {"number": number, "text": "Kreditering beslutas av redovisningschefen.", "level": 1,
              "case_type": "credit", "delegate_type": "named_position", "delegate_position_id": position_id,
              **changes}
    return services.RuleInput(**values)


@pytest.fixture
def ks(world, make):
    """The executive committee of the delegation world, with the finance department's position that
    decides credits for every committee."""
    world.ks.kind = BodyKind.EXECUTIVE_COMMITTEE.value
    world.accountant = make.position(world.ks, PositionKind.FEE_OFFICER, world.economy, "Redovisningschef")
    world.kim = make.user("kim", full_name="Kim Kredit")
    make.appointment(world.kim, world.accountant, date(2024, 1, 1))
    db.session.flush()
    return world


def _publish_common(world, paragraph: str, rules: list[services.RuleInput], valid_from=TODAY) -> SchemeVersion:
    draft = common.common_draft_start(world.actor)
    for rule in list(draft.rules):
        services.rule_delete(world.actor, rule)
    for values in rules:
        services.rule_save(world.actor, draft, None, values)
    return services.version_publish(world.actor, draft, adopted_on=TODAY, paragraph=paragraph,
                                    valid_from=valid_from)


def _adopted(world, committee, common_version, paragraph="7", valid_from=TODAY) -> SchemeVersion:
    draft = queries.draft_of(committee.id) or services.draft_start(world.actor, committee)
    common.common_adopt(world.actor, draft, common_version)
    return services.version_publish(world.actor, draft, adopted_on=TODAY, paragraph=paragraph,
                                    valid_from=valid_from)


def _credit_facts(world, amount=5_000_00) -> CaseFacts:
    return CaseFacts(committee_id=world.sn.id, case_type=CaseType.CREDIT, amount_ore=amount,
                     issuing_unit_id=world.north.id)


def _verdict(world, version: SchemeVersion, day=TODAY):
    engine = queries.engine_version(version)
    return verdict(_credit_facts(world), engine, queries.org_snapshot(), day, queries.price_base_amounts())


# --- the common provisions are a version like any other, adopted by the executive committee -------

def test_common_provisions_are_kept_checked_and_published_like_a_scheme_with_their_own_reference(ks):
    published = _publish_common(ks, "5", [_credit_rule(ks.accountant.id)])
    assert published.is_common and published.committee_id == ks.ks.id
    assert published.adoption_reference == f"KS {TODAY.isoformat()} § 5"
    # Not the executive committee's own scheme: its own pages and cases never see it.
    assert queries.version_in_force(ks.ks.id, TODAY) is None
    assert queries.latest_published(ks.ks.id) is None
    assert queries.case_context(ks.ks.id, TODAY).engine_version is None
    # One draft of the common provisions at a time, beside the executive committee's own.
    common.common_draft_start(ks.actor)
    with pytest.raises(ValidationFailed):
        common.common_draft_start(ks.actor)
    services.draft_start(ks.actor, ks.ks)


def test_without_an_executive_committee_there_are_no_common_provisions(world):
    with pytest.raises(ValidationFailed) as refused:
        common.common_draft_start(world.actor)
    assert "kommunstyrelse" in refused.value.errors["committee"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"delegate_type": "sub_committee", "delegate_committee_id": None}, "delegate_type"),
    ({"issuing_unit_ids": [1]}, "scope_unit_ids"),
])
def test_a_common_rule_cannot_speak_of_one_committee(ks, changes, field):
    draft = common.common_draft_start(ks.actor)
    with pytest.raises(ValidationFailed) as refused:
        services.rule_save(ks.actor, draft, None, _credit_rule(ks.accountant.id, **changes))
    assert field in refused.value.errors
    assert not draft.rules


def test_a_common_rule_may_require_only_the_built_in_conditions(ks, make):
    own = services.condition_create(ks.actor, ks.ks, name="Särskilda skäl", requires_document=False)
    draft = common.common_draft_start(ks.actor)
    with pytest.raises(ValidationFailed) as refused:
        services.rule_save(ks.actor, draft, None, _credit_rule(ks.accountant.id, required_condition_ids=[own.id]))
    assert "inbyggda" in refused.value.errors["required_condition_ids"]


# --- a committee adopts them into its own scheme --------------------------------------------------

def test_an_adopted_rule_decides_like_the_committees_own_and_the_verdict_names_both_references(ks):
    common_version = _publish_common(ks, "5", [_credit_rule(ks.accountant.id)])
    sn_version = _adopted(ks, ks.sn, common_version)
    assert sn_version.common_version_id == common_version.id
    [included] = [r for r in sn_version.rules if r.is_included]
    assert (included.number, included.common_version_id) == ("G1", common_version.id)
    result = _verdict(ks, sn_version)
    assert result.proposed_rule_numbers == ("G1",)
    outcome = result.outcome("G1")
    assert outcome.common_reference == common_version.adoption_reference
    assert result.adoption_reference == sn_version.adoption_reference
    assert [d.person_id for d in outcome.deciders] == [ks.kim.id]


def test_another_committees_adoption_does_not_reach_this_one(ks, make):
    bn = make.committee("BN", "Byggnadsnämnden")
    common_version = _publish_common(ks, "5", [_credit_rule(ks.accountant.id)])
    _adopted(ks, bn, common_version)
    sn_in_force = queries.version_in_force(ks.sn.id, TODAY)
    assert sn_in_force.common_version_id is None
    result = _verdict(ks, sn_in_force)
    assert result.committee_only and "G1" not in [o.rule_number for o in result.outcomes]


def test_a_committee_that_has_not_adopted_the_new_common_version_keeps_the_old(ks, frozen_clock):
    first = _publish_common(ks, "5", [_credit_rule(ks.accountant.id, max_amount_ore=10_000_00)])
    sn_version = _adopted(ks, ks.sn, first)
    second = _publish_common(ks, "9", [_credit_rule(ks.accountant.id, max_amount_ore=1_000_00)],
                             valid_from=date(2026, 12, 1))
    assert common.latest_common().id == second.id
    # SN's scheme still holds the first version's rule: 5 000 kr is within its 10 000 kr.
    later = date(2026, 12, 15)
    in_force = queries.version_in_force(ks.sn.id, later)
    assert in_force.id == sn_version.id
    assert _verdict(ks, in_force, later).proposed_rule_numbers == ("G1",)
    notice = common.notice(in_force)
    assert notice.included.id == first.id and notice.newer_exists
    # A new draft keeps what the committee adopted until the committee adopts the newer one.
    draft = services.draft_start(ks.actor, ks.sn)
    assert draft.common_version_id == first.id
    assert [r.max_amount_ore for r in draft.rules if r.is_included] == [10_000_00]
    common.common_adopt(ks.actor, draft, second)
    assert [r.max_amount_ore for r in draft.rules if r.is_included] == [1_000_00]
    assert not common.notice(draft).newer_exists


def test_a_common_rule_cannot_be_edited_or_removed_from_a_committees_draft(ks):
    common_version = _publish_common(ks, "5", [_credit_rule(ks.accountant.id)])
    draft = services.draft_start(ks.actor, ks.sn)
    common.common_adopt(ks.actor, draft, common_version)
    [included] = [r for r in draft.rules if r.is_included]
    g.pop("audit_refusals", None)
    with pytest.raises(ValidationFailed) as refused:
        services.rule_save(ks.actor, draft, included, _credit_rule(ks.anna.id, text="Ändrad"))
    assert "gemensamma bestämmelserna" in refused.value.errors["rule"]
    with pytest.raises(ValidationFailed):
        services.rule_delete(ks.actor, included)
    refusals = [r["action"] for r in g.pop("audit_refusals", [])]
    assert refusals == ["delegation_rule.change_refused"] * 2
    db.session.refresh(included)
    assert included.text == "Kreditering beslutas av redovisningschefen."


def test_adopting_refuses_a_number_the_committees_own_rules_use_and_changes_nothing(ks, make):
    common_version = _publish_common(ks, "5", [_credit_rule(ks.accountant.id)])
    draft = services.draft_start(ks.actor, ks.sn)
    make.delegation_rule(draft, "G1", case_type="credit")
    with pytest.raises(ValidationFailed) as refused:
        common.common_adopt(ks.actor, draft, common_version)
    assert "G1" in refused.value.errors["common_version_id"]
    assert draft.common_version_id is None and not any(r.is_included for r in draft.rules)
    # Only a published version of the common provisions, only into a committee's draft.
    with pytest.raises(ValidationFailed):
        common.common_adopt(ks.actor, draft, queries.version_in_force(ks.sn.id, TODAY))
    with pytest.raises(ValidationFailed):
        common.common_adopt(ks.actor, queries.version_in_force(ks.sn.id, TODAY), common_version)


def test_the_checker_warns_where_an_own_rule_and_an_included_one_may_match_one_case(ks, make):
    common_version = _publish_common(ks, "5", [_credit_rule(ks.accountant.id)])
    draft = services.draft_start(ks.actor, ks.sn)
    make.delegation_rule(draft, "4.1", case_type="credit", level=2)
    common.common_adopt(ks.actor, draft, common_version)
    found = services.findings(draft, TODAY)
    [overlap] = [f for f in found if f.code == FindingCode.OVERLAPS_COMMON_RULE]
    assert (overlap.rule_number, overlap.param("other_rule_number")) == ("4.1", "G1")
    # The engine's ordering decides: the lower level (the included rule at 1) is proposed.
    services.version_publish(ks.actor, draft, adopted_on=TODAY, paragraph="8", valid_from=TODAY)
    assert _verdict(ks, draft).proposed_rule_numbers == ("G1",)


def test_removing_the_common_provisions_from_a_draft_is_audited(ks):
    common_version = _publish_common(ks, "5", [_credit_rule(ks.accountant.id)])
    draft = services.draft_start(ks.actor, ks.sn)
    common.common_adopt(ks.actor, draft, common_version)
    common.common_remove(ks.actor, draft)
    assert draft.common_version_id is None and not any(r.is_included for r in draft.rules)
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "scheme_version", AuditEntry.object_id == str(draft.id))))
    assert "scheme_version.adopt_common" in actions and "scheme_version.remove_common" in actions


# --- the pages -----------------------------------------------------------------------------------

def test_the_common_provisions_need_no_rule_per_type_and_their_discarded_draft_returns_to_their_page(ks, client):
    first = _publish_common(ks, "5", [_credit_rule(ks.accountant.id)])
    _adopted(ks, ks.sn, first)
    draft = common.common_draft_start(ks.actor)
    assert not [f for f in services.findings(draft, TODAY) if f.code == FindingCode.CASE_TYPE_WITHOUT_RULE]
    db.session.commit()
    client.login("director")
    # No what-if for them: they decide no cases of their own (the address typed in finds no page).
    assert client.get(f"/delegation/versioner/{draft.id}/vad-om").status_code == 404
    discarded = client.post_form(f"/delegation/versioner/{draft.id}/kasta", {"confirmed": "y"})
    assert discarded.headers["Location"].endswith("/delegation/gemensamma-bestammelser")


def test_a_member_of_an_adopting_committee_reads_the_common_provisions(ks, client):
    first = _publish_common(ks, "5", [_credit_rule(ks.accountant.id)])
    _adopted(ks, ks.sn, first)
    db.session.commit()
    client.login("olle")  # the chair of SN, nothing of KS in sight
    assert client.get(f"/delegation/versioner/{first.id}").status_code == 200
    assert client.get(f"/delegation/namnder/{ks.ks.id}").status_code == 403


def test_the_pages_show_where_a_rule_comes_from_and_a_newer_version_not_adopted(ks, client):
    first = _publish_common(ks, "5", [_credit_rule(ks.accountant.id)])
    sn_version = _adopted(ks, ks.sn, first)
    second = _publish_common(ks, "9", [_credit_rule(ks.accountant.id)], valid_from=date(2026, 12, 1))
    db.session.commit()
    client.login("director")
    committee_page = client.get(f"/delegation/namnder/{ks.sn.id}").get_data(as_text=True)
    assert f"En nyare version av de gemensamma bestämmelserna finns: {second.adoption_reference}" in committee_page
    version_page = client.get(f"/delegation/versioner/{sn_version.id}").get_data(as_text=True)
    assert f"Från de gemensamma bestämmelserna antagna som {first.adoption_reference}" in version_page
    overview = client.get("/delegation/gemensamma-bestammelser").get_data(as_text=True)
    assert first.adoption_reference in overview and "inte den nyaste" in overview
    query = {"committee_id": ks.sn.id, "case_type": "credit", "amount": "500", "issuing_unit_id": ks.north.id}
    answer = client.get("/delegation/vem-far-besluta", query_string=query).get_data(as_text=True)
    assert (f"Punkten kommer från de gemensamma bestämmelserna antagna som {first.adoption_reference}, som "
            f"nämnden har antagit i sin delegationsordning som {sn_version.adoption_reference}") in answer


def test_adopting_through_the_page_asks_first_and_a_committee_rule_row_offers_no_change(ks, client):
    first = _publish_common(ks, "5", [_credit_rule(ks.accountant.id)])
    draft = services.draft_start(ks.actor, ks.sn)
    db.session.commit()
    client.login("director")
    url = f"/delegation/versioner/{draft.id}/gemensamma-bestammelser"
    asked = client.post_form(url, {"common_version_id": first.id})
    assert "Ta med dem i utkastet" in asked.get_data(as_text=True)
    assert queries.draft_of(ks.sn.id).common_version_id is None
    done = client.post_form(url, {"common_version_id": first.id, "confirmed": "y"})
    assert done.status_code == 303
    draft = queries.draft_of(ks.sn.id)
    [included] = [r for r in draft.rules if r.is_included]
    page = client.get(f"/delegation/versioner/{draft.id}").get_data(as_text=True)
    assert f"/delegation/regler/{included.id}/redigera" not in page
    refused = client.post_form(f"/delegation/regler/{included.id}/ta-bort", {"confirmed": "y"})
    assert refused.status_code == 422
    assert db.session.get(DelegationRule, included.id) is not None


def test_only_the_finance_director_changes_common_provisions_and_refusals_are_recorded(ks, client):
    first = _publish_common(ks, "5", [_credit_rule(ks.accountant.id)])
    draft = services.draft_start(ks.actor, ks.sn)
    db.session.commit()
    client.login("anna")
    for url, data in ((f"/delegation/versioner/{draft.id}/gemensamma-bestammelser",
                       {"common_version_id": first.id, "confirmed": "y"}),
                      ("/delegation/gemensamma-bestammelser/utkast", {}),
                      (f"/delegation/regler/{draft.rules[0].id}/kopiera", {"committee_ids": ks.sn.id})):
        assert client.post_form(url, data).status_code == 403
    assert queries.draft_of(ks.sn.id).common_version_id is None
    denied = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "access.denied")).all()
    assert len(denied) >= 3


def _pdf_text(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())


def test_the_scheme_documents_say_which_rules_come_from_the_common_provisions(ks):
    from portal.delegation.pdf import build_scheme_document

    first = _publish_common(ks, "5", [_credit_rule(ks.accountant.id)])
    sn_version = _adopted(ks, ks.sn, first)
    text = _pdf_text(build_scheme_document(sn_version, "ABC123"))
    assert f"innehåller de gemensamma bestämmelserna, antagna {first.adoption_reference}" in text
    assert (f"Punkten ingår i de gemensamma bestämmelserna, antagna {first.adoption_reference}, som nämnden "
            f"har antagit i sin delegationsordning {sn_version.adoption_reference}") in text
    common_text = _pdf_text(build_scheme_document(first, "ABC124"))
    assert "Gemensamma bestämmelser i delegationsordningarna, antas av Kommunstyrelsen" in common_text
    assert "först när nämnden har antagit dem i sin egen delegationsordning" in common_text


# --- copying a rule into other committees' drafts -------------------------------------------------

def test_a_rule_is_copied_into_the_ticked_committees_drafts_after_a_preview_all_or_nothing(ks, make, client):
    bn = make.committee("BN", "Byggnadsnämnden")
    kn = make.committee("KN", "Kulturnämnden")
    rule = make.delegation_rule(ks.version, "4.1", case_type="credit", max_amount_ore=2_000_00)
    services.draft_start(ks.actor, bn)
    db.session.commit()
    client.login("director")
    url = f"/delegation/regler/{rule.id}/kopiera"
    assert "Byggnadsnämnden" in client.get(url).get_data(as_text=True)
    preview = client.post_form(url, {"committee_ids": [bn.id, kn.id], "step": "preview"}).get_data(as_text=True)
    assert "Nämnden har inget utkast" in preview  # Kulturnämnden
    refused = client.post_form(url, {"committee_ids": [bn.id, kn.id], "step": "copy"})
    assert refused.status_code == 422
    assert not [r for r in queries.draft_of(bn.id).rules if r.number == "4.1"]
    done = client.post_form(url, {"committee_ids": [bn.id], "step": "copy"})
    assert done.status_code == 303
    [copy] = [r for r in queries.draft_of(bn.id).rules if r.number == "4.1"]
    assert (copy.case_type, copy.max_amount_ore, copy.common_version_id) == ("credit", 2_000_00, None)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "delegation_rule.copy")).one()
    assert entry.after["copied_from_rule_id"] == rule.id
    # Again: the number is now taken in that draft, and nothing is copied twice.
    again = client.post_form(url, {"committee_ids": [bn.id], "step": "copy"})
    assert again.status_code == 422
    assert len([r for r in queries.draft_of(bn.id).rules if r.number == "4.1"]) == 1


def test_an_included_rule_is_not_copied_the_committees_adopt_the_common_provisions(ks):
    first = _publish_common(ks, "5", [_credit_rule(ks.accountant.id)])
    draft = services.draft_start(ks.actor, ks.sn)
    common.common_adopt(ks.actor, draft, first)
    [included] = [r for r in draft.rules if r.is_included]
    with pytest.raises(ValidationFailed):
        common.rule_copy(ks.actor, included, [ks.ks.id])


# --- a real case decided under an included rule --------------------------------------------------

@pytest.fixture
def cases(app, make, frozen_clock):
    world = build_world(make)
    ks = db.session.scalars(select(Committee).where(Committee.code == "KS")).one()
    ks.kind = BodyKind.EXECUTIVE_COMMITTEE.value
    position = make.position(ks, PositionKind.FEE_OFFICER, world.economy, "Redovisningschef")
    world.kim = make.user("kim", full_name="Kim Kredit")
    make.appointment(world.kim, position, date(2024, 1, 1))
    common_version = make.scheme_version(ks, valid_from=date(2026, 1, 1), adopted_on=date(2025, 11, 3),
                                         paragraph="44", label="Gemensamma bestämmelser")
    common_version.is_common = True
    make.delegation_rule(common_version, "G1", case_type="deferral", delegate_type="named_position",
                         position_kind=None, scope=None, delegate_position_id=position.id, max_deferral_months=2)
    make.delegation_rule(world.version, "G1", case_type="deferral", delegate_type="named_position",
                         position_kind=None, scope=None, delegate_position_id=position.id, max_deferral_months=2,
                         common_version_id=common_version.id, text="Anstånd högst två månader: redovisningschefen.")
    world.version.common_version_id = common_version.id
    for rule in world.version.rules:  # no consultation asked first: the case waits for its decider
        rule.consultation_unit_id = None
    db.session.flush()
    return world


def test_a_case_decided_under_an_included_rule_says_so_on_the_page_and_in_the_letter(cases, client):
    officer = cases.actor(cases.officer, "case_officer")
    case = case_services.case_create(officer, customer=cases.customer, case_type=CaseType.DEFERRAL,
                                     invoice_ids=[cases.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    case_services.case_update(officer, case, invoice_ids=[cases.invoice.id],
                              terms=TermsInput(new_due_date=date(2026, 12, 31)), reasons="Sjukdom i familjen.")
    case_services.case_submit(officer, case)
    decision = case_services.case_decide(cases.actor(cases.kim), case, case_services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Enligt gemensamma bestämmelser.", no_conflict_confirmed=True))
    assert decision.rule_number == "G1"
    (letter,) = [d for d in documents_for("decision", decision.id) if d.kind == "decision_letter"]
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.content)).pages).split())
    assert "delegationsordning punkt G1" in text
    assert ("Punkten ingår i de gemensamma bestämmelserna, antagna KS 2025-11-03 § 44, som nämnden har antagit "
            "i sin delegationsordning SN 2025-12-10 § 120") in text
    db.session.commit()
    client.login("handlaggare")
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Punkten kommer från de gemensamma bestämmelserna antagna som KS 2025-11-03 § 44" in page
