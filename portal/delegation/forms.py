"""Forms for schemes, rules, publishing, the simulator, price base amounts and further delegation."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.auth.forms import MultiCheckboxField
from portal.delegation.engine_types import (
    AmountBasis,
    CaseFacts,
    CaseType,
    CustomerKind,
    FloorForm,
    FrequencyPeriod,
    PlanLengthFloor,
    limit_applies,
    monthly_amount_limited,
)
from portal.delegation.lengths import length_of_days, length_of_months
from portal.delegation.messages import (
    AMOUNT_BASIS_LABELS,
    CASE_TYPE_LABELS,
    CUSTOMER_KIND_LABELS,
    DELEGATE_TYPE_LABELS,
    FREQUENCY_PERIOD_LABELS,
    RULE_KIND_LABELS,
    SCOPE_LABELS,
    label,
    share,
)
from portal.delegation.models import (
    CASE_REASONS,
    CollectionReason,
    CreditReason,
    DelegationRule,
    WriteOffReason,
)
from portal.delegation.services import FurtherDelegationInput, RuleInput
from portal.errors import ValidationFailed
from portal.money import MoneyParseError, format_amount, parse_money
from portal.org.models import PositionKind
from portal.params import DateField, IntegerField, optional_id
from portal.web import UniqueIds

NONE_CHOICE = ("", "—")


def _choices(labels: dict, blank: bool = False):
    return ([NONE_CHOICE] if blank else []) + [(key.value, str(text)) for key, text in labels.items()]


def money_message(error: MoneyParseError) -> str:
    return {
        "empty": _("Enter an amount."),
        "too_many_decimals": _("Öre are the smallest unit: at most two decimals."),
        "ambiguous_separator": _("Write the amount without a thousands separator, e.g. 12345,50."),
    }.get(error.code, _("Write the amount in kronor, e.g. 12 345,50."))


def parse_optional_money(text: str | None, name: str, errors: dict[str, str]) -> int | None:
    if not (text or "").strip():
        return None
    try:
        value = parse_money(text)
    except MoneyParseError as error:
        errors[name] = money_message(error)
        return None
    if value <= 0:
        errors[name] = _("Enter an amount greater than zero.")
    return value


def parse_share(text: str | None, name: str, errors: dict[str, str]) -> Fraction | None:
    """A share of the price base amount: "0,5", "1,5" or "1/2"."""
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    try:
        value = Fraction(text.replace(",", "."))
    except (ValueError, ZeroDivisionError):
        errors[name] = _("Write the share as e.g. 0,5 or 1/2.")
        return None
    if value <= 0 or value.denominator > 10_000:
        errors[name] = _("Write the share as e.g. 0,5 or 1/2.")
        return None
    return value


def parse_floors(text: str | None, name: str, errors: dict[str, str]) -> list[PlanLengthFloor]:
    """Lines "12: 12 000": a plan of 12 months or more needs a debt of at least 12 000 kr, as the
    rule books write it (RULINGS 3)."""
    floors = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        months, colon, amount = line.partition(":")
        try:
            floor_months = int(months.strip())
            floor_amount = parse_money(amount) if colon else None
        except (ValueError, MoneyParseError):
            floor_amount = None
        if floor_amount is None or floor_months < 0 or floor_amount <= 0:
            errors[name] = _("Write one line per length, e.g. “12: 12 000” (months: kronor).")
            return []
        floors.append(PlanLengthFloor(floor_months, floor_amount, FloorForm.OR_MORE))
    return floors


class LimitFields:
    """The limit fields shared by a rule and a further delegation."""

    max_amount = StringField(_l("Highest amount (kr)"), validators=[Optional(), Length(max=30)])
    min_amount = StringField(_l("Lowest amount (kr)"), validators=[Optional(), Length(max=30)])
    max_invoice_amount = StringField(_l("Highest amount per invoice (kr)"), validators=[Optional(), Length(max=30)])
    max_instalments = IntegerField(
        _l("Most instalments of a plan"), validators=[Optional(), NumberRange(min=0, max=240)]
    )
    max_granted_cases = IntegerField(
        _l("Most granted cases of the type per customer"),
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    frequency_period = SelectField(
        _l("Counted"), choices=lambda: _choices(FREQUENCY_PERIOD_LABELS),
        default=FrequencyPeriod.CALENDAR_YEAR.value,
    )
    max_amount_pbb = StringField(
        _l("Highest amount in price base amounts (e.g. 0,5)"), validators=[Optional(), Length(max=20)]
    )
    amount_basis = SelectField(
        _l("Amount basis"), choices=lambda: _choices(AMOUNT_BASIS_LABELS),
        default=AmountBasis.CASE.value,
    )
    max_deferral_months = IntegerField(
        _l("Longest deferral (months)"), validators=[Optional(), NumberRange(min=0, max=600)]
    )
    max_deferral_days = IntegerField(
        _l("Longest deferral (days)"), validators=[Optional(), NumberRange(min=0, max=3650)]
    )
    max_plan_months = IntegerField(
        _l("Longest plan (months)"), validators=[Optional(), NumberRange(min=0, max=600)]
    )
    max_total_months = IntegerField(
        _l("Longest deferral and plan together (months)"),
        validators=[Optional(), NumberRange(min=0, max=600)],
    )
    min_monthly_instalment = StringField(
        _l("Smallest monthly instalment (kr)"), validators=[Optional(), Length(max=30)]
    )
    plan_length_floors = TextAreaField(
        _l("Smallest debt for plans of a length or more (one line each, months: kr)"),
        validators=[Optional(), Length(max=500)],
    )
    restrict_write_off_reasons = BooleanField(_l("Only some write-off reasons"))
    allowed_write_off_reasons = MultiCheckboxField(
        _l("Allowed write-off reasons"),
        choices=lambda: [(r.value, r.label) for r in WriteOffReason],
        validate_choice=False,
    )
    # Credits and collection cases: one limit (allowed_reasons) read from the group of the rule's type.
    restrict_reasons = BooleanField(_l("Only some reasons (credits, not pursuing or stopping collection)"))
    allowed_credit_reasons = MultiCheckboxField(
        _l("Allowed reasons for a credit"),
        choices=lambda: [(r.value, r.label) for r in CreditReason],
        validate_choice=False,
    )
    allowed_collection_reasons = MultiCheckboxField(
        _l("Allowed reasons for not pursuing or stopping collection"),
        choices=lambda: [(r.value, r.label) for r in CollectionReason],
        validate_choice=False,
    )
    customer_kind = SelectField(
        _l("Customer kind"), choices=lambda: [("", _("Any"))] + _choices(CUSTOMER_KIND_LABELS)
    )

    def allowed_reasons(self, case_type: str | None) -> list[str] | None:
        """The ticked reasons of the group that belongs to the case type (both groups where the
        type is not known here: the service refuses reasons of another type, naming the field)."""
        if not self.restrict_reasons.data:
            return None
        vocabulary = CASE_REASONS.get(case_type) if case_type else None
        groups = {CreditReason: self.allowed_credit_reasons.data, CollectionReason: self.allowed_collection_reasons.data}
        chosen = groups[vocabulary] if vocabulary in groups else [*groups[CreditReason], *groups[CollectionReason]]
        return sorted(set(chosen or []))

    def limit_values(self, errors: dict[str, str]) -> dict:
        reasons = self.allowed_write_off_reasons.data or []
        return {
            "max_amount_ore": parse_optional_money(self.max_amount.data, "max_amount", errors),
            "min_amount_ore": parse_optional_money(self.min_amount.data, "min_amount", errors),
            "max_invoice_amount_ore": parse_optional_money(self.max_invoice_amount.data, "max_invoice_amount", errors),
            "max_instalments": self.max_instalments.data,
            "max_granted_cases": self.max_granted_cases.data,
            "frequency_period": self.frequency_period.data,
            "max_amount_pbb": parse_share(self.max_amount_pbb.data, "max_amount_pbb", errors),
            "max_deferral_months": self.max_deferral_months.data,
            "max_deferral_days": self.max_deferral_days.data,
            "max_plan_months": self.max_plan_months.data,
            "max_total_months": self.max_total_months.data,
            "min_monthly_instalment_ore": parse_optional_money(
                self.min_monthly_instalment.data, "min_monthly_instalment", errors
            ),
            "plan_length_floors": parse_floors(
                self.plan_length_floors.data, "plan_length_floors", errors
            ),
            "allowed_write_off_reasons": list(reasons) if self.restrict_write_off_reasons.data else None,
            "allowed_reasons": self.allowed_reasons(getattr(getattr(self, "case_type", None), "data", None)),
            "customer_kind": self.customer_kind.data or None,
            "amount_basis": self.amount_basis.data,
        }

    def fill_limits(self, item) -> None:
        """Show stored limits in the fields (money and shares as people write them)."""
        self.max_amount.data = format_amount(item.max_amount_ore) if item.max_amount_ore else ""
        self.min_amount.data = format_amount(item.min_amount_ore) if item.min_amount_ore else ""
        self.max_invoice_amount.data = format_amount(item.max_invoice_amount_ore) if item.max_invoice_amount_ore else ""
        pbb = item.max_amount_pbb
        self.max_amount_pbb.data = share(pbb) if pbb is not None else ""
        self.min_monthly_instalment.data = (
            format_amount(item.min_monthly_instalment_ore) if item.min_monthly_instalment_ore else ""
        )
        # In the rule books' words; a floor kept in the older "longer than N" words is shown as the
        # same floor "N + 1 or more", so saving the form never changes what it means.
        self.plan_length_floors.data = "\n".join(
            f"{floor.months}: {format_amount(floor.min_debt_ore)}"
            for floor in (
                PlanLengthFloor.from_stored(value).as_or_more()
                for value in item.plan_length_floors or ()
            )
        )
        self.restrict_write_off_reasons.data = item.allowed_write_off_reasons is not None
        self.allowed_write_off_reasons.data = list(item.allowed_write_off_reasons or [])
        self.restrict_reasons.data = item.allowed_reasons is not None
        stored = set(item.allowed_reasons or [])
        rule = item if isinstance(item, DelegationRule) else getattr(item, "rule", None)
        vocabulary = CASE_REASONS.get(rule.case_type) if rule is not None else None
        for group, reasons in ((self.allowed_credit_reasons, CreditReason),
                               (self.allowed_collection_reasons, CollectionReason)):
            group.data = sorted(stored & set(reasons)) if vocabulary in (None, reasons) else []


class RuleForm(LimitFields, FlaskForm):
    number = StringField(_l("Rule number"), validators=[DataRequired(), Length(max=20)])
    text = TextAreaField(_l("Text as adopted"), validators=[DataRequired(), Length(max=2000)])
    level = IntegerField(_l("Level"), default=1, validators=[DataRequired(), NumberRange(min=1, max=20)])
    case_type = SelectField(_l("Case type"), choices=lambda: _choices(CASE_TYPE_LABELS))
    kind = SelectField(_l("Kind of rule"), choices=lambda: _choices(RULE_KIND_LABELS))
    guideline_point = StringField(
        _l("Point of the guideline (guideline bars)"), validators=[Optional(), Length(max=40)]
    )
    delegate_type = SelectField(_l("Delegate"), choices=lambda: _choices(DELEGATE_TYPE_LABELS))
    delegate_position_kind = SelectField(
        _l("Kind of position"),
        choices=lambda: [NONE_CHOICE] + [(k.value, k.label) for k in PositionKind],
    )
    delegate_scope = SelectField(
        _l("Where the position sits"), choices=lambda: [NONE_CHOICE] + _choices(SCOPE_LABELS)
    )
    delegate_position_id = SelectField(_l("Named position"), coerce=optional_id, validate_choice=False)
    delegate_committee_id = SelectField(_l("Sub-committee"), coerce=optional_id, validate_choice=False)
    standin_position_id = SelectField(
        _l("Stand-in position (optional)"), coerce=optional_id, validate_choice=False
    )
    allows_further_delegation = BooleanField(_l("The department head may pass it on"))
    consultation_unit_id = SelectField(
        _l("Consultation with unit"), coerce=optional_id, validate_choice=False
    )
    consultation_position_id = SelectField(
        _l("Consultation with position"), coerce=optional_id, validate_choice=False
    )
    category_scope = SelectField(
        _l("Invoice categories"),
        choices=lambda: [("", _("All categories")), ("only", _("Only the categories ticked")),
                         ("except", _("All but the categories ticked"))],
        default="",
    )
    scope_category_ids = MultiCheckboxField(
        _l("Categories"), coerce=optional_id, validate_choice=False
    )
    scope_unit_ids = MultiCheckboxField(
        _l("Only invoices issued by (a unit, or a department with its units)"),
        coerce=optional_id, validate_choice=False,
    )
    required_condition_ids = MultiCheckboxField(
        _l("Conditions that must be met"), coerce=optional_id, validate_choice=False
    )
    broken_after_days = IntegerField(
        _l("A plan or deferral is broken when late by more than (days)"),
        validators=[Optional(), NumberRange(min=1, max=3650)],
    )

    def fill(self, rule: DelegationRule) -> None:
        self.fill_limits(rule)
        self.broken_after_days.data = rule.broken_after_days
        if rule.invoice_category_ids is not None:
            self.category_scope.data, ticked = "only", rule.invoice_category_ids
        elif rule.excluded_invoice_category_ids is not None:
            self.category_scope.data, ticked = "except", rule.excluded_invoice_category_ids
        else:
            self.category_scope.data, ticked = "", []
        self.scope_category_ids.data = list(ticked)
        self.scope_unit_ids.data = list(rule.issuing_unit_ids or [])
        self.required_condition_ids.data = [int(c[0]) for c in rule.required_conditions or ()]

    def scope_values(self) -> dict:
        ticked = [i for i in self.scope_category_ids.data or [] if i is not None]
        scope = self.category_scope.data
        return {
            "invoice_category_ids": ticked if scope == "only" else None,
            "excluded_invoice_category_ids": ticked if scope == "except" else None,
            "issuing_unit_ids": [i for i in self.scope_unit_ids.data or [] if i is not None] or None,
        }

    def to_input(self) -> RuleInput:
        errors: dict[str, str] = {}
        limits = self.limit_values(errors)
        if errors:
            raise ValidationFailed(errors)
        return RuleInput(
            number=self.number.data or "",
            text=self.text.data or "",
            level=self.level.data,
            case_type=self.case_type.data,
            kind=self.kind.data,
            delegate_type=self.delegate_type.data,
            delegate_position_kind=self.delegate_position_kind.data or None,
            delegate_scope=self.delegate_scope.data or None,
            delegate_position_id=self.delegate_position_id.data,
            delegate_committee_id=self.delegate_committee_id.data,
            standin_position_id=self.standin_position_id.data,
            allows_further_delegation=self.allows_further_delegation.data,
            consultation_unit_id=self.consultation_unit_id.data,
            consultation_position_id=self.consultation_position_id.data,
            guideline_point=self.guideline_point.data or None,
            required_condition_ids=[i for i in self.required_condition_ids.data or [] if i is not None],
            broken_after_days=self.broken_after_days.data,
            **self.scope_values(),
            **limits,
        )


class ConditionForm(FlaskForm):
    # Required: the service says so in the words of the domain.
    name = StringField(_l("Condition, as the rule book words it"), validators=[Length(max=200)])
    requires_document = BooleanField(_l("Answered with a document (e.g. a certificate)"))


class DraftForm(FlaskForm):
    label = StringField(_l("Name of the version (optional)"), validators=[Optional(), Length(max=200)])


class PublishForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "publish"

    adopted_on = DateField(_l("Adopted at the meeting of"), validators=[Optional()])
    paragraph = StringField(_l("Paragraph (§)"), validators=[Optional(), Length(max=20)])
    valid_from = DateField(_l("Takes effect on"), validators=[Optional()])
    confirmed = BooleanField(_l("I confirm the publishing: a published version never changes"),
                             validators=[DataRequired(_l("Tick the box to confirm."))])


class DiscardForm(FlaskForm):
    pass


class SpreadsheetUploadForm(FlaskForm):
    class Meta(UniqueIds):
        id_prefix = "spreadsheet"

    file = FileField(_l("The scheme as a spreadsheet (.xlsx)"))


class SpreadsheetApplyForm(FlaskForm):
    """The previewed file again (base64) and the draft it was previewed against."""

    content = HiddenField()
    fingerprint = HiddenField()


class PriceBaseAmountForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=1990, max=2100)])
    amount = StringField(_l("Price base amount (kr)"), validators=[DataRequired(), Length(max=30)])
    is_demo = BooleanField(_l("Demo value, not yet confirmed"))


class SimulatorForm(FlaskForm):
    class Meta:
        csrf = False  # a question, not a change: asked with GET so it can be linked

    committee_id = SelectField(_l("Committee"), coerce=optional_id, validate_choice=False)
    case_type = SelectField(_l("Case type"), choices=lambda: _choices(CASE_TYPE_LABELS))
    amount = StringField(_l("Amount (kr)"), validators=[Optional(), Length(max=30)])
    twelve_month_prior = StringField(
        _l("Decided for the customer in the last 12 months (kr)"), validators=[Optional(), Length(max=30)]
    )
    deferral_months = IntegerField(_l("Deferral (months)"), validators=[Optional(), NumberRange(min=0, max=600)])
    deferral_days = IntegerField(_l("Deferral (days)"), validators=[Optional(), NumberRange(min=0, max=20000)])
    plan_months = IntegerField(_l("Plan (months)"), validators=[Optional(), NumberRange(min=0, max=600)])
    prior_deferral_months = IntegerField(
        _l("Earlier deferrals (months)"), validators=[Optional(), NumberRange(min=0, max=600)]
    )
    monthly_instalment = StringField(_l("Monthly instalment (kr)"), validators=[Optional(), Length(max=30)])
    instalments = IntegerField(_l("Number of instalments"), validators=[Optional(), NumberRange(min=1, max=240)])
    granted_this_year = IntegerField(
        _l("Cases of the type granted to the customer this calendar year"),
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    granted_twelve_months = IntegerField(
        _l("Cases of the type granted to the customer in the last 12 months"),
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    issuing_unit_id = SelectField(_l("Issuing unit"), coerce=optional_id, validate_choice=False)
    invoice_category_id = SelectField(_l("Invoice category"), coerce=optional_id, validate_choice=False)
    # Unknown values count as not given: the engine then names the missing fact.
    write_off_reason = SelectField(
        _l("Write-off reason"),
        choices=lambda: [NONE_CHOICE] + [(r.value, r.label) for r in WriteOffReason],
        validate_choice=False,
    )
    credit_reason = SelectField(
        _l("Reason for the credit"),
        choices=lambda: [NONE_CHOICE] + [(r.value, r.label) for r in CreditReason],
        validate_choice=False,
    )
    collection_reason = SelectField(
        _l("Reason for not pursuing or stopping collection"),
        choices=lambda: [NONE_CHOICE] + [(r.value, r.label) for r in CollectionReason],
        validate_choice=False,
    )
    customer_kind = SelectField(
        _l("Customer kind"), choices=lambda: [NONE_CHOICE] + _choices(CUSTOMER_KIND_LABELS),
        validate_choice=False,
    )
    applied_before_due = SelectField(
        _l("Applied before the due date"),
        choices=lambda: [NONE_CHOICE, ("yes", _("Yes")), ("no", _("No"))], validate_choice=False,
    )
    other_unpaid_debt = SelectField(
        _l("Other unpaid debt to the municipality"),
        choices=lambda: [NONE_CHOICE, ("no", _("No")), ("yes", _("Yes"))], validate_choice=False,
    )
    urgent = BooleanField(_l("Urgent matter"))
    on_date = DateField(_l("Date of the decision"), validators=[Optional()])
    current_due_date = DateField(_l("Current due date"), validators=[Optional()])

    def to_facts(self, day: date) -> CaseFacts:
        """The case as the engine reads it; a blank fact stays unknown (the rule then says so).

        A deferral is asked in months or in days, and the other is counted from the current due
        date (by default the day of the decision) as a real case counts it: 7 months from
        2026-01-31 end on 2026-08-31, 212 days.
        """
        errors: dict[str, str] = {}
        if self.committee_id.data is None:
            errors["committee_id"] = _("Choose a committee.")
        case_type = CaseType(self.case_type.data)
        amount = parse_optional_money(self.amount.data, "amount", errors)
        if amount is None and "amount" not in errors:
            errors["amount"] = _("Enter an amount.")
        prior = parse_optional_money(self.twelve_month_prior.data, "twelve_month_prior", errors)
        instalment = parse_optional_money(self.monthly_instalment.data, "monthly_instalment", errors)
        if instalment is not None and not monthly_amount_limited(case_type):
            errors["monthly_instalment"] = _(
                "No rule for %(case_type)s can limit a monthly amount, and such a case has none: "
                "leave the monthly instalment empty.",
                case_type=label(CASE_TYPE_LABELS, case_type).lower(),
            )
        if self.instalments.data is not None and not limit_applies("max_instalments", case_type):
            errors["instalments"] = _(
                "No rule for %(case_type)s can limit the number of instalments: leave it empty.",
                case_type=label(CASE_TYPE_LABELS, case_type).lower(),
            )
        deferral_months, deferral_days = self.deferral_months.data, self.deferral_days.data
        if deferral_months is not None and deferral_days is not None:
            errors["deferral_days"] = _(
                "Give the deferral in months or in days, not both: the other is counted from the "
                "current due date."
            )
        elif deferral_months is not None or deferral_days is not None:
            start = self.current_due_date.data or day
            length = (length_of_months(start, deferral_months) if deferral_months is not None
                      else length_of_days(start, deferral_days))
            deferral_months, deferral_days = length.months, length.days
        if errors:
            raise ValidationFailed(errors)
        yes_no = {"yes": True, "no": False}
        return CaseFacts(
            committee_id=self.committee_id.data,
            case_type=case_type,
            amount_ore=amount,
            twelve_month_prior_ore=prior or 0,
            deferral_months=deferral_months,
            deferral_days=deferral_days,
            plan_months=self.plan_months.data,
            prior_deferral_months=self.prior_deferral_months.data or 0,
            monthly_instalment_ore=instalment,
            instalments=self.instalments.data,
            granted_cases_calendar_year=self.granted_this_year.data,
            granted_cases_twelve_months=self.granted_twelve_months.data,
            issuing_unit_id=self.issuing_unit_id.data,
            invoice_category_ids=frozenset({self.invoice_category_id.data})
            if self.invoice_category_id.data is not None else None,
            write_off_reason=self.write_off_reason.data
            if self.write_off_reason.data in set(WriteOffReason) else None,
            reason=self._reason(case_type),
            customer_kind=CustomerKind(self.customer_kind.data)
            if self.customer_kind.data in set(CustomerKind) else None,
            applied_before_due=yes_no.get(self.applied_before_due.data),
            has_other_unpaid_debt=yes_no.get(self.other_unpaid_debt.data),
            consultation_recorded=True,
            urgent=bool(self.urgent.data),
        )


    def _reason(self, case_type: CaseType) -> str | None:
        """The reason of the case type's own list (credit or collection); unknown: not given."""
        field = self.credit_reason if CASE_REASONS.get(case_type) is CreditReason else self.collection_reason
        vocabulary = CASE_REASONS.get(case_type)
        return field.data if vocabulary is not None and field.data in set(vocabulary) else None


class FurtherDelegationForm(LimitFields, FlaskForm):
    rule = SelectField(_l("Rule"), validate_choice=False)
    receiving_position_id = SelectField(_l("To position"), coerce=optional_id, validate_choice=False)
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("To (empty: until further notice)"), validators=[Optional()])
    required_condition_ids = MultiCheckboxField(
        _l("Conditions that must be met"), coerce=optional_id, validate_choice=False
    )

    def to_input(self) -> FurtherDelegationInput:
        errors: dict[str, str] = {}
        limits = self.limit_values(errors)
        parts = (self.rule.data or "").split(":", 2)
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
            errors["rule"] = _("Choose a rule.")
        if errors:
            raise ValidationFailed(errors)
        version_id, position_id, number = parts
        return FurtherDelegationInput(
            version_id=int(version_id),
            rule_number=number,
            delegating_position_id=int(position_id),
            receiving_position_id=self.receiving_position_id.data,
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            required_condition_ids=[i for i in self.required_condition_ids.data or [] if i is not None],
            **limits,
        )


class EndForm(FlaskForm):
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])

