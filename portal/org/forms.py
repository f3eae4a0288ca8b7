"""Forms for the organisation; choices are filled by the view from the database."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.org.models import BODY_KIND_LABELS, BodyKind, PositionKind, UnitKind
from portal.params import DateField, optional_id
from portal.web import UniqueIds

NONE_CHOICE = ("", "—")


class MunicipalityForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    organisation_number = StringField(_l("Organisation number"), validators=[Optional(), Length(max=20)])
    logo = FileField(_l("Logo for documents (PNG or JPEG)"))


class CommitteeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    code = StringField(_l("Short code"), validators=[DataRequired(), Length(max=20)])
    kind = SelectField(_l("Kind of body"), choices=lambda: [(k.value, str(BODY_KIND_LABELS[k])) for k in BodyKind],
                       default=BodyKind.COMMITTEE.value, validate_choice=False)
    parent_id = SelectField(_l("Sub-committee of"), coerce=optional_id, validate_choice=False)
    registry_format = StringField(_l("Registry number format"), validators=[Optional(), Length(max=60)])
    active = BooleanField(_l("Active"), default=True)


class UnitForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "unit"

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Kind"), choices=lambda: [(k.value, k.label) for k in UnitKind], default=UnitKind.UNIT.value
    )
    code = StringField(_l("Code in the ledger (ansvar)"), validators=[Optional(), Length(max=40)])
    parent_id = SelectField(_l("Belongs to"), coerce=optional_id, validate_choice=False)
    active = BooleanField(_l("Active"), default=True)


class PositionForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "position"

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=lambda: [(k.value, k.label) for k in PositionKind])
    org_unit_id = SelectField(_l("Department or unit"), coerce=optional_id, validate_choice=False)
    standing_standin_position_id = SelectField(
        _l("Standing stand-in"), coerce=optional_id, validate_choice=False
    )
    active = BooleanField(_l("Active"), default=True)


class AppointmentForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=optional_id, validate_choice=False)
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("To (empty: until further notice)"), validators=[Optional()])


class AbsenceForm(FlaskForm):
    user_id = SelectField(_l("Absent person"), coerce=optional_id, validate_choice=False)
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("To (empty: until further notice)"), validators=[Optional()])
    standin_user_id = SelectField(_l("Stands in"), coerce=optional_id, validate_choice=False)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class OwnAbsenceForm(FlaskForm):
    """A holder's own absence: the absent person is she who registers it."""

    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("To (empty: until further notice)"), validators=[Optional()])
    standin_user_id = SelectField(_l("Stands in"), coerce=optional_id, validate_choice=False)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class OrgImportForm(FlaskForm):
    file = FileField(_l("The HR system's file (CSV or .xlsx)"))


class OrgImportRunForm(FlaskForm):
    digest = HiddenField()
