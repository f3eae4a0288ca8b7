"""Meeting pages: meetings per committee, the agenda, recording the meeting, the delegation report,
members' read-only view of the cases on their agenda, and urgent decisions (6 kap 39 §)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import access, clock, params
from portal.batches.models import WriteOffBatch
from portal.cases import queries as case_queries
from portal.cases import services as case_services
from portal.cases.forms import NoteForm
from portal.cases.models import Case
from portal.cases.routing import check_decider, urgent_cover
from portal.cases.rules import Outcome
from portal.cases.terms import asked_schedule
from portal.downloads import file_response
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.meetings import delegation_report, queries, services
from portal.meetings.forms import (
    AgendaMatterForm,
    CorrectDatesForm,
    ItemDecisionForm,
    MeetingForm,
    RecordForm,
    UrgentDecisionForm,
    UrgentForm,
)
from portal.meetings.models import AgendaItem, Meeting
from portal.meetings.rules import CommitteeOutcome, ItemKind, appeal_ends
from portal.org.bodies import speak_as
from portal.org.models import Committee
from portal.org.queries import committees_tree
from portal.web import actor, page_or_partial, saved, show_errors, with_write_lock

bp = Blueprint("meetings", __name__, url_prefix="/sammantraden")


def _secretary():
    return actor(access.capacity(current_user, access.MANAGE_MEETINGS))


def _committees() -> list[Committee]:
    tree = []
    for committee in committees_tree():
        tree.append(committee)
        tree.extend(committee.sub_committees)
    return [c for c in tree if access.allowed(current_user, access.VIEW_MEETINGS, c)]


@bp.get("/")
@login_required
def index():
    access.require(current_user, access.VIEW_MEETINGS)
    return render_template("meetings/index.html", committees=_committees())


def _committee_context(committee: Committee, form: MeetingForm | None = None) -> dict:
    return {"committee": committee, "meetings": queries.meetings_of(committee.id),
            "form": form or MeetingForm(), "may_manage": access.allowed(current_user, access.MANAGE_MEETINGS, committee),
            "may_report": access.allowed(current_user, access.VIEW_DELEGATION_REPORT, committee)}


@bp.get("/namnder/<id:committee_id>")
@login_required
def committee(committee_id: int):
    committee = db.get_or_404(Committee, committee_id)
    access.require(current_user, access.VIEW_MEETINGS, committee)
    return render_template("meetings/committee.html", **_committee_context(committee))


@bp.post("/namnder/<id:committee_id>")
@login_required
def create(committee_id: int):
    committee = db.get_or_404(Committee, committee_id)
    access.require(current_user, access.MANAGE_MEETINGS, committee)
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            meeting = services.meeting_create(_secretary(), committee, meeting_date=form.meeting_date.data,
                                              place=form.place.data or "")
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            return redirect(url_for("meetings.show", meeting_id=meeting.id), code=303)
    return page_or_partial("meetings/committee.html", "meetings/_meetings.html", 422,
                           **_committee_context(committee, form))


# --- one meeting ----------------------------------------------------------------------------------

def _load(meeting_id: int) -> Meeting:
    meeting = queries.meeting_with_items(meeting_id)
    if meeting is None:
        abort(404)
    access.require(current_user, access.VIEW_MEETING, meeting)
    return meeting


def _meeting_context(meeting: Meeting, *, matter_form: AgendaMatterForm | None = None,
                     record_form: RecordForm | None = None, decision_forms: dict | None = None,
                     meeting_form: MeetingForm | None = None, correct_form: CorrectDatesForm | None = None,
                     waiting_page: int | None = None) -> dict:
    acts_for = access.allowed(current_user, access.MANAGE_MEETINGS, meeting)
    may_manage = acts_for and not meeting.is_held
    # What waits for an agenda is read only for whoever may put it on one, a page at a time.
    page = waiting_page or params.arg_int("vantar", 1, minimum=1, maximum=params.MAX_PAGE)
    waiting = queries.waiting_page(meeting.committee.main_committee_id, page) if may_manage else None
    decision_forms = decision_forms or {}
    for item in meeting.items:
        if item.is_referred and item.id not in decision_forms:
            decision_forms[item.id] = ItemDecisionForm(prefix=f"item{item.id}", outcome=item.outcome,
                                                       decision_text=item.decision_text)
    report_item = next((i for i in meeting.items if i.kind == ItemKind.DELEGATION_REPORT), None)
    return {"meeting": meeting, "may_manage": may_manage, "waiting": waiting, "matter_form": matter_form,
            "record_form": record_form or RecordForm(), "decision_forms": decision_forms,
            "report_item": report_item, "report": _report_page(meeting) if report_item else None,
            "may_issue": acts_for, "may_correct": acts_for and meeting.is_held,
            "report_issued": delegation_report.report_issued(meeting),
            "meeting_form": meeting_form or MeetingForm(formdata=None, obj=meeting),
            "correct_form": correct_form or CorrectDatesForm(formdata=None, obj=meeting),
            "documents": queries.documents_of(meeting)}


def _report_page(meeting: Meeting) -> delegation_report.ReportPage:
    """The report on the agenda a page of lines at a time (`?sida=`), with every group's totals:
    once issued (or the meeting recorded) what it listed then, until then what it would list."""
    page = params.arg_int("sida", 1, minimum=1, maximum=params.MAX_PAGE)
    if delegation_report.report_fixed(meeting):
        return delegation_report.reported_page(meeting, page)
    return delegation_report.unreported_page(meeting.committee_id, up_to=meeting.meeting_date, page=page)


@bp.get("/<id:meeting_id>")
@login_required
def show(meeting_id: int):
    meeting = _load(meeting_id)
    return render_template("meetings/meeting.html", **_meeting_context(meeting))


def _agenda_change(meeting: Meeting, change, status_form: dict, waiting_page: int | None = None):
    """Call one service on the agenda; htmx gets the agenda again, a plain form a redirect (to the
    waiting list's page it was on)."""
    try:
        change()
    except ValidationFailed as failure:
        db.session.rollback()
        meeting = _load(meeting.id)
        forms = [f for value in status_form.values() for f in (value.values() if isinstance(value, dict) else [value])]
        for form in forms:
            show_errors(form, failure)
        if not forms:
            for message in failure.errors.values():
                flash(message, "error")
        return page_or_partial("meetings/meeting.html", "meetings/_agenda.html", 422,
                               **_meeting_context(meeting, waiting_page=waiting_page, **status_form))
    db.session.commit()
    meeting = _load(meeting.id)
    return saved("meetings/_agenda.html",
                 url_for("meetings.show", meeting_id=meeting.id, vantar=waiting_page if waiting_page != 1 else None),
                 **_meeting_context(meeting, waiting_page=waiting_page))


@bp.post("/<id:meeting_id>/arenden")
@login_required
def add_matter(meeting_id: int):
    """A referred case or batch write-off of the waiting list goes on the agenda with its proposal."""
    meeting = _load(meeting_id)
    access.require(current_user, access.MANAGE_MEETINGS, meeting)
    form = AgendaMatterForm()
    page = form.waiting_page.data if not form.waiting_page.errors else None
    if not form.validate_on_submit():
        return page_or_partial("meetings/meeting.html", "meetings/_agenda.html", 422,
                               **_meeting_context(meeting, matter_form=form, waiting_page=page))
    model = WriteOffBatch if form.kind.data == "batch" else Case
    matter = db.session.get(model, form.matter_id.data)
    if matter is None:
        abort(404)
    return _agenda_change(meeting, lambda: services.agenda_add(_secretary(), meeting, matter, form.proposal.data or ""),
                          {"matter_form": form}, page)


@bp.post("/<id:meeting_id>/anmalan")
@login_required
def add_report(meeting_id: int):
    meeting = _load(meeting_id)
    access.require(current_user, access.MANAGE_MEETINGS, meeting)
    return _agenda_change(meeting, lambda: services.agenda_add_report(_secretary(), meeting), {})


def _load_item(item_id: int) -> AgendaItem:
    item = db.get_or_404(AgendaItem, item_id)
    access.require(current_user, access.VIEW_MEETING, item.meeting)
    access.require(current_user, access.MANAGE_MEETINGS, item.meeting)
    return item


@bp.post("/paragrafer/<id:item_id>/beslut")
@login_required
def item_decide(item_id: int):
    item = _load_item(item_id)
    meeting = item.meeting
    form = ItemDecisionForm(prefix=f"item{item.id}")
    if not form.validate_on_submit():
        return page_or_partial("meetings/meeting.html", "meetings/_agenda.html", 422,
                               **_meeting_context(meeting, decision_forms={item.id: form}))
    outcome = CommitteeOutcome(form.outcome.data) if form.outcome.data in set(CommitteeOutcome) else None
    return _agenda_change(meeting, lambda: services.item_decide(_secretary(), item, outcome=outcome,
                                                                decision_text=form.decision_text.data or ""),
                          {"decision_forms": {item.id: form}})


@bp.post("/paragrafer/<id:item_id>/ta-bort")
@login_required
def item_remove(item_id: int):
    item = _load_item(item_id)
    meeting = item.meeting
    return _agenda_change(meeting, lambda: services.item_remove(_secretary(), item), {})


@bp.post("/<id:meeting_id>/protokoll")
@with_write_lock
@login_required
def record(meeting_id: int):
    meeting = _load(meeting_id)
    access.require(current_user, access.MANAGE_MEETINGS, meeting)
    form = RecordForm()
    if not form.validate_on_submit():
        return page_or_partial("meetings/meeting.html", "meetings/_agenda.html", 422,
                               **_meeting_context(meeting, record_form=form))
    return _agenda_change(meeting, lambda: services.meeting_record(
        _secretary(), meeting, approved_on=form.minutes_approved_on.data, posted_on=form.minutes_posted_on.data),
        {"record_form": form})


@bp.post("/<id:meeting_id>/redigera")
@login_required
def edit(meeting_id: int):
    """Change a planned meeting's date or place."""
    meeting = _load(meeting_id)
    access.require(current_user, access.MANAGE_MEETINGS, meeting)
    form = MeetingForm()
    if not form.validate_on_submit():
        return page_or_partial("meetings/meeting.html", "meetings/_agenda.html", 422,
                               **_meeting_context(meeting, meeting_form=form))
    return _agenda_change(meeting, lambda: services.meeting_update(
        _secretary(), meeting, meeting_date=form.meeting_date.data, place=form.place.data or ""),
        {"meeting_form": form})


@bp.post("/<id:meeting_id>/protokoll/rattelse")
@login_required
def correct(meeting_id: int):
    """Correct a recorded meeting's justering or anslag date; the appeal times follow."""
    meeting = _load(meeting_id)
    access.require(current_user, access.MANAGE_MEETINGS, meeting)
    form = CorrectDatesForm()
    if not form.validate_on_submit():
        return page_or_partial("meetings/meeting.html", "meetings/_agenda.html", 422,
                               **_meeting_context(meeting, correct_form=form))
    return _agenda_change(meeting, lambda: services.meeting_correct_dates(
        _secretary(), meeting, approved_on=form.minutes_approved_on.data, posted_on=form.minutes_posted_on.data,
        reason=form.reason.data or ""), {"correct_form": form})


def _agenda_item(meeting_id: int, case_id: int) -> tuple[Meeting, AgendaItem]:
    meeting = _load(meeting_id)
    item = next((i for i in meeting.items if i.case_id == case_id), None)
    if item is None:
        abort(404)
    return meeting, item


@bp.get("/<id:meeting_id>/arenden/<id:case_id>")
@login_required
def case(meeting_id: int, case_id: int):
    """A case on the agenda, read-only, for those who read the meeting."""
    meeting, item = _agenda_item(meeting_id, case_id)
    return render_template("meetings/case.html", meeting=meeting, item=item, case=item.case,
                           note_form=NoteForm(), may_declare_conflict=_may_declare_conflict(item.case))


def _may_declare_conflict(case: Case) -> bool:
    return (case.decision is None and all(c.user_id != current_user.id for c in case.conflicts)
            and case_queries.may_declare_conflict(current_user, case, clock.today()))


@bp.post("/<id:meeting_id>/arenden/<id:case_id>/jav")
@login_required
def declare_conflict(meeting_id: int, case_id: int):
    """A member of the deciding committee declares jäv (kommunallagen 6 kap 28 §) in a case on the agenda."""
    meeting, item = _agenda_item(meeting_id, case_id)
    if not case_queries.may_declare_conflict(current_user, item.case, clock.today()):
        abort(403)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            case_services.conflict_declare(actor(None), item.case, form.note.data)
        except ValidationFailed as failure:
            db.session.rollback()
            for message in failure.errors.values():
                flash(message, "error")
        else:
            db.session.commit()
            flash(_("Your conflict of interest was recorded: you take no part in the case."), "success")
    return redirect(url_for("meetings.case", meeting_id=meeting.id, case_id=case_id), code=303)


# --- documents ------------------------------------------------------------------------------------

DOCUMENT_SLUGS = {"dagordning": "agenda", "anmalan": "delegation_report"}


def _issue(meeting: Meeting, kind: str, item: AgendaItem | None = None):
    try:
        services.meeting_document_issue(_secretary(), meeting, kind, item)
    except ValidationFailed as failure:
        db.session.rollback()
        for message in failure.errors.values():
            flash(message, "error")
    else:
        db.session.commit()
        flash(_("The document was issued."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id) + "#documents", code=303)


@bp.post("/<id:meeting_id>/dokument/<slug>")
@with_write_lock
@login_required
def issue(meeting_id: int, slug: str):
    meeting = _load(meeting_id)
    access.require(current_user, access.MANAGE_MEETINGS, meeting)
    if slug not in DOCUMENT_SLUGS:
        abort(404)
    return _issue(meeting, DOCUMENT_SLUGS[slug])


@bp.post("/paragrafer/<id:item_id>/protokollsutdrag")
@login_required
def issue_extract(item_id: int):
    item = _load_item(item_id)
    return _issue(item.meeting, "minutes_extract", item)


@bp.get("/<id:meeting_id>/dokument/<id:document_id>")
@login_required
def document(meeting_id: int, document_id: int):
    from portal.documents.models import IssuedDocument

    meeting = _load(meeting_id)
    issued = db.get_or_404(IssuedDocument, document_id)
    if issued.object_type != "meeting" or issued.object_id != str(meeting.id):
        abort(404)
    return file_response(issued.content, "application/pdf", f"{issued.kind}-{issued.verification_code}.pdf",
                         inline=True)


# --- the delegation report ------------------------------------------------------------------------

@bp.get("/namnder/<id:committee_id>/delegationsbeslut")
@login_required
def report(committee_id: int):
    committee = db.get_or_404(Committee, committee_id)
    access.require(current_user, access.VIEW_DELEGATION_REPORT, committee)
    # Paged by meeting, newest first, each report as its totals per type and rule: the meeting's page
    # lists its decisions and its issued report (PDF) holds them all. "Not yet reported" is counted in
    # the database and its first lines shown.
    reported = delegation_report.reported_meetings_page(
        committee.id, params.arg_int("sida", 1, minimum=1, maximum=params.MAX_PAGE))
    return render_template("meetings/report.html", committee=committee, unreported=delegation_report.unreported_page(committee.id),
                           reported=reported, appeal_ends=appeal_ends)


@bp.get("/vidaredelegerade-beslut")
@login_required
def further_delegated():
    """The department head's own list of decisions made under their further delegation (7 kap 8 §)."""
    access.require(current_user, access.FURTHER_DELEGATION)
    from portal.org.models import PositionKind
    from portal.org.queries import appointments_on

    held = [a.position_id for a in appointments_on(current_user.id, clock.today())
            if a.position.kind == PositionKind.DEPARTMENT_HEAD.value]
    groups = delegation_report.report_groups(delegation_report.further_delegated_decisions(held))
    return render_template("meetings/further_delegated.html", groups=groups)


# --- urgent matters (kommunallagen 6 kap 39 §) ------------------------------------------------------

@bp.post("/arenden/<id:case_id>/bradskande")
@login_required
def mark_urgent(case_id: int):
    case = db.get_or_404(Case, case_id)
    access.require(current_user, access.MARK_URGENT, case)
    form = UrgentForm()
    if form.validate_on_submit():
        try:
            services.case_mark_urgent(actor(access.capacity(current_user, access.PREPARE_CASE)), case,
                                      form.note.data or "")
        except ValidationFailed as failure:
            db.session.rollback()
            for message in failure.errors.values():
                flash(message, "error")
        else:
            db.session.commit()
            flash(_said(case_id, _("The case is marked urgent: the chair may decide it on the committee's behalf.")),
                  "success")
    return redirect(url_for("cases.show", case_id=case_id), code=303)


@bp.post("/arenden/<id:case_id>/bradskande/ta-bort")
@login_required
def unmark_urgent(case_id: int):
    """The case officer takes the urgent mark back; the case goes where the scheme sends it."""
    case = db.get_or_404(Case, case_id)
    access.require(current_user, access.MARK_URGENT, case)
    form = UrgentForm()
    if form.validate_on_submit():
        try:
            services.case_unmark_urgent(actor(access.capacity(current_user, access.PREPARE_CASE)), case,
                                        form.note.data or "")
        except ValidationFailed as failure:
            db.session.rollback()
            for message in failure.errors.values():
                flash(message, "error")
        else:
            db.session.commit()
            flash(_("The urgent mark was taken back: the case goes where the delegation scheme sends it."),
                  "success")
    return redirect(url_for("cases.show", case_id=case_id), code=303)


def _urgent_context(case: Case, form: UrgentDecisionForm | None = None) -> dict:
    """The urgent matter's page shows the full terms: it is the chair's page for the case (members
    read no case pages), so they decide on what the case officer asked, not on a summary."""
    from portal.delegation.models import WriteOffReason
    from portal.delegation.queries import names

    today = clock.today()
    check = check_decider(case, current_user.id, today) if case.urgent and case.decision is None else None
    return {"case": case, "form": form or UrgentDecisionForm(), "check": check,
            "schedule": asked_schedule(case, today),
            "decision_record": case_queries.decision_record(case.decision) if case.decision else None,
            "names": names(), "write_off_label": lambda value: WriteOffReason(value).label}


@bp.route("/arenden/<id:case_id>/bradskande-beslut", methods=["GET", "POST"])
@with_write_lock
@login_required
def urgent(case_id: int):
    case = db.get_or_404(Case, case_id)
    access.require(current_user, access.DECIDE_URGENT, case)
    form = UrgentDecisionForm()
    if form.validate_on_submit():
        try:
            check = check_decider(case, current_user.id, clock.today())
            capacity = f"{check.path.decider.capacity.value}:{check.path.rule_number}" if check and check.allowed else None
            case_services.case_decide(actor(capacity), case, case_services.DecisionInput(
                outcome=Outcome(form.outcome.data), reasons=form.reasons.data or "",
                no_conflict_confirmed=bool(form.no_conflict_confirmed.data)))
        except case_services.RoutingChanged as failure:
            db.session.commit()  # the re-routing stands (audited); the decision was not made
            case = db.get_or_404(Case, case_id)
            flash(failure.errors["case"], "error")
            return render_template("meetings/urgent.html", **_urgent_context(case, form)), 422
        except ValidationFailed as failure:
            db.session.rollback()
            case = db.get_or_404(Case, case_id)
            show_errors(form, failure)
            return render_template("meetings/urgent.html", **_urgent_context(case, form)), 422
        db.session.commit()
        flash(_said(case_id, _("The urgent decision was recorded; it will be reported at the committee's next "
                               "meeting.")), "success")
        return redirect(url_for("meetings.urgent", case_id=case_id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("meetings/urgent.html", **_urgent_context(case, form)), status


def _said(case_id: int, text: str) -> str:
    """A message about the case as it reads for the body the case belongs to."""
    return speak_as(db.session.get(Case, case_id).committee.kind, text)


@bp.app_context_processor
def _case_page_helpers():
    """The case page asks what meetings know about a case: its report and appeal end, urgency."""

    def meeting_facts(case: Case) -> dict:
        line = delegation_report.report_line_of(case.decision.id) if case.decision is not None else None
        posted = line.meeting.minutes_posted_on if line else None
        # The officer is offered the urgent mark only where an urgent rule of the scheme covers the
        # case (the service refuses it otherwise); the engine is asked only when it could matter.
        could_mark = (not case.urgent and case.state in ("awaiting_decision", "referred_to_committee")
                      and access.allowed(current_user, access.MARK_URGENT, case))
        cover = urgent_cover(case, clock.today()) if could_mark else None
        return {
            "report_line": line,
            "appeal_ends": appeal_ends(posted) if posted else None,
            "may_mark_urgent": cover is not None and cover.covered,
            "urgent_refused": services.urgent_refusal_text(cover) if cover is not None and not cover.covered else None,
            "may_unmark_urgent": (case.urgent and case.decision is None
                                  and case.state in ("awaiting_decision", "awaiting_consultation")
                                  and access.allowed(current_user, access.MARK_URGENT, case)),
            "may_decide_urgent": case.urgent and case.decision is None
            and access.allowed(current_user, access.DECIDE_URGENT, case),
            "urgent_form": UrgentForm(),
        }

    return {"meeting_facts": meeting_facts}
