"""Every refusal names its rule and the way forward, in one sentence built in one place
(portal/cases/refusals.py): the exact words of each kind of refusal, no punctuation slips, no rule
number said twice, and the same words on the case page and in the trail."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select
from portal.cases import services
from portal.cases.refusals import refusal_text
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.delegation.results import Reason, ReasonCode
from portal.errors import ValidationFailed
from portal.extensions import db
from tests.cases.test_services import _consulted, _grant, _write_off


def _refusal(world, case, who) -> str:
    with pytest.raises(ValidationFailed) as refused:
        _grant(world, case, who)
    text = " ".join(refused.value.errors.values()).replace("\u00a0", " ")
    _well_formed(text)
    return text


def _well_formed(text: str) -> None:
    assert ".;" not in text and ".." not in text and " ;" not in text and " ." not in text, text
    for clause in re.split(r"[;.] ", text):
        numbers = re.findall(r"punkt (\d+(?:\.\d+)*)", clause)
        assert len(numbers) == len(set(numbers)), text  # a rule named once per clause
        assert len(re.findall(r"\(R\d", clause)) <= 1, text


def test_a_stand_in_outside_the_absence(app, world, make):
    make.absence(world.unit_head, date(2026, 11, 24), date(2026, 11, 30), standin=world.other_head)
    case = _consulted(world)
    assert _refusal(world, case, world.other_head) == (
        "Sara Sjöberg får inte besluta ärendet som ersättare utanför frånvaron (R1): ersätter Nils Norberg "
        "bara 2026-11-24–2026-11-30. Kan besluta i stället: Nils Norberg (punkt 1.1).")


def test_a_credit_of_another_units_invoice(app, world, make):
    invoice = make.invoice(world.customer, world.other_unit, world.category, due_date=None, original_ore=500_00)
    case = services.case_create(world.actor(world.officer), customer=world.customer, case_type=CaseType.CREDIT,
                                invoice_ids=[invoice.id], terms=TermsInput(credit_reason="wrong_price"), reasons="Felaktig taxa.")
    case.credit_reason = "wrong_price"  # the draft's terms are set before submission
    services.case_submit(world.actor(world.officer), case)
    assert _refusal(world, case, world.unit_head) == (
        "Nils Norberg får inte besluta ärendet om kreditering av en annan enhets faktura (R1): fakturan är "
        "utställd av Hemtjänst Syd och punkt 4.1 gäller den enhetens egen chef. Kan besluta i stället: "
        "Sara Sjöberg (punkt 4.1).")


def test_over_the_twelve_month_limit(app, world, make):
    make.delegation_rule(world.version, "3.2", case_type="write_off", level=2, position_kind="department_head",
                         scope="issuing_department")
    first = _write_off(world, make.invoice(world.customer, world.unit, world.category, due_date=None,
                                           original_ore=3_000_00))
    _grant(world, first, world.unit_head)
    second = _write_off(world, make.invoice(world.customer, world.unit, world.category, due_date=None,
                                            original_ore=3_000_00))
    assert _refusal(world, second, world.unit_head) == (
        "Nils Norberg får inte besluta ärendet över 12-månadersgränsen i punkt 3.1 (R5): 3 000,00 kr redan "
        "beslutat sedan 2025-11-24, med detta ärende 6 000,00 kr, mer än 5 000,00 kr. Kan besluta i stället: "
        "Sofia Strand (punkt 3.2).")


def test_outside_a_limit_of_the_rule(app, world):
    case = _consulted(world, new_due=date(2027, 2, 1))
    assert _refusal(world, case, world.unit_head) == (
        "Nils Norberg får inte besluta ärendet utanför gränserna i punkt 1.1 (R2): ett anstånd på 4 månader är "
        "längre än 3 månader. Kan besluta i stället: Sofia Strand (punkt 1.2).")


def test_the_case_officer_who_prepared_it(app, world):
    case = _consulted(world)
    assert _refusal(world, case, world.officer) == (
        "Hanna Holm får inte besluta ärendet som har berett det (R3, fyra ögon); utan delegatbefattning för "
        "ärendet och utan att ersätta någon som har en (R1). Kan besluta i stället: Nils Norberg (punkt 1.1).")


def test_someone_without_a_delegate_position(app, world):
    case = _consulted(world)
    assert _refusal(world, case, world.finance) == (
        "Erik Eklund får inte besluta ärendet utan delegatbefattning för ärendet och utan att ersätta någon som "
        "har en (R1). Kan besluta i stället: Nils Norberg (punkt 1.1).")


def test_a_declared_conflict_of_interest(app, world):
    case = _consulted(world)
    services.conflict_declare(world.actor(world.unit_head), case, "Släkt med kunden.")
    assert _refusal(world, case, world.unit_head) == (
        "Nils Norberg får inte besluta ärendet efter anmält jäv (R3). Kan besluta i stället: Sofia Strand "
        "(punkt 1.2).")


class _Names:
    def person(self, person_id):
        return "Nils Norberg"

    def unit(self, unit_id):
        return "Ekonomiavdelningen"

    def position(self, position_id):
        return "Enhetschef"

    def committee(self, committee_id):
        return "Socialnämnden"

    def condition(self, condition_id):
        return "Fullständig ansökan med åtgärdsplan"


@pytest.mark.parametrize(("reason", "expected"), [
    (Reason(ReasonCode.CONSULTATION_MISSING, "1.1", params=(("unit_id", 1),)),
     "Nils Norberg får inte besluta ärendet utan det samråd med Ekonomiavdelningen som punkt 1.1 kräver (R4). "
     "Bara nämnden kan besluta ärendet: hänskjut det till nämnden."),
    (Reason(ReasonCode.IS_THE_CUSTOMER, actual=1),
     "Nils Norberg får inte besluta ärendet som kund i ärendet (R3). Bara nämnden kan besluta ärendet: "
     "hänskjut det till nämnden."),
    (Reason(ReasonCode.REGISTERED_ABSENT, "1.1"),
     "Nils Norberg får inte besluta ärendet under registrerad frånvaro (R1). Bara nämnden kan besluta "
     "ärendet: hänskjut det till nämnden."),
    (Reason(ReasonCode.VERSION_NOT_PUBLISHED),
     "Nils Norberg får inte besluta ärendet eftersom delegationsordningen inte kan användas (R9): "
     "versionen är ett utkast och har inte publicerats. Bara nämnden kan besluta "
     "ärendet: hänskjut det till nämnden."),
    (Reason(ReasonCode.CONDITION_NOT_MET, "2.1", params=(("condition_id", 9),)),
     "Nils Norberg får inte besluta ärendet utanför gränserna i punkt 2.1 (R2): kräver ”Fullständig ansökan "
     "med åtgärdsplan”, som ärendet inte uppfyller. Bara nämnden kan besluta ärendet: hänskjut det till "
     "nämnden."),
])
def test_each_reason_reads_as_one_clause_naming_its_rule_once(app, reason, expected):
    with app.test_request_context():
        text = refusal_text(1, [reason], _Names(), on_date=date(2026, 11, 23))
    _well_formed(text)
    assert text == expected


def test_the_case_page_and_the_trail_say_the_same_words(client, world):
    from flask import g

    case = _consulted(world, new_due=date(2027, 2, 1))
    sentence = _refusal(world, case, world.unit_head)
    [waiting] = g.pop("audit_refusals")  # written in a transaction of its own when the request ends
    assert waiting["action"] == "case.decision_refused" and waiting["after"]["rule"] == "1.1"
    assert waiting["after"]["reason"].replace("\u00a0", " ") == sentence
    client.login("chef.norr")
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True).replace("\u00a0", " ")
    assert sentence in page


def test_who_decides_names_each_rule_once_without_punctuation_slips(client, world, make):
    # Rule 3.1 fails twice (the reason and the amount): the committee decides, and its line names
    # the rule once, its two reasons as clauses, one full stop.
    from portal.delegation.models import DelegationRule
    from tests.cases.test_services import _write_off

    db.session.scalars(select(DelegationRule).where(DelegationRule.number == "3.1")).one() \
        .allowed_write_off_reasons = ["uneconomic"]
    case = _write_off(world, make.invoice(world.customer, world.unit, world.category, due_date=None,
                                          original_ore=6_000_00))
    client.login("handlaggare")
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True).replace("\u00a0", " ")
    verdict = page[page.index('id="verdict"'):]
    verdict = verdict[:verdict.index("</div>")]
    assert "Nämnden beslutar" in verdict
    line = next(item for item in verdict.split("<li>") if item.startswith("Punkt 3.1")).split("</li>")[0]
    assert line == ("Punkt 3.1: beloppet 6 000,00 kr överstiger gränsen 5 000,00 kr; skälet ”Avliden utan "
                    "tillgångar” är inte tillåtet (tillåtna: Oekonomiskt litet belopp).")
    assert ".;" not in verdict and ".." not in verdict
