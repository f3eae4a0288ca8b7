"""In a real browser: the auditor reads each report and the internal-control page, filters with htmx,
and finds no accessibility violations, no script in the charts and no codes on the pages."""

from __future__ import annotations

import re

from tests.e2e.conftest import axe_violations, htmx_ready, login, menu_link

CODES = re.compile(r"\b(deferral|instalment_plan|write_off|partly_granted|further_delegate|standin|on_track)\b")
REPORTS = ["Beslut per nämnd, ärendetyp och månad", "Avskrivningar per förvaltning och år",
           "Följsamhet mot delegationsordningen", "Förfallna fordringar per förvaltning",
           "Avbetalningsplaner: följs, försenade och brutna"]


def test_the_auditor_reads_each_report_and_the_internal_control(page):
    login(page, "revisor")
    menu_link(page, "Rapporter").click()
    page.get_by_role("heading", name="Rapporter", level=1).wait_for()
    assert axe_violations(page) == []
    for title in REPORTS:
        page.goto("/rapporter/")
        page.get_by_role("link", name=title).click()
        page.get_by_role("heading", name=title, level=1).wait_for()
        htmx_ready(page)
        assert axe_violations(page) == [], title
        assert not CODES.search(page.locator("main").inner_text()), title
        assert page.locator("svg script").count() == 0

    page.goto("/rapporter/beslut")
    htmx_ready(page)
    page.get_by_label("Ärendetyp", exact=True).select_option(label="Avbetalningsplan")  # htmx swaps the results
    page.wait_for_url(re.compile(r"case_type=instalment_plan"))
    rows = page.locator("#table-decisions-caption").locator("xpath=..").locator("tbody tr")
    rows.first.wait_for()
    texts = rows.all_inner_texts()
    assert all("Avbetalningsplan" in text or "Inget att visa" in text for text in texts)
    assert axe_violations(page) == []

    page.goto("/rapporter/forfallna")
    htmx_ready(page)
    department = page.locator("#table-departments-caption").locator("xpath=..").locator("tbody th a").first
    name = department.inner_text()
    department.click()
    page.get_by_role("heading", name=f"Förfallna fordringar: {name}", level=1).wait_for()
    assert axe_violations(page) == []

    page.goto("/rapporter/intern-kontroll")
    page.get_by_role("heading", name="Intern kontroll", level=1).wait_for()
    htmx_ready(page)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Utfärda rapporten (pdf)").click()
    page.get_by_text("har utfärdats med verifieringskoden").wait_for()
    assert page.get_by_role("link", name=re.compile("Intern kontroll ")).count() >= 1
