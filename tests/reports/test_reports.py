"""Each report's numbers against data built here, each reader's share of them, and the files."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from portal import clock
from portal.extensions import db
from portal.reports import decision_reports, finance_reports, queries
from portal.reports.models import ReportExport
from portal.reports.rules import age_bucket

TODAY = date(2026, 11, 23)


def _build(builder, user, **filters):
    return builder(user, clock.today(), queries.Filters(**filters), queries.organisation())


def _table(report, key):
    return next(table for table in report.tables if table.key == key)


# --- decisions per committee, type and month ------------------------------------------------------

def test_decisions_are_counted_per_committee_type_and_month_by_decision_date(town):
    town.decide(town.case(amount_ore=100_000), date(2026, 3, 5))
    town.decide(town.case(amount_ore=50_000), date(2026, 3, 20), outcome="partly_granted", amount_ore=30_000)
    town.decide(town.case(amount_ore=70_000), date(2026, 3, 31), outcome="refused")
    town.decide(town.case("instalment_plan", amount_ore=200_000), date(2026, 4, 1), rule="2.1")
    school = town.make.unit(town.other_committee, name="Skolan")
    town.decide(town.case(committee=town.other_committee, unit=school, amount_ore=10_000), date(2026, 4, 2))
    town.decide(town.case(amount_ore=1), date(2025, 12, 31))  # outside the period
    report = _build(decision_reports.decisions, town.auditor, date_from=date(2026, 1, 1))
    table = _table(report, "decisions")
    assert [c.label for c in table.columns] == ["Nämnd", "Ärendetyp", "Månad", "Beslut", "Belopp", "Beviljat",
                                                "Delvis beviljat", "Avslaget"]
    assert table.rows == [
        ["Barn- och utbildningsnämnden", "Anstånd", "2026-04", 1, 10_000, 1, 0, 0],
        ["Socialnämnden", "Anstånd", "2026-03", 3, 200_000, 1, 1, 1],
        ["Socialnämnden", "Avbetalningsplan", "2026-04", 1, 200_000, 1, 0, 0],
    ]
    assert table.totals == ["Totalt", "", "", 5, 410_000, 3, 1, 1]
    assert _table(report, "months").rows == [["2026-03", 3], ["2026-04", 2]]
    assert report.basis == "Räknat efter beslutsdatum."
    only_plans = _build(decision_reports.decisions, town.auditor, case_type="instalment_plan")
    assert [row[1] for row in _table(only_plans, "decisions").rows] == ["Avbetalningsplan"]
    only_bun = _build(decision_reports.decisions, town.auditor, committee_id=town.other_committee.id)
    assert _table(only_bun, "decisions").totals[3] == 1


def test_a_unit_head_counts_only_the_decisions_of_cases_they_see(town):
    town.decide(town.case(unit=town.unit), date(2026, 3, 5))
    town.decide(town.case(unit=town.other_unit), date(2026, 3, 6), by=town.other_head,
                position=town.other_head_position)
    mine = _build(decision_reports.decisions, town.head)
    assert _table(mine, "decisions").totals[3] == 1
    department = _build(decision_reports.decisions, town.department_head)
    assert _table(department, "decisions").totals[3] == 2


# --- write-offs: the Botkyrka 2010 table from data ----------------------------------------------------

BOTKYRKA_2010 = {  # seed 002: "Nedskrivning 2010", belopp i tkr (VAT aside: the portal keeps none)
    "Barn- och ungdomsförvaltningen": 129,
    "Kultur- och fritidsförvaltningen": 7,
    "Samhällsbyggnadsförvaltningen": 266,
    "Samhällsbyggnadsförvaltningen, VA": 6,
    "Socialförvaltningen": 1_054,
    "Utbildnings- och arbetsmarknadsförvaltningen": 78,
    "Vård- och omsorgsförvaltningen": 358,
}


def test_the_botkyrka_2010_write_off_table_is_reproduced_from_executed_write_offs(town, make):
    departments = {name: make.unit(town.committee, name=name, kind="department") for name in BOTKYRKA_2010
                   if name != "Socialförvaltningen"}
    departments["Socialförvaltningen"] = town.department
    fees_left, interest_left = 106_000_00, 14_000_00
    for n, (name, tkr) in enumerate(BOTKYRKA_2010.items()):
        unit = make.unit(town.committee, parent=departments[name])
        # Two cases each, one final and one book-keeping; the costs and interest ride on the first.
        fees = fees_left if n == 0 else 0
        interest = interest_left if n == 0 else 0
        first_capital = tkr * 1_000_00 // 2
        first = town.case("write_off", unit=unit, state="executed", reason="deceased_without_assets", final=True,
                          executed_on=date(2010, 6, 30), amount_ore=first_capital + fees + interest,
                          lines=[(first_capital, interest, fees)])
        town.decide(first, date(2010, 6, 1), rule="3.2")
        second_capital = tkr * 1_000_00 - first_capital
        second = town.case("write_off", unit=unit, state="executed", reason="uneconomic", final=False,
                           executed_on=date(2010, 11, 15), amount_ore=second_capital,
                           lines=[(second_capital, 0, 0)])
        town.decide(second, date(2010, 11, 1), rule="3.1")
    # Decided in 2010, executed in 2011: a 2011 write-off (RULINGS 19). Granted but not executed: none.
    late = town.case("write_off", unit=town.unit, state="executed", reason="time_barred", final=True,
                     executed_on=date(2011, 1, 10), amount_ore=5_000_00, lines=[(5_000_00, 0, 0)])
    town.decide(late, date(2010, 12, 20))
    town.decide(town.case("write_off", state="granted", reason="other", final=True, amount_ore=9_000_00,
                          lines=[(9_000_00, 0, 0)]), date(2010, 12, 21))

    report = _build(finance_reports.write_offs, town.auditor)
    table = _table(report, "audit")
    assert [c.label for c in table.columns] == ["Förvaltning etc.", "2010", "2011"]
    expected = {name: [tkr, 5 if name == "Socialförvaltningen" else 0] for name, tkr in BOTKYRKA_2010.items()}
    assert {row[0]: row[1:] for row in table.rows[:-2]} == expected
    assert table.rows[-2:] == [["Inkassokostnader", 106, 0], ["Dröjsmålsräntor", 14, 0]]
    assert table.totals == ["Totalt", 2_074 - 56, 5]
    assert report.basis.startswith("Räknat efter verkställighetsdatum")
    details = _table(report, "details")
    social = [row for row in details.rows if row[0] == "Socialförvaltningen" and row[1] == 2010]
    assert social == [["Socialförvaltningen", 2010, "Avliden utan tillgångar", "Slutlig", 1, 0, 527_000_00],
                      ["Socialförvaltningen", 2010, "Oekonomiskt litet belopp",
                       "Bokföringsmässig (fordran finns kvar)", 1, 0, 527_000_00]]
    only_2010 = _build(finance_reports.write_offs, town.auditor, date_from=date(2010, 1, 1),
                       date_to=date(2010, 12, 31))
    assert [c.label for c in _table(only_2010, "audit").columns] == ["Förvaltning etc.", "2010"]


# --- delegation compliance -----------------------------------------------------------------------------

def test_compliance_counts_per_rule_and_capacity_consultation_referred_and_unreported(town, make):
    make.delegation_rule(town.version, "1.5", case_type="deferral", consultation_unit_id=town.department.id)
    town.decide(town.case(amount_ore=10_000), date(2026, 10, 1))
    town.decide(town.case(amount_ore=20_000), date(2026, 10, 2), by=town.other_head, capacity="standin")
    consulted = town.case(amount_ore=30_000)
    from datetime import UTC, datetime

    town.consult(consulted, datetime(2026, 10, 3, 7, tzinfo=UTC))
    town.decide(consulted, date(2026, 10, 3), rule="1.5", capacity="further_delegate",
                delegated_by=town.department_position)
    town.decide(town.case(amount_ore=40_000), date(2026, 11, 13), rule="1.5")  # no consultation
    town.case(state="referred_to_committee")
    report = _build(decision_reports.compliance, town.auditor)
    rules = _table(report, "rules")
    assert rules.rows == [
        ["Socialnämnden", "Anstånd", "1.1", "Enhetschef Norr", "befattningshavare", 1, 10_000],
        ["Socialnämnden", "Anstånd", "1.1", "Enhetschef Norr", "ersättare", 1, 20_000],
        ["Socialnämnden", "Anstånd", "1.5", "Enhetschef Norr", "vidaredelegat", 1, 30_000],
        ["Socialnämnden", "Anstånd", "1.5", "Enhetschef Norr", "befattningshavare", 1, 40_000],
    ]
    assert _table(report, "consultation").rows == [
        ["Alla delegationsbeslut", 4],
        ["Delegationspunkten kräver samråd, registrerat före beslutet", 1],
        ["Delegationspunkten kräver samråd, inget registrerat före beslutet (ska vara inget)", 1],
        ["Utanför gällande delegationsordning (ska vara inget)", 0],
    ]
    assert _table(report, "referred").rows == [["Socialnämnden", "Anstånd", 1, 0]]
    unreported = _table(report, "unreported")
    assert [row[-1] for row in unreported.rows] == [53, 52, 51, 10]
    assert "4 ännu inte anmälda" in unreported.note


# --- overdue receivables ------------------------------------------------------------------------------

def test_overdue_receivables_fall_in_the_audits_age_buckets_per_department(town, make):
    school = make.unit(town.other_committee, name="Grundskolan Väst", kind="department")
    for days, amount in ((1, 100), (30, 200), (31, 400), (90, 800), (91, 1_600), (180, 3_200), (181, 6_400),
                         (365, 12_800), (366, 25_600)):
        make.invoice(town.customer, town.unit, town.category, due_date=TODAY - timedelta(days=days),
                     original_ore=amount * 100)
    make.invoice(town.customer, school, town.category, due_date=TODAY - timedelta(days=400), original_ore=99_00)
    make.invoice(town.customer, town.unit, town.category, due_date=TODAY, original_ore=1_000_00)  # due today
    make.invoice(town.customer, town.unit, town.category, due_date=TODAY - timedelta(days=40),
                 original_ore=1_000_00, stage="paid")
    make.invoice(town.customer, town.unit, town.category, due_date=TODAY - timedelta(days=40),
                 original_ore=1_000_00, open_ore=0)
    assert age_bucket(TODAY - timedelta(days=30), TODAY) == "0-30" and age_bucket(TODAY, TODAY) is None
    report = _build(finance_reports.overdue, town.auditor)
    table = _table(report, "departments")
    assert table.rows == [
        ["Grundskolan Väst", 1, 0, 0, 0, 0, 99_00, 99_00],
        ["Socialförvaltningen", 9, 300_00, 1_200_00, 4_800_00, 19_200_00, 25_600_00, 51_100_00],
    ]
    assert table.row_ids == [school.id, town.department.id]
    assert table.totals == ["Totalt", 10, 300_00, 1_200_00, 4_800_00, 19_200_00, 25_699_00, 51_199_00]
    trend = _table(report, "due_months")
    assert trend.rows[0][0] == (TODAY - timedelta(days=400)).strftime("%Y-%m")
    assert sum(row[2] for row in trend.rows) == 51_199_00
    # A unit head counts the invoices of the units they see; the other unit's head none of these.
    mine = _build(finance_reports.overdue, town.head)
    assert [row[0] for row in _table(mine, "departments").rows] == ["Socialförvaltningen"]
    assert _table(_build(finance_reports.overdue, town.other_head), "departments").rows == []


def test_the_department_list_prints_every_overdue_invoice_oldest_first(town, make, client):
    make.invoice(town.customer, town.unit, town.category, number="F-2", due_date=TODAY - timedelta(days=10),
                 original_ore=150_00)
    make.invoice(town.customer, town.other_unit, town.category, number="F-1", due_date=TODAY - timedelta(days=100),
                 original_ore=250_00)
    client.login("revisor")
    page = client.get(f"/rapporter/forfallna/forvaltningar/{town.department.id}").get_data(as_text=True)
    assert page.index("F-1") < page.index("F-2") and "91–180 dagar" in page and "Åsa Öberg" in page
    client.post_form("/logga-ut")
    client.login("chef.norr")  # sees the department's list only for the unit they head, without names
    page = client.get(f"/rapporter/forfallna/forvaltningar/{town.department.id}").get_data(as_text=True)
    assert "F-2" in page and "F-1" not in page and "Åsa Öberg" not in page
    assert client.get(f"/rapporter/forfallna/forvaltningar/{town.unit.id}").status_code == 404


# --- instalment plans ---------------------------------------------------------------------------------

def _plan(town, make, schedule, paid):
    case = town.case("instalment_plan", state="executed", amount_ore=sum(a for _d, a in schedule),
                     lines=[(sum(a for _d, a in schedule), 0, 0)])
    decision = town.decide(case, date(2026, 6, 1), rule="2.1")
    decision.terms = {"schedule": [{"due_date": d.isoformat(), "amount_ore": a} for d, a in schedule]}
    invoice = case.lines[0].invoice
    for day, amount in paid:
        make.payment(invoice, day, amount)
    db.session.flush()
    return case


def test_plans_are_summed_by_the_follow_ups_status(town, make):
    months = [date(2026, m, 30) for m in (7, 8, 9, 10, 11)] + [date(2026, 12, 30)]
    schedule = [(d, 1_000_00) for d in months]
    _plan(town, make, schedule, [(d, 1_000_00) for d in months[:5]])  # on track
    _plan(town, make, schedule, [(d, 1_000_00) for d in months[:4]])  # the next instalment is not due yet
    _plan(town, make, [(date(2026, 10, 20), 1_000_00), (date(2026, 11, 20), 1_000_00)],
          [(date(2026, 10, 20), 1_000_00)])  # late by 3 days
    _plan(town, make, schedule, [(months[0], 1_000_00)])  # broken: unpaid since 2026-08-30
    _plan(town, make, [(date(2026, 7, 30), 500_00)], [(date(2026, 7, 30), 500_00)])  # paid
    report = _build(finance_reports.plans, town.auditor)
    statuses = {row[0]: row[1:] for row in _table(report, "statuses").rows}
    assert statuses["Följs"][0] == 2 and statuses["Bruten"][0] == 1 and statuses["Betald"][0] == 1
    assert statuses["Försenad"] == [1, 2_000_00, 1_000_00, 1_000_00]
    assert statuses["Bruten"][3] == 3_000_00  # due 08-30, 09-30, 10-30 and not paid
    assert _table(report, "statuses").totals[1] == 5
    assert _build(finance_reports.plans, town.other_head).tables[0].totals[1] == 0


def _whole_debt_case(town, plan, outcome: str):
    """A case proposing that the plan's whole debt falls due (RULINGS 16), decided."""
    case = town.case("instalment_plan", state="executed" if outcome == "granted" else "refused",
                     amount_ore=plan.amount_ore)
    case.whole_debt_due_for_id = plan.id
    db.session.flush()
    town.decide(case, date(2026, 11, 2), outcome=outcome, rule="2.1")
    return case


def test_every_follow_up_status_is_counted_whole_debt_due_included(town, make):
    """The report once raised KeyError on a plan whose whole debt had fallen due: each status the
    follow-up gives has its row, and a plan in each is counted in it."""
    months = [date(2026, m, 30) for m in (7, 8, 9, 10, 11)] + [date(2026, 12, 30)]
    schedule = [(d, 1_000_00) for d in months]
    _plan(town, make, schedule, [(d, 1_000_00) for d in months[:5]])  # on track
    _plan(town, make, [(date(2026, 10, 20), 1_000_00), (date(2026, 11, 20), 1_000_00)],
          [(date(2026, 10, 20), 1_000_00)])  # late
    broken = _plan(town, make, schedule, [(months[0], 1_000_00)])
    _whole_debt_case(town, broken, "refused")  # refused: the plan stays broken
    _plan(town, make, [(date(2026, 7, 30), 500_00)], [(date(2026, 7, 30), 500_00)])  # paid
    fallen = _plan(town, make, schedule, [(months[0], 1_000_00)])
    whole_debt = _whole_debt_case(town, fallen, "granted")
    report = _build(finance_reports.plans, town.auditor)
    statuses = _table(report, "statuses")
    assert [row[0] for row in statuses.rows] == ["Följs", "Försenad", "Bruten", "Betald", "Hela skulden förfaller"]
    assert [row[1] for row in statuses.rows] == [1, 1, 1, 1, 1]
    assert statuses.rows[4] == ["Hela skulden förfaller", 1, 6_000_00, 1_000_00, 3_000_00]
    assert statuses.totals == ["Totalt", 5, 20_500_00, 7_500_00, 7_000_00]
    # The whole-debt case is no plan of its own; each status also has its department row.
    assert whole_debt.id not in {plan.case.id for plan in finance_reports.follow(
        finance_reports.executed_plans(town.auditor, TODAY), TODAY)}
    assert {row[1] for row in _table(report, "departments").rows} == {row[0] for row in statuses.rows}
    assert [bar.value for bar in report.charts[0].bars] == [1, 1, 1, 1, 1]


# --- pages, files and readers -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["beslut", "avskrivningar", "delegation", "forfallna", "planer"])
def test_each_report_page_and_its_files(town, client, name):
    town.decide(town.case(), date(2026, 3, 5))
    client.login("revisor")
    page = client.get(f"/rapporter/{name}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<figure class="chart"' in html and "chart-numbers" in html
    if name in ("beslut", "delegation"):
        assert "<svg" in html and '<title id="chart-' in html and '<desc id="chart-' in html
    assert "<script" not in html.split("</head>")[1]
    partial = client.get(f"/rapporter/{name}?committee={town.committee.id}", headers={"HX-Request": "true"})
    assert partial.get_data(as_text=True).startswith('<div id="report-results">') or 'id="report-results"' in \
        partial.get_data(as_text=True)[:400]
    csv = client.get(f"/rapporter/{name}.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    xlsx = client.get(f"/rapporter/{name}.xlsx")
    assert xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx.data))
    assert workbook.sheetnames


def test_the_xlsx_holds_numbers_as_numbers_and_text_as_text(town, client):
    town.decide(town.case(amount_ore=123_456), date(2026, 3, 5))
    client.login("revisor")
    workbook = load_workbook(io.BytesIO(client.get("/rapporter/beslut.xlsx").data))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[4]]
    row = [cell.value for cell in sheet[5]]
    assert header[:5] == ["Nämnd", "Ärendetyp", "Månad", "Beslut", "Belopp"]
    assert row[:5] == ["Socialnämnden", "Anstånd", "2026-03", 1, 1234.56]
    assert isinstance(row[3], int) and isinstance(row[4], float)
    assert sheet.cell(row=5, column=5).number_format == "#,##0.00"
    csv = client.get("/rapporter/beslut.csv").get_data(as_text=True)
    assert "Socialnämnden;Anstånd;2026-03;1;1234,56;1;0;0" in csv
    town.committee.name = "=HYPERLINK(\"http://example.com\")"
    db.session.flush()
    workbook = load_workbook(io.BytesIO(client.get("/rapporter/beslut.xlsx").data))
    cell = workbook.worksheets[0].cell(row=5, column=1)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"  # text, never a formula
    assert "'=HYPERLINK" in client.get("/rapporter/beslut.csv").get_data(as_text=True)


def test_readers_of_reports(town, client, make):
    member = make.user("ledamot", full_name="Lena Ledamot")
    from portal.org.models import PositionKind

    make.appointment(member, make.position(town.committee, PositionKind.MEMBER))
    client.login("ledamot")
    assert client.get("/rapporter/").status_code == 403
    assert client.get("/rapporter/beslut").status_code == 403
    assert client.get("/rapporter/beslut.xlsx").status_code == 403
    client.post_form("/logga-ut")
    client.login("chef.norr")
    assert client.get("/rapporter/").status_code == 200
    assert client.get("/rapporter/okand").status_code == 404
    assert client.get("/rapporter/beslut?committee=999999&date_from=2026-99-01&unit=x").status_code == 422


# --- a long list as a file made by a job ----------------------------------------------------------------

def test_a_long_department_list_is_made_as_a_file_by_a_job_for_its_reader_alone(town, make, client, monkeypatch):
    monkeypatch.setattr(finance_reports, "INVOICES_LISTED", 2)
    for n in range(3):
        make.invoice(town.customer, town.unit, town.category, number=f"L-{n}", due_date=TODAY - timedelta(days=10 + n),
                     original_ore=100_00)
    client.login("revisor")
    url = f"/rapporter/forfallna/forvaltningar/{town.department.id}"
    page = client.get(url).get_data(as_text=True)
    assert "De första 2 av 3 raderna visas." in page and "Gör filen" in page
    assert client.get(url + ".xlsx").status_code == 303  # the page's rows are not the whole list
    refused = client.post_form(url + "/fil", {"file_format": "pdf"})
    assert refused.status_code == 303 and db.session.query(ReportExport).count() == 0
    response = client.post_form(url + "/fil", {"file_format": "xlsx"})
    assert response.status_code == 303
    export = db.session.query(ReportExport).one()
    assert response.headers["Location"].endswith(f"/rapporter/filer/{export.id}")
    status = client.get(f"/rapporter/filer/{export.id}").get_data(as_text=True)
    assert "Filen är klar: 3 fakturor." in status
    workbook = load_workbook(io.BytesIO(client.get(f"/rapporter/filer/{export.id}/hamta").data))
    numbers = [row[0] for row in workbook.worksheets[0].iter_rows(min_row=5, values_only=True)]
    assert numbers[:3] == ["L-2", "L-1", "L-0"] and numbers[3] == "Totalt"
    client.post_form("/logga-ut")
    client.login("ekonomichef")  # the file holds what its asker may see: theirs alone
    assert client.get(f"/rapporter/filer/{export.id}").status_code == 403
    assert client.get(f"/rapporter/filer/{export.id}/hamta").status_code == 403
