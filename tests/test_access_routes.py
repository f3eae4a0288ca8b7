"""Every route, for every kind of user: anonymous to the login page, the wrong role or committee 403.

The matrix must name every route the app has, so a new page cannot slip in unchecked.
"""

from __future__ import annotations

from datetime import date

import pytest

from portal.auth.roles import Role
from portal.documents.models import DocumentKind
from portal.org.models import PositionKind

PERSONAS = ["admin", "director", "finance_officer", "case_officer", "auditor", "member_a", "member_b",
            "dept_head_a", "secretary"]
STAFF = {"admin", "director", "finance_officer", "case_officer", "auditor", "secretary"}
EDITORS = {"admin", "director"}
# Receivables: customers' data only for those who work with debts or audit them; the finance
# officer imports; the finance director keeps rates, fees and categories.
CUSTOMER_VIEWERS = {"director", "finance_officer", "case_officer", "auditor"}
IMPORT_VIEWERS = {"director", "finance_officer", "auditor"}
# Cases (README "Vem ser vad"): the municipality-wide readers, and the department head of the case's
# department; never the administrator or the secretary (she reads agenda cases through meetings).
CASE_VIEWERS = {"director", "finance_officer", "case_officer", "auditor", "dept_head_a"}
BATCH_READERS = {"director", "finance_officer", "auditor"}
HOLDERS = {"member_a", "member_b", "dept_head_a", "secretary"}  # hold a position today (world)

# endpoint -> (method, url template, who may)
MATRIX = {
    "home.index": ("GET", "/", set(PERSONAS)),
    "home.task_count": ("GET", "/antal-uppgifter", set(PERSONAS)),
    "org.index": ("GET", "/organisation/", STAFF),
    "org.municipality": ("GET", "/organisation/kommun", EDITORS),
    "org.logo": ("GET", "/organisation/kommun/logotyp", STAFF),
    "org.committee": ("GET", "/organisation/namnder/{committee}", STAFF | {"member_a", "dept_head_a"}),
    "org.committee_create": ("POST", "/organisation/namnder", EDITORS),
    "org.committee_edit": ("GET", "/organisation/namnder/{committee}/redigera", EDITORS),
    "org.unit_create": ("POST", "/organisation/namnder/{committee}/enheter", EDITORS),
    "org.unit_edit": ("GET", "/organisation/enheter/{unit}/redigera", EDITORS),
    "org.position_create": ("POST", "/organisation/namnder/{committee}/befattningar", EDITORS),
    "org.position": ("GET", "/organisation/befattningar/{position}", STAFF | {"member_a", "dept_head_a"}),
    "org.position_edit": ("GET", "/organisation/befattningar/{position}/redigera", EDITORS),
    "org.appointment_create": ("POST", "/organisation/befattningar/{position}/forordnanden", EDITORS),
    "org.appointment_edit": ("GET", "/organisation/forordnanden/{appointment}/redigera", EDITORS),
    # Frånvaro: holders of a position read their own and register it (an empty form: 422), never
    # another person's absence (edit and remove stay the editors').
    "org.absences": ("GET", "/organisation/franvaro", set(PERSONAS)),
    "org.absence_create": ("POST", "/organisation/franvaro", EDITORS | HOLDERS),
    "org.absence_edit": ("GET", "/organisation/franvaro/{absence}/redigera", EDITORS),
    "org.absence_delete": ("POST", "/organisation/franvaro/{absence}/ta-bort", EDITORS),
    # The admin appointed himself (world): he may withdraw it, not confirm or refuse it; the
    # director confirms it (then refusing finds it dealt with). Department heads see the page for
    # further delegations.
    # The organisation from the HR system's file: whoever keeps the organisation.
    "org.imports": ("GET", "/organisation/import", EDITORS),
    "org.import_template": ("GET", "/organisation/import/mall.csv", EDITORS),
    "org.import_preview": ("GET", "/organisation/import/{org_import}", EDITORS),
    "org.import_run": ("POST", "/organisation/import/{org_import}/importera", EDITORS),
    "org.registrations": ("GET", "/organisation/bekraftelser", EDITORS | {"dept_head_a"}),
    "org.registration_confirm": ("POST", "/organisation/bekraftelser/{registration}/bekrafta", {"director"}),
    "org.registration_refuse": ("POST", "/organisation/bekraftelser/{registration}/avvisa", {"director"}),
    "org.registration_withdraw": ("POST", "/organisation/bekraftelser/{registration}/ta-tillbaka", {"admin"}),
    "users.index": ("GET", "/admin/anvandare/", {"admin"}),
    "users.create": ("POST", "/admin/anvandare/", {"admin"}),
    "users.show": ("GET", "/admin/anvandare/{other_user}", {"admin", "director"}),
    "users.update": ("POST", "/admin/anvandare/{other_user}", {"admin"}),
    "users.set_password": ("POST", "/admin/anvandare/{other_user}/losenord", {"admin"}),
    "users.set_active": ("POST", "/admin/anvandare/{other_user}/aktiv", {"admin"}),
    "users.end_sessions": ("POST", "/admin/anvandare/{other_user}/inloggningar/avsluta", {"admin"}),
    # Everyone's own sign-ins ("Mina inloggningar"); ending one names it in the form.
    "auth.my_sessions": ("GET", "/mina-inloggningar", set(PERSONAS)),
    "auth.my_session_end": ("POST", "/mina-inloggningar/avsluta", set(PERSONAS)),
    "auth.my_sessions_end_others": ("POST", "/mina-inloggningar/avsluta-andra", set(PERSONAS)),
    # --- delegation --- (order matters: removing the rule and discarding the draft come last)
    "delegation.index": ("GET", "/delegation/", STAFF | {"member_a", "member_b", "dept_head_a"}),
    "delegation.committee": ("GET", "/delegation/namnder/{committee}", STAFF | {"member_a", "dept_head_a"}),
    "delegation.version": ("GET", "/delegation/versioner/{version}", STAFF | {"member_a", "dept_head_a"}),
    "delegation.compare": ("GET", "/delegation/namnder/{committee}/jamfor", STAFF | {"member_a", "dept_head_a"}),
    "delegation.conditions": ("GET", "/delegation/namnder/{committee}/forutsattningar",
                              STAFF | {"member_a", "dept_head_a"}),
    "delegation.condition_create": ("POST", "/delegation/namnder/{committee}/forutsattningar", {"director"}),
    "delegation.simulator": ("GET", "/delegation/vem-far-besluta", STAFF | {"member_a", "member_b", "dept_head_a"}),
    "delegation.price_base_amounts": ("GET", "/delegation/prisbasbelopp", STAFF),
    "delegation.price_base_amount_save": ("POST", "/delegation/prisbasbelopp", {"director"}),
    "delegation.draft_create": ("POST", "/delegation/namnder/{committee_b}/utkast", {"director"}),
    "delegation.rule_create": ("POST", "/delegation/versioner/{draft}/regler", {"director"}),
    "delegation.rule_edit": ("GET", "/delegation/regler/{draft_rule}/redigera", {"director"}),
    "delegation.publish": ("POST", "/delegation/versioner/{draft}/publicera", {"director"}),
    "delegation.further": ("GET", "/delegation/vidaredelegering", {"dept_head_a"}),
    "delegation.further_create": ("POST", "/delegation/vidaredelegering", {"dept_head_a"}),
    "delegation.further_end": ("POST", "/delegation/vidaredelegering/{further}/avsluta", {"dept_head_a"}),
    "delegation.scheme_document_issue": ("POST", "/delegation/versioner/{version}/dokument", {"director"}),
    # The draft as a spreadsheet: the finance director's alone, and only of a draft.
    "delegation.spreadsheet_download": ("GET", "/delegation/versioner/{draft}/kalkylblad.xlsx", {"director"}),
    "delegation.spreadsheet_upload": ("POST", "/delegation/versioner/{draft}/kalkylblad", {"director"}),
    "delegation.spreadsheet_apply": ("POST", "/delegation/versioner/{draft}/kalkylblad/anvand", {"director"}),
    "delegation.rule_delete": ("POST", "/delegation/regler/{draft_rule}/ta-bort", {"director"}),
    "delegation.discard": ("POST", "/delegation/versioner/{draft}/kasta", {"director"}),
    # Common provisions (RULINGS 11): read like the schemes, changed by the finance director alone.
    "delegation.common_provisions": ("GET", "/delegation/gemensamma-bestammelser",
                                     STAFF | {"member_a", "member_b", "dept_head_a"}),
    "delegation.common_draft_create": ("POST", "/delegation/gemensamma-bestammelser/utkast", {"director"}),
    "delegation.common_adopt": ("POST", "/delegation/versioner/{draft}/gemensamma-bestammelser", {"director"}),
    "delegation.common_remove": ("POST", "/delegation/versioner/{draft}/gemensamma-bestammelser/ta-bort",
                                 {"director"}),
    "delegation.rule_copy": ("GET", "/delegation/regler/{draft_rule}/kopiera", {"director"}),
    "delegation.whatif": ("GET", "/delegation/versioner/{draft}/vad-om", {"director"}),
    "receivables.customers": ("GET", "/kunder/?q=Kund", CUSTOMER_VIEWERS),
    # dept_head_a decides a case of this customer today: she sees the customer as a decider (RULINGS 10).
    "receivables.customer": ("GET", "/kunder/{customer}", CUSTOMER_VIEWERS | {"dept_head_a"}),
    "receivables.imports_page": ("GET", "/import/", IMPORT_VIEWERS),
    "receivables.import_upload": ("POST", "/import/", {"finance_officer"}),
    "receivables.import_detail": ("GET", "/import/{ledger_import}", IMPORT_VIEWERS),
    "receivables.import_status": ("GET", "/import/{ledger_import}/status", IMPORT_VIEWERS),
    "receivables.import_preview": ("POST", "/import/{ledger_import}/forhandsgranska", {"finance_officer"}),
    "receivables.import_run": ("POST", "/import/{ledger_import}/importera", {"finance_officer"}),
    "receivables.import_add_unit": ("POST", "/import/{ledger_import}/enheter", {"director"}),
    "receivables.import_template": ("GET", "/import/mall/ledger.csv", IMPORT_VIEWERS),
    "receivables.mappings": ("GET", "/import/mappningar/", IMPORT_VIEWERS),
    # Late and broken plans: whoever lists cases, filtered by the cases' visibility.
    "receivables.plans_followup": ("GET", "/kunder/planer", CASE_VIEWERS),
    # Bank payments no reference matched: the finance roles and the auditor read; the officer matches.
    "receivables.bank_payments": ("GET", "/import/bankbetalningar/", IMPORT_VIEWERS),
    "receivables.bank_payment_match": ("POST", "/import/bankbetalningar/{bank_payment}", {"finance_officer"}),
    "receivables.mapping_create": ("GET", "/import/mappningar/ny/ledger", {"finance_officer"}),
    "receivables.mapping_edit": ("GET", "/import/mappningar/{mapping}", {"finance_officer"}),
    "receivables.reference": ("GET", "/referensdata/", STAFF),
    "receivables.reference_create": ("POST", "/referensdata/kategorier", {"director"}),
    "receivables.reference_edit": ("GET", "/referensdata/kategorier/{category}", {"director"}),
    "receivables.stage_code_delete": ("POST", "/referensdata/kravsteg/{stage_code}/ta-bort",
                                      {"director", "finance_officer"}),
    "cases.new": ("GET", "/arenden/ny/{customer}", {"case_officer"}),
    "cases.show": ("GET", "/arenden/{case}", CASE_VIEWERS),
    "cases.update_terms": ("POST", "/arenden/{case}/villkor", {"case_officer"}),
    "cases.preview": ("POST", "/arenden/{case}/forhandsgranska", {"case_officer"}),
    "cases.submit": ("POST", "/arenden/{case}/skicka", {"case_officer"}),
    "cases.withdraw": ("POST", "/arenden/{case}/aterkalla", {"case_officer"}),
    "cases.consult": ("POST", "/arenden/{case}/samrad", {"finance_officer"}),
    # Returning and referring are for whoever may decide the case (or consult on it): here the
    # department head, whom the committee's scheme gives deferrals without limits.
    "cases.return_case": ("POST", "/arenden/{case}/komplettering", {"dept_head_a"}),
    "cases.refer": ("POST", "/arenden/{case}/namnden", {"dept_head_a"}),
    # Jäv: only those who could act on the case (a decider, officers, finance consulted).
    "cases.declare_conflict": ("POST", "/arenden/{other_case}/jav", {"case_officer", "finance_officer",
                                                                     "dept_head_a"}),
    # Anyone who sees the case reaches the form; the engine decides inside the service.
    "cases.decide": ("POST", "/arenden/{case}/beslut", CASE_VIEWERS),
    "cases.execute": ("POST", "/arenden/{case}/verkstall", {"finance_officer"}),
    "cases.attach": ("POST", "/arenden/{case}/bilagor", {"case_officer"}),
    "cases.answer_condition": ("POST", "/arenden/{case}/forutsattningar", {"case_officer"}),
    "cases.propose_whole_debt": ("POST", "/arenden/{case}/hela-skulden", {"case_officer"}),
    "cases.attachment": ("GET", "/arenden/bilagor/{attachment}", CASE_VIEWERS),
    "cases.index": ("GET", "/arenden/", CASE_VIEWERS),
    "cases.export_for_ledger": ("GET", "/arenden/att-verkstalla.csv", {"finance_officer"}),
    "cases.queues": ("GET", "/arenden/mina-koer", set(PERSONAS)),
    "cases.register_agreement": ("POST", "/arenden/{case}/avtal", {"case_officer"}),
    "cases.awaiting_signature": ("GET", "/arenden/vantar-pa-underskrift", {"case_officer", "finance_officer"}),
    "cases.letters_of_day": ("GET", "/arenden/beslutsbrev?dag={letter_day}", {"case_officer", "finance_officer"}),
    # A decision letter: for whoever may view its case.
    "cases.agreement_scan": ("GET", "/arenden/{plan}/avtal/skanning", CASE_VIEWERS),
    "documents.download": ("GET", "/dokument/{letter}", CASE_VIEWERS),
    # --- audit --- the trail, its export and its check: the auditor; the customer view log: the auditor
    # and the finance director.
    "audit.trail": ("GET", "/granskning/logg?action=arende-beviljat", {"auditor"}),
    "audit.trail_csv": ("GET", "/granskning/logg.csv", {"auditor"}),
    "audit.chain_check": ("GET", "/granskning/kedjan", {"auditor"}),
    "audit.customer_views": ("GET", "/granskning/kundvisningar", {"auditor", "director"}),
    "audit.customer_views_csv": ("GET", "/granskning/kundvisningar.csv", {"auditor", "director"}),
    # --- meetings --- the committee's secretary runs them, the auditor reads, members read their
    # committee's; the urgent page opens on a case marked urgent, never on a draft.
    "meetings.index": ("GET", "/sammantraden/", {"secretary", "auditor", "member_a", "member_b"}),
    "meetings.committee": ("GET", "/sammantraden/namnder/{committee}", {"secretary", "auditor", "member_a"}),
    "meetings.create": ("POST", "/sammantraden/namnder/{committee}", {"secretary"}),
    "meetings.show": ("GET", "/sammantraden/{meeting}", {"secretary", "auditor", "member_a"}),
    "meetings.case": ("GET", "/sammantraden/{meeting}/arenden/{agenda_case}", {"secretary", "auditor", "member_a"}),
    # Jäv in a case on the agenda: the members of the deciding committee, not its secretary or the auditor.
    "meetings.declare_conflict": ("POST", "/sammantraden/{meeting}/arenden/{agenda_case}/jav", {"member_a"}),
    "meetings.add_matter": ("POST", "/sammantraden/{meeting}/arenden", {"secretary"}),
    "meetings.item_decide": ("POST", "/sammantraden/paragrafer/{item}/beslut", {"secretary"}),
    "meetings.record": ("POST", "/sammantraden/{meeting}/protokoll", {"secretary"}),
    "meetings.report": ("GET", "/sammantraden/namnder/{committee}/delegationsbeslut",
                        {"secretary", "auditor", "member_a"}),
    "meetings.mark_urgent": ("POST", "/sammantraden/arenden/{case}/bradskande", {"case_officer"}),
    "meetings.unmark_urgent": ("POST", "/sammantraden/arenden/{urgent_case}/bradskande/ta-bort", {"case_officer"}),
    "meetings.urgent": ("GET", "/sammantraden/arenden/{urgent_case}/bradskande-beslut", {"member_a"}),
    "meetings.issue": ("POST", "/sammantraden/{meeting}/dokument/dagordning", {"secretary"}),
    "meetings.issue_extract": ("POST", "/sammantraden/paragrafer/{item}/protokollsutdrag", {"secretary"}),
    "meetings.document": ("GET", "/sammantraden/{meeting}/dokument/{meeting_document}",
                          {"secretary", "auditor", "member_a"}),
    "meetings.further_delegated": ("GET", "/sammantraden/vidaredelegerade-beslut", {"dept_head_a"}),
    "meetings.add_report": ("POST", "/sammantraden/{meeting}/anmalan", {"secretary"}),
    "meetings.item_remove": ("POST", "/sammantraden/paragrafer/{spare_item}/ta-bort", {"secretary"}),
    "meetings.edit": ("POST", "/sammantraden/{meeting}/redigera", {"secretary"}),
    "meetings.correct": ("POST", "/sammantraden/{meeting}/protokoll/rattelse", {"secretary"}),
    # --- batch write-offs (RULINGS 17) --- finance prepares; finance roles, the auditor and the decider
    # (here the department head, whose rule 3 covers every line) see the batch; the service refuses
    # anyone else who reaches the decision form.
    "batches.index": ("GET", "/samlingsbeslut/", BATCH_READERS | {"dept_head_a"}),
    "batches.new": ("GET", "/samlingsbeslut/ny", {"finance_officer"}),
    "batches.show": ("GET", "/samlingsbeslut/{batch}", BATCH_READERS | {"dept_head_a"}),
    "batches.leave_out": ("POST", "/samlingsbeslut/{batch}/utelamna", {"finance_officer"}),
    "batches.take_back": ("POST", "/samlingsbeslut/{batch}/ta-tillbaka", {"finance_officer"}),
    "batches.leave_out_failing": ("POST", "/samlingsbeslut/{batch}/utelamna-underkanda", {"finance_officer"}),
    "batches.submit": ("POST", "/samlingsbeslut/{batch}/skicka", {"finance_officer"}),
    "batches.withdraw": ("POST", "/samlingsbeslut/{batch}/aterkalla", {"finance_officer"}),
    "batches.decide": ("POST", "/samlingsbeslut/{batch}/beslut", BATCH_READERS | {"dept_head_a"}),
    "batches.refer": ("POST", "/samlingsbeslut/{batch}/namnden", BATCH_READERS | {"dept_head_a"}),
    "batches.execute": ("POST", "/samlingsbeslut/{batch}/verkstall", {"finance_officer"}),
    # Last: once the department head declares jäv, the batch is no longer theirs to see.
    "batches.declare_conflict": ("POST", "/samlingsbeslut/{batch}/jav", {"finance_officer", "dept_head_a"}),
    # --- reports --- the internal-control page and its PDF: the auditor and the finance director. The
    # reports: the municipality-wide readers, and those who act on cases through a position (their share).
    "reports.index": ("GET", "/rapporter/", CASE_VIEWERS),
    "reports.report": ("GET", "/rapporter/beslut", CASE_VIEWERS),
    "reports.report_csv_file": ("GET", "/rapporter/forfallna.csv", CASE_VIEWERS),
    "reports.report_xlsx_file": ("GET", "/rapporter/avskrivningar.xlsx", CASE_VIEWERS),
    "reports.overdue_department": ("GET", "/rapporter/forfallna/forvaltningar/{unit}", CASE_VIEWERS),
    "reports.overdue_department_csv": ("GET", "/rapporter/forfallna/forvaltningar/{unit}.csv", CASE_VIEWERS),
    "reports.overdue_department_xlsx": ("GET", "/rapporter/forfallna/forvaltningar/{unit}.xlsx", CASE_VIEWERS),
    "reports.overdue_department_export": ("POST", "/rapporter/forfallna/forvaltningar/{unit}/fil", CASE_VIEWERS),
    # A report file a job made: only the person who asked for it (it holds what they may see).
    "reports.export_page": ("GET", "/rapporter/filer/{report_export}", {"auditor"}),
    "reports.export_download": ("GET", "/rapporter/filer/{report_export}/hamta", {"auditor"}),
    "reports.internal_control": ("GET", "/rapporter/intern-kontroll", {"auditor", "director"}),
    "reports.internal_control_issue": ("POST", "/rapporter/intern-kontroll/utfarda", {"auditor", "director"}),
    # --- background jobs --- seen by those who see the kind's work (imports: IMPORT_VIEWERS), run
    # again by those who may start it (the finance officer imports); the administrator sees the
    # e-mail send jobs.
    "jobs.index": ("GET", "/jobb/", IMPORT_VIEWERS | {"admin"}),
    "jobs.retry": ("POST", "/jobb/{failed_job}/forsok-igen", {"finance_officer"}),
    # --- reminders by e-mail --- each person's own choice; the outbox is the administrator's.
    "notify.preferences": ("GET", "/e-post/mina-paminnelser", set(PERSONAS)),
    "notify.outbox": ("GET", "/e-post/utkorg", {"admin"}),
    "notify.retry": ("POST", "/e-post/utkorg/{failed_mail}/skicka-igen", {"admin"}),
}
PUBLIC = {"static", "auth.login", "auth.logout", "documents.verify", "home.favicon",
          # signing in through the identity provider or a trusted proxy, and the provider's logout
          # (tests/auth/test_oidc.py): 404 unless configured
          "sso.start", "sso.callback", "sso.backchannel_logout", "sso.trusted_header"}


def _tiny_png() -> bytes:
    """A real image: documents issued through the matrix print the municipality's logo."""
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def world(make):
    committee_a, committee_b = make.committee("A"), make.committee("B")
    department = make.unit(committee_a, kind="department")
    position = make.position(committee_a, PositionKind.UNIT_HEAD, make.unit(committee_a, parent=department))
    other_user = make.user("other")
    appointment = make.appointment(other_user, position)
    absence = make.absence(other_user, date(2026, 12, 1), date(2026, 12, 5))
    admin = make.user("admin", Role.ADMINISTRATOR)
    make.user("director", Role.FINANCE_DIRECTOR)
    make.user("finance_officer", Role.FINANCE_OFFICER)
    case_officer = make.user("case_officer", Role.CASE_OFFICER)
    make.user("auditor", Role.AUDITOR)
    make.appointment(make.user("member_a"), make.position(committee_a, PositionKind.MEMBER))
    make.appointment(make.user("member_b"), make.position(committee_b, PositionKind.MEMBER))
    from portal.audit.services import SYSTEM
    from portal.org.services import municipality_update

    municipality_update(SYSTEM, name="Testkommun", organisation_number=None,
                        logo=_tiny_png())
    head = make.position(committee_a, PositionKind.DEPARTMENT_HEAD, department)
    make.appointment(make.user("dept_head_a"), head)
    version = make.scheme_version(committee_a)
    make.delegation_rule(version, "1", position_kind="department_head", scope="issuing_department",
                         allows_further_delegation=True)
    make.delegation_rule(version, "2", case_type="instalment_plan", position_kind="department_head",
                         scope="issuing_department")
    make.delegation_rule(version, "3", case_type="write_off", position_kind="department_head",
                         scope="issuing_department")
    draft = make.scheme_version(committee_a, state="draft")
    draft_rule = make.delegation_rule(draft, "1")
    further = make.further_delegation(version, "1", head, position, starts_on=date(2026, 12, 1))
    from portal.receivables import imports
    from tests.receivables.builders import ledger_row, table_bytes

    make.unit(committee_a, code="BOU1")
    category = make.category("CHILDCARE")
    ledger_import = imports.upload(SYSTEM, data=table_bytes([ledger_row(1)]), file_name="r.csv",
                                   kind="ledger", mapping_id=None)
    customer = make.customer()
    from portal.audit.services import Actor
    from portal.cases.services import case_create
    from portal.cases.terms import TermsInput
    from portal.delegation.engine_types import CaseType

    invoice_unit = make.unit(committee_a, parent=department, code="CASE1")
    invoices = [make.invoice(customer, invoice_unit, category) for _ in range(2)]
    officer = Actor(case_officer.id, case_officer.username, "case_officer")
    cases = [case_create(officer, customer=customer, case_type=CaseType.DEFERRAL, invoice_ids=[i.id],
                         terms=TermsInput(), reasons="Prov") for i in invoices]
    from portal.cases.services import attachment_add

    attachment = attachment_add(officer, cases[0], "intyg.pdf", b"%PDF-1.7\n")
    letter, letter_day = _decided_letter(officer, make, customer, invoice_unit, category)
    plan = _signed_plan(officer, make, customer, invoice_unit, category)
    # The secretary of committee A: she runs A's meetings (RULINGS: the committees where she is secretary).
    make.appointment(make.user("secretary", Role.COMMITTEE_SECRETARY),
                     make.position(committee_a, PositionKind.COMMITTEE_SECRETARY))
    from portal.meetings.models import AgendaItem
    from portal.meetings.services import meeting_create

    meeting = meeting_create(SYSTEM, committee_a, meeting_date=date(2026, 12, 10), place="Salen")
    agenda_case = case_create(officer, customer=customer, case_type=CaseType.DEFERRAL,
                              invoice_ids=[make.invoice(customer, invoice_unit, category).id],
                              terms=TermsInput(), reasons="Prov")
    agenda_case.state = "referred_to_committee"
    urgent_case = case_create(officer, customer=customer, case_type=CaseType.DEFERRAL,
                              invoice_ids=[make.invoice(customer, invoice_unit, category).id],
                              terms=TermsInput(), reasons="Prov")
    urgent_case.state, urgent_case.urgent = "awaiting_decision", True
    item = AgendaItem(meeting_id=meeting.id, paragraph=1, kind="referred_case", case_id=agenda_case.id,
                      proposal="Bevilja.")
    spare_item = AgendaItem(meeting_id=meeting.id, paragraph=2, kind="delegation_report", proposal="Till handlingarna.")
    from portal.extensions import db

    db.session.add_all([item, spare_item])
    db.session.flush()
    from portal.documents.services import document_issue

    meeting_document = document_issue(SYSTEM, kind=DocumentKind.AGENDA, title="Föredragningslista",
                                      object_type="meeting", object_id=meeting.id, render=lambda code: b"%PDF-1.7")
    from portal.org.services import appointment_save

    registration = appointment_save(Actor(admin.id, admin.username, "administrator"), None, user_id=admin.id,
                                    position_id=position.id, starts_on=date(2026, 12, 1), ends_on=None)
    return {"registration": registration.id,
            "committee": committee_a.id, "unit": department.id, "position": position.id,
            "appointment": appointment.id, "absence": absence.id, "other_user": other_user.id,
            "customer": customer.id, "case": cases[0].id, "other_case": cases[1].id,
            "attachment": attachment.id, "ledger_import": ledger_import.id,
            "mapping": make.mapping("Unit4", {"invoice_number": "voucher_no"}).id,
            "category": category.id, "stage_code": make.stage_code("INK", "collection_demand").id,
            "committee_b": committee_b.id, "version": version.id, "draft": draft.id,
            "draft_rule": draft_rule.id, "further": further.id, "letter": letter,
            "letter_day": letter_day, "plan": plan, "meeting": meeting.id,
            "agenda_case": agenda_case.id, "urgent_case": urgent_case.id, "item": item.id, "spare_item": spare_item.id,
            "meeting_document": meeting_document.id,
            "bank_payment": _bank_payment(ledger_import.id), "failed_job": _failed_job(ledger_import.id),
            "failed_mail": _failed_mail(other_user.id),
            "batch": _batch(make, committee_a, invoice_unit, category),
            "report_export": _report_export(department.id), "org_import": _org_import(admin.id)}


def _batch(make, committee, unit, category) -> int:
    """A batch write-off of two customers' small debts, submitted to the department head (rule 3)."""
    from portal.audit.services import Actor
    from portal.auth.models import User
    from portal.batches import services
    from portal.extensions import db

    for _ in range(2):
        make.invoice(make.customer(), unit, category, number=f"SM{make.customer().id}", original_ore=40_00)
    finance = db.session.scalars(db.select(User).where(User.username == "finance_officer")).one()
    actor = Actor(finance.id, finance.username, "finance_officer")
    batch = services.batch_create_from_filter(actor, services.BatchHead(committee.id, "Små skulder", "uneconomic",
                                                                        False, "Små belopp."),
                                              services.BatchFilter(below_ore=50_00))
    services.batch_build(actor, batch)
    services.batch_submit(actor, batch)
    return batch.id


def _bank_payment(import_id: int) -> int:
    """Bank payments whose reference named no invoice, waiting to be matched by hand (two: the page
    holds a form for each, and their ids must differ)."""
    from portal.extensions import db
    from portal.receivables.models import BankPayment

    payments = [BankPayment(key=f"9912346:2026-01-14:26011400000{n}", import_id=import_id, line=2 + n,
                            receiving_bankgiro="9912346", deposit_date=date(2026, 1, 14),
                            bank_serial=f"26011400000{n}", amount_ore=10_000 * n, reference=f"9999{n}",
                            reference_type="ocr") for n in (1, 2)]
    db.session.add_all(payments)
    db.session.flush()
    return payments[0].id


def _failed_mail(recipient_id: int) -> int:
    """A reminder the relay refused five times: the outbox lists it, and the administrator sends it again."""
    from portal import clock
    from portal.extensions import db
    from portal.notify.models import MailEvent, OutboxMail

    event = MailEvent(key="test:1", kind="case_returned", payload={}, created_at=clock.now(), expanded_at=clock.now())
    db.session.add(event)
    db.session.flush()
    mail = OutboxMail(event_id=event.id, recipient_id=recipient_id, state="failed", attempts=5,
                      next_attempt_at=clock.now(), last_error="451", created_at=clock.now())
    db.session.add(mail)
    db.session.flush()
    return mail.id


def _report_export(department_id: int) -> int:
    """A department's overdue list made as a file by a job for the auditor: theirs alone."""
    from portal import clock
    from portal.auth.models import User
    from portal.extensions import db
    from portal.reports.models import ReportExport

    auditor = db.session.query(User).filter_by(username="auditor").one()
    export = ReportExport(requested_by_id=auditor.id, requested_at=clock.now(), department_id=department_id,
                          file_format="csv", file_name="Förfallna.csv", rows=0, size=3, content=b"a;b",
                          made_at=clock.now())
    db.session.add(export)
    db.session.flush()
    return export.id


def _org_import(uploaded_by_id: int) -> int:
    """A file uploaded for its preview (its one row names no committee the world has)."""
    from datetime import UTC, datetime

    from portal.extensions import db
    from portal.org.models import OrgImport

    org_import = OrgImport(filename="hr.csv", content="Nämnd;Enhetskod;Enhet\r\nXX;1;Ett".encode(), sha256="0" * 64,
                           size=20, rows=1, state="previewed", uploaded_by_id=uploaded_by_id,
                           uploaded_at=datetime(2026, 11, 23, tzinfo=UTC))
    db.session.add(org_import)
    db.session.flush()
    return org_import.id


def _failed_job(import_id: int) -> int:
    """A ledger preview that failed (its worker stopped): the jobs page lists it, and it can be retried."""
    from portal import clock
    from portal.extensions import db
    from portal.jobs.models import Job

    job = Job(kind="ledger_import.preview", state="failed", subject_type="ledger_import", subject_id=import_id,
              params={}, progress=0, attempts=1, error="Arbetsprocessen avbröts.", created_at=clock.now())
    db.session.add(job)
    db.session.flush()
    return job.id


def _decided_letter(officer, make, customer, unit, category) -> tuple[int, str]:
    """A deferral decided by the department head under rule 1: its letter and the day it was issued."""
    from datetime import timedelta

    from portal import clock
    from portal.audit.services import Actor
    from portal.auth.models import User
    from portal.cases import services
    from portal.cases.rules import Outcome
    from portal.cases.terms import TermsInput
    from portal.delegation.engine_types import CaseType
    from portal.documents.services import documents_for
    from portal.extensions import db

    invoice = make.invoice(customer, unit, category, due_date=clock.today())
    case = services.case_create(officer, customer=customer, case_type=CaseType.DEFERRAL, invoice_ids=[invoice.id],
                                terms=TermsInput(), reasons="Prov")
    services.case_update(officer, case, invoice_ids=[invoice.id],
                         terms=TermsInput(new_due_date=clock.today() + timedelta(days=30)), reasons="Prov")
    services.case_submit(officer, case)
    head = db.session.scalars(db.select(User).where(User.username == "dept_head_a")).one()
    decision = services.case_decide(Actor(head.id, head.username, None), case, services.DecisionInput(
        Outcome.GRANTED, "Prov", no_conflict_confirmed=True))
    return documents_for("decision", decision.id)[0].id, clock.today().isoformat()


def _signed_plan(officer, make, customer, unit, category) -> int:
    """A plan granted by the department head under rule 2, its signed agreement registered with a scan."""
    from datetime import timedelta

    from portal import clock
    from portal.audit.services import Actor
    from portal.auth.models import User
    from portal.cases import services
    from portal.cases.rules import Outcome
    from portal.cases.terms import TermsInput
    from portal.delegation.engine_types import CaseType
    from portal.extensions import db

    make.reference_rates()  # a plan's schedule is computed at the rate of its period
    invoice = make.invoice(customer, unit, category, due_date=clock.today())
    case = services.case_create(officer, customer=customer, case_type=CaseType.INSTALMENT_PLAN,
                                invoice_ids=[invoice.id], terms=TermsInput(), reasons="Prov")
    services.case_update(officer, case, invoice_ids=[invoice.id], reasons="Prov", terms=TermsInput(
        first_due_date=clock.today() + timedelta(days=30), instalments=2))
    services.case_submit(officer, case)
    head = db.session.scalars(db.select(User).where(User.username == "dept_head_a")).one()
    services.case_decide(Actor(head.id, head.username, None), case, services.DecisionInput(
        Outcome.GRANTED, "Prov", no_conflict_confirmed=True))
    services.agreement_register_signed(officer, case, clock.today(),
                                       services.Scan("avtal.pdf", b"%PDF-1.4 signed"))
    return case.id


def test_the_matrix_names_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - PUBLIC == set(MATRIX), "add the new route to MATRIX with who may use it"


def test_anonymous_users_are_sent_to_log_in_everywhere(client, world):
    token = client.csrf_token()
    for endpoint, (method, template, _who) in MATRIX.items():
        url = template.format(**world)
        response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code == 302, endpoint
        assert response.location.startswith("/logga-in"), endpoint


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_reaches_exactly_its_routes(client, world, persona):
    client.login(persona)
    token = client.csrf_token()
    for endpoint, (method, template, who) in MATRIX.items():
        url = template.format(**world)
        data = {"csrf_token": token} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        if persona in who:
            assert response.status_code not in (302, 403, 404), f"{persona} should reach {endpoint}"
        else:
            assert response.status_code == 403, f"{persona} must not reach {endpoint}"


def test_a_user_sees_their_own_user_page_but_not_others(client, world, make):
    me = make.user("me", Role.CASE_OFFICER)
    client.login("me")
    assert client.get(f"/admin/anvandare/{me.id}").status_code == 200
    assert client.get(f"/admin/anvandare/{world['other_user']}").status_code == 403


def test_unknown_objects_are_404_for_those_who_may_look(client, world):
    client.login("director")
    assert client.get("/organisation/namnder/999999").status_code == 404
    assert client.get("/organisation/befattningar/999999").status_code == 404
    assert client.get("/kunder/999999").status_code == 404
    assert client.get("/import/999999").status_code == 404
    assert client.get("/referensdata/okand/1").status_code == 404


def test_only_the_stage_code_table_is_the_finance_officers(client, world):
    client.login("finance_officer")
    assert client.get(f"/referensdata/kravsteg/{world['stage_code']}").status_code == 200
    assert client.get(f"/referensdata/kategorier/{world['category']}").status_code == 403
    assert client.post_form("/referensdata/avgifter", {}).status_code == 403


def test_access_imports_no_domain_and_nothing_inside_functions():
    """access.py sits below the domains: each domain registers its own visibility rule with it
    (the same query its lists use), so access.py never reaches up into them."""
    import ast
    from pathlib import Path

    import portal.access

    tree = ast.parse(Path(portal.access.__file__).read_text(encoding="utf-8"))
    top_level = {node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)}
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]
    assert all(node in top_level for node in imports), "an import inside a function"
    modules = {node.module for node in imports if isinstance(node, ast.ImportFrom)}
    portal_modules = {m for m in modules if m and m.startswith("portal")}
    assert portal_modules <= {"portal", "portal.auth.models", "portal.auth.roles"}, portal_modules
