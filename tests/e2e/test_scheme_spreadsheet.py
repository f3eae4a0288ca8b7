"""In a real browser: the finance director downloads a draft as a spreadsheet, edits it, uploads it,
reads the preview and applies it; the draft page's actions open in place; every page passes axe."""

from __future__ import annotations

from openpyxl import load_workbook

from tests.e2e.conftest import axe_violations, htmx_ready, login, open_draft_action


def test_download_edit_upload_preview_and_apply_a_draft(page, tmp_path):
    login(page, "ekonomichef")
    page.goto("/delegation/")
    page.get_by_role("link", name="Tekniska nämnden").click()
    page.get_by_role("button", name="Starta ett utkast").click()
    page.get_by_role("heading", name="Kontroll").wait_for()
    htmx_ready(page)
    assert axe_violations(page) == []

    # The actions stand above the rules; the rules of each case type are one line until opened.
    assert not page.get_by_role("button", name="Lägg till punkt").is_visible()
    open_draft_action(page, "Kalkylblad")
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ned utkastet som .xlsx").click()
    path = tmp_path / "utkast.xlsx"
    download.value.save_as(path)

    # Unchanged, the file changes nothing.
    page.get_by_label("Delegationsordningen som kalkylblad (.xlsx)").set_input_files(str(path))
    page.get_by_role("button", name="Ladda upp och förhandsgranska").click()
    page.get_by_text("Filen ändrar ingenting i utkastet.").wait_for()
    assert axe_violations(page) == []

    # A bad cell: every error by line and column, nothing read.
    book = load_workbook(path)
    sheet = book["Regler"]
    header = {cell.value: cell.column for cell in sheet[1]}
    first_number = sheet.cell(row=2, column=header["Nummer"]).value
    sheet.cell(row=2, column=header["Nivå"]).value = "två"
    bad = tmp_path / "fel.xlsx"
    book.save(bad)
    page.get_by_label("Delegationsordningen som kalkylblad (.xlsx)").set_input_files(str(bad))
    page.get_by_role("button", name="Ladda upp och förhandsgranska").click()
    page.get_by_text("ingenting lästes in i utkastet").wait_for()
    row = page.locator("tr", has=page.get_by_role("cell", name="Nivå", exact=True))
    assert "”två” är inget heltal." in row.inner_text() and "2" in row.inner_text()
    assert axe_violations(page) == []

    # A good edit: the preview names the change, applying it changes the draft.
    sheet.cell(row=2, column=header["Nivå"]).value = 1
    sheet.cell(row=2, column=header["Text som antagen"]).value = "Ändrad i Excel."
    good = tmp_path / "bra.xlsx"
    book.save(good)
    page.get_by_label("Delegationsordningen som kalkylblad (.xlsx)").set_input_files(str(good))
    page.get_by_role("button", name="Ladda upp och förhandsgranska").click()
    changes = page.get_by_role("table", name="Vad filen ändrar")
    changes.wait_for()
    assert first_number in changes.inner_text() and "Text som antagen" in changes.inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Läs in filen i utkastet").click()
    page.get_by_text("Kalkylbladet lästes in i utkastet: 0 tillagda, 1 ändrade").wait_for()
    assert axe_violations(page) == []
    assert "Ändrad i Excel." in page.locator("#version-body").text_content()

    open_draft_action(page, "Ny punkt")
    assert page.get_by_role("button", name="Lägg till punkt").is_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Kasta utkastet").click()
    page.get_by_text("Det går inte att ångra.").wait_for()
    page.get_by_role("button", name="Kasta utkastet").click()
    page.get_by_text("Utkastet kastades.").wait_for()
