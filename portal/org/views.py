"""Pages that keep the organisation: municipality, committees, units, positions, appointments, absences."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import access, clock
from portal.auth.models import User
from portal.delegation import queries as delegation_queries
from portal.extensions import db
from portal.org import confirmations, queries, services
from portal.org.forms import (
    NONE_CHOICE,
    AbsenceForm,
    AppointmentForm,
    CommitteeForm,
    MunicipalityForm,
    OwnAbsenceForm,
    PositionForm,
    UnitForm,
)
from portal.errors import ValidationFailed
from portal.org.models import Absence, Appointment, Committee, OrgUnit, PendingRegistration, Position
from portal.web import actor, page_or_partial, saved, submitted, wants_partial

bp = Blueprint("org", __name__, url_prefix="/organisation")


def _editor():
    access.require(current_user, access.EDIT_ORGANISATION)
    return actor(access.capacity(current_user, access.EDIT_ORGANISATION))


def _may_edit() -> bool:
    return access.allowed(current_user, access.EDIT_ORGANISATION)


def held_notice(result) -> dict:
    """A registration that would make its registering person a decider was held, not saved: say so
    (in the swapped partial for htmx, as a message on the next page otherwise)."""
    if not isinstance(result, PendingRegistration):
        return {}
    if not wants_partial():
        flash(_("This registration would make you a decider, so it has not taken effect: it waits for "
                "another person with the same right to confirm it under Registrations to confirm."), "info")
    return {"held_registration": result}


# --- choices -------------------------------------------------------------------------------------

def _user_choices(blank: bool = False):
    users = db.session.scalars(
        select(User).where(User.is_active_account.is_(True)).order_by(User.full_name)
    ).all()
    return ([NONE_CHOICE] if blank else [("", _("Choose a person"))]) + [
        (u.id, f"{u.full_name} ({u.username})") for u in users
    ]


def _unit_choices(committee_id: int, exclude: int | None = None):
    units = queries.units_of_committee(committee_id)
    return [NONE_CHOICE] + [
        (u.id, "— " * queries.unit_depth(u) + u.name) for u in units if u.id != exclude
    ]


def _position_choices(exclude: int | None = None):
    rows = db.session.execute(
        select(Position, Committee.code)
        .join(Committee, Committee.id == Position.committee_id)
        .where(Position.active.is_(True))
        .order_by(Committee.code, Position.title)
    ).all()
    return [NONE_CHOICE] + [(p.id, f"{p.title} ({code})") for p, code in rows if p.id != exclude]


def _committee_form(committee: Committee | None = None, **kwargs) -> CommitteeForm:
    form = CommitteeForm(obj=committee, **kwargs)
    mains = db.session.scalars(
        select(Committee).where(Committee.parent_id.is_(None)).order_by(Committee.name)
    ).all()
    form.parent_id.choices = [("", _("None: a main committee"))] + [
        (c.id, f"{c.name} ({c.code})") for c in mains if committee is None or c.id != committee.id
    ]
    return form


def _unit_form(committee_id: int, unit: OrgUnit | None = None, **kwargs) -> UnitForm:
    form = UnitForm(obj=unit, **kwargs)
    form.parent_id.choices = _unit_choices(committee_id, exclude=unit.id if unit else None)
    return form


def _position_form(committee_id: int, position: Position | None = None, **kwargs) -> PositionForm:
    form = PositionForm(obj=position, **kwargs)
    form.org_unit_id.choices = _unit_choices(committee_id)
    form.standing_standin_position_id.choices = _position_choices(exclude=position.id if position else None)
    return form


def _appointment_form(appointment: Appointment | None = None, **kwargs) -> AppointmentForm:
    form = AppointmentForm(obj=appointment, **kwargs)
    form.user_id.choices = _user_choices()
    return form


def _absence_form(absence: Absence | None = None, **kwargs) -> AbsenceForm:
    form = AbsenceForm(obj=absence, **kwargs)
    form.user_id.choices = _user_choices()
    form.standin_user_id.choices = _user_choices(blank=True)
    return form


# --- overview and municipality -------------------------------------------------------------------

def _committees_context(form: CommitteeForm | None = None) -> dict:
    return {"committees": queries.committees_tree(), "form": form or _committee_form(),
            "may_edit": _may_edit()}


@bp.get("/")
@login_required
def index():
    access.require(current_user, access.VIEW_ORGANISATION)
    return render_template(
        "org/index.html", municipality=services.municipality_get(), **_committees_context(),
        gaps=delegation_queries.delegation_gaps(current_user, clock.today()),
    )


@bp.route("/kommun", methods=["GET", "POST"])
@login_required
def municipality():
    editor = _editor()
    current = services.municipality_get()
    form = MunicipalityForm(obj=current)
    def update():
        upload = form.logo.data
        logo = upload.read() if upload and getattr(upload, "filename", "") else None
        return services.municipality_update(
            editor, name=form.name.data, organisation_number=form.organisation_number.data, logo=logo
        )

    done, _result = submitted(form, update)
    if done:
        flash(_("The changes were saved."), "success")
        return redirect(url_for("org.index"), code=303)
    status = 422 if form.errors else 200
    return render_template("org/municipality.html", form=form, municipality=current), status


@bp.get("/kommun/logotyp")
@login_required
def logo():
    access.require(current_user, access.VIEW_ORGANISATION)
    current = services.municipality_get()
    if not current.logo:
        abort(404)
    return Response(current.logo, mimetype=current.logo_mimetype)


# --- committees ----------------------------------------------------------------------------------

@bp.post("/namnder")
@login_required
def committee_create():
    editor = _editor()
    form = _committee_form()
    done, committee = submitted(form, lambda: services.committee_save(
        editor, None, name=form.name.data, code=form.code.data, parent_id=form.parent_id.data,
        registry_format=form.registry_format.data, active=True, kind=form.kind.data,
    ))
    if done:
        return saved("org/_committees.html", url_for("org.committee", committee_id=committee.id),
                     **_committees_context())
    return page_or_partial("org/index.html", "org/_committees.html", 422,
                           municipality=services.municipality_get(), **_committees_context(form))


def _committee_page_context(committee: Committee) -> dict:
    positions = queries.positions_of_committee(committee.id)
    holders = queries.holders_on([p.id for p in positions], clock.today())
    return {
        "committee": committee,
        "units": queries.units_of_committee(committee.id),
        "unit_depth": queries.unit_depth,
        "positions": positions,
        "holders": holders,
        "absent_ids": queries.absent_user_ids_on(
            [u.id for users in holders.values() for u in users], clock.today()),
        "unit_form": _unit_form(committee.id),
        "position_form": _position_form(committee.id),
        "may_edit": _may_edit(),
    }


@bp.get("/namnder/<id:committee_id>")
@login_required
def committee(committee_id: int):
    committee = db.get_or_404(Committee, committee_id)
    access.require(current_user, access.VIEW_COMMITTEE, committee)
    return render_template("org/committee.html", **_committee_page_context(committee))


@bp.route("/namnder/<id:committee_id>/redigera", methods=["GET", "POST"])
@login_required
def committee_edit(committee_id: int):
    committee = db.get_or_404(Committee, committee_id)
    editor = _editor()
    if request.args.get("view") == "details":
        return render_template("org/_committee_details.html", committee=committee, may_edit=True)
    form = _committee_form(committee)
    done, _result = submitted(form, lambda: services.committee_save(
        editor, committee, name=form.name.data, code=form.code.data,
        parent_id=form.parent_id.data, registry_format=form.registry_format.data,
        active=form.active.data, kind=form.kind.data,
    ))
    if done:
        return saved("org/_committee_details.html",
                     url_for("org.committee", committee_id=committee.id),
                     committee=committee, may_edit=True)
    return page_or_partial("org/edit_page.html", "org/_committee_form.html",
                           422 if form.errors else 200, form=form, committee=committee,
                           partial="org/_committee_form.html", title=_("Change committee"),
                           back=url_for("org.committee", committee_id=committee.id))


# --- units ---------------------------------------------------------------------------------------

@bp.post("/namnder/<id:committee_id>/enheter")
@login_required
def unit_create(committee_id: int):
    committee = db.get_or_404(Committee, committee_id)
    editor = _editor()
    form = _unit_form(committee.id)
    done, _result = submitted(form, lambda: services.unit_save(
        editor, None, name=form.name.data, kind=form.kind.data, code=form.code.data,
        parent_id=form.parent_id.data, committee_id=committee.id,
    ))
    if done:
        return saved("org/_units.html", url_for("org.committee", committee_id=committee.id),
                     **_committee_page_context(committee))
    context = _committee_page_context(committee) | {"unit_form": form}
    return page_or_partial("org/committee.html", "org/_units.html", 422, **context)


@bp.route("/enheter/<id:unit_id>/redigera", methods=["GET", "POST"])
@login_required
def unit_edit(unit_id: int):
    unit = db.get_or_404(OrgUnit, unit_id)
    editor = _editor()
    row = {"unit": unit, "depth": queries.unit_depth(unit), "may_edit": True}
    if request.args.get("view") == "row":
        return render_template("org/_unit_row.html", **row)
    form = _unit_form(unit.committee_id, unit)
    done, _result = submitted(form, lambda: services.unit_save(
        editor, unit, name=form.name.data, kind=form.kind.data, code=form.code.data,
        parent_id=form.parent_id.data, committee_id=unit.committee_id, active=form.active.data,
    ))
    if done:
        return saved("org/_unit_row.html",
                     url_for("org.committee", committee_id=unit.committee_id), **row)
    return page_or_partial("org/edit_page.html", "org/_unit_edit_row.html",
                           422 if form.errors else 200, form=form, unit=unit,
                           partial="org/_unit_form.html", title=_("Change department or unit"),
                           back=url_for("org.committee", committee_id=unit.committee_id))


# --- positions and appointments ------------------------------------------------------------------

@bp.post("/namnder/<id:committee_id>/befattningar")
@login_required
def position_create(committee_id: int):
    committee = db.get_or_404(Committee, committee_id)
    editor = _editor()
    form = _position_form(committee.id)
    done, position = submitted(form, lambda: services.position_save(
        editor, None, title=form.title.data, kind=form.kind.data, committee_id=committee.id,
        org_unit_id=form.org_unit_id.data,
        standing_standin_position_id=form.standing_standin_position_id.data,
    ))
    if done:
        held = held_notice(position)
        target = (url_for("org.committee", committee_id=committee.id) if held
                  else url_for("org.position", position_id=position.id))
        return saved("org/_positions.html", target, **_committee_page_context(committee), **held)
    context = _committee_page_context(committee) | {"position_form": form}
    return page_or_partial("org/committee.html", "org/_positions.html", 422, **context)


def _position_context(position: Position, appointment_form: AppointmentForm | None = None) -> dict:
    holders = queries.holders_on([position.id], clock.today())[position.id]
    return {
        "position": position,
        "holders": holders,
        "absent_ids": queries.absent_user_ids_on([u.id for u in holders], clock.today()),
        "appointment_form": appointment_form or _appointment_form(),
        "may_edit": _may_edit(),
    }


@bp.get("/befattningar/<id:position_id>")
@login_required
def position(position_id: int):
    position = db.get_or_404(Position, position_id)
    access.require(current_user, access.VIEW_COMMITTEE, position.committee)
    return render_template("org/position.html", **_position_context(position))


@bp.route("/befattningar/<id:position_id>/redigera", methods=["GET", "POST"])
@login_required
def position_edit(position_id: int):
    position = db.get_or_404(Position, position_id)
    editor = _editor()
    if request.args.get("view") == "details":
        return render_template("org/_position_details.html", **_position_context(position))
    form = _position_form(position.committee_id, position)
    done, result = submitted(form, lambda: services.position_save(
        editor, position, title=form.title.data, kind=form.kind.data,
        committee_id=position.committee_id, org_unit_id=form.org_unit_id.data,
        standing_standin_position_id=form.standing_standin_position_id.data,
        active=form.active.data,
    ))
    if done:
        return saved("org/_position_details.html", url_for("org.position", position_id=position.id),
                     **_position_context(position), **held_notice(result))
    return page_or_partial("org/edit_page.html", "org/_position_form.html",
                           422 if form.errors else 200, form=form, position=position,
                           partial="org/_position_form.html", title=_("Change position"),
                           back=url_for("org.position", position_id=position.id))


@bp.post("/befattningar/<id:position_id>/forordnanden")
@login_required
def appointment_create(position_id: int):
    position = db.get_or_404(Position, position_id)
    editor = _editor()
    form = _appointment_form()
    done, result = submitted(form, lambda: services.appointment_save(
        editor, None, user_id=form.user_id.data, position_id=position.id,
        starts_on=form.starts_on.data, ends_on=form.ends_on.data,
    ))
    if done:
        return saved("org/_appointments.html", url_for("org.position", position_id=position.id),
                     **_position_context(position), **held_notice(result))
    return page_or_partial("org/position.html", "org/_appointments.html", 422,
                           **_position_context(position, form))


@bp.route("/forordnanden/<id:appointment_id>/redigera", methods=["GET", "POST"])
@login_required
def appointment_edit(appointment_id: int):
    appointment = db.get_or_404(Appointment, appointment_id)
    editor = _editor()
    row = {"appointment": appointment, "may_edit": True}
    if request.args.get("view") == "row":
        return render_template("org/_appointment_row.html", **row)
    form = _appointment_form(appointment)
    done, result = submitted(form, lambda: services.appointment_save(
        editor, appointment, user_id=form.user_id.data, position_id=appointment.position_id,
        starts_on=form.starts_on.data, ends_on=form.ends_on.data,
    ))
    if done:
        return saved("org/_appointment_row.html",
                     url_for("org.position", position_id=appointment.position_id), **row, **held_notice(result))
    return page_or_partial("org/edit_page.html", "org/_appointment_edit_row.html",
                           422 if form.errors else 200, form=form, appointment=appointment,
                           partial="org/_appointment_form.html", title=_("Change appointment"),
                           back=url_for("org.position", position_id=appointment.position_id))


# --- absences ------------------------------------------------------------------------------------
# Organisation editors register anyone's absence; a holder of a position her own (with her stand-in
# and until when); a stand-in reads whom she stands in for. Which rows each reads: queries.absences_in_sight.

def _own_absence_form(absence: Absence | None = None, **kwargs) -> OwnAbsenceForm:
    form = OwnAbsenceForm(obj=absence, **kwargs)
    form.standin_user_id.choices = [NONE_CHOICE] + [
        (u.id, f"{u.full_name} ({u.username})") for u in queries.colleagues_of(current_user.id, clock.today())]
    return form


def _absences_context(form: AbsenceForm | OwnAbsenceForm | None = None) -> dict:
    today = clock.today()
    may_edit = _may_edit()
    may_register_own = not may_edit and access.allowed(current_user, access.REGISTER_OWN_ABSENCE)
    if form is None:
        form = _absence_form() if may_edit else _own_absence_form() if may_register_own else None
    return {"absences": queries.absences_in_sight(current_user, today), "form": form, "may_edit": may_edit,
            "may_register_own": may_register_own,
            "duties": [d for d in queries.standin_duties(current_user.id, today) if d.basis == "standing_standin"]}


def _absence_actor(absence: Absence | None):
    """An editor acts on any absence; anyone else only on her own (a 403, recorded, otherwise)."""
    if _may_edit():
        return _editor(), False
    access.require(current_user, access.REGISTER_OWN_ABSENCE, absence)
    return actor("holder"), True


@bp.get("/franvaro")
@login_required
def absences():
    access.require(current_user, access.VIEW_ABSENCES)
    return render_template("org/absences.html", **_absences_context())


@bp.post("/franvaro")
@login_required
def absence_create():
    who, own = _absence_actor(None)
    if own:
        form = _own_absence_form()
        done, result = submitted(form, lambda: services.own_absence_save(
            who, None, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            standin_user_id=form.standin_user_id.data, note=form.note.data))
    else:
        form = _absence_form()
        done, result = submitted(form, lambda: services.absence_save(
            who, None, user_id=form.user_id.data, starts_on=form.starts_on.data,
            ends_on=form.ends_on.data, standin_user_id=form.standin_user_id.data, note=form.note.data,
        ))
    if done:
        return saved("org/_absences.html", url_for("org.absences"), **_absences_context(), **held_notice(result))
    return page_or_partial("org/absences.html", "org/_absences.html", 422, **_absences_context(form))


@bp.route("/franvaro/<id:absence_id>/redigera", methods=["GET", "POST"])
@login_required
def absence_edit(absence_id: int):
    absence = db.get_or_404(Absence, absence_id)
    who, own = _absence_actor(absence)
    row = {"absence": absence, "may_edit": not own, "may_register_own": own}
    if request.args.get("view") == "row":
        return render_template("org/_absence_row.html", **row)
    if own:
        form = _own_absence_form(absence)
        done, result = submitted(form, lambda: services.own_absence_save(
            who, absence, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            standin_user_id=form.standin_user_id.data, note=form.note.data))
    else:
        form = _absence_form(absence)
        done, result = submitted(form, lambda: services.absence_save(
            who, absence, user_id=form.user_id.data, starts_on=form.starts_on.data,
            ends_on=form.ends_on.data, standin_user_id=form.standin_user_id.data, note=form.note.data,
        ))
    if done:
        return saved("org/_absence_row.html", url_for("org.absences"), **row, **held_notice(result))
    return page_or_partial("org/edit_page.html", "org/_absence_edit_row.html",
                           422 if form.errors else 200, form=form, absence=absence,
                           partial="org/_absence_form.html", title=_("Change absence"),
                           back=url_for("org.absences"))


@bp.post("/franvaro/<id:absence_id>/ta-bort")
@login_required
def absence_delete(absence_id: int):
    absence = db.get_or_404(Absence, absence_id)
    who, _own = _absence_actor(absence)
    services.absence_delete(who, absence)
    db.session.commit()
    if not wants_partial():
        flash(_("The absence was removed."), "success")
    return saved("org/_absences.html", url_for("org.absences"), **_absences_context())


# --- registrations waiting for a second person (RULINGS 9) ---------------------------------------

def _registrations_context(error: str | None = None) -> dict:
    items = []
    for registration in confirmations.registrations_in_sight(current_user):
        what, details = confirmations.describe(registration)
        own = confirmations.may_withdraw(current_user, registration)
        items.append({"registration": registration, "what": what, "details": details, "own": own,
                      "may_decide": confirmations.may_refuse(current_user, registration)})
    return {"items": items, "error": error}


@bp.get("/bekraftelser")
@login_required
def registrations():
    access.require(current_user, access.REVIEW_REGISTRATIONS)
    return render_template("org/registrations.html", **_registrations_context())


def _registration_step(registration_id: int, step, allowed, done_message: str):
    """Load (404), authorise (403), the step, commit, back to the list (303)."""
    registration = db.get_or_404(PendingRegistration, registration_id)
    access.require(current_user, access.REVIEW_REGISTRATIONS)
    if not allowed(current_user, registration):
        abort(403)
    right = (access.FURTHER_DELEGATION if registration.kind == "further_delegation"
             else access.EDIT_ORGANISATION)
    try:
        step(actor(access.capacity(current_user, right)), registration)
    except confirmations.OwnRegistration as refused:
        db.session.commit()  # the refusal's audit entry alone: nothing else was changed
        message = " ".join(refused.errors.values())
        return render_template("org/registrations.html", **_registrations_context(message)), 403
    except ValidationFailed as failure:
        db.session.rollback()
        flash(" ".join(failure.errors.values()), "error")
        return redirect(url_for("org.registrations"), code=303)
    db.session.commit()
    flash(done_message, "success")
    return redirect(url_for("org.registrations"), code=303)


@bp.post("/bekraftelser/<id:registration_id>/bekrafta")
@login_required
def registration_confirm(registration_id: int):
    return _registration_step(registration_id, confirmations.confirm, confirmations.may_decide,
                              _("The registration was confirmed and has taken effect."))


@bp.post("/bekraftelser/<id:registration_id>/avvisa")
@login_required
def registration_refuse(registration_id: int):
    return _registration_step(registration_id, confirmations.refuse, confirmations.may_refuse,
                              _("The registration was refused: it does not take effect."))


@bp.post("/bekraftelser/<id:registration_id>/ta-tillbaka")
@login_required
def registration_withdraw(registration_id: int):
    return _registration_step(registration_id, confirmations.withdraw, confirmations.may_withdraw,
                              _("The registration was withdrawn."))

from portal.org import import_views  # noqa: E402,F401  (the import's pages, on this blueprint)
