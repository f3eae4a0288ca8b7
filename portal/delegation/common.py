"""Common provisions (gemensamma bestämmelser, issue 12 §4, RULINGS 11), and copying a rule into other
committees' drafts in one step.

- The common provisions are versions of a scheme like any committee's (`SchemeVersion.is_common`),
  kept, checked and published by the same code, adopted by the executive committee (kommunstyrelsen)
  with its own adoption reference. No case is decided under them directly.
- A committee is bound only by its own delegation: it adopts a published common version into its
  own draft, which copies the common rules in, each marked with the common version it came from
  (`DelegationRule.common_version_id`), and names that version (`SchemeVersion.common_version_id`).
  A later common version reaches the committee only when the committee adopts it into a later
  draft; its published versions keep what they adopted.
- An included rule decides like the committee's own (the engine's ordering between rules stands);
  it is changed only in the common provisions, never in a committee's draft. The 12-month basis and
  every count stay the committee's own, since the engine is asked about the committee's case.

Each change checks, flushes and writes the audit trail; none commits."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from portal.audit.services import Actor, record, record_refusal, snapshot
from portal.delegation import queries
from portal.delegation.models import RULE_FIELDS, DelegateType, DelegationRule, EligibilityCondition, SchemeVersion
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org.bodies import BodyKind
from portal.org.models import Committee


def executive_committee() -> Committee | None:
    """The body that adopts the common provisions: the municipality's executive committee."""
    return db.session.scalars(
        select(Committee).where(Committee.kind == BodyKind.EXECUTIVE_COMMITTEE.value,
                                Committee.parent_id.is_(None), Committee.active.is_(True))
        .order_by(Committee.id).limit(1)
    ).first()


def common_draft_start(actor: Actor, *, label: str | None = None) -> SchemeVersion:
    """Start the draft of the common provisions as a copy of their latest published version."""
    from portal.delegation.services import draft_start

    body = executive_committee()
    if body is None:
        raise ValidationFailed({"committee": _(
            "No executive committee (kommunstyrelse) is registered: the common provisions are adopted by it.")})
    return draft_start(actor, body, label=(label or "").strip() or _("Common provisions"), common=True)


def latest_common() -> SchemeVersion | None:
    """The newest published common version (the one that starts last)."""
    body = executive_committee()
    return queries.latest_published(body.id, common=True) if body is not None else None


def published_common_versions() -> list[SchemeVersion]:
    body = executive_committee()
    if body is None:
        return []
    return [v for v in queries.versions_of(body.id, common=True) if v.is_published]


# --- what a committee's rules may be, and the rules it may not change ------------------------------

def common_rule_errors(values, version: SchemeVersion) -> dict[str, str]:
    """A rule of the common provisions serves every committee that adopts it: it cannot name one
    body's sub-committee, nor one committee's own named conditions (only the built-in ones)."""
    if not version.is_common:
        return {}
    errors = {}
    if values.delegate_type == DelegateType.SUB_COMMITTEE:
        errors["delegate_type"] = _(
            "A rule of the common provisions cannot name a sub-committee: it serves every committee.")
    if values.issuing_unit_ids:
        errors["scope_unit_ids"] = _(
            "A rule of the common provisions cannot be limited to issuing units: it serves every committee.")
    ids = values.required_condition_ids or []
    if ids:
        builtin = set(db.session.scalars(select(EligibilityCondition.id).where(
            EligibilityCondition.committee_id.is_(None))))
        if any(condition_id not in builtin for condition_id in ids):
            errors["required_condition_ids"] = _(
                "A rule of the common provisions may require only the built-in conditions.")
    return errors


def refuse_if_included(actor: Actor, rule: DelegationRule | None) -> None:
    """A rule included from the common provisions is not the committee's own to change (RULINGS 11):
    the refusal is recorded and nothing changes."""
    if rule is None or not rule.is_included:
        return
    message = _("Rule %(number)s comes from the common provisions (%(reference)s): it is changed there, "
                "and reaches the committee when the committee adopts the new version.",
                number=rule.number, reference=rule.common_version.adoption_reference)
    record_refusal(actor, "delegation_rule.change_refused", "delegation_rule", rule.id, reason=message,
                   rule="RULINGS 11", details={"common_version_id": rule.common_version_id})
    raise ValidationFailed({"rule": message})


# --- a committee adopts the common provisions into its draft --------------------------------------

def _refuse(actor: Actor, version: SchemeVersion, field: str, message: str):
    record_refusal(actor, "scheme_version.adopt_common_refused", "scheme_version", version.id,
                   reason=message, rule="RULINGS 11")
    raise ValidationFailed({field: message})


def common_adopt(actor: Actor, draft: SchemeVersion, common: SchemeVersion) -> SchemeVersion:
    """Include the published common version in the committee's draft: its rules replace those the
    draft included before, each marked with the version it came from."""
    if not draft.is_draft:
        _refuse(actor, draft, "version", _("A published version never changes: start a new draft instead."))
    if draft.is_common:
        _refuse(actor, draft, "version", _("The common provisions cannot include themselves."))
    if not (common.is_common and common.is_published):
        _refuse(actor, draft, "common_version_id", _("Choose a published version of the common provisions."))
    own = {rule.number for rule in draft.rules if not rule.is_included}
    taken = sorted(own & {rule.number for rule in common.rules})
    if taken:
        _refuse(actor, draft, "common_version_id", _(
            "The draft's own rules already use the numbers %(numbers)s of the common provisions: "
            "renumber the committee's own rules first.", numbers=", ".join(taken)))
    before = {"common_version_id": draft.common_version_id,
              "included": [rule.number for rule in draft.rules if rule.is_included]}
    _remove_included(draft)
    start = max((rule.sort_order for rule in draft.rules), default=0)
    for offset, rule in enumerate(common.rules, start=1):
        copy = DelegationRule(version_id=draft.id, common_version_id=common.id, sort_order=start + offset)
        for name in RULE_FIELDS:
            setattr(copy, name, getattr(rule, name))
        db.session.add(copy)
    draft.common_version_id = common.id
    db.session.flush()
    db.session.expire(draft, ["rules", "common_version"])
    record(actor, "scheme_version.adopt_common", "scheme_version", draft.id, before=before,
           after={"common_version_id": common.id, "common_reference": common.adoption_reference,
                  "included": [rule.number for rule in common.rules]})
    return draft


def common_remove(actor: Actor, draft: SchemeVersion) -> SchemeVersion:
    """The committee's draft includes no common provisions any more."""
    if not draft.is_draft:
        _refuse(actor, draft, "version", _("A published version never changes: start a new draft instead."))
    if draft.common_version_id is None:
        _refuse(actor, draft, "version", _("The draft includes no common provisions."))
    before = {"common_version_id": draft.common_version_id,
              "included": [rule.number for rule in draft.rules if rule.is_included]}
    _remove_included(draft)
    draft.common_version_id = None
    db.session.flush()
    db.session.expire(draft, ["rules", "common_version"])
    record(actor, "scheme_version.remove_common", "scheme_version", draft.id, before=before,
           after={"common_version_id": None})
    return draft


def _remove_included(draft: SchemeVersion) -> None:
    for rule in [rule for rule in draft.rules if rule.is_included]:
        db.session.delete(rule)
    db.session.flush()
    db.session.expire(draft, ["rules"])


@dataclass(frozen=True)
class CommonNotice:
    """What a committee's version shows about the common provisions it includes."""

    included: SchemeVersion | None
    newest: SchemeVersion | None

    @property
    def newer_exists(self) -> bool:
        """A newer published common version exists that the version has not adopted."""
        if self.newest is None:
            return False
        return self.included is None or (self.newest.id != self.included.id
                                          and self.newest.valid_from > self.included.valid_from)


def notice(version: SchemeVersion | None) -> CommonNotice | None:
    """For a committee's version (not the common provisions themselves); None where there is
    nothing to say: no common provisions were ever published and the version includes none."""
    if version is not None and version.is_common:
        return None
    included = version.common_version if version is not None else None
    newest = latest_common()
    if included is None and newest is None:
        return None
    return CommonNotice(included, newest)


# --- copying a rule into other committees' drafts in one step -------------------------------------

@dataclass(frozen=True)
class CopyTarget:
    committee: Committee
    draft: SchemeVersion | None
    problem: str | None


def copy_candidates(rule: DelegationRule) -> list[Committee]:
    """The committees whose drafts a rule may be copied into: every main committee but the rule's."""
    return [c for c in queries.main_committees() if c.active and c.id != rule.version.committee_id]


def copy_source_problem(rule: DelegationRule) -> str | None:
    if rule.version.is_common:
        return _("A rule of the common provisions reaches a committee when the committee adopts them.")
    if rule.is_included:
        return _("The rule comes from the common provisions: each committee adopts them instead.")
    return None


def copy_targets(rule: DelegationRule, committee_ids) -> list[CopyTarget]:
    """What copying the rule into each chosen committee's draft would meet, as the preview shows it."""
    chosen = {c.id: c for c in copy_candidates(rule)}
    own_conditions = {c for (c, _builtin) in (rule.required_conditions or []) if _builtin is None}
    targets = []
    for committee_id in sorted(set(committee_ids), key=lambda i: chosen[i].name if i in chosen else ""):
        committee = chosen.get(committee_id)
        if committee is None:
            continue
        draft = queries.draft_of(committee.id)
        problem = None
        if draft is None:
            problem = _("The committee has no draft: start one first.")
        elif any(r.number == rule.number for r in draft.rules):
            problem = _("The draft already has a rule %(number)s.", number=rule.number)
        elif rule.delegate_type == DelegateType.SUB_COMMITTEE:
            problem = _("The rule names a sub-committee of another committee.")
        elif rule.issuing_unit_ids:
            problem = _("The rule is limited to issuing units of another committee.")
        elif own_conditions and not own_conditions <= {c.id for c in queries.conditions_of(committee.id)}:
            problem = _("The rule requires conditions of another committee.")
        targets.append(CopyTarget(committee, draft, problem))
    return targets


def rule_copy(actor: Actor, rule: DelegationRule, committee_ids) -> list[DelegationRule]:
    """Copy the rule into the drafts of the chosen committees: all or nothing."""
    from portal.delegation.services import draft_floors

    source = copy_source_problem(rule)
    if source:
        record_refusal(actor, "delegation_rule.copy_refused", "delegation_rule", rule.id, reason=source)
        raise ValidationFailed({"rule": source})
    targets = copy_targets(rule, committee_ids)
    if not targets:
        raise ValidationFailed({"committee_ids": _("Tick at least one committee.")})
    problems = [f"{t.committee.name}: {t.problem}" for t in targets if t.problem]
    if problems:
        record_refusal(actor, "delegation_rule.copy_refused", "delegation_rule", rule.id,
                       reason=" ".join(problems))
        raise ValidationFailed({"committee_ids": " ".join(problems)})
    copies = []
    for target in targets:
        draft = target.draft
        copy = DelegationRule(version_id=draft.id, sort_order=len(draft.rules) + 1)
        for name in RULE_FIELDS:
            setattr(copy, name, getattr(rule, name))
        copy.plan_length_floors = draft_floors(rule.plan_length_floors)
        db.session.add(copy)
        db.session.flush()
        db.session.expire(draft, ["rules"])
        record(actor, "delegation_rule.copy", "delegation_rule", copy.id,
               after={"version_id": draft.id, "copied_from_rule_id": rule.id,
                      "copied_from_version_id": rule.version_id, **snapshot(copy, RULE_FIELDS)})
        copies.append(copy)
    return copies

