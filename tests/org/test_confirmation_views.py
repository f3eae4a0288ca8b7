"""Registrations that would make their registering person a decider, through the pages (RULINGS 9)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.roles import Role
from portal.extensions import db
from portal.org.models import Absence, Appointment, PendingRegistration, PositionKind

HTMX = {"HX-Request": "true"}
HELD = "väntar på att en annan person med samma behörighet bekräftar den"


@pytest.fixture
def people(make, frozen_clock):
    director = make.user("director", Role.FINANCE_DIRECTOR, full_name="Eva Ekström")
    admin = make.user("admin", Role.ADMINISTRATOR, full_name="Adam Admin")
    committee = make.committee("SN", "Socialnämnden")
    position = make.position(committee, PositionKind.UNIT_HEAD, title="Enhetschef Hemtjänst Syd")
    holder = make.user("sara", full_name="Sara Sjöberg")
    make.appointment(holder, position)
    return {"director": director, "admin": admin, "position": position, "holder": holder}


def _second(app, username: str):
    """Another browser, logged in as someone else."""
    other = app.test_client()
    other.login(username)
    return other


def _appoint_self(client, people):
    client.login("director")
    return client.post_form(f"/organisation/befattningar/{people['position'].id}/forordnanden", {
        "user_id": people["director"].id, "starts_on": "2026-12-01", "ends_on": ""})


def test_appointing_oneself_by_the_form_is_held_and_said_so_in_swedish(client, people):
    response = _appoint_self(client, people)
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert HELD in page
    assert db.session.scalar(select(func.count()).select_from(Appointment)
                             .where(Appointment.user_id == people["director"].id)) == 0
    assert db.session.scalars(select(PendingRegistration)).one().registered_by_id == people["director"].id


def test_an_absence_naming_oneself_through_htmx_returns_the_list_with_the_notice(client, people):
    client.login("admin")
    response = client.post_form("/organisation/franvaro", {
        "user_id": people["holder"].id, "starts_on": "2026-11-23", "ends_on": "2026-11-30",
        "standin_user_id": people["admin"].id, "note": ""}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<section id="absences"')
    assert HELD in html and "<html" not in html
    assert db.session.scalar(select(func.count()).select_from(Absence)) == 0


def test_the_page_offers_confirm_to_another_editor_and_withdraw_to_the_registering_person(client, people):
    _appoint_self(client, people)
    own = client.get("/organisation/bekraftelser").get_data(as_text=True)
    assert "Förordnande" in own and "Enhetschef Hemtjänst Syd" in own and "Eva Ekström" in own
    assert "Ta tillbaka" in own and "/bekrafta" not in own
    other = _second(client.application, "admin").get("/organisation/bekraftelser").get_data(as_text=True)
    assert "/bekrafta" in other and "/avvisa" in other and "/ta-tillbaka" not in other


def test_confirming_ones_own_registration_is_refused_with_a_swedish_message_and_recorded(client, people):
    _appoint_self(client, people)
    registration = db.session.scalars(select(PendingRegistration)).one()
    response = client.post_form(f"/organisation/bekraftelser/{registration.id}/bekrafta")
    assert response.status_code == 403
    assert "Du har själv registrerat detta" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PendingRegistration, registration.id).state == "pending"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "registration.confirm_refused")).one()
    assert entry.actor_id == people["director"].id


def test_a_second_editor_confirms_and_the_appointment_takes_effect(client, people):
    _appoint_self(client, people)
    registration = db.session.scalars(select(PendingRegistration)).one()
    admin = _second(client.application, "admin")
    response = admin.post_form(f"/organisation/bekraftelser/{registration.id}/bekrafta")
    assert response.status_code == 303 and response.location == "/organisation/bekraftelser"
    assert "Registreringen är bekräftad" in admin.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    appointment = db.session.scalars(select(Appointment).where(Appointment.user_id == people["director"].id)).one()
    assert appointment.starts_on == date(2026, 12, 1)
    assert db.session.get(PendingRegistration, registration.id).decided_by_id == people["admin"].id


def test_a_second_editor_refuses_and_nothing_takes_effect(client, people):
    _appoint_self(client, people)
    registration = db.session.scalars(select(PendingRegistration)).one()
    admin = _second(client.application, "admin")
    assert admin.post_form(f"/organisation/bekraftelser/{registration.id}/avvisa").status_code == 303
    db.session.expire_all()
    assert db.session.get(PendingRegistration, registration.id).state == "refused"
    assert db.session.scalar(select(func.count()).select_from(Appointment)
                             .where(Appointment.user_id == people["director"].id)) == 0


def test_confirming_needs_the_csrf_token(client, people):
    _appoint_self(client, people)
    registration = db.session.scalars(select(PendingRegistration)).one()
    admin = _second(client.application, "admin")
    assert admin.post(f"/organisation/bekraftelser/{registration.id}/bekrafta").status_code == 400
    db.session.expire_all()
    assert db.session.get(PendingRegistration, registration.id).state == "pending"


def test_changing_an_absence_row_to_name_oneself_returns_the_row_with_the_notice_once(client, people, make):
    other = make.user("nils", full_name="Nils Norberg")
    make.absence(other, date(2026, 12, 1), date(2026, 12, 3))
    absence = make.absence(people["holder"], date(2026, 12, 1), date(2026, 12, 5), standin=other)
    client.login("admin")
    response = client.post_form(f"/organisation/franvaro/{absence.id}/redigera", {
        "user_id": people["holder"].id, "starts_on": "2026-12-01", "ends_on": "2026-12-05",
        "standin_user_id": people["admin"].id, "note": ""}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="absence-{absence.id}"')
    assert html.count(HELD) == 1
    db.session.expire_all()
    assert db.session.get(Absence, absence.id).standin_user_id == other.id
    page = client.get("/organisation/franvaro").get_data(as_text=True)
    assert HELD not in page  # the notice belongs to the answer, not to every later view


def test_my_tasks_tells_another_editor_that_a_registration_waits_but_not_the_registering_person(client, people):
    _appoint_self(client, people)
    assert "väntar på din bekräftelse" not in client.get("/").get_data(as_text=True)
    home = _second(client.application, "admin").get("/").get_data(as_text=True)
    assert "1 registrering väntar på din bekräftelse." in home and "/organisation/bekraftelser" in home
