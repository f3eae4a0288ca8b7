"""Organisation pages: htmx fragments and plain forms, Swedish errors, and the trail of each change."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.auth.roles import Role
from portal.extensions import db
from portal.org.models import Absence, Appointment, OrgUnit, PositionKind

HTMX = {"HX-Request": "true"}


@pytest.fixture
def director(client, make):
    user = make.user("director", Role.FINANCE_DIRECTOR, full_name="Eva Ekström")
    client.login("director")
    return user


def test_adding_a_unit_with_htmx_returns_the_fresh_table(client, make, director):
    committee = make.committee("SN")
    department = make.unit(committee, name="Socialförvaltningen", kind="department")
    response = client.post_form(f"/organisation/namnder/{committee.id}/enheter", {
        "name": "Hemtjänst Norr", "kind": "unit", "code": "3110", "parent_id": department.id,
    }, headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="units"') and "<html" not in html
    assert "Hemtjänst Norr" in html
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "3110")).one()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "org_unit.create")).one()
    assert entry.object_id == str(unit.id) and entry.actor_id == director.id
    assert entry.capacity == "finance_director"


def test_adding_a_unit_without_javascript_redirects_to_the_committee(client, make, director):
    committee = make.committee("SN")
    department = make.unit(committee, kind="department")
    response = client.post_form(f"/organisation/namnder/{committee.id}/enheter", {
        "name": "LSS", "kind": "unit", "code": "3200", "parent_id": department.id})
    assert response.status_code == 303
    assert response.location == f"/organisation/namnder/{committee.id}"


def test_bad_input_gets_a_swedish_message_by_the_field_and_changes_nothing(client, make, director):
    committee = make.committee("SN")
    make.unit(committee, code="3110", kind="department")
    count = db.session.scalar(select(db.func.count()).select_from(OrgUnit))
    response = client.post_form(f"/organisation/namnder/{committee.id}/enheter", {
        "name": "Dublett", "kind": "department", "code": "3110", "parent_id": ""}, headers=HTMX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "En annan enhet har redan koden 3110." in html
    assert 'id="unit-code-error"' in html and 'aria-invalid="true"' in html
    assert db.session.scalar(select(db.func.count()).select_from(OrgUnit)) == count


def test_inline_edit_swaps_a_row_for_a_form_and_back(client, make, director):
    committee = make.committee()
    unit = make.unit(committee, name="Bibliotek", kind="department")
    form = client.get(f"/organisation/enheter/{unit.id}/redigera", headers=HTMX).get_data(as_text=True)
    assert form.lstrip().startswith(f'<tr id="unit-{unit.id}">') and "<form" in form
    row = client.post_form(f"/organisation/enheter/{unit.id}/redigera", {
        "name": "Stadsbiblioteket", "kind": "department", "code": unit.code, "parent_id": "", "active": "y",
    }, headers=HTMX).get_data(as_text=True)
    assert row.lstrip().startswith(f'<tr id="unit-{unit.id}">') and "Stadsbiblioteket" in row
    assert "<form" not in row
    cancel = client.get(f"/organisation/enheter/{unit.id}/redigera?view=row", headers=HTMX)
    assert "Stadsbiblioteket" in cancel.get_data(as_text=True)


def test_edit_page_works_without_javascript(client, make, director):
    committee = make.committee()
    unit = make.unit(committee, name="Bibliotek", kind="department")
    page = client.get(f"/organisation/enheter/{unit.id}/redigera").get_data(as_text=True)
    assert "<html" in page and "Ändra förvaltning eller enhet" in page


def test_appointment_added_with_htmx_shows_at_once(client, make, director):
    committee = make.committee()
    position = make.position(committee, title="Enhetschef LSS")
    person = make.user(full_name="Lars Lindqvist")
    response = client.post_form(f"/organisation/befattningar/{position.id}/forordnanden", {
        "user_id": person.id, "starts_on": "2026-12-01", "ends_on": ""}, headers=HTMX)
    assert response.status_code == 200
    assert "Lars Lindqvist" in response.get_data(as_text=True)
    appointment = db.session.scalars(select(Appointment).where(Appointment.user_id == person.id)).one()
    assert appointment.starts_on == date(2026, 12, 1) and appointment.ends_on is None


def test_absence_with_standin_is_registered_and_can_be_removed(client, make, director):
    absent, standin = make.user(full_name="Sara Sjöberg"), make.user(full_name="Nils Norberg")
    response = client.post_form("/organisation/franvaro", {
        "user_id": absent.id, "starts_on": "2026-11-20", "ends_on": "2026-11-30",
        "standin_user_id": standin.id, "note": "Semester"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Sara Sjöberg" in html and "Nils Norberg" in html
    absence = db.session.scalars(select(Absence).where(Absence.user_id == absent.id)).one()
    absence_id = absence.id
    response = client.post_form(f"/organisation/franvaro/{absence_id}/ta-bort", headers=HTMX)
    assert f'id="absence-{absence_id}"' not in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(Absence).where(Absence.id == absence_id)).first() is None


def test_committee_page_shows_units_positions_and_holders_today(client, make, director, frozen_clock):
    committee = make.committee("SN", "Socialnämnden")
    department = make.unit(committee, name="Socialförvaltningen", kind="department")
    unit = make.unit(committee, name="Hemtjänst Norr", parent=department)
    position = make.position(committee, PositionKind.UNIT_HEAD, unit, title="Enhetschef Hemtjänst Norr")
    make.appointment(make.user(full_name="Nils Norberg"), position, date(2026, 1, 1))
    make.appointment(make.user(full_name="Gammal Chef"), position, date(2020, 1, 1), date(2025, 12, 31))
    html = client.get(f"/organisation/namnder/{committee.id}").get_data(as_text=True)
    assert "Socialförvaltningen" in html and "Hemtjänst Norr" in html
    assert "Nils Norberg" in html and "Gammal Chef" not in html


def test_member_sees_own_committee_read_only(client, make):
    committee = make.committee("SN")
    make.appointment(make.user("ledamot"), make.position(committee, PositionKind.MEMBER))
    client.login("ledamot")
    html = client.get(f"/organisation/namnder/{committee.id}").get_data(as_text=True)
    assert "Lägg till" not in html and "Ändra nämnd" not in html


def test_post_without_csrf_token_is_refused(client, make, director):
    committee = make.committee()
    response = client.post(f"/organisation/namnder/{committee.id}/enheter",
                           data={"name": "X", "kind": "department"}, headers=HTMX)
    assert response.status_code == 400


def test_htmx_request_with_csrf_header_is_accepted(client, make, director):
    committee = make.committee()
    token = client.csrf_token()
    response = client.post(f"/organisation/namnder/{committee.id}/enheter",
                           data={"name": "Via header", "kind": "department", "code": "H1"},
                           headers={**HTMX, "X-CSRFToken": token})
    assert response.status_code == 200 and "Via header" in response.get_data(as_text=True)
