"""Forms for imports, mappings and the reference tables; choices are filled here or by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.params import DateField, IntegerField, optional_id
from portal.receivables.ledger_parse import (
    COLLECTION_STAGES,
    DEFAULT_LEDGER_LAYOUT,
    DEFAULT_PAYMENT_LAYOUT,
)
from portal.receivables.messages import field_label
from portal.receivables.models import STAGE_LABELS, FeeKind, ImportKind
from portal.web import UniqueIds


def _kinds():
    return [(k.value, k.label) for k in ImportKind]


class UploadForm(FlaskForm):
    kind = SelectField(_l("Kind of file"), choices=_kinds, default=ImportKind.LEDGER.value)
    mapping_id = SelectField(_l("Column mapping"), coerce=optional_id, validate_choice=False)
    file = FileField(_l("File (CSV or .xlsx)"))


class ConfirmForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


class MappingForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])


def mapping_form(kind: ImportKind, mapping=None, **kwargs) -> FlaskForm:
    """A form with one header field per portal field of the kind's layout."""
    layout = DEFAULT_LEDGER_LAYOUT if kind is ImportKind.LEDGER else DEFAULT_PAYMENT_LAYOUT

    class _Form(MappingForm):
        pass

    for name, default_header in layout.items():
        setattr(_Form, f"col_{name}", StringField(
            _l("Header for %(field)s (default “%(header)s”)", field=field_label(name),
               header=default_header),
            validators=[Optional(), Length(max=200)]))  # fmt: skip
    form = _Form(**kwargs)
    if mapping is not None and not form.is_submitted():
        form.name.data = mapping.name
        for name, header in mapping.columns.items():
            getattr(form, f"col_{name}").data = header
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


class StageCodeForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "stage-code"

    code = StringField(_l("The ledger's code"), validators=[DataRequired(), Length(max=40)])
    stage = SelectField(_l("Stage in the portal"),
                        choices=lambda: [(s, str(STAGE_LABELS[s])) for s in COLLECTION_STAGES])
