"""Publishing a scheme, removing a rule and discarding a draft cannot be undone: each asks first,
checked on the server, with or without JavaScript."""

from __future__ import annotations

from sqlalchemy import select

from portal.delegation.models import DelegationRule, SchemeVersion
from portal.extensions import db

HTMX = {"HX-Request": "true"}


def _draft(client, world) -> SchemeVersion:
    client.login("director")
    client.post_form(f"/delegation/namnder/{world.sn.id}/utkast", {"label": "Utkast"})
    return db.session.scalars(select(SchemeVersion).where(SchemeVersion.state == "draft")).one()


def test_publishing_needs_the_confirmation_box(client, world):
    draft = _draft(client, world)
    page = client.get(f"/delegation/versioner/{draft.id}").get_data(as_text=True)
    assert "Jag bekräftar publiceringen: en publicerad version ändras aldrig" in page
    terms = {"adopted_on": "2026-11-18", "paragraph": "45", "valid_from": "2026-12-01"}
    response = client.post_form(f"/delegation/versioner/{draft.id}/publicera", terms, headers=HTMX)
    assert response.status_code == 422 and "Kryssa i rutan för att bekräfta." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SchemeVersion, draft.id).is_draft
    response = client.post_form(f"/delegation/versioner/{draft.id}/publicera", {**terms, "confirmed": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(SchemeVersion, draft.id).is_published


def test_removing_a_rule_asks_first_without_and_with_htmx(client, world):
    draft = _draft(client, world)
    rule_id = db.session.scalars(select(DelegationRule.id).where(DelegationRule.version_id == draft.id)).first()
    url = f"/delegation/regler/{rule_id}/ta-bort"
    page = client.post_form(url, {})
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert f'action="{url}"' in page.get_data(as_text=True)
    fragment = client.post_form(url, {}, headers=HTMX)
    assert fragment.headers["HX-Retarget"] == "#main" and "<html" not in fragment.get_data(as_text=True)
    assert "Det går inte att ångra." in fragment.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(DelegationRule, rule_id) is not None
    assert client.post_form(url, {"confirmed": "y"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(DelegationRule, rule_id) is None


def test_discarding_a_draft_asks_first(client, world):
    draft_id = _draft(client, world).id
    url = f"/delegation/versioner/{draft_id}/kasta"
    assert client.post_form(url, {}).status_code == 200
    db.session.expire_all()
    assert db.session.get(SchemeVersion, draft_id) is not None
    assert client.post_form(url, {"confirmed": "y"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(SchemeVersion, draft_id) is None
