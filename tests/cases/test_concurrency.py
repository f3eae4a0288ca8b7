"""Two people deciding at the same moment, in real committed transactions on both databases:
exactly one decision stands, and two cases of one customer cannot both slip under a 12-month basis."""

from __future__ import annotations

import os
import threading
import time

import flask_migrate
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.audit.services import Actor
from portal.auth.models import User
from portal.cases import services
from portal.cases.models import Case, Decision
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput
from portal.database import take_write_lock
from portal.delegation.engine_types import CaseType
from portal.errors import ValidationFailed
from portal.extensions import db
from tests import factories
from tests.cases.conftest import build_world


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_app(request, tmp_path, frozen_clock):
    """An app on a database of its own, so committed rows never meet the other tests."""
    admin = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'concurrency.sqlite3'}"
    else:
        base = os.environ.get("TEST_DATABASE_URL")
        if not base:
            pytest.skip("PostgreSQL run skipped: TEST_DATABASE_URL is not set")
        base_url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
        name = f"{base_url.database}_concurrency"
        admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = base_url.set(database=name).render_as_string(hide_password=False)
    app = create_app({"SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _decide_in_thread(app, case_id: int, user_id: int, results: list, hold_seconds: float) -> None:
    with app.app_context():
        take_write_lock()
        try:
            user = db.session.get(User, user_id)
            case = db.session.get(Case, case_id)
            services.case_decide(Actor(user.id, user.username, None), case, services.DecisionInput(
                Outcome.GRANTED, "Skäl finns.", no_conflict_confirmed=True))
            time.sleep(hold_seconds)  # still inside the transaction: the other decider must wait
            db.session.commit()
            results.append(("ok", case_id))
        except ValidationFailed as refused:
            db.session.rollback()
            results.append(("refused", " ".join(refused.errors.values())))
        finally:
            db.session.remove()


def _race(app, pairs) -> list:
    results: list = []
    threads = [threading.Thread(target=_decide_in_thread, args=(app, case_id, user_id, results, hold))
               for case_id, user_id, hold in pairs]
    threads[0].start()
    time.sleep(0.2)
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_deciders_at_once_exactly_one_decision_stands(committed_app):
    with committed_app.app_context():
        world = build_world(factories)
        case = services.case_create(world.actor(world.officer), customer=world.customer,
                                    case_type=CaseType.DEFERRAL, invoice_ids=[world.invoice.id],
                                    terms=TermsInput(), reasons="Sjukdom.")
        from datetime import date

        services.case_update(world.actor(world.officer), case, invoice_ids=[world.invoice.id],
                             terms=TermsInput(new_due_date=date(2027, 1, 31)), reasons="Sjukdom.")
        services.case_submit(world.actor(world.officer), case)
        services.consultation_record(world.actor(world.finance), case, "Inga invändningar.")
        db.session.commit()
        case_id, first, second = case.id, world.unit_head.id, world.department_head.id
        # the department head may decide too only at level 2; give the case to two holders of 1.1
        from portal.org.models import Position

        position = db.session.scalars(select(Position).where(Position.title == "Enhetschef Hemtjänst Norr")).one()
        factories.appointment(world.department_head, position)
        db.session.commit()
        db.session.remove()

    results = _race(committed_app, [(case_id, first, 0.8), (case_id, second, 0.0)])

    assert sorted(kind for kind, _ in results) == ["ok", "refused"], results
    assert "redan beslutat" in next(detail for kind, detail in results if kind == "refused")
    with committed_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 1
        assert db.session.get(Case, case_id).state == CaseState.GRANTED
        db.session.remove()


def test_two_cases_of_one_customer_cannot_both_slip_under_the_twelve_month_basis(committed_app):
    with committed_app.app_context():
        world = build_world(factories)
        case_ids = []
        for _ in range(2):
            invoice = factories.invoice(world.customer, world.unit, world.category, due_date=None,
                                        original_ore=3_000_00)
            case = services.case_create(world.actor(world.officer), customer=world.customer,
                                        case_type=CaseType.WRITE_OFF, invoice_ids=[invoice.id],
                                        terms=TermsInput(), reasons="Dödsbo utan tillgångar.")
            services.case_update(world.actor(world.officer), case, invoice_ids=[invoice.id],
                                 terms=TermsInput(write_off_reason="deceased_without_assets",
                                                  write_off_final=True),
                                 reasons="Dödsbo utan tillgångar.")
            services.case_submit(world.actor(world.officer), case)
            case_ids.append(case.id)
        db.session.commit()
        head = world.unit_head.id
        db.session.remove()

    # Each write-off is 3 000 kr, inside rule 3.1's 5 000 kr; together over it within 12 months.
    results = _race(committed_app, [(case_ids[0], head, 0.8), (case_ids[1], head, 0.0)])

    assert sorted(kind for kind, _ in results) == ["ok", "refused"], results
    with committed_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 1
        db.session.remove()


def _submit_in_thread(app, case_id: int, user_id: int, results: list, hold_seconds: float) -> None:
    with app.app_context():
        take_write_lock()
        try:
            user = db.session.get(User, user_id)
            services.case_submit(Actor(user.id, user.username, None), db.session.get(Case, case_id))
            time.sleep(hold_seconds)  # still inside the transaction: the other submission must wait
            db.session.commit()
            results.append(("ok", case_id))
        except ValidationFailed as refused:
            db.session.rollback()
            results.append(("refused", " ".join(refused.errors.values())))
        finally:
            db.session.remove()


def test_two_cases_on_one_invoice_submitted_at_once_exactly_one_is_submitted(committed_app):
    # RULINGS 15: drafts on one invoice only warn; submitting holds it, checked inside the transaction.
    from datetime import date

    with committed_app.app_context():
        world = build_world(factories)
        case_ids = []
        for case_type, terms in ((CaseType.DEFERRAL, TermsInput(new_due_date=date(2027, 1, 31))),
                                 (CaseType.INSTALMENT_PLAN, TermsInput(first_due_date=date(2026, 12, 31),
                                                                       instalments=3))):
            case = services.case_create(world.actor(world.officer), customer=world.customer, case_type=case_type,
                                        invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Skäl.")
            services.case_update(world.actor(world.officer), case, invoice_ids=[world.invoice.id], terms=terms,
                                 reasons="Skäl finns.")
            case_ids.append(case.id)
        db.session.commit()
        officer = world.officer.id
        db.session.remove()

    results: list = []
    threads = [threading.Thread(target=_submit_in_thread, args=(committed_app, case_id, officer, results, hold))
               for case_id, hold in ((case_ids[0], 0.8), (case_ids[1], 0.0))]
    threads[0].start()
    time.sleep(0.2)
    threads[1].start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(kind for kind, _ in results) == ["ok", "refused"], results
    assert "ett öppet ärende i taget" in next(detail for kind, detail in results if kind == "refused")
    with committed_app.app_context():
        states = sorted(db.session.scalars(select(Case.state).where(Case.id.in_(case_ids))))
        assert states == ["awaiting_consultation", "draft"]
        db.session.remove()
