"""In a real browser: "Logga in med Testkommun" through the provider's own login page and back; the
portal's login page with the provider offered has no accessibility violations."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from tests.auth.oidc_provider import Provider
from tests.e2e.conftest import axe_violations

SETTINGS = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_PROVIDER_NAME")


def test_sign_in_through_the_providers_login_page(page, live_app, live_server):
    provider = Provider().start()
    provider.register_client("beslutsportalen", "e2e-secret", f"{live_server}/logga-in/sso/svar")
    saved = {name: live_app.config[name] for name in SETTINGS}
    live_app.config.update(OIDC_ISSUER=provider.issuer, OIDC_CLIENT_ID="beslutsportalen",
                           OIDC_CLIENT_SECRET="e2e-secret", OIDC_PROVIDER_NAME="Testkommun")
    with live_app.app_context():
        user = db.session.scalars(select(User).where(User.username == "handlaggare")).one()
        user.external_id = "hanna.holm@testkommun.se"
        user_id, full_name = user.id, user.full_name
        db.session.commit()
    try:
        page.goto("/logga-in")
        assert axe_violations(page) == []
        page.get_by_role("button", name="Logga in med Testkommun").click()
        page.wait_for_url(f"{provider.issuer}/authorize*")
        page.get_by_label("Användare").fill("hanna.holm@testkommun.se")
        page.get_by_role("button", name="Logga in", exact=True).click()
        page.wait_for_url(f"{live_server}/")
        assert "Mina uppgifter" in page.content()
        user_menu = page.locator("nav.menu-wide details.menu-user > summary")
        assert full_name in user_menu.inner_text()
        user_menu.click()
        page.get_by_role("link", name="Mina inloggningar").click()
        page.wait_for_url("**/mina-inloggningar")
        assert "denna" in page.content()
        assert axe_violations(page) == []
    finally:
        live_app.config.update(saved)
        with live_app.app_context():
            db.session.get(User, user_id).external_id = None
            db.session.commit()
        provider.stop()
