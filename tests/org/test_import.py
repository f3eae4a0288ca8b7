"""The organisation from the HR system's file: preview, all or nothing, idempotent, RULINGS 7 and 9."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.auth.models import User
from portal.auth.roles import Role
from portal.auth.services import login_attempt
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org import confirmations, import_file, import_services
from portal.org.import_services import ImportRefused
from portal.org.models import Appointment, OrgImport, OrgUnit, PendingRegistration, Position, PositionKind

HEADER = "Nämnd;Enhetskod;Enhet;Överordnad enhetskod;Befattning;Befattningstyp;Anställningsnummer;Namn;E-post;Från"
ROWS = [
    "SN;3000;Socialförvaltningen;;Socialchef;Förvaltningschef;1001;Eva Ek;eva.ek@kommun.se;2024-01-01",
    "SN;3120;Hemtjänst norr;3000;Enhetschef hemtjänst norr;Enhetschef;1002;Lars Ås;lars.as@kommun.se;2025-03-01",
    "SN;3130;Hemtjänst söder;3000;Enhetschef hemtjänst söder;Enhetschef;;;;",
]


def csv(*rows: str, header: str = HEADER) -> bytes:
    return "\r\n".join([header, *rows]).encode("utf-8")


@pytest.fixture
def org(make, frozen_clock):
    director = make.user("director", Role.FINANCE_DIRECTOR, full_name="Dora Direktör")
    admin = make.user("admin", Role.ADMINISTRATOR, full_name="Adam Admin")
    committee = make.committee("SN", "Socialnämnden")
    return {"director": director, "admin": admin, "committee": committee,
            "actor": Actor(director.id, director.username, "finance_director"),
            "admin_actor": Actor(admin.id, admin.username, "administrator")}


def _upload_and_run(org, data: bytes, who: str = "actor") -> tuple[OrgImport, dict]:
    actor = org[who]
    org_import = import_services.upload(actor, "hr.csv", data)
    found = import_services.preview(org_import, actor.user_id, date(2026, 11, 23))
    counts = import_services.run(actor, org_import, found.digest())
    return org_import, counts


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _refused(org, data: bytes) -> import_file.Problems:
    before = (_count(OrgUnit), _count(Position), _count(User), _count(Appointment), _count(OrgImport))
    with pytest.raises(ImportRefused) as refused:
        import_services.upload(org["actor"], "hr.csv", data)
    assert (_count(OrgUnit), _count(Position), _count(User), _count(Appointment), _count(OrgImport)) == before
    return refused.value.problems


# --- what an import does ------------------------------------------------------------------------------

def test_a_file_makes_units_positions_people_and_appointments_and_audits_each(org):
    _org_import, counts = _upload_and_run(org, csv(*ROWS))
    assert counts["units_created"] == 3 and counts["positions_created"] == 3
    assert counts["users_created"] == 2 and counts["appointments_created"] == 2
    department = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "3000")).one()
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "3120")).one()
    assert (department.kind, department.parent_id, unit.kind, unit.parent_id) == ("department", None, "unit", department.id)
    head = db.session.scalars(select(Position).where(Position.title == "Enhetschef hemtjänst norr")).one()
    assert head.kind == PositionKind.UNIT_HEAD and head.org_unit_id == unit.id and head.committee_id == org["committee"].id
    lars = db.session.scalars(select(User).where(User.employee_number == "1002")).one()
    assert (lars.full_name, lars.email, lars.roles) == ("Lars Ås", "lars.as@kommun.se", frozenset())
    assert [(a.position_id, a.starts_on, a.ends_on) for a in db.session.scalars(
        select(Appointment).where(Appointment.user_id == lars.id))] == [(head.id, date(2025, 3, 1), None)]
    actions = [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == org["director"].id))]
    assert actions.count("org_unit.create") == 3 and actions.count("position.create") == 3
    assert actions.count("user.create") == 2 and actions.count("appointment.create") == 2
    assert {"org_import.upload", "org_import.run"} <= set(actions)


def test_the_same_file_again_changes_nothing(org):
    _upload_and_run(org, csv(*ROWS))
    entries = _count(AuditEntry)
    org_import = import_services.upload(org["actor"], "hr.csv", csv(*ROWS))
    found = import_services.preview(org_import, org["director"].id, date(2026, 11, 23))
    assert not found.changes_anything and not found.ends
    assert found.unchanged == {"units": 3, "positions": 3, "appointments": 2}
    import_services.run(org["actor"], org_import, found.digest())
    # Only the upload and the run itself are in the trail: no unit, position, person or appointment.
    assert _count(AuditEntry) == entries + 2


def test_people_arrive_without_a_password_and_cannot_sign_in_with_any(org, client):
    _upload_and_run(org, csv(*ROWS))
    lars = db.session.scalars(select(User).where(User.employee_number == "1002")).one()
    assert not lars.has_password
    attempt = Actor(None, None, None)
    for password in ("", "!", lars.password_hash, "correct-horse-battery"):
        assert login_attempt(attempt, lars.username, password) is None
    response = client.post_form("/logga-in", {"username": lars.username, "password": "!"})
    assert response.status_code != 303
    failures = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "login.failure",
                                                          AuditEntry.actor_id == lars.id)).all()
    assert len(failures) >= 4


def test_the_administrator_gives_an_imported_person_a_password(org):
    from portal.auth.services import user_set_password

    _upload_and_run(org, csv(*ROWS))
    lars = db.session.scalars(select(User).where(User.employee_number == "1002")).one()
    user_set_password(org["admin_actor"], lars, "a-long-new-password")
    assert login_attempt(Actor(None, None, None), lars.username, "a-long-new-password") == lars


def test_a_person_the_portal_knows_by_email_gets_the_employee_number_not_a_second_account(org, make):
    known = make.user("lars", full_name="Lars Åsberg")
    known.email = "Lars.As@kommun.se"
    _org_import, counts = _upload_and_run(org, csv(*ROWS))
    assert counts["users_created"] == 1 and counts["users_changed"] == 1
    assert (known.employee_number, known.full_name) == ("1002", "Lars Ås")
    assert known.has_password  # the password the person had stays theirs


def test_a_name_change_in_the_file_changes_the_person_and_the_unit(org):
    _upload_and_run(org, csv(*ROWS))
    renamed = [ROWS[0], ROWS[1].replace("Hemtjänst norr", "Hemtjänst nord").replace("Lars Ås", "Lars Åström"), ROWS[2]]
    _org_import, counts = _upload_and_run(org, csv(*renamed))
    assert counts["units_changed"] == 1 and counts["users_changed"] == 1 and counts["appointments_created"] == 0
    assert db.session.scalars(select(OrgUnit).where(OrgUnit.code == "3120")).one().name == "Hemtjänst nord"


# --- appointments a later file drops -------------------------------------------------------------------

def test_a_dropped_row_ends_the_appointment_shown_in_the_preview_before_anything_changes(org):
    _upload_and_run(org, csv(*ROWS))
    lars = db.session.scalars(select(User).where(User.employee_number == "1002")).one()
    appointment = db.session.scalars(select(Appointment).where(Appointment.user_id == lars.id)).one()
    org_import = import_services.upload(org["actor"], "hr2.csv", csv(ROWS[0], ROWS[2]))
    found = import_services.preview(org_import, org["director"].id, date(2026, 11, 23))
    assert [(e.appointment.id, e.ends_on) for e in found.ends] == [(appointment.id, date(2026, 11, 22))]
    assert appointment.ends_on is None  # the preview changed nothing
    import_services.run(org["actor"], org_import, found.digest())
    assert appointment.ends_on == date(2026, 11, 22)
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "appointment.update",
                                                      AuditEntry.object_id == str(appointment.id))).one()


def test_a_dropped_appointment_that_has_not_begun_is_cancelled(org):
    future = ROWS[1].replace("2025-03-01", "2027-01-01")
    _upload_and_run(org, csv(ROWS[0], future, ROWS[2]))
    _org_import, counts = _upload_and_run(org, csv(ROWS[0], ROWS[2]))
    assert counts["appointments_cancelled"] == 1
    lars = db.session.scalars(select(User).where(User.employee_number == "1002")).one()
    assert db.session.scalar(select(func.count()).where(Appointment.user_id == lars.id)) == 0
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "appointment.delete")).one()


def test_elected_members_and_people_without_employee_number_are_not_ended(org, make):
    chair = make.position(org["committee"], PositionKind.CHAIR)
    make.appointment(make.user("ordf"), chair)
    officer = make.user("officer")
    make.appointment(officer, make.position(org["committee"]))
    _upload_and_run(org, csv(*ROWS))
    org_import = import_services.upload(org["actor"], "hr.csv", csv(*ROWS))
    assert not import_services.preview(org_import, org["director"].id, date(2026, 11, 23)).ends


def test_the_import_refuses_a_preview_the_organisation_has_moved_on_from(org, make):
    _upload_and_run(org, csv(*ROWS))
    org_import = import_services.upload(org["actor"], "hr.csv", csv(ROWS[0], ROWS[2]))
    digest = import_services.preview(org_import, org["director"].id, date(2026, 11, 23)).digest()
    lars = db.session.scalars(select(User).where(User.employee_number == "1002")).one()
    make.appointment(lars, db.session.scalars(select(Position).where(Position.title == "Socialchef")).one())
    with pytest.raises(ValidationFailed) as refused:
        import_services.run(org["actor"], org_import, digest)
    assert "har ändrats sedan förhandsgranskningen" in refused.value.errors["file"]
    assert org_import.state == "previewed"


# --- RULINGS 9: no self-made deciders ------------------------------------------------------------------

def test_a_line_appointing_the_importer_waits_for_a_second_person(org):
    org["director"].employee_number = "1001"
    _org_import, counts = _upload_and_run(org, csv(*ROWS))
    assert counts["appointments_held"] == 1 and counts["appointments_created"] == 1
    assert db.session.scalar(select(func.count()).where(Appointment.user_id == org["director"].id)) == 0
    registration = db.session.scalars(select(PendingRegistration)).one()
    assert registration.registered_by_id == org["director"].id
    # The same file again: the line waits still, and is not held a second time.
    org_import = import_services.upload(org["actor"], "hr.csv", csv(*ROWS))
    found = import_services.preview(org_import, org["director"].id, date(2026, 11, 23))
    assert not found.changes_anything and [w[0] for w in found.waiting] == [2]
    with pytest.raises(confirmations.OwnRegistration):
        confirmations.confirm(org["actor"], registration)
    appointment = confirmations.confirm(org["admin_actor"], registration)
    assert (appointment.user_id, appointment.starts_on) == (org["director"].id, date(2024, 1, 1))


# --- every error, with its line and column, nothing changed -------------------------------------------

def _messages(problems) -> list[tuple[int | None, str | None, str]]:
    return [(p["line"], p["column"], p["message"]) for p in problems.listed]


def test_an_unknown_committee_is_named_by_line_and_column(org):
    problems = _refused(org, csv(ROWS[0].replace("SN;", "XN;", 1)))
    assert _messages(problems) == [(2, "Nämnd", "Ingen nämnd har koden XN.")]


def test_a_unit_whose_parent_is_missing(org):
    problems = _refused(org, csv(ROWS[1]))
    assert _messages(problems) == [(2, "Överordnad enhetskod",
                                    "Ingen enhet har koden 3000, varken i filen eller i portalen.")]


def test_a_parent_in_the_portal_is_found_and_a_ring_is_refused(org, make):
    make.unit(org["committee"], "Socialförvaltningen", kind="department", code="3000")
    org_import = import_services.upload(org["actor"], "hr.csv", csv(ROWS[1]))
    assert org_import.rows == 1
    ring = ["SN;A;Ett;B;;;;;;", "SN;B;Två;A;;;;;;"]
    problems = _refused(org, csv(*ring))
    assert [(line, column) for line, column, _m in _messages(problems)] == [(2, "Överordnad enhetskod"),
                                                                          (3, "Överordnad enhetskod")]


def test_duplicate_rows_name_the_first_line(org):
    problems = _refused(org, csv(ROWS[0], ROWS[1], ROWS[1]))
    assert _messages(problems) == [(4, "Anställningsnummer",
                                    "Samma person och befattning som på rad 3: varje innehav en gång.")]


def test_a_unit_described_two_ways_is_refused(org):
    problems = _refused(org, csv(ROWS[0], ROWS[0].replace("Socialförvaltningen", "Soc").replace("Socialchef", "Chef")))
    assert _messages(problems)[0][:2] == (3, "Enhet")


def test_bad_dates_and_missing_values_are_named(org):
    problems = _refused(org, csv(ROWS[1].replace("2025-03-01", "1 mars"), ROWS[0].replace("2024-01-01", "")))
    assert _messages(problems) == [
        (2, "Från", "”1 mars” är inte ett datum; skriv ÅÅÅÅ-MM-DD."),
        (3, "Från", "Ange datumet personen innehar befattningen från."),
    ]


def test_unknown_and_elected_kinds_of_position(org):
    problems = _refused(org, csv(ROWS[0].replace("Förvaltningschef", "Chefen"),
                                 ROWS[1].replace("Enhetschef;1002", "Ordförande;1002")))
    (line1, column1, message1), (line2, column2, message2) = _messages(problems)
    assert (line1, column1, line2, column2) == (2, "Befattningstyp", 3, "Befattningstyp")
    assert "”Chefen” är inte en befattningstyp" in message1 and "förtroendevald" in message2


def test_a_pdf_an_empty_file_and_an_oversize_file_are_refused(org, monkeypatch):
    assert "PDF" in _messages(_refused(org, b"%PDF-1.7 something"))[0][2]
    assert _messages(_refused(org, b"")) == [(1, None, "Filen är tom.")]
    assert _messages(_refused(org, csv())) == [(None, None, "Filen har inga rader under rubrikraden.")]
    monkeypatch.setattr(import_file, "MAX_BYTES", 100)
    assert "högst" in _messages(_refused(org, csv(*ROWS)))[0][2]


def test_a_file_without_a_column_names_it(org):
    problems = _refused(org, csv("SN;3000;Soc", header="Nämnd;Enhetskod;Enhet"))
    assert (1, "Överordnad enhetskod", "Filen saknar kolumnen Överordnad enhetskod.") in _messages(problems)


def test_too_many_rows_is_refused(org, monkeypatch):
    monkeypatch.setattr(import_file, "MAX_ROWS", 2)
    problems = _refused(org, csv(*ROWS))
    assert any("fler än 2 rader" in message for _l, _c, message in _messages(problems))


def test_the_first_thousand_errors_are_listed_then_counted(org):
    rows = [f"XN;U{n};Enhet {n};;;;;;;" for n in range(1_200)]
    problems = _refused(org, csv(*rows))
    assert problems.count == 1_200 and len(problems.listed) == 1_000
    assert problems.listed[-1]["line"] == 1_001


def test_an_xlsx_export_reads_like_the_csv(org):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(";"))
    for row in ROWS:
        cells = row.split(";")
        cells[-1] = date.fromisoformat(cells[-1]) if cells[-1] else None
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    _org_import, counts = _upload_and_run(org, buffer.getvalue())
    assert counts["appointments_created"] == 2
    again = import_services.upload(org["actor"], "hr.csv", csv(*ROWS))
    assert not import_services.preview(again, org["director"].id, date(2026, 11, 23)).changes_anything
