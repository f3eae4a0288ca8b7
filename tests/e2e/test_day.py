"""Everyone's day (issue 15): the decider follows the customer link of a case to decide; holders and
stand-ins keep their absences on Frånvaro. Each changed page passes axe (WCAG 2.1 A and AA)."""

from __future__ import annotations

from tests.e2e.conftest import axe_violations, login, menu_link


def test_the_decider_opens_the_customer_of_a_case_to_decide(page):
    login(page, "chef.norr")
    section = page.locator("section[aria-labelledby='to-decide-heading']")
    section.locator("a[href^='/kunder/']").first.click()
    page.wait_for_url("**/kunder/*")
    main = page.locator("main").inner_text()
    assert "Du ser kunden som beslutsfattare" in main
    assert "Obetalt till andra nämnder, sammanlagt" in main
    assert axe_violations(page) == []


def test_the_absent_holder_and_her_stand_in_read_franvaro(page):
    login(page, "chef.syd")
    menu_link(page, "Frånvaro").click()
    page.wait_for_url("**/organisation/franvaro")
    main = page.locator("main").inner_text()
    assert "Registrera din frånvaro" in main and "Nils Norberg" in main
    assert axe_violations(page) == []


def test_the_finance_director_reads_the_gaps_in_the_delegation(page):
    login(page, "ekonomichef")
    menu_link(page, "Organisation").click()
    page.wait_for_url("**/organisation/")
    gaps = page.locator("#gaps")
    assert "Luckor i delegationen" in gaps.inner_text()
    assert axe_violations(page) == []


def test_the_menu_count_shows_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="sv-SE")
    try:
        page = context.new_page()
        login(page, "chef.norr")
        badge = page.locator("nav.menu-wide a[href='/'] + span .badge")
        assert badge.count() == 1 and int(badge.inner_text().split()[0]) >= 2  # two cases wait (demo)
    finally:
        context.close()
