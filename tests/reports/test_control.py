"""The internal-control page: each objective green when the data meets it and red (or amber) when
it does not, the page for the auditor and the finance director only, the PDF issued and verifiable."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from portal import clock
from portal.audit.services import SYSTEM, record
from portal.documents.models import IssuedDocument
from portal.documents.services import document_by_code
from portal.extensions import db
from portal.meetings.models import Meeting
from portal.reports import control
from portal.reports.models import ReportingSetting
from portal.reports.rules import Mark

TODAY = date(2026, 11, 23)


def _objective(key: str, period: control.Period | None = None) -> control.Objective:
    found = {o.key: o for o in control.objectives(clock.today(), period or control.Period())}
    return found[key]


def test_the_town_meets_every_objective(town):
    decision = town.decide(town.case(), date(2026, 11, 20))
    assert decision.id
    marks = {o.key: o.mark for o in control.objectives(TODAY, control.Period())}
    assert marks == {key: Mark.GREEN for key in marks}
    assert len(marks) == 7


def test_a_committee_without_a_scheme_in_force_is_red_and_each_rule_names_who_decides_today(town, make):
    schemes = _objective("schemes")
    assert schemes.mark == Mark.GREEN
    deferral = next(row for row in schemes.rows if row[0] == "Socialnämnden" and row[3] == "1.1")
    assert "SN 2025-12-10 § 120" in deferral[1]
    assert "Nils Norberg (Enhetschef Norr)" in deferral[5] and "Sara Sjöberg (Enhetschef Syd)" in deferral[5]
    make.committee("MBN", "Miljö- och byggnämnden")
    schemes = _objective("schemes")
    assert schemes.mark == Mark.RED and schemes.count == 1
    assert ["Miljö- och byggnämnden", "Ingen delegationsordning gäller"] in [row[:2] for row in schemes.rows]


def test_an_absent_holder_is_named_with_the_stand_in_who_acts_today(town, make):
    make.absence(town.head, date(2026, 11, 1), date(2026, 11, 30), standin=town.other_head)
    deferral = next(row for row in _objective("schemes").rows if row[3] == "1.1")
    assert "Sara Sjöberg (ersätter Nils Norberg)" in deferral[5]
    assert _objective("staffing").mark == Mark.GREEN


def test_a_position_nobody_can_act_in_today_is_red_and_one_without_stand_in_amber(town, make):
    make.absence(town.other_head, date(2026, 11, 1))  # stood in for by the department head's position
    assert _objective("staffing").mark == Mark.GREEN
    make.absence(town.department_head, date(2026, 11, 1))
    staffing = _objective("staffing")
    assert staffing.mark == Mark.RED
    assert staffing.rows[0][1] == "Enhetschef Syd" and staffing.rows[0][5] == "Ingen kan besluta i dag"
    db.session.execute(text("DELETE FROM absences"))
    town.head_position.standing_standin_position_id = None
    db.session.flush()
    staffing = _objective("staffing")
    assert staffing.mark == Mark.AMBER
    assert any(row[1] == "Enhetschef Norr" and row[5] == "Tillsatt, ingen ersättare ordnad" for row in staffing.rows)


def test_a_decision_outside_the_scheme_in_force_is_a_red_non_zero(town, make):
    town.decide(town.case(), date(2026, 3, 1))
    assert _objective("outside_scheme").mark == Mark.GREEN
    assert "inget fattades" in _objective("outside_scheme").statement
    old = make.scheme_version(town.committee, valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31),
                              adopted_on=date(2024, 12, 1), paragraph="99")
    make.delegation_rule(old, "1.1", case_type="deferral")
    before = town.decide(town.case(), date(2026, 3, 2), version=old)  # a version no longer in force
    wrong_rule = town.decide(town.case(), date(2026, 3, 3), rule="2.1")  # a plan rule for a deferral
    other_committee = town.decide(town.case(), date(2026, 3, 4), version=town.other_version, rule="1")
    outside = _objective("outside_scheme")
    assert outside.mark == Mark.RED and outside.count == 3
    numbers = {row[0] for row in outside.rows}
    assert numbers == {d.case.registry_number for d in (before, wrong_rule, other_committee)}
    assert "scheme_versions" in outside.sql
    # The period narrows what is checked.
    assert _objective("outside_scheme", control.Period(date(2026, 3, 4), None)).count == 1
    # The committee's own decision at a meeting is not a delegated decision.
    meeting = Meeting(committee_id=town.committee.id, meeting_date=date(2026, 3, 10), state="held",
                      created_at=datetime(2026, 3, 1, tzinfo=UTC))
    db.session.add(meeting)
    db.session.flush()
    town.decide(town.case(), date(2026, 3, 10), meeting=meeting, paragraph=5)
    assert _objective("outside_scheme").count == 3


def test_a_decision_by_the_preparer_or_a_conflicted_person_is_a_red_non_zero(town):
    town.decide(town.case(), date(2026, 5, 1))
    assert _objective("by_preparer").mark == Mark.GREEN
    town.decide(town.case(prepared_by=town.head), date(2026, 5, 2))
    conflicted = town.case()
    from portal.cases.models import ConflictDeclaration

    db.session.add(ConflictDeclaration(case_id=conflicted.id, user_id=town.head.id,
                                       declared_at=datetime(2026, 5, 1, tzinfo=UTC)))
    town.decide(conflicted, date(2026, 5, 3))
    found = _objective("by_preparer")
    assert found.mark == Mark.RED and found.count == 2


def test_a_decision_without_the_required_consultation_is_a_red_non_zero(town, make):
    make.delegation_rule(town.version, "1.5", case_type="deferral", consultation_unit_id=town.department.id)
    consulted = town.case()
    town.consult(consulted, datetime(2026, 6, 1, 8, tzinfo=UTC))
    town.decide(consulted, date(2026, 6, 1), rule="1.5")
    town.decide(town.case(), date(2026, 6, 1), rule="1.1")  # the rule asks for no consultation
    assert _objective("without_consultation").mark == Mark.GREEN
    late = town.case()
    town.consult(late, datetime(2026, 6, 3, 8, tzinfo=UTC))  # recorded after the decision
    town.decide(late, date(2026, 6, 2), rule="1.5")
    town.decide(town.case(), date(2026, 6, 2), rule="1.5")
    found = _objective("without_consultation")
    assert found.mark == Mark.RED and found.count == 2


def test_reporting_within_the_deadline_green_late_amber_overdue_red(town):
    db.session.add(ReportingSetting(report_within_days=30))
    on_time = town.decide(town.case(), date(2026, 9, 1))
    town.report(date(2026, 9, 20), on_time)
    town.decide(town.case(), date(2026, 11, 1))  # waiting 22 days: within the deadline
    reporting = _objective("reporting")
    assert reporting.mark == Mark.GREEN and "30" in reporting.title
    late = town.decide(town.case(), date(2026, 9, 2))
    town.report(date(2026, 10, 15), late)  # 43 days
    reporting = _objective("reporting")
    assert reporting.mark == Mark.AMBER and reporting.rows == [
        [late.case.registry_number, "Socialnämnden", "Anstånd", "2026-09-02", "2026-10-15", "43"]]
    overdue = town.decide(town.case(), date(2026, 10, 1))  # 53 days today, not reported
    reporting = _objective("reporting")
    assert reporting.mark == Mark.RED
    assert [overdue.case.registry_number, "Socialnämnden", "Anstånd", "2026-10-01", "Inte anmält", "53"] in reporting.rows


def test_a_changed_trail_entry_is_red(town):
    record(SYSTEM, "user.update", "user", 1, after={"full_name": "Ny"})
    entry = record(SYSTEM, "user.update", "user", 2, after={"full_name": "Ny"})
    db.session.flush()
    assert _objective("trail").mark == Mark.GREEN
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    db.session.execute(text("UPDATE audit_entries SET actor_name = 'someone' WHERE id = :id"), {"id": entry.id})
    db.session.expire_all()
    trail = _objective("trail")
    assert trail.mark == Mark.RED and "har ändrats" in trail.statement


# --- the page and the PDF ---------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["revisor", "ekonomichef"])
def test_the_auditor_and_the_finance_director_read_the_page(town, client, username):
    client.login(username)
    page = client.get("/rapporter/intern-kontroll").get_data(as_text=True)
    assert "Intern kontroll" in page and "Uppfyllt" in page and "Varje nämnd har en antagen" in page


@pytest.mark.parametrize("username", ["handlaggare", "ekonom", "chef.norr"])
def test_others_are_refused_the_page_and_its_pdf(town, client, username):
    client.login(username)
    assert client.get("/rapporter/intern-kontroll").status_code == 403
    assert client.post_form("/rapporter/intern-kontroll/utfarda").status_code == 403


def test_the_report_is_issued_as_a_verifiable_pdf_for_the_audit_file(town, client):
    town.decide(town.case(prepared_by=town.head), date(2026, 5, 2))
    client.login("revisor")
    response = client.post_form("/rapporter/intern-kontroll/utfarda?date_from=2026-01-01")
    assert response.status_code == 303
    document = db.session.query(IssuedDocument).filter_by(object_type="internal_control").one()
    assert document.kind == "internal_control" and document.content.startswith(b"%PDF")
    assert document_by_code(document.verification_code).id == document.id
    from pypdf import PdfReader
    import io

    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)
    assert "Ej uppfyllt" in pdf_text and document.verification_code in pdf_text
    assert "beslutade från 2026-01-01" in pdf_text
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert document.verification_code in page
    assert client.get(f"/dokument/{document.id}").status_code == 200
    client.post_form("/logga-ut")
    client.login("handlaggare")
    assert client.get(f"/dokument/{document.id}").status_code == 403


def test_a_bad_period_is_named_and_checks_everything(town, client):
    client.login("revisor")
    response = client.get("/rapporter/intern-kontroll?date_from=2026-13-45&date_to=x" + "9" * 5000)
    assert response.status_code == 422
    assert "ÅÅÅÅ-MM-DD" in response.get_data(as_text=True) or "YYYY-MM-DD" in response.get_data(as_text=True)


def test_the_reporting_deadline_is_kept_in_the_reference_data(town, client):
    client.login("ekonomichef")
    assert client.post_form("/referensdata/anmalan", {"report_within_days": "0"}).status_code == 422
    assert client.post_form("/referensdata/anmalan", {"report_within_days": "45"}).status_code == 303
    assert control.report_within_days() == 45
    assert "45 dagar" in client.get("/referensdata/").get_data(as_text=True)
    client.post_form("/logga-ut")
    client.login("revisor")
    assert client.post_form("/referensdata/anmalan", {"report_within_days": "10"}).status_code == 403
