"""Frånvaro for holders and stand-ins: a holder registers her own absence with her stand-in and until
when; a stand-in reads whom she stands in for and until when; nobody touches another person's absence
without the organisation editor's right, and RULINGS 9 (no self-made deciders) holds on this path."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.org import rules
from portal.org.models import Absence, Appointment, PositionKind
from tests.meetings.conftest import world  # noqa: F401

HTMX = {"HX-Request": "true", "HX-Target": "absences"}


def _absences(user) -> list[Absence]:
    db.session.expire_all()
    return list(db.session.scalars(select(Absence).where(Absence.user_id == user.id)))


def _denied(path: str) -> list[AuditEntry]:
    db.session.expire_all()
    return [e for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "access.denied"))
            if e.after.get("path") == path]


def test_a_holder_opens_franvaro_and_registers_her_own_absence_with_stand_in_and_end(client, world):
    db.session.commit()
    client.login("chef.norr")
    page = client.get("/organisation/franvaro")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Registrera din frånvaro" in html and 'name="user_id"' not in html
    response = client.post_form("/organisation/franvaro", {
        "user_id": world.other_head.id,  # not hers to choose: the absence is always her own
        "starts_on": "2026-11-24", "ends_on": "2026-12-04", "standin_user_id": world.other_head.id,
        "note": "Semester"})
    assert response.status_code == 303
    [absence] = _absences(world.unit_head)
    assert (absence.starts_on, absence.ends_on, absence.standin_user_id) == (
        date(2026, 11, 24), date(2026, 12, 4), world.other_head.id)
    assert _absences(world.other_head) == []
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "absence.create")).one()
    assert entry.actor_name == "chef.norr" and entry.capacity == "holder"


def test_the_stand_in_sees_for_whom_and_until_when_and_nothing_else(client, world, make):
    make.absence(world.unit_head, date(2026, 11, 20), date(2026, 12, 4), standin=world.other_head)
    make.absence(world.department_head, date(2026, 11, 20), date(2026, 12, 18), standin=world.officer)
    db.session.commit()
    client.login("chef.syd")
    html = client.get("/organisation/franvaro").get_data(as_text=True)
    assert "Nils Norberg" in html and "2026-12-04" in html
    assert "2026-12-18" not in html and "Hanna Holm" not in html  # not hers to read


def test_a_standing_stand_in_sees_the_position_she_covers_and_until_when(client, world, make):
    world_position = make.position(world.committee, PositionKind.UNIT_HEAD, world.unit, title="Biträdande chef")
    holder = make.user("bitr", full_name="Berit Bitr")
    make.appointment(holder, world_position)
    syd_position = db.session.scalars(select(Appointment).where(Appointment.user_id == world.other_head.id)).one().position
    world_position.standing_standin_position_id = syd_position.id
    make.absence(holder, date(2026, 11, 20), date(2026, 12, 11))
    db.session.commit()
    client.login("chef.syd")
    html = client.get("/organisation/franvaro").get_data(as_text=True)
    assert "Där du i dag är stående ersättare" in html
    assert "Biträdande chef" in html and "för Berit Bitr, som är frånvarande" in html and "2026-12-11" in html


def test_a_holder_cannot_change_or_remove_another_persons_absence_and_the_refusals_are_recorded(client, world, make):
    other = make.absence(world.other_head, date(2026, 11, 20), date(2026, 12, 4), standin=world.unit_head)
    db.session.commit()
    client.login("chef.norr")
    html = client.get("/organisation/franvaro").get_data(as_text=True)
    assert "Sara Sjöberg" in html  # named to stand in: she reads it
    assert f"/organisation/franvaro/{other.id}/redigera" not in html
    edit = f"/organisation/franvaro/{other.id}/redigera"
    assert client.post_form(edit, {"starts_on": "2026-11-20", "ends_on": "2027-06-30",
                                   "standin_user_id": world.unit_head.id}).status_code == 403
    remove = f"/organisation/franvaro/{other.id}/ta-bort"
    assert client.post_form(remove).status_code == 403
    assert len(_denied(edit)) == 1 and len(_denied(remove)) == 1
    assert _denied(edit)[0].after["permission"] == "absence.register_own"
    [kept] = _absences(world.other_head)
    assert kept.ends_on == date(2026, 12, 4)


def test_a_holder_changes_the_end_of_her_absence_and_removes_it(client, world, make):
    own = make.absence(world.unit_head, date(2026, 11, 20), date(2026, 12, 4), standin=world.other_head)
    db.session.commit()
    own_id = own.id
    client.login("chef.norr")
    response = client.post_form(f"/organisation/franvaro/{own_id}/redigera", {
        "starts_on": "2026-11-20", "ends_on": "2026-11-27", "standin_user_id": world.other_head.id, "note": ""})
    assert response.status_code == 303
    assert _absences(world.unit_head)[0].ends_on == date(2026, 11, 27)
    response = client.post_form(f"/organisation/franvaro/{own_id}/ta-bort", headers=HTMX)
    assert response.status_code == 200 and f'id="absence-{own_id}"' not in response.get_data(as_text=True)
    assert _absences(world.unit_head) == []


def test_bad_input_is_refused_in_swedish_naming_the_field_and_nothing_is_saved(client, world):
    db.session.commit()
    client.login("chef.norr")
    response = client.post_form("/organisation/franvaro", {
        "starts_on": "2026-12-04", "ends_on": "2026-11-24", "standin_user_id": ""}, headers=HTMX)
    assert response.status_code == 422
    response = client.post_form("/organisation/franvaro", {
        "starts_on": "2026-11-24", "ends_on": "", "standin_user_id": world.unit_head.id}, headers=HTMX)
    assert response.status_code == 422 and "ersättare för sig själv" in response.get_data(as_text=True)
    response = client.post_form("/organisation/franvaro", {
        "starts_on": "2026-11-24", "ends_on": "", "standin_user_id": world.officer.id}, headers=HTMX)
    assert response.status_code == 422 and "Välj en ersättare som har en befattning i din nämnd" in \
        response.get_data(as_text=True)
    response = client.post_form("/organisation/franvaro", {"starts_on": "i morgon", "standin_user_id": "x"},
                                headers=HTMX)
    assert response.status_code == 422 and "Från" in response.get_data(as_text=True)
    assert _absences(world.unit_head) == []


def test_someone_without_a_position_or_a_duty_gets_403_recorded(client, make):
    make.user("ingen", full_name="Ingrid Ingen")
    db.session.commit()
    client.login("ingen")
    assert client.get("/organisation/franvaro").status_code == 403
    assert client.post_form("/organisation/franvaro", {"starts_on": "2026-11-24"}).status_code == 403
    assert len(_denied("/organisation/franvaro")) == 2


def test_the_menu_offers_franvaro_to_holders(client, world):
    db.session.commit()
    client.login("chef.norr")
    assert 'href="/organisation/franvaro"' in client.get("/").get_data(as_text=True)


def test_only_a_holder_registers_and_only_her_own_absence():
    assert rules.may_register_own_absence(1, None, [10])
    assert rules.may_register_own_absence(1, 1, [10])
    assert not rules.may_register_own_absence(1, 2, [10])  # another person's
    assert not rules.may_register_own_absence(1, None, [])  # holds no position
