"""Reading Bankgirot's BgMax payment file ("Bankgiro Inbetalningar"), pure given the file's bytes.

A BgMax file is ISO-8859-1 text of 80-character records, each starting with a two-digit
transaction code (TK). Positions below are 1-based as Bankgirot's technical manual writes them:

- TK01 opening: ``BGMAX`` (3–22), version (23–24), timestamp YYYYMMDDHHMMSSffffff (25–44),
  ``P``roduction or ``T``est (45). The timestamp and the mark are the file's own identity.
- TK05 a deposit opens: receiving bankgiro (3–12), plusgiro (13–22), currency (23–25).
- TK20 payment, TK21 deduction (a credit the payer takes off): payer's bankgiro (3–12),
  reference (13–37), amount in öre (38–55), reference type (56: 0/1 none, 2 OCR checked by
  Bankgirot, 3 several references in TK22/23, 4 one free-text reference, 5 a wrong reference),
  channel (57), BGC serial number (58–69), image mark (70); TK21 also a deduction code (71).
- TK22 extra reference (positive amount), TK23 extra reference (negative amount): as TK20 for a
  payment that pays several invoices.
- TK25 information text (3–52); TK26 payer's name (3–37); TK27 address (3–37) and postcode
  (38–46); TK28 city (3–37); TK29 payer's organisation or personal number (3–14).
- TK15 a deposit closes: receiving account (3–37), payment date YYYYMMDD (38–45), deposit serial
  (46–50), deposited amount in öre (51–68), currency (69–71), number of payments (72–79).
- TK70 closing: numbers of payment records (3–10), deduction records (11–18), extra-reference
  records (19–26) and deposit records (27–34).

BgMax has no checksum (RULINGS 24): the closing record's counts and each deposit's number of
payments and amount are checked against the records read. We read a deposit's amount as its
payments less its deductions and its number of payments as TK20 and TK21 records together.
Records of a code the reader does not know are skipped, as the manual asks of readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.receivables.tabular import ParseError

RECORD_LENGTH = 80
MAGIC = b"01BGMAX"
REFERENCE_TYPES = {0: "none", 1: "none", 2: "ocr", 3: "several", 4: "text", 5: "wrong"}


@dataclass(slots=True)
class BgMaxPayment:
    """A payment (TK20) or deduction (TK21, negative amount) in a deposit, with what follows it."""

    line: int
    receiving_bankgiro: str
    currency: str
    bank_serial: str  # Bankgirot's serial number: unique with the deposit date and bankgiro
    amount_ore: int
    reference: str | None
    reference_type: str  # REFERENCE_TYPES' values
    payer_bankgiro: str | None
    channel: str
    deduction: bool = False
    deposit_date: date | None = None  # set when the deposit's TK15 is read
    extra_references: list[tuple[str, int]] = field(default_factory=list)  # (reference, öre)
    information: list[str] = field(default_factory=list)
    payer_name: str | None = None
    payer_address: str | None = None
    payer_city: str | None = None
    payer_identity: str | None = None

    @property
    def key(self) -> str:
        """What makes the payment the same payment in any file that holds it."""
        return f"{self.receiving_bankgiro}:{self.deposit_date}:{self.bank_serial}"


@dataclass
class BgMaxFile:
    timestamp: str | None = None
    test: bool = False
    payments: list[BgMaxPayment] = field(default_factory=list)
    deposits: int = 0
    records: int = 0
    errors: list[ParseError] = field(default_factory=list)

    @property
    def identity(self) -> str | None:
        """The file's own identity: Bankgirot's timestamp and its production/test mark."""
        if self.timestamp is None:
            return None
        return f"BGMAX {self.timestamp} {'T' if self.test else 'P'}"


def is_bgmax(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf").startswith(MAGIC)


def _number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def _text(text: str) -> str | None:
    return " ".join(text.split()) or None


def _date(text: str) -> date | None:
    if not (len(text) == 8 and text.isdigit()):
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


class _Reader:
    def __init__(self) -> None:
        self.result = BgMaxFile()
        self.deposit: dict | None = None  # the open deposit: bankgiro, currency, payments, line
        self.payment: BgMaxPayment | None = None
        self.counts = {"payments": 0, "deductions": 0, "extra_references": 0, "deposits": 0}
        self.closed = False

    def error(self, line: int, code: str, **params: object) -> None:
        self.result.errors.append(ParseError(line, None, code, params))

    def amount(self, line: int, text: str, what: str) -> int | None:
        value = _number(text)
        if value is None:
            self.error(line, "bgmax_invalid_number", field=what, value=text.strip())
        return value

    def read(self, number: int, record: str) -> None:
        code = record[:2]
        if self.closed:
            self.error(number, "bgmax_after_closing")
            return
        if code == "05":
            if self.deposit is not None:
                self.error(number, "bgmax_deposit_not_closed", opened=self.deposit["line"])
            self.deposit = {"bankgiro": record[2:12].strip().lstrip("0"), "currency": record[22:25].strip(),
                            "payments": [], "line": number}
            self.payment = None
        elif code in ("20", "21"):
            if self.deposit is None:
                self.error(number, "bgmax_outside_deposit", code=code)
                return
            deduction = code == "21"
            self.counts["deductions" if deduction else "payments"] += 1
            amount = self.amount(number, record[37:55], "amount")
            kind = _number(record[55:56])
            reference = _text(record[12:37])
            self.payment = BgMaxPayment(
                line=number, receiving_bankgiro=self.deposit["bankgiro"], currency=self.deposit["currency"],
                bank_serial=record[57:69].strip(), amount_ore=-(amount or 0) if deduction else amount or 0,
                reference=reference,
                reference_type=REFERENCE_TYPES.get(kind if kind is not None else 0, "none"),
                payer_bankgiro=record[2:12].strip().lstrip("0") or None, channel=record[56:57],
                deduction=deduction)  # fmt: skip
            self.deposit["payments"].append(self.payment)
        elif code in ("22", "23"):
            self.counts["extra_references"] += 1
            if self.payment is None:
                self.error(number, "bgmax_outside_payment", code=code)
                return
            amount = self.amount(number, record[37:55], "amount")
            reference = _text(record[12:37])
            if reference and amount is not None:
                self.payment.extra_references.append((reference, -amount if code == "23" else amount))
        elif code in ("25", "26", "27", "28", "29"):
            if self.payment is None:
                return  # a text that belongs to no payment says nothing about one
            if code == "25" and (text := _text(record[2:52])):
                self.payment.information.append(text)
            elif code == "26":
                self.payment.payer_name = _text(record[2:37])
            elif code == "27":
                self.payment.payer_address = _text(f"{record[2:37]} {record[37:46]}")
            elif code == "28":
                self.payment.payer_city = _text(record[2:37])
            elif code == "29":
                self.payment.payer_identity = _text(record[2:14])
        elif code == "15":
            self.close_deposit(number, record)
        elif code == "70":
            self.close_file(number, record)
        elif code == "01":
            self.error(number, "bgmax_second_opening")
        elif not code.isdigit():
            self.error(number, "bgmax_invalid_record")
        # Any other code: skipped, as the manual asks.

    def close_deposit(self, number: int, record: str) -> None:
        if self.deposit is None:
            self.error(number, "bgmax_outside_deposit", code="15")
            return
        self.counts["deposits"] += 1
        day = _date(record[37:45])
        if day is None:
            self.error(number, "bgmax_invalid_date", value=record[37:45])
        amount = self.amount(number, record[50:68], "deposit_amount")
        count = self.amount(number, record[71:79], "payment_count")
        payments = self.deposit["payments"]
        if count is not None and count != len(payments):
            self.error(number, "bgmax_deposit_count", expected=count, found=len(payments))
        total = sum(payment.amount_ore for payment in payments)
        if amount is not None and amount != total:
            self.error(number, "bgmax_deposit_sum", expected=amount, found=total)
        for payment in payments:
            payment.deposit_date = day
        self.result.payments.extend(payments)
        self.result.deposits += 1
        self.deposit = None
        self.payment = None

    def close_file(self, number: int, record: str) -> None:
        if self.deposit is not None:
            self.error(number, "bgmax_deposit_not_closed", opened=self.deposit["line"])
        self.closed = True
        for what, (start, end) in (("payments", (2, 10)), ("deductions", (10, 18)),
                                   ("extra_references", (18, 26)), ("deposits", (26, 34))):
            expected = self.amount(number, record[start:end], what)
            if expected is not None and expected != self.counts[what]:
                self.error(number, "bgmax_closing_count", what=what, expected=expected,
                           found=self.counts[what])


def parse_bgmax(data: bytes) -> BgMaxFile:
    """Read a BgMax file: its payments when nothing is wrong, else every error found (lines are
    1-based; the whole file is checked, so every problem is listed at once)."""
    reader = _Reader()
    result = reader.result
    text = data.decode("iso-8859-1")
    if text.startswith("\ufeff") or text.startswith("ï»¿"):
        text = text[3:] if text.startswith("ï»¿") else text[1:]
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or not lines[0].startswith("01BGMAX"):
        reader.error(1, "not_bgmax")
        return result
    for number, raw in enumerate(lines, start=1):
        record = raw.rstrip("\r")
        if len(record) > RECORD_LENGTH:
            reader.error(number, "bgmax_record_too_long", length=len(record))
            continue
        # Trailing spaces are often lost in transfer: a short record is read padded.
        record = record.ljust(RECORD_LENGTH)
        result.records += 1
        if number == 1:
            stamp = record[24:44]
            mark = record[44:45]
            if not stamp.isdigit() or _date(stamp[:8]) is None or mark not in ("P", "T"):
                reader.error(1, "bgmax_invalid_opening")
            result.timestamp = stamp
            result.test = mark == "T"
            continue
        if not record.strip():
            reader.error(number, "bgmax_invalid_record")
            continue
        reader.read(number, record)
    if not reader.closed:
        reader.error(len(lines), "bgmax_missing_closing")
    elif reader.deposit is not None:
        reader.error(len(lines), "bgmax_deposit_not_closed", opened=reader.deposit["line"])
    if result.errors:
        result.payments = []
    return result


# --- writing: for tests and demo data -----------------------------------------------------------


@dataclass(frozen=True)
class PaymentSpec:
    """A payment to write into a generated BgMax file."""

    amount_ore: int
    reference: str = ""
    reference_type: int = 2
    bank_serial: str = ""
    payer_name: str | None = None
    information: str | None = None
    deduction: bool = False
    extra_references: tuple[tuple[str, int], ...] = ()


def _record(text: str) -> str:
    if len(text) > RECORD_LENGTH:
        raise ValueError(f"record longer than {RECORD_LENGTH}: {text!r}")
    return text.ljust(RECORD_LENGTH)


def write_bgmax(
    deposits: list[tuple[date, list[PaymentSpec]]],
    *,
    timestamp: str = "20260115083000123456",
    bankgiro: str = "9912346",
    test: bool = False,
    closing: dict[str, int] | None = None,
    deposit_overrides: dict[int, dict[str, int]] | None = None,
) -> bytes:
    """A BgMax file of the given deposits, in ISO-8859-1 with CRLF. `closing` and
    `deposit_overrides` (by deposit index: "count", "amount") replace what TK70 and TK15 would
    say, to write a file whose records disagree."""
    lines = [_record(f"01BGMAX{'':15}01{timestamp}{'T' if test else 'P'}")]
    counts = {"payments": 0, "deductions": 0, "extra_references": 0, "deposits": 0}
    serial = 0
    for index, (day, payments) in enumerate(deposits):
        lines.append(_record(f"05{bankgiro:0>10}{'':10}SEK"))
        total = 0
        for payment in payments:
            serial += 1
            code = "21" if payment.deduction else "20"
            counts["deductions" if payment.deduction else "payments"] += 1
            total += -payment.amount_ore if payment.deduction else payment.amount_ore
            bank_serial = payment.bank_serial or f"{day:%y%m%d}{serial:06d}"
            lines.append(_record(f"{code}{'':0>10}{payment.reference:>25}{payment.amount_ore:018d}"
                                 f"{payment.reference_type}1{bank_serial:>12}0"
                                 + ("1" if payment.deduction else "")))
            for reference, amount in payment.extra_references:
                counts["extra_references"] += 1
                extra = "23" if amount < 0 else "22"
                lines.append(_record(f"{extra}{'':0>10}{reference:>25}{abs(amount):018d}2"))
            if payment.information:
                lines.append(_record(f"25{payment.information}"))
            if payment.payer_name:
                lines.append(_record(f"26{payment.payer_name}"))
        counts["deposits"] += 1
        override = (deposit_overrides or {}).get(index, {})
        amount = override.get("amount", total)
        count = override.get("count", len(payments))
        lines.append(_record(f"15{'5841000001':0>35}{day:%Y%m%d}{index + 1:05d}{amount:018d}SEK{count:08d}"))
    counts.update(closing or {})
    lines.append(_record(f"70{counts['payments']:08d}{counts['deductions']:08d}"
                         f"{counts['extra_references']:08d}{counts['deposits']:08d}"))
    return "\r\n".join(lines).encode("iso-8859-1") + b"\r\n"
