"""Forms for imports, mappings and the reference tables; choices are filled here or by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.params import DateField, IntegerField, optional_id
from portal.receivables.ledger_parse import COLLECTION_STAGES, LEDGER_FIELDS, PAYMENT_FIELDS
from portal.receivables.messages import field_label
from portal.receivables import queries
from portal.receivables.models import (
    SETTLEMENT_ORDERS,
    STAGE_LABELS,
    FeeKind,
    ImportKind,
    settlement_order_label,
)
from portal.receivables.services import format_value_table
from portal.web import UniqueIds


def _kinds():
    return [(k.value, k.label) for k in ImportKind]


class UploadForm(FlaskForm):
    kind = SelectField(_l("Kind of file"), choices=_kinds, default=ImportKind.LEDGER.value)
    mapping_id = SelectField(_l("Column mapping"), coerce=optional_id, validate_choice=False)
    file = FileField(_l("File (CSV or .xlsx)"))


class ConfirmForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


PAID_SIGN_CHOICES = {
    ImportKind.LEDGER: (
        ("", _l("The file has an open-amount column")),
        ("negative", _l("No open-amount column: open amount = invoice amount + paid amount (payments "
                        "are written as negative amounts)")),
        ("positive", _l("No open-amount column: open amount = invoice amount − paid amount (payments "
                        "are written as positive amounts)")),
    ),
    ImportKind.PAYMENTS: (
        ("", _l("Payments are positive amounts (a negative amount is a returned payment)")),
        ("negative", _l("Payments are negative amounts (a positive amount is a returned payment)")),
    ),
}


class MappingForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])


def mapping_fields(kind: ImportKind) -> tuple[str, ...]:
    """The portal fields a mapping of this kind can set, in the form's order."""
    return tuple(spec.name for spec in (LEDGER_FIELDS if kind is ImportKind.LEDGER else PAYMENT_FIELDS))


def mapping_form(kind: ImportKind, mapping=None, **kwargs) -> FlaskForm:
    """A form with, per portal field, the header in the file, a default for empty cells and a
    constant; how payments are written; for a ledger the mapping's own value tables."""
    specs = {spec.name: spec for spec in (LEDGER_FIELDS if kind is ImportKind.LEDGER else PAYMENT_FIELDS)}

    class _Form(MappingForm):
        paid_sign = SelectField(
            _l("Open amount and payments"),
            choices=lambda: [(value, str(label)) for value, label in PAID_SIGN_CHOICES[kind]],
                                default="")

    for name in mapping_fields(kind):
        label, header = field_label(name), specs[name].default_header
        setattr(_Form, f"col_{name}", StringField(
            _l("Header for %(field)s (default “%(header)s”)", field=label, header=header),
            validators=[Optional(), Length(max=200)]))  # fmt: skip
        setattr(_Form, f"default_{name}", StringField(
            _l("Default for %(field)s when empty", field=label),
            validators=[Optional(), Length(max=200)]))  # fmt: skip
        setattr(_Form, f"const_{name}", StringField(
            _l("Constant for %(field)s on every row", field=label),
            validators=[Optional(), Length(max=200)]))  # fmt: skip
    if kind is ImportKind.LEDGER:
        _Form.stage_codes = TextAreaField(_l("The ledger's collection-stage codes"),
                                          validators=[Optional(), Length(max=20_000)])
        _Form.category_codes = TextAreaField(_l("The ledger's category codes"),
                                             validators=[Optional(), Length(max=20_000)])
    form = _Form(**kwargs)
    if mapping is not None and not form.is_submitted():
        form.name.data = mapping.name
        form.paid_sign.data = mapping.paid_sign or ""
        for prefix, values in (("col", mapping.columns), ("default", mapping.defaults),
                               ("const", mapping.constants)):
            for name, text in (values or {}).items():
                if f"{prefix}_{name}" in form:
                    form[f"{prefix}_{name}"].data = text
        if kind is ImportKind.LEDGER:
            stage_labels = {code: str(STAGE_LABELS[stage]) for code, stage in (mapping.stage_codes or {}).items()}
            form.stage_codes.data = format_value_table(stage_labels)
            form.category_codes.data = format_value_table(mapping.category_codes)
    return form


class CategoryForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "category"

    code = StringField(_l("Code in the ledger"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    charges_interest = BooleanField(_l("Late interest is charged"), default=True)
    time_bar_years = IntegerField(_l("Time bar (years)"), default=10,
                                  validators=[DataRequired(), NumberRange(min=1, max=30)])
    appealable = BooleanField(_l("The customer may appeal decisions"))
    active = BooleanField(_l("Active"), default=True)


class RateForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "rate"

    half_year_start = DateField(_l("Half-year from"), validators=[DataRequired()])
    rate = StringField(_l("Reference rate (percent)"), validators=[DataRequired(), Length(max=10)])
    confirmed = BooleanField(_l("Checked against Riksbanken"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class FeeForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "fee"

    kind = SelectField(_l("Fee"), choices=lambda: [(k.value, k.label) for k in FeeKind])
    amount = StringField(_l("Amount (kr)"), validators=[DataRequired(), Length(max=20)])
    valid_from = DateField(_l("Applies from"), validators=[DataRequired()])


def _order_choices(blank=None):
    def choices():
        options = [(order, settlement_order_label(order)) for order in SETTLEMENT_ORDERS]
        return [("", str(blank)), *options] if blank else options
    return choices


class SettlementOrderForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "settlement"

    category_id = SelectField(_l("Applies to"), coerce=optional_id, validate_choice=False,
                              choices=lambda: [("", str(_l("The whole municipality")))] + [
                                  (c.id, c.name) for c in queries.categories()])
    settlement_order = SelectField(_l("Order"), choices=_order_choices())


class FollowUpForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "follow-up"

    broken_after_days = IntegerField(_l("A plan is broken when late by more than (days)"),
                                     validators=[DataRequired(), NumberRange(min=1, max=365)])


class MatchForm(FlaskForm):
    """Match one bank payment by hand (the page holds one form per payment)."""

    invoice = StringField(_l("Invoice number or OCR reference"), validators=[DataRequired(), Length(max=40)])
    # The service checks the order (a missing one is "none given").
    direction = SelectField(_l("The customer's direction"), validate_choice=False,
                            choices=_order_choices(_l("None: the municipality's order")))


class UnitFromImportForm(FlaskForm):
    """A unit the file names by its ledger code, added by the finance director from the preview."""

    class Meta(UniqueIds):
        id_prefix = "new-unit"

    code = StringField(_l("Code in the ledger"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name of the unit"), validators=[DataRequired(), Length(max=200)])
    parent_id = SelectField(_l("Belongs to the department"), coerce=optional_id, validate_choice=False)


class StageCodeForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "stage-code"

    code = StringField(_l("The ledger's code"), validators=[DataRequired(), Length(max=40)])
    stage = SelectField(_l("Stage in the portal"),
                        choices=lambda: [(s, str(STAGE_LABELS[s])) for s in COLLECTION_STAGES])
