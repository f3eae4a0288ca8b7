"""Small helpers every view uses: partial-or-page for htmx, the acting user, and form errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import make_response, redirect, render_template, request
from flask_login import current_user
from wtforms import Form

from portal.audit.services import Actor
from portal.errors import ValidationFailed
from portal.extensions import db


def wants_partial() -> bool:
    """htmx asked for a fragment; boosted navigation and history restore get the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def page_or_partial(page_template: str, partial_template: str, status: int = 200, **context):
    """One view serves the full page and the htmx swap from the same partial template."""
    template = partial_template if wants_partial() else page_template
    return render_template(template, **context), status


def saved(partial_template: str, redirect_to: str, **context):
    """After a successful POST: htmx gets the fresh fragment, a plain form a 303 redirect."""
    if wants_partial():
        return render_template(partial_template, **context)
    return redirect(redirect_to, code=303)


CONFIRMED = "confirmed"


def is_confirmed() -> bool:
    """The person confirmed an irreversible step (the confirmation page, or a form's checkbox)."""
    return request.form.get(CONFIRMED) in ("y", "yes")


def confirm_step(*, title: str, question: str, button: str, cancel_url: str):
    """Ask before an irreversible step, with or without JavaScript: a page that posts what was posted
    again, with ``confirmed``, to the same address. An htmx request gets the question in the page's
    main area instead of the fragment it aimed at."""
    fields = [(name, value) for name, values in request.form.lists()
              if not name.endswith("csrf_token") and name != CONFIRMED for value in values]
    context = {"title": title, "question": question, "button": button, "cancel_url": cancel_url,
               "action": request.path, "fields": fields}
    if wants_partial():
        response = make_response(render_template("_confirm.html", **context))
        response.headers["HX-Retarget"] = "#main"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return render_template("confirm.html", **context)


def submitted(form: Form, call: Callable[[], Any]) -> tuple[bool, Any]:
    """Validate the form, call the service and commit: (True, what it returned).

    On invalid input or a service's ValidationFailed nothing is committed, the errors stand beside
    their fields, and the view renders the form again: (False, None).
    """
    if not form.validate_on_submit():
        return False, None
    try:
        result = call()
    except ValidationFailed as failure:
        show_errors(form, failure)
        return False, None
    db.session.commit()
    return True, result


def actor(capacity: str | None) -> Actor:
    return Actor(
        user_id=current_user.id,
        username=current_user.username,
        capacity=capacity,
        address=request.remote_addr,
        user_agent=request.user_agent.string,
    )


def show_errors(form: Form, failure: ValidationFailed) -> None:
    """Put a service's field errors beside the fields (unknown fields go to the form's own list)."""
    for name, message in failure.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), message]
        else:
            form.form_errors.append(message)


def with_write_lock(view):
    """Views that decide begin their transaction holding SQLite's write lock (see database.py).

    Put it above @login_required so that even loading the user happens inside the lock.
    """
    from functools import wraps

    from portal.database import take_write_lock

    @wraps(view)
    def wrapper(*args, **kwargs):
        take_write_lock()
        return view(*args, **kwargs)

    return wrapper


class UniqueIds:
    """A form's Meta for a page that holds several forms: element ids get the form's own prefix
    (``position-kind``, ``position-csrf_token``) so that no two forms share an id and every label
    points at its own field. Field names, and so the posted data, stay the same.

        class PositionForm(FlaskForm):
            class Meta(UniqueIds):
                id_prefix = "position"
    """

    id_prefix = ""

    def bind_field(self, form, unbound_field, options):
        if self.id_prefix:
            options = {**options, "id": f"{self.id_prefix}-{options.get('prefix') or ''}{options['name']}"}
        return super().bind_field(form, unbound_field, options)

