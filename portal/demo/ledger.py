"""Demo receivables: categories, reference rates, fees, stage codes and a generated ledger.

The ledger is generated deterministically (a fixed random seed) relative to today, written as a
CSV file in the municipality's own Raindance-like layout with a saved mapping, and loaded
through the same import as a real file. Every customer it creates is marked as demo data.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

from sqlalchemy import func, select

from portal import clock
from portal.audit.services import SYSTEM
from portal.extensions import db
from portal.money import format_amount
from portal.receivables import imports, services
from portal.receivables.identity import luhn_check_digit
from portal.receivables.models import (
    CollectionStageCode,
    Customer,
    Fee,
    Invoice,
    InvoiceCategory,
    LedgerMapping,
    ReferenceRate,
)

DEMO_LEDGER_INVOICES = 20_000
DEMO_SOURCE = "demo"
DEMO_MAPPING = "Raindance (demo)"

# (code, name, late interest, time bar in years, appealable)
CATEGORIES = [
    ("HEMTJ", "Hemtjänst och äldreomsorg", True, 3, True),
    ("LSS", "LSS-avgifter", False, 3, True),  # a public-law fee charged without late interest here
    ("FORSK", "Förskoleavgift", True, 3, False),
    ("VA", "VA-avgift", True, 10, False),
    ("HYRA", "Hyra", True, 3, False),
    ("OVR", "Övriga fakturor", True, 10, False),
]
# DOMAIN.md "Money and interest": published values, marked as unchecked demo values.
RATES = [
    (date(2023, 1, 1), "2,50", None),
    (date(2023, 7, 1), "3,50", None),
    (date(2024, 1, 1), "4,00", None),
    (date(2024, 7, 1), "4,00", None),
    (date(2025, 1, 1), "2,50", "Källorna skiljer sig: 2,50 % eller 3,00 %. Kontrollera mot Riksbanken."),
    (date(2025, 7, 1), "2,00", None),
    (date(2026, 1, 1), "2,00", None),
    (date(2026, 7, 1), "2,00", "Antaget oförändrad i demodata. Kontrollera mot Riksbanken."),
]
FEES = [("reminder", "60,00"), ("collection_demand", "180,00"), ("instalment_plan", "170,00")]
STAGE_CODES = {
    "P1": "reminder", "P2": "reminder", "INK": "collection_demand", "KFM": "payment_order",
    "UTM": "enforcement", "LTB": "long_term_monitoring", "BET": "paid", "AVS": "written_off",
    "MAK": "cancelled", "KRE": "credited",
}  # fmt: skip
# The demo municipality's export headers (Raindance-like), saved as a mapping.
HEADERS = {
    "ledger_source": "Källa", "invoice_number": "FAKTNR", "customer_id_number": "ORGNR",
    "customer_name": "KUNDNAMN", "customer_address": "ADR2", "customer_postcode": "POSTNR",
    "customer_city": "ORT", "unit_code": "ANSVAR", "category_code": "KATEGORI",
    "invoice_date": "FAKTURADATUM", "due_date": "FORFALLODATUM", "original_amount": "BELOPP",
    "open_amount": "REST", "collection_stage_code": "KRAVKOD", "ocr_reference": "OCRNR",
}  # fmt: skip
# Units and the categories they invoice (codes from seed.COMMITTEES).
UNIT_CATEGORIES = [
    ("3110", "HEMTJ"), ("3120", "HEMTJ"), ("3900", "HEMTJ"), ("3200", "LSS"), ("3300", "OVR"),
    ("4110", "FORSK"), ("4120", "FORSK"), ("5100", "VA"), ("5200", "HYRA"), ("1100", "OVR"),
    ("1200", "OVR"), ("6100", "OVR"), ("6200", "OVR"),
]  # fmt: skip
AMOUNTS = {"HEMTJ": (300, 2400), "LSS": (200, 1800), "FORSK": (400, 1700), "VA": (900, 9000),
           "HYRA": (4000, 9500), "OVR": (100, 6000)}  # fmt: skip
FIRST_NAMES = ["Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Per", "Sara", "Ali",
               "Fatima", "Mikael", "Ingrid", "Omar", "Elin", "Nils", "Aino", "Göran", "Linnea",
               "Mohammed", "Birgitta", "Jonas", "Leila", "Olof"]  # fmt: skip
SURNAMES = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
            "Persson", "Svensson", "Gustafsson", "Pettersson", "Jönsson", "Hassan", "Lindqvist",
            "Åberg", "Björk", "Mäkinen", "Söderberg", "Ström", "Holm"]  # fmt: skip
STREETS = ["Storgatan", "Kyrkvägen", "Björkvägen", "Skolgatan", "Ängsvägen", "Järnvägsgatan"]


def _person_number(rng: random.Random, born: date) -> str:
    body = born.strftime("%y%m%d") + f"{rng.randint(0, 999):03d}"
    return f"{born:%Y%m%d}-{body[6:]}{luhn_check_digit(body)}"


def _organisation_number(rng: random.Random) -> str:
    body = f"556{rng.randint(0, 999999):06d}"
    return f"{body[:6]}-{body[6:]}{luhn_check_digit(body)}"


def _stage_code(open_ore: int, days_overdue: int) -> str:
    if open_ore == 0:
        return "BET"
    for limit, code in ((0, ""), (30, "P1"), (60, "P2"), (120, "INK"), (240, "KFM")):
        if days_overdue <= limit:
            return code
    return "LTB"


class _Ledger:
    """Rows of the demo ledger and payments files, built deterministically."""

    def __init__(self, today: date, seed: int = 2026):
        self.rng = random.Random(seed)
        self.today = today
        self.rows: list[list[str]] = []
        self.payments: list[list[str]] = []
        self.number = 1_000_000

    def invoice(self, customer: tuple[str, str, str, str, str], unit: str, category: str,
                invoice_date: date, original_ore: int, paid_ore: int = 0) -> None:
        self.number += 1
        number = f"D{self.number}"
        due = invoice_date + timedelta(days=30)
        open_ore = original_ore - paid_ore
        identity, name, address, postcode, city = customer
        ocr = f"{self.number}{luhn_check_digit(str(self.number))}"
        self.rows.append([DEMO_SOURCE, number, identity, name, address, postcode, city, unit,
                          category, invoice_date.isoformat(), due.isoformat(),
                          format_amount(original_ore), format_amount(open_ore),
                          _stage_code(open_ore, (self.today - due).days), ocr])  # fmt: skip
        if paid_ore:
            latest = max(min(due + timedelta(days=20), self.today), invoice_date)
            day = invoice_date + timedelta(days=self.rng.randint(0, (latest - invoice_date).days))
            self.payments.append([DEMO_SOURCE, number, day.isoformat(), format_amount(paid_ore)])

    def customer(self, n: int) -> tuple[str, str, str, str, str]:
        rng = self.rng
        if n % 10 == 0:
            identity = _organisation_number(rng)
            name = f"{rng.choice(SURNAMES)}s {rng.choice(['Bygg', 'Måleri', 'Café', 'Fastigheter'])} AB"
        else:
            born = date(1935, 1, 1) + timedelta(days=rng.randint(0, 25_000))
            identity = _person_number(rng, born)
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        address = f"{rng.choice(STREETS)} {rng.randint(1, 80)}"
        return identity, name, address, f"{rng.randint(611, 649)} {rng.randint(10, 99)}", "Demokommun"

    def csv(self, headers: list[str], rows: list[list[str]]) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8-sig")


def _named(ledger: _Ledger) -> dict[str, str]:
    """Customers that browser journeys can rely on; returns the identities to flag."""
    today = ledger.today
    asa = (_person_number(random.Random(1), date(1942, 3, 14)), "Åsa Öberg", "Kyrkvägen 4", "612 30",
           "Demokommun")
    for months in (7, 6, 5, 4, 3):  # several overdue elderly-care invoices at Hemtjänst Norr
        ledger.invoice(asa, "3110", "HEMTJ", today - timedelta(days=30 * months + 12), 184_500)
    company = (_organisation_number(random.Random(2)), "Bergslagens Bygg AB", "Industrivägen 12",
               "614 31", "Demokommun")
    ledger.invoice(company, "5100", "VA", today - timedelta(days=150), 2_456_000, paid_ore=500_000)
    estate = (_person_number(random.Random(3), date(1931, 11, 2)), "Gustav Lind (dödsbo)",
              "Ängsvägen 9", "613 33", "Demokommun")
    ledger.invoice(estate, "3120", "HEMTJ", today - timedelta(days=95), 231_000)
    protected = (_person_number(random.Random(4), date(1979, 6, 21)), "Karin Ek", "Hemlig adress 1",
                 "611 00", "Demokommun")
    ledger.invoice(protected, "4110", "FORSK", today - timedelta(days=80), 156_000)
    restructuring = (_person_number(random.Random(5), date(1968, 9, 5)), "Peter Sand",
                     "Storgatan 22", "612 31", "Demokommun")
    ledger.invoice(restructuring, "5200", "HYRA", today - timedelta(days=200), 812_500)
    return {"deceased": estate[0], "protected": protected[0], "restructuring": restructuring[0]}


# The customers of the demo's cases (portal/demo/cases_seed.py): (name, born, unit, open amount in öre)
STORY_CUSTOMERS = [
    ("Bo Bergkvist", date(1944, 5, 2), "3110", 420_000),
    ("Cecilia Dahlén", date(1951, 8, 19), "3120", 360_000),
    ("David Ekholm", date(1939, 1, 27), "3110", 280_000),
    ("Elin Forsberg", date(1948, 12, 3), "3110", 1_800_000),
    ("Filip Granlund", date(1936, 7, 14), "3110", 120_000),
    ("Greta Hjort", date(1946, 3, 30), "3110", 600_000),
    ("Hugo Ivarsson", date(1953, 10, 8), "3120", 240_000),
]


def _story_customers(ledger: _Ledger) -> None:
    for n, (name, born, unit, amount) in enumerate(STORY_CUSTOMERS, start=10):
        customer = (_person_number(random.Random(n), born), name, f"Demogatan {n}", "612 40", "Demokommun")
        ledger.invoice(customer, unit, "HEMTJ", ledger.today - timedelta(days=50), amount)


def _tables() -> None:
    if not db.session.scalar(select(func.count()).select_from(InvoiceCategory)):
        for code, name, interest, years, appealable in CATEGORIES:
            services.category_save(SYSTEM, None, code=code, name=name, charges_interest=interest,
                                   time_bar_years=years, appealable=appealable)
    known = set(db.session.scalars(select(ReferenceRate.half_year_start)))
    for start, rate, note in RATES:
        if start not in known:
            services.rate_save(SYSTEM, None, half_year_start=start, rate_text=rate, confirmed=False,
                               note=note or "Demovärde")
    if not db.session.scalar(select(func.count()).select_from(Fee)):
        for kind, amount in FEES:
            services.fee_save(SYSTEM, None, kind=kind, amount_text=amount, valid_from=date(2023, 1, 1))
    codes = set(db.session.scalars(select(CollectionStageCode.code)))
    for code, stage in STAGE_CODES.items():
        if code.casefold() not in codes:
            services.stage_code_save(SYSTEM, None, code=code, stage=stage)
    if db.session.scalars(select(LedgerMapping).where(LedgerMapping.name == DEMO_MAPPING)).first() is None:
        services.mapping_save(SYSTEM, None, name=DEMO_MAPPING, kind="ledger", columns=HEADERS)
        services.mapping_save(SYSTEM, None, name="Bankfil (demo)", kind="payments",
                              columns={"ledger_source": "Källa", "invoice_number": "FAKTNR",
                                       "payment_date": "BETDAT", "amount": "BELOPP"})


def _load(data: bytes, file_name: str, kind: str, mapping_name: str) -> None:
    mapping = db.session.scalars(select(LedgerMapping).where(LedgerMapping.name == mapping_name)).one()
    ledger_import = imports.upload(SYSTEM, data=data, file_name=file_name, kind=kind,
                                   mapping_id=mapping.id)
    parsed = imports.read_file(imports.import_job(ledger_import))
    imports.run(SYSTEM, ledger_import, parsed, demo=True)
    if ledger_import.count_errors:
        raise RuntimeError(f"the demo {kind} does not import: {ledger_import.errors[:3]}")


def seed_receivables(invoices: int) -> str:
    """Reference tables, then (once) a demo ledger of about `invoices` invoices and its payments."""
    _tables()
    if db.session.scalar(select(func.count()).select_from(Invoice).where(Invoice.ledger_source == DEMO_SOURCE)):
        return "demo ledger already loaded"
    ledger = _Ledger(clock.today())
    flags = _named(ledger)
    rng = ledger.rng
    customers = [ledger.customer(n) for n in range(max(invoices // 4, 1))]
    while len(ledger.rows) < invoices:
        unit, category = rng.choice(UNIT_CATEGORIES)
        low, high = AMOUNTS[category]
        original = rng.randint(low, high) * 100 + rng.choice((0, 0, 50))
        share = rng.random()
        paid = 0 if share < 0.55 else original if share > 0.8 else rng.randint(1, original - 1)
        invoice_date = ledger.today - timedelta(days=rng.randint(5, 600))
        ledger.invoice(rng.choice(customers), unit, category, invoice_date, original, paid)
    _story_customers(ledger)  # after the generated rows, so their invoice numbers stay as they were
    _load(ledger.csv(list(HEADERS.values()), ledger.rows), "demo-reskontra.csv", "ledger", DEMO_MAPPING)
    _load(ledger.csv(["FAKTNR", "BETDAT", "BELOPP", "Källa"], [[r[1], r[2], r[3], r[0]] for r in ledger.payments]),
          "demo-betalningar.csv", "payments", "Bankfil (demo)")
    by_identity = {c.identity_number: c for c in db.session.scalars(
        select(Customer).where(Customer.identity_number.in_(
            ["".join(ch for ch in v if ch.isdigit()) for v in flags.values()])))}
    for flag, identity in (("deceased", flags["deceased"]), ("protected_identity", flags["protected"]),
                           ("debt_restructuring", flags["restructuring"])):
        customer = by_identity.get(identity.replace("-", ""))
        if customer is not None:
            setattr(customer, flag, True)
    db.session.flush()
    return f"demo ledger of {len(ledger.rows)} invoices and {len(ledger.payments)} payments"
