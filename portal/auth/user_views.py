"""The administrator keeps users: create, change roles, set passwords, deactivate."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import access, clock
from portal.auth import services, sessions
from portal.auth.forms import ActiveForm, NewUserForm, PasswordForm, UserForm
from portal.auth.models import User
from portal.auth.roles import Role
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org.queries import absence_on, appointments_on
from portal.web import actor, confirm_step, is_confirmed, show_errors

bp = Blueprint("users", __name__, url_prefix="/admin/anvandare")


def _actor():
    return actor(access.capacity(current_user, access.MANAGE_USERS))


@bp.get("/")
@login_required
def index():
    access.require(current_user, access.MANAGE_USERS)
    users = db.session.scalars(select(User).order_by(User.full_name)).all()
    return render_template("users/index.html", users=users, form=NewUserForm())


@bp.post("/")
@login_required
def create():
    access.require(current_user, access.MANAGE_USERS)
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = services.user_create(
                _actor(),
                username=form.username.data,
                full_name=form.full_name.data,
                email=form.email.data,
                password=form.password.data,
                roles={Role(r) for r in form.roles.data},
                external_id=form.external_id.data,
            )
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            flash(_("The user %(name)s was created.", name=user.username), "success")
            return redirect(url_for("users.show", user_id=user.id), code=303)
    users = db.session.scalars(select(User).order_by(User.full_name)).all()
    return render_template("users/index.html", users=users, form=form), 422


@bp.get("/<id:user_id>")
@login_required
def show(user_id: int):
    user = db.get_or_404(User, user_id)
    access.require(current_user, access.VIEW_USER, user)
    return _show(user)


def _show(user: User, form=None, password_form=None, status: int = 200):
    today = clock.today()
    form = form or UserForm(obj=user, roles=[r.value for r in user.roles])
    return (
        render_template(
            "users/show.html",
            user=user,
            form=form,
            password_form=password_form or PasswordForm(),
            active_form=ActiveForm(active=user.is_active_account),
            appointments=appointments_on(user.id, today),
            absence=absence_on(user.id, today),
            may_manage=access.allowed(current_user, access.MANAGE_USERS),
            open_sessions=len(sessions.open_sessions(user.id)),
        ),
        status,
    )


@bp.post("/<id:user_id>")
@login_required
def update(user_id: int):
    user = db.get_or_404(User, user_id)
    access.require(current_user, access.MANAGE_USERS)
    form = UserForm()
    if form.validate_on_submit():
        try:
            services.user_update(
                _actor(), user, full_name=form.full_name.data, email=form.email.data,
                roles={Role(r) for r in form.roles.data}, external_id=form.external_id.data,
            )
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            flash(_("The changes were saved."), "success")
            return redirect(url_for("users.show", user_id=user.id), code=303)
    return _show(user, form=form, status=422)


@bp.post("/<id:user_id>/losenord")
@login_required
def set_password(user_id: int):
    user = db.get_or_404(User, user_id)
    access.require(current_user, access.MANAGE_USERS)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.user_set_password(_actor(), user, form.password.data)
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            flash(_("The new password was set."), "success")
            return redirect(url_for("users.show", user_id=user.id), code=303)
    return _show(user, password_form=form, status=422)


@bp.post("/<id:user_id>/aktiv")
@login_required
def set_active(user_id: int):
    user = db.get_or_404(User, user_id)
    access.require(current_user, access.MANAGE_USERS)
    form = ActiveForm()
    if form.validate_on_submit():
        try:
            services.user_set_active(_actor(), user, bool(form.active.data))
        except ValidationFailed as failure:
            flash(next(iter(failure.errors.values())), "error")
            return _show(user, status=422)
        db.session.commit()
        flash(_("The account was activated.") if user.is_active_account
              else _("The account was deactivated."), "success")
    return redirect(url_for("users.show", user_id=user.id), code=303)


@bp.post("/<id:user_id>/inloggningar/avsluta")
@login_required
def end_sessions(user_id: int):
    user = db.get_or_404(User, user_id)
    access.require(current_user, access.MANAGE_USERS)
    if not is_confirmed():
        return confirm_step(
            title=_("End all sign-ins"),
            question=_("End every sign-in of %(name)s? They must sign in again wherever they were "
                       "signed in.", name=user.full_name),
            button=_("End all sign-ins"), cancel_url=url_for("users.show", user_id=user.id))
    ended = sessions.session_end_all(_actor(), user)
    db.session.commit()
    flash(ngettext("%(num)d sign-in was ended.", "%(num)d sign-ins were ended.", ended), "success")
    if user.id == current_user.id:
        return redirect(url_for("auth.login"), code=303)
    return redirect(url_for("users.show", user_id=user.id), code=303)
