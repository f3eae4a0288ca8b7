"""The reports' aggregations: set-based queries grouped by the stored values (case type, outcome,
write-off reason), each filtered by the reader's access in the query, with the same rule as the
object pages (the cases' `visible_to`, the receivables' `invoices_visible_to`).

Who reads reports (README "Vem ser vad"): the auditor and the finance and case officers the whole
municipality's; a unit or department head (or whoever stands in for one) what they see of cases and
invoices. Decision reports count by decision date, finance reports by execution date (RULINGS 19).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, extract, select, true

from portal import access
from portal.auth.roles import Role
from portal.cases.models import Case
from portal.cases.queries import may_list_cases, visible_to
from portal.extensions import db
from portal.org import bodies
from portal.org.models import Committee, Municipality, OrgUnit
from portal.org.queries import units_in_sight
from portal.receivables.models import Invoice
from portal.receivables.queries import invoices_visible_to
from portal.reports.models import ReceivablesSnapshotLine, ReportingSetting

WHOLE_MUNICIPALITY = frozenset({Role.AUDITOR, Role.FINANCE_DIRECTOR, Role.FINANCE_OFFICER, Role.CASE_OFFICER})


@access.register(access.VIEW_REPORTS)
def _reports_rule(user, _action: str, _obj, day: date) -> bool:
    return bool(user.roles & WHOLE_MUNICIPALITY) or may_list_cases(user, day)


@access.register(access.VIEW_REPORT_EXPORT)
def _export_rule(user, _action: str, export, day: date) -> bool:
    """A report file holds what its asker may see: it is theirs alone, while they may read reports."""
    return export is not None and export.requested_by_id == user.id and _reports_rule(user, _action, None, day)


@access.register_document("internal_control")
def _internal_control_document_rule(user, _document, day: date) -> bool:
    return access.allowed(user, access.VIEW_INTERNAL_CONTROL, on=day)


def reporting_settings() -> list[ReportingSetting]:
    return list(db.session.scalars(select(ReportingSetting).order_by(ReportingSetting.id)))


# --- filters -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    committee_id: int | None = None
    department_id: int | None = None
    unit_id: int | None = None
    case_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class LegalPerson:
    """Whose figures a report's section shows (RULINGS 10, 12): the municipality (its committees and
    the executive committee are one legal person), or a company or a joint authority, each a legal
    person of its own whose figures are never summed into the municipality's. `key` is
    `bodies.creditor_of`'s: 0 for the municipality, else the body's own committee id."""

    key: int
    name: str
    kind: str  # the BodyKind of its bodies
    code: str = ""  # its body's code: a short name for a spreadsheet's sheets

    @property
    def is_municipality(self) -> bool:
        return self.key == MUNICIPALITY

    @property
    def reports_delegated_decisions(self) -> bool:
        return bodies.reports_delegated_decisions(self.kind)

    def title(self) -> str:
        if self.is_municipality:
            return self.name or _("The municipality")
        if bodies.is_company(self.kind):
            return _("%(name)s (municipal company, aktiebolag)", name=self.name)
        return _("%(name)s (joint authority, kommunalförbund)", name=self.name)

    def note(self) -> str | None:
        """What the reader of its section must know; None for the municipality."""
        if self.is_municipality:
            return None
        words = _("A legal person of its own: its figures are shown here and never counted in the municipality's.")
        if not self.reports_delegated_decisions:
            words += " " + _("A company has no delegation report: its decisions are never waiting to be reported.")
        return words


MUNICIPALITY = 0


@dataclass(frozen=True)
class Organisation:
    """Units with their department and committee, read once (a few hundred rows), so queries group by
    unit in the database and the report folds units into departments and legal persons."""

    unit_names: dict[int, str]
    department_of: dict[int, int]  # unit -> its nearest department (itself if a department)
    committee_of: dict[int, int]
    parent_of: dict[int, int | None]
    committee_names: dict[int, str]
    person_of: dict[int, int]  # committee -> its LegalPerson's key
    persons: dict[int, LegalPerson]  # by key, the municipality first

    def subtree(self, unit_id: int) -> set[int]:
        found = {unit_id}
        changed = True
        while changed:
            before = len(found)
            found |= {unit for unit, parent in self.parent_of.items() if parent in found}
            changed = len(found) != before
        return found

    def units_of_committee(self, committee_id: int) -> set[int]:
        return {unit for unit, committee in self.committee_of.items() if committee == committee_id}

    def department_name(self, unit_id: int) -> str:
        return self.unit_names.get(self.department_of.get(unit_id, unit_id), "—")

    def person_of_unit(self, unit_id: int) -> int:
        return self.person_of.get(self.committee_of.get(unit_id), MUNICIPALITY)

    def person_of_committee(self, committee_id: int) -> int:
        return self.person_of.get(committee_id, MUNICIPALITY)

    def committees_of(self, person: LegalPerson) -> list[int]:
        return sorted(committee for committee, key in self.person_of.items() if key == person.key)


def organisation() -> Organisation:
    rows = db.session.execute(select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.kind, OrgUnit.name,
                                     OrgUnit.committee_id)).all()
    parent_of = {row.id: row.parent_id for row in rows}
    kind_of = {row.id: row.kind for row in rows}
    department_of: dict[int, int] = {}
    for row in rows:
        current, seen = row.id, set()
        while current is not None and kind_of.get(current) != "department" and current not in seen:
            seen.add(current)
            current = parent_of.get(current)
        department_of[row.id] = current if current is not None and kind_of.get(current) == "department" else row.id
    committees = db.session.execute(select(Committee.id, Committee.name, Committee.kind, Committee.parent_id,
                                           Committee.code)).all()
    by_id = {row.id: row for row in committees}
    municipality = db.session.scalar(select(Municipality.name).limit(1)) or ""
    persons = {MUNICIPALITY: LegalPerson(MUNICIPALITY, municipality, bodies.BodyKind.COMMITTEE.value)}
    person_of: dict[int, int] = {}
    for row in sorted(committees, key=lambda row: row.name):
        main = by_id.get(row.parent_id, row)  # a sub-committee (utskott) is its main body's
        key = bodies.creditor_of(main.kind, main.id)
        person_of[row.id] = key
        if key not in persons:
            persons[key] = LegalPerson(key, main.name, main.kind, main.code)
    return Organisation(
        unit_names={row.id: row.name for row in rows}, department_of=department_of,
        committee_of={row.id: row.committee_id for row in rows}, parent_of=parent_of,
        committee_names={row.id: row.name for row in committees}, person_of=person_of, persons=persons)


def legal_persons(filters: Filters, org: Organisation) -> list[LegalPerson]:
    """The legal persons a report under the filters has a section for, the municipality first: every
    one that keeps a body, or those of the chosen committee or units."""
    keys = set(org.person_of.values()) or {MUNICIPALITY}
    if filters.committee_id:
        keys &= {org.person_of_committee(filters.committee_id)}
    units = chosen_units(filters, org)
    if units is not None:
        keys &= {org.person_of_unit(unit) for unit in units} or {MUNICIPALITY}
    return [person for key, person in org.persons.items() if key in keys] or [org.persons[MUNICIPALITY]]


def chosen_units(filters: Filters, org: Organisation) -> set[int] | None:
    """The units the filters leave, or None for every unit."""
    units: set[int] | None = None
    for chosen in (org.units_of_committee(filters.committee_id) if filters.committee_id else None,
                   org.subtree(filters.department_id) if filters.department_id else None,
                   org.subtree(filters.unit_id) if filters.unit_id else None):
        if chosen is not None:
            units = chosen if units is None else units & chosen
    return units


def case_conditions(user, day: date, filters: Filters, org: Organisation) -> list[ColumnElement[bool]]:
    """The reader's cases under the filters (not the period: each report says which date it counts)."""
    conditions = [visible_to(user, day)]
    if filters.committee_id:
        conditions.append(Case.committee_id == filters.committee_id)
    units = chosen_units(filters, org)
    if units is not None:
        conditions.append(Case.org_unit_id.in_(units))
    if filters.case_type:
        conditions.append(Case.case_type == filters.case_type)
    return conditions


def invoice_conditions(user, day: date, filters: Filters, org: Organisation) -> list[ColumnElement[bool]]:
    conditions = [invoices_visible_to(user, day)]
    units = chosen_units(filters, org)
    if units is not None:
        conditions.append(Invoice.org_unit_id.in_(units))
    return conditions


def snapshot_conditions(user, day: date, filters: Filters, org: Organisation) -> list[ColumnElement[bool]]:
    """The month-end snapshot lines the reader may count, under the filters: the rule of
    `invoices_visible_to` (whoever sees every invoice sees every unit; a unit or department head the
    units in their sight), applied to the unit each line is about."""
    conditions: list[ColumnElement[bool]] = []
    if not user.roles & access.CUSTOMER_VIEWERS:
        conditions.append(ReceivablesSnapshotLine.org_unit_id.in_(units_in_sight(user.id, day)))
    units = chosen_units(filters, org)
    if units is not None:
        conditions.append(ReceivablesSnapshotLine.org_unit_id.in_(units))
    return conditions


def in_period(column, filters: Filters) -> ColumnElement[bool]:
    condition = true()
    if filters.date_from:
        condition = condition & (column >= filters.date_from)
    if filters.date_to:
        condition = condition & (column <= filters.date_to)
    return condition


def year_of(column):
    return extract("year", column)


def month_of(column):
    return extract("month", column)
