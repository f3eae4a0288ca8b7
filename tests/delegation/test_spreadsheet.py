"""The draft as a spreadsheet: download, edit in Excel, upload, preview, all or nothing into the draft."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.audit.services import snapshot
from portal.delegation import scheme_import, services, spreadsheet, spreadsheet_read
from portal.delegation.models import RULE_FIELDS, DelegationRule
from portal.delegation.services import RuleInput
from portal.extensions import db


@pytest.fixture
def director(client, world):
    client.login("director")
    return world.director


@pytest.fixture
def draft(world):
    draft = services.draft_start(world.actor, world.sn)
    db.session.commit()
    return draft


def _download(client, draft) -> bytes:
    response = client.get(f"/delegation/versioner/{draft.id}/kalkylblad.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


def _upload(client, draft, data: bytes, name: str = "schema.xlsx"):
    return client.post_form(f"/delegation/versioner/{draft.id}/kalkylblad",
                            {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _apply(client, draft, html: str):
    content = re.search(r'name="content" type="hidden" value="([^"]*)"', html)[1]
    fingerprint = re.search(r'name="fingerprint" type="hidden" value="([^"]*)"', html)[1]
    return client.post_form(f"/delegation/versioner/{draft.id}/kalkylblad/anvand",
                            {"content": content, "fingerprint": fingerprint})


def _audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def _rules(draft_id: int) -> list[dict]:
    db.session.expire_all()
    rules = db.session.scalars(select(DelegationRule).where(DelegationRule.version_id == draft_id)
                               .order_by(DelegationRule.id)).all()
    return [{"id": r.id, **snapshot(r, RULE_FIELDS)} for r in rules]


def _edited(data: bytes, change) -> bytes:
    """The workbook after `change(sheet, header)` edits its rules sheet, as Excel would save it."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[spreadsheet.RULES_SHEET]
    header = {cell.value: cell.column for cell in sheet[1]}
    change(sheet, header)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _set(row: int, values: dict):
    def change(sheet, header):
        for name, value in values.items():
            sheet.cell(row=row, column=header[name]).value = value
    return change


def _errors(html: str) -> list[tuple[str, str, str]]:
    """The preview's error table as (line, column, message)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", body, re.S)
    import html as html_module
    return [tuple(html_module.unescape(cell) for cell in row) for row in rows]


# --- the round trip --------------------------------------------------------------------------------

def test_download_and_upload_unchanged_changes_nothing(client, world, director, draft):
    before, trail = _rules(draft.id), _audit_count()
    response = _upload(client, draft, _download(client, draft))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Filen ändrar ingenting i utkastet." in html
    assert "Läs in filen i utkastet" not in html  # nothing to apply
    assert _rules(draft.id) == before and _audit_count() == trail


def _every_shape(world, draft, make):
    """A rule of every field the editor holds: scope, conditions, frequency, floors, bars..."""
    from portal.delegation.models import EligibilityCondition

    category = make.category("VA", name="Anläggningsavgift")
    rent = make.category("HYRA", name="Hyra")
    condition = services.condition_create(world.actor, world.sn, name="Giltigt hyresavtal; kopia",
                                          requires_document=True)
    builtin = db.session.scalars(select(EligibilityCondition).where(EligibilityCondition.builtin.is_not(None))).first()
    from fractions import Fraction

    from portal.delegation.engine_types import FloorForm, PlanLengthFloor
    services.rule_save(world.actor, draft, None, RuleInput(
        number="2.1", text="=Plan för anläggningsavgift; högst 24 månader.", level=2, case_type="instalment_plan",
        delegate_type="named_position", delegate_position_id=world.dept_head.id,
        standin_position_id=world.head_north.id, consultation_position_id=world.fee_officer.id,
        invoice_category_ids=[category.id], issuing_unit_ids=[world.north.id, world.department.id],
        required_condition_ids=[condition.id] + ([builtin.id] if builtin else []),
        max_amount_ore=100_000_50, min_amount_ore=30_000_00, max_invoice_amount_ore=5_000_00,
        max_amount_pbb=Fraction(1, 3), amount_basis="twelve_months", max_plan_months=24,
        max_total_months=30, min_monthly_instalment_ore=200_00, max_instalments=3, max_granted_cases=1,
        frequency_period="twelve_months", plan_length_floors=[PlanLengthFloor(12, 12_000_00, FloorForm.OR_MORE),
                                                              PlanLengthFloor(24, 30_000_00, FloorForm.OR_MORE)],
        customer_kind="private", broken_after_days=10))
    services.rule_save(world.actor, draft, None, RuleInput(
        number="3.1", text="Avskrivning av hyra beviljas inte.", case_type="write_off", kind="bar",
        guideline_point="4.2", delegate_type="committee", excluded_invoice_category_ids=[rent.id],
        allowed_write_off_reasons=[], max_deferral_days=None))
    services.rule_save(world.actor, draft, None, RuleInput(
        number="3.2", text="Avskrivning vid dödsbo.", case_type="write_off", delegate_type="sub_committee",
        delegate_committee_id=world.au.id, allowed_write_off_reasons=["deceased_without_assets", "other"],
        consultation_unit_id=world.economy.id))
    services.rule_save(world.actor, draft, None, RuleInput(
        number="4.1", text="Brådskande anstånd.", case_type="deferral", kind="urgent", delegate_type="presidium",
        max_deferral_days=45, min_monthly_instalment_ore=200_00, allows_further_delegation=False))
    services.rule_save(world.actor, draft, None, RuleInput(
        number="1.1", text="Dubbel numrering.", case_type="credit", delegate_type="position_kind",
        delegate_position_kind="unit_head", delegate_scope="issuing_unit",
        allowed_reasons=["wrong_price", "duplicate", "other"]))
    services.rule_save(world.actor, draft, None, RuleInput(
        number="5.1", text="Avstå från indrivning.", case_type="forgo_collection", delegate_type="presidium",
        allowed_reasons=[]))
    db.session.commit()


def test_every_shape_of_rule_goes_and_comes_back_unchanged(client, world, director, draft, make):
    _every_shape(world, draft, make)
    before, trail = _rules(draft.id), _audit_count()
    data = _download(client, draft)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Regler", "Reglerna i ord", "Val"]
    sheet = book["Regler"]
    assert [c.value for c in sheet[1]] == list(spreadsheet.HEADERS)
    text_cell = next(c for row in sheet.iter_rows(min_row=2) for c in row
                     if isinstance(c.value, str) and c.value.startswith("=Plan"))
    assert text_cell.data_type == "s"  # text, never a formula
    words = "\n".join(str(c.value) for row in book["Reglerna i ord"].iter_rows() for c in row if c.value)
    assert "en plan på 12 månader eller mer kräver en skuld på minst 12\u00a0000,00\u00a0kr" in words
    response = _upload(client, draft, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, _errors(html)
    assert "Filen ändrar ingenting i utkastet." in html
    assert _rules(draft.id) == before and _audit_count() == trail


def test_every_field_a_rule_holds_has_a_column():
    covered = {name for column in spreadsheet.COLUMNS for name in column.fields}
    assert set(RULE_FIELDS) - covered == set()


def test_the_demo_schemes_go_and_come_back_unchanged(app, frozen_clock):
    from portal.audit.services import SYSTEM
    from portal.delegation import queries
    from portal.demo.seed import seed_demo

    seed_demo(ledger_invoices=200)
    committees = [c for c in queries.main_committees() if queries.latest_published(c.id) is not None]
    assert committees
    with app.test_request_context():
        for committee in committees:
            draft = queries.draft_of(committee.id) or services.draft_start(SYSTEM, committee)
            assert draft.rules, committee.name
            before = [snapshot(r, RULE_FIELDS) for r in draft.rules]
            result = scheme_import.preview(draft, spreadsheet.workbook_bytes(draft))
            assert result.errors == [], (committee.name, result.errors[:5])
            assert not result.changes_anything, [(c.number, c.status, c.columns) for c in result.changes if c.status != "same"]
            assert len(result.changes) == len(before)
            db.session.expire_all()
            assert [snapshot(r, RULE_FIELDS) for r in draft.rules] == before


# --- changing the draft from the file --------------------------------------------------------------

def test_an_edited_file_adds_changes_and_removes_rules_audited(client, world, director, draft):
    data = _download(client, draft)

    def change(sheet, header):
        sheet.cell(row=2, column=header["Längsta anstånd (månader)"]).value = 4
        sheet.cell(row=3, column=1).value = None  # rule 1.2 removed: its row emptied
        for name in spreadsheet.HEADERS:
            sheet.cell(row=3, column=header[name]).value = None
        new = {"Nummer": "5.1", "Nivå": 1, "Ärendetyp": "Avbetalningsplan", "Typ av punkt": "Ordinarie",
               "Text som antagen": "Avbetalningsplan i högst 12 månader.", "Delegat": "En typ av befattning",
               "Typ av befattning": "Enhetschef", "Var befattningen finns": "för den enhet som fakturerat",
               "Längsta plan (månader)": 12, "Högsta belopp (kr)": "20 000", "Får vidaredelegeras": "Nej"}
        for name, value in new.items():
            sheet.cell(row=4, column=header[name]).value = value

    response = _upload(client, draft, _edited(data, change))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, _errors(html)
    assert "läggs 1 punkter till, 1 ändras och 1 tas bort" in html
    assert _rules(draft.id)[0]["max_deferral_months"] == 3  # the preview kept nothing
    response = _apply(client, draft, html)
    assert response.status_code == 303
    rules = {r["number"]: r for r in _rules(draft.id)}
    assert set(rules) == {"1.1", "5.1"}
    assert rules["1.1"]["max_deferral_months"] == 4
    assert rules["5.1"]["max_amount_ore"] == 20_000_00 and rules["5.1"]["case_type"] == "instalment_plan"
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(4)).all()
    assert set(actions) == {"scheme_version.import", "delegation_rule.create", "delegation_rule.update",
                            "delegation_rule.delete"}
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "scheme_version.import")).one()
    assert entry.after["added"] == 1 and entry.after["changed"] == 1 and entry.after["removed"] == 1


def test_applying_refuses_when_the_draft_changed_after_the_preview(client, world, director, draft):
    data = _edited(_download(client, draft), _set(2, {"Längsta anstånd (månader)": 5}))
    html = _upload(client, draft, data).get_data(as_text=True)
    rule = db.session.scalars(select(DelegationRule).where(DelegationRule.version_id == draft.id)).first()
    services.rule_delete(world.actor, db.session.get(DelegationRule, rule.id))
    db.session.commit()
    before = _rules(draft.id)
    response = _apply(client, draft, html)
    assert response.status_code == 422
    assert "Utkastet har ändrats sedan filen förhandsgranskades" in response.get_data(as_text=True)
    assert _rules(draft.id) == before


def test_a_file_with_checker_errors_is_read_and_the_preview_names_them(client, world, director, draft):
    """What the checker finds is kept in the draft and shown beside the rule, as in the editor."""
    data = _edited(_download(client, draft), _set(2, {"Längsta plan (månader)": 12}))
    html = _upload(client, draft, data).get_data(as_text=True)
    assert "skulle hindra publicering" in html and "gäller inte för ärendetypen" in html
    assert _apply(client, draft, html).status_code == 303
    assert _rules(draft.id)[0]["max_plan_months"] == 12


# --- bad files: a clear error each, and nothing changes --------------------------------------------

def _refused(client, draft, data, name="schema.xlsx") -> list[tuple[str, str, str]]:
    before, trail = _rules(draft.id), _audit_count()
    response = _upload(client, draft, data, name)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ingenting lästes in i utkastet" in html
    assert "Läs in filen i utkastet" not in html
    assert _rules(draft.id) == before and _audit_count() == trail
    return _errors(html)


def _workbook(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_pdf_is_refused(client, world, director, draft):
    assert _refused(client, draft, b"%PDF-1.7\n...", "schema.pdf") == [
        ("—", "—", "Filen är ingen .xlsx-arbetsbok. Spara den i Excel som ”Excel-arbetsbok (.xlsx)” "
                   "och ladda upp den filen.")]


def test_no_file_and_a_csv_file_are_refused(client, world, director, draft):
    errors = _refused(client, draft, "Nummer;Nivå\n1;1\n".encode(), "schema.csv")
    assert "ingen .xlsx-arbetsbok" in errors[0][2]


def test_an_empty_sheet_is_refused(client, world, director, draft):
    assert _refused(client, draft, _workbook([])) == [
        ("—", "—", "Bladet är tomt: det har varken rubrikrad eller punkter.")]


def test_a_sheet_with_only_its_header_is_refused(client, world, director, draft):
    errors = _refused(client, draft, _workbook([list(spreadsheet.HEADERS)]))
    assert errors == [("—", "—", "Bladet har inga punkter. Kasta utkastet i stället om alla punkter ska bort.")]


def test_an_unknown_or_missing_column_is_refused(client, world, director, draft):
    def change(sheet, header):
        sheet.cell(row=1, column=header["Nivå"]).value = "Niva"
        sheet.cell(row=1, column=sheet.max_column + 1).value = "Anteckning"
    errors = _refused(client, draft, _edited(_download(client, draft), change))
    assert ("1", "Niva", "Kolumnen ”Niva” är inte en av delegationsordningens kolumner (se bladet Val).") in errors
    assert ("1", "Anteckning", "Kolumnen ”Anteckning” är inte en av delegationsordningens kolumner (se bladet Val).") in errors
    assert ("1", "Nivå", "Filen saknar kolumnen ”Nivå”. Ladda ned utkastet som kalkylblad för en fil med "
                         "alla kolumner.") in errors


def test_a_wrong_type_in_a_cell_is_named_by_line_and_column(client, world, director, draft):
    data = _edited(_download(client, draft), _set(3, {"Nivå": "två", "Högsta belopp (kr)": "mycket",
                                                      "Längsta anstånd (månader)": 2.5,
                                                      "Får vidaredelegeras": "kanske"}))
    errors = _refused(client, draft, data)
    assert ("3", "Nivå", "”två” är inget heltal.") in errors
    assert ("3", "Högsta belopp (kr)", "”mycket” är inget belopp i kronor, t.ex. 12 345,50.") in errors
    assert ("3", "Längsta anstånd (månader)", "Skriv ett heltal.") in errors
    assert ("3", "Får vidaredelegeras", "Skriv Ja eller Nej (”kanske” är inget av dem).") in errors


def test_unknown_names_are_refused(client, world, director, draft):
    data = _edited(_download(client, draft), _set(2, {
        "Delegat": "En namngiven befattning", "Namngiven befattning": "Kanslichef (SN)",
        "Bara fakturakategorierna": "Parkering", "Förutsättningar": "Särskilda skäl",
        "Ärendetyp": "Uppskov"}))
    errors = _refused(client, draft, data)
    columns = {column: message for line, column, message in errors if line == "2"}
    assert columns["Namngiven befattning"] == "”Kanslichef (SN)” är inte ett av kolumnens värden (se bladet Val)."
    assert columns["Bara fakturakategorierna"] == "Okänt: ”Parkering” (se bladet Val för de namn kolumnen tar)."
    assert columns["Förutsättningar"] == "Okänt: ”Särskilda skäl” (se bladet Val för de namn kolumnen tar)."
    assert columns["Ärendetyp"] == "”Uppskov” är inte ett av kolumnens värden (se bladet Val)."


def test_the_services_validation_names_its_column(client, world, director, draft):
    """The editor's own checks: a named position chosen without naming it, a bar without its point."""
    data = _edited(_download(client, draft), _set(2, {"Delegat": "En namngiven befattning",
                                                      "Typ av punkt": "Riktlinjespärr: beviljas inte",
                                                      "Får vidaredelegeras": "Nej"}))
    data = _edited(data, _set(3, {"Högsta belopp (kr)": -5, "Nummer": None}))
    errors = _refused(client, draft, data)
    assert ("2", "Namngiven befattning", "Välj befattning.") in errors
    assert ("2", "Punkt i riktlinjen", "Ange vilken punkt i riktlinjen spärren hänvisar till, t.ex. 4.2.") in errors
    assert {column for line, column, _message in errors if line == "3"} == {"Högsta belopp (kr)", "Nummer"}


def test_more_rows_than_a_scheme_has_are_refused(client, world, director, draft):
    row = list(spreadsheet.rule_cells(draft.rules[0], spreadsheet.names_for(draft)))
    errors = _refused(client, draft, _workbook([list(spreadsheet.HEADERS)] + [row] * (spreadsheet_read.MAX_ROWS + 1)))
    assert errors == [("—", "—", f"Bladet har fler än {spreadsheet_read.MAX_ROWS} punkter, det mesta en "
                                 "delegationsordning får ha. Ingenting lästes in.")]


def test_the_first_thousand_errors_are_listed_then_counted(client, world, director, draft, monkeypatch):
    monkeypatch.setattr(spreadsheet_read, "MAX_ROWS", 2_000)
    row = ["x"] + [None] * (len(spreadsheet.HEADERS) - 1)
    row[spreadsheet.HEADERS.index("Nivå")] = "ett"
    response = _upload(client, draft, _workbook([list(spreadsheet.HEADERS)] + [row] * 1_100))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert len(_errors(html)) == 1_000
    assert re.search(r"Och \d+ fel till\.", html)


def test_a_published_version_has_no_spreadsheet(client, world, director):
    assert client.get(f"/delegation/versioner/{world.version.id}/kalkylblad.xlsx").status_code == 404
    response = _upload(client, world.version, b"PK")
    assert response.status_code == 404


def test_only_the_finance_director_downloads_or_uploads_and_refusals_are_recorded(client, world, draft):
    client.login("david")
    assert client.get(f"/delegation/versioner/{draft.id}/kalkylblad.xlsx").status_code == 403
    assert _upload(client, draft, b"x").status_code == 403
    refusals = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("%denied%")
                                                           | AuditEntry.action.like("%refus%"))).all()
    assert len(refusals) >= 2


def test_the_draft_page_offers_the_spreadsheet(client, world, director, draft):
    html = client.get(f"/delegation/versioner/{draft.id}").get_data(as_text=True)
    assert f"/delegation/versioner/{draft.id}/kalkylblad.xlsx" in html
    assert "Ladda upp och förhandsgranska" in html
    published = client.get(f"/delegation/versioner/{world.version.id}").get_data(as_text=True)
    assert "kalkylblad.xlsx" not in published


def test_rules_from_the_common_provisions_go_and_come_back_but_are_not_changed_here(client, world, director,
                                                                                     make):
    """RULINGS 11: an included rule is changed only in the common provisions."""
    from datetime import date

    from portal.delegation import common, queries
    from portal.org.bodies import BodyKind
    from portal.org.models import PositionKind

    world.ks.kind = BodyKind.EXECUTIVE_COMMITTEE.value
    accountant = make.position(world.ks, PositionKind.FEE_OFFICER, world.economy, "Redovisningschef")
    db.session.flush()
    common_draft = common.common_draft_start(world.actor)
    for rule in list(common_draft.rules):
        services.rule_delete(world.actor, rule)
    services.rule_save(world.actor, common_draft, None, RuleInput(
        number="G1", text="Kreditering beslutas av redovisningschefen.", case_type="credit",
        delegate_type="named_position", delegate_position_id=accountant.id))
    day = date(2026, 11, 23)
    common_version = services.version_publish(world.actor, common_draft, adopted_on=day, paragraph="3",
                                              valid_from=day)
    draft = queries.draft_of(world.sn.id) or services.draft_start(world.actor, world.sn)
    common.common_adopt(world.actor, draft, common_version)
    db.session.commit()
    assert any(rule.is_included for rule in draft.rules)
    before, trail = _rules(draft.id), _audit_count()
    data = _download(client, draft)
    response = _upload(client, draft, data)
    assert response.status_code == 200 and "Filen ändrar ingenting i utkastet." in response.get_data(as_text=True)

    def line_of(sheet, header, number):
        return next(row[0].row for row in sheet.iter_rows(min_row=2) if row[header["Nummer"] - 1].value == number)

    def change(sheet, header):
        sheet.cell(row=line_of(sheet, header, "G1"), column=header["Text som antagen"]).value = "Ändrad."
    errors = _refused(client, draft, _edited(data, change))
    assert len(errors) == 1 and errors[0][1] == "—" and "Punkt G1" in errors[0][2]

    def remove(sheet, header):
        sheet.delete_rows(line_of(sheet, header, "G1"))
    errors = _refused(client, draft, _edited(data, remove))
    assert len(errors) == 1 and errors[0][0] == "—" and "Punkt G1" in errors[0][2]
    assert _rules(draft.id) == before and _audit_count() == trail
