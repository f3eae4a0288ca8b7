"""The Swedish words of stored values, taken from the one place each lives, so that a case type,
outcome or write-off reason another domain adds shows up in the reports without code here."""

from __future__ import annotations

from portal.cases.models import CASE_STATE_LABELS, CASE_TYPE_LABELS, OUTCOME_LABELS
from portal.delegation.models import WRITE_OFF_REASON_LABELS


def _label(labels: dict, value) -> str:
    for key, label in labels.items():
        if key == value:  # StrEnum keys compare equal to their stored values
            return str(label)
    return "" if value is None else str(value)


def case_type_label(value) -> str:
    return _label(CASE_TYPE_LABELS, value)


def outcome_label(value) -> str:
    return _label(OUTCOME_LABELS, value)


def state_label(value) -> str:
    return _label(CASE_STATE_LABELS, value)


def write_off_reason_label(value) -> str:
    return _label(WRITE_OFF_REASON_LABELS, value)
