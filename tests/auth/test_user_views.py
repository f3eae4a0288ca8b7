"""The administrator keeps users: create, roles, passwords, deactivation (never deletion)."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from tests.factories import PASSWORD


def _login_admin(client, make):
    admin = make.user("admin", Role.ADMINISTRATOR)
    client.login("admin")
    return admin


def test_admin_creates_a_user_with_roles_and_a_hashed_password(client, make):
    admin = _login_admin(client, make)
    response = client.post_form("/admin/anvandare/", {
        "username": "Hanna.Holm", "full_name": "Hanna Holm", "email": "hanna@example.se",
        "password": "ett-langt-losenord", "roles": ["case_officer", "finance_officer"]})
    assert response.status_code == 303
    user = db.session.scalars(select(User).where(User.username == "hanna.holm")).one()
    assert user.roles == {Role.CASE_OFFICER, Role.FINANCE_OFFICER}
    assert "ett-langt-losenord" not in user.password_hash and user.check_password("ett-langt-losenord")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.create")).one()
    assert entry.actor_id == admin.id and entry.after["roles"] == ["case_officer", "finance_officer"]
    assert "password" not in str(entry.after)


def test_short_password_is_refused_with_a_swedish_message(client, make):
    _login_admin(client, make)
    response = client.post_form("/admin/anvandare/", {
        "username": "kort", "full_name": "Kort Lösen", "password": "kort", "roles": []})
    assert response.status_code == 422
    assert "Lösenordet måste ha minst 12 tecken." in response.get_data(as_text=True)
    assert db.session.scalars(select(User).where(User.username == "kort")).first() is None


def test_unknown_role_is_refused(client, make):
    _login_admin(client, make)
    response = client.post_form("/admin/anvandare/", {
        "username": "x", "full_name": "X", "password": "ett-langt-losenord", "roles": ["superuser"]})
    assert response.status_code == 422


def test_deactivated_user_is_kept_and_cannot_log_in(client, make, app):
    _login_admin(client, make)
    target = make.user("target")
    response = client.post_form(f"/admin/anvandare/{target.id}/aktiv", {"active": ""})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, target.id).is_active_account is False
    other = app.test_client()
    assert other.post_form("/logga-in", {"username": "target", "password": PASSWORD}).status_code == 401


def test_admin_cannot_deactivate_themselves(client, make):
    admin = _login_admin(client, make)
    response = client.post_form(f"/admin/anvandare/{admin.id}/aktiv", {"active": ""})
    assert response.status_code == 422
    assert "Du kan inte inaktivera ditt eget konto." in response.get_data(as_text=True)


def test_admin_sets_a_new_password(client, make, app):
    _login_admin(client, make)
    target = make.user("target")
    response = client.post_form(f"/admin/anvandare/{target.id}/losenord", {"password": "nytt-langt-losen"})
    assert response.status_code == 303
    assert app.test_client().post_form(
        "/logga-in", {"username": "target", "password": "nytt-langt-losen"}).status_code == 303


def test_roles_change_is_audited_before_and_after(client, make):
    _login_admin(client, make)
    target = make.user("target", Role.CASE_OFFICER, full_name="T")
    client.post_form(f"/admin/anvandare/{target.id}", {"full_name": "T", "email": "", "roles": ["auditor"]})
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.update")).one()
    assert entry.before == {"roles": ["case_officer"]} and entry.after == {"roles": ["auditor"]}


def test_navigation_follows_the_roles(client, make):
    make.user("admin", Role.ADMINISTRATOR)
    make.user("member")
    client.login("admin")
    html = client.get("/").get_data(as_text=True)
    assert "Användare" in html and "Organisation" in html
    client.post_form("/logga-ut")
    client.login("member")
    html = client.get("/").get_data(as_text=True)
    assert "Användare</a>" not in html and "Organisation</a>" not in html


def test_the_administrator_connects_a_person_to_their_identity_at_the_provider(client, make):
    _login_admin(client, make)
    anna = make.user("anna", full_name="Anna Ek")
    other = make.user("olle", full_name="Olle Ås")
    other.external_id = "E-1002"
    db.session.commit()
    form = {"full_name": "Anna Ek", "email": "", "roles": [], "external_id": " E-1001 "}
    assert client.post_form(f"/admin/anvandare/{anna.id}", form).status_code == 303
    db.session.expire_all()
    assert db.session.get(User, anna.id).external_id == "E-1001"
    taken = client.post_form(f"/admin/anvandare/{anna.id}", {**form, "external_id": "E-1002"})
    assert taken.status_code == 422
    assert "Identiteten E-1002 tillhör Olle Ås." in taken.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, anna.id).external_id == "E-1001"
    assert client.post_form(f"/admin/anvandare/{anna.id}", {**form, "external_id": ""}).status_code == 303
    db.session.expire_all()
    assert db.session.get(User, anna.id).external_id is None
