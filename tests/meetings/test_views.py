"""Meeting pages: the secretary runs the meeting; members read their own committee's agenda only."""

from __future__ import annotations

from datetime import date

from portal.cases import services as case_services
from portal.cases.rules import CaseState
from portal.cases.terms import TermsInput
from portal.delegation.engine_types import CaseType
from portal.extensions import db
from portal.meetings import services
from portal.meetings.models import Meeting
from portal.meetings.rules import CommitteeOutcome
from tests import factories
from tests.meetings.conftest import at, delegated, referred

HTMX = {"HX-Request": "true"}


def make_invoice(world):
    return factories.invoice(world.customer, world.unit, world.category, due_date=date(2026, 10, 31))


def _as(client, username):
    client.post_form("/logga-ut")
    client.login(username)


def _meeting(world, day=date(2026, 12, 10)):
    return services.meeting_create(world.actor(world.secretary), world.committee, meeting_date=day, place="Salen")


def test_the_secretary_creates_a_meeting_and_builds_its_agenda(client, world):
    case = referred(world)
    delegated(world)
    _as(client, "sekr")
    page = client.get(f"/sammantraden/namnder/{world.committee.id}")
    assert page.status_code == 200 and "Nytt sammanträde" in page.get_data(as_text=True)
    response = client.post_form(f"/sammantraden/namnder/{world.committee.id}",
                                {"meeting_date": "2026-12-10", "place": "Sessionssalen"})
    assert response.status_code == 303
    meeting = db.session.query(Meeting).one()
    url = f"/sammantraden/{meeting.id}"
    assert client.post_form(f"{url}/arenden", {"kind": "case", "matter_id": case.id,
                                                     "proposal": "Bevilja anstånd."}).status_code == 303
    assert client.post_form(f"{url}/anmalan").status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert case.registry_number in page and "Bevilja anstånd." in page and "Anmälan av delegationsbeslut" in page
    assert "Åsa Öberg" not in page and world.customer.identity_number not in page
    item = meeting.items[0]
    response = client.post_form(f"/sammantraden/paragrafer/{item.id}/beslut",
                                {f"item{item.id}-outcome": "granted", f"item{item.id}-decision_text": ""},
                                headers={"HX-Request": "true", "HX-Target": "agenda"})
    assert response.status_code == 200 and 'id="agenda"' in response.get_data(as_text=True)
    at(world, date(2026, 12, 15))
    response = client.post_form(f"{url}/protokoll", {"minutes_approved_on": "2026-12-14",
                                                     "minutes_posted_on": "2026-12-15", "confirmed": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(type(case), case.id).state == CaseState.GRANTED
    page = client.get(url).get_data(as_text=True)
    assert "SN 2026-12-10 § 1" in page and "2027-01-05" in page
    case_page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "SN 2026-12-10 § 1" in case_page


def test_recording_without_decisions_is_refused_in_swedish(client, world):
    meeting = _meeting(world)
    services.agenda_add(world.actor(world.secretary), meeting, referred(world), "Bevilja.")
    db.session.commit()
    _as(client, "sekr")
    at(world, date(2026, 12, 15))
    response = client.post_form(f"/sammantraden/{meeting.id}/protokoll",
                                {"minutes_approved_on": "2026-12-14", "minutes_posted_on": "2026-12-15",
                                 "confirmed": "y"})
    assert response.status_code == 422 and "§ 1" in response.get_data(as_text=True)


def test_a_member_reads_their_committees_agenda_and_case_but_nothing_else(client, world):
    case = referred(world)
    meeting = _meeting(world)
    services.agenda_add(world.actor(world.secretary), meeting, case, "Bevilja.")
    other = services.meeting_create(world.actor(world.secretary), world.other_committee,
                                    meeting_date=date(2026, 12, 10), place="")
    _as(client, "ledamot")
    assert client.get("/sammantraden/").status_code == 200
    page = client.get(f"/sammantraden/{meeting.id}").get_data(as_text=True)
    assert case.registry_number in page and "Registrera sammanträdet" not in page
    assert client.get(f"/sammantraden/{meeting.id}/arenden/{case.id}").status_code == 200
    assert client.get(f"/sammantraden/{other.id}").status_code == 403
    assert client.get(f"/sammantraden/namnder/{world.other_committee.id}").status_code == 403
    assert client.get(f"/arenden/{case.id}").status_code == 403
    assert client.post_form(f"/sammantraden/{meeting.id}/anmalan").status_code == 403
    _as(client, "bun.ledamot")
    assert client.get(f"/sammantraden/{meeting.id}").status_code == 403
    assert client.get(f"/sammantraden/{meeting.id}/arenden/{case.id}").status_code == 403
    assert client.get(f"/sammantraden/namnder/{world.committee.id}/delegationsbeslut").status_code == 403


def test_a_case_not_on_the_agenda_is_404(client, world):
    meeting = _meeting(world)
    decision = delegated(world)
    _as(client, "ledamot")
    assert client.get(f"/sammantraden/{meeting.id}/arenden/{decision.case_id}").status_code == 404


def test_the_delegation_report_page_lists_by_rule_without_names(client, world):
    decision = delegated(world)
    _as(client, "ledamot")
    page = client.get(f"/sammantraden/namnder/{world.committee.id}/delegationsbeslut").get_data(as_text=True)
    assert decision.case.registry_number in page and "1.1" in page and "Enhetschef Hemtjänst Norr" in page
    assert "Åsa Öberg" not in page and world.customer.identity_number not in page


def test_the_case_officer_marks_urgent_and_the_chair_decides_in_the_browser(client, world):
    case = referred(world)
    _as(client, "handlaggare")
    assert client.post_form(f"/sammantraden/arenden/{case.id}/bradskande", {"note": "Vräkning."}).status_code == 303
    db.session.expire_all()
    assert db.session.get(type(case), case.id).urgent
    _as(client, "ledamot")
    page = client.get(f"/sammantraden/arenden/{case.id}/bradskande-beslut").get_data(as_text=True)
    assert "inte" in page  # the scheme names the chair, not this member
    _as(client, "ordf")
    response = client.post_form(f"/sammantraden/arenden/{case.id}/bradskande-beslut",
                                {"outcome": "granted", "reasons": "Kan inte vänta.", "no_conflict_confirmed": "y",
                                 "confirmed": "y"})
    assert response.status_code == 303
    _as(client, "sekr")
    page = client.get(f"/sammantraden/namnder/{world.committee.id}/delegationsbeslut").get_data(as_text=True)
    assert case.registry_number in page and "9.1" in page


def test_the_nav_shows_meetings_to_the_secretary_and_members_only(client, world):
    _as(client, "sekr")
    assert "/sammantraden/" in client.get("/").get_data(as_text=True)
    _as(client, "handlaggare")
    assert "/sammantraden/" not in client.get("/").get_data(as_text=True)
    assert client.get("/sammantraden/").status_code == 403


def test_the_secretary_issues_agenda_report_and_minutes_extract_as_pdfs(client, world):
    case = referred(world)
    delegated(world)
    meeting = _meeting(world)
    item = services.agenda_add(world.actor(world.secretary), meeting, case, "Bevilja anstånd.")
    services.agenda_add_report(world.actor(world.secretary), meeting)
    _as(client, "sekr")
    url = f"/sammantraden/{meeting.id}"
    assert client.post_form(f"/sammantraden/paragrafer/{item.id}/protokollsutdrag").status_code == 303
    from portal.meetings.queries import documents_of

    assert documents_of(meeting) == []  # no extract before the meeting is recorded
    assert client.post_form(f"{url}/dokument/dagordning").status_code == 303
    services.item_decide(world.actor(world.secretary), item, outcome=CommitteeOutcome.GRANTED,
                         decision_text="")
    _record_at = date(2026, 12, 15)
    at(world, _record_at)
    services.meeting_record(world.actor(world.secretary), meeting, approved_on=date(2026, 12, 14),
                            posted_on=_record_at)
    assert client.post_form(f"{url}/dokument/anmalan").status_code == 303
    assert client.post_form(f"/sammantraden/paragrafer/{item.id}/protokollsutdrag").status_code == 303
    assert client.post_form(f"{url}/dokument/okand").status_code == 404

    documents = documents_of(meeting)
    # Recording issued the report first (it had never been issued); the secretary's copy lists the same.
    assert [d.kind for d in documents] == ["agenda", "delegation_report", "delegation_report", "minutes_extract"]
    for document in documents:
        response = client.get(f"{url}/dokument/{document.id}")
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
    _as(client, "ledamot")
    assert client.get(f"{url}/dokument/{documents[0].id}").status_code == 200
    _as(client, "bun.ledamot")
    assert client.get(f"{url}/dokument/{documents[0].id}").status_code == 403


def test_the_case_page_shows_when_a_reported_decisions_appeal_time_ends(client, world):
    decision = delegated(world)
    meeting = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), meeting)
    _as(client, "chef.norr")
    assert "Ännu inte anmält till nämnden." in client.get(f"/arenden/{decision.case_id}").get_data(as_text=True)
    at(world, date(2026, 12, 16))
    services.meeting_record(world.actor(world.secretary), meeting, approved_on=date(2026, 12, 14),
                            posted_on=date(2026, 12, 16))
    page = client.get(f"/arenden/{decision.case_id}").get_data(as_text=True)
    assert "Överklagandetiden löper ut 2027-01-07." in page  # 6 January is Epiphany


def test_the_department_head_sees_the_decisions_made_under_their_further_delegation(client, make):
    from datetime import date

    from portal.audit.services import Actor
    from portal.cases import services as case_services
    from portal.cases.rules import Outcome
    from portal.cases.terms import TermsInput
    from portal.delegation.engine_types import CaseType
    from portal.extensions import db
    from portal.org.models import PositionKind
    from tests.cases.conftest import build_world

    world = build_world(make)
    dept = db.session.get(type(world.unit), world.unit.parent_id)
    head_position = make.position(world.committee, PositionKind.DEPARTMENT_HEAD, dept, title="Socialchef 2")
    head = make.user("chef.forvaltning", full_name="Fredrika Förvaltning")
    make.appointment(head, head_position)
    fee_position = make.position(world.committee, PositionKind.FEE_OFFICER, world.unit, title="Avgiftshandläggare 2")
    delegate = make.user("vidare", full_name="Vide Delegat")
    make.appointment(delegate, fee_position)
    make.delegation_rule(world.version, "9.1", case_type="credit", level=2, position_kind="department_head",
                         scope="issuing_department", allows_further_delegation=True)
    make.further_delegation(world.version, "9.1", head_position, fee_position, starts_on=date(2026, 1, 1))
    invoice = make.invoice(world.customer, world.unit, world.category, original_ore=200_00)
    case = case_services.case_create(world.actor(world.officer), customer=world.customer, case_type=CaseType.CREDIT,
                                     invoice_ids=[invoice.id], terms=TermsInput(credit_reason="wrong_price"), reasons="Fel taxa.")
    case.credit_reason = "wrong_price"  # the draft's terms are set before submission
    case_services.case_submit(world.actor(world.officer), case)
    decision = case_services.case_decide(Actor(delegate.id, delegate.username, None), case,
                                         case_services.DecisionInput(Outcome.GRANTED, "Ok.", True))
    assert decision.rule_number == "9.1" and decision.delegated_by_position_id == head_position.id
    db.session.commit()
    client.login("chef.forvaltning")
    page = client.get("/sammantraden/vidaredelegerade-beslut").get_data(as_text=True)
    assert case.registry_number in page and "Öberg" not in page


def test_the_secretary_acts_only_for_the_committees_where_she_is_secretary(client, world, make):
    from portal.auth.roles import Role
    from portal.org.models import PositionKind

    other = world.other_committee
    theirs = services.meeting_create(world.actor(world.secretary), other, meeting_date=date(2026, 12, 10), place="")
    ours = _meeting(world)
    bun_secretary = make.user("sekr.bun", Role.COMMITTEE_SECRETARY)
    make.appointment(bun_secretary, make.position(other, PositionKind.COMMITTEE_SECRETARY, title="Sekreterare BUN"))
    _as(client, "sekr")
    index = client.get("/sammantraden/").get_data(as_text=True)
    assert world.committee.name in index and other.name not in index
    assert client.get(f"/sammantraden/namnder/{other.id}").status_code == 403
    assert client.post_form(f"/sammantraden/namnder/{other.id}", {"meeting_date": "2026-12-17"}).status_code == 403
    assert client.get(f"/sammantraden/{theirs.id}").status_code == 403
    assert client.post_form(f"/sammantraden/{theirs.id}/anmalan").status_code == 403
    assert client.post_form(f"/sammantraden/{ours.id}/anmalan").status_code == 303
    _as(client, "sekr.bun")
    assert client.post_form(f"/sammantraden/{theirs.id}/anmalan").status_code == 303
    assert client.get(f"/sammantraden/{ours.id}").status_code == 403
    # While Stina is away and names Bo's secretary as her stand-in, the stand-in acts for SN too.
    make.absence(world.secretary, date(2026, 11, 20), date(2026, 11, 30), standin=bun_secretary)
    assert client.post_form(f"/sammantraden/{ours.id}/redigera", {
        "meeting_date": "2026-12-11", "place": "Salen"}).status_code == 303
    _as(client, "sekr")
    assert client.get(f"/sammantraden/{ours.id}").status_code == 200  # away, still secretary of SN


def test_a_secretary_without_a_secretary_position_acts_for_no_committee(client, world, make):
    from portal.auth.roles import Role

    make.user("sekr.utan", Role.COMMITTEE_SECRETARY)
    meeting = _meeting(world)
    _as(client, "sekr.utan")
    assert client.get("/sammantraden/").status_code == 403
    assert client.post_form(f"/sammantraden/{meeting.id}/anmalan").status_code == 403


def test_the_secretary_edits_a_planned_meeting_and_corrects_the_recorded_posting(client, world):
    decision = delegated(world)
    meeting = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), meeting)
    _as(client, "sekr")
    url = f"/sammantraden/{meeting.id}"
    page = client.get(url).get_data(as_text=True)
    assert f'action="{url}/redigera"' in page and "/protokoll/rattelse" not in page
    response = client.post_form(f"{url}/redigera", {"meeting_date": "", "place": "Salen"}, headers=HTMX)
    assert response.status_code == 422 and "Ange sammanträdets datum." in response.get_data(as_text=True)
    assert client.post_form(f"{url}/redigera", {"meeting_date": "2026-12-09", "place": "Lilla salen"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).place == "Lilla salen"
    at(world, date(2026, 12, 16))
    services.meeting_record(world.actor(world.secretary), db.session.get(Meeting, meeting.id),
                            approved_on=date(2026, 12, 14), posted_on=date(2026, 12, 16))
    page = client.get(url).get_data(as_text=True)
    assert f'action="{url}/redigera"' not in page and f'action="{url}/protokoll/rattelse"' in page
    assert client.post_form(f"{url}/redigera", {"meeting_date": "2026-12-08", "place": ""}).status_code == 422
    response = client.post_form(f"{url}/protokoll/rattelse", {
        "minutes_approved_on": "2026-12-14", "minutes_posted_on": "2026-12-15", "reason": "Anslaget sattes upp den 15:e."})
    assert response.status_code == 303
    _as(client, "chef.norr")  # the secretary reads no case pages (README "Vem ser vad"); the decider does
    case_page = client.get(f"/arenden/{decision.case_id}").get_data(as_text=True)
    assert "Överklagandetiden löper ut 2027-01-05." in case_page


def test_the_case_page_says_a_decision_is_on_an_issued_report_before_the_meeting(client, world):
    decision = delegated(world)
    meeting = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), meeting)
    _as(client, "sekr")
    assert client.post_form(f"/sammantraden/{meeting.id}/dokument/anmalan").status_code == 303
    _as(client, "chef.norr")
    page = client.get(f"/arenden/{decision.case_id}").get_data(as_text=True)
    assert "Finns på delegationsanmälan till sammanträdet 2026-12-10." in page
    assert "Ännu inte anmält" not in page and "Överklagandetiden" not in page


def test_recording_the_meeting_needs_the_confirmation_box(client, world):
    delegated(world)
    meeting = _meeting(world)
    services.agenda_add_report(world.actor(world.secretary), meeting)
    db.session.commit()
    _as(client, "sekr")
    at(world, date(2026, 12, 15))
    dates = {"minutes_approved_on": "2026-12-14", "minutes_posted_on": "2026-12-15"}
    response = client.post_form(f"/sammantraden/{meeting.id}/protokoll", dates)
    assert response.status_code == 422 and "Kryssa i rutan för att bekräfta." in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(Meeting, meeting.id).is_held
    assert client.post_form(f"/sammantraden/{meeting.id}/protokoll", {**dates, "confirmed": "y"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).is_held


def test_an_urgent_decision_needs_the_confirmation_box(client, world):
    case = referred(world)
    services.case_mark_urgent(world.actor(world.officer), case, "Vräkning.")
    db.session.commit()
    _as(client, "ordf")
    decision = {"outcome": "granted", "reasons": "Kan inte vänta.", "no_conflict_confirmed": "y"}
    response = client.post_form(f"/sammantraden/arenden/{case.id}/bradskande-beslut", decision)
    assert response.status_code == 422 and "Kryssa i rutan för att bekräfta." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(case), case.id).decision is None


def test_a_member_reads_no_draft_or_unmarked_case_through_the_urgent_page(client, world):
    """Members see cases only on their agendas; the urgent page opens once the case is marked urgent."""
    officer = world.actor(world.officer, "case_officer")
    draft = case_services.case_create(officer, customer=world.customer, case_type=CaseType.DEFERRAL,
                                      invoice_ids=[world.invoice.id], terms=TermsInput(), reasons="Hemligt utkast.")
    waiting = referred(world, make_invoice(world))
    db.session.commit()
    _as(client, "ordf")
    for case in (draft, waiting):
        response = client.get(f"/sammantraden/arenden/{case.id}/bradskande-beslut")
        assert response.status_code == 403
        assert "Hemligt utkast." not in response.get_data(as_text=True)


def test_a_member_declares_jav_in_a_case_on_the_agenda_and_the_secretary_cannot(client, world):
    meeting = _meeting(world)
    case = referred(world)
    services.agenda_add(world.actor(world.secretary), meeting, case, "Bevilja.")
    db.session.commit()
    url = f"/sammantraden/{meeting.id}/arenden/{case.id}"
    _as(client, "sekr")
    assert "Anmäl jäv" not in client.get(url).get_data(as_text=True)
    assert client.post_form(f"{url}/jav", {"note": "x"}).status_code == 403
    _as(client, "ledamot")
    assert "Anmäl jäv" in client.get(url).get_data(as_text=True)
    assert client.post_form(f"{url}/jav", {"note": "Granne med kunden."}).status_code == 303
    db.session.expire_all()
    assert [c.user_id for c in db.session.get(type(case), case.id).conflicts] == [world.member.id]
    assert "Anmäl jäv" not in client.get(url).get_data(as_text=True)


# --- what waits for an agenda: grouped by type and a page at a time --------------------------------

def test_the_waiting_list_is_grouped_by_type_and_paged_with_every_types_totals(client, world, monkeypatch):
    from portal.meetings import queries

    monkeypatch.setattr(queries, "WAITING_PER_PAGE", 2)
    cases = [referred(world, make_invoice(world)) for _ in range(3)]
    meeting = _meeting(world)
    db.session.commit()
    waiting = queries.waiting_page(world.committee.id, 1)
    assert (waiting.count, waiting.pages) == (3, 2)
    assert [(group.type_label, group.count) for group in waiting.groups] == [("Anstånd", 3)]
    assert [row.id for row in waiting.groups[0].rows] == [cases[0].id, cases[1].id]  # oldest referral first
    assert [row.id for row in queries.waiting_page(world.committee.id, 2).groups[0].rows] == [cases[2].id]
    assert queries.waiting_page(world.committee.id, 99).page == 2  # past the end: the last page

    _as(client, "sekr")
    url = f"/sammantraden/{meeting.id}"
    first = client.get(url).get_data(as_text=True)
    assert cases[0].registry_number in first and cases[2].registry_number not in first
    assert "Sida 1 av 2" in first and f"{url}?vantar=2#waiting-heading" in first
    second = client.get(f"{url}?vantar=2").get_data(as_text=True)
    assert cases[2].registry_number in second and cases[0].registry_number not in second
    # A missing proposal is named beside that row's field, on the page it was on.
    refused = client.post_form(f"{url}/arenden", {"kind": "case", "matter_id": cases[2].id, "proposal": " ",
                                                  "waiting_page": 2})
    html = refused.get_data(as_text=True)
    field_id = f"waiting-case-{cases[2].id}-proposal"
    assert refused.status_code == 422 and f'id="{field_id}-error"' in html
    assert "Ange handläggarens förslag." in html and f'aria-describedby="{field_id}-error"' in html
    added = client.post_form(f"{url}/arenden", {"kind": "case", "matter_id": cases[2].id,
                                                "proposal": "Bevilja anstånd.", "waiting_page": 2})
    assert added.status_code == 303 and added.headers["Location"].endswith(f"{url}?vantar=2")
    assert queries.waiting_page(world.committee.id).count == 2


def test_a_matter_that_no_longer_waits_is_refused_in_words_and_nothing_changes(client, world):
    case = referred(world)
    meeting = _meeting(world)
    services.agenda_add(world.actor(world.secretary), meeting, case, "Bevilja.")
    other = _meeting(world, date(2026, 12, 17))
    db.session.commit()
    _as(client, "sekr")
    refused = client.post_form(f"/sammantraden/{other.id}/arenden",
                               {"kind": "case", "matter_id": case.id, "proposal": "Igen."})
    assert refused.status_code == 422
    assert "Ärendet finns redan på ett sammanträdes föredragningslista." in refused.get_data(as_text=True)
    bad_kind = client.post_form(f"/sammantraden/{other.id}/arenden",
                                {"kind": "letter", "matter_id": case.id, "proposal": "Igen."})
    assert bad_kind.status_code == 422 and "Välj ett ärende eller ett samlingsbeslut." in bad_kind.get_data(as_text=True)
    assert client.post_form(f"/sammantraden/{other.id}/arenden",
                            {"kind": "case", "matter_id": 999_999, "proposal": "Igen."}).status_code == 404
    db.session.refresh(other)
    assert other.items == []
