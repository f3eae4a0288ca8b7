"""The auditor's pages: the trail searched and exported, the chain verified, the customer view log."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import access, clock
from portal.audit import chain, queries
from portal.audit.display import describe, describe_text
from portal.audit.forms import TrailFilterForm, ViewLogFilterForm
from portal.audit.labels import action_choices, action_from_slug, action_label, capacity_label, object_label
from portal.downloads import csv_response
from portal.extensions import db
from portal.web import page_or_partial

bp = Blueprint("audit", __name__, url_prefix="/granskning")

MAX_PAGE = 1_000_000


def _page_number() -> int:
    return min(max(1, request.args.get("sida", 1, type=int) or 1), MAX_PAGE)


def _args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k != "sida" and v}


def _trail_form() -> tuple[TrailFilterForm, queries.TrailFilters]:
    form = TrailFilterForm(request.args)
    form.action.choices = [("", _("All events")), *action_choices()]
    form.validate()

    def ok(field):
        return None if field.errors else (field.data or None)

    return form, queries.TrailFilters(
        case=ok(form.case), customer=ok(form.customer), person=ok(form.person),
        action=action_from_slug(ok(form.action)),
        date_from=ok(form.date_from), date_to=ok(form.date_to))


def _status(form) -> int:
    return 422 if form.errors else 200


@bp.get("/logg")
@login_required
def trail():
    access.require(current_user, access.VIEW_TRAIL)
    form, filters = _trail_form()
    page = queries.trail_page(filters, _page_number())
    people = queries.people_by_id({e.actor_id for e in page.items if e.actor_id})
    numbers = queries.registry_numbers({e.object_id for e in page.items if e.object_type == "case"})
    return page_or_partial("audit/trail.html", "audit/_trail_results.html", status=_status(form), form=form,
                           page=page, people=people, numbers=numbers, args=_args(), describe=describe,
                           action_label=action_label, capacity_label=capacity_label, object_label=object_label)


def _download(name: str, header: list[str], rows) -> Response:
    stamp = clock.local(clock.now()).strftime("%Y-%m-%d")
    return csv_response(f"{name}-{stamp}.csv", header, rows)


@bp.get("/logg.csv")
@login_required
def trail_csv():
    access.require(current_user, access.VIEW_TRAIL)
    form, filters = _trail_form()
    header = [_("Time"), _("Place in the chain"), _("Username"), _("Name"), _("Capacity"), _("Event"),
              _("About"), _("Object"), _("Registry number"), _("Details"), _("Address"), _("Before (data)"),
              _("After (data)"), _("Hash")]

    def rows():
        names: dict[int, str] = {}
        numbers: dict[str | None, str] = {}
        for entry in queries.trail_rows(filters):
            if entry.actor_id and entry.actor_id not in names:
                person = queries.people_by_id({entry.actor_id}).get(entry.actor_id)
                names[entry.actor_id] = person.full_name if person else ""
            number = ""
            if entry.object_type == "case":
                if entry.object_id not in numbers:
                    numbers.update(queries.registry_numbers({entry.object_id}) or {entry.object_id: ""})
                number = numbers.get(entry.object_id, "")
            yield [clock.local(entry.occurred_at).strftime("%Y-%m-%d %H:%M:%S"), entry.chain_seq,
                   entry.actor_name, names.get(entry.actor_id, ""), capacity_label(entry.capacity),
                   action_label(entry.action), object_label(entry.object_type), entry.object_id, number,
                   describe_text(entry), entry.address, _json(entry.before), _json(entry.after), entry.entry_hash]

    return _download(_("audit-trail"), header, rows())


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


@bp.get("/kedjan")
@login_required
def chain_check():
    access.require(current_user, access.VIEW_TRAIL)
    result = chain.verify(db.session.connection())
    return page_or_partial("audit/chain.html", "audit/chain.html", result=result, checked_at=clock.now())


# --- the customer view log --------------------------------------------------------------------------

def _view_form() -> tuple[ViewLogFilterForm, queries.ViewFilters]:
    form = ViewLogFilterForm(request.args)
    form.validate()

    def ok(field):
        return None if field.errors else (field.data or None)

    return form, queries.ViewFilters(customer=ok(form.customer), person=ok(form.person),
                                     date_from=ok(form.date_from), date_to=ok(form.date_to))


@bp.get("/kundvisningar")
@login_required
def customer_views():
    access.require(current_user, access.VIEW_CUSTOMER_LOG)
    form, filters = _view_form()
    page = queries.views_page(filters, _page_number())
    names = queries.customer_names({view.customer_id for view in page.items})
    return page_or_partial("audit/customer_views.html", "audit/_customer_view_results.html",
                           status=_status(form), form=form, page=page, names=names, args=_args(),
                           capacity_label=capacity_label)


@bp.get("/kundvisningar.csv")
@login_required
def customer_views_csv():
    access.require(current_user, access.VIEW_CUSTOMER_LOG)
    _form, filters = _view_form()
    header = [_("Time"), _("Customer"), _("Username"), _("Name"), _("Capacity"), _("Address")]

    def rows():
        for view, customer_name, username, full_name in queries.view_rows(filters):
            yield [clock.local(view.viewed_at).strftime("%Y-%m-%d %H:%M:%S"), customer_name, username, full_name,
                   capacity_label(view.capacity), view.address]

    return _download(_("customer-views"), header, rows())
