"""Small helpers every view uses: partial-or-page for htmx, the acting user, and form errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, render_template, request
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


def optional_int(value) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)
