"""Downloads name their files by RFC 6266/5987, whatever characters the name has, through one
helper that every download uses."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from portal.downloads import ascii_file_name, content_disposition, csv_amount, csv_bytes, csv_cell

ROOT = Path(__file__).resolve().parent.parent


def _exact_name(header: str) -> str:
    match = re.search(r"filename\*=UTF-8''([^;]+)", header)
    if match:
        return unquote(match.group(1))
    return re.search(r'filename="([^"]*)"', header).group(1)


def test_a_name_with_an_en_dash_and_an_emoji_goes_out_as_ascii_with_the_exact_name_beside_it():
    header = content_disposition("Intyg – läkare 😀.pdf")
    header.encode("ascii")  # a header the server can always send
    assert header.startswith('attachment; filename="Intyg - lakare _.pdf"')
    assert _exact_name(header) == "Intyg – läkare 😀.pdf"


def test_a_plain_name_has_no_extended_parameter_and_inline_is_kept():
    assert content_disposition("beslut-ABC123.pdf", inline=True) == 'inline; filename="beslut-ABC123.pdf"'


def test_quotes_backslashes_and_line_breaks_cannot_break_out_of_the_header():
    header = content_disposition('a"b\\c\r\nSet-Cookie: x=1.pdf')
    assert "\r" not in header and "\n" not in header
    fallback = re.search(r'filename="([^"]*)"', header).group(1)
    assert '"' not in fallback and "\\" not in fallback
    assert _exact_name(header) == 'a"b\\cSet-Cookie: x=1.pdf'
    assert ascii_file_name("😀😀") == "fil"


def test_csv_cells_and_amounts():
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(dangerous) == "'" + dangerous
    assert csv_cell("SN 2026/1") == "SN 2026/1" and csv_cell(None) == ""
    assert csv_amount(123_456_78) == "123456,78"
    assert csv_amount(-5) == "0,05-"
    assert csv_amount(None) == ""
    data = csv_bytes(["A", "B"], [["=x", csv_amount(-100_00)]]).decode("utf-8")
    assert data == "\ufeffA;B\r\n'=x;100,00-\r\n"


def test_the_portals_own_ledger_import_reads_a_negative_amount_back():
    from portal.money import parse_money

    assert parse_money(csv_amount(-1_250_50)) == -1_250_50


def test_every_download_and_csv_goes_through_the_one_helper():
    offenders = []
    for path in (ROOT / "portal").rglob("*.py"):
        if path.name == "downloads.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "Content-Disposition" in text or re.search(r"csv\.writer\(", text) and "demo" not in path.parts:
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


def test_an_attachment_named_with_an_en_dash_and_an_emoji_downloads(client, make):
    from tests.cases.conftest import build_world

    world = build_world(make)
    from portal.cases import services
    from portal.cases.terms import TermsInput
    from portal.delegation.engine_types import CaseType
    from portal.extensions import db

    officer = world.actor(world.officer)
    case = services.case_create(officer, customer=world.customer, case_type=CaseType.DEFERRAL,
                                invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Prov")
    item = services.attachment_add(officer, case, "Läkarintyg – 2026 😀.pdf", b"%PDF-1.7\n")
    db.session.commit()
    client.login("handlaggare")
    response = client.get(f"/arenden/bilagor/{item.id}")
    assert response.status_code == 200
    header = response.headers["Content-Disposition"]
    header.encode("ascii")
    assert _exact_name(header) == "Läkarintyg – 2026 😀.pdf"
