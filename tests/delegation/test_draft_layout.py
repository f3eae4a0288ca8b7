"""The draft page's layout: its actions before its rules, rules collapsed by case type, the new-rule
form behind a button, fields marked with where they apply, named positions grouped by committee."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.delegation.models import SchemeVersion
from portal.extensions import db
from tests.delegation.test_views import HTMX, rule_form


@pytest.fixture
def director(client, world):
    client.login("director")
    return world.director


@pytest.fixture
def draft_id(client, world, director) -> int:
    client.post_form(f"/delegation/namnder/{world.sn.id}/utkast", {"label": "Utkast"})
    return db.session.scalars(select(SchemeVersion.id).where(SchemeVersion.state == "draft")).one()


def _page(client, draft_id: int, query: str = "") -> str:
    return client.get(f"/delegation/versioner/{draft_id}{query}").get_data(as_text=True)


def _details(html: str, marker: str) -> str:
    """The opening tag of the <details> whose attributes hold `marker`."""
    return re.search(r"<details[^>]*" + re.escape(marker) + r"[^>]*>", html)[0]


def test_publish_the_spreadsheet_and_the_new_rule_come_before_the_rules(client, draft_id):
    html = _page(client, draft_id)
    actions = html.index('class="draft-actions"')
    assert actions < html.index('id="type-deferral"') < html.index("Kasta utkastet")
    for name in ("Publicera", "Kalkylblad", "Ny punkt"):
        assert actions < html.index(f">{name}</summary>") < html.index('id="type-deferral"')
    assert html.count('id="publish-heading"') == 1 and html.count('id="new-rule-heading"') == 1


def test_the_new_rule_form_is_behind_a_button_until_it_holds_errors(client, draft_id):
    assert " open" not in _details(_page(client, draft_id), 'id="new-rule"')
    response = client.post_form(f"/delegation/versioner/{draft_id}/regler",
                                rule_form(delegate_type="named_position"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert " open" in _details(html, 'id="new-rule"')
    assert 'id="new-delegate_position_id-error" class="field-error">Välj befattning.' in html


def test_publish_opens_where_it_failed(client, draft_id):
    response = client.post_form(f"/delegation/versioner/{draft_id}/publicera", {"paragraph": "45"}, headers=HTMX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert " open" in re.search(r'<details class="draft-action"[^>]*>\s*<summary role="button">Publicera', html)[0]


def test_rules_are_collapsed_by_case_type_unless_they_hold_errors(client, draft_id):
    html = _page(client, draft_id)
    group = re.search(r'<h2 id="type-deferral">Anstånd</h2>\s*(<details[^>]*>)\s*<summary>([^<]*)', html)
    assert group[1] == '<details class="rule-group">' and group[2] == "2 punkter"
    client.post_form(f"/delegation/versioner/{draft_id}/regler",
                     rule_form(number="9.2", max_plan_months="12"), headers=HTMX)
    html = _page(client, draft_id)
    group = re.search(r'<h2 id="type-deferral">Anstånd</h2>\s*(<details[^>]*>)\s*<summary>(.*?)</summary>', html)
    assert group[1] == '<details class="rule-group" open>' and "1 fel" in group[2]


def test_after_a_rule_is_saved_its_case_type_shows_open(client, draft_id):
    response = client.post_form(f"/delegation/versioner/{draft_id}/regler",
                                 rule_form(case_type="credit", max_deferral_months=""))
    assert response.status_code == 303
    assert "oppna=credit" in response.location and "#rule-" in response.location
    html = client.get(response.location).get_data(as_text=True)
    assert re.search(r'<h2 id="type-credit">[^<]*</h2>\s*<details class="rule-group" open>', html)
    assert re.search(r'<h2 id="type-deferral">[^<]*</h2>\s*<details class="rule-group">', html)
    htmx = client.post_form(f"/delegation/versioner/{draft_id}/regler",
                            rule_form(number="9.3", case_type="credit", max_deferral_months=""), headers=HTMX)
    assert re.search(r'<h2 id="type-credit">[^<]*</h2>\s*<details class="rule-group" open>',
                     htmx.get_data(as_text=True))


def test_a_published_version_shows_every_rule_and_no_actions(client, world, director):
    html = client.get(f"/delegation/versioner/{world.version.id}").get_data(as_text=True)
    assert 'class="draft-actions"' not in html
    assert '<details class="rule-group" open>' in html


def test_fields_say_where_they_apply_and_the_script_hides_the_rest(client, draft_id):
    html = _page(client, draft_id)
    assert '<script src="/static/js/rule-form.js" defer></script>' in html
    assert 'data-rule-form' in html

    def wrapper(field_id: str) -> str:
        return re.search(r'<div([^>]*)>\s*<label for="' + field_id + '"', html)[1]

    assert wrapper("new-max_plan_months") == ' data-case-types="instalment_plan"'
    assert wrapper("new-max_deferral_days") == ' data-case-types="deferral"'
    assert wrapper("new-min_monthly_instalment") == ' data-case-types="deferral instalment_plan"'
    assert wrapper("new-max_amount") == ""  # every case type
    assert wrapper("new-delegate_position_id") == ' data-delegate-types="named_position"'
    assert wrapper("new-delegate_scope") == ' data-delegate-types="position_kind"'
    assert wrapper("new-guideline_point") == ' data-rule-kinds="bar"'
    with client.get("/static/js/rule-form.js") as script:
        assert script.status_code == 200 and b"data-case-types" in script.data


def test_named_positions_are_grouped_by_committee_with_this_committees_first(client, world, make, draft_id):
    from portal.org.models import PositionKind

    make.position(world.ks, PositionKind.FINANCE_DIRECTOR, world.economy, "Ekonomichef")
    db.session.commit()
    html = _page(client, draft_id)
    select_html = re.search(r'<select[^>]*id="new-delegate_position_id".*?</select>', html, re.S)[0]
    groups = re.findall(r'<optgroup label="([^"]*)">', select_html)
    assert groups == ["Socialnämnden", "Kommunstyrelsen"]
    assert "Ekonomichef (KS)" in select_html.split('<optgroup label="Kommunstyrelsen">')[1]
    assert select_html.index('<option selected value="">') < select_html.index("<optgroup")
    assert "Socialchef (SN)" in select_html.split('<optgroup label="Socialnämnden">')[1].split("</optgroup>")[0]
