"""In a real browser: "Ny punkt" is empty after an htmx save, and removing a rule or discarding a draft
asks on a page of its own before anything changes; the question passes axe."""

from __future__ import annotations

from tests.e2e.conftest import axe_violations, htmx_ready, login, open_draft_action


def test_a_rule_is_added_once_and_removed_only_after_confirming(page):
    login(page, "ekonomichef")
    page.goto("/delegation/")
    page.get_by_role("link", name="Barn- och utbildningsnämnden").click()
    page.get_by_role("button", name="Starta ett utkast").click()
    page.get_by_role("heading", name="Kontroll").wait_for()
    htmx_ready(page)

    open_draft_action(page, "Ny punkt")
    form = page.locator("#version-body form").filter(has=page.get_by_role("button", name="Lägg till punkt"))
    form.get_by_label("Punktens nummer").fill("9.9")
    form.get_by_label("Text som antagen").fill("Anstånd i högst 30 dagar beslutas av förvaltningschef.")
    form.get_by_label("Ärendetyp").select_option(label="Anstånd")
    form.get_by_label("Typ av befattning").select_option(label="Förvaltningschef")
    form.get_by_label("Var befattningen finns").select_option(label="för den förvaltning som fakturerat")
    form.get_by_label("Längsta anstånd (dagar)").fill("30")
    form.get_by_role("button", name="Lägg till punkt").click()
    row = page.locator("tr", has=page.get_by_role("rowheader", name="9.9"))
    row.wait_for()
    htmx_ready(page)
    open_draft_action(page, "Ny punkt")  # the new-rule form closes once its rule is added
    form = page.locator("#version-body form").filter(has=page.get_by_role("button", name="Lägg till punkt"))
    assert form.get_by_label("Punktens nummer").input_value() == ""
    assert form.get_by_label("Text som antagen").input_value() == ""

    row.get_by_role("button", name="Ta bort punkt 9.9").click()
    page.get_by_text("Det går inte att ångra.").wait_for()
    assert page.locator("tr", has=page.get_by_role("rowheader", name="9.9")).count() == 0  # the question only
    assert axe_violations(page) == []
    page.get_by_role("button", name="Ta bort punkten").click()
    page.get_by_role("heading", name="Kontroll").wait_for()
    assert page.locator("tr", has=page.get_by_role("rowheader", name="9.9")).count() == 0

    page.get_by_role("button", name="Kasta utkastet").click()
    page.get_by_text("Det går inte att ångra.").wait_for()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Kasta utkastet").click()
    page.get_by_text("Utkastet kastades.").wait_for()
