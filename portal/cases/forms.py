"""Forms for preparing and deciding cases; money is read by portal.money in the view."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.auth.forms import MultiCheckboxField
from portal.delegation.models import CollectionReason, CreditReason, WriteOffReason
from portal.params import DateField, IntegerField, required_id
from portal.web import UniqueIds


def _type_choices():
    from portal.cases.models import CASE_TYPE_LABELS

    return [(k.value, str(v)) for k, v in CASE_TYPE_LABELS.items()]


class NewCaseForm(FlaskForm):
    case_type = RadioField(_l("Type of case"), choices=_type_choices, validators=[DataRequired()])
    invoice_ids = MultiCheckboxField(_l("Invoices"), coerce=required_id, validate_choice=True)
    reasons = TextAreaField(_l("Reasons (motivering)"), validators=[Optional(), Length(max=5000)])


class TermsForm(FlaskForm):
    invoice_ids = MultiCheckboxField(_l("Invoices"), coerce=required_id, validate_choice=True)
    new_due_date = DateField(_l("New due date"), validators=[Optional()])
    first_due_date = DateField(_l("First due date"), validators=[Optional()])
    instalments = IntegerField(_l("Number of monthly instalments"), validators=[Optional(), NumberRange(1, 240)])
    monthly_amount = StringField(_l("Or a monthly amount (kr)"), validators=[Optional(), Length(max=30)])
    # A deferral with part payments: at least this much a month until the new due date.
    part_payment = StringField(_l("Part payment per month during the deferral (kr, optional)"),
                               validators=[Optional(), Length(max=30)])
    write_off_reason = SelectField(
        _l("Reason for the write-off"),
        choices=lambda: [("", "—")] + [(r.value, r.label) for r in WriteOffReason],
        validators=[Optional()],
    )
    write_off_final = SelectField(
        _l("Kind of write-off"),
        choices=lambda: [("", "—"), ("bookkeeping", str(_l("Book-keeping (the claim is kept)"))),
                         ("final", str(_l("Final")))],
        validators=[Optional()],
    )
    collection_reason = SelectField(
        _l("Reason for not pursuing the debt"),
        choices=lambda: [("", "—")] + [(r.value, r.label) for r in CollectionReason],
        validators=[Optional()],
    )
    credit_reason = SelectField(
        _l("Reason for the credit"),
        choices=lambda: [("", "—")] + [(r.value, r.label) for r in CreditReason],
        validators=[Optional()],
    )
    credit_settlement = SelectField(
        _l("If already paid"),
        choices=lambda: [("", "—"), ("refund", str(_l("Refund"))),
                         ("set_off", str(_l("Set-off against the next invoice")))],
        validators=[Optional()],
    )
    applied_before_due = SelectField(
        _l("Did the customer apply before the due date?"),
        choices=lambda: [("", str(_l("Not known"))), ("yes", str(_l("Yes"))), ("no", str(_l("No")))],
        validators=[Optional()],
    )
    reasons = TextAreaField(_l("Reasons (motivering)"), validators=[Optional(), Length(max=5000)])


class DecideForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "decide"

    outcome = RadioField(
        _l("Decision"),
        choices=lambda: [("granted", str(_l("Grant"))), ("partly_granted", str(_l("Grant in part"))),
                         ("refused", str(_l("Refuse")))],
        validators=[DataRequired()],
    )
    reasons = TextAreaField(_l("Reasons for the decision"), validators=[DataRequired(), Length(max=5000)])
    no_conflict = BooleanField(_l("I have no conflict of interest in this case (jäv)"))
    confirmed = BooleanField(_l("I confirm the decision: once recorded it cannot be undone"),
                             validators=[DataRequired(_l("Tick the box to confirm."))])
    # Changed terms of a partial grant.
    new_due_date = DateField(_l("New due date (partial grant)"), validators=[Optional()])
    instalments = IntegerField(_l("Number of instalments (partial grant)"), validators=[Optional(), NumberRange(1, 240)])
    amount = StringField(_l("Amount (partial grant, kr)"), validators=[Optional(), Length(max=30)])


class WholeDebtForm(FlaskForm):
    """The case officer proposes that the whole debt of a broken plan or deferral falls due."""

    class Meta(UniqueIds):
        id_prefix = "whole-debt"

    reasons = TextAreaField(_l("Reasons for the proposal"), validators=[DataRequired(), Length(max=5000)])


class NoteForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "note"

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ConsultationForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "consultation"

    opinion = TextAreaField(_l("Opinion of the consultation"), validators=[DataRequired(), Length(max=5000)])


class AgreementForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "agreement"

    received_on = DateField(_l("Date the signed agreement was received"), validators=[Optional()])
    scan = FileField(_l("Scanned agreement (PDF, PNG or JPEG, at most 10 MB, optional)"))


class LetterDayForm(FlaskForm):
    class Meta:
        csrf = False

    dag = DateField(_l("Day"), validators=[Optional()])


class AttachmentForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "attachment"

    file = FileField(_l("Attachment (PDF, PNG or JPEG, at most 10 MB)"))


class ConditionAnswerForm(FlaskForm):
    """One named condition's answer; the page shows one such form per condition."""

    class Meta(UniqueIds):
        id_prefix = "condition"

    condition_id = HiddenField()
    met = SelectField(_l("Met"), choices=lambda: [("", "—"), ("yes", _("Yes")), ("no", _("No"))],
                      validate_choice=False)
    file = FileField(_l("Document (PDF, PNG or JPEG, at most 10 MB)"))

    @classmethod
    def for_condition(cls, condition, answer=None, **kwargs) -> ConditionAnswerForm:
        """The form of one condition on the case page: its own element ids, its name as label."""
        form = cls(meta={"id_prefix": f"condition-{condition.id}"}, condition_id=str(condition.id),
                   met=("yes" if answer.met else "no") if answer is not None else "", **kwargs)
        form.met.label.text = condition.name
        return form


class CaseFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    case_type = SelectField(_l("Type"), validators=[Optional()], validate_choice=False)
    state = SelectField(_l("State"), validators=[Optional()], validate_choice=False)
    committee_id = SelectField(_l("Committee"), validators=[Optional()], validate_choice=False)
    unit_id = SelectField(_l("Unit"), validators=[Optional()], validate_choice=False)
    amount_min = StringField(_l("Amount from (kr)"), validators=[Optional(), Length(max=30)])
    amount_max = StringField(_l("Amount to (kr)"), validators=[Optional(), Length(max=30)])
    submitted_from = DateField(_l("Submitted from"), validators=[Optional()])
    submitted_to = DateField(_l("Submitted to"), validators=[Optional()])
