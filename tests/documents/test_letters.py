"""Decision letters and plan agreements: issued with the decision, right for each case type, harmless
with hostile input, verifiable; a plan waits for its signed agreement."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.cases import services
from portal.cases.models import Decision
from portal.cases.rules import CaseState, Outcome
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.documents.models import DocumentKind, IssuedDocument
from portal.documents.services import documents_for
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.money import format_money

HOSTILE_NAME = "<script>alert(1)</script> Åsa Öberg"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def flat(pdf: bytes) -> str:
    """The text with line breaks made spaces, so a sentence that wraps still reads as one."""
    return re.sub(r"[ \n\u00a0]+", " ", text_of(pdf))


def kr(ore: int) -> str:
    """An amount as it reads in the extracted text (pypdf gives the no-break space as a space)."""
    return format_money(ore).replace("\u00a0", " ")


def _case(world, case_type: CaseType, terms: TermsInput, invoices=None):
    officer = world.actor(world.officer, "case_officer")
    ids = [i.id for i in (invoices or [world.invoice])]
    case = services.case_create(officer, customer=world.customer, case_type=case_type, invoice_ids=ids,
                                terms=TermsInput(), reasons="Ansökan.")
    services.case_update(officer, case, invoice_ids=ids, terms=terms, reasons="Ansökan från kunden.")
    services.case_submit(officer, case)
    if case.state == CaseState.AWAITING_CONSULTATION:
        services.consultation_record(world.actor(world.finance, "finance_officer"), case, "Inga invändningar.")
    return case


def _decide(world, case, who=None, outcome=Outcome.GRANTED, reasons="Skälen är styrkta.", **kw) -> Decision:
    return services.case_decide(world.actor(who or world.unit_head), case, services.DecisionInput(
        outcome=outcome, reasons=reasons, no_conflict_confirmed=True, **kw))


def _documents(decision: Decision) -> dict[str, IssuedDocument]:
    return {d.kind: d for d in documents_for("decision", decision.id)}


def _letter(decision: Decision) -> IssuedDocument:
    return _documents(decision)[DocumentKind.DECISION_LETTER.value]


def _plan(world):
    return _case(world, CaseType.INSTALMENT_PLAN, TermsInput(first_due_date=date(2026, 12, 31), instalments=3))


def test_a_deferral_letter_says_what_was_decided_under_which_rule_and_by_whom(app, world):
    world.customer.name = HOSTILE_NAME
    case = _case(world, CaseType.DEFERRAL, TermsInput(new_due_date=date(2027, 1, 31)))
    decision = _decide(world, case)
    letter = _letter(decision)
    text = flat(letter.content)
    assert HOSTILE_NAME in text  # the markup prints as text, not as ReportLab tags
    assert world.customer.identity.mask() in text and world.customer.identity_number not in text
    assert "Storgatan 1" in text and "612 30 Demokommun" in text
    assert "Socialnämnden beviljar din ansökan om anstånd med betalning" in text
    assert "Ny förfallodag: 2027-01-31" in text
    assert (f"Beslutet är fattat med stöd av Socialnämndens delegationsordning punkt 1.1, "
            f"{world.version.label}, SN 2025-12-10 § 120") in text
    assert "Nils Norberg, Enhetschef Hemtjänst Norr" in text
    assert "hela det återstående beloppet till betalning på en gång" in text
    assert "ursprungliga förfallodagen 2026-10-31" in text
    assert "handläggaren Hanna Holm" in text
    assert "Skälen är styrkta." in text
    assert "Hur du överklagar" not in text  # the category is not appealable
    assert f"Verifieringskod {letter.verification_code}" in text and "Dnr SN 2026/1" in text
    assert (letter.committee_id, letter.registry_number) == (world.committee.id, "SN 2026/1")


def test_the_appeal_paragraph_appears_only_for_appealable_categories(app, world):
    world.category.appealable = True
    decision = _decide(world, _case(world, CaseType.DEFERRAL, TermsInput(new_due_date=date(2027, 1, 31))))
    text = flat(_letter(decision).content)
    assert "Hur du överklagar" in text and "förvaltningsbesvär" in text and "tre veckor" in text
    assert "laglighetsprövning" in text


def test_a_stand_in_decides_and_the_letter_says_for_whom(app, world, make):
    make.absence(world.unit_head, date(2026, 11, 20), date(2026, 11, 30), standin=world.other_head)
    case = _case(world, CaseType.DEFERRAL, TermsInput(new_due_date=date(2027, 1, 31)))
    decision = _decide(world, case, world.other_head)
    text = flat(_letter(decision).content)
    assert "av Sara Sjöberg som ersättare för Nils Norberg, Enhetschef Hemtjänst Norr" in text


def test_a_partial_grant_gives_the_changed_terms_and_what_was_asked(app, world):
    case = _case(world, CaseType.DEFERRAL, TermsInput(new_due_date=date(2027, 2, 1)))
    decision = _decide(world, case, outcome=Outcome.PARTLY_GRANTED,
                       changed_terms=TermsInput(new_due_date=date(2027, 1, 31)))
    text = flat(_letter(decision).content)
    assert "beviljar delvis din ansökan om anstånd med betalning" in text
    assert "Ny förfallodag: 2027-01-31" in text and "Du ansökte om anstånd till 2027-02-01" in text


def test_a_refusal_says_so_and_that_the_original_terms_stand(app, world):
    decision = _decide(world, _case(world, CaseType.DEFERRAL, TermsInput(new_due_date=date(2027, 1, 31))),
                       outcome=Outcome.REFUSED)
    text = flat(_letter(decision).content)
    assert "Socialnämnden avslår din ansökan om anstånd med betalning" in text
    assert "ursprungliga villkor" in text and "Ny förfallodag" not in text


def test_a_plan_letter_has_the_schedule_and_the_agreement_is_issued_with_it(app, world):
    case = _plan(world)
    decision = _decide(world, case)
    documents = _documents(decision)
    assert set(documents) == {DocumentKind.DECISION_LETTER.value, DocumentKind.PLAN_AGREEMENT.value}
    text = flat(documents[DocumentKind.DECISION_LETTER.value].content)
    schedule = decision.terms["schedule"]
    assert len(schedule) == 3 and "Betalningsplan" in text
    for row in schedule:
        assert row["due_date"] in text
    assert "Dröjsmålsränta enligt räntelagen räknas på kapitalet från den ursprungliga förfallodagen 2026-10-31" in text
    assert "10,00 % från 2026-07-01, 10,00 % från 2027-01-01 (beräknad) per år" in text
    assert f"Summa {kr(sum(r['amount_ore'] for r in schedule))}" in text
    agreement = flat(documents[DocumentKind.PLAN_AGREEMENT.value].content)
    assert "Avtal om avbetalningsplan" in agreement and "Erkännande av skuld" in agreement
    assert "erkänner att jag är skyldig" in agreement and "Gäldenärens underskrift" in agreement
    assert kr(3_000_00) in agreement
    assert "Ingen avgift tas ut för avbetalningsplanen" in agreement  # no plan fee is kept in this world


def test_write_off_and_credit_letters_give_amounts_reason_and_settlement(app, world, make):
    write_off = _case(world, CaseType.WRITE_OFF, TermsInput(write_off_reason="deceased_without_assets",
                                                            write_off_final=False))
    text = flat(_letter(_decide(world, write_off)).content)
    assert "Belopp som skrivs av" in text and "dödsbo utan tillgångar" in text
    assert "bokföringsmässig" in text
    paid = make.invoice(world.customer, world.unit, world.category, due_date=None, original_ore=800_00,
                        open_ore=500_00)
    credit = _case(world, CaseType.CREDIT, TermsInput(credit_reason="wrong_price", credit_settlement="refund"), invoices=[paid])
    text = flat(_letter(_decide(world, credit)).content)
    assert f"Belopp som krediteras: {kr(500_00)}" in text and "betalas tillbaka till dig" in text
    assert "Skäl: fakturan hade fel pris eller taxa." in text


def test_the_letter_is_written_in_the_decisions_transaction(app, world):
    case = _case(world, CaseType.DEFERRAL, TermsInput(new_due_date=date(2027, 1, 31)))
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            _decide(world, case)
            assert count(IssuedDocument) == 1
            raise RuntimeError("the request fails after the decision")
    db.session.expire_all()
    assert count(Decision) == 0 and count(IssuedDocument) == 0


def test_a_refused_attempt_to_decide_leaves_no_document(app, world):
    case = _case(world, CaseType.DEFERRAL, TermsInput(new_due_date=date(2027, 1, 31)))
    with pytest.raises(ValidationFailed):
        _decide(world, case, world.outsider)
    assert db.session.scalar(select(func.count()).select_from(IssuedDocument)) == 0


def test_a_plan_waits_for_its_signature_and_cannot_be_executed_before(app, world):
    case = _plan(world)
    _decide(world, case)
    assert case.awaits_signature
    with pytest.raises(ValidationFailed) as refused:
        services.case_execute(world.actor(world.finance, "finance_officer"), case)
    assert "undertecknade avtal" in " ".join(refused.value.errors.values())
    officer = world.actor(world.officer, "case_officer")
    with pytest.raises(ValidationFailed) as refused:
        services.agreement_register_signed(officer, case, date(2026, 11, 23), services.Scan("a.exe", b"MZ\x90"))
    assert "scan" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        services.agreement_register_signed(officer, case, date(2026, 11, 30))
    assert "received_on" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        services.agreement_register_signed(officer, case, date(2026, 11, 23),
                                           services.Scan("big.pdf", b"%PDF-" + b"0" * services.SCAN_MAX_BYTES))
    assert "scan" in refused.value.errors
    agreement = services.agreement_register_signed(officer, case, date(2026, 11, 23), services.Scan("avtal.png", PNG))
    assert agreement.scan_mimetype == "image/png" and agreement.scan == PNG and not case.awaits_signature
    with pytest.raises(ValidationFailed):
        services.agreement_register_signed(officer, case, date(2026, 11, 23))
    services.case_execute(world.actor(world.finance, "finance_officer"), case)
    assert case.state == CaseState.EXECUTED


def test_finance_is_not_offered_a_plan_to_book_before_its_signature(app, world):
    from portal.cases.queries import awaiting_signature, granted_not_executed

    case = _plan(world)
    _decide(world, case)
    finance = world.finance
    assert case in awaiting_signature(finance) and case not in granted_not_executed(finance)
    services.agreement_register_signed(world.actor(world.officer), case, date(2026, 11, 23))
    assert case not in awaiting_signature(finance) and case in granted_not_executed(finance)


def test_only_a_granted_plan_has_an_agreement_to_register(app, world):
    case = _case(world, CaseType.DEFERRAL, TermsInput(new_due_date=date(2027, 1, 31)))
    _decide(world, case)
    assert not case.awaits_signature
    with pytest.raises(ValidationFailed):
        services.agreement_register_signed(world.actor(world.officer), case, date(2026, 11, 23))


@pytest.mark.skipif(shutil.which("pdffonts") is None or shutil.which("qpdf") is None,
                    reason="poppler-utils or qpdf is not installed")
def test_letters_embed_every_font_and_pass_qpdf(app, world, tmp_path):
    decision = _decide(world, _plan(world))
    for document in _documents(decision).values():
        path = tmp_path / f"{document.kind}.pdf"
        path.write_bytes(document.content)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:]), fonts
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


# --- pages ------------------------------------------------------------------------------------------

def test_the_case_page_shows_the_letter_and_its_code_and_the_file_downloads(client, app, world):
    decision = _decide(world, _plan(world))
    letter = _letter(decision)
    case_id, letter_id, code, content = decision.case_id, letter.id, letter.verification_code, letter.content
    db.session.commit()
    client.login("handlaggare")
    page = client.get(f"/arenden/{case_id}").get_data(as_text=True)
    assert code in page and "väntar på kundens underskrift" in page
    response = client.get(f"/dokument/{letter_id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data() == content


def test_someone_who_may_not_see_the_case_may_not_download_its_letter(client, app, world, make):
    decision = _decide(world, _case(world, CaseType.DEFERRAL, TermsInput(new_due_date=date(2027, 1, 31))))
    letter_id = _letter(decision).id
    make.user("nobody", full_name="Ingen Roll")
    db.session.commit()
    client.login("nobody")
    assert client.get(f"/dokument/{letter_id}").status_code == 403
    assert client.get("/dokument/999999").status_code == 404


def test_verification_tells_a_genuine_letter_from_an_altered_one(client, app, world):
    world.customer.name = HOSTILE_NAME
    decision = _decide(world, _case(world, CaseType.DEFERRAL, TermsInput(new_due_date=date(2027, 1, 31))))
    letter = _letter(decision)
    code, content = letter.verification_code, letter.content
    db.session.commit()
    genuine = client.post_form("/verifiera", {"code": code, "file": (io.BytesIO(content), "brev.pdf")},
                               content_type="multipart/form-data").get_data(as_text=True)
    assert "exakt den fil som utfärdades" in genuine and "Öberg" not in genuine
    altered = content.replace(b"/ModDate", b"/ModDatf", 1)
    assert altered != content
    changed = client.post_form("/verifiera", {"code": code, "file": (io.BytesIO(altered), "brev.pdf")},
                               content_type="multipart/form-data").get_data(as_text=True)
    assert "INTE den fil som utfärdades" in changed


def test_registering_the_signed_agreement_through_the_page(client, app, world):
    decision = _decide(world, _plan(world))
    case_id = decision.case_id
    db.session.commit()
    client.login("handlaggare")
    listing = client.get("/arenden/vantar-pa-underskrift").get_data(as_text=True)
    assert "SN 2026/1" in listing
    response = client.post_form(f"/arenden/{case_id}/avtal", {
        "received_on": "2026-11-23", "scan": (io.BytesIO(PNG), "avtal.png")}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert "SN 2026/1" not in client.get("/arenden/vantar-pa-underskrift").get_data(as_text=True)
    scan = client.get(f"/arenden/{case_id}/avtal/skanning")
    assert scan.status_code == 200 and scan.mimetype == "image/png" and scan.get_data() == PNG
    assert "attachment" in scan.headers["Content-Disposition"]
    refused = client.post_form(f"/arenden/{case_id}/avtal", {"received_on": "2026-11-23"})
    assert refused.status_code == 422


def test_the_letters_of_a_day_print_as_one_pdf_of_the_stored_letters(client, app, world):
    first = _decide(world, _case(world, CaseType.DEFERRAL, TermsInput(new_due_date=date(2027, 1, 31))))
    second = _decide(world, _plan(world))
    pages = sum(len(PdfReader(io.BytesIO(_letter(d).content)).pages) for d in (first, second))
    codes = [_letter(d).verification_code for d in (first, second)]
    db.session.commit()
    client.login("ekonom")
    response = client.get("/arenden/beslutsbrev?dag=2026-11-23")
    assert response.status_code == 200
    merged = response.get_data()
    assert len(PdfReader(io.BytesIO(merged)).pages) == pages
    assert all(code in text_of(merged) for code in codes)
    assert client.get("/arenden/beslutsbrev?dag=2026-11-22").status_code == 404


def test_a_letter_issued_late_in_the_evening_belongs_to_the_stockholm_day(app, world, frozen_clock):
    from datetime import UTC, datetime

    from portal.cases.queries import letters_issued_on

    frozen_clock.set(datetime(2026, 11, 23, 22, 30, tzinfo=UTC))  # 23.30 in Stockholm
    decision = _decide(world, _case(world, CaseType.DEFERRAL, TermsInput(new_due_date=date(2027, 1, 31))))
    letter = _letter(decision)
    officer = world.officer
    assert letter in letters_issued_on(date(2026, 11, 23), officer)
    assert letter not in letters_issued_on(date(2026, 11, 24), officer)
