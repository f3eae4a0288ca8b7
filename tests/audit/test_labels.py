"""Every action, capacity and kind of object the trail holds reads in Swedish: no code on a page."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portal.audit import labels
from portal.audit.services import SYSTEM, record
from portal.auth.roles import Role
from portal.cases.rules import Step
from portal.delegation.results import Capacity

PORTAL = Path(__file__).resolve().parents[2] / "portal"
# Helpers whose action is a parameter: write_refusals() and the confirmations' _close().
PASSED_ON = {("audit", "services.py"), ("org", "confirmations.py"), ("batches", "services.py")}


def _calls(name: str):
    for path in PORTAL.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
                yield path, node


def _action_codes() -> set[str]:
    """Every action the code can write: literal ones, and the f-strings spelled out."""
    codes: set[str] = set()
    for name in ("record", "record_refusal"):
        for path, call in _calls(name):
            if len(call.args) < 2:
                continue
            action = call.args[1]
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                codes.add(action.value)
            elif isinstance(action, ast.IfExp):
                codes |= {branch.value for branch in (action.body, action.orelse)}
            elif isinstance(action, ast.JoinedStr) and ast.unparse(action) == "f'case.{step.value}'":
                codes |= {f"case.{step.value}" for step in Step}
            elif isinstance(action, ast.JoinedStr) and ast.unparse(action) in (
                    "f'{object_type}.create'", "f'{object_type}.update'"):
                verb = ast.unparse(action).split(".")[-1].rstrip("'")
                codes |= {f"{kind}.{verb}" for kind in _saved_object_types()}
            elif isinstance(action, ast.Name) and action.id in ("ACCESS_DENIED", "UPLOAD_REFUSED"):
                continue  # constants of refusals.py, named below
            elif isinstance(action, ast.Name | ast.Subscript) and (path.parent.name, path.name) in PASSED_ON:
                continue  # a helper that passes on its caller's action: its callers are read below
            else:
                raise AssertionError(f"{path}: an action the test cannot read: {ast.unparse(action)}")
    for path, call in _calls("_close"):  # org/confirmations.py: _close(actor, registration, state, action)
        if len(call.args) >= 4 and isinstance(call.args[3], ast.Constant):
            codes.add(call.args[3].value)
    for path, call in _calls("_move"):  # batches/services.py: _move(actor, batch, action, ...)
        if path.parent.name == "batches" and len(call.args) >= 3 and isinstance(call.args[2], ast.Constant):
            codes.add(call.args[2].value)
    return codes | {"access.denied", "upload.refused"}


def _saved_object_types() -> set[str]:
    kinds = set()
    for _path, call in _calls("_save"):
        last = call.args[-1] if call.args else None
        if isinstance(last, ast.Constant) and isinstance(last.value, str):
            kinds.add(last.value)
    assert {"committee", "invoice_category", "ledger_mapping"} <= kinds
    return kinds


def test_every_action_the_code_writes_has_a_label(app):
    codes = _action_codes()
    assert {"case.grant", "case.mark_urgent", "committee.update", "access.denied", "registration.confirm"} <= codes
    missing = sorted(codes - set(labels.ACTION_LABELS))
    assert not missing, f"actions without a Swedish label: {missing}"


@pytest.mark.parametrize("action", sorted(labels.ACTION_LABELS))
def test_every_known_action_renders_in_swedish(app, action):
    from flask import render_template_string

    with app.test_request_context():
        shown = render_template_string("{{ label(code) }}", label=labels.action_label, code=action)
    assert shown and shown != str(labels.ACTION_LABELS[action]._args[0])
    assert action not in shown and "_" not in shown


def test_capacities_and_roles_render_in_swedish(app):
    codes = [r.value for r in Role] + [c.value for c in Capacity] + list(labels.CAPACITY_LABELS)
    with app.test_request_context():
        for code in codes:
            shown = labels.capacity_label(code)
            assert shown and shown != code and "_" not in shown, code
        assert labels.capacity_label("standin:1.1") == "ersättare, punkt 1.1"
        assert labels.capacity_label("finance_director") == "Ekonomichef"


def test_every_object_kind_renders_in_swedish(app):
    with app.test_request_context():
        for kind in labels.OBJECT_LABELS:
            assert "_" not in labels.object_label(kind)


def test_an_action_without_a_label_is_refused_in_tests(app):
    with pytest.raises(ValueError, match="no Swedish label"):
        record(SYSTEM, "case.teleport", "case", 1)
