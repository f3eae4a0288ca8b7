"""The one place that answers: may this user see or change this object? Views never decide it.

What a system role alone settles is answered here. What depends on the object or on the positions
a person holds on a day is answered by the domain that owns the object, with the same query its
lists use: each domain registers its rule here (`register`) when its queries module is imported,
so this module imports no domain and the domains import it. README "Vem ser vad" is the table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, g

from portal import clock
from portal.auth.models import User
from portal.auth.roles import Role

# Actions on the organisation and users.
VIEW_ORGANISATION = "organisation.view"
EDIT_ORGANISATION = "organisation.edit"
VIEW_COMMITTEE = "committee.view"  # obj: a committee (org registers the rule)
MANAGE_USERS = "users.manage"
VIEW_USER = "user.view"
# Absences (Frånvaro): organisation readers see them all; a holder of a position sees and registers
# her own (obj: her absence, or None for a new one), a stand-in sees whom she stands in for and until
# when. The rules are the org domain's (portal/org/queries.py, portal/org/rules.py).
VIEW_ABSENCES = "absences.view"
REGISTER_OWN_ABSENCE = "absence.register_own"
# Registrations waiting for a second person (RULINGS 9): the page is for those who may register
# such things, organisation editors and department heads; which rows each sees and may confirm is
# portal/org/confirmations.py's.
REVIEW_REGISTRATIONS = "registrations.review"

# --- cases ---
# Municipality-wide readers see every case (RULINGS 10): the case officers and finance officers whose
# work is municipality-wide, the finance director who answers for the receivables, and the auditor.
# Everyone else sees cases through the positions they hold or stand in for: the rule is the cases
# domain's (`portal/cases/queries.py` `visible_to`), used by the case page and every list alike.
VIEW_CASE = "case.view"  # obj: a case
LIST_CASES = "case.list"
DECLARE_CONFLICT = "case.declare_conflict"  # obj: a case; only those who could act on it
PREPARE_CASE = "case.prepare"
CONSULT_CASE = "case.consult"
EXECUTE_CASE = "case.execute"
CASE_READERS = frozenset({Role.CASE_OFFICER, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR, Role.AUDITOR})
# Plans waiting for the customer's signed agreement, and the letters of a day as one PDF: the case
# officers who register agreements and send letters, and finance who books the plans.
FOLLOW_SIGNATURES = "case.follow_signatures"
PRINT_LETTERS = "documents.print_letters"
SIGNATURE_FOLLOWERS = frozenset({Role.CASE_OFFICER, Role.FINANCE_OFFICER})

# --- batch write-offs (samlingsbeslut, RULINGS 17) ---
# Finance prepares them; finance roles, the auditor and whoever may decide a batch see it. The
# rules are the batches domain's (`portal/batches/queries.py`), registered like the cases' own.
VIEW_BATCH = "batch.view"  # obj: a batch
LIST_BATCHES = "batch.list"
PREPARE_BATCH = "batch.prepare"
DECLARE_BATCH_CONFLICT = "batch.declare_conflict"  # obj: a batch

# --- documents ---
# An issued document is seen by whoever may see what it is about: each domain registers the rule
# for the documents of its objects (`register_document`): a decision's by those who may view the
# case, a scheme's by those who may read the committee's schemes, a meeting's by its readers.
VIEW_DOCUMENT = "document.view"

STAFF_ROLES = frozenset(Role)
ORGANISATION_EDITORS = frozenset({Role.FINANCE_DIRECTOR, Role.ADMINISTRATOR})

# --- receivables -----------------------------------------------------------------------------
# Customers' data is personal data (elderly care and LSS are under secrecy): only the roles that
# work with debts or audit them see customers. The full personnummer is shown to those who act on
# the debt (case officer, finance officer, finance director); the auditor sees it masked. A
# protected identity (skyddad identitet) is masked for everyone and its address hidden.
VIEW_CUSTOMERS = "customers.view"
# One customer's page (obj: a customer): the customer viewers above see all of it; a decider sees
# it while she has a case of that customer to decide, or decided one in the last 30 days, and then
# only the debts to that case's committee in detail, to other committees as one total (RULINGS 10).
# The decider's part is the cases domain's rule (portal/cases/queries.py), registered like the others.
VIEW_CUSTOMER = "customer.view"
VIEW_FULL_IDENTITY = "customers.full_identity"
IMPORT_LEDGER = "ledger.import"  # upload, preview and import files; keep saved mappings
VIEW_IMPORTS = "ledger.imports.view"  # the import history and saved mappings
VIEW_REFERENCE_DATA = "reference.view"  # categories, reference rates, fees, stage codes
EDIT_REFERENCE_DATA = "reference.edit"  # categories, reference rates, fees: the finance director
EDIT_STAGE_CODES = "stage_codes.edit"  # the finance officer keeps the ledger's stage codes
VIEW_CUSTOMER_LOG = "customers.view_log"  # who looked at a customer: for audit and follow-up
# The audit trail, its search, export and chain check: the auditor (who changes nothing).
VIEW_TRAIL = "audit.trail"

CUSTOMER_VIEWERS = frozenset(
    {Role.CASE_OFFICER, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR, Role.AUDITOR}
)
FULL_IDENTITY_VIEWERS = frozenset({Role.CASE_OFFICER, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR})
LEDGER_IMPORTERS = frozenset({Role.FINANCE_OFFICER})
IMPORT_VIEWERS = frozenset({Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR, Role.AUDITOR})
REFERENCE_EDITORS = frozenset({Role.FINANCE_DIRECTOR})
STAGE_CODE_EDITORS = frozenset({Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR})
RECEIVABLES_ROLES = {
    VIEW_CUSTOMERS: CUSTOMER_VIEWERS,
    VIEW_FULL_IDENTITY: FULL_IDENTITY_VIEWERS,
    IMPORT_LEDGER: LEDGER_IMPORTERS,
    VIEW_IMPORTS: IMPORT_VIEWERS,
    VIEW_REFERENCE_DATA: STAFF_ROLES,
    EDIT_REFERENCE_DATA: REFERENCE_EDITORS,
    EDIT_STAGE_CODES: STAGE_CODE_EDITORS,
    VIEW_CUSTOMER_LOG: frozenset({Role.AUDITOR, Role.FINANCE_DIRECTOR}),
}
# --- end receivables -------------------------------------------------------------------------

# --- background jobs ---
# A job is seen by those who may see its kind's work (each kind names an action, e.g. the ledger
# import's VIEW_IMPORTS) and run again by those who may start it (IMPORT_LEDGER); the rule is the
# jobs domain's (portal/jobs/queries.py). obj: a job kind's name, a job, or None for "any kind".
VIEW_JOBS = "jobs.view"
RETRY_JOB = "jobs.retry"

# --- reminders by e-mail ---
# The outbox (who got a mail about which registry number, and the failed ones to send again): the
# administrator. Each person sets their own preference.
MANAGE_MAIL = "mail.manage"

# --- delegation ---
# Read schemes and ask "Vem får besluta?": everyone with a system role, and others (members,
# employees holding positions) for the committees they hold a position in. Edit schemes and price
# base amounts: the finance director. Further delegation: whoever holds a department head
# position today; the service checks that they hold the very position they pass a rule on from.
VIEW_SCHEMES = "delegation.view"  # obj: a committee, or None for the list and the simulator
EDIT_SCHEMES = "delegation.edit"
VIEW_PRICE_BASE_AMOUNTS = "delegation.price_base_amounts.view"
FURTHER_DELEGATION = "delegation.further"

# --- meetings ---
# The committee secretary runs the meetings of the committees where she holds the secretary's
# position (and their sub-committees); the auditor reads every committee's. Elected members (chair,
# vice chair, member, deputy member) read the meetings, agendas and cases on them of the committees
# where they hold an elected position today, and nothing of other committees. The delegation
# report of a committee: its secretary, the auditor and its members. An urgent matter (6 kap 39 §):
# the page is open to the committee's elected members once the case officer marked the case urgent
# (never a draft); the engine decides whether this member may decide.
VIEW_MEETINGS = "meetings.view"  # obj: a committee, or None for the list of committees
MANAGE_MEETINGS = "meetings.manage"  # obj: a committee or a meeting, or None: any committee
VIEW_MEETING = "meeting.view"  # obj: a meeting
VIEW_DELEGATION_REPORT = "meetings.report"  # obj: a committee
MARK_URGENT = "case.mark_urgent"  # obj: a case
DECIDE_URGENT = "case.decide_urgent"  # obj: a case

# --- reports ---
# The internal-control page and its PDF for the audit file: the auditor and the finance director.
# The reports: the auditor and the finance and case officers read the whole municipality's (their
# work is municipality-wide); those who act on cases through a position read them within what they
# see (the reports domain's rule, portal/reports/queries.py, filters every figure in the query).
VIEW_INTERNAL_CONTROL = "reports.internal_control"
VIEW_REPORTS = "reports.view"
VIEW_REPORT_EXPORT = "reports.export"  # obj: a report file a job made; only the person who asked for it
INTERNAL_CONTROL_READERS = frozenset({Role.AUDITOR, Role.FINANCE_DIRECTOR})

Rule = Callable[[User, str, Any, date], bool]
_rules: dict[str, Rule] = {}
_document_rules: dict[str, Callable[[User, Any, date], bool]] = {}


def register(*actions: str) -> Callable[[Rule], Rule]:
    """A domain's answer for actions that depend on its objects or on positions: rule(user, action,
    obj, day). Registered when the domain's queries module is imported (create_app imports them)."""

    def decorate(rule: Rule) -> Rule:
        for action in actions:
            _rules[action] = rule
        return rule

    return decorate


def register_document(object_type: str) -> Callable:
    """Who may see an issued document about an object of this type: rule(user, document, day)."""

    def decorate(rule):
        _document_rules[object_type] = rule
        return rule

    return decorate


def allowed(user: Any, action: str, obj: Any = None, *, on: date | None = None) -> bool:
    """True when the user may perform the action on the object (on a day; default today)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    day = on or clock.today()
    roles = user.roles
    if action == VIEW_ORGANISATION:
        return bool(roles & STAFF_ROLES)
    if action == EDIT_ORGANISATION:
        return bool(roles & ORGANISATION_EDITORS)
    if action in (MANAGE_USERS, MANAGE_MAIL):
        return Role.ADMINISTRATOR in roles
    if action == REVIEW_REGISTRATIONS:
        return bool(roles & ORGANISATION_EDITORS) or allowed(user, FURTHER_DELEGATION, on=day)
    if action == VIEW_USER:
        return obj is not None and (obj.id == user.id or bool(roles & ORGANISATION_EDITORS))
    if action == PREPARE_CASE:
        return Role.CASE_OFFICER in roles
    if action in (CONSULT_CASE, EXECUTE_CASE):
        return Role.FINANCE_OFFICER in roles
    if action in (FOLLOW_SIGNATURES, PRINT_LETTERS):
        return bool(roles & SIGNATURE_FOLLOWERS)
    if action == MARK_URGENT:
        return obj is not None and Role.CASE_OFFICER in roles and obj.prepared_by_id == user.id
    if action == EDIT_SCHEMES:
        return Role.FINANCE_DIRECTOR in roles
    if action == VIEW_PRICE_BASE_AMOUNTS:
        return bool(roles & STAFF_ROLES)
    if action == VIEW_TRAIL:
        return Role.AUDITOR in roles
    if action == VIEW_INTERNAL_CONTROL:
        return bool(roles & INTERNAL_CONTROL_READERS)
    if action == VIEW_CUSTOMER and roles & CUSTOMER_VIEWERS:
        return obj is not None
    if action in RECEIVABLES_ROLES:
        if action == VIEW_FULL_IDENTITY and obj is not None and obj.protected_identity:
            return False
        return bool(roles & RECEIVABLES_ROLES[action])
    if action == VIEW_DOCUMENT:
        if obj is None:
            return False
        rule = _document_rules.get(obj.object_type)
        return rule is not None and rule(user, obj, day)
    rule = _rules.get(action)
    if rule is None:
        raise ValueError(f"unknown action {action!r} (or its domain's queries module is not imported)")
    return rule(user, action, obj, day)


def require(user: Any, action: str, obj: Any = None) -> None:
    """Abort with 403 unless allowed (anonymous users never reach this: views require login)."""
    if not allowed(user, action, obj):
        g.audit_denied = (action, obj)  # the trail's 403 entry names it (audit/refusals.py)
        abort(403)


def capacity(user: User, action: str) -> str:
    """The system role under which the user performs an action, for the audit trail."""
    editors = {
        EDIT_ORGANISATION: (Role.FINANCE_DIRECTOR, Role.ADMINISTRATOR),
        MANAGE_USERS: (Role.ADMINISTRATOR,),
        MANAGE_MAIL: (Role.ADMINISTRATOR,),
        PREPARE_CASE: (Role.CASE_OFFICER,),
        CONSULT_CASE: (Role.FINANCE_OFFICER,),
        EXECUTE_CASE: (Role.FINANCE_OFFICER,),
        EDIT_SCHEMES: (Role.FINANCE_DIRECTOR,),
        MANAGE_MEETINGS: (Role.COMMITTEE_SECRETARY,),
        **{name: tuple(r for r in Role if r in roles) for name, roles in RECEIVABLES_ROLES.items()},
    }.get(action, tuple(Role))
    if action == FURTHER_DELEGATION:
        return "department_head"
    for role in editors:
        if role in user.roles:
            return role.value
    return "user"


def committees_in_sight(user: Any, committees: list, *, on: date | None = None) -> list:
    """The committees whose schemes the user may read, in the order given."""
    return [c for c in committees if allowed(user, VIEW_SCHEMES, c, on=on)]
