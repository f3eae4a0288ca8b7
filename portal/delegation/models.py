"""Delegation schemes as stored: price base amounts, scheme versions, rules, further delegations."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.delegation.engine_types import (
    AmountBasis,
    BuiltinCondition,
    CaseType,
    Consultation,
    CustomerKind,
    FrequencyPeriod,
    Limits,
    PlanLengthFloor,
    ReceivableScope,
    RequiredCondition,
    VersionState,
)
from portal.extensions import db
from portal.org.models import Committee, OrgUnit, Position


class WriteOffReason(StrEnum):
    """Why a claim is written off: the vocabulary of rules and, later, of cases."""

    DECEASED_WITHOUT_ASSETS = "deceased_without_assets"
    DEBT_RESTRUCTURING = "debt_restructuring"
    TIME_BARRED = "time_barred"
    UNECONOMIC = "uneconomic"
    BANKRUPT_COMPANY = "bankrupt_company"
    NO_ATTACHABLE_ASSETS = "no_attachable_assets"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(WRITE_OFF_REASON_LABELS[self])


WRITE_OFF_REASON_LABELS = {
    WriteOffReason.DECEASED_WITHOUT_ASSETS: _l("Deceased without assets"),
    WriteOffReason.DEBT_RESTRUCTURING: _l("Debt restructuring"),
    WriteOffReason.TIME_BARRED: _l("Time-barred"),
    WriteOffReason.UNECONOMIC: _l("Uneconomic small amount"),
    WriteOffReason.BANKRUPT_COMPANY: _l("Bankrupt company"),
    WriteOffReason.NO_ATTACHABLE_ASSETS: _l("No attachable assets"),
    WriteOffReason.OTHER: _l("Other"),
}


class CollectionReason(StrEnum):
    """Why a debt is not sent to collection or its collection is stopped (avstå från / avbryta
    indrivning): the vocabulary of those cases, kept like the write-off reasons."""

    DISPUTED = "disputed"
    UNECONOMIC = "uneconomic"
    DEBT_RESTRUCTURING = "debt_restructuring"
    SOCIAL_REASONS = "social_reasons"
    PAYMENT_ARRANGED = "payment_arranged"
    TIME_BARRED = "time_barred"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(COLLECTION_REASON_LABELS[self])


COLLECTION_REASON_LABELS = {
    CollectionReason.DISPUTED: _l("The claim is disputed"),
    CollectionReason.UNECONOMIC: _l("Uneconomic to collect"),
    CollectionReason.DEBT_RESTRUCTURING: _l("Debt restructuring applied for or granted"),
    CollectionReason.SOCIAL_REASONS: _l("Social reasons"),
    CollectionReason.PAYMENT_ARRANGED: _l("Payment arranged in another way"),
    CollectionReason.TIME_BARRED: _l("Time-barred"),
    CollectionReason.OTHER: _l("Other"),
}

class CreditReason(StrEnum):
    """Why an invoice is credited (kreditering), kept like the write-off reasons so a rule can allow
    only some of them ("kreditering vid felaktig debitering")."""

    WRONG_PRICE = "wrong_price"
    WRONG_CUSTOMER = "wrong_customer"
    WRONG_QUANTITY = "wrong_quantity"
    NOT_DELIVERED = "not_delivered"
    DUPLICATE = "duplicate"
    COMPLAINT = "complaint"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(CREDIT_REASON_LABELS[self])


CREDIT_REASON_LABELS = {
    CreditReason.WRONG_PRICE: _l("Wrong price or tariff"),
    CreditReason.WRONG_CUSTOMER: _l("Invoiced to the wrong customer"),
    CreditReason.WRONG_QUANTITY: _l("Wrong quantity or period"),
    CreditReason.NOT_DELIVERED: _l("Service or goods not delivered"),
    CreditReason.DUPLICATE: _l("Invoiced twice"),
    CreditReason.COMPLAINT: _l("Justified complaint"),
    CreditReason.OTHER: _l("Other"),
}

# The reasons a case of the type gives, where a rule may allow only some ("allowed_reasons"); the
# write-off reasons keep their own limit (allowed_write_off_reasons), as adopted versions store it.
CASE_REASONS: dict[CaseType, type[StrEnum]] = {
    CaseType.CREDIT: CreditReason,
    CaseType.FORGO_COLLECTION: CollectionReason,
    CaseType.STOP_COLLECTION: CollectionReason,
}


def reason_label(value: str) -> str:
    """The words of a credit's or a collection case's reason (the value itself if unknown). The two
    vocabularies share only "other", with the same words, so the value alone names its reason."""
    for vocabulary in (CreditReason, CollectionReason):
        if value in vocabulary._value2member_map_:
            return vocabulary(value).label
    return str(value)


CASE_TYPE_CHECK = "case_type in ({})".format(", ".join(f"'{t.value}'" for t in CaseType))


class DelegateType(StrEnum):
    POSITION_KIND = "position_kind"
    NAMED_POSITION = "named_position"
    PRESIDIUM = "presidium"
    SUB_COMMITTEE = "sub_committee"
    # Nobody: a guideline bar that names no one to refuse under it (the committee decides).
    COMMITTEE = "committee"


class PriceBaseAmount(db.Model):
    """Prisbasbelopp of a year; limits written as a share of it use the decision's year."""

    __tablename__ = "price_base_amounts"
    __table_args__ = (CheckConstraint("amount_ore > 0", name="positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    # Demo values are marked so the finance director confirms them against the official figure.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class LimitColumns:
    """The columns of engine_types.Limits, shared by rules and further delegations."""

    max_amount_ore: Mapped[int | None] = mapped_column(BigInteger)
    min_amount_ore: Mapped[int | None] = mapped_column(BigInteger)
    max_invoice_amount_ore: Mapped[int | None] = mapped_column(BigInteger)
    # A share of the price base amount as a fraction, e.g. 1/2 for "0,5 pbb".
    max_amount_pbb_numerator: Mapped[int | None] = mapped_column(Integer)
    max_amount_pbb_denominator: Mapped[int | None] = mapped_column(Integer)
    max_deferral_months: Mapped[int | None] = mapped_column(Integer)
    max_deferral_days: Mapped[int | None] = mapped_column(Integer)
    max_plan_months: Mapped[int | None] = mapped_column(Integer)
    max_total_months: Mapped[int | None] = mapped_column(Integer)
    min_monthly_instalment_ore: Mapped[int | None] = mapped_column(BigInteger)
    max_instalments: Mapped[int | None] = mapped_column(Integer)
    max_granted_cases: Mapped[int | None] = mapped_column(Integer)
    frequency_period: Mapped[str] = mapped_column(
        String(20), default=FrequencyPeriod.CALENDAR_YEAR.value,
        server_default=FrequencyPeriod.CALENDAR_YEAR.value,
    )
    # [[months, min_debt_ore], ...] "longer than N months" (versions published before the rule
    # books' wording was added), [[months, min_debt_ore, "or_more"], ...] "N months or more".
    plan_length_floors: Mapped[list | None] = mapped_column(JSON)
    # A list of WriteOffReason values; None: every reason.
    allowed_write_off_reasons: Mapped[list | None] = mapped_column(JSON)
    # Credit and collection cases: a list of their type's reason values (CASE_REASONS); None: every reason.
    allowed_reasons: Mapped[list | None] = mapped_column(JSON)
    customer_kind: Mapped[str | None] = mapped_column(String(20))
    # [[condition id, built-in code or null], ...]: the named eligibility conditions required.
    required_conditions: Mapped[list | None] = mapped_column(JSON)
    amount_basis: Mapped[str] = mapped_column(String(20), default=AmountBasis.CASE.value)

    @property
    def max_amount_pbb(self) -> Fraction | None:
        if self.max_amount_pbb_numerator is None or not self.max_amount_pbb_denominator:
            return None
        return Fraction(self.max_amount_pbb_numerator, self.max_amount_pbb_denominator)

    def limits(self) -> Limits:
        reasons = self.allowed_write_off_reasons
        return Limits(
            max_amount_ore=self.max_amount_ore,
            min_amount_ore=self.min_amount_ore,
            max_invoice_amount_ore=self.max_invoice_amount_ore,
            max_amount_pbb=self.max_amount_pbb,
            max_deferral_months=self.max_deferral_months,
            max_deferral_days=self.max_deferral_days,
            max_plan_months=self.max_plan_months,
            max_total_months=self.max_total_months,
            min_monthly_instalment_ore=self.min_monthly_instalment_ore,
            max_instalments=self.max_instalments,
            max_granted_cases=self.max_granted_cases,
            frequency_period=FrequencyPeriod(
                self.frequency_period or FrequencyPeriod.CALENDAR_YEAR.value
            ),
            plan_length_floors=tuple(
                PlanLengthFloor.from_stored(value) for value in self.plan_length_floors or ()
            ),
            allowed_write_off_reasons=None if reasons is None else frozenset(reasons),
            allowed_reasons=None if self.allowed_reasons is None else frozenset(self.allowed_reasons),
            customer_kind=CustomerKind(self.customer_kind) if self.customer_kind else None,
            required_conditions=tuple(
                RequiredCondition.from_stored(value) for value in self.required_conditions or ()
            ),
            amount_basis=AmountBasis(self.amount_basis or AmountBasis.CASE.value),
        )


LIMIT_FIELDS = (
    "max_amount_ore",
    "min_amount_ore",
    "max_invoice_amount_ore",
    "max_instalments",
    "max_granted_cases",
    "frequency_period",
    "max_amount_pbb_numerator",
    "max_amount_pbb_denominator",
    "max_deferral_months",
    "max_deferral_days",
    "max_plan_months",
    "max_total_months",
    "min_monthly_instalment_ore",
    "plan_length_floors",
    "allowed_write_off_reasons",
    "allowed_reasons",
    "customer_kind",
    "required_conditions",
    "amount_basis",
)


class EligibilityCondition(db.Model):
    """A committee's own yes/no condition a rule may require (issue 12 §2), e.g. "fullständig
    ansökan med åtgärdsplan"; the case officer answers it on the case, with a document where
    `requires_document`. The built-in ones (`builtin`, RULINGS 14) belong to no committee: every
    committee's list starts with them, and the portal computes them from the data.

    Never changed or removed once made: adopted rules cite it by id and by name."""

    __tablename__ = "eligibility_conditions"
    __table_args__ = (UniqueConstraint("committee_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    requires_document: Mapped[bool] = mapped_column(Boolean, default=False)
    builtin: Mapped[str | None] = mapped_column(String(30))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    committee: Mapped[Committee | None] = relationship()

    @property
    def required(self) -> RequiredCondition:
        return RequiredCondition(self.id, BuiltinCondition(self.builtin) if self.builtin else None)


class SchemeVersion(db.Model):
    """One version of a committee's delegation scheme: a draft, or published and never changed.

    Publishing sets the adoption reference and valid-from; the version before it then gets its
    valid-to, the one field of a published version that changes (once).
    """

    __tablename__ = "scheme_versions"
    __table_args__ = (
        CheckConstraint("state in ('draft', 'published')", name="state"),
        CheckConstraint(
            "state = 'draft' OR (adoption_reference IS NOT NULL AND valid_from IS NOT NULL)",
            name="published_has_reference",
        ),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="dates_in_order"),
        # One draft per committee at a time (DOMAIN.md "Schemes"), and one of its common provisions.
        Index(
            "uq_scheme_versions_one_draft",
            "committee_id",
            "is_common",
            unique=True,
            sqlite_where=text("state = 'draft'"),
            postgresql_where=text("state = 'draft'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=VersionState.DRAFT.value)
    label: Mapped[str] = mapped_column(String(200))
    adopted_on: Mapped[date | None] = mapped_column(Date)
    adoption_paragraph: Mapped[str | None] = mapped_column(String(20))
    # As the minutes cite it, e.g. "SN 2026-03-12 § 45".
    adoption_reference: Mapped[str | None] = mapped_column(String(80))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("scheme_versions.id"))
    # Gemensamma bestämmelser (issue 12 §4, RULINGS 11): a version of the municipality-wide common
    # provisions, adopted by the executive committee (`committee_id` is that body), which no case is
    # decided under directly: each committee adopts a published one into its own scheme.
    is_common: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A committee's version: the published common version it includes (its rules are copied in,
    # marked by `DelegationRule.common_version_id`); None: it includes none.
    common_version_id: Mapped[int | None] = mapped_column(ForeignKey("scheme_versions.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    committee: Mapped[Committee] = relationship()
    based_on: Mapped[SchemeVersion | None] = relationship(
        remote_side="SchemeVersion.id", foreign_keys=[based_on_id])
    common_version: Mapped[SchemeVersion | None] = relationship(
        remote_side="SchemeVersion.id", foreign_keys=[common_version_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    rules: Mapped[list[DelegationRule]] = relationship(
        back_populates="version", order_by="DelegationRule.sort_order",
        foreign_keys="DelegationRule.version_id",
    )

    @property
    def is_draft(self) -> bool:
        return self.state == VersionState.DRAFT

    @property
    def is_published(self) -> bool:
        return self.state == VersionState.PUBLISHED


class DelegationRule(LimitColumns, db.Model):
    """A delegationspunkt: who decides which case type up to which limits, as adopted."""

    __tablename__ = "delegation_rules"
    __table_args__ = (
        CheckConstraint(CASE_TYPE_CHECK, name="case_type"),
        CheckConstraint("kind in ('ordinary', 'urgent', 'bar')", name="kind"),
        CheckConstraint(
            "delegate_type in ('position_kind', 'named_position', 'presidium', 'sub_committee',"
            " 'committee')",
            name="delegate_type",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("scheme_versions.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    level: Mapped[int] = mapped_column(Integer, default=1)
    case_type: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20), default="ordinary")
    delegate_type: Mapped[str] = mapped_column(String(20))
    delegate_position_kind: Mapped[str | None] = mapped_column(String(40))
    delegate_scope: Mapped[str | None] = mapped_column(String(30))
    delegate_position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    delegate_committee_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"))
    standin_position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    allows_further_delegation: Mapped[bool] = mapped_column(Boolean, default=False)
    consultation_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    consultation_position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    # Which receivables the rule speaks of (issue 12 §1), as lists of ids; None: no such limit.
    invoice_category_ids: Mapped[list | None] = mapped_column(JSON)
    excluded_invoice_category_ids: Mapped[list | None] = mapped_column(JSON)
    issuing_unit_ids: Mapped[list | None] = mapped_column(JSON)
    # A guideline bar's point of the guideline, as the rule book numbers it ("4.2").
    guideline_point: Mapped[str | None] = mapped_column(String(40))
    # A plan or deferral granted under the rule is broken when late by more than this many days,
    # where stricter than the municipality's setting (RULINGS 16); the rule's own, not passed on.
    broken_after_days: Mapped[int | None] = mapped_column(Integer)
    # A rule included from the common provisions (RULINGS 11): the published common version it was
    # adopted from. Such a rule is changed only there; the committee adopts a newer version instead.
    common_version_id: Mapped[int | None] = mapped_column(ForeignKey("scheme_versions.id"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    version: Mapped[SchemeVersion] = relationship(back_populates="rules", foreign_keys=[version_id])
    common_version: Mapped[SchemeVersion | None] = relationship(foreign_keys=[common_version_id])
    delegate_position: Mapped[Position | None] = relationship(foreign_keys=[delegate_position_id])
    delegate_committee: Mapped[Committee | None] = relationship(foreign_keys=[delegate_committee_id])
    standin_position: Mapped[Position | None] = relationship(foreign_keys=[standin_position_id])
    consultation_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[consultation_unit_id])
    consultation_position: Mapped[Position | None] = relationship(
        foreign_keys=[consultation_position_id]
    )

    @property
    def case_type_enum(self) -> CaseType:
        return CaseType(self.case_type)

    @property
    def is_included(self) -> bool:
        """Included from the common provisions: not the committee's own to change."""
        return self.common_version_id is not None

    def limits(self) -> Limits:
        return replace(super().limits(), broken_after_days=self.broken_after_days)

    def receivables(self) -> ReceivableScope:
        def ids(values):
            return None if values is None else frozenset(int(v) for v in values)

        return ReceivableScope(
            category_ids=ids(self.invoice_category_ids),
            excluded_category_ids=ids(self.excluded_invoice_category_ids) or frozenset(),
            unit_ids=ids(self.issuing_unit_ids),
        )

    @property
    def consultation(self) -> Consultation | None:
        if self.consultation_unit_id is None and self.consultation_position_id is None:
            return None
        return Consultation(self.consultation_unit_id, self.consultation_position_id)


RULE_FIELDS = (
    "number",
    "text",
    "level",
    "case_type",
    "kind",
    "delegate_type",
    "delegate_position_kind",
    "delegate_scope",
    "delegate_position_id",
    "delegate_committee_id",
    "standin_position_id",
    "allows_further_delegation",
    "consultation_unit_id",
    "consultation_position_id",
    "invoice_category_ids",
    "excluded_invoice_category_ids",
    "issuing_unit_ids",
    "guideline_point",
    "broken_after_days",
    *LIMIT_FIELDS,
)


class FurtherDelegation(LimitColumns, db.Model):
    """Vidaredelegering (kommunallagen 7 kap 6 §): a department head passes one rule of one
    published version on to a position below them, optionally within tighter limits."""

    __tablename__ = "further_delegations"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint(
            "receiving_position_id <> delegating_position_id", name="not_to_itself"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("scheme_versions.id"), index=True)
    rule_number: Mapped[str] = mapped_column(String(20))
    delegating_position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"), index=True)
    receiving_position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    has_own_limits: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    version: Mapped[SchemeVersion] = relationship()
    delegating_position: Mapped[Position] = relationship(foreign_keys=[delegating_position_id])
    receiving_position: Mapped[Position] = relationship(foreign_keys=[receiving_position_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def own_limits(self) -> Limits | None:
        return self.limits() if self.has_own_limits else None


FURTHER_DELEGATION_FIELDS = (
    "version_id",
    "rule_number",
    "delegating_position_id",
    "receiving_position_id",
    "starts_on",
    "ends_on",
    "has_own_limits",
    *LIMIT_FIELDS,
)
