"""A real SMTP server in the test process (aiosmtpd) and the portal configured to send to it."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.cases.conftest import build_world


class Inbox:
    """What the server received: parsed messages, and the logins it accepted."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.logins: list[str] = []
        self.refuse = False  # answer every mail with a temporary failure

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.refuse:
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m.envelope_to]

    @staticmethod
    def text(message: EmailMessage) -> str:
        return f"{message['Subject']}\n{message.get_content()}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        if auth_data.login == b"portal" and auth_data.password == b"relay-secret":
            inbox.logins.append(auth_data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    inbox.port = controller.port
    inbox.controller = controller
    try:
        yield inbox
    finally:
        if controller._thread is not None:  # a test may have stopped it (the relay away)
            controller.stop()


@pytest.fixture
def mail_config(app, smtp_server, monkeypatch):
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port, "SMTP_STARTTLS": False,
                       "SMTP_USERNAME": None, "SMTP_PASSWORD": None, "MAIL_FROM": "beslutsportalen@kommun.example",
                       "PORTAL_BASE_URL": "https://beslut.kommun.example", "PORTAL_REDIS_URL": None}.items():
        monkeypatch.setitem(app.config, key, value)
    return app.config


@pytest.fixture
def world(make, frozen_clock, mail_config):
    world = build_world(make)
    for user in (world.officer, world.unit_head, world.other_head, world.department_head, world.finance,
                 world.outsider):
        user.email = f"{user.username}@kommun.example"
    return world
