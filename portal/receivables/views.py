"""Pages for receivables: ledger import, saved mappings, reference tables, customer search and page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from portal import access, clock, jobs, params
from portal.auth.roles import Role
from portal.cases.queries import decider_committees
from portal.downloads import file_response
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.jobs.models import ACTIVE_STATES
from portal.money import format_amount
from portal.receivables import followup, imports, queries, services, settlement
from portal.receivables import jobs as ledger_jobs
from portal.receivables.forms import (
    CategoryForm,
    PAID_SIGN_CHOICES,
    ConfirmForm,
    FeeForm,
    FollowUpForm,
    MatchForm,
    RateForm,
    SettlementOrderForm,
    StageCodeForm,
    UnitFromImportForm,
    UploadForm,
    mapping_fields,
    mapping_form,
)
from portal.receivables.ledger_parse import COLLECTION_STAGES
from portal.receivables.messages import error_message, field_label
from portal.receivables.models import (
    CollectionStageCode,
    Customer,
    Fee,
    ImportKind,
    InvoiceCategory,
    LedgerImport,
    LedgerMapping,
    BankPayment,
    FollowUpSetting,
    ReferenceRate,
    SettlementOrder,
    STAGE_LABELS,
    settlement_order_label,
)
from portal.org import services as org_services
from portal.org.models import Committee, OrgUnit, UnitKind
from portal.reports.forms import ReportingSettingForm
from portal.reports.models import ReportingSetting
from portal.reports.queries import reporting_settings
from portal.reports.services import reporting_setting_save
from portal.web import actor, page_or_partial, saved, show_errors, submitted, wants_partial

bp = Blueprint("receivables", __name__)


def _acting(action: str):
    access.require(current_user, action)
    return actor(access.capacity(current_user, action))


def viewer_capacity(value: str | None) -> str:
    """The capacity a customer was viewed in, as a person reads it (a system role, or a decider)."""
    if value == "decider":
        return _("Decider")
    if value in {role.value for role in Role}:
        return Role(value).label
    return value or "—"


def identity_text(customer: Customer) -> str:
    """The identity number as this user may see it (DOMAIN: masked except for roles that need it)."""
    if access.allowed(current_user, access.VIEW_FULL_IDENTITY, customer):
        return customer.identity.formatted()
    return customer.identity.mask()


# --- customers -----------------------------------------------------------------------------------

@bp.route("/kunder/", methods=["GET", "POST"])
@login_required
def customers():
    """The customer search. The text is posted, never put in an address: the results' address
    carries an opaque token for it (params.searched)."""
    access.require(current_user, access.VIEW_CUSTOMERS)
    if request.method == "POST":
        text = request.form.get("q", "").strip()[:100]
        return params.searched("receivables.customers", text, lambda _token: _customer_results(text))
    return _customer_results(params.recall_search(request.args.get("sok")))


def _customer_results(text: str):
    results = queries.search_customers(text, clock.today()) if text else []
    return page_or_partial("receivables/customers.html", "receivables/_customer_results.html",
                           q=text, results=results, identity_text=identity_text)


@bp.get("/kunder/<id:customer_id>")
@login_required
def customer(customer_id: int):
    """The customer page: everything for the roles that work with debts or audit them; for a
    decider (RULINGS 10) the debts to the committees of her cases in detail and the rest as one sum."""
    customer = db.get_or_404(Customer, customer_id)
    access.require(current_user, access.VIEW_CUSTOMER, customer)
    today = clock.today()
    whole = access.allowed(current_user, access.VIEW_CUSTOMERS)
    committees = None if whole else decider_committees(current_user, customer.id, today)
    services.customer_view_log(actor(access.capacity(current_user, access.VIEW_CUSTOMERS) if whole
                                     else "decider"), customer)
    db.session.commit()
    may_see_log = access.allowed(current_user, access.VIEW_CUSTOMER_LOG)
    return render_template(
        "receivables/customer.html", customer=customer, identity=identity_text(customer),
        debts=queries.customer_debts(customer, today, committees), today=today,
        decider_view=None if whole else {
            "committees": db.session.scalars(select(Committee).where(Committee.id.in_(committees))
                                             .order_by(Committee.name)).all(),
            "others_ore": queries.open_debt_to_other_committees(customer.id, committees)},
        plans=followup.follow(followup.executed_plans(current_user, today, customer_id=customer.id), today),
        views=queries.customer_views(customer.id) if may_see_log else None, viewer_capacity=viewer_capacity,
    )


# --- plans followed up -----------------------------------------------------------------------------

@bp.get("/kunder/planer")
@login_required
def plans_followup():
    """Late and broken instalment plans, with what is owed now, for the case officer (and anyone
    who reads cases: the list is filtered by the cases' visibility in the query)."""
    access.require(current_user, access.LIST_CASES)
    today = clock.today()
    return render_template("receivables/plans.html", plans=followup.plans_needing_attention(current_user, today),
                           broken_after=followup.broken_after_days(), today=today)


# --- imports -------------------------------------------------------------------------------------

def _upload_form(**kwargs) -> UploadForm:
    form = UploadForm(**kwargs)
    form.mapping_id.choices = [("", _("The default layout"))] + [
        (m.id, f"{m.name} ({m.kind_enum.label.lower()})") for m in queries.mappings()]
    return form


def _imports_context(form: UploadForm | None = None) -> dict:
    return {"form": form or _upload_form(), "history": queries.import_history(),
            "may_import": access.allowed(current_user, access.IMPORT_LEDGER)}


@bp.get("/import/")
@login_required
def imports_page():
    access.require(current_user, access.VIEW_IMPORTS)
    return render_template("receivables/imports.html", **_imports_context())


@bp.post("/import/")
@login_required
def import_upload():
    uploader = _acting(access.IMPORT_LEDGER)
    form = _upload_form()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read() if upload and getattr(upload, "filename", "") else b""
        try:
            ledger_import = imports.upload(uploader, data=data, file_name=upload.filename if data else "",
                                           kind=form.kind.data, mapping_id=form.mapping_id.data)
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            return redirect(url_for("receivables.import_detail", import_id=ledger_import.id), code=303)
    return render_template("receivables/imports.html", **_imports_context(form)), 422


def _import_context(ledger_import: LedgerImport, failure: ValidationFailed | None = None) -> dict:
    return {
        "item": ledger_import,
        "errors": [dict(e, message=error_message(e["code"], e.get("params")))
                   for e in ledger_import.errors or []],
        "warnings": [dict(e, message=error_message(e["code"], e.get("params")))
                     for e in ledger_import.warnings or []],
        "earlier": imports.earlier_imports(ledger_import),
        "unknown": ledger_import.unknown_codes or {},
        "may_add_codes": access.allowed(current_user, access.EDIT_REFERENCE_DATA),
        "may_add_units": access.allowed(current_user, access.EDIT_ORGANISATION),
        "departments": department_choices() if ledger_import.unknown_codes else [],
        "may_edit_stage_codes": access.allowed(current_user, access.EDIT_STAGE_CODES),
        "form": ConfirmForm(),
        "may_import": access.allowed(current_user, access.IMPORT_LEDGER),
        "failure": failure,
        "job": jobs.latest_for(ledger_jobs.SUBJECT, ledger_import.id, ledger_jobs.KINDS),
        "is_failed": jobs.is_failed,
    }


@bp.get("/import/<id:import_id>")
@login_required
def import_detail(import_id: int):
    ledger_import = db.get_or_404(LedgerImport, import_id)
    access.require(current_user, access.VIEW_IMPORTS)
    return page_or_partial("receivables/import.html", "receivables/_import.html",
                           **_import_context(ledger_import))


@bp.get("/import/<id:import_id>/status")
@login_required
def import_status(import_id: int):
    ledger_import = db.get_or_404(LedgerImport, import_id)
    access.require(current_user, access.VIEW_IMPORTS)
    # The progress of a queued job names it (?job=): once that job has ended, the whole section shows
    # how. Without it (the page's own request is still running, without Redis) only the progress.
    watched = params.arg_id("job")
    job = jobs.latest_for(ledger_jobs.SUBJECT, ledger_import.id, ledger_jobs.KINDS)
    if watched is not None and job is not None and job.id == watched and (
            job.state not in ACTIVE_STATES or jobs.is_failed(job)):
        return render_template("receivables/_import.html", **_import_context(ledger_import)), 200, {
            "HX-Retarget": "#import", "HX-Reswap": "outerHTML"}
    return render_template("receivables/_import_progress.html", item=ledger_import, job=job)


def _process(import_id: int, kind: str):
    """Preview or import the file as a background job (portal/receivables/jobs.py). Without Redis the
    job runs as this request's transaction commits, so the answer shows how it ended."""
    ledger_import = db.get_or_404(LedgerImport, import_id)
    access.require(current_user, access.IMPORT_LEDGER)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if kind == ledger_jobs.PREVIEW and ledger_jobs.previews_in_request(ledger_import):
        return _preview_in_request(ledger_import)
    try:
        ledger_jobs.check_can_start(ledger_import, kind)
        job = jobs.enqueue(actor(access.capacity(current_user, access.IMPORT_LEDGER)), kind,
                           subject=(ledger_jobs.SUBJECT, ledger_import.id))
    except ValidationFailed as failure:
        db.session.rollback()
        return page_or_partial("receivables/import.html", "receivables/_import.html", 422,
                               **_import_context(ledger_import, failure))
    db.session.commit()
    if jobs.is_failed(job):
        return page_or_partial("receivables/import.html", "receivables/_import.html", 422,
                               **_import_context(ledger_import, ValidationFailed({"job": job.error or ""})))
    return saved("receivables/_import.html",
                 url_for("receivables.import_detail", import_id=ledger_import.id),
                 **_import_context(ledger_import))


def _preview_in_request(ledger_import: LedgerImport):
    try:
        ledger_jobs.preview_now(actor(access.capacity(current_user, access.IMPORT_LEDGER)), ledger_import)
    except ValidationFailed as failure:
        db.session.rollback()
        return page_or_partial("receivables/import.html", "receivables/_import.html", 422,
                               **_import_context(ledger_import, failure))
    db.session.commit()
    return saved("receivables/_import.html",
                 url_for("receivables.import_detail", import_id=ledger_import.id),
                 **_import_context(ledger_import))


def department_choices() -> list[tuple[int, str]]:
    """Every active department with its committee, for a unit added from an import's preview."""
    rows = db.session.execute(
        select(OrgUnit.id, OrgUnit.name, Committee.name).join(Committee, Committee.id == OrgUnit.committee_id)
        .where(OrgUnit.kind == UnitKind.DEPARTMENT.value, OrgUnit.active.is_(True))
        .order_by(Committee.name, OrgUnit.name))
    return [(unit_id, f"{name} ({committee})") for unit_id, name, committee in rows]


@bp.post("/import/<id:import_id>/enheter")
@login_required
def import_add_unit(import_id: int):
    """The finance director adds a unit the file names by a code the portal lacks, from the
    preview (audited as any unit); then the file is previewed again."""
    ledger_import = db.get_or_404(LedgerImport, import_id)
    access.require(current_user, access.VIEW_IMPORTS)
    editor = _acting(access.EDIT_ORGANISATION)
    form = UnitFromImportForm()
    form.parent_id.choices = department_choices()

    def add():
        code = (form.code.data or "").strip()
        if code not in ((ledger_import.unknown_codes or {}).get("unit") or {}):
            raise ValidationFailed({"code": _("Add only a unit code the file names and the portal lacks.")})
        parent = db.session.get(OrgUnit, form.parent_id.data) if form.parent_id.data else None
        if parent is None or parent.kind != UnitKind.DEPARTMENT:
            raise ValidationFailed({"parent_id": _("Choose the department the unit belongs to.")})
        return org_services.unit_save(editor, None, name=form.name.data or "", kind=UnitKind.UNIT.value,
                                      code=code, parent_id=parent.id, committee_id=parent.committee_id)

    done, unit = submitted(form, add)
    if done:
        flash(_("The unit %(name)s with the code %(code)s was added. Preview the file again.",
                name=unit.name, code=unit.code), "success")
        return redirect(url_for("receivables.import_detail", import_id=ledger_import.id), code=303)
    db.session.rollback()
    for message in [*form.form_errors, *(e for f in form for e in f.errors)]:
        flash(message, "error")
    return page_or_partial("receivables/import.html", "receivables/_import.html", 422,
                           **_import_context(ledger_import))


@bp.post("/import/<id:import_id>/forhandsgranska")
@login_required
def import_preview(import_id: int):
    return _process(import_id, ledger_jobs.PREVIEW)


@bp.post("/import/<id:import_id>/importera")
@login_required
def import_run(import_id: int):
    return _process(import_id, ledger_jobs.RUN)


@bp.get("/import/mall/<kind>.csv")
@login_required
def import_template(kind: str):
    access.require(current_user, access.VIEW_IMPORTS)
    if kind not in set(ImportKind):
        abort(404)
    name = "reskontra-mall.csv" if kind == ImportKind.LEDGER else "betalningar-mall.csv"
    return file_response(imports.template_csv(ImportKind(kind)), "text/csv; charset=utf-8", name)


# --- bank payments waiting for a person ---------------------------------------------------------

def _match_form(bank_payment: BankPayment, **kwargs) -> MatchForm:
    return MatchForm(prefix=f"p{bank_payment.id}", **kwargs)


def _bank_payments_context(failed: tuple[int, MatchForm] | None = None) -> dict:
    unmatched = queries.unmatched_bank_payments()
    forms = {p.id: _match_form(p, formdata=None) for p in unmatched}
    if failed is not None:
        forms[failed[0]] = failed[1]
    return {"unmatched": unmatched, "forms": forms, "by_hand": queries.bank_payments_matched_by_hand(),
            "may_match": access.allowed(current_user, access.IMPORT_LEDGER),
            "order_label": settlement_order_label}


@bp.get("/import/bankbetalningar/")
@login_required
def bank_payments():
    access.require(current_user, access.VIEW_IMPORTS)
    return render_template("receivables/bank_payments.html", **_bank_payments_context())


@bp.post("/import/bankbetalningar/<id:payment_id>")
@login_required
def bank_payment_match(payment_id: int):
    bank_payment = db.get_or_404(BankPayment, payment_id)
    matcher = _acting(access.IMPORT_LEDGER)
    form = _match_form(bank_payment)
    if form.validate_on_submit():
        try:
            settlement.match_by_hand(matcher, bank_payment, invoice_text=form.invoice.data,
                                     direction=form.direction.data)
        except ValidationFailed as failure:
            db.session.rollback()
            show_errors(form, failure)
        else:
            db.session.commit()
            flash(_("The payment was matched to invoice %(number)s.", number=bank_payment.invoice.invoice_number),
                  "success")
            return redirect(url_for("receivables.bank_payments"), code=303)
    return render_template("receivables/bank_payments.html",
                           **_bank_payments_context((bank_payment.id, form))), 422


# --- saved mappings ------------------------------------------------------------------------------

@bp.get("/import/mappningar/")
@login_required
def mappings():
    access.require(current_user, access.VIEW_IMPORTS)
    return render_template("receivables/mappings.html", mappings=queries.mappings(),
                           may_edit=access.allowed(current_user, access.IMPORT_LEDGER),
                           field_label=field_label, field_names=lambda m: mapping_fields(m.kind_enum),
                           paid_sign_label=_paid_sign_label,
                           stage_label=lambda stage: STAGE_LABELS.get(stage, stage))


def _paid_sign_label(mapping: LedgerMapping) -> str:
    return str(dict(PAID_SIGN_CHOICES[mapping.kind_enum]).get(mapping.paid_sign, ""))


def _mapping_page(mapping: LedgerMapping | None, kind: ImportKind):
    editor = _acting(access.IMPORT_LEDGER)
    form = mapping_form(kind, mapping)
    if form.validate_on_submit():
        def prefixed(prefix: str) -> dict[str, str]:
            return {name: form[f"{prefix}_{name}"].data for name in mapping_fields(kind)}

        try:
            services.mapping_save(
                editor, mapping, name=form.name.data, kind=kind.value, columns=prefixed("col"),
                constants=prefixed("const"), defaults=prefixed("default"),
                paid_sign=form.paid_sign.data,
                stage_codes=form.stage_codes.data if "stage_codes" in form else "",
                category_codes=form.category_codes.data if "category_codes" in form else "")
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            flash(_("The mapping was saved."), "success")
            return redirect(url_for("receivables.mappings"), code=303)
    title = _("New mapping: %(kind)s", kind=kind.label.lower()) if mapping is None else \
        _("Change mapping %(name)s", name=mapping.name)
    return render_template("receivables/mapping_form.html", form=form, mapping=mapping, kind=kind,
                           title=title, fields=mapping_fields(kind), field_label=field_label,
                           stages=[(s, STAGE_LABELS[s]) for s in COLLECTION_STAGES],
                           categories=queries.categories()), 422 if form.errors else 200


@bp.route("/import/mappningar/ny/<kind>", methods=["GET", "POST"])
@login_required
def mapping_create(kind: str):
    if kind not in set(ImportKind):
        abort(404)
    return _mapping_page(None, ImportKind(kind))


@bp.route("/import/mappningar/<id:mapping_id>", methods=["GET", "POST"])
@login_required
def mapping_edit(mapping_id: int):
    mapping = db.get_or_404(LedgerMapping, mapping_id)
    return _mapping_page(mapping, mapping.kind_enum)


# --- reference tables ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ReferenceTable:
    """One table on the reference page: who edits it, its form and the service that saves it."""

    name: str  # in the URL
    heading: object
    columns: tuple
    model: type
    form: type[FlaskForm]
    action: str
    rows: Callable[[], list]
    save: Callable[..., object]
    form_values: Callable[[object], dict] = lambda obj: {}


def _save_category(editor, obj, form):
    return services.category_save(
        editor, obj, code=form.code.data, name=form.name.data,
        charges_interest=form.charges_interest.data, time_bar_years=form.time_bar_years.data,
        appealable=form.appealable.data, active=form.active.data)


def _save_rate(editor, obj, form):
    return services.rate_save(editor, obj, half_year_start=form.half_year_start.data,
                              rate_text=form.rate.data, confirmed=form.confirmed.data,
                              note=form.note.data)


def _save_fee(editor, obj, form):
    return services.fee_save(editor, obj, kind=form.kind.data, amount_text=form.amount.data,
                             valid_from=form.valid_from.data)


def _save_settlement_order(editor, obj, form):
    return settlement.settlement_order_save(editor, obj, category_id=form.category_id.data,
                                            order=form.settlement_order.data)


def _save_follow_up(editor, obj, form):
    return settlement.follow_up_save(editor, obj, broken_after_days=form.broken_after_days.data)


def _save_reporting_setting(editor, obj, form):
    return reporting_setting_save(editor, obj, report_within_days=form.report_within_days.data)


def _save_stage_code(editor, obj, form):
    return services.stage_code_save(editor, obj, code=form.code.data, stage=form.stage.data)


TABLES = {
    table.name: table
    for table in (
        ReferenceTable(
            "kategorier", _l("Invoice categories"),
            (_l("Code"), _l("Name"), _l("Late interest"), _l("Time bar"), _l("Appealable")),
            InvoiceCategory, CategoryForm, access.EDIT_REFERENCE_DATA, queries.categories,
            _save_category),
        ReferenceTable(
            "referensrantor", _l("Reference rates"),
            (_l("Half-year from"), _l("Reference rate"), _l("Late interest"), _l("Status"), _l("Note")),
            ReferenceRate, RateForm, access.EDIT_REFERENCE_DATA, queries.rates, _save_rate,
            lambda obj: {"rate": format_amount(obj.rate_bp)}),
        ReferenceTable(
            "avgifter", _l("Fees"), (_l("Fee"), _l("Amount"), _l("Applies from")),
            Fee, FeeForm, access.EDIT_REFERENCE_DATA, queries.fees, _save_fee,
            lambda obj: {"amount": format_amount(obj.amount_ore)}),
        ReferenceTable(
            "kravsteg", _l("Collection stage codes"), (_l("The ledger's code"), _l("Stage in the portal")),
            CollectionStageCode, StageCodeForm, access.EDIT_STAGE_CODES, queries.stage_codes,
            _save_stage_code),
        ReferenceTable(
            "avrakningsordning", _l("Settlement order"), (_l("Applies to"), _l("Order")),
            SettlementOrder, SettlementOrderForm, access.EDIT_REFERENCE_DATA, queries.settlement_orders,
            _save_settlement_order, lambda obj: {"category_id": obj.category_id or ""}),
        ReferenceTable(
            "anmalan", _l("Reporting of delegated decisions"), (_l("Reported within"),),
            ReportingSetting, ReportingSettingForm, access.EDIT_REFERENCE_DATA, reporting_settings,
            _save_reporting_setting),
        ReferenceTable(
            "uppfoljning", _l("Follow-up of instalment plans"), (_l("Broken when late by more than"),),
            FollowUpSetting, FollowUpForm, access.EDIT_REFERENCE_DATA, queries.follow_up_settings,
            _save_follow_up),
    )
}  # fmt: skip


def _table(name: str) -> ReferenceTable:
    table = TABLES.get(name)
    if table is None:
        abort(404)
    return table


def _section_context(table: ReferenceTable, form: FlaskForm | None = None) -> dict:
    return {"table": table, "rows": table.rows(), "form": form or table.form(),
            "may_edit": access.allowed(current_user, table.action)}


@bp.get("/referensdata/")
@login_required
def reference():
    access.require(current_user, access.VIEW_REFERENCE_DATA)
    return render_template("receivables/reference.html",
                           sections=[_section_context(table) for table in TABLES.values()])


@bp.post("/referensdata/<table_name>")
@login_required
def reference_create(table_name: str):
    table = _table(table_name)
    editor = _acting(table.action)
    form = table.form()
    if form.validate_on_submit():
        try:
            table.save(editor, None, form)
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            return saved("receivables/_reference_section.html",
                         url_for("receivables.reference") + f"#{table.name}", **_section_context(table))
    return page_or_partial("receivables/reference.html", "receivables/_reference_section.html", 422,
                           sections=[_section_context(t, form if t is table else None)
                                     for t in TABLES.values()], **_section_context(table, form))


@bp.route("/referensdata/<table_name>/<id:row_id>", methods=["GET", "POST"])
@login_required
def reference_edit(table_name: str, row_id: int):
    table = _table(table_name)
    obj = db.get_or_404(table.model, row_id)
    editor = _acting(table.action)
    row = {"table": table, "obj": obj, "may_edit": True}
    if request.args.get("view") == "row":
        return render_template("receivables/_reference_row.html", **row)
    form = table.form(obj=obj, data=table.form_values(obj) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            table.save(editor, obj, form)
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            return saved("receivables/_reference_row.html", url_for("receivables.reference"), **row)
    return page_or_partial("org/edit_page.html", "receivables/_reference_edit_row.html",
                           422 if form.errors else 200, form=form, **row,
                           partial="receivables/_reference_form.html",
                           title=_("Change: %(table)s", table=table.heading),
                           back=url_for("receivables.reference"))


@bp.post("/referensdata/kravsteg/<id:row_id>/ta-bort")
@login_required
def stage_code_delete(row_id: int):
    stage_code = db.get_or_404(CollectionStageCode, row_id)
    editor = _acting(access.EDIT_STAGE_CODES)
    services.stage_code_delete(editor, stage_code)
    db.session.commit()
    if not wants_partial():
        flash(_("The stage code was removed."), "success")
    return saved("receivables/_reference_section.html", url_for("receivables.reference"),
                 **_section_context(TABLES["kravsteg"]))

