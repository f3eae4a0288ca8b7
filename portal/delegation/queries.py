"""Reads that turn stored schemes and the organisation into the engine's plain data, in few queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from flask import current_app

from portal import access, clock
from portal.delegation import checks
from portal.delegation import engine_types as et
from portal.delegation import snapshot as sn
from portal.delegation.models import (
    DelegateType,
    DelegationRule,
    EligibilityCondition,
    FurtherDelegation,
    PriceBaseAmount,
    SchemeVersion,
)
from portal.extensions import db
from portal.memo import per_transaction
from portal.receivables.models import InvoiceCategory
from portal.org.models import Absence, Appointment, Committee, OrgUnit, OrgVersion, Position, PositionKind
from portal.org.queries import appointments_on, committee_ids_in_sight


# --- the engine's data, kept per process while the organisation's version stands ----------------

class _Kept:
    """What one process keeps of the engine's data under one token of `org_version`: the snapshot,
    the price base amounts and the versions in force asked for, each built when first asked."""

    MAX_VERSIONS = 1000  # (committee, day) pairs kept; the simulator may ask about any day

    def __init__(self, token: str) -> None:
        self.token = token
        self.snapshot: sn.OrgSnapshot | None = None
        self.price_base_amounts: dict[int, int] | None = None
        self.versions: dict[tuple[int, date], et.SchemeVersion | None] = {}


def org_token() -> str | None:
    """The organisation's version as the database has it now: one query per transaction (again
    after the transaction writes, since a trigger may have changed it). None: a schema without
    the migration's row, where nothing is kept."""
    return per_transaction("org_version", lambda: db.session.scalar(
        select(OrgVersion.token).where(OrgVersion.id == 1)))


def _kept() -> _Kept:
    """This process's engine data, if it was built under the database's token; else a fresh start.
    Every app server asks the database, so a change made through any of them (or past the portal)
    is seen by all at their next transaction."""
    token = org_token()
    if token is None:
        return _Kept("")  # no version to trust: built for this question alone
    store = current_app.extensions.setdefault("portal_engine_data", {})
    kept = store.get("kept")
    if kept is None or kept.token != token:
        kept = store["kept"] = _Kept(token)
    return kept


def org_snapshot() -> sn.OrgSnapshot:
    """The whole organisation with its dated history, built once per organisation version."""
    kept = _kept()
    if kept.snapshot is None:
        kept.snapshot = build_org_snapshot()
    return kept.snapshot


def build_org_snapshot() -> sn.OrgSnapshot:
    """The whole organisation with its dated history: one query per table, six in all."""
    execute = db.session.execute
    committees = [sn.Committee(*row) for row in execute(select(Committee.id, Committee.code, Committee.parent_id,
                                                                        Committee.kind))]
    units = [
        sn.OrgUnit(*row)
        for row in execute(select(OrgUnit.id, OrgUnit.kind, OrgUnit.parent_id, OrgUnit.committee_id))
    ]
    positions = [
        sn.Position(*row)
        for row in execute(
            select(
                Position.id,
                Position.kind,
                Position.committee_id,
                Position.org_unit_id,
                Position.standing_standin_position_id,
            )
        )
    ]
    appointments = [
        sn.Appointment(*row)
        for row in execute(
            select(
                Appointment.user_id, Appointment.position_id, Appointment.starts_on, Appointment.ends_on
            )
        )
    ]
    absences = [
        sn.Absence(*row)
        for row in execute(
            select(Absence.user_id, Absence.starts_on, Absence.ends_on, Absence.standin_user_id)
        )
    ]
    further = [
        sn.FurtherDelegation(
            id=item.id,
            scheme_version_id=item.version_id,
            rule_number=item.rule_number,
            delegating_position_id=item.delegating_position_id,
            receiving_position_id=item.receiving_position_id,
            starts_on=item.starts_on,
            ends_on=item.ends_on,
            limits=item.own_limits(),
        )
        for item in db.session.scalars(select(FurtherDelegation))
    ]
    return sn.OrgSnapshot(committees, units, positions, appointments, absences, further)


def price_base_amounts() -> dict[int, int]:
    """{year: öre} of every price base amount kept (with the snapshot, per organisation version)."""
    kept = _kept()
    if kept.price_base_amounts is None:
        kept.price_base_amounts = dict(
            db.session.execute(select(PriceBaseAmount.year, PriceBaseAmount.amount_ore)).all())
    return dict(kept.price_base_amounts)


def engine_rule(rule: DelegationRule) -> et.Rule:
    common = rule.common_version if rule.common_version_id is not None else None
    return et.Rule(
        number=rule.number,
        text=rule.text,
        level=rule.level,
        case_type=et.CaseType(rule.case_type),
        delegate=_delegate(rule),
        kind=et.RuleKind(rule.kind),
        standin_position_id=rule.standin_position_id,
        allows_further_delegation=bool(rule.allows_further_delegation),
        limits=rule.limits(),
        consultation=rule.consultation,
        receivables=rule.receivables(),
        guideline_point=rule.guideline_point,
        common_reference=(common.adoption_reference or common.label) if common is not None else None,
    )


def _delegate(rule: DelegationRule) -> et.Delegate:
    kind = DelegateType(rule.delegate_type)
    if kind == DelegateType.POSITION_KIND:
        return et.PositionKindDelegate(
            et.PositionKind(rule.delegate_position_kind), et.Scope(rule.delegate_scope)
        )
    if kind == DelegateType.NAMED_POSITION:
        return et.NamedPositionDelegate(rule.delegate_position_id)
    if kind == DelegateType.PRESIDIUM:
        return et.PresidiumDelegate()
    if kind == DelegateType.COMMITTEE:
        return et.CommitteeDelegate()
    return et.SubCommitteeDelegate(rule.delegate_committee_id)


def engine_version(version: SchemeVersion, *, valid_from: date | None = None) -> et.SchemeVersion:
    """The engine's view of a stored version. A draft has no valid-from yet: pass the one proposed
    (the checker reads holders on that day), else the version's own or today's is used."""
    return et.SchemeVersion(
        id=version.id,
        committee_id=version.committee_id,
        label=version.label,
        valid_from=valid_from or version.valid_from or clock.today(),
        valid_to=version.valid_to,
        state=et.VersionState(version.state),
        rules=tuple(engine_rule(rule) for rule in version.rules),
        adoption_reference=version.adoption_reference,
        common_reference=_common_reference(version),
    )


def _common_reference(version: SchemeVersion) -> str | None:
    common = version.common_version if version.common_version_id is not None else None
    return (common.adoption_reference or common.label) if common is not None else None


def _with_rules():
    return select(SchemeVersion).options(
        selectinload(SchemeVersion.rules).selectinload(DelegationRule.common_version),
        selectinload(SchemeVersion.common_version))


# A committee's own scheme: not the common provisions the executive committee adopts (RULINGS 11).
_OWN = SchemeVersion.is_common.is_(False)


def _in_force(day: date):
    return (
        (SchemeVersion.state == et.VersionState.PUBLISHED.value)
        & (SchemeVersion.valid_from <= day)
        & or_(SchemeVersion.valid_to.is_(None), SchemeVersion.valid_to >= day)
    )


def version_in_force(committee_id: int, day: date) -> SchemeVersion | None:
    """The published version in force for the committee on the day (two queries, rules included)."""
    return db.session.scalars(
        _with_rules().where(SchemeVersion.committee_id == committee_id, _OWN, _in_force(day)).limit(1)
    ).first()


def future_versions(committee_id: int, day: date) -> list[SchemeVersion]:
    """Published versions that take effect after the day, earliest first."""
    return list(
        db.session.scalars(
            select(SchemeVersion)
            .where(
                SchemeVersion.committee_id == committee_id,
                _OWN,
                SchemeVersion.state == et.VersionState.PUBLISHED.value,
                SchemeVersion.valid_from > day,
            )
            .order_by(SchemeVersion.valid_from)
        )
    )


def earlier_versions(committee_id: int, day: date) -> list[SchemeVersion]:
    """Published versions that ended before the day, latest first."""
    return list(
        db.session.scalars(
            select(SchemeVersion)
            .where(
                SchemeVersion.committee_id == committee_id,
                _OWN,
                SchemeVersion.state == et.VersionState.PUBLISHED.value,
                SchemeVersion.valid_to < day,
            )
            .order_by(SchemeVersion.valid_from.desc())
        )
    )


def draft_of(committee_id: int, *, common: bool = False) -> SchemeVersion | None:
    """The committee's draft; with `common`, the draft of the common provisions it adopts."""
    return db.session.scalars(
        select(SchemeVersion).where(
            SchemeVersion.committee_id == committee_id,
            SchemeVersion.is_common.is_(common),
            SchemeVersion.state == et.VersionState.DRAFT.value,
        )
    ).first()


def latest_published(committee_id: int, *, common: bool = False) -> SchemeVersion | None:
    """The published version that starts last: the future one if any, else the one in force."""
    return db.session.scalars(
        _with_rules()
        .where(
            SchemeVersion.committee_id == committee_id,
            SchemeVersion.is_common.is_(common),
            SchemeVersion.state == et.VersionState.PUBLISHED.value,
        )
        .order_by(SchemeVersion.valid_from.desc())
        .limit(1)
    ).first()


def versions_of(committee_id: int, *, common: bool = False) -> list[SchemeVersion]:
    """Every version of the committee: the draft first, then published ones, latest first."""
    versions = db.session.scalars(
        select(SchemeVersion).where(SchemeVersion.committee_id == committee_id,
                                    SchemeVersion.is_common.is_(common))
    ).all()
    return sorted(versions, key=lambda v: (not v.is_draft, -(v.valid_from or date.max).toordinal()))


@dataclass(frozen=True)
class Overview:
    """A committee's versions as the finance director sees them on a day."""

    in_force: SchemeVersion | None
    future: list[SchemeVersion]
    draft: SchemeVersion | None
    earlier: list[SchemeVersion]


def overview(committee_id: int, day: date, *, common: bool = False) -> Overview:
    versions = versions_of(committee_id, common=common)
    draft = next((v for v in versions if v.is_draft), None)
    published = [v for v in versions if v.is_published]
    in_force = next(
        (v for v in published if v.valid_from <= day and (v.valid_to is None or v.valid_to >= day)),
        None,
    )
    future = sorted((v for v in published if v.valid_from > day), key=lambda v: v.valid_from)
    earlier = [v for v in published if v.valid_to is not None and v.valid_to < day]
    return Overview(in_force, future, draft, earlier)


@dataclass(frozen=True)
class CaseContext:
    """Everything the engine needs for a committee's case on a day."""

    engine_version: et.SchemeVersion | None
    org: sn.OrgSnapshot
    price_base_amounts: dict[int, int]

    @property
    def version_id(self) -> int | None:
        return self.engine_version.id if self.engine_version is not None else None


def case_context(committee_id: int, day: date) -> CaseContext:
    """The version in force, the organisation and the price base amounts."""
    return case_contexts([committee_id], day)[committee_id]


def case_contexts(committee_ids, day: date, org: sn.OrgSnapshot | None = None) -> dict[int, CaseContext]:
    """`case_context` for many committees at once: from this process's engine data while the
    organisation's version stands (one query), else built in as many queries as for one."""
    kept = _kept()
    committee_ids = sorted(set(committee_ids))
    missing = [committee_id for committee_id in committee_ids if (committee_id, day) not in kept.versions]
    if missing:
        if len(kept.versions) > kept.MAX_VERSIONS:
            kept.versions.clear()
        found = {version.committee_id: version for version in db.session.scalars(
            _with_rules().where(SchemeVersion.committee_id.in_(missing), _OWN, _in_force(day))
            .order_by(SchemeVersion.valid_from)
        )}
        for committee_id in missing:
            version = found.get(committee_id)
            kept.versions[(committee_id, day)] = engine_version(version) if version is not None else None
    org, amounts = org or org_snapshot(), price_base_amounts()
    return {
        committee_id: CaseContext(kept.versions[(committee_id, day)], org, amounts)
        for committee_id in committee_ids
    }


def main_committees() -> list[Committee]:
    return list(
        db.session.scalars(
            select(Committee).where(Committee.parent_id.is_(None)).order_by(Committee.name)
        )
    )


@dataclass(frozen=True)
class Names:
    """Names for the ids the engine speaks in, so pages and messages can say who and where."""

    positions: dict[int, str]
    units: dict[int, str]
    committees: dict[int, str]
    people: dict[int, str]
    categories: dict[int, str] = field(default_factory=dict)
    conditions: dict[int, str] = field(default_factory=dict)

    def position(self, position_id: int | None) -> str:
        return self.positions.get(position_id, "—") if position_id is not None else "—"

    def unit(self, unit_id: int | None) -> str:
        return self.units.get(unit_id, "—") if unit_id is not None else "—"

    def committee(self, committee_id: int | None) -> str:
        return self.committees.get(committee_id, "—") if committee_id is not None else "—"

    def person(self, person_id: int | None) -> str:
        return self.people.get(person_id, "—") if person_id is not None else "—"

    def category(self, category_id: int | None) -> str:
        return self.categories.get(category_id, "—") if category_id is not None else "—"

    def condition(self, condition_id: int | None) -> str:
        return self.conditions.get(condition_id, "—") if condition_id is not None else "—"


def names() -> Names:
    """Every position, unit, committee and person by id: four queries."""
    from portal.auth.models import User

    execute = db.session.execute
    return Names(
        positions=dict(execute(select(Position.id, Position.title)).all()),
        units=dict(execute(select(OrgUnit.id, OrgUnit.name)).all()),
        committees=dict(execute(select(Committee.id, Committee.name)).all()),
        people=dict(execute(select(User.id, User.full_name)).all()),
        categories=invoice_categories(),
        conditions=dict(execute(select(EligibilityCondition.id, EligibilityCondition.name)).all()),
    )


def conditions_of(committee_id: int) -> list[EligibilityCondition]:
    """A committee's named eligibility conditions: the built-in ones first, then its own by name."""
    return list(db.session.scalars(
        select(EligibilityCondition)
        .where(or_(EligibilityCondition.committee_id.is_(None),
                   EligibilityCondition.committee_id == committee_id))
        .order_by(EligibilityCondition.builtin.is_(None), EligibilityCondition.builtin,
                  EligibilityCondition.name)
    ))


def invoice_categories() -> dict[int, str]:
    """Every invoice category (Fakturakategori) by id: the names rules are scoped by."""
    return dict(db.session.execute(select(InvoiceCategory.id, InvoiceCategory.name)).all())


# --- who reads schemes (access.py asks; README "Vem ser vad") -----------------------------------

# --- gaps in the delegation: positions the rules name that nobody holds or nobody stands in for ---

@dataclass(frozen=True)
class Gap:
    """A position a rule in force names, with what it lacks today: a holder; any stand-in (neither a
    standing stand-in position nor the rule's own); or a holder of the stand-in position arranged."""

    committee: Committee
    position: Position
    rules: tuple[str, ...]
    no_holder: bool
    no_standin: bool
    vacant_standins: tuple[Position, ...]


def delegation_gaps(reader, day: date) -> list[Gap]:
    """The gaps in the delegation of the committees whose schemes the reader may read, by committee
    and position: the committees are chosen before anything is read, so nothing of another
    committee is looked at."""
    committees = {c.id: c for c in db.session.scalars(select(Committee).where(Committee.active.is_(True)))
                  if access.allowed(reader, access.VIEW_SCHEMES, c, on=day)}
    contexts = case_contexts(committees, day)
    named: dict[int, dict] = {}
    for committee_id, context in contexts.items():
        version = context.engine_version
        if version is None:
            continue
        for rule in version.rules:
            for position_id in checks.delegate_position_ids(rule, version, context.org):
                entry = named.setdefault(position_id, {"committee": committee_id, "rules": [], "standins": set()})
                entry["rules"].append(rule.number)
                if rule.standin_position_id is not None:
                    entry["standins"].add(rule.standin_position_id)
    if not named:
        return []
    org = org_snapshot()
    wanted = set(named) | {p for entry in named.values() for p in entry["standins"]}
    wanted |= {org.position_by_id[p].standing_standin_position_id for p in named
               if p in org.position_by_id and org.position_by_id[p].standing_standin_position_id}
    positions = {p.id: p for p in db.session.scalars(select(Position).where(Position.id.in_(wanted)))}
    gaps = []
    for position_id, entry in named.items():
        if position_id not in positions:
            continue
        standing = org.position_by_id[position_id].standing_standin_position_id \
            if position_id in org.position_by_id else None
        standins = ({standing} if standing else set()) | entry["standins"]
        vacant = tuple(positions[p] for p in sorted(standins) if p in positions and not org.holders_on(p, day))
        gap = Gap(committees[entry["committee"]], positions[position_id], tuple(sorted(set(entry["rules"]))),
                  no_holder=not org.holders_on(position_id, day), no_standin=not standins,
                  vacant_standins=vacant)
        if gap.no_holder or gap.no_standin or gap.vacant_standins:
            gaps.append(gap)
    return sorted(gaps, key=lambda g: (g.committee.name, not g.no_holder, g.position.title))


@access.register(access.VIEW_SCHEMES, access.FURTHER_DELEGATION)
def _delegation_rule(user, action: str, committee: Committee | None, day: date) -> bool:
    if action == access.FURTHER_DELEGATION:
        return any(a.position.kind == PositionKind.DEPARTMENT_HEAD for a in appointments_on(user.id, day))
    if user.roles & access.STAFF_ROLES:
        return True
    in_sight = committee_ids_in_sight(user.id, day)
    if committee is None:  # the list and the simulator, limited to the committees in sight
        return bool(in_sight)
    return committee.id in in_sight


@access.register_document("scheme_version")
def _scheme_document_rule(user, document, day: date) -> bool:
    version = db.session.get(SchemeVersion, int(document.object_id))
    return version is not None and access.allowed(
        user, access.VIEW_SCHEMES, None if version.is_common else version.committee, on=day)
