"""Changes to the organisation: validation that names the field, and an audit entry for each."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org import services
from portal.org.models import PositionKind

ACTOR = Actor(user_id=None, username="ekonomichef", capacity="finance_director", address="10.0.0.1")


def _trail(object_type: str, object_id) -> list[AuditEntry]:
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == object_type,
                                 AuditEntry.object_id == str(object_id)).order_by(AuditEntry.id)))


def test_creating_a_committee_is_audited_with_its_values(app):
    committee = services.committee_save(ACTOR, None, name="Socialnämnden", code="sn", parent_id=None)
    assert committee.code == "SN"
    (entry,) = _trail("committee", committee.id)
    assert entry.action == "committee.create"
    assert entry.after["name"] == "Socialnämnden" and entry.capacity == "finance_director"
    assert entry.address == "10.0.0.1"


def test_changing_a_committee_records_only_what_changed(app, make):
    committee = make.committee("SN", "Socialnämnden")
    services.committee_save(ACTOR, committee, name="Social- och omsorgsnämnden", code="SN", parent_id=None)
    (entry,) = _trail("committee", committee.id)
    assert entry.action == "committee.update"
    assert entry.before == {"name": "Socialnämnden"}
    assert entry.after == {"name": "Social- och omsorgsnämnden"}


def test_committee_codes_are_unique(app, make):
    make.committee("SN")
    with pytest.raises(ValidationFailed) as failure:
        services.committee_save(ACTOR, None, name="Annan", code="sn", parent_id=None)
    assert "code" in failure.value.errors and "SN" in failure.value.errors["code"]


def test_sub_committee_of_a_sub_committee_is_refused(app, make):
    main = make.committee("SN")
    sub = make.committee("SNAU", parent=main)
    with pytest.raises(ValidationFailed) as failure:
        services.committee_save(ACTOR, None, name="Under-utskott", code="X", parent_id=sub.id)
    assert "parent_id" in failure.value.errors


def test_registry_format_must_hold_the_number(app):
    for bad in ("{code}", "{code} {year}/{nummer}", "{number"):
        with pytest.raises(ValidationFailed) as failure:
            services.committee_save(ACTOR, None, name="N", code="N", parent_id=None, registry_format=bad)
        assert "registry_format" in failure.value.errors
    committee = services.committee_save(ACTOR, None, name="N", code="N", parent_id=None,
                                        registry_format="{code}-{year}-{number:04d}")
    assert committee.registry_format == "{code}-{year}-{number:04d}"


def test_unit_cannot_be_moved_below_itself(app, make):
    committee = make.committee()
    department = make.unit(committee, kind="department")
    child = make.unit(committee, parent=department)
    with pytest.raises(ValidationFailed) as failure:
        services.unit_save(ACTOR, department, name=department.name, kind="department", code=department.code,
                           parent_id=child.id, committee_id=committee.id)
    assert "parent_id" in failure.value.errors


def test_unit_codes_are_unique_so_invoices_find_their_unit(app, make):
    committee = make.committee()
    make.unit(committee, code="3110")
    with pytest.raises(ValidationFailed) as failure:
        services.unit_save(ACTOR, None, name="Dublett", kind="department", code="3110", parent_id=None,
                           committee_id=committee.id)
    assert "3110" in failure.value.errors["code"]


def test_a_unit_must_belong_to_a_department(app, make):
    committee = make.committee()
    with pytest.raises(ValidationFailed) as failure:
        services.unit_save(ACTOR, None, name="Lös enhet", kind="unit", code=None, parent_id=None,
                           committee_id=committee.id)
    assert "parent_id" in failure.value.errors


def test_elected_positions_belong_to_the_committee_and_employees_to_a_unit(app, make):
    committee = make.committee()
    unit = make.unit(committee)
    with pytest.raises(ValidationFailed) as elected:
        services.position_save(ACTOR, None, title="Ordförande", kind="chair", committee_id=committee.id,
                               org_unit_id=unit.id, standing_standin_position_id=None)
    assert "org_unit_id" in elected.value.errors
    with pytest.raises(ValidationFailed) as employee:
        services.position_save(ACTOR, None, title="Enhetschef", kind="unit_head", committee_id=committee.id,
                               org_unit_id=None, standing_standin_position_id=None)
    assert "org_unit_id" in employee.value.errors


def test_position_cannot_be_its_own_standing_standin(app, make):
    committee = make.committee()
    position = make.position(committee)
    with pytest.raises(ValidationFailed) as failure:
        services.position_save(ACTOR, position, title=position.title, kind=position.kind,
                               committee_id=committee.id, org_unit_id=position.org_unit_id,
                               standing_standin_position_id=position.id)
    assert "standing_standin_position_id" in failure.value.errors


def test_appointment_dates_must_be_in_order(app, make):
    position = make.position(make.committee())
    person = make.user()
    with pytest.raises(ValidationFailed) as failure:
        services.appointment_save(ACTOR, None, user_id=person.id, position_id=position.id,
                                  starts_on=date(2026, 5, 1), ends_on=date(2026, 4, 30))
    assert "ends_on" in failure.value.errors


def test_overlapping_appointments_of_one_person_to_one_position_are_refused(app, make):
    position = make.position(make.committee())
    person = make.user()
    make.appointment(person, position, date(2026, 1, 1), date(2026, 6, 30))
    with pytest.raises(ValidationFailed):
        services.appointment_save(ACTOR, None, user_id=person.id, position_id=position.id,
                                  starts_on=date(2026, 6, 30), ends_on=None)
    later = services.appointment_save(ACTOR, None, user_id=person.id, position_id=position.id,
                                      starts_on=date(2026, 7, 1), ends_on=None)
    assert _trail("appointment", later.id)[0].after["starts_on"] == "2026-07-01"


def test_deactivated_person_cannot_be_appointed(app, make):
    position = make.position(make.committee())
    gone = make.user(active=False)
    with pytest.raises(ValidationFailed) as failure:
        services.appointment_save(ACTOR, None, user_id=gone.id, position_id=position.id,
                                  starts_on=date(2026, 1, 1), ends_on=None)
    assert "user_id" in failure.value.errors


def test_absence_cannot_name_the_absent_person_as_standin(app, make):
    person = make.user()
    with pytest.raises(ValidationFailed) as failure:
        services.absence_save(ACTOR, None, user_id=person.id, starts_on=date(2026, 1, 1), ends_on=None,
                              standin_user_id=person.id, note=None)
    assert "standin_user_id" in failure.value.errors


def test_overlapping_absences_are_refused_and_nothing_is_written(app, make):
    person = make.user()
    make.absence(person, date(2026, 3, 1), date(2026, 3, 10))
    before = db.session.scalar(select(db.func.count()).select_from(AuditEntry))
    with pytest.raises(ValidationFailed):
        services.absence_save(ACTOR, None, user_id=person.id, starts_on=date(2026, 3, 10),
                              ends_on=date(2026, 3, 20), standin_user_id=None, note=None)
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)) == before


def test_removing_an_absence_keeps_what_it_said_in_the_trail(app, make):
    person, standin = make.user(), make.user()
    absence = make.absence(person, date(2026, 3, 1), date(2026, 3, 10), standin=standin)
    absence_id = absence.id
    services.absence_delete(ACTOR, absence)
    (entry,) = _trail("absence", absence_id)
    assert entry.action == "absence.delete"
    assert entry.before["standin_user_id"] == standin.id


def test_logo_must_be_an_image(app):
    with pytest.raises(ValidationFailed) as failure:
        services.municipality_update(ACTOR, name="Demokommun", organisation_number=None, logo=b"%PDF-1.7")
    assert "logo" in failure.value.errors
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
    municipality = services.municipality_update(ACTOR, name="Demokommun", organisation_number=None, logo=png)
    assert municipality.logo_mimetype == "image/png"


def test_kinds_are_the_domain_positions():
    assert {k.value for k in PositionKind} >= {"unit_head", "department_head", "chair", "deputy_member"}
