"""The reports' aggregations: set-based queries grouped by the stored values (case type, outcome,
write-off reason), each filtered by the reader's access in the query, with the same rule as the
object pages (the cases' `visible_to`, the receivables' `invoices_visible_to`).

Who reads reports (README "Vem ser vad"): the auditor and the finance and case officers the whole
municipality's; a unit or department head (or whoever stands in for one) what they see of cases and
invoices. Decision reports count by decision date, finance reports by execution date (RULINGS 19).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal import access
from portal.auth.roles import Role
from portal.cases.queries import may_list_cases
from portal.extensions import db
from portal.reports.models import ReportingSetting

WHOLE_MUNICIPALITY = frozenset({Role.AUDITOR, Role.FINANCE_DIRECTOR, Role.FINANCE_OFFICER, Role.CASE_OFFICER})


@access.register(access.VIEW_REPORTS)
def _reports_rule(user, _action: str, _obj, day: date) -> bool:
    return bool(user.roles & WHOLE_MUNICIPALITY) or may_list_cases(user, day)


@access.register_document("internal_control")
def _internal_control_document_rule(user, _document, day: date) -> bool:
    return access.allowed(user, access.VIEW_INTERNAL_CONTROL, on=day)


def reporting_settings() -> list[ReportingSetting]:
    return list(db.session.scalars(select(ReportingSetting).order_by(ReportingSetting.id)))
