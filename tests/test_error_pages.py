"""Every error a person can meet is a Swedish page, and an htmx request gets a small Swedish
fragment aimed at the page's message area."""

from __future__ import annotations

import pytest
from flask import abort

from portal import create_app

SWEDISH_TITLES = {
    400: "Begäran kunde inte läsas",
    403: "Åtkomst nekad",
    404: "Hittades inte",
    405: "Går inte att göra här",
    413: "Filen är för stor",
    429: "För många försök",
    500: "Något gick fel",
}


@pytest.fixture(scope="module")
def error_app(tmp_path_factory):
    """An app of its own with a route for each error: the handlers, not any one view, are tested."""
    app = create_app({
        "SECRET_KEY": "test-secret-key-of-at-least-thirty-two-bytes",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path_factory.mktemp("errors") / "e.sqlite3"),
        "MAX_CONTENT_LENGTH": 1000,
        "WTF_CSRF_ENABLED": False,
        "PROPAGATE_EXCEPTIONS": False,
        "SESSION_COOKIE_SECURE": False,
    })

    @app.route("/fel/<int:code>", methods=["GET"])
    def fail(code):
        abort(code)

    @app.route("/krasch")
    def crash():
        raise RuntimeError("boom")

    @app.route("/bara-post", methods=["POST"])
    def only_post():
        return "ok"

    @app.route("/ladda-upp", methods=["POST"])
    def upload():
        from flask import request

        return str(len(request.get_data()))

    return app


def _responses(client, code: int, headers=None):
    if code == 500:
        return client.get("/krasch", headers=headers)
    if code == 405:
        return client.get("/bara-post", headers=headers)
    if code == 413:
        return client.post("/ladda-upp", data=b"x" * 5000, headers=headers)
    return client.get(f"/fel/{code}", headers=headers)


@pytest.mark.parametrize("code", sorted(SWEDISH_TITLES))
def test_each_error_is_a_swedish_page(error_app, code):
    response = _responses(error_app.test_client(), code)
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert SWEDISH_TITLES[code] in page
    assert '<html lang="sv">' in page
    for english in ("Not Found", "Method Not Allowed", "Internal Server Error", "Bad Request",
                    "Request Entity Too Large", "Forbidden", "Too Many Requests"):
        assert english not in page


@pytest.mark.parametrize("code", sorted(SWEDISH_TITLES))
def test_an_htmx_request_gets_a_swedish_fragment_for_the_message_area(error_app, code):
    response = _responses(error_app.test_client(), code, headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == code
    assert SWEDISH_TITLES[code] in fragment
    assert "<html" not in fragment and 'role="alert"' in fragment
    assert response.headers["HX-Retarget"] == "#messages"
    assert response.headers["HX-Reswap"] == "innerHTML"


def test_method_not_allowed_keeps_its_allow_header(error_app):
    response = error_app.test_client().get("/bara-post")
    assert "POST" in response.headers["Allow"]


def test_the_portals_own_routes_answer_in_swedish(client, make):
    make.user("kerstin")
    client.login("kerstin")
    assert "Hittades inte" in client.get("/finns-inte").get_data(as_text=True)
    response = client.get("/logga-ut")
    assert response.status_code == 405 and "Går inte att göra här" in response.get_data(as_text=True)


def test_htmx_swaps_error_responses_so_the_fragment_is_seen(client):
    page = client.get("/logga-in").get_data(as_text=True)
    assert '{"code": "[45]..", "swap": true, "error": true}' in page
