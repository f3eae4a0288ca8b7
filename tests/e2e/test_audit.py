"""In a real browser: the auditor searches the trail (htmx and the plain form alike), checks the chain
and searches the customer view log; no accessibility violations and no codes on the pages."""

from __future__ import annotations

import re

from tests.e2e.conftest import axe_violations, htmx_ready, login, menu_link

CODES = re.compile(r"\b(case|user|login|meeting|scheme_version|access)\.[a-z_]+\b|finance_director|case_officer")


def _visible_text(page) -> str:
    return page.locator("main").inner_text()


def test_the_auditor_searches_the_trail_and_checks_the_chain(page):
    login(page, "revisor")
    menu_link(page, "Granskning").click()
    page.get_by_role("heading", name="Granskningslogg", level=1).wait_for()
    htmx_ready(page)
    assert axe_violations(page) == []
    assert not CODES.search(_visible_text(page))

    page.get_by_label("Händelse").select_option(label="Inloggad")  # htmx swaps the results on change
    page.wait_for_url(re.compile(r"action=inloggad"))
    results = page.locator("#trail-results")
    results.get_by_text("Rune Rask (revisor)").first.wait_for()
    assert "Inloggad" in results.inner_text() and "Användare skapad" not in results.inner_text()

    page.get_by_label("Person (namn eller användarnamn)").fill("ingen-sadan-person")
    page.get_by_role("button", name="Sök").click()
    results.get_by_text("Inga poster matchar.").wait_for()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Kontrollera loggen").click()
    page.get_by_role("heading", name="Loggen är obruten").wait_for()
    assert "Kedjans huvud" in _visible_text(page)
    assert axe_violations(page) == []


def test_the_trail_search_works_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="sv-SE")
    page = context.new_page()
    try:
        login(page, "revisor")
        page.goto("/granskning/logg")
        page.get_by_label("Händelse").select_option(label="Inloggad")
        page.get_by_role("button", name="Sök").click()
        page.wait_for_url(re.compile(r"action=inloggad"))
        assert "Rune Rask (revisor)" in page.locator("#trail-results").inner_text()
    finally:
        context.close()


def test_the_customer_view_log_is_searchable(page, live_app):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.receivables.models import Customer

    with live_app.app_context():
        customer_id = db.session.scalars(select(Customer.id).where(Customer.name == "Åsa Öberg")).first()
        db.session.remove()
    login(page, "revisor")
    page.goto(f"/kunder/{customer_id}")
    page.get_by_role("heading", name="Åsa Öberg").first.wait_for()
    page.goto("/granskning/kundvisningar")
    htmx_ready(page)
    page.get_by_label("Kund (namn)").fill("öberg")
    page.get_by_role("button", name="Sök").click()
    page.locator("#view-results").get_by_text("Rune Rask (revisor)").first.wait_for()
    assert "Åsa Öberg" in page.locator("#view-results").inner_text()
    assert not CODES.search(_visible_text(page))
    assert axe_violations(page) == []
