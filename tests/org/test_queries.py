"""Who holds what and who stands in, on a given day (dates inclusive, open ends until further notice)."""

from __future__ import annotations

from datetime import date

from portal.org import queries
from portal.org.models import PositionKind


def test_appointment_counts_on_its_first_and_last_day_only(app, make):
    position = make.position(make.committee())
    person = make.user()
    make.appointment(person, position, date(2026, 3, 1), date(2026, 3, 31))
    assert queries.appointments_on(person.id, date(2026, 2, 28)) == []
    assert len(queries.appointments_on(person.id, date(2026, 3, 1))) == 1
    assert len(queries.appointments_on(person.id, date(2026, 3, 31))) == 1
    assert queries.appointments_on(person.id, date(2026, 4, 1)) == []


def test_open_appointment_runs_until_further_notice(app, make):
    position = make.position(make.committee())
    person = make.user()
    make.appointment(person, position, date(2020, 1, 1), None)
    assert queries.holders_on([position.id], date(2099, 1, 1))[position.id] == [person]


def test_standin_named_on_the_absence_stands_in_for_every_position_of_the_absent(app, make):
    committee = make.committee()
    head, other = make.position(committee), make.position(committee)
    absent, standin = make.user(), make.user()
    make.appointment(absent, head)
    make.appointment(absent, other)
    make.absence(absent, date(2026, 11, 20), date(2026, 11, 27), standin=standin)
    duties = queries.standin_duties(standin.id, date(2026, 11, 23))
    assert {d.position.id for d in duties} == {head.id, other.id}
    assert all(d.basis == "named_on_absence" and d.absent_user == absent for d in duties)
    assert queries.standin_duties(standin.id, date(2026, 11, 28)) == []
    assert len(queries.standin_duties(standin.id, date(2026, 11, 27))) == 2


def test_standing_standin_covers_an_absence_without_a_named_standin(app, make):
    committee = make.committee()
    backup = make.position(committee)
    head = make.position(committee, standin=backup)
    holder, backup_holder = make.user(), make.user()
    make.appointment(holder, head)
    make.appointment(backup_holder, backup)
    make.absence(holder, date(2026, 11, 23), None)
    (duty,) = queries.standin_duties(backup_holder.id, date(2026, 11, 23))
    assert duty.position == head and duty.basis == "standing_standin"
    assert queries.standin_duties(backup_holder.id, date(2026, 11, 22)) == []


def test_named_standin_takes_precedence_over_the_standing_standin(app, make):
    committee = make.committee()
    backup = make.position(committee)
    head = make.position(committee, standin=backup)
    holder, backup_holder, named = make.user(), make.user(), make.user()
    make.appointment(holder, head)
    make.appointment(backup_holder, backup)
    make.absence(holder, date(2026, 11, 23), None, standin=named)
    assert queries.standin_duties(backup_holder.id, date(2026, 11, 23)) == []
    assert [d.position for d in queries.standin_duties(named.id, date(2026, 11, 23))] == [head]


def test_vacant_position_counts_as_absent(app, make):
    committee = make.committee()
    backup = make.position(committee)
    vacant = make.position(committee, standin=backup)
    backup_holder = make.user()
    make.appointment(backup_holder, backup)
    (duty,) = queries.standin_duties(backup_holder.id, date(2026, 11, 23))
    assert duty.position == vacant and duty.absent_user is None


def test_elected_positions_give_sight_of_the_committee_and_a_sub_committees_parent(app, make):
    main = make.committee("SN")
    sub = make.committee("SNAU", parent=main)
    other = make.committee("TN")
    member = make.user()
    make.appointment(member, make.position(sub, PositionKind.MEMBER))
    sight = queries.committee_ids_in_sight(member.id, date(2026, 11, 23))
    assert sight == {main.id, sub.id}
    assert other.id not in sight
