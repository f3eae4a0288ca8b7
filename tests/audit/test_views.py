"""The auditor's pages: the trail searched by case, customer, person, action and period, in Swedish
and exported safely; the chain's check; the customer view log searched and exported."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import text

from portal.audit.services import SYSTEM, Actor, record
from portal.auth.roles import Role
from portal.extensions import db
from portal.receivables.models import CustomerView
from tests.cases.conftest import build_world


def _auditor(client, make):
    make.user("revisor", Role.AUDITOR, full_name="Rut Revisor")
    db.session.commit()
    client.login("revisor")


def _results(response) -> str:
    """The results section only (the search form lists every event by name)."""
    page = response.get_data(as_text=True)
    return page[page.index('<section id="trail-results"'):]


def _rows(response) -> list[list[str]]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_the_trail_reads_in_swedish_without_codes(client, make, frozen_clock):
    director = make.user("ekonomichef", Role.FINANCE_DIRECTOR, full_name="Eva Ekonomichef")
    record(Actor(director.id, director.username, "finance_director"), "case.mark_urgent", "case", 99,
           before={"state": "awaiting_decision", "urgent": False}, after={"state": "referred_to_committee",
                                                                          "urgent": True, "amount_ore": 123456})
    record(Actor(director.id, director.username, "standin:1.1"), "access.denied", "page", None,
           after={"permission": "users.manage", "path": "/admin/anvandare/"})
    _auditor(client, make)
    page = client.get("/granskning/logg").get_data(as_text=True)
    for swedish in ("Ärende markerat som brådskande", "Eva Ekonomichef (ekonomichef)", "Ekonomichef",
                    "Väntar på beslut → Hänskjutet till nämnden", "1\u00a0234,56", "Åtkomst nekad",
                    "ersättare, punkt 1.1", "hantera användare"):
        assert swedish in page, (swedish, page[page.find("<tbody>"):page.find("</tbody>")])
    for code in ("case.mark_urgent", "finance_director", "awaiting_decision", "access.denied", "users.manage",
                 "standin"):
        assert code not in page, code


def test_search_by_action_person_and_period(client, make, frozen_clock):
    anna = make.user("anna", Role.CASE_OFFICER, full_name="Anna Andersson")
    bo = make.user("bo", Role.CASE_OFFICER, full_name="Bo Berg")
    frozen_clock.set(datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    record(Actor(anna.id, "anna", None), "login.success", "user", anna.id)
    frozen_clock.set(datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    record(Actor(bo.id, "bo", None), "login.success", "user", bo.id)
    record(Actor(bo.id, "bo", None), "logout", "user", bo.id)
    _auditor(client, make)

    def entries(query: str) -> str:
        return _results(client.get(f"/granskning/logg?{query}"))

    assert "Anna Andersson" in entries("person=andersson") and "Bo Berg" not in entries("person=andersson")
    only_logout = entries("action=utloggad")
    assert "Utloggad" in only_logout and "1 post" in only_logout
    spring = entries("date_from=2026-02-01&date_to=2026-03-31&action=inloggad")
    assert "Anna Andersson" in spring and "Bo Berg" not in spring


def test_search_by_case_and_customer(client, make, frozen_clock):
    from portal.cases import services
    from portal.cases.terms import TermsInput
    from portal.delegation.engine_types import CaseType

    world = build_world(make)
    case = services.case_create(world.actor(world.officer), customer=world.customer, case_type=CaseType.DEFERRAL,
                                invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    services.case_update(world.actor(world.officer), case, invoice_ids=[world.invoice.id],
                         terms=TermsInput(new_due_date=datetime(2027, 1, 31).date()), reasons="Sjukdom.")
    services.case_submit(world.actor(world.officer), case)
    record(SYSTEM, "user.create", "user", world.officer.id)
    _auditor(client, make)
    by_case = _results(client.get(f"/granskning/logg?case={case.registry_number}"))
    assert "Ärende inskickat" in by_case and "Användare skapad" not in by_case
    assert f'href="/arenden/{case.id}"' in by_case and "3 poster" in by_case
    by_customer = _results(client.get("/granskning/logg?customer=öberg"))
    assert "Ärende inskickat" in by_customer and "Användare skapad" not in by_customer
    nobody = client.get("/granskning/logg?customer=Ingen+Alls").get_data(as_text=True)
    assert "Inga poster matchar." in nobody


def test_htmx_gets_only_the_results_and_bad_dates_are_named(client, make):
    _auditor(client, make)
    partial = client.get("/granskning/logg?action=utloggad", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert partial.lstrip().startswith('<section id="trail-results"') and "<html" not in partial
    response = client.get("/granskning/logg?date_from=9999-12-31&date_to=2026-13-45&sida=99999999999999999999")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="date_from-error"' in page and 'id="date_to-error"' in page
    assert "Not a valid date value" not in page


def test_the_trail_pages_through_fifty_entries_at_a_time(client, make):
    for n in range(60):
        record(SYSTEM, "user.update", "user", n)
    _auditor(client, make)
    first = client.get("/granskning/logg").get_data(as_text=True)
    assert "Sida 1 av 2" in first and "sida=2" in first
    second = _results(client.get("/granskning/logg?sida=2"))
    assert "61 poster" in second  # the 60, and the auditor's own sign-in on top of page 1
    assert second.count("Användare ändrad") == 11


def test_the_export_is_safe_against_csv_injection(client, make):
    record(Actor(None, "=HYPERLINK(\"http://x\")", "+capacity"), "login.failure", "user", "-1",
           after={"username": "@SUM(A1)"})
    record(Actor(None, "\tcmd", None), "login.failure", "user", "\r2")
    _auditor(client, make)
    response = client.get("/granskning/logg.csv?action=misslyckad-inloggning")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = _rows(response)
    assert rows[0][:6] == ["Tid", "Plats i kedjan", "Användarnamn", "Namn", "I egenskap av", "Händelse"]
    assert [row[5] for row in rows[1:]] == ["Misslyckad inloggning"] * 2
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert rows[1][2] == "'=HYPERLINK(\"http://x\")" and rows[1][7] == "'-1"
    assert rows[2][2] == "'\tcmd"


def test_the_chain_page_says_intact_then_names_the_changed_entry(client, make):
    _auditor(client, make)
    entries = [record(SYSTEM, "user.update", "user", n) for n in range(3)]
    db.session.commit()
    page = client.get("/granskning/kedjan").get_data(as_text=True)
    assert "Loggen är obruten" in page and entries[-1].entry_hash in page
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    db.session.execute(text("UPDATE audit_entries SET object_id = '42' WHERE id = :id"), {"id": entries[1].id})
    # (the tests' own transaction never ends, so the trigger stays off for the request that follows)
    db.session.commit()
    page = client.get("/granskning/kedjan").get_data(as_text=True)
    assert "Loggen har manipulerats" in page
    assert f"Post {entries[1].id} (plats {entries[1].chain_seq} i kedjan) har ändrats efter att den skrevs." in page


def test_the_customer_view_log_is_searched_and_exported(client, make, frozen_clock):
    officer = make.user("handlaggare", Role.CASE_OFFICER, full_name="Hanna Holm")
    make.user("ekonomichef", Role.FINANCE_DIRECTOR, full_name="Eva Ek")
    first, second = make.customer("Åsa Öberg"), make.customer("=Bertil Bäck")
    for customer in (first, second):
        db.session.add(CustomerView(customer_id=customer.id, user_id=officer.id, viewed_at=frozen_clock.instant,
                                    capacity="case_officer", address="10.0.0.1"))
    db.session.commit()
    client.login("ekonomichef")
    page = client.get("/granskning/kundvisningar?customer=öberg").get_data(as_text=True)
    assert "Åsa Öberg" in page and "Bäck" not in page and "Hanna Holm (handlaggare)" in page
    assert "Handläggare" in page and "case_officer" not in page
    rows = _rows(client.get("/granskning/kundvisningar.csv?person=hanna"))
    assert rows[0] == ["Tid", "Kund", "Användarnamn", "Namn", "I egenskap av", "Adress"]
    assert sorted(row[1] for row in rows[1:]) == ["'=Bertil Bäck", "Åsa Öberg"]
    assert client.get("/granskning/logg").status_code == 403  # the trail itself is the auditor's
