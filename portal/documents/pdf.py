"""The portal's PDF layout: embedded DejaVu fonts, a header, and "Sida x av y", registry number and
verification code on every page. Builders of each document kind pass their own story."""

from __future__ import annotations

import functools

from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Table, TableStyle

# Page content compressed only (ReportLab's default adds ASCII85 on top: a quarter larger, encoded in
# Python, and decoded again by the PDF/A step).
rl_config.useA85 = 0

FONT_DIR = Path(__file__).parent / "fonts"
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
MARGIN = 20 * mm


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


@dataclass(frozen=True)
class DocumentFrame:
    """What every page of a document says about it."""

    municipality_name: str
    title: str
    verification_code: str
    issued_on: date
    committee_name: str | None = None
    registry_number: str | None = None
    logo: bytes | None = None
    author: str = "Beslutsportalen"
    subject: str = ""


def usable_logo(logo: bytes | None) -> bytes | None:
    """The logo if it can be drawn; else None, so a damaged logo never stops a decision's letter."""
    if not logo:
        return None
    try:
        ImageReader(BytesIO(logo)).getSize()
    except Exception:  # noqa: BLE001 - PIL raises many kinds for a broken image
        return None
    return logo


def text(value: object) -> str:
    """User-entered text made safe for a Paragraph (ReportLab reads a little HTML)."""
    return escape("" if value is None else str(value)).replace("\n", "<br/>")


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    """The documents' paragraph styles, made once per process (a letter asks for them hundreds of
    times); nothing changes a style after this."""
    _register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=14.5, spaceAfter=6)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=colors.HexColor("#333333")),
        "title": ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=10),
        # Headings keep with what follows, so none is left alone at the foot of a page.
        "h2": ParagraphStyle("h2", parent=body, fontName=FONT_BOLD, fontSize=12.5, leading=16,
                             spaceBefore=8, spaceAfter=4, keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=body, fontName=FONT_BOLD, fontSize=10.5, leading=14, spaceBefore=4,
                             keepWithNext=1),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=11.5, spaceAfter=0),
        "head": ParagraphStyle("head", parent=body, fontName=FONT_BOLD, fontSize=9, leading=11.5, spaceAfter=0),
    }


CELL_PADDING = 6  # ReportLab's default left and right padding of a table cell, each


def _cell(value: object, style: ParagraphStyle, width: float | None) -> object:
    """A table cell: a flowable as it is; a value that fits its column on one line as plain text
    (drawn as is, never read as markup: a tenth of a paragraph's cost, and a plan's schedule has
    hundreds); anything else as an escaped paragraph that wraps."""
    if isinstance(value, Flowable):
        return value
    plain = "" if value is None else str(value)
    if (width is not None and "\n" not in plain
            and pdfmetrics.stringWidth(plain, style.fontName, style.fontSize) <= width - 2 * CELL_PADDING):
        return plain
    return Paragraph(text(value), style)


def paragraph(value: object, style: str = "body") -> Paragraph:
    return Paragraph(text(value), styles()[style])


def table(rows: list[list[object]], col_widths: list[float] | None = None, header: bool = True) -> Table:
    """A table in the embedded font (ReportLab's own default, Helvetica, would not be embedded).

    Plain values become escaped paragraphs; flowables are kept as they are.
    """
    cell, head = styles()["cell"], styles()["head"]
    widths = list(col_widths) if col_widths is not None else []
    data = [
        [_cell(value, head if header and r == 0 else cell, widths[c] if c < len(widths) else None)
         for c, value in enumerate(row)]
        for r, row in enumerate(rows)
    ]
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), cell.fontSize),
        ("LEADING", (0, 0), (-1, -1), cell.leading),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#BBBBBB")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        commands += [("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                     ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF2F7"))]
    return Table(data, colWidths=col_widths, repeatRows=1 if header else 0, style=TableStyle(commands))


class _NumberedCanvas(rl_canvas.Canvas):
    """Holds pages back until the end so every footer can say "Sida x av y"."""

    frame_info: DocumentFrame

    def __init__(self, *args, **kwargs):
        # Start in the embedded font: ReportLab's default Helvetica would be listed but not embedded.
        kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT
        kwargs["initialFontSize"] = kwargs.get("initialFontSize") or 10
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):  # noqa: N802 - ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            _draw_page_furniture(self, self.frame_info, number, total)
            super().showPage()
        super().save()


def _draw_page_furniture(canvas: rl_canvas.Canvas, info: DocumentFrame, number: int, total: int) -> None:
    width, height = A4
    canvas.saveState()
    top = height - 12 * mm
    x = MARGIN
    if info.logo:
        logo = ImageReader(BytesIO(info.logo))
        logo_w, logo_h = logo.getSize()
        draw_h = 12 * mm
        draw_w = draw_h * logo_w / logo_h
        canvas.drawImage(logo, MARGIN, top - draw_h + 3 * mm, width=draw_w, height=draw_h, mask="auto")
        x = MARGIN + draw_w + 4 * mm
    canvas.setFont(FONT_BOLD, 10)
    canvas.drawString(x, top, info.municipality_name)
    if info.committee_name:
        canvas.setFont(FONT, 9)
        canvas.drawString(x, top - 4.5 * mm, info.committee_name)
    canvas.setFont(FONT, 9)
    if info.registry_number:
        canvas.drawRightString(width - MARGIN, top, f"Dnr {info.registry_number}")
    canvas.drawRightString(width - MARGIN, top - 4.5 * mm, info.issued_on.isoformat())
    canvas.setStrokeColor(colors.HexColor("#999999"))
    canvas.line(MARGIN, top - 8 * mm, width - MARGIN, top - 8 * mm)
    canvas.line(MARGIN, 16 * mm, width - MARGIN, 16 * mm)
    canvas.setFont(FONT, 8)
    canvas.drawString(MARGIN, 11 * mm, f"Verifieringskod {info.verification_code}")
    canvas.drawCentredString(width / 2, 11 * mm, info.title[:90])
    canvas.drawRightString(width - MARGIN, 11 * mm, f"Sida {number} av {total}")
    canvas.restoreState()


def build_pdf(info: DocumentFrame, story: list[Flowable]) -> bytes:
    """Lay out the story on A4 pages; the same input gives the same bytes (ReportLab's invariant mode)."""
    _register_fonts()
    buffer = BytesIO()
    document = BaseDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=30 * mm, bottomMargin=24 * mm,
        title=info.title, author=info.author, subject=info.subject, creator="Beslutsportalen",
        lang="sv-SE", invariant=1, initialFontName=FONT, initialFontSize=10,
    )
    frame = Frame(document.leftMargin, document.bottomMargin, document.width, document.height, id="body")
    document.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    class Canvas(_NumberedCanvas):
        frame_info = info

    document.build(story, canvasmaker=Canvas)
    return buffer.getvalue()
