"""Pages on the delegation blueprint for the common provisions (gemensamma bestämmelser, RULINGS 11)
and for copying a rule into other committees' drafts in one step (portal/delegation/common.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import access, clock
from portal.delegation import common, queries
from portal.delegation.forms import DiscardForm, DraftForm
from portal.delegation.messages import common_source_text
from portal.delegation.models import DelegationRule, SchemeVersion
from portal.delegation.views import _editor, _may_edit, _version_context, bp
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.web import confirm_step, is_confirmed, page_or_partial, saved, show_errors


@bp.app_template_global("common_source")
def common_source(common_reference: str | None, adoption_reference: str | None) -> str:
    return common_source_text(common_reference, adoption_reference)


def _common_context(form: DraftForm | None = None) -> dict:
    body = common.executive_committee()
    today = clock.today()
    overview = queries.overview(body.id, today, common=True) if body is not None else None
    adopted = []
    if overview is not None:
        for committee in access.committees_in_sight(current_user, queries.main_committees()):
            in_force = queries.version_in_force(committee.id, today)
            draft = queries.draft_of(committee.id)
            adopted.append((committee, in_force, draft))
    return {"body": body, "overview": overview, "adopted": adopted, "newest": common.latest_common(),
            "draft_form": form or DraftForm(), "may_edit": _may_edit()}


@bp.get("/gemensamma-bestammelser")
@login_required
def common_provisions():
    access.require(current_user, access.VIEW_SCHEMES)
    return render_template("delegation/common.html", **_common_context())


@bp.post("/gemensamma-bestammelser/utkast")
@login_required
def common_draft_create():
    editor = _editor()
    form = DraftForm()
    if form.validate_on_submit():
        try:
            draft = common.common_draft_start(editor, label=form.label.data)
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            return redirect(url_for("delegation.version", version_id=draft.id), code=303)
    return render_template("delegation/common.html", **_common_context(form)), 422


def _draft_body(version: SchemeVersion, failure: ValidationFailed | None = None, status: int = 200):
    return page_or_partial("delegation/version.html", "delegation/_version_body.html", status,
                           failure=failure, **_version_context(version))


@bp.post("/versioner/<id:version_id>/gemensamma-bestammelser")
@login_required
def common_adopt(version_id: int):
    """The committee adopts a published common version into its draft (replacing the one included)."""
    version = db.get_or_404(SchemeVersion, version_id)
    editor = _editor()
    if not DiscardForm().validate_on_submit():
        abort(400)
    chosen = request.form.get("common_version_id", type=int)
    common_version = db.session.get(SchemeVersion, chosen) if chosen else None
    if common_version is None:
        return _draft_body(version, ValidationFailed(
            {"common_version_id": _("Choose a published version of the common provisions.")}), 422)
    if version.is_draft and not is_confirmed():
        question = _("Include the common provisions adopted as %(reference)s in %(version)s? Their rules "
                     "replace those the draft included before.",
                     reference=common_version.adoption_reference or common_version.label, version=version.label)
        return confirm_step(title=_("Adopt the common provisions"), question=question,
                            button=_("Include them in the draft"),
                            cancel_url=url_for("delegation.version", version_id=version.id))
    try:
        common.common_adopt(editor, version, common_version)
    except ValidationFailed as failure:
        return _draft_body(version, failure, 422)
    db.session.commit()
    return saved("delegation/_version_body.html", url_for("delegation.version", version_id=version.id),
                 **_version_context(version))


@bp.post("/versioner/<id:version_id>/gemensamma-bestammelser/ta-bort")
@login_required
def common_remove(version_id: int):
    version = db.get_or_404(SchemeVersion, version_id)
    editor = _editor()
    if not DiscardForm().validate_on_submit():
        abort(400)
    if version.is_draft and not is_confirmed():
        return confirm_step(title=_("Remove the common provisions"),
                            question=_("Remove the rules of the common provisions from %(version)s?",
                                       version=version.label),
                            button=_("Remove them from the draft"),
                            cancel_url=url_for("delegation.version", version_id=version.id))
    try:
        common.common_remove(editor, version)
    except ValidationFailed as failure:
        return _draft_body(version, failure, 422)
    db.session.commit()
    return saved("delegation/_version_body.html", url_for("delegation.version", version_id=version.id),
                 **_version_context(version))


# --- copy a rule into other committees' drafts ----------------------------------------------------

@bp.route("/regler/<id:rule_id>/kopiera", methods=["GET", "POST"])
@login_required
def rule_copy(rule_id: int):
    """Pick committees, see what copying would do in each draft, then copy (all or nothing)."""
    rule = db.get_or_404(DelegationRule, rule_id)
    editor = _editor()
    candidates = common.copy_candidates(rule)
    context = {"rule": rule, "version": rule.version, "candidates": candidates,
               "source_problem": common.copy_source_problem(rule), "form": DiscardForm(),
               "chosen": set(), "targets": None, "failure": None}
    if request.method == "GET":
        return render_template("delegation/rule_copy.html", **context)
    if not context["form"].validate_on_submit():
        abort(400)
    known = {c.id for c in candidates}
    chosen = {i for i in request.form.getlist("committee_ids", type=int) if i in known}
    context["chosen"] = chosen
    if not chosen:
        context["failure"] = ValidationFailed({"committee_ids": _("Tick at least one committee.")})
        return render_template("delegation/rule_copy.html", **context), 422
    if request.form.get("step") != "copy":
        context["targets"] = common.copy_targets(rule, chosen)
        return render_template("delegation/rule_copy.html", **context)
    try:
        copies = common.rule_copy(editor, rule, chosen)
    except ValidationFailed as failure:
        context["failure"] = failure
        context["targets"] = common.copy_targets(rule, chosen)
        return render_template("delegation/rule_copy.html", **context), 422
    db.session.commit()
    flash(_("Rule %(number)s was copied into %(count)d drafts.", number=rule.number, count=len(copies))
          if len(copies) != 1 else _("Rule %(number)s was copied into one draft.", number=rule.number), "success")
    return redirect(url_for("delegation.version", version_id=rule.version_id), code=303)
