"""Logging in and out: passwords, throttling, CSRF, safe redirects and the audit trail."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.auth.roles import Role
from portal.extensions import db
from tests.factories import PASSWORD


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_anonymous_user_is_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.startswith("/logga-in?next=")


def test_login_lands_on_my_tasks_and_is_in_the_audit_trail(client, make):
    user = make.user("kerstin", Role.CASE_OFFICER)
    response = client.login("kerstin")
    assert response.location == "/"
    assert "Mina uppgifter" in client.get("/").get_data(as_text=True)
    (entry,) = _entries("login.success")
    assert entry.actor_id == user.id and entry.address == "127.0.0.1"


def test_wrong_password_is_refused_and_recorded(client, make):
    user = make.user("kerstin")
    response = client.post_form("/logga-in", {"username": "kerstin", "password": "wrong-password-1"})
    assert response.status_code == 401
    assert "Fel användarnamn eller lösenord" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    (entry,) = _entries("login.failure")
    assert entry.actor_id == user.id


def test_unknown_user_failure_is_recorded_without_an_account(client):
    client.post_form("/logga-in", {"username": "nobody", "password": "whatever-long-1"})
    (entry,) = _entries("login.failure")
    assert entry.actor_id is None and entry.actor_name == "nobody"


def test_deactivated_account_cannot_log_in(client, make):
    make.user("gone", active=False)
    response = client.post_form("/logga-in", {"username": "gone", "password": PASSWORD})
    assert response.status_code == 401


def test_login_without_csrf_token_is_refused(client, make):
    make.user("kerstin")
    response = client.post("/logga-in", data={"username": "kerstin", "password": PASSWORD})
    assert response.status_code == 400
    assert _entries("login.success") == []


def test_failed_logins_are_throttled_per_account(client, make):
    make.user("kerstin")
    for _ in range(5):
        assert client.post_form("/logga-in", {"username": "kerstin", "password": "bad-password-x"}).status_code == 401
    blocked = client.post_form("/logga-in", {"username": "kerstin", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "För många" in blocked.get_data(as_text=True)
    # another account from the same address is not blocked by this account's failures
    make.user("other")
    assert client.post_form("/logga-in", {"username": "other", "password": PASSWORD}).status_code == 303


def test_failed_logins_are_throttled_per_address(app, client, make):
    for n in range(30):
        client.post_form("/logga-in", {"username": f"guess{n}", "password": "bad-password-x"})
    make.user("kerstin")
    assert client.post_form("/logga-in", {"username": "kerstin", "password": PASSWORD}).status_code == 429


def test_successful_logins_are_not_throttled(client, make):
    make.user("kerstin")
    for _ in range(8):
        client.login("kerstin")
        client.post_form("/logga-ut")


def test_next_redirect_stays_on_this_site(client, make):
    make.user("kerstin")
    for target, expected in (
        ("/organisation/", "/organisation/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ):
        response = client.post_form(f"/logga-in?next={target}", {"username": "kerstin", "password": PASSWORD})
        assert response.location == expected, target
        client.post_form("/logga-ut")


def test_logout_is_a_post_and_ends_the_session(client, make):
    make.user("kerstin")
    client.login("kerstin")
    assert client.get("/logga-ut").status_code == 405
    response = client.post_form("/logga-ut")
    assert response.status_code == 303
    assert client.get("/").status_code == 302
    assert len(_entries("logout")) == 1


def test_password_change_ends_existing_sessions(app, client, make):
    from portal.audit.services import SYSTEM
    from portal.auth.services import user_set_password

    user = make.user("kerstin")
    client.login("kerstin")
    assert client.get("/").status_code == 200
    user_set_password(SYSTEM, user, "a-brand-new-password")
    db.session.commit()
    assert client.get("/").status_code == 302


def test_session_cookie_is_http_only(client, make):
    make.user("kerstin")
    response = client.login("kerstin")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
