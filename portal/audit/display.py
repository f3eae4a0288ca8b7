"""An entry's details as a person reads them: each known field by its Swedish name, codes by their
labels, money as money. Fields without a label here are left to the export's data columns."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.audit.labels import capacity_label, object_label, permission_label
from portal.audit.models import AuditEntry

FIELD_LABELS = {
    "state": _l("State"), "outcome": _l("Outcome"), "case_type": _l("Type"), "amount_ore": _l("Amount"),
    "registry_number": _l("Registry number"), "rule_number": _l("Rule"), "rule": _l("Rule"),
    "proposed_rules": _l("Proposed rules"), "reason": _l("Reason"), "reasons": _l("Reasons"), "note": _l("Note"),
    "opinion": _l("Opinion"), "capacity": _l("Capacity"), "length_months": _l("Length in months"),
    "new_due_date": _l("New due date"), "first_due_date": _l("First due date"), "instalments": _l("Instalments"),
    "monthly_amount_ore": _l("Monthly amount"), "write_off_reason": _l("Write-off reason"),
    "collection_reason": _l("Reason for not pursuing the debt"),
    "credit_reason": _l("Reason for the credit"), "allowed_reasons": _l("Allowed reasons"),
    "write_off_final": _l("Final write-off"), "twelve_month_prior_ore": _l("Decided in the last 12 months"),
    "because_of_case": _l("Because of the decision in"), "filename": _l("File name"), "file_name": _l("File name"),
    "size": _l("Size in bytes"), "sha256": _l("SHA-256"), "path": _l("Address in the portal"),
    "permission": _l("What was asked"), "too_large": _l("Larger than allowed"), "kind": _l("Kind"),
    "received_on": _l("Received"), "reference": _l("Reference"), "paragraph": _l("Paragraph"),
    "decision_text": _l("Decision"), "meeting_date": _l("Meeting date"), "place": _l("Place"),
    "minutes_approved_on": _l("Minutes approved"), "minutes_posted_on": _l("Minutes posted"),
    "urgent": _l("Urgent"), "title": _l("Title"), "verification_code": _l("Verification code"),
    "object_type": _l("About"), "name": _l("Name"), "full_name": _l("Name"), "username": _l("Username"),
    "email": _l("E-mail"), "roles": _l("Roles"), "active": _l("Active"), "code": _l("Code"),
    "starts_on": _l("From"), "ends_on": _l("To"), "valid_from": _l("Valid from"), "adopted_on": _l("Adopted"),
    "adoption_reference": _l("Adoption reference"), "rows_total": _l("Rows"), "count_new": _l("New rows"),
    "count_changed": _l("Changed rows"), "count_unchanged": _l("Unchanged rows"), "count_errors": _l("Errors"),
    "max_amount_ore": _l("Highest amount"), "max_deferral_months": _l("Longest deferral in months"),
    "max_plan_months": _l("Longest plan in months"), "level": _l("Level"), "rate_bp": _l("Rate"),
    "half_year_start": _l("Half-year from"), "stage": _l("Collection stage"), "organisation_number":
    _l("Organisation number"), "time_bar_years": _l("Time bar in years"), "rules": _l("Rules"),
    "figures_changed": _l("Changed since the case was submitted"),
    "limit": _l("Limit reached"), "retry_after_seconds": _l("Wait in seconds"), "ended": _l("Ended"),
    "address": _l("Address"), "browser": _l("Browser"), "method": _l("Signed in with"),
    "identity": _l("Identity at the identity provider"), "external_id": _l("Identity at the identity provider"),
    "subject": _l("Subject at the identity provider"), "idp_session": _l("Session at the identity provider"),
}

_MONEY = {"amount_ore", "monthly_amount_ore", "twelve_month_prior_ore", "max_amount_ore"}


def _value_labels() -> dict[str, dict]:
    """Codes that are values of a field, by field: the domains' own label tables."""
    from portal.auth.roles import ROLE_LABELS
    from portal.auth.sessions import SIGN_IN_METHOD_LABELS
    from portal.auth.throttle import THROTTLE_LIMIT_LABELS
    from portal.cases.models import CASE_STATE_LABELS, CASE_TYPE_LABELS, OUTCOME_LABELS
    from portal.delegation.messages import VERSION_STATE_LABELS
    from portal.delegation.models import COLLECTION_REASON_LABELS, CREDIT_REASON_LABELS, WRITE_OFF_REASON_LABELS
    from portal.documents.models import DOCUMENT_KIND_LABELS
    from portal.meetings.models import COMMITTEE_OUTCOME_LABELS, ITEM_KIND_LABELS, MEETING_STATE_LABELS
    from portal.org.models import POSITION_KIND_LABELS
    from portal.receivables.models import FEE_KIND_LABELS, IMPORT_STATE_LABELS, STAGE_LABELS

    kinds = {**POSITION_KIND_LABELS, **DOCUMENT_KIND_LABELS, **FEE_KIND_LABELS, **ITEM_KIND_LABELS,
             "attachment": _l("Attachment"), "signed_agreement": _l("Signed agreement"), "logo": _l("Logo"),
             "ledger": _l("Ledger"), "payments": _l("Payments")}
    return {
        "state": {**CASE_STATE_LABELS, **MEETING_STATE_LABELS, **VERSION_STATE_LABELS, **IMPORT_STATE_LABELS},
        "outcome": {**OUTCOME_LABELS, **COMMITTEE_OUTCOME_LABELS},
        "case_type": CASE_TYPE_LABELS, "write_off_reason": WRITE_OFF_REASON_LABELS,
        "collection_reason": COLLECTION_REASON_LABELS, "credit_reason": CREDIT_REASON_LABELS,
        "roles": ROLE_LABELS,
        "kind": kinds, "stage": STAGE_LABELS, "limit": THROTTLE_LIMIT_LABELS,
        "method": SIGN_IN_METHOD_LABELS,
    }


def _format(key: str, value: Any, labels: dict[str, dict]) -> str:
    from portal.money import format_money

    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_format(key, item, labels) for item in value)
    if key in _MONEY and isinstance(value, int):
        return format_money(value)
    if key == "rate_bp" and isinstance(value, int):
        from portal.money import NBSP, format_amount

        return format_amount(value) + NBSP + "%"
    if key == "figures_changed" and isinstance(value, dict):
        from portal.cases.figures import Change, FIGURE_LABELS

        return "; ".join(f"{change.label} {change.before_text} → {change.after_text}"
                         for change in (Change(k, *v) for k, v in value.items() if k in FIGURE_LABELS)) or "—"
    if key == "capacity":
        return capacity_label(str(value))
    if key == "permission":
        return permission_label(str(value))
    if key == "object_type":
        return object_label(str(value))
    table = labels.get(key)
    if table is not None:
        label = table.get(value)
        return str(label) if label is not None else _("other")
    return str(value)


def describe(entry: AuditEntry) -> list[tuple[str, str]]:
    """(field, what it says) for each labelled field: a change as "before → after"."""
    labels = _value_labels()
    before, after = entry.before or {}, entry.after or {}
    lines = []
    for key in [*after, *(k for k in before if k not in after)]:
        if key not in FIELD_LABELS:
            continue
        if key in before and key in after and before[key] != after[key]:
            text = f"{_format(key, before[key], labels)} → {_format(key, after[key], labels)}"
        elif key in after:
            text = _format(key, after[key], labels)
        else:
            text = _("removed: %(value)s", value=_format(key, before[key], labels))
        lines.append((str(FIELD_LABELS[key]), text))
    return lines


def describe_text(entry: AuditEntry) -> str:
    """The details on one line, for the export."""
    return "; ".join(f"{label}: {text}" for label, text in describe(entry))
