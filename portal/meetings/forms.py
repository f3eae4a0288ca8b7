"""Forms for meetings; the case choices are filled by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from portal.meetings.models import COMMITTEE_OUTCOME_LABELS
from portal.meetings.rules import CommitteeOutcome
from portal.params import MAX_ID, MAX_PAGE, DateField, IntegerField
from portal.web import UniqueIds


class MeetingForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "meeting"

    meeting_date = DateField(_l("Date"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])


class AgendaMatterForm(FlaskForm):
    """One referred case or batch write-off of the waiting list put on the agenda with its proposal;
    each row of the list posts its own (the fields are written per row, ids unique)."""

    kind = StringField(validators=[AnyOf(("case", "batch"), message=_l("Choose a case or a batch write-off."))])
    matter_id = IntegerField(validators=[DataRequired(_l("Choose a case or a batch write-off.")),
                                         NumberRange(min=1, max=MAX_ID)])
    proposal = TextAreaField(_l("Proposal"), validators=[Optional(), Length(max=4000)])
    waiting_page = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)])


class ItemDecisionForm(FlaskForm):
    outcome = SelectField(
        _l("The committee's decision"), validate_choice=False,
        choices=lambda: [("", "—")] + [(o.value, str(COMMITTEE_OUTCOME_LABELS[o])) for o in CommitteeOutcome])
    decision_text = TextAreaField(_l("Terms or reasons"), validators=[Optional(), Length(max=4000)])


class RecordForm(FlaskForm):
    minutes_approved_on = DateField(_l("Minutes approved (justering)"), validators=[Optional()])
    minutes_posted_on = DateField(_l("Minutes posted (anslag)"), validators=[Optional()])
    confirmed = BooleanField(
        _l("I confirm: the committee's decisions take effect and the meeting can no longer change"),
        validators=[DataRequired(_l("Tick the box to confirm."))])


class CorrectDatesForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "correct"

    minutes_approved_on = DateField(_l("Minutes approved (justering)"), validators=[Optional()])
    minutes_posted_on = DateField(_l("Minutes posted (anslag)"), validators=[Optional()])
    reason = TextAreaField(_l("What was wrong"), validators=[Optional(), Length(max=2000)])


class UrgentForm(FlaskForm):
    note = TextAreaField(_l("Why the case cannot wait for the committee"), validators=[Optional(), Length(max=2000)])


class UrgentDecisionForm(FlaskForm):
    outcome = SelectField(_l("Decision"), choices=lambda: [("granted", str(_l("Grant"))), ("refused", str(_l("Refuse")))])
    reasons = TextAreaField(_l("Reasons"), validators=[Optional(), Length(max=4000)])
    no_conflict_confirmed = BooleanField(_l("I have no conflict of interest in the case (jäv)"))
    confirmed = BooleanField(_l("I confirm the decision: once recorded it cannot be undone"),
                             validators=[DataRequired(_l("Tick the box to confirm."))])
