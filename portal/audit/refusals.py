"""Refusals the whole app shares, recorded in one place: a 403 on a page or object, and an upload
refused for its size (413). Refusals a service makes (a decision, a file's type) it records itself."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, g, request
from flask_login import current_user

from portal.audit.services import Actor, record_refusal

ACCESS_DENIED = "access.denied"
UPLOAD_REFUSED = "upload.refused"


def object_type_of(obj: Any) -> str:
    """`SchemeVersion` -> `scheme_version`: the name the trail uses for a kind of object."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(obj).__name__).lower()


def _actor() -> Actor | None:
    if not getattr(current_user, "is_authenticated", False):
        return None
    return Actor(user_id=current_user.id, username=current_user.username, capacity=None,
                 address=request.remote_addr, user_agent=request.user_agent.string)


def _after_request(response):
    if response.status_code not in (403, 413):
        return response
    who = _actor()
    if who is None:
        return response
    details = {"path": request.path[:200], "method": request.method}
    if response.status_code == 413:
        record_refusal(who, UPLOAD_REFUSED, "page", None, details={**details, "too_large": True})
        return response
    permission, obj = g.pop("audit_denied", (None, None))
    object_type, object_id = "page", None
    if obj is not None and getattr(obj, "id", None) is not None:
        object_type, object_id = object_type_of(obj), obj.id
    if permission:
        details["permission"] = permission
    record_refusal(who, ACCESS_DENIED, object_type, object_id, details=details)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_after_request)
