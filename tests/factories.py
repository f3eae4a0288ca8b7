"""Object factories: each makes a valid object with sensible defaults and flushes it."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from werkzeug.security import generate_password_hash

from portal import clock
from portal.auth.models import User, UserRole
from portal.auth.roles import Role
from portal.extensions import db
from portal.org.models import Absence, Appointment, Committee, OrgUnit, Position, PositionKind

PASSWORD = "correct-horse-battery"
_HASH = generate_password_hash(PASSWORD)  # hashing is slow on purpose: do it once per run
_seq = itertools.count(1)


def user(username: str | None = None, *roles: Role, full_name: str | None = None,
         active: bool = True) -> User:
    n = next(_seq)
    account = User(
        username=username or f"user{n}",
        full_name=full_name or f"Person {n}",
        email=None,
        password_hash=_HASH,
        is_active_account=active,
        created_at=clock.now(),
    )
    account.role_rows = [UserRole(role=Role(r).value) for r in roles]
    db.session.add(account)
    db.session.flush()
    return account


def committee(code: str | None = None, name: str | None = None, parent: Committee | None = None) -> Committee:
    n = next(_seq)
    item = Committee(name=name or f"Nämnd {n}", code=code or f"N{n}", parent_id=parent.id if parent else None,
                     registry_format="{code} {year}/{number}", active=True)
    db.session.add(item)
    db.session.flush()
    return item


def unit(committee_: Committee, name: str | None = None, kind: str = "unit",
         parent: OrgUnit | None = None, code: str | None = None) -> OrgUnit:
    n = next(_seq)
    item = OrgUnit(name=name or f"Enhet {n}", kind=kind, code=code or f"U{n}", committee_id=committee_.id,
                   parent_id=parent.id if parent else None, active=True)
    db.session.add(item)
    db.session.flush()
    return item


def position(committee_: Committee, kind: PositionKind = PositionKind.UNIT_HEAD, unit_: OrgUnit | None = None,
             title: str | None = None, standin: Position | None = None) -> Position:
    n = next(_seq)
    if unit_ is None and not kind.is_elected:
        unit_ = unit(committee_)
    item = Position(title=title or f"Befattning {n}", kind=kind.value, committee_id=committee_.id,
                    org_unit_id=unit_.id if unit_ else None,
                    standing_standin_position_id=standin.id if standin else None, active=True)
    db.session.add(item)
    db.session.flush()
    return item


def appointment(user_: User, position_: Position, starts_on: date = date(2020, 1, 1),
                ends_on: date | None = None) -> Appointment:
    item = Appointment(user_id=user_.id, position_id=position_.id, starts_on=starts_on, ends_on=ends_on)
    db.session.add(item)
    db.session.flush()
    return item


def absence(user_: User, starts_on: date, ends_on: date | None = None,
            standin: User | None = None) -> Absence:
    item = Absence(user_id=user_.id, starts_on=starts_on, ends_on=ends_on,
                   standin_user_id=standin.id if standin else None)
    db.session.add(item)
    db.session.flush()
    return item


# --- delegation ---

def price_base_amount(year: int = 2026, amount_ore: int = 5_920_000, is_demo: bool = False):
    from portal.delegation.models import PriceBaseAmount

    item = PriceBaseAmount(year=year, amount_ore=amount_ore, is_demo=is_demo)
    db.session.add(item)
    db.session.flush()
    return item


def scheme_version(committee_: Committee, *, state: str = "published", valid_from: date | None = date(2026, 1, 1),
                   valid_to: date | None = None, adopted_on: date = date(2025, 12, 10), paragraph: str = "120",
                   label: str | None = None, based_on=None):
    from portal.delegation.models import SchemeVersion

    published = state == "published"
    item = SchemeVersion(
        committee_id=committee_.id, state=state, label=label or f"Delegationsordning {next(_seq)}",
        adopted_on=adopted_on if published else None, adoption_paragraph=paragraph if published else None,
        adoption_reference=f"{committee_.code} {adopted_on.isoformat()} § {paragraph}" if published else None,
        valid_from=valid_from if published else None, valid_to=valid_to,
        based_on_id=based_on.id if based_on else None, created_at=clock.now(),
        published_at=clock.now() if published else None,
    )
    db.session.add(item)
    db.session.flush()
    return item


def delegation_rule(version_, number: str = "1", *, case_type: str = "deferral", level: int = 1,
                    delegate_type: str = "position_kind", position_kind: str | None = "unit_head",
                    scope: str | None = "issuing_unit", **fields):
    from portal.delegation.models import DelegationRule

    item = DelegationRule(
        version_id=version_.id, number=number, text=fields.pop("text", f"Punkt {number}"), level=level,
        case_type=case_type, kind=fields.pop("kind", "ordinary"), delegate_type=delegate_type,
        delegate_position_kind=position_kind if delegate_type == "position_kind" else None,
        delegate_scope=scope if delegate_type == "position_kind" else None,
        allows_further_delegation=fields.pop("allows_further_delegation", False),
        amount_basis=fields.pop("amount_basis", "case"), sort_order=next(_seq), **fields,
    )
    db.session.add(item)
    db.session.flush()
    db.session.expire(version_, ["rules"])
    return item


def further_delegation(version_, rule_number: str, delegating: Position, receiving: Position, *,
                       starts_on: date = date(2026, 1, 1), ends_on: date | None = None, **limits):
    from portal.delegation.models import FurtherDelegation

    item = FurtherDelegation(
        version_id=version_.id, rule_number=rule_number, delegating_position_id=delegating.id,
        receiving_position_id=receiving.id, starts_on=starts_on, ends_on=ends_on,
        has_own_limits=bool(limits), amount_basis=limits.pop("amount_basis", "case"),
        created_at=clock.now(), **limits,
    )
    db.session.add(item)
    db.session.flush()
    return item


# --- receivables ---------------------------------------------------------------------------------

from portal.receivables.identity import luhn_check_digit
from portal.receivables.models import (
    CollectionStageCode,
    Customer,
    Invoice,
    InvoiceCategory,
    LedgerMapping,
    Payment,
    ReferenceRate,
)


def person_number(born: date = date(1985, 6, 12), serial: int | None = None) -> str:
    """A personnummer (12 digits, no dash) that passes the Luhn check."""
    body = born.strftime("%y%m%d") + f"{(serial if serial is not None else next(_seq)) % 1000:03d}"
    return born.strftime("%Y%m%d") + body[6:] + luhn_check_digit(body)


def customer(name: str | None = None, identity_number: str | None = None, kind: str = "person",
             **flags) -> Customer:
    n = next(_seq)
    # Each default customer is born on a day of their own, so numbers never collide.
    default = person_number(date(1940, 1, 1) + timedelta(days=n % 20_000), serial=n)
    item = Customer(identity_number=identity_number or default, kind=kind,
                    name=name or f"Kund {n}", address="Storgatan 1", postcode="612 30",
                    city="Demokommun", protected_identity=False, deceased=False,
                    debt_restructuring=False, demo=False)
    for key, value in flags.items():
        setattr(item, key, value)
    db.session.add(item)
    db.session.flush()
    return item


def category(code: str | None = None, charges_interest: bool = True, name: str | None = None,
             time_bar_years: int = 3, appealable: bool = False) -> InvoiceCategory:
    n = next(_seq)
    item = InvoiceCategory(code=code or f"K{n}", name=name or f"Kategori {n}",
                           charges_interest=charges_interest, time_bar_years=time_bar_years,
                           appealable=appealable, active=True)
    db.session.add(item)
    db.session.flush()
    return item


def invoice(customer_: Customer, unit_: OrgUnit, category_: InvoiceCategory, *,
            number: str | None = None, due_date: date | None = date(2026, 1, 31),
            invoice_date: date = date(2026, 1, 1), original_ore: int = 100_000,
            open_ore: int | None = None, stage: str = "reminder", ocr: str | None = None,
            source: str = "main") -> Invoice:
    n = next(_seq)
    item = Invoice(ledger_source=source, invoice_number=number or f"F{n}", customer_id=customer_.id,
                   org_unit_id=unit_.id, category_id=category_.id, invoice_date=invoice_date,
                   due_date=due_date, original_amount_ore=original_ore,
                   open_amount_ore=original_ore if open_ore is None else open_ore,
                   collection_stage=stage, collection_stage_code=None, ocr_reference=ocr)
    db.session.add(item)
    db.session.flush()
    return item


def payment(invoice_: Invoice, payment_date: date, amount_ore: int, occurrence: int = 1) -> Payment:
    item = Payment(invoice_id=invoice_.id, payment_date=payment_date, amount_ore=amount_ore,
                   occurrence=occurrence)
    db.session.add(item)
    db.session.flush()
    return item


# DOMAIN.md's published reference rates, in basis points.
DOMAIN_RATES = {date(2023, 1, 1): 250, date(2023, 7, 1): 350, date(2024, 1, 1): 400,
                date(2024, 7, 1): 400, date(2025, 1, 1): 250, date(2025, 7, 1): 200,
                date(2026, 1, 1): 200, date(2026, 7, 1): 200}


def reference_rates(rates: dict[date, int] | None = None) -> list[ReferenceRate]:
    items = [ReferenceRate(half_year_start=start, rate_bp=bp, confirmed=False, note=None)
             for start, bp in (DOMAIN_RATES if rates is None else rates).items()]
    db.session.add_all(items)
    db.session.flush()
    return items


def stage_code(code: str, stage: str) -> CollectionStageCode:
    item = CollectionStageCode(code=code.casefold(), stage=stage)
    db.session.add(item)
    db.session.flush()
    return item


def mapping(name: str, columns: dict[str, str], kind: str = "ledger") -> LedgerMapping:
    item = LedgerMapping(name=name, kind=kind, columns=columns)
    db.session.add(item)
    db.session.flush()
    return item
