"""Signing in with the municipality's identity provider: a real OpenID provider (Authlib's server
side, tests/auth/oidc_provider.py) on loopback, and the portal's Authlib client talking to it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.auth.models import User, UserSession
from portal.auth.roles import Role
from portal.extensions import db
from tests.auth.oidc_provider import Knobs, Provider
from tests.factories import PASSWORD

CLIENT_ID, SECRET = "beslutsportalen", "provider-shared-secret"
CALLBACK = "http://localhost/logga-in/sso/svar"


@pytest.fixture(scope="module")
def provider():
    running = Provider().start()
    running.register_client(CLIENT_ID, SECRET, CALLBACK)
    yield running
    running.stop()


@pytest.fixture
def idp(app, provider, monkeypatch):
    for name, value in {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": CLIENT_ID,
                        "OIDC_CLIENT_SECRET": SECRET, "OIDC_PROVIDER_NAME": "Testkommun"}.items():
        monkeypatch.setitem(app.config, name, value)
    provider.knobs = Knobs()
    return provider


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _to_provider(client) -> str:
    start = client.get("/logga-in/sso")
    assert start.status_code == 302, start.get_data(as_text=True)
    return start.location


def _at_provider(location: str, login: str) -> str:
    page = requests.get(location, timeout=10)
    assert page.status_code == 200 and "Testkommunens inloggning" in page.text
    answer = requests.post(location, data={"login": login}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return f"{back.path}?{back.query}"


def _sign_in(client, login: str):
    return client.get(_at_provider(_to_provider(client), login))


def _refused_page(response) -> str:
    assert response.status_code == 403
    return response.get_data(as_text=True)


def test_the_login_page_offers_the_municipalitys_sign_in(client, idp):
    page = client.get("/logga-in").get_data(as_text=True)
    assert "Logga in med Testkommun" in page
    assert "Användarnamn" in page  # local passwords are on unless turned off


def test_sign_in_uses_pkce_state_and_nonce(client, idp):
    query = parse_qs(urlsplit(_to_provider(client)).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0] and query["client_id"] == [CLIENT_ID]
    assert "openid" in query["scope"][0].split()


def test_a_known_person_signs_in_and_gets_a_server_side_session(client, idp, make):
    user = make.user("anna", Role.CASE_OFFICER)
    user.external_id = "anna@testkommun.se"
    db.session.commit()
    response = _sign_in(client, "anna@testkommun.se")
    assert response.status_code == 303 and response.location == "/"
    assert client.get("/").status_code == 200
    (row,) = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id))
    assert row.login_method == "oidc" and row.idp_sub == "anna@testkommun.se"
    assert row.idp_sid == idp.sids["anna@testkommun.se"]
    (entry,) = _entries("login.success")
    assert entry.actor_id == user.id and entry.after == {"method": "oidc"}


def test_a_person_is_matched_by_the_configured_claim_never_by_name(app, client, idp, make, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_USER_CLAIM", "preferred_username")
    namesake = make.user("bertil", full_name="Namn för bertil@testkommun.se")
    namesake.external_id = "someone-else"
    user = make.user("bertil2")
    user.external_id = "bertil"  # the provider's preferred_username is the part before @
    db.session.commit()
    assert _sign_in(client, "bertil@testkommun.se").status_code == 303
    assert db.session.scalars(select(UserSession.user_id)).all() == [user.id]


def test_an_id_token_for_another_audience_is_refused(client, idp, make):
    make.user("anna").external_id = "anna@testkommun.se"
    db.session.commit()
    idp.knobs.audience = "another-application"
    page = _refused_page(_sign_in(client, "anna@testkommun.se"))
    assert "kunde inte verifieras" in page
    assert client.get("/").status_code == 302
    (entry,) = _entries("login.refused")
    assert entry.after["method"] == "oidc"


def test_an_expired_id_token_is_refused_beyond_the_bounded_skew(client, idp, make):
    make.user("anna").external_id = "anna@testkommun.se"
    db.session.commit()
    idp.knobs.issued_ago, idp.knobs.lifetime = 900, 300  # expired ten minutes ago; skew is 60 s
    _refused_page(_sign_in(client, "anna@testkommun.se"))
    assert client.get("/").status_code == 302


def test_a_token_within_the_clock_skew_is_accepted(client, idp, make):
    make.user("anna").external_id = "anna@testkommun.se"
    db.session.commit()
    idp.knobs.issued_ago, idp.knobs.lifetime = 320, 300  # expired 20 s ago: within the 60 s skew
    assert _sign_in(client, "anna@testkommun.se").status_code == 303


def test_a_replayed_answer_is_refused(app, client, idp, make):
    make.user("anna").external_id = "anna@testkommun.se"
    db.session.commit()
    answer = _at_provider(_to_provider(client), "anna@testkommun.se")
    assert client.get(answer).status_code == 303
    client.post_form("/logga-ut")
    _refused_page(client.get(answer))  # the state was used up
    stranger = app.test_client()
    _refused_page(stranger.get(answer))  # and a browser that never started the sign-in has none
    assert stranger.get("/").status_code == 302


def test_an_id_token_with_another_nonce_is_refused(client, idp, make):
    make.user("anna").external_id = "anna@testkommun.se"
    db.session.commit()
    idp.knobs.nonce = "a-nonce-from-another-sign-in"
    _refused_page(_sign_in(client, "anna@testkommun.se"))
    assert client.get("/").status_code == 302


def test_an_id_token_signed_with_another_key_is_refused(client, idp, make):
    make.user("anna").external_id = "anna@testkommun.se"
    db.session.commit()
    idp.knobs.wrong_key = True
    _refused_page(_sign_in(client, "anna@testkommun.se"))
    assert client.get("/").status_code == 302


def test_an_unknown_person_is_refused_with_a_clear_page_and_audited(client, idp):
    page = _refused_page(_sign_in(client, "okand@testkommun.se"))
    assert "portalen har inget konto för dig" in page and "okand@testkommun.se" in page
    (entry,) = _entries("login.refused")
    assert entry.after["identity"] == "okand@testkommun.se"
    assert db.session.scalar(select(User).where(User.external_id == "okand@testkommun.se")) is None


def test_an_unknown_person_is_created_without_roles_when_enabled(app, client, idp, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_CREATE_USERS", True)
    assert _sign_in(client, "ny.person@testkommun.se").status_code == 303
    user = db.session.scalars(select(User).where(User.external_id == "ny.person@testkommun.se")).one()
    assert user.username == "ny.person" and user.roles == frozenset()
    assert user.full_name == "Namn för ny.person@testkommun.se"
    (created,) = _entries("user.create")
    assert created.object_id == str(user.id) and created.after["external_id"] == "ny.person@testkommun.se"
    assert client.get("/").status_code == 200


def test_a_deactivated_person_cannot_sign_in_through_the_provider(client, idp, make):
    user = make.user("gone", active=False)
    user.external_id = "gone@testkommun.se"
    db.session.commit()
    page = _refused_page(_sign_in(client, "gone@testkommun.se"))
    assert "avaktiverat" in page
    (entry,) = _entries("login.refused")
    assert entry.actor_id == user.id


def test_the_providers_back_channel_logout_ends_the_portal_session(app, idp, make):
    make.user("anna").external_id = "anna@testkommun.se"
    make.user("olle").external_id = "olle@testkommun.se"
    db.session.commit()
    anna, olle = app.test_client(), app.test_client()
    _sign_in(anna, "anna@testkommun.se")
    _sign_in(olle, "olle@testkommun.se")
    token = idp.logout_token(CLIENT_ID, sub="anna@testkommun.se", sid=idp.sids["anna@testkommun.se"])
    response = app.test_client().post("/logga-in/sso/utloggning", data={"logout_token": token})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert anna.get("/").status_code == 302
    assert olle.get("/").status_code == 200
    (entry,) = _entries("session.idp_logout")
    assert entry.after["ended"] == 1


def test_a_forged_or_wrong_logout_token_ends_nothing(app, idp, make):
    make.user("anna").external_id = "anna@testkommun.se"
    db.session.commit()
    anna = app.test_client()
    _sign_in(anna, "anna@testkommun.se")
    sid = idp.sids["anna@testkommun.se"]
    bad = [idp.logout_token(CLIENT_ID, sid=sid, key=idp.other_key),
           idp.logout_token("another-application", sid=sid),
           idp.logout_token(CLIENT_ID, sid=sid, events={}),
           idp.logout_token(CLIENT_ID, sid=sid, nonce="n"),
           idp.logout_token(CLIENT_ID),
           "not-a-token"]
    for token in bad:
        response = app.test_client().post("/logga-in/sso/utloggning", data={"logout_token": token})
        assert response.status_code == 400
    assert anna.get("/").status_code == 200
    assert len(_entries("session.idp_logout_refused")) == len(bad)


def test_portal_logout_offers_the_providers_end_session_page(client, idp, make):
    make.user("anna").external_id = "anna@testkommun.se"
    db.session.commit()
    _sign_in(client, "anna@testkommun.se")
    response = client.post_form("/logga-ut", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Logga ut även hos Testkommun" in page
    assert f'href="{idp.issuer}/logout?' in page and f"client_id={CLIENT_ID}" in page
    assert "Logga ut även hos" not in client.get("/logga-in").get_data(as_text=True)  # offered once


def test_password_sign_in_can_be_turned_off_except_for_break_glass_accounts(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOCAL_PASSWORDS", False)
    monkeypatch.setitem(app.config, "BREAK_GLASS_USERS", ["reserv"])
    make.user("kerstin")
    make.user("reserv", Role.ADMINISTRATOR)
    page = client.get("/logga-in").get_data(as_text=True)
    assert "Nödinloggning" in page
    assert client.post_form("/logga-in", {"username": "kerstin", "password": PASSWORD}).status_code == 401
    (entry,) = _entries("login.failure")
    assert "avstängda" in entry.after["reason"]
    assert client.post_form("/logga-in", {"username": "reserv", "password": PASSWORD}).status_code == 303


def test_the_sso_addresses_do_not_exist_when_nothing_is_configured(client):
    assert client.get("/logga-in/sso").status_code == 404
    assert client.get("/logga-in/sso/svar?code=x&state=y").status_code == 404
    assert client.post("/logga-in/sso/utloggning", data={"logout_token": "x"}).status_code == 404
    assert client.get("/logga-in/proxy").status_code == 404
    assert "Logga in med" not in client.get("/logga-in").get_data(as_text=True)


# --- the trusted proxy's header -------------------------------------------------------------------

@pytest.fixture
def proxy(app, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HEADER", "X-Remote-User")
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", ["10.9.0.0/24"])


def test_the_trusted_header_signs_in_only_from_a_configured_proxy(app, make, proxy):
    user = make.user("anna")
    user.external_id = "KOMMUN\\anna"
    db.session.commit()
    outsider = app.test_client()
    outsider.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    assert outsider.get("/logga-in/proxy", headers={"X-Remote-User": "KOMMUN\\anna"}).status_code == 403
    forged = {"X-Remote-User": "KOMMUN\\anna", "X-Forwarded-For": "10.9.0.7"}
    assert outsider.get("/logga-in/proxy", headers=forged).status_code == 403
    assert outsider.get("/").status_code == 302
    assert {entry.after["peer"] for entry in _entries("login.refused")} == {"192.0.2.50"}
    through = app.test_client()
    through.environ_base["REMOTE_ADDR"] = "10.9.0.7"
    assert through.get("/logga-in/proxy", headers={"X-Remote-User": "KOMMUN\\anna"}).status_code == 303
    assert through.get("/").status_code == 200
    assert db.session.scalars(select(UserSession.login_method)).all() == ["header"]


def test_the_trusted_header_refuses_a_missing_or_unknown_name(app, make, proxy):
    through = app.test_client()
    through.environ_base["REMOTE_ADDR"] = "10.9.0.7"
    assert through.get("/logga-in/proxy").status_code == 403
    assert through.get("/logga-in/proxy", headers={"X-Remote-User": "KOMMUN\\nobody"}).status_code == 403
    assert len(_entries("login.refused")) == 2


def test_half_a_configuration_refuses_to_start(monkeypatch):
    from portal import create_app
    from portal.config import ConfigError

    base = {"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    with pytest.raises(ConfigError, match="OIDC_CLIENT_ID"):
        create_app({**base, "OIDC_ISSUER": "https://idp.example"})
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        create_app({**base, "TRUSTED_HEADER": "X-Remote-User"})
    with pytest.raises(ConfigError, match="not an address"):
        create_app({**base, "TRUSTED_HEADER": "X-Remote-User", "TRUSTED_PROXIES": ["proxy.local"]})
