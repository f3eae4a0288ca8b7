"""The batch's decision as one PDF: the decision, the mandate and the table of every line (name,
masked identity, invoice, amount, reason); issued with the decision, in its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from portal.audit.services import Actor
from portal.batches.models import WriteOffBatch, WriteOffBatchDecision
from portal.batches.rules import MASKED_OBJECT_TYPE
from portal.delegation.messages import common_source_sv
from portal.delegation.models import SchemeVersion, WriteOffReason
from portal.documents.archive import to_pdfa
from portal.documents.models import DocumentKind, IssuedDocument
from portal.documents.pdf import FONT, FONT_BOLD, DocumentFrame, build_pdf, paragraph, styles, text, usable_logo
from portal.documents.services import document_issue
from portal.extensions import db
from portal.money import format_money
from portal.org.services import municipality_get

TITLE = "Beslut om avskrivning av fordringar (samlingsbeslut)"
OUTCOME_WORDS = {"granted": "Bifall", "refused": "Avslag"}


@dataclass(frozen=True)
class BatchRow:
    customer_name: str
    identity: str  # masked: the decision is a public record in the archive
    invoice_number: str
    amount_ore: int
    reason: str


@dataclass(frozen=True)
class BatchDecisionData:
    municipality_name: str
    logo: bytes | None
    committee_name: str
    registry_number: str
    title: str
    decision_date: date
    issued_at: datetime
    outcome: str
    final: bool
    rows: list[BatchRow]
    customer_count: int
    amount_ore: int
    reasons: str
    rule_number: str
    version_label: str
    adoption_reference: str
    decider_name: str
    decider_position: str
    standin_for: str | None
    further_delegation_from: str | None
    officer_name: str
    # The committee's own decision at a meeting: its paragraph, e.g. "SN 2026-12-10 § 14".
    committee_reference: str | None = None
    # The decision's rule came from the common provisions adopted as this (RULINGS 11).
    common_reference: str | None = None


def reason_words(reason: str) -> str:
    return WriteOffReason(reason).label


# Customer, identity, invoice, amount, reason: 170 mm, the A4 page inside its margins.
COLUMNS = (46 * mm, 28 * mm, 24 * mm, 24 * mm, 48 * mm)
CELL_SIZE = 9
PADDING = 6  # points, left and right together (ReportLab's default cell padding)


def _cell(value: str, width: float, style):
    """Plain text where it fits on one line (fast: a 2,000-line batch is drawn in seconds), a
    wrapping paragraph where it does not (a long name)."""
    if stringWidth(value, FONT, CELL_SIZE) <= width - PADDING:
        return value
    return Paragraph(text(value), style)


def line_table(rows: list[BatchRow], total_count: int, total_ore: int) -> Table:
    """The lines as one table whose header repeats on every page, with the sums at the end."""
    cell = styles()["cell"]
    data: list[list] = [["Kund", "Person-/org.nr", "Faktura", "Belopp", "Orsak"]]
    for row in rows:
        values = (row.customer_name, row.identity, row.invoice_number, format_money(row.amount_ore), row.reason)
        data.append([_cell(value, width, cell) for value, width in zip(values, COLUMNS, strict=True)])
    data.append(["Summa", f"{total_count} kunder", f"{len(rows)} fakturor", format_money(total_ore), ""])
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), CELL_SIZE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (3, 0), (3, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#BBBBBB")),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF2F7")),
        ("FONTNAME", (0, -1), (-1, -1), FONT_BOLD),
    ]
    return Table(data, colWidths=list(COLUMNS), repeatRows=1, style=TableStyle(commands))


# The copy without personal data: invoice, amount, reason (170 mm, as the full table).
MASKED_COLUMNS = (50 * mm, 40 * mm, 80 * mm)
MASKED_TITLE = "Beslut om avskrivning av fordringar (samlingsbeslut), kopia utan personuppgifter"


def masked_line_table(rows: list[BatchRow], total_count: int, total_ore: int) -> Table:
    """The lines without the customers' names and identity numbers (RULINGS 10: the committee's
    members and secretary read the committee's matters without them)."""
    cell = styles()["cell"]
    data: list[list] = [["Faktura", "Belopp", "Orsak"]]
    for row in rows:
        values = (row.invoice_number, format_money(row.amount_ore), row.reason)
        data.append([_cell(value, width, cell) for value, width in zip(values, MASKED_COLUMNS, strict=True)])
    data.append([f"Summa, {len(rows)} fakturor", format_money(total_ore), f"{total_count} kunder"])
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), CELL_SIZE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#BBBBBB")),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF2F7")),
        ("FONTNAME", (0, -1), (-1, -1), FONT_BOLD),
    ]
    return Table(data, colWidths=list(MASKED_COLUMNS), repeatRows=1, style=TableStyle(commands))


def decision_data(batch: WriteOffBatch, decision: WriteOffBatchDecision) -> BatchDecisionData:
    municipality = municipality_get()
    version = db.session.get(SchemeVersion, decision.scheme_version_id) if decision.scheme_version_id else None
    lines = sorted(batch.included, key=lambda line: (line.customer.name, line.invoice.invoice_number, line.id))
    return BatchDecisionData(
        municipality_name=municipality.name or "Kommunen", logo=usable_logo(municipality.logo),
        committee_name=batch.committee.name, registry_number=batch.registry_number or "", title=batch.title,
        decision_date=decision.decision_date, issued_at=decision.decided_at, outcome=decision.outcome,
        final=batch.write_off_final,
        rows=[BatchRow(line.customer.name, line.customer.identity.mask(), line.invoice.invoice_number,
                       line.amount_ore, reason_words(line.write_off_reason)) for line in lines],
        customer_count=decision.customer_count, amount_ore=decision.amount_ore, reasons=decision.reasons,
        rule_number=decision.rule_number or "", version_label=version.label if version else "",
        adoption_reference=(version.adoption_reference or "") if version else "",
        # The committee decides as a body: its name stands where a delegate signs.
        decider_name=batch.committee.name if decision.committee_reference else decision.decided_by.full_name,
        decider_position=decision.position.title if decision.position else "",
        standin_for=decision.standin_for.full_name if decision.standin_for else None,
        further_delegation_from=decision.delegated_by_position.title if decision.delegated_by_position else None,
        officer_name=batch.prepared_by.full_name,
        committee_reference=decision.committee_reference,
        common_reference=_common_reference(version, decision.rule_number),
    )


def _common_reference(version: SchemeVersion | None, rule_number: str | None) -> str | None:
    rule = next((r for r in version.rules if r.number == rule_number), None) if version else None
    return rule.common_version.adoption_reference if rule is not None and rule.is_included else None


def _mandate(data: BatchDecisionData) -> list[Flowable]:
    if data.committee_reference:
        return [paragraph(f"Beslutet är fattat av {data.committee_name} vid sammanträde den "
                          f"{data.decision_date.isoformat()}, {data.committee_reference}.")]
    who = f"{data.decider_name}, {data.decider_position}" if data.decider_position else data.decider_name
    if data.standin_for:
        who = f"{data.decider_name} som ersättare för {data.standin_for}, {data.decider_position}"
    elif data.further_delegation_from:
        who += f", efter vidaredelegering från {data.further_delegation_from}"
    return [
        paragraph(f"Beslutet är fattat med stöd av {data.committee_name}s delegationsordning punkt "
                  f"{data.rule_number}, {data.version_label}, {data.adoption_reference}. Punkten omfattar "
                  "varje rad i beslutet."
                  + (" " + common_source_sv(data.common_reference, data.adoption_reference)
                     if data.common_reference else "")),
        paragraph(f"Beslutet är fattat {data.decision_date.isoformat()} av {who}."),
    ]


def _mandate_heading(data: BatchDecisionData) -> str:
    return "Nämndens beslut" if data.committee_reference else "Delegation"


def build_batch_decision(data: BatchDecisionData, code: str, *, masked: bool = False) -> bytes:
    """The decision with its table of lines; `masked`: the copy without the customers' names and
    identity numbers, issued beside it for those who read the batch without them."""
    title = MASKED_TITLE if masked else TITLE
    kind = ("Avskrivningen är slutlig: kommunen avstår från fordringarna och varje kund får ett beslut."
            if data.final else
            "Avskrivningen är bokföringsmässig: fordringarna bevakas vidare och kunderna får inget brev.")
    copy_note = [paragraph(
        "Kopia utan kundernas namn och person- eller organisationsnummer, för nämndens ledamöter och "
        f"sekreterare. Beslutet i sin helhet, med kunderna, finns hos ekonomiavdelningen under diarienummer "
        f"{data.registry_number}.", "small")] if masked else []
    story: list[Flowable] = [
        paragraph(TITLE, "title"),
        paragraph(f"Beslut: {OUTCOME_WORDS[data.outcome]} · Diarienummer {data.registry_number} · "
                  f"Beslutsdatum {data.decision_date.isoformat()}", "h3"),
        *copy_note,
        paragraph(data.title),
        paragraph("Beslut", "h2"),
        paragraph((f"{data.committee_name} skriver av {len(data.rows)} fakturor för {data.customer_count} kunder, "
                   f"sammanlagt {format_money(data.amount_ore)} (kapital och upplupen ränta till beslutsdagen).")
                  if data.outcome == "granted" else
                  f"Förslaget att skriva av {len(data.rows)} fakturor för {data.customer_count} kunder, "
                  f"sammanlagt {format_money(data.amount_ore)}, avslås."),
        paragraph(kind),
        paragraph("Skäl för beslutet", "h2"), paragraph(data.reasons),
        paragraph(_mandate_heading(data), "h2"), *_mandate(data),
        # The spacer takes the heading's "keep with next", so a long table starts on the same page.
        paragraph("Fakturor som beslutet gäller", "h2"), Spacer(1, 1),
        (masked_line_table if masked else line_table)(data.rows, data.customer_count, data.amount_ore),
        Spacer(1, 8 * mm),
        paragraph(f"Beredd av {data.officer_name}, ekonomiavdelningen.", "small"),
        Spacer(1, 6 * mm), paragraph("\n".join(filter(None, (data.decider_name, data.decider_position)))),
    ]
    frame = DocumentFrame(
        municipality_name=data.municipality_name, title=title, verification_code=code,
        issued_on=data.decision_date, committee_name=data.committee_name, registry_number=data.registry_number,
        logo=data.logo, author=data.committee_name, subject=f"{title} {data.registry_number}")
    return to_pdfa(build_pdf(frame, story), title=title, author=data.committee_name, subject=frame.subject,
                   issued_at=data.issued_at)


@dataclass(frozen=True)
class CustomerLetter:
    name: str
    address: list[str]  # empty for a protected identity: the letter goes through Skatteverket
    identity: str
    invoices: list[tuple[str, int, str]]  # (invoice number, amount, reason)


LETTERS_TITLE = "Beslut om avskrivning, brev till kunderna"


def customer_letters(batch: WriteOffBatch) -> list[CustomerLetter]:
    by_customer: dict[int, list] = {}
    for line in sorted(batch.included, key=lambda line: (line.customer.name, line.customer_id, line.id)):
        by_customer.setdefault(line.customer_id, []).append(line)
    letters = []
    for lines in by_customer.values():
        customer = lines[0].customer
        address = [] if customer.protected_identity else [
            part for part in (customer.address, " ".join(p for p in (customer.postcode, customer.city) if p)) if part]
        letters.append(CustomerLetter(customer.name, address, customer.identity.mask(), [
            (line.invoice.invoice_number, line.amount_ore, reason_words(line.write_off_reason)) for line in lines]))
    return letters


def build_customer_letters(data: BatchDecisionData, letters: list[CustomerLetter], code: str) -> bytes:
    """One letter per customer of a final write-off, each on pages of its own: the claim is given up."""
    story: list[Flowable] = []
    for number, letter in enumerate(letters):
        if number:
            story.append(PageBreak())
        lines = [letter.name, *letter.address, f"Person-/organisationsnummer: {letter.identity}"]
        rows = [["Faktura", "Belopp", "Orsak"]] + [[invoice, format_money(amount), reason]
                                                   for invoice, amount, reason in letter.invoices]
        story += [
            paragraph("\n".join(lines)), Spacer(1, 4 * mm),
            paragraph("Beslut om avskrivning av fordran", "title"),
            paragraph(f"Diarienummer {data.registry_number} · Beslutsdatum {data.decision_date.isoformat()}", "h3"),
            paragraph(f"{data.committee_name} har beslutat att skriva av fordringarna nedan, sammanlagt "
                      f"{format_money(sum(amount for _n, amount, _r in letter.invoices))}. Kommunen avstår från "
                      "fordringarna: du behöver inte betala dem."),
            table_of(rows),
            paragraph("Skäl för beslutet", "h2"), paragraph(data.reasons),
            paragraph(_mandate_heading(data), "h2"), *_mandate(data),
            paragraph("Kontakt", "h2"),
            paragraph(f"Har du frågor om beslutet, kontakta {data.committee_name}, ekonomiavdelningen, "
                      f"och ange diarienummer {data.registry_number}."),
        ]
    frame = DocumentFrame(
        municipality_name=data.municipality_name, title=LETTERS_TITLE, verification_code=code,
        issued_on=data.decision_date, committee_name=data.committee_name, registry_number=data.registry_number,
        logo=data.logo, author=data.committee_name, subject=f"{LETTERS_TITLE} {data.registry_number}")
    return to_pdfa(build_pdf(frame, story), title=LETTERS_TITLE, author=data.committee_name, subject=frame.subject,
                   issued_at=data.issued_at)


def table_of(rows: list[list]) -> Table:
    from portal.documents.pdf import table

    return table(rows, col_widths=[40 * mm, 30 * mm, 60 * mm])


def letters_issue(actor: Actor, batch: WriteOffBatch) -> IssuedDocument:
    """The customers' letters of a granted final write-off, as one document (the letters job's work)."""
    data = decision_data(batch, batch.decision)
    letters = customer_letters(batch)
    return document_issue(actor, kind=DocumentKind.DECISION_LETTER, title=f"{LETTERS_TITLE} ({len(letters)} brev)",
                          render=lambda code: build_customer_letters(data, letters, code),
                          object_type="write_off_batch", object_id=batch.id, committee_id=batch.committee_id,
                          registry_number=batch.registry_number)


def masked_copy_issue(actor: Actor, batch: WriteOffBatch, decision: WriteOffBatchDecision) -> IssuedDocument:
    data = decision_data(batch, decision)
    return document_issue(actor, kind=DocumentKind.DECISION_LETTER, title=MASKED_TITLE,
                          render=lambda code: build_batch_decision(data, code, masked=True),
                          object_type=MASKED_OBJECT_TYPE, object_id=batch.id, committee_id=batch.committee_id,
                          registry_number=batch.registry_number)


def batch_documents_issue(actor: Actor, batch: WriteOffBatch, decision: WriteOffBatchDecision) -> list[IssuedDocument]:
    """The decision (with the customers, for those who see them) and its copy without personal data
    (for the committee's members and secretary), both kept as issued and verifiable."""
    data = decision_data(batch, decision)
    return [document_issue(actor, kind=DocumentKind.DECISION_LETTER, title=TITLE,
                           render=lambda code: build_batch_decision(data, code), object_type="write_off_batch",
                           object_id=batch.id, committee_id=batch.committee_id,
                           registry_number=batch.registry_number),
            masked_copy_issue(actor, batch, decision)]
