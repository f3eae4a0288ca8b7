"""In a real browser: "Skicka in" submits what the form shows. The officer lengthens a saved deferral
in the form, sees the live preview move the decision to the department head, submits without saving
first, and the case goes to the department head shown (issue 11)."""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from tests.e2e.conftest import axe_violations, login
from tests.e2e.test_cases import _customer_with_invoice, _new_case


def test_submit_sends_the_terms_the_preview_showed(page, live_app):
    customer_id = _customer_with_invoice(live_app, "Greta Sandberg", 4_000_00, due_days_ago=10)
    due = clock.today() - timedelta(days=10)
    login(page, "handlaggare")
    _new_case(page, customer_id, "Anstånd", "Kunden väntar på lön efter sjukskrivning.")

    # Saved: two months, within the unit head's three (rule 1.1).
    page.get_by_label("Ny förfallodag").fill((due + timedelta(days=45)).isoformat())
    page.get_by_role("button", name="Spara villkoren").click()
    page.get_by_text("Villkoren sparades.").wait_for()
    page.wait_for_function("() => document.querySelector('#verdict').innerText.includes('Nils Norberg')")

    # In the form, not saved: five months. The preview names the department head (rule 1.2).
    page.get_by_label("Ny förfallodag").fill((due + timedelta(days=140)).isoformat())
    page.get_by_label("Ny förfallodag").dispatch_event("change")
    page.wait_for_function("() => document.querySelector('#verdict').innerText.includes('Sofia Strand')")
    shown = page.locator("#verdict").inner_text()
    assert "punkt 1.2" in shown and "Nils Norberg" not in shown
    assert axe_violations(page) == []

    page.get_by_role("button", name="Skicka in ärendet").click()
    page.get_by_text("Ärendet skickades in.").wait_for()
    assert "Väntar på samråd" in page.locator("main .badge").first.inner_text()
    routed = page.locator("#verdict").inner_text()
    assert "punkt 1.2" in routed and "Sofia Strand" in routed and "Nils Norberg" not in routed
    terms = page.get_by_role("region", name="Villkor och motivering").inner_text()
    assert (due + timedelta(days=140)).isoformat() in terms
    assert axe_violations(page) == []
