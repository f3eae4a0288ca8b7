"""Every persona's start page passes axe (WCAG 2.1 A and AA) and shows the demo story's work."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_violations, login

FINDS = {
    "admin": "Mina uppgifter",
    "ekonomichef": "Delegationsordningar och referensdata",
    "ekonom": "Att samråda",
    "handlaggare": "Planer som väntar på kundens underskrift",
    "sekreterare": "Nästa sammanträde",
    "revisor": "Granskningsloggen",
    "chef.norr": "som ersättare",
    "chef.syd": "Du är frånvarande",
    "ordf.sn": "Mina uppgifter",
}


@pytest.mark.parametrize("username", sorted(FINDS))
def test_each_start_page_passes_axe_and_shows_its_work(page, username):
    login(page, username)
    assert FINDS[username] in page.locator("main").inner_text()
    assert axe_violations(page) == []
