"""Files the portal sends: the one CSV writer every export uses and the one Content-Disposition.

CSV cells never start with a character a spreadsheet reads as a formula (OWASP "CSV injection"):
text that would is prefixed with an apostrophe, and amounts are written as plain numbers with a
decimal comma and, when negative, a trailing minus (`1250,50-`), the ledger convention that no
spreadsheet evaluates and that the portal's own import reads back.

File names go out as RFC 6266 headers: an ASCII `filename` for old clients and the exact name as
RFC 5987 `filename*=UTF-8''…`, so an en dash or an emoji neither breaks the header nor hangs a
download.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
_UNSAFE_IN_FALLBACK = re.compile(r'[^A-Za-z0-9._ ()\[\]-]+')


def csv_cell(value) -> str:
    """One cell as text that a spreadsheet shows and never evaluates."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_amount(ore: int | None) -> str:
    """An amount in öre as a plain number: 1250,50; negative with a trailing minus: 1250,50-."""
    if ore is None:
        return ""
    kronor, cents = divmod(abs(ore), 100)
    return f"{kronor},{cents:02d}" + ("-" if ore < 0 else "")


def csv_bytes(header: list[str], rows: Iterable[Iterable]) -> bytes:
    """A semicolon-separated UTF-8 file with a byte-order mark: how Swedish Excel opens CSV."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    return file_response(csv_bytes(header, rows), "text/csv; charset=utf-8", filename)


def ascii_file_name(filename: str) -> str:
    """The name as plain ASCII for the header's `filename` (accents dropped, the rest replaced)."""
    decomposed = unicodedata.normalize("NFKD", filename)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = _UNSAFE_IN_FALLBACK.sub("_", plain.replace("–", "-").replace("—", "-")).strip(" ._")
    return plain[:150] or "fil"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """An RFC 6266 Content-Disposition value; the exact name rides in `filename*` when not ASCII."""
    disposition = "inline" if inline else "attachment"
    filename = "".join(c for c in filename if unicodedata.category(c)[0] != "C") or "fil"
    fallback = ascii_file_name(filename)
    value = f'{disposition}; filename="{fallback}"'
    if fallback != filename:
        value += "; filename*=UTF-8''" + quote(filename, safe="")
    return value


def file_response(content: bytes, mimetype: str, filename: str, *, inline: bool = False) -> Response:
    """A file for the browser to save (or show, when inline) under its own name."""
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": content_disposition(filename, inline=inline),
        "X-Content-Type-Options": "nosniff",
    })
