"""In a real browser: the finance director writes a guideline bar ("beviljas inte", issue 12 §8) into a
draft through the editor; the draft says it in words and every page passes axe."""

from __future__ import annotations

from tests.e2e.conftest import axe_violations, htmx_ready, login, open_draft_action


def test_finance_director_writes_a_guideline_bar_into_a_draft(page):
    login(page, "ekonomichef")
    page.goto("/delegation/")
    page.get_by_role("link", name="Kommunstyrelsen").click()
    page.get_by_role("button", name="Starta ett utkast").click()
    page.get_by_role("heading", name="Kontroll").wait_for()
    htmx_ready(page)

    open_draft_action(page, "Ny punkt")
    form = page.locator("#version-body form").filter(has=page.get_by_role("button", name="Lägg till punkt"))
    form.get_by_label("Punktens nummer").fill("8.1")
    form.get_by_label("Text som antagen").fill("Avbetalningsplan längre än 24 månader beviljas inte.")
    form.get_by_label("Ärendetyp").select_option(label="Avbetalningsplan")
    form.get_by_label("Typ av punkt").select_option(label="Riktlinjespärr: beviljas inte")
    form.get_by_label("Punkt i riktlinjen (riktlinjespärr)").fill("4.2")
    form.get_by_label("Delegat", exact=True).select_option(label="Ingen: nämnden (bara riktlinjespärrar)")
    form.get_by_label("Längsta plan (månader)").fill("24")
    form.get_by_role("button", name="Lägg till punkt").click()
    row = page.locator("tr", has=page.get_by_role("rowheader", name="8.1"))
    row.get_by_text("Beviljas inte enligt riktlinjen (punkt 4.2)").wait_for()
    text = row.inner_text()
    assert "Nämnden själv" in text and "Riktlinjen tillåter bara: plan om högst 24 månader" in text
    assert "Fel:" not in text
    assert axe_violations(page) == []

    # A bar without its point is refused beside the field, with nothing saved.
    htmx_ready(page)
    open_draft_action(page, "Ny punkt")
    form = page.locator("#version-body form").filter(has=page.get_by_role("button", name="Lägg till punkt"))
    form.get_by_label("Punktens nummer").fill("8.2")
    form.get_by_label("Text som antagen").fill("Anstånd för hyra beviljas inte.")
    form.get_by_label("Typ av punkt").select_option(label="Riktlinjespärr: beviljas inte")
    form.get_by_label("Delegat", exact=True).select_option(label="Ingen: nämnden (bara riktlinjespärrar)")
    form.get_by_role("button", name="Lägg till punkt").click()
    page.get_by_text("Ange vilken punkt i riktlinjen spärren hänvisar till").wait_for()
    assert page.locator("tr", has=page.get_by_role("rowheader", name="8.2")).count() == 0
    assert axe_violations(page) == []

    page.get_by_role("button", name="Kasta utkastet").click()
    page.get_by_text("Det går inte att ångra.").wait_for()
    page.get_by_role("button", name="Kasta utkastet").click()
    page.get_by_text("Utkastet kastades.").wait_for()
