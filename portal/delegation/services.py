"""Changes to delegation schemes: each checks, flushes and writes the audit trail; none commits.

Versions and publishing (DOMAIN.md R9, "Schemes"):
- A committee has at most one draft. A draft starts as a copy of the committee's latest published
  version (the future one if there is one, else the one in force), or empty.
- Only a draft's rules change. A published version never changes, except that publishing its
  successor sets its valid-to once.
- Publishing needs the adoption date, the paragraph and a valid-from no earlier than the adoption
  date nor than today (never backdated), and no error from the checker.
- Published versions follow each other: the new valid-from must be later than that of every
  published version of the committee. The latest of them (the one in force, or the future one
  if the committee already adopted one) then ends the day before. So publishing while a future
  version exists does not replace it: it stays in force from its own valid-from until the day
  before the new one, and decisions on those days are made under it. A future version adopted by
  mistake is thus cut short by a later one rather than rewritten, and the record keeps both.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from portal import clock
from portal.audit.services import Actor, changes, record, snapshot
from portal.delegation import queries
from portal.delegation.checks import check_version
from portal.delegation.engine_types import (
    AmountBasis,
    CaseType,
    CustomerKind,
    FrequencyPeriod,
    PlanLengthFloor,
    PositionKind,
    RuleKind,
    Scope,
    VersionState,
)
from portal.delegation.messages import finding_text
from portal.delegation.models import (
    CASE_REASONS,
    FURTHER_DELEGATION_FIELDS,
    RULE_FIELDS,
    DelegateType,
    DelegationRule,
    EligibilityCondition,
    FurtherDelegation,
    PriceBaseAmount,
    CollectionReason,
    CreditReason,
    SchemeVersion,
    WriteOffReason,
)
from portal.delegation.results import Finding, FindingCode, Severity
from portal.delegation.snapshot import FurtherDelegation as EngineFurtherDelegation
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org import confirmations
from portal.org import rules as org_rules
from portal.org.models import Committee, OrgUnit, PendingRegistration, Position, RegistrationKind

VERSION_FIELDS = (
    "committee_id",
    "state",
    "label",
    "adopted_on",
    "adoption_paragraph",
    "adoption_reference",
    "valid_from",
    "valid_to",
    "based_on_id",
    "is_common",
    "common_version_id",
)


# --- price base amounts ----------------------------------------------------------------------------

def price_base_amount_save(
    actor: Actor, *, year: int | None, amount_ore: int | None, is_demo: bool = False
) -> PriceBaseAmount:
    """Add the year's price base amount or change it (one per year)."""
    errors = {}
    if year is None or not 1990 <= year <= 2100:
        errors["year"] = _("Enter a year between 1990 and 2100.")
    if amount_ore is None or amount_ore <= 0:
        errors["amount"] = _("Enter an amount greater than zero.")
    if errors:
        raise ValidationFailed(errors)
    item = db.session.scalars(select(PriceBaseAmount).where(PriceBaseAmount.year == year)).first()
    fields = ("year", "amount_ore", "is_demo")
    if item is None:
        item = PriceBaseAmount(year=year, amount_ore=amount_ore, is_demo=is_demo)
        db.session.add(item)
        db.session.flush()
        record(actor, "price_base_amount.create", "price_base_amount", item.id,
               after=snapshot(item, fields))
        return item
    before = snapshot(item, fields)
    item.amount_ore, item.is_demo = amount_ore, is_demo
    db.session.flush()
    before, after = changes(before, snapshot(item, fields))
    if after:
        record(actor, "price_base_amount.update", "price_base_amount", item.id,
               before=before, after=after)
    return item


# --- drafts ----------------------------------------------------------------------------------------

def _refuse_unless_draft(version: SchemeVersion) -> None:
    if not version.is_draft:
        raise ValidationFailed(
            {"version": _("A published version never changes: start a new draft instead.")}
        )


def draft_start(actor: Actor, committee: Committee, *, label: str | None = None,
                common: bool = False) -> SchemeVersion:
    """Start the committee's draft as a copy of its latest published version, or empty; with
    `common`, the draft of the common provisions the committee (the executive committee) adopts
    (portal/delegation/common.py). A committee's draft keeps the common version its base included."""
    if committee.parent_id is not None:
        raise ValidationFailed(
            {"committee": _("A sub-committee has no scheme of its own: it is a delegate of its "
                            "committee's scheme.")}
        )
    if queries.draft_of(committee.id, common=common) is not None:
        raise ValidationFailed(
            {"committee": _("The committee already has a draft: continue with it or discard it.")}
        )
    base = queries.latest_published(committee.id, common=common)
    draft = SchemeVersion(
        committee_id=committee.id,
        is_common=common,
        common_version_id=base.common_version_id if base is not None and not common else None,
        state=VersionState.DRAFT.value,
        label=(label or "").strip()
        or _("Delegation scheme of %(committee)s", committee=committee.name),
        based_on_id=base.id if base else None,
        created_by_id=actor.user_id,
        created_at=clock.now(),
    )
    db.session.add(draft)
    db.session.flush()
    for rule in base.rules if base else ():
        copy = DelegationRule(version_id=draft.id)
        for name in (*RULE_FIELDS, "sort_order", "common_version_id"):
            setattr(copy, name, getattr(rule, name))
        copy.plan_length_floors = draft_floors(rule.plan_length_floors)
        db.session.add(copy)
    db.session.flush()
    record(actor, "scheme_version.create", "scheme_version", draft.id,
           after={**snapshot(draft, VERSION_FIELDS), "rules": len(base.rules) if base else 0})
    return draft


def draft_floors(stored: list | None) -> list | None:
    """A draft's floors in the rule books' words ("N months or more", RULINGS 3), each meaning
    what it meant: a published "longer than 12" becomes "13 or more". The migration
    0014_plan_floor_words did the same to the drafts that existed."""
    if not stored:
        return stored
    return [PlanLengthFloor.from_stored(value).as_or_more().stored() for value in stored]


def draft_discard(actor: Actor, version: SchemeVersion) -> None:
    """A draft that will not be adopted is removed with its rules; the trail keeps what it was."""
    _refuse_unless_draft(version)
    rules = [snapshot(rule, RULE_FIELDS) for rule in version.rules]
    record(actor, "scheme_version.discard", "scheme_version", version.id,
           before={**snapshot(version, VERSION_FIELDS), "rules": rules})
    for rule in list(version.rules):
        db.session.delete(rule)
    db.session.delete(version)
    db.session.flush()


# --- rules -----------------------------------------------------------------------------------------

@dataclass
class RuleInput:
    """A rule's values as the form gives them once parsed (money in öre, shares as fractions)."""

    number: str = ""
    text: str = ""
    level: int | None = 1
    case_type: str = CaseType.DEFERRAL.value
    kind: str = RuleKind.ORDINARY.value
    delegate_type: str = DelegateType.POSITION_KIND.value
    delegate_position_kind: str | None = None
    delegate_scope: str | None = None
    delegate_position_id: int | None = None
    delegate_committee_id: int | None = None
    standin_position_id: int | None = None
    allows_further_delegation: bool = False
    consultation_unit_id: int | None = None
    consultation_position_id: int | None = None
    # Scope by kind of receivable: only these invoice categories, or all but these; issuing units.
    invoice_category_ids: list[int] | None = None
    excluded_invoice_category_ids: list[int] | None = None
    issuing_unit_ids: list[int] | None = None
    # A guideline bar's point of the guideline ("4.2"); kept only on a bar.
    guideline_point: str | None = None
    # The named eligibility conditions the rule requires (the committee's, or built-in ones).
    required_condition_ids: list[int] | None = None
    broken_after_days: int | None = None
    max_amount_ore: int | None = None
    min_amount_ore: int | None = None
    max_invoice_amount_ore: int | None = None
    max_instalments: int | None = None
    max_granted_cases: int | None = None
    frequency_period: str = FrequencyPeriod.CALENDAR_YEAR.value
    max_amount_pbb: Fraction | None = None
    max_deferral_months: int | None = None
    max_deferral_days: int | None = None
    max_plan_months: int | None = None
    max_total_months: int | None = None
    min_monthly_instalment_ore: int | None = None
    plan_length_floors: list[PlanLengthFloor] = field(default_factory=list)
    allowed_write_off_reasons: list[str] | None = None
    allowed_reasons: list[str] | None = None
    customer_kind: str | None = None
    amount_basis: str = AmountBasis.CASE.value


def _rule_errors(values: RuleInput, version: SchemeVersion) -> dict[str, str]:
    """Shape only: what the checker reports (limits that never match, missing positions of a
    kind, duplicate numbers...) is kept in the draft and shown beside the rule instead."""
    from portal.delegation.common import common_rule_errors

    errors: dict[str, str] = common_rule_errors(values, version)
    if not values.number.strip():
        errors["number"] = _("Enter the rule's number as in the adopted document, e.g. 4.2.")
    if not values.text.strip():
        errors["text"] = _("Enter the rule's text as it reads in the adopted document.")
    if values.level is None or values.level < 1:
        errors["level"] = _("The level is 1 or higher (1 is closest to the case).")
    if values.case_type not in set(CaseType):
        errors["case_type"] = _("Choose a case type.")
    if values.kind not in set(RuleKind):
        errors["kind"] = _("Choose a kind of rule.")
    delegate = values.delegate_type
    if delegate == DelegateType.POSITION_KIND:
        if values.delegate_position_kind not in set(PositionKind):
            errors["delegate_position_kind"] = _("Choose the kind of position.")
        if values.delegate_scope not in set(Scope):
            errors["delegate_scope"] = _("Choose where the position sits.")
    elif delegate == DelegateType.NAMED_POSITION:
        if values.delegate_position_id is None or db.session.get(Position, values.delegate_position_id) is None:
            errors["delegate_position_id"] = _("Choose the position.")
    elif delegate == DelegateType.SUB_COMMITTEE:
        sub = db.session.get(Committee, values.delegate_committee_id) if values.delegate_committee_id else None
        if sub is None or sub.parent_id != version.committee_id:
            errors["delegate_committee_id"] = _("Choose a sub-committee of this committee.")
    elif delegate == DelegateType.COMMITTEE:
        if values.kind != RuleKind.BAR:
            errors["delegate_type"] = _("Only a guideline bar may name nobody: choose the delegate.")
    elif delegate != DelegateType.PRESIDIUM:
        errors["delegate_type"] = _("Choose who the delegate is.")
    if values.kind == RuleKind.BAR:
        if not (values.guideline_point or "").strip():
            errors["guideline_point"] = _("Enter the point of the guideline the bar cites, e.g. 4.2.")
        if values.allows_further_delegation:
            errors["allows_further_delegation"] = _(
                "A guideline bar cannot be passed on: the refusal under it is for those it names.")
    for name in ("standin_position_id", "consultation_position_id"):
        value = getattr(values, name)
        if value is not None and db.session.get(Position, value) is None:
            errors[name] = _("Choose an existing position.")
    if values.consultation_unit_id is not None and db.session.get(OrgUnit, values.consultation_unit_id) is None:
        errors["consultation_unit_id"] = _("Choose an existing unit.")
    if values.consultation_unit_id is not None and values.consultation_position_id is not None:
        errors["consultation_position_id"] = _("Consult either a unit or a position, not both.")
    ids = values.required_condition_ids or []
    known = {condition.id for condition in queries.conditions_of(version.committee_id)}
    if any(condition_id not in known for condition_id in ids):
        errors["required_condition_ids"] = _("Choose among the committee's listed conditions.")
    errors.update(_scope_errors(values))
    errors.update(_limit_errors(values))
    vocabulary = CASE_REASONS.get(values.case_type)
    if vocabulary and values.allowed_reasons and any(r not in set(vocabulary) for r in values.allowed_reasons):
        errors.setdefault("restrict_reasons", _("Choose reasons of the rule's own case type."))
    return errors


def _scope_errors(values: RuleInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    only, excluded = values.invoice_category_ids, values.excluded_invoice_category_ids
    if only is not None and excluded is not None:
        errors["category_scope"] = _("Name the only categories or the excluded ones, not both.")
    chosen = only if only is not None else excluded
    if chosen is not None:
        known = set(queries.invoice_categories())
        if not chosen:
            errors["scope_category_ids"] = _("Tick at least one invoice category.")
        elif any(category_id not in known for category_id in chosen):
            errors["scope_category_ids"] = _("Choose among the listed invoice categories.")
    units = values.issuing_unit_ids
    if units and any(db.session.get(OrgUnit, unit_id) is None for unit_id in units):
        errors["scope_unit_ids"] = _("Choose existing units.")
    return errors


def _limit_errors(values) -> dict[str, str]:
    errors: dict[str, str] = {}
    if values.customer_kind not in (None, *CustomerKind):
        errors["customer_kind"] = _("Choose a kind of customer.")
    if values.amount_basis not in set(AmountBasis):
        errors["amount_basis"] = _("Choose the amount basis.")
    if values.frequency_period not in set(FrequencyPeriod):
        errors["frequency_period"] = _("Choose the period the granted cases are counted in.")
    reasons = values.allowed_write_off_reasons
    if reasons is not None and any(r not in set(WriteOffReason) for r in reasons):
        errors["allowed_write_off_reasons"] = _("Choose among the listed reasons.")
    reasons = values.allowed_reasons
    if reasons is not None and any(r not in {*CreditReason, *CollectionReason} for r in reasons):
        errors["restrict_reasons"] = _("Choose among the listed reasons.")
    return errors


def _limit_values(values) -> dict:
    share = values.max_amount_pbb
    reasons = values.allowed_write_off_reasons
    return {
        "max_amount_ore": values.max_amount_ore,
        "min_amount_ore": values.min_amount_ore,
        "max_invoice_amount_ore": values.max_invoice_amount_ore,
        "max_instalments": values.max_instalments,
        "max_granted_cases": values.max_granted_cases,
        "frequency_period": values.frequency_period or FrequencyPeriod.CALENDAR_YEAR.value,
        "max_amount_pbb_numerator": share.numerator if share is not None else None,
        "max_amount_pbb_denominator": share.denominator if share is not None else None,
        "max_deferral_months": values.max_deferral_months,
        "max_deferral_days": values.max_deferral_days,
        "max_plan_months": values.max_plan_months,
        "max_total_months": values.max_total_months,
        "min_monthly_instalment_ore": values.min_monthly_instalment_ore,
        "plan_length_floors": [_floor(f).stored() for f in values.plan_length_floors] or None,
        "allowed_write_off_reasons": sorted(reasons) if reasons is not None else None,
        "allowed_reasons": sorted(values.allowed_reasons) if values.allowed_reasons is not None else None,
        "customer_kind": values.customer_kind or None,
        "amount_basis": values.amount_basis,
    }


def _required_conditions(ids) -> list | None:
    """As kept in the rule: each condition with its built-in code, which never changes."""
    if not ids:
        return None
    found = db.session.scalars(select(EligibilityCondition).where(EligibilityCondition.id.in_(sorted(set(ids)))))
    return [condition.required.stored() for condition in sorted(found, key=lambda c: c.id)]


def _ids(values) -> list[int] | None:
    return None if values is None else sorted(set(values))


def _floor(value) -> PlanLengthFloor:
    return value if isinstance(value, PlanLengthFloor) else PlanLengthFloor.from_stored(value)


def _rule_values(values: RuleInput) -> dict:
    delegate = values.delegate_type
    return {
        "number": values.number.strip(),
        "text": values.text.strip(),
        "level": values.level,
        "case_type": values.case_type,
        "kind": values.kind,
        "delegate_type": delegate,
        "delegate_position_kind": values.delegate_position_kind
        if delegate == DelegateType.POSITION_KIND else None,
        "delegate_scope": values.delegate_scope if delegate == DelegateType.POSITION_KIND else None,
        "delegate_position_id": values.delegate_position_id
        if delegate == DelegateType.NAMED_POSITION else None,
        "delegate_committee_id": values.delegate_committee_id
        if delegate == DelegateType.SUB_COMMITTEE else None,
        "standin_position_id": values.standin_position_id,
        "allows_further_delegation": bool(values.allows_further_delegation),
        "consultation_unit_id": values.consultation_unit_id,
        "consultation_position_id": values.consultation_position_id,
        "invoice_category_ids": _ids(values.invoice_category_ids),
        "excluded_invoice_category_ids": _ids(values.excluded_invoice_category_ids),
        "issuing_unit_ids": _ids(values.issuing_unit_ids) or None,
        "required_conditions": _required_conditions(values.required_condition_ids),
        "guideline_point": (values.guideline_point or "").strip() or None
        if values.kind == RuleKind.BAR else None,
        "broken_after_days": values.broken_after_days,
        **_limit_values(values),
    }


def rule_save(
    actor: Actor, version: SchemeVersion, rule: DelegationRule | None, values: RuleInput
) -> DelegationRule:
    """Add a rule to a draft or change one of its rules (not one included from the common
    provisions: those change only there)."""
    from portal.delegation.common import refuse_if_included

    _refuse_unless_draft(version)
    refuse_if_included(actor, rule)
    if rule is not None and rule.version_id != version.id:
        raise ValidationFailed({"rule": _("The rule belongs to another version.")})
    errors = _rule_errors(values, version)
    if errors:
        raise ValidationFailed(errors)
    is_new = rule is None
    if is_new:
        rule = DelegationRule(version_id=version.id, sort_order=len(version.rules) + 1)
        before = {}
    else:
        before = snapshot(rule, RULE_FIELDS)
    for name, value in _rule_values(values).items():
        setattr(rule, name, value)
    if is_new:
        db.session.add(rule)
    db.session.flush()
    after = snapshot(rule, RULE_FIELDS)
    if is_new:
        db.session.expire(version, ["rules"])
        record(actor, "delegation_rule.create", "delegation_rule", rule.id,
               after={"version_id": version.id, **after})
    else:
        before, after = changes(before, after)
        if after:
            record(actor, "delegation_rule.update", "delegation_rule", rule.id,
                   before=before, after=after)
    return rule


def rule_delete(actor: Actor, rule: DelegationRule) -> None:
    from portal.delegation.common import refuse_if_included

    version = rule.version
    _refuse_unless_draft(version)
    refuse_if_included(actor, rule)
    record(actor, "delegation_rule.delete", "delegation_rule", rule.id,
           before={"version_id": version.id, **snapshot(rule, RULE_FIELDS)})
    db.session.delete(rule)
    db.session.flush()
    db.session.expire(version, ["rules"])


# --- named eligibility conditions ------------------------------------------------------------------

def condition_create(actor: Actor, committee: Committee, *, name: str,
                     requires_document: bool) -> EligibilityCondition:
    """A committee's own yes/no condition (issue 12 §2), which its rules may then require."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed({"name": _("Enter the condition as the rule book words it.")})
    if len(name) > 200:
        raise ValidationFailed({"name": _("The condition may be at most 200 characters.")})
    if any(c.name.casefold() == name.casefold() for c in queries.conditions_of(committee.id)):
        raise ValidationFailed({"name": _("The committee already has a condition of that name.")})
    condition = EligibilityCondition(committee_id=committee.id, name=name,
                                     requires_document=bool(requires_document),
                                     created_by_id=actor.user_id, created_at=clock.now())
    db.session.add(condition)
    db.session.flush()
    record(actor, "eligibility_condition.create", "eligibility_condition", condition.id,
           after={"committee_id": committee.id, "name": name, "requires_document": condition.requires_document})
    return condition


# --- checking and publishing ----------------------------------------------------------------------

def findings(version: SchemeVersion, valid_from: date | None = None) -> list[Finding]:
    """The checker's findings on the version, with holders looked at on the proposed valid-from.
    The common provisions need no rule of every case type: each committee's own scheme has them."""
    found = check_version(
        queries.engine_version(version, valid_from=valid_from),
        queries.org_snapshot(),
        queries.price_base_amounts(),
        categories=queries.invoice_categories(),
        conditions={c.id: c.committee_id for c in queries.conditions_of(version.committee_id)},
    )
    if version.is_common:
        return [f for f in found if f.code != FindingCode.CASE_TYPE_WITHOUT_RULE]
    return found


@dataclass(frozen=True)
class DraftCheck:
    """What the draft checker shows and publishing refuses, computed once for both.

    `findings` are those on `valid_from`. Without a proposed valid-from the draft page checks
    today, and `later` holds the errors that appear only if the draft takes effect on a later
    day (1 January of each later year up to the one after the last price base amount kept: the
    price base amounts needed follow the year the version takes effect): publishing with such a
    valid-from fails on them, so the page shows them before anyone tries.
    """

    valid_from: date
    findings: tuple[Finding, ...]
    later: tuple[tuple[date, tuple[Finding, ...]], ...] = ()

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]


def draft_check(version: SchemeVersion, valid_from: date | None = None) -> DraftCheck:
    if valid_from is not None:
        return DraftCheck(valid_from, tuple(findings(version, valid_from)))
    today = clock.today()
    now = findings(version, today)
    seen = {f for f in now if f.severity == Severity.ERROR}
    last_year = max([today.year, *queries.price_base_amounts()])
    later = []
    for year in range(today.year + 1, last_year + 2):
        day = date(year, 1, 1)
        new = tuple(
            f for f in findings(version, day) if f.severity == Severity.ERROR and f not in seen
        )
        seen.update(new)
        if new:
            later.append((day, new))
    return DraftCheck(today, tuple(now), tuple(later))


def adoption_reference(committee: Committee, adopted_on: date, paragraph: str) -> str:
    """As the minutes cite it: "SN 2026-03-12 § 45"."""
    return f"{committee.code} {adopted_on.isoformat()} § {paragraph}"


def version_publish(
    actor: Actor,
    version: SchemeVersion,
    *,
    adopted_on: date | None,
    paragraph: str | None,
    valid_from: date | None,
) -> SchemeVersion:
    """Publish a draft the committee adopted; the version before it ends the day before."""
    _refuse_unless_draft(version)
    today = clock.today()
    paragraph = (paragraph or "").strip().lstrip("§").strip()
    errors: dict[str, str] = {}
    if adopted_on is None:
        errors["adopted_on"] = _("Enter the date of the meeting that adopted the scheme.")
    elif adopted_on > today:
        errors["adopted_on"] = _("The adoption date cannot be in the future.")
    if not paragraph:
        errors["paragraph"] = _("Enter the paragraph of the minutes, e.g. 45.")
    elif len(paragraph) > 12:
        errors["paragraph"] = _("The paragraph is at most 12 characters.")
    if valid_from is None:
        errors["valid_from"] = _("Enter the date the scheme takes effect.")
    elif valid_from < today:
        errors["valid_from"] = _("A scheme is never backdated: it takes effect today at the earliest.")
    elif adopted_on is not None and valid_from < adopted_on:
        errors["valid_from"] = _("The scheme cannot take effect before it was adopted.")
    previous = queries.latest_published(version.committee_id, common=version.is_common)
    if valid_from is not None and previous is not None and valid_from <= previous.valid_from:
        errors["valid_from"] = _(
            "The version adopted as %(reference)s takes effect on %(day)s: the new version must "
            "take effect later.",
            reference=previous.adoption_reference,
            day=previous.valid_from.isoformat(),
        )
    if errors:
        raise ValidationFailed(errors)
    blocking = draft_check(version, valid_from).errors
    if blocking:
        raise ValidationFailed(
            {"version": ngettext("The draft has %(num)d error: correct it before publishing.",
                                 "The draft has %(num)d errors: correct them before publishing.",
                                 len(blocking))}
        )
    if previous is not None:
        before = {"valid_to": snapshot(previous, ("valid_to",))["valid_to"]}
        previous.valid_to = valid_from - timedelta(days=1)
        record(actor, "scheme_version.end", "scheme_version", previous.id,
               before=before, after=snapshot(previous, ("valid_to",)))
    reference = adoption_reference(version.committee, adopted_on, paragraph)
    version.state = VersionState.PUBLISHED.value
    version.adopted_on = adopted_on
    version.adoption_paragraph = paragraph
    version.adoption_reference = reference
    version.valid_from = valid_from
    version.published_by_id = actor.user_id
    version.published_at = clock.now()
    db.session.flush()
    record(actor, "scheme_version.publish", "scheme_version", version.id,
           after=snapshot(version, VERSION_FIELDS))
    _record_own_positions_named(actor, version)
    return version


def _record_own_positions_named(actor: Actor, version: SchemeVersion) -> None:
    """Publishing a scheme that names the publisher's own position is allowed: the committee
    adopted it, with its reference (RULINGS 9). The trail says so on an entry of its own."""
    if actor.user_id is None:
        return
    org = queries.org_snapshot()
    rows = [(r.standin_position_id, r.delegate_type, r.delegate_position_kind, r.delegate_position_id,
             version.committee_id) for r in version.rules]
    named = org_rules.positions_named(rows, org)
    held = org_rules.positions_held_from(org, actor.user_id, version.valid_from)
    own = sorted(named & held)
    if own:
        record(actor, "scheme_version.publish_names_own_position", "scheme_version", version.id,
               after={"position_ids": own, "adoption_reference": version.adoption_reference})


# --- further delegation ----------------------------------------------------------------------------

@dataclass
class FurtherDelegationInput:
    version_id: int | None = None
    rule_number: str = ""
    delegating_position_id: int | None = None
    receiving_position_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    max_amount_ore: int | None = None
    min_amount_ore: int | None = None
    max_invoice_amount_ore: int | None = None
    max_instalments: int | None = None
    max_granted_cases: int | None = None
    frequency_period: str = FrequencyPeriod.CALENDAR_YEAR.value
    max_amount_pbb: Fraction | None = None
    max_deferral_months: int | None = None
    max_deferral_days: int | None = None
    max_plan_months: int | None = None
    max_total_months: int | None = None
    min_monthly_instalment_ore: int | None = None
    plan_length_floors: list[PlanLengthFloor] = field(default_factory=list)
    allowed_write_off_reasons: list[str] | None = None
    allowed_reasons: list[str] | None = None
    customer_kind: str | None = None
    amount_basis: str = AmountBasis.CASE.value
    # Named conditions of the rule's committee the receiver must also see met (issue 12 §2): a
    # department head may pass a rule on only for cases where, say, "banklån nekat enligt intyg".
    required_condition_ids: list[int] | None = None


def _has_own_limits(values: FurtherDelegationInput) -> bool:
    limits = _limit_values(values)
    limits.pop("frequency_period")  # the period of a frequency limit is no limit by itself
    return bool(values.required_condition_ids) or any(
        value not in (None, False, AmountBasis.CASE.value) for value in limits.values()
    )


def further_delegation_create(
    actor: Actor, person_id: int, values: FurtherDelegationInput
) -> FurtherDelegation | PendingRegistration:
    """A department head passes a rule on to a position below them (kommunallagen 7 kap 6 §).

    The department head must hold the delegating position today. The checker decides the rest:
    the rule must allow it, the delegating position must be a department-head delegate of the
    rule, and own limits may only be tighter than the rule's. Passing it on to a position the
    department head holds too waits for another holder of the delegating position to confirm it.
    """
    today = clock.today()
    errors: dict[str, str] = {}
    version = db.session.get(SchemeVersion, values.version_id) if values.version_id else None
    if version is None or not version.is_published or (
        version.valid_to is not None and version.valid_to < today
    ):
        errors["rule"] = _("Choose a rule of a version in force or about to take effect.")
    delegating = (
        db.session.get(Position, values.delegating_position_id)
        if values.delegating_position_id else None
    )
    org = queries.org_snapshot()
    if delegating is None or person_id not in org.holders_on(delegating.id, today):
        errors["delegating_position_id"] = _("You may pass on only rules of a position you hold today.")
    receiving = (
        db.session.get(Position, values.receiving_position_id)
        if values.receiving_position_id else None
    )
    if receiving is None:
        errors["receiving_position_id"] = _("Choose the position that receives the delegation.")
    elif delegating is not None and (
        receiving.id == delegating.id
        or receiving.org_unit_id is None
        or org.department_of(receiving.org_unit_id) != org.department_of(delegating.org_unit_id or -1)
    ):
        errors["receiving_position_id"] = _(
            "Further delegation goes to an employee's position in your own department."
        )
    if values.starts_on is None:
        errors["starts_on"] = _("Enter a start date.")
    elif values.starts_on < today:
        errors["starts_on"] = _("A further delegation is never backdated: it starts today at the earliest.")
    elif values.ends_on is not None and values.ends_on < values.starts_on:
        errors["ends_on"] = _("The end date cannot be before the start date.")
    errors.update(_limit_errors(values))
    if values.required_condition_ids and version is not None:
        known = {condition.id for condition in queries.conditions_of(version.committee_id)}
        if any(condition_id not in known for condition_id in values.required_condition_ids):
            errors["required_condition_ids"] = _("Choose among the committee's listed conditions.")
    if errors:
        raise ValidationFailed(errors)
    has_own = _has_own_limits(values)
    item = FurtherDelegation(
        version_id=version.id,
        rule_number=values.rule_number,
        delegating_position_id=delegating.id,
        receiving_position_id=receiving.id,
        starts_on=values.starts_on,
        ends_on=values.ends_on,
        has_own_limits=has_own,
        created_by_id=actor.user_id,
        created_at=clock.now(),
        required_conditions=_required_conditions(values.required_condition_ids),
        **_limit_values(values),
    )
    candidate = EngineFurtherDelegation(
        id=-1,
        scheme_version_id=version.id,
        rule_number=item.rule_number,
        delegating_position_id=item.delegating_position_id,
        receiving_position_id=item.receiving_position_id,
        starts_on=item.starts_on,
        ends_on=item.ends_on,
        limits=item.own_limits(),
    )
    with_candidate = replace(org, further_delegations=(*org.further_delegations, candidate))
    problems = [
        f for f in check_version(queries.engine_version(version), with_candidate,
                                 queries.price_base_amounts())
        if f.param("further_delegation_id") == -1
    ]
    if problems:
        names = queries.names()
        raise ValidationFailed({"rule": " ".join(finding_text(f, names) for f in problems)})
    pending = confirmations.hold_if_self_made(
        actor, RegistrationKind.FURTHER_DELEGATION, None, _further_payload(values), org,
        with_candidate, (item.starts_on, item.ends_on), confirming_position_id=delegating.id,
    )
    if pending is not None:
        return pending
    db.session.add(item)
    db.session.flush()
    record(actor, "further_delegation.create", "further_delegation", item.id,
           after=snapshot(item, FURTHER_DELEGATION_FIELDS))
    return item


def _further_payload(values: FurtherDelegationInput) -> dict:
    payload = asdict(values)
    share = values.max_amount_pbb
    payload["max_amount_pbb"] = None if share is None else [share.numerator, share.denominator]
    payload["plan_length_floors"] = [_floor(f).stored() for f in values.plan_length_floors]
    return payload


@confirmations.applies(RegistrationKind.FURTHER_DELEGATION)
def _apply_further_delegation(actor: Actor, registration: PendingRegistration):
    values = confirmations.parsed(registration.payload)
    share = values.pop("max_amount_pbb")
    floors = [PlanLengthFloor.from_stored(floor) for floor in values.pop("plan_length_floors") or []]
    return further_delegation_create(actor, actor.user_id, FurtherDelegationInput(
        **values, max_amount_pbb=None if share is None else Fraction(*share), plan_length_floors=floors,
    ))


def further_delegation_end(
    actor: Actor, person_id: int, item: FurtherDelegation, *, ends_on: date | None
) -> FurtherDelegation:
    """End a further delegation on a day, today at the earliest: decisions made stay valid."""
    today = clock.today()
    errors = {}
    if person_id not in queries.org_snapshot().holders_on(item.delegating_position_id, today):
        errors["ends_on"] = _("Only the department head who made the further delegation may end it.")
    elif ends_on is None:
        errors["ends_on"] = _("Enter the last day of the further delegation.")
    elif ends_on < today:
        errors["ends_on"] = _("A further delegation cannot be ended in the past.")
    elif ends_on < item.starts_on:
        errors["ends_on"] = _("The end date cannot be before the start date.")
    elif item.ends_on is not None and ends_on > item.ends_on:
        errors["ends_on"] = _("The further delegation already ends on %(day)s.", day=item.ends_on.isoformat())
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(item, ("ends_on",))
    item.ends_on = ends_on
    db.session.flush()
    record(actor, "further_delegation.end", "further_delegation", item.id,
           before=before, after=snapshot(item, ("ends_on",)))
    return item

