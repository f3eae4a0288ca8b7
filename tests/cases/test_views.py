"""Case pages: attachments checked by content, the decide form only for those the engine allows,
the case list and the finance export."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.cases import services
from portal.cases.models import Attachment
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.extensions import db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _draft(world):
    case = services.case_create(world.actor(world.officer), customer=world.customer, case_type=CaseType.DEFERRAL,
                                invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Sjukdom.")
    services.case_update(world.actor(world.officer), case, invoice_ids=[world.invoice.id],
                         terms=TermsInput(new_due_date=date(2027, 1, 31)), reasons="Sjukdom.")
    db.session.commit()
    return case


def _upload(client, case_id, data, name="intyg.pdf"):
    return client.post_form(f"/arenden/{case_id}/bilagor", {"file": (io.BytesIO(data), name)},
                            content_type="multipart/form-data")


def test_a_pdf_attachment_is_stored_in_the_database_and_audited(client, world):
    case = _draft(world)
    client.login("handlaggare")
    assert _upload(client, case.id, PDF).status_code == 303
    attachment = db.session.scalars(select(Attachment).where(Attachment.case_id == case.id)).one()
    assert attachment.mimetype == "application/pdf" and attachment.size == len(PDF)
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.attach")).one()
    download = client.get(f"/arenden/bilagor/{attachment.id}")
    assert download.data == PDF and "attachment;" in download.headers["Content-Disposition"]


def test_a_file_named_pdf_that_is_not_one_is_refused_in_swedish(client, world):
    case = _draft(world)
    client.login("handlaggare")
    response = _upload(client, case.id, b"<script>alert(1)</script>", "intyg.pdf")
    assert response.status_code == 422
    assert "Filen måste vara en PDF, PNG eller JPEG" in response.get_data(as_text=True)
    assert db.session.scalars(select(Attachment)).first() is None


def test_a_person_who_cannot_see_the_case_cannot_download_its_attachments(client, world, make):
    case = _draft(world)
    attachment = services.attachment_add(world.actor(world.officer), case, "intyg.pdf", PDF)
    db.session.commit()
    make.user("stranger")
    client.login("stranger")
    assert client.get(f"/arenden/bilagor/{attachment.id}").status_code == 403


def test_the_decide_form_shows_only_for_someone_the_engine_allows(client, world):
    case = _draft(world)
    services.case_submit(world.actor(world.officer), case)
    services.consultation_record(world.actor(world.finance), case, "Inga invändningar.")
    db.session.commit()
    client.login("chef.norr")
    assert "Registrera beslutet" in client.get(f"/arenden/{case.id}").get_data(as_text=True)
    client.post_form("/logga-ut")
    client.login("ekonom")  # sees every case, decides none
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Registrera beslutet" not in page and "Varför du inte kan besluta i ärendet" in page
    client.post_form("/logga-ut")
    client.login("chef.syd")  # the head of another unit does not even see it
    assert client.get(f"/arenden/{case.id}").status_code == 403


def test_deciding_by_post_without_the_right_is_refused_whatever_the_page_shows(client, world):
    case = _draft(world)
    services.case_submit(world.actor(world.officer), case)
    services.consultation_record(world.actor(world.finance), case, "Inga invändningar.")
    db.session.commit()
    client.login("chef.syd")  # the head of another unit: does not see the case
    response = client.post_form(f"/arenden/{case.id}/beslut", {
        "outcome": "granted", "reasons": "Försök", "no_conflict": "y"})
    assert response.status_code == 403
    client.post_form("/logga-ut")
    client.login("ekonom")  # sees the case, may not decide it
    response = client.post_form(f"/arenden/{case.id}/beslut", {
        "outcome": "granted", "reasons": "Försök", "no_conflict": "y", "confirmed": "y"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(type(case), case.id).decision is None


def test_case_list_filters_and_finance_export(client, world):
    case = _draft(world)
    services.case_submit(world.actor(world.officer), case)
    services.consultation_record(world.actor(world.finance), case, "Ok.")
    services.case_decide(world.actor(world.unit_head), case, services.DecisionInput(
        outcome=__import__("portal.cases.rules", fromlist=["Outcome"]).Outcome.GRANTED, reasons="Ok.",
        no_conflict_confirmed=True))
    db.session.commit()
    client.login("ekonom")
    listed = client.get("/arenden/?case_type=deferral&state=granted").get_data(as_text=True)
    assert "SN 2026/1" in listed
    assert "SN 2026/1" not in client.get("/arenden/?case_type=write_off").get_data(as_text=True)
    csv_text = client.get("/arenden/att-verkstalla.csv").get_data(as_text=True)
    assert "SN 2026/1" in csv_text and "2027-01-31" in csv_text


def test_case_list_search_by_registry_number_customer_name_and_identity_number(client, world):
    case = _draft(world)
    services.case_submit(world.actor(world.officer), case)
    db.session.commit()
    client.login("handlaggare")
    identity = world.customer.identity_number
    for query in ("SN 2026/1", "Öberg", identity, f"{identity[2:8]}-{identity[8:]}"):
        page = client.post_form("/arenden/", {"q": query}, follow_redirects=True).get_data(as_text=True)
        assert "SN 2026/1" in page, query
    assert "SN 2026/1" not in client.post_form("/arenden/", {"q": "Nobody"},
                                               follow_redirects=True).get_data(as_text=True)
