"""Pages on the delegation blueprint that ask the engine: "Vem får besluta?" and further delegation."""

from __future__ import annotations

from dataclasses import replace

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import access, clock, params
from portal.delegation import display, queries, services
from portal.delegation import messages as m
from portal.delegation.engine_types import limit_applies
from portal.delegation.forms import NONE_CHOICE, EndForm, FurtherDelegationForm, SimulatorForm
from portal.delegation.messages import CASE_TYPE_LABELS, conditions_text, label, length_text, limits_text
from portal.delegation.models import EligibilityCondition, FurtherDelegation
from portal.delegation.limits import broken_after_days
from portal.delegation.rules import verdict
from portal.delegation.views import bp
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.org.models import Committee, OrgUnit, Position, PositionKind
from portal.org.queries import appointments_on
from portal.org.views import held_notice
from portal.receivables import followup
from portal.web import actor, page_or_partial, saved, show_errors

# --- Vem får besluta? ------------------------------------------------------------------------------

@bp.get("/vem-far-besluta")
@login_required
def simulator():
    access.require(current_user, access.VIEW_SCHEMES)
    committees = access.committees_in_sight(current_user, queries.main_committees())
    form = SimulatorForm(formdata=request.args if request.args else None)
    form.committee_id.choices = [NONE_CHOICE] + [(c.id, c.name) for c in committees]
    units = db.session.execute(
        select(OrgUnit.id, OrgUnit.name, OrgUnit.committee_id)
        .where(OrgUnit.committee_id.in_([c.id for c in committees]))
        .order_by(OrgUnit.name)
    ).all()
    codes = {c.id: c.code for c in committees}
    form.issuing_unit_id.choices = [NONE_CHOICE] + [
        (unit_id, f"{name} ({codes[committee_id]})") for unit_id, name, committee_id in units
    ]
    form.invoice_category_id.choices = [NONE_CHOICE] + sorted(
        queries.invoice_categories().items(), key=lambda item: item[1]
    )
    conditions = _simulator_conditions(committees)
    result, status = None, 200
    if request.args:
        try:
            if not form.validate():
                raise ValidationFailed({})
            day = form.on_date.data or clock.today()
            facts = replace(form.to_facts(day),
                            conditions_met=frozenset(c.id for c, _code, answer in conditions if answer == "yes"),
                            conditions_unmet=frozenset(c.id for c, _code, answer in conditions if answer == "no"))
        except ValidationFailed as failure:
            show_errors(form, failure)
            status = 422
        else:
            committee = next((c for c in committees if c.id == facts.committee_id), None)
            if committee is None:
                abort(403)
            result = _ask(committee, facts, day)
    return page_or_partial("delegation/simulator.html", "delegation/_simulator_result.html", status,
                           form=form, result=result, conditions=conditions)


def _simulator_conditions(committees) -> list[tuple]:
    """The committees' own named conditions, each with the answer asked (the built-in ones are
    asked as the facts they are computed from)."""
    codes = {c.id: c.code for c in committees}
    found = db.session.scalars(
        select(EligibilityCondition).where(EligibilityCondition.committee_id.in_(sorted(codes)))
        .order_by(EligibilityCondition.committee_id, EligibilityCondition.name)
    ).all()
    return [(c, codes[c.committee_id], params.arg_choice(f"condition-{c.id}", {"yes", "no"})) for c in found]


def _ask(committee, facts, day) -> dict:
    context = queries.case_context(committee.id, day)
    version = queries.version_in_force(committee.id, day) if context.version_id is not None else None
    result = {"committee": committee, "day": day, "version": version,
              "case_type": label(CASE_TYPE_LABELS, facts.case_type), "length": length_text(facts)}
    if version is None:
        return result
    found = verdict(facts, context.engine_version, context.org, day, context.price_base_amounts)
    outcomes, committee_reasons = display.verdict_view(
        found, version, queries.names(), context.price_base_amounts
    )
    barred = m.barred_text(o.guideline_point for o in found.outcomes if o.is_bar and o.matched)
    return result | {"verdict": found, "outcomes": outcomes, "committee_reasons": committee_reasons,
                     "barred": barred if found.barred else None,
                     "broken_after": _broken_after(facts, context.engine_version)}


def _broken_after(facts, version) -> dict | None:
    """A plan or deferral granted under each rule of its type is broken when late by more than
    this many days (RULINGS 16): the municipality's setting, or the rule's stricter one."""
    if not limit_applies("broken_after_days", facts.case_type):
        return None
    setting = followup.broken_after_days()
    rules = version.rules_by_case_type.get(facts.case_type, ())
    return {"setting": setting, "rules": {rule.number: broken_after_days(rule.limits, setting) for rule in rules}}


# --- further delegation ----------------------------------------------------------------------------

def _held_department_heads() -> list[Position]:
    return [
        a.position
        for a in appointments_on(current_user.id, clock.today())
        if a.position.kind == PositionKind.DEPARTMENT_HEAD
    ]


def _condition_choices(held) -> list[tuple[int, str]]:
    """The named conditions of the committees whose rules the department head may pass on, each
    once; named with its committee where she heads departments of more than one."""
    committees = {committee_id: db.session.get(Committee, committee_id)
                  for committee_id in sorted({position.committee.main_committee_id for position in held})}
    choices, seen = [], set()
    for committee_id, committee in committees.items():
        for condition in queries.conditions_of(committee_id):
            if condition.id not in seen:
                seen.add(condition.id)
                name = condition.name if len(committees) == 1 or condition.committee_id is None \
                    else f"{committee.name}: {condition.name}"
                choices.append((condition.id, name))
    return choices


def _further_context(form: FurtherDelegationForm | None = None) -> dict:
    today = clock.today()
    held = _held_department_heads()
    org = queries.org_snapshot()
    form = form or FurtherDelegationForm(formdata=None)
    rule_choices, receiving = [NONE_CHOICE], [NONE_CHOICE]
    seen_receivers: set[int] = set()
    for position in held:
        committee_id = position.committee.main_committee_id
        versions = [queries.version_in_force(committee_id, today),
                    *queries.future_versions(committee_id, today)]
        for version in filter(None, versions):
            for rule in version.rules:
                if rule.allows_further_delegation:
                    kind = label(CASE_TYPE_LABELS, rule.case_type)
                    rule_choices.append((
                        f"{version.id}:{position.id}:{rule.number}",
                        f"{version.adoption_reference} – {rule.number} ({kind}): {rule.text[:80]}",
                    ))
        department = org.department_of(position.org_unit_id) if position.org_unit_id else None
        candidates = db.session.scalars(
            select(Position).where(Position.org_unit_id.is_not(None), Position.active.is_(True))
            .order_by(Position.title)
        ).all()
        for candidate in candidates:
            if (candidate.id != position.id and candidate.id not in seen_receivers
                    and org.department_of(candidate.org_unit_id) == department):
                seen_receivers.add(candidate.id)
                receiving.append((candidate.id, candidate.title))
    form.rule.choices = rule_choices
    form.receiving_position_id.choices = receiving
    form.required_condition_ids.choices = _condition_choices(held)
    items = db.session.scalars(
        select(FurtherDelegation)
        .where(FurtherDelegation.delegating_position_id.in_([p.id for p in held]))
        .order_by(FurtherDelegation.starts_on.desc())
    ).all()
    pbb, names = queries.price_base_amounts(), queries.names()
    return {
        "held": held,
        "form": form,
        "items": [(item, limits_text(item.limits(), pbb, today.year) + conditions_text(item.limits(), names)
                   if item.has_own_limits else [])
                  for item in items],
        "end_form": EndForm(formdata=None),
        "today": today,
    }


def _department_head():
    access.require(current_user, access.FURTHER_DELEGATION)
    return actor(access.capacity(current_user, access.FURTHER_DELEGATION))


@bp.get("/vidaredelegering")
@login_required
def further():
    access.require(current_user, access.FURTHER_DELEGATION)
    return page_or_partial("delegation/further.html", "delegation/_further.html",
                           **_further_context())


@bp.post("/vidaredelegering")
@login_required
def further_create():
    head = _department_head()
    form = FurtherDelegationForm()
    context = _further_context(form)  # fills the choices
    if form.validate_on_submit():
        try:
            result = services.further_delegation_create(head, current_user.id, form.to_input())
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            db.session.commit()
            return saved("delegation/_further.html", url_for("delegation.further"),
                         **_further_context(), **held_notice(result))
    return page_or_partial("delegation/further.html", "delegation/_further.html", 422, **context)


@bp.post("/vidaredelegering/<id:item_id>/avsluta")
@login_required
def further_end(item_id: int):
    item = db.get_or_404(FurtherDelegation, item_id)
    head = _department_head()
    form = EndForm()
    context = _further_context()
    if form.validate_on_submit():
        try:
            services.further_delegation_end(head, current_user.id, item, ends_on=form.ends_on.data)
        except ValidationFailed as failure:
            context["end_errors"] = {item.id: " ".join(failure.errors.values())}
        else:
            db.session.commit()
            return saved("delegation/_further.html", url_for("delegation.further"),
                         **_further_context())
    else:
        context["end_errors"] = {item.id: _("Enter the last day.")}
    return page_or_partial("delegation/further.html", "delegation/_further.html", 422, **context)
