"""In a real browser: the finance director adds a committee's own eligibility condition and writes a
rule that requires it through the editor (issue 12 §2); every page passes axe."""

from __future__ import annotations

from tests.e2e.conftest import axe_violations, htmx_ready, login, open_draft_action


def test_finance_director_adds_a_condition_and_a_rule_that_requires_it(page):
    login(page, "ekonomichef")
    page.goto("/delegation/")
    page.get_by_role("link", name="Kommunstyrelsen").click()
    page.get_by_role("link", name="Förutsättningar", exact=True).click()
    page.get_by_role("heading", name="Förutsättningar för Kommunstyrelsen").wait_for()
    assert "Ansökan kom in före förfallodagen" in page.content()
    assert axe_violations(page) == []
    htmx_ready(page)
    page.get_by_label("Förutsättning, som riktlinjen formulerar den").fill("Giltigt hyresavtal enligt kopia")
    page.get_by_label("Besvaras med ett dokument (t.ex. ett intyg)").check()
    page.get_by_role("button", name="Lägg till förutsättning").click()
    page.get_by_role("cell", name="Giltigt hyresavtal enligt kopia").wait_for()
    assert axe_violations(page) == []

    page.goto("/delegation/")
    page.get_by_role("link", name="Kommunstyrelsen").click()
    page.get_by_role("button", name="Starta ett utkast").click()
    page.get_by_role("heading", name="Kontroll").wait_for()
    htmx_ready(page)
    open_draft_action(page, "Ny punkt")
    form = page.locator("#version-body form").filter(has=page.get_by_role("button", name="Lägg till punkt"))
    form.get_by_label("Punktens nummer").fill("8.3")
    form.get_by_label("Text som antagen").fill("Anstånd med hyra vid giltigt hyresavtal beslutas av ekonomichef.")
    form.get_by_label("Ärendetyp").select_option(label="Anstånd")
    form.get_by_label("Typ av befattning").select_option(label="Ekonomichef")
    form.get_by_label("Var befattningen finns").select_option(label="inom nämnden")
    form.get_by_label("Giltigt hyresavtal enligt kopia").check()
    form.get_by_role("button", name="Lägg till punkt").click()
    row = page.locator("tr", has=page.get_by_role("rowheader", name="8.3"))
    row.get_by_text("bara om: Giltigt hyresavtal enligt kopia").wait_for()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Kasta utkastet").click()
    page.get_by_text("Det går inte att ångra.").wait_for()
    page.get_by_role("button", name="Kasta utkastet").click()
    page.get_by_text("Utkastet kastades.").wait_for()
