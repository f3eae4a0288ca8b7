"""Issue 12 §1 through the portal: the editor keeps a rule's scope by kind of receivable, the page
and the scheme document say it, the simulator and a real case ask it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.cases import services as case_services
from portal.cases.routing import route
from portal.cases.terms import TermsInput
from portal.delegation import display, queries
from portal.delegation.engine_types import CaseType
from portal.delegation.models import DelegationRule, SchemeVersion
from portal.extensions import db
from tests.cases.conftest import build_world

HTMX = {"HX-Request": "true"}


@pytest.fixture
def director(client, world):
    client.login("director")
    return world.director


def _draft(client, world) -> SchemeVersion:
    client.post_form(f"/delegation/namnder/{world.sn.id}/utkast", {"label": "Utkast"})
    return db.session.scalars(select(SchemeVersion).where(SchemeVersion.state == "draft")).one()


def _rule(number="9.1", **changes) -> dict:
    values = {"number": number, "text": "Avbetalningsplan för VA-anslutningsavgift.", "level": "3",
              "case_type": "instalment_plan", "kind": "ordinary", "delegate_type": "position_kind",
              "delegate_position_kind": "department_head", "delegate_scope": "issuing_department",
              "amount_basis": "case", "customer_kind": "", **changes}
    return {f"new-{key}": value for key, value in values.items()}


def test_the_editor_keeps_a_category_scope_and_the_page_says_it(client, world, make, director):
    va, rent = make.category("VA", name="VA-anslutning"), make.category("HYRA", name="Hyra")
    draft = _draft(client, world)
    response = client.post_form(f"/delegation/versioner/{draft.id}/regler", {
        **_rule(), "new-category_scope": "only", "new-scope_category_ids": [str(va.id)],
        "new-scope_unit_ids": [str(world.north.id)]}, headers=HTMX)
    assert response.status_code == 200
    rule = db.session.scalars(select(DelegationRule).where(DelegationRule.version_id == draft.id,
                                                           DelegationRule.number == "9.1")).one()
    assert (rule.invoice_category_ids, rule.excluded_invoice_category_ids) == ([va.id], None)
    assert rule.issuing_unit_ids == [world.north.id]
    html = response.get_data(as_text=True)
    assert "bara fakturor av kategorierna: VA-anslutning" in html
    assert "bara fakturor utfärdade av Hemtjänst Norr eller en enhet under" in html
    client.post_form(f"/delegation/versioner/{draft.id}/regler", {
        **_rule("9.2"), "new-category_scope": "except", "new-scope_category_ids": [str(va.id), str(rent.id)]},
        headers=HTMX)
    page = client.get(f"/delegation/versioner/{draft.id}").get_data(as_text=True)
    assert "inte fakturor av kategorierna: Hyra, VA-anslutning" in page
    groups = display.grouped_rules(draft, queries.names(), {}, 2026)
    views = [v for g in groups for _, level in g.levels for v in level]
    assert any("bara fakturor av kategorierna: VA-anslutning" in v.limits for v in views)  # the PDF's words


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"new-category_scope": "only"}, "scope_category_ids", "Kryssa i minst en fakturakategori."),
    ({"new-category_scope": "only", "new-scope_category_ids": ["99999"]}, "scope_category_ids",
     "Välj bland de listade fakturakategorierna."),
    ({"new-scope_unit_ids": ["abc"]}, "scope_unit_ids", None),
])
def test_a_bad_scope_is_refused_beside_its_field_and_nothing_is_saved(client, world, director, values,
                                                                       field, message):
    draft = _draft(client, world)
    response = client.post_form(f"/delegation/versioner/{draft.id}/regler", {**_rule(), **values},
                                headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="new-{field}-error"' in html
    if message:
        assert message in html
    assert not db.session.scalars(select(DelegationRule).where(DelegationRule.version_id == draft.id,
                                                               DelegationRule.number == "9.1")).all()


def test_the_simulator_asks_the_invoice_category(client, world, make, director):
    va = make.category("VA", name="VA-anslutning")
    make.delegation_rule(world.version, "1.0", max_deferral_months=12, invoice_category_ids=[va.id])
    query = {"committee_id": world.sn.id, "case_type": "deferral", "amount": "5000",
             "deferral_months": "9", "issuing_unit_id": world.north.id}
    without = client.get("/delegation/vem-far-besluta", query_string=query, headers=HTMX)
    assert "Punkt 1.0: fakturakategorin är inte angivet." in without.get_data(as_text=True)
    asked = client.get("/delegation/vem-far-besluta", query_string={**query, "invoice_category_id": va.id},
                       headers=HTMX).get_data(as_text=True)
    assert "Föreslagen nivå: 1" in asked and "(punkt 1.0)" in asked


def test_a_real_case_is_routed_by_its_invoices_categories(app, make, frozen_clock):
    world = build_world(make)
    va = make.category("VA", charges_interest=False, name="VA-anslutning")
    make.delegation_rule(world.version, "1.0", case_type="deferral", max_deferral_months=12,
                         invoice_category_ids=[va.id])
    va_invoice = make.invoice(world.customer, world.unit, va, due_date=date(2026, 12, 31),
                              original_ore=40_000_00)
    for invoices, expected in (([va_invoice], True), ([va_invoice, world.invoice], False)):
        case = case_services.case_create(
            world.actor(world.officer, "case_officer"), customer=world.customer,
            case_type=CaseType.DEFERRAL, invoice_ids=[i.id for i in invoices], terms=TermsInput(),
            reasons="Sjukdom.")
        case_services.case_update(world.actor(world.officer), case, invoice_ids=[i.id for i in invoices],
                                  terms=TermsInput(new_due_date=date(2027, 9, 30)), reasons="Sjukdom.")
        routing = route(case, date(2026, 11, 23))
        assert routing.facts.invoice_category_ids == frozenset(i.category_id for i in invoices)
        assert routing.verdict.outcome("1.0").matched is expected
        case_services.case_withdraw(world.actor(world.officer), case, "Prov.")
