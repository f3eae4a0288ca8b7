"""A rule that asks for consultation (samråd) and a guideline bar (RULINGS 8) in a batch write-off:
the batch is not consulted on, so such a rule is no path for it and the batch goes to whoever's
rule covers every line without consultation, or to the committee; a barred line only the committee
grants, so the batch with it goes to the committee. The page says why, in Swedish, per line."""

from __future__ import annotations

from datetime import date

import pytest
from flask import g

from portal.batches import services
from portal.batches.explain import line_reasons
from portal.batches.queries import to_decide
from portal.batches.routing import route
from portal.batches.rules import BatchState
from portal.delegation import queries as delegation_queries
from portal.errors import ValidationFailed
from portal.extensions import db
from tests.batches.conftest import built
from tests.batches.test_services import GRANT

TODAY = date(2026, 11, 23)


def _ask_consultation(bw, number: str) -> None:
    for rule in bw.version.rules:
        if rule.number == number:
            rule.consultation_unit_id = bw.economy.id
    db.session.flush()


def test_a_batch_goes_past_a_rule_asking_for_consultation_to_the_next_level(bw):
    _ask_consultation(bw, "3.1")
    batch = built(bw, services.BatchFilter(below_ore=100_00, unit_ids=(bw.unit.id,)))
    verdict = route(batch, TODAY)
    assert verdict.proposed.rule_number == "3.2" and verdict.consultation_rules == ("3.1",)
    assert not verdict.failing and {verdict.line_level(line.id) for line in batch.included} == {2}
    services.batch_submit(bw.actor(bw.finance), batch)
    assert batch.state == BatchState.AWAITING_DECISION
    assert to_decide(bw.unit_head.id, TODAY) == []  # the unit head's rule asks for consultation
    assert [item.batch.id for item in to_decide(bw.department_head.id, TODAY)] == [batch.id]
    services.batch_decide(bw.actor(bw.department_head), batch, GRANT)
    assert batch.state == BatchState.GRANTED and batch.decision.rule_number == "3.2"


def test_the_holder_of_a_rule_asking_for_consultation_is_refused_and_the_refusal_recorded(bw):
    _ask_consultation(bw, "3.1")
    batch = built(bw, services.BatchFilter(below_ore=100_00, unit_ids=(bw.unit.id,)))
    services.batch_submit(bw.actor(bw.finance), batch)
    with pytest.raises(ValidationFailed) as refused:
        services.batch_decide(bw.actor(bw.unit_head), batch, GRANT)
    assert "samråd" in refused.value.errors["batch"]
    assert batch.decision is None and batch.state == BatchState.AWAITING_DECISION
    [refusal] = g.audit_refusals  # written in a transaction of its own when the request ends
    assert refusal["action"] == "write_off_batch.decision_refused" and "samråd" in refusal["after"]["reason"]


def test_with_every_covering_rule_asking_for_consultation_the_batch_goes_to_the_committee(bw):
    _ask_consultation(bw, "3.2")  # the only rule that covers both units' lines
    batch = built(bw)
    verdict = route(batch, TODAY)
    assert verdict.committee_only and verdict.consultation_rules == ("3.2",)
    services.batch_submit(bw.actor(bw.finance), batch)
    assert batch.state == BatchState.REFERRED_TO_COMMITTEE


def test_a_line_only_a_consulted_rule_covers_says_so_in_swedish(bw):
    _ask_consultation(bw, "3.1")
    _ask_consultation(bw, "3.2")
    batch = built(bw, services.BatchFilter(below_ore=100_00, unit_ids=(bw.unit.id,)))
    verdict = route(batch, TODAY)
    assert set(verdict.failing) == {line.id for line in batch.included}
    text = line_reasons(verdict.verdicts[batch.included[0].id], delegation_queries.names())
    assert "samråd" in text and "samlingsbeslut" in text


def test_a_barred_line_sends_the_batch_to_the_committee_and_says_why(bw, make):
    make.delegation_rule(bw.version, "3.9", case_type="write_off", kind="bar", guideline_point="5.1",
                         max_amount_ore=60_00)
    batch = built(bw)
    verdict = route(batch, TODAY)
    barred = [line for line in batch.lines if line.id in verdict.barred]
    assert [line.invoice.invoice_number for line in barred] == ["S001"]
    assert verdict.committee_only  # the one decision cannot grant the barred line
    text = line_reasons(verdict.verdicts[barred[0].id], delegation_queries.names())
    assert "riktlinje" in text and "5.1" in text
    services.batch_submit(bw.actor(bw.finance), batch)
    assert batch.state == BatchState.REFERRED_TO_COMMITTEE
    with pytest.raises(ValidationFailed):
        services.batch_decide(bw.actor(bw.department_head), batch, GRANT)


def test_the_page_says_why_in_swedish(client, bw, make):
    _ask_consultation(bw, "3.1")
    make.delegation_rule(bw.version, "3.9", case_type="write_off", kind="bar", guideline_point="5.1",
                         max_amount_ore=60_00)
    batch = built(bw)
    client.login("ekonom")
    page = client.get(f"/samlingsbeslut/{batch.id}").get_data(as_text=True)
    assert "Punkt 3.1 kräver samråd." in page
    assert "1 rad strider mot riktlinjen: bara nämnden kan bevilja den." in page
