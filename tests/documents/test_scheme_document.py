"""The delegation scheme as the document the committee adopts: issued by the finance director, kept."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from portal.delegation.pdf import scheme_document_issue
from portal.documents.models import DocumentKind
from portal.documents.services import documents_for
from portal.extensions import db


def flat(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"[ \n\u00a0]+", " ", text)


def test_the_scheme_document_lists_rules_by_type_and_level_with_delegate_and_limits(app, world):
    document = scheme_document_issue(world.actor(world.department_head), world.version)
    assert document.kind == DocumentKind.DELEGATION_SCHEME and document.committee_id == world.committee.id
    text = flat(document.content)
    assert "Delegationsordning för Socialnämnden" in text and "förslag" not in text
    assert "Antagen SN 2025-12-10 § 120" in text and "Gäller från 2026-01-01 tills vidare" in text
    for heading in ("Anstånd", "Avbetalningsplan", "Avskrivning", "Kreditering", "Nivå 1", "Nivå 2"):
        assert heading in text, heading
    for number in ("1.1", "1.2", "2.1", "2.2", "3.1", "4.1"):
        assert number in text
    assert "3 månader" in text and "Samråd med Ekonomiavdelningen" in text
    assert "0,5 prisbasbelopp" in text
    assert f"Verifieringskod {document.verification_code}" in text


def test_the_director_issues_it_from_the_version_page_and_readers_download_copies(client, app, world, make):
    from portal.auth.roles import Role

    make.user("direktor", Role.FINANCE_DIRECTOR, full_name="Disa Direktör")
    version_id = world.version.id
    db.session.commit()
    client.login("direktor")
    assert client.post_form(f"/delegation/versioner/{version_id}/dokument").status_code == 303
    (copy,) = documents_for("scheme_version", version_id)
    page = client.get(f"/delegation/versioner/{version_id}").get_data(as_text=True)
    assert copy.verification_code in page
    reader = app.test_client()
    reader.login("handlaggare")
    assert reader.get(f"/dokument/{copy.id}").get_data() == copy.content
    assert reader.post_form(f"/delegation/versioner/{version_id}/dokument").status_code == 403
