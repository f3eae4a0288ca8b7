"""The demo municipality, modelled on the seed documents: organisation, people, absences, schemes,
ledger."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal import clock
from portal.audit.services import SYSTEM
from portal.auth import services as auth_services
from portal.auth.models import User
from portal.auth.roles import Role
from portal.demo.cases_seed import seed_cases
from portal.demo.delegation_seed import seed_delegation
from portal.demo.history import seed_month_ends
from portal.demo.ledger import DEMO_LEDGER_INVOICES, seed_receivables
from portal.extensions import db
from portal.org import services as org
from portal.org.models import Absence, Appointment, Committee, OrgUnit, Position, PositionKind

DEMO_PASSWORD = "demo-losen-2026"

# (code, name, parent code, department, [(unit name, code)])
COMMITTEES = [
    ("KS", "Kommunstyrelsen", None, ("Kommunledningsförvaltningen", "1000"),
     [("Ekonomiavdelningen", "1100"), ("Kansliavdelningen", "1200")]),
    ("SN", "Socialnämnden", None, ("Socialförvaltningen", "3000"),
     [("Hemtjänst Norr", "3110"), ("Hemtjänst Syd", "3120"), ("LSS", "3200"),
      ("Individ- och familjeomsorg", "3300"), ("Avgiftsenheten", "3900")]),
    ("SNAU", "Socialnämndens arbetsutskott", "SN", None, []),
    ("BUN", "Barn- och utbildningsnämnden", None, ("Barn- och utbildningsförvaltningen", "4000"),
     [("Förskolor Centrum", "4110"), ("Förskolor Väster", "4120")]),
    ("TN", "Tekniska nämnden", None, ("Samhällsbyggnadsförvaltningen", "5000"),
     [("VA", "5100"), ("Fastigheter", "5200")]),
    ("KFN", "Kultur- och fritidsnämnden", None, ("Kultur- och fritidsförvaltningen", "6000"),
     [("Bibliotek", "6100"), ("Fritid", "6200")]),
]

# The demo users a tester logs in as: (username, name, roles, (committee, position title, kind, unit))
PEOPLE = [
    ("admin", "Alva Andersson", {Role.ADMINISTRATOR}, None),
    ("ekonomichef", "Eva Ekström", {Role.FINANCE_DIRECTOR},
     ("KS", "Ekonomichef", PositionKind.FINANCE_DIRECTOR, "Ekonomiavdelningen")),
    ("ekonom", "Erik Eklund", {Role.FINANCE_OFFICER}, None),
    ("handlaggare", "Hanna Holm", {Role.CASE_OFFICER},
     ("SN", "Avgiftshandläggare", PositionKind.FEE_OFFICER, "Avgiftsenheten")),
    ("sekreterare", "Siv Sundberg", {Role.COMMITTEE_SECRETARY},
     ("SN", "Nämndsekreterare socialnämnden", PositionKind.COMMITTEE_SECRETARY, "Socialförvaltningen")),
    ("revisor", "Rune Rask", {Role.AUDITOR}, None),
    ("socialchef", "Sofia Strand", set(),
     ("SN", "Socialchef", PositionKind.DEPARTMENT_HEAD, "Socialförvaltningen")),
    ("chef.norr", "Nils Norberg", set(),
     ("SN", "Enhetschef Hemtjänst Norr", PositionKind.UNIT_HEAD, "Hemtjänst Norr")),
    ("chef.syd", "Sara Sjöberg", set(),
     ("SN", "Enhetschef Hemtjänst Syd", PositionKind.UNIT_HEAD, "Hemtjänst Syd")),
    ("chef.lss", "Lars Lindqvist", set(), ("SN", "Enhetschef LSS", PositionKind.UNIT_HEAD, "LSS")),
    ("chef.ifo", "Ingrid Falk", set(),
     ("SN", "Enhetschef Individ- och familjeomsorg", PositionKind.UNIT_HEAD, "Individ- och familjeomsorg")),
    ("chef.avgift", "Anders Berg", set(),
     ("SN", "Enhetschef Avgiftsenheten", PositionKind.UNIT_HEAD, "Avgiftsenheten")),
    ("kommundirektor", "Karin Dahl", set(),
     ("KS", "Kommundirektör", PositionKind.DEPARTMENT_HEAD, "Kommunledningsförvaltningen")),
    ("bu.chef", "Björn Ullman", set(),
     ("BUN", "Barn- och utbildningschef", PositionKind.DEPARTMENT_HEAD, "Barn- och utbildningsförvaltningen")),
    ("chef.forskola", "Frida Öberg", set(),
     ("BUN", "Förskolechef Centrum", PositionKind.UNIT_HEAD, "Förskolor Centrum")),
    ("chef.forskola.vaster", "Viktor Åkesson", set(),
     ("BUN", "Förskolechef Väster", PositionKind.UNIT_HEAD, "Förskolor Väster")),
    ("samhallschef", "Tomas Tell", set(),
     ("TN", "Samhällsbyggnadschef", PositionKind.DEPARTMENT_HEAD, "Samhällsbyggnadsförvaltningen")),
    ("chef.va", "Vera Vall", set(), ("TN", "VA-chef", PositionKind.UNIT_HEAD, "VA")),
    ("chef.fastighet", "Fredrik Frost", set(),
     ("TN", "Fastighetschef", PositionKind.UNIT_HEAD, "Fastigheter")),
    ("kulturchef", "Klara Kvist", set(),
     ("KFN", "Kultur- och fritidschef", PositionKind.DEPARTMENT_HEAD, "Kultur- och fritidsförvaltningen")),
]

# Elected members per committee: (committee, kind, title, username, name)
ELECTED = [
    ("KS", PositionKind.CHAIR, "Ordförande kommunstyrelsen", "ordf.ks", "Per Persson"),
    ("KS", PositionKind.VICE_CHAIR, "Vice ordförande kommunstyrelsen", "vordf.ks", "Maria Månsson"),
    ("KS", PositionKind.MEMBER, "Ledamot kommunstyrelsen", "ledamot.ks", "Ali Hassan"),
    ("SN", PositionKind.CHAIR, "Ordförande socialnämnden", "ordf.sn", "Olle Olsson"),
    ("SN", PositionKind.VICE_CHAIR, "Vice ordförande socialnämnden", "vordf.sn", "Britt Bengtsson"),
    ("SN", PositionKind.MEMBER, "Ledamot socialnämnden", "ledamot.sn", "Lena Lund"),
    ("SN", PositionKind.DEPUTY_MEMBER, "Ersättare socialnämnden", "ersattare.sn", "Emir Begić"),
    ("SNAU", PositionKind.CHAIR, "Ordförande socialnämndens arbetsutskott", "ordf.sn", "Olle Olsson"),
    ("SNAU", PositionKind.MEMBER, "Ledamot socialnämndens arbetsutskott", "vordf.sn", "Britt Bengtsson"),
    ("BUN", PositionKind.CHAIR, "Ordförande barn- och utbildningsnämnden", "ordf.bun", "Gunilla Gran"),
    ("BUN", PositionKind.MEMBER, "Ledamot barn- och utbildningsnämnden", "ledamot.bun", "Johan Jansson"),
    ("TN", PositionKind.CHAIR, "Ordförande tekniska nämnden", "ordf.tn", "Håkan Hed"),
    ("TN", PositionKind.MEMBER, "Ledamot tekniska nämnden", "ledamot.tn", "Nora Nyström"),
    ("KFN", PositionKind.CHAIR, "Ordförande kultur- och fritidsnämnden", "ordf.kfn", "Cecilia Carlsson"),
    ("KFN", PositionKind.MEMBER, "Ledamot kultur- och fritidsnämnden", "ledamot.kfn", "Omar Said"),
]

# Standing stand-ins between positions: (position title, stands in as title)
STANDING_STANDINS = [
    ("Enhetschef Hemtjänst Norr", "Enhetschef Hemtjänst Syd"),
    ("Enhetschef Hemtjänst Syd", "Enhetschef Hemtjänst Norr"),
    ("Enhetschef LSS", "Enhetschef Individ- och familjeomsorg"),
    ("Enhetschef Individ- och familjeomsorg", "Enhetschef LSS"),
    ("Förskolechef Centrum", "Förskolechef Väster"),
    ("Förskolechef Väster", "Förskolechef Centrum"),
    ("Enhetschef Avgiftsenheten", "Socialchef"),
]


def _one(query):
    return db.session.scalars(query.limit(1)).first()


def _user(username: str, name: str, roles: set[Role]) -> User:
    user = _one(select(User).where(User.username == username))
    if user is None:
        user = auth_services.user_create(
            SYSTEM, username=username, full_name=name, email=f"{username}@demo.example",
            password=DEMO_PASSWORD, roles=roles,
        )
    return user


def _committee(code: str, name: str, parent: Committee | None) -> Committee:
    committee = _one(select(Committee).where(Committee.code == code))
    return committee or org.committee_save(
        SYSTEM, None, name=name, code=code, parent_id=parent.id if parent else None
    )


def _unit(name: str, kind: str, code: str, parent: OrgUnit | None, committee: Committee) -> OrgUnit:
    unit = _one(select(OrgUnit).where(OrgUnit.code == code))
    return unit or org.unit_save(
        SYSTEM, None, name=name, kind=kind, code=code,
        parent_id=parent.id if parent else None, committee_id=committee.id,
    )


def _position(title: str, kind: PositionKind, committee: Committee, unit: OrgUnit | None) -> Position:
    position = _one(select(Position).where(Position.title == title, Position.committee_id == committee.id))
    return position or org.position_save(
        SYSTEM, None, title=title, kind=kind.value, committee_id=committee.id,
        org_unit_id=unit.id if unit else None, standing_standin_position_id=None,
    )


def _appoint(user: User, position: Position, years_back: int) -> None:
    exists = _one(select(Appointment).where(
        Appointment.user_id == user.id, Appointment.position_id == position.id))
    if exists is None:
        start = date(clock.today().year - years_back, 1, 1)
        org.appointment_save(SYSTEM, None, user_id=user.id, position_id=position.id,
                             starts_on=start, ends_on=None)


def seed_demo(ledger_invoices: int = DEMO_LEDGER_INVOICES) -> str:
    """Create what is missing of the demo municipality; existing rows are left as they are.

    `ledger_invoices` is the size of the generated demo ledger, loaded once (see
    portal.demo.ledger); later runs leave the ledger as it is.
    """
    municipality = org.municipality_get()
    if not municipality.name:
        org.municipality_update(SYSTEM, name="Demokommun (demodata)", organisation_number="212000-0000")

    committees: dict[str, Committee] = {}
    units: dict[str, OrgUnit] = {}
    for code, name, parent_code, department, unit_list in COMMITTEES:
        committee = _committee(code, name, committees.get(parent_code) if parent_code else None)
        committees[code] = committee
        if department:
            dept = _unit(department[0], "department", department[1], None, committee)
            units[dept.name] = dept
            for unit_name, unit_code in unit_list:
                units[unit_name] = _unit(unit_name, "unit", unit_code, dept, committee)

    positions: dict[str, Position] = {}
    for username, name, roles, post in PEOPLE:
        user = _user(username, name, roles)
        if post:
            code, title, kind, unit_name = post
            positions[title] = _position(title, kind, committees[code], units[unit_name])
            _appoint(user, positions[title], years_back=2)
    for code, kind, title, username, name in ELECTED:
        user = _user(username, name, set())
        positions[title] = _position(title, kind, committees[code], None)
        _appoint(user, positions[title], years_back=1)

    for title, standin_title in STANDING_STANDINS:
        position = positions[title]
        if position.standing_standin_position_id is None:
            org.position_save(
                SYSTEM, position, title=position.title, kind=position.kind,
                committee_id=position.committee_id, org_unit_id=position.org_unit_id,
                standing_standin_position_id=positions[standin_title].id,
            )

    # Today Sara Sjöberg (Hemtjänst Syd) is on leave and Nils Norberg is named to stand in;
    # Lars Lindqvist (LSS) is away with no named stand-in, so his standing stand-in covers.
    today = clock.today()
    for username, standin, days_before, days_after in (
        ("chef.syd", "chef.norr", 3, 10),
        ("chef.lss", None, 1, 4),
    ):
        user = _one(select(User).where(User.username == username))
        if _one(select(Absence).where(Absence.user_id == user.id, Absence.starts_on <= today,
                                      (Absence.ends_on.is_(None)) | (Absence.ends_on >= today))):
            continue
        standin_user = _one(select(User).where(User.username == standin)) if standin else None
        org.absence_save(
            SYSTEM, None, user_id=user.id, starts_on=today - timedelta(days=days_before),
            ends_on=today + timedelta(days=days_after),
            standin_user_id=standin_user.id if standin_user else None, note="Demodata",
        )
    db.session.flush()
    schemes = seed_delegation()
    ledger = seed_receivables(ledger_invoices)
    story = seed_cases()
    history = seed_month_ends()
    return (f"{len(committees)} committees, {len(units)} departments and units, "
            f"{len(positions)} positions, {schemes} delegation scheme versions; {ledger}; {story}; {history}; "
            f"demo password {DEMO_PASSWORD!r}")
