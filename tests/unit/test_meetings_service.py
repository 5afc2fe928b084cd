"""Meetings: time zones, visibility, series, agendas, quorum and the federal clocks."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from pitf.errors import Conflict, Forbidden, NotFound, ValidationFailed
from pitf.models import AuditEntry, Membership, Notification
from pitf.models.agendas import MAX_AGENDA_ITEMS, AgendaItemInput
from pitf.models.attendance import MAX_ATTENDANCE_ENTRIES, AttendanceEntryInput
from pitf.models.meetings import MeetingCancel, MeetingCopy, MeetingSeriesPlan
from pitf.permissions import SYSTEM
from pitf.services import agendas, meeting_series, org
from pitf.services import attendance as att
from pitf.services import federal_clocks as fc
from pitf.services import meetings as mtg
from pitf.validation import validate
from tests.factories import agenda_items, attendance_entries, committee, draft_in, meeting_in, meeting_update

SPOG = "Senior Policy Operating Group"
COUNCIL = "U.S. Advisory Council on Human Trafficking"
PITF = "President's Interagency Task Force to Monitor and Combat Trafficking in Persons"
CLOCKS = fc.Clocks()


def plan(db, staff, body=SPOG, start="2027-03-15T10:00:00", end="2027-03-15T12:00:00", **extra):
    return mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, body).id, "title": extra.pop("title", "Quarterly meeting"),
        "starts_at": start, "ends_at": end, "location": "Harry S Truman Building", **extra}))


def test_eastern_wall_clock_is_stored_in_utc_across_daylight_saving(db, staff):
    # The Monday after the March change (2027-03-14): 10:00 EDT is 14:00 UTC.
    m = plan(db, staff, start="2027-03-15T10:00:00", end="2027-03-15T11:00:00")
    assert m.starts_at == datetime(2027, 3, 15, 14, 0, tzinfo=UTC)
    # The Monday before: 10:00 EST is 15:00 UTC.
    m = plan(db, staff, start="2027-03-08T10:00:00", end="2027-03-08T11:00:00")
    assert m.starts_at == datetime(2027, 3, 8, 15, 0, tzinfo=UTC)
    # After the November change (2027-11-07): EST again.
    m = plan(db, staff, start="2027-11-08T10:00:00", end="2027-11-08T11:00:00")
    assert m.starts_at == datetime(2027, 11, 8, 15, 0, tzinfo=UTC)


def test_a_time_skipped_by_daylight_saving_is_refused(db, staff):
    with pytest.raises(ValidationFailed) as err:
        plan(db, staff, start="2027-03-14T02:30:00", end="2027-03-14T04:00:00")
    assert "does not exist" in err.value.fields["starts_at"]


@pytest.mark.parametrize("start,end,field", [
    ("2027-03-15T12:00:00", "2027-03-15T10:00:00", "ends_at"),
    ("2027-03-15T10:00:00", "2027-03-15T10:00:00", "ends_at"),
    ("2027-03-15T10:00:00", "2027-03-17T10:00:00", "ends_at"),
    ("soon", "2027-03-15T10:00:00", "starts_at"),
])
def test_bad_times_are_refused_and_nothing_is_written(db, staff, start, end, field):
    from sqlalchemy import func

    from pitf.models import Meeting

    before = db.execute(select(func.count()).select_from(Meeting)).scalar()
    with pytest.raises(ValidationFailed) as err:
        plan(db, staff, start=start, end=end)
    assert field in err.value.fields
    assert db.execute(select(func.count()).select_from(Meeting)).scalar() == before


def test_unknown_committee_is_refused(db, staff):
    with pytest.raises(ValidationFailed) as err:
        mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {"committee_id": 999999, "title": "x",
                                                          "starts_at": "2027-01-05T10:00:00",
                                                          "ends_at": "2027-01-05T11:00:00"}))
    assert "committee_id" in err.value.fields


def test_chairs_plan_their_own_committee_only(db, make_user):
    chair = make_user("viewer")
    vs = committee(db, "Victim Services")
    org.add_membership(session=db, actor=SYSTEM, committee=vs, role="co_chair", user_id=chair.id)
    m = plan(db, chair, body="Victim Services")
    assert m.committee_id == vs.id
    with pytest.raises(Forbidden):
        plan(db, chair, body="Grantmaking")
    with pytest.raises(Forbidden):
        plan(db, make_user("liaison", agency="DOJ"), body="Victim Services")


def test_closed_meetings_are_hidden_from_non_members(db, staff, make_user):
    closed = plan(db, staff, body="Grantmaking", is_open=False, title="Closed grant review")
    opened = plan(db, staff, body="Grantmaking", title="Open session")
    doj = make_user("liaison", agency="DOJ")  # DOJ sits on Grantmaking
    dhs = make_user("liaison", agency="DHS")  # DHS does not
    viewer = make_user("viewer")
    assert mtg.get_meeting(session=db, actor=doj, meeting_id=closed.id)[0].id == closed.id
    for outsider in (dhs, viewer):
        with pytest.raises(NotFound):
            mtg.get_meeting(session=db, actor=outsider, meeting_id=closed.id)
        assert mtg.get_meeting(session=db, actor=outsider, meeting_id=opened.id)
        listed = {m.id for m, _ in mtg.list_meetings(session=db, actor=outsider,
                                                     filters=mtg.MeetingFilters())[0]}
        assert opened.id in listed and closed.id not in listed


def test_update_bumps_sequence_and_conflicts_on_stale_version(db, staff):
    m = plan(db, staff)
    read = m.version
    mtg.update_meeting(session=db, actor=staff, meeting_id=m.id,
                       meeting_in=meeting_update(db, m, {"location": "Room 1107"}, version=read))
    assert m.ics_sequence == 1
    with pytest.raises(Conflict):
        mtg.update_meeting(session=db, actor=staff, meeting_id=m.id,
                           meeting_in=meeting_update(db, m, {"location": "Elsewhere"}, version=read))
    assert m.location == "Room 1107"


def test_cancel_needs_a_reason_and_notifies_members(db, staff, make_user):
    doj = make_user("liaison", agency="DOJ")
    m = plan(db, staff)
    with pytest.raises(ValidationFailed):
        mtg.cancel_meeting(session=db, actor=staff, meeting_id=m.id,
            cancel_in=MeetingCancel(version=m.version, cancel_reason=" "))
    mtg.cancel_meeting(session=db, actor=staff, meeting_id=m.id,
        cancel_in=MeetingCancel(version=m.version, cancel_reason="Shutdown."))
    assert m.status == "cancelled" and m.cancel_reason == "Shutdown." and m.ics_sequence == 1
    assert db.execute(select(Notification).where(Notification.user_id == doj.id,
                                                 Notification.kind == "meeting_cancelled")).scalar_one()


def test_copy_keeps_body_place_length_and_agenda(db, staff):
    m = plan(db, staff)
    agenda = agendas.get_agenda(db, m)
    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agenda.version,
                       items=agenda_items(db, [{"title": "Welcome", "duration_minutes": 10},
                              {"title": "Updates", "duration_minutes": 50}]))
    nxt = meeting_series.copy_meeting(session=db, actor=staff, meeting_id=m.id,
                                      copy_in=MeetingCopy(starts_at="2027-06-14T10:00:00"))
    assert nxt.location == m.location and nxt.ends_at - nxt.starts_at == timedelta(hours=2)
    assert [r.item.title for r in agendas.agenda_view(db, nxt).rows] == ["Welcome", "Updates"]
    assert agendas.get_agenda(db, nxt).published_at is None


def test_monthly_series_keeps_the_wall_clock_time_across_dst(db, staff):
    first = meeting_in(db, {"committee_id": committee(db, SPOG).id, "title": "SPOG monthly",
                            "starts_at": "2027-02-15T10:00:00", "ends_at": "2027-02-15T11:30:00"})
    series = meeting_series.create_series(session=db, actor=staff, meeting_in=first,
                                          plan=MeetingSeriesPlan(rule="monthly", count=3))
    assert [m.starts_at.hour for m in series] == [15, 14, 14]  # EST, then EDT: 10:00 local each time
    assert len({m.series_key for m in series}) == 1
    with pytest.raises(ValidationFailed):
        meeting_series.create_series(session=db, actor=staff, meeting_in=first,
                                     plan=validate(MeetingSeriesPlan, {"rule": "daily", "count": 3}))


def test_agenda_times_and_overrun(db, staff):
    m = plan(db, staff, start="2027-03-15T10:00:00", end="2027-03-15T11:00:00")
    agenda = agendas.get_agenda(db, m)
    view = agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agenda.version, items=agenda_items(db, [
        {"title": "Opening", "duration_minutes": 15, "presenter_agency": "DOS"},
        {"title": "Agency reports", "duration_minutes": 40},
        {"title": "Next steps", "duration_minutes": 10}]))
    assert [r.starts_at.astimezone(UTC).strftime("%H:%M") for r in view.rows] == ["14:00", "14:15", "14:55"]
    assert view.overruns and view.overrun_minutes == 5
    assert view.rows[0].presenter_agency == "DOS"


@pytest.mark.parametrize("item,field", [
    ({"title": "", "duration_minutes": 10}, "items[0].title"),
    ({"title": "x", "duration_minutes": -5}, "items[0].duration_minutes"),
    ({"title": "x", "duration_minutes": 100000}, "items[0].duration_minutes"),
    ({"title": "x", "action_item_id": 987654}, "items[0].action_item_id"),
    ({"title": "x", "presenter_agency": "ZZZ"}, "items[0].presenter_agency"),
])
def test_bad_agenda_items_are_refused_and_change_nothing(db, staff, item, field):
    m = plan(db, staff)
    agenda = agendas.get_agenda(db, m)
    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agenda.version,
        items=agenda_items(db, [{"title": "Keep"}]))
    with pytest.raises(ValidationFailed) as err:
        agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agenda.version,
            items=agenda_items(db, [item]))
    assert field in err.value.fields
    assert [r.item.title for r in agendas.agenda_view(db, m).rows] == ["Keep"]


def test_every_bad_item_of_the_agenda_is_named_at_once(db, staff):
    m = plan(db, staff)
    items = [AgendaItemInput(title="Fine"), AgendaItemInput(title="x", presenter_agency="ZZZ"),
             AgendaItemInput(title="y", action_item_id=99999999, recommendation_number="1999-99")]
    with pytest.raises(ValidationFailed) as err:
        agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                           items=items)
    assert err.value.message == "The agenda has problems."
    assert err.value.fields == {"items[1].presenter_agency": "No agency has the acronym 'ZZZ'.",
                                "items[2].action_item_id": "No such action item.",
                                "items[2].recommendation_number": "No submitted recommendation has the number "
                                                                  "1999-99."}
    assert agendas.agenda_view(db, m).rows == []


def test_the_limits_of_the_lists_hold_for_items_built_in_code(db, staff, meetings_held):
    """A service that adds an item (a presentation, the overdue review) meets the same limit as a client."""
    m = plan(db, staff)
    with pytest.raises(ValidationFailed) as err:
        agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                           items=[AgendaItemInput(title=f"Item {n}") for n in range(MAX_AGENDA_ITEMS + 1)])
    assert err.value.fields == {"items": f"A list of at most {MAX_AGENDA_ITEMS} items."}
    with pytest.raises(ValidationFailed) as err:
        att.put_attendance(session=db, actor=staff, meeting_id=m.id, entries=[
            AttendanceEntryInput(name=f"Person {n}") for n in range(MAX_ATTENDANCE_ENTRIES + 1)])
    assert err.value.fields == {"entries": f"A list of at most {MAX_ATTENDANCE_ENTRIES} entries."}
    assert agendas.agenda_view(db, m).rows == [] and att.attendance_of(db, m) == []


def test_move_item_by_keyboard_friendly_buttons(db, staff):
    m = plan(db, staff)
    agenda = agendas.get_agenda(db, m)
    view = agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agenda.version,
                              items=agenda_items(db, [{"title": "A"}, {"title": "B"}, {"title": "C"}]))
    view, new_index = agendas.move_agenda_item(session=db, actor=staff, meeting_id=m.id, version=agenda.version,
                                               item_id=view.rows[2].item.id, direction="up")
    assert [r.item.title for r in view.rows] == ["A", "C", "B"] and new_index == 1


def test_overdue_commitments_review(db, staff):
    from pitf.services.actions import create_action_item

    vs = committee(db, "Victim Services")
    create_action_item(session=db, actor=staff, data={
        "title": "Late training", "committee_id": vs.id, "lead_agency": "DOJ", "pillar": "protection",
        "due_date": (date.today() - timedelta(days=5)).isoformat()})
    m = plan(db, staff, body="Victim Services")
    view = agendas.add_overdue_review(session=db, actor=staff, meeting_id=m.id,
                                      version=agendas.get_agenda(db, m).version, today=date.today())
    last = view.rows[-1].item
    assert last.title == "Review of overdue commitments" and "Late training" in last.notes_html
    with pytest.raises(ValidationFailed):
        agendas.add_overdue_review(session=db, actor=staff, meeting_id=plan(db, staff, body="Grantmaking").id,
                                   version=1, today=date.today())


def faca_meeting(db, staff, days_ahead_of_notice, today):
    meeting_day = today + timedelta(days=30)
    m = plan(db, staff, body=COUNCIL, start=f"{meeting_day}T10:00:00", end=f"{meeting_day}T12:00:00",
             federal_register_notice_date=(meeting_day - timedelta(days=days_ahead_of_notice)).isoformat())
    return m


@pytest.mark.parametrize("days,late", [(14, True), (15, False), (16, False)])
def test_faca_notice_flag_at_14_15_16_days(db, staff, days, late):
    today = date(2027, 5, 1)
    m = faca_meeting(db, staff, days, today)
    state = fc.federal_clocks(session=db, meeting=m, committee=committee(db, COUNCIL), clocks=CLOCKS, today=today)
    assert state.notice_days_ahead == days and state.notice_late is late


def test_short_notice_publishing_requires_a_reason(db, staff):
    today = date(2027, 5, 1)
    m = faca_meeting(db, staff, 10, today)
    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                       items=agenda_items(db, [{"title": "Findings"}]))
    with pytest.raises(ValidationFailed) as err:
        agendas.publish_agenda(session=db, actor=staff, meeting_id=m.id, clocks=CLOCKS, today=today)
    assert "short_notice_reason" in err.value.fields
    agenda = agendas.publish_agenda(session=db, actor=staff, meeting_id=m.id, clocks=CLOCKS, today=today,
                                    short_notice_reason="Rescheduled after a lapse in appropriations.")
    assert agenda.published_at is not None and m.short_notice_reason.startswith("Rescheduled")


@pytest.mark.parametrize("days_after,overdue", [(89, False), (90, False), (91, True)])
def test_certification_deadline_at_89_90_91_days(db, staff, days_after, overdue):
    meeting_day = date(2027, 2, 10)
    m = plan(db, staff, body=COUNCIL, start=f"{meeting_day}T10:00:00", end=f"{meeting_day}T12:00:00",
             federal_register_notice_date="2027-01-10")
    state = fc.federal_clocks(session=db, meeting=m, committee=committee(db, COUNCIL), clocks=CLOCKS,
                              today=meeting_day + timedelta(days=days_after))
    assert state.certify_by == meeting_day + timedelta(days=90)
    assert state.certify_overdue is overdue
    assert fc.federal_clocks(session=db, meeting=m, committee=committee(db, COUNCIL), clocks=CLOCKS,
                             today=meeting_day + timedelta(days=days_after), minutes_certified=True
                             ).certify_overdue is False


def test_non_faca_bodies_have_no_faca_flags(db, staff):
    m = plan(db, staff, body=SPOG)
    state = fc.federal_clocks(session=db, meeting=m, committee=committee(db, SPOG), clocks=CLOCKS,
                              today=date(2027, 3, 10))
    assert not state.applies and not state.notice_late and state.flags == []


def test_pitf_meeting_without_council_spog_meeting_45_days_before_is_flagged(db, staff):
    pitf_meeting = plan(db, staff, body=PITF, start="2027-09-20T10:00:00", end="2027-09-20T12:00:00")
    pitf_body = committee(db, PITF)

    def flagged():
        return fc.federal_clocks(session=db, meeting=pitf_meeting, committee=pitf_body, clocks=CLOCKS,
                                 today=date(2027, 5, 1)).joint_meeting_missing

    assert flagged()
    spog = committee(db, SPOG)
    plan(db, staff, body=COUNCIL, start="2027-08-10T10:00:00", end="2027-08-10T12:00:00",
         joint_with_committee_id=spog.id)  # 41 days before: too late
    assert flagged()
    plan(db, staff, body=COUNCIL, start="2027-08-06T10:00:00", end="2027-08-06T12:00:00",
         joint_with_committee_id=spog.id)  # exactly 45 days before
    assert not flagged()


def test_quorum_majority_of_member_agencies(meetings_held, db, staff):
    m = plan(db, staff, body="Grantmaking")  # DOJ, HHS, DOS, USAID, DOL: 3 of 5 needed
    entries = [{"name": f"Rep {a}", "agency": a, "status": "present"} for a in ("DOJ", "HHS")]
    _rows, q = att.put_attendance(session=db, actor=staff, meeting_id=m.id, entries=attendance_entries(db, entries))
    assert (q.required, q.present, q.met) == (3, 2, False)
    entries.append({"name": "Alternate", "agency": "DOS", "status": "represented", "represented_by": "Deputy"})
    entries.append({"name": "Public speaker", "status": "present", "attendee_kind": "public_speaker"})
    _rows, q = att.put_attendance(session=db, actor=staff, meeting_id=m.id, entries=attendance_entries(db, entries))
    assert (q.present, q.met) == (3, True)
    audit = db.execute(select(AuditEntry).where(AuditEntry.action == "attendance.saved")).scalars().all()
    assert len(audit) == 2


def test_quorum_majority_of_members_for_the_council(meetings_held, db, staff, make_user):
    council = committee(db, COUNCIL)
    members = [make_user("council") for _ in range(3)]
    for u in members:
        db.add(Membership(committee_id=council.id, user_id=u.id, role="member"))
    db.flush()
    m = plan(db, staff, body=COUNCIL)
    _rows, q = att.put_attendance(session=db, actor=staff, meeting_id=m.id, entries=attendance_entries(db, [
        {"user_id": members[0].id, "status": "present"}, {"user_id": members[1].id, "status": "absent"}]))
    assert (q.required, q.present, q.met) == (2, 1, False)


def test_bad_attendance_is_refused(meetings_held, db, staff):
    m = plan(db, staff)
    with pytest.raises(ValidationFailed) as err:
        att.put_attendance(session=db, actor=staff, meeting_id=m.id, entries=attendance_entries(db, [
            {"name": "", "status": "present"}, {"name": "X", "status": "represented"},
            {"name": "Y", "status": "asleep"}, {"user_id": 99999999}]))
    assert set(err.value.fields) >= {"entries[0].name", "entries[1].represented_by", "entries[2].status",
                                     "entries[3].user_id"}


# ---- guard rails: what belongs before a meeting, and what after --------------------------------------

MARCH_15 = datetime(2027, 3, 15, 14, 0, tzinfo=UTC)  # 10:00 EDT, when plan() starts


def test_attendance_is_taken_from_the_meetings_day_on(db, staff, meeting_clock):
    m = plan(db, staff)
    entries = [{"name": "Ana Ruiz", "agency": "DOJ", "status": "present"}]
    meeting_clock.set(MARCH_15 - timedelta(days=1))
    with pytest.raises(ValidationFailed) as err:
        att.put_attendance(session=db, actor=staff, meeting_id=m.id, entries=attendance_entries(db, entries))
    assert "has not happened yet" in err.value.fields["status"] and att.attendance_of(db, m) == []
    meeting_clock.set(MARCH_15 - timedelta(hours=2))  # the morning of the meeting: people are arriving
    rows, _q = att.put_attendance(session=db, actor=staff, meeting_id=m.id, entries=attendance_entries(db, entries))
    assert [r.name for r in rows] == ["Ana Ruiz"]


def test_attendance_of_a_cancelled_meeting_is_refused_but_may_be_cleared(db, staff, meetings_held):
    m = plan(db, staff)
    att.put_attendance(session=db, actor=staff, meeting_id=m.id,
        entries=attendance_entries(db, [{"name": "Ana Ruiz", "status": "present"}]))
    m.status = "cancelled"
    db.flush()
    with pytest.raises(ValidationFailed) as err:
        att.put_attendance(session=db, actor=staff, meeting_id=m.id,
            entries=attendance_entries(db, [{"name": "Lee", "status": "present"}]))
    assert "cancelled" in err.value.fields["status"]
    att.put_attendance(session=db, actor=staff, meeting_id=m.id, entries=attendance_entries(db, []))
    assert att.attendance_of(db, m) == []


@pytest.mark.parametrize("now,state,label", [
    (MARCH_15 - timedelta(minutes=1), "scheduled", "Scheduled"),
    (MARCH_15, "in_progress", "In progress"),
    (MARCH_15 + timedelta(hours=2), "held", "Held, awaiting minutes"),
])
def test_a_past_meeting_shows_as_held_awaiting_minutes(db, staff, now, state, label):
    m = plan(db, staff)
    assert mtg.meeting_state(m, now) == state and mtg.state_label(m, False, now) == label
    assert m.status == "scheduled"  # nothing stored changes: the status shown is derived
    if state == "held":
        assert mtg.state_label(m, True, now) == "Held"


def test_a_cancelled_meeting_stays_cancelled_whatever_the_time(db, staff):
    m = plan(db, staff)
    mtg.cancel_meeting(session=db, actor=staff, meeting_id=m.id,
        cancel_in=MeetingCancel(version=m.version, cancel_reason="Shutdown."))
    assert mtg.meeting_state(m, MARCH_15 + timedelta(days=9)) == "cancelled"


def test_the_agenda_of_a_meeting_that_is_over_is_not_published(db, staff, make_user, meeting_clock):
    m = plan(db, staff)
    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                       items=agenda_items(db, [{"title": "Opening"}]))
    meeting_clock.set(MARCH_15 + timedelta(hours=3))
    with pytest.raises(ValidationFailed) as err:
        agendas.publish_agenda(session=db, actor=staff, meeting_id=m.id, clocks=CLOCKS, today=date(2027, 3, 15))
    assert "This meeting is over" in err.value.fields["status"]
    assert agendas.get_agenda(db, m).published_at is None
    assert db.execute(select(Notification).where(Notification.kind == "agenda_published")).first() is None


def test_a_held_meeting_is_not_cancelled(db, staff, make_user, meeting_clock):
    m = plan(db, staff)
    meeting_clock.set(MARCH_15 + timedelta(days=1))
    att.put_attendance(session=db, actor=staff, meeting_id=m.id,
        entries=attendance_entries(db, [{"name": "Ana Ruiz", "status": "present"}]))
    with pytest.raises(ValidationFailed) as err:
        mtg.cancel_meeting(session=db, actor=staff, meeting_id=m.id,
            cancel_in=MeetingCancel(version=m.version, cancel_reason="Oops."))
    assert "took place" in err.value.fields["status"] and m.status == "scheduled"


def test_a_past_meeting_with_no_record_may_be_marked_as_not_held_without_telling_anyone(db, staff, make_user,
                                                                                      meeting_clock):
    make_user("liaison", agency="DOJ")  # a member agency's liaison, told of cancellations to come
    m = plan(db, staff)
    meeting_clock.set(MARCH_15 + timedelta(days=1))
    mtg.cancel_meeting(session=db, actor=staff, meeting_id=m.id,
        cancel_in=MeetingCancel(version=m.version, cancel_reason="Did not take place."))
    assert m.status == "cancelled"
    assert db.execute(select(Notification).where(Notification.kind == "meeting_cancelled")).first() is None


def test_a_copy_plans_a_coming_meeting(db, staff, meeting_clock):
    m = plan(db, staff)
    meeting_clock.set(MARCH_15 + timedelta(days=30))
    with pytest.raises(ValidationFailed) as err:
        meeting_series.copy_meeting(session=db, actor=staff, meeting_id=m.id,
                                    copy_in=MeetingCopy(starts_at="2027-04-01T10:00:00"))
    assert "still to come" in err.value.fields["starts_at"]
    nxt = meeting_series.copy_meeting(session=db, actor=staff, meeting_id=m.id,
                                      copy_in=MeetingCopy(starts_at="2027-06-14T10:00:00"))
    assert nxt.starts_at > MARCH_15


def test_a_held_meeting_does_not_move_to_a_coming_date(db, staff, meeting_clock):
    m = plan(db, staff)
    meeting_clock.set(MARCH_15 + timedelta(days=1))
    att.put_attendance(session=db, actor=staff, meeting_id=m.id,
        entries=attendance_entries(db, [{"name": "Ana Ruiz", "status": "present"}]))
    with pytest.raises(ValidationFailed) as err:
        mtg.update_meeting(session=db, actor=staff, meeting_id=m.id, meeting_in=meeting_update(
            db, m, {"starts_at": "2027-05-15T10:00:00", "ends_at": "2027-05-15T12:00:00"}))
    assert "took place" in err.value.fields["starts_at"] and m.starts_at == MARCH_15
    # Correcting the time of day of the meeting held is fine.
    mtg.update_meeting(session=db, actor=staff, meeting_id=m.id,
                       meeting_in=meeting_update(db, m, {"starts_at": "2027-03-15T09:30:00"}))


# ---- what an agenda item may link to (the pickers' one selection) ---------------------------------------

def test_agenda_link_choices_are_this_bodys_open_items_and_submitted_recommendations(db, staff, make_user):
    from pitf.services import agenda_links, rec_workflow
    from pitf.services import recommendations as recs
    from pitf.services.actions import create_action_item

    def item(title, body, status="open"):
        made = create_action_item(session=db, actor=staff, data={
            "title": title, "committee_id": committee(db, body).id, "lead_agency": "DOJ", "pillar": "protection",
            "due_date": "2027-02-01"}, notify_agency=False)
        made.status = status
        return made

    own, joint, other = item("Own open", SPOG), item("Joint body's", COUNCIL), item("Elsewhere", "Grantmaking")
    done = item("Own but done", SPOG, status="done")
    db.flush()
    m = plan(db, staff, joint_with_committee_id=committee(db, COUNCIL).id)
    ids = [i for i, _label in agenda_links.action_item_choices(db, staff, m)]
    assert own.id in ids and joint.id in ids and other.id not in ids and done.id not in ids
    assert done.id in [i for i, _ in agenda_links.action_item_choices(db, staff, m, [done.id])]  # already linked
    assert dict(agenda_links.action_item_choices(db, staff, m))[own.id] == f"{own.id}: Own open (DOJ, due 2027-02-01)"
    author = make_user("council")
    data = {"body_md": "b", "rationale_md": "r", "pillar": "protection", "target_agencies": ["DOJ"],
            "report_year": 2031}
    rec = recs.create_draft(session=db, actor=author, rec_in=draft_in({**data, "title": "Submitted one"}))
    rec_workflow.transition(session=db, actor=author, rec_id=rec.id, version=rec.version, to="submitted")
    draft = recs.create_draft(session=db, actor=author, rec_in=draft_in({**data, "title": "Draft one"}))
    db.flush()
    for who in (staff, author, make_user("viewer")):  # a draft is offered to nobody, not even its author
        assert agenda_links.recommendation_choices(db, who) == [(rec.id, f"{rec.number}: Submitted one")]
    assert agenda_links.resolve_recommendation(db, rec.number) == rec.id
    assert agenda_links.resolve_recommendation(db, draft.id) is None
    assert agenda_links.action_item_choices(db, None, m) == [] and agenda_links.recommendation_choices(db, None) == []
