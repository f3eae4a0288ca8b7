"""Batch write-off pages: prepare (filter or file), check line by line, submit, decide, execute."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import access, clock, jobs, params
from portal.batches import queries, services
from portal.batches.explain import line_reasons
from portal.batches.forms import BatchDecideForm, LinesForm, NewBatchForm, NoteForm, ReferForm
from portal.batches.jobs import BUILD, SUBJECT
from portal.batches.models import WriteOffBatch
from portal.batches.routing import check_decider, route
from portal.batches.rules import BatchState, common_path
from portal.delegation import queries as delegation_queries
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.meetings.queries import item_of_batch
from portal.money import MoneyParseError
from portal.org.models import Committee, OrgUnit
from portal.web import actor, confirm_step, is_confirmed, show_errors, submitted, with_write_lock

bp = Blueprint("batches", __name__, url_prefix="/samlingsbeslut")


def _load(batch_id: int) -> WriteOffBatch:
    batch = queries.batch_with_lines(batch_id)
    if batch is None:
        abort(404)
    access.require(current_user, access.VIEW_BATCH, batch)
    return batch


def _preparer_capacity() -> str:
    return access.capacity(current_user, access.EXECUTE_CASE)


@bp.get("/")
@login_required
def index():
    access.require(current_user, access.LIST_BATCHES)
    return render_template("batches/index.html", batches=queries.batches_for(current_user))


def _new_form() -> NewBatchForm:
    form = NewBatchForm()
    committees = db.session.scalars(select(Committee).where(Committee.parent_id.is_(None)).order_by(Committee.name)).all()
    form.committee_id.choices = [("", "—")] + [(str(c.id), c.name) for c in committees]
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "unit").order_by(OrgUnit.name)).all()
    form.unit_ids.choices = [(u.id, f"{u.name} ({u.committee.name})") for u in units]
    return form


def _create(form: NewBatchForm) -> WriteOffBatch:
    head = services.BatchHead(
        committee_id=params.to_id(form.committee_id.data), title=form.title.data or "",
        write_off_reason=form.write_off_reason.data or None, write_off_final=form.write_off_final.data == "final",
        reasons=form.reasons.data or "")
    who = actor(access.capacity(current_user, access.EXECUTE_CASE))
    if form.source.data == "file":
        upload = form.file.data
        data = upload.read() if upload and getattr(upload, "filename", "") else b""
        batch = services.batch_create_from_file(who, head, getattr(upload, "filename", "") or "", data)
    else:
        try:
            below = params.to_money(form.below.data)
        except MoneyParseError as failure:
            raise ValidationFailed({"below": params.money_message()}) from failure
        batch = services.batch_create_from_filter(who, head, services.BatchFilter(
            below_ore=below, due_before=form.due_before.data, debt_restructuring=bool(form.debt_restructuring.data),
            deceased=bool(form.deceased.data), unit_ids=tuple(form.unit_ids.data or ())))
    jobs.enqueue(who, BUILD, subject=(SUBJECT, batch.id))
    return batch


@bp.route("/ny", methods=["GET", "POST"])
@login_required
def new():
    access.require(current_user, access.PREPARE_BATCH)
    form = _new_form()
    ok, batch = submitted(form, lambda: _create(form))
    if ok:
        flash(_("The batch is being built; the page shows it when it is ready."), "success")
        return redirect(url_for("batches.show", batch_id=batch.id), code=303)
    return render_template("batches/new.html", form=form), 422 if request.method == "POST" else 200


def _context(batch: WriteOffBatch, **forms) -> dict:
    today = clock.today()
    open_states = {BatchState.DRAFT, BatchState.AWAITING_DECISION}
    verdict = route(batch, today) if batch.state_enum in open_states and batch.included else None
    names = delegation_queries.names()
    failing = {}
    if verdict is not None:
        failing = {line_id: line_reasons(verdict.verdicts[line_id], names) for line_id in verdict.failing}
    may_decide_now = False
    refusal = None
    if batch.state_enum == BatchState.AWAITING_DECISION and batch.prepared_by_id != current_user.id:
        checks = check_decider(batch, current_user.id, today)
        if checks is not None:
            may_decide_now = common_path(checks.values()) is not None
            if not may_decide_now and verdict is not None and any(
                    current_user.id in rule.person_ids for rule in verdict.covering):
                from portal.batches.explain import refusal_text

                refusal = refusal_text(batch, checks, today)
    preparer = batch.prepared_by_id == current_user.id and batch.state_enum == BatchState.DRAFT
    item = item_of_batch(batch.id) if batch.state_enum == BatchState.REFERRED_TO_COMMITTEE or (
        batch.decision is not None and not batch.decision.is_delegated) else None
    return {
        "agenda_item": item,
        "may_read_meeting": item is not None and access.allowed(current_user, access.VIEW_MEETING, item.meeting),
        "show_customers": queries.shows_customers(current_user, batch, today),
        "batch": batch, "verdict": verdict, "failing": failing, "names": names,
        "deciders": {rule.rule_number: sorted(names.person(p) for p in rule.person_ids)
                     for rule in (verdict.covering if verdict else ())},
        "may": {"prepare": preparer, "decide": may_decide_now,
                "execute": batch.state_enum == BatchState.GRANTED and access.allowed(current_user, access.EXECUTE_CASE),
                "withdraw": batch.prepared_by_id == current_user.id and batch.state_enum in (
                    BatchState.DRAFT, BatchState.AWAITING_DECISION, BatchState.REFERRED_TO_COMMITTEE),
                "conflict": batch.state_enum in (BatchState.DRAFT, BatchState.AWAITING_DECISION)
                and access.allowed(current_user, access.DECLARE_BATCH_CONFLICT, batch)},
        "refusal": refusal,
        "job": jobs.latest_for(SUBJECT, batch.id),
        "documents": queries.documents_of(current_user, batch, today),
        "decide_form": forms.get("decide_form") or BatchDecideForm(formdata=None),
        "refer_form": forms.get("refer_form") or ReferForm(formdata=None),
        "lines_form": forms.get("lines_form") or LinesForm(formdata=None),
        "note_form": NoteForm(formdata=None),
    }


@bp.get("/<id:batch_id>")
@login_required
def show(batch_id: int):
    return render_template("batches/show.html", **_context(_load(batch_id)))


def _step(batch_id: int, call, message: str, form_cls=NoteForm, form_key: str | None = None):
    batch = _load(batch_id)
    form = form_cls()
    if form.validate_on_submit():
        try:
            call(batch, form)
        except ValidationFailed as failure:
            db.session.rollback()
            batch = _load(batch_id)
            show_errors(form, failure)
            for field, text in failure.errors.items():
                if not hasattr(form, field):
                    flash(text, "error")
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("batches.show", batch_id=batch_id), code=303)
    else:
        for errors in form.errors.values():
            for text in errors:
                flash(text, "error")
    context = _context(batch, **({form_key: form} if form_key else {}))
    return render_template("batches/show.html", **context), 422


def _require_preparer() -> None:
    access.require(current_user, access.PREPARE_BATCH)


@bp.post("/<id:batch_id>/utelamna")
@login_required
def leave_out(batch_id: int):
    _require_preparer()
    return _step(batch_id, lambda batch, form: services.batch_leave_out(
        actor(_preparer_capacity()), batch, list(form.line_ids.data or [])),
        _("The chosen lines were left out."), LinesForm, "lines_form")


@bp.post("/<id:batch_id>/ta-tillbaka")
@login_required
def take_back(batch_id: int):
    _require_preparer()
    return _step(batch_id, lambda batch, form: services.batch_leave_out(
        actor(_preparer_capacity()), batch, list(form.line_ids.data or []), left_out=False),
        _("The chosen lines were taken back."), LinesForm, "lines_form")


@bp.post("/<id:batch_id>/utelamna-underkanda")
@login_required
def leave_out_failing(batch_id: int):
    _require_preparer()
    return _step(batch_id, lambda batch, form: services.batch_leave_out_failing(actor(_preparer_capacity()), batch),
                 _("The lines no delegated rule covers were left out."))


@bp.post("/<id:batch_id>/skicka")
@login_required
def submit(batch_id: int):
    _require_preparer()
    return _step(batch_id, lambda batch, form: services.batch_submit(actor(_preparer_capacity()), batch),
                 _("The batch was submitted."))


@bp.post("/<id:batch_id>/aterkalla")
@login_required
def withdraw(batch_id: int):
    _require_preparer()
    if not is_confirmed():
        batch = _load(batch_id)
        return confirm_step(title=_("Withdraw the batch"),
                            question=_("Withdraw the batch \"%(title)s\"? A withdrawn batch is closed for good.",
                                       title=batch.title),
                            button=_("Withdraw the batch"), cancel_url=url_for("batches.show", batch_id=batch.id))
    return _step(batch_id, lambda batch, form: services.batch_withdraw(
        actor(_preparer_capacity()), batch, form.note.data or ""), _("The batch was withdrawn."))


@bp.post("/<id:batch_id>/jav")
@login_required
def declare_conflict(batch_id: int):
    access.require(current_user, access.DECLARE_BATCH_CONFLICT, _load(batch_id))
    return _step(batch_id, lambda batch, form: services.conflict_declare(actor(None), batch, form.note.data),
                 _("Your conflict of interest was recorded: you cannot decide the batch."))


@bp.post("/<id:batch_id>/beslut")
@with_write_lock
@login_required
def decide(batch_id: int):
    def call(batch, form):
        services.batch_decide(actor(_deciding_capacity(batch)), batch, services.BatchDecisionInput(
            granted=form.outcome.data == "granted", reasons=form.reasons.data or "",
            no_conflict_confirmed=bool(form.no_conflict.data)))

    return _step(batch_id, call, _("The decision was recorded."), BatchDecideForm, "decide_form")


def _deciding_capacity(batch: WriteOffBatch) -> str | None:
    """The capacity and rule under which the person may decide the batch today (None: they may not)."""
    checks = check_decider(batch, current_user.id, clock.today())
    path = common_path(checks.values()) if checks else None
    return f"{path.decider.capacity.value}:{path.rule_number}" if path else None


@bp.post("/<id:batch_id>/namnden")
@with_write_lock
@login_required
def refer(batch_id: int):
    """The decider refers the batch to the committee (the service refuses, and records, anyone else)."""
    return _step(batch_id, lambda batch, form: services.batch_refer(
        actor(_deciding_capacity(batch)), batch, form.note.data or ""),
        _("The batch was referred to the committee."), ReferForm, "refer_form")


@bp.post("/<id:batch_id>/verkstall")
@login_required
def execute(batch_id: int):
    access.require(current_user, access.EXECUTE_CASE)
    if not is_confirmed():
        batch = _load(batch_id)
        return confirm_step(title=_("Mark the batch executed"),
                            question=_("Have all %(count)s write-offs of batch %(number)s been booked in the ledger?",
                                       count=batch.line_count, number=batch.registry_number),
                            button=_("Mark executed"), cancel_url=url_for("batches.show", batch_id=batch.id))
    return _step(batch_id, lambda batch, form: services.batch_execute(
        actor(access.capacity(current_user, access.EXECUTE_CASE)), batch), _("The batch was marked executed."))


@bp.context_processor
def batch_helpers():
    from portal.delegation.models import WriteOffReason

    return {"write_off_label": lambda value: WriteOffReason(value).label}
