"""In a real browser (issue 12): the finance director uploads the HR system's file, reads every bad row
by line and column, uploads a good file, reads its preview and imports it; no accessibility violations."""

from __future__ import annotations

from tests.e2e.conftest import axe_violations, login

HEADER = "Nämnd;Enhetskod;Enhet;Överordnad enhetskod;Befattning;Befattningstyp;Anställningsnummer;Namn;E-post;Från\n"
GOOD = HEADER + "SN;3190;Hemtjänst Väst;3000;Enhetschef Hemtjänst Väst;Enhetschef;9001;Vera Väst;vera.vast@demo.se;2026-01-01\n"
BAD = (HEADER + "XN;3190;Hemtjänst Väst;3000;Enhetschef Hemtjänst Väst;Enhetschef;9001;Vera Väst;vera.vast@demo.se;2026-01-01\n"
       + "SN;3191;Hemtjänst Öst;3000;Enhetschef Hemtjänst Öst;Enhetschef;9002;Olof Öst;olof.ost@demo.se;igår\n")


def test_upload_preview_and_import_of_the_organisation(page, tmp_path):
    login(page, "ekonomichef")
    page.goto("/organisation/")
    page.get_by_role("link", name="Importera organisationen").click()
    assert axe_violations(page) == []

    bad = tmp_path / "hr-fel.csv"
    bad.write_text(BAD, encoding="utf-8")
    page.get_by_label("Filen från HR-systemet (CSV eller .xlsx)").set_input_files(str(bad))
    page.get_by_role("button", name="Visa förhandsgranskningen").click()
    page.get_by_role("heading", name="Filen har 2 fel: inget har ändrats").wait_for()
    assert page.get_by_role("cell", name="Ingen nämnd har koden XN.").is_visible()
    assert axe_violations(page) == []

    good = tmp_path / "hr.csv"
    good.write_text(GOOD, encoding="utf-8")
    page.get_by_label("Filen från HR-systemet (CSV eller .xlsx)").set_input_files(str(good))
    page.get_by_role("button", name="Visa förhandsgranskningen").click()
    page.wait_for_url("**/organisation/import/*")
    page.get_by_role("heading", name="Förhandsgranskning av hr.csv").wait_for()
    assert page.get_by_role("heading", name="Nya förordnanden (1)").is_visible()
    assert page.get_by_role("cell", name="Nytt konto utan lösenord").is_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Importera filen").click()
    page.get_by_role("heading", name="Importerad", exact=False).first.wait_for()
    assert page.get_by_text("Organisationen är importerad.").is_visible()
    assert page.get_by_text("Förordnanden: 1 nya").is_visible()
    assert axe_violations(page) == []
