"""The internal-control report as a PDF for the audit file: each objective, its mark in words and
colour, what was checked and the rows behind it."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.platypus import Table, TableStyle

from portal.documents.pdf import DocumentFrame, build_pdf, paragraph, table
from portal.reports.control import ROWS_SHOWN, Objective, Period
from portal.reports.rules import Mark

MARK_COLOURS = {Mark.GREEN: "#14532d", Mark.AMBER: "#8a5a00", Mark.RED: "#a4161a"}


def mark_words(mark: Mark) -> str:
    return {Mark.GREEN: _("Objective met"), Mark.AMBER: _("Partly met"), Mark.RED: _("Not met")}[mark]


def _mark(mark: Mark) -> Table:
    badge = Table([[paragraph(mark_words(mark), "cell")]], style=TableStyle([
        ("BOX", (0, 0), (-1, -1), 1.2, colors.HexColor(MARK_COLOURS[mark])),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]), hAlign="LEFT")
    return badge


def internal_control_pdf(objectives: list[Objective], period: Period, day: date, code: str,
                         municipality, issued_by_name: str, legal_person: str | None = None) -> bytes:
    title = _("Internal control %(date)s", date=day.isoformat())
    if legal_person:
        title = f"{title}: {legal_person}"
    frame = DocumentFrame(municipality_name=municipality.name, title=title, verification_code=code, issued_on=day,
                          logo=municipality.logo, subject=_("Internal control of delegated decisions on receivables"))
    story: list = [
        paragraph(title, "title"),
        paragraph(_("The control objectives of the audits of collection and delegation, answered from the "
                    "portal's data on %(date)s. Decisions checked: %(period)s. Issued by %(person)s.",
                    date=day.isoformat(), period=period.words(), person=issued_by_name)),
        *([paragraph(_("A company has no delegation report: the reporting objective does not apply."))]
          if not period.reporting else []),
        table([[_("Control objective"), _("Assessment")]]
              + [[objective.title, mark_words(objective.mark)] for objective in objectives]),
    ]
    for objective in objectives:
        story += [paragraph(objective.title, "h2"), _mark(objective.mark), paragraph(objective.statement)]
        if objective.rows:
            story.append(table([objective.columns, *objective.rows]))
            if objective.count > len(objective.rows) and len(objective.rows) >= ROWS_SHOWN:
                story.append(paragraph(_("The first %(shown)s of %(count)s rows are shown.", shown=len(objective.rows),
                                         count=objective.count), "small"))
        if objective.sql:
            story += [paragraph(_("The query that was run"), "h3"), paragraph(objective.sql, "small")]
    return build_pdf(frame, story)
