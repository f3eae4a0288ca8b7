"""A further delegation to a position the department head holds too waits for another holder of the
delegating position, through the page; its own limits survive the wait (RULINGS 9)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from sqlalchemy import func, select

from portal.delegation.models import FurtherDelegation
from portal.extensions import db
from portal.org import confirmations
from portal.org.models import PendingRegistration

HTMX = {"HX-Request": "true"}
HELD = "väntar på att en annan person med samma behörighet bekräftar den"


def test_passing_a_rule_on_to_ones_own_other_position_waits_and_keeps_its_limits(client, world, make):
    make.appointment(world.david, world.fee_officer, date(2026, 1, 1))  # the department head is also fee officer
    client.login("david")
    assert HELD not in client.get("/delegation/vidaredelegering").get_data(as_text=True)
    response = client.post_form("/delegation/vidaredelegering", {
        "rule": f"{world.version.id}:{world.dept_head.id}:1.2",
        "receiving_position_id": world.fee_officer.id, "starts_on": "2026-11-23",
        "max_deferral_months": "4", "max_amount_pbb": "1/4", "amount_basis": "case",
        "customer_kind": ""}, headers=HTMX)
    assert response.status_code == 200 and HELD in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(FurtherDelegation)) == 0
    held = db.session.scalars(select(PendingRegistration)).one()
    assert held.confirming_position_id == world.dept_head.id
    assert "Registreringar att bekräfta" in client.get("/organisation/bekraftelser").get_data(as_text=True)

    deputy = make.user("bitr.socialchef", full_name="Bo Bitr")
    make.appointment(deputy, world.dept_head, date(2026, 11, 1))
    other = client.application.test_client()
    other.login("bitr.socialchef")
    page = other.get("/organisation/bekraftelser").get_data(as_text=True)
    assert "Vidaredelegering" in page and "Avgiftshandläggare" in page
    assert other.post_form(f"/organisation/bekraftelser/{held.id}/bekrafta").status_code == 303
    db.session.expire_all()
    item = db.session.scalars(select(FurtherDelegation)).one()
    assert item.max_deferral_months == 4 and item.limits().max_amount_pbb == Fraction(1, 4)
    assert item.created_by_id == deputy.id
    assert not confirmations.registrations_in_sight(world.director)
