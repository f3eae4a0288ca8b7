"""Bad input is a Swedish 4xx or a field message, never a 500: every GET route of the access matrix
is fuzzed with huge and negative ids, dates at the ends of the calendar, garbage and over-long query
values, as a user who may use the route, on both databases."""

from __future__ import annotations

import re
from typing import ClassVar

import pytest
from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import Field

from portal import params
from portal.cases.forms import CaseFilterForm, LetterDayForm
from portal.delegation.forms import SimulatorForm
from tests.factories import PASSWORD
from tests.test_access_routes import MATRIX, world  # noqa: F401  (the access matrix's objects)

HUGE = "99999999999999999999"
BAD_IDS = [HUGE, "2147483648", "9223372036854775808", "-1", "0", "1e9", "%D9%A3", "1%0A", "12abc"]
BAD_VALUES = [HUGE, "-" + HUGE, "2147483648", "9999-12-31", "0001-01-01", "10000-01-01",
              "2026-02-30", "-1", "1.5", "1e400", "NaN", "<script>", "%0D%0ASet-Cookie:%20x=1",
              "%00", "%FF%FE", "x" * 5000]
# Query parameters the portal reads: the GET forms' fields and the raw arguments views read.
RAW_ARGS = {"q", "sok", "sida", "dag", "a", "b", "view", "faktura", "next"}
GET_FORMS = [CaseFilterForm, LetterDayForm, SimulatorForm]


@pytest.fixture
def matrix_world(request) -> dict:
    """The objects of the access matrix (its own `world` fixture), by id."""
    return request.getfixturevalue("world")


def _query_names() -> list[str]:
    names = set(RAW_ARGS)
    for form in GET_FORMS:
        names |= {name for name in dir(form) if isinstance(getattr(form, name, None), Field) or
                  type(getattr(form, name, None)).__name__ == "UnboundField"}
    return sorted(names)


def _authorised(who: set[str]) -> str:
    return min(who)


def _get_routes() -> list[tuple[str, str, str]]:
    return [(endpoint, template, _authorised(who)) for endpoint, (method, template, who) in MATRIX.items()
            if method == "GET"]


def _with_id(template: str, objects: dict, key: str, value: str) -> str:
    return template.format(**{**objects, key: value})


def _id_keys(template: str, objects: dict) -> list[str]:
    return [key for key in re.findall(r"\{(\w+)\}", template) if isinstance(objects[key], int)]


def _assert_not_500(client, url: str, **kwargs) -> int:
    response = client.get(url, **kwargs)
    assert response.status_code < 500, f"{url[:200]} gave {response.status_code}"
    return response.status_code


def test_every_get_route_survives_bad_ids(client, matrix_world):
    objects = matrix_world
    by_persona: dict[str, list] = {}
    for route in _get_routes():
        by_persona.setdefault(route[2], []).append(route)
    for persona, routes in by_persona.items():
        client.login(persona)
        for endpoint, template, _who in routes:
            for key in _id_keys(template, objects):
                for bad in BAD_IDS:
                    status = _assert_not_500(client, _with_id(template, objects, key, bad))
                    assert status in (400, 404, 405), f"{endpoint} with {key}={bad} gave {status}"
        client.post_form("/logga-ut")


class _RecordingArgs(ImmutableMultiDict):
    """Query arguments that note which names a view reads, so each is then fuzzed on its own."""

    read: ClassVar[set[str]] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)

    def get(self, key, default=None, type=None):
        self.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self.read.add(key)
        return super().getlist(key, type)


def test_every_get_route_survives_bad_query_values(client, matrix_world, monkeypatch):
    objects = matrix_world
    monkeypatch.setattr(Request, "parameter_storage_class", _RecordingArgs)
    names = _query_names()
    read_anywhere: set[str] = set()
    by_persona: dict[str, list] = {}
    for route in _get_routes():
        by_persona.setdefault(route[2], []).append(route)
    for persona, routes in by_persona.items():
        client.login(persona)
        for _endpoint, template, _who in routes:
            url = template.format(**objects)
            glue = "&" if "?" in url else "?"
            _RecordingArgs.read = set()
            for bad in BAD_VALUES:
                query = "&".join(f"{name}={bad}" for name in names)
                _assert_not_500(client, f"{url}{glue}{query}")
            _assert_not_500(client, f"{url}{glue}{'&'.join(f'{name}={HUGE}' for name in names)}",
                            headers={"HX-Request": "true"})
            read_anywhere |= _RecordingArgs.read
            for name in sorted(_RecordingArgs.read):  # alone, so no early refusal of another hides it
                for bad in (HUGE, "-" + HUGE, "9999-12-31", "0001-01-01", "x" * 300, "%00"):
                    _assert_not_500(client, f"{url}{glue}{name}={bad}")
        client.post_form("/logga-ut")
    assert {"sok", "sida", "dag", "a", "b", "submitted_from", "amount_min"} <= read_anywhere


def test_huge_ids_in_a_path_are_not_found(client, matrix_world):
    client.login("director")
    assert client.get(f"/organisation/namnder/{HUGE}").status_code == 404
    assert client.get("/organisation/namnder/2147483648").status_code == 404
    assert client.get("/organisation/namnder/-1").status_code == 404


def test_the_case_list_names_the_field_of_a_bad_filter(client, matrix_world):
    client.login("case_officer")
    page = client.get("/arenden/?submitted_from=9999-12-31&amount_min=" + HUGE).get_data(as_text=True)
    assert "Skriv ett datum mellan 1900-01-01 och 2199-12-31." in page
    assert "Skriv ett belopp i kronor mellan" in page


def test_a_line_break_in_next_sends_the_user_home(client, make):
    make.user("kerstin")
    for target in ("/%0d%0aSet-Cookie:%20x=1", "/arenden/%0a", "/\t/evil.example"):
        response = client.post_form(f"/logga-in?next={target}", {"username": "kerstin",
                                                                  "password": PASSWORD})
        assert response.status_code == 303
        assert response.location == "/"
        assert "\n" not in response.location and "\r" not in response.location
        client.post_form("/logga-ut")


def test_bounded_values():
    assert params.to_id(HUGE) is None and params.to_id("-1") is None and params.to_id("7") == 7
    assert params.to_date("9999-12-31") is None and params.to_date("0001-01-01") is None
    assert params.to_date("2026-11-30").isoformat() == "2026-11-30"
    assert params.to_int("١٢") is None or params.to_int("١٢") == 12  # digits of any script, bounded
    with pytest.raises(params.MoneyOutOfRange):
        params.to_money(HUGE)
    assert params.to_choice("granted", {"granted"}) == "granted" and params.to_choice("x", {"granted"}) is None


def test_no_form_uses_an_unbounded_number_or_date_field(app):
    """The class, not the instance: every form's dates and numbers are the bounded ones."""
    import wtforms
    from flask_wtf import FlaskForm

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    with app.test_request_context():
        for form_class in subclasses(FlaskForm):
            if not form_class.__module__.startswith("portal."):
                continue
            form = form_class(formdata=None, meta={"csrf": False})
            for field in form:
                if isinstance(field, wtforms.DateField | wtforms.IntegerField):
                    assert isinstance(field, params.DateField | params.IntegerField), \
                        f"{form_class.__name__}.{field.name} is unbounded"
                if isinstance(field, wtforms.SelectFieldBase) and getattr(field, "coerce", str) is int:
                    raise AssertionError(f"{form_class.__name__}.{field.name} coerces with int")



def test_a_nul_character_anywhere_in_a_request_is_refused(client, make):
    make.user("kerstin")
    client.login("kerstin")
    assert client.get("/arenden/?q=%00").status_code in (400, 403)
    assert client.get("/?x%00=1").status_code == 400
    response = client.post_form("/logga-ut", {"note": "a\x00b"})
    assert response.status_code == 400 and "Begäran kunde inte läsas" in response.get_data(as_text=True)


def _form_field_names() -> list[str]:
    """Every field name of every form in the portal."""
    from flask_wtf import FlaskForm

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names: set[str] = set()
    for form_class in subclasses(FlaskForm):
        if form_class.__module__.startswith("portal."):
            names |= {name for name in dir(form_class) if type(getattr(form_class, name, None)).__name__ ==
                      "UnboundField"}
    return sorted(names - {"csrf_token", "file", "logo", "scan"})


def test_every_post_route_survives_bad_form_values(client, matrix_world):
    """Each form field the portal has, posted with values no field can hold, to every POST route."""
    objects = matrix_world
    names = _form_field_names()
    assert {"new_due_date", "instalments", "starts_on", "committee_id", "amount"} <= set(names)
    by_persona: dict[str, list] = {}
    for endpoint, (method, template, who) in MATRIX.items():
        if method == "POST":
            by_persona.setdefault(_authorised(who), []).append((endpoint, template))
    for persona, routes in by_persona.items():
        client.login(persona)
        token = client.csrf_token()
        for endpoint, template in routes:
            url = template.format(**objects)
            for bad in (HUGE, "-" + HUGE, "9999-12-31", "0001-01-01", "x" * 5000, "1e400"):
                data = {name: bad for name in names} | {"csrf_token": token}
                response = client.post(url, data=data)
                assert response.status_code < 500, f"{endpoint} with {bad[:20]} gave {response.status_code}"
        client.post_form("/logga-ut")


def test_every_id_in_a_route_is_bounded(app):
    """<id:...>, never <int:...>: an unbounded int reaches the database as an overflow."""
    from werkzeug.routing import IntegerConverter

    unbounded = [rule.rule for rule in app.url_map.iter_rules()
                 if any(isinstance(converter, IntegerConverter) for converter in rule._converters.values())]
    assert not unbounded, unbounded
