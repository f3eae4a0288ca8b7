"""Batch write-offs (samlingsbeslut, RULINGS 17) in the reports and the internal control: the
batches' own decisions, lines and conditions, beside the single cases' in every report and check.

A batch is read with the batch page's own visibility (`portal.batches.queries.visible_to`), in the
query. A batch is one decision (counted once, RULINGS 17); its amounts are its lines', so a unit or
department filter counts the batch when any of its lines is in the chosen units, with those lines'
amount. Decision reports count by decision date, the write-offs booked by the day the batch was
executed in the ledger (RULINGS 19).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, exists, func, select

from portal import clock
from portal.auth.models import User
from portal.batches.models import WriteOffBatch, WriteOffBatchDecision, WriteOffBatchLine
from portal.batches.queries import visible_to as batches_visible_to
from portal.batches.rules import BatchState
from portal.extensions import db
from portal.meetings.models import Meeting
from portal.org.models import Committee
from portal.reports.conditions import WRITE_OFF
from portal.reports.queries import Filters, Organisation, chosen_units, in_period

# The case type filter "write-off" takes batches too.


def batch_label() -> str:
    return _("Batch write-off")


def line_amount():
    """What a line gives up: open capital and late interest (the batch's own sum, WriteOffBatchLine)."""
    return WriteOffBatchLine.open_capital_ore + WriteOffBatchLine.interest_ore


# --- the reader's batches under the report's filters ---------------------------------------------

def batch_conditions(user: User, day: date, filters: Filters) -> list[ColumnElement[bool]] | None:
    """The reader's batches under the filters (not the period), or None when a case type other than
    write-off is chosen (then no batch is in the report)."""
    if filters.case_type and filters.case_type != WRITE_OFF:
        return None
    conditions = [batches_visible_to(user, day)]
    if filters.committee_id:
        conditions.append(WriteOffBatch.committee_id == filters.committee_id)
    return conditions


def line_conditions(filters: Filters, org: Organisation) -> list[ColumnElement[bool]]:
    """The lines a report counts: those decided (not left out), in the chosen units."""
    conditions = [WriteOffBatchLine.left_out.is_(False)]
    units = chosen_units(filters, org)
    if units is not None:
        conditions.append(WriteOffBatchLine.org_unit_id.in_(units))
    return conditions


def line_sums(filters: Filters, org: Organisation):
    """Per batch: the amount and number of its lines in the chosen units (a batch with none there is
    not in the report)."""
    return (select(WriteOffBatchLine.batch_id.label("batch_id"), func.sum(line_amount()).label("amount"),
                   func.count().label("lines"))
            .where(*line_conditions(filters, org)).group_by(WriteOffBatchLine.batch_id).subquery())


def decided(columns_of, user: User, day: date, filters: Filters, org: Organisation,
            conditions: list[ColumnElement[bool]] | None = None) -> Select | None:
    """A select of `columns_of(sums)` over the reader's batch decisions under the filters, decided in
    the period, each joined to its batch and its lines' `sums` (None: the filters rule batches out).
    `conditions`: `batch_conditions` when the caller already has them (a report asks several times)."""
    conditions = conditions if conditions is not None else batch_conditions(user, day, filters)
    if conditions is None:
        return None
    sums = line_sums(filters, org)
    return (select(*columns_of(sums)).select_from(WriteOffBatchDecision)
            .join(WriteOffBatch, WriteOffBatch.id == WriteOffBatchDecision.batch_id)
            .join(sums, sums.c.batch_id == WriteOffBatch.id)
            .where(*conditions, in_period(WriteOffBatchDecision.decision_date, filters)))


def executed_instants(filters: Filters) -> ColumnElement[bool]:
    """The period as instants of `executed_at` (stored in UTC): whole Stockholm days, inclusive."""
    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=clock.STOCKHOLM).astimezone(UTC)

    condition = WriteOffBatch.executed_at.is_not(None)
    if filters.date_from:
        condition = and_(condition, WriteOffBatch.executed_at >= start_of(filters.date_from))
    if filters.date_to:
        condition = and_(condition, WriteOffBatch.executed_at < start_of(filters.date_to + timedelta(days=1)))
    return condition


def executed_lines(user: User, day: date, filters: Filters, org: Organisation) -> list:
    """The lines of the reader's executed batches executed in the period, summed per batch, unit,
    reason and kind, with the instant the batch was executed (its Stockholm year is the report's)."""
    conditions = batch_conditions(user, day, filters)
    if conditions is None:
        return []
    return db.session.execute(
        select(WriteOffBatch.id, WriteOffBatch.executed_at, WriteOffBatchLine.org_unit_id,
               WriteOffBatchLine.write_off_reason, WriteOffBatch.write_off_final, func.count().label("count"),
               func.sum(WriteOffBatchLine.open_capital_ore).label("capital"),
               func.sum(WriteOffBatchLine.interest_ore).label("interest"))
        .join(WriteOffBatch, WriteOffBatch.id == WriteOffBatchLine.batch_id)
        .where(WriteOffBatch.state == BatchState.EXECUTED.value, executed_instants(filters), *conditions,
               *line_conditions(filters, org))
        .group_by(WriteOffBatch.id, WriteOffBatch.executed_at, WriteOffBatchLine.org_unit_id,
                  WriteOffBatchLine.write_off_reason, WriteOffBatch.write_off_final)
    ).all()


def referred(user: User, day: date, filters: Filters, org: Organisation,
             conditions: list[ColumnElement[bool]] | None = None) -> list:
    """(committee, count) of the reader's batches waiting for the committee under the filters."""
    conditions = conditions if conditions is not None else batch_conditions(user, day, filters)
    if conditions is None:
        return []
    sums = line_sums(filters, org)
    return db.session.execute(
        select(WriteOffBatch.committee_id, func.count().label("count"))
        .join(sums, sums.c.batch_id == WriteOffBatch.id)
        .where(WriteOffBatch.state == BatchState.REFERRED_TO_COMMITTEE.value, *conditions)
        .group_by(WriteOffBatch.committee_id)).all()


# --- the internal control's conditions on delegated batch decisions ------------------------------

def delegated():
    """A delegated batch decision names its rule; the committee's own names its meeting instead."""
    return WriteOffBatchDecision.meeting_id.is_(None)


def in_decision_period(date_from: date | None, date_to: date | None) -> Select:
    """Delegated batch decisions (ids) decided in the period, inclusive; open ends take the whole history."""
    query = (select(WriteOffBatchDecision.id).join(WriteOffBatch, WriteOffBatch.id == WriteOffBatchDecision.batch_id)
             .where(delegated()))
    if date_from:
        query = query.where(WriteOffBatchDecision.decision_date >= date_from)
    if date_to:
        query = query.where(WriteOffBatchDecision.decision_date <= date_to)
    return query


def unreported_condition():
    return WriteOffBatchDecision.reported_meeting_id.is_(None)


def reported_late_condition(days_between, within: int):
    return exists().where(Meeting.id == WriteOffBatchDecision.reported_meeting_id,
                          days_between(Meeting.meeting_date, WriteOffBatchDecision.decision_date) > within)


def decision_rows(ids: Select, limit: int) -> list:
    """(registry number, committee, decision date, decided by, rule, meeting date) of these batch
    decisions, oldest first."""
    return db.session.execute(
        select(WriteOffBatch.registry_number, Committee.name, WriteOffBatchDecision.decision_date, User.full_name,
               WriteOffBatchDecision.rule_number, Meeting.meeting_date, WriteOffBatchDecision.id)
        .select_from(WriteOffBatchDecision).join(WriteOffBatch, WriteOffBatch.id == WriteOffBatchDecision.batch_id)
        .join(Committee, Committee.id == WriteOffBatch.committee_id)
        .join(User, User.id == WriteOffBatchDecision.decided_by_id)
        .outerjoin(Meeting, Meeting.id == WriteOffBatchDecision.reported_meeting_id)
        .where(WriteOffBatchDecision.id.in_(ids))
        .order_by(WriteOffBatchDecision.decision_date, WriteOffBatchDecision.id).limit(limit)).all()
