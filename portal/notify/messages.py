"""The words of the mails: a subject and a plain-text body per kind of event.

A mail names the registry number, the kind of case and the state it reached, and links to the page
in the portal: no names, no personnummer, no amounts (offentlighets- och sekretesslagen 26 kap), and
never a way to decide by answering it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.cases.models import CASE_STATE_LABELS, CASE_TYPE_LABELS
from portal.cases.rules import CaseState
from portal.delegation.engine_types import CaseType
from portal.notify.models import EventKind, MailEvent


@dataclass(frozen=True)
class Composed:
    subject: str
    body: str


def portal_url(endpoint: str, **values: Any) -> str:
    """An address in the portal as people reach it (PORTAL_BASE_URL), outside any request."""
    base = current_app.config["PORTAL_BASE_URL"] or "http://localhost"
    with current_app.test_request_context(base_url=base.rstrip("/") + "/"):
        return url_for(endpoint, _external=True, **values)


def _type(payload: dict) -> str:
    value = payload.get("case_type")
    return str(CASE_TYPE_LABELS[CaseType(value)]).lower() if value else ""


def _footer() -> str:
    return "\n\n-- \n" + _("This message was sent by Beslutsportalen. Decisions are made only in the portal; "
                            "do not answer this message. You choose which e-mails you get on your own "
                            "page in the portal: %(url)s", url=portal_url("notify.preferences"))


def compose(event: MailEvent) -> Composed:
    kind = EventKind(event.kind)
    payload = event.payload or {}
    number = payload.get("registry_number") or ""
    if kind == EventKind.DIGEST:
        return _digest(payload)
    if kind == EventKind.MEETING_UNREPORTED:
        subject = _("Unreported delegated decisions before the meeting on %(date)s", date=payload["meeting_date"])
        body = ngettext("%(num)d delegated decision of %(committee)s is not yet reported. The committee meets "
                        "on %(date)s: put the delegation report on its agenda.",
                        "%(num)d delegated decisions of %(committee)s are not yet reported. The committee meets "
                        "on %(date)s: put the delegation report on its agenda.", payload["count"],
                        committee=payload["committee_code"], date=payload["meeting_date"])
        link = portal_url("meetings.show", meeting_id=event.meeting_id)
        return Composed(subject, body + "\n\n" + _("Open the meeting:") + f" {link}{_footer()}")
    link = portal_url("cases.show", case_id=event.case_id)
    if kind == EventKind.CASE_TO_DECIDE:
        subject = _("Case %(number)s waits for your decision", number=number)
        body = _("Case %(number)s (%(type)s) waits for your decision in Beslutsportalen.", number=number,
                 type=_type(payload))
    elif kind == EventKind.CASE_TO_CONSULT:
        subject = _("Case %(number)s waits for consultation", number=number)
        body = _("Case %(number)s (%(type)s) waits for the consultation with the finance department.",
                 number=number, type=_type(payload))
    elif kind == EventKind.CASE_DECIDED:
        state = str(CASE_STATE_LABELS[CaseState(payload["state"])]).lower()
        subject = _("Your case %(number)s is decided", number=number)
        body = _("Your case %(number)s (%(type)s) is decided: %(state)s.", number=number, type=_type(payload),
                 state=state)
    elif kind == EventKind.CASE_RETURNED:
        subject = _("Your case %(number)s was returned for completion", number=number)
        body = _("Your case %(number)s (%(type)s) was returned for completion; the page says what is missing.",
                 number=number, type=_type(payload))
    else:  # EventKind.AGREEMENT_OVERDUE
        subject = _("The signed agreement in case %(number)s has not come back", number=number)
        body = _("The customer's signed agreement for the instalment plan in case %(number)s has not been "
                 "registered %(days)d days after the decision. The plan takes effect only when it is.",
                 number=number, days=payload["days"])
    return Composed(subject, body + "\n\n" + _("Open the case:") + f" {link}{_footer()}")


DIGEST_SECTIONS = ("to_decide", "to_consult", "returned", "to_execute", "agreements", "unreported")


def _digest_heading(section: str) -> str:
    return {
        "to_decide": _("To decide"),
        "to_consult": _("To consult"),
        "returned": _("Returned to you for completion"),
        "to_execute": _("Granted, to book in the ledger"),
        "agreements": _("Plans whose signed agreement has not come back"),
        "unreported": _("Delegated decisions not yet reported"),
    }[section]


def _digest(payload: dict) -> Composed:
    total = sum(len(payload.get(section, [])) for section in DIGEST_SECTIONS)
    lines = [_("This waits for you in Beslutsportalen today:")]
    for section in DIGEST_SECTIONS:
        items = payload.get(section) or []
        if not items:
            continue
        lines += ["", f"{_digest_heading(section)} ({len(items)})"]
        for item in items[:50]:
            if section == "unreported":
                text = ngettext("%(committee)s: %(num)d decision", "%(committee)s: %(num)d decisions", item["count"],
                                committee=item["committee_code"])
                lines.append(f"- {text}: {portal_url('meetings.committee', committee_id=item['committee_id'])}")
            else:
                lines.append(f"- {item['registry_number']}: {portal_url('cases.show', case_id=item['case_id'])}")
        if len(items) > 50:
            lines.append("- " + _("and %(count)d more in the portal", count=len(items) - 50))
    lines += ["", _("My tasks:") + " " + portal_url("home.index")]
    subject = ngettext("Beslutsportalen: %(num)d matter waits for you", "Beslutsportalen: %(num)d matters wait for you",
                       total)
    return Composed(subject, "\n".join(lines) + _footer())
