"""Why a person may not decide a case, in one Swedish sentence: each reason names its rule once
(R1–R9 and the scheme's rule number) and the sentence ends with the way forward, who can decide
instead where the engine knows. The decision service, the case page and the trail all use
`refusal_text`; `explain` adds what the engine's "not a decider" leaves unsaid (a stand-in outside
the absence, a head of another unit), read from the same organisation snapshot."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from portal.cases.rules import twelve_month_window
from portal.delegation.engine_types import CaseFacts, CaseType, PositionKindDelegate, Scope, SchemeVersion
from portal.delegation.messages import NameBook, reason_text
from portal.delegation.results import Reason, ReasonCode, Verdict
from portal.delegation.snapshot import OrgSnapshot, covers
from portal.money import format_money

# The portal's rules (DOMAIN.md R1–R9) each engine reason falls under.
_R1 = {ReasonCode.NOT_A_DECIDER, ReasonCode.REGISTERED_ABSENT, ReasonCode.ISSUING_UNIT_MISSING,
       ReasonCode.ISSUING_UNIT_UNKNOWN, ReasonCode.ISSUING_UNIT_OF_OTHER_COMMITTEE,
       ReasonCode.ISSUING_UNIT_WITHOUT_DEPARTMENT, ReasonCode.DELEGATE_POSITION_UNKNOWN,
       ReasonCode.NO_POSITION_IN_SCOPE, ReasonCode.POSITION_VACANT_WITHOUT_STANDIN,
       ReasonCode.HOLDER_ABSENT_WITHOUT_STANDIN, ReasonCode.SUB_COMMITTEE_DECIDES,
       ReasonCode.FURTHER_DELEGATION_NOT_ALLOWED_BY_RULE, ReasonCode.FURTHER_DELEGATION_NOT_FROM_DELEGATE,
       ReasonCode.FURTHER_DELEGATE_UNAVAILABLE}
_R3 = {ReasonCode.PREPARED_THE_CASE, ReasonCode.IS_THE_CUSTOMER, ReasonCode.DECLARED_CONFLICT}
_R9 = {ReasonCode.VERSION_NOT_PUBLISHED, ReasonCode.VERSION_WITHOUT_ADOPTION_REFERENCE,
       ReasonCode.VERSION_NOT_YET_VALID, ReasonCode.VERSION_EXPIRED, ReasonCode.VERSION_OF_OTHER_COMMITTEE,
       ReasonCode.VERSION_NOT_IN_FORCE}


@dataclass(frozen=True)
class StandinOutsideAbsence:
    """The person stands in for a holder of the rule's position, but not on this day."""

    rule_number: str
    holder_id: int
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class OtherUnit:
    """The person holds the rule's kind of position, but for another unit than the invoice's."""

    rule_number: str
    issuing_unit_id: int


Explanation = StandinOutsideAbsence | OtherUnit


def explain(person_id: int, facts: CaseFacts, version: SchemeVersion, org: OrgSnapshot,
            on_date: date) -> tuple[Explanation, ...]:
    """What makes someone who is no decider of the case look like one (R1): named so the refusal can
    say it. Read from the same snapshot the engine used."""
    found: list[Explanation] = []
    held = [org.position_by_id[a.position_id] for a in org.appointments
            if a.person_id == person_id and covers(a.starts_on, a.ends_on, on_date)
            and a.position_id in org.position_by_id]
    for rule in version.rules_by_case_type.get(facts.case_type, ()):
        delegate = rule.delegate
        if not isinstance(delegate, PositionKindDelegate) or facts.issuing_unit_id is None:
            continue
        in_scope = set(_positions_in_scope(delegate, facts, version, org))
        holders = {h for p in in_scope for h in org.holders_on(p, on_date)}
        for absence in org.absences:
            if (absence.standin_person_id == person_id and absence.person_id in holders
                    and not covers(absence.starts_on, absence.ends_on, on_date)):
                found.append(StandinOutsideAbsence(rule.number, absence.person_id, absence.starts_on,
                                                   absence.ends_on))
                break
        if any(p.kind == delegate.kind and p.committee_id == version.committee_id and p.id not in in_scope
               for p in held):
            found.append(OtherUnit(rule.number, facts.issuing_unit_id))
    # One explanation is enough: a stand-in relation says more than holding the same kind of
    # position elsewhere, and the first rule (lowest level) names it.
    found.sort(key=lambda item: not isinstance(item, StandinOutsideAbsence))
    return tuple(found[:1])


def _positions_in_scope(delegate: PositionKindDelegate, facts: CaseFacts, version: SchemeVersion,
                        org: OrgSnapshot) -> tuple[int, ...]:
    if delegate.scope == Scope.COMMITTEE:
        return org.positions_in_committee(delegate.kind, version.committee_id)
    if facts.issuing_unit_id not in org.unit_by_id:
        return ()
    if delegate.scope == Scope.ISSUING_UNIT:
        return org.positions_in_unit(delegate.kind, facts.issuing_unit_id)
    department = org.department_of(facts.issuing_unit_id)
    return org.positions_in_department(delegate.kind, department) if department is not None else ()


# --- the words ---------------------------------------------------------------------------------------

def _detail(reason: Reason, names: NameBook) -> str:
    """The engine's sentence as a clause: without its rule number (said once, by the clause) and
    without its full stop (the refusal ends the sentence)."""
    text = reason_text(reason, names).strip()
    if reason.rule_number:
        prefix = _("Rule %(number)s", number=reason.rule_number)
        if text.startswith(prefix):
            text = text[len(prefix):].lstrip(": ").strip()
    text = text[:-1] if text.endswith(".") and not text.endswith(".)") else text
    return text[:1].lower() + text[1:]


def _explained(item: Explanation, facts: CaseFacts, names: NameBook) -> str:
    if isinstance(item, StandinOutsideAbsence):
        if item.ends_on is None:
            return _("as a stand-in outside the absence (R1): stands in for %(holder)s from %(start)s",
                     holder=names.person(item.holder_id), start=item.starts_on.isoformat())
        return _("as a stand-in outside the absence (R1): stands in for %(holder)s %(start)s–%(end)s",
                 holder=names.person(item.holder_id), start=item.starts_on.isoformat(),
                 end=item.ends_on.isoformat())
    if facts.case_type == CaseType.CREDIT:
        return _("on a credit of another unit's invoice (R1): the invoice was issued by %(unit)s, and rule "
                 "%(rule)s is for that unit's own head", unit=names.unit(item.issuing_unit_id),
                 rule=item.rule_number)
    return _("on another unit's invoice (R1): the invoice was issued by %(unit)s, and rule %(rule)s is for that "
             "unit's own head", unit=names.unit(item.issuing_unit_id), rule=item.rule_number)


def _consultation_target(reason: Reason, names: NameBook) -> str:
    if reason.param("unit_id") is not None:
        return names.unit(reason.param("unit_id"))
    return names.position(reason.param("position_id"))


def _clause(reason: Reason, on_date: date, names: NameBook) -> str:
    """One reason as a clause that follows "may not decide the case"."""
    code = reason.code
    if code == ReasonCode.NOT_A_DECIDER:
        return _("without a delegate position for it, standing in for nobody who has one (R1)")
    if code == ReasonCode.PREPARED_THE_CASE:
        return _("having prepared it (R3, four eyes)")
    if code == ReasonCode.IS_THE_CUSTOMER:
        return _("as its customer (R3)")
    if code == ReasonCode.DECLARED_CONFLICT:
        return _("after declaring a conflict of interest in it (R3)")
    if code == ReasonCode.REGISTERED_ABSENT:
        return _("while registered absent (R1)")
    if code == ReasonCode.CONSULTATION_MISSING:
        return _("without the consultation with %(target)s that rule %(rule)s requires (R4)",
                 target=_consultation_target(reason, names), rule=reason.rule_number)
    if code == ReasonCode.GUIDELINE_BARS_GRANT:
        return _("as granted: it may not be granted under the guideline (point %(point)s, rule %(rule)s)",
                 point=reason.param("point"), rule=reason.rule_number)
    if code == ReasonCode.NOT_A_REFUSER and reason.param("to_committee"):
        return _("as refused under the guideline (point %(point)s): rule %(rule)s names nobody to refuse it",
                 point=reason.param("point"), rule=reason.rule_number)
    if code == ReasonCode.NOT_A_REFUSER:
        return _("as refused under the guideline (point %(point)s): rule %(rule)s names others to refuse it",
                 point=reason.param("point"), rule=reason.rule_number)
    if code == ReasonCode.TWELVE_MONTH_AMOUNT_OVER_LIMIT:
        return _("over the 12-month limit of rule %(rule)s (R5): %(prior)s already decided since %(since)s, "
                 "with this case %(actual)s, more than %(limit)s", rule=reason.rule_number,
                 prior=format_money(reason.param("prior_ore", 0)),
                 since=twelve_month_window(on_date)[0].isoformat(), actual=format_money(reason.actual),
                 limit=format_money(reason.limit))
    if code in _R9:
        return _("as the delegation scheme cannot be used (R9): %(detail)s", detail=_detail(reason, names))
    if code in _R1:
        if reason.rule_number:
            return _("as nobody can act under rule %(rule)s (R1): %(detail)s", rule=reason.rule_number,
                     detail=_detail(reason, names))
        return _("as no decider (R1): %(detail)s", detail=_detail(reason, names))
    if reason.rule_number:
        return _("outside the limits of rule %(rule)s (R2): %(detail)s", rule=reason.rule_number,
                 detail=_detail(reason, names))
    return _detail(reason, names)


def _instead(person_id: int, verdict: Verdict | None, reasons: Sequence[Reason], names: NameBook) -> str:
    """The way forward: who can decide instead, or what must happen first."""
    if any(r.code == ReasonCode.GUIDELINE_BARS_GRANT for r in reasons):
        return _("Only the committee may grant it against its guideline: refer it to the committee.")
    if verdict is None or verdict.committee_only:
        return _("Only the committee can decide the case: refer it to the committee.")
    others = []
    for outcome in verdict.proposed:
        for decider in outcome.deciders:
            if decider.person_id != person_id:
                others.append(_("%(person)s (rule %(rule)s)", person=names.person(decider.person_id),
                                rule=outcome.rule_number))
    if others:
        return _("Can decide instead: %(deciders)s.", deciders=", ".join(dict.fromkeys(others)))
    if reasons and all(r.code == ReasonCode.CONSULTATION_MISSING for r in reasons):
        return _("Record the consultation first; then the case can be decided.")
    return _("Nobody else can decide it today: refer it to the committee.")


def refusal_text(person_id: int, reasons: Iterable[Reason], names: NameBook, *, facts: CaseFacts | None = None,
                 on_date: date, explained: Sequence[Explanation] = (), verdict: Verdict | None = None) -> str:
    """The one sentence a refused decider reads (and the trail keeps)."""
    reasons = list(reasons)
    clauses: list[str] = []
    if explained and facts is not None:
        clauses.extend(_explained(item, facts, names) for item in explained)
        reasons_left = [r for r in reasons if r.code != ReasonCode.NOT_A_DECIDER]
    else:
        reasons_left = reasons
    for reason in reasons_left:
        clause = _clause(reason, on_date, names)
        if clause not in clauses:
            clauses.append(clause)
    if not clauses:
        clauses.append(_clause(Reason(ReasonCode.NOT_A_DECIDER, actual=person_id), on_date, names))
    sentence = _("%(person)s may not decide the case %(why)s.", person=names.person(person_id),
                 why="; ".join(clauses))
    return f"{sentence} {_instead(person_id, verdict, reasons, names)}"


def outcome_text(rule_number: str, reasons: Sequence[Reason], names: NameBook) -> str:
    """Why one rule does not apply (the case page's "Vem beslutar"): the rule named once, its
    reasons as clauses, one full stop."""
    details = list(dict.fromkeys(_detail(reason, names) for reason in reasons))
    return _("%(rule)s: %(reasons)s.", rule=_("Rule %(number)s", number=rule_number), reasons="; ".join(details))
