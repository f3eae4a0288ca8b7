"""Personnummer searches never reach an address: the customer search and the case search are
posted, and every address the portal then redirects to, pushes or links carries a token instead."""

from __future__ import annotations

import re

import pytest

from portal.cases import services
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.extensions import db
from tests.cases.conftest import build_world

URL_ATTRIBUTES = re.compile(r'(?:href|action|src|hx-get|hx-post|hx-push-url)="([^"]*)"')


@pytest.fixture
def searchable(make, frozen_clock):
    world = build_world(make)
    officer = world.actor(world.officer)
    case = services.case_create(officer, customer=world.customer, case_type=CaseType.DEFERRAL,
                                invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    services.case_submit(officer, services.case_update(
        officer, case, invoice_ids=[world.invoice.id], reasons="Sjukdom.",
        terms=TermsInput(new_due_date=world.invoice.due_date.replace(year=2027))))
    db.session.commit()
    return world, case


def _forms_of(identity: str) -> list[str]:
    """The ways an identity number can be written: 12 digits, 10 digits, with a dash."""
    digits = re.sub(r"\D", "", identity)
    return [digits, digits[2:], f"{digits[2:8]}-{digits[8:]}", f"{digits[:8]}-{digits[8:]}"]


def _assert_clean(url: str, identity: str) -> None:
    flat = re.sub(r"\D", "", url)
    assert _forms_of(identity)[1] not in flat, url
    for written in _forms_of(identity):
        assert written not in url, url


def _links(page: str) -> list[str]:
    return URL_ATTRIBUTES.findall(page)


@pytest.mark.parametrize(("path", "user", "found"), [("/kunder/", "handlaggare", "Åsa Öberg"),
                                                     ("/arenden/", "handlaggare", "SN 2026/1")])
def test_a_personnummer_search_is_posted_and_the_redirect_carries_a_token(client, searchable, path, user, found):
    world, _case = searchable
    identity = world.customer.identity_number
    client.login(user)
    for written in _forms_of(identity):
        response = client.post_form(path, {"q": written})
        assert response.status_code == 303
        _assert_clean(response.location, identity)
        assert "sok=" in response.location
        page = client.get(response.location)
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and found in text, written
        for url in _links(text):
            _assert_clean(url, identity)


@pytest.mark.parametrize(("path", "found"), [("/kunder/", "Åsa Öberg"), ("/arenden/", "SN 2026/1")])
def test_an_htmx_search_gets_the_results_and_a_token_address(client, searchable, path, found):
    world, _case = searchable
    identity = world.customer.identity_number
    client.login("handlaggare")
    response = client.post_form(path, {"q": identity}, headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and found in fragment and "<html" not in fragment
    _assert_clean(response.headers["HX-Push-Url"], identity)
    for url in _links(fragment):
        _assert_clean(url, identity)


def test_the_case_search_keeps_its_other_filters_in_the_address(client, searchable):
    world, _case = searchable
    client.login("handlaggare")
    response = client.post_form("/arenden/", {"q": world.customer.identity_number, "case_type": "deferral"})
    assert "case_type=deferral" in response.location and "sok=" in response.location
    assert "SN 2026/1" in client.get(response.location).get_data(as_text=True)


def test_a_search_text_in_the_address_is_not_searched(client, searchable):
    world, _case = searchable
    client.login("handlaggare")
    identity = world.customer.identity_number
    assert "Åsa Öberg" not in client.get(f"/kunder/?q={identity}").get_data(as_text=True)
    assert "Åsa Öberg" not in client.get("/kunder/?sok=not-a-token").get_data(as_text=True)


def test_a_token_from_another_session_finds_nothing(client, app, searchable):
    world, _case = searchable
    client.login("handlaggare")
    location = client.post_form("/kunder/", {"q": world.customer.identity_number}).location
    other = app.test_client()
    other.login("ekonom")
    assert "Åsa Öberg" not in other.get(location).get_data(as_text=True)
