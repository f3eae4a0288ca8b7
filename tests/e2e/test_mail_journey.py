"""In a real browser, end to end: the officer submits a case, the decider gets an e-mail through a real
SMTP server (aiosmtpd), follows its link, signs in and decides; the officer's mail says it is decided."""

from __future__ import annotations

import re

from portal.extensions import db
from portal.notify import services as mail_services
from tests.e2e.conftest import axe_violations, login
from tests.e2e.test_cases import _customer_with_invoice, _logout, _new_case
from tests.notify.conftest import Inbox, _free_port


def _send(app) -> None:
    with app.app_context():
        mail_services.run(scan=False)
        db.session.remove()


def test_from_the_officers_submit_to_the_deciders_mail_link_and_decision(page, live_app, live_server,
                                                                          monkeypatch):
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port, "SMTP_STARTTLS": False,
                           "MAIL_FROM": "beslutsportalen@demokommun.example", "PORTAL_BASE_URL": live_server}.items():
            monkeypatch.setitem(live_app.config, key, value)
        with live_app.app_context():
            from sqlalchemy import select

            from portal.auth.models import User

            for user in db.session.scalars(select(User).where(User.username.in_(["handlaggare", "chef.norr"]))):
                user.email = f"{user.username}@demokommun.example"
            db.session.commit()
            db.session.remove()
        customer_id = _customer_with_invoice(live_app, "Mejla Mottagare", 2_000_00, due_days_ago=10)

        login(page, "handlaggare")
        _new_case(page, customer_id, "Kreditering", "Avgiften debiterades två gånger.")
        page.get_by_label("Skäl för krediteringen").select_option(label="Dubbelfakturerad")
        page.get_by_role("button", name="Spara villkoren").click()
        page.get_by_text("Villkoren sparades.").wait_for()
        page.get_by_role("button", name="Skicka in ärendet").click()
        page.get_by_text("Väntar på beslut").first.wait_for()
        registry_number = page.locator("h1 small").inner_text()
        _logout(page)

        _send(live_app)
        [mail] = inbox.to("chef.norr@demokommun.example")
        assert mail["Subject"] == f"Ärende {registry_number} väntar på ditt beslut"
        assert "Mejla Mottagare" not in Inbox.text(mail)
        link = re.search(rf"{re.escape(live_server)}/arenden/\d+", mail.get_content()).group(0)

        page.goto(link)  # not signed in: the sign-in page, then the case
        page.get_by_label("Användarnamn").fill("chef.norr")
        page.get_by_label("Lösenord").fill("demo-losen-2026")
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_url(link)
        page.get_by_label("Bevilja", exact=True).check()
        page.get_by_label("Skäl för beslutet").fill("Dubbeldebitering.")
        page.get_by_label("Jag är inte jävig i ärendet").check()
        page.get_by_label("Jag bekräftar beslutet").check()
        page.get_by_role("button", name="Registrera beslutet").click()
        page.get_by_text("Beslutet registrerades.").wait_for()
        assert axe_violations(page) == []

        _send(live_app)
        [decided] = inbox.to("handlaggare@demokommun.example")
        assert decided["Subject"] == f"Ditt ärende {registry_number} är beslutat"
    finally:
        controller.stop()
