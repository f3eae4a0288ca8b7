"""Handing mails to the municipality's SMTP relay (host, port, STARTTLS and credentials from the
environment: README "Påminnelser per e-post")."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app

from portal import clock


def build(*, to: str, subject: str, body: str, message_key: str) -> EmailMessage:
    """A plain-text mail; its Message-ID is derived from the outbox row, so a relay or mail client
    can tell a resent copy from a new mail."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.now())
    domain = config["MAIL_FROM"].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<{message_key}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    message.set_content(body, charset="utf-8")
    return message


class Relay:
    """One connection to the relay for a batch of mails, opened on the first mail."""

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = current_app.config
        smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT_SECONDS"])
        try:
            smtp.ehlo()
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()  # the next mail opens a new connection
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None
