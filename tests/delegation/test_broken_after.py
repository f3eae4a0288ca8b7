"""A plan rule may say that a plan granted under it is broken sooner than the municipality's
follow-up setting (RULINGS 16): the limit in the engine's data, the checker, the words, the editor
and the simulator; never looser than the setting, never a condition for matching."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.roles import Role
from portal.delegation.checks import check_version
from portal.delegation.engine_types import CaseType, Limits
from portal.delegation.limits import broken_after_days
from portal.delegation.messages import limits_text
from portal.delegation.models import DelegationRule, SchemeVersion
from portal.delegation.results import FindingCode, Severity
from portal.extensions import db
from portal.receivables.models import FollowUpSetting

from .builders import PBB, org, plan_facts, rule, verdict_of, version
from .test_views import HTMX, rule_form


def test_the_rule_tightens_the_municipalitys_setting_and_never_loosens_it():
    assert broken_after_days(None, 30) == 30
    assert broken_after_days(Limits(), 30) == 30
    assert broken_after_days(Limits(broken_after_days=14), 30) == 14
    assert broken_after_days(Limits(broken_after_days=60), 30) == 30


def test_the_days_are_no_condition_for_matching():
    scheme = version(rule("2.1", case_type=CaseType.INSTALMENT_PLAN, max_plan_months=12, broken_after_days=1))
    assert verdict_of(plan_facts(), scheme).outcome("2.1").matched


def _errors(scheme):
    return {(f.code, f.rule_number) for f in check_version(scheme, org(), PBB) if f.severity == Severity.ERROR}


def test_the_checker_refuses_the_days_on_a_write_off_rule_and_zero_days():
    assert (FindingCode.LIMIT_NOT_FOR_CASE_TYPE, "3.1") in _errors(
        version(rule("3.1", case_type=CaseType.WRITE_OFF, broken_after_days=10)))
    assert (FindingCode.LIMIT_NOT_POSITIVE, "2.1") in _errors(
        version(rule("2.1", case_type=CaseType.INSTALMENT_PLAN, broken_after_days=0)))
    assert _errors(version(rule("1.1", broken_after_days=10))) == set()  # a deferral may say it


def test_the_days_in_words(app):
    with app.test_request_context():
        words = limits_text(Limits(broken_after_days=14))
    assert words == ["bruten när den är försenad mer än 14 dagar (eller kommunens kortare inställning)"]


def test_the_finance_director_writes_the_days_into_a_draft_rule(client, world):
    client.login("director")
    client.post_form(f"/delegation/namnder/{world.sn.id}/utkast", {"label": ""})
    draft = db.session.scalars(select(SchemeVersion).where(SchemeVersion.state == "draft")).one()
    response = client.post_form(f"/delegation/versioner/{draft.id}/regler", rule_form(
        number="2.9", text="Avbetalningsplan.", case_type="instalment_plan", max_deferral_months="",
        max_plan_months="12", broken_after_days="14"), headers=HTMX)
    assert response.status_code == 200
    saved = db.session.scalars(select(DelegationRule).where(DelegationRule.version_id == draft.id,
                                                            DelegationRule.number == "2.9")).one()
    assert saved.broken_after_days == 14 and saved.limits().broken_after_days == 14
    assert "bruten när den är försenad mer än 14 dagar" in response.get_data(as_text=True)
    bad = client.post_form(f"/delegation/versioner/{draft.id}/regler", rule_form(
        number="2.8", text="Plan.", case_type="instalment_plan", broken_after_days="-3"), headers=HTMX)
    assert "2.8" not in [r.number for r in db.session.scalars(
        select(DelegationRule).where(DelegationRule.version_id == draft.id))]
    assert bad.status_code == 422


def test_the_simulator_says_when_a_plan_granted_under_each_rule_is_broken(client, world, make):
    make.delegation_rule(world.version, "2.1", case_type="instalment_plan", max_plan_months=12,
                         broken_after_days=14)
    make.delegation_rule(world.version, "2.2", case_type="instalment_plan", level=2,
                         position_kind="department_head", scope="issuing_department")
    db.session.add(FollowUpSetting(broken_after_days=21))
    make.user("handlaggare", Role.CASE_OFFICER)
    db.session.commit()
    client.login("director")
    html = client.get("/delegation/vem-far-besluta", query_string={
        "committee_id": world.sn.id, "case_type": "instalment_plan", "amount": "5 000",
        "plan_months": "6", "issuing_unit_id": world.north.id}).get_data(as_text=True)
    assert "bruten när den är försenad mer än 14 dagar (kommunens inställning: 21)" in html
    assert "bruten när den är försenad mer än 21 dagar (kommunens inställning: 21)" in html
