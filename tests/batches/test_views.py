"""The batch pages: prepared by finance, built by the job, decided by the department head, printed;
seen by finance, the decider and the auditor only (RULINGS 17), in the query as on the page."""

from __future__ import annotations

import re
from sqlalchemy import select

from portal import access
from portal.batches import queries
from portal.batches.models import WriteOffBatch
from portal.documents.models import IssuedDocument
from portal.extensions import db
from tests.batches.conftest import submitted


def _new(client, **fields):
    data = {"committee_id": "", "title": "Små skulder 2026", "write_off_reason": "uneconomic",
            "write_off_final": "bookkeeping", "reasons": "För små belopp att driva in.", "source": "filter",
            "below": "100", "due_before": "2023-11-23", **fields}
    return client.post_form("/samlingsbeslut/ny", data)


def test_finance_prepares_the_decider_decides_and_the_pdf_is_issued(client, bw):
    client.login("ekonom")
    response = _new(client, committee_id=str(bw.committee.id))
    assert response.status_code == 303
    batch_url = response.headers["Location"]
    page = client.get(batch_url).get_data(as_text=True)
    assert "N000" in page and "S001" in page and "Punkt 3.2 omfattar varje rad (nivå 2)" in page
    assert "Sofia Strand" in page
    assert client.post_form(batch_url + "/skicka").status_code == 303
    client.post_form("/logga-ut")
    client.login("socialchef")
    page = client.get(batch_url).get_data(as_text=True)
    assert "Besluta om samlingsbeslutet" in page
    response = client.post_form(batch_url + "/beslut", {"outcome": "granted", "reasons": "Oekonomiskt.",
                                                        "no_conflict": "y", "confirmed": "y"})
    assert response.status_code == 303
    page = client.get(batch_url).get_data(as_text=True)
    link = re.search(r'href="(/dokument/\d+)"', page).group(1)
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_bad_filter_is_named_beside_its_field_and_nothing_is_made(client, bw):
    client.login("ekonom")
    response = _new(client, committee_id=str(bw.committee.id), below="tio kronor")
    assert response.status_code == 422
    assert "Skriv ett belopp i kronor" in response.get_data(as_text=True)
    assert db.session.scalars(select(WriteOffBatch)).all() == []


def test_only_finance_prepares(client, bw):
    client.login("handlaggare")
    assert client.get("/samlingsbeslut/ny").status_code == 403
    assert _new(client, committee_id=str(bw.committee.id)).status_code == 403


def test_readers_of_another_committee_and_case_officers_do_not_see_the_batch(client, bw, make):
    from portal.org.models import PositionKind

    batch = submitted(bw)
    bn_head_position = make.position(bw.other_committee_unit.committee, PositionKind.UNIT_HEAD,
                                     bw.other_committee_unit, title="Enhetschef Bygglov")
    bn_head = make.user("chef.bygg", full_name="Bo Bygg")
    make.appointment(bn_head, bn_head_position)
    for user in (bn_head, bw.officer, bw.unit_head, bw.other_head):
        assert not access.allowed(user, access.VIEW_BATCH, batch), user.username
        assert batch not in queries.batches_for(user)
    for user in (bw.finance, bw.auditor, bw.department_head):
        assert access.allowed(user, access.VIEW_BATCH, batch), user.username
        assert batch in queries.batches_for(user)
    client.login("chef.norr")
    assert client.get(f"/samlingsbeslut/{batch.id}").status_code == 403
    assert client.post_form(f"/samlingsbeslut/{batch.id}/beslut", {
        "outcome": "granted", "reasons": "x", "no_conflict": "y", "confirmed": "y"}).status_code == 403


def test_the_decision_document_is_seen_only_by_those_who_see_the_batch(client, bw):
    from portal.batches import services
    from tests.batches.test_services import GRANT

    batch = submitted(bw)
    services.batch_decide(bw.actor(bw.department_head), batch, GRANT)
    document = db.session.scalars(select(IssuedDocument).where(IssuedDocument.object_type == "write_off_batch")).one()
    assert access.allowed(bw.auditor, access.VIEW_DOCUMENT, document)
    assert not access.allowed(bw.officer, access.VIEW_DOCUMENT, document)
    assert not access.allowed(bw.unit_head, access.VIEW_DOCUMENT, document)


def test_a_file_batch_with_errors_lists_them_by_line(client, bw):
    client.login("ekonom")
    from io import BytesIO

    response = _new(client, committee_id=str(bw.committee.id), source="file", below="",
                    due_before="", file=(BytesIO("Fakturanummer\nN000\nX1\nX2\n".encode()), "lista.csv"))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Filen har 2 fel: ingen rad togs med" in page
    assert "Rad 3" in page and "Rad 4" in page and "X2" in page


def _decide_through_pages(client, bw, final: bool) -> WriteOffBatch:
    client.login("ekonom")
    response = _new(client, committee_id=str(bw.committee.id), write_off_final="final" if final else "bookkeeping")
    batch_url = response.headers["Location"]
    client.post_form(batch_url + "/skicka")
    client.post_form("/logga-ut")
    client.login("socialchef")
    assert client.post_form(batch_url + "/beslut", {"outcome": "granted", "reasons": "Oekonomiskt.",
                                                    "no_conflict": "y", "confirmed": "y"}).status_code == 303
    return db.session.get(WriteOffBatch, int(batch_url.rsplit("/", 1)[1]))


def test_a_final_write_off_sends_each_customer_a_letter(client, bw):
    from tests.documents.test_letters import flat

    batch = _decide_through_pages(client, bw, final=True)
    documents = db.session.scalars(select(IssuedDocument).where(
        IssuedDocument.object_type == "write_off_batch", IssuedDocument.object_id == str(batch.id))
        .order_by(IssuedDocument.id)).all()
    assert [d.title for d in documents] == ["Beslut om avskrivning av fordringar (samlingsbeslut)",
                                            "Beslut om avskrivning, brev till kunderna (5 brev)"]
    letters = flat(documents[1].content)
    assert letters.count("Beslut om avskrivning av fordran") == 5 and "Norrkund 0" in letters
    assert "du behöver inte betala dem" in letters


def test_a_book_keeping_write_off_sends_no_letters(client, bw):
    batch = _decide_through_pages(client, bw, final=False)
    documents = db.session.scalars(select(IssuedDocument).where(
        IssuedDocument.object_type == "write_off_batch", IssuedDocument.object_id == str(batch.id))).all()
    assert len(documents) == 1
