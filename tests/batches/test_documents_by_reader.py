"""Who may open a batch's documents, and what they read in them (RULINGS 10): the decision and the
customers' letters name the customers, so only those the batch page shows them to open them
(finance, the auditor, the decider); the committee's members and secretary open the decision's copy
without personal data, issued with it and as verifiable. Each role tried through the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.audit.services import SYSTEM
from portal.batches import services
from portal.batches.rules import MASKED_OBJECT_TYPE, BatchState
from portal.documents.models import IssuedDocument
from portal.documents.services import document_by_code, is_same_file
from portal.extensions import db
from portal.meetings.rules import CommitteeOutcome
from tests.batches.conftest import submitted
from tests.batches.test_committee import _on_agenda, _record, cw, referred_batch  # noqa: F401 (the fixture)
from tests.documents.test_letters import flat


def _documents(batch, object_type: str) -> list[IssuedDocument]:
    return list(db.session.scalars(select(IssuedDocument).where(
        IssuedDocument.object_type == object_type, IssuedDocument.object_id == str(batch.id))
        .order_by(IssuedDocument.id)))


def _names(batch) -> set[str]:
    return {line.customer.name for line in batch.lines}


def _identities(batch) -> set[str]:
    return {line.customer.identity.mask() for line in batch.lines}


@pytest.fixture
def committee_batch(cw, make):
    """A final write-off the committee granted at its meeting: the decision, its copy and the letters."""
    batch = referred_batch(cw, make)
    batch.write_off_final = True
    meeting, _item = _on_agenda(cw, batch, CommitteeOutcome.GRANTED)
    _record(cw, meeting)
    db.session.commit()
    if not any("brev" in d.title for d in _documents(batch, "write_off_batch")):
        from portal.batches.pdf import letters_issue

        letters_issue(SYSTEM, batch)  # the letters job's work, where the queue has not run it
        db.session.commit()
    return batch


def test_the_copy_is_issued_with_the_decision_without_names_or_identity_numbers(committee_batch):
    batch = committee_batch
    [decision] = [d for d in _documents(batch, "write_off_batch") if "brev" not in d.title]
    [copy] = _documents(batch, MASKED_OBJECT_TYPE)
    full, masked = flat(decision.content), flat(copy.content)
    assert all(name in full for name in _names(batch)) and all(mask in full for mask in _identities(batch))
    assert not any(name in masked for name in _names(batch))
    assert not any(mask in masked for mask in _identities(batch))
    assert "kopia utan personuppgifter" in copy.title and "Kopia utan kundernas namn" in masked
    # The same decision: every invoice, the sums, the paragraph.
    assert all(line.invoice.invoice_number in masked for line in batch.included)
    assert batch.decision.committee_reference in masked
    assert f"{batch.decision.customer_count} kunder" in masked
    # Each is verifiable as issued, by its own code.
    assert document_by_code(copy.verification_code).id == copy.id and is_same_file(copy, copy.content)
    assert copy.verification_code != decision.verification_code


@pytest.mark.parametrize("username", ["ledamot", "sekr"])
def test_members_and_the_secretary_open_only_the_copy(committee_batch, client, username):
    batch = committee_batch
    full = _documents(batch, "write_off_batch")
    assert len(full) == 2  # the decision and the customers' letters
    [copy] = _documents(batch, MASKED_OBJECT_TYPE)
    client.login(username)
    page = client.get(f"/samlingsbeslut/{batch.id}").get_data(as_text=True)
    assert f"/dokument/{copy.id}" in page
    assert all(f"/dokument/{document.id}" not in page for document in full)
    for document in full:
        assert client.get(f"/dokument/{document.id}").status_code == 403, document.title
    opened = client.get(f"/dokument/{copy.id}")
    assert opened.status_code == 200 and opened.data == copy.content
    assert not any(name in flat(opened.data) for name in _names(batch))


@pytest.mark.parametrize("username", ["ekonom", "revisor"])
def test_finance_and_the_auditor_open_the_decision_the_letters_and_the_copy(committee_batch, client, username):
    batch = committee_batch
    client.login(username)
    page = client.get(f"/samlingsbeslut/{batch.id}").get_data(as_text=True)
    for document in _documents(batch, "write_off_batch") + _documents(batch, MASKED_OBJECT_TYPE):
        assert f"/dokument/{document.id}" in page
        response = client.get(f"/dokument/{document.id}")
        assert response.status_code == 200 and response.data == document.content, document.title


@pytest.mark.parametrize("username", ["ledamot.bn", "sekr.bn", "chef.norr", "handlaggare"])
def test_readers_outside_the_batch_open_none_of_its_documents(committee_batch, client, username):
    client.login(username)
    for document in _documents(committee_batch, "write_off_batch") + _documents(committee_batch, MASKED_OBJECT_TYPE):
        assert client.get(f"/dokument/{document.id}").status_code == 403, (username, document.title)


def test_the_delegated_decider_opens_the_decision_with_its_customers(cw, client):
    batch = submitted(cw)
    services.batch_decide(cw.actor(cw.department_head), batch, services.BatchDecisionInput(True, "Skäl.", True))
    db.session.commit()
    assert batch.state == BatchState.GRANTED
    client.login("socialchef")
    for document in _documents(batch, "write_off_batch") + _documents(batch, MASKED_OBJECT_TYPE):
        assert client.get(f"/dokument/{document.id}").status_code == 200, document.title
    # The committee's members never had it on an agenda: they open nothing of it.
    client.post_form("/logga-ut")
    client.login("ledamot")
    for document in _documents(batch, "write_off_batch") + _documents(batch, MASKED_OBJECT_TYPE):
        assert client.get(f"/dokument/{document.id}").status_code == 403, document.title


def test_the_issued_decision_stays_as_issued(committee_batch, client):
    """Reading the copy never changes the decision: its bytes and checksum are the ones issued."""
    [decision] = [d for d in _documents(committee_batch, "write_off_batch") if "brev" not in d.title]
    before = (decision.sha256, decision.content)
    client.login("ledamot")
    client.get(f"/dokument/{_documents(committee_batch, MASKED_OBJECT_TYPE)[0].id}")
    db.session.expire_all()
    again = db.session.get(IssuedDocument, decision.id)
    assert (again.sha256, again.content) == before and is_same_file(again, before[1])


def test_batches_decided_before_copies_get_theirs_once(committee_batch, app):
    from portal.cli import portal_cli

    runner = app.test_cli_runner()
    for document in _documents(committee_batch, MASKED_OBJECT_TYPE):
        db.session.delete(document)  # as a batch decided before copies were issued
    db.session.commit()
    result = runner.invoke(portal_cli, ["batch-masked-copies"])
    assert result.exit_code == 0 and "1 copies" in result.output
    [copy] = _documents(committee_batch, MASKED_OBJECT_TYPE)
    assert not any(name in flat(copy.content) for name in _names(committee_batch))
    again = runner.invoke(portal_cli, ["batch-masked-copies"])
    assert again.exit_code == 0 and "0 copies" in again.output
    assert len(_documents(committee_batch, MASKED_OBJECT_TYPE)) == 1
