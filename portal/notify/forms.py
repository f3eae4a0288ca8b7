"""Forms of the reminder pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField

from portal.notify.models import Frequency


def _frequency_choices():
    return [(frequency.value, frequency.label) for frequency in Frequency]


class PreferenceForm(FlaskForm):
    frequency = RadioField(_l("E-mail reminders"), choices=_frequency_choices, default=Frequency.IMMEDIATELY.value)


class RetryForm(FlaskForm):
    """Only the CSRF token: the mail is in the address."""
