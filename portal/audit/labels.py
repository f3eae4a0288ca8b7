"""The trail in Swedish: a label for every action, capacity and kind of object the trail records, so
that no page shows a code. record() refuses an unknown action in tests, so a new action comes here."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    # Cases
    "case.create": _l("Case draft created"),
    "case.update": _l("Case terms changed"),
    "case.submit": _l("Case submitted"),
    "case.record_consultation": _l("Consultation recorded"),
    "case.return_for_completion": _l("Case returned for completion"),
    "case.refer_to_committee": _l("Case referred to the committee"),
    "case.grant": _l("Case granted"),
    "case.partly_grant": _l("Case partly granted"),
    "case.refuse": _l("Case refused"),
    "case.execute": _l("Decision executed in the ledger"),
    "case.withdraw": _l("Case withdrawn"),
    "case.declare_conflict": _l("Conflict of interest declared"),
    "case.register_agreement": _l("Signed agreement registered"),
    "case.attach": _l("Attachment added"),
    "case.answer_condition": _l("Eligibility condition answered"),
    "case.committee_decide": _l("Committee decision recorded"),
    "case.mark_urgent": _l("Case marked urgent"),
    "case.mark_urgent_refused": _l("Urgent mark refused: no urgent rule covers the case"),
    "case.unmark_urgent": _l("Urgent mark taken back"),
    "case.reroute": _l("Case re-routed"),
    "case.decision_refused": _l("Decision refused by the delegation scheme"),
    # Batch write-offs
    "write_off_batch.create": _l("Batch write-off started"),
    "write_off_batch.build": _l("Batch write-off built"),
    "write_off_batch.leave_out": _l("Lines left out of the batch"),
    "write_off_batch.take_back": _l("Lines taken back into the batch"),
    "write_off_batch.submit": _l("Batch write-off submitted"),
    "write_off_batch.grant": _l("Batch write-off granted"),
    "write_off_batch.refuse": _l("Batch write-off refused"),
    "write_off_batch.decision_refused": _l("Batch decision refused by the delegation scheme"),
    "write_off_batch.execute": _l("Batch write-off executed in the ledger"),
    "write_off_batch.withdraw": _l("Batch write-off withdrawn"),
    "write_off_batch.declare_conflict": _l("Conflict of interest in a batch declared"),
    "write_off_batch.committee_decide": _l("The committee's decision on a batch write-off recorded"),
    "write_off_batch.committee_send_back": _l("Batch write-off sent back by the committee"),
    "write_off_batch.refer_to_committee": _l("Batch write-off referred to the committee by its decider"),
    "write_off_batch.refer_refused": _l("Referral of a batch write-off to the committee refused"),
    "case.whole_debt_due_refused": _l("Proposal that the whole debt falls due refused"),
    # People and sign-in
    "user.create": _l("User created"),
    "user.update": _l("User changed"),
    "user.activate": _l("User activated"),
    "user.deactivate": _l("User deactivated"),
    "user.set_password": _l("Password set"),
    "login.success": _l("Signed in"),
    "login.failure": _l("Failed sign-in"),
    "login.throttled": _l("Sign-in attempt throttled"),
    "logout": _l("Signed out"),
    "session.end": _l("Sign-in ended by its owner"),
    "session.end_others": _l("Other sign-ins ended by their owner"),
    "session.end_all": _l("All sign-ins of a user ended"),
    "session.idp_logout": _l("Sign-ins ended by the identity provider's logout"),
    "session.idp_logout_refused": _l("Logout message from the identity provider refused"),
    "login.refused": _l("Sign-in refused"),
    # Refusals the whole portal shares
    "access.denied": _l("Access denied"),
    "upload.refused": _l("Upload refused"),
    # Organisation
    "municipality.create": _l("Municipality created"),
    "municipality.update": _l("Municipality changed"),
    "municipality.logo": _l("Municipality logo changed"),
    "committee.create": _l("Committee created"),
    "committee.update": _l("Committee changed"),
    "org_unit.create": _l("Unit created"),
    "org_unit.update": _l("Unit changed"),
    "position.create": _l("Position created"),
    "position.update": _l("Position changed"),
    "appointment.create": _l("Appointment registered"),
    "appointment.update": _l("Appointment changed"),
    "appointment.delete": _l("Appointment cancelled before it began"),
    "org_import.upload": _l("Organisation file uploaded"),
    "org_import.run": _l("Organisation imported from file"),
    "absence.create": _l("Absence registered"),
    "absence.update": _l("Absence changed"),
    "absence.delete": _l("Absence removed"),
    # Receivables
    "invoice_category.create": _l("Invoice category created"),
    "invoice_category.update": _l("Invoice category changed"),
    "reference_rate.create": _l("Reference rate added"),
    "reference_rate.update": _l("Reference rate changed"),
    "fee.create": _l("Fee added"),
    "fee.update": _l("Fee changed"),
    "stage_code.create": _l("Collection stage code added"),
    "stage_code.update": _l("Collection stage code changed"),
    "stage_code.delete": _l("Collection stage code removed"),
    "ledger_mapping.create": _l("Column mapping saved"),
    "ledger_mapping.update": _l("Column mapping changed"),
    "ledger_import.upload": _l("Ledger file uploaded"),
    "ledger_import.preview": _l("Ledger file previewed"),
    "ledger_import.reject": _l("Ledger file rejected"),
    "ledger_import.import": _l("Ledger file imported"),
    "bank_payment.match": _l("Bank payment matched to an invoice by hand"),
    "settlement_order.create": _l("Settlement order set"),
    "settlement_order.update": _l("Settlement order changed"),
    "follow_up_setting.create": _l("Follow-up of plans set"),
    "follow_up_setting.update": _l("Follow-up of plans changed"),
    "reporting_setting.create": _l("Reporting deadline set"),
    "reporting_setting.update": _l("Reporting deadline changed"),
    "report_export.request": _l("Report file requested"),
    "receivables_snapshot.take": _l("Overdue receivables kept at month end"),
    # Delegation
    "price_base_amount.create": _l("Price base amount added"),
    "price_base_amount.update": _l("Price base amount changed"),
    "scheme_version.create": _l("Delegation scheme draft created"),
    "scheme_version.discard": _l("Delegation scheme draft discarded"),
    "scheme_version.import": _l("Delegation scheme draft read from a spreadsheet"),
    "eligibility_condition.create": _l("Eligibility condition added"),
    "scheme_version.end": _l("Delegation scheme version ended"),
    "scheme_version.publish": _l("Delegation scheme published"),
    "scheme_version.seed": _l("Delegation scheme loaded (demo data)"),
    "delegation_rule.create": _l("Delegation rule added"),
    "delegation_rule.update": _l("Delegation rule changed"),
    "delegation_rule.delete": _l("Delegation rule removed"),
    "delegation_rule.copy": _l("Delegation rule copied into another committee's draft"),
    "delegation_rule.copy_refused": _l("Copying a delegation rule refused"),
    "delegation_rule.change_refused": _l("Change to a rule of the common provisions refused"),
    "scheme_version.adopt_common": _l("Common provisions included in a committee's draft"),
    "scheme_version.adopt_common_refused": _l("Including the common provisions refused"),
    "scheme_version.remove_common": _l("Common provisions removed from a committee's draft"),
    "further_delegation.create": _l("Further delegation made"),
    "further_delegation.end": _l("Further delegation ended"),
    "further_delegation.seed": _l("Further delegation loaded (demo data)"),
    "scheme_version.publish_names_own_position": _l("Delegation scheme published naming the publisher's own position"),
    # Registrations that would make their registrant a decider wait for a second person (RULINGS 9)
    "registration.hold": _l("Registration held for confirmation"),
    "registration.confirm": _l("Registration confirmed"),
    "registration.refuse": _l("Registration refused"),
    "registration.withdraw": _l("Registration withdrawn"),
    "registration.confirm_refused": _l("Confirming one's own registration refused"),
    # Meetings and documents
    "meeting.create": _l("Meeting created"),
    "meeting.agenda_add_case": _l("Case put on the agenda"),
    "meeting.agenda_add_batch": _l("Batch write-off put on the agenda"),
    "meeting.agenda_add_report": _l("Delegation report put on the agenda"),
    "meeting.agenda_remove": _l("Item removed from the agenda"),
    "meeting.item_decide": _l("Agenda item decided"),
    "meeting.record": _l("Meeting recorded"),
    "meeting.update": _l("Meeting changed"),
    "meeting.correct_dates": _l("Minutes dates corrected"),
    "meeting.report": _l("Delegated decisions reported"),
    "document.issue": _l("Document issued"),
    # Background jobs
    "job.enqueue": _l("Background job started"),
    "job.retry": _l("Failed background job run again"),
    # Reminders by e-mail
    "mail.preference": _l("E-mail reminders chosen"),
    "mail.retry": _l("Failed e-mail sent again"),
}

OBJECT_LABELS = {
    "case": _l("Case"),
    "write_off_batch": _l("Batch write-off"),
    "user": _l("User"),
    "mail": _l("E-mail"),
    "page": _l("Page"),
    "municipality": _l("Municipality"),
    "committee": _l("Committee"),
    "org_unit": _l("Unit"),
    "position": _l("Position"),
    "appointment": _l("Appointment"),
    "absence": _l("Absence"),
    "customer": _l("Customer"),
    "invoice": _l("Invoice"),
    "invoice_category": _l("Invoice category"),
    "reference_rate": _l("Reference rate"),
    "fee": _l("Fee"),
    "stage_code": _l("Collection stage code"),
    "ledger_mapping": _l("Column mapping"),
    "ledger_import": _l("Ledger import"),
    "bank_payment": _l("Bank payment"),
    "settlement_order": _l("Settlement order"),
    "follow_up_setting": _l("Follow-up of instalment plans"),
    "reporting_setting": _l("Reporting of delegated decisions"),
    "report_export": _l("Report file"),
    "receivables_snapshot": _l("Overdue receivables at month end"),
    "price_base_amount": _l("Price base amount"),
    "scheme_version": _l("Delegation scheme version"),
    "eligibility_condition": _l("Eligibility condition"),
    "delegation_rule": _l("Delegation rule"),
    "further_delegation": _l("Further delegation"),
    "meeting": _l("Meeting"),
    "agenda_item": _l("Agenda item"),
    "decision": _l("Decision"),
    "document": _l("Document"),
    "attachment": _l("Attachment"),
    "signed_agreement": _l("Signed agreement"),
    "pending_registration": _l("Registration awaiting confirmation"),
    "org_import": _l("Organisation import"),
    "user_session": _l("Sign-in"),
    "job": _l("Background job"),
}

CAPACITY_LABELS = {
    "system": _l("the system"),
    "user": _l("user"),
    "department_head": _l("department head"),
    "holder": _l("holder"),
    "standin": _l("stand-in"),
    "further_delegate": _l("further delegate"),
    "committee": _l("the committee"),
    "urgent": _l("urgent decision on the committee's behalf"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else _("Other event")


def object_label(object_type: str | None) -> str:
    label = OBJECT_LABELS.get(object_type or "")
    return str(label) if label is not None else _("Other object")


def capacity_label(capacity: str | None) -> str:
    """"finance_director", "standin:1.1" or "unit_head" as a person reads it; never the code."""
    if not capacity:
        return ""
    from portal.auth.roles import Role

    kind, _sep, rule = capacity.partition(":")
    if kind in {role.value for role in Role}:
        label = Role(kind).label
    else:
        found = CAPACITY_LABELS.get(kind)
        label = str(found) if found is not None else _("other capacity")
    return f"{label}, {_('rule %(number)s', number=rule)}" if rule else label


# What a refused person asked for (the permission access.require() checked), as the trail shows it.
PERMISSION_LABELS = {
    "organisation.view": _l("read the organisation"),
    "organisation.edit": _l("change the organisation"),
    "committee.view": _l("read a committee"),
    "users.manage": _l("manage users"),
    "user.view": _l("read a user"),
    "case.view": _l("read a case"),
    "case.list": _l("list cases"),
    "case.prepare": _l("prepare cases"),
    "case.consult": _l("be consulted on cases"),
    "case.execute": _l("execute decisions"),
    "case.follow_signatures": _l("follow plans awaiting signature"),
    "documents.print_letters": _l("print decision letters"),
    "document.view": _l("read a document"),
    "customers.view": _l("read customers"),
    "customers.full_identity": _l("see full identity numbers"),
    "ledger.import": _l("import ledger files"),
    "ledger.imports.view": _l("read ledger imports"),
    "reference.view": _l("read reference data"),
    "reference.edit": _l("change reference data"),
    "stage_codes.edit": _l("change collection stage codes"),
    "customers.view_log": _l("read the customer view log"),
    "delegation.view": _l("read delegation schemes"),
    "delegation.edit": _l("change delegation schemes"),
    "delegation.price_base_amounts.view": _l("read price base amounts"),
    "delegation.further": _l("delegate further"),
    "meetings.view": _l("read meetings"),
    "meetings.manage": _l("manage meetings"),
    "meeting.view": _l("read a meeting"),
    "meetings.report": _l("read the delegation report"),
    "case.mark_urgent": _l("mark a case urgent"),
    "case.decide_urgent": _l("decide an urgent case"),
    "batch.view": _l("read a batch write-off"),
    "batch.list": _l("list batch write-offs"),
    "batch.prepare": _l("prepare batch write-offs"),
    "batch.declare_conflict": _l("declare a conflict of interest in a batch"),
    "audit.trail": _l("read the audit trail"),
    "reports.internal_control": _l("read the internal control"),
    "reports.view": _l("read reports"),
    "reports.export": _l("download a report file"),
}


def permission_label(permission: str | None) -> str:
    label = PERMISSION_LABELS.get(permission or "")
    return str(label) if label is not None else _("another permission")


def _slug(text: str) -> str:
    import re
    import unicodedata

    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def action_choices() -> list[tuple[str, str]]:
    """(Swedish slug, label) for every action, by label: the search form and its URLs show no codes."""
    return sorted(((_slug(action_label(code)), action_label(code)) for code in ACTION_LABELS),
                  key=lambda choice: choice[1])


def action_from_slug(slug: str | None) -> str | None:
    if not slug:
        return None
    return next((code for code in ACTION_LABELS if _slug(action_label(code)) == slug), None)
