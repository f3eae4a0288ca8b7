"""The reports' forms: GET filters (no CSRF, every field bounded) and the reporting deadline."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired, NumberRange, Optional

# The audit pages' period (from and to date, bounded, in order): one period form for both.
from portal.audit.forms import _Period
from portal.params import IntegerField
from portal.web import UniqueIds


class PeriodForm(_Period):
    """The decisions the internal-control checks cover, by decision date, and whose: the municipality's
    or a company's or joint authority's, each a legal person of its own (RULINGS 10, 12)."""

    legal_person = SelectField(_l("Legal person"), validators=[Optional()], validate_choice=True, default="0")


class ReportFilterForm(_Period):
    """Committee, department, unit and case type; the choices are what the reader may see."""

    committee = SelectField(_l("Committee"), validators=[Optional()], validate_choice=True)
    department = SelectField(_l("Department"), validators=[Optional()], validate_choice=True)
    unit = SelectField(_l("Unit"), validators=[Optional()], validate_choice=True)
    case_type = SelectField(_l("Case type"), validators=[Optional()], validate_choice=True)


class ReportingSettingForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "reporting"

    report_within_days = IntegerField(_l("Delegated decisions are reported within (days)"),
                                      validators=[DataRequired(), NumberRange(min=1, max=365)])
