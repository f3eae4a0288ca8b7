"""Every reason and finding the engine can give has its own Swedish sentence."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from flask_babel import force_locale

from portal.delegation import messages
from portal.delegation.results import Finding, FindingCode, Reason, ReasonCode, Severity

NAMES = type("Names", (), {
    "position": lambda self, i: "Enhetschef Hemtjänst Syd",
    "unit": lambda self, i: "Ekonomiavdelningen",
    "committee": lambda self, i: "Socialnämnden",
    "person": lambda self, i: "Sara Sjöberg",
    "category": lambda self, i: "VA-anslutning",
    "condition": lambda self, i: "Fullständig ansökan med åtgärdsplan",
})()

PARAMS = (
    ("year", 2026), ("share", Fraction(1, 2)), ("price_base_amount_ore", 5_920_000),
    ("prior_ore", 100_000), ("months_over", 12), ("fact", "plan_months"), ("position_id", 1),
    ("person_id", 2), ("committee_id", 3), ("unit_id", 4), ("rule_numbers", ("1.1", "1.2")),
    ("count", 2), ("limit", "max_plan_months"), ("value", 7), ("kind", "unit_head"),
    ("scope", "issuing_unit"), ("min_debt_ore", 1_200_000), ("max_ore", 500_000),
    ("other_rule_number", "2.2"), ("case_type", "deferral"), ("on_date", date(2026, 4, 15)),
    ("months", 12), ("form", "or_more"), ("min_instalment_ore", 50_000),
    ("standin_position_id", 5), ("max_plan_months", 12), ("category_id", 7),
    ("min_ore", 100_000), ("period", "calendar_year"), ("earlier", 1), ("condition_id", 9),
)
LIMITS = {
    ReasonCode.VERSION_NOT_YET_VALID: (date(2026, 7, 1), date(2026, 4, 15)),
    ReasonCode.VERSION_EXPIRED: (date(2026, 3, 31), date(2026, 4, 15)),
    ReasonCode.WRITE_OFF_REASON_NOT_ALLOWED: (("time_barred", "uneconomic"), "other"),
    ReasonCode.REASON_NOT_ALLOWED: (("wrong_price", "duplicate"), "complaint"),
    ReasonCode.CUSTOMER_KIND_NOT_ALLOWED: ("private", "organisation"),
    ReasonCode.NO_RULE_FOR_CASE_TYPE: (None, "write_off"),
    ReasonCode.CATEGORY_OUTSIDE_SCOPE: ((501,), (502,)),
    ReasonCode.CATEGORY_EXCLUDED: ((502,), (502,)),
    ReasonCode.ISSUING_UNIT_OUTSIDE_SCOPE: ((10,), 11),
}


def reason(code: ReasonCode) -> Reason:
    limit, actual = LIMITS.get(code, (500_000, 600_000))
    if code.name.endswith("MONTHS_OVER_LIMIT") or code.name.endswith("DAYS_OVER_LIMIT"):
        limit, actual = 3, 4
    return Reason(code, "3.1", limit, actual, PARAMS)


@pytest.mark.parametrize("code", list(ReasonCode))
def test_every_reason_code_has_a_swedish_sentence(app, code):
    with app.test_request_context():
        swedish = messages.reason_text(reason(code), NAMES)
        with force_locale("en"):
            english = messages.reason_text(reason(code), NAMES)
    assert swedish and swedish != english, code
    assert "%(" not in swedish


@pytest.mark.parametrize("code", list(FindingCode))
def test_every_finding_code_has_a_swedish_sentence(app, code):
    finding = Finding(Severity.ERROR, code, "3.1", PARAMS)
    with app.test_request_context():
        swedish = messages.finding_text(finding, NAMES)
        with force_locale("en"):
            english = messages.finding_text(finding, NAMES)
    assert swedish and swedish != english, code
    assert "%(" not in swedish


def test_limits_read_in_words_with_money_and_months(app):
    from portal.delegation.engine_types import FloorForm, Limits, PlanLengthFloor

    limits = Limits(max_amount_pbb=Fraction(1, 2), max_plan_months=24,
                    plan_length_floors=(PlanLengthFloor(12, 1_200_000),
                                        PlanLengthFloor(18, 1_800_000, FloorForm.OR_MORE)),
                    amount_basis="twelve_months")
    with app.test_request_context():
        words = messages.limits_text(limits, {2026: 5_920_000}, 2026)
    assert words == [
        "högst 0,5 prisbasbelopp (29\u00a0600,00\u00a0kr år 2026)",
        "räknat med kundens beslutade belopp av samma slag de senaste 12 månaderna",
        "plan om högst 24 månader",
        "en plan längre än 12 månader kräver en skuld på minst 12\u00a0000,00\u00a0kr",
        "en plan på 18 månader eller mer kräver en skuld på minst 18\u00a0000,00\u00a0kr",
    ]


@pytest.mark.parametrize(("value", "text"), [(Fraction(1, 2), "0,5"), (Fraction(1), "1"),
                                             (Fraction(1, 4), "0,25"), (Fraction(1, 3), "1/3")])
def test_shares_of_the_price_base_amount_read_as_the_minutes_write_them(value, text):
    assert messages.share(value) == text
