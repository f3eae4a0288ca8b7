"""The organisation import through its pages: upload, preview, import; refusals recorded."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.org.models import Appointment, OrgImport, OrgUnit, PositionKind
from tests.org.test_import import ROWS, csv


@pytest.fixture
def people(make, frozen_clock):
    make.user("director", Role.FINANCE_DIRECTOR, full_name="Dora Direktör")
    committee = make.committee("SN", "Socialnämnden")
    make.user("officer", Role.CASE_OFFICER)
    make.user("auditor", Role.AUDITOR)
    member = make.user("member")
    make.appointment(member, make.position(committee, PositionKind.MEMBER))
    return committee


def _upload(client, data: bytes, filename: str = "hr.csv"):
    return client.post_form("/organisation/import", {"file": (io.BytesIO(data), filename)},
                            content_type="multipart/form-data")


def test_upload_preview_import(client, people):
    client.login("director")
    assert "Importera organisationen" in client.get("/organisation/").get_data(as_text=True)
    response = _upload(client, csv(*ROWS))
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert "Förhandsgranskning av hr.csv" in page and "Nytt konto utan lösenord" in page
    assert db.session.scalar(select(func.count()).select_from(OrgUnit)) == 0  # the preview changed nothing
    import re

    digest = re.search(r'name="digest" type="hidden" value="([0-9a-f]+)"', page).group(1)
    done = client.post_form(response.location + "/importera", {"digest": digest})
    assert done.status_code == 303
    page = client.get(done.location).get_data(as_text=True)
    assert "Organisationen är importerad." in page and "Förordnanden: 2 nya" in page
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 3  # the member's, and two new
    lars = db.session.scalars(select(User).where(User.employee_number == "1002")).one()
    assert "Inget lösenord: personen loggar in via" in client.get(f"/admin/anvandare/{lars.id}").get_data(as_text=True)
    # The same file again: the preview says it changes nothing and offers no import.
    again = client.get(_upload(client, csv(*ROWS)).location).get_data(as_text=True)
    assert "Filen ändrar inget" in again and "/importera" not in again


def test_a_bad_file_lists_every_row_with_line_and_column_and_keeps_nothing(client, people):
    client.login("director")
    response = _upload(client, csv(ROWS[0].replace("SN;", "XN;", 1), ROWS[1].replace("2025-03-01", "igår")))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Filen har 2 fel: inget har ändrats" in page
    assert "<td>2</td><td>Nämnd</td><td>Ingen nämnd har koden XN.</td>" in page
    assert "<td>3</td><td>Från</td>" in page
    assert db.session.scalar(select(func.count()).select_from(OrgImport)) == 0
    refusal = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "upload.refused")).one()
    assert refusal.object_type == "org_import"


def test_a_pdf_is_refused_in_swedish(client, people):
    client.login("director")
    page = _upload(client, b"%PDF-1.7\n...", "hr.pdf").get_data(as_text=True)
    assert "Filen är ett PDF-dokument, inte en tabell" in page


def test_an_import_whose_preview_is_stale_shows_the_new_preview(client, people):
    client.login("director")
    location = _upload(client, csv(*ROWS)).location
    response = client.post_form(location + "/importera", {"digest": "0" * 64})
    assert response.status_code == 422
    assert "Organisationen har ändrats sedan förhandsgranskningen visades" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OrgUnit)) == 0


@pytest.mark.parametrize("who", ["member", "officer", "auditor"])
def test_only_those_who_keep_the_organisation_import_and_refusals_are_recorded(client, people, who):
    client.login(who)
    assert client.get("/organisation/import").status_code == 403
    assert _upload(client, csv(*ROWS)).status_code == 403
    assert client.get("/organisation/import/mall.csv").status_code == 403
    denied = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "access.denied")).all()
    assert len(denied) == 3 and all(e.actor_name == who for e in denied)
    assert db.session.scalar(select(func.count()).select_from(OrgImport)) == 0


def test_the_example_file_reads_back_as_a_good_file(client, people):
    client.login("director")
    example = client.get("/organisation/import/mall.csv")
    assert example.status_code == 200 and "attachment" in example.headers["Content-Disposition"]
    assert _upload(client, example.data).status_code == 303
