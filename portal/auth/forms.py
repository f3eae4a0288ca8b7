"""Forms for logging in and for keeping users."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.auth.roles import Role
from portal.web import UniqueIds


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _role_choices():
    return [(role.value, role.label) for role in Role]


class UserForm(FlaskForm):
    full_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    roles = MultiCheckboxField(_l("System roles"), choices=_role_choices, validate_choice=True)
    external_id = StringField(_l("Identity at the municipality's sign-in"),
                              validators=[Optional(), Length(max=255)])


class NewUserForm(UserForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class PasswordForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "password"

    password = PasswordField(_l("New password"), validators=[DataRequired()])


class ActiveForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "active"

    active = BooleanField(_l("Active"))
