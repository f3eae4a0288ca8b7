"""Issue 12 §8 through the portal: the editor keeps a guideline bar, the page, the scheme document and
the simulator say it, and a real case covered by one is refused, not granted, by those it names —
the committee alone grants it."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.auth.roles import Role
from portal.cases import services as case_services
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput
from portal.delegation import display, queries
from portal.delegation.engine_types import CaseType
from portal.delegation.models import DelegationRule, SchemeVersion
from portal.documents.services import documents_for
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.meetings import delegation_report
from portal.meetings import services as meetings
from portal.meetings.rules import CommitteeOutcome
from portal.org.models import PositionKind
from tests.cases.conftest import build_world
from tests.meetings.conftest import at

HTMX = {"HX-Request": "true"}


@pytest.fixture
def director(client, world):
    client.login("director")
    return world.director


def _draft(client, world) -> SchemeVersion:
    client.post_form(f"/delegation/namnder/{world.sn.id}/utkast", {"label": "Utkast"})
    return db.session.scalars(select(SchemeVersion).where(SchemeVersion.state == "draft")).one()


def _bar(number="9.1", **changes) -> dict:
    values = {"number": number, "text": "Avbetalningsplan längre än 12 månader beviljas inte.",
              "level": "1", "case_type": "instalment_plan", "kind": "bar", "guideline_point": "4.2",
              "delegate_type": "position_kind", "delegate_position_kind": "unit_head",
              "delegate_scope": "issuing_unit", "max_plan_months": "12", "amount_basis": "case",
              "customer_kind": "", **changes}
    return {f"new-{key}": value for key, value in values.items()}


def _stored(draft, number="9.1"):
    return db.session.scalars(select(DelegationRule).where(DelegationRule.version_id == draft.id,
                                                           DelegationRule.number == number)).all()


def test_the_editor_keeps_a_guideline_bar_and_the_page_and_document_say_it(client, world, director):
    draft = _draft(client, world)
    response = client.post_form(f"/delegation/versioner/{draft.id}/regler", _bar(), headers=HTMX)
    assert response.status_code == 200
    [rule] = _stored(draft)
    assert (rule.kind, rule.guideline_point) == ("bar", "4.2")
    html = response.get_data(as_text=True)
    assert "Beviljas inte enligt riktlinjen (punkt 4.2) annat än av nämnden; delegaten får avslå" in html
    assert "Riktlinjen tillåter bara: plan om högst 12 månader" in html
    client.post_form(f"/delegation/versioner/{draft.id}/regler",
                     _bar("9.2", delegate_type="committee", guideline_point="4.3"), headers=HTMX)
    groups = display.grouped_rules(draft, queries.names(), {}, 2026)
    views = {v.rule.number: v for g in groups for _, level in g.levels for v in level}
    assert views["9.2"].delegate == "Nämnden själv"  # the PDF's words
    assert "nämnden beslutar också om avslag" in views["9.2"].limits[0]


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"new-guideline_point": ""}, "guideline_point", "Ange vilken punkt i riktlinjen spärren hänvisar till"),
    ({"new-kind": "ordinary", "new-delegate_type": "committee"}, "delegate_type",
     "Bara en riktlinjespärr får ange ingen: välj delegat."),
    ({"new-allows_further_delegation": "y"}, "allows_further_delegation",
     "En riktlinjespärr kan inte vidaredelegeras"),
])
def test_a_malformed_bar_is_refused_beside_its_field_and_nothing_is_saved(client, world, director, values,
                                                                         field, message):
    draft = _draft(client, world)
    response = client.post_form(f"/delegation/versioner/{draft.id}/regler", {**_bar(), **values},
                                headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="new-{field}-error"' in html and message in html
    assert not _stored(draft)


def test_an_ordinary_rule_keeps_no_guideline_point(client, world, director):
    draft = _draft(client, world)
    client.post_form(f"/delegation/versioner/{draft.id}/regler", _bar(**{"kind": "ordinary"}), headers=HTMX)
    [rule] = _stored(draft)
    assert (rule.kind, rule.guideline_point) == ("ordinary", None)


def test_the_simulator_says_a_barred_case_may_not_be_granted_and_who_refuses(client, world, make, director):
    make.delegation_rule(world.version, "9.1", case_type="instalment_plan", kind="bar", guideline_point="4.2",
                         max_plan_months=12)
    query = {"committee_id": world.sn.id, "case_type": "instalment_plan", "amount": "5000",
             "plan_months": "18", "issuing_unit_id": world.north.id}
    html = client.get("/delegation/vem-far-besluta", query_string=query, headers=HTMX).get_data(as_text=True)
    assert "Får inte beviljas enligt riktlinjen (punkt 4.2)." in html
    assert "Avslås enligt punkt 9.1" in html and "Anna" in html
    inside = client.get("/delegation/vem-far-besluta", query_string={**query, "plan_months": "6"},
                        headers=HTMX).get_data(as_text=True)
    assert "Får inte beviljas" not in inside
    assert "Punkt 9.1: ärendet ryms inom riktlinjens punkt 4.2." in inside


# --- a real case -----------------------------------------------------------------------------------

@pytest.fixture
def cases(app, make, frozen_clock):
    """The cases' Socialnämnden with a bar on deferrals longer than two months ("punkt 4.2"), which
    the unit head refuses under; and a secretary for the committee's meeting."""
    world = build_world(make)
    make.delegation_rule(world.version, "1.9", case_type="deferral", kind="bar", guideline_point="4.2",
                         max_deferral_months=2, text="Anstånd längre än två månader beviljas inte.")
    world.clock = frozen_clock
    world.secretary = make.user("sekr", Role.COMMITTEE_SECRETARY, full_name="Stina Sekreterare")
    make.appointment(world.secretary, make.position(world.committee, PositionKind.COMMITTEE_SECRETARY,
                                                    title="Nämndsekreterare SN"))
    return world


def _deferral(world, new_due: date):
    officer = world.actor(world.officer, "case_officer")
    case = case_services.case_create(officer, customer=world.customer, case_type=CaseType.DEFERRAL,
                                     invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    case_services.case_update(officer, case, invoice_ids=[world.invoice.id],
                              terms=TermsInput(new_due_date=new_due), reasons="Sjukdom i familjen.")
    case_services.case_submit(officer, case)
    return case


def _decide(world, person, case, outcome):
    return case_services.case_decide(world.actor(person), case, case_services.DecisionInput(
        outcome=outcome, reasons="Enligt riktlinjen.", no_conflict_confirmed=True))


def _refusals(case) -> list[dict]:
    """The refusals waiting to be written in a transaction of their own when the request ends."""
    from flask import g

    return [r for r in g.pop("audit_refusals", []) if r["action"] == "case.decision_refused"
            and r["object_id"] == case.id]


def test_a_barred_case_goes_to_its_refuser_and_granting_it_is_refused_and_recorded(cases):
    case = _deferral(cases, date(2027, 1, 31))  # three months: rule 1.1 would take it, the bar covers it
    assert case.state == CaseState.AWAITING_DECISION  # the bar asks no consultation
    with pytest.raises(ValidationFailed) as refused:
        _decide(cases, cases.unit_head, case, Outcome.GRANTED)
    assert "får inte beviljas enligt riktlinjen (punkt 4.2" in refused.value.errors["case"]
    assert "Bara nämnden kan bevilja det mot sin riktlinje" in refused.value.errors["case"]
    [entry] = _refusals(case)
    assert entry["after"]["rule"] == "1.9" and entry["after"]["outcome"] == "granted"
    assert case.decision is None


def test_someone_the_bar_does_not_name_may_not_refuse_and_is_recorded(cases):
    case = _deferral(cases, date(2027, 1, 31))
    with pytest.raises(ValidationFailed) as refused:
        _decide(cases, cases.department_head, case, Outcome.REFUSED)
    assert "punkt 1.9 ger andra rätt att avslå" in refused.value.errors["case"]
    [entry] = _refusals(case)
    assert entry["after"]["rule"] == "1.9" and case.decision is None


def test_the_refusal_under_the_bar_is_a_reported_delegated_decision_whose_letter_cites_the_guideline(cases):
    case = _deferral(cases, date(2027, 1, 31))
    decision = _decide(cases, cases.unit_head, case, Outcome.REFUSED)
    assert (decision.rule_number, decision.rule_kind, decision.is_delegated) == ("1.9", "bar", True)
    assert case.state == CaseState.REFUSED
    assert decision in delegation_report.unreported_decisions(cases.committee.id)
    (letter,) = [d for d in documents_for("decision", decision.id) if d.kind == "decision_letter"]
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.content)).pages).split())
    assert "Enligt Socialnämndens riktlinje, punkt 4.2, beviljas inte anstånd med betalning" in text
    assert "Anstånd längre än två månader beviljas inte" in text
    assert "delegationsordning punkt 1.9" in text


def test_a_case_inside_the_guideline_is_routed_as_before(cases):
    case = _deferral(cases, date(2026, 12, 31))
    assert case.state == CaseState.AWAITING_CONSULTATION  # rule 1.1 asks the economy unit first


def test_a_bar_that_names_nobody_sends_the_case_to_the_committee_which_may_grant_it(cases, make):
    make.delegation_rule(cases.version, "1.8", case_type="deferral", kind="bar", guideline_point="4.1",
                         delegate_type="committee", max_amount_ore=1_000_00)
    case = _deferral(cases, date(2026, 12, 31))  # 3 000 kr: over the bar's 1 000 kr
    assert case.state == CaseState.REFERRED_TO_COMMITTEE
    with pytest.raises(ValidationFailed):
        _decide(cases, cases.unit_head, case, Outcome.REFUSED)
    secretary = cases.actor(cases.secretary, "committee_secretary")
    meeting = meetings.meeting_create(secretary, cases.committee, meeting_date=date(2026, 12, 10), place="")
    item = meetings.agenda_add(secretary, meeting, case, "Bevilja anstånd mot riktlinjen.")
    meetings.item_decide(secretary, item, outcome=CommitteeOutcome.GRANTED, decision_text="")
    at(cases, date(2026, 12, 15))
    meetings.meeting_record(secretary, meeting, approved_on=date(2026, 12, 14), posted_on=date(2026, 12, 15))
    assert case.state == CaseState.GRANTED
    assert case.decision.committee_reference == "SN 2026-12-10 § 1" and not case.decision.is_delegated


def test_the_case_officer_may_refer_a_barred_case_to_the_committee_and_others_may_not(cases, client):
    case = _deferral(cases, date(2027, 1, 31))
    db.session.commit()
    client.login(cases.outsider.username)
    assert client.post_form(f"/arenden/{case.id}/namnden", {"note": "Pröva."}).status_code == 403
    client.post_form("/logga-ut")
    client.login(cases.officer.username)
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Får inte beviljas enligt riktlinjen (punkt 4.2)." in page
    assert "Hänskjut till nämnden" in page
    response = client.post_form(f"/arenden/{case.id}/namnden", {"note": "Kunden ber nämnden pröva."})
    assert response.status_code == 303
    db.session.refresh(case)
    assert case.state == CaseState.REFERRED_TO_COMMITTEE


def _decide_options(page: str) -> list[str]:
    import re

    form = page[page.index('id="decide-heading"'):page.index("</form>", page.index('id="decide-heading"'))]
    return re.findall(r'name="outcome"[^>]*value="([a-z_]+)"', form) or re.findall(
        r'value="([a-z_]+)"[^>]*name="outcome"', form)


def test_the_refuser_named_by_the_bar_is_offered_only_a_refusal_and_a_posted_grant_changes_nothing(cases, client):
    case = _deferral(cases, date(2027, 1, 31))
    db.session.commit()
    client.login(cases.unit_head.username)
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert _decide_options(page) == ["refused"]
    assert "Avslå (riktlinjen medger inte bifall)" in page
    assert "Riktlinjen medger inte bifall: du kan bara avslå." in page
    assert "Ändrade villkor vid delvis bifall" not in page
    # A grant posted all the same is not a choice the form offers: it is refused beside the field.
    response = client.post_form(f"/arenden/{case.id}/beslut", {
        "outcome": "granted", "reasons": "Beviljas.", "no_conflict": "y",
        "confirmed": "y"})
    assert response.status_code == 422
    assert "Inte ett giltigt val" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.decision is None and case.state == CaseState.AWAITING_DECISION
    response = client.post_form(f"/arenden/{case.id}/beslut", {
        "outcome": "refused", "reasons": "Enligt riktlinjen.", "no_conflict": "y",
        "confirmed": "y"})
    assert response.status_code == 303
    db.session.refresh(case)
    assert case.state == CaseState.REFUSED and case.decision.rule_kind == "bar"

