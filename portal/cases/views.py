"""Case pages: prepare, follow, consult, decide and execute; the case list and the finance export."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict

from portal import access, clock, params
from portal.cases import queries, services, whole_debt
from portal.cases.forms import (
    AgreementForm,
    AttachmentForm,
    CaseFilterForm,
    ConditionAnswerForm,
    ConsultationForm,
    DecideForm,
    LetterDayForm,
    NewCaseForm,
    NoteForm,
    TermsForm,
    WholeDebtForm,
)
from portal.cases.models import (
    CASE_STATE_LABELS,
    CASE_TYPE_LABELS,
    OUTCOME_LABELS,
    Attachment,
    Case,
    CaseInvoice,
)
from portal.cases.figures import changes, figures_on
from portal.cases.messages import hold_text
from portal.cases.rerouting import crossed_limits, day_terms, routed_rules
from portal.cases.routing import check_decider, refusal, route
from portal.cases.rules import CaseState, InvoiceLine, Outcome, decided_line_amounts
from portal.cases.terms import TermsInput, asked_schedule, compute_terms
from portal.delegation import queries as delegation_queries
from portal.delegation.engine_types import CaseType, RuleKind
from portal.delegation.models import CollectionReason, WriteOffReason
from portal.documents import services as documents
from portal.downloads import csv_amount, csv_response, file_response
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.money import MoneyParseError, format_amount, format_money
from portal.org.models import Committee, OrgUnit
from portal.receivables import followup
from portal.receivables import queries as receivables_queries
from portal.receivables.models import Customer, Invoice
from portal.web import (
    actor,
    confirm_step,
    is_confirmed,
    page_or_partial,
    show_errors,
    submitted,
    wants_partial,
    with_write_lock,
)

bp = Blueprint("cases", __name__, url_prefix="/arenden")


def _load(case_id: int) -> Case:
    case = db.session.scalars(
        select(Case).where(Case.id == case_id).options(
            joinedload(Case.customer), joinedload(Case.committee), joinedload(Case.org_unit),
            selectinload(Case.lines).joinedload(CaseInvoice.invoice).joinedload(Invoice.category),
            selectinload(Case.consultations), selectinload(Case.conflicts),
        )
    ).first()
    if case is None:
        abort(404)
    access.require(current_user, access.VIEW_CASE, case)
    return case


def _money(value: str | None, field: str) -> int | None:
    try:
        return params.to_money(value)
    except MoneyParseError as failure:
        raise ValidationFailed({field: params.money_message()}) from failure


def _terms_from(form: TermsForm, case: Case) -> TermsInput:
    credited: dict[int, int] = {}
    for line in case.lines:
        value = request.form.get(f"credit_{line.invoice_id}")
        amount = _money(value, f"credit_{line.invoice_id}")
        if amount is not None:
            credited[line.invoice_id] = amount
    return TermsInput(
        new_due_date=form.new_due_date.data, first_due_date=form.first_due_date.data,
        instalments=form.instalments.data,
        monthly_amount_ore=(_money(form.part_payment.data, "part_payment") if case.case_type == CaseType.DEFERRAL
                            else _money(form.monthly_amount.data, "monthly_amount")),
        write_off_reason=form.write_off_reason.data or None,
        write_off_final={"final": True, "bookkeeping": False}.get(form.write_off_final.data or ""),
        credit_settlement=form.credit_settlement.data or None,
        credit_reason=form.credit_reason.data or None,
        collection_reason=form.collection_reason.data or None,
        applied_before_due={"yes": True, "no": False}.get(form.applied_before_due.data or ""),
        credited_ore=credited,
    )


def _open_invoices(customer: Customer) -> list[Invoice]:
    return list(db.session.scalars(
        select(Invoice).where(Invoice.customer_id == customer.id, Invoice.open_amount_ore > 0)
        .options(joinedload(Invoice.org_unit).joinedload(OrgUnit.committee), joinedload(Invoice.category))
        .order_by(Invoice.due_date)
    ))


def _invoice_choices(invoices: list[Invoice]):
    due = _("due")
    return [(i.id, f"{i.invoice_number} · {i.org_unit.name} · {format_money(i.open_amount_ore)}"
             f" · {due} {i.due_date.isoformat() if i.due_date else '—'}") for i in invoices]


# --- new case -------------------------------------------------------------------------------------

@bp.route("/ny/<id:customer_id>", methods=["GET", "POST"])
@login_required
def new(customer_id: int):
    customer = db.get_or_404(Customer, customer_id)
    access.require(current_user, access.PREPARE_CASE)
    invoices = _open_invoices(customer)
    form = NewCaseForm()
    form.invoice_ids.choices = _invoice_choices(invoices)
    if request.method == "GET" and request.args.getlist("faktura"):
        form.invoice_ids.data = params.arg_ids("faktura")
    if form.validate_on_submit():
        try:
            case = services.case_create(
                actor(access.capacity(current_user, access.PREPARE_CASE)), customer=customer,
                case_type=CaseType(form.case_type.data), invoice_ids=form.invoice_ids.data or [],
                terms=TermsInput(), reasons=form.reasons.data or "",
            )
        except ValidationFailed as failure:
            db.session.rollback()
            show_errors(form, failure)
        else:
            db.session.commit()
            flash(_("The draft was created. Fill in the terms and submit it."), "success")
            return redirect(url_for("cases.show", case_id=case.id), code=303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("cases/new.html", form=form, customer=customer, invoices=invoices), status


# --- the case page -------------------------------------------------------------------------------

def _offer_outcomes(form: DecideForm, case: Case, check) -> None:
    """The outcomes the decide form offers, the same on the page and when it is posted: a
    whole-debt case is granted (the debt falls due) or refused (the plan stands); a case a guideline
    bar covers is only refused by those the bar names (RULINGS 8) — the service refuses any other
    outcome all the same; a partial grant only where the case type has one."""
    if case.is_whole_debt_due:
        form.outcome.choices = [("granted", _("Grant: the whole debt falls due")),
                                ("refused", _("Refuse: the plan stands"))]
    elif check is not None and check.allowed and check.path.rule_kind == RuleKind.BAR:
        form.outcome.choices = [("refused", _("Refuse (the guideline bars a grant)"))]
    elif not case.allows_partial_grant:
        form.outcome.choices = [(value, label) for value, label in form.outcome.choices
                                if value != Outcome.PARTLY_GRANTED.value]


def _case_context(case: Case, **forms) -> dict:
    today = clock.today()
    state = CaseState(case.state)
    # A waiting case is shown on the decision day's figures (RULINGS 2), with what changed since it
    # was submitted; the engine is asked on them, as the decision will be.
    day, day_error, changed = None, None, []
    if case.decision is None and state in WAITING_STATES:
        try:
            day = figures_on(case, today)
        except ValidationFailed as failure:
            day_error = " ".join(failure.errors.values())
        else:
            changed = changes(case.submitted_figures, day.figures)
    terms = day_terms(case, day) if day is not None else None
    # A decided or withdrawn case shows its own decision (or none), never today's routing as if
    # it applied to it.
    routing = None if case.decision is not None or state == CaseState.WITHDRAWN else route(case, today, terms)
    routed = routed_rules(case) if day is not None and crossed_limits(case, day) else None
    now_routed = list(routing.verdict.proposed_rule_numbers) if routing is not None and routing.verdict else []
    names = delegation_queries.names()
    user = current_user
    check, refused = None, None
    if state == CaseState.AWAITING_DECISION:
        check = check_decider(case, user.id, today, terms)
        if check is not None and not check.allowed:
            refused = refusal(case, check, today, terms)
    is_preparer = case.prepared_by_id == user.id
    # RULINGS 16: an executed plan or deferral shows how it is kept; a broken one can be proposed to
    # fall due as a whole. A whole-debt case shows the plan it is about, as it stands today.
    followed = followup.follow_one(case, today)
    plan_followed = followup.follow_one(case.whole_debt_due_for, today) if case.is_whole_debt_due else None
    decide_form = forms.get("decide_form") or DecideForm()
    _offer_outcomes(decide_form, case, check)
    terms_form = forms.get("terms_form") or _terms_form(case)
    hold_notes = []
    if state in (CaseState.DRAFT, CaseState.RETURNED) and is_preparer:
        may_see = services.visible_cases(user.id)
        hold_notes = [(hold.blocks, hold_text(hold, may_see))
                      for hold in services.invoice_holds(case.id, case.case_type, case.lines)]
    return {
        "hold_notes": hold_notes,
        "case": case,
        "routing": routing,
        "names": names,
        "check": check,
        "refusal": refused,
        "schedule": day.computed.schedule if day is not None else _schedule(case),
        "day": day,
        "day_error": day_error,
        "changed": changed,
        "submitted_on": (case.submitted_figures or {}).get("on_date"),
        "stale": {"before": routed, "after": now_routed} if routed is not None and routed != now_routed else None,
        "timeline": queries.timeline(case.id),
        "terms_form": terms_form,
        "decide_form": decide_form,
        "followed": followed,
        "plan_followed": plan_followed,
        "whole_debt_cases": whole_debt.cases_for(case) if followed is not None else [],
        "whole_debt_form": forms.get("whole_debt_form") or WholeDebtForm(formdata=None),
        "note_form": forms.get("note_form") or NoteForm(),
        "consultation_form": forms.get("consultation_form") or ConsultationForm(),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "conditions": _conditions(case, today, forms.get("condition_form"),
                                  editable=is_preparer and state in (CaseState.DRAFT, CaseState.RETURNED)),
        "attachments": db.session.scalars(select(Attachment).where(Attachment.case_id == case.id)
                                          .order_by(Attachment.id)).all(),
        "agreement_form": forms.get("agreement_form") or AgreementForm(formdata=None, received_on=today),
        "documents": documents.documents_for("decision", case.decision.id) if case.decision else [],
        "decision_record": queries.decision_record(case.decision) if case.decision else None,
        "debts": receivables_queries.debts_seen_by_decider(
            case.customer_id, case.committee_id, today, frozenset(line.invoice_id for line in case.lines)),
        "may": {
            "edit": is_preparer and state in (CaseState.DRAFT, CaseState.RETURNED),
            "attach": access.allowed(user, access.PREPARE_CASE) and state not in rules_decided(),
            "submit": is_preparer and state in (CaseState.DRAFT, CaseState.RETURNED),
            "withdraw": is_preparer and state not in (CaseState.WITHDRAWN, CaseState.EXECUTED, CaseState.GRANTED,
                                                       CaseState.PARTLY_GRANTED, CaseState.REFUSED),
            "consult": state == CaseState.AWAITING_CONSULTATION and access.allowed(user, access.CONSULT_CASE)
            and not is_preparer,
            "decide": check is not None and check.allowed,
            "return": state in (CaseState.AWAITING_DECISION, CaseState.AWAITING_CONSULTATION)
            and ((check is not None and check.allowed) or access.allowed(user, access.CONSULT_CASE))
            and not is_preparer and not case.is_whole_debt_due,
            "propose_whole_debt": followed is not None and followed.status.status == "broken"
            and followed.proposal is None and access.allowed(user, access.PREPARE_CASE),
            "refer": (check is not None and check.allowed) or _may_refer_as_officer(case, routing),
            "execute": state in (CaseState.GRANTED, CaseState.PARTLY_GRANTED)
            and access.allowed(user, access.EXECUTE_CASE) and not case.awaits_signature,
            "register_agreement": case.awaits_signature and access.allowed(user, access.PREPARE_CASE),
            "declare_conflict": state in (CaseState.AWAITING_DECISION, CaseState.AWAITING_CONSULTATION,
                                          CaseState.REFERRED_TO_COMMITTEE)
            and all(c.user_id != user.id for c in case.conflicts)
            and access.allowed(user, access.DECLARE_CONFLICT, case),
        },
    }


def _conditions(case: Case, today, posted: ConditionAnswerForm | None, *, editable: bool) -> list[tuple]:
    """The named conditions of the case's rules, each with its answer and, for the officer who
    prepares the case, its form (the one just posted keeps its errors)."""
    rows = []
    for row in queries.conditions_for(case, today):
        form = None
        if editable and not row.condition.builtin:
            form = ConditionAnswerForm.for_condition(row.condition, row.answer, formdata=None)
            if posted is not None and posted.condition_id.data == str(row.condition.id):
                form.met.errors, form.file.errors = posted.met.errors, posted.file.errors
                form.form_errors = posted.form_errors
        rows.append((row, form))
    return rows


WAITING_STATES = frozenset({CaseState.AWAITING_CONSULTATION, CaseState.AWAITING_DECISION,
                            CaseState.REFERRED_TO_COMMITTEE})


def rules_decided() -> frozenset[CaseState]:
    from portal.cases.rules import DECIDED

    return DECIDED | {CaseState.WITHDRAWN}


def _terms_form(case: Case) -> TermsForm:
    form = TermsForm(
        formdata=None, new_due_date=case.new_due_date, first_due_date=case.first_due_date,
        instalments=None if case.monthly_amount_entered else case.instalments,
        write_off_reason=case.write_off_reason,
        monthly_amount=(format_amount(case.monthly_amount_ore) if case.monthly_amount_entered
                        and case.case_type != CaseType.DEFERRAL else ""),
        part_payment=(format_amount(case.monthly_amount_ore) if case.case_type == CaseType.DEFERRAL
                      and case.monthly_amount_ore is not None else ""),
        write_off_final={True: "final", False: "bookkeeping"}.get(case.write_off_final, ""),
        credit_settlement=case.credit_settlement or "",
        credit_reason=case.credit_reason or "",
        collection_reason=case.collection_reason or "",
        applied_before_due={True: "yes", False: "no"}.get(case.applied_before_due, ""),
        reasons=case.reasons,
    )
    form.invoice_ids.choices = _invoice_choices(_open_invoices(case.customer))
    form.invoice_ids.data = [line.invoice_id for line in case.lines]
    return form


def _schedule(case: Case):
    return asked_schedule(case, clock.today())


@bp.get("/<id:case_id>")
@login_required
def show(case_id: int):
    case = _load(case_id)
    return render_template("cases/show.html", **_case_context(case))


@bp.post("/<id:case_id>/villkor")
@login_required
def update_terms(case_id: int):
    case = _load(case_id)
    access.require(current_user, access.PREPARE_CASE)
    form = _posted_terms_form(case)
    if form.validate_on_submit():
        try:
            services.case_update(actor(access.capacity(current_user, access.PREPARE_CASE)), case,
                                 invoice_ids=form.invoice_ids.data or [], terms=_terms_from(form, case),
                                 reasons=form.reasons.data or "")
        except ValidationFailed as failure:
            db.session.rollback()
            case = _load(case_id)
            show_errors(form, failure)
        else:
            db.session.commit()
            flash(_("The terms were saved."), "success")
            return redirect(url_for("cases.show", case_id=case.id), code=303)
    return render_template("cases/show.html", **_case_context(case, terms_form=form)), 422


@bp.post("/<id:case_id>/forhandsgranska")
@login_required
def preview(case_id: int):
    """The verdict and schedule for the invoices and terms in the form, without saving (htmx, live).
    It asks the engine the question submitting the same form asks (services.case_preview)."""
    case = _load(case_id)
    access.require(current_user, access.PREPARE_CASE)
    form = _posted_terms_form(case)
    form.validate()
    error, computed, routing, holds = None, None, None, []
    try:
        computed, engine_terms, holds = services.case_preview(case, _shown(form, case))
        routing = route(case, clock.today(), engine_terms)
    except ValidationFailed as failure:
        error = Markup(" ").join(failure.errors.values())
    may_see = services.visible_cases(current_user.id)
    return render_template("cases/_preview.html", case=case, computed=computed, routing=routing, error=error,
                           names=delegation_queries.names(),
                           hold_notes=[(hold.blocks, hold_text(hold, may_see)) for hold in holds])


def _posted_terms_form(case: Case) -> TermsForm:
    form = TermsForm()
    form.invoice_ids.choices = _invoice_choices(_open_invoices(case.customer))
    return form


def _shown(form: TermsForm, case: Case) -> services.Shown:
    return services.Shown(invoice_ids=form.invoice_ids.data or [], terms=_terms_from(form, case),
                          reasons=form.reasons.data or "")


def _step(case_id: int, call, *, form_cls=NoteForm, form_key="note_form", message: str):
    case = _load(case_id)
    form = form_cls()
    if form.validate_on_submit():
        try:
            call(case, form)
        except ValidationFailed as failure:
            db.session.rollback()
            case = _load(case_id)
            flash(" ".join(failure.errors.values()), "error")
            return render_template("cases/show.html", **_case_context(case, **{form_key: form})), 422
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("cases.show", case_id=case.id), code=303)
    return render_template("cases/show.html", **_case_context(case, **{form_key: form})), 422


@bp.post("/<id:case_id>/skicka")
@with_write_lock
@login_required
def submit(case_id: int):
    """"Skicka in" posts the terms form: what the officer sees is saved and submitted together,
    with or without JavaScript; invalid terms come back beside their fields, nothing saved."""
    access.require(current_user, access.PREPARE_CASE)
    case = _load(case_id)
    form = _posted_terms_form(case)
    if form.validate_on_submit():
        try:
            services.case_save_and_submit(actor(access.capacity(current_user, access.PREPARE_CASE)), case,
                                          _shown(form, case))
        except ValidationFailed as failure:
            db.session.rollback()
            case = _load(case_id)
            for field, message in failure.errors.items():
                if hasattr(form, field):
                    getattr(form, field).errors = [*getattr(form, field).errors, message]
                else:  # about the case, not a field: said on top, also where the form is not shown
                    flash(message, "error")
        else:
            db.session.commit()
            flash(_("The case was submitted."), "success")
            return redirect(url_for("cases.show", case_id=case.id), code=303)
    return render_template("cases/show.html", **_case_context(case, terms_form=form)), 422


@bp.post("/<id:case_id>/aterkalla")
@login_required
def withdraw(case_id: int):
    access.require(current_user, access.PREPARE_CASE)
    if not is_confirmed():
        case = _load(case_id)
        return confirm_step(title=_("Withdraw the case"),
                            question=_("Withdraw case %(number)s? A withdrawn case is closed for good.",
                                       number=case.registry_number),
                            button=_("Withdraw the case"), cancel_url=url_for("cases.show", case_id=case.id))
    return _step(case_id, lambda case, form: services.case_withdraw(
        actor(access.capacity(current_user, access.PREPARE_CASE)), case, form.note.data or ""),
        message=_("The case was withdrawn."))


@bp.post("/<id:case_id>/samrad")
@login_required
def consult(case_id: int):
    access.require(current_user, access.CONSULT_CASE)
    return _step(case_id, lambda case, form: services.consultation_record(
        actor(access.capacity(current_user, access.CONSULT_CASE)), case, form.opinion.data or ""),
        form_cls=ConsultationForm, form_key="consultation_form", message=_("The consultation was recorded."))


@bp.post("/<id:case_id>/komplettering")
@login_required
def return_case(case_id: int):
    return _step(case_id, lambda case, form: services.case_return(
        actor(_deciding_capacity(case)), case, form.note.data or ""),
        message=_("The case was returned to the case officer."))


@bp.post("/<id:case_id>/namnden")
@login_required
def refer(case_id: int):
    return _step(case_id, lambda case, form: services.case_refer(
        actor(_referring_capacity(case)), case, form.note.data or ""),
        message=_("The case was referred to the committee."))


@bp.post("/<id:case_id>/jav")
@login_required
def declare_conflict(case_id: int):
    access.require(current_user, access.DECLARE_CONFLICT, _load(case_id))
    return _step(case_id, lambda case, form: services.conflict_declare(actor(None), case, form.note.data),
                 message=_("Your conflict of interest was recorded: you cannot decide the case."))


def _may_refer_as_officer(case: Case, routing) -> bool:
    """The case officer who prepared a case that a guideline bar covers may ask the committee to
    depart from its guideline (RULINGS 8): only the committee may grant it."""
    return (case.prepared_by_id == current_user.id and case.state == CaseState.AWAITING_DECISION
            and access.allowed(current_user, access.PREPARE_CASE)
            and routing is not None and routing.verdict is not None and routing.verdict.barred)


def _referring_capacity(case: Case) -> str:
    check = check_decider(case, current_user.id, clock.today())
    if check is not None and check.allowed:
        return f"{check.path.decider.capacity.value}:{check.path.rule_number}"
    if _may_refer_as_officer(case, route(case, clock.today())):
        return access.capacity(current_user, access.PREPARE_CASE)
    abort(403)


def _deciding_capacity(case: Case) -> str:
    check = check_decider(case, current_user.id, clock.today())
    if check is not None and check.allowed:
        return f"{check.path.decider.capacity.value}:{check.path.rule_number}"
    if access.allowed(current_user, access.CONSULT_CASE) and case.state == CaseState.AWAITING_CONSULTATION:
        return access.capacity(current_user, access.CONSULT_CASE)
    abort(403)


@bp.post("/<id:case_id>/beslut")
@with_write_lock
@login_required
def decide(case_id: int):
    case = _load(case_id)
    form = DecideForm()
    check = check_decider(case, current_user.id, clock.today())
    _offer_outcomes(form, case, check)
    if form.validate_on_submit():
        try:
            changed = None
            if form.outcome.data == Outcome.PARTLY_GRANTED.value:
                base = TermsInput.from_case(case)
                changed = TermsInput(**{**base.__dict__,
                                        "new_due_date": form.new_due_date.data or base.new_due_date,
                                        "instalments": form.instalments.data or base.instalments,
                                        "monthly_amount_ore": None if form.instalments.data else base.monthly_amount_ore,
                                        "amount_ore": _money(form.amount.data, "amount")})
            capacity = None
            if check is not None and check.allowed:
                capacity = f"{check.path.decider.capacity.value}:{check.path.rule_number}"
            services.case_decide(actor(capacity), case, services.DecisionInput(
                outcome=Outcome(form.outcome.data), reasons=form.reasons.data or "",
                no_conflict_confirmed=bool(form.no_conflict.data), changed_terms=changed))
        except services.RoutingChanged as failure:
            db.session.commit()  # the re-routing stands (audited); the decision was not made
            case = _load(case_id)
            flash(failure.errors["case"], "error")
        except ValidationFailed as failure:
            db.session.rollback()
            case = _load(case_id)
            show_errors(form, failure)
            for field, message in failure.errors.items():
                if not hasattr(form, field):
                    flash(message, "error")
        else:
            db.session.commit()
            flash(_("The decision was recorded."), "success")
            return redirect(url_for("cases.show", case_id=case.id), code=303)
    return render_template("cases/show.html", **_case_context(case, decide_form=form)), 422


@bp.post("/<id:case_id>/hela-skulden")
@with_write_lock
@login_required
def propose_whole_debt(case_id: int):
    """The case officer proposes that the whole debt of this broken plan or deferral falls due: a
    new case, linked to it, submitted to whoever may grant that plan today (RULINGS 16)."""
    access.require(current_user, access.PREPARE_CASE)
    plan = _load(case_id)
    form = WholeDebtForm()
    done, proposal = submitted(form, lambda: whole_debt.whole_debt_due_propose(
        actor(access.capacity(current_user, access.PREPARE_CASE)), plan, form.reasons.data or ""))
    if done:
        flash(_("The proposal that the whole debt falls due was submitted as case %(number)s.",
                number=proposal.registry_number), "success")
        return redirect(url_for("cases.show", case_id=proposal.id), code=303)
    db.session.rollback()
    plan = _load(case_id)
    for message in form.form_errors:
        flash(message, "error")
    return render_template("cases/show.html", **_case_context(plan, whole_debt_form=form)), 422


@bp.post("/<id:case_id>/bilagor")
@login_required
def attach(case_id: int):
    access.require(current_user, access.PREPARE_CASE)
    form = AttachmentForm()

    def add(case, form):
        upload = form.file.data
        data = upload.read() if upload and getattr(upload, "filename", "") else b""
        services.attachment_add(actor(access.capacity(current_user, access.PREPARE_CASE)), case,
                                getattr(upload, "filename", "") or "", data)

    return _step(case_id, add, form_cls=AttachmentForm, form_key="attachment_form",
                 message=_("The attachment was added."))


@bp.post("/<id:case_id>/forutsattningar")
@login_required
def answer_condition(case_id: int):
    access.require(current_user, access.PREPARE_CASE)

    def answer(case, form):
        upload = form.file.data
        data = upload.read() if upload and getattr(upload, "filename", "") else b""
        services.condition_answer(
            actor(access.capacity(current_user, access.PREPARE_CASE)), case,
            condition_id=params.to_id(form.condition_id.data),
            met={"yes": True, "no": False}.get(form.met.data or ""),
            filename=getattr(upload, "filename", "") or "", data=data)

    return _step(case_id, answer, form_cls=ConditionAnswerForm, form_key="condition_form",
                 message=_("The answer was recorded."))


@bp.get("/bilagor/<id:attachment_id>")
@login_required
def attachment(attachment_id: int):
    item = db.get_or_404(Attachment, attachment_id)
    _load(item.case_id)  # 404 and the case's own access check
    return file_response(item.content, item.mimetype, item.filename)


@bp.post("/<id:case_id>/verkstall")
@login_required
def execute(case_id: int):
    access.require(current_user, access.EXECUTE_CASE)
    return _step(case_id, lambda case, form: services.case_execute(
        actor(access.capacity(current_user, access.EXECUTE_CASE)), case),
        message=_("The case was marked executed."))


@bp.post("/<id:case_id>/avtal")
@login_required
def register_agreement(case_id: int):
    access.require(current_user, access.PREPARE_CASE)

    def register(case: Case, form: AgreementForm) -> None:
        upload = form.scan.data
        scan = None
        if upload and getattr(upload, "filename", ""):
            scan = services.Scan(upload.filename, upload.read(services.SCAN_MAX_BYTES + 1))
        services.agreement_register_signed(actor(access.capacity(current_user, access.PREPARE_CASE)), case,
                                           form.received_on.data, scan)

    return _step(case_id, register, form_cls=AgreementForm, form_key="agreement_form",
                 message=_("The signed agreement was registered: the plan is in effect."))


@bp.get("/<id:case_id>/avtal/skanning")
@login_required
def agreement_scan(case_id: int):
    """The scan of the signed agreement, as the case officer registered it."""
    case = _load(case_id)
    agreement = case.signed_agreement
    if agreement is None or agreement.scan is None:
        abort(404)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[agreement.scan_mimetype]
    filename = f"avtal-{(case.registry_number or str(case.id)).replace(' ', '-').replace('/', '-')}.{extension}"
    return file_response(agreement.scan, agreement.scan_mimetype, filename)


@bp.get("/vantar-pa-underskrift")
@login_required
def awaiting_signature():
    """Granted plans whose signed agreement has not come in."""
    access.require(current_user, access.FOLLOW_SIGNATURES)
    page = params.arg_int("sida", 1, minimum=1, maximum=params.MAX_PAGE)
    return render_template("cases/awaiting_signature.html", cases=queries.signature_queue(current_user, page),
                           day_form=LetterDayForm(formdata=None, dag=clock.today()))


@bp.get("/beslutsbrev")
@login_required
def letters_of_day():
    """The decision letters issued on a day as one PDF, copied from the stored letters."""
    access.require(current_user, access.PRINT_LETTERS)
    form = LetterDayForm(request.args)
    if not form.validate():
        abort(400)
    day = form.dag.data or clock.today()
    issued = queries.letters_issued_on(day, current_user)
    if not issued:
        abort(404)
    return file_response(documents.documents_merged(issued), "application/pdf",
                         f"beslutsbrev-{day.isoformat()}.pdf", inline=True)


# --- lists ------------------------------------------------------------------------------------------

@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """The case list. The search text is posted, never put in an address (it may be a
    personnummer): the list's address carries the filters and an opaque token for the text."""
    access.require(current_user, access.LIST_CASES)
    if request.method == "POST":
        text = request.form.get("q", "")[:100]
        filters = {name: value for name, value in request.form.items()
                   if name in CASE_FILTERS and value}
        return params.searched("cases.index", text, lambda token: _case_list(
            MultiDict([*filters.items(), ("sok", token or "")]), text), **filters)
    return _case_list(request.args, params.recall_search(request.args.get("sok")))


CASE_FILTERS = ("case_type", "state", "committee_id", "unit_id", "amount_min", "amount_max", "submitted_from",
                "submitted_to")


def _case_list(args, text: str):
    form = CaseFilterForm(formdata=MultiDict([(name, value) for name in CASE_FILTERS
                                              for value in args.getlist(name)[:1]]))
    form.q.data = text
    form.case_type.choices = [("", _("All"))] + [(k.value, str(v)) for k, v in CASE_TYPE_LABELS.items()]
    form.state.choices = [("", _("All"))] + [(k.value, str(v)) for k, v in CASE_STATE_LABELS.items()]
    committees = db.session.scalars(select(Committee).where(Committee.parent_id.is_(None))
                                    .order_by(Committee.name)).all()
    form.committee_id.choices = [("", _("All"))] + [(str(c.id), c.name) for c in committees]
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "unit").order_by(OrgUnit.name)).all()
    form.unit_id.choices = [("", _("All"))] + [(str(u.id), u.name) for u in units]
    form.validate()
    filters = queries.CaseFilters(
        q=form.q.data or None, case_type=params.to_choice(form.case_type.data, CaseType),
        state=params.to_choice(form.state.data, CaseState),
        committee_id=params.to_id(form.committee_id.data), unit_id=params.to_id(form.unit_id.data),
        amount_min_ore=_filter_money(form.amount_min), amount_max_ore=_filter_money(form.amount_max),
        submitted_from=form.submitted_from.data, submitted_to=form.submitted_to.data,
    )
    page = queries.case_page(filters, current_user, page=params.to_int(args.get("sida"), minimum=1, maximum=params.MAX_PAGE) or 1)
    # The pages of the list carry the filters and the search's token, never the text itself.
    page_args = {name: args.get(name) for name in (*CASE_FILTERS, "sok") if args.get(name)}
    return page_or_partial("cases/index.html", "cases/_list.html", form=form, page=page, args=page_args)


def _filter_money(field) -> int | None:
    """An amount filter: a bad one is named beside its field and left out of the search."""
    try:
        return params.to_money(field.data)
    except MoneyParseError:
        field.errors = [*field.errors, params.money_message()]
        return None


@bp.get("/att-verkstalla.csv")
@login_required
def export_for_ledger():
    """Granted cases not yet executed, for booking in the ledger: one line per invoice with that
    invoice's own amount (see portal/downloads.py for how cells and amounts are written)."""
    access.require(current_user, access.EXECUTE_CASE)
    header = ["Diarienummer", "Typ", "Beslut", "Beslutsdatum", "Fakturanummer", "Reskontra", "Belopp",
              "Ny förfallodag", "Antal delbetalningar", "Månadsbelopp", "Avskrivningsorsak",
              "Skäl att avstå från eller avbryta indrivning"]
    return csv_response(f"att-verkstalla-{clock.today().isoformat()}.csv", header, _ledger_rows())


def _ledger_rows():
    reasons = {reason.value: reason.label for reason in WriteOffReason}
    collection_reasons = {reason.value: reason.label for reason in CollectionReason}
    for case in queries.granted_not_executed(current_user):
        decision = case.decision
        lines = sorted(case.lines, key=lambda line: line.id)
        amounts = decided_line_amounts(CaseType(case.case_type), [
            InvoiceLine(line.invoice_id, line.open_capital_ore, line.interest_ore, line.fees_ore,
                        line.credited_capital_ore) for line in lines], decision.amount_ore)
        if case.is_whole_debt_due:
            # The whole open capital of each invoice falls due on the decision day (RULINGS 16).
            amounts = [line.open_capital_ore for line in lines]
        for line, amount in zip(lines, amounts, strict=True):
            whole = case.is_whole_debt_due
            yield [
                case.registry_number, case.type_label,
                OUTCOME_LABELS[Outcome(decision.outcome)], decision.decision_date.isoformat(),
                line.invoice.invoice_number, line.invoice.ledger_source, csv_amount(amount),
                decision.decision_date.isoformat() if whole else decision.terms.get("new_due_date", ""),
                "" if whole else decision.terms.get("instalments") or "",
                "" if whole else csv_amount(decision.terms.get("monthly_amount_ore")),
                reasons.get(decision.terms.get("write_off_reason") or "", ""),
                collection_reasons.get(decision.terms.get("collection_reason") or "", ""),
            ]
    yield from _batch_ledger_rows(reasons)


def _batch_ledger_rows(reasons: dict):
    """Granted batch write-offs, one line per invoice with what is given up on it (RULINGS 17)."""
    from portal.batches.queries import granted_not_executed as batches_granted

    for batch in batches_granted(current_user):
        decision = batch.decision
        for line in batch.included:
            yield [batch.registry_number, _("Write-off (batch)"), OUTCOME_LABELS[Outcome.GRANTED],
                   decision.decision_date.isoformat(), line.invoice.invoice_number, line.invoice.ledger_source,
                   csv_amount(line.amount_ore), "", "", "", reasons.get(line.write_off_reason, "")]


@bp.get("/mina-koer")
@login_required
def queues():
    """The counts on "Mina uppgifter", refreshed by htmx."""
    return render_template("cases/_queues.html", **queue_context())


# Each queue's page in the query string of the start page (and of its htmx refresh).
QUEUE_PAGE_ARGS = {"to_decide": "beslut_sida", "consult": "samrad_sida", "drafts": "utkast_sida",
                   "to_execute": "bokfor_sida"}


def queue_page_arg(name: str) -> int:
    return params.arg_int(QUEUE_PAGE_ARGS[name], 1, minimum=1, maximum=params.MAX_PAGE)


def queue_context() -> dict:
    """The start page's queues, each a page at a time (queries.QUEUE_SIZE) with the whole queue's
    count; an empty queue where the reader does not act on it."""
    today = clock.today()
    empty = queries.Queue([], 0)
    to_decide = queries.to_decide_queue(current_user.id, today, queue_page_arg("to_decide"))
    drafts = (queries.drafts_queue(current_user.id, queue_page_arg("drafts"))
              if access.allowed(current_user, access.PREPARE_CASE) else empty)
    consult = (queries.consultation_queue(current_user, queue_page_arg("consult"))
               if access.allowed(current_user, access.CONSULT_CASE) else empty)
    execute = (queries.to_execute_queue(current_user, queue_page_arg("to_execute"))
               if access.allowed(current_user, access.EXECUTE_CASE) else empty)
    # RULINGS 10: beside each case to decide, the customer's debt to its committee and to the others.
    debts = queries.debts_beside([item.case for item in to_decide.rows], today)
    return {"to_decide": to_decide, "drafts": drafts, "consult": consult, "to_execute": execute,
            "debts": debts, "wants_partial": wants_partial()}


STEP_LABELS = {
    "case.create": _l("Draft created"),
    "case.update": _l("Terms changed"),
    "case.submit": _l("Submitted"),
    "case.record_consultation": _l("Consultation recorded"),
    "case.return_for_completion": _l("Returned for completion"),
    "case.refer_to_committee": _l("Referred to the committee"),
    "case.grant": _l("Granted"),
    "case.partly_grant": _l("Partly granted"),
    "case.refuse": _l("Refused"),
    "case.execute": _l("Executed"),
    "case.register_agreement": _l("Signed agreement registered"),
    "case.withdraw": _l("Withdrawn"),
    "case.declare_conflict": _l("Conflict of interest declared"),
}


@bp.app_context_processor
def customer_cases():
    """The customer page (receivables) lists the customer's cases through this, so the two
    domains stay apart."""

    def cases_of_customer(customer_id: int) -> list[Case]:
        return queries.cases_of_customer(customer_id, current_user)

    return {"cases_of_customer": cases_of_customer}


@bp.context_processor
def case_helpers():
    from portal.audit.labels import action_label
    from portal.cases.refusals import outcome_text
    from portal.delegation.messages import barred_text, capacity_text, reason_text
    from portal.delegation.models import WriteOffReason

    def consultation_note(outcome, names) -> str:
        target = outcome.consultation
        if target is None:
            return ""
        return names.unit(target.unit_id) if target.unit_id else names.position(target.position_id)

    def capacity_label(value: str) -> str:
        """"case_officer" or "standin:1.1" as a person reads it."""
        from portal.auth.roles import Role

        kind, _sep, rule = value.partition(":")
        if kind in {r.value for r in Role}:
            return Role(kind).label
        words = {"holder": _("holder"), "standin": _("stand-in"), "further_delegate": _("further delegate")}
        label = str(words.get(kind, kind))
        return f"{label}, {_('rule %(number)s', number=rule)}" if rule else label

    return {
        "capacity_label": capacity_label,
        "reason_text": reason_text,
        "barred_text": barred_text,
        "outcome_text": outcome_text,
        "capacity_text": capacity_text,
        "consultation_note": consultation_note,
        "write_off_label": lambda value: WriteOffReason(value).label,
        "step_label": lambda action: str(STEP_LABELS.get(action) or action_label(action)),
    }
