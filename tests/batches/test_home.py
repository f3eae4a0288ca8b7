"""Batch write-offs waiting for a decision on the decider's "Mina uppgifter" and in the menu's
count; nobody else's: not the unit head whose rule covers only some lines, not another committee's
head, not the finance officer who prepared it; gone once decided."""

from __future__ import annotations

import re

from portal.batches import services
from portal.org.models import PositionKind
from tests.batches.conftest import submitted
from tests.batches.test_services import GRANT


def _count(client) -> int:
    text = client.get("/antal-uppgifter", headers={"HX-Request": "true"}).get_data(as_text=True)
    found = re.search(r'class="badge">(\d+)', text)
    return int(found.group(1)) if found else 0


def test_the_decider_finds_the_batch_on_my_tasks_and_in_the_count(client, bw):
    batch = submitted(bw)
    client.login("socialchef")
    before = _count(client)
    page = client.get("/").get_data(as_text=True)
    assert "Samlingsbeslut att besluta" in page and batch.registry_number in page
    assert f'href="/samlingsbeslut/{batch.id}"' in page and "punkt 3.2" in page
    assert before >= 1
    services.batch_decide(bw.actor(bw.department_head), batch, GRANT)
    assert "Samlingsbeslut att besluta" not in client.get("/").get_data(as_text=True)
    assert _count(client) == before - 1


def test_no_one_else_sees_the_batch_to_decide(client, bw, make):
    batch = submitted(bw)
    bn_head = make.user("chef.bygg", full_name="Bo Bygg")
    make.appointment(bn_head, make.position(bw.other_committee_unit.committee, PositionKind.UNIT_HEAD,
                                            bw.other_committee_unit, title="Enhetschef Bygglov"))
    for username in ("chef.norr", "chef.syd", "chef.bygg", "ekonom", "handlaggare"):
        client.login(username)
        page = client.get("/").get_data(as_text=True)
        assert "Samlingsbeslut att besluta" not in page and batch.registry_number not in page, username
        client.post_form("/logga-ut")
