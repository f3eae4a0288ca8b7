"""The main menu fits: on one line at 1280 px for the role with the most items (the finance director),
and behind one menu button on a 390 px phone, which opens without JavaScript; axe at both widths."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_violations, login

# Every page the finance director's menu offers.
DIRECTOR_ITEMS = ["Mina uppgifter", "Ärenden", "Samlingsbeslut", "Kunder", "Organisation", "Frånvaro", "Delegationsordningar",
                  "Referensdata", "Import", "Bakgrundsjobb", "Registreringar att bekräfta", "Granskning"]


def _context(browser, live_server, width: int, height: int, *, javascript: bool = True, **kwargs):
    return browser.new_context(base_url=live_server, bypass_csp=True, locale="sv-SE", java_script_enabled=javascript,
                               viewport={"width": width, "height": height}, **kwargs)


def test_the_finance_directors_menu_is_one_line_at_1280(browser, live_server):
    context = _context(browser, live_server, 1280, 800)
    page = context.new_page()
    try:
        login(page, "ekonomichef")
        nav = page.locator("nav.menu-wide")
        assert nav.is_visible() and not page.locator("nav.menu-narrow").is_visible()
        boxes = nav.locator(":scope > ul > li").evaluate_all(
            "items => items.map(item => { const r = item.getBoundingClientRect(); return [r.top, r.bottom]; })")
        # Brand, work, groups and the user's menu on one line: every item overlaps every other vertically.
        assert max(top for top, _ in boxes) < min(bottom for _, bottom in boxes), boxes
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        for label in DIRECTOR_ITEMS:
            assert nav.get_by_role("link", name=label, exact=True, include_hidden=True).count() == 1, label
        # A group opens to its pages; the current page is marked.
        nav.locator("summary", has_text="Register").click()
        nav.get_by_role("link", name="Delegationsordningar").click()
        page.wait_for_url("**/delegation/")
        assert page.locator("nav.menu-wide [aria-current=page]").text_content() == "Delegationsordningar"
        assert axe_violations(page) == []
        nav.locator("summary", has_text="Administration").click()
        assert axe_violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_on_a_phone_one_menu_button_opens_every_item(browser, live_server, javascript):
    context = _context(browser, live_server, 390, 844, javascript=javascript, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        login(page, "ekonomichef")
        assert not page.locator("nav.menu-wide").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the screen
        button = page.locator("nav.menu-narrow summary", has_text="Meny")
        assert button.is_visible()
        if javascript:
            assert axe_violations(page) == []
        button.click()
        panel = page.locator("nav.menu-narrow .menu-panel")
        for label in DIRECTOR_ITEMS:
            link = panel.get_by_role("link", name=label, exact=True)
            assert link.is_visible(), label
            box = link.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, label
        assert panel.get_by_role("button", name="Logga ut").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        if javascript:
            assert axe_violations(page) == []
        panel.get_by_role("link", name="Frånvaro", exact=True).click()
        page.wait_for_url("**/organisation/franvaro")
    finally:
        context.close()
