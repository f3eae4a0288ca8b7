"""The decision letter of each case type and the plan agreement, as PDFs; the Swedish wording of both.

`letter_data` reads what a letter says from the database once; the builders are pure functions of
that data and a verification code, so a letter is made in milliseconds and can be measured alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from portal import clock
from portal.audit.services import Actor
from portal.cases.models import Case, Decision
from portal.delegation.engine_types import INTERNAL_CASE_TYPES, CaseType
from portal.delegation.messages import common_source_sv
from portal.delegation.models import CollectionReason, CreditReason, SchemeVersion, WriteOffReason
from portal.documents.archive import to_pdfa
from portal.documents.models import DocumentKind, IssuedDocument
from portal.documents.pdf import DocumentFrame, build_pdf, paragraph, table, usable_logo
from portal.documents.services import document_issue
from portal.extensions import db
from portal.money import NBSP, format_amount, format_money
from portal.org.bodies import open_to_appeal, speak_as
from portal.org.services import municipality_get
from portal.receivables.rules import deferral_payments

TYPE_WORDS = {
    CaseType.DEFERRAL: "anstånd med betalning",
    CaseType.INSTALMENT_PLAN: "avbetalningsplan",
    CaseType.WRITE_OFF: "avskrivning av fordran",
    CaseType.CREDIT: "kreditering",
    CaseType.FORGO_COLLECTION: "att avstå från indrivning",
    CaseType.STOP_COLLECTION: "att avbryta indrivning",
}
WHOLE_DEBT_TITLE = "Beslut om att hela skulden förfaller till betalning"
OUTCOME_WORDS = {"granted": "Bifall", "partly_granted": "Delvis bifall", "refused": "Avslag"}
WRITE_OFF_REASONS = {
    WriteOffReason.DECEASED_WITHOUT_ASSETS: "dödsbo utan tillgångar",
    WriteOffReason.DEBT_RESTRUCTURING: "skuldsanering",
    WriteOffReason.TIME_BARRED: "fordran är preskriberad",
    WriteOffReason.UNECONOMIC: "oekonomiskt att driva in ett litet belopp",
    WriteOffReason.BANKRUPT_COMPANY: "företaget är försatt i konkurs",
    WriteOffReason.NO_ATTACHABLE_ASSETS: "saknar utmätningsbara tillgångar",
    WriteOffReason.OTHER: "annat skäl",
}

CREDIT_REASONS = {
    CreditReason.WRONG_PRICE: "fakturan hade fel pris eller taxa",
    CreditReason.WRONG_CUSTOMER: "fakturan ställdes till fel kund",
    CreditReason.WRONG_QUANTITY: "fakturan gällde fel antal eller period",
    CreditReason.NOT_DELIVERED: "tjänsten eller varan har inte levererats",
    CreditReason.DUPLICATE: "samma sak fakturerades två gånger",
    CreditReason.COMPLAINT: "reklamationen är befogad",
    CreditReason.OTHER: "annat skäl",
}

COLLECTION_REASONS = {
    CollectionReason.DISPUTED: "fordran är omtvistad",
    CollectionReason.UNECONOMIC: "det är oekonomiskt att driva in fordran",
    CollectionReason.DEBT_RESTRUCTURING: "skuldsanering är sökt eller beviljad",
    CollectionReason.SOCIAL_REASONS: "sociala skäl",
    CollectionReason.PAYMENT_ARRANGED: "betalningen är ordnad på annat sätt",
    CollectionReason.TIME_BARRED: "fordran är preskriberad",
    CollectionReason.OTHER: "annat skäl",
}


@dataclass(frozen=True)
class InvoiceRow:
    number: str
    due_date: date | None
    open_capital_ore: int
    interest_ore: int


@dataclass(frozen=True)
class LetterData:
    """Everything a decision letter and a plan agreement say, read once from the database."""

    municipality_name: str
    logo: bytes | None
    committee_name: str
    registry_number: str
    decision_date: date
    issued_at: datetime
    case_type: CaseType
    outcome: str
    customer_name: str
    # Masked (19850612-****): the letter is a public record in the archive; name, address and
    # registry number identify the recipient without the last four digits.
    customer_identity: str
    customer_address: list[str]
    invoices: list[InvoiceRow]
    asked: dict
    granted: dict
    reasons: str
    rule_number: str | None
    version_label: str
    adoption_reference: str
    decider_name: str
    decider_position: str
    standin_for: str | None = None
    vacant_standin: bool = False
    further_delegation_from: str | None = None
    # Decided by the chair or a named member on the committee's behalf (kommunallagen 6 kap 39 §).
    urgent: bool = False
    officer_name: str = ""
    officer_email: str | None = None
    appealable: bool = False
    # The kind of body that decided (portal/org/bodies.py): its word in the letter, and whether the
    # decision can be appealed at all (not a company's, RULINGS 12).
    body_kind: str = "committee"
    charges_interest: bool = True
    # The plan's rate of each half-year: {"from": iso date, "rate_bp", "estimated"}.
    rates: list[dict] = field(default_factory=list)
    original_due_date: date | None = None
    corrects: str | None = None
    schedule: list[dict] = field(default_factory=list)
    # A decision the committee itself made at a meeting, e.g. "SN 2026-12-10 § 14".
    committee_reference: str | None = None
    # The named conditions of the decision's rule as answered: "Fullständig ansökan: uppfylld (…)".
    conditions: list[str] = field(default_factory=list)
    # A refusal under a guideline bar (RULINGS 8): the guideline's point and the bar's adopted text.
    guideline_point: str | None = None
    guideline_text: str = ""
    # RULINGS 16: the plan or deferral whose whole debt the decision is about, with its own decision
    # date ("SN 2026/12", 2026-11-23).
    whole_debt_of: str | None = None
    whole_debt_of_decided: date | None = None
    # The decision's rule came from the common provisions adopted as this (RULINGS 11).
    common_reference: str | None = None

    @property
    def title(self) -> str:
        return WHOLE_DEBT_TITLE if self.whole_debt_of else f"Beslut om {TYPE_WORDS[self.case_type]}"

    @property
    def is_granted(self) -> bool:
        return self.outcome in ("granted", "partly_granted")


# --- reading the data ------------------------------------------------------------------------------

def letter_data(case: Case, decision: Decision) -> LetterData:
    from portal.cases.terms import TermsInput, compute_terms
    from portal.errors import ValidationFailed

    municipality = municipality_get()
    version = (db.session.get(SchemeVersion, decision.scheme_version_id)
               if decision.scheme_version_id is not None else None)
    customer = case.customer
    address = [] if customer.protected_identity else [
        line for line in (customer.address, " ".join(p for p in (customer.postcode, customer.city) if p)) if line]
    try:
        asked = compute_terms(case, TermsInput.from_case(case), decision.decision_date).as_dict()
    except ValidationFailed:
        asked = {"amount_ore": case.amount_ore}  # the asked terms no longer compute; the decided ones stand
    rule = next((rule for rule in version.rules if rule.number == decision.rule_number),
                None) if version is not None else None
    bar = rule if rule is not None and decision.rule_kind == "bar" else None
    dues = [line.invoice.due_date for line in case.lines if line.invoice.due_date is not None]
    charges_interest = any(line.invoice.category.charges_interest for line in case.lines)
    return LetterData(
        municipality_name=municipality.name or "Kommunen",
        logo=usable_logo(municipality.logo),
        committee_name=case.committee.name,
        registry_number=case.registry_number or "",
        decision_date=decision.decision_date,
        issued_at=decision.decided_at,
        case_type=CaseType(case.case_type),
        outcome=decision.outcome,
        customer_name=customer.name,
        customer_identity=customer.identity.mask(),
        customer_address=address,
        invoices=[InvoiceRow(line.invoice.invoice_number, line.invoice.due_date, line.open_capital_ore,
                             line.interest_ore) for line in case.lines],
        asked=asked,
        granted=dict(decision.terms),
        reasons=decision.reasons,
        rule_number=decision.rule_number,
        version_label=version.label if version else "",
        adoption_reference=(version.adoption_reference or "") if version else "",
        common_reference=rule.common_version.adoption_reference if rule is not None and rule.is_included else None,
        committee_reference=decision.committee_reference,
        # The committee decides as a body; the secretary only recorded its decision.
        decider_name=case.committee.name if decision.committee_reference else decision.decided_by.full_name,
        decider_position=decision.position.title if decision.position else "",
        standin_for=decision.standin_for.full_name if decision.standin_for else None,
        vacant_standin=decision.capacity == "standin" and decision.standin_for_id is None,
        further_delegation_from=(decision.delegated_by_position.title
                                 if decision.delegated_by_position else None),
        urgent=decision.rule_kind == "urgent",
        officer_name=case.prepared_by.full_name,
        officer_email=case.prepared_by.email,
        appealable=any(line.invoice.category.appealable for line in case.lines),
        body_kind=case.committee.kind,
        charges_interest=charges_interest,
        rates=list(decision.terms.get("rates") or []),
        original_due_date=min(dues) if dues else None,
        corrects=case.corrects_decision_id and str(case.corrects_decision_id),
        schedule=list(decision.terms.get("schedule") or []),
        conditions=_condition_lines(case, decision, rule),
        guideline_point=bar.guideline_point if bar else None,
        guideline_text=bar.text if bar else "",
        whole_debt_of=case.whole_debt_due_for.registry_number if case.whole_debt_due_for else None,
        whole_debt_of_decided=(case.whole_debt_due_for.decision.decision_date
                               if case.whole_debt_due_for and case.whole_debt_due_for.decision else None),
    )


def _condition_lines(case: Case, decision: Decision, rule) -> list[str]:
    """Each condition the rule requires, with its answer as the engine read it on the decision day:
    the officer's (who and when), or the portal's own for a built-in one."""
    from portal.cases.routing import facts_for
    from portal.delegation.limits import condition_answer
    from portal.delegation.models import EligibilityCondition

    required = rule.limits().required_conditions if rule is not None else ()
    if not required:
        return []
    facts = facts_for(case, decision.decision_date)
    answers = {answer.condition_id: answer for answer in case.condition_answers}
    lines = []
    for condition in required:
        stored = db.session.get(EligibilityCondition, condition.id)
        met = condition_answer(condition, facts)
        word = {True: "uppfylld", False: "inte uppfylld", None: "inte besvarad"}[met]
        answer = answers.get(condition.id)
        if condition.builtin:
            source = "enligt kommunens uppgifter"
        elif answer is not None:
            source = f"besvarad av {answer.answered_by.full_name} {_d(clock.local(answer.answered_at).date())}"
        else:
            source = ""
        lines.append(f"{stored.name if stored else condition.id}: {word}" + (f" ({source})" if source else "") + ".")
    return lines


# --- wording ---------------------------------------------------------------------------------------

def _d(value) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else value.isoformat()


def _percent(bp: int) -> str:
    return format_amount(bp) + NBSP + "%"


def _frame(data: LetterData, title: str, code: str) -> DocumentFrame:
    return DocumentFrame(
        municipality_name=data.municipality_name, title=title, verification_code=code,
        issued_on=data.decision_date, committee_name=data.committee_name,
        registry_number=data.registry_number, logo=data.logo, author=data.committee_name,
        subject=f"{title} {data.registry_number}",
    )


def _recipient(data: LetterData) -> list[Flowable]:
    lines = [data.customer_name, *data.customer_address, f"Person-/organisationsnummer: {data.customer_identity}"]
    return [paragraph("\n".join(lines)), Spacer(1, 4 * mm)]


def _invoice_table(data: LetterData) -> Flowable:
    """The invoices the decision concerns. A credit states its amount once, in the decision's words:
    a per-invoice column of credited capital beside it read as a second, different amount. A whole
    debt falling due states what is owed once, for the plan as a whole on the payments made: the
    ledger's figures per invoice beside it would read as a second, different debt."""
    if data.whole_debt_of:
        return table([["Faktura", "Förfallodag"]] + [[row.number, _d(row.due_date)] for row in data.invoices])
    rows = [["Faktura", "Förfallodag", "Kvar att betala", "Ränta hittills"]]
    for row in data.invoices:
        rows.append([row.number, _d(row.due_date), format_money(row.open_capital_ore),
                     format_money(row.interest_ore)])
    return table(rows)


ESTIMATE_MARK = "*"


def schedule_table(schedule: list[dict]) -> Flowable:
    """The instalments; an amount whose interest is partly at an estimated rate is marked *."""
    rows = [["Nr", "Förfallodag", "Att betala", "Varav avgift", "Varav kapital", "Varav ränta"]]
    for row in schedule:
        mark = ESTIMATE_MARK if row.get("interest_estimated") else ""
        rows.append([str(row["number"]), row["due_date"], format_money(row["amount_ore"]) + mark,
                     format_money(row["fees_ore"]), format_money(row["capital_ore"]),
                     format_money(row["interest_ore"]) + mark])
    totals = [sum(row[key] for row in schedule) for key in ("amount_ore", "fees_ore", "capital_ore", "interest_ore")]
    rows.append(["", "Summa", *(format_money(t) for t in totals)])
    return table(rows, col_widths=[12 * mm, 28 * mm, 32 * mm, 30 * mm, 32 * mm, 30 * mm])


def _whole_debt_decided(data: LetterData) -> list[Flowable]:
    """A broken plan or a deferral not kept (RULINGS 16): the whole debt falls due, or the plan
    stands."""
    yours = "ditt anstånd med betalning" if data.case_type == CaseType.DEFERRAL else "din avbetalningsplan"
    plan = f"{yours} {data.whole_debt_of}, beslutad {_d(data.whole_debt_of_decided)},"
    if data.outcome == "refused":
        return [paragraph(f"{data.committee_name} beslutar att inte låta hela skulden förfalla till betalning. "
                          f"{plan[0].upper()}{plan[1:]} gäller fortfarande, med de villkor som beslutades.")]
    g = data.granted
    # What the plan still owes on the payments actually made (receivables/followup.debt_on_payments).
    capital, interest = g.get("remaining_capital_ore", 0), g.get("remaining_interest_ore", 0)
    fees = g.get("remaining_fees_ore", 0)
    owed = f"Återstående kapital: {format_money(capital)}. "
    if fees:
        owed += f"Obetalda avgifter: {format_money(fees)}. "
    owed += (f"Obetald dröjsmålsränta till och med {_d(data.decision_date)}, räknad på de betalningar som "
             f"faktiskt har kommit in: {format_money(interest)}. Att betala: {format_money(capital + fees + interest)}.")
    return [
        paragraph(f"{data.committee_name} beslutar att hela den återstående skulden förfaller till betalning "
                  f"omedelbart, eftersom villkoren i {plan} inte har hållits. De villkoren gäller inte längre."),
        paragraph(owed),
    ]


def _decided(data: LetterData) -> list[Flowable]:
    """What was decided, in the words of the case type and outcome."""
    if data.whole_debt_of:
        return _whole_debt_decided(data)
    what = TYPE_WORDS[data.case_type]
    g, a = data.granted, data.asked
    if data.outcome == "refused":
        story = [paragraph(f"{data.committee_name} avslår din ansökan om {what}.")]
        if data.guideline_point:
            story.append(paragraph(
                f"Enligt {data.committee_name}s riktlinje, punkt {data.guideline_point}, beviljas inte "
                f"{what} i ett sådant fall: ”{data.guideline_text.rstrip('. ')}”. "
                + speak_as(data.body_kind, "Bara nämnden kan besluta att frångå sin riktlinje.")))
        return story
    partly = data.outcome == "partly_granted"
    lead = (f"{data.committee_name} beviljar delvis din ansökan om {what}, med ändrade villkor."
            if partly else f"{data.committee_name} beviljar din ansökan om {what}.")
    story = [paragraph(lead)]
    if data.case_type == CaseType.DEFERRAL:
        text = f"Ny förfallodag: {_d(g.get('new_due_date'))}."
        if partly and a.get("new_due_date"):
            text += f" Du ansökte om anstånd till {_d(a.get('new_due_date'))}."
        if g.get("monthly_amount_ore") and g.get("new_due_date"):
            payments = deferral_payments(data.decision_date, date.fromisoformat(g["new_due_date"]),
                                         int(g["amount_ore"]), int(g["monthly_amount_ore"]))
            if len(payments) > 1:
                text += (f" Under anståndet betalar du {format_money(g['monthly_amount_ore'])} i månaden, "
                         f"den första senast {_d(payments[0][0])} och den sista senast {_d(payments[-2][0])}; "
                         f"resten, {format_money(payments[-1][1])}, betalar du senast {_d(payments[-1][0])}.")
        story.append(paragraph(text))
    elif data.case_type == CaseType.INSTALMENT_PLAN:
        text = (f"Skulden {format_money(g['amount_ore'])} betalas i {g.get('instalments')} delbetalningar "
                f"om {format_money(g.get('monthly_amount_ore') or 0)} i månaden, den första "
                f"{_d(g.get('first_due_date'))}; den sista delbetalningen tar resten.")
        if partly and a.get("instalments"):
            text += f" Du ansökte om {a.get('instalments')} delbetalningar."
        story.append(paragraph(text))
        story += _interest_terms(data)
        if data.schedule:
            story += [paragraph("Betalningsplan", "h3"), schedule_table(data.schedule)]
            if any(row.get("interest_estimated") for row in data.schedule):
                story.append(paragraph(_estimate_note(data), "small"))
            if any(row["fees_ore"] for row in data.schedule):
                story.append(paragraph("Avgiften för avbetalningsplanen betalas med den första delbetalningen.",
                                       "small"))
        story.append(paragraph("Planen gäller först när kommunen har fått det undertecknade avtalet om "
                               "avbetalningsplan, som skickas med detta beslut."))
    elif data.case_type == CaseType.WRITE_OFF:
        reason = WRITE_OFF_REASONS.get(g.get("write_off_reason"), g.get("write_off_reason") or "—")
        final = g.get("write_off_final")
        story.append(paragraph(f"Belopp som skrivs av: {format_money(g['amount_ore'])}. Skäl: {reason}."))
        if partly:
            story.append(paragraph(f"Du ansökte om avskrivning av {format_money(a.get('amount_ore', 0))}."))
        story.append(paragraph(
            "Avskrivningen är slutlig: kommunen avstår från fordran." if final else
            "Avskrivningen är bokföringsmässig: fordran finns kvar och kan krävas in om din "
            "betalningsförmåga förbättras."))
    else:
        settlement = {"refund": "Det du redan har betalat för mycket betalas tillbaka till dig.",
                      "set_off": "Det du redan har betalat för mycket dras av på din nästa faktura."}
        reason = CREDIT_REASONS.get(g.get("credit_reason") or a.get("credit_reason"))
        story.append(paragraph(f"Belopp som krediteras: {format_money(g['amount_ore'])}."
                               + (f" Skäl: {reason}." if reason else "")))
        if partly:
            story.append(paragraph(f"Du ansökte om kreditering av {format_money(a.get('amount_ore', 0))}."))
        if g.get("credit_settlement") in settlement:
            story.append(paragraph(settlement[g["credit_settlement"]]))
    return story


def _since_due_dates(data: LetterData) -> str:
    if len({row.due_date for row in data.invoices}) > 1:
        return "från varje fakturas ursprungliga förfallodag (se fakturorna nedan)"
    return f"från den ursprungliga förfallodagen {_d(data.original_due_date)}"


def _rate_list(data: LetterData) -> str:
    """"10,00 % från 2026-07-01, 10,00 % från 2027-01-01 (beräknad)"."""
    return ", ".join(f"{_percent(rate['rate_bp'])} från {rate['from']}"
                     + (" (beräknad)" if rate["estimated"] else "") for rate in data.rates)


def _estimate_note(data: LetterData) -> str:
    first = next((rate["from"] for rate in data.rates if rate["estimated"]), None)
    return (f"{ESTIMATE_MARK} Beloppet är beräknat: referensräntan för halvåret från {first} är ännu inte "
            "känd, och räntan är beräknad med den senast kända. Den faktiska räntan räknas om när "
            "betalningarna kommer in." if first else "")


def _interest_terms(data: LetterData) -> list[Flowable]:
    """Plan interest as the schedule computes it (räntelagen 3 and 6 §§): from each invoice's due
    date, at each half-year's rate, estimates named."""
    if not data.charges_interest or not data.rates:
        return [paragraph("Ingen dröjsmålsränta tas ut på dessa fakturor.")]
    return [paragraph(
        f"Dröjsmålsränta enligt räntelagen räknas på kapitalet {_since_due_dates(data)}, aldrig före "
        f"den. Räntesatsen är referensräntan för varje kalenderhalvår plus åtta procentenheter och "
        f"ändras den 1 januari och den 1 juli: {_rate_list(data)} per år. Räntan i planen är beräknad; "
        f"den faktiska räntan räknas om när betalningarna kommer in.")]


def _conditions(data: LetterData) -> list[Flowable]:
    """The named conditions the rule of the decision requires, each as it was answered (issue 12 §2)."""
    if not data.conditions:
        return []
    return [paragraph(f"Förutsättningar enligt delegationsordningen punkt {data.rule_number}", "h3"),
            paragraph("\n".join(data.conditions))]


def _if_not_kept(data: LetterData) -> list[Flowable]:
    if data.whole_debt_of:
        if not data.is_granted:
            return [paragraph("Vad beslutet innebär", "h2"), paragraph(
                "Betala det som har förfallit enligt planen så snart som möjligt. Om villkoren fortsatt inte "
                "hålls kan hela det återstående beloppet förfalla till betalning på en gång.")]
        text = "Betalar du inte hela beloppet går fordran vidare till inkasso enligt kommunens rutiner."
        if data.charges_interest:
            text += (" Dröjsmålsränta enligt räntelagen fortsätter att löpa på kapitalet "
                     f"{_since_due_dates(data)} till dess att skulden är betald.")
        return [paragraph("Vad beslutet innebär", "h2"), paragraph(text)]
    if not data.is_granted:
        return [paragraph("Vad beslutet innebär", "h2"), paragraph(
            "Fakturorna ska betalas enligt sina ursprungliga villkor. Betalar du inte går fordran vidare "
            "till inkasso enligt kommunens rutiner.")]
    if data.case_type not in (CaseType.DEFERRAL, CaseType.INSTALMENT_PLAN):
        return []
    text = ("Om villkoren inte hålls förfaller hela det återstående beloppet till betalning på en gång, "
            "och fordran går vidare till inkasso.")
    if data.charges_interest:
        text += f" Dröjsmålsränta enligt räntelagen räknas {_since_due_dates(data)}."
    return [paragraph("Om villkoren inte hålls", "h2"), paragraph(text)]


def _mandate(data: LetterData) -> list[Flowable]:
    if data.committee_reference:
        return [paragraph(f"Beslutet är fattat av {data.committee_name} vid sammanträde den "
                          f"{_d(data.decision_date)}, {data.committee_reference}.")]
    who = f"{data.decider_name}, {data.decider_position}" if data.decider_position else data.decider_name
    if data.standin_for:
        who = f"{data.decider_name} som ersättare för {data.standin_for}, {data.decider_position}"
    elif data.vacant_standin:
        who = f"{data.decider_name} som ersättare för {data.decider_position} (vakant)"
    elif data.further_delegation_from:
        who += f", efter vidaredelegering från {data.further_delegation_from}"
    if data.urgent:
        who += speak_as(data.body_kind, ", i ett brådskande ärende på nämndens vägnar (kommunallagen 6 kap 39 §)")
    return [
        paragraph(f"Beslutet är fattat med stöd av {data.committee_name}s delegationsordning punkt "
                  f"{data.rule_number}, {data.version_label}, {data.adoption_reference}."
                  + (" " + speak_as(data.body_kind, common_source_sv(data.common_reference, data.adoption_reference))
                     if data.common_reference else "")),
        paragraph(f"Beslutet är fattat {_d(data.decision_date)} av {who}."),
    ]


def _appeal(data: LetterData) -> list[Flowable]:
    if not data.appealable or not open_to_appeal(data.body_kind):
        return []
    return [paragraph("Hur du överklagar", "h2"), paragraph(
        f"Du kan överklaga beslutet (förvaltningsbesvär, förvaltningslagen 40–44 §§). Skriv till "
        f"{data.committee_name}, ange diarienummer {data.registry_number}, vilken ändring du vill ha och "
        f"varför. Överklagandet ska ha kommit in inom tre veckor från den dag du fick del av beslutet; "
        + speak_as(data.body_kind, "nämnden skickar det vidare till förvaltningsrätten.")), paragraph(
        _LEGALITY_REVIEW.get(data.body_kind, _LEGALITY_REVIEW["committee"]), "small")]


# Who may ask for laglighetsprövning (kommunallagen 13 kap 1 §): a municipality's members, or for a
# joint authority the members of its member municipalities; a company's decisions are not open to it.
_LEGALITY_REVIEW = {
    "committee": "Kommunens medlemmar kan också begära laglighetsprövning (kommunallagen 13 kap.) inom tre veckor "
                 "från det att protokollet där beslutet anmäldes har tillkännagetts på kommunens anslagstavla.",
    "federation_board": "Medlemmarna i förbundets medlemskommuner kan också begära laglighetsprövning "
                        "(kommunallagen 13 kap.) inom tre veckor från det att protokollet där beslutet anmäldes "
                        "har tillkännagetts på förbundets anslagstavla.",
}


def _contact(data: LetterData) -> list[Flowable]:
    contact = data.officer_name + (f", {data.officer_email}" if data.officer_email else "")
    return [paragraph("Kontakt", "h2"),
            paragraph(f"Har du frågor om beslutet, kontakta handläggaren {contact}, {data.committee_name}.")]


def build_decision_letter(data: LetterData, code: str) -> bytes:
    title = data.title
    story: list[Flowable] = [
        *_recipient(data),
        paragraph(title, "title"),
        paragraph(f"Beslut: {OUTCOME_WORDS[data.outcome]} · Diarienummer {data.registry_number} · "
                  f"Beslutsdatum {_d(data.decision_date)}", "h3"),
    ]
    if data.corrects:
        story.append(paragraph(f"Beslutet rättar ett tidigare beslut (beslut nr {data.corrects}).", "small"))
    story += [paragraph("Beslut", "h2"), *_decided(data),
              paragraph("Fakturor som beslutet gäller", "h3"), _invoice_table(data),
              paragraph("Skäl för beslutet", "h2"), paragraph(data.reasons),
              *_conditions(data),
              *_if_not_kept(data),
              paragraph(speak_as(data.body_kind, "Nämndens beslut") if data.committee_reference else "Delegation",
                        "h2"),
              *_mandate(data),
              *_appeal(data), *_contact(data),
              Spacer(1, 10 * mm), paragraph("\n".join(filter(None, (data.decider_name, data.decider_position))))]
    frame = _frame(data, title, code)
    return to_pdfa(build_pdf(frame, story), title=title, author=data.committee_name,
                   subject=frame.subject, issued_at=data.issued_at)


def _record_decided(data: LetterData) -> list[Flowable]:
    """What an internal decision says: not to pursue, or to stop pursuing, the invoices below."""
    reason = COLLECTION_REASONS.get(data.granted.get("collection_reason") or data.asked.get("collection_reason"),
                                    "—")
    amount = format_money(data.granted.get("amount_ore", data.asked.get("amount_ore", 0)))
    if data.case_type == CaseType.FORGO_COLLECTION:
        if not data.is_granted:
            return [paragraph(f"{data.committee_name} avslår förslaget att avstå från indrivning. Fordringarna "
                              "nedan drivs in enligt kommunens rutiner.")]
        return [paragraph(f"{data.committee_name} beslutar att avstå från indrivning av fordringarna nedan, "
                          f"sammanlagt {amount}: de lämnas inte till inkasso och inget betalningsföreläggande "
                          f"söks. Skäl: {reason}."),
                paragraph("Fordringarna finns kvar i kundreskontran; beslutet är inte en avskrivning.")]
    if not data.is_granted:
        return [paragraph(f"{data.committee_name} avslår förslaget att avbryta indrivningen. Indrivningen av "
                          "fordringarna nedan fortsätter.")]
    return [paragraph(f"{data.committee_name} beslutar att avbryta den påbörjade indrivningen av fordringarna "
                      f"nedan, sammanlagt {amount}: ärendet återkallas hos inkassoombudet eller "
                      f"Kronofogden. Skäl: {reason}."),
            paragraph("Fordringarna finns kvar i kundreskontran; beslutet är inte en avskrivning.")]


def build_decision_record(data: LetterData, code: str) -> bytes:
    """The decision document of an internal decision (RULINGS 13): for the file, not a letter to the
    customer, so it has no address, no consequences for the customer and no appeal text."""
    title = f"Beslut om {TYPE_WORDS[data.case_type]}"
    customer = f"{data.customer_name}, person-/organisationsnummer {data.customer_identity}"
    story: list[Flowable] = [
        paragraph(title, "title"),
        paragraph(f"Beslut: {OUTCOME_WORDS[data.outcome]} · Diarienummer {data.registry_number} · "
                  f"Beslutsdatum {_d(data.decision_date)}", "h3"),
        paragraph("Beslutsdokument för akten. Beslutet skickas inte till kunden.", "small"),
        paragraph(f"Kund: {customer}."),
    ]
    if data.corrects:
        story.append(paragraph(f"Beslutet rättar ett tidigare beslut (beslut nr {data.corrects}).", "small"))
    story += [paragraph("Beslut", "h2"), *_record_decided(data),
              paragraph("Fakturor som beslutet gäller", "h3"), _invoice_table(data),
              paragraph("Skäl för beslutet", "h2"), paragraph(data.reasons),
              paragraph(speak_as(data.body_kind, "Nämndens beslut") if data.committee_reference else "Delegation",
                        "h2"),
              *_mandate(data),
              paragraph("Handläggare", "h2"),
              paragraph(data.officer_name + (f", {data.officer_email}" if data.officer_email else "")),
              Spacer(1, 10 * mm), paragraph("\n".join(filter(None, (data.decider_name, data.decider_position))))]
    frame = _frame(data, title, code)
    return to_pdfa(build_pdf(frame, story), title=title, author=data.committee_name,
                   subject=frame.subject, issued_at=data.issued_at)


def build_plan_agreement(data: LetterData, code: str) -> bytes:
    title = "Avtal om avbetalningsplan"
    g = data.granted
    fee = sum(row["fees_ore"] for row in data.schedule)
    signature = table([["Ort och datum", "Gäldenärens underskrift"],
                       ["\n\n______________________________", "\n\n______________________________"],
                       ["", f"Namnförtydligande: {data.customer_name}"]], header=False,
                      col_widths=[80 * mm, 90 * mm])
    story: list[Flowable] = [
        *_recipient(data),
        paragraph(title, "title"),
        paragraph(f"Diarienummer {data.registry_number} · Beslut {_d(data.decision_date)}", "h3"),
        paragraph("Erkännande av skuld", "h2"),
        paragraph(f"Jag, {data.customer_name}, erkänner att jag är skyldig {data.municipality_name} "
                  f"{format_money(g['amount_ore'])} i kapital för fakturorna nedan, med ränta och avgift "
                  f"enligt detta avtal. Skulderkännandet avbryter preskriptionen."),
        _invoice_table(data),
        paragraph("Betalningsplan", "h2"),
        paragraph(f"{g.get('instalments')} delbetalningar om {format_money(g.get('monthly_amount_ore') or 0)} "
                  f"i månaden, den första {_d(g.get('first_due_date'))}; den sista tar resten."),
        schedule_table(data.schedule),
        *([paragraph(_estimate_note(data), "small")]
          if any(row.get("interest_estimated") for row in data.schedule) else []),
        paragraph("Ränta och avgift", "h2"),
        *_interest_terms(data),
        paragraph(f"Avgift för avbetalningsplanen: {format_money(fee)}, betalas med den första delbetalningen "
                  "(lag 1981:739 om ersättning för inkassokostnader m.m., 4 §)." if fee
                  else "Ingen avgift tas ut för avbetalningsplanen."),
        paragraph("Om planen inte följs", "h2"),
        paragraph("Om en delbetalning inte betalas i tid förfaller hela det återstående beloppet till betalning "
                  "på en gång, och fordran går vidare till inkasso."),
        paragraph("Underskrift", "h2"),
        paragraph(f"Skriv under och skicka avtalet till {data.committee_name}, handläggare {data.officer_name}. "
                  "Planen gäller från den dag kommunen har tagit emot det undertecknade avtalet."),
        KeepTogether([Spacer(1, 6 * mm), signature]),
    ]
    frame = _frame(data, title, code)
    return to_pdfa(build_pdf(frame, story), title=title, author=data.committee_name,
                   subject=frame.subject, issued_at=data.issued_at)


# --- issuing ---------------------------------------------------------------------------------------

def decision_documents_issue(actor: Actor, case: Case, decision: Decision) -> list[IssuedDocument]:
    """The decision letter, and for a granted plan the agreement to sign: issued with the decision,
    in its transaction, so the two are written together or not at all. An internal decision gets
    its decision document instead of a letter."""
    data = letter_data(case, decision)
    common = {"object_type": "decision", "object_id": decision.id, "committee_id": case.committee_id,
              "registry_number": case.registry_number}
    if data.case_type in INTERNAL_CASE_TYPES:  # RULINGS 13: for the file, no letter to the customer
        return [document_issue(actor, kind=DocumentKind.DECISION_RECORD,
                               title=f"Beslut om {TYPE_WORDS[data.case_type]}",
                               render=lambda code: build_decision_record(data, code), **common)]
    documents = [document_issue(actor, kind=DocumentKind.DECISION_LETTER,
                                title=data.title,
                                render=lambda code: build_decision_letter(data, code), **common)]
    if data.case_type == CaseType.INSTALMENT_PLAN and data.is_granted and not data.whole_debt_of:
        documents.append(document_issue(actor, kind=DocumentKind.PLAN_AGREEMENT, title="Avtal om avbetalningsplan",
                                        render=lambda code: build_plan_agreement(data, code), **common))
    return documents
