"""The demo's cases: something waiting for every persona at once (README "Demo users").

Made through the same services as the pages, as the people who would do each step, on the story
customers of the demo ledger (portal/demo/ledger.py STORY_CUSTOMERS). Loaded once: a second run
finds the first story case and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.audit.services import Actor
from portal.auth.models import User
from portal.cases import services as cases
from portal.cases.models import Case
from portal.cases.rules import Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.demo.ledger import STORY_CUSTOMERS
from portal.extensions import db
from portal.meetings import services as meetings
from portal.org.models import Committee
from portal.receivables.models import Customer, Invoice

MARK = "(demoärende)"  # at the end of every story case's reasons


def _actor(username: str, capacity: str | None) -> Actor:
    user = db.session.scalars(select(User).where(User.username == username)).one()
    return Actor(user.id, user.username, capacity, None)


def _case(officer: Actor, customer_name: str, case_type: CaseType, terms: TermsInput, reasons: str) -> Case | None:
    customer = db.session.scalars(select(Customer).where(Customer.name == customer_name)).first()
    if customer is None:
        return None
    invoice_ids = list(db.session.scalars(select(Invoice.id).where(Invoice.customer_id == customer.id)
                                          .order_by(Invoice.id)))
    text = f"{reasons} {MARK}"
    case = cases.case_create(officer, customer=customer, case_type=case_type, invoice_ids=invoice_ids,
                             terms=TermsInput(), reasons=text)
    cases.case_update(officer, case, invoice_ids=invoice_ids, terms=terms, reasons=text)
    cases.case_submit(officer, case)
    return case


def _decide(decider: Actor, case: Case, reasons: str) -> None:
    cases.case_decide(decider, case, cases.DecisionInput(outcome=Outcome.GRANTED, reasons=reasons,
                                                         no_conflict_confirmed=True))


def seed_cases() -> str:
    """Seven cases of Socialnämnden, each in the state a persona should find it."""
    if db.session.scalars(select(Case.id).where(Case.reasons.like(f"%{MARK}"))).first() is not None:
        return "demo cases already in place"
    names = {name for name, *_ in STORY_CUSTOMERS}
    if len(set(db.session.scalars(select(Customer.name).where(Customer.name.in_(names))))) < len(names):
        return "no demo cases (the demo ledger was loaded before they existed)"
    today = clock.today()
    officer = _actor("handlaggare", "case_officer")
    norr = _actor("chef.norr", None)
    plan = CaseType.INSTALMENT_PLAN

    # Two plans waiting for Nils Norberg: one of his own unit, one of Hemtjänst Syd where he stands
    # in for Sara Sjöberg while she is away.
    _case(officer, "Bo Bergkvist", plan, TermsInput(first_due_date=today + timedelta(days=20), instalments=6),
          "Kunden har fått en hög slutfaktura och klarar inte att betala allt på en gång.")
    _case(officer, "Cecilia Dahlén", plan, TermsInput(first_due_date=today + timedelta(days=20), instalments=4),
          "Kunden har ansökt om delbetalning efter sjukhusvistelse.")
    # A deferral waiting for the finance department's consultation (rule 1.1 asks for it).
    _case(officer, "David Ekholm", CaseType.DEFERRAL, TermsInput(new_due_date=today + timedelta(days=60)),
          "Kunden väntar på beslut om bostadstillägg.")
    # A plan longer than any delegate may grant: referred to the committee and on its next agenda.
    referred = _case(officer, "Elin Forsberg", plan,
                     TermsInput(first_due_date=today + timedelta(days=20), instalments=30),
                     "Stor skuld efter retroaktiv avgift; kunden orkar bara en liten månadsbetalning.")
    secretary = _actor("sekreterare", "committee_secretary")
    committee = db.session.scalars(select(Committee).where(Committee.code == "SN")).one()
    meeting = meetings.meeting_create(secretary, committee, meeting_date=today + timedelta(days=7),
                                      place="Sessionssalen, kommunhuset")
    if referred is not None:
        meetings.agenda_add(secretary, meeting, referred, "Avbetalningsplan om 30 månader beviljas.")
    # A write-off decided today: not yet reported to the committee, and for finance to book.
    write_off = _case(officer, "Filip Granlund", CaseType.WRITE_OFF,
                      TermsInput(write_off_reason="uneconomic", write_off_final=False),
                      "Beloppet är oekonomiskt att driva vidare.")
    _decide(norr, write_off, "Enligt riktlinjerna: oekonomiskt att driva.")
    # A granted plan whose signed agreement has not come back yet.
    signed_later = _case(officer, "Greta Hjort", plan,
                         TermsInput(first_due_date=today + timedelta(days=20), instalments=6),
                         "Kunden har begärt delbetalning.")
    _decide(norr, signed_later, "Planen ryms i riktlinjerna.")
    # A plan returned to the case officer for completion.
    returned = _case(officer, "Hugo Ivarsson", plan,
                     TermsInput(first_due_date=today + timedelta(days=20), instalments=3),
                     "Kunden vill dela upp betalningen.")
    cases.case_return(norr, returned, "Bifoga kundens inkomstuppgifter.")
    db.session.flush()
    return "7 demo cases and a meeting of Socialnämnden"
