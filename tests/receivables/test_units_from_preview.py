"""A unit the ledger file names by a code the portal lacks is added from the preview by the finance
director (issue 13): audited like any unit, only a code the file names, under a department; others
are told who adds it."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.org.models import Committee, OrgUnit
from portal.receivables.models import ImportState
from tests.receivables.builders import ledger_row, table_bytes
from tests.receivables.test_real_exports import _item, _preview, _text, _upload, world  # noqa: F401


def test_the_finance_director_adds_a_missing_unit_from_the_preview(client, app, world, make):  # noqa: F811
    committee = db.session.scalars(select(Committee).where(Committee.code == "TFN")).one()
    department = make.unit(committee, name="Samhällsbyggnad", kind="department")
    db.session.commit()
    client.login("ekonom")
    url = _upload(client, table_bytes([ledger_row(1, unit_code="BOU9", category_code="VA")]))
    page = _preview(client, url)
    assert _item(url).state == ImportState.REJECTED
    assert "Lägg till enheten BOU9" not in page and "Ekonomichefen lägger till enheter" in page
    refused = client.post_form(f"{url}/enheter", {"code": "BOU9", "name": "Bostad", "parent_id": str(department.id)})
    assert refused.status_code == 403

    director = app.test_client()
    director.login("ekonomichef")
    page = _text(director.get(url))
    assert 'aria-label="Lägg till enheten BOU9"' in page and f'<option value="{department.id}">' in page
    not_named = director.post_form(f"{url}/enheter", {"code": "XX1", "name": "Fel", "parent_id": str(department.id)})
    assert not_named.status_code == 422 and "som filen nämner" in _text(not_named)
    no_department = director.post_form(f"{url}/enheter", {"code": "BOU9", "name": "Bostad", "parent_id": ""})
    assert no_department.status_code == 422 and "Välj den förvaltning" in _text(no_department)
    assert db.session.scalar(select(OrgUnit).where(OrgUnit.code == "BOU9")) is None

    added = director.post_form(f"{url}/enheter", {"code": "BOU9", "name": "Bostadsanpassning",
                                                  "parent_id": str(department.id)})
    assert added.status_code == 303 and added.location.endswith(url.rsplit("/import", 1)[1])
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "BOU9")).one()
    assert (unit.name, unit.kind, unit.parent_id, unit.committee_id) == (
        "Bostadsanpassning", "unit", department.id, committee.id)
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.object_type == "org_unit",
                                                         AuditEntry.object_id == str(unit.id))) is not None
    _preview(client, url)
    assert _item(url).state == ImportState.PREVIEWED
