"""The main menu: what each person may open, grouped as work, registers and administration.

One list, built once per page from `access`, rendered twice by templates/_menu.html: on one line on a
wide screen (the groups as disclosures) and behind one menu button on a phone (a `<details>`, which
opens without JavaScript).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l

from portal import access, clock
from portal.home.queries import task_count
from portal.notify.queries import failed_count
from portal.org.confirmations import to_confirm_count


@dataclass(frozen=True)
class Item:
    label: str
    url: str
    current: bool
    count: int | None = None  # what waits there for this person (None: not counted)
    # Counted after the page has loaded (htmx), for counts that ask the delegation engine.
    count_url: str | None = None


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    items: list[Item]

    @property
    def current(self) -> bool:
        return any(item.current for item in self.items)


def _starts(*prefixes: str, but: tuple[str, ...] = ()) -> Callable[[str], bool]:
    return lambda endpoint: endpoint.startswith(prefixes) and endpoint not in but


def _is(*endpoints: str) -> Callable[[str], bool]:
    return lambda endpoint: endpoint in endpoints


# (group, label, endpoint, may the user open it, is this page part of it)
_ENTRIES = [
    ("work", _l("My tasks"), "home.index", lambda u: True, _is("home.index")),
    ("work", _l("Cases"), "cases.index", lambda u: access.allowed(u, access.LIST_CASES), _starts("cases.")),
    ("work", _l("Batches"), "batches.index", lambda u: access.allowed(u, access.LIST_BATCHES),
     _starts("batches.")),
    ("work", _l("Meetings"), "meetings.index", lambda u: access.allowed(u, access.VIEW_MEETINGS),
     _starts("meetings.")),
    ("registers", _l("Customers"), "receivables.customers", lambda u: access.allowed(u, access.VIEW_CUSTOMERS),
     _starts("receivables.customer")),
    ("registers", _l("Organisation"), "org.index", lambda u: access.allowed(u, access.VIEW_ORGANISATION),
     _starts("org.", but=("org.absences", "org.absence_edit", "org.registrations"))),
    ("registers", _l("Absences"), "org.absences", lambda u: access.allowed(u, access.VIEW_ABSENCES),
     _is("org.absences", "org.absence_edit")),
    ("registers", _l("Delegation schemes"), "delegation.index", lambda u: access.allowed(u, access.VIEW_SCHEMES),
     _starts("delegation.")),
    ("registers", _l("Reference data"), "receivables.reference",
     lambda u: access.allowed(u, access.VIEW_REFERENCE_DATA),
     _starts("receivables.reference", "receivables.stage_code")),
    ("administration", _l("Import"), "receivables.imports_page", lambda u: access.allowed(u, access.VIEW_IMPORTS),
     _starts("receivables.import", "receivables.mapping", "receivables.bank")),
    ("administration", _l("Background jobs"), "jobs.index", lambda u: access.allowed(u, access.VIEW_JOBS),
     _starts("jobs.")),
    ("administration", _l("Registrations to confirm"), "org.registrations",
     lambda u: access.allowed(u, access.REVIEW_REGISTRATIONS), _is("org.registrations")),
    ("administration", _l("Reports"), "reports.index", lambda u: access.allowed(u, access.VIEW_REPORTS),
     _starts("reports.")),
    ("administration", _l("Audit"), "audit.trail",
     lambda u: access.allowed(u, access.VIEW_TRAIL) or access.allowed(u, access.VIEW_CUSTOMER_LOG),
     _starts("audit.")),
    ("administration", _l("Users"), "users.index", lambda u: access.allowed(u, access.MANAGE_USERS),
     _starts("users.")),
    ("administration", _l("E-mail"), "notify.outbox", lambda u: access.allowed(u, access.MANAGE_MAIL),
     _is("notify.outbox")),
]
_GROUP_LABELS = {"work": _l("Work"), "registers": _l("Registers"), "administration": _l("Administration")}


def menu(user, endpoint: str | None) -> list[Group]:
    """The groups of the user's menu, in order, each with the pages the user may open."""
    endpoint = endpoint or ""
    groups: dict[str, list[Item]] = {key: [] for key in _GROUP_LABELS}
    for group, label, target, may, current in _ENTRIES:
        if not may(user):
            continue
        if target == "audit.trail" and not access.allowed(user, access.VIEW_TRAIL):
            target = "audit.customer_views"
        count = count_url = None
        if target == "home.index":  # counted here, so the page shows it without JavaScript
            count, count_url = task_count(user, clock.today()), url_for("home.task_count")
        elif target == "org.registrations":
            count = to_confirm_count(user)
        elif target == "notify.outbox":
            count = failed_count(user)
        groups[group].append(Item(str(label), url_for(target), current(endpoint), count, count_url))
    return [Group(key, str(_GROUP_LABELS[key]), items) for key, items in groups.items() if items]
