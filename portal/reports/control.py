"""Internal control (intern kontroll): each control objective of the audits answered from the data,
with its mark, a statement in plain words of what was checked and the rows behind it.

The checks over decisions are set-based queries, one over the single cases' decisions and one over
the batch write-offs' (RULINGS 17; their SQL is shown on the page); the
scheme and staffing objectives ask the delegation engine's own checker and snapshot, the chain
objective the trail's own verifier. The page is for the auditor and the finance director, who read
everything: nothing here is narrowed by visibility.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Integer, Select, and_, cast, exists, func, or_, select

from portal.audit import chain
from portal.auth.models import User
from portal.batches.models import WriteOffBatch, WriteOffBatchDecision
from portal.cases.models import Case, Decision
from portal.delegation import checks
from portal.delegation import messages as m
from portal.delegation import queries as delegation_queries
from portal.delegation.models import SchemeVersion
from portal.extensions import db
from portal.meetings.models import DelegationReportLine, Meeting
from portal.org.models import Committee
from portal.org.queries import reporting_committee_ids
from portal.reports import batch_decisions
from portal.reports.conditions import BATCHES, CASES, DecisionKind
from portal.reports.labels import case_type_label
from portal.reports.models import ReportingSetting
from portal.reports.rules import (
    Mark,
    reporting_mark,
    schemes_mark,
    staffing_mark,
    zero_mark,
)

DEFAULT_REPORT_WITHIN_DAYS = 60  # until the finance director sets the municipality's own
ROWS_SHOWN = 500  # rows behind one objective; the count always covers them all


@dataclass(frozen=True)
class Period:
    """Decisions checked: by decision date, inclusive; open ends check the whole history. With
    `committee_ids`, only those bodies' schemes and decisions: one legal person's internal control
    (RULINGS 10, 12), never a company's mixed with the municipality's; `reporting` False for a
    company, which has no delegation report."""

    date_from: date | None = None
    date_to: date | None = None
    committee_ids: tuple[int, ...] | None = None
    reporting: bool = True

    def words(self) -> str:
        if self.date_from and self.date_to:
            return _("decided %(start)s–%(end)s", start=self.date_from.isoformat(), end=self.date_to.isoformat())
        if self.date_from:
            return _("decided from %(start)s", start=self.date_from.isoformat())
        if self.date_to:
            return _("decided up to %(end)s", end=self.date_to.isoformat())
        return _("decided at any time")


@dataclass
class Objective:
    key: str
    title: str
    mark: Mark
    statement: str
    columns: list[str]
    rows: list[list[str]]
    count: int = 0  # rows found, of which at most ROWS_SHOWN are in `rows`
    sql: str | None = None  # the query that proves a checked zero


def report_within_days() -> int:
    setting = db.session.scalars(select(ReportingSetting).limit(1)).first()
    return setting.report_within_days if setting else DEFAULT_REPORT_WITHIN_DAYS


def objectives(day: date, period: Period) -> list[Objective]:
    names = delegation_queries.names()
    org = delegation_queries.org_snapshot()
    in_force = _versions_in_force(day, period)
    return [
        _schemes(in_force, names, org, day),
        _staffing(in_force, names, org, day),
        _outside_scheme(period),
        _by_preparer(period),
        _without_consultation(period),
        *([_reporting(day, period)] if period.reporting else []),
        _trail(),
    ]


# --- schemes and who decides ------------------------------------------------------------------------

def _versions_in_force(day: date, period: Period) -> list[tuple[Committee, SchemeVersion | None]]:
    query = select(Committee).where(Committee.parent_id.is_(None), Committee.active.is_(True))
    if period.committee_ids is not None:
        query = query.where(Committee.id.in_(period.committee_ids))
    committees = db.session.scalars(query.order_by(Committee.name))
    return [(committee, delegation_queries.version_in_force(committee.id, day)) for committee in committees]


def _acting_today(position_id: int, standin_position_id: int | None, org, names, day: date) -> tuple[list[str], bool]:
    """Who acts in the position today, named, and whether anyone does: its present holders; for an
    absent or missing holder the stand-in named on the absence, else the holders of the position's
    standing stand-in or of the rule's stand-in position (DOMAIN.md "Who stands in")."""
    acting: list[str] = []
    holders = org.holders_on(position_id, day)
    for person in holders:
        absence = org.absence_on(person, day)
        if absence is None:
            acting.append(names.person(person))
        elif absence.standin_person_id is not None:
            acting.append(_("%(standin)s (standing in for %(holder)s)", standin=names.person(absence.standin_person_id),
                            holder=names.person(person)))
    if not any(org.is_present(person, day) for person in holders):
        position = org.position_by_id.get(position_id)
        for standin in (position.standing_standin_position_id if position else None, standin_position_id):
            if standin is None:
                continue
            for person in org.present_holders_on(standin, day):
                acting.append(_("%(standin)s (stand-in, %(position)s)", standin=names.person(person),
                                position=names.position(standin)))
    return list(dict.fromkeys(acting)), bool(acting)


def _schemes(in_force, names, org, day: date) -> Objective:
    rows, missing = [], 0
    for committee, version in in_force:
        if version is None:
            missing += 1
            rows.append([committee.name, _("No scheme in force"), "—", "—", "—", "—"])
            continue
        engine = delegation_queries.engine_version(version)
        for rule in sorted(engine.rules, key=lambda r: (str(r.case_type), r.level, r.number)):
            people: list[str] = []
            for position_id in checks.delegate_position_ids(rule, engine, org):
                acting, _anyone = _acting_today(position_id, rule.standin_position_id, org, names, day)
                people += [f"{name} ({names.position(position_id)})" for name in acting]
            for further in org.further_delegations_of(version.id, rule.number):
                if further.starts_on <= day and (further.ends_on is None or day <= further.ends_on):
                    people += [_("%(person)s (%(position)s, further delegation)", person=names.person(person),
                                 position=names.position(further.receiving_position_id))
                               for person in org.present_holders_on(further.receiving_position_id, day)]
            rows.append([committee.name, f"{version.label} ({version.adoption_reference})",
                         case_type_label(rule.case_type), rule.number, m.delegate_text(rule, names),
                         "; ".join(dict.fromkeys(people)) or _("Nobody today")])
    count = len(in_force)
    if missing:
        statement = ngettext("%(num)d of %(total)d committees has no adopted delegation scheme in force today.",
                             "%(num)d of %(total)d committees have no adopted delegation scheme in force today.",
                             missing, total=count)
    else:
        statement = ngettext("The %(num)d committee has an adopted delegation scheme in force today, with its "
                             "adoption reference; each rule below names who may decide today.",
                             "All %(num)d committees have an adopted delegation scheme in force today, with their "
                             "adoption references; each rule below names who may decide today.", count)
    return Objective(
        "schemes", _("Every committee has an adopted delegation scheme in force"),
        schemes_mark(count, missing), statement,
        [_("Committee"), _("Scheme in force (adopted)"), _("Case type"), _("Rule"), _("Delegate"),
         _("Who may decide today")], rows, missing)


def _staffing(in_force, names, org, day: date) -> Objective:
    seen: dict[int, dict] = {}
    for committee, version in in_force:
        if version is None:
            continue
        engine = delegation_queries.engine_version(version)
        for rule in engine.rules:
            for position_id in checks.delegate_position_ids(rule, engine, org):
                entry = seen.setdefault(position_id, {"committee": committee.name, "rules": [],
                                                      "standins": set()})
                entry["rules"].append(rule.number)
                if rule.standin_position_id is not None:
                    entry["standins"].add(rule.standin_position_id)
    rows, nobody, without_standin = [], 0, 0
    for position_id, entry in seen.items():
        standin_rule = next(iter(sorted(entry["standins"])), None)
        acting, anyone = _acting_today(position_id, standin_rule, org, names, day)
        position = org.position_by_id.get(position_id)
        arranged = bool(entry["standins"]) or (position is not None and position.standing_standin_position_id)
        if not anyone:
            nobody += 1
            state = _("Nobody can act today")
        elif not arranged:
            without_standin += 1
            state = _("Held, no stand-in arranged")
        else:
            state = _("Held or stood in for")
        holders = [names.person(p) for p in org.holders_on(position_id, day)]
        rows.append([entry["committee"], names.position(position_id), ", ".join(sorted(set(entry["rules"]))),
                     ", ".join(holders) or _("Vacant"), "; ".join(acting) or "—", state])
    rows.sort(key=lambda row: (row[5] != _("Nobody can act today"), row[0], row[1]))
    total = len(seen)
    statement = _("Checked %(total)s positions named by the rules in force today: %(nobody)s with nobody who can "
                  "act today, %(without)s held but with no stand-in arranged.", total=total, nobody=nobody,
                  without=without_standin)
    return Objective(
        "staffing", _("Positions named by the rules have a holder or a stand-in today"),
        staffing_mark(nobody, without_standin), statement,
        [_("Committee"), _("Position"), _("Rules"), _("Holder"), _("Acting today"), _("State")],
        rows, nobody + without_standin)


# --- checked zeros over the decisions ---------------------------------------------------------------

def _delegated(period: Period) -> Select:
    """Delegated decisions (made under a rule, not at a meeting) in the period, with their case."""
    query = select(Decision.id).join(Case, Case.id == Decision.case_id).where(Decision.meeting_id.is_(None))
    if period.date_from:
        query = query.where(Decision.decision_date >= period.date_from)
    if period.date_to:
        query = query.where(Decision.decision_date <= period.date_to)
    if period.committee_ids is not None:
        query = query.where(Case.committee_id.in_(period.committee_ids))
    return query


def _batches(period: Period) -> Select:
    """Batch write-offs' decisions (all delegated) in the period, with their batch."""
    query = batch_decisions.in_decision_period(period.date_from, period.date_to)
    if period.committee_ids is not None:
        query = query.where(WriteOffBatch.committee_id.in_(period.committee_ids))
    return query


def _decision_rows(condition, batch_condition, period: Period) -> tuple[int, list[list[str]], str]:
    """The decisions of single cases and of batch write-offs that meet the condition: how many, the
    first rows (oldest first) and the queries that found them."""
    base = _delegated(period).where(condition)
    batches = _batches(period).where(batch_condition)
    count = sum(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
                for query in (base, batches))
    rows = db.session.execute(
        select(Case.registry_number, Committee.name, Case.case_type, Decision.decision_date, User.full_name,
               Decision.rule_number)
        .join(Case, Case.id == Decision.case_id).join(Committee, Committee.id == Case.committee_id)
        .join(User, User.id == Decision.decided_by_id)
        .where(Decision.id.in_(base)).order_by(Decision.decision_date, Decision.id).limit(ROWS_SHOWN)
    ).all()
    found = [(day, [number or "—", committee, case_type_label(case_type), day.isoformat(), person, rule or "—"])
             for number, committee, case_type, day, person, rule in rows]
    found += [(row.decision_date, [row.registry_number or "—", row.name, batch_decisions.batch_label(),
                                   row.decision_date.isoformat(), row.full_name, row.rule_number or "—"])
              for row in batch_decisions.decision_rows(batches, ROWS_SHOWN)]
    found.sort(key=lambda item: item[0])
    return count, [row for _day, row in found[:ROWS_SHOWN]], _sqls(base, batches)


def _sqls(*queries: Select) -> str:
    """The queries, single cases' first and then batch write-offs', each ended by a semicolon."""
    return "\n\n".join(_sql(query) + ";" for query in queries)


def _sql(query: Select) -> str:
    """The query as the database runs it, for the auditor who wants to run it again."""
    dialect = db.session.get_bind().dialect
    try:
        return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except Exception:  # noqa: BLE001 - a value the dialect cannot write literally: show the parameters
        return str(query.compile(dialect=dialect))


def _decision_columns() -> list[str]:
    return [_("Registry number"), _("Committee"), _("Case type"), _("Decision date"), _("Decided by"), _("Rule")]


def _checked(period: Period) -> int:
    """Delegated decisions in the period: single cases' and batch write-offs' (one each)."""
    return sum(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
               for query in (_delegated(period), _batches(period)))


def _zero(key: str, title: str, condition: Callable[[DecisionKind], object], period: Period, found_words: str,
          none_words: str) -> Objective:
    """A checked zero: `condition` of each kind of decision, single cases' and batch write-offs'."""
    checked = _checked(period)
    count, rows, sql = _decision_rows(condition(CASES), condition(BATCHES), period)
    words = found_words if count else none_words
    statement = _("Checked %(checked)s delegated decisions (%(period)s): %(result)s", checked=checked,
                  period=period.words(), result=words % {"num": count})
    return Objective(key, title, zero_mark(count), statement, _decision_columns(), rows, count, sql)


def _outside_scheme(period: Period) -> Objective:
    return _zero(
        "outside_scheme", _("No decision outside the scheme in force"), DecisionKind.outside_scheme, period,
        _("%(num)s named a scheme version or rule that was not in force for the committee and case type on "
          "the decision date."),
        _("none was made under a scheme version other than the one the committee had in force on the decision "
          "date, and each names a rule of that version for the case's type."))


def _by_preparer(period: Period) -> Objective:
    return _zero(
        "by_preparer", _("No decision by the person who prepared the case or declared a conflict of interest"),
        DecisionKind.by_preparer, period,
        _("%(num)s were decided by the person who prepared the case or who had declared a conflict of interest in it."),
        _("none was decided by the person who prepared the case, nor by anyone who had declared a conflict of "
          "interest in it."))


def _without_consultation(period: Period) -> Objective:
    return _zero(
        "without_consultation", _("No decision without the consultation the rule requires"),
        DecisionKind.without_consultation, period,
        _("%(num)s were made under a rule that requires consultation without a consultation recorded before "
          "the decision."),
        _("every decision under a rule that requires consultation has a consultation recorded before the "
          "decision."))


# --- reporting to the committee ---------------------------------------------------------------------

def days_between(later, earlier):
    """Whole days from one date column to another, in the database's own arithmetic."""
    if db.session.get_bind().dialect.name == "postgresql":
        return later - earlier
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _reporting(day: date, period: Period) -> Objective:
    within = report_within_days()
    reported = select(DelegationReportLine.decision_id)
    overdue_condition = and_(Decision.id.not_in(reported), Decision.decision_date < day - timedelta(days=within))
    waiting_condition = and_(Decision.id.not_in(reported), Decision.decision_date >= day - timedelta(days=within))
    late_condition = exists().where(
        DelegationReportLine.decision_id == Decision.id, Meeting.id == DelegationReportLine.meeting_id,
        days_between(Meeting.meeting_date, Decision.decision_date) > within)
    # A company's decisions are never reported (RULINGS 12): they are not late.
    base = _delegated(period).where(Case.committee_id.in_(reporting_committee_ids()))
    batches = _batches(period).where(WriteOffBatch.committee_id.in_(reporting_committee_ids()))
    batch_overdue = and_(batch_decisions.unreported_condition(),
                         WriteOffBatchDecision.decision_date < day - timedelta(days=within))
    batch_waiting = and_(batch_decisions.unreported_condition(),
                         WriteOffBatchDecision.decision_date >= day - timedelta(days=within))
    batch_late = batch_decisions.reported_late_condition(days_between, within)

    def count(condition, batch_condition) -> int:
        return sum(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
                   for query in (base.where(condition), batches.where(batch_condition)))

    overdue = count(overdue_condition, batch_overdue)
    late = count(late_condition, batch_late)
    waiting = count(waiting_condition, batch_waiting)
    problem = base.where(or_(overdue_condition, late_condition))
    batch_problem = batches.where(or_(batch_overdue, batch_late))
    rows = db.session.execute(
        select(Case.registry_number, Committee.name, Case.case_type, Decision.decision_date, Meeting.meeting_date)
        .join(Case, Case.id == Decision.case_id).join(Committee, Committee.id == Case.committee_id)
        .outerjoin(DelegationReportLine, DelegationReportLine.decision_id == Decision.id)
        .outerjoin(Meeting, Meeting.id == DelegationReportLine.meeting_id)
        .where(Decision.id.in_(problem)).order_by(Decision.decision_date, Decision.id).limit(ROWS_SHOWN)
    ).all()
    found = [(number, committee, case_type_label(case_type), decided, meeting_date)
             for number, committee, case_type, decided, meeting_date in rows]
    found += [(row.registry_number, row.name, batch_decisions.batch_label(), row.decision_date, row.meeting_date)
              for row in batch_decisions.decision_rows(batch_problem, ROWS_SHOWN)]
    found.sort(key=lambda row: row[3])
    shown = []
    for number, committee, kind, decided, meeting_date in found[:ROWS_SHOWN]:
        days = ((meeting_date or day) - decided).days
        shown.append([number or "—", committee, kind, decided.isoformat(),
                      meeting_date.isoformat() if meeting_date else _("Not reported"), str(days)])
    statement = _("Checked %(checked)s delegated decisions (%(period)s) against the deadline of %(days)s days: "
                  "%(overdue)s not reported and waiting longer, %(late)s reported later than that, %(waiting)s "
                  "not yet reported within the deadline.", checked=_checked(period), period=period.words(),
                  days=within, overdue=overdue, late=late, waiting=waiting)
    return Objective(
        "reporting", _("Every delegated decision is reported to the committee within %(days)s days", days=within),
        reporting_mark(overdue, late), statement,
        [_("Registry number"), _("Committee"), _("Case type"), _("Decision date"), _("Reported at the meeting of"),
         _("Days")], shown, overdue + late, _sqls(problem, batch_problem))


# --- the trail ---------------------------------------------------------------------------------------

def _trail() -> Objective:
    result = chain.verify(db.session.connection())
    rows = [[str(result.entries), str(result.head_seq), result.head_hash]]
    if result.intact:
        statement = ngettext("The trail's chain was recomputed: %(num)d entry, each in its place.",
                             "The trail's chain was recomputed: %(num)d entries, each in its place.",
                             result.entries)
    else:
        problem = result.problem
        statement = {
            chain.Finding.CHANGED: _("The trail's chain does not hold: entry %(id)s (place %(seq)s) was changed "
                                     "after it was written."),
            chain.Finding.INSERTED: _("The trail's chain does not hold: entry %(id)s was inserted at place %(seq)s."),
            chain.Finding.DELETED: _("The trail's chain does not hold: entries from place %(seq)s have been "
                                     "deleted."),
        }[problem.finding] % {"id": problem.entry_id, "seq": problem.seq}
    return Objective(
        "trail", _("The audit trail is intact"), Mark.GREEN if result.intact else Mark.RED, statement,
        [_("Entries verified"), _("Last place"), _("Hash (SHA-256)")], rows, 0 if result.intact else 1)
