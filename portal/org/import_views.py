"""Pages of the organisation import: upload the HR system's file, read its preview, import it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import access, clock
from portal.downloads import csv_response
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org import import_file, import_services
from portal.org.forms import OrgImportForm, OrgImportRunForm
from portal.org.models import OrgImport
from portal.org.views import _editor, bp
from portal.web import show_errors

EXAMPLE_ROWS = [
    ["SN", "3000", "Socialförvaltningen", "", "Socialchef", "Förvaltningschef", "1001", "Eva Ek",
     "eva.ek@kommun.se", "2024-01-01"],
    ["SN", "3120", "Hemtjänst norr", "3000", "Enhetschef hemtjänst norr", "Enhetschef", "1002", "Lars Ås",
     "lars.as@kommun.se", "2025-03-01"],
    ["SN", "3130", "Hemtjänst söder", "3000", "Enhetschef hemtjänst söder", "Enhetschef", "", "", "", ""],
]


def _imports_context(form: OrgImportForm | None = None, problems=None) -> dict:
    imports = db.session.scalars(select(OrgImport).options(joinedload(OrgImport.uploaded_by))
                                 .order_by(OrgImport.uploaded_at.desc(), OrgImport.id.desc()).limit(50)).all()
    return {"form": form or OrgImportForm(), "imports": imports, "problems": problems,
            "headers": [spec.default_header for spec in import_file.FIELDS],
            "max_rows": import_file.MAX_ROWS, "max_mb": import_file.MAX_BYTES // (1024 * 1024)}


@bp.route("/import", methods=["GET", "POST"])
@login_required
def imports():
    editor = _editor()
    form = OrgImportForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("org/imports.html", **_imports_context(form)), 422 if form.errors else 200
    upload = form.file.data
    data = upload.read() if upload and getattr(upload, "filename", "") else b""
    try:
        org_import = import_services.upload(editor, getattr(upload, "filename", "") or "", data)
    except import_services.ImportRefused as refused:
        db.session.rollback()
        return render_template("org/imports.html", **_imports_context(form, refused.problems)), 422
    db.session.commit()
    return redirect(url_for("org.import_preview", import_id=org_import.id), code=303)


def _preview_page(org_import: OrgImport, form: OrgImportRunForm | None = None, status: int = 200):
    found = (import_services.preview(org_import, current_user.id, clock.today())
             if org_import.state == "previewed" else None)
    form = form or OrgImportRunForm()
    if found is not None:
        form.digest.data = found.digest()
    return render_template("org/import_preview.html", org_import=org_import, plan=found, form=form), status


@bp.get("/import/<id:import_id>")
@login_required
def import_preview(import_id: int):
    org_import = db.get_or_404(OrgImport, import_id)
    _editor()
    return _preview_page(org_import)


@bp.post("/import/<id:import_id>/importera")
@login_required
def import_run(import_id: int):
    org_import = db.get_or_404(OrgImport, import_id)
    editor = _editor()
    form = OrgImportRunForm()
    if not form.validate_on_submit():
        return _preview_page(org_import, form, 422)
    try:
        counts = import_services.run(editor, org_import, form.digest.data)
    except ValidationFailed as failure:
        db.session.rollback()
        show_errors(form, failure)
        return _preview_page(org_import, form, 422)
    db.session.commit()
    if counts["appointments_held"]:
        flash(_("The organisation was imported. Your own appointments wait for another person with the same "
                "right to confirm them under Registrations to confirm."), "info")
    else:
        flash(_("The organisation was imported."), "success")
    return redirect(url_for("org.import_preview", import_id=org_import.id), code=303)


@bp.get("/import/mall.csv")
@login_required
def import_template():
    _editor()
    return csv_response("organisation.csv", [spec.default_header for spec in import_file.FIELDS], EXAMPLE_ROWS)
