"""Delegation scheme services: one draft, published versions never change, publishing, audit."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit.models import AuditEntry
from portal.delegation import queries, services
from portal.delegation.models import (
    DelegationRule,
    FurtherDelegation,
    PriceBaseAmount,
    SchemeVersion,
)
from portal.delegation.services import FurtherDelegationInput, RuleInput
from portal.errors import ValidationFailed
from portal.extensions import db

TODAY = date(2026, 11, 23)  # the frozen clock


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def deferral(number: str = "9.1", **changes) -> RuleInput:
    values = {"number": number, "text": "Anstånd i högst två månader.", "case_type": "deferral",
              "delegate_type": "position_kind", "delegate_position_kind": "unit_head",
              "delegate_scope": "issuing_unit", "max_deferral_months": 2}
    return RuleInput(**{**values, **changes})


def publish(world, version, valid_from=TODAY, adopted_on=date(2026, 11, 18), paragraph="45"):
    return services.version_publish(world.actor, version, adopted_on=adopted_on,
                                    paragraph=paragraph, valid_from=valid_from)


# One draft per committee.

def test_a_draft_starts_as_a_copy_of_the_version_in_force(world):
    draft = services.draft_start(world.actor, world.sn)
    assert draft.is_draft and draft.based_on_id == world.version.id
    assert [r.number for r in draft.rules] == ["1.1", "1.2"]
    assert draft.rules[0].consultation_unit_id == world.economy.id
    assert "scheme_version.create" in actions()


def test_a_committee_without_a_scheme_starts_an_empty_draft(world):
    draft = services.draft_start(world.actor, world.ks)
    assert draft.rules == [] and draft.based_on_id is None


def test_a_committee_has_at_most_one_draft(world):
    services.draft_start(world.actor, world.sn)
    with pytest.raises(ValidationFailed) as failure:
        services.draft_start(world.actor, world.sn)
    assert "redan ett utkast" in failure.value.errors["committee"]


def test_the_database_refuses_a_second_draft_of_one_committee(world, make):
    make.scheme_version(world.sn, state="draft")
    with db.session.begin_nested(), pytest.raises(IntegrityError):
        make.scheme_version(world.sn, state="draft")
    make.scheme_version(world.ks, state="draft")  # another committee may have its own


def test_a_sub_committee_has_no_scheme_of_its_own(world):
    with pytest.raises(ValidationFailed):
        services.draft_start(world.actor, world.au)


# A published version never changes.

def test_a_published_version_refuses_every_service(world):
    version = world.version
    rule = version.rules[0]
    before = queries.engine_version(version)
    attempts = [
        lambda: services.rule_save(world.actor, version, None, deferral()),
        lambda: services.rule_save(world.actor, version, rule, deferral("1.1", max_deferral_months=12)),
        lambda: services.rule_delete(world.actor, rule),
        lambda: services.draft_discard(world.actor, version),
        lambda: publish(world, version),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationFailed) as failure:
            attempt()
        assert "aldrig" in failure.value.errors["version"]
    db.session.expire_all()
    assert queries.engine_version(db.session.get(SchemeVersion, version.id)) == before
    assert actions() == []


# Rules on a draft, with audit entries.

def test_rules_are_added_changed_and_removed_on_a_draft_with_audit(world):
    draft = services.draft_start(world.actor, world.sn)
    rule = services.rule_save(world.actor, draft, None, deferral(max_amount_pbb=Fraction(1, 2)))
    assert (rule.max_amount_pbb_numerator, rule.max_amount_pbb_denominator) == (1, 2)
    services.rule_save(world.actor, draft, rule,
                       deferral(max_amount_pbb=Fraction(1, 2), max_deferral_months=4))
    assert rule.max_deferral_months == 4
    services.rule_delete(world.actor, rule)
    assert db.session.get(DelegationRule, rule.id) is None
    assert actions()[-3:] == ["delegation_rule.create", "delegation_rule.update", "delegation_rule.delete"]
    update = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "delegation_rule.update")).one()
    assert update.before == {"max_deferral_months": 2} and update.after == {"max_deferral_months": 4}


def test_a_rule_with_a_missing_delegate_choice_is_refused_and_nothing_changes(world):
    draft = services.draft_start(world.actor, world.sn)
    count = len(draft.rules)
    with pytest.raises(ValidationFailed) as failure:
        services.rule_save(world.actor, draft, None,
                           deferral(number="", delegate_type="named_position", delegate_position_id=None))
    assert set(failure.value.errors) == {"number", "delegate_position_id"}
    db.session.expire(draft, ["rules"])
    assert len(draft.rules) == count


def test_discarding_a_draft_removes_it_and_its_rules(world):
    draft = services.draft_start(world.actor, world.sn)
    draft_id = draft.id
    services.draft_discard(world.actor, draft)
    assert db.session.get(SchemeVersion, draft_id) is None
    assert db.session.scalar(select(func.count()).where(DelegationRule.version_id == draft_id)) == 0
    assert actions()[-1] == "scheme_version.discard"


# Publishing.

def test_publishing_is_blocked_by_an_error_and_allowed_with_warnings_only(world):
    draft = services.draft_start(world.actor, world.sn)
    bad = services.rule_save(world.actor, draft, None, deferral(max_plan_months=12))  # never matches
    with pytest.raises(ValidationFailed) as failure:
        publish(world, draft)
    assert failure.value.errors["version"] == "Utkastet har 1 fel: rätta det innan det publiceras."
    assert draft.is_draft
    services.rule_save(world.actor, draft, bad, deferral(max_plan_months=None))
    warnings = services.findings(draft, TODAY)
    assert warnings and all(f.severity == "warning" for f in warnings)
    publish(world, draft)
    assert draft.is_published
    assert draft.adoption_reference == "SN 2026-11-18 § 45"
    assert draft.published_by_id == world.director.id


@pytest.mark.parametrize(
    ("adopted_on", "valid_from", "field"),
    [
        (date(2026, 11, 18), date(2026, 11, 22), "valid_from"),  # backdated before today
        (date(2026, 11, 23), date(2026, 11, 23), None),  # adopted and in force today
        (date(2026, 11, 24), date(2026, 11, 30), "adopted_on"),  # adopted in the future
        (None, date(2026, 12, 1), "adopted_on"),
        (date(2026, 11, 18), None, "valid_from"),
    ],
)
def test_valid_from_is_never_before_the_adoption_nor_today(world, adopted_on, valid_from, field):
    draft = services.draft_start(world.actor, world.sn)
    if field is None:
        publish(world, draft, valid_from=valid_from, adopted_on=adopted_on)
        assert draft.valid_from == valid_from
    else:
        with pytest.raises(ValidationFailed) as failure:
            publish(world, draft, valid_from=valid_from, adopted_on=adopted_on)
        assert field in failure.value.errors
        assert draft.is_draft


def test_the_paragraph_is_required(world):
    draft = services.draft_start(world.actor, world.sn)
    with pytest.raises(ValidationFailed) as failure:
        publish(world, draft, paragraph=" § ")
    assert "paragraph" in failure.value.errors


def test_the_earlier_version_ends_the_day_before_the_new_one_takes_effect(world):
    draft = services.draft_start(world.actor, world.sn)
    publish(world, draft, valid_from=date(2027, 1, 1))
    assert world.version.valid_to == date(2026, 12, 31)
    assert actions()[-2:] == ["scheme_version.end", "scheme_version.publish"]


def test_a_version_after_a_future_one_must_start_later_and_cuts_it_short(world):
    first = services.draft_start(world.actor, world.sn)
    publish(world, first, valid_from=date(2027, 1, 1))
    second = services.draft_start(world.actor, world.sn)
    assert second.based_on_id == first.id  # the latest adopted, not the one in force today
    with pytest.raises(ValidationFailed) as failure:
        publish(world, second, valid_from=date(2027, 1, 1))
    assert "valid_from" in failure.value.errors
    publish(world, second, valid_from=date(2027, 3, 1))
    assert first.valid_to == date(2027, 2, 28)
    assert world.version.valid_to == date(2026, 12, 31)


# Price base amounts.

def test_price_base_amount_is_added_then_changed_with_audit(world):
    services.price_base_amount_save(world.actor, year=2027, amount_ore=6_000_000, is_demo=True)
    item = services.price_base_amount_save(world.actor, year=2027, amount_ore=6_010_000)
    assert item.amount_ore == 6_010_000 and item.is_demo is False
    assert db.session.scalar(select(func.count()).where(PriceBaseAmount.year == 2027)) == 1
    assert actions()[-2:] == ["price_base_amount.create", "price_base_amount.update"]
    with pytest.raises(ValidationFailed):
        services.price_base_amount_save(world.actor, year=2027, amount_ore=0)


# Further delegation.

def further(world, **changes) -> FurtherDelegationInput:
    values = {"version_id": world.version.id, "rule_number": "1.2",
              "delegating_position_id": world.dept_head.id,
              "receiving_position_id": world.fee_officer.id, "starts_on": TODAY}
    return FurtherDelegationInput(**{**values, **changes})


def department_head(world):
    from portal.audit.services import Actor

    return Actor(world.david.id, "david", "department_head")


def test_a_department_head_passes_a_rule_on_within_its_limits(world):
    item = services.further_delegation_create(department_head(world), world.david.id,
                                              further(world, max_deferral_months=4))
    assert item.has_own_limits and item.max_deferral_months == 4
    assert actions()[-1] == "further_delegation.create"
    org = queries.org_snapshot()
    assert org.further_delegations_of(world.version.id, "1.2")[0].limits.max_deferral_months == 4


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"max_deferral_months": 7}, "rule"),  # looser than the rule's six months
        ({"rule_number": "1.1"}, "rule"),  # the rule does not allow further delegation
        ({"receiving_position_id": "chair"}, "receiving_position_id"),  # an elected position
        ({"starts_on": date(2026, 11, 22)}, "starts_on"),  # backdated
    ],
)
def test_further_delegation_beyond_what_the_rule_allows_is_refused(world, changes, field):
    if changes.get("receiving_position_id") == "chair":
        changes = {"receiving_position_id": world.chair.id}
    with pytest.raises(ValidationFailed) as failure:
        services.further_delegation_create(department_head(world), world.david.id, further(world, **changes))
    assert field in failure.value.errors
    assert db.session.scalar(select(func.count()).select_from(FurtherDelegation)) == 0


def test_only_the_holder_of_the_delegating_position_passes_a_rule_on(world):
    with pytest.raises(ValidationFailed) as failure:
        services.further_delegation_create(department_head(world), world.anna.id, further(world))
    assert "delegating_position_id" in failure.value.errors


def test_a_further_delegation_is_ended_today_at_the_earliest(world):
    item = services.further_delegation_create(department_head(world), world.david.id, further(world))
    with pytest.raises(ValidationFailed):
        services.further_delegation_end(department_head(world), world.david.id, item,
                                        ends_on=date(2026, 11, 22))
    services.further_delegation_end(department_head(world), world.david.id, item, ends_on=TODAY)
    assert item.ends_on == TODAY and actions()[-1] == "further_delegation.end"
