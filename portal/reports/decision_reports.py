"""Reports that count decisions, by decision date (RULINGS 19): decisions per committee, case type and
month; delegation compliance. Each is a few grouped queries over the reader's cases."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, not_, select

from portal.audit.labels import capacity_label
from portal.batches.models import WriteOffBatch, WriteOffBatchDecision
from portal.cases.models import Case, Decision, OUTCOME_LABELS
from portal.cases.rules import CaseState
from portal.extensions import db
from portal.meetings.models import DelegationReportLine
from portal.org.models import Position
from portal.org.queries import reporting_committee_ids
from portal.reports import batch_decisions, control
from portal.reports.labels import case_type_label, outcome_label
from portal.reports.queries import Filters, Organisation, case_conditions, in_period, month_of, year_of
from portal.reports.tables import Bar, Chart, Column, Kind, Report, Table

UNREPORTED_SHOWN = 1_000


def _basis() -> str:
    return _("Counted by decision date.")


def _batch_words() -> str:
    return _("A batch write-off counts as one decision, with the amount of its lines in the units chosen.")


def _outcomes(found: set[str]) -> list[str]:
    """The outcomes the portal knows, in their order, then any other stored value."""
    known = [str(outcome) for outcome in OUTCOME_LABELS]
    return known + sorted(found - set(known))


def decisions(user, day: date, filters: Filters, org: Organisation) -> Report:
    year, month = year_of(Decision.decision_date), month_of(Decision.decision_date)
    rows = db.session.execute(
        select(Case.committee_id, Case.case_type, year.label("year"), month.label("month"), Decision.outcome,
               func.count().label("count"), func.coalesce(func.sum(Decision.amount_ore), 0).label("amount"))
        .select_from(Decision).join(Case, Case.id == Decision.case_id)
        .where(*case_conditions(user, day, filters, org), in_period(Decision.decision_date, filters))
        .group_by(Case.committee_id, Case.case_type, year, month, Decision.outcome)
    ).all()
    decided_on = WriteOffBatchDecision.decision_date
    batch_year, batch_month = year_of(decided_on), month_of(decided_on)
    batches = batch_decisions.decided(
        lambda sums: (WriteOffBatch.committee_id, batch_year.label("year"), batch_month.label("month"),
                      WriteOffBatchDecision.outcome, func.count().label("count"),
                      func.coalesce(func.sum(sums.c.amount), 0).label("amount")),
        user, day, filters, org)
    batch_rows = [] if batches is None else db.session.execute(
        batches.group_by(WriteOffBatch.committee_id, batch_year, batch_month, WriteOffBatchDecision.outcome)).all()
    outcomes = _outcomes({row.outcome for row in rows} | {row.outcome for row in batch_rows})
    groups: dict[tuple, dict] = {}
    by_month: dict[str, int] = defaultdict(int)
    for row in [*rows, *batch_rows]:
        month_key = f"{int(row.year):04d}-{int(row.month):02d}"
        kind = case_type_label(row.case_type) if "case_type" in row._fields else batch_decisions.batch_label()
        key = (org.committee_names.get(row.committee_id, "—"), kind, month_key)
        group = groups.setdefault(key, {"count": 0, "amount": 0, **{o: 0 for o in outcomes}})
        group["count"] += row.count
        group["amount"] += int(row.amount)
        group[row.outcome] += row.count
        by_month[month_key] += row.count
    columns = [Column(_("Committee")), Column(_("Case type")), Column(_("Month")), Column(_("Decisions"), Kind.COUNT),
               Column(_("Amount"), Kind.MONEY), *[Column(outcome_label(o), Kind.COUNT) for o in outcomes]]
    table_rows = [[*key, group["count"], group["amount"], *[group[o] for o in outcomes]]
                  for key, group in sorted(groups.items())]
    totals = [_("Total"), "", "", sum(r[3] for r in table_rows), sum(r[4] for r in table_rows),
              *[sum(r[5 + i] for r in table_rows) for i in range(len(outcomes))]]
    months = Table("months", _("Decisions per month"), [Column(_("Month")), Column(_("Decisions"), Kind.COUNT)],
                   [[month_key, count] for month_key, count in sorted(by_month.items())])
    return Report(
        "beslut", _("Decisions per committee, case type and month"), _basis(),
        [Table("decisions", _("Decisions per committee, case type and month"), columns, table_rows,
               totals if table_rows else None), months],
        [Chart("months", _("Decisions per month"),
               _("The number of decisions each month, all committees and case types in the report."),
               months.columns[1], [Bar(row[0], row[1]) for row in months.rows])],
        [_batch_words()])


def compliance(user, day: date, filters: Filters, org: Organisation) -> Report:
    conditions = [*case_conditions(user, day, filters, org), in_period(Decision.decision_date, filters)]
    delegated = Decision.meeting_id.is_(None)
    per_rule = db.session.execute(
        select(Case.committee_id, Case.case_type, Decision.rule_number, Position.title, Decision.capacity,
               func.count().label("count"), func.coalesce(func.sum(Decision.amount_ore), 0).label("amount"))
        .select_from(Decision).join(Case, Case.id == Decision.case_id).outerjoin(Position, Position.id == Decision.position_id)
        .where(delegated, *conditions)
        .group_by(Case.committee_id, Case.case_type, Decision.rule_number, Position.title, Decision.capacity)
        .order_by(Case.committee_id, Case.case_type, Decision.rule_number, Position.title, Decision.capacity)
    ).all()
    rule_rows = [[org.committee_names.get(r.committee_id, "—"), case_type_label(r.case_type), r.rule_number or "—",
                  r.title or "—", capacity_label(r.capacity), r.count, int(r.amount)] for r in per_rule]
    batch = _batch_compliance(user, day, filters, org)
    rule_rows += [[org.committee_names.get(r.committee_id, "—"), batch_decisions.batch_label(), r.rule_number or "—",
                   r.title or "—", capacity_label(r.capacity), r.count, int(r.amount)] for r in batch.per_rule]
    by_capacity: dict[str, int] = defaultdict(int)
    for row in rule_rows:
        by_capacity[row[4]] += row[5]

    required = control.consultation_required_condition()
    missing = control.without_consultation_condition()
    consultation = db.session.execute(
        select(func.count().label("all"),
               func.coalesce(func.sum(case((and_(required, not_(missing)), 1), else_=0)), 0).label("consulted"),
               func.coalesce(func.sum(case((missing, 1), else_=0)), 0).label("missing"))
        .select_from(Decision).join(Case, Case.id == Decision.case_id).where(delegated, *conditions)
    ).one()
    outside = (db.session.scalar(
        select(func.count()).select_from(Decision).join(Case, Case.id == Decision.case_id)
        .where(delegated, *conditions, control.outside_scheme_condition())) or 0) + batch.outside

    referred_now = db.session.execute(
        select(Case.committee_id, Case.case_type, func.count().label("count"))
        .where(Case.state == CaseState.REFERRED_TO_COMMITTEE.value, *case_conditions(user, day, filters, org))
        .group_by(Case.committee_id, Case.case_type)).all()
    by_committee = db.session.execute(
        select(Case.committee_id, Case.case_type, func.count().label("count"))
        .select_from(Decision).join(Case, Case.id == Decision.case_id).where(Decision.meeting_id.is_not(None), *conditions)
        .group_by(Case.committee_id, Case.case_type)).all()
    referred: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for row in referred_now:
        referred[(org.committee_names.get(row.committee_id, "—"), case_type_label(row.case_type))][0] += row.count
    for row in by_committee:
        referred[(org.committee_names.get(row.committee_id, "—"), case_type_label(row.case_type))][1] += row.count
    for row in batch.referred:
        referred[(org.committee_names.get(row.committee_id, "—"), batch_decisions.batch_label())][0] += row.count
    for row in batch.by_committee:
        referred[(org.committee_names.get(row.committee_id, "—"), batch_decisions.batch_label())][1] += row.count

    reported = select(DelegationReportLine.decision_id)
    unreported_query = (
        select(Case.registry_number, Case.committee_id, Case.case_type, Decision.decision_date, Decision.rule_number)
        .select_from(Decision).join(Case, Case.id == Decision.case_id)
        .where(delegated, Decision.id.not_in(reported), Case.committee_id.in_(reporting_committee_ids()), *conditions)
        .order_by(Decision.decision_date, Decision.id))
    unreported_count = (db.session.scalar(select(func.count()).select_from(unreported_query.subquery())) or 0
                        + batch.unreported_count)
    unreported = [[r.registry_number or "—", org.committee_names.get(r.committee_id, "—"), case_type_label(r.case_type),
                   r.rule_number or "—", r.decision_date, (day - r.decision_date).days]
                  for r in db.session.execute(unreported_query.limit(UNREPORTED_SHOWN))]
    unreported += [[r.registry_number or "—", org.committee_names.get(r.committee_id, "—"),
                    batch_decisions.batch_label(), r.rule_number or "—", r.decision_date, (day - r.decision_date).days]
                   for r in batch.unreported]
    unreported = sorted(unreported, key=lambda row: row[4])[:UNREPORTED_SHOWN]

    within = control.report_within_days()
    statements = [
        _("Decisions outside the scheme in force: %(num)s (must be none). Checked: every delegated decision in the "
          "report names a published scheme version of its committee in force on its decision date and a rule of "
          "that version for the case's type.", num=outside),
        _("Decisions without the consultation their rule requires: %(num)s (must be none).",
          num=consultation.missing + batch.without_consultation),
        _batch_words(),
    ]
    capacity_table = Table("capacities", _("Delegated decisions by capacity"),
                           [Column(_("Capacity")), Column(_("Decisions"), Kind.COUNT)],
                           [[label, count] for label, count in sorted(by_capacity.items())])
    return Report(
        "delegation", _("Delegation compliance"), _basis(),
        [Table("rules", _("Delegated decisions per rule and delegate"),
               [Column(_("Committee")), Column(_("Case type")), Column(_("Rule")), Column(_("Position")),
                Column(_("Capacity")), Column(_("Decisions"), Kind.COUNT), Column(_("Amount"), Kind.MONEY)],
               rule_rows, [_("Total"), "", "", "", "", sum(r[5] for r in rule_rows), sum(r[6] for r in rule_rows)]
               if rule_rows else None),
         capacity_table,
         Table("consultation", _("Consultation"), [Column(_("Delegated decisions")), Column(_("Count"), Kind.COUNT)],
               [[_("All delegated decisions"), consultation.all + batch.count],
                [_("Rule requires consultation, recorded before the decision"), consultation.consulted],
                [_("Rule requires consultation, none recorded before the decision (must be none)"),
                 consultation.missing + batch.without_consultation],
                [_("Outside the scheme in force (must be none)"), outside]]),
         Table("referred", _("Referred to the committee"),
               [Column(_("Committee")), Column(_("Case type")), Column(_("Waiting for the committee"), Kind.COUNT),
                Column(_("Decided by the committee"), Kind.COUNT)],
               [[*key, waiting, decided] for key, (waiting, decided) in sorted(referred.items())]),
         Table("unreported", _("Delegated decisions not yet reported"),
               [Column(_("Registry number")), Column(_("Committee")), Column(_("Case type")), Column(_("Rule")),
                Column(_("Decision date")), Column(_("Days waited"), Kind.DAYS)], unreported,
               note=_("%(count)s not yet reported; the deadline is %(days)s days.", count=unreported_count,
                      days=within)
               + (" " + _("The first %(shown)s of %(count)s rows are shown.", shown=UNREPORTED_SHOWN,
                          count=unreported_count) if unreported_count > UNREPORTED_SHOWN else ""))],
        [Chart("capacities", _("Delegated decisions by capacity"),
               _("How many delegated decisions holders, stand-ins and further delegates made."),
               capacity_table.columns[1], [Bar(row[0], row[1]) for row in capacity_table.rows])],
        statements)


@dataclass(frozen=True)
class _BatchCompliance:
    per_rule: list
    count: int
    without_consultation: int
    outside: int
    referred: list
    by_committee: list
    unreported_count: int
    unreported: list


def _batch_compliance(user, day: date, filters: Filters, org: Organisation) -> _BatchCompliance:
    """The batch write-offs' share of the compliance report: each batch one delegated decision."""
    # Asked once: for a reader who is no finance officer, the batches they may decide ask the engine.
    readable = batch_decisions.batch_conditions(user, day, filters)
    if readable is None:
        return _BatchCompliance([], 0, 0, 0, [], [], 0, [])

    def decided(columns_of, *, by_committee: bool = False):
        query = batch_decisions.decided(columns_of, user, day, filters, org, readable)
        return query.where(WriteOffBatchDecision.meeting_id.is_not(None) if by_committee
                           else batch_decisions.delegated())

    per_rule = decided(lambda sums: (WriteOffBatch.committee_id, WriteOffBatchDecision.rule_number, Position.title,
                                     WriteOffBatchDecision.capacity, func.count().label("count"),
                                     func.coalesce(func.sum(sums.c.amount), 0).label("amount")))
    grouped = (WriteOffBatch.committee_id, WriteOffBatchDecision.rule_number, Position.title,
               WriteOffBatchDecision.capacity)
    rules = db.session.execute(
        per_rule.outerjoin(Position, Position.id == WriteOffBatchDecision.position_id)
        .group_by(*grouped).order_by(*grouped)).all()
    counts = db.session.execute(decided(lambda _sums: (
        func.count().label("all"),
        func.coalesce(func.sum(case((batch_decisions.without_consultation_condition(), 1), else_=0)), 0)
        .label("missing"),
        func.coalesce(func.sum(case((batch_decisions.outside_scheme_condition(), 1), else_=0)), 0).label("outside"),
    ))).one()
    unreported = decided(lambda _sums: (WriteOffBatch.registry_number, WriteOffBatch.committee_id,
                                        WriteOffBatchDecision.decision_date, WriteOffBatchDecision.rule_number)
                         ).where(batch_decisions.unreported_condition(),
                                 WriteOffBatch.committee_id.in_(reporting_committee_ids()))
    unreported_count = db.session.scalar(select(func.count()).select_from(unreported.subquery())) or 0
    by_committee = db.session.execute(decided(
        lambda _sums: (WriteOffBatch.committee_id, func.count().label("count")), by_committee=True)
        .group_by(WriteOffBatch.committee_id)).all()
    return _BatchCompliance(
        rules, counts.all, int(counts.missing), int(counts.outside),
        batch_decisions.referred(user, day, filters, org, readable), by_committee,
        unreported_count,
        db.session.execute(unreported.order_by(WriteOffBatchDecision.decision_date, WriteOffBatchDecision.id)
                           .limit(UNREPORTED_SHOWN)).all())
