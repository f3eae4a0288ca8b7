"""The demo municipality's price base amounts and a published delegation scheme per committee."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from sqlalchemy import select

from portal import clock
from portal.audit.services import SYSTEM, record
from portal.delegation import services
from portal.delegation.models import (
    DelegationRule,
    EligibilityCondition,
    FurtherDelegation,
    PriceBaseAmount,
    SchemeVersion,
)
from portal.extensions import db
from portal.org.models import Committee, OrgUnit, Position

# DOMAIN.md: 57 300 kr (2024), 58 800 kr (2025), 59 200 kr (2026); marked as demo values.
PRICE_BASE_AMOUNTS = {2024: 5_730_000, 2025: 5_880_000, 2026: 5_920_000}

UNIT, DEPT, COMMITTEE = "issuing_unit", "issuing_department", "committee"
CONSULT_ECONOMY = "Ekonomiavdelningen"
REASONS_SMALL = ["deceased_without_assets", "debt_restructuring", "time_barred", "uneconomic"]


def rule(number, case_type, level, kind_of_position, scope, text, *, urgent=False,
         consult=False, further=False, pbb=None, **limits) -> dict:
    return {"number": number, "case_type": case_type, "level": level, "text": text,
            "position_kind": kind_of_position, "scope": scope, "urgent": urgent,
            "consult": consult, "further": further, "pbb": pbb, "limits": limits}


def _urgent(number: str, case_type: str) -> dict:
    return rule(number, case_type, 3, "chair", COMMITTEE,
                "Beslut i ärenden som är så brådskande att nämndens avgörande inte kan avvaktas "
                "fattas av ordföranden och anmäls vid nämndens nästa sammanträde "
                "(kommunallagen 6 kap 39 §).", urgent=True)


SN_EARLIER = [
    rule("1.1", "deferral", 1, "unit_head", UNIT,
         "Anstånd med betalning i högst tre månader beslutas av enhetschef för den enhet som "
         "fakturerat, i samråd med ekonomiavdelningen.", consult=True, max_deferral_months=3),
    rule("2.1", "instalment_plan", 1, "unit_head", UNIT,
         "Avbetalningsplan om högst 12 månader och högst ett halvt prisbasbelopp beslutas av "
         "enhetschef.", pbb=Fraction(1, 2), max_plan_months=12),
    rule("2.2", "instalment_plan", 2, "department_head", DEPT,
         "Avbetalningsplan om högst 24 månader och högst ett prisbasbelopp beslutas av socialchef.",
         pbb=Fraction(1), max_plan_months=24),
    rule("3.1", "write_off", 1, "unit_head", UNIT,
         "Avskrivning av fordran om högst 3 000 kr beslutas av enhetschef.",
         max_amount_ore=300_000, amount_basis="twelve_months"),
    rule("3.2", "write_off", 2, "department_head", DEPT,
         "Avskrivning av fordran om högst ett halvt prisbasbelopp beslutas av socialchef.",
         pbb=Fraction(1, 2), amount_basis="twelve_months"),
    rule("4.1", "credit", 1, "unit_head", UNIT,
         "Kreditering av felaktigt debiterad avgift beslutas av enhetschef för den enhet som "
         "fakturerat."),
]

SN = [
    rule("1.1", "deferral", 1, "unit_head", UNIT,
         "Anstånd med betalning i högst tre månader beslutas av enhetschef för den enhet som "
         "fakturerat, i samråd med ekonomiavdelningen.", consult=True, max_deferral_months=3),
    rule("1.2", "deferral", 2, "department_head", DEPT,
         "Anstånd med betalning i högst sex månader beslutas av socialchef, i samråd med "
         "ekonomiavdelningen.", consult=True, max_deferral_months=6),
    rule("2.1", "instalment_plan", 1, "unit_head", UNIT,
         "Avbetalningsplan om högst 12 månader och högst ett halvt prisbasbelopp beslutas av "
         "enhetschef; varje delbetalning minst 200 kr.", pbb=Fraction(1, 2), max_plan_months=12,
         min_monthly_instalment_ore=20_000),
    rule("2.2", "instalment_plan", 2, "department_head", DEPT,
         "Avbetalningsplan om högst 24 månader, anstånd och plan sammanlagt, och högst ett "
         "prisbasbelopp beslutas av socialchef. En plan längre än 12 månader förutsätter en skuld "
         "om minst 12 000 kr. Socialchefen får vidaredelegera.", further=True, pbb=Fraction(1),
         max_plan_months=24, max_total_months=24, plan_length_floors=[[12, 1_200_000]]),
    rule("3.1", "write_off", 1, "unit_head", UNIT,
         "Avskrivning av fordran om högst 5 000 kr, räknat med kundens beslutade avskrivningar "
         "de senaste 12 månaderna, beslutas av enhetschef när den gäldenär är avliden utan "
         "tillgångar, har skuldsanering, fordran är preskriberad eller beloppet är oekonomiskt "
         "att driva.", max_amount_ore=500_000, amount_basis="twelve_months",
         allowed_write_off_reasons=REASONS_SMALL),
    rule("3.2", "write_off", 2, "department_head", DEPT,
         "Avskrivning av fordran om högst ett prisbasbelopp, räknat med de senaste 12 månaderna, "
         "beslutas av socialchef.", pbb=Fraction(1), amount_basis="twelve_months"),
    rule("4.1", "credit", 1, "unit_head", UNIT,
         "Kreditering beslutas av enhetschef för den enhet som fakturerat (den som initierat "
         "fakturan bestämmer om kreditering ska ske)."),
    _urgent("5.1", "write_off"),
    _urgent("5.2", "instalment_plan"),
    rule("6.1", "forgo_collection", 1, "unit_head", UNIT,
         "Beslut att avstå från indrivning (fordran lämnas inte till inkasso och inget "
         "betalningsföreläggande söks) om högst 5 000 kr beslutas av enhetschef för den enhet som "
         "fakturerat, i samråd med ekonomiavdelningen.", consult=True, max_amount_ore=500_000),
    rule("7.1", "stop_collection", 1, "department_head", DEPT,
         "Beslut att avbryta påbörjad indrivning om högst ett halvt prisbasbelopp beslutas av "
         "socialchef.", pbb=Fraction(1, 2)),
]

KS = [
    rule("1.1", "deferral", 1, "finance_director", COMMITTEE,
         "Anstånd med betalning i högst sex månader beslutas av ekonomichef.",
         max_deferral_months=6),
    rule("2.1", "instalment_plan", 1, "finance_director", COMMITTEE,
         "Avbetalningsplan om högst 12 månader och högst ett prisbasbelopp beslutas av "
         "ekonomichef; varje delbetalning minst 100 kr.", pbb=Fraction(1), max_plan_months=12,
         min_monthly_instalment_ore=10_000),
    rule("2.2", "instalment_plan", 2, "department_head", DEPT,
         "Avbetalningsplan om högst 24 månader och högst två prisbasbelopp beslutas av "
         "kommundirektör.", pbb=Fraction(2), max_plan_months=24),
    rule("3.1", "write_off", 1, "finance_director", COMMITTEE,
         "Avskrivning av fordran om högst ett halvt prisbasbelopp, räknat med de senaste 12 "
         "månaderna, beslutas av ekonomichef.", pbb=Fraction(1, 2), amount_basis="twelve_months"),
    rule("3.2", "write_off", 2, "department_head", DEPT,
         "Avskrivning av fordran om högst två prisbasbelopp beslutas av kommundirektör.",
         pbb=Fraction(2), amount_basis="twelve_months"),
    rule("4.1", "credit", 1, "finance_director", COMMITTEE,
         "Kreditering av kundfaktura beslutas av ekonomichef."),
    _urgent("5.1", "write_off"),
]

BUN = [
    rule("1.1", "deferral", 1, "unit_head", UNIT,
         "Anstånd med betalning av förskoleavgift i högst två månader beslutas av förskolechef, "
         "om kunden ansökt före förfallodagen.", max_deferral_months=2,
         conditions=("applied_before_due",)),
    rule("2.1", "instalment_plan", 1, "unit_head", UNIT,
         "Avbetalningsplan för privatperson om högst sex månader beslutas av förskolechef; "
         "varje delbetalning minst 200 kr.", max_plan_months=6, min_monthly_instalment_ore=20_000,
         customer_kind="private"),
    rule("2.2", "instalment_plan", 2, "department_head", DEPT,
         "Avbetalningsplan om högst 12 månader och högst ett prisbasbelopp beslutas av barn- och "
         "utbildningschef, om kunden saknar annan obetald skuld till kommunen.", pbb=Fraction(1),
         max_plan_months=12, conditions=("no_other_unpaid_debt",)),
    rule("3.1", "write_off", 1, "unit_head", UNIT,
         "Avskrivning av oekonomiskt belopp om högst 2 000 kr beslutas av förskolechef.",
         max_amount_ore=200_000, amount_basis="twelve_months", allowed_write_off_reasons=["uneconomic"]),
    rule("3.2", "write_off", 2, "department_head", DEPT,
         "Avskrivning av fordran om högst ett halvt prisbasbelopp beslutas av barn- och "
         "utbildningschef.", pbb=Fraction(1, 2), amount_basis="twelve_months"),
    rule("4.1", "credit", 1, "unit_head", UNIT,
         "Kreditering beslutas av förskolechef för den förskola som fakturerat."),
    _urgent("5.1", "write_off"),
]

TN = [
    rule("1.1", "deferral", 1, "unit_head", UNIT,
         "Anstånd med betalning i högst 180 dagar beslutas av enhetschef för den enhet som "
         "fakturerat.", max_deferral_days=180),
    rule("2.1", "instalment_plan", 1, "unit_head", UNIT,
         "Avbetalningsplan om högst 12 månader och högst ett halvt prisbasbelopp beslutas av "
         "enhetschef; varje delbetalning minst 100 kr.", pbb=Fraction(1, 2), max_plan_months=12,
         min_monthly_instalment_ore=10_000),
    rule("2.2", "instalment_plan", 2, "department_head", DEPT,
         "Avbetalningsplan för anläggningsavgift för VA i högst tio år beslutas av "
         "samhällsbyggnadschef för privat fastighetsägare mot säkerhet; en plan längre än 12 "
         "månader förutsätter en skuld om minst 12 000 kr.", max_plan_months=120,
         customer_kind="private", plan_length_floors=[[12, 1_200_000]]),
    rule("3.1", "write_off", 1, "unit_head", UNIT,
         "Avskrivning av fordran om högst 5 000 kr, räknat med de senaste 12 månaderna, beslutas "
         "av enhetschef.", max_amount_ore=500_000, amount_basis="twelve_months"),
    rule("3.2", "write_off", 2, "department_head", DEPT,
         "Avskrivning av fordran om högst ett prisbasbelopp beslutas av samhällsbyggnadschef.",
         pbb=Fraction(1), amount_basis="twelve_months"),
    rule("4.1", "credit", 1, "unit_head", UNIT,
         "Kreditering beslutas av enhetschef för den enhet som fakturerat."),
    _urgent("5.1", "write_off"),
]

KFN = [
    rule("1.1", "deferral", 1, "department_head", DEPT,
         "Anstånd med betalning i högst tre månader beslutas av kultur- och fritidschef.",
         max_deferral_months=3),
    rule("2.1", "instalment_plan", 1, "department_head", DEPT,
         "Avbetalningsplan om högst 12 månader och högst ett halvt prisbasbelopp beslutas av "
         "kultur- och fritidschef.", pbb=Fraction(1, 2), max_plan_months=12),
    rule("3.1", "write_off", 1, "department_head", DEPT,
         "Avskrivning av fordran om högst en fjärdedels prisbasbelopp beslutas av kultur- och "
         "fritidschef.", pbb=Fraction(1, 4), amount_basis="twelve_months"),
    rule("4.1", "credit", 1, "department_head", DEPT,
         "Kreditering beslutas av kultur- och fritidschef."),
    _urgent("5.1", "write_off"),
]

# (committee, label, adopted on, paragraph, valid from, rules); earlier versions first.
SCHEMES = [
    ("SN", "Delegationsordning 2025", date(2024, 12, 11), "112", date(2025, 1, 1), SN_EARLIER),
    ("SN", "Delegationsordning 2026", date(2026, 1, 22), "7", date(2026, 2, 1), SN),
    ("KS", "Delegationsordning 2026", date(2026, 1, 27), "12", date(2026, 2, 1), KS),
    ("BUN", "Delegationsordning 2026", date(2026, 1, 20), "5", date(2026, 2, 1), BUN),
    ("TN", "Delegationsordning 2026", date(2026, 1, 29), "9", date(2026, 2, 15), TN),
    ("KFN", "Delegationsordning 2026", date(2026, 1, 21), "4", date(2026, 2, 1), KFN),
]


def seed_delegation() -> int:
    """Price base amounts and the committees' published schemes; existing ones are left alone.

    The schemes are adopted in the past, so they are written directly rather than through
    `version_publish`, which refuses to backdate.
    """
    for year, amount in PRICE_BASE_AMOUNTS.items():
        if db.session.scalar(select(PriceBaseAmount.id).where(PriceBaseAmount.year == year)) is None:
            services.price_base_amount_save(SYSTEM, year=year, amount_ore=amount, is_demo=True)
    economy = db.session.scalars(select(OrgUnit).where(OrgUnit.name == CONSULT_ECONOMY)).first()
    created = 0
    for code, label, adopted_on, paragraph, valid_from, rules in SCHEMES:
        committee = db.session.scalars(select(Committee).where(Committee.code == code)).one()
        reference = services.adoption_reference(committee, adopted_on, paragraph)
        if db.session.scalar(
            select(SchemeVersion.id).where(SchemeVersion.adoption_reference == reference)
        ) is not None:
            continue
        _publish(committee, label, adopted_on, paragraph, valid_from, rules, economy)
        created += 1
    _further_delegation()
    db.session.flush()
    return created


def _publish(committee, label, adopted_on, paragraph, valid_from, rules, economy) -> None:
    previous = db.session.scalars(
        select(SchemeVersion)
        .where(SchemeVersion.committee_id == committee.id, SchemeVersion.state == "published")
        .order_by(SchemeVersion.valid_from.desc())
    ).first()
    if previous is not None and previous.valid_to is None:
        previous.valid_to = date.fromordinal(valid_from.toordinal() - 1)
    version = SchemeVersion(
        committee_id=committee.id, state="published", label=label, adopted_on=adopted_on,
        adoption_paragraph=paragraph,
        adoption_reference=services.adoption_reference(committee, adopted_on, paragraph),
        valid_from=valid_from, based_on_id=previous.id if previous else None,
        created_at=clock.now(), published_at=clock.now(),
    )
    db.session.add(version)
    db.session.flush()
    for order, spec in enumerate(rules, start=1):
        limits = dict(spec["limits"])
        share = spec["pbb"]
        builtin = limits.pop("conditions", ())
        db.session.add(DelegationRule(
            version_id=version.id, number=spec["number"], text=spec["text"], level=spec["level"],
            case_type=spec["case_type"], kind="urgent" if spec["urgent"] else "ordinary",
            delegate_type="position_kind", delegate_position_kind=spec["position_kind"],
            delegate_scope=spec["scope"], allows_further_delegation=spec["further"],
            consultation_unit_id=economy.id if spec["consult"] and economy else None,
            max_amount_pbb_numerator=share.numerator if share else None,
            max_amount_pbb_denominator=share.denominator if share else None,
            amount_basis=limits.pop("amount_basis", "case"), sort_order=order,
            required_conditions=[_builtin_condition(code).required.stored() for code in builtin] or None,
            **limits,
        ))
    db.session.flush()
    record(SYSTEM, "scheme_version.seed", "scheme_version", version.id,
           after={"adoption_reference": version.adoption_reference, "rules": len(rules)})


def _builtin_condition(code: str):
    """One of the built-in eligibility conditions every committee's list starts with (migration 0026)."""
    return db.session.scalars(select(EligibilityCondition).where(EligibilityCondition.builtin == code)).one()


def _further_delegation() -> None:
    """Socialchefen has passed rule 2.2 on to the head of Avgiftsenheten, up to 18 months."""
    version = db.session.scalars(
        select(SchemeVersion).where(SchemeVersion.adoption_reference == "SN 2026-01-22 § 7")
    ).first()
    head = db.session.scalars(select(Position).where(Position.title == "Socialchef")).first()
    receiver = db.session.scalars(
        select(Position).where(Position.title == "Enhetschef Avgiftsenheten")
    ).first()
    if version is None or head is None or receiver is None or db.session.scalar(
        select(FurtherDelegation.id).where(FurtherDelegation.version_id == version.id)
    ) is not None:
        return
    item = FurtherDelegation(
        version_id=version.id, rule_number="2.2", delegating_position_id=head.id,
        receiving_position_id=receiver.id, starts_on=date(2026, 3, 1), has_own_limits=True,
        max_plan_months=18, amount_basis="case", created_at=clock.now(),
    )
    db.session.add(item)
    db.session.flush()
    record(SYSTEM, "further_delegation.seed", "further_delegation", item.id,
           after={"rule_number": "2.2", "max_plan_months": 18})
