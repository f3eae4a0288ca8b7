"""In a real browser: each demo role's navigation, htmx editing without reloads, and WCAG 2.1 AA."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import axe_violations, htmx_ready, login, menu_link

NAV = ["Mina uppgifter", "Organisation", "Frånvaro", "Användare"]
ROLES = {
    "admin": {"Mina uppgifter", "Organisation", "Frånvaro", "Användare"},
    "ekonomichef": {"Mina uppgifter", "Organisation", "Frånvaro"},
    "ekonom": {"Mina uppgifter", "Organisation", "Frånvaro"},
    "handlaggare": {"Mina uppgifter", "Organisation", "Frånvaro"},
    "sekreterare": {"Mina uppgifter", "Organisation", "Frånvaro"},
    "revisor": {"Mina uppgifter", "Organisation", "Frånvaro"},
    # Holders keep their own absences (issue 15): the unit head and the chair hold positions.
    "chef.norr": {"Mina uppgifter", "Frånvaro"},
    "ordf.sn": {"Mina uppgifter", "Frånvaro"},
}


@pytest.mark.parametrize("username", sorted(ROLES))
def test_each_demo_role_sees_its_navigation(page, username):
    login(page, username)
    menu = page.get_by_role("navigation", name="Huvudmeny")
    for label in NAV:
        link = page.locator("nav.menu-wide").get_by_role("link", name=label, exact=True, include_hidden=True)
        assert link.count() == (1 if label in ROLES[username] else 0), f"{username}: {label}"
    assert page.get_by_role("heading", name="Mina uppgifter").is_visible()


def test_standin_today_is_shown_on_my_tasks(page):
    login(page, "chef.norr")
    section = page.get_by_role("region", name="Där jag är ersättare i dag")
    assert "Enhetschef Hemtjänst Syd" in section.inner_text()
    assert "Sara Sjöberg" in section.inner_text()


def test_add_appointment_and_absence_with_htmx_without_a_reload(page):
    login(page, "ekonomichef")
    page.goto("/organisation/")
    page.get_by_role("link", name="Kultur- och fritidsnämnden", exact=True).click()
    page.get_by_role("link", name="Kultur- och fritidschef").click()
    htmx_ready(page)
    page.evaluate("window.__noReload = true")

    form = page.locator("#appointments form")
    form.get_by_label("Person").select_option(label="Erik Eklund (ekonom)")
    form.get_by_role("textbox", name="Från (obligatoriskt)").fill("2026-12-01")
    form.get_by_role("button", name="Lägg till förordnande").click()
    page.locator("#appointments tbody tr", has_text="Erik Eklund").wait_for()
    assert page.evaluate("window.__noReload") is True

    menu_link(page, "Frånvaro").click()
    page.wait_for_url("**/organisation/franvaro")
    htmx_ready(page)
    page.evaluate("window.__noReload = true")
    form = page.locator("#absences form").last
    form.get_by_label("Frånvarande person").select_option(label="Klara Kvist (kulturchef)")
    form.get_by_role("textbox", name="Från (obligatoriskt)").fill("2026-12-20")
    form.get_by_label("Till (tomt: tills vidare)").fill("2027-01-06")
    form.get_by_label("Ersättare").select_option(label="Björn Ullman (bu.chef)")
    form.get_by_role("button", name="Registrera frånvaro").click()
    row = page.locator("#absences tbody tr", has_text="Klara Kvist")
    row.wait_for()
    assert "Björn Ullman" in row.inner_text()
    assert page.evaluate("window.__noReload") is True


def test_inline_edit_of_a_unit_with_keyboard(page):
    login(page, "ekonomichef")
    page.goto("/organisation/")
    page.get_by_role("link", name="Tekniska nämnden", exact=True).click()
    htmx_ready(page)
    page.get_by_role("link", name=re.compile(r"Ändra\s+VA$")).focus()
    page.keyboard.press("Enter")
    name = page.locator("#units tbody tr form").get_by_role("textbox", name="Namn (obligatoriskt)")
    name.fill("VA-enheten")
    name.press("Enter")
    page.locator("#units tbody tr", has_text="VA-enheten").wait_for()


def test_validation_error_is_shown_beside_the_field(page):
    login(page, "ekonomichef")
    page.goto("/organisation/")
    htmx_ready(page)
    form = page.locator("#committees form")
    form.get_by_label("Namn").fill("Dubbelnämnd")
    form.get_by_label("Kortkod").fill("SN")
    form.get_by_role("button", name="Lägg till nämnd").click()
    error = page.locator("#code-error")
    error.wait_for()
    assert "En annan nämnd har redan koden SN." in error.inner_text()
    assert page.get_by_label("Kortkod").get_attribute("aria-invalid") == "true"


PAGES = {
    "admin": ["/", "/organisation/", "/organisation/franvaro", "/admin/anvandare/", "/organisation/kommun"],
    "ekonomichef": ["/", "/organisation/"],
    "ordf.sn": ["/"],
}


def test_public_pages_have_no_accessibility_violations(page):
    for url in ("/logga-in", "/verifiera"):
        page.goto(url)
        assert axe_violations(page) == [], url
    page.get_by_label("Verifieringskod").fill("ABCD-EFGH-JKMN")
    page.get_by_role("button", name="Verifiera").click()
    page.get_by_role("heading", name="Resultat").wait_for()
    assert axe_violations(page) == []


@pytest.mark.parametrize("username", sorted(PAGES))
def test_pages_have_no_accessibility_violations(page, username):
    login(page, username)
    urls = list(PAGES[username])
    if username == "ekonomichef":
        page.goto("/organisation/")
        page.get_by_role("link", name="Socialnämnden", exact=True).click()
        urls.append(page.url)
        page.get_by_role("link", name="Enhetschef Hemtjänst Norr").first.click()
        urls.append(page.url)
        urls.append(page.url + "/redigera")
    if username == "admin":
        page.goto("/admin/anvandare/")
        page.get_by_role("link", name="Hanna Holm").click()
        urls.append(page.url)
        urls.append("/organisation/namnder/999999")  # the 404 page
    for url in urls:
        page.goto(url)
        assert axe_violations(page) == [], url


def test_inline_form_has_no_accessibility_violations(page):
    login(page, "ekonomichef")
    page.goto("/organisation/")
    page.get_by_role("link", name="Socialnämnden", exact=True).click()
    htmx_ready(page)
    page.get_by_role("link", name=re.compile(r"Ändra\s+LSS$")).click()
    page.locator("#units tbody tr form").wait_for()
    assert axe_violations(page) == []
