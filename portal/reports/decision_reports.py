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
from portal.reports.conditions import BATCHES, CASES
from portal.reports.labels import case_type_label, outcome_label
from portal.reports.queries import (
    Filters,
    LegalPerson,
    Organisation,
    case_conditions,
    in_period,
    legal_persons,
    month_of,
    year_of,
)
from portal.reports.tables import Bar, Built, Chart, Column, Kind, Report, Table, apart

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

    def build(person: LegalPerson) -> Built:
        groups: dict[tuple, dict] = {}
        by_month: dict[str, int] = defaultdict(int)
        for row in [*rows, *batch_rows]:
            if org.person_of_committee(row.committee_id) != person.key:
                continue
            month_key = f"{int(row.year):04d}-{int(row.month):02d}"
            kind = case_type_label(row.case_type) if "case_type" in row._fields else batch_decisions.batch_label()
            key = (org.committee_names.get(row.committee_id, "—"), kind, month_key)
            group = groups.setdefault(key, {"count": 0, "amount": 0, **{o: 0 for o in outcomes}})
            group["count"] += row.count
            group["amount"] += int(row.amount)
            group[row.outcome] += row.count
            by_month[month_key] += row.count
        columns = [Column(_("Committee")), Column(_("Case type")), Column(_("Month")),
                   Column(_("Decisions"), Kind.COUNT), Column(_("Amount"), Kind.MONEY),
                   *[Column(outcome_label(o), Kind.COUNT) for o in outcomes]]
        table_rows = [[*key, group["count"], group["amount"], *[group[o] for o in outcomes]]
                      for key, group in sorted(groups.items())]
        totals = [_("Total"), "", "", sum(r[3] for r in table_rows), sum(r[4] for r in table_rows),
                  *[sum(r[5 + i] for r in table_rows) for i in range(len(outcomes))]]
        months = Table("months", _("Decisions per month"), [Column(_("Month")), Column(_("Decisions"), Kind.COUNT)],
                       [[month_key, count] for month_key, count in sorted(by_month.items())])
        return ([Table("decisions", _("Decisions per committee, case type and month"), columns, table_rows,
                       totals if table_rows else None), months],
                [Chart("months", _("Decisions per month"),
                       _("The number of decisions each month, all committees and case types in the report."),
                       months.columns[1], [Bar(row[0], row[1]) for row in months.rows])],
                [])

    tables, charts, sections = apart(legal_persons(filters, org), build)
    return Report("beslut", _("Decisions per committee, case type and month"), _basis(), tables, charts,
                  [_batch_words()], sections)


def _per_committee(rows, *fields: str) -> dict[int, list[int]]:
    """Grouped counts by committee, summed over the other groupings."""
    found: dict[int, list[int]] = defaultdict(lambda: [0] * len(fields))
    for row in rows:
        for i, name in enumerate(fields):
            found[row.committee_id][i] += int(getattr(row, name))
    return found


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
    batch = _batch_compliance(user, day, filters, org)
    rule_rows = [(r.committee_id, [org.committee_names.get(r.committee_id, "—"), case_type_label(r.case_type),
                                   r.rule_number or "—", r.title or "—", capacity_label(r.capacity), r.count,
                                   int(r.amount)]) for r in per_rule]
    rule_rows += [(r.committee_id, [org.committee_names.get(r.committee_id, "—"), batch_decisions.batch_label(),
                                    r.rule_number or "—", r.title or "—", capacity_label(r.capacity), r.count,
                                    int(r.amount)]) for r in batch.per_rule]

    required = CASES.consultation_required()
    missing = CASES.without_consultation()
    checked = _per_committee(db.session.execute(
        select(Case.committee_id, func.count().label("all"),
               func.coalesce(func.sum(case((and_(required, not_(missing)), 1), else_=0)), 0).label("consulted"),
               func.coalesce(func.sum(case((missing, 1), else_=0)), 0).label("missing"),
               func.coalesce(func.sum(case((CASES.outside_scheme(), 1), else_=0)), 0).label("outside"))
        .select_from(Decision).join(Case, Case.id == Decision.case_id).where(delegated, *conditions)
        .group_by(Case.committee_id)).all(), "all", "consulted", "missing", "outside")
    batch_checked = _per_committee(batch.counts, "all", "missing", "outside")

    referred_now = db.session.execute(
        select(Case.committee_id, Case.case_type, func.count().label("count"))
        .where(Case.state == CaseState.REFERRED_TO_COMMITTEE.value, *case_conditions(user, day, filters, org))
        .group_by(Case.committee_id, Case.case_type)).all()
    by_committee = db.session.execute(
        select(Case.committee_id, Case.case_type, func.count().label("count"))
        .select_from(Decision).join(Case, Case.id == Decision.case_id).where(Decision.meeting_id.is_not(None), *conditions)
        .group_by(Case.committee_id, Case.case_type)).all()
    referred: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for rows, column, kind in ((referred_now, 0, None), (by_committee, 1, None),
                               (batch.referred, 0, batch_decisions.batch_label()),
                               (batch.by_committee, 1, batch_decisions.batch_label())):
        for row in rows:
            key = (row.committee_id, org.committee_names.get(row.committee_id, "—"),
                   kind or case_type_label(row.case_type))
            referred[key][column] += row.count

    reported = select(DelegationReportLine.decision_id)
    waiting = and_(delegated, Decision.id.not_in(reported), Case.committee_id.in_(reporting_committee_ids()),
                   *conditions)
    unreported_counts = _per_committee(db.session.execute(
        select(Case.committee_id, func.count().label("count")).select_from(Decision)
        .join(Case, Case.id == Decision.case_id).where(waiting).group_by(Case.committee_id)).all(), "count")
    batch_unreported_counts = _per_committee(batch.unreported_counts, "count")
    unreported = [(r.committee_id, [r.registry_number or "—", org.committee_names.get(r.committee_id, "—"),
                                    case_type_label(r.case_type), r.rule_number or "—", r.decision_date,
                                    (day - r.decision_date).days])
                  for r in db.session.execute(
                      select(Case.registry_number, Case.committee_id, Case.case_type, Decision.decision_date,
                             Decision.rule_number).select_from(Decision).join(Case, Case.id == Decision.case_id)
                      .where(waiting).order_by(Decision.decision_date, Decision.id).limit(UNREPORTED_SHOWN))]
    unreported += [(r.committee_id, [r.registry_number or "—", org.committee_names.get(r.committee_id, "—"),
                                     batch_decisions.batch_label(), r.rule_number or "—", r.decision_date,
                                     (day - r.decision_date).days]) for r in batch.unreported]
    unreported.sort(key=lambda item: item[1][4])
    within = control.report_within_days()

    def build(person: LegalPerson) -> Built:
        def mine(committee_id: int) -> bool:
            return org.person_of_committee(committee_id) == person.key

        def total(per_committee: dict[int, list[int]], i: int) -> int:
            return sum(values[i] for committee_id, values in per_committee.items() if mine(committee_id))

        rules = [row for committee_id, row in rule_rows if mine(committee_id)]
        by_capacity: dict[str, int] = defaultdict(int)
        for row in rules:
            by_capacity[row[4]] += row[5]
        outside = total(checked, 3) + total(batch_checked, 2)
        without = total(checked, 2) + total(batch_checked, 1)
        statements = [
            _("Decisions outside the scheme in force: %(num)s (must be none). Checked: every delegated decision in "
              "the report names a published scheme version of its committee in force on its decision date and a "
              "rule of that version for the case's type.", num=outside),
            _("Decisions without the consultation their rule requires: %(num)s (must be none).", num=without),
        ]
        capacity_table = Table("capacities", _("Delegated decisions by capacity"),
                               [Column(_("Capacity")), Column(_("Decisions"), Kind.COUNT)],
                               [[label, count] for label, count in sorted(by_capacity.items())])
        tables = [
            Table("rules", _("Delegated decisions per rule and delegate"),
                  [Column(_("Committee")), Column(_("Case type")), Column(_("Rule")), Column(_("Position")),
                   Column(_("Capacity")), Column(_("Decisions"), Kind.COUNT), Column(_("Amount"), Kind.MONEY)],
                  rules, [_("Total"), "", "", "", "", sum(r[5] for r in rules), sum(r[6] for r in rules)]
                  if rules else None),
            capacity_table,
            Table("consultation", _("Consultation"),
                  [Column(_("Delegated decisions")), Column(_("Count"), Kind.COUNT)],
                  [[_("All delegated decisions"), total(checked, 0) + total(batch_checked, 0)],
                   [_("Rule requires consultation, recorded before the decision"), total(checked, 1)],
                   [_("Rule requires consultation, none recorded before the decision (must be none)"), without],
                   [_("Outside the scheme in force (must be none)"), outside]]),
            Table("referred", _("Referred to the committee"),
                  [Column(_("Committee")), Column(_("Case type")), Column(_("Waiting for the committee"), Kind.COUNT),
                   Column(_("Decided by the committee"), Kind.COUNT)],
                  [[name, kind, waiting_count, decided] for (committee_id, name, kind), (waiting_count, decided)
                   in sorted(referred.items(), key=lambda item: item[0][1:]) if mine(committee_id)]),
        ]
        if person.reports_delegated_decisions:  # a company has no delegation report (RULINGS 12)
            count = total(unreported_counts, 0) + total(batch_unreported_counts, 0)
            rows = [row for committee_id, row in unreported if mine(committee_id)][:UNREPORTED_SHOWN]
            tables.append(Table(
                "unreported", _("Delegated decisions not yet reported"),
                [Column(_("Registry number")), Column(_("Committee")), Column(_("Case type")), Column(_("Rule")),
                 Column(_("Decision date")), Column(_("Days waited"), Kind.DAYS)], rows,
                note=_("%(count)s not yet reported; the deadline is %(days)s days.", count=count, days=within)
                + (" " + _("The first %(shown)s of %(count)s rows are shown.", shown=len(rows), count=count)
                   if count > len(rows) else "")))
        charts = [Chart("capacities", _("Delegated decisions by capacity"),
                        _("How many delegated decisions holders, stand-ins and further delegates made."),
                        capacity_table.columns[1], [Bar(row[0], row[1]) for row in capacity_table.rows])]
        return tables, charts, statements

    tables, charts, sections = apart(legal_persons(filters, org), build)
    return Report("delegation", _("Delegation compliance"), _basis(), tables, charts, [_batch_words()], sections)


@dataclass(frozen=True)
class _BatchCompliance:
    per_rule: list
    counts: list  # per committee: all, without consultation, outside the scheme
    referred: list
    by_committee: list
    unreported_counts: list  # per committee
    unreported: list


def _batch_compliance(user, day: date, filters: Filters, org: Organisation) -> _BatchCompliance:
    """The batch write-offs' share of the compliance report: each batch one delegated decision."""
    # Asked once: for a reader who is no finance officer, the batches they may decide ask the engine.
    readable = batch_decisions.batch_conditions(user, day, filters)
    if readable is None:
        return _BatchCompliance([], [], [], [], [], [])

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
        WriteOffBatch.committee_id, func.count().label("all"),
        func.coalesce(func.sum(case((BATCHES.without_consultation(), 1), else_=0)), 0)
        .label("missing"),
        func.coalesce(func.sum(case((BATCHES.outside_scheme(), 1), else_=0)), 0).label("outside"),
    )).group_by(WriteOffBatch.committee_id)).all()
    unreported = decided(lambda _sums: (WriteOffBatch.registry_number, WriteOffBatch.committee_id,
                                        WriteOffBatchDecision.decision_date, WriteOffBatchDecision.rule_number)
                         ).where(batch_decisions.unreported_condition(),
                                 WriteOffBatch.committee_id.in_(reporting_committee_ids()))
    waiting = unreported.subquery()
    unreported_counts = db.session.execute(
        select(waiting.c.committee_id, func.count().label("count")).group_by(waiting.c.committee_id)).all()
    by_committee = db.session.execute(decided(
        lambda _sums: (WriteOffBatch.committee_id, func.count().label("count")), by_committee=True)
        .group_by(WriteOffBatch.committee_id)).all()
    return _BatchCompliance(
        rules, counts, batch_decisions.referred(user, day, filters, org, readable), by_committee, unreported_counts,
        db.session.execute(unreported.order_by(WriteOffBatchDecision.decision_date, WriteOffBatchDecision.id)
                           .limit(UNREPORTED_SHOWN)).all())
