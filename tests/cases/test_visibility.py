"""Who sees which case, and who may declare jäv in it (RULINGS 10; README "Vem ser vad")."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal import access
from portal.auth.roles import Role
from portal.cases import queries, services
from portal.cases.rules import Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org.models import Appointment, PositionKind
from tests import factories


def _case(world, unit=None, new_due=date(2026, 12, 31), submit=True):
    officer = world.actor(world.officer, "case_officer")
    invoice = factories.invoice(world.customer, unit or world.unit, world.category, due_date=date(2026, 10, 31))
    case = services.case_create(officer, customer=world.customer, case_type=CaseType.DEFERRAL,
                                invoice_ids=[invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    services.case_update(officer, case, invoice_ids=[invoice.id], terms=TermsInput(new_due_date=new_due),
                         reasons="Sjukdom.")
    if submit:
        services.case_submit(officer, case)
    return case


def _sees(user, case) -> bool:
    return access.allowed(user, access.VIEW_CASE, case)


def _listed(user) -> set[int]:
    return {c.id for c in queries.case_page(queries.CaseFilters(), user).cases}


def test_a_unit_head_sees_their_own_units_cases_and_nothing_else_of_the_committee(app, world):
    norr, syd = _case(world), _case(world, world.other_unit)
    assert _sees(world.unit_head, norr) and not _sees(world.unit_head, syd)
    assert _listed(world.unit_head) == {norr.id}
    assert _listed(world.other_head) == {syd.id}
    page = queries.case_page(queries.CaseFilters(), world.other_head)
    assert page.total == 1  # the count is filtered by the same condition, not only the rows


def test_a_department_head_sees_every_unit_of_the_department(app, world):
    norr, syd = _case(world), _case(world, world.other_unit)
    assert _listed(world.department_head) == {norr.id, syd.id}


def test_a_stand_in_sees_the_cases_of_the_position_they_stand_in_for(app, world, make):
    syd = _case(world, world.other_unit)
    assert not _sees(world.unit_head, syd)
    make.absence(world.other_head, date(2026, 11, 20), date(2026, 11, 30), standin=world.unit_head)
    assert _sees(world.unit_head, syd) and syd.id in _listed(world.unit_head)


def test_the_decider_keeps_sight_of_what_they_decided_after_leaving_the_position(app, world, frozen_clock):
    case = _case(world)
    services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    services.case_decide(world.actor(world.unit_head), case, services.DecisionInput(
        Outcome.GRANTED, "Skäl finns.", no_conflict_confirmed=True))
    for appointment in db.session.scalars(db.select(Appointment).where(Appointment.user_id == world.unit_head.id)):
        appointment.ends_on = date(2026, 11, 30)
    db.session.flush()
    frozen_clock.set(datetime(2026, 12, 5, 10, 0, tzinfo=UTC))
    other = _case(world)
    assert _sees(world.unit_head, case) and not _sees(world.unit_head, other)
    assert _listed(world.unit_head) == {case.id}


def test_municipality_wide_readers_see_every_case_and_system_roles_alone_give_none(app, world, make):
    syd = _case(world, world.other_unit)
    for role in (Role.CASE_OFFICER, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR, Role.AUDITOR):
        assert _sees(make.user(None, role), syd), role
    for role in (Role.ADMINISTRATOR, Role.COMMITTEE_SECRETARY):
        reader = make.user(None, role)
        assert not _sees(reader, syd) and not access.allowed(reader, access.LIST_CASES), role
    member = make.user()
    make.appointment(member, make.position(world.committee, PositionKind.MEMBER))
    assert not _sees(member, syd) and not access.allowed(member, access.LIST_CASES)


def test_an_identity_number_finds_a_case_only_for_those_who_see_it_in_full(app, world, make):
    case = _case(world)
    number = world.customer.identity.formatted()
    officer_finds = queries.case_page(queries.CaseFilters(q=number), world.officer)
    assert [c.id for c in officer_finds.cases] == [case.id]
    auditor = make.user(None, Role.AUDITOR)  # reads the case, sees the number masked: cannot probe it
    assert queries.case_page(queries.CaseFilters(q=number), auditor).total == 0
    assert queries.case_page(queries.CaseFilters(q=world.customer.name), auditor).total == 1
    assert queries.case_page(queries.CaseFilters(q=number), world.unit_head).total == 0


def test_a_protected_identitys_number_finds_nothing_even_for_the_case_officer(app, world):
    world.customer.protected_identity = True
    _case(world)
    page = queries.case_page(queries.CaseFilters(q=world.customer.identity_number), world.officer)
    assert page.total == 0


def test_the_case_page_404s_nothing_and_403s_a_head_of_another_unit(client, world):
    case = _case(world)
    db.session.commit()
    client.login("chef.syd")
    assert client.get(f"/arenden/{case.id}").status_code == 403
    page = client.post_form("/arenden/", {"q": world.customer.name}, follow_redirects=True).get_data(as_text=True)
    assert "0 ärenden" in page


# --- jäv ---------------------------------------------------------------------------------------------

def _declare(world, user, case):
    return services.conflict_declare(world.actor(user), case, "Släkt med kunden.")


def test_those_who_could_act_on_the_case_declare_jav(app, world, make):
    case = _case(world)
    chair = make.user("ordf")
    make.appointment(chair, make.position(world.committee, PositionKind.CHAIR))
    for person in (world.unit_head, world.officer, world.finance, chair):
        assert _declare(world, person, case).user_id == person.id


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMINISTRATOR, Role.COMMITTEE_SECRETARY, Role.FINANCE_DIRECTOR])
def test_jav_is_refused_to_those_who_never_act_on_the_case(app, world, make, role):
    case = _case(world)
    outsider = make.user(None, role)
    with pytest.raises(ValidationFailed) as refused:
        _declare(world, outsider, case)
    assert "jäv" in refused.value.errors["note"]
    assert not case.conflicts


def test_jav_is_refused_to_the_head_of_another_unit_and_another_committees_member(app, world, make):
    case = _case(world)
    other = make.committee("BUN")
    member = make.user()
    make.appointment(member, make.position(other, PositionKind.MEMBER))
    for person in (world.other_head, member):
        with pytest.raises(ValidationFailed):
            _declare(world, person, case)


def test_the_jav_button_and_route_are_only_for_those_who_could_act(client, world, make):
    case = _case(world)
    make.user("revisor", Role.AUDITOR)
    db.session.commit()
    client.login("revisor")
    assert "Anmäl jäv" not in client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert client.post_form(f"/arenden/{case.id}/jav", {"note": "x"}).status_code == 403
    client.post_form("/logga-ut")
    client.login("chef.norr")
    assert "Anmäl jäv" in client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert client.post_form(f"/arenden/{case.id}/jav", {"note": "Släkt."}).status_code == 303


# --- what a decider sees of the customer's other debts -------------------------------------------

def test_a_decider_sees_the_committees_own_debts_in_detail_and_other_committees_as_one_total(client, world, make):
    case = _case(world)
    own = factories.invoice(world.customer, world.other_unit, world.category, number="SN-EGEN-1",
                            due_date=date(2026, 9, 30), original_ore=45_600)
    bun = make.committee("BUN", "Barn- och utbildningsnämnden")
    preschool = make.unit(bun, name="Förskolan Hemlig")
    for number, amount in (("BUN-HEMLIG-1", 70_000), ("BUN-HEMLIG-2", 7_777)):
        factories.invoice(world.customer, preschool, world.category, number=number, original_ore=amount)
    factories.invoice(world.customer, preschool, world.category, number="BUN-BETALD", original_ore=99_900,
                      open_ore=0, stage="paid")
    db.session.commit()
    client.login("chef.norr")
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert own.invoice_number in page and "Hemtjänst Syd" in page
    assert "777,77" in page  # 700,00 + 77,77: one total, the paid invoice not counted
    assert "BUN-HEMLIG" not in page and "Förskolan Hemlig" not in page and "BUN-BETALD" not in page
    assert f"/kunder/{world.customer.id}" not in page  # no customer page for a unit head: no link to one
