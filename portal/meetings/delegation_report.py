"""The delegation report (anmälan av delegationsbeslut, kommunallagen 6 kap 40 §): the decisions not
yet reported and those a meeting's report listed, counted per case type and rule in the database and
read a page at a time (issue 14), grouped for the public minutes; the meetings whose report lists
decisions; decisions under further delegation, reported to the department head (7 kap 8 §)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, String, func, literal, or_, select, union_all
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload

from portal.batches.models import WriteOffBatch, WriteOffBatchDecision
from portal.cases.models import Case, Decision
from portal.extensions import db
from portal.meetings.models import DelegationReportLine, Meeting
from portal.meetings.rules import appeal_ends
from portal.org.queries import reporting_committee_ids


def _unreported_cases(committee_ids, up_to: date | None) -> tuple:
    """A delegated decision of these committees not on any issued report: read by the index on
    `reported_meeting_id` (written with the report line), never every decision against every line."""
    # A company's decisions are never reported (RULINGS 12).
    where = (Decision.reported_meeting_id.is_(None), Decision.meeting_id.is_(None), Case.committee_id.in_(committee_ids),
             Case.committee_id.in_(reporting_committee_ids()))
    return where + ((Decision.decision_date <= up_to,) if up_to is not None else ())


def _unreported_batches(committee_ids, up_to: date | None) -> tuple:
    # The committee's own decision on a batch referred to it is in its minutes, not in the report.
    where = (WriteOffBatchDecision.reported_meeting_id.is_(None), WriteOffBatchDecision.meeting_id.is_(None),
             WriteOffBatch.committee_id.in_(committee_ids), WriteOffBatch.committee_id.in_(reporting_committee_ids()))
    return where + ((WriteOffBatchDecision.decision_date <= up_to,) if up_to is not None else ())


def _case_decisions(*conditions, offset: int = 0, limit: int | None = None) -> list[Decision]:
    query = (
        select(Decision).join(Case, Case.id == Decision.case_id).where(*conditions)
        .options(joinedload(Decision.case), joinedload(Decision.position),
                 joinedload(Decision.delegated_by_position))
        .order_by(Case.case_type, Decision.rule_number, Decision.decision_date, Decision.id)
    )
    if limit is not None:
        query = query.offset(offset).limit(limit)
    return list(db.session.scalars(query).unique())


def unreported_decisions(committee_id: int, up_to: date | None = None) -> list[Decision | WriteOffBatchDecision]:
    """Every delegated (and urgent) decision of the committee that no meeting has reported yet, batch
    write-offs' decisions included (one line each). The whole list: for writing the report's lines
    and its PDF; pages read `unreported_page` and `unreported_totals`."""
    return (_case_decisions(*_unreported_cases([committee_id], up_to))
            + _batch_decisions(*_unreported_batches([committee_id], up_to)))


def _batch_decisions(*conditions) -> list[WriteOffBatchDecision]:
    return list(db.session.scalars(
        select(WriteOffBatchDecision).join(WriteOffBatch, WriteOffBatch.id == WriteOffBatchDecision.batch_id)
        .where(*conditions)
        .options(joinedload(WriteOffBatchDecision.batch), joinedload(WriteOffBatchDecision.position))
        .order_by(WriteOffBatchDecision.rule_number, WriteOffBatchDecision.decision_date, WriteOffBatchDecision.id)))


def reported_decisions(meeting: Meeting) -> list[Decision | WriteOffBatchDecision]:
    return (_case_decisions(Decision.reported_meeting_id == meeting.id)
            + _batch_decisions(WriteOffBatchDecision.reported_meeting_id == meeting.id))


# --- the report a page at a time, counted in the database (issue 14: no page over 500 KB) ----------

REPORT_LINES_PER_PAGE = 100
REPORT_MEETINGS_PER_PAGE = 10


@dataclass(frozen=True)
class ReportTotal:
    """One group of a report (case type and rule) as counted in the database."""

    type_label: str
    rule_number: str
    count: int
    amount_ore: int
    batch: bool = False  # batch write-offs: one line each (RULINGS 17)


@dataclass(frozen=True)
class ReportTotals:
    """A whole report's groups as counted in the database."""

    totals: list[ReportTotal]

    @property
    def count(self) -> int:
        return sum(total.count for total in self.totals)

    @property
    def amount_ore(self) -> int:
        return sum(total.amount_ore for total in self.totals)


@dataclass(frozen=True)
class ReportPage(ReportTotals):
    """A report's totals per group, all of it, and one page of its lines."""

    groups: list[ReportGroup]
    page: int
    per_page: int

    @property
    def case_count(self) -> int:
        """Lines of cases: the ones paged (a batch's one line stands on the first page)."""
        return sum(total.count for total in self.totals if not total.batch)

    @property
    def pages(self) -> int:
        return max(1, -(-self.case_count // self.per_page))

    @property
    def shown(self) -> int:
        return sum(len(group.lines) for group in self.groups)


def batch_type_label() -> str:
    from flask_babel import gettext as _

    return _("Write-off (batch)")


def type_label(case_type: str, whole_debt_due: bool) -> str:
    from portal.cases.models import CASE_TYPE_LABELS, WHOLE_DEBT_DUE_LABELS
    from portal.delegation.engine_types import CaseType

    return str((WHOLE_DEBT_DUE_LABELS if whole_debt_due else CASE_TYPE_LABELS)[CaseType(case_type)])


def _totals(case_key, case_where: tuple, batch_key, batch_where: tuple) -> dict[int, list[ReportTotal]]:
    """Per key (a committee or a meeting): each group's count and sum, cases and batch write-offs
    together, in one statement."""
    whole_debt_due = sql_case((Case.whole_debt_due_for_id.is_(None), 0), else_=1)
    cases = (
        select(case_key.label("key"), literal(0, Integer).label("kind"), Case.case_type.label("case_type"),
               whole_debt_due.label("whole_debt_due"), Decision.rule_number.label("rule_number"),
               func.count(Decision.id).label("count"), func.sum(Decision.amount_ore).label("amount"))
        .select_from(Decision).join(Case, Case.id == Decision.case_id).where(*case_where)
        .group_by(case_key, Case.case_type, whole_debt_due, Decision.rule_number))
    batches = (
        select(batch_key.label("key"), literal(1, Integer).label("kind"), literal("", String).label("case_type"),
               literal(0, Integer).label("whole_debt_due"), WriteOffBatchDecision.rule_number.label("rule_number"),
               func.count(WriteOffBatchDecision.id).label("count"),
               func.sum(WriteOffBatchDecision.amount_ore).label("amount"))
        .select_from(WriteOffBatchDecision).join(WriteOffBatch, WriteOffBatch.id == WriteOffBatchDecision.batch_id)
        .where(*batch_where).group_by(batch_key, WriteOffBatchDecision.rule_number))
    both = union_all(cases, batches).subquery()
    rows = db.session.execute(select(both).order_by(both.c.key, both.c.kind, both.c.case_type,
                                                    both.c.whole_debt_due, both.c.rule_number))
    result: dict[int, dict[tuple[str, str, bool], list[int]]] = {}
    for row in rows:
        label = batch_type_label() if row.kind else type_label(row.case_type, bool(row.whole_debt_due))
        group = result.setdefault(row.key, {}).setdefault((label, row.rule_number or "", bool(row.kind)), [0, 0])
        group[0] += int(row.count)
        group[1] += int(row.amount or 0)
    return {key: [ReportTotal(label, rule, count, amount, batch)
                  for (label, rule, batch), (count, amount) in groups.items()]
            for key, groups in result.items()}


def unreported_totals(committee_id: int, up_to: date | None = None) -> list[ReportTotal]:
    return _totals(Case.committee_id, _unreported_cases([committee_id], up_to),
                   WriteOffBatch.committee_id, _unreported_batches([committee_id], up_to)).get(committee_id, [])


def unreported_counts(committee_ids) -> dict[int, int]:
    """How many decisions (a batch write-off counting one) each committee has not yet reported."""
    ids = list(committee_ids)
    if not ids:
        return {}
    totals = _totals(Case.committee_id, _unreported_cases(ids, None),
                     WriteOffBatch.committee_id, _unreported_batches(ids, None))
    return {key: sum(total.count for total in groups) for key, groups in totals.items()}


def reported_totals(meeting_ids: list[int]) -> dict[int, list[ReportTotal]]:
    if not meeting_ids:
        return {}
    return _totals(Decision.reported_meeting_id, (Decision.reported_meeting_id.in_(meeting_ids),),
                   WriteOffBatchDecision.reported_meeting_id, (WriteOffBatchDecision.reported_meeting_id.in_(meeting_ids),))


def _report_page(totals: list[ReportTotal], case_where: tuple, batch_where: tuple, page: int,
                 posted_on: date | None) -> ReportPage:
    page = max(1, page)
    cases = _case_decisions(*case_where, offset=(page - 1) * REPORT_LINES_PER_PAGE, limit=REPORT_LINES_PER_PAGE)
    # A batch write-off is one line however many invoices it holds; they stand on the first page.
    batches = _batch_decisions(*batch_where) if page == 1 and any(t.batch for t in totals) else []
    return ReportPage(totals, report_groups(cases + batches, posted_on), page, REPORT_LINES_PER_PAGE)


def unreported_page(committee_id: int, up_to: date | None = None, page: int = 1) -> ReportPage:
    return _report_page(unreported_totals(committee_id, up_to), _unreported_cases([committee_id], up_to),
                        _unreported_batches([committee_id], up_to), page, None)


def reported_page(meeting: Meeting, page: int = 1) -> ReportPage:
    return _report_page(reported_totals([meeting.id]).get(meeting.id, []),
                        (Decision.reported_meeting_id == meeting.id,),
                        (WriteOffBatchDecision.reported_meeting_id == meeting.id,), page, meeting.minutes_posted_on)


@dataclass(frozen=True)
class ReportLine:
    """One decision as the public minutes show it: no names, no identity numbers."""

    registry_number: str
    type_label: str
    amount_ore: int
    outcome_label: str
    position_title: str
    decision_date: date
    urgent: bool
    # Made under further delegation: reported to the department head too (7 kap 8 §).
    further_delegated_by: str | None
    appeal_ends: date | None
    # A batch write-off: its count of invoices and customers and its reasons, on its one line.
    summary: str | None = None


@dataclass(frozen=True)
class ReportGroup:
    type_label: str
    rule_number: str
    lines: list[ReportLine]


def report_groups(decisions: list[Decision], posted_on: date | None = None) -> list[ReportGroup]:
    """The report grouped by case type and rule, in the order given."""
    groups: dict[tuple[str, str], list[ReportLine]] = {}
    reasons = _batch_reasons([d.batch_id for d in decisions if isinstance(d, WriteOffBatchDecision)])
    for decision in decisions:
        if isinstance(decision, WriteOffBatchDecision):
            line = _batch_line(decision, posted_on, reasons.get(decision.batch_id, []))
            groups.setdefault((line.type_label, decision.rule_number), []).append(line)
            continue
        case = decision.case
        line = ReportLine(
            registry_number=case.registry_number or "",
            type_label=case.type_label,
            amount_ore=decision.amount_ore,
            outcome_label=decision.outcome_label,
            position_title=decision.position.title if decision.position else "",
            decision_date=decision.decision_date,
            urgent=bool(case.urgent),
            further_delegated_by=decision.delegated_by_position.title if decision.delegated_by_position else None,
            appeal_ends=appeal_ends(posted_on) if posted_on else None,
        )
        groups.setdefault((case.type_label, decision.rule_number or ""), []).append(line)
    return [ReportGroup(type_label, rule, lines) for (type_label, rule), lines in groups.items()]


def _batch_reasons(batch_ids: list[int]) -> dict[int, list[str]]:
    """The write-off reasons of each batch's included lines, read at once (not every line loaded)."""
    from portal.batches.models import WriteOffBatchLine
    from portal.delegation.models import WriteOffReason

    if not batch_ids:
        return {}
    labels: dict[int, set[str]] = {}
    for batch_id, reason in db.session.execute(
            select(WriteOffBatchLine.batch_id, WriteOffBatchLine.write_off_reason)
            .where(WriteOffBatchLine.batch_id.in_(batch_ids), WriteOffBatchLine.left_out.is_(False))
            .distinct()):
        labels.setdefault(batch_id, set()).add(WriteOffReason(reason).label)
    return {batch_id: sorted(names) for batch_id, names in labels.items()}


def _batch_line(decision: WriteOffBatchDecision, posted_on: date | None, reasons: list[str]) -> ReportLine:
    """A batch write-off on one line (RULINGS 17): count, sum and reasons, never a name."""
    from flask_babel import gettext as _, ngettext

    batch = decision.batch
    summary = "{}, {}; {}".format(
        ngettext("%(num)d invoice", "%(num)d invoices", decision.line_count),
        ngettext("%(num)d customer", "%(num)d customers", decision.customer_count), ", ".join(reasons))
    return ReportLine(
        registry_number=batch.registry_number or "", type_label=batch_type_label(),
        amount_ore=decision.amount_ore, outcome_label=_("Granted") if decision.outcome == "granted" else _("Refused"),
        position_title=decision.position.title if decision.position else "", decision_date=decision.decision_date,
        urgent=False, further_delegated_by=None, appeal_ends=appeal_ends(posted_on) if posted_on else None,
        summary=summary)


def report_line_of(decision_id: int) -> DelegationReportLine | None:
    return db.session.scalars(
        select(DelegationReportLine).where(DelegationReportLine.decision_id == decision_id)
        .options(joinedload(DelegationReportLine.meeting))
    ).first()


def report_issued(meeting: Meeting) -> bool:
    """The meeting's delegation report has been issued: from then on it lists what it listed then."""
    from portal.documents.models import DocumentKind, IssuedDocument

    return db.session.scalar(
        select(IssuedDocument.id).where(IssuedDocument.object_type == "meeting",
                                        IssuedDocument.object_id == str(meeting.id),
                                        IssuedDocument.kind == DocumentKind.DELEGATION_REPORT.value).limit(1)
    ) is not None


def report_fixed(meeting: Meeting) -> bool:
    """The report's decisions are fixed (its lines written) once it is issued or the meeting recorded."""
    return meeting.is_held or report_issued(meeting)


def meeting_report(meeting: Meeting) -> list[ReportGroup] | None:
    """The report of a meeting's agenda: once issued (or the meeting recorded) what it listed then;
    until then what it would list; None when the report is not on the agenda."""
    if not any(item.kind == "delegation_report" for item in meeting.items):
        return None
    if report_fixed(meeting):
        return report_groups(reported_decisions(meeting), meeting.minutes_posted_on)
    return report_groups(unreported_decisions(meeting.committee_id, up_to=meeting.meeting_date))


def _with_reports(committee_id: int) -> tuple:
    """Meetings of the committee whose report lists decisions: recorded, or issued and still to be held."""
    with_lines = select(Decision.id).where(Decision.reported_meeting_id == Meeting.id).exists()
    with_batches = select(WriteOffBatchDecision.id).where(WriteOffBatchDecision.reported_meeting_id == Meeting.id).exists()
    return Meeting.committee_id == committee_id, or_(with_lines, with_batches)


def meetings_with_reports(committee_id: int) -> list[Meeting]:
    return list(db.session.scalars(
        select(Meeting).where(*_with_reports(committee_id)).order_by(Meeting.meeting_date.desc(), Meeting.id.desc())))


@dataclass(frozen=True)
class ReportedMeetings:
    """One page of the meetings whose report lists decisions, newest first, with each report's totals."""

    meetings: list[tuple[Meeting, ReportTotals]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def reported_meetings_page(committee_id: int, page: int = 1) -> ReportedMeetings:
    page = max(1, page)
    where = _with_reports(committee_id)
    total = db.session.scalar(select(func.count()).select_from(Meeting).where(*where)) or 0
    meetings = list(db.session.scalars(
        select(Meeting).where(*where).order_by(Meeting.meeting_date.desc(), Meeting.id.desc())
        .offset((page - 1) * REPORT_MEETINGS_PER_PAGE).limit(REPORT_MEETINGS_PER_PAGE)))
    totals = reported_totals([m.id for m in meetings])
    return ReportedMeetings([(m, ReportTotals(totals.get(m.id, []))) for m in meetings], total, page,
                            REPORT_MEETINGS_PER_PAGE)


def further_delegated_decisions(position_ids: list[int]) -> list[Decision]:
    """Decisions made under further delegation from these (department head) positions, newest first:
    they are reported to the department head (kommunallagen 7 kap 8 §)."""
    if not position_ids:
        return []
    return list(db.session.scalars(
        select(Decision).join(Case, Case.id == Decision.case_id)
        .where(Decision.delegated_by_position_id.in_(position_ids))
        .options(joinedload(Decision.case), joinedload(Decision.position),
                 joinedload(Decision.delegated_by_position))
        .order_by(Case.case_type, Decision.rule_number, Decision.decision_date.desc(), Decision.id)
    ).unique())
