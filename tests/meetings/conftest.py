"""The cases' Socialnämnden with a chair, members of another committee, a secretary and a builder of
referred and delegated cases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.auth.roles import Role
from portal.cases import services as case_services
from portal.cases.rules import Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.org.models import PositionKind
from tests import factories
from tests.cases.conftest import build_world


@pytest.fixture
def world(make, frozen_clock):
    world = build_world(make)
    world.clock = frozen_clock
    world.secretary = make.user("sekr", Role.COMMITTEE_SECRETARY, full_name="Stina Sekreterare")
    world.secretary_position = make.position(world.committee, PositionKind.COMMITTEE_SECRETARY,
                                             title="Nämndsekreterare SN")
    make.appointment(world.secretary, world.secretary_position)
    world.chair = make.user("ordf", full_name="Olle Ordförande")
    make.appointment(world.chair, make.position(world.committee, PositionKind.CHAIR, title="Ordförande SN"))
    world.member = make.user("ledamot", full_name="Lena Ledamot")
    make.appointment(world.member, make.position(world.committee, PositionKind.MEMBER, title="Ledamot SN"))
    other = make.committee("BUN", "Barn- och utbildningsnämnden")
    world.other_committee = other
    world.other_member = make.user("bun.ledamot", full_name="Bo Bunsson")
    make.appointment(world.other_member, make.position(other, PositionKind.MEMBER, title="Ledamot BUN"))
    make.delegation_rule(world.version, "9.1", case_type="deferral", kind="urgent", position_kind="chair",
                         scope="committee")
    return world


def at(world, day: date) -> None:
    world.clock.set(datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC))


def deferral(world, new_due: date, invoice=None, make=None):
    officer = world.actor(world.officer, "case_officer")
    # One invoice is in one open case at a time (RULINGS 15): each case gets an invoice of its own,
    # like the world's first one, unless the test names one.
    invoice = invoice or (world.invoice if not _in_a_case(world.invoice) else factories.invoice(
        world.customer, world.unit, world.category, due_date=world.invoice.due_date,
        original_ore=world.invoice.original_amount_ore))
    case = case_services.case_create(officer, customer=world.customer, case_type=CaseType.DEFERRAL,
                                     invoice_ids=[invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    case_services.case_update(officer, case, invoice_ids=[invoice.id], terms=TermsInput(new_due_date=new_due),
                              reasons="Sjukdom i familjen.")
    case_services.case_submit(officer, case)
    return case


def _in_a_case(invoice) -> bool:
    from sqlalchemy import select

    from portal.cases.models import CaseInvoice
    from portal.extensions import db

    return db.session.scalar(select(CaseInvoice.id).where(CaseInvoice.invoice_id == invoice.id).limit(1)) is not None


def referred(world, invoice=None):
    """Nine months' deferral: outside every delegated rule, so the committee decides."""
    return deferral(world, date(2027, 7, 31), invoice)


def delegated(world, invoice=None):
    """A two months' deferral granted by the unit head under rule 1.1."""
    case = deferral(world, date(2026, 12, 31), invoice)
    case_services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    return case_services.case_decide(world.actor(world.unit_head), case, case_services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Skäl finns.", no_conflict_confirmed=True))
