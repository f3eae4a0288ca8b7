"""Batch write-offs (samlingsbeslut, RULINGS 17) in the reports and the internal control: one decision
each, counted by decision date in the decision reports and by execution date in the write-offs
booked (RULINGS 19), in every check of the internal control, and read with the batch page's own
visibility in the page, the CSV and the .xlsx."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from portal import clock
from portal.batches.models import BatchConflict
from portal.extensions import db
from portal.meetings.models import Meeting
from portal.reports import control, decision_reports, finance_reports, queries
from portal.reports.models import ReportingSetting
from portal.reports.rules import Mark

BATCH = "Samlingsbeslut om avskrivning"


def _build(builder, user, **filters):
    return builder(user, clock.today(), queries.Filters(**filters), queries.organisation())


def _table(report, key):
    return next(table for table in report.tables if table.key == key)


def _objective(key: str) -> control.Objective:
    return next(o for o in control.objectives(clock.today(), control.Period()) if o.key == key)


def _meeting(town, on: date) -> Meeting:
    meeting = Meeting(committee_id=town.committee.id, meeting_date=on, state="held",
                      created_at=datetime(2026, 1, 1, tzinfo=UTC))
    db.session.add(meeting)
    db.session.flush()
    return meeting


# --- decisions, by decision date ----------------------------------------------------------------------

def test_a_decided_batch_is_one_decision_in_its_month_with_its_lines_amount(town):
    town.batch([(town.unit, 1_000_00, 50_00), (town.other_unit, 500_00, 0)], decided_on=date(2026, 3, 5))
    town.batch([(town.unit, 200_00, 0)], decided_on=date(2026, 4, 1), outcome="refused", state="refused")
    town.batch([(town.unit, 900_00, 0)], decided_on=None, state="awaiting_decision")  # not decided
    town.decide(town.case("write_off", amount_ore=70_00), date(2026, 3, 6), rule="3.1")
    report = _build(decision_reports.decisions, town.auditor)
    rows = _table(report, "decisions").rows
    assert ["Socialnämnden", BATCH, "2026-03", 1, 1_550_00, 1, 0, 0] in rows
    assert ["Socialnämnden", BATCH, "2026-04", 1, 200_00, 0, 0, 1] in rows
    assert ["Socialnämnden", "Avskrivning", "2026-03", 1, 70_00, 1, 0, 0] in rows
    assert _table(report, "months").rows == [["2026-03", 2], ["2026-04", 1]]
    assert "ett beslut" in report.statements[0]
    # A unit chosen: the batch counts with the amount of its lines there.
    syd = _build(decision_reports.decisions, town.auditor, unit_id=town.other_unit.id)
    assert _table(syd, "decisions").rows == [["Socialnämnden", BATCH, "2026-03", 1, 500_00, 1, 0, 0]]
    # The write-off type takes batches; another type or committee none; the period by decision date.
    assert _table(_build(decision_reports.decisions, town.auditor, case_type="write_off"), "decisions").totals[3] == 3
    assert _table(_build(decision_reports.decisions, town.auditor, case_type="deferral"), "decisions").rows == []
    assert _table(_build(decision_reports.decisions, town.auditor, committee_id=town.other_committee.id),
                  "decisions").rows == []
    april = _build(decision_reports.decisions, town.auditor, date_from=date(2026, 4, 1))
    assert _table(april, "decisions").rows == [["Socialnämnden", BATCH, "2026-04", 1, 200_00, 0, 0, 1]]


# --- write-offs booked, by execution date --------------------------------------------------------------

def test_executed_batches_count_in_the_write_off_table_by_the_stockholm_day_they_were_executed(town):
    # Decided in 2025, executed at 00:30 Stockholm time on New Year's Day 2026: a 2026 write-off.
    town.batch([(town.unit, 3_000_00, 400_00), (town.other_unit, 2_000_00, 0)], decided_on=date(2025, 12, 20),
               executed_at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC), final=True, reason="deceased_without_assets")
    town.batch([(town.unit, 1_000_00, 0)], decided_on=date(2025, 3, 1),
               executed_at=datetime(2025, 3, 2, 9, tzinfo=UTC))
    town.batch([(town.unit, 7_000_00, 0)], state="granted")  # granted, not booked: not a write-off yet
    town.batch([(town.unit, 8_000_00, 0)], state="refused", outcome="refused")
    report = _build(finance_reports.write_offs, town.auditor)
    audit = _table(report, "audit")
    assert [c.label for c in audit.columns] == ["Förvaltning etc.", "2025", "2026"]
    assert audit.rows == [["Socialförvaltningen", 1, 5], ["Inkassokostnader", 0, 0], ["Dröjsmålsräntor", 0, 0]]
    assert audit.totals == ["Totalt", 1, 5]
    details = _table(report, "details")
    assert details.rows == [
        ["Socialförvaltningen", 2025, "Oekonomiskt litet belopp", "Bokföringsmässig (fordran finns kvar)", 0, 1,
         1_000_00],
        ["Socialförvaltningen", 2026, "Avliden utan tillgångar", "Slutlig", 0, 2, 5_400_00],
    ]
    assert [c.label for c in details.columns][4:6] == ["Ärenden", "Fakturor i samlingsbeslut"]
    assert "samlingsbeslut efter den dag" in report.basis
    # The period is whole Stockholm days of the execution.
    only_2025 = _build(finance_reports.write_offs, town.auditor, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    assert _table(only_2025, "details").totals[4:] == [0, 1, 1_000_00]
    only_2026 = _build(finance_reports.write_offs, town.auditor, date_from=date(2026, 1, 1))
    assert _table(only_2026, "details").totals[4:] == [0, 2, 5_400_00]
    assert _table(_build(finance_reports.write_offs, town.auditor, case_type="deferral"), "details").rows == []
    syd = _build(finance_reports.write_offs, town.auditor, unit_id=town.other_unit.id)
    assert _table(syd, "details").totals[4:] == [0, 1, 2_000_00]


# --- delegation compliance ---------------------------------------------------------------------------------

def test_compliance_counts_each_batch_as_one_delegated_decision(town, make):
    make.delegation_rule(town.version, "3.5", case_type="write_off", consultation_unit_id=town.department.id)
    town.batch([(town.unit, 100_00, 0), (town.other_unit, 100_00, 0)], decided_on=date(2026, 11, 1))
    town.batch([(town.unit, 300_00, 0)], decided_on=date(2026, 11, 2), rule="3.5")  # no consultation on a batch
    town.batch([(town.unit, 50_00, 0)], decided_on=None, state="referred_to_committee")
    reported = town.batch([(town.unit, 10_00, 0)], decided_on=date(2026, 10, 1), capacity="standin")
    reported.decision.reported_meeting_id = _meeting(town, date(2026, 10, 20)).id
    db.session.flush()
    report = _build(decision_reports.compliance, town.auditor)
    assert _table(report, "rules").rows == [
        ["Socialnämnden", BATCH, "3.1", "Enhetschef Norr", "befattningshavare", 1, 200_00],
        ["Socialnämnden", BATCH, "3.1", "Enhetschef Norr", "ersättare", 1, 10_00],
        ["Socialnämnden", BATCH, "3.5", "Enhetschef Norr", "befattningshavare", 1, 300_00],
    ]
    consultation = {row[0]: row[1] for row in _table(report, "consultation").rows}
    assert consultation["Alla delegationsbeslut"] == 3
    assert consultation["Delegationspunkten kräver samråd, inget registrerat före beslutet (ska vara inget)"] == 1
    assert _table(report, "referred").rows == [["Socialnämnden", BATCH, 1, 0]]
    unreported = _table(report, "unreported")
    assert [row[2:] for row in unreported.rows] == [[BATCH, "3.1", date(2026, 11, 1), 22],
                                                    [BATCH, "3.5", date(2026, 11, 2), 21]]
    assert "2 ännu inte anmälda" in unreported.note


def test_a_batch_the_committee_decided_is_no_delegated_decision(town):
    meeting = _meeting(town, date(2026, 11, 10))
    town.batch([(town.unit, 100_00, 0)], decided_on=date(2026, 11, 10), meeting=meeting, by=town.department_head)
    report = _build(decision_reports.compliance, town.auditor)
    assert _table(report, "rules").rows == [] and _table(report, "unreported").rows == []
    assert _table(report, "referred").rows == [["Socialnämnden", BATCH, 0, 1]]
    assert _table(_build(decision_reports.decisions, town.auditor), "decisions").totals[3] == 1
    outside = _objective("outside_scheme")
    assert outside.mark == Mark.GREEN and "Kontrollerat 0 delegationsbeslut" in outside.statement
    assert _objective("reporting").mark == Mark.GREEN


# --- the internal control ----------------------------------------------------------------------------------

def test_a_batch_decided_outside_the_scheme_in_force_is_a_red_non_zero(town, make):
    town.batch([(town.unit, 100_00, 0)], decided_on=date(2026, 3, 1))
    outside = _objective("outside_scheme")
    assert outside.mark == Mark.GREEN and "Kontrollerat 1 delegationsbeslut" in outside.statement
    old = make.scheme_version(town.committee, valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31),
                              adopted_on=date(2024, 12, 1), paragraph="99")
    make.delegation_rule(old, "3.1", case_type="write_off")
    stale = town.batch([(town.unit, 100_00, 0)], decided_on=date(2026, 3, 2), version=old)
    deferral_rule = town.batch([(town.unit, 100_00, 0)], decided_on=date(2026, 3, 3), rule="1.1")
    outside = _objective("outside_scheme")
    assert outside.mark == Mark.RED and outside.count == 2
    assert [row[0] for row in outside.rows] == [stale.registry_number, deferral_rule.registry_number]
    assert outside.rows[0][2] == BATCH
    assert "write_off_batch_decisions" in outside.sql and "scheme_versions" in outside.sql


def test_a_batch_decided_by_its_preparer_or_a_conflicted_person_is_a_red_non_zero(town):
    town.batch([(town.unit, 100_00, 0)])
    assert _objective("by_preparer").mark == Mark.GREEN
    town.batch([(town.unit, 100_00, 0)], prepared_by=town.head)
    conflicted = town.batch([(town.unit, 100_00, 0)])
    db.session.add(BatchConflict(batch_id=conflicted.id, user_id=town.head.id,
                                 declared_at=datetime(2026, 3, 1, tzinfo=UTC)))
    db.session.flush()
    found = _objective("by_preparer")
    assert found.mark == Mark.RED and found.count == 2 and {row[4] for row in found.rows} == {"Nils Norberg"}


def test_a_batch_under_a_rule_that_requires_consultation_is_a_red_non_zero(town, make):
    make.delegation_rule(town.version, "3.5", case_type="write_off", consultation_unit_id=town.department.id)
    town.batch([(town.unit, 100_00, 0)])
    assert _objective("without_consultation").mark == Mark.GREEN
    town.batch([(town.unit, 100_00, 0)], rule="3.5")
    found = _objective("without_consultation")
    assert found.mark == Mark.RED and found.count == 1 and found.rows[0][2] == BATCH


def test_batch_decisions_are_reported_within_the_deadline(town):
    db.session.add(ReportingSetting(report_within_days=30))
    town.batch([(town.unit, 100_00, 0)], decided_on=date(2026, 9, 1), reported_at=_meeting(town, date(2026, 9, 20)))
    town.batch([(town.unit, 100_00, 0)], decided_on=date(2026, 11, 1))  # waiting 22 days
    assert _objective("reporting").mark == Mark.GREEN
    late = town.batch([(town.unit, 100_00, 0)], decided_on=date(2026, 9, 2),
                      reported_at=_meeting(town, date(2026, 10, 15)))
    reporting = _objective("reporting")
    assert reporting.mark == Mark.AMBER
    assert reporting.rows == [[late.registry_number, "Socialnämnden", BATCH, "2026-09-02", "2026-10-15", "43"]]
    overdue = town.batch([(town.unit, 100_00, 0)], decided_on=date(2026, 10, 1))
    reporting = _objective("reporting")
    assert reporting.mark == Mark.RED and reporting.count == 2
    assert [overdue.registry_number, "Socialnämnden", BATCH, "2026-10-01", "Inte anmält", "53"] in reporting.rows
    assert "Kontrollerat 4 delegationsbeslut" in reporting.statement


def test_the_internal_control_page_lists_the_batch_behind_a_red_mark(town, client):
    batch = town.batch([(town.unit, 100_00, 0)], prepared_by=town.head)
    client.login("revisor")
    page = client.get("/rapporter/intern-kontroll").get_data(as_text=True)
    assert batch.registry_number in page and BATCH in page


# --- who sees a batch in the reports: the batch page's own readers --------------------------------------

def _xlsx_text(data: bytes) -> str:
    workbook = load_workbook(io.BytesIO(data))
    return " ".join(str(cell) for sheet in workbook.worksheets
                    for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)


@pytest.mark.parametrize("name", ["beslut", "avskrivningar", "delegation"])
def test_a_reader_who_may_not_see_a_batch_finds_nothing_of_it_in_page_csv_or_xlsx(town, client, name):
    # Decided by the head of Norr, with a line in Syd: the head of Syd (a unit head of the same
    # committee) and the school's head (another committee) read reports but not this batch.
    town.batch([(town.unit, 1_234_00, 0), (town.other_unit, 4_321_00, 0)], decided_on=date(2026, 3, 5),
               executed_at=datetime(2026, 3, 6, 9, tzinfo=UTC))
    for username in ("chef.syd", "skolchef"):
        client.login(username)
        assert client.get(f"/rapporter/{name}").status_code == 200
        for suffix in ("", ".csv"):
            text = client.get(f"/rapporter/{name}{suffix}").get_data(as_text=True)
            digits = text.replace(" ", "").replace("\xa0", "").replace("\u202f", "")
            assert BATCH not in text and "4321" not in digits and "5555" not in digits
        xlsx = _xlsx_text(client.get(f"/rapporter/{name}.xlsx").data)
        assert BATCH not in xlsx and "4321" not in xlsx and "5555" not in xlsx
        client.post_form("/logga-ut")
    # The decider, the auditor and finance see it.
    for username in ("chef.norr", "revisor", "ekonom"):
        client.login(username)
        if name == "avskrivningar":
            assert "Socialförvaltningen;5555,00" in client.get(f"/rapporter/{name}.csv").get_data(as_text=True)
        else:
            assert BATCH in client.get(f"/rapporter/{name}").get_data(as_text=True)
            assert BATCH in _xlsx_text(client.get(f"/rapporter/{name}.xlsx").data)
        client.post_form("/logga-ut")
