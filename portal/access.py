"""The one place that answers: may this user see or change this object? Views never decide it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort

from portal import clock
from portal.auth.models import User
from portal.auth.roles import Role
from portal.org.models import Committee

# Actions on the organisation and users.
VIEW_ORGANISATION = "organisation.view"
EDIT_ORGANISATION = "organisation.edit"
VIEW_COMMITTEE = "committee.view"
MANAGE_USERS = "users.manage"
VIEW_USER = "user.view"
# Registrations waiting for a second person (RULINGS 9): the page is for those who may register
# such things, organisation editors and department heads; which rows each sees and may confirm is
# portal/org/confirmations.py's.
REVIEW_REGISTRATIONS = "registrations.review"

# --- cases ---
VIEW_CASE = "case.view"
LIST_CASES = "case.list"
PREPARE_CASE = "case.prepare"
CONSULT_CASE = "case.consult"
EXECUTE_CASE = "case.execute"
# Plans waiting for the customer's signed agreement, and the letters of a day as one PDF: the case
# officers who register agreements and send letters, and finance who books the plans.
FOLLOW_SIGNATURES = "case.follow_signatures"
PRINT_LETTERS = "documents.print_letters"
SIGNATURE_FOLLOWERS = frozenset({Role.CASE_OFFICER, Role.FINANCE_OFFICER})

# --- documents ---
# An issued document is seen by whoever may see what it is about: a decision's documents by those
# who may view the case, a scheme's by those who may read the committee's schemes.
VIEW_DOCUMENT = "document.view"

STAFF_ROLES = frozenset(Role)
ORGANISATION_EDITORS = frozenset({Role.FINANCE_DIRECTOR, Role.ADMINISTRATOR})

# --- receivables -----------------------------------------------------------------------------
# Customers' data is personal data (elderly care and LSS are under secrecy): only the roles that
# work with debts or audit them see customers. The full personnummer is shown to those who act on
# the debt (case officer, finance officer, finance director); the auditor sees it masked. A
# protected identity (skyddad identitet) is masked for everyone and its address hidden.
VIEW_CUSTOMERS = "customers.view"
VIEW_FULL_IDENTITY = "customers.full_identity"
IMPORT_LEDGER = "ledger.import"  # upload, preview and import files; keep saved mappings
VIEW_IMPORTS = "ledger.imports.view"  # the import history and saved mappings
VIEW_REFERENCE_DATA = "reference.view"  # categories, reference rates, fees, stage codes
EDIT_REFERENCE_DATA = "reference.edit"  # categories, reference rates, fees: the finance director
EDIT_STAGE_CODES = "stage_codes.edit"  # the finance officer keeps the ledger's stage codes
VIEW_CUSTOMER_LOG = "customers.view_log"  # who looked at a customer: for audit and follow-up

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


def _committee_in_sight(user: User, committee: Committee, day: date) -> bool:
    from portal.org.queries import committee_ids_in_sight

    return committee.id in committee_ids_in_sight(user.id, day)


def _employee_committees(user: User, day: date) -> set[int]:
    """Committees where the person holds, or stands in for, an employee's position today: unit and
    department heads see the cases they may be asked to decide."""
    from portal.cases.queries import committees_of_duty

    return committees_of_duty(user.id, day, employees_only=True)


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
    if action == MANAGE_USERS:
        return Role.ADMINISTRATOR in roles
    if action == REVIEW_REGISTRATIONS:
        return bool(roles & ORGANISATION_EDITORS) or allowed(user, FURTHER_DELEGATION, on=day)
    if action == VIEW_USER:
        return obj is not None and (obj.id == user.id or bool(roles & ORGANISATION_EDITORS))
    if action in (LIST_CASES,):
        return bool(roles & STAFF_ROLES) or bool(_employee_committees(user, day))
    if action == PREPARE_CASE:
        return Role.CASE_OFFICER in roles
    if action in (CONSULT_CASE, EXECUTE_CASE):
        return Role.FINANCE_OFFICER in roles
    if action in (FOLLOW_SIGNATURES, PRINT_LETTERS):
        return bool(roles & SIGNATURE_FOLLOWERS)
    if action == VIEW_DOCUMENT:
        return obj is not None and _document_allowed(user, obj, day)
    if action == VIEW_CASE:
        if obj is None:
            return False
        return bool(roles & STAFF_ROLES) or obj.committee_id in _employee_committees(user, day)
    if action in RECEIVABLES_ROLES:
        if action == VIEW_FULL_IDENTITY and obj is not None and obj.protected_identity:
            return False
        return bool(roles & RECEIVABLES_ROLES[action])
    if action == VIEW_COMMITTEE:
        if obj is None:
            return False
        return bool(roles & STAFF_ROLES) or _committee_in_sight(user, obj, day)
    if action in DELEGATION_ACTIONS:
        return _delegation_allowed(user, action, obj, day)
    if action in MEETING_ACTIONS:
        return _meetings_allowed(user, action, obj, day)
    raise ValueError(f"unknown action {action!r}")


def _document_allowed(user: User, document: Any, day: date) -> bool:
    from portal.extensions import db

    if document.object_type == "decision":
        from portal.cases.models import Decision

        decision = db.session.get(Decision, int(document.object_id))
        return decision is not None and allowed(user, VIEW_CASE, decision.case, on=day)
    if document.object_type == "scheme_version":
        from portal.delegation.models import SchemeVersion

        version = db.session.get(SchemeVersion, int(document.object_id))
        return version is not None and allowed(user, VIEW_SCHEMES, version.committee, on=day)
    return False


def require(user: Any, action: str, obj: Any = None) -> None:
    """Abort with 403 unless allowed (anonymous users never reach this: views require login)."""
    if not allowed(user, action, obj):
        abort(403)


def capacity(user: User, action: str) -> str:
    """The system role under which the user performs an action, for the audit trail."""
    editors = {
        EDIT_ORGANISATION: (Role.FINANCE_DIRECTOR, Role.ADMINISTRATOR),
        MANAGE_USERS: (Role.ADMINISTRATOR,),
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


# --- delegation ---
# Read schemes and ask "Vem får besluta?": everyone with a system role, and others (members,
# employees holding positions) for the committees they hold a position in. Edit schemes and price
# base amounts: the finance director. Further delegation: whoever holds a department head
# position today; the service checks that they hold the very position they pass a rule on from.
VIEW_SCHEMES = "delegation.view"
EDIT_SCHEMES = "delegation.edit"
VIEW_PRICE_BASE_AMOUNTS = "delegation.price_base_amounts.view"
FURTHER_DELEGATION = "delegation.further"
DELEGATION_ACTIONS = frozenset({VIEW_SCHEMES, EDIT_SCHEMES, VIEW_PRICE_BASE_AMOUNTS, FURTHER_DELEGATION})


def _delegation_allowed(user: User, action: str, obj: Any, day: date) -> bool:
    roles = user.roles
    if action == VIEW_SCHEMES:
        if roles & STAFF_ROLES:
            return True
        if obj is None:  # the list and the simulator, limited to the committees in sight
            from portal.org.queries import committee_ids_in_sight

            return bool(committee_ids_in_sight(user.id, day))
        return _committee_in_sight(user, obj, day)
    if action == EDIT_SCHEMES:
        return Role.FINANCE_DIRECTOR in roles
    if action == VIEW_PRICE_BASE_AMOUNTS:
        return bool(roles & STAFF_ROLES)
    from portal.org.models import PositionKind
    from portal.org.queries import appointments_on

    return any(a.position.kind == PositionKind.DEPARTMENT_HEAD for a in appointments_on(user.id, day))


def committees_in_sight(user: Any, committees: list, *, on: date | None = None) -> list:
    """The committees whose schemes the user may read, in the order given."""
    return [c for c in committees if allowed(user, VIEW_SCHEMES, c, on=on)]
# --- end delegation ---


# --- meetings ---
# The committee secretary runs and reads the meetings of the committees where she is secretary (she
# holds or stands in for their committee secretary position; a committee's secretary serves its
# sub-committees too), and no others; the auditor reads every committee's. Elected members
# (chair, vice chair, member, deputy member) read the meetings, agendas and cases on them of the
# committees where they hold an elected position today, and nothing of other committees. The
# delegation report of a committee: secretary, auditor and that committee's members. An urgent
# matter (6 kap 39 §): the form is open to the committee's elected members; the engine decides
# whether this member may decide (the chair, or the member the scheme's urgent rule names).
VIEW_MEETINGS = "meetings.view"  # obj: a committee, or None for the list of committees
MANAGE_MEETINGS = "meetings.manage"
VIEW_MEETING = "meeting.view"  # obj: a meeting
VIEW_DELEGATION_REPORT = "meetings.report"  # obj: a committee
MARK_URGENT = "case.mark_urgent"  # obj: a case
DECIDE_URGENT = "case.decide_urgent"  # obj: a case
MEETING_ACTIONS = frozenset({VIEW_MEETINGS, MANAGE_MEETINGS, VIEW_MEETING, VIEW_DELEGATION_REPORT, MARK_URGENT,
                             DECIDE_URGENT})
MEETING_READERS = frozenset({Role.AUDITOR})


def elected_committee_ids(user: User, day: date) -> set[int]:
    """Committees (and sub-committees) where the person holds an elected position on a day."""
    from portal.org.models import PositionKind
    from portal.org.queries import appointments_on

    return {a.position.committee_id for a in appointments_on(user.id, day)
            if PositionKind(a.position.kind).is_elected}


def secretary_committee_ids(user: User, day: date) -> set[int]:
    """Committees (and sub-committees) the user acts for as committee secretary on a day."""
    if Role.COMMITTEE_SECRETARY not in user.roles:
        return set()
    from portal.org.queries import secretary_committee_ids as of_person

    return of_person(user.id, day)


def _meeting_committee_id(obj: Any) -> int:
    """A meeting's committee, or the committee itself."""
    return obj.id if isinstance(obj, Committee) else obj.committee_id


def _meetings_allowed(user: User, action: str, obj: Any, day: date) -> bool:
    roles = user.roles
    if action == MANAGE_MEETINGS:  # obj: a committee or a meeting; None: does she act for any
        acts_for = secretary_committee_ids(user, day)
        return bool(acts_for) if obj is None else _meeting_committee_id(obj) in acts_for
    if action == MARK_URGENT:
        return obj is not None and Role.CASE_OFFICER in roles and obj.prepared_by_id == user.id
    if action == DECIDE_URGENT:
        return obj is not None and obj.committee_id in elected_committee_ids(user, day)
    if roles & MEETING_READERS:
        return True
    readable = elected_committee_ids(user, day) | secretary_committee_ids(user, day)
    if action == VIEW_MEETINGS and obj is None:
        return bool(readable)
    if obj is None:
        return False
    return _meeting_committee_id(obj) in readable
# --- end meetings ---
