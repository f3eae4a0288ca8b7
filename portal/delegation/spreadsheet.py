"""A draft scheme as an .xlsx workbook: one row a rule, one column a field of the rule editor.

The workbook is a file format, so its column headers are fixed Swedish words (like the ledger's
"Fakturanummer"). Writing gives every field the cell text the editor would show (names, not ids;
the labels of the editor's choices; kronor as numbers). Reading it back is spreadsheet_read.py;
the editor's RuleForm, the service's validation and the draft checker then follow in
`scheme_import`, so a row is accepted exactly when the same values typed into the page would be.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from sqlalchemy import select

from portal import clock
from portal.delegation import display, queries
from portal.delegation.engine_types import PlanLengthFloor
from portal.delegation.messages import (
    AMOUNT_BASIS_LABELS,
    CASE_TYPE_LABELS,
    CUSTOMER_KIND_LABELS,
    DELEGATE_TYPE_LABELS,
    FREQUENCY_PERIOD_LABELS,
    RULE_KIND_LABELS,
    SCOPE_LABELS,
    share,
)
from portal.delegation.models import (
    CollectionReason,
    CreditReason,
    DelegationRule,
    SchemeVersion,
    WriteOffReason,
)
from portal.extensions import db
from portal.money import format_amount
from portal.org.models import Committee, OrgUnit, Position, PositionKind

RULES_SHEET = "Regler"
WORDS_SHEET = "Reglerna i ord"
CHOICES_SHEET = "Val"
YES, NO = "Ja", "Nej"
NONE_WORD = "Inga"  # "only some write-off reasons", none of them ticked


@dataclass(frozen=True)
class Column:
    """One column: its header, the form fields it fills, and how a rule's value is written."""

    header: str
    fields: tuple[str, ...]
    kind: str  # text, integer, amount, choice, names, yes_no
    hint: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("Nummer", ("number",), "text", "Punktens nummer som i det antagna dokumentet, t.ex. 4.2"),
    Column("Nivå", ("level",), "integer", "1 är närmast ärendet"),
    Column("Ärendetyp", ("case_type",), "choice"),
    Column("Typ av punkt", ("kind",), "choice"),
    Column("Punkt i riktlinjen", ("guideline_point",), "text", "Bara riktlinjespärrar"),
    Column("Text som antagen", ("text",), "text"),
    Column("Delegat", ("delegate_type",), "choice"),
    Column("Typ av befattning", ("delegate_position_kind",), "choice",
           "När delegaten är en typ av befattning"),
    Column("Var befattningen finns", ("delegate_scope",), "choice",
           "När delegaten är en typ av befattning"),
    Column("Namngiven befattning", ("delegate_position_id",), "choice",
           "När delegaten är en namngiven befattning: titel (nämndens kod)"),
    Column("Utskott", ("delegate_committee_id",), "choice", "När delegaten är ett utskott"),
    Column("Ersättarbefattning", ("standin_position_id",), "choice"),
    Column("Får vidaredelegeras", ("allows_further_delegation",), "yes_no", "Ja eller Nej"),
    Column("Samråd med enhet", ("consultation_unit_id",), "choice"),
    Column("Samråd med befattning", ("consultation_position_id",), "choice"),
    Column("Bara fakturakategorierna", ("invoice_category_ids",), "names",
           "Kategorier åtskilda med semikolon; tom: alla"),
    Column("Alla fakturakategorier utom", ("excluded_invoice_category_ids",), "names",
           "Kategorier åtskilda med semikolon"),
    Column("Bara fakturor utfärdade av", ("issuing_unit_ids",), "names",
           "Enheter eller förvaltningar åtskilda med semikolon; tom: alla"),
    Column("Förutsättningar", ("required_conditions",), "names",
           "Nämndens förutsättningar åtskilda med semikolon"),
    Column("Högsta belopp (kr)", ("max_amount_ore",), "amount"),
    Column("Lägsta belopp (kr)", ("min_amount_ore",), "amount"),
    Column("Högsta belopp per faktura (kr)", ("max_invoice_amount_ore",), "amount"),
    Column("Högsta belopp i prisbasbelopp",
           ("max_amount_pbb_numerator", "max_amount_pbb_denominator"), "text", "T.ex. 0,5 eller 1/3"),
    Column("Beloppsgrund", ("amount_basis",), "choice"),
    Column("Längsta anstånd (månader)", ("max_deferral_months",), "integer"),
    Column("Längsta anstånd (dagar)", ("max_deferral_days",), "integer"),
    Column("Längsta plan (månader)", ("max_plan_months",), "integer"),
    Column("Längsta anstånd och plan sammanlagt (månader)", ("max_total_months",), "integer"),
    Column("Minsta månadsbelopp (kr)", ("min_monthly_instalment_ore",), "amount",
           "Planer, och anstånd med delbetalning"),
    Column("Flest delbetalningar i en plan", ("max_instalments",), "integer"),
    Column("Flest beviljade ärenden per kund", ("max_granted_cases",), "integer",
           "Detta ärende medräknat"),
    Column("Räknat", ("frequency_period",), "choice"),
    Column("Minsta skuld för planlängd", ("plan_length_floors",), "text",
           "”12: 12 000” = en plan på 12 månader eller mer kräver minst 12 000 kr; flera med semikolon"),
    Column("Tillåtna skäl för avskrivning", ("allowed_write_off_reasons",), "names",
           "Tom: alla skäl; Inga: inget skäl"),
    Column("Tillåtna skäl för kreditering och indrivning", ("allowed_reasons",), "names",
           "Krediteringar, avstå från och avbryta indrivning. Tom: alla skäl; Inga: inget skäl"),
    Column("Typ av kund", ("customer_kind",), "choice", "Tom: alla"),
    Column("Brutet efter (dagar sen)", ("broken_after_days",), "integer",
           "Planer och anstånd; strängare än kommunens inställning"),
)
HEADERS = tuple(column.header for column in COLUMNS)

# Which column a form field's or the service's error is about.
_FORM_FIELD_COLUMN = {
    "number": "Nummer", "level": "Nivå", "case_type": "Ärendetyp", "kind": "Typ av punkt",
    "guideline_point": "Punkt i riktlinjen", "text": "Text som antagen", "delegate_type": "Delegat",
    "delegate_position_kind": "Typ av befattning", "delegate_scope": "Var befattningen finns",
    "delegate_position_id": "Namngiven befattning", "delegate_committee_id": "Utskott",
    "standin_position_id": "Ersättarbefattning", "allows_further_delegation": "Får vidaredelegeras",
    "consultation_unit_id": "Samråd med enhet", "consultation_position_id": "Samråd med befattning",
    "scope_unit_ids": "Bara fakturor utfärdade av", "required_condition_ids": "Förutsättningar",
    "max_amount": "Högsta belopp (kr)", "min_amount": "Lägsta belopp (kr)",
    "max_invoice_amount": "Högsta belopp per faktura (kr)",
    "max_amount_pbb": "Högsta belopp i prisbasbelopp", "amount_basis": "Beloppsgrund",
    "max_deferral_months": "Längsta anstånd (månader)", "max_deferral_days": "Längsta anstånd (dagar)",
    "max_plan_months": "Längsta plan (månader)",
    "max_total_months": "Längsta anstånd och plan sammanlagt (månader)",
    "min_monthly_instalment": "Minsta månadsbelopp (kr)",
    "max_instalments": "Flest delbetalningar i en plan",
    "max_granted_cases": "Flest beviljade ärenden per kund", "frequency_period": "Räknat",
    "plan_length_floors": "Minsta skuld för planlängd",
    "restrict_write_off_reasons": "Tillåtna skäl för avskrivning",
    "allowed_write_off_reasons": "Tillåtna skäl för avskrivning", "customer_kind": "Typ av kund",
    "restrict_reasons": "Tillåtna skäl för kreditering och indrivning",
    "allowed_credit_reasons": "Tillåtna skäl för kreditering och indrivning",
    "allowed_collection_reasons": "Tillåtna skäl för kreditering och indrivning",
    "allowed_reasons": "Tillåtna skäl för kreditering och indrivning",
    "broken_after_days": "Brutet efter (dagar sen)",
}


def error_column(name: str, scope: str | None = None) -> str | None:
    """The header an error of a form field or service key stands under (None: the whole row)."""
    if name in ("category_scope", "scope_category_ids"):
        return "Alla fakturakategorier utom" if scope == "except" else "Bara fakturakategorierna"
    return _FORM_FIELD_COLUMN.get(name)


# --- the names a sheet uses for ids and codes ------------------------------------------------------

@dataclass
class Names:
    """Two-way names of everything a rule refers to. Where two things share a name, each is written
    with its id in brackets ("Avgift [4]") so the file still says which one."""

    by_label: dict[str, dict[str, object]] = field(default_factory=dict)
    labels: dict[str, dict[object, str]] = field(default_factory=dict)

    def add(self, kind: str, pairs: list[tuple[object, str]]) -> None:
        counts: dict[str, int] = {}
        for _item, text in pairs:
            counts[text.casefold()] = counts.get(text.casefold(), 0) + 1
        labels = {}
        for key, text in pairs:
            labels[key] = text if counts[text.casefold()] == 1 else f"{text} [{key}]"
        self.labels[kind] = labels
        self.by_label[kind] = {_key(text): key for key, text in labels.items()}

    def label(self, kind: str, key) -> str:
        return self.labels[kind].get(key, "" if key is None else str(key))

    def find(self, kind: str, text: str):
        return self.by_label[kind].get(_key(text))

    def choices(self, kind: str) -> list[str]:
        return list(self.labels[kind].values())


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _labelled(mapping: dict) -> list[tuple[object, str]]:
    return [(key.value, str(text)) for key, text in mapping.items()]


def names_for(version: SchemeVersion) -> Names:
    """The vocabulary of one committee's scheme: positions and units of every committee (a rule may
    name them), its sub-committees, the invoice categories, its named conditions."""
    names = Names()
    names.add("case_type", _labelled(CASE_TYPE_LABELS))
    names.add("kind", _labelled(RULE_KIND_LABELS))
    names.add("delegate_type", _labelled(DELEGATE_TYPE_LABELS))
    names.add("delegate_position_kind", [(k.value, k.label) for k in PositionKind])
    names.add("delegate_scope", _labelled(SCOPE_LABELS))
    names.add("amount_basis", _labelled(AMOUNT_BASIS_LABELS))
    names.add("frequency_period", _labelled(FREQUENCY_PERIOD_LABELS))
    names.add("customer_kind", _labelled(CUSTOMER_KIND_LABELS))
    names.add("write_off_reason", [(r.value, r.label) for r in WriteOffReason])
    # Credits' and collection cases' reasons: one vocabulary (they share only "other", same words).
    reasons = {r.value: r.label for vocabulary in (CreditReason, CollectionReason) for r in vocabulary}
    names.add("reason", list(reasons.items()))
    positions = db.session.execute(
        select(Position.id, Position.title, Committee.code)
        .join(Committee, Committee.id == Position.committee_id)
        .order_by(Committee.code, Position.title, Position.id)
    ).all()
    names.add("position", [(pid, f"{title} ({code})") for pid, title, code in positions])
    units = db.session.execute(
        select(OrgUnit.id, OrgUnit.name, Committee.code)
        .join(Committee, Committee.id == OrgUnit.committee_id)
        .order_by(Committee.code, OrgUnit.name, OrgUnit.id)
    ).all()
    names.add("unit", [(uid, f"{name} ({code})") for uid, name, code in units])
    subs = db.session.scalars(
        select(Committee).where(Committee.parent_id == version.committee_id).order_by(Committee.name)
    ).all()
    names.add("sub_committee", [(c.id, c.name) for c in subs])
    names.add("category", sorted(queries.invoice_categories().items(), key=lambda item: item[1]))
    names.add("condition", [(c.id, c.name) for c in queries.conditions_of(version.committee_id)])
    return names


# --- writing ---------------------------------------------------------------------------------------

def _kronor(ore: int | None):
    """An amount as a number of kronor for the cell: whole kronor an int, else two decimals."""
    if ore is None:
        return None
    return ore // 100 if ore % 100 == 0 else ore / 100


def _list(values: list[str]) -> str:
    return "; ".join(values)


def rule_cells(rule: DelegationRule, names: Names) -> list:
    """One rule as the row's cells, in COLUMNS order."""
    def label(kind, value):
        return names.label(kind, value) if value is not None else None

    pbb = rule.max_amount_pbb
    floors = "; ".join(
        f"{floor.months}: {format_amount(floor.min_debt_ore)}"
        for floor in (PlanLengthFloor.from_stored(v).as_or_more() for v in rule.plan_length_floors or ())
    )
    reasons = rule.allowed_write_off_reasons
    case_reasons = rule.allowed_reasons
    values = {
        "Nummer": rule.number,
        "Nivå": rule.level,
        "Ärendetyp": label("case_type", rule.case_type),
        "Typ av punkt": label("kind", rule.kind),
        "Punkt i riktlinjen": rule.guideline_point,
        "Text som antagen": rule.text,
        "Delegat": label("delegate_type", rule.delegate_type),
        "Typ av befattning": label("delegate_position_kind", rule.delegate_position_kind),
        "Var befattningen finns": label("delegate_scope", rule.delegate_scope),
        "Namngiven befattning": label("position", rule.delegate_position_id),
        "Utskott": label("sub_committee", rule.delegate_committee_id),
        "Ersättarbefattning": label("position", rule.standin_position_id),
        "Får vidaredelegeras": YES if rule.allows_further_delegation else NO,
        "Samråd med enhet": label("unit", rule.consultation_unit_id),
        "Samråd med befattning": label("position", rule.consultation_position_id),
        "Bara fakturakategorierna": _list([names.label("category", i) for i in rule.invoice_category_ids])
        if rule.invoice_category_ids is not None else None,
        "Alla fakturakategorier utom": _list(
            [names.label("category", i) for i in rule.excluded_invoice_category_ids])
        if rule.excluded_invoice_category_ids is not None else None,
        "Bara fakturor utfärdade av": _list([names.label("unit", i) for i in rule.issuing_unit_ids or ()]),
        "Förutsättningar": _list([names.label("condition", int(c[0])) for c in rule.required_conditions or ()]),
        "Högsta belopp (kr)": _kronor(rule.max_amount_ore),
        "Lägsta belopp (kr)": _kronor(rule.min_amount_ore),
        "Högsta belopp per faktura (kr)": _kronor(rule.max_invoice_amount_ore),
        "Högsta belopp i prisbasbelopp": share(pbb) if pbb is not None else None,
        "Beloppsgrund": label("amount_basis", rule.amount_basis),
        "Längsta anstånd (månader)": rule.max_deferral_months,
        "Längsta anstånd (dagar)": rule.max_deferral_days,
        "Längsta plan (månader)": rule.max_plan_months,
        "Längsta anstånd och plan sammanlagt (månader)": rule.max_total_months,
        "Minsta månadsbelopp (kr)": _kronor(rule.min_monthly_instalment_ore),
        "Flest delbetalningar i en plan": rule.max_instalments,
        "Flest beviljade ärenden per kund": rule.max_granted_cases,
        "Räknat": label("frequency_period", rule.frequency_period),
        "Minsta skuld för planlängd": floors,
        "Tillåtna skäl för avskrivning": None if reasons is None else (
            _list([names.label("write_off_reason", r) for r in reasons]) or NONE_WORD),
        "Tillåtna skäl för kreditering och indrivning": None if case_reasons is None else (
            _list([names.label("reason", r) for r in case_reasons]) or NONE_WORD),
        "Typ av kund": label("customer_kind", rule.customer_kind),
        "Brutet efter (dagar sen)": rule.broken_after_days,
    }
    return [values[header] if values[header] != "" else None for header in HEADERS]


def _text_cell(cell, value) -> None:
    """Text is stored as text: openpyxl would make "=…" a formula (and Excel would run it)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


_CHOICE_KINDS = {
    "Ärendetyp": "case_type", "Typ av punkt": "kind", "Delegat": "delegate_type",
    "Typ av befattning": "delegate_position_kind", "Var befattningen finns": "delegate_scope",
    "Namngiven befattning": "position", "Utskott": "sub_committee", "Ersättarbefattning": "position",
    "Samråd med enhet": "unit", "Samråd med befattning": "position",
    "Bara fakturakategorierna": "category", "Alla fakturakategorier utom": "category",
    "Bara fakturor utfärdade av": "unit", "Förutsättningar": "condition", "Beloppsgrund": "amount_basis",
    "Räknat": "frequency_period", "Tillåtna skäl för avskrivning": "write_off_reason",
    "Tillåtna skäl för kreditering och indrivning": "reason",
    "Typ av kund": "customer_kind",
}


def workbook_bytes(version: SchemeVersion) -> bytes:
    """The version's rules as .xlsx: the rules, the rules in words, and the words each column takes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    names = names_for(version)
    book = Workbook()
    sheet = book.active
    sheet.title = RULES_SHEET
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row_number, rule in enumerate(version.rules, start=2):
        for column_number, value in enumerate(rule_cells(rule, names), start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            _text_cell(cell, value)
            if COLUMNS[column_number - 1].kind == "amount" and value is not None:
                cell.number_format = "#,##0.00"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 40 if column.header == "Text som antagen" else 22
    sheet.freeze_panes = "B2"

    words = book.create_sheet(WORDS_SHEET)
    words.append(["Nummer", "Ärendetyp", "Nivå", "Delegat", "Gränser och villkor", "Samråd"])
    for cell in words[1]:
        cell.font = Font(bold=True)
    book_names = queries.names()
    pbb = queries.price_base_amounts()
    year = (version.valid_from or clock.today()).year
    for rule in version.rules:
        view = display.rule_view(rule, book_names, pbb, year)
        for_row = [rule.number, names.label("case_type", rule.case_type), rule.level,
                   view.delegate, "\n".join(view.limits), view.consultation]
        words.append([None] * len(for_row))
        for column_number, value in enumerate(for_row, start=1):
            _text_cell(words.cell(row=words.max_row, column=column_number), value)
    for letter, width in zip("ABCDEF", (10, 18, 6, 40, 80, 30), strict=True):
        words.column_dimensions[letter].width = width

    choices = book.create_sheet(CHOICES_SHEET)
    choices.append(["Kolumn", "Vad den tar", "Giltiga värden"])
    for cell in choices[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        kind = _CHOICE_KINDS.get(column.header)
        allowed = "; ".join(names.choices(kind)) if kind else ""
        if column.kind == "yes_no":
            allowed = f"{YES}; {NO}"
        row = [column.header, column.hint, allowed]
        choices.append([None] * 3)
        for column_number, value in enumerate(row, start=1):
            _text_cell(choices.cell(row=choices.max_row, column=column_number), value or None)
    for letter, width in zip("ABC", (40, 60, 100), strict=True):
        choices.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
