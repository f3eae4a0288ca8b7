"""A draft's rules replaced by those of an uploaded workbook: preview, then all or nothing.

The file is the whole draft. Rules included from the common provisions (RULINGS 11) come and go
with it unchanged; a file that changes or leaves out one is refused. Its rows are matched to the draft's rules by rule number (the first
row numbered 4.2 to the draft's first rule 4.2, the second to the second, so a draft the checker
says has a number twice still goes and comes back unchanged): a matched rule whose fields differ is
changed, a row without a match adds a rule, and a rule of the draft without a row is removed. Each
row runs through the editor's RuleForm and the service's own validation (`services.rule_save`
checks it again when it writes); the preview then applies the file inside a savepoint to show
what the draft checker would say, and rolls it back. Applying writes every change through
`rule_save` and `rule_delete` (each audited as from the editor) and one entry for the import,
in the request's transaction; a file that changes nothing writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from fractions import Fraction

from flask_babel import gettext as _

from portal.audit.services import Actor, record, snapshot
from portal.delegation import display, queries, services
from portal.delegation.engine_types import PlanLengthFloor
from portal.delegation.forms import RuleForm
from portal.delegation.models import RULE_FIELDS, DelegationRule, SchemeVersion
from portal.delegation.services import RuleInput
from portal.delegation.spreadsheet import COLUMNS, error_column
from portal.delegation.spreadsheet_read import (
    MAX_ERRORS_SHOWN,
    ReadResult,
    Row,
    RowError,
    read_workbook,
)
from portal.errors import ValidationFailed
from portal.extensions import db


@dataclass
class Change:
    status: str  # "added", "changed", "removed", "same"
    number: str
    line: int | None = None
    rule: DelegationRule | None = None
    values: RuleInput | None = None
    columns: list[str] = field(default_factory=list)  # the columns that differ


@dataclass
class Preview:
    errors: list[RowError]
    error_count: int
    changes: list[Change] = field(default_factory=list)
    # What the draft checker says of the draft as the file would leave it.
    check_errors: list[str] = field(default_factory=list)
    check_warnings: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"added": 0, "changed": 0, "removed": 0, "same": 0}
        for change in self.changes:
            counts[change.status] += 1
        return counts

    @property
    def changes_anything(self) -> bool:
        return any(change.status != "same" for change in self.changes)


def draft_fingerprint(version: SchemeVersion) -> str:
    """The draft's rules as they stand, so applying refuses a file previewed against other rules."""
    rules = [[rule.id, snapshot(rule, RULE_FIELDS)] for rule in version.rules]
    return hashlib.sha256(json.dumps(rules, sort_keys=True, default=str).encode()).hexdigest()


def _row_input(row: Row, version: SchemeVersion, errors: list[RowError]) -> RuleInput | None:
    """The row through the editor's form and the service's checks; errors named by column."""
    already = {e.column for e in errors if e.line == row.line}

    def add(name: str, messages) -> None:
        column = error_column(name, row.category_scope)
        for message in messages if isinstance(messages, list) else [messages]:
            if column is None or column not in already:
                errors.append(RowError(row.line, column, str(message)))

    form = RuleForm(formdata=row.formdata, prefix="", meta={"csrf": False})
    valid = form.validate()
    for name, messages in form.errors.items():
        add(name, messages)
    values = None
    try:
        values = form.to_input()
    except ValidationFailed as failure:
        for name, message in failure.errors.items():
            add(name, message)
    if values is None or not valid:
        return None
    problems = services._rule_errors(values, version)
    for name, message in problems.items():
        add(name, message)
    if problems or any(e.line == row.line for e in errors):
        return None
    return values


def _comparable(values: dict) -> dict:
    """Stored values compared by meaning: a share as a fraction, floors in the rule books' words."""
    out = dict(values)
    numerator, denominator = out.pop("max_amount_pbb_numerator"), out.pop("max_amount_pbb_denominator")
    out["max_amount_pbb"] = Fraction(numerator, denominator) if numerator is not None and denominator else None
    out["plan_length_floors"] = [
        PlanLengthFloor.from_stored(f).as_or_more().stored() for f in out.get("plan_length_floors") or ()
    ] or None
    out["required_conditions"] = sorted(list(c) for c in out.get("required_conditions") or ()) or None
    for name in ("allowed_write_off_reasons", "allowed_reasons", "invoice_category_ids", "excluded_invoice_category_ids",
                 "issuing_unit_ids"):
        if out.get(name) is not None:
            out[name] = sorted(out[name])
    return out


_FIELD_COLUMN = {name: column.header for column in COLUMNS for name in column.fields}


def _differing_columns(rule: DelegationRule, values: RuleInput) -> list[str]:
    new = _comparable(services._rule_values(values))
    old = _comparable({name: getattr(rule, name) for name in services._rule_values(values)})
    names = [name for name in new if new[name] != old[name]]
    columns = []
    for name in names:
        header = _FIELD_COLUMN.get(name, _FIELD_COLUMN.get(f"{name}_numerator", name))
        if name == "max_amount_pbb":
            header = _FIELD_COLUMN["max_amount_pbb_numerator"]
        if header not in columns:
            columns.append(header)
    return columns


def _plan(version: SchemeVersion, read: ReadResult) -> tuple[list[Change], list[RowError]]:
    errors = list(read.errors)
    inputs = [(row, _row_input(row, version, errors)) for row in read.rows]
    if errors:
        return [], errors
    existing: dict[str, list[DelegationRule]] = {}
    for rule in version.rules:
        existing.setdefault(rule.number.strip(), []).append(rule)
    changes = []
    for row, values in inputs:
        matches = existing.get(values.number.strip())
        if matches:
            rule = matches.pop(0)
            columns = _differing_columns(rule, values)
            if columns and rule.is_included:
                errors.append(RowError(row.line, None, _included(rule)))
            changes.append(Change("changed" if columns else "same", rule.number, row.line, rule, values,
                                  columns))
        else:
            changes.append(Change("added", values.number.strip(), row.line, None, values))
    for rule in version.rules:
        if rule in existing.get(rule.number.strip(), ()):
            if rule.is_included:
                errors.append(RowError(None, None, _included(rule)))
            changes.append(Change("removed", rule.number, None, rule))
    return ([], errors) if errors else (changes, [])


def _included(rule: DelegationRule) -> str:
    """A rule included from the common provisions is not the committee's own (RULINGS 11): the file
    may neither change nor remove it (rule_save and rule_delete would refuse it too)."""
    return _("Rule %(number)s comes from the common provisions (%(reference)s): it is changed there, "
             "and reaches the committee when the committee adopts the new version.",
             number=rule.number, reference=rule.common_version.adoption_reference)


def _write(actor: Actor, version: SchemeVersion, changes: list[Change]) -> None:
    for change in changes:
        if change.status == "removed":
            services.rule_delete(actor, change.rule)
    for change in changes:
        if change.status in ("changed", "added"):
            services.rule_save(actor, version, change.rule, change.values)


def preview(version: SchemeVersion, data: bytes) -> Preview:
    """Every problem of the file (the first MAX_ERRORS_SHOWN, and how many), or what applying it
    would change and what the checker would then find. Nothing is kept."""
    _refuse_unless_draft(version)
    changes, errors = _plan(version, read_workbook(data, version))
    errors.sort(key=lambda e: (e.line or 0, _column_order(e.column)))
    if errors:
        return Preview(errors[:MAX_ERRORS_SHOWN], len(errors))
    result = Preview([], 0, changes)
    nested = db.session.begin_nested()
    try:
        _write(Actor(None, "", "preview"), version, changes)
        found = services.draft_check(version).findings
        names = queries.names()
        for finding in found:
            (result.check_errors if finding.severity == "error" else result.check_warnings).append(
                display.finding_line(finding, names))
    finally:
        nested.rollback()
        db.session.expire(version, ["rules"])
    return result


def apply(actor: Actor, version: SchemeVersion, data: bytes, fingerprint: str) -> Preview:
    """Replace the draft's rules by the file's, all or nothing (the caller commits)."""
    _refuse_unless_draft(version)
    if fingerprint != draft_fingerprint(version):
        raise ValidationFailed({"file": _(
            "The draft has changed since the file was previewed: upload the file again.")})
    changes, errors = _plan(version, read_workbook(data, version))
    if errors:
        raise ValidationFailed({"file": _("The file has errors: upload it again to see them.")})
    result = Preview([], 0, changes)
    if not result.changes_anything:
        return result
    _write(actor, version, changes)
    counts = result.counts
    record(actor, "scheme_version.import", "scheme_version", version.id,
           after={"added": counts["added"], "changed": counts["changed"], "removed": counts["removed"],
                  "unchanged": counts["same"], "rules": [c.number for c in changes if c.status != "same"]})
    return result


def _refuse_unless_draft(version: SchemeVersion) -> None:
    if not version.is_draft:
        raise ValidationFailed(
            {"file": _("A published version never changes: start a new draft instead.")})


def _column_order(header: str | None) -> int:
    for index, column in enumerate(COLUMNS):
        if column.header == header:
            return index + 1
    return 0
