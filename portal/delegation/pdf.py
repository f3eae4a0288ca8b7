"""The delegation scheme of a version as the document the committee adopts: rules by case type and
level, each with its text, delegate and limits in words, and the adoption reference."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether

from portal import clock
from portal.audit.services import Actor
from portal.delegation import display, queries
from portal.delegation.messages import common_source_sv
from portal.delegation.models import SchemeVersion
from portal.documents.archive import to_pdfa
from portal.documents.models import DocumentKind, IssuedDocument
from portal.documents.pdf import DocumentFrame, build_pdf, paragraph, table, usable_logo
from portal.documents.services import document_issue
from portal.org.bodies import is_company, speak_as
from portal.org.services import municipality_get

LAW = ("Nämnden delegerar beslutanderätt enligt kommunallagen (2017:725) 6 kap. 37 § och 7 kap. 5 §. "
       "Vidaredelegering får ske endast där punkten tillåter det (7 kap. 6 §); sådana beslut anmäls till "
       "förvaltningschefen (7 kap. 8 §). Beslut som fattas med stöd av delegation anmäls till nämnden "
       "(6 kap. 40 §). Ärenden av principiell beskaffenhet eller annars av större vikt beslutas av nämnden "
       "(6 kap. 38 §). Den som är jävig får inte besluta. Beloppsgränser är inklusive.")
# A municipal company's board delegates under the companies act, not kommunallagen (RULINGS 12):
# its decisions are not reported under 6 kap. 40 § and cannot be appealed under 13 kap.
COMPANY_LAW = ("Styrelsen delegerar beslutanderätt enligt aktiebolagslagen (2005:551) 8 kap. och sin "
               "arbetsordning; verkställande direktören sköter den löpande förvaltningen (8 kap. 29 §). "
               "Vidaredelegering får ske endast där punkten tillåter det. Ärenden av principiell beskaffenhet "
               "eller annars av större vikt beslutas av styrelsen. Bolagets beslut omfattas inte av "
               "kommunallagens regler om anmälan av delegationsbeslut eller laglighetsprövning. Den som är "
               "jävig får inte besluta. Beloppsgränser är inklusive.")


def _title(version: SchemeVersion) -> str:
    if version.is_common:
        base = f"Gemensamma bestämmelser i delegationsordningarna, antas av {version.committee.name}"
    else:
        base = f"Delegationsordning för {version.committee.name}"
    return base if version.is_published else f"{base} – förslag"


def build_scheme_document(version: SchemeVersion, code: str) -> bytes:
    today = clock.today()
    names = queries.names()
    year = (version.valid_from or today).year
    groups = display.grouped_rules(version, names, queries.price_base_amounts(), year)
    municipality = municipality_get()
    title = _title(version)
    if version.is_published:
        adopted = (f"Antagen {version.adoption_reference}. Gäller från {version.valid_from.isoformat()}"
                   + (f" till {version.valid_to.isoformat()}." if version.valid_to else " tills vidare."))
    else:
        adopted = "Förslag till nämnden; ännu inte antaget."
    kind = version.committee.kind
    # Said of every committee that adopts them, not of the executive committee: not spoken as its body.
    common_note = (" Bestämmelserna gäller för en nämnd först när nämnden har antagit dem i sin egen "
                   "delegationsordning; en ny version når nämnden först när den antar den."
                   if version.is_common else "")
    if version.common_version is not None:
        adopted += (f" Delegationsordningen innehåller de gemensamma bestämmelserna, antagna "
                    f"{version.common_version.adoption_reference}; deras punkter är märkta nedan.")
    law = COMPANY_LAW if is_company(kind) else LAW
    story: list[Flowable] = [paragraph(title, "title"), paragraph(version.label, "h3"),
                             paragraph(speak_as(kind, adopted) + common_note), paragraph("Allmänt", "h2"),
                             paragraph(speak_as(kind, law))]
    if not groups:
        story.append(paragraph(speak_as(kind, "Ingen beslutanderätt är delegerad: nämnden beslutar i alla ärenden.")))
    for group in groups:
        story.append(paragraph(group.label, "h2"))
        for level, views in group.levels:
            rows: list[list[object]] = [["Punkt", "Ärende", "Delegat", "Begränsningar och villkor"]]
            for view in views:
                conditions = list(view.limits) or ["Inga"]
                if view.consultation:
                    conditions.append(f"Samråd med {view.consultation}")
                if view.standin:
                    conditions.append(f"Ersättare: {view.standin}")
                if view.stored.allows_further_delegation:
                    conditions.append("Får vidaredelegeras")
                if view.stored.kind == "urgent":
                    conditions.append("Brådskande ärenden (kommunallagen 6 kap. 39 §)")
                if view.stored.is_included:
                    conditions.append(common_source_sv(view.stored.common_version.adoption_reference,
                                                       version.adoption_reference))
                rows.append([view.rule.number, view.stored.text, speak_as(kind, view.delegate),
                             speak_as(kind, "\n".join(conditions))])
            story.append(KeepTogether([paragraph(f"Nivå {level}", "h3"),
                                       table(rows, col_widths=[16 * mm, 58 * mm, 42 * mm, 54 * mm])]))
    frame = DocumentFrame(
        municipality_name=municipality.name or "Kommunen", title=title, verification_code=code, issued_on=today,
        committee_name=version.committee.name, logo=usable_logo(municipality.logo),
        author=version.committee.name, subject=version.adoption_reference or version.label,
    )
    return to_pdfa(build_pdf(frame, story), title=title, author=frame.author, subject=frame.subject,
                   issued_at=clock.now())


def scheme_document_issue(actor: Actor, version: SchemeVersion) -> IssuedDocument:
    """Issue the version's scheme as a document; each issue is a copy of its own, kept as issued."""
    return document_issue(actor, kind=DocumentKind.DELEGATION_SCHEME, title=_title(version),
                          object_type="scheme_version", object_id=version.id,
                          committee_id=version.committee_id,
                          render=lambda code: build_scheme_document(version, code))
