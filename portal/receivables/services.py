"""Changes to the receivables' reference tables and mappings, and the log of customer views."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import clock
from portal.audit.services import Actor, changes, record, snapshot
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.money import MoneyParseError, parse_money
from portal.receivables.ledger_parse import (
    COLLECTION_STAGES,
    LEDGER_FIELD_SPECS,
    PAID_SIGNS,
    PAYMENT_FIELD_SPECS,
)
from portal.receivables.messages import error_message
from portal.receivables.models import (
    CollectionStageCode,
    Customer,
    CustomerView,
    Fee,
    FeeKind,
    ImportKind,
    InvoiceCategory,
    LedgerMapping,
    ReferenceRate,
    STAGE_LABELS,
)
from portal.receivables.tabular import ReadOptions, check_constant

CATEGORY_FIELDS = ("code", "name", "charges_interest", "time_bar_years", "appealable", "active")
RATE_FIELDS = ("half_year_start", "rate_bp", "confirmed", "note")
FEE_FIELDS = ("kind", "amount_ore", "valid_from")
STAGE_CODE_FIELDS = ("code", "stage")
MAPPING_FIELDS = ("name", "kind", "columns", "constants", "defaults", "paid_sign", "stage_codes",
                  "category_codes")
FIELD_SPECS = {ImportKind.LEDGER: LEDGER_FIELD_SPECS, ImportKind.PAYMENTS: PAYMENT_FIELD_SPECS}
MAPPABLE_FIELDS = {kind: tuple(specs) for kind, specs in FIELD_SPECS.items()}


def _save(actor: Actor, obj, fields: tuple[str, ...], values: dict, object_type: str) -> None:
    """Apply values to a new or existing object and record exactly what changed."""
    is_new = obj.id is None
    before = {} if is_new else snapshot(obj, fields)
    for name in fields:
        setattr(obj, name, values[name])
    if is_new:
        db.session.add(obj)
    db.session.flush()
    after = snapshot(obj, fields)
    if is_new:
        record(actor, f"{object_type}.create", object_type, obj.id, after=after)
        return
    before, after = changes(before, after)
    if after:
        record(actor, f"{object_type}.update", object_type, obj.id, before=before, after=after)


def _taken(model, column, value, own_id: int | None) -> bool:
    return bool(db.session.scalar(
        select(func.count()).select_from(model).where(column == value, model.id != (own_id or -1))))


def parse_rate_bp(text: str) -> int:
    """A percentage written like an amount ("2,50", "2.5") as basis points (2,50 % = 250).

    Hundredths of a percent are basis points as öre are hundredths of a krona, so the money
    parser reads it with the same rules (at most two decimals, comma or point).
    """
    return parse_money(text.replace("%", ""))


# --- invoice categories, reference rates, fees: the finance director ---------------------------


def category_save(
    actor: Actor, category: InvoiceCategory | None, *, code: str, name: str,
    charges_interest: bool, time_bar_years: int | None, appealable: bool, active: bool = True,
) -> InvoiceCategory:
    category = category or InvoiceCategory()
    code, errors = (code or "").strip(), {}
    if not code:
        errors["code"] = _("Enter the code the ledger uses for the category.")
    elif _taken(InvoiceCategory, InvoiceCategory.code, code, category.id):
        errors["code"] = _("Another category already has the code %(code)s.", code=code)
    if not (name or "").strip():
        errors["name"] = _("Enter the name.")
    if time_bar_years is None or not 1 <= time_bar_years <= 30:
        errors["time_bar_years"] = _("Enter the time bar in years (1–30).")
    if errors:
        raise ValidationFailed(errors)
    _save(actor, category, CATEGORY_FIELDS, dict(
        code=code, name=name.strip(), charges_interest=charges_interest,
        time_bar_years=time_bar_years, appealable=appealable, active=active,
    ), "invoice_category")  # fmt: skip
    return category


def rate_save(
    actor: Actor, rate: ReferenceRate | None, *, half_year_start: date | None, rate_text: str,
    confirmed: bool, note: str | None,
) -> ReferenceRate:
    rate = rate or ReferenceRate()
    errors: dict[str, str] = {}
    if half_year_start is None or half_year_start.day != 1 or half_year_start.month not in (1, 7):
        errors["half_year_start"] = _("A reference rate applies from 1 January or 1 July.")
    elif _taken(ReferenceRate, ReferenceRate.half_year_start, half_year_start, rate.id):
        errors["half_year_start"] = _("The half-year already has a reference rate.")
    rate_bp = None
    try:
        rate_bp = parse_rate_bp(rate_text or "")
    except MoneyParseError:
        errors["rate"] = _("Enter the rate in percent, e.g. 2,50.")
    else:
        if not -1000 <= rate_bp <= 5000:
            errors["rate"] = _("Enter a rate between -10 and 50 percent.")
    if errors:
        raise ValidationFailed(errors)
    _save(actor, rate, RATE_FIELDS, dict(
        half_year_start=half_year_start, rate_bp=rate_bp, confirmed=confirmed,
        note=(note or "").strip() or None,
    ), "reference_rate")  # fmt: skip
    return rate


def fee_save(
    actor: Actor, fee: Fee | None, *, kind: str, amount_text: str, valid_from: date | None
) -> Fee:
    fee = fee or Fee()
    errors: dict[str, str] = {}
    if kind not in set(FeeKind):
        errors["kind"] = _("Choose a kind of fee.")
    amount = None
    try:
        amount = parse_money(amount_text or "")
    except MoneyParseError:
        errors["amount"] = _("Enter the amount in kronor, e.g. 180,00.")
    else:
        if amount < 0:
            errors["amount"] = _("A fee cannot be negative.")
    if valid_from is None:
        errors["valid_from"] = _("Enter the date the fee applies from.")
    elif kind in set(FeeKind) and db.session.scalar(
        select(func.count()).select_from(Fee).where(
            Fee.kind == kind, Fee.valid_from == valid_from, Fee.id != (fee.id or -1))
    ):  # fmt: skip
        errors["valid_from"] = _("The fee already has an amount from that date.")
    if errors:
        raise ValidationFailed(errors)
    _save(actor, fee, FEE_FIELDS, dict(kind=kind, amount_ore=amount, valid_from=valid_from), "fee")
    return fee


# --- the ledger's collection-stage codes: the finance officer ----------------------------------


def stage_code_save(
    actor: Actor, stage_code: CollectionStageCode | None, *, code: str, stage: str
) -> CollectionStageCode:
    stage_code = stage_code or CollectionStageCode()
    code, errors = (code or "").strip().casefold(), {}
    if not code:
        errors["code"] = _("Enter the ledger's code.")
    elif code in COLLECTION_STAGES:
        errors["code"] = _("The portal's own stage names are always understood; enter the "
                           "ledger's code.")
    elif _taken(CollectionStageCode, CollectionStageCode.code, code, stage_code.id):
        errors["code"] = _("The code %(code)s is already in the table.", code=code)
    if stage not in COLLECTION_STAGES:
        errors["stage"] = _("Choose the portal's stage.")
    if errors:
        raise ValidationFailed(errors)
    _save(actor, stage_code, STAGE_CODE_FIELDS, dict(code=code, stage=stage), "stage_code")
    return stage_code


def stage_code_delete(actor: Actor, stage_code: CollectionStageCode) -> None:
    record(actor, "stage_code.delete", "stage_code", stage_code.id,
           before=snapshot(stage_code, STAGE_CODE_FIELDS))
    db.session.delete(stage_code)
    db.session.flush()


# --- saved mappings ------------------------------------------------------------------------------


def parse_value_table(text: str) -> tuple[dict[str, str], list[str]]:
    """A value table written one pair a line, ``ledger code = portal value`` (a tab or ";" works
    as well as "="); returns the table and the lines that could not be read."""
    table: dict[str, str] = {}
    bad: list[str] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        for separator in ("=", "\t", ";"):
            if separator in line:
                code, value = (part.strip() for part in line.split(separator, 1))
                break
        else:
            code = value = ""
        if not code or not value or code in table:
            bad.append(line)
        else:
            table[code] = value
    return table, bad


def format_value_table(table: dict[str, str] | None) -> str:
    return "\n".join(f"{code} = {value}" for code, value in (table or {}).items())


def _stage_named(text: str) -> str | None:
    """A portal stage by its name in the portal (``collection_demand``) or its Swedish label."""
    wanted = text.strip().casefold()
    for stage in COLLECTION_STAGES:
        if wanted in (stage, str(STAGE_LABELS[stage]).casefold()):
            return stage
    return None


def mapping_save(
    actor: Actor, mapping: LedgerMapping | None, *, name: str, kind: str, columns: dict[str, str],
    constants: dict[str, str] | None = None, defaults: dict[str, str] | None = None,
    paid_sign: str | None = None, stage_codes: str = "", category_codes: str = "",
) -> LedgerMapping:
    """Save a mapping: {portal field: header in the municipality's file} (empty headers use the
    default; one header may feed two fields), constants and defaults per field (checked by the
    field's own parser), how the open amount is derived, and the mapping's own value tables
    written one ``code = value`` a line (stages by name or Swedish label; categories by the
    portal's category code). Errors are keyed by field: ``col_<field>``, ``const_<field>``,
    ``default_<field>``, ``paid_sign``, ``stage_codes``, ``category_codes``."""
    mapping = mapping or LedgerMapping()
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Enter a name for the mapping, e.g. the ledger system's.")
    elif _taken(LedgerMapping, LedgerMapping.name, name, mapping.id):
        errors["name"] = _("Another mapping already has that name.")
    if kind not in set(ImportKind):
        errors["kind"] = _("Choose ledger or payments.")
        raise ValidationFailed(errors)
    specs = FIELD_SPECS[ImportKind(kind)]

    def cleaned(values: dict[str, str] | None) -> dict[str, str]:
        return {field: " ".join(text.split()) for field, text in (values or {}).items()
                if field in specs and text and text.strip()}  # fmt: skip

    headers, constant_values, default_values = cleaned(columns), cleaned(constants), cleaned(defaults)
    options = ReadOptions(clock.today())
    for field, text in constant_values.items():
        if field in headers:
            errors[f"const_{field}"] = _("Give either a header or a constant, not both.")
        elif (problem := check_constant(specs[field], text, options)) is not None:
            errors[f"const_{field}"] = error_message(problem.code, problem.params)
    for field, text in default_values.items():
        if field in constant_values:
            errors[f"default_{field}"] = _("A field with a constant needs no default.")
        elif (problem := check_constant(specs[field], text, options)) is not None:
            errors[f"default_{field}"] = error_message(problem.code, problem.params)
    if paid_sign not in (None, "", *PAID_SIGNS):
        errors["paid_sign"] = _("Choose how the file writes payments.")
    paid_sign = paid_sign or None
    if kind == ImportKind.LEDGER and paid_sign and (
            "open_amount" in headers or "open_amount" in constant_values):
        errors["col_open_amount"] = _("The open amount is derived from the paid amount: leave its "
                                      "header and constant empty.")
    stages: dict[str, str] = {}
    categories: dict[str, str] = {}
    if kind == ImportKind.LEDGER:
        table, bad = parse_value_table(stage_codes)
        unknown = [value for value in table.values() if _stage_named(value) is None]
        if bad:
            errors["stage_codes"] = _("Write one “code = stage” a line, each code once: %(lines)s",
                                      lines=", ".join(bad[:5]))
        elif unknown:
            errors["stage_codes"] = _("Not a stage in the portal: %(values)s",
                                      values=", ".join(unknown[:5]))
        stages = {code: _stage_named(value) or "" for code, value in table.items()}
        categories, bad = parse_value_table(category_codes)
        known = set(db.session.scalars(select(InvoiceCategory.code)))
        unknown = [value for value in categories.values() if value not in known]
        if bad:
            errors["category_codes"] = _("Write one “code = category code” a line, each code once: "
                                         "%(lines)s", lines=", ".join(bad[:5]))
        elif unknown:
            errors["category_codes"] = _("No invoice category has the code: %(values)s",
                                         values=", ".join(unknown[:5]))
    elif (stage_codes or "").strip() or (category_codes or "").strip():
        errors["stage_codes"] = _("A payments mapping has no value tables.")
    if errors:
        raise ValidationFailed(errors)
    _save(actor, mapping, MAPPING_FIELDS, dict(
        name=name, kind=kind, columns=headers, constants=constant_values or None,
        defaults=default_values or None, paid_sign=paid_sign, stage_codes=stages or None,
        category_codes=categories or None,
    ), "ledger_mapping")  # fmt: skip
    return mapping


# --- customers -----------------------------------------------------------------------------------


def customer_view_log(actor: Actor, customer: Customer) -> CustomerView:
    """Every view of a customer's page is logged: who, when, in which capacity, from where."""
    view = CustomerView(customer_id=customer.id, user_id=actor.user_id, viewed_at=clock.now(),
                        capacity=actor.capacity, address=actor.address)
    db.session.add(view)
    db.session.flush()
    return view
