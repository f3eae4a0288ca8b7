"""A small Socialnämnden with a published scheme, people in place and a customer with invoices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from portal.audit.services import Actor
from portal.auth.roles import Role
from portal.org.models import PositionKind


@dataclass
class World:
    committee: object
    unit: object
    other_unit: object
    economy: object
    version: object
    customer: object
    category: object
    invoice: object
    officer: object
    unit_head: object
    other_head: object
    department_head: object
    finance: object
    outsider: object

    def actor(self, user, capacity: str | None = None) -> Actor:
        return Actor(user.id, user.username, capacity, "127.0.0.1")


@pytest.fixture
def world(make, frozen_clock):
    return build_world(make)


def build_world(make) -> World:
    """The organisation, scheme and customer the case tests share (dates as of 2026-11-23)."""
    ks = make.committee("KS", "Kommunstyrelsen")
    klf = make.unit(ks, name="Kommunledningsförvaltningen", kind="department")
    economy = make.unit(ks, name="Ekonomiavdelningen", parent=klf, code="1100")
    sn = make.committee("SN", "Socialnämnden")
    department = make.unit(sn, name="Socialförvaltningen", kind="department", code="3000")
    unit = make.unit(sn, name="Hemtjänst Norr", parent=department, code="3110")
    other_unit = make.unit(sn, name="Hemtjänst Syd", parent=department, code="3120")
    head_position = make.position(sn, PositionKind.UNIT_HEAD, unit, title="Enhetschef Hemtjänst Norr")
    other_position = make.position(sn, PositionKind.UNIT_HEAD, other_unit, title="Enhetschef Hemtjänst Syd")
    dept_position = make.position(sn, PositionKind.DEPARTMENT_HEAD, department, title="Socialchef")
    officer = make.user("handlaggare", Role.CASE_OFFICER, full_name="Hanna Holm")
    unit_head = make.user("chef.norr", full_name="Nils Norberg")
    other_head = make.user("chef.syd", full_name="Sara Sjöberg")
    department_head = make.user("socialchef", full_name="Sofia Strand")
    finance = make.user("ekonom", Role.FINANCE_OFFICER, full_name="Erik Eklund")
    outsider = make.user("utomstaende", Role.CASE_OFFICER, full_name="Otto Utom")
    make.appointment(unit_head, head_position)
    make.appointment(other_head, other_position)
    make.appointment(department_head, dept_position)

    make.price_base_amount(2026, 5_920_000)
    make.reference_rates()
    version = make.scheme_version(sn, valid_from=date(2026, 1, 1), adopted_on=date(2025, 12, 10))
    make.delegation_rule(version, "1.1", case_type="deferral", max_deferral_months=3,
                         consultation_unit_id=economy.id)
    make.delegation_rule(version, "1.2", case_type="deferral", level=2, position_kind="department_head",
                         scope="issuing_department", max_deferral_months=6, consultation_unit_id=economy.id)
    make.delegation_rule(version, "2.1", case_type="instalment_plan", max_plan_months=12,
                         max_amount_pbb_numerator=1, max_amount_pbb_denominator=2)
    make.delegation_rule(version, "2.2", case_type="instalment_plan", level=2, position_kind="department_head",
                         scope="issuing_department", max_plan_months=24)
    make.delegation_rule(version, "3.1", case_type="write_off", max_amount_ore=5_000_00,
                         amount_basis="twelve_months")
    make.delegation_rule(version, "4.1", case_type="credit")

    customer = make.customer("Åsa Öberg")
    category = make.category("HEMTJ", charges_interest=True, name="Hemtjänst")
    invoice = make.invoice(customer, unit, category, due_date=date(2026, 10, 31), original_ore=3_000_00)
    return World(sn, unit, other_unit, economy, version, customer, category, invoice, officer, unit_head,
                 other_head, department_head, finance, outsider)
