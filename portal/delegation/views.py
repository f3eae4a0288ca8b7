"""Pages of the delegation schemes: versions, rules, publishing, comparing and price base amounts."""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal import access, clock, params
from portal.delegation import common, display, queries, scheme_import, services, spreadsheet, spreadsheet_read
from portal.delegation import pdf as scheme_pdf
from portal.delegation.engine_types import LIMIT_CASE_TYPES, CaseType
from portal.delegation.forms import (
    NONE_CHOICE,
    ConditionForm,
    DiscardForm,
    DraftForm,
    PriceBaseAmountForm,
    PublishForm,
    RuleForm,
    SpreadsheetApplyForm,
    SpreadsheetUploadForm,
    parse_optional_money,
)
from portal.delegation.messages import CASE_TYPE_LABELS, VERSION_STATE_LABELS, label
from portal.delegation.models import DelegationRule, PriceBaseAmount, SchemeVersion
from portal.documents.services import documents_for
from portal.downloads import file_response
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.money import format_money
from portal.org.models import Committee, OrgUnit, Position
from portal.web import (
    actor,
    confirm_step,
    is_confirmed,
    page_or_partial,
    saved,
    show_errors,
    submitted,
    wants_partial,
)

bp = Blueprint("delegation", __name__, url_prefix="/delegation")


def _editor():
    access.require(current_user, access.EDIT_SCHEMES)
    return actor(access.capacity(current_user, access.EDIT_SCHEMES))


def _may_edit() -> bool:
    return access.allowed(current_user, access.EDIT_SCHEMES)


@bp.app_template_filter("money")
def money(value: int | None) -> str:
    return "" if value is None else format_money(value)


@bp.app_template_filter("version_state")
def version_state(value: str) -> str:
    return label(VERSION_STATE_LABELS, value)


# --- choices ---------------------------------------------------------------------------------------

def _position_choices(committee_id: int | None = None):
    """Active positions grouped by committee (an optgroup each), the scheme's own committee first."""
    rows = db.session.execute(
        select(Position, Committee.code, Committee.name)
        .join(Committee, Committee.id == Position.committee_id)
        .where(Position.active.is_(True))
        .order_by(Committee.code, Position.title)
    ).all()
    rows = sorted(rows, key=lambda row: row[0].committee_id != committee_id)  # stable: own first
    return [SelectChoice(*NONE_CHOICE)] + [SelectChoice(p.id, f"{p.title} ({code})", optgroup=name)
                                     for p, code, name in rows]


@bp.app_template_global("applies_to")
def applies_to(limit: str) -> Markup:
    """A rule field's wrapper attribute naming the case types its limit applies to (none: every
    type), read by static/js/rule-form.js; from the table the checker uses."""
    types = LIMIT_CASE_TYPES.get(limit)
    if types is None:
        return Markup("")
    names = " ".join(t.value for t in CaseType if t in types)
    return Markup(' data-case-types="{}"').format(names)


def _unit_choices():
    rows = db.session.execute(
        select(OrgUnit, Committee.code)
        .join(Committee, Committee.id == OrgUnit.committee_id)
        .where(OrgUnit.active.is_(True))
        .order_by(Committee.code, OrgUnit.name)
    ).all()
    return [NONE_CHOICE] + [(u.id, f"{u.name} ({code})") for u, code in rows]


def _rule_form(version: SchemeVersion, rule: DelegationRule | None = None, **kwargs) -> RuleForm:
    form = RuleForm(obj=rule, prefix=f"rule-{rule.id}" if rule else "new", **kwargs)
    positions = _position_choices(version.committee_id)
    form.delegate_position_id.choices = positions
    form.standin_position_id.choices = positions
    form.consultation_position_id.choices = positions
    form.consultation_unit_id.choices = _unit_choices()
    subs = db.session.scalars(
        select(Committee).where(Committee.parent_id == version.committee_id).order_by(Committee.name)
    ).all()
    form.delegate_committee_id.choices = [NONE_CHOICE] + [(c.id, c.name) for c in subs]
    form.scope_category_ids.choices = sorted(
        queries.invoice_categories().items(), key=lambda item: item[1]
    )
    form.scope_unit_ids.choices = [
        (u.id, u.name) for u in db.session.scalars(
            select(OrgUnit).where(OrgUnit.committee_id == version.committee_id,
                                  OrgUnit.active.is_(True)).order_by(OrgUnit.name)
        )
    ]
    form.required_condition_ids.choices = [
        (c.id, c.name) for c in queries.conditions_of(version.committee_id)
    ]
    if rule is not None and not form.is_submitted():
        form.fill(rule)
    return form


# --- overview --------------------------------------------------------------------------------------

@bp.get("/")
@login_required
def index():
    access.require(current_user, access.VIEW_SCHEMES)
    today = clock.today()
    committees = access.committees_in_sight(current_user, queries.main_committees())
    rows = [(c, queries.version_in_force(c.id, today), queries.draft_of(c.id)) for c in committees]
    return render_template("delegation/index.html", rows=rows, may_edit=_may_edit())


def _committee_context(committee: Committee, draft_form: DraftForm | None = None) -> dict:
    today = clock.today()
    return {
        "committee": committee,
        "overview": queries.overview(committee.id, today),
        "versions": [v for v in queries.versions_of(committee.id) if v.is_published],
        "draft_form": draft_form or DraftForm(),
        "may_edit": _may_edit(),
        "common": common.notice(queries.latest_published(committee.id)),
    }


@bp.get("/namnder/<id:committee_id>")
@login_required
def committee(committee_id: int):
    committee = db.get_or_404(Committee, committee_id)
    access.require(current_user, access.VIEW_SCHEMES, committee)
    return render_template("delegation/committee.html", **_committee_context(committee))


def _conditions_context(committee: Committee, form: ConditionForm | None = None) -> dict:
    return {"committee": committee, "conditions": queries.conditions_of(committee.id),
            "form": form or ConditionForm(formdata=None), "may_edit": _may_edit()}


@bp.get("/namnder/<id:committee_id>/forutsattningar")
@login_required
def conditions(committee_id: int):
    committee = db.get_or_404(Committee, committee_id)
    access.require(current_user, access.VIEW_SCHEMES, committee)
    return page_or_partial("delegation/conditions.html", "delegation/_conditions.html",
                           **_conditions_context(committee))


@bp.post("/namnder/<id:committee_id>/forutsattningar")
@login_required
def condition_create(committee_id: int):
    committee = db.get_or_404(Committee, committee_id)
    editor = _editor()
    form = ConditionForm()
    done, _condition = submitted(form, lambda: services.condition_create(
        editor, committee, name=form.name.data or "", requires_document=bool(form.requires_document.data)))
    if done:
        return saved("delegation/_conditions.html", url_for("delegation.conditions", committee_id=committee.id),
                     **_conditions_context(committee))
    return page_or_partial("delegation/conditions.html", "delegation/_conditions.html", 422,
                           **_conditions_context(committee, form))


@bp.post("/namnder/<id:committee_id>/utkast")
@login_required
def draft_create(committee_id: int):
    committee = db.get_or_404(Committee, committee_id)
    editor = _editor()
    form = DraftForm()
    if form.validate_on_submit():
        try:
            draft = services.draft_start(editor, committee, label=form.label.data)
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            return saved("delegation/committee.html",
                         url_for("delegation.version", version_id=draft.id),
                         **_committee_context(committee))
    return render_template("delegation/committee.html", **_committee_context(committee, form)), 422


# --- a version and its rules -----------------------------------------------------------------------

def _refused(version: SchemeVersion) -> ValidationFailed | None:
    """Why a change to a published version was refused, for the page to say (its forms are gone)."""
    if version.is_draft:
        return None
    return ValidationFailed(
        {"version": _("A published version never changes: start a new draft instead.")}
    )


def _version_context(
    version: SchemeVersion,
    *,
    new_form: RuleForm | None = None,
    publish_form: PublishForm | None = None,
    editing: DelegationRule | None = None,
    edit_form: RuleForm | None = None,
    opened: str | None = None,
) -> dict:
    today = clock.today()
    names = queries.names()
    pbb = queries.price_base_amounts()
    publish_form = publish_form or PublishForm(formdata=None)
    found, later = [], []
    if version.is_draft:
        check = services.draft_check(version, publish_form.valid_from.data)
        found = list(check.findings)
        later = [(day, [display.finding_line(f, names) for f in errors])
                 for day, errors in check.later]
    errors, warnings = display.general_findings(found, names)
    year = (version.valid_from or today).year
    editable = version.is_draft and _may_edit()
    return {
        "version": version,
        "committee": version.committee,
        "groups": display.grouped_rules(version, names, pbb, year, found),
        "general_errors": errors,
        "later_errors": later,
        "general_warnings": warnings,
        "error_count": sum(1 for f in found if f.severity == "error"),
        "warning_count": sum(1 for f in found if f.severity == "warning"),
        "editable": editable,
        # A fresh form unless the one posted failed: after a save the rule just added is not
        # offered again (a second click would add it twice).
        "new_form": (new_form or _rule_form(version, formdata=None)) if editable else None,
        "publish_form": publish_form,
        "discard_form": DiscardForm(),
        "editing_id": editing.id if editing else None,
        "edit_form": edit_form,
        "names": names,
        "based_on": version.based_on,
        "issued_copies": documents_for("scheme_version", version.id),
        "issue_form": DiscardForm(),
        "may_issue": _may_edit(),
        "common": common.notice(version),
        "upload_form": SpreadsheetUploadForm(formdata=None),
        # The case type whose rules show open: that of the rule just saved.
        "opened_type": opened or params.arg_choice("oppna", {t.value for t in CaseType}),
    }


@bp.get("/versioner/<id:version_id>")
@login_required
def version(version_id: int):
    version = db.get_or_404(SchemeVersion, version_id)
    # The common provisions are read by whoever reads a scheme: every committee may include them.
    access.require(current_user, access.VIEW_SCHEMES, None if version.is_common else version.committee)
    return render_template("delegation/version.html", **_version_context(version))


@bp.post("/versioner/<id:version_id>/regler")
@login_required
def rule_create(version_id: int):
    version = db.get_or_404(SchemeVersion, version_id)
    editor = _editor()
    form = _rule_form(version)
    if form.validate_on_submit():
        try:
            rule = services.rule_save(editor, version, None, form.to_input())
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            return _rule_saved(version, rule)
    return page_or_partial("delegation/version.html", "delegation/_version_body.html", 422,
                           failure=_refused(version), **_version_context(version, new_form=form))


def _rule_saved(version: SchemeVersion, rule: DelegationRule):
    """The draft again, with the saved rule's case type open and the rule in view."""
    return saved("delegation/_version_body.html",
                 url_for("delegation.version", version_id=version.id, oppna=rule.case_type,
                         _anchor=f"rule-{rule.id}"),
                 **_version_context(version, opened=rule.case_type))


@bp.route("/regler/<id:rule_id>/redigera", methods=["GET", "POST"])
@login_required
def rule_edit(rule_id: int):
    rule = db.get_or_404(DelegationRule, rule_id)
    version = rule.version
    editor = _editor()
    if request.args.get("view") == "row":
        context = _version_context(version)
        row = next(v for g in context["groups"] for _lvl, views in g.levels for v in views
                   if v.stored.id == rule.id)
        return render_template("delegation/_rule_row.html", view=row, **context)
    if request.method == "GET" and not version.is_draft:  # no form to change a published rule
        return page_or_partial("delegation/version.html", "delegation/_version_body.html", 422,
                               failure=_refused(version), **_version_context(version))
    form = _rule_form(version, rule)
    if form.validate_on_submit():
        try:
            services.rule_save(editor, version, rule, form.to_input())
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            return _rule_saved(version, rule)
    status = 422 if form.errors or form.form_errors else 200
    if wants_partial() and request.method == "GET":
        return render_template("delegation/_rule_edit_row.html", rule=rule, form=form,
                               version=version), status
    if not version.is_draft:
        return page_or_partial("delegation/version.html", "delegation/_version_body.html", 422,
                               failure=_refused(version), **_version_context(version))
    return page_or_partial("delegation/rule_edit.html", "delegation/_version_body.html", status,
                           rule=rule, form=form,
                           **_version_context(version, editing=rule, edit_form=form))


@bp.post("/regler/<id:rule_id>/ta-bort")
@login_required
def rule_delete(rule_id: int):
    rule = db.get_or_404(DelegationRule, rule_id)
    version = rule.version
    editor = _editor()
    form = DiscardForm()
    if not form.validate_on_submit():
        abort(400)
    if version.is_draft and not is_confirmed():
        return confirm_step(title=_("Remove rule %(number)s", number=rule.number),
                            question=_("Remove rule %(number)s from %(version)s?", number=rule.number,
                                       version=version.label),
                            button=_("Remove the rule"),
                            cancel_url=url_for("delegation.version", version_id=version.id))
    try:
        services.rule_delete(editor, rule)
    except ValidationFailed as failure:
        return page_or_partial("delegation/version.html", "delegation/_version_body.html", 422,
                               failure=failure, **_version_context(version))
    db.session.commit()
    return saved("delegation/_version_body.html",
                 url_for("delegation.version", version_id=version.id), **_version_context(version))


@bp.post("/versioner/<id:version_id>/publicera")
@login_required
def publish(version_id: int):
    version = db.get_or_404(SchemeVersion, version_id)
    editor = _editor()
    form = PublishForm()
    if form.validate_on_submit():
        try:
            services.version_publish(editor, version, adopted_on=form.adopted_on.data,
                                     paragraph=form.paragraph.data, valid_from=form.valid_from.data)
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            if not wants_partial():
                flash(_("The version was published as %(reference)s.",
                        reference=version.adoption_reference), "success")
            return saved("delegation/_version_body.html",
                         url_for("delegation.version", version_id=version.id),
                         **_version_context(version))
    return page_or_partial("delegation/version.html", "delegation/_version_body.html", 422,
                           failure=_refused(version), **_version_context(version, publish_form=form))


@bp.post("/versioner/<id:version_id>/kasta")
@login_required
def discard(version_id: int):
    version = db.get_or_404(SchemeVersion, version_id)
    editor = _editor()
    form = DiscardForm()
    if not form.validate_on_submit():
        abort(400)
    if version.is_draft and not is_confirmed():
        return confirm_step(title=_("Discard the draft"),
                            question=_("Discard %(version)s and all its rules?", version=version.label),
                            button=_("Discard the draft"),
                            cancel_url=url_for("delegation.version", version_id=version.id))
    committee = version.committee
    try:
        services.draft_discard(editor, version)
    except ValidationFailed as failure:
        return page_or_partial("delegation/version.html", "delegation/_version_body.html", 422,
                               failure=failure, **_version_context(version))
    db.session.commit()
    flash(_("The draft was discarded."), "success")
    if version.is_common:
        return redirect(url_for("delegation.common_provisions"), code=303)
    return redirect(url_for("delegation.committee", committee_id=committee.id), code=303)


@bp.post("/versioner/<id:version_id>/dokument")
@login_required
def scheme_document_issue(version_id: int):
    """Issue the version as the document the committee adopts (finance director)."""
    version = db.get_or_404(SchemeVersion, version_id)
    editor = _editor()
    if not DiscardForm().validate_on_submit():
        abort(400)
    scheme_pdf.scheme_document_issue(editor, version)
    db.session.commit()
    flash(_("The scheme document was issued."), "success")
    return redirect(url_for("delegation.version", version_id=version.id), code=303)


# --- the draft as a spreadsheet ---------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _draft_for_spreadsheet(version_id: int) -> SchemeVersion:
    """A draft the finance director may write as a spreadsheet (published versions: 404)."""
    version = db.get_or_404(SchemeVersion, version_id)
    access.require(current_user, access.VIEW_SCHEMES, version.committee)
    access.require(current_user, access.EDIT_SCHEMES)
    if not version.is_draft:
        abort(404)
    return version


@bp.get("/versioner/<id:version_id>/kalkylblad.xlsx")
@login_required
def spreadsheet_download(version_id: int):
    version = _draft_for_spreadsheet(version_id)
    name = f"{version.committee.code} utkast {clock.today().isoformat()}.xlsx"
    return file_response(spreadsheet.workbook_bytes(version), XLSX, name)


def _preview_page(version, form, result, status, content: str = ""):
    apply_form = SpreadsheetApplyForm(formdata=None, content=content,
                                      fingerprint=scheme_import.draft_fingerprint(version))
    return render_template("delegation/spreadsheet_preview.html", version=version,
                           committee=version.committee, form=form, result=result,
                           apply_form=apply_form), status


@bp.post("/versioner/<id:version_id>/kalkylblad")
@login_required
def spreadsheet_upload(version_id: int):
    """Read the uploaded workbook and show every error, or what it would change."""
    version = _draft_for_spreadsheet(version_id)
    form = SpreadsheetUploadForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.file.data
    data = upload.read(spreadsheet_read.MAX_FILE_BYTES + 1) if upload and getattr(upload, "filename", "") else b""
    result = scheme_import.preview(version, data)
    if result.errors:
        return _preview_page(version, form, result, 422)
    return _preview_page(version, form, result, 200, base64.b64encode(data).decode("ascii"))


@bp.post("/versioner/<id:version_id>/kalkylblad/anvand")
@login_required
def spreadsheet_apply(version_id: int):
    """Replace the draft's rules by the previewed file's, all or nothing."""
    version = _draft_for_spreadsheet(version_id)
    editor = _editor()
    form = SpreadsheetApplyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        data = base64.b64decode(form.content.data or "", validate=True)
    except binascii.Error:
        data = b""
    try:
        result = scheme_import.apply(editor, version, data, form.fingerprint.data or "")
    except ValidationFailed as failure:
        db.session.rollback()
        return page_or_partial("delegation/version.html", "delegation/_version_body.html", 422,
                               failure=failure, **_version_context(version))
    db.session.commit()
    counts = result.counts
    flash(_("The spreadsheet was read into the draft: %(added)s added, %(changed)s changed, "
            "%(removed)s removed, %(same)s unchanged.", added=counts["added"], changed=counts["changed"],
            removed=counts["removed"], same=counts["same"]), "success")
    return redirect(url_for("delegation.version", version_id=version.id), code=303)


# --- what if ---------------------------------------------------------------------------------------

WHATIF_PAGE_SIZE = 100


@bp.get("/versioner/<id:version_id>/vad-om")
@login_required
def whatif(version_id: int):
    """The committee's cases of the last 12 months asked again under this version (a draft, before
    it is published): counts of what would change, and the cases, changed ones first by default.
    For those who write schemes; each case links to its own page, which checks its own access."""
    from portal.cases import whatif as replaying

    version = db.get_or_404(SchemeVersion, version_id)
    access.require(current_user, access.VIEW_SCHEMES, version.committee)
    access.require(current_user, access.EDIT_SCHEMES)
    if version.is_common:  # the common provisions decide no cases of their own: each committee's do
        abort(404)
    result = replaying.replay(version, clock.today())
    shown = params.arg_choice("visa", {"andrade", "alla"}) or "andrade"
    rows = [row for row in result.rows if shown == "alla" or row.change != replaying.Change.SAME]
    pages = max(1, -(-len(rows) // WHATIF_PAGE_SIZE))
    page = min(params.arg_int("sida", 1, minimum=1) or 1, pages)
    return render_template(
        "delegation/whatif.html", version=version, committee=version.committee, result=result,
        rows=rows[(page - 1) * WHATIF_PAGE_SIZE:page * WHATIF_PAGE_SIZE], row_count=len(rows),
        shown=shown, page=page, pages=pages, labels=replaying.CHANGE_LABELS, names=queries.names(),
        case_type_labels=CASE_TYPE_LABELS)


# --- comparing -------------------------------------------------------------------------------------

@bp.get("/namnder/<id:committee_id>/jamfor")
@login_required
def compare(committee_id: int):
    committee = db.get_or_404(Committee, committee_id)
    access.require(current_user, access.VIEW_SCHEMES, committee)
    versions = queries.versions_of(committee.id)
    by_id = {v.id: v for v in versions}
    left = by_id.get(params.arg_id("a"))
    right = by_id.get(params.arg_id("b"))
    if right is None and versions:
        right = versions[0]
    if left is None and right is not None:
        left = right.based_on if right.based_on in versions else next(
            (v for v in versions if v is not right), None)
    rows = []
    if left is not None and right is not None:
        today = clock.today()
        rows = display.compare(left, right, queries.names(), queries.price_base_amounts(), today.year)
    return render_template("delegation/compare.html", committee=committee, versions=versions,
                           left=left, right=right, rows=rows)


# --- price base amounts ----------------------------------------------------------------------------

def _pbb_context(form: PriceBaseAmountForm | None = None) -> dict:
    amounts = db.session.scalars(select(PriceBaseAmount).order_by(PriceBaseAmount.year.desc())).all()
    return {"amounts": amounts, "form": form or PriceBaseAmountForm(formdata=None),
            "may_edit": _may_edit()}


@bp.get("/prisbasbelopp")
@login_required
def price_base_amounts():
    access.require(current_user, access.VIEW_PRICE_BASE_AMOUNTS)
    return render_template("delegation/price_base_amounts.html", **_pbb_context())


@bp.post("/prisbasbelopp")
@login_required
def price_base_amount_save():
    editor = _editor()
    form = PriceBaseAmountForm()
    if form.validate_on_submit():
        try:
            errors: dict[str, str] = {}
            amount = parse_optional_money(form.amount.data, "amount", errors)
            if errors:
                raise ValidationFailed(errors)
            services.price_base_amount_save(editor, year=form.year.data, amount_ore=amount,
                                            is_demo=form.is_demo.data)
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            return saved("delegation/_price_base_amounts.html",
                         url_for("delegation.price_base_amounts"), **_pbb_context())
    return page_or_partial("delegation/price_base_amounts.html",
                           "delegation/_price_base_amounts.html", 422, **_pbb_context(form))


from portal.delegation import simulator_views  # noqa: F401  (routes on the same blueprint)
from portal.delegation import common_views  # noqa: F401,E402  (routes on the same blueprint)
