"""Issue 12 §2 through the portal: the finance director keeps a committee's conditions, a rule
requires some, the case officer answers them on the case (who, when, a document where asked), the
engine routes on the answers, the simulator asks them and the decision letter states them."""

from __future__ import annotations

import io
import json
from datetime import date

import flask_migrate
import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

from portal import create_app
from portal.audit.models import AuditEntry
from portal.cases import services as case_services
from portal.cases.models import ConditionAnswer
from portal.cases.routing import route
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput
from portal.delegation import queries, services
from portal.delegation.engine_types import CaseType
from portal.delegation.models import DelegationRule, EligibilityCondition, SchemeVersion
from portal.documents.services import documents_for
from portal.errors import ValidationFailed
from portal.extensions import db
from tests.cases.conftest import build_world

HTMX = {"HX-Request": "true"}
PDF = b"%PDF-1.4\n% intyg\n"


def builtin(code: str) -> EligibilityCondition:
    return db.session.scalars(select(EligibilityCondition).where(EligibilityCondition.builtin == code)).one()


# --- the committee's list and the editor ------------------------------------------------------------

def test_every_committee_s_list_starts_with_the_built_in_conditions_then_its_own(client, world):
    services.condition_create(world.actor, world.sn, name="Fullständig ansökan med åtgärdsplan",
                              requires_document=False)
    services.condition_create(world.actor, world.ks, name="Giltigt hyresavtal", requires_document=True)
    names = [c.name for c in queries.conditions_of(world.sn.id)]
    assert names == ["Ansökan kom in före förfallodagen", "Ingen annan obetald skuld till kommunen",
                     "Fullständig ansökan med åtgärdsplan"]
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "eligibility_condition.create",
                                                          AuditEntry.after["name"].as_string() == "Giltigt hyresavtal")).all()
    assert entry.after["requires_document"] is True


def test_the_director_adds_a_condition_on_the_committee_s_page(client, world):
    client.login("director")
    response = client.post_form(f"/delegation/namnder/{world.sn.id}/forutsattningar",
                                {"name": "  Banklån nekat   enligt intyg ", "requires_document": "y"}, headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Banklån nekat enligt intyg" in html and "Handläggaren, med dokument" in html
    [condition] = [c for c in queries.conditions_of(world.sn.id) if not c.builtin]
    assert (condition.name, condition.requires_document, condition.committee_id) == (
        "Banklån nekat enligt intyg", True, world.sn.id)


@pytest.mark.parametrize(("name", "message"), [
    ("", "Skriv förutsättningen som riktlinjen formulerar den."),
    ("ingen annan obetald skuld till kommunen", "Nämnden har redan en förutsättning med det namnet."),
])
def test_a_condition_without_a_name_or_with_one_the_committee_has_is_refused(client, world, name, message):
    client.login("director")
    response = client.post_form(f"/delegation/namnder/{world.sn.id}/forutsattningar", {"name": name},
                                headers=HTMX)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True) and 'id="name-error"' in response.get_data(as_text=True)
    assert [c.name for c in queries.conditions_of(world.sn.id) if not c.builtin] == []


def _draft(client, world) -> SchemeVersion:
    client.post_form(f"/delegation/namnder/{world.sn.id}/utkast", {"label": "Utkast"})
    return db.session.scalars(select(SchemeVersion).where(SchemeVersion.state == "draft")).one()


def _rule(number="9.1", **changes) -> dict:
    values = {"number": number, "text": "Anstånd vid fullständig ansökan beslutas av enhetschef.", "level": "1",
              "case_type": "deferral", "kind": "ordinary", "delegate_type": "position_kind",
              "delegate_position_kind": "unit_head", "delegate_scope": "issuing_unit", "amount_basis": "case",
              "customer_kind": "", **changes}
    return {f"new-{key}": value for key, value in values.items()}


def test_the_editor_keeps_the_conditions_a_rule_requires_and_the_page_names_them(client, world):
    own = services.condition_create(world.actor, world.sn, name="Fullständig ansökan med åtgärdsplan",
                                    requires_document=False)
    db.session.commit()
    client.login("director")
    draft = _draft(client, world)
    applied = builtin("applied_before_due")
    response = client.post_form(f"/delegation/versioner/{draft.id}/regler", {
        **_rule(), "new-required_condition_ids": [str(own.id), str(applied.id)]}, headers=HTMX)
    assert response.status_code == 200
    [rule] = db.session.scalars(select(DelegationRule).where(DelegationRule.version_id == draft.id,
                                                             DelegationRule.number == "9.1")).all()
    assert rule.required_conditions == [[applied.id, "applied_before_due"], [own.id, None]]
    html = response.get_data(as_text=True)
    assert "bara om: Fullständig ansökan med åtgärdsplan" in html
    assert "bara om: Ansökan kom in före förfallodagen" in html


def test_the_editor_refuses_another_committee_s_condition(client, world):
    other = services.condition_create(world.actor, world.ks, name="Giltigt hyresavtal", requires_document=False)
    db.session.commit()
    client.login("director")
    draft = _draft(client, world)
    response = client.post_form(f"/delegation/versioner/{draft.id}/regler", {
        **_rule(), "new-required_condition_ids": [str(other.id)]}, headers=HTMX)
    assert response.status_code == 422
    assert "Välj bland nämndens listade förutsättningar." in response.get_data(as_text=True)


def test_the_simulator_asks_the_committee_s_own_conditions(client, world, make):
    own = services.condition_create(world.actor, world.sn, name="Fullständig ansökan med åtgärdsplan",
                                    requires_document=False)
    make.delegation_rule(world.version, "1.0", max_deferral_months=12, required_conditions=[[own.id, None]])
    db.session.commit()
    client.login("director")
    query = {"committee_id": world.sn.id, "case_type": "deferral", "amount": "5000", "deferral_months": "9",
             "issuing_unit_id": world.north.id}
    page = client.get("/delegation/vem-far-besluta").get_data(as_text=True)
    assert f'name="condition-{own.id}"' in page
    without = client.get("/delegation/vem-far-besluta", query_string=query, headers=HTMX).get_data(as_text=True)
    assert "som handläggaren inte har besvarat" in without
    answered = client.get("/delegation/vem-far-besluta", query_string={**query, f"condition-{own.id}": "yes"},
                          headers=HTMX).get_data(as_text=True)
    assert "Föreslagen nivå: 1" in answered and "(punkt 1.0)" in answered
    refused = client.get("/delegation/vem-far-besluta", query_string={**query, f"condition-{own.id}": "no"},
                         headers=HTMX).get_data(as_text=True)
    assert "som ärendet inte uppfyller" in refused


# --- a real case -----------------------------------------------------------------------------------

@pytest.fixture
def cases(app, make, frozen_clock):
    """The cases' Socialnämnden, whose rule 1.1 (the unit head, deferrals up to three months) now
    requires a certificate that a bank loan was refused."""
    world = build_world(make)
    world.condition = EligibilityCondition(committee_id=world.committee.id, name="Banklån nekat enligt intyg",
                                           requires_document=True)
    db.session.add(world.condition)
    db.session.flush()
    rule = next(r for r in world.version.rules if r.number == "1.1")
    rule.required_conditions = [[world.condition.id, None]]
    db.session.flush()
    return world


def _draft_case(world):
    officer = world.actor(world.officer, "case_officer")
    case = case_services.case_create(officer, customer=world.customer, case_type=CaseType.DEFERRAL,
                                     invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    case_services.case_update(officer, case, invoice_ids=[world.invoice.id],
                              terms=TermsInput(new_due_date=date(2026, 12, 31)), reasons="Sjukdom i familjen.")
    return case


def _answer(world, case, met, data=b"", person=None):
    return case_services.condition_answer(world.actor(person or world.officer, "case_officer"), case,
                                          condition_id=world.condition.id, met=met, filename="intyg.pdf",
                                          data=data)


def test_an_unanswered_condition_sends_the_case_past_the_rule_that_requires_it(cases):
    case = _draft_case(cases)
    assert route(case, date(2026, 11, 23)).verdict.proposed_rule_numbers == ("1.2",)
    _answer(cases, case, True, PDF)
    assert route(case, date(2026, 11, 23)).verdict.proposed_rule_numbers == ("1.1",)
    _answer(cases, case, False)
    assert route(case, date(2026, 11, 23)).verdict.proposed_rule_numbers == ("1.2",)


def test_a_condition_that_names_a_document_is_met_only_with_one(cases):
    case = _draft_case(cases)
    with pytest.raises(ValidationFailed) as refused:
        _answer(cases, case, True)
    assert "file" in refused.value.errors
    answer = _answer(cases, case, True, PDF)
    assert answer.attachment.filename == "intyg.pdf" and answer.answered_by_id == cases.officer.id
    assert answer.answered_at is not None
    again = _answer(cases, case, True)  # a new answer keeps the document already given
    assert again.attachment_id == answer.attachment_id
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.answer_condition")).all()
    assert [e.after["met"] for e in entries] == [True, True]


def test_only_the_preparer_answers_and_only_while_the_case_is_prepared(cases):
    case = _draft_case(cases)
    with pytest.raises(ValidationFailed):
        _answer(cases, case, False, person=cases.outsider)
    _answer(cases, case, True, PDF)
    case_services.case_submit(cases.actor(cases.officer, "case_officer"), case)
    with pytest.raises(ValidationFailed):
        _answer(cases, case, False)
    assert db.session.scalars(select(ConditionAnswer)).one().met is True


def test_a_built_in_or_another_committee_s_condition_is_not_answered_by_the_officer(cases):
    case = _draft_case(cases)
    for condition_id in (builtin("applied_before_due").id, None):
        with pytest.raises(ValidationFailed) as refused:
            case_services.condition_answer(cases.actor(cases.officer), case, condition_id=condition_id, met=True)
        assert "condition_id" in refused.value.errors


def test_the_decision_letter_states_the_conditions_of_its_rule(cases):
    case = _draft_case(cases)
    _answer(cases, case, True, PDF)
    officer = cases.actor(cases.officer, "case_officer")
    case_services.case_submit(officer, case)
    case_services.consultation_record(cases.actor(cases.finance, "finance_officer"), case, "Inga invändningar.")
    decision = case_services.case_decide(cases.actor(cases.unit_head), case, case_services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Intyg finns.", no_conflict_confirmed=True))
    assert decision.rule_number == "1.1" and case.state == CaseState.GRANTED
    (letter,) = [d for d in documents_for("decision", decision.id) if d.kind == "decision_letter"]
    words = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.content)).pages).split())
    assert "Förutsättningar enligt delegationsordningen punkt 1.1" in words
    assert "Banklån nekat enligt intyg: uppfylld (besvarad av Hanna Holm 2026-11-23)" in words


def test_the_case_page_shows_the_condition_and_takes_the_officer_s_answer(cases, client):
    case = _draft_case(cases)
    db.session.commit()
    client.login(cases.officer.username)
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Banklån nekat enligt intyg" in page and "inte besvarad" in page
    response = client.post(f"/arenden/{case.id}/forutsattningar", data={
        "csrf_token": client.csrf_token(), "condition_id": str(cases.condition.id), "met": "yes",
        "file": (io.BytesIO(PDF), "intyg.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "uppfylld (besvarad av Hanna Holm" in page and "intyg.pdf" in page


# --- the migration -----------------------------------------------------------------------------------

def test_the_migration_turns_the_built_in_conditions_into_entries_rules_name(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key", "RATELIMIT_STORAGE_URI": "memory://",
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "conditions.sqlite3")})
    with app.app_context():
        flask_migrate.upgrade(revision="0022_guideline_bars")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO committees (id, name, code, registry_format, active) "
                "VALUES (1, 'Socialnämnden', 'SN', '{code} {year}/{number}', true)"))
            connection.execute(text(
                "INSERT INTO scheme_versions (id, committee_id, state, label, adoption_reference, valid_from, "
                "created_at) VALUES (1, 1, 'published', 'v', 'SN 2025-12-10 § 1', '2026-01-01', '2026-01-01')"))
            for rule_id, applied, debt in ((1, True, False), (2, True, True), (3, False, False)):
                connection.execute(text(
                    "INSERT INTO delegation_rules (id, version_id, number, text, level, case_type, kind, "
                    "delegate_type, allows_further_delegation, sort_order, requires_applied_before_due, "
                    "requires_no_other_unpaid_debt, amount_basis) VALUES (:id, 1, :id, 't', 1, 'deferral', "
                    "'ordinary', 'presidium', false, :id, :applied, :debt, 'case')"),
                    {"id": rule_id, "applied": applied, "debt": debt})
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            ids = dict(connection.execute(text(
                "SELECT builtin, id FROM eligibility_conditions WHERE committee_id IS NULL")).all())
            rows = dict(connection.execute(text("SELECT id, required_conditions FROM delegation_rules")).all())
        stored = {k: v if v is None or isinstance(v, list) else json.loads(v) for k, v in rows.items()}
        applied, debt = ids["applied_before_due"], ids["no_other_unpaid_debt"]
        assert stored == {1: [[applied, "applied_before_due"]],
                          2: [[applied, "applied_before_due"], [debt, "no_other_unpaid_debt"]], 3: None}
        flask_migrate.downgrade(revision="0022_guideline_bars")
        with db.engine.connect() as connection:
            flags = connection.execute(text(
                "SELECT id, requires_applied_before_due, requires_no_other_unpaid_debt FROM delegation_rules "
                "ORDER BY id")).all()
        assert [tuple(bool(v) for v in row[1:]) for row in flags] == [(True, False), (True, True), (False, False)]
        db.session.remove()
        db.engine.dispose()
