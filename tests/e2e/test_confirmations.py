"""In a real browser: the finance director appoints herself, the registration waits, the
administrator confirms it; the confirmation page passes axe."""

from __future__ import annotations

from tests.e2e.conftest import axe_violations, htmx_ready, login, logout, menu_link

WAITS = "väntar på att en annan person med samma behörighet bekräftar den"


def test_a_self_appointment_waits_for_the_administrator_to_confirm_it(page):
    login(page, "ekonomichef")
    page.goto("/organisation/")
    page.get_by_role("link", name="Tekniska nämnden", exact=True).click()
    page.get_by_role("link", name="Fastighetschef").click()
    htmx_ready(page)
    page.evaluate("window.__noReload = true")
    form = page.locator("#appointments form")
    form.get_by_label("Person").select_option(label="Eva Ekström (ekonomichef)")
    form.get_by_role("textbox", name="Från (obligatoriskt)").fill("2027-01-01")
    form.get_by_role("button", name="Lägg till förordnande").click()
    page.locator("#appointments", has_text=WAITS).wait_for()
    assert page.evaluate("window.__noReload") is True
    assert page.locator("#appointments tbody tr", has_text="Eva Ekström").count() == 0
    assert axe_violations(page) == []

    menu_link(page, "Registreringar att bekräfta").click()
    page.wait_for_url("**/organisation/bekraftelser")
    own = page.get_by_role("article").filter(has_text="Fastighetschef")
    assert own.get_by_role("button", name="Ta tillbaka").is_visible()
    assert own.get_by_role("button", name="Bekräfta").count() == 0
    assert axe_violations(page) == []

    logout(page)
    login(page, "admin")
    menu_link(page, "Registreringar att bekräfta").click()
    page.wait_for_url("**/organisation/bekraftelser")
    assert axe_violations(page) == []
    item = page.get_by_role("article").filter(has_text="Fastighetschef")
    item.get_by_role("button", name="Bekräfta").click()
    page.get_by_text("Registreringen är bekräftad och gäller nu.").wait_for()
    assert axe_violations(page) == []
