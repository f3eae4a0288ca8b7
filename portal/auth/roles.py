"""The system roles a user may hold; positions come from the organisation, not from here."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    CASE_OFFICER = "case_officer"
    FINANCE_OFFICER = "finance_officer"
    FINANCE_DIRECTOR = "finance_director"
    COMMITTEE_SECRETARY = "committee_secretary"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.CASE_OFFICER: _l("Case officer"),
    Role.FINANCE_OFFICER: _l("Finance officer"),
    Role.FINANCE_DIRECTOR: _l("Finance director"),
    Role.COMMITTEE_SECRETARY: _l("Committee secretary"),
    Role.AUDITOR: _l("Auditor"),
    Role.ADMINISTRATOR: _l("Administrator"),
}
