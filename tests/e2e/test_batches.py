"""In a real browser (issue 13, RULINGS 17): a batch write-off of 30 customers of Socialnämnden's
two home-care units prepared by finance from a file, checked line by line, decided by the head of
the department whose rule covers every line, and printed; no accessibility violations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.org.models import OrgUnit
from portal.receivables.identity import luhn_check_digit
from portal.receivables.models import Customer, Invoice, InvoiceCategory
from tests.documents.test_letters import flat, kr
from tests.e2e.conftest import axe_violations, login
from tests.e2e.test_cases import _logout

CUSTOMERS = 30


def _small_old_debts(app) -> tuple[list[str], int]:
    """Thirty customers, half in Hemtjänst Norr and half in Syd, each owing 40–69 kr since 2022."""
    numbers, total = [], 0
    with app.app_context():
        units = [db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one() for code in ("3110", "3120")]
        category = db.session.scalars(select(InvoiceCategory).where(InvoiceCategory.charges_interest.is_(False))
                                      .order_by(InvoiceCategory.id)).first()
        category = category or db.session.scalars(select(InvoiceCategory).order_by(InvoiceCategory.id)).first()
        for n in range(CUSTOMERS):
            body = f"4{n % 10}0304{500 + n:03d}"
            customer = Customer(identity_number="19" + body + str(luhn_check_digit(body)), kind="person",
                                name=f"Samlingskund {n:02d}", address="Provgatan 2", postcode="612 30",
                                city="Demokommun", protected_identity=False, deceased=False, debt_restructuring=False,
                                demo=True)
            db.session.add(customer)
            db.session.flush()
            amount = (40 + n) * 100
            db.session.add(Invoice(ledger_source="main", invoice_number=f"SAM-{n:02d}", customer_id=customer.id,
                                   org_unit_id=units[n % 2].id, category_id=category.id, invoice_date=date(2022, 2, 1),
                                   due_date=date(2022, 3, 1), original_amount_ore=amount, open_amount_ore=amount,
                                   collection_stage="long_term_monitoring"))
            numbers.append(f"SAM-{n:02d}")
        db.session.commit()
        db.session.remove()
    return numbers, total


def test_a_batch_of_thirty_customers_is_prepared_decided_and_printed(page, live_app, tmp_path):
    numbers, _total = _small_old_debts(live_app)
    listing = tmp_path / "avskrivningar.csv"
    listing.write_text("Fakturanummer;Orsak\n" + "".join(f"{n};Oekonomiskt litet belopp\n" for n in numbers),
                       encoding="utf-8")

    login(page, "ekonom")
    page.get_by_role("link", name="Samlingsbeslut").first.click()
    page.get_by_role("button", name="Nytt samlingsbeslut").click()
    assert axe_violations(page) == []
    page.locator("#committee_id").select_option(label="Socialnämnden")
    page.get_by_label("Titel", exact=True).fill("Små skulder i hemtjänsten 2022")
    page.get_by_label("Orsak till avskrivningen").select_option("uneconomic")
    page.get_by_label("Motivering").fill("Beloppen är för små för att driva in; bevakningen kostar mer.")
    page.get_by_label("En fil med fakturanummer").check()
    page.get_by_label("Fil (CSV eller .xlsx").set_input_files(str(listing))
    page.get_by_role("button", name="Sammanställ samlingsbeslutet").click()
    page.get_by_text("30 fakturor").first.wait_for()
    text = page.locator("main").inner_text()
    assert "30 kunder" in text and "Samlingskund 00" in text and "SAM-29" in text
    assert "Punkt 3.1 omfattar varje rad" in text or "Punkt 3.2 omfattar varje rad" in text
    assert axe_violations(page) == []
    page.get_by_role("button", name="Skicka in samlingsbeslutet").click()
    page.get_by_text("Samlingsbeslutet skickades in.").wait_for()
    registry_number = page.locator("h1 small").inner_text()
    assert registry_number.startswith("SN ")
    _logout(page)

    login(page, "socialchef")
    page.goto("/")
    waiting = page.locator("section", has=page.get_by_role("heading", name="Samlingsbeslut att besluta"))
    assert registry_number in waiting.inner_text()
    assert axe_violations(page) == []
    waiting.get_by_role("link", name=registry_number).click()
    assert axe_violations(page) == []
    page.get_by_label("Bevilja", exact=True).check()
    page.get_by_label("Skäl för beslutet").fill("Oekonomiskt att driva in.")
    page.get_by_label("Jag är inte jävig i ärendet").check()
    page.get_by_label("Jag bekräftar beslutet").check()
    page.get_by_role("button", name="Registrera beslutet").click()
    page.get_by_text("Beslutet registrerades.").wait_for()
    assert axe_violations(page) == []
    link = page.get_by_role("link", name="Beslut om avskrivning av fordringar (samlingsbeslut)", exact=True)
    page.get_by_role("link", name="Beslut om avskrivning av fordringar (samlingsbeslut), kopia utan "
                     "personuppgifter").wait_for()
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = flat(response.body())
    assert registry_number in pdf and "Samlingskund 00" in pdf and "SAM-29" in pdf
    assert "-****" in pdf and kr(sum((40 + n) * 100 for n in range(CUSTOMERS))) in pdf
    assert "30 kunder" in pdf


def _referred_batch(app) -> tuple[str, str]:
    """A batch of one debt over every delegated limit, prepared and submitted by finance: no
    delegate's rule covers it, so it is referred to the committee."""
    from portal.audit.services import Actor
    from portal.auth.models import User
    from portal.batches import services
    from portal.org.models import Committee
    from tests.e2e.test_cases import _customer_with_invoice

    customer_id = _customer_with_invoice(app, "Karl Kommittésson", 95_000_00, due_days_ago=900)
    with app.app_context():
        finance = db.session.scalars(select(User).where(User.username == "ekonom")).one()
        actor = Actor(finance.id, finance.username, "finance_officer")
        number = db.session.scalars(select(Invoice.invoice_number).where(Invoice.customer_id == customer_id)).one()
        committee = db.session.scalars(select(Committee).where(Committee.code == "SN")).one()
        title = f"Stor skuld till nämnden {number}"
        batch = services.batch_create_from_file(
            actor, services.BatchHead(committee.id, title, "uneconomic", False, "Beloppet går inte att driva in."),
            "lista.csv", f"Fakturanummer\n{number}\n".encode())
        services.batch_build(actor, batch)
        services.batch_submit(actor, batch)
        assert batch.state == "referred_to_committee"
        registry_number = batch.registry_number
        db.session.commit()
        db.session.remove()
    return registry_number, title


def test_the_committee_decides_a_referred_batch_at_its_meeting(page, live_app):
    from portal import clock
    from tests.e2e.conftest import htmx_ready

    registry_number, _title = _referred_batch(live_app)
    today = clock.today().isoformat()

    login(page, "sekreterare")
    page.get_by_role("link", name="Sammanträden").click()
    page.get_by_role("link", name="Socialnämnden", exact=True).click()
    page.get_by_label("Datum").fill(today)
    page.get_by_label("Plats").fill("Sessionssalen")
    page.get_by_role("button", name="Skapa sammanträde").click()
    page.locator("#agenda-heading").wait_for()
    htmx_ready(page)
    page.get_by_label(f"Ekonomiavdelningens förslag i {registry_number}").fill("Skriva av fordran.")
    page.get_by_role("button", name=f"Ta upp {registry_number} på föredragningslistan").click()
    page.get_by_role("heading", name="§ 1 · Hänskjutet samlingsbeslut").wait_for()
    htmx_ready(page)
    assert axe_violations(page) == []
    assert "Karl Kommittésson" not in page.content()
    page.get_by_label("Nämndens beslut", exact=True).select_option("granted")
    page.get_by_role("button", name="Spara beslutet i § 1").click()
    page.get_by_text("Nämndens beslut: Beviljat").wait_for()
    htmx_ready(page)
    page.get_by_label("Protokollet justerat").fill(today)
    page.get_by_label("Protokollet anslaget").fill(today)
    page.get_by_label("Jag bekräftar: nämndens beslut får verkan").check()
    page.get_by_role("button", name="Registrera sammanträdet").click()
    page.get_by_text("Genomfört").first.wait_for()
    reference = f"SN {today} § 1"
    assert reference in page.content()

    page.get_by_role("link", name=registry_number).click()
    page.get_by_text(f"Nämndens eget beslut vid sammanträdet, {reference}.").wait_for()
    assert "Karl Kommittésson" not in page.locator("main").inner_text()
    assert axe_violations(page) == []
    # The secretary opens the decision's copy without personal data, never the decision itself.
    assert page.get_by_role("link", name="Beslut om avskrivning av fordringar (samlingsbeslut)", exact=True).count() == 0
    link = page.get_by_role("link", name="Beslut om avskrivning av fordringar (samlingsbeslut), kopia utan "
                            "personuppgifter")
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = flat(response.body())
    assert registry_number in pdf and "Nämndens beslut" in pdf and reference in pdf
    assert "Karl Kommittésson" not in pdf


def _batch_awaiting_decision(app) -> tuple[str, str]:
    """A batch of one small old debt, submitted by finance to the delegate whose rule covers it;
    the username of that decider."""
    from portal import clock
    from portal.audit.services import Actor
    from portal.auth.models import User
    from portal.batches import services
    from portal.batches.routing import route
    from portal.org.models import Committee
    from tests.e2e.test_cases import _customer_with_invoice

    customer_id = _customer_with_invoice(app, "Rut Remissdottir", 80_00, due_days_ago=1200)
    with app.app_context():
        finance = db.session.scalars(select(User).where(User.username == "ekonom")).one()
        actor = Actor(finance.id, finance.username, "finance_officer")
        number = db.session.scalars(select(Invoice.invoice_number).where(Invoice.customer_id == customer_id)).one()
        committee = db.session.scalars(select(Committee).where(Committee.code == "SN")).one()
        batch = services.batch_create_from_file(
            actor, services.BatchHead(committee.id, f"Liten skuld {number}", "uneconomic", False, "För litet."),
            "lista.csv", f"Fakturanummer\n{number}\n".encode())
        services.batch_build(actor, batch)
        services.batch_submit(actor, batch)
        assert batch.state == "awaiting_decision"
        decider_id = sorted(route(batch, clock.today()).proposed.person_ids)[0]
        registry_number = batch.registry_number
        username = db.session.get(User, decider_id).username
        db.session.commit()
        db.session.remove()
    return registry_number, username


def test_the_decider_refers_a_batch_to_the_committee(page, live_app):
    registry_number, decider = _batch_awaiting_decision(live_app)
    login(page, decider)
    page.goto("/samlingsbeslut/")
    page.get_by_role("link", name=registry_number).click()
    page.get_by_role("heading", name="Hänskjut till nämnden").wait_for()
    batch_url = page.url
    assert axe_violations(page) == []
    page.get_by_role("button", name="Hänskjut till nämnden").click()
    page.get_by_text("Skriv varför nämnden ska besluta om samlingsbeslutet.").first.wait_for()
    assert axe_violations(page) == []
    page.get_by_label("Varför nämnden ska besluta om samlingsbeslutet").fill("Kunden har fler skulder hos nämnden.")
    page.get_by_role("button", name="Hänskjut till nämnden").click()
    page.get_by_text("Samlingsbeslutet hänsköts till nämnden.").wait_for()
    referral = page.locator("#batch-referral").inner_text()
    assert "Hänskjutet av beslutsfattaren" in referral and "Kunden har fler skulder hos nämnden." in referral
    assert page.get_by_role("button", name="Hänskjut till nämnden").count() == 0
    assert axe_violations(page) == []
    _logout(page)

    # The committee's secretary reads it waiting for a meeting, with the decider's reason.
    login(page, "sekreterare")
    page.goto(batch_url)
    assert "Kunden har fler skulder hos nämnden." in page.locator("#batch-referral").inner_text()
    assert "Rut Remissdottir" not in page.locator("main").inner_text()
    assert axe_violations(page) == []
