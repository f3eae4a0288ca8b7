"""In a real browser: the finance director writes and publishes the common provisions (gemensamma
bestämmelser, RULINGS 11), a committee's draft takes them in after a question, the included rule is
marked and offers no change, and a rule of the committee's own is copied into another committee's
draft after a preview; every page passes axe."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.org.bodies import BodyKind
from portal.org.models import Committee
from tests.e2e.conftest import axe_violations, htmx_ready, login, open_draft_action


@pytest.fixture
def executive_committee(live_app):
    """The demo's Kommunstyrelsen as a kommunstyrelse for this test, as it was afterwards."""
    def set_kind(kind: str) -> None:
        with live_app.app_context():
            ks = db.session.scalars(select(Committee).where(Committee.code == "KS")).one()
            ks.kind = kind
            db.session.commit()
            db.session.remove()

    set_kind(BodyKind.EXECUTIVE_COMMITTEE.value)
    yield
    set_kind(BodyKind.COMMITTEE.value)


def _publish(page, paragraph: str) -> None:
    open_draft_action(page, "Publicera")
    publish = page.locator("#version-body form").filter(has=page.get_by_role("button", name="Publicera"))
    publish.get_by_label("Antagen vid sammanträdet den").fill(clock.today().isoformat())
    publish.get_by_label("Paragraf (§)").fill(paragraph)
    publish.get_by_label("Börjar gälla").fill(clock.today().isoformat())
    publish.get_by_label("Jag bekräftar publiceringen").check()
    publish.get_by_role("button", name="Publicera").click()
    page.get_by_text(f"§ {paragraph}").first.wait_for()


def test_common_provisions_are_written_adopted_and_a_rule_copied(page, executive_committee):
    login(page, "ekonomichef")
    page.goto("/delegation/")
    page.get_by_role("link", name="Gemensamma bestämmelser").click()
    page.get_by_role("heading", name="Antagna av nämnderna").wait_for()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Starta ett utkast").click()
    page.get_by_role("heading", name="Kontroll").wait_for()
    htmx_ready(page)
    open_draft_action(page, "Ny punkt")
    form = page.locator("#version-body form").filter(has=page.get_by_role("button", name="Lägg till punkt"))
    form.get_by_label("Punktens nummer").fill("G1")
    form.get_by_label("Text som antagen").fill("Kreditering för alla nämnder beslutas av ekonomichefen.")
    form.get_by_label("Ärendetyp").select_option(label="Kreditering")
    form.get_by_label("Delegat", exact=True).select_option(label="En namngiven befattning")
    form.get_by_label("Namngiven befattning").select_option(label="Ekonomichef (KS)")
    form.get_by_role("button", name="Lägg till punkt").click()
    page.locator("tr", has=page.get_by_role("rowheader", name="G1")).wait_for()
    assert axe_violations(page) == []
    _publish(page, "61")
    reference = f"KS {clock.today().isoformat()} § 61"

    page.goto("/delegation/")
    page.get_by_role("link", name="Tekniska nämnden", exact=True).click()
    page.get_by_text(f"En nyare version av de gemensamma bestämmelserna finns: {reference}").wait_for()
    page.get_by_role("button", name="Starta ett utkast").click()
    page.get_by_role("heading", name="Kontroll").wait_for()
    page.get_by_role("button", name=f"Ta in {reference} i utkastet").click()
    page.get_by_text("Det går inte att ångra.").wait_for()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Ta med dem i utkastet").click()
    page.get_by_role("heading", name="Kontroll").wait_for()
    credits = page.locator("section[aria-labelledby=type-credit] details.rule-group")
    if credits.get_attribute("open") is None:  # each case type's rules are one line until opened
        credits.locator("summary").click()
    row = page.locator("tr", has=page.get_by_role("rowheader", name="G1"))
    row.get_by_text(f"Från de gemensamma bestämmelserna antagna som {reference}").wait_for()
    assert row.get_by_role("link", name="Ändra punkt G1").count() == 0
    assert "Ändras i de gemensamma bestämmelserna" in row.inner_text()
    assert axe_violations(page) == []

    # A rule of Socialnämnden's scheme in force, copied into Tekniska nämnden's draft.
    page.goto("/delegation/")
    page.get_by_role("link", name="Socialnämnden", exact=True).click()
    page.locator("#in-force-heading + p a").click()
    page.get_by_role("link", name="Kopiera till andra nämnders utkast punkt 6.1").click()
    page.get_by_role("heading", name="Kopiera punkt").wait_for()
    assert axe_violations(page) == []
    page.get_by_label("Tekniska nämnden").check()
    page.get_by_role("button", name="Förhandsgranska").click()
    page.get_by_text("Punkt 6.1 läggs till i utkastet.").wait_for()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Kopiera till utkastet").click()
    page.get_by_text("kopierades till ett utkast").wait_for()

    page.goto("/delegation/")
    page.get_by_role("link", name="Tekniska nämnden", exact=True).click()
    page.locator("#draft-heading + p a").click()
    page.get_by_role("button", name="Kasta utkastet").click()
    page.get_by_text("Det går inte att ångra.").wait_for()
    page.get_by_role("button", name="Kasta utkastet").click()
    page.get_by_text("Utkastet kastades.").wait_for()
