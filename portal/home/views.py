"""Mina uppgifter: where every user lands, with what waits for them in each of their roles, their
positions and stand-in duties today and their absences."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user, login_required

from portal import access, clock, params
from portal.auth.roles import Role
from portal.delegation.queries import delegation_gaps
from portal.home import menu_count, queries
from portal.org.confirmations import to_confirm_count
from portal.org.queries import absence_on, appointments_on, secretary_committee_ids, standin_duties

bp = Blueprint("home", __name__)
bp.before_app_request(menu_count.forget_on_unsafe_request)

# The page of each of the start page's own lists in the query string (the queues': cases.views).
LIST_PAGE_ARGS = {"submitted": "mina_sida", "signatures": "underskrift_sida", "officer_to_execute": "bokas_sida",
                  "decided": "beslutat_sida"}


def _list_page(name: str) -> int:
    return params.arg_int(LIST_PAGE_ARGS[name], 1, minimum=1, maximum=params.MAX_PAGE)


def _role_lists(today) -> dict:
    """Each role's lists, read only for those who hold the role (the template shows what it gets)."""
    user = current_user
    lists: dict = {}
    if access.allowed(user, access.PREPARE_CASE):
        lists["submitted"] = queries.submitted_by(user.id, _list_page("submitted"))
        lists["signatures"] = queries.signatures_awaited_by(user.id, today, _list_page("signatures"))
        lists["officer_to_execute"] = queries.to_execute_of(user.id, _list_page("officer_to_execute"))
    committees = secretary_committee_ids(user.id, today) if Role.COMMITTEE_SECRETARY in user.roles else set()
    lists["secretary_work"] = queries.secretary_work(committees, today)
    if access.allowed(user, access.EDIT_SCHEMES):
        lists["scheme_drafts"] = queries.scheme_drafts()
        lists["missing_rate"] = queries.missing_reference_rate(today)
        lists["delegation_gaps"] = len(delegation_gaps(user, today))
    if access.allowed(user, access.IMPORT_LEDGER):
        lists["unmatched_payments"] = queries.unmatched_bank_payments()
        lists["recent_imports"] = queries.recent_imports()
    lists["auditor"] = access.allowed(user, access.VIEW_TRAIL)
    return lists


@bp.get("/")
@login_required
def index():
    from portal.cases.views import queue_context

    today = clock.today()
    menu_count.refresh()  # the page asks the engine for its queue: the menu's count is counted afresh
    appointments = appointments_on(current_user.id, today)
    duties = standin_duties(current_user.id, today)
    return render_template(
        "home/index.html",
        **queue_context(),
        **_role_lists(today),
        appointments=appointments,
        duties=duties,
        absence=absence_on(current_user.id, today),
        absences=queries.absences_of(current_user.id, today) if appointments or duties else [],
        decided=(queries.decided_by(current_user.id, today, page=_list_page("decided"))
                 if appointments or duties else None),
        to_confirm=to_confirm_count(current_user),
        batches_to_decide=queries.batches_to_decide(current_user.id, today),
    )


@bp.get("/antal-uppgifter")
@login_required
def task_count():
    """The number beside "Mina uppgifter" in the menu, as the menu renders it on every page: htmx
    refreshes it while a page stays open (to decide, to consult, drafts and returned cases, to book,
    batch write-offs to decide), counted afresh and kept for the pages that follow."""
    menu_count.refresh()
    return render_template("home/_task_count.html", count=queries.task_count(current_user, clock.today()))


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on every page (and beside every PDF): the portal's own icon.

    Sent as bytes, not as an open file: a browser that drops the request half-way (it often does for
    the icon) would otherwise leave the file handle to the garbage collector."""
    icon = (Path(current_app.static_folder) / "favicon.ico").read_bytes()
    response = Response(icon, mimetype="image/vnd.microsoft.icon")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response
