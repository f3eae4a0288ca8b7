"""Avstå från indrivning and avbryta indrivning (issue 12 §3, RULINGS 13): internal decisions made
through the same engine, refused to the wrong decider, counted at the open amount of their
invoices, recorded in a decision document and no letter, reported like every delegated decision."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.cases import services
from portal.cases.models import Decision
from portal.cases.queries import letters_issued_on
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.documents.models import DocumentKind
from portal.documents.services import documents_for
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.meetings.delegation_report import report_groups, unreported_decisions

FORGO, STOP = CaseType.FORGO_COLLECTION, CaseType.STOP_COLLECTION


@pytest.fixture
def rules(world, make):
    make.delegation_rule(world.version, "6.1", case_type="forgo_collection", max_amount_ore=5_000_00)
    make.delegation_rule(world.version, "7.1", case_type="stop_collection", position_kind="department_head",
                         scope="issuing_department", max_amount_ore=20_000_00)
    return world


def _prepared(world, case_type, invoices, reason="uneconomic"):
    officer = world.actor(world.officer, "case_officer")
    ids = [invoice.id for invoice in invoices]
    case = services.case_create(officer, customer=world.customer, case_type=case_type, invoice_ids=ids,
                                terms=TermsInput(), reasons="Förslag.")
    return services.case_update(officer, case, invoice_ids=ids, terms=TermsInput(collection_reason=reason),
                                reasons="Kunden bestrider fakturan; beloppet är litet.")


def _submitted(world, case_type, invoices, **kw):
    case = _prepared(world, case_type, invoices, **kw)
    services.case_submit(world.actor(world.officer), case)
    return case


def _decide(world, case, who, outcome=Outcome.GRANTED, **kw):
    return services.case_decide(world.actor(who), case, services.DecisionInput(
        outcome=outcome, reasons="Skälen är styrkta.", no_conflict_confirmed=True, **kw))


def _text(errors: ValidationFailed) -> str:
    return " ".join(errors.errors.values())


def _pdf_text(document) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)
    return re.sub(r"[ \n\u00a0]+", " ", text)


def test_the_amount_is_the_open_amount_of_the_invoices_without_interest(app, rules, make):
    world = rules
    part_paid = make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 9, 30),
                             original_ore=3_000_00, open_ore=1_250_50, stage="none")
    other = make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31),
                         original_ore=800_00, stage="reminder")
    case = _submitted(world, FORGO, [part_paid, other])
    assert case.amount_ore == 1_250_50 + 800_00
    assert any(line.interest_ore > 0 for line in case.lines)  # interest runs, and is not counted
    decision = _decide(world, case, world.unit_head)
    assert decision.amount_ore == 2_050_50 and decision.rule_number == "6.1"


def test_a_reason_from_the_list_is_required(app, rules):
    for reason in (None, "because", "deceased_without_assets"):
        with pytest.raises(ValidationFailed) as refused:
            _prepared(rules, FORGO, [rules.invoice], reason=reason)
        assert "collection_reason" in refused.value.errors
        assert "Välj skälet" in _text(refused.value)


def test_collection_cannot_be_forgone_once_started_nor_stopped_before_it_starts(app, rules, make):
    world = rules
    sent = make.invoice(world.customer, world.unit, world.category, number="F-INK", stage="collection_demand")
    with pytest.raises(ValidationFailed) as refused:
        _prepared(world, FORGO, [sent])
    assert "F-INK" in _text(refused.value) and "avbryta indrivning" in _text(refused.value)
    reminded = make.invoice(world.customer, world.unit, world.category, number="F-PÅM", stage="reminder")
    with pytest.raises(ValidationFailed) as refused:
        _prepared(world, STOP, [reminded])
    assert "F-PÅM" in _text(refused.value) and "avstå från indrivning" in _text(refused.value)


def test_a_stage_the_ledger_does_not_know_fits_both(app, rules, make):
    world = rules
    unknown = make.invoice(world.customer, world.unit, world.category, stage="unknown")
    assert _prepared(world, STOP, [unknown]).collection_reason == "uneconomic"


def test_the_wrong_decider_is_refused_and_nothing_is_decided(app, rules, make):
    world = rules
    case = _submitted(world, FORGO, [world.invoice])
    assert case.state == CaseState.AWAITING_DECISION
    for who in (world.other_head, world.department_head, world.finance, world.officer):
        with pytest.raises(ValidationFailed):
            _decide(world, case, who)
    assert db.session.scalars(select(Decision)).first() is None
    stopped = make.invoice(world.customer, world.unit, world.category, stage="payment_order")
    stop = _submitted(world, STOP, [stopped])
    with pytest.raises(ValidationFailed):
        _decide(world, stop, world.unit_head)  # rule 7.1 names the department head
    assert _decide(world, stop, world.department_head).rule_number == "7.1"


def test_above_the_ceiling_only_the_committee_decides(app, rules, make):
    world = rules
    large = make.invoice(world.customer, world.unit, world.category, original_ore=5_000_01, stage="none")
    case = _submitted(world, FORGO, [large])
    assert case.state == CaseState.REFERRED_TO_COMMITTEE


def test_no_rule_of_the_type_sends_the_case_to_the_committee(app, world, make):
    sent = make.invoice(world.customer, world.unit, world.category, stage="enforcement")
    assert _submitted(world, STOP, [sent]).state == CaseState.REFERRED_TO_COMMITTEE


def test_there_is_no_partial_grant(app, rules):
    world = rules
    case = _submitted(world, FORGO, [world.invoice])
    with pytest.raises(ValidationFailed) as refused:
        _decide(world, case, world.unit_head, Outcome.PARTLY_GRANTED,
                changed_terms=TermsInput(collection_reason="uneconomic", amount_ore=100_00))
    assert "kan inte bifallas delvis" in _text(refused.value)
    assert case.decision is None


@pytest.mark.parametrize("outcome", [Outcome.GRANTED, Outcome.REFUSED])
def test_a_decision_document_for_the_file_and_no_letter_to_the_customer(app, rules, outcome):
    world = rules
    world.customer.address = "Storgatan 1"
    case = _submitted(world, FORGO, [world.invoice])
    decision = _decide(world, case, world.unit_head, outcome)
    documents = documents_for("decision", decision.id)
    assert [doc.kind for doc in documents] == [DocumentKind.DECISION_RECORD.value]
    text = _pdf_text(documents[0])
    assert "Beslut om att avstå från indrivning" in text
    assert "skickas inte till kunden" in text and "Storgatan" not in text
    assert "överklaga" not in text.lower()
    if outcome == Outcome.GRANTED:
        assert "inkasso" in text and "oekonomiskt" in text and "punkt 6.1" in text
    else:
        assert "avslår förslaget" in text
    assert letters_issued_on(decision.decision_date, world.officer) == []


def test_decided_collection_cases_are_reported_like_other_delegated_decisions(app, rules, make):
    world = rules
    forgo = _submitted(world, FORGO, [world.invoice])
    _decide(world, forgo, world.unit_head)
    stop = _submitted(world, STOP, [make.invoice(world.customer, world.unit, world.category,
                                                  stage="long_term_monitoring")])
    _decide(world, stop, world.department_head, Outcome.REFUSED)
    decisions = unreported_decisions(world.committee.id)
    assert {d.case_id for d in decisions} == {forgo.id, stop.id}
    labels = {group.type_label for group in report_groups(decisions)}
    assert labels == {"Avstå från indrivning", "Avbryta indrivning"}


def test_the_ledger_export_names_the_type_and_reason_in_swedish(client, rules):
    world = rules
    case = _submitted(world, FORGO, [world.invoice], reason="disputed")
    _decide(world, case, world.unit_head)
    db.session.commit()
    client.login("ekonom")
    text = client.get("/arenden/att-verkstalla.csv").get_data(as_text=True)
    header, *rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    mine = [row for row in rows if row[0] == case.registry_number]
    assert len(mine) == 1
    assert mine[0][header.index("Typ")] == "Avstå från indrivning"
    assert mine[0][header.index("Belopp")] == "3000,00"
    assert mine[0][header.index("Skäl att avstå från eller avbryta indrivning")] == "Fordran är omtvistad"


def test_the_pages_speak_swedish_for_the_new_types(client, rules):
    world = rules
    case = _submitted(world, FORGO, [world.invoice], reason="social_reasons")
    db.session.commit()
    client.login("handlaggare")
    new = client.get(f"/arenden/ny/{world.customer.id}").get_data(as_text=True)
    assert "Avstå från indrivning" in new and "Avbryta indrivning" in new
    page = client.get(f"/arenden/{case.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Sociala skäl" in body and "forgo_collection" not in body and "social_reasons" not in body
    listing = client.get("/arenden/?case_type=forgo_collection").get_data(as_text=True)
    assert case.registry_number in listing
    client.post_form("/logga-ut")
    client.login("chef.norr")
    decide = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert 'value="partly_granted"' not in decide and 'value="granted"' in decide
