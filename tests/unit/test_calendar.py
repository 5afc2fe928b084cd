"""iCalendar files parsed back with the icalendar library: UIDs, SEQUENCE, cancellation, alarms, time zones, feeds."""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from pitf.models import AuditEntry, Committee, Membership
from pitf.models.meetings import MeetingCancel
from pitf.permissions import SYSTEM
from pitf.services import calendar as cal
from pitf.services import meetings as mtg
from pitf.services import users
from tests.factories import committee, meeting_in, meeting_update

BASE = "https://pitf.example.gov"
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def plan(db, staff, body="Victim Services", start="2027-03-15T10:00:00", end="2027-03-15T11:30:00", **extra):
    return mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, body).id, "title": extra.pop("title", "Working session"),
        "starts_at": start, "ends_at": end, "location": "Room 101", **extra}))


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def one_event(db, meeting):
    c = db.get(Committee, meeting.committee_id)
    parsed = parse(cal.to_ics(cal.meeting_calendar(meeting, c, BASE, now=NOW)))
    events = parsed.walk("VEVENT")
    assert len(events) == 1
    return parsed, events[0]


def test_meeting_event_fields(db, staff):
    m = plan(db, staff, virtual_url="https://meet.example.gov/abc")
    parsed, ev = one_event(db, m)
    assert str(ev["UID"]) == f"meeting-{m.id}@pitf.platform"
    assert ev["SEQUENCE"] == 0
    assert str(ev["STATUS"]) == "CONFIRMED"
    assert "Working session" in str(ev["SUMMARY"])
    assert str(ev["LOCATION"]) == "Room 101"
    assert str(ev["URL"]) == f"{BASE}/meetings/{m.id}"
    description = str(ev["DESCRIPTION"])
    assert "Room 101" in description and "https://meet.example.gov/abc" in description
    assert ev.decoded("DTSTAMP") == NOW
    assert str(parsed["VERSION"]) == "2.0" and parsed["PRODID"]


def test_times_are_right_across_daylight_saving_with_a_vtimezone(db, staff):
    # 2027-03-14 is the spring change: 10:00 Eastern on 03-15 is EDT, 14:00 UTC; on 03-08 it is EST, 15:00 UTC.
    after = plan(db, staff, start="2027-03-15T10:00:00", end="2027-03-15T11:00:00")
    before = plan(db, staff, start="2027-03-08T10:00:00", end="2027-03-08T11:00:00")
    fall = plan(db, staff, start="2027-11-08T10:00:00", end="2027-11-08T11:00:00")
    for meeting, utc_hour in ((after, 14), (before, 15), (fall, 15)):
        parsed, ev = one_event(db, meeting)
        start = ev.decoded("DTSTART")
        assert start.astimezone(UTC) == datetime(meeting.starts_at.year, meeting.starts_at.month,
                                                 meeting.starts_at.day, utc_hour, 0, tzinfo=UTC)
        assert (start.hour, start.minute) == (10, 0)
        assert ev["DTSTART"].params["TZID"] == "America/New_York"
        assert ev.decoded("DTEND") - start == timedelta(hours=1)
        zones = parsed.walk("VTIMEZONE")
        assert [str(z["TZID"]) for z in zones] == ["America/New_York"]
    raw = cal.to_ics(cal.meeting_calendar(after, db.get(Committee, after.committee_id), BASE)).decode()
    assert "DTSTART;TZID=America/New_York:20270315T100000" in raw


def test_a_meeting_in_another_zone(db, staff):
    m = plan(db, staff, start="2027-07-01T09:00:00", end="2027-07-01T10:00:00", timezone="America/Los_Angeles")
    parsed, ev = one_event(db, m)
    assert ev.decoded("DTSTART").astimezone(UTC) == datetime(2027, 7, 1, 16, 0, tzinfo=UTC)
    assert [str(z["TZID"]) for z in parsed.walk("VTIMEZONE")] == ["America/Los_Angeles"]


def test_a_reminder_alarm_one_day_before(db, staff):
    _parsed, ev = one_event(db, plan(db, staff))
    alarms = ev.walk("VALARM")
    assert len(alarms) == 1
    assert str(alarms[0]["ACTION"]) == "DISPLAY"
    assert alarms[0].decoded("TRIGGER") == timedelta(days=-1)
    assert "TRIGGER:-P1D" in ev.to_ical().decode()


def test_uid_is_stable_and_sequence_grows_on_every_change(db, staff):
    m = plan(db, staff)
    _p, first = one_event(db, m)
    mtg.update_meeting(session=db, actor=staff, meeting_id=m.id, meeting_in=meeting_update(
        db, m, {"starts_at": "2027-03-15T13:00:00", "ends_at": "2027-03-15T14:00:00"}))
    _p, second = one_event(db, m)
    mtg.update_meeting(session=db, actor=staff, meeting_id=m.id,
                       meeting_in=meeting_update(db, m, {"location": "Room 202"}))
    _p, third = one_event(db, m)
    assert str(first["UID"]) == str(second["UID"]) == str(third["UID"])
    assert first["SEQUENCE"] < second["SEQUENCE"] < third["SEQUENCE"]
    assert second.decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 15, 17, 0, tzinfo=UTC)
    assert str(third["LOCATION"]) == "Room 202"


def test_cancellation_is_status_cancelled_with_the_reason(db, staff):
    m = plan(db, staff)
    _p, before = one_event(db, m)
    mtg.cancel_meeting(session=db, actor=staff, meeting_id=m.id,
        cancel_in=MeetingCancel(version=m.version, cancel_reason="Lapse in appropriations"))
    _p, ev = one_event(db, m)
    assert str(ev["STATUS"]) == "CANCELLED"
    assert str(ev["UID"]) == str(before["UID"])
    assert ev["SEQUENCE"] > before["SEQUENCE"]
    assert "Lapse in appropriations" in str(ev["DESCRIPTION"])
    assert ev.walk("VALARM") == []  # no reminder of a meeting that will not happen


def test_feed_holds_the_users_committees_and_never_closed_meetings_of_others(db, staff, make_user):
    person = make_user("viewer")
    vs = committee(db, "Victim Services")
    db.add(Membership(committee_id=vs.id, user_id=person.id, role="member"))
    db.flush()
    mine_open = plan(db, staff, title="VS open")
    mine_closed = plan(db, staff, title="VS closed", is_open=False)
    mine_cancelled = plan(db, staff, title="VS cancelled")
    mtg.cancel_meeting(session=db, actor=staff, meeting_id=mine_cancelled.id,
                       cancel_in=MeetingCancel(version=mine_cancelled.version, cancel_reason="Moved"))
    long_ago = plan(db, staff, title="VS long ago", start="2026-09-01T10:00:00", end="2026-09-01T11:00:00")
    recent = plan(db, staff, title="VS recent", start="2026-12-01T10:00:00", end="2026-12-01T11:00:00")
    other_closed = plan(db, staff, body="Grantmaking", title="Grants closed", is_open=False)
    other_open = plan(db, staff, body="Grantmaking", title="Grants open")
    joint_open = plan(db, staff, body="Grantmaking", title="Joint open", joint_with_committee_id=vs.id)
    joint_closed = plan(db, staff, body="Grantmaking", title="Joint closed", joint_with_committee_id=vs.id,
                        is_open=False)

    parsed = parse(cal.to_ics(cal.feed_calendar(db, person, BASE, now=NOW)))
    uids = {str(e["UID"]) for e in parsed.walk("VEVENT")}
    expect = {cal.meeting_uid(m) for m in (mine_open, mine_closed, mine_cancelled, recent, joint_open)}
    assert expect <= uids
    for m in (other_closed, other_open, long_ago, joint_closed):
        assert cal.meeting_uid(m) not in uids
    statuses = {str(e["UID"]): str(e["STATUS"]) for e in parsed.walk("VEVENT")}
    assert statuses[cal.meeting_uid(mine_cancelled)] == "CANCELLED"
    assert parsed.walk("VTIMEZONE")

    everything = {str(e["UID"]) for e in parse(cal.to_ics(cal.feed_calendar(db, staff, BASE, now=NOW)))
                  .walk("VEVENT")}
    assert {cal.meeting_uid(m) for m in (other_closed, other_open, joint_closed)} <= everything


def test_a_liaison_gets_the_meetings_of_their_agencys_committees(db, staff, make_user):
    liaison = make_user("liaison", agency="DOJ")  # DOJ is a member agency of Grantmaking
    grants = plan(db, staff, body="Grantmaking", title="Grants closed", is_open=False)
    uids = {str(e["UID"]) for e in parse(cal.to_ics(cal.feed_calendar(db, liaison, BASE, now=NOW)))
            .walk("VEVENT")}
    assert cal.meeting_uid(grants) in uids


def test_a_feed_without_committees_is_an_empty_calendar(db, make_user):
    parsed = parse(cal.to_ics(cal.feed_calendar(db, make_user("viewer"), BASE, now=NOW)))
    assert parsed.walk("VEVENT") == [] and str(parsed["VERSION"]) == "2.0"


def test_feed_secrets_are_made_once_reset_and_audited(db, make_user):
    person = make_user("viewer")
    assert cal.user_for_feed(session=db, secret="x" * 32) is None
    first = cal.ensure_feed_secret(session=db, actor=person)
    assert len(first) >= 32 and cal.ensure_feed_secret(session=db, actor=person) == first
    assert cal.user_for_feed(session=db, secret=first).id == person.id
    second = cal.reset_feed_secret(session=db, actor=person)
    assert second != first
    assert cal.user_for_feed(session=db, secret=first) is None
    assert cal.user_for_feed(session=db, secret=second).id == person.id
    entries = db.execute(select(AuditEntry).where(AuditEntry.object_type == "User", AuditEntry.object_id == person.id,
                                                  AuditEntry.action.like("calendar_feed.%"))
                         .order_by(AuditEntry.id)).scalars().all()
    assert [e.action for e in entries] == ["calendar_feed.created", "calendar_feed.reset"]
    assert all(first not in str(e.changes) and second not in str(e.changes) for e in entries)
    users.set_active(session=db, actor=SYSTEM, user=person, active=False)
    db.flush()
    assert cal.user_for_feed(session=db, secret=second) is None


@pytest.mark.parametrize("secret", ["", "short", "a" * 65, "../../etc/passwd", "abc def ghi jkl mno", None])
def test_malformed_secrets_find_nobody(db, secret):
    assert cal.user_for_feed(session=db, secret=secret) is None
