"""Issue 11: a decided case shows its own decision as recorded (rule, level, scheme version with its
adoption reference, decider and capacity), never today's routing as if it applied."""

from __future__ import annotations

from datetime import date

import flask_migrate
from sqlalchemy import text

from portal import create_app
from portal.cases import services
from portal.cases.models import Case, Decision
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.extensions import db
from tests import factories as make

NBSP = "\u00a0"


def _write_off(world, invoice) -> Case:
    officer = world.actor(world.officer, "case_officer")
    case = services.case_create(officer, customer=world.customer, case_type=CaseType.WRITE_OFF,
                                invoice_ids=[invoice.id], terms=TermsInput(), reasons="Dödsbo.")
    services.case_update(officer, case, invoice_ids=[invoice.id], reasons="Dödsbo utan tillgångar.",
                         terms=TermsInput(write_off_reason="deceased_without_assets", write_off_final=True))
    services.case_submit(officer, case)
    return case


def _decide(world, case, user):
    return services.case_decide(world.actor(user), case, services.DecisionInput(
        outcome=Outcome.GRANTED, reasons="Styrkt.", no_conflict_confirmed=True))


def _page(client, username: str, case: Case) -> str:
    client.post_form("/logga-ut")
    client.login(username)
    response = client.get(f"/arenden/{case.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True).replace(NBSP, " ")


def test_a_decided_case_shows_its_rule_level_and_version_not_todays_routing(client, world, make):
    # Issue 11: decided under 3.1, the page then showed "Beslutas enligt punkt 3.2 av …" (today's
    # routing, once a later write-off raised the 12-month basis) and never named the version.
    make.delegation_rule(world.version, "3.2", case_type="write_off", level=2, position_kind="department_head",
                         scope="issuing_department", max_amount_ore=50_000_00, amount_basis="twelve_months")
    first = _write_off(world, world.invoice)
    decision = _decide(world, first, world.unit_head)
    assert decision.rule_number == "3.1" and decision.rule_kind == "ordinary"
    second_invoice = make.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31),
                                  original_ore=3_000_00)
    second = _write_off(world, second_invoice)
    assert _decide(world, second, world.department_head).rule_number == "3.2"
    db.session.commit()

    page = _page(client, "chef.norr", first)
    assert "Punkt 3.1, nivå 1" in page
    assert world.version.label in page and "antagen SN 2025-12-10 § 120" in page
    assert "gäller från 2026-01-01" in page
    assert "Nils Norberg, som innehavare av befattningen Enhetschef Hemtjänst Norr" in page
    assert "Beslutas enligt punkt" not in page and "Vem beslutar" not in page


def test_a_stand_ins_decision_names_whom_they_stood_in_for(client, world, make):
    make.absence(world.unit_head, date(2026, 11, 20), date(2026, 11, 30), standin=world.other_head)
    case = _write_off(world, world.invoice)
    assert _decide(world, case, world.other_head).capacity == "standin"
    db.session.commit()
    page = _page(client, "chef.syd", case)
    assert "Sara Sjöberg, som ersättare för Nils Norberg (Enhetschef Hemtjänst Norr)" in page
    assert "Punkt 3.1, nivå 1" in page


def test_a_new_scheme_version_does_not_change_what_a_decided_case_shows(client, world, make, frozen_clock):
    case = _write_off(world, world.invoice)
    _decide(world, case, world.unit_head)
    # A later version, adopted and in force from today, moves write-offs to rule 7.1.
    world.version.valid_to = date(2026, 11, 22)
    newer = make.scheme_version(world.committee, valid_from=date(2026, 11, 23), adopted_on=date(2026, 11, 10),
                                paragraph="77", label="Delegationsordning 2027")
    make.delegation_rule(newer, "7.1", case_type="write_off", max_amount_ore=100_000_00)
    db.session.commit()
    page = _page(client, "chef.norr", case)
    assert "Punkt 3.1, nivå 1" in page and world.version.label in page and "SN 2025-12-10 § 120" in page
    assert "Delegationsordning 2027" not in page and "7.1" not in page


def test_a_withdrawn_case_shows_no_routing(client, world):
    case = _write_off(world, world.invoice)
    services.case_withdraw(world.actor(world.officer), case, "Betalt.")
    db.session.commit()
    page = _page(client, "handlaggare", case)
    assert case.state == CaseState.WITHDRAWN
    assert "Beslutas enligt punkt" not in page and "Vem beslutar" not in page


def test_the_migration_records_the_kind_of_rule_of_decisions_made_before_it(tmp_path):
    """0011 fills decisions.rule_kind from the rule of the version each decision names."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key", "RATELIMIT_STORAGE_URI": "memory://",
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "kinds.sqlite3")})
    with app.app_context():
        flask_migrate.upgrade()
        committee = make.committee("SN", "Socialnämnden")
        unit = make.unit(committee)
        officer = make.user("h")
        customer = make.customer("Åsa Öberg")
        version = make.scheme_version(committee)
        make.delegation_rule(version, "1.1")
        make.delegation_rule(version, "9.1", kind="urgent", position_kind="chair", scope="committee")
        ids = []
        for number in ("1.1", "9.1"):
            case = Case(committee_id=committee.id, customer_id=customer.id, org_unit_id=unit.id,
                        case_type="deferral", state="granted", prepared_by_id=officer.id,
                        created_at=date(2026, 11, 1), reasons="")
            db.session.add(case)
            db.session.flush()
            decision = Decision(case_id=case.id, outcome="granted", decision_date=date(2026, 11, 2),
                                decided_at=date(2026, 11, 2), decided_by_id=officer.id, capacity="holder",
                                scheme_version_id=version.id, rule_number=number, rule_level=1, amount_ore=100,
                                terms={}, reasons="", no_conflict_confirmed=True)
            db.session.add(decision)
            db.session.flush()
            ids.append(decision.id)
        db.session.commit()
        flask_migrate.downgrade(revision="0010_trail_chain")
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            kinds = dict(connection.execute(text("SELECT id, rule_kind FROM decisions")).all())
        assert kinds == {ids[0]: "ordinary", ids[1]: "urgent"}
        db.session.remove()
        db.engine.dispose()
