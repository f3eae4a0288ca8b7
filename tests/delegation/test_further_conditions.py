"""A further delegation tightened by named conditions (issue 12 §2 with kommunallagen 7 kap 6 §):
the department head passes rule 1.2 on to the fee officer only for cases where "banklån nekat
enligt intyg" is met. The page keeps it, says it, refuses another committee's condition, and the
engine lets the receiver decide only where the officer answered it met."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.delegation import queries
from portal.delegation.engine_types import CaseFacts, CaseType, CustomerKind
from portal.delegation.models import EligibilityCondition, FurtherDelegation
from portal.delegation.rules import may_decide
from portal.extensions import db

HTMX = {"HX-Request": "true"}
TODAY = date(2026, 11, 23)


@pytest.fixture
def conditions(world):
    """SN's own condition, and one of KS that SN's rules cannot require."""
    own = EligibilityCondition(committee_id=world.sn.id, name="Banklån nekat enligt intyg")
    other = EligibilityCondition(committee_id=world.ks.id, name="Giltigt hyresavtal")
    db.session.add_all([own, other])
    db.session.commit()
    return own, other


def _pass_on(client, world, condition_ids):
    return client.post_form("/delegation/vidaredelegering", {
        "rule": f"{world.version.id}:{world.dept_head.id}:1.2",
        "receiving_position_id": world.fee_officer.id, "starts_on": "2026-11-23",
        "amount_basis": "case", "customer_kind": "",
        "required_condition_ids": [str(i) for i in condition_ids]}, headers=HTMX)


def _facts(world, met: frozenset[int], unmet: frozenset[int] = frozenset()) -> CaseFacts:
    return CaseFacts(committee_id=world.sn.id, case_type=CaseType.DEFERRAL, amount_ore=5_000_00,
                     deferral_months=5, issuing_unit_id=world.north.id, customer_kind=CustomerKind.PRIVATE,
                     applied_before_due=True, has_other_unpaid_debt=False, consultation_recorded=True,
                     conditions_met=met, conditions_unmet=unmet)


def test_the_department_head_passes_a_rule_on_under_a_named_condition(client, world, conditions):
    own, other = conditions
    client.login("david")
    page = client.get("/delegation/vidaredelegering").get_data(as_text=True)
    assert "Banklån nekat enligt intyg" in page and "Giltigt hyresavtal" not in page
    response = _pass_on(client, world, [own.id])
    assert response.status_code == 200
    item = db.session.scalars(select(FurtherDelegation)).one()
    assert item.has_own_limits and item.required_conditions == [[own.id, None]]
    row = response.get_data(as_text=True).split(f'id="further-{item.id}"')[1].split("</tr>")[0]
    assert "Banklån nekat enligt intyg" in row


def test_another_committees_condition_is_refused_beside_the_field_and_nothing_is_kept(client, world, conditions):
    own, other = conditions
    client.login("david")
    response = _pass_on(client, world, [own.id, other.id])
    assert response.status_code == 422
    assert "Välj bland nämndens" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(FurtherDelegation)) == 0


def test_the_receiver_decides_only_where_the_condition_is_answered_met(client, world, conditions):
    own, _ = conditions
    client.login("david")
    assert _pass_on(client, world, [own.id]).status_code == 200
    version, org = queries.engine_version(world.version), queries.org_snapshot()
    pbb = queries.price_base_amounts()
    cecilia = world.cecilia.id

    def allowed(facts: CaseFacts) -> bool:
        return may_decide(facts, version, org, TODAY, pbb, cecilia).allowed

    assert allowed(_facts(world, met=frozenset({own.id})))
    assert not allowed(_facts(world, met=frozenset()))  # not answered: never taken as met
    assert not allowed(_facts(world, met=frozenset(), unmet=frozenset({own.id})))
    # The department head herself decides under the rule as before, condition or not.
    assert may_decide(_facts(world, met=frozenset()), version, org, TODAY, pbb, world.david.id).allowed
