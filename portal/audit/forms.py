"""The auditor's search forms: plain GET forms (no CSRF), every field bounded."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from portal.params import DateField

EARLIEST, LATEST = date(2000, 1, 1), date(2199, 12, 31)


def _within_years(_form, field) -> None:
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Enter a date between 2000 and 2199."))


class _Period(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("From date"), validators=[Optional(), _within_years])
    date_to = DateField(_l("To date"), validators=[Optional(), _within_years])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The to date cannot be before the from date."))


class TrailFilterForm(_Period):
    case = StringField(_l("Case (registry number)"), validators=[Optional(), Length(max=40)])
    customer = StringField(_l("Customer (name)"), validators=[Optional(), Length(max=100)])
    person = StringField(_l("Person (name or username)"), validators=[Optional(), Length(max=100)])
    action = SelectField(_l("Event"), validators=[Optional()], validate_choice=True)


class ViewLogFilterForm(_Period):
    customer = StringField(_l("Customer (name)"), validators=[Optional(), Length(max=100)])
    person = StringField(_l("Person (name or username)"), validators=[Optional(), Length(max=100)])
