"""In a real browser (issue 11): a partial credit prepared, submitted and decided, its letter stating
one credited amount; an urgent case marked, decided by the chair from the page "Att besluta" links
to, and the urgent mark taken back on another; no accessibility violations on the pages visited."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from portal.receivables.models import Customer
from tests.documents.test_letters import flat, kr
from tests.e2e.conftest import axe_violations, login
from tests.e2e.test_cases import _customer_with_invoice, _logout, _new_case
from tests.e2e.test_meetings import _referred_write_off


def _invoice_number(app, customer_id: int) -> str:
    with app.app_context():
        number = db.session.get(Customer, customer_id).invoices[0].invoice_number
        db.session.remove()
    return number


def test_a_partial_credit_is_prepared_submitted_and_decided_with_one_credited_amount(page, live_app):
    customer_id = _customer_with_invoice(live_app, "Maja Kreditsson", 3_000_00, due_days_ago=10)
    invoice_number = _invoice_number(live_app, customer_id)

    login(page, "handlaggare")
    _new_case(page, customer_id, "Kreditering", "Avgiften debiterades med fel taxa.")
    page.get_by_label("Skäl för krediteringen").select_option(label="Fel pris eller taxa")
    page.get_by_label(f"Kreditering av faktura {invoice_number} (kr, tomt: hela)").fill("1 845,00")
    page.get_by_role("button", name="Spara villkoren").click()
    page.get_by_text("Villkoren sparades.").wait_for()
    assert page.get_by_label(f"Kreditering av faktura {invoice_number} (kr, tomt: hela)").input_value() \
        == "1\u00a0845,00"
    assert axe_violations(page) == []
    page.get_by_role("button", name="Skicka in ärendet").click()
    page.get_by_text("Väntar på beslut").first.wait_for()
    registry_number = page.locator("h1 small").inner_text()
    _logout(page)

    login(page, "chef.norr")
    page.get_by_role("link", name=registry_number).click()
    page.get_by_label("Bevilja delvis").check()
    page.get_by_text("Ändrade villkor vid delvis bifall").click()
    page.get_by_label("Belopp (delvis bifall, kr)").fill("1500")
    page.get_by_label("Skäl för beslutet").fill("Felet gäller en del av avgiften.")
    page.get_by_label("Jag är inte jävig i ärendet").check()
    page.get_by_label("Jag bekräftar beslutet").check()
    page.get_by_role("button", name="Registrera beslutet").click()
    page.get_by_text("Beslutet registrerades.").wait_for()
    decision = page.get_by_role("region", name="Beslut", exact=True)
    text = decision.inner_text().replace("\u00a0", " ")
    assert "Delvis beviljat" in text and "Punkt 4.1, nivå 1" in text and kr(1_500_00) in text
    assert "antagen" in text  # the scheme version with its adoption reference
    assert page.locator("#verdict").count() == 0  # no routing beside the decision
    assert axe_violations(page) == []

    letter_url = decision.get_by_role("link", name="Beslutsbrev").get_attribute("href")
    response = page.request.get(letter_url)
    assert response.ok and response.body().startswith(b"%PDF")
    letter = flat(response.body())
    assert re.findall(r"krediteras: ([\d ]+,\d\d kr)", letter) == [kr(1_500_00)]
    assert kr(1_845_00) not in letter


def test_an_urgent_case_is_marked_decided_by_the_chair_and_another_unmarked(page, live_app):
    first, _committee = _referred_write_off(live_app)
    second, _committee = _referred_write_off(live_app)

    # The officer marks the first urgent; the second too, then takes that mark back.
    login(page, "handlaggare")
    for number in (first, second):
        page.goto("/arenden/")
        page.get_by_role("link", name=number).click()
        page.get_by_label("Varför ärendet inte kan vänta på nämnden").fill("Dödsboet skiftas nästa vecka.")
        page.get_by_role("button", name="Markera ärendet som brådskande").click()
        page.get_by_text("Ärendet är markerat som brådskande").wait_for()
    assert axe_violations(page) == []
    page.get_by_label("Varför ärendet ändå kan vänta (frivilligt)").fill("Skiftet är uppskjutet.")
    page.get_by_role("button", name="Ta bort markeringen som brådskande").click()
    page.get_by_text("Markeringen som brådskande är borttagen").wait_for()
    assert "Hänskjutet till nämnden" in page.locator("main .badge").first.inner_text()
    assert page.get_by_role("button", name="Markera ärendet som brådskande").count() == 1  # offered again
    assert "Markeringen som brådskande borttagen" in page.get_by_role("region", name="Händelser").inner_text()
    _logout(page)

    # The chair's "Att besluta" link opens the urgent page, with the full terms.
    login(page, "ordf.sn")
    to_decide = page.get_by_role("region", name="Att besluta")
    assert to_decide.get_by_role("link", name=second).count() == 0
    to_decide.get_by_role("link", name=first).click()
    page.get_by_role("heading", name="Brådskande ärende").wait_for()
    terms = page.get_by_role("region", name="Villkor och motivering").inner_text().replace("\u00a0", " ")
    assert "Greta Granström" in terms and kr(95_000_00) in terms and "Dödsbo utan tillgångar" in terms
    assert "Du beslutar enligt punkt 5.1 på nämndens vägnar" in page.content()
    assert axe_violations(page) == []
    page.get_by_role("textbox", name="Motivering").fill("Kan inte vänta till sammanträdet.")
    page.get_by_label("Jag är inte jävig i ärendet").check()
    page.get_by_label("Jag bekräftar beslutet").check()
    page.get_by_role("button", name="Besluta på nämndens vägnar").click()
    page.get_by_text("Det brådskande beslutet är registrerat").wait_for()
    decided = page.get_by_role("region", name="Beslut", exact=True).inner_text()
    assert "i ett brådskande ärende, på nämndens vägnar" in decided and "Punkt 5.1" in decided
    assert axe_violations(page) == []
