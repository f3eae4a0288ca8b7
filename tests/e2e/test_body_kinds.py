"""In a real browser: the administrator keeps a municipal company's board and a joint authority's board
beside the committees (issue 12 §9), with htmx and without a reload, and the pages meet WCAG 2.1 AA."""

from __future__ import annotations

from tests.e2e.conftest import axe_violations, htmx_ready, login, logout


def test_a_company_board_is_added_and_changed_to_a_joint_authority(page):
    login(page, "admin")
    page.goto("/organisation/")
    htmx_ready(page)
    form = page.locator("#committees form")
    form.get_by_label("Namn").fill("Demobostäder AB")
    form.get_by_label("Kortkod").fill("DBAB")
    form.get_by_label("Slags organ").select_option(label="Styrelse i ett kommunalt bolag (aktiebolag)")
    assert axe_violations(page) == []
    form.get_by_role("button").click()
    page.locator("#committees tbody tr", has_text="Demobostäder AB").wait_for()
    row = page.locator("#committees tbody tr", has_text="Demobostäder AB")
    assert "Styrelse i ett kommunalt bolag (aktiebolag)" in row.inner_text()

    row.get_by_role("link", name="Demobostäder AB").click()
    page.wait_for_url("**/organisation/namnder/*")
    htmx_ready(page)
    details = page.locator("#committee-details")
    assert "Slags organ: Styrelse i ett kommunalt bolag (aktiebolag)." in details.inner_text()
    page.evaluate("window.__noReload = true")
    details.get_by_role("link", name="Ändra nämnd").click()
    form = page.locator("#committee-details form")
    form.get_by_label("Slags organ").wait_for()
    assert axe_violations(page) == []
    form.get_by_label("Slags organ").select_option(label="Förbundsstyrelse (kommunalförbund)")
    form.get_by_role("button", name="Spara").click()
    page.locator("#committee-details", has_text="Slags organ: Förbundsstyrelse (kommunalförbund).").wait_for()
    assert page.evaluate("window.__noReload") is True
    assert axe_violations(page) == []


def test_a_company_boards_delegation_report_page_says_it_has_none(page):
    login(page, "admin")
    page.goto("/organisation/")
    htmx_ready(page)
    form = page.locator("#committees form")
    form.get_by_label("Namn").fill("Demovatten AB")
    form.get_by_label("Kortkod").fill("DVAB")
    form.get_by_label("Slags organ").select_option(label="Styrelse i ett kommunalt bolag (aktiebolag)")
    form.get_by_role("button").click()
    page.locator("#committees tbody tr", has_text="Demovatten AB").wait_for()
    page.locator("#committees tbody tr", has_text="Demovatten AB").get_by_role("link").first.click()
    page.wait_for_url("**/organisation/namnder/*")
    committee_id = page.url.rstrip("/").split("/")[-1]
    logout(page)
    login(page, "revisor")  # the auditor reads every body's delegation report page
    page.goto(f"/sammantraden/namnder/{committee_id}/delegationsbeslut")
    assert page.get_by_text("Ett kommunalt bolags styrelse har ingen anmälan av delegationsbeslut").is_visible()
    assert axe_violations(page) == []
