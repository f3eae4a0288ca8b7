"""Browser tests: the portal served on loopback with demo data, driven in Debian's headless Chromium."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import flask_migrate
import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.demo.seed import DEMO_PASSWORD, seed_demo
from portal.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The served app, with demo data; tests may add their own rows inside its app context."""
    database = tmp_path_factory.mktemp("e2e") / "portal.sqlite3"
    app = create_app({
        "SECRET_KEY": "e2e-secret-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "PORTAL_DEVELOPMENT": True,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
    })
    with app.app_context():
        flask_migrate.upgrade()
        seed_demo(ledger_invoices=300)
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Browser tests must run in CI, but /usr/bin/chromium is missing")
        pytest.skip("Browser tests skipped: /usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # bypass_csp lets the test inject axe-core; the portal's own pages run under the real policy.
    context = browser.new_context(base_url=live_server, bypass_csp=True, locale="sv-SE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/logga-in")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/")


def open_draft_action(page, name: str) -> None:
    """Open one of a draft's actions ("Ny punkt", "Publicera", "Kalkylblad"): each is a disclosure
    above the rules."""
    summary = page.locator("#version-body .draft-actions > details > summary", has_text=name)
    if summary.locator("xpath=..").get_attribute("open") is None:
        summary.click()


def htmx_ready(page) -> None:
    """Wait until the page has loaded and htmx has processed it (its script is deferred)."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")


def axe_violations(page) -> list[dict]:
    """Run axe-core's WCAG 2.1 A and AA rules on the current page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def menu_link(page, name: str):
    """A link of the main menu on a wide screen, its group opened first when it sits in one."""
    nav = page.locator("nav.menu-wide")
    # The inner locator of `has` is read inside each group, so it starts from the page, not the nav.
    hidden = page.get_by_role("link", name=name, exact=True, include_hidden=True)
    group = nav.locator("details").filter(has=hidden)
    if group.count() and group.first.get_attribute("open") is None:
        group.first.locator("summary").click()
    return nav.get_by_role("link", name=name, exact=True)


def logout(page) -> None:
    """Log out from the user's menu (a wide screen)."""
    page.locator("nav.menu-wide details.menu-user > summary").click()
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url("**/logga-in")
