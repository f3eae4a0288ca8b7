"""Forms for preparing and deciding batch write-offs; money is read by portal.money in the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.auth.forms import MultiCheckboxField
from portal.delegation.models import WriteOffReason
from portal.params import DateField, required_id
from portal.web import UniqueIds


class NewBatchForm(FlaskForm):
    committee_id = SelectField(_l("Committee"), validators=[DataRequired()], validate_choice=False)
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    write_off_reason = SelectField(_l("Reason for the write-off"),
                                   choices=lambda: [("", "—")] + [(r.value, r.label) for r in WriteOffReason],
                                   validators=[Optional()])
    write_off_final = RadioField(
        _l("Kind of write-off"),
        choices=lambda: [("bookkeeping", str(_l("Book-keeping (the claim is kept; no letters)"))),
                         ("final", str(_l("Final (the claim is given up; each customer gets a letter)")))],
        default="bookkeeping", validators=[DataRequired()])
    reasons = TextAreaField(_l("Reasons (motivering)"), validators=[Optional(), Length(max=5000)])
    source = RadioField(_l("Build the batch from"),
                        choices=lambda: [("filter", str(_l("A filter over the ledger"))),
                                         ("file", str(_l("A file of invoice numbers")))],
                        default="filter", validators=[DataRequired()])
    below = StringField(_l("Open amount under (kr)"), validators=[Optional(), Length(max=30)])
    due_before = DateField(_l("Due before"), validators=[Optional()])
    debt_restructuring = BooleanField(_l("Only customers in debt restructuring"))
    deceased = BooleanField(_l("Only deceased customers (estates)"))
    unit_ids = MultiCheckboxField(_l("Only these units"), coerce=required_id, validate_choice=False)
    file = FileField(_l("File (CSV or .xlsx with the column Fakturanummer; Reskontra and Orsak optional)"))


class LinesForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "lines"

    line_ids = MultiCheckboxField(_l("Lines"), coerce=required_id, validate_choice=False)


class NoteForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "note"

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ReferForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "refer"

    note = TextAreaField(_l("Why the committee should decide the batch"),
                         validators=[DataRequired(_l("Say why the committee should decide the batch.")),
                                     Length(max=2000)])


class BatchDecideForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "decide"

    outcome = RadioField(_l("Decision"),
                         choices=lambda: [("granted", str(_l("Grant"))), ("refused", str(_l("Refuse")))],
                         validators=[DataRequired()])
    reasons = TextAreaField(_l("Reasons for the decision"), validators=[DataRequired(), Length(max=5000)])
    no_conflict = BooleanField(_l("I have no conflict of interest in this case (jäv)"))
    confirmed = BooleanField(_l("I confirm the decision: once recorded it cannot be undone"),
                             validators=[DataRequired(_l("Tick the box to confirm."))])
