"""Demo data and the portal's commands."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.cli import portal_cli
from portal.demo.seed import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.org.models import Absence, Committee
from portal.org.queries import standin_duties


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_is_idempotent(app, frozen_clock):
    seed_demo(ledger_invoices=200)
    counts = [_count(m) for m in (User, Committee, Absence, AuditEntry)]
    seed_demo(ledger_invoices=200)
    assert [_count(m) for m in (User, Committee, Absence, AuditEntry)] == counts
    codes = set(db.session.scalars(select(Committee.code)))
    assert {"KS", "SN", "SNAU", "BUN", "TN", "KFN"} <= codes


def test_demo_has_a_standin_covering_today_relative_to_the_run_date(app, frozen_clock):
    seed_demo(ledger_invoices=200)
    nils = db.session.scalars(select(User).where(User.username == "chef.norr")).one()
    duties = standin_duties(nils.id, frozen_clock.instant.date())
    assert any(d.absent_user and d.absent_user.username == "chef.syd" for d in duties)


def test_demo_users_log_in_with_the_readme_password(client, app, frozen_clock):
    seed_demo(ledger_invoices=200)
    db.session.commit()
    client.login("ekonomichef", DEMO_PASSWORD)
    assert "Ekonomichef" in client.get("/").get_data(as_text=True)


def test_seed_demo_command_refuses_outside_development(app):
    result = app.test_cli_runner().invoke(portal_cli, ["seed-demo"])
    assert result.exit_code != 0
    assert "development mode" in result.output
    assert _count(User) == 0


def test_create_user_and_set_password_commands(app):
    runner = app.test_cli_runner()
    result = runner.invoke(portal_cli, ["create-user", "Alva", "--name", "Alva Andersson",
                                        "--role", "administrator", "--password", "ett-langt-losenord"])
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User).where(User.username == "alva")).one()
    assert user.check_password("ett-langt-losenord")
    result = runner.invoke(portal_cli, ["set-password", "alva", "--password", "ett-annat-losenord"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("ett-annat-losenord")
    bad = runner.invoke(portal_cli, ["set-password", "alva", "--password", "kort"])
    assert bad.exit_code != 0 and "password" in bad.output


def test_demo_has_a_published_scheme_without_errors_for_every_committee(app, frozen_clock):
    from portal.delegation import queries, services
    from portal.delegation.models import PriceBaseAmount, SchemeVersion

    seed_demo()
    seed_demo()
    assert {p.year: p.amount_ore for p in db.session.scalars(select(PriceBaseAmount))} == {
        2024: 5_730_000, 2025: 5_880_000, 2026: 5_920_000}
    today = frozen_clock.instant.date()
    for code in ("KS", "SN", "BUN", "TN", "KFN"):
        committee = db.session.scalars(select(Committee).where(Committee.code == code)).one()
        version = queries.version_in_force(committee.id, today)
        assert version is not None and version.adoption_reference.startswith(code), code
        errors = [f for f in services.findings(version) if f.severity == "error"]
        assert errors == [], (code, errors)
    sn = db.session.scalars(select(Committee).where(Committee.code == "SN")).one()
    assert len(queries.earlier_versions(sn.id, today)) == 1
    assert _count(SchemeVersion) == 6


def _state_of(customer_name: str):
    from portal.cases.models import Case
    from portal.receivables.models import Customer

    return db.session.scalars(select(Case).join(Customer, Customer.id == Case.customer_id)
                              .where(Customer.name == customer_name)).one()


def test_the_demo_tells_a_story_for_every_persona(app, frozen_clock):
    from portal.cases import queries as case_queries
    from portal.meetings import delegation_report
    from portal.meetings import queries as meeting_queries
    from portal.org.models import Committee as CommitteeModel

    seed_demo(ledger_invoices=200)
    today = frozen_clock.instant.date()

    def user(name):
        return db.session.scalars(select(User).where(User.username == name)).one()

    waiting = case_queries.to_decide(user("chef.norr").id, today)
    by_customer = {item.case.customer.name: item for item in waiting}
    assert by_customer["Bo Bergkvist"].capacity == "holder"
    assert by_customer["Cecilia Dahlén"].capacity == "standin"  # for Sara Sjöberg, who is away
    assert [c.customer.name for c in case_queries.awaiting_consultation(user("ekonom"))] == ["David Ekholm"]
    referred = _state_of("Elin Forsberg")
    assert referred.state == "referred_to_committee"
    item = meeting_queries.open_item_of_case(referred.id)
    assert item is not None and item.meeting.meeting_date > today
    sn = db.session.scalars(select(CommitteeModel).where(CommitteeModel.code == "SN")).one()
    unreported = {d.case.customer.name for d in delegation_report.unreported_decisions(sn.id)}
    assert unreported == {"Greta Hjort", "Filip Granlund"}  # decided today, for the secretary to report
    assert [c.customer.name for c in case_queries.awaiting_signature(user("handlaggare"))] == ["Greta Hjort"]
    assert "Filip Granlund" in [c.customer.name for c in case_queries.granted_not_executed(user("ekonom"))]
    assert _state_of("Hugo Ivarsson").state == "returned"


def test_the_demo_story_is_loaded_once(app, frozen_clock):
    from portal.cases.models import Case

    seed_demo(ledger_invoices=200)
    cases = _count(Case)
    assert seed_demo(ledger_invoices=200).count("demo cases already in place") == 1
    assert _count(Case) == cases == 7


def test_the_demo_keeps_the_past_month_ends_so_the_overdue_trend_has_a_history(app, frozen_clock):
    from portal.demo.history import DEMO_MONTH_ENDS
    from portal.reports import finance_reports, queries
    from portal.reports.models import ReceivablesSnapshot

    seed_demo(ledger_invoices=400)
    today = frozen_clock.instant.date()
    kept = list(db.session.scalars(select(ReceivablesSnapshot).order_by(ReceivablesSnapshot.month_end)))
    assert len(kept) == DEMO_MONTH_ENDS and kept[-1].month_end == today.replace(day=1) - timedelta(days=1)
    auditor = db.session.scalars(select(User).where(User.username == "revisor")).one()
    trend = next(table for table in finance_reports.overdue(auditor, today, queries.Filters(),
                                                            queries.organisation()).tables if table.key == "trend")
    amounts = [row[2] for row in trend.rows]
    assert len(amounts) == DEMO_MONTH_ENDS and all(amount > 0 for amount in amounts)
    assert len(set(amounts)) > 1  # a trend, not one figure repeated
    seed_demo(ledger_invoices=400)
    assert _count(ReceivablesSnapshot) == DEMO_MONTH_ENDS
