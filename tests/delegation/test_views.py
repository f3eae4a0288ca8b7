"""Delegation pages: drafts edited inline, findings beside rules, publishing, the simulator."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.delegation.models import (
    DelegationRule,
    FurtherDelegation,
    PriceBaseAmount,
    SchemeVersion,
)
from portal.extensions import db

HTMX = {"HX-Request": "true"}


def rule_form(prefix="new", **changes) -> dict:
    values = {"number": "9.1", "text": "Anstånd i högst två månader.", "level": "1",
              "case_type": "deferral", "kind": "ordinary", "delegate_type": "position_kind",
              "delegate_position_kind": "unit_head", "delegate_scope": "issuing_unit",
              "amount_basis": "case", "max_deferral_months": "2", "customer_kind": ""}
    values.update(changes)
    return {f"{prefix}-{key}": value for key, value in values.items()}


@pytest.fixture
def director(client, world):
    client.login("director")
    return world.director


def test_starting_a_draft_and_adding_a_rule_with_htmx(client, world, director):
    response = client.post_form(f"/delegation/namnder/{world.sn.id}/utkast", {"label": ""})
    draft = db.session.scalars(select(SchemeVersion).where(SchemeVersion.state == "draft")).one()
    assert response.status_code == 303 and response.location == f"/delegation/versioner/{draft.id}"
    response = client.post_form(f"/delegation/versioner/{draft.id}/regler", rule_form(), headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="version-body">') and "<html" not in html
    assert "Anstånd i högst två månader." in html and "anstånd i högst 2 månader" in html


def _new_rule_values(html: str) -> dict[str, str]:
    """The values the "New rule" form offers (inputs and textareas named new-…)."""
    from html.parser import HTMLParser

    values: dict[str, str] = {}

    class Fields(HTMLParser):
        textarea: str | None = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            name = attrs.get("name") or ""
            if tag == "input" and name.startswith("new-") and attrs.get("type") not in ("hidden", "checkbox"):
                values[name] = attrs.get("value") or ""
            if tag == "textarea" and name.startswith("new-"):
                self.textarea = name
                values[name] = ""

        def handle_data(self, data):
            if self.textarea:
                values[self.textarea] += data.strip()

        def handle_endtag(self, tag):
            if tag == "textarea":
                self.textarea = None

    Fields().feed(html)
    return values


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_after_adding_a_rule_the_new_rule_form_is_empty(client, world, director, headers):
    draft_id = _draft(client, world)
    response = client.post_form(f"/delegation/versioner/{draft_id}/regler", rule_form(), headers=headers)
    html = (response.get_data(as_text=True) if headers
            else client.get(response.location).get_data(as_text=True))
    offered = _new_rule_values(html)
    assert offered["new-number"] == "" and offered["new-text"] == ""
    assert offered["new-max_deferral_months"] == ""
    assert "Anstånd i högst två månader." in html  # the rule was saved, shown in the list


def test_a_blocking_error_is_shown_beside_its_rule_and_publishing_waits(client, world, director):
    draft = db.session.get(SchemeVersion, _draft(client, world))
    client.post_form(f"/delegation/versioner/{draft.id}/regler",
                     rule_form(max_plan_months="12"), headers=HTMX)
    page = client.get(f"/delegation/versioner/{draft.id}").get_data(as_text=True)
    start = page.index('<th scope="row">9.1</th>')
    row = page[start:page.index("</tr>", start)]
    assert "9.1" in row and "Fel:" in row and "Gränsen ”längsta plan” gäller inte för ärendetypen" in row
    response = client.post_form(f"/delegation/versioner/{draft.id}/publicera", {
        "adopted_on": "2026-11-18", "paragraph": "45", "valid_from": "2026-12-01", "confirmed": "y"}, headers=HTMX)
    assert response.status_code == 422
    assert "Utkastet har 1 fel: rätta det innan det publiceras." in response.get_data(as_text=True)
    rule = db.session.scalars(select(DelegationRule).where(DelegationRule.version_id == draft.id,
                                                           DelegationRule.number == "9.1")).one()
    prefix = f"rule-{rule.id}"
    response = client.post_form(f"/delegation/regler/{rule.id}/redigera",
                                rule_form(prefix, max_plan_months=""), headers=HTMX)
    assert response.status_code == 200 and "Fel:" not in response.get_data(as_text=True)
    response = client.post_form(f"/delegation/versioner/{draft.id}/publicera", {
        "adopted_on": "2026-11-18", "paragraph": "45", "valid_from": "2026-12-01", "confirmed": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    published = db.session.get(SchemeVersion, draft.id)
    assert published.adoption_reference == "SN 2026-11-18 § 45"
    assert db.session.get(SchemeVersion, world.version.id).valid_to == date(2026, 11, 30)


def _draft(client, world) -> int:
    client.post_form(f"/delegation/namnder/{world.sn.id}/utkast", {"label": "Utkast"})
    return db.session.scalars(select(SchemeVersion.id).where(SchemeVersion.state == "draft")).one()


def test_inline_edit_swaps_a_row_for_a_form_and_back(client, world, director):
    draft_id = _draft(client, world)
    rule = db.session.scalars(select(DelegationRule).where(DelegationRule.version_id == draft_id)).first()
    form = client.get(f"/delegation/regler/{rule.id}/redigera", headers=HTMX).get_data(as_text=True)
    assert form.lstrip().startswith(f'<tr id="rule-{rule.id}">') and "<form" in form
    row = client.get(f"/delegation/regler/{rule.id}/redigera?view=row", headers=HTMX).get_data(as_text=True)
    assert row.lstrip().startswith(f'<tr id="rule-{rule.id}">') and "<form" not in row.split("Ändra")[0]
    page = client.get(f"/delegation/regler/{rule.id}/redigera").get_data(as_text=True)
    assert "<html" in page and "Ändra punkt 1.1" in page


def test_bad_money_gets_a_swedish_message_beside_the_field_and_nothing_changes(client, world, director):
    draft_id = _draft(client, world)
    count = db.session.scalar(select(func.count()).select_from(DelegationRule))
    response = client.post_form(f"/delegation/versioner/{draft_id}/regler",
                                rule_form(max_amount="12,345"), headers=HTMX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="new-max_amount-error"' in html and "tusentalsavgränsare" in html
    assert db.session.scalar(select(func.count()).select_from(DelegationRule)) == count


def test_a_published_version_refuses_every_route(client, world, director):
    version, rule = world.version, world.version.rules[0]
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    attempts = [
        (f"/delegation/versioner/{version.id}/regler", rule_form()),
        (f"/delegation/regler/{rule.id}/redigera", rule_form(f"rule-{rule.id}", number="1.1")),
        (f"/delegation/regler/{rule.id}/ta-bort", {}),
        (f"/delegation/versioner/{version.id}/publicera",
         {"adopted_on": "2026-11-18", "paragraph": "1", "valid_from": "2026-12-01"}),
        (f"/delegation/versioner/{version.id}/kasta", {}),
    ]
    for url, data in attempts:
        response = client.post_form(url, data, headers=HTMX)
        assert response.status_code == 422, url
        assert "En publicerad version ändras aldrig" in response.get_data(as_text=True), url
    assert client.get(f"/delegation/regler/{rule.id}/redigera", headers=HTMX).status_code == 422
    db.session.expire_all()
    assert [r.max_deferral_months for r in db.session.get(SchemeVersion, version.id).rules] == [3, 6]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
    page = client.get(f"/delegation/versioner/{version.id}").get_data(as_text=True)
    assert f"/versioner/{version.id}/regler" not in page and "/publicera" not in page


def test_the_version_reads_like_the_adopted_document(client, world, director):
    page = client.get(f"/delegation/versioner/{world.version.id}").get_data(as_text=True)
    assert "SN 2025-12-10 § 120" in page
    assert "Enhetschef för den enhet som fakturerat" in page
    assert "anstånd i högst 3 månader" in page and "Ekonomiavdelningen" in page
    assert page.index("Nivå 1") < page.index("Nivå 2")


def test_compare_shows_added_removed_and_changed_rules(client, world, make, director):
    later = make.scheme_version(world.sn, valid_from=date(2026, 12, 1), based_on=world.version)
    make.delegation_rule(later, "1.1", max_deferral_months=4)
    make.delegation_rule(later, "4.1", case_type="credit")
    page = client.get(f"/delegation/namnder/{world.sn.id}/jamfor?a={world.version.id}&b={later.id}")
    html = page.get_data(as_text=True)
    assert "Ändrad 1.1" in html and "Borttagen 1.2" in html and "Tillagd 4.1" in html
    assert '<th scope="col">Ändring</th>' in html  # the column names what it lists, not an action


def test_the_simulator_names_the_stand_in_on_an_absence(client, world, make, director):
    make.absence(world.sara, date(2026, 11, 20), date(2026, 11, 30), standin=world.anna)
    response = client.get("/delegation/vem-far-besluta", query_string={
        "committee_id": world.sn.id, "case_type": "deferral", "amount": "5 000",
        "deferral_months": "2", "issuing_unit_id": world.south.id})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Föreslagen nivå: 1" in html
    assert "Ersättare för Sara Sjöberg (Enhetschef Hemtjänst Syd)" in html
    assert "Anna Norberg" in html and "David Strand" in html
    assert "samråd med Ekonomiavdelningen först" in html


def test_the_simulator_says_why_only_the_committee_decides(client, world, director):
    response = client.get("/delegation/vem-far-besluta", query_string={
        "committee_id": world.sn.id, "case_type": "deferral", "amount": "5000",
        "deferral_months": "9", "issuing_unit_id": world.south.id}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="simulator-result"')
    assert "Bara nämnden kan besluta." in html
    assert "Punkt 1.2: ett anstånd på 9 månader är längre än 6 månader." in html


def test_the_simulator_answers_for_a_date_before_any_version(client, world, director):
    html = client.get("/delegation/vem-far-besluta", query_string={
        "committee_id": world.sn.id, "case_type": "credit", "amount": "100",
        "on_date": "2025-06-01"}).get_data(as_text=True)
    assert "Ingen version av delegationsordningen gäller den dagen" in html


def test_a_member_asks_only_about_their_own_committee(client, world, make):
    make.appointment(make.user("member_ks"), make.position(world.ks, make_kind("member")))
    client.login("member_ks")
    response = client.get("/delegation/vem-far-besluta", query_string={
        "committee_id": world.sn.id, "case_type": "credit", "amount": "100"})
    assert response.status_code == 403
    assert client.get(f"/delegation/versioner/{world.version.id}").status_code == 403


def make_kind(value):
    from portal.org.models import PositionKind

    return PositionKind(value)


def test_the_finance_director_keeps_price_base_amounts(client, world, director):
    response = client.post_form("/delegation/prisbasbelopp", {"year": "2027", "amount": "60 100"},
                                headers=HTMX)
    assert response.status_code == 200 and "60\u00a0100,00\u00a0kr" in response.get_data(as_text=True)
    assert db.session.scalars(select(PriceBaseAmount).where(PriceBaseAmount.year == 2027)).one().amount_ore == 6_010_000


def test_a_department_head_passes_a_rule_on_through_the_page(client, world):
    client.login("david")
    page = client.get("/delegation/vidaredelegering").get_data(as_text=True)
    assert f"{world.version.id}:{world.dept_head.id}:1.2" in page
    response = client.post_form("/delegation/vidaredelegering", {
        "rule": f"{world.version.id}:{world.dept_head.id}:1.2",
        "receiving_position_id": world.fee_officer.id, "starts_on": "2026-11-23",
        "max_deferral_months": "8", "amount_basis": "case", "customer_kind": ""}, headers=HTMX)
    assert response.status_code == 422
    assert "vidare än punktens egen" in response.get_data(as_text=True)
    response = client.post_form("/delegation/vidaredelegering", {
        "rule": f"{world.version.id}:{world.dept_head.id}:1.2",
        "receiving_position_id": world.fee_officer.id, "starts_on": "2026-11-23",
        "max_deferral_months": "4", "amount_basis": "case", "customer_kind": ""}, headers=HTMX)
    assert response.status_code == 200 and "Avgiftshandläggare" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(FurtherDelegation)) == 1
