"""CSV exports that a spreadsheet cannot be tricked by (OWASP CSV injection): semicolon-separated
UTF-8 with a BOM, as Swedish Excel opens it; no cell starts with = + - @ tab or CR."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """The value as a cell; one that a spreadsheet would read as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS_FIRST) else text


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The file a line at a time, so a long export streams instead of filling memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow([cell(h) for h in header])
    yield "\ufeff" + flush()
    for row in rows:
        writer.writerow([cell(v) for v in row])
        yield flush()
