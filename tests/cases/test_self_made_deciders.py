"""No one makes themselves a decider (RULINGS 9): every path tried, then a decision attempted.

Each registration that would make its registering person a decider is held: the engine does not see
it, so the person cannot decide; a second person with the same right confirms it, and only then does
the decision go through. Every step is in the trail.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.roles import Role
from portal.cases import services as cases
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput
from portal.delegation import services as delegation
from portal.delegation.engine_types import CaseType
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org import confirmations
from portal.org import services as org
from portal.org.models import (
    Absence,
    Appointment,
    PendingRegistration,
    Position,
    PositionKind,
    RegistrationState,
)

TODAY = date(2026, 11, 23)


@pytest.fixture
def editors(make):
    return (make.user("ekonomichef", Role.FINANCE_DIRECTOR, full_name="Eva Ekström"),
            make.user("admin", Role.ADMINISTRATOR, full_name="Adam Admin"))


def _consulted(world):
    case = cases.case_create(world.actor(world.officer), customer=world.customer, case_type=CaseType.DEFERRAL,
                             invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    cases.case_update(world.actor(world.officer), case, invoice_ids=[world.invoice.id],
                      terms=TermsInput(new_due_date=date(2027, 1, 31)), reasons="Sjukdom.")
    cases.case_submit(world.actor(world.officer), case)
    cases.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    return case


def _decide(world, case, who):
    return cases.case_decide(world.actor(who), case, cases.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Skäl finns.", no_conflict_confirmed=True))


def _actions(object_type: str | None = None) -> list[str]:
    query = select(AuditEntry.action).order_by(AuditEntry.id)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    return list(db.session.scalars(query))


def _head_position(world) -> Position:
    return db.session.scalars(select(Position).where(Position.org_unit_id == world.unit.id,
                                                     Position.kind == "unit_head")).one()


def test_the_finance_director_appointing_herself_decides_only_after_a_second_editor_confirms(app, world, editors):
    director, admin = editors
    head = _head_position(world)
    held = org.appointment_save(world.actor(director, "finance_director"), None, user_id=director.id,
                                position_id=head.id, starts_on=TODAY, ends_on=None)
    assert isinstance(held, PendingRegistration) and held.state == RegistrationState.PENDING
    assert held.gained == [head.id]
    assert db.session.scalar(select(func.count()).select_from(Appointment)
                             .where(Appointment.user_id == director.id)) == 0
    case = _consulted(world)
    with pytest.raises(ValidationFailed):
        _decide(world, case, director)  # the engine does not see a pending registration
    assert case.state == CaseState.AWAITING_DECISION

    appointment = confirmations.confirm(world.actor(admin, "administrator"), held)
    assert isinstance(appointment, Appointment) and appointment.user_id == director.id
    assert (held.state, held.decided_by_id, held.result_id) == ("confirmed", admin.id, appointment.id)
    decision = _decide(world, case, director)
    assert decision.capacity == "holder"
    trail = _actions("pending_registration")
    assert trail == ["registration.hold", "registration.confirm"]
    created = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "appointment.create")).one()
    assert created.actor_id == admin.id


def test_the_registering_person_cannot_confirm_their_own_registration_and_the_attempt_is_recorded(app, world, editors):
    director, _admin = editors
    held = org.appointment_save(world.actor(director, "finance_director"), None, user_id=director.id,
                                position_id=_head_position(world).id, starts_on=TODAY, ends_on=None)
    with pytest.raises(confirmations.OwnRegistration) as refused:
        confirmations.confirm(world.actor(director, "finance_director"), held)
    assert "en annan person" in refused.value.errors["registration"]
    assert held.state == RegistrationState.PENDING
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "registration.confirm_refused")).one()
    assert entry.actor_id == director.id and entry.after["reason"] == "own_registration"


def test_an_administrator_naming_himself_stand_in_for_an_absent_holder_waits(app, world, editors):
    director, admin = editors
    held = org.absence_save(world.actor(admin, "administrator"), None, user_id=world.unit_head.id,
                            starts_on=TODAY, ends_on=date(2026, 11, 30), standin_user_id=admin.id, note=None)
    assert isinstance(held, PendingRegistration)
    assert db.session.scalar(select(func.count()).select_from(Absence)) == 0
    case = _consulted(world)
    with pytest.raises(ValidationFailed):
        _decide(world, case, admin)

    confirmations.confirm(world.actor(director, "finance_director"), held)
    decision = _decide(world, case, admin)
    assert decision.capacity == "standin" and decision.standin_for_id == world.unit_head.id


def test_an_absence_naming_someone_else_takes_effect_at_once(app, world, editors):
    _director, admin = editors
    absence = org.absence_save(world.actor(admin, "administrator"), None, user_id=world.unit_head.id,
                               starts_on=TODAY, ends_on=None, standin_user_id=world.other_head.id, note=None)
    assert isinstance(absence, Absence) and absence.id is not None
    assert _actions("pending_registration") == []


def test_changing_an_absence_to_name_oneself_waits_and_keeps_the_absence_as_it_was(app, world, editors, make):
    _director, admin = editors
    absence = make.absence(world.unit_head, TODAY, date(2026, 11, 30), standin=world.other_head)
    held = org.absence_save(world.actor(admin, "administrator"), absence, user_id=world.unit_head.id,
                            starts_on=TODAY, ends_on=date(2026, 11, 30), standin_user_id=admin.id, note=None)
    assert isinstance(held, PendingRegistration) and held.object_id == absence.id
    db.session.refresh(absence)
    assert absence.standin_user_id == world.other_head.id


def test_a_standing_stand_in_set_to_ones_own_position_waits(app, world, editors, make):
    director, admin = editors
    controller = make.position(world.committee, PositionKind.FEE_OFFICER, world.unit, title="Controller")
    make.appointment(director, controller)
    head = _head_position(world)
    values = dict(title=head.title, kind=head.kind, committee_id=head.committee_id,
                  org_unit_id=head.org_unit_id, standing_standin_position_id=controller.id)
    held = org.position_save(world.actor(director, "finance_director"), head, **values)
    assert isinstance(held, PendingRegistration) and held.gained == [head.id]
    db.session.refresh(head)
    assert head.standing_standin_position_id is None
    make.absence(world.unit_head, TODAY, date(2026, 11, 30))  # registered by someone else
    case = _consulted(world)
    with pytest.raises(ValidationFailed):
        _decide(world, case, director)

    confirmations.confirm(world.actor(admin, "administrator"), held)
    assert head.standing_standin_position_id == controller.id
    assert _decide(world, case, director).capacity == "standin"


def test_a_new_position_whose_standing_stand_in_is_ones_own_waits_whole(app, world, editors, make):
    director, _admin = editors
    controller = make.position(world.committee, PositionKind.FEE_OFFICER, world.unit, title="Controller")
    make.appointment(director, controller)
    held = org.position_save(world.actor(director, "finance_director"), None, title="Enhetschef Ny",
                             kind="unit_head", committee_id=world.committee.id, org_unit_id=world.unit.id,
                             standing_standin_position_id=controller.id)
    assert isinstance(held, PendingRegistration) and held.object_id is None
    assert db.session.scalar(select(func.count()).select_from(Position)
                             .where(Position.title == "Enhetschef Ny")) == 0


def test_a_confirmation_that_would_make_the_confirming_person_a_decider_needs_a_third(app, world, editors, make):
    director, admin = editors
    third = make.user("admin2", Role.ADMINISTRATOR)
    shared = make.position(world.committee, PositionKind.FEE_OFFICER, world.unit, title="Controller")
    make.appointment(director, shared)
    make.appointment(admin, shared)
    head = _head_position(world)
    held = org.position_save(world.actor(director, "finance_director"), head, title=head.title, kind=head.kind,
                             committee_id=head.committee_id, org_unit_id=head.org_unit_id,
                             standing_standin_position_id=shared.id)
    with pytest.raises(ValidationFailed) as refused:
        confirmations.confirm(world.actor(admin, "administrator"), held)
    assert "tredje" in refused.value.errors["registration"]
    db.session.refresh(held)
    assert held.state == RegistrationState.PENDING
    confirmations.confirm(world.actor(third, "administrator"), held)
    assert held.state == RegistrationState.CONFIRMED


def test_a_further_delegation_to_a_position_the_department_head_holds_waits_for_another_holder(
        app, world, editors, make):
    director, _admin = editors
    rule = next(r for r in world.version.rules if r.number == "1.2")
    rule.allows_further_delegation = True
    dept = db.session.scalars(select(Position).where(Position.kind == "department_head")).one()
    head = _head_position(world)
    make.appointment(world.department_head, head, TODAY)  # acting unit head as well
    values = delegation.FurtherDelegationInput(version_id=world.version.id, rule_number="1.2",
                                               delegating_position_id=dept.id, receiving_position_id=head.id,
                                               starts_on=TODAY)
    held = delegation.further_delegation_create(world.actor(world.department_head), world.department_head.id, values)
    assert isinstance(held, PendingRegistration) and held.confirming_position_id == dept.id
    assert not confirmations.has_same_right(director, held)  # an editor has not the department head's right
    with pytest.raises(confirmations.OwnRegistration):
        confirmations.confirm(world.actor(world.department_head), held)

    deputy = make.user("bitr.socialchef")
    make.appointment(deputy, dept, TODAY)
    assert confirmations.has_same_right(deputy, held)
    item = confirmations.confirm(world.actor(deputy), held)
    assert (item.delegating_position_id, item.receiving_position_id, item.rule_number) == (dept.id, head.id, "1.2")


def test_a_further_delegation_to_someone_elses_position_takes_effect_at_once(app, world):
    rule = next(r for r in world.version.rules if r.number == "1.2")
    rule.allows_further_delegation = True
    dept = db.session.scalars(select(Position).where(Position.kind == "department_head")).one()
    values = delegation.FurtherDelegationInput(version_id=world.version.id, rule_number="1.2",
                                               delegating_position_id=dept.id,
                                               receiving_position_id=_head_position(world).id, starts_on=TODAY)
    item = delegation.further_delegation_create(world.actor(world.department_head), world.department_head.id, values)
    assert not isinstance(item, PendingRegistration) and item.id is not None


def test_refused_and_withdrawn_registrations_never_take_effect(app, world, editors):
    director, admin = editors
    head = _head_position(world)
    first = org.appointment_save(world.actor(director, "finance_director"), None, user_id=director.id,
                                 position_id=head.id, starts_on=TODAY, ends_on=None)
    with pytest.raises(ValidationFailed):
        confirmations.refuse(world.actor(director, "finance_director"), first)  # own: withdraw instead
    confirmations.refuse(world.actor(admin, "administrator"), first)
    assert first.state == RegistrationState.REFUSED
    with pytest.raises(ValidationFailed):
        confirmations.confirm(world.actor(admin, "administrator"), first)
    second = org.appointment_save(world.actor(director, "finance_director"), None, user_id=director.id,
                                  position_id=head.id, starts_on=TODAY, ends_on=None)
    confirmations.withdraw(world.actor(director, "finance_director"), second)
    assert second.state == RegistrationState.WITHDRAWN
    assert db.session.scalar(select(func.count()).select_from(Appointment)
                             .where(Appointment.user_id == director.id)) == 0
    assert _actions("pending_registration") == ["registration.hold", "registration.refuse",
                                                 "registration.hold", "registration.withdraw"]


def test_a_system_role_alone_never_gives_a_right_to_decide(app, world, make):
    everything = make.user("allt", *Role, full_name="Alla Roller")
    case = _consulted(world)
    with pytest.raises(ValidationFailed):
        _decide(world, case, everything)
    assert case.state == CaseState.AWAITING_DECISION


def test_who_sees_which_registrations(app, world, editors, make):
    director, admin = editors
    own = org.appointment_save(world.actor(director, "finance_director"), None, user_id=director.id,
                               position_id=_head_position(world).id, starts_on=TODAY, ends_on=None)
    assert confirmations.registrations_in_sight(admin) == [own]
    assert confirmations.registrations_in_sight(director) == [own]  # to withdraw it
    assert confirmations.may_refuse(admin, own) and not confirmations.may_refuse(director, own)
    assert confirmations.registrations_in_sight(world.officer) == []
    assert confirmations.registrations_in_sight(world.department_head) == []


def test_publishing_a_scheme_that_names_the_publishers_own_position_is_allowed_and_audited(app, world, editors):
    director, _admin = editors
    head = _head_position(world)
    db.session.add(Appointment(user_id=director.id, position_id=head.id, starts_on=date(2024, 1, 1)))
    draft = delegation.draft_start(world.actor(director, "finance_director"), world.committee)
    version = delegation.version_publish(world.actor(director, "finance_director"), draft,
                                         adopted_on=TODAY, paragraph="12", valid_from=date(2026, 12, 1))
    assert version.is_published
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "scheme_version.publish_names_own_position")).one()
    assert head.id in entry.after["position_ids"] and entry.after["adoption_reference"] == "SN 2026-11-23 § 12"


def test_publishing_a_scheme_that_names_none_of_ones_positions_has_no_such_entry(app, world, editors):
    director, _admin = editors
    draft = delegation.draft_start(world.actor(director, "finance_director"), world.committee)
    delegation.version_publish(world.actor(director, "finance_director"), draft,
                               adopted_on=TODAY, paragraph="12", valid_from=date(2026, 12, 1))
    assert "scheme_version.publish_names_own_position" not in _actions()
