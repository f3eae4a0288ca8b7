"""Server-side sessions: logout, password changes, deactivation and timeouts end them on the server;
"Mina inloggningar" lists and ends them; the administrator ends all of a user's."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from flask_login.utils import encode_cookie
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.audit.services import SYSTEM
from portal.auth import services
from portal.auth.models import UserSession
from portal.auth.roles import Role
from portal.extensions import db

COOKIE = "portal_session"


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _cookie_contents(app, client) -> dict:
    value = client.get_cookie(COOKIE).value
    return app.session_interface.get_signing_serializer(app).loads(value)


def _copy_cookie(source, target) -> None:
    target.set_cookie(COOKIE, source.get_cookie(COOKIE).value)


def _rows(user) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                                   .order_by(UserSession.id)))


def test_the_cookie_carries_only_a_session_secret_whose_hash_is_stored(app, client, make):
    user = make.user("kerstin")
    client.login("kerstin")
    secret = _cookie_contents(app, client)["_user_id"]
    assert str(user.id) not in secret.split(":")
    (row,) = _rows(user)
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest() != secret
    assert row.ended_at is None and row.address == "127.0.0.1"


def test_an_old_cookie_no_longer_works_after_logout_in_any_browser(app, make):
    user = make.user("kerstin")
    browser, thief = app.test_client(), app.test_client()
    browser.login("kerstin")
    _copy_cookie(browser, thief)
    assert thief.get("/").status_code == 200  # the copied cookie works while the session is open
    browser.post_form("/logga-ut")
    assert thief.get("/").status_code == 302
    assert [row.end_reason for row in _rows(user)] == ["logout"]


def test_a_remember_cookie_cannot_bring_an_ended_session_back(app, make):
    make.user("kerstin")
    browser, other = app.test_client(), app.test_client()
    browser.login("kerstin")
    secret = _cookie_contents(app, browser)["_user_id"]
    other.set_cookie("remember_token", encode_cookie(secret))
    assert other.get("/").status_code == 200  # the remember cookie goes through the same check...
    browser.post_form("/logga-ut")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", encode_cookie(secret))
    assert fresh.get("/").status_code == 302  # ...so it dies with the session
    forged = app.test_client()
    forged.set_cookie("remember_token", encode_cookie("1"))
    assert forged.get("/").status_code == 302


def test_deactivating_a_user_ends_their_sessions(app, client, make):
    user = make.user("kerstin")
    client.login("kerstin")
    services.user_set_active(SYSTEM, user, False)
    db.session.commit()
    assert client.get("/").status_code == 302
    assert [row.end_reason for row in _rows(user)] == ["deactivated"]
    services.user_set_active(SYSTEM, user, True)
    db.session.commit()
    assert client.get("/").status_code == 302  # reactivating does not bring old sessions back


def test_a_password_change_ends_the_sessions_on_the_server(app, client, make):
    user = make.user("kerstin")
    client.login("kerstin")
    services.user_set_password(SYSTEM, user, "a-brand-new-password")
    db.session.commit()
    assert client.get("/").status_code == 302
    assert [row.end_reason for row in _rows(user)] == ["password"]


def test_a_session_ends_after_being_idle(app, client, make, frozen_clock, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 30)
    user = make.user("kerstin")
    start = frozen_clock.instant
    client.login("kerstin")
    frozen_clock.set(start + timedelta(minutes=29))
    assert client.get("/").status_code == 200
    frozen_clock.set(start + timedelta(minutes=29 + 30))
    assert client.get("/").status_code == 302
    assert [row.end_reason for row in _rows(user)] == ["idle"]


def test_a_session_ends_at_its_absolute_lifetime_even_when_used(app, client, make, frozen_clock,
                                                                 monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 30)
    monkeypatch.setitem(app.config, "SESSION_MAX_MINUTES", 60)
    user = make.user("kerstin")
    start = frozen_clock.instant
    client.login("kerstin")
    for minutes in (20, 40, 59):
        frozen_clock.set(start + timedelta(minutes=minutes))
        assert client.get("/").status_code == 200
    frozen_clock.set(start + timedelta(minutes=60))
    assert client.get("/").status_code == 302
    assert [row.end_reason for row in _rows(user)] == ["expired"]


def test_my_sign_ins_lists_each_session_and_marks_this_one(app, make):
    make.user("kerstin")
    office = app.test_client()
    office.environ_base.update(REMOTE_ADDR="10.0.0.5", HTTP_USER_AGENT=(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"))
    home = app.test_client()
    home.environ_base.update(REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT=(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Safari/604.1"))
    office.login("kerstin")
    home.login("kerstin")
    page = office.get("/mina-inloggningar").get_data(as_text=True)
    assert "Mina inloggningar" in page
    assert "10.0.0.5" in page and "192.0.2.7" in page
    assert "Firefox, Windows" in page and "Safari, iPhone" in page
    assert page.count("denna") == 1 and page.count('name="session_id"') == 1


def test_a_user_ends_one_of_their_other_sessions(app, make):
    user = make.user("kerstin")
    office, home = app.test_client(), app.test_client()
    office.login("kerstin")
    home.login("kerstin")
    home_row = _rows(user)[1]
    response = office.post_form("/mina-inloggningar/avsluta", {"session_id": str(home_row.id)})
    assert response.status_code == 303
    assert home.get("/").status_code == 302
    assert office.get("/").status_code == 200
    (entry,) = _entries("session.end")
    assert entry.actor_id == user.id and entry.object_id == str(home_row.id)


def test_a_user_cannot_end_someone_elses_session_or_their_own_by_this_form(app, make):
    make.user("kerstin")
    make.user("olle")
    mine, theirs = app.test_client(), app.test_client()
    mine.login("kerstin")
    theirs.login("olle")
    rows = list(db.session.scalars(select(UserSession).order_by(UserSession.id)))
    mine_row, their_row = rows
    assert mine.post_form("/mina-inloggningar/avsluta", {"session_id": str(their_row.id)}).status_code == 404
    assert theirs.get("/").status_code == 200
    mine.post_form("/mina-inloggningar/avsluta", {"session_id": str(mine_row.id)})
    assert mine.get("/").status_code == 200  # "Logga ut" ends the one in use
    for bad in ("", "abc", "99999999999999999999"):
        assert mine.post_form("/mina-inloggningar/avsluta", {"session_id": bad}).status_code == 303
    assert _entries("session.end") == []


def test_a_user_ends_all_their_other_sessions(app, make):
    user = make.user("kerstin")
    clients = [app.test_client() for _ in range(3)]
    for browser in clients:
        browser.login("kerstin")
    clients[0].post_form("/mina-inloggningar/avsluta-andra")
    assert [browser.get("/").status_code for browser in clients] == [200, 302, 302]
    (entry,) = _entries("session.end_others")
    assert entry.after == {"ended": 2} and entry.object_id == str(user.id)
    assert "Mina inloggningar" not in clients[1].get("/mina-inloggningar").get_data(as_text=True)


def test_the_administrator_ends_every_session_of_a_user_after_confirming(app, make):
    make.user("admin", Role.ADMINISTRATOR)
    user = make.user("kerstin")
    admin, laptop, phone = app.test_client(), app.test_client(), app.test_client()
    admin.login("admin")
    laptop.login("kerstin")
    phone.login("kerstin")
    assert "Inloggad just nu på 2 ställen" in admin.get(f"/admin/anvandare/{user.id}").get_data(as_text=True)
    asked = admin.post_form(f"/admin/anvandare/{user.id}/inloggningar/avsluta")
    assert asked.status_code == 200 and 'name="confirmed"' in asked.get_data(as_text=True)
    assert laptop.get("/").status_code == 200
    done = admin.post_form(f"/admin/anvandare/{user.id}/inloggningar/avsluta", {"confirmed": "y"})
    assert done.status_code == 303
    assert laptop.get("/").status_code == 302 and phone.get("/").status_code == 302
    assert admin.get("/").status_code == 200
    (entry,) = _entries("session.end_all")
    assert entry.object_id == str(user.id) and entry.after == {"ended": 2}


def test_the_session_pages_show_swedish_only(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 30)
    monkeypatch.setitem(app.config, "SESSION_MAX_MINUTES", 720)
    make.user("kerstin")
    client.login("kerstin")
    page = client.get("/mina-inloggningar").get_data(as_text=True)
    assert "None" not in page
    assert re.search(r"efter 30 minuter utan användning och senast 12 timmar", page)
