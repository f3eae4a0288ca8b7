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


def _from(app, address: str):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def _fail(browser, username: str = "kerstin"):
    return browser.post_form("/logga-in", {"username": username, "password": "bad-password-x"})


def test_failed_logins_delay_this_account_from_this_address_with_retry_after(app, client, make):
    make.user("kerstin")
    for _ in range(5):
        assert _fail(client).status_code == 401
    blocked = client.post_form("/logga-in", {"username": "kerstin", "password": PASSWORD})
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    page = blocked.get_data(as_text=True)
    assert "För många misslyckade inloggningsförsök. Försök igen om 15 minuter (klockan" in page
    assert client.get("/").status_code == 302  # the right password did not get in
    # another account from the same address is not delayed by this account's failures
    make.user("other")
    assert client.post_form("/logga-in", {"username": "other", "password": PASSWORD}).status_code == 303


def test_nobody_can_lock_a_colleague_out_from_another_address(app, make):
    make.user("kerstin")
    attacker = _from(app, "198.51.100.9")
    for _ in range(8):
        _fail(attacker)
    assert _fail(attacker).status_code == 429
    colleague = _from(app, "10.0.0.5")
    assert colleague.post_form("/logga-in", {"username": "kerstin", "password": PASSWORD}).status_code == 303


def test_many_addresses_reach_the_higher_ceiling_per_account(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", "3 per 15 minutes")
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "7 per 15 minutes")
    make.user("kerstin")
    for n in range(7):
        assert _fail(_from(app, f"198.51.100.{n + 1}")).status_code == 401
    blocked = _from(app, "10.0.0.5").post_form("/logga-in", {"username": "kerstin", "password": PASSWORD})
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers


def test_failed_logins_are_throttled_per_address(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "10 per 15 minutes")
    guesser = _from(app, "198.51.100.9")
    for n in range(10):
        _fail(guesser, f"guess{n}")
    make.user("kerstin")
    assert guesser.post_form("/logga-in", {"username": "kerstin", "password": PASSWORD}).status_code == 429
    assert _from(app, "10.0.0.5").post_form(
        "/logga-in", {"username": "kerstin", "password": PASSWORD}).status_code == 303


def test_every_throttled_attempt_is_audited(app, client, make):
    make.user("kerstin")
    for _ in range(5):
        _fail(client)
    for _ in range(3):
        assert _fail(client).status_code == 429
    entries = _entries("login.throttled")
    assert len(entries) == 3
    assert {entry.actor_name for entry in entries} == {"kerstin"}
    assert entries[0].address == "127.0.0.1"
    assert entries[0].after["limit"] == "account_address" and entries[0].after["reason"].startswith("För många")
    assert len(_entries("login.failure")) == 5  # a throttled attempt never checks the password


def test_a_right_password_forgets_this_addresses_failures(client, make):
    make.user("kerstin")
    for _ in range(4):
        _fail(client)
    client.login("kerstin")
    client.post_form("/logga-ut")
    for _ in range(4):
        assert _fail(client).status_code == 401


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
