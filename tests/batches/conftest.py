"""The case tests' Socialnämnden, with write-off rules at two levels and customers owing small debts
in two units (dates as of 2026-11-23)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from portal.audit.services import Actor
from portal.auth.roles import Role
from portal.batches import services
from portal.extensions import db
from tests.cases.conftest import World, build_world


@dataclass
class BatchWorld:
    base: World
    no_interest: object
    other_committee_unit: object
    auditor: object
    norr: list
    syd: list

    def __getattr__(self, name):
        return getattr(self.base, name)

    def actor(self, user) -> Actor:
        return Actor(user.id, user.username, None, "127.0.0.1")


@pytest.fixture
def bw(make, frozen_clock) -> BatchWorld:
    base = build_world(make)
    # Level 2: the head of the issuing department, up to 50 000 kr per customer on the 12-month basis.
    make.delegation_rule(base.version, "3.2", case_type="write_off", level=2, position_kind="department_head",
                         scope="issuing_department", max_amount_ore=50_000_00, amount_basis="twelve_months")
    no_interest = make.category("AVG", charges_interest=False, name="Avgift")
    bn = make.committee("BN", "Byggnadsnämnden")
    bn_unit = make.unit(bn, name="Bygglov", code="5100")
    auditor = make.user("revisor", Role.AUDITOR, full_name="Rut Revisor")
    norr = [make.invoice(make.customer(f"Norrkund {n}"), base.unit, no_interest, number=f"N{n:03d}",
                         due_date=date(2022, 6, 30), original_ore=(50 + n) * 100) for n in range(3)]
    syd = [make.invoice(make.customer(f"Sydkund {n}"), base.other_unit, no_interest, number=f"S{n:03d}",
                        due_date=date(2022, 6, 30), original_ore=(60 + n) * 100) for n in range(2)]
    return BatchWorld(base, no_interest, bn_unit, auditor, norr, syd)


HEAD = dict(title="Små skulder äldre än tre år", write_off_reason="uneconomic", write_off_final=False,
            reasons="Beloppen är för små för att driva in.")


def head(committee, **changes) -> services.BatchHead:
    return services.BatchHead(committee_id=committee.id, **{**HEAD, **changes})


def built(bw: BatchWorld, criteria: services.BatchFilter | None = None, **changes):
    """A batch of the committee's small old debts, built (the job's work) and flushed."""
    actor = bw.actor(bw.finance)
    batch = services.batch_create_from_filter(
        actor, head(bw.committee, **changes),
        criteria or services.BatchFilter(below_ore=100_00, due_before=date(2023, 11, 23)))
    services.batch_build(actor, batch)
    db.session.refresh(batch)
    return batch


def submitted(bw: BatchWorld, **kwargs):
    batch = built(bw, **kwargs)
    services.batch_submit(bw.actor(bw.finance), batch)
    return batch
