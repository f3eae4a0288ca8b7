"""Verification of issued documents: anyone holding one can check it is genuine."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal import access
from portal.documents import services
from portal.downloads import file_response
from portal.extensions import limiter

bp = Blueprint("documents", __name__)


class VerifyForm(FlaskForm):
    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)])
    file = FileField(_l("The document as a PDF file (optional)"))


@bp.route("/verifiera", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def verify():
    """Public on purpose: it says what the document is, when and by which committee it was issued,
    never whom it concerns."""
    form = VerifyForm()
    result = None
    if form.validate_on_submit():
        document = services.document_by_code(form.code.data)
        upload = form.file.data
        same_file = None
        if document is not None and upload and getattr(upload, "filename", ""):
            same_file = services.is_same_file(document, upload.read())
        result = {"document": document, "same_file": same_file}
    status = 400 if form.errors else 200
    return render_template("documents/verify.html", form=form, result=result), status


@bp.get("/dokument/<id:document_id>")
@login_required
def download(document_id: int):
    """The document exactly as issued, for those who may see what it is about."""
    document = services.document_get(document_id)
    if document is None:
        abort(404)
    access.require(current_user, access.VIEW_DOCUMENT, document)
    return file_response(document.content, "application/pdf",
                         f"{document.kind}-{document.verification_code}.pdf", inline=True)
