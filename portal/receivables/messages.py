"""The one place that words import errors: parser and import codes become Swedish sentences."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.money import format_money

FIELD_LABELS = {
    "ledger_source": _l("ledger"),
    "invoice_number": _l("invoice number"),
    "customer_id_number": _l("identity number"),
    "customer_name": _l("customer name"),
    "customer_address": _l("address"),
    "customer_postcode": _l("postcode"),
    "customer_city": _l("city"),
    "unit_code": _l("unit"),
    "category_code": _l("invoice category"),
    "invoice_date": _l("invoice date"),
    "due_date": _l("due date"),
    "original_amount": _l("invoice amount"),
    "open_amount": _l("open amount"),
    "collection_stage_code": _l("collection stage"),
    "ocr_reference": _l("OCR reference"),
    "payment_date": _l("payment date"),
    "amount": _l("amount"),
    "paid_amount": _l("paid amount"),
}

_FILE_KINDS = {
    "pdf": _l("a PDF document"),
    "xls": _l("a workbook in the old Excel format (.xls)"),
    "image": _l("an image"),
    "gzip": _l("a compressed file"),
    "archive": _l("a compressed archive"),
    "zip": _l("a zip archive without a workbook"),
    "binary": _l("a binary file"),
}

_AMOUNT_REASONS = {
    "empty": _l("the amount is empty"),
    "invalid": _l("it is not an amount"),
    "too_many_decimals": _l("öre are the smallest unit: at most two decimals"),
    "ambiguous_separator": _l("it is unclear whether the separator is for thousands or decimals"),
}

_IDENTITY_REASONS = {
    "empty": _l("the number is empty"),
    "invalid_format": _l("write 10 or 12 digits, e.g. 19850612-1234"),
    "invalid_checksum": _l("the check digit is wrong"),
    "invalid_date": _l("there is no such date of birth"),
    "future_birth_date": _l("the date of birth is in the future"),
    "invalid_organisation_number": _l("it is not an organisation number"),
}


def _money(value: object) -> str:
    return format_money(value) if isinstance(value, int) else str(value)


_BGMAX_FIELDS = {
    "amount": _l("the amount"),
    "deposit_amount": _l("the deposit's amount"),
    "payment_count": _l("the deposit's number of payments"),
    "payments": _l("the number of payment records (TK20)"),
    "deductions": _l("the number of deduction records (TK21)"),
    "extra_references": _l("the number of extra reference records (TK22, TK23)"),
    "deposits": _l("the number of deposits (TK15)"),
}


def _bgmax_message(code: str, p: dict) -> str:
    what = str(_BGMAX_FIELDS.get(str(p.get("field") or p.get("what")), p.get("field") or p.get("what") or ""))
    messages = {
        "not_bgmax": lambda: _("The file does not begin with a BgMax opening record (TK01)."),
        "bgmax_invalid_opening": lambda: _("The opening record (TK01) has no valid timestamp or "
                                           "production/test mark."),
        "bgmax_record_too_long": lambda: _("The record has %(length)s characters; BgMax records have 80.",
                                           length=p.get("length")),
        "bgmax_invalid_record": lambda: _("The record has no transaction code."),
        "bgmax_invalid_number": lambda: _("%(field)s is not a number: “%(value)s”.", field=what.capitalize(),
                                          value=p.get("value")),
        "bgmax_invalid_date": lambda: _("The payment date “%(value)s” is not a date.", value=p.get("value")),
        "bgmax_outside_deposit": lambda: _("A TK%(code)s record outside a deposit (no TK05 before it).",
                                           code=p.get("code")),
        "bgmax_outside_payment": lambda: _("A TK%(code)s record with no payment before it.", code=p.get("code")),
        "bgmax_deposit_not_closed": lambda: _("The deposit opened on line %(line)s has no closing record "
                                              "(TK15).", line=p.get("opened")),
        "bgmax_second_opening": lambda: _("A second opening record (TK01)."),
        "bgmax_after_closing": lambda: _("A record after the closing record (TK70)."),
        "bgmax_missing_closing": lambda: _("The file has no closing record (TK70): it may be cut short."),
        "bgmax_deposit_count": lambda: _("The deposit record says %(expected)s payments; the deposit has "
                                         "%(found)s.", expected=p.get("expected"), found=p.get("found")),
        "bgmax_deposit_sum": lambda: _("The deposit record says %(expected)s; the deposit's payments add "
                                       "up to %(found)s.", expected=_money(p.get("expected")),
                                       found=_money(p.get("found"))),
        "bgmax_closing_count": lambda: _("The closing record (TK70) gives %(what)s as %(expected)s; the file "
                                         "has %(found)s.", what=what, expected=p.get("expected"),
                                         found=p.get("found")),
    }
    return messages[code]() if code in messages else _("Unreadable value (%(code)s).", code=code)


def file_kind_label(kind: str) -> str:
    """What a file that is not a table is, in words (tabular.binary_kind's kinds)."""
    return str(_FILE_KINDS.get(kind, _FILE_KINDS["binary"]))


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def error_message(code: str, params: Mapping[str, object] | None = None) -> str:
    """A Swedish sentence for an error code from the parser (tabular, ledger_parse) or the import."""
    p = dict(params or {})
    value = p.get("value", "")
    if code == "not_a_table":
        kind = _FILE_KINDS.get(str(p.get("kind")), _FILE_KINDS["binary"])
        return _("The file is %(kind)s, not a table. Export the ledger as CSV or .xlsx and upload "
                 "that file.", kind=kind)
    if code.startswith("bgmax_") or code == "not_bgmax":
        return _bgmax_message(code, p)
    if code == "negative_open_amount":
        return _("The open amount %(amount)s is negative (an overpayment or a credit note); the row "
                 "is imported.", amount=_money(p.get("value")))
    if code == "open_above_invoice":
        return _("The open amount %(amount)s is larger than the invoice amount %(invoice)s; the row "
                 "is imported.", amount=_money(p.get("value")), invoice=_money(p.get("invoice")))
    if code == "empty_file":
        return _("The file is empty.")
    if code == "invalid_encoding":
        return _("The file is neither UTF-8 nor Windows-1252 text. Save it as CSV or .xlsx again.")
    if code == "unreadable_xlsx":
        return _("The file cannot be read as an .xlsx workbook.")
    if code == "xlsx_too_large":
        return _("The .xlsx file unpacks to more than %(max)s MB, the most the portal reads. Split it "
                 "or save it as CSV.", max=p.get("max_mb"))
    if code == "field_too_large":
        return _("A field is longer than %(max)s KB, the most the portal reads in one field; the file "
                 "is probably not a ledger export (or a quotation mark is missing).", max=p.get("max_kb"))
    if code == "too_many_rows":
        return _("The file has more than %(max)s rows, the most the portal reads in one import. Split "
                 "it into smaller files.", max=p.get("max"))
    if code == "too_many_errors":
        return _("Reading stopped here after %(count)s errors: the file is probably not of the chosen "
                 "layout. Check the mapping and the file.", count=p.get("count"))
    if code == "malformed_csv":
        return _("The CSV file is malformed from here on (%(detail)s).", detail=p.get("detail", ""))
    if code == "missing_column":
        return _("The file has no column for %(field)s.", field=field_label(str(p.get("field", ""))))
    if code == "duplicate_column":
        return _("The column for %(field)s occurs more than once.",
                 field=field_label(str(p.get("field", ""))))
    if code == "wrong_column_count":
        return _("The row has %(found)s columns; the header has %(expected)s.",
                 found=p.get("found"), expected=p.get("expected"))
    if code == "missing_value":
        return _("The value is missing.")
    if code == "too_long":
        return _("The value is longer than %(max)s characters.", max=p.get("max_length"))
    if code == "invalid_amount":
        reason = _AMOUNT_REASONS.get(str(p.get("reason")), _AMOUNT_REASONS["invalid"])
        return _("“%(value)s” is not a valid amount: %(reason)s.", value=value, reason=reason)
    if code == "invalid_date":
        return _("“%(value)s” is not a date; write YYYY-MM-DD.", value=value)
    if code == "invalid_identity_number":
        reason = _IDENTITY_REASONS.get(str(p.get("reason")), _IDENTITY_REASONS["invalid_format"])
        return _("“%(value)s” is not a valid personnummer or organisationsnummer: %(reason)s.",
                 value=value, reason=reason)
    if code == "unknown_collection_stage_code":
        return _("The collection stage code “%(value)s” is not in the stage-code table.", value=value)
    if code == "duplicate_invoice":
        return _("Invoice %(number)s occurs already on line %(line)s.",
                 number=p.get("invoice_number"), line=p.get("first_line"))
    if code == "missing_reference":
        return _("The row has neither an invoice number nor an OCR reference.")
    if code == "zero_amount":
        return _("The amount is zero.")
    if code == "unknown_unit_code":
        return _("No unit has the code “%(value)s”.", value=value)
    if code == "unknown_category_code":
        return _("No invoice category has the code “%(value)s”.", value=value)
    if code == "unknown_invoice":
        return _("No invoice %(value)s in the portal.", value=value)
    if code == "ambiguous_ocr":
        return _("The OCR reference %(value)s belongs to several invoices; give the invoice number.",
                 value=value)
    return _("Unreadable value (%(code)s).", code=code)
