"""A small social committee in the database for the delegation pages and services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from portal.audit.services import Actor
from portal.auth.roles import Role
from portal.org.models import PositionKind


@dataclass
class World:
    sn: object
    ks: object
    au: object
    department: object
    north: object
    south: object
    economy: object
    head_north: object
    head_south: object
    dept_head: object
    fee_officer: object
    chair: object
    director: object
    anna: object
    sara: object
    david: object
    cecilia: object
    olle: object
    version: object

    @property
    def actor(self) -> Actor:
        return Actor(self.director.id, self.director.username, "finance_director")


@pytest.fixture
def world(make, frozen_clock) -> World:
    """SN with home care north and south, a department head, a chair and a sub-committee; KS with
    Ekonomiavdelningen; price base amounts 2024–2026; a published version in force since
    2026-01-01 with a deferral rule for the unit head (3 months) and one for the department head."""
    sn, ks = make.committee("SN", "Socialnämnden"), make.committee("KS", "Kommunstyrelsen")
    au = make.committee("SNAU", "Socialnämndens arbetsutskott", parent=sn)
    department = make.unit(sn, "Socialförvaltningen", kind="department")
    north = make.unit(sn, "Hemtjänst Norr", parent=department)
    south = make.unit(sn, "Hemtjänst Syd", parent=department)
    finance = make.unit(ks, "Kommunledningsförvaltningen", kind="department")
    economy = make.unit(ks, "Ekonomiavdelningen", parent=finance)
    dept_head = make.position(sn, PositionKind.DEPARTMENT_HEAD, department, "Socialchef")
    head_north = make.position(sn, PositionKind.UNIT_HEAD, north, "Enhetschef Hemtjänst Norr")
    head_south = make.position(sn, PositionKind.UNIT_HEAD, south, "Enhetschef Hemtjänst Syd",
                               standin=head_north)
    fee_officer = make.position(sn, PositionKind.FEE_OFFICER, north, "Avgiftshandläggare")
    chair = make.position(sn, PositionKind.CHAIR, title="Ordförande SN")
    director = make.user("director", Role.FINANCE_DIRECTOR, full_name="Eva Ekström")
    people = {}
    for username, name, position in (
        ("anna", "Anna Norberg", head_north), ("sara", "Sara Sjöberg", head_south),
        ("david", "David Strand", dept_head), ("cecilia", "Cecilia Holm", fee_officer),
        ("olle", "Olle Olsson", chair),
    ):
        people[username] = make.user(username, full_name=name)
        make.appointment(people[username], position, date(2024, 1, 1))
    for year, amount in ((2024, 5_730_000), (2025, 5_880_000), (2026, 5_920_000)):
        make.price_base_amount(year, amount)
    version = make.scheme_version(sn, valid_from=date(2026, 1, 1), adopted_on=date(2025, 12, 10))
    make.delegation_rule(version, "1.1", max_deferral_months=3, consultation_unit_id=economy.id)
    make.delegation_rule(version, "1.2", level=2, position_kind="department_head",
                         scope="issuing_department", max_deferral_months=6,
                         allows_further_delegation=True)
    return World(sn, ks, au, department, north, south, economy, head_north, head_south, dept_head,
                 fee_officer, chair, director, people["anna"], people["sara"], people["david"],
                 people["cecilia"], people["olle"], version)
