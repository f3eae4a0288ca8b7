"""Issue 11 on the engine's pages: the simulator counts lengths as real cases do, the checker shows
what publishing refuses, plan-length floors keep the words they were adopted in."""

from __future__ import annotations

import json
from datetime import date

import flask_migrate
import pytest
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from portal import create_app
from portal.cases import services as case_services
from portal.cases.routing import route
from portal.cases.terms import TermsInput
from portal.delegation import services
from portal.delegation.engine_types import CaseType, FloorForm, PlanLengthFloor
from portal.delegation.forms import SimulatorForm
from portal.delegation.models import DelegationRule, SchemeVersion
from portal.delegation.results import FindingCode
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.receivables.rules import add_months
from tests.cases.conftest import build_world

HTMX = {"HX-Request": "true"}
PUBLISH = {"adopted_on": "2026-11-18", "paragraph": "45", "confirmed": "y"}


@pytest.fixture
def director(client, world):
    client.login("director")
    return world.director


def _ask(client, world, partial=True, **values):
    query = {"committee_id": world.sn.id, "case_type": "deferral", "amount": "5 000",
             "issuing_unit_id": world.north.id, **values}
    return client.get("/delegation/vem-far-besluta", query_string=query,
                      headers=HTMX if partial else {})


# --- the simulator converts as real cases do ---------------------------------------------------------

def test_a_seven_month_deferral_is_asked_in_days_against_a_day_rule(client, world, make, director):
    make.delegation_rule(world.version, "1.3", level=3, position_kind="department_head",
                         scope="issuing_department", max_deferral_days=180)
    response = _ask(client, world, deferral_months="7", current_due_date="2026-10-31")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Frågat som ett anstånd på 7 månader, det vill säga 212 dagar från nuvarande förfallodag." in html
    assert "Punkt 1.3: ett anstånd på 212 dagar är längre än 180 dagar." in html
    assert "anges inte" not in html  # on main the days were "not given" and the rule could not be asked
    five = _ask(client, world, deferral_months="5", current_due_date="2026-10-31").get_data(as_text=True)
    assert "151 dagar" in five and "Punkt 1.3:" not in five


def test_days_are_converted_to_months_the_same_way(client, world, director):
    html = _ask(client, world, deferral_days="92", current_due_date="2026-10-31").get_data(as_text=True)
    # 2026-10-31 + 92 days is 2027-01-31: three months, inside rule 1.1.
    assert "Frågat som ett anstånd på 3 månader, det vill säga 92 dagar" in html
    html = _ask(client, world, deferral_days="93", current_due_date="2026-10-31").get_data(as_text=True)
    assert "Punkt 1.1: ett anstånd på 4 månader är längre än 3 månader." in html


def test_months_and_days_together_are_refused_in_swedish(client, world, director):
    response = _ask(client, world, partial=False, deferral_months="7", deferral_days="212")
    assert response.status_code == 422
    assert "Ange anståndet i månader eller i dagar, inte båda" in response.get_data(as_text=True)


@pytest.mark.parametrize("case_type", ["write_off", "credit"])
def test_a_monthly_amount_is_refused_where_no_rule_can_limit_one(client, world, director, case_type):
    response = _ask(client, world, partial=False, case_type=case_type, monthly_instalment="500")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "kan begränsa ett månadsbelopp" in html and "lämna månadsbeloppet tomt" in html


def test_a_monthly_amount_is_applied_to_a_plan(client, world, make, director):
    make.delegation_rule(world.version, "2.1", case_type="instalment_plan", max_plan_months=12,
                         min_monthly_instalment_ore=20_000)
    response = _ask(client, world, case_type="instalment_plan", plan_months="6", monthly_instalment="150")
    assert response.status_code == 200
    assert "Punkt 2.1: månadsbeloppet 150,00" in response.get_data(as_text=True)


def test_the_simulator_and_a_real_case_ask_the_engine_the_same_question(app, make, frozen_clock):
    world = build_world(make)
    make.delegation_rule(world.version, "1.3", case_type="deferral", level=3,
                         position_kind="department_head", scope="issuing_department",
                         max_deferral_days=180)
    due, today = world.invoice.due_date, date(2026, 11, 23)
    for months in (5, 6, 7):
        case = case_services.case_create(
            world.actor(world.officer, "case_officer"), customer=world.customer,
            case_type=CaseType.DEFERRAL, invoice_ids=[world.invoice.id], terms=TermsInput(),
            reasons="Sjukdom.")
        case = case_services.case_update(
            world.actor(world.officer), case, invoice_ids=[world.invoice.id],
            terms=TermsInput(new_due_date=add_months(due, months)), reasons="Sjukdom.")
        real = route(case, today)
        with app.test_request_context():
            form = SimulatorForm(formdata=MultiDict({
                "committee_id": str(world.committee.id), "case_type": "deferral", "amount": "3000",
                "deferral_months": str(months), "current_due_date": due.isoformat(),
                "issuing_unit_id": str(world.unit.id)}))
            form.committee_id.choices = [(world.committee.id, "SN")]
            form.issuing_unit_id.choices = [(world.unit.id, "Hemtjänst Norr")]
            assert form.validate(), form.errors
            asked = form.to_facts(today)
        assert (asked.deferral_months, asked.deferral_days) == (
            real.facts.deferral_months, real.facts.deferral_days), months
        assert real.verdict.outcome("1.3").matched is (months == 5)
        case_services.case_withdraw(world.actor(world.officer), case, "Prov.")


# --- the checker shows what publishing refuses -----------------------------------------------------

def _draft_with(client, world, **rule) -> SchemeVersion:
    client.post_form(f"/delegation/namnder/{world.sn.id}/utkast", {"label": "Utkast"})
    draft = db.session.scalars(select(SchemeVersion).where(SchemeVersion.state == "draft")).one()
    values = {"number": "9.1", "text": "Avbetalningsplan om högst ett prisbasbelopp.", "level": "3",
              "case_type": "instalment_plan", "kind": "ordinary", "delegate_type": "position_kind",
              "delegate_position_kind": "department_head", "delegate_scope": "issuing_department",
              "amount_basis": "case", "customer_kind": "", **rule}
    client.post_form(f"/delegation/versioner/{draft.id}/regler",
                     {f"new-{k}": v for k, v in values.items()}, headers=HTMX)
    return draft


def test_the_checker_shows_an_error_that_only_a_later_valid_from_brings(client, world, director):
    draft = _draft_with(client, world, max_amount_pbb="1")  # price base amounts kept to 2026
    page = client.get(f"/delegation/versioner/{draft.id}").get_data(as_text=True)
    assert "Inga fel: utkastet kan publiceras." not in page
    assert "Inga fel om utkastet träder i kraft före 2027-01-01." in page
    assert "Fel om det träder i kraft 2027-01-01 eller senare:" in page
    assert "Punkt 9.1: Prisbasbelopp saknas för 2027" in page
    refused = client.post_form(f"/delegation/versioner/{draft.id}/publicera",
                               {**PUBLISH, "valid_from": "2027-01-01"}, headers=HTMX)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Utkastet har 1 fel" in html and "1 fel hindrar publicering." in html
    published = client.post_form(f"/delegation/versioner/{draft.id}/publicera",
                                 {**PUBLISH, "valid_from": "2026-12-01"})
    assert published.status_code == 303


def test_publish_and_the_checker_count_the_same_errors(world, client, director):
    draft = _draft_with(client, world, max_amount_pbb="1", min_monthly_instalment="60 000")
    for valid_from, code in ((date(2026, 12, 1), FindingCode.INSTALMENT_ABOVE_MAX_AMOUNT),
                             (date(2027, 1, 1), FindingCode.PRICE_BASE_AMOUNT_MISSING)):
        check = services.draft_check(draft, valid_from)
        assert [f.code for f in check.errors] == [code]
        with pytest.raises(ValidationFailed) as refused:
            services.version_publish(world.actor, draft, adopted_on=date(2026, 11, 18),
                                     paragraph="45", valid_from=valid_from)
        assert "Utkastet har 1 fel" in refused.value.errors["version"]


# --- plan-length floors: new words in the editor, drafts migrated, published kept -------------------

def test_the_editor_writes_floors_in_the_rule_books_words(client, world, director):
    draft = _draft_with(client, world, max_plan_months="24", plan_length_floors="12: 12 000")
    rule = db.session.scalars(select(DelegationRule).where(DelegationRule.version_id == draft.id,
                                                           DelegationRule.number == "9.1")).one()
    assert rule.plan_length_floors == [[12, 1_200_000, "or_more"]]
    assert rule.limits().plan_length_floors == (PlanLengthFloor(12, 1_200_000, FloorForm.OR_MORE),)
    page = client.get(f"/delegation/versioner/{draft.id}").get_data(as_text=True)
    assert "en plan på 12 månader eller mer kräver en skuld på minst 12\u00a0000,00\u00a0kr" in page


def test_a_new_draft_copies_an_older_floor_in_the_new_words_with_the_same_meaning(world, make):
    make.delegation_rule(world.version, "2.2", case_type="instalment_plan", level=2,
                         position_kind="department_head", scope="issuing_department",
                         max_plan_months=24, plan_length_floors=[[12, 1_200_000]])
    draft = services.draft_start(world.actor, world.sn)
    copy = next(r for r in draft.rules if r.number == "2.2")
    assert copy.plan_length_floors == [[13, 1_200_000, "or_more"]]
    published = next(r for r in world.version.rules if r.number == "2.2")
    assert published.plan_length_floors == [[12, 1_200_000]]


def test_the_migration_rewrites_drafts_and_keeps_published_floors(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key", "RATELIMIT_STORAGE_URI": "memory://",
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "floors.sqlite3")})
    with app.app_context():
        flask_migrate.upgrade(revision="0013_user_sessions")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO committees (id, name, code, registry_format, active) "
                "VALUES (1, 'Socialnämnden', 'SN', '{code} {year}/{number}', true)"))
            for version_id, state in ((1, "published"), (2, "draft")):
                connection.execute(text(
                    "INSERT INTO scheme_versions (id, committee_id, state, label, adoption_reference, "
                    "valid_from, created_at) VALUES (:id, 1, :state, 'v', :ref, '2026-01-01', "
                    "'2026-01-01 00:00:00')"),
                    {"id": version_id, "state": state,
                     "ref": "SN 2025-12-10 § 1" if state == "published" else None})
                connection.execute(text(
                    "INSERT INTO delegation_rules (id, version_id, number, text, level, case_type, kind, "
                    "delegate_type, allows_further_delegation, sort_order, requires_applied_before_due, "
                    "requires_no_other_unpaid_debt, amount_basis, plan_length_floors) VALUES (:id, :id, "
                    "'2.2', 't', 1, 'instalment_plan', 'ordinary', 'presidium', false, 1, false, false, "
                    "'case', :floors)"),
                    {"id": version_id, "floors": json.dumps([[12, 1_200_000]])})
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            rows = dict(connection.execute(text(
                "SELECT version_id, plan_length_floors FROM delegation_rules")).all())
        as_json = {k: v if isinstance(v, list) else json.loads(v) for k, v in rows.items()}
        assert as_json == {1: [[12, 1_200_000]], 2: [[13, 1_200_000, "or_more"]]}
        flask_migrate.downgrade(revision="0013_user_sessions")
        with db.engine.connect() as connection:
            draft = connection.execute(text(
                "SELECT plan_length_floors FROM delegation_rules WHERE version_id = 2")).scalar_one()
        assert (draft if isinstance(draft, list) else json.loads(draft)) == [[12, 1_200_000]]
        db.session.remove()
        db.engine.dispose()
