"""The agenda, a minutes extract (protokollsutdrag) and the delegation report of a meeting as PDFs."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from portal.documents.pdf import DocumentFrame, build_pdf, paragraph, table
from portal.meetings.models import AgendaItem, Meeting
from portal.meetings.delegation_report import ReportGroup
from portal.money import format_money
from portal.org.bodies import speak_as


def _frame(meeting: Meeting, title: str, code: str, issued_on: date, municipality, registry_number=None):
    return DocumentFrame(municipality_name=municipality.name, title=title, verification_code=code,
                         issued_on=issued_on, committee_name=meeting.committee.name,
                         registry_number=registry_number, logo=municipality.logo, subject=title)


def _heading(meeting: Meeting) -> str:
    return _("%(committee)s, meeting %(date)s", committee=meeting.committee.name,
             date=meeting.meeting_date.isoformat())


def _report_story(groups: list[ReportGroup], with_appeal: bool) -> list:
    story: list = []
    if not groups:
        return [paragraph(_("No delegated decisions to report."))]
    for group in groups:
        story.append(paragraph(f"{group.type_label} · {_('rule %(number)s', number=group.rule_number)}", "h3"))
        head = [_("Registry number"), _("Amount"), _("Decision"), _("Decided by (position)"), _("Date")]
        if with_appeal:
            head.append(_("Appeal time ends"))
        rows = [head]
        for line in group.lines:
            position = line.position_title
            if line.further_delegated_by:
                position += " · " + _("Further delegation: reported to %(position)s too",
                                      position=line.further_delegated_by)
            number = line.registry_number + (f" ({_('urgent')})" if line.urgent else "")
            if line.summary:
                number += f" · {line.summary}"
            row = [number, format_money(line.amount_ore),
                   line.outcome_label, position, line.decision_date.isoformat()]
            if with_appeal:
                row.append(line.appeal_ends.isoformat() if line.appeal_ends else "")
            rows.append(row)
        story.append(table(rows))
    return story


def agenda_pdf(meeting: Meeting, report: list[ReportGroup] | None, *, code: str, issued_on: date,
               municipality) -> bytes:
    title = _("Agenda")
    story = [paragraph(title, "title"), paragraph(_heading(meeting)), paragraph(meeting.place)]
    for item in meeting.items:
        label = f"§ {item.paragraph} · {item.kind_label}"
        if item.matter is not None:
            label += f" · {item.matter.registry_number} {item.matter.type_label}, {format_money(item.matter.amount_ore)}"
        story += [paragraph(label, "h2"), paragraph(_("Proposal") + ": " + item.proposal)]
        if item.kind == "delegation_report" and report is not None:
            story += _report_story(report, with_appeal=False)
    return build_pdf(_frame(meeting, title, code, issued_on, municipality), story)


def minutes_extract_pdf(item: AgendaItem, *, code: str, issued_on: date, municipality) -> bytes:
    meeting = item.meeting
    title = _("Minutes extract")
    case = item.matter  # a referred case or batch write-off
    story = [paragraph(title, "title"), paragraph(_heading(meeting)), paragraph(item.reference, "h2")]
    if case is not None:
        story += [paragraph(f"{case.registry_number} · {case.type_label} · {format_money(case.amount_ore)}"),
                  paragraph(_("Proposal") + ": " + item.proposal),
                  paragraph(speak_as(meeting.committee.kind, _("The committee's decision")) + ": " + item.outcome_label
                            + (f": {item.decision_text}" if item.decision_text else ""))]
    story.append(paragraph(_("Minutes approved %(approved)s and posted %(posted)s.",
                             approved=meeting.minutes_approved_on.isoformat(),
                             posted=meeting.minutes_posted_on.isoformat())))
    return build_pdf(_frame(meeting, title, code, issued_on, municipality,
                            case.registry_number if case else None), story)


def delegation_report_pdf(meeting: Meeting, report: list[ReportGroup], *, code: str, issued_on: date,
                          municipality) -> bytes:
    title = _("Delegation report")
    story = [paragraph(title, "title"), paragraph(_heading(meeting))]
    if meeting.is_held:
        story.append(paragraph(_("Minutes approved %(approved)s and posted %(posted)s.",
                                 approved=meeting.minutes_approved_on.isoformat(),
                                 posted=meeting.minutes_posted_on.isoformat())))
    story += _report_story(report, with_appeal=meeting.is_held)
    return build_pdf(_frame(meeting, title, code, issued_on, municipality), story)
