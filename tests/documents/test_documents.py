"""Issued documents: Swedish text safe and exact, fonts embedded, PDF/A metadata, verification."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, date, datetime

import pikepdf
import pytest
from pypdf import PdfReader

from portal.audit.models import AuditEntry
from portal.audit.services import SYSTEM
from portal.documents import services
from portal.documents.archive import to_pdfa
from portal.documents.models import DocumentKind
from portal.documents.pdf import DocumentFrame, build_pdf, paragraph, styles, table
from portal.extensions import db

HOSTILE_NAME = "<script>alert(1)</script> Åsa Öberg"


def _render(code: str, committee_name: str = "Socialnämnden") -> bytes:
    info = DocumentFrame(
        municipality_name="Demokommun", committee_name=committee_name, title="Provdokument",
        verification_code=code, issued_on=date(2026, 11, 23), registry_number="SN 2026/17",
    )
    rows = [["Rad", "Belopp"]] + [[f"Rad {n}", f"{n * 100} kr"] for n in range(1, 80)]
    story = [paragraph("Provdokument", "title"), paragraph(f"Kund: {HOSTILE_NAME}"),
             paragraph("Räntelagen 6 § – dröjsmålsränta"), table(rows)]
    pdf = build_pdf(info, story)
    return to_pdfa(pdf, title=info.title, author=info.author, subject="Prov",
                   issued_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC))


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_swedish_text_and_user_markup_come_out_exactly_and_harmless():
    pdf = _render("ABCD-EFGH-JKMN")
    text = _text(pdf)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages > 1
    assert HOSTILE_NAME in text
    assert "Räntelagen 6 § – dröjsmålsränta" in text
    assert f"Sida 1 av {pages}" in text and f"Sida {pages} av {pages}" in text
    assert "Verifieringskod ABCD-EFGH-JKMN" in text and "Dnr SN 2026/17" in text


def test_the_same_document_renders_to_the_same_bytes():
    assert _render("ABCD-EFGH-JKMN") == _render("ABCD-EFGH-JKMN")


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) is not installed")
def test_every_font_is_embedded(tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(_render("ABCD-EFGH-JKMN"))
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    fonts = lines[2:]
    assert fonts, "the document has fonts"
    for line in fonts:
        columns = line.split()
        assert columns[-5] == "yes", f"not embedded: {line}"


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
def test_structure_passes_qpdf_check(tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(_render("ABCD-EFGH-JKMN"))
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pdfa_metadata_matches_the_document_information_and_has_an_srgb_intent():
    with pikepdf.open(io.BytesIO(_render("ABCD-EFGH-JKMN"))) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == str(pdf.docinfo["/Title"]) == "Provdokument"
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFA1
        assert intent.DestOutputProfile.N == 3
        assert "/Encrypt" not in pdf.trailer
        assert "/ID" in pdf.trailer


def test_issuing_stores_the_bytes_and_their_hash_and_audits_it(app):
    document = services.document_issue(
        SYSTEM, kind=DocumentKind.DELEGATION_SCHEME, title="Provdokument", object_type="test",
        object_id=1, render=_render, registry_number="SN 2026/17",
    )
    assert services.normalise_code(document.verification_code) == document.verification_code
    assert document.verification_code in _text(document.content)
    import hashlib

    assert hashlib.sha256(document.content).hexdigest() == document.sha256
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "document.issue")).one()
    assert entry.after["sha256"] == document.sha256


def test_codes_are_read_as_people_type_them():
    assert services.normalise_code("abcd efgh jkmn") == "ABCD-EFGH-JKMN"
    assert services.normalise_code("OOOO-IIII-LLLL") == "0000-1111-1111"
    assert services.normalise_code("ABCD-EFGH") is None
    assert services.normalise_code("ABCD-EFGH-JKMU") is None  # U is not in the alphabet


def test_verification_page_tells_a_genuine_from_an_altered_file(client, app):
    document = services.document_issue(
        SYSTEM, kind=DocumentKind.DELEGATION_SCHEME, title="Provdokument", object_type="test",
        object_id=1, render=_render, registry_number="SN 2026/17",
    )
    code, content = document.verification_code, document.content
    db.session.commit()
    genuine = client.post_form("/verifiera", {"code": code.lower(), "file": (io.BytesIO(content), "a.pdf")},
                               content_type="multipart/form-data").get_data(as_text=True)
    assert "Delegationsordning" in genuine and "SN 2026/17" in genuine
    assert "exakt den fil som utfärdades" in genuine
    altered = content.replace(b"Provdokument", b"Provdokumenx", 1)
    changed = client.post_form("/verifiera", {"code": code, "file": (io.BytesIO(altered), "a.pdf")},
                               content_type="multipart/form-data").get_data(as_text=True)
    assert "INTE den fil som utfärdades" in changed
    unknown = client.post_form("/verifiera", {"code": "ZZZZ-ZZZZ-ZZZZ"}).get_data(as_text=True)
    assert "Ingen handling med den koden" in unknown


def test_verification_page_never_names_whom_a_document_concerns(client, app):
    document = services.document_issue(
        SYSTEM, kind=DocumentKind.DECISION_LETTER, title="Beslut", object_type="test", object_id=2,
        render=_render,
    )
    db.session.commit()
    page = client.post_form("/verifiera", {"code": document.verification_code}).get_data(as_text=True)
    assert "Öberg" not in page and "Beslutsbrev" in page


def test_styles_use_the_embedded_font():
    assert styles()["body"].fontName == "DejaVuSans"
