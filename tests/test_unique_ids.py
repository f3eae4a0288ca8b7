"""No page has two elements with one id: a label's `for`, `aria-describedby` and in-page links would
point at the wrong element (axe does not report it). Every GET page of the access matrix, rendered
for a persona who may open it."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from tests.test_access_routes import MATRIX, world  # noqa: F401  (the matrix's world fixture)


# Pages the matrix reaches in another state: the draft scheme with its editing forms.
EXTRA_PAGES = [("delegation.version (draft)", "/delegation/versioner/{draft}", {"director"})]


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1

    handle_startendtag = handle_starttag


def duplicate_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return sorted(value for value, count in parser.ids.items() if count > 1)


def test_the_parser_finds_a_duplicate():
    assert duplicate_ids('<p id="a"></p><input id="a"><i id="b"/>') == ["a"]


def test_no_page_has_duplicate_ids(client, world):  # noqa: F811
    """Each page for every persona who may open it: an editor sees forms a reader does not."""
    pages = [(endpoint, template, who) for endpoint, (method, template, who) in MATRIX.items() if method == "GET"]
    pages += EXTRA_PAGES
    checked, duplicates = set(), {}
    for persona in sorted(set().union(*(who for _endpoint, _template, who in pages))):
        client.login(persona)
        for endpoint, template, who in pages:
            if persona not in who:
                continue
            response = client.get(template.format(**world))
            assert response.status_code == 200, (endpoint, persona)
            if response.mimetype == "text/html":
                checked.add(endpoint)
                found = duplicate_ids(response.get_data(as_text=True))
                if found:
                    duplicates[f"{endpoint} ({persona})"] = found
        client.post_form("/logga-ut", {})
    assert len(checked) > 30
    assert duplicates == {}
