"""Companies and joint authorities apart in the reports (RULINGS 10, 12): a municipal company and a
joint authority are legal persons of their own, so every report shows their figures in a section of
their own, never summed into the municipality's; a company has no delegation report, so none of its
decisions waits to be reported; the internal control is one legal person's at a time."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal import clock
from portal.documents.models import IssuedDocument
from portal.extensions import db
from portal.org.bodies import BodyKind
from portal.org.models import PositionKind
from portal.reports import control, decision_reports, finance_reports, queries
from portal.reports.models import ReceivablesSnapshot, ReceivablesSnapshotLine
from portal.reports.rules import Mark
from portal.reports.tables import report_csv, report_xlsx

TODAY = date(2026, 11, 23)


@pytest.fixture
def bodies(town, make):
    """Bostadsbolaget AB (a company) and Räddningstjänsten (a joint authority), each with a unit, a
    published scheme and a head who decides under it."""
    found = {}
    for code, name, kind in (("BOAB", "Bostadsbolaget AB", BodyKind.COMPANY_BOARD),
                             ("RTJ", "Räddningstjänsten", BodyKind.FEDERATION_BOARD)):
        body = make.committee(code, name)
        body.kind = kind.value
        unit = make.unit(body, name=f"{name} förvaltning", kind="department")
        position = make.position(body, PositionKind.UNIT_HEAD, unit, title=f"Chef {code}")
        make.appointment(make.user(f"chef.{code.lower()}", full_name=f"Chef {code}"), position)
        version = make.scheme_version(body, valid_from=date(2026, 1, 1), adopted_on=date(2025, 12, 1))
        make.delegation_rule(version, "1", case_type="deferral")
        make.delegation_rule(version, "2", case_type="write_off")
        found[code] = (body, unit, position, version)
    db.session.flush()
    return found


def _decide(town, bodies, code, on, case_type="deferral", rule=None, **case_args):
    body, unit, position, version = bodies[code]
    case = town.case(case_type, committee=body, unit=unit, **case_args)
    return town.decide(case, on, rule=rule or ("1" if case_type == "deferral" else "2"), version=version,
                       position=position)


def _build(build, user, **filters):
    return build(user, clock.today(), queries.Filters(**filters), queries.organisation())


def _table(report, key):
    return next(table for table in report.tables if table.key == key)


def test_each_legal_person_has_its_own_section_and_the_municipality_counts_only_its_committees(town, bodies):
    town.decide(town.case(amount_ore=100_000), date(2026, 3, 5))
    _decide(town, bodies, "BOAB", date(2026, 3, 6), amount_ore=700_000)
    _decide(town, bodies, "RTJ", date(2026, 3, 7), amount_ore=30_000)
    report = _build(decision_reports.decisions, town.auditor)
    company, federation = bodies["BOAB"][0].id, bodies["RTJ"][0].id
    assert [section.key for section in report.sections] == ["", f"p{company}", f"p{federation}"]  # by name
    titles = {section.key: section.title for section in report.sections}
    assert titles[f"p{company}"] == "Bostadsbolaget AB (kommunalt bolag, aktiebolag)"
    assert titles[f"p{federation}"] == "Räddningstjänsten (kommunalförbund)"
    # The municipality's totals: its own committee's decision alone.
    assert _table(report, "decisions").totals[3:5] == [1, 100_000]
    assert [row[0] for row in _table(report, "decisions").rows] == ["Socialnämnden"]
    assert _table(report, f"decisions-p{company}").totals[3:5] == [1, 700_000]
    assert _table(report, f"decisions-p{federation}").totals[3:5] == [1, 30_000]
    assert _table(report, "months").rows == [["2026-03", 1]]
    assert {chart.key for chart in report.charts} == {"months", f"months-p{company}", f"months-p{federation}"}
    # A committee filter leaves its own legal person's section only.
    only_company = _build(decision_reports.decisions, town.auditor, committee_id=company)
    assert [section.key for section in only_company.sections] == [f"p{company}"]
    assert only_company.sections[0].title and "aktiebolag" in only_company.sections[0].title


def test_a_municipality_without_companies_has_one_unheaded_section(town):
    town.decide(town.case(), date(2026, 3, 5))
    report = _build(decision_reports.decisions, town.auditor)
    assert [(section.key, section.title) for section in report.sections] == [("", None)]


def test_a_companys_decisions_are_never_waiting_to_be_reported_a_joint_authoritys_are(town, bodies):
    town.decide(town.case(), date(2026, 3, 5))
    _decide(town, bodies, "BOAB", date(2026, 3, 6))
    _decide(town, bodies, "RTJ", date(2026, 3, 7))
    company, federation = bodies["BOAB"][0].id, bodies["RTJ"][0].id
    report = _build(decision_reports.compliance, town.auditor)
    assert [row[4] for row in _table(report, "unreported").rows] == [date(2026, 3, 5)]
    assert _table(report, f"unreported-p{federation}").rows[0][1] == "Räddningstjänsten"
    assert f"unreported-p{company}" not in {table.key for table in report.tables}
    company_section = next(section for section in report.sections if section.key == f"p{company}")
    assert "anmäler inga delegationsbeslut" in company_section.note
    # Each section counts its own delegated decisions.
    consultation = {key: _table(report, key).rows[0][1] for key in
                    ("consultation", f"consultation-p{company}", f"consultation-p{federation}")}
    assert consultation == {"consultation": 1, f"consultation-p{company}": 1, f"consultation-p{federation}": 1}
    assert _table(report, "rules").totals[5] == 1


def test_write_offs_overdue_and_the_trend_keep_the_company_apart(town, bodies, make):
    company = bodies["BOAB"][0].id
    company_unit = bodies["BOAB"][1]
    own = town.case("write_off", reason="uneconomic", final=False, executed_on=date(2026, 4, 1), amount_ore=200_000)
    town.decide(own, date(2026, 3, 20), rule="3.1")
    write_off = town.case("write_off", committee=bodies["BOAB"][0], unit=company_unit, reason="uneconomic",
                          final=False, executed_on=date(2026, 4, 2), amount_ore=5_000_000)
    town.decide(write_off, date(2026, 3, 21), rule="2", version=bodies["BOAB"][3], position=bodies["BOAB"][2])
    report = _build(finance_reports.write_offs, town.auditor)
    assert _table(report, "audit").totals == ["Totalt", 2]
    assert _table(report, f"audit-p{company}").totals == ["Totalt", 50]

    make.invoice(town.customer, town.unit, town.category, due_date=date(2026, 11, 1), original_ore=100_00)
    make.invoice(town.customer, company_unit, town.category, due_date=date(2026, 11, 1), original_ore=9_000_00)
    snapshot = ReceivablesSnapshot(month_end=date(2026, 10, 31), taken_at=datetime(2026, 11, 1, tzinfo=UTC),
                                   invoice_count=2, open_amount_ore=500_00)
    db.session.add(snapshot)
    db.session.flush()
    db.session.add_all([ReceivablesSnapshotLine(snapshot_id=snapshot.id, org_unit_id=town.unit.id, bucket="0-30",
                                                invoice_count=1, open_amount_ore=100_00),
                        ReceivablesSnapshotLine(snapshot_id=snapshot.id, org_unit_id=company_unit.id,
                                                bucket="0-30", invoice_count=1, open_amount_ore=400_00)])
    db.session.flush()
    overdue = _build(finance_reports.overdue, town.auditor)
    assert _table(overdue, "departments").totals[1] == 1 and _table(overdue, "departments").totals[-1] == 100_00
    assert _table(overdue, f"departments-p{company}").totals[-1] == 9_000_00
    assert _table(overdue, "trend").rows == [["2026-10-31", 1, 100_00]]
    assert _table(overdue, f"trend-p{company}").rows == [["2026-10-31", 1, 400_00]]
    assert _table(overdue, "due_months").rows == [["2026-11", 1, 100_00]]


def test_the_files_name_each_legal_person_and_sum_nothing_across_them(town, bodies):
    town.decide(town.case(amount_ore=100_000), date(2026, 3, 5))
    _decide(town, bodies, "BOAB", date(2026, 3, 6), amount_ore=700_000)
    report = _build(decision_reports.decisions, town.auditor)
    text = report_csv(report).decode("utf-8-sig")
    assert "Bostadsbolaget AB (kommunalt bolag, aktiebolag)" in text
    assert "8 000,00" not in text  # the two are never added up
    workbook = load_workbook(io.BytesIO(report_xlsx(report)))
    assert len(workbook.sheetnames) == len(report.tables) == len(set(workbook.sheetnames))
    company_sheet = next(sheet for sheet in workbook.worksheets if sheet.title.startswith("BOAB"))
    assert company_sheet.cell(row=2, column=1).value == "Bostadsbolaget AB (kommunalt bolag, aktiebolag)"
    totals = [row for row in company_sheet.iter_rows(values_only=True) if row and row[0] == "Totalt"]
    assert totals[0][3:5] == (1, 7_000.0)


def test_the_report_page_heads_each_legal_person(town, bodies, client):
    town.decide(town.case(), date(2026, 3, 5))
    _decide(town, bodies, "BOAB", date(2026, 3, 6))
    client.login("revisor")
    html = client.get("/rapporter/beslut").get_data(as_text=True)
    assert "<h2 id=\"section-municipality-heading\">" in html
    assert "Bostadsbolaget AB (kommunalt bolag, aktiebolag)</h2>" in html
    assert html.count('id="table-decisions-caption"') == 1


# --- internal control -----------------------------------------------------------------------------

def _objectives(period: control.Period) -> dict[str, control.Objective]:
    return {objective.key: objective for objective in control.objectives(TODAY, period)}


def _period(person_key: int, **dates) -> control.Period:
    org = queries.organisation()
    person = org.persons[person_key]
    return control.Period(committee_ids=tuple(org.committees_of(person)),
                          reporting=person.reports_delegated_decisions, **dates)


def test_the_internal_control_is_one_legal_persons_at_a_time(town, bodies):
    company = bodies["BOAB"][0].id
    town.decide(town.case(), date(2026, 11, 20))
    # The company's decision by its preparer: red in the company's control, not in the municipality's.
    body, unit, position, version = bodies["BOAB"]
    case = town.case(committee=body, unit=unit, prepared_by=town.head)
    town.decide(case, date(2026, 11, 20), rule="1", version=version, position=position)
    municipality = _objectives(_period(queries.MUNICIPALITY))
    assert municipality["by_preparer"].mark == Mark.GREEN
    assert {row[0] for row in municipality["schemes"].rows} == {"Socialnämnden", "Barn- och utbildningsnämnden"}
    own = _objectives(_period(company))
    assert own["by_preparer"].mark == Mark.RED and own["by_preparer"].count == 1
    assert {row[0] for row in own["schemes"].rows} == {"Bostadsbolaget AB"}
    assert "reporting" not in own  # a company has no delegation report
    assert "reporting" in _objectives(_period(bodies["RTJ"][0].id))


def test_the_internal_control_page_chooses_the_legal_person_and_issues_its_pdf(town, bodies, client):
    company = bodies["BOAB"][0].id
    old = town.decide(town.case(), date(2026, 3, 1))  # the municipality's, never reported: red
    assert old.id
    client.login("revisor")
    page = client.get("/rapporter/intern-kontroll").get_data(as_text=True)
    assert 'name="legal_person"' in page and "Bostadsbolaget AB (kommunalt bolag, aktiebolag)" in page
    assert 'id="objective-reporting"' in page
    company_page = client.get(f"/rapporter/intern-kontroll?legal_person={company}").get_data(as_text=True)
    assert 'id="objective-reporting"' not in company_page
    assert "Kontrollerat: Bostadsbolaget AB" in company_page
    bad = client.get("/rapporter/intern-kontroll?legal_person=999")
    assert bad.status_code == 422
    client.login("ekonomichef")
    issued = client.post_form(f"/rapporter/intern-kontroll/utfarda?legal_person={company}", {})
    assert issued.status_code == 303
    document = db.session.scalars(select(IssuedDocument).where(IssuedDocument.object_type == "internal_control")).one()
    assert document.title.endswith("Bostadsbolaget AB (kommunalt bolag, aktiebolag)")


def test_a_meeting_of_the_joint_authority_reports_its_decisions_like_a_committees(town, bodies):
    """A joint authority follows kommunallagen: once its report is issued at a meeting, the decision is
    no longer waiting."""
    federation = bodies["RTJ"][0]
    decision = _decide(town, bodies, "RTJ", date(2026, 3, 7))
    town.report(date(2026, 4, 1), decision, committee=federation)
    report = _build(decision_reports.compliance, town.auditor)
    assert _table(report, f"unreported-p{federation.id}").rows == []
