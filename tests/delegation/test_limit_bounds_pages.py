"""Issue 12 §3 and §5 through the portal: the editor keeps the new limits, the page says them, the
simulator asks them and a real case gives their facts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.cases import services as case_services
from portal.cases.routing import route
from portal.cases.rules import Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.delegation.models import DelegationRule, SchemeVersion
from portal.extensions import db
from tests.cases.conftest import build_world

HTMX = {"HX-Request": "true"}


@pytest.fixture
def director(client, world):
    client.login("director")
    return world.director


def test_the_editor_keeps_the_new_limits_and_says_them(client, world, director):
    client.post_form(f"/delegation/namnder/{world.sn.id}/utkast", {"label": "Utkast"})
    draft = db.session.scalars(select(SchemeVersion).where(SchemeVersion.state == "draft")).one()
    values = {"number": "9.1", "text": "Hyra i två eller tre delar, en plan per kund och år.", "level": "3",
              "case_type": "instalment_plan", "kind": "ordinary", "delegate_type": "position_kind",
              "delegate_position_kind": "department_head", "delegate_scope": "issuing_department",
              "amount_basis": "case", "customer_kind": "", "min_amount": "30 000", "max_amount": "100 000",
              "max_instalments": "3", "max_granted_cases": "1", "frequency_period": "calendar_year"}
    response = client.post_form(f"/delegation/versioner/{draft.id}/regler",
                                {f"new-{k}": v for k, v in values.items()}, headers=HTMX)
    assert response.status_code == 200
    rule = db.session.scalars(select(DelegationRule).where(DelegationRule.number == "9.1")).one()
    assert (rule.min_amount_ore, rule.max_instalments, rule.max_granted_cases, rule.frequency_period) == (
        3_000_000, 3, 1, "calendar_year")
    html = response.get_data(as_text=True)
    for words in ("minst 30\u00a0000,00\u00a0kr", "högst 3 delbetalningar",
                  "högst 1 beviljade ärenden av samma slag per kund per kalenderår"):
        assert words in html
    bad = client.post_form(f"/delegation/versioner/{draft.id}/regler",
                           {f"new-{k}": v for k, v in {**values, "number": "9.2",
                                                       "frequency_period": "weekly"}.items()}, headers=HTMX)
    assert bad.status_code == 422 and not db.session.scalars(
        select(DelegationRule).where(DelegationRule.number == "9.2")).all()


def test_the_simulator_asks_part_payments_instalments_and_frequency(client, world, make, director):
    make.delegation_rule(world.version, "1.0", max_deferral_months=6, min_monthly_instalment_ore=20_000)
    make.delegation_rule(world.version, "2.0", case_type="instalment_plan", max_instalments=3,
                         max_granted_cases=1)
    base = {"committee_id": world.sn.id, "amount": "5000", "issuing_unit_id": world.north.id}
    deferral = client.get("/delegation/vem-far-besluta", headers=HTMX, query_string={
        **base, "case_type": "deferral", "deferral_months": "5", "monthly_instalment": "150"}).get_data(as_text=True)
    assert "Punkt 1.0: månadsbeloppet 150,00\u00a0kr är mindre än 200,00\u00a0kr." in deferral
    plan = client.get("/delegation/vem-far-besluta", headers=HTMX, query_string={
        **base, "case_type": "instalment_plan", "plan_months": "4", "instalments": "4",
        "granted_this_year": "1"}).get_data(as_text=True)
    assert "Punkt 2.0: 4 delbetalningar är fler än 3." in plan
    assert "Punkt 2.0: detta skulle bli kundens beviljade ärende nummer 2 av samma slag per kalenderår" in plan
    refused = client.get("/delegation/vem-far-besluta", query_string={
        **base, "case_type": "deferral", "instalments": "3"})
    assert refused.status_code == 422 and "kan begränsa antalet delbetalningar" in refused.get_data(as_text=True)


def test_a_real_case_counts_the_customers_granted_cases_of_the_type(app, make, frozen_clock):
    world = build_world(make)
    officer = world.actor(world.officer, "case_officer")

    def deferral(new_due):
        case = case_services.case_create(officer, customer=world.customer, case_type=CaseType.DEFERRAL,
                                         invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
        return case_services.case_update(officer, case, invoice_ids=[world.invoice.id],
                                         terms=TermsInput(new_due_date=new_due), reasons="Sjukdom.")

    first = deferral(date(2027, 1, 31))
    assert route(first, date(2026, 11, 23)).facts.granted_cases_calendar_year == 0
    case_services.case_submit(officer, first)
    case_services.consultation_record(world.actor(world.finance, "finance_officer"), first, "Inga invändningar.")
    case_services.case_decide(world.actor(world.unit_head), first, case_services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Skäl finns.", no_conflict_confirmed=True))
    second = deferral(date(2027, 1, 31))
    facts = route(second, date(2026, 11, 23)).facts
    assert (facts.granted_cases_calendar_year, facts.granted_cases_twelve_months) == (1, 1)
    # In the new year the calendar year starts again; the 12 months still see the grant.
    facts = route(second, date(2027, 1, 10)).facts
    assert (facts.granted_cases_calendar_year, facts.granted_cases_twelve_months) == (0, 1)
    facts = route(second, date(2027, 11, 24)).facts
    assert (facts.granted_cases_calendar_year, facts.granted_cases_twelve_months) == (0, 0)


def test_a_real_plan_gives_its_number_of_instalments(app, make, frozen_clock):
    world = build_world(make)
    officer = world.actor(world.officer, "case_officer")
    case = case_services.case_create(officer, customer=world.customer, case_type=CaseType.INSTALMENT_PLAN,
                                     invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Arbetslös.")
    case = case_services.case_update(officer, case, invoice_ids=[world.invoice.id], reasons="Arbetslös.",
                                     terms=TermsInput(first_due_date=date(2026, 12, 31), instalments=3))
    assert route(case, date(2026, 11, 23)).facts.instalments == 3
