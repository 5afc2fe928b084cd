"""The meeting pages: the list, one meeting, scheduling (DST, series, copy, cancel, conflicts), the agenda builder,
attendance and quorum, closed-meeting visibility, the printable agenda and its PDF, and query counts."""

from __future__ import annotations

import html as htmllib
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, insert, select

from pitf.models import Attendance, Committee, Meeting, Membership, Notification, utcnow
from pitf.models.meetings import MeetingCancel, MeetingCopy, MeetingSeriesPlan
from pitf.services import agendas, meeting_series
from pitf.services import attendance as att
from pitf.services import federal_clocks as fc
from pitf.services import meetings as mtg
from pitf.services.actions import create_action_item
from pitf.services.meeting_series import suggest_next_date
from pitf.services.timeutil import local_date
from tests.factories import (
    agency,
    agenda_items,
    attendance_entries,
    committee,
    draft_in,
    index_inserted,
    meeting_in,
)

SPOG = "Senior Policy Operating Group"
COUNCIL = "U.S. Advisory Council on Human Trafficking"
GRANTS = "Grantmaking"


@pytest.fixture
def today() -> date:
    """Today in the platform's zone, read when the test runs (a run crossing midnight sees one day per test)."""
    return local_date(utcnow(), "America/New_York")


def plan(db, staff, body=GRANTS, start="2027-03-15T10:00:00", end="2027-03-15T12:00:00", **extra) -> Meeting:
    m = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, body).id, "title": extra.pop("title", "Quarterly meeting"),
        "starts_at": start, "ends_at": end, "location": "Harry S Truman Building", **extra}))
    db.flush()
    return m


def set_agenda(db, staff, m, items) -> agendas.AgendaView:
    view = agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                              items=agenda_items(db, items))
    db.flush()
    return view


def page(client, url, status=200) -> str:
    r = client.get(url)
    assert r.status_code == status, r.get_data(as_text=True)[:3000]
    return r.get_data(as_text=True)


def post(client, url, data, status=302):
    """Post as the page does once its confirmation is answered (steps that ask first get confirm=yes)."""
    r = client.post(url, data={"confirm": "yes", **data})
    assert r.status_code == status, r.get_data(as_text=True)[:4000]
    return r


def main_part(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def text(html: str) -> str:
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def hidden(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def field_error(html: str, field_id: str) -> str:
    found = re.search(rf'<span class="usa-error-message" id="{re.escape(field_id)}-error" role="alert">([^<]*)</span>',
                      html)
    return htmllib.unescape(found.group(1)) if found else ""


def listed_titles(html: str) -> list[str]:
    body = html[html.index("<tbody>"):html.index("</tbody>")] if "<tbody>" in html else ""
    return [htmllib.unescape(t) for t in re.findall(r'<th scope="row"><a href="/meetings/\d+">([^<]*)</a>', body)]


def agenda_titles(db, m) -> list[str]:
    db.expire_all()
    return [r.item.title for r in agendas.agenda_view(db, m).rows]


def meeting_count(db) -> int:
    return db.execute(select(func.count()).select_from(Meeting)).scalar()


def form_for(db, body=GRANTS, **over) -> dict:
    data = {"committee_id": str(committee(db, body).id), "title": "Grant review", "date": "2027-03-15",
            "start_time": "10:00", "end_time": "12:00", "timezone": "America/New_York", "location": "Room 1107",
            "virtual_url": "", "access": "open", "federal_register_notice_date": "", "joint_with_committee_id": "",
            "repeat": "none", "interval": "1", "count": "4"}
    data.update(over)
    return data


def chair_of(db, make_user, body, role="chair"):
    user = make_user("viewer")
    db.add(Membership(committee_id=committee(db, body).id, user_id=user.id, role=role))
    db.flush()
    return user


# ---- the list ----------------------------------------------------------------------------------

def test_list_shows_upcoming_meetings_in_the_viewers_zone_with_status_and_agenda(today, db, staff, client_as):
    soon = plan(db, staff, title="Soon", start="2030-03-15T10:00:00", end="2030-03-15T11:00:00")
    later = plan(db, staff, title="Later", start="2030-06-14T10:00:00", end="2030-06-14T11:00:00")
    plan(db, staff, title="Long ago", start="2020-06-15T10:00:00", end="2020-06-15T11:00:00")
    set_agenda(db, staff, soon, [{"title": "Opening"}])
    agendas.publish_agenda(session=db, actor=staff, meeting_id=soon.id, clocks=fc.Clocks(), today=today)
    mtg.cancel_meeting(session=db, actor=staff, meeting_id=later.id,
        cancel_in=MeetingCancel(version=later.version, cancel_reason="Shutdown."))
    db.flush()
    c = client_as("viewer")
    html = page(c, "/meetings/")
    assert listed_titles(html) == ["Soon", "Later"]  # upcoming only, soonest first
    rows = html[html.index("<tbody>"):html.index("</tbody>")].split("<tr>")[1:]
    assert "Mar 15, 2030 10:00 AM EDT" in rows[0] and "Published" in rows[0] and "Open" in rows[0]
    assert "Cancelled" in rows[1] and "Not published" in rows[1]
    assert "Schedule a meeting" not in html
    # Past meetings, most recent first; every filter is in the address.
    assert listed_titles(page(c, "/meetings/?when=past")) == ["Long ago"]
    assert listed_titles(page(c, "/meetings/?when=all")) == ["Later", "Soon", "Long ago"]
    assert listed_titles(page(c, "/meetings/?when=all&status=cancelled")) == ["Later"]
    assert listed_titles(page(c, "/meetings/?from=2030-06-01&to=2030-06-30")) == ["Later"]
    other = committee(db, SPOG).id
    filtered = page(c, f"/meetings/?committee_id={other}&when=all")
    assert listed_titles(filtered) == [] and f'<option value="{other}" selected>' in filtered
    assert f"committee_id={other}" in page(c, f"/meetings/?committee_id={other}&status=scheduled").split(
        'aria-label="Which meetings"')[1].split("</nav>")[0]
    # A viewer in another zone sees the time on their own clock.
    c.user.timezone = "America/Los_Angeles"
    db.flush()
    assert "Mar 15, 2030 7:00 AM PDT" in page(c, "/meetings/")


def test_bad_filters_are_422_with_messages(db, client_as):
    html = page(client_as("viewer"), "/meetings/?from=yesterday&status=maybe&committee_id=x", status=422)
    assert "Use a date like 01/15/2027 (mm/dd/yyyy)" in html and "Use scheduled or cancelled." in html
    assert "Must be a whole number." in html


def test_schedule_button_for_staff_and_chairs_only(db, make_user, client_as, app):
    from tests.conftest import sign_in_client

    assert "Schedule a meeting" in page(client_as("secretariat"), "/meetings/")
    chair = chair_of(db, make_user, "Victim Services", role="co_chair")
    c = app.test_client()
    sign_in_client(c, chair)
    assert "Schedule a meeting" in page(c, "/meetings/")
    for role in ("viewer", "council"):
        assert "Schedule a meeting" not in page(client_as(role), "/meetings/")
    assert "Schedule a meeting" not in page(client_as("liaison", agency="DOJ"), "/meetings/")


# ---- one meeting --------------------------------------------------------------------------------

def test_meeting_page_for_a_reader_and_for_a_planner(meeting_clock, db, staff, client_as):
    meeting_clock.set(datetime(2027, 3, 15, 9, 0, tzinfo=UTC))  # the morning of the meeting: attendance opens
    m = plan(db, staff, virtual_url="https://meet.example.gov/q1")
    set_agenda(db, staff, m, [{"title": "Opening", "duration_minutes": 15, "presenter": "Ana",
                               "presenter_agency": "DOS", "notes_md": "Read the **memo**."},
                              {"title": "Budget", "duration_minutes": 110}])
    reader = client_as("viewer")
    html = main_part(page(reader, f"/meetings/{m.id}"))
    assert "Monday, March 15, 2027, 10:00 AM EDT to 12:00 PM EDT" in html
    assert "Harry S Truman Building" in html and "https://meet.example.gov/q1" in html
    assert "Open meeting" in html and "Agenda not yet published" in html
    assert "<strong>memo</strong>" in html and "Ana (DOS)" in html
    assert "10:15 AM EDT" in html  # the second item's computed start
    assert "The agenda runs 5 minutes past the meeting&#39;s end." in html or \
           "The agenda runs 5 minutes past the meeting's end." in html
    for link in (f"/meetings/{m.id}.ics", f"/meetings/{m.id}/agenda/print", f"/meetings/{m.id}/agenda.pdf",
                 f"/meetings/{m.id}/attachments", f"/meetings/{m.id}/minutes"):
        assert f'href="{link}"' in html
    for planner_link in ("/edit", "/cancel", "/copy", "/attendance\">Take attendance"):
        assert f'/meetings/{m.id}{planner_link}' not in html
    planner = main_part(page(client_as("secretariat"), f"/meetings/{m.id}"))
    for label in ("Edit", "Cancel meeting", "Copy to plan the next", "Build agenda", "Take attendance"):
        assert f">{label}</a>" in planner
    # A reader in Los Angeles sees the meeting's own zone and their own.
    reader.user.timezone = "America/Los_Angeles"
    db.flush()
    assert "Your time: Monday, March 15, 2027, 7:00 AM PDT to 9:00 AM PDT" in page(reader, f"/meetings/{m.id}")


def test_faca_meeting_shows_notice_and_certification_clocks(today, db, staff, client_as):
    day = today + timedelta(days=30)
    m = plan(db, staff, body=COUNCIL, start=f"{day}T10:00:00", end=f"{day}T12:00:00",
             federal_register_notice_date=(day - timedelta(days=10)).isoformat())
    html = text(page(client_as("secretariat"), f"/meetings/{m.id}"))
    assert "Federal Register notice 10 days ahead: 15 are required" in html
    assert f"Published {(day - timedelta(days=10)):%B %-d, %Y}, 10 days before the meeting (15 required)." in html
    certify_by = day + timedelta(days=90)
    assert f"Minutes to be certified by {certify_by:%B %-d, %Y} (120 days left" in html


def test_pitf_meeting_without_council_spog_meeting_is_flagged(db, staff, client_as):
    m = plan(db, staff, body="President's Interagency Task Force to Monitor and Combat Trafficking in Persons",
             start="2027-09-20T10:00:00", end="2027-09-20T12:00:00")
    html = text(page(client_as("secretariat"), f"/meetings/{m.id}"))
    assert "No Advisory Council meeting with the SPOG is scheduled at least 45 days before this PITF meeting." in html


def test_missing_meeting_is_404(client_as):
    page(client_as("viewer"), "/meetings/999999", status=404)


# ---- scheduling ----------------------------------------------------------------------------------

def test_schedule_in_eastern_time_across_the_march_change(db, client_as):
    c = client_as("secretariat")
    form = page(c, "/meetings/new")
    assert '<option selected value="America/New_York">' in form or 'value="America/New_York" selected' in form
    before = meeting_count(db)
    # The Monday after the March change (2027-03-14): 10:00 EDT is 14:00 UTC.
    r = post(c, "/meetings/new", form_for(db, date="2027-03-15", start_time="10:00", end_time="11:30"))
    db.expire_all()
    assert meeting_count(db) == before + 1
    m = db.execute(select(Meeting).order_by(Meeting.id.desc())).scalars().first()
    assert r.headers["Location"].endswith(f"/meetings/{m.id}")
    assert m.starts_at == datetime(2027, 3, 15, 14, 0, tzinfo=UTC)
    assert m.ends_at == datetime(2027, 3, 15, 15, 30, tzinfo=UTC)
    assert m.timezone == "America/New_York" and m.location == "Room 1107" and m.is_open
    html = page(c, f"/meetings/{m.id}")
    assert "10:00 AM EDT" in html and "11:30 AM EDT" in html
    # The week before, the same wall-clock time is 15:00 UTC (EST).
    post(c, "/meetings/new", form_for(db, date="2027-03-08", title="Before the change", access="closed"))
    db.expire_all()
    m = db.execute(select(Meeting).where(Meeting.title == "Before the change")).scalar_one()
    assert m.starts_at.hour == 15 and not m.is_open
    assert "10:00 AM EST" in page(c, f"/meetings/{m.id}")


@pytest.mark.parametrize("over,field_id,message", [
    ({"start_time": "12:00", "end_time": "10:00"}, "end_time", "The meeting must end after it starts."),
    ({"committee_id": "999999"}, "committee_id", "Choose an existing, active committee."),
    ({"date": "2027-03-14", "start_time": "02:30", "end_time": "04:00"}, "start_time", "does not exist"),
    ({"date": "someday"}, "date", "Enter a date as mm/dd/yyyy, for example 01/15/2027."),
    ({"date": "2027-02-30"}, "date", "February 30, 2027 does not exist (February 2027 has 28 days)."),
    ({"start_time": "25:00"}, "start_time", "hours go to 23"),
    ({"start_time": "13:00 PM"}, "start_time", "With AM or PM the hour goes from 1 to 12"),
    ({"title": ""}, "title", "Enter a title."),
    ({"virtual_url": "javascript:alert(1)"}, "virtual_url", "https://"),
    ({"repeat": "monthly", "count": "99"}, "count", "Between 2 and 24"),
])
def test_bad_meeting_input_is_422_at_the_field_and_creates_nothing(db, client_as, over, field_id, message):
    c = client_as("secretariat")
    before = meeting_count(db)
    html = post(c, "/meetings/new", form_for(db, **over), status=422).get_data(as_text=True)
    assert message in field_error(html, field_id), html[html.index("<main"):][:3000]
    assert 'value="Room 1107"' in html  # what was typed is kept
    db.expire_all()
    assert meeting_count(db) == before


def test_date_errors_come_with_the_other_fields_errors(db, client_as):
    html = post(client_as("secretariat"), "/meetings/new", form_for(db, date="", title="", committee_id="999999"),
                status=422).get_data(as_text=True)
    assert field_error(html, "date") and field_error(html, "title") and field_error(html, "committee_id")
    assert not field_error(html, "start_time")  # no echo of the missing date at the time input


def test_a_series_creates_every_meeting_at_the_same_local_time(db, client_as):
    c = client_as("secretariat")
    before = meeting_count(db)
    post(c, "/meetings/new", form_for(db, title="Monthly grants", date="2027-02-15", repeat="monthly", count="3"))
    db.expire_all()
    series = db.execute(select(Meeting).where(Meeting.title == "Monthly grants").order_by(Meeting.starts_at)
                        ).scalars().all()
    assert meeting_count(db) == before + 3 and len({m.series_key for m in series}) == 1
    assert [(m.starts_at.month, m.starts_at.hour) for m in series] == [(2, 15), (3, 14), (4, 14)]
    post(c, "/meetings/new", form_for(db, title="Fortnightly", date="2027-01-04", repeat="weekly", interval="2",
                                      count="3"))
    db.expire_all()
    days = [m.starts_at.date() for m in db.execute(select(Meeting).where(Meeting.title == "Fortnightly")
                                                   .order_by(Meeting.starts_at)).scalars()]
    assert days == [date(2027, 1, 4), date(2027, 1, 18), date(2027, 2, 1)]


def test_chairs_schedule_for_their_own_committees_only(db, make_user, app):
    from tests.conftest import sign_in_client

    chair = chair_of(db, make_user, "Victim Services")
    c = app.test_client()
    sign_in_client(c, chair)
    form = page(c, "/meetings/new")
    vs, grants = committee(db, "Victim Services"), committee(db, GRANTS)
    select_html = form[form.index('id="committee_id"'):].split("</select>")[0]
    assert f'value="{vs.id}"' in select_html and f'value="{grants.id}"' not in select_html
    post(c, "/meetings/new", form_for(db, body="Victim Services"))
    post(c, "/meetings/new", form_for(db, body=GRANTS), status=403)


def test_edit_keeps_dst_and_conflicts_with_409(db, staff, client_as):
    m = plan(db, staff)
    c = client_as("secretariat")
    form = page(c, f"/meetings/{m.id}/edit")
    assert 'value="2027-03-15"' in form and 'value="10:00"' in form and 'value="12:00"' in form
    version = hidden(form, "version")
    data = {k: v for k, v in form_for(db).items() if k not in ("committee_id", "repeat", "interval", "count")}
    post(c, f"/meetings/{m.id}/edit", {**data, "version": version, "location": "Room 2000", "start_time": "09:00"})
    db.expire_all()
    m = db.get(Meeting, m.id)
    assert m.location == "Room 2000" and m.starts_at == datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
    assert m.ics_sequence == 1
    # Saving with the version read before that change: 409, nothing written, the input kept.
    html = post(c, f"/meetings/{m.id}/edit", {**data, "version": version, "location": "Stale room"},
                status=409).get_data(as_text=True)
    assert "Someone else changed this meeting while you were editing" in html and 'value="Stale room"' in html
    assert hidden(html, "version") == str(m.version)
    db.expire_all()
    assert db.get(Meeting, m.id).location == "Room 2000"


def test_copy_proposes_the_same_week_and_weekday_and_keeps_the_agenda(db, staff, client_as):
    assert suggest_next_date(date(2027, 3, 9), 3) == date(2027, 6, 8)  # second Tuesday -> second Tuesday
    assert suggest_next_date(date(2027, 1, 29), 1) == date(2027, 2, 26)  # fifth Friday -> last Friday
    spog = plan(db, staff, body=SPOG, start="2027-03-09T14:00:00", end="2027-03-09T16:00:00")
    grants = plan(db, staff, start="2027-03-09T14:00:00", end="2027-03-09T16:00:00")
    set_agenda(db, staff, grants, [{"title": "Opening"}, {"title": "Grants"}])
    c = client_as("secretariat")
    assert 'value="2027-06-08"' in page(c, f"/meetings/{spog.id}/copy")  # the SPOG meets quarterly
    form = page(c, f"/meetings/{grants.id}/copy")
    assert 'value="2027-04-13"' in form and 'value="14:00"' in form and 'value="16:00"' in form
    r = post(c, f"/meetings/{grants.id}/copy", {"title": "Next grants", "date": "2027-04-13", "start_time": "14:00",
                                                "end_time": "15:30"})
    db.expire_all()
    new = db.execute(select(Meeting).where(Meeting.title == "Next grants")).scalar_one()
    assert r.headers["Location"].endswith(f"/meetings/{new.id}")
    assert new.starts_at == datetime(2027, 4, 13, 18, 0, tzinfo=UTC) and new.ends_at - new.starts_at == timedelta(
        minutes=90)
    assert agenda_titles(db, new) == ["Opening", "Grants"] and agendas.get_agenda(db, new).published_at is None
    html = post(c, f"/meetings/{grants.id}/copy", {"title": "x", "date": "2027-04-13", "start_time": "16:00",
                                                   "end_time": "15:00"}, status=422).get_data(as_text=True)
    assert "The meeting must end after it starts." in field_error(html, "end_time")


def test_cancel_needs_a_reason_and_is_shown(db, staff, client_as, make_user):
    doj = make_user("liaison", agency="DOJ")
    m = plan(db, staff)
    c = client_as("secretariat")
    version = hidden(page(c, f"/meetings/{m.id}/cancel"), "version")
    html = post(c, f"/meetings/{m.id}/cancel", {"version": version, "reason": "  "}, status=422).get_data(as_text=True)
    assert "Say why the meeting is cancelled." in field_error(html, "reason")
    post(c, f"/meetings/{m.id}/cancel", {"version": version, "reason": "Lapse in appropriations."})
    db.expire_all()
    m = db.get(Meeting, m.id)
    assert m.status == "cancelled" and m.cancel_reason == "Lapse in appropriations."
    assert db.execute(select(Notification).where(Notification.user_id == doj.id,
                                                 Notification.kind == "meeting_cancelled")).scalar_one()
    html = page(client_as("viewer"), f"/meetings/{m.id}")
    assert "This meeting is cancelled" in html and "Reason: Lapse in appropriations." in html


# ---- who may plan ------------------------------------------------------------------------------

def test_planning_forms_are_403_for_non_planners(db, staff, client_as, make_user, app):
    from tests.conftest import sign_in_client

    m = plan(db, staff)
    set_agenda(db, staff, m, [{"title": "Opening"}])
    item_id = agendas.agenda_view(db, m).rows[0].item.id
    version = str(agendas.get_agenda(db, m).version)
    chair_elsewhere = chair_of(db, make_user, "Victim Services")
    outsider = app.test_client()
    sign_in_client(outsider, chair_elsewhere)
    for c in (client_as("liaison", agency="DOJ"), client_as("viewer"), client_as("council"), outsider):
        if c is not outsider:
            page(c, "/meetings/new", status=403)
        for url in ("edit", "cancel", "copy"):
            page(c, f"/meetings/{m.id}/{url}", status=403)
        for url, data in ((f"/meetings/{m.id}/agenda/items", {"title": "Sneaky", "version": version}),
                          (f"/meetings/{m.id}/agenda/items/{item_id}/move", {"direction": "down", "version": version}),
                          (f"/meetings/{m.id}/agenda/items/{item_id}/remove", {"version": version}),
                          (f"/meetings/{m.id}/agenda/overdue", {"version": version}),
                          (f"/meetings/{m.id}/agenda/publish", {}),
                          (f"/meetings/{m.id}/attendance", {"x0-name": "Someone"}),
                          (f"/meetings/{m.id}/cancel", {"version": "1", "reason": "No."})):
            post(c, url, data, status=403)
    assert agenda_titles(db, m) == ["Opening"]
    # Reading the agenda and attendance is fine: no form is shown.
    html = page(client_as("viewer"), f"/meetings/{m.id}/agenda")
    assert "Add an item" not in html and "Move" not in main_part(html) and "Opening" in html


# ---- closed meetings -----------------------------------------------------------------------------

def test_closed_meeting_pages_are_404_to_non_members_and_200_to_members(db, staff, client_as):
    m = plan(db, staff, is_open=False, title="Closed grant review")
    set_agenda(db, staff, m, [{"title": "Sensitive item"}])
    urls = [f"/meetings/{m.id}", f"/meetings/{m.id}/agenda", f"/meetings/{m.id}/attendance",
            f"/meetings/{m.id}/agenda/print", f"/meetings/{m.id}/agenda.pdf"]
    dhs = client_as("liaison", agency="DHS")  # DHS does not sit on Grantmaking
    for c in (dhs, client_as("viewer")):
        for url in urls:
            r = c.get(url)
            assert r.status_code == 404 and b"Closed grant review" not in r.data and b"Sensitive" not in r.data
        assert "Closed grant review" not in page(c, "/meetings/")
    doj = client_as("liaison", agency="DOJ")  # DOJ does
    for url in urls[:-1]:
        assert "Closed grant review" in page(doj, url)
    assert doj.get(urls[-1]).status_code == 200
    assert "Closed grant review" in page(doj, "/meetings/")


# ---- the agenda builder ---------------------------------------------------------------------------

def item_form(version, **over) -> dict:
    data = {"version": str(version), "title": "Item", "presenter": "", "presenter_agency": "",
            "duration_minutes": "15", "notes_md": "", "action_item_id": "", "recommendation_id": ""}
    data.update(over)
    return data


def test_add_move_up_and_down_keep_the_place(db, staff, client_as):
    m = plan(db, staff, start="2027-03-15T10:00:00", end="2027-03-15T11:00:00")
    c = client_as("secretariat")
    for title, minutes in (("Opening", "15"), ("Agency reports", "40"), ("Next steps", "10")):
        html = page(c, f"/meetings/{m.id}/agenda")
        r = post(c, f"/meetings/{m.id}/agenda/items",
                 item_form(hidden(html, "version"), title=title, duration_minutes=minutes, presenter_agency="DOS"))
        assert re.search(r"/meetings/\d+/agenda#item-\d+$", r.headers["Location"])
    assert agenda_titles(db, m) == ["Opening", "Agency reports", "Next steps"]
    html = page(c, f"/meetings/{m.id}/agenda")
    assert "10:00 AM EDT" in html and "10:15 AM EDT" in html and "10:55 AM EDT" in html
    assert "The agenda runs 5 minutes past the meeting&#39;s end." in html or \
           "The agenda runs 5 minutes past the meeting's end." in html
    # Each move button says what it moves, to a screen reader too.
    assert "Move<span class=\"usa-sr-only\"> 'Next steps'</span> up" in html
    assert "Move<span class=\"usa-sr-only\"> 'Opening'</span> up" not in html  # the first item has no "up"
    view = agendas.agenda_view(db, m)
    last = view.rows[2].item
    r = post(c, f"/meetings/{m.id}/agenda/items/{last.id}/move",
             {"direction": "up", "version": hidden(html, "version")})
    assert agenda_titles(db, m) == ["Opening", "Next steps", "Agency reports"]
    moved = agendas.agenda_view(db, m).rows[1].item
    assert r.headers["Location"].endswith(f"/meetings/{m.id}/agenda#item-{moved.id}")
    html = page(c, f"/meetings/{m.id}/agenda")
    assert f'id="item-{moved.id}" tabindex="-1"' in html
    first = agendas.agenda_view(db, m).rows[0].item
    post(c, f"/meetings/{m.id}/agenda/items/{first.id}/move", {"direction": "down", "version": hidden(html, "version")})
    assert agenda_titles(db, m) == ["Next steps", "Opening", "Agency reports"]
    # Moving the first item up changes nothing and keeps the place.
    html = page(c, f"/meetings/{m.id}/agenda")
    top = agendas.agenda_view(db, m).rows[0].item
    r = post(c, f"/meetings/{m.id}/agenda/items/{top.id}/move", {"direction": "up", "version": hidden(html, "version")})
    assert agenda_titles(db, m) == ["Next steps", "Opening", "Agency reports"]
    assert r.headers["Location"].endswith(f"#item-{agendas.agenda_view(db, m).rows[0].item.id}")


def test_edit_and_remove_an_item(db, staff, client_as):
    m = plan(db, staff)
    set_agenda(db, staff, m, [{"title": "Opening"}, {"title": "Budget", "duration_minutes": 30}])
    c = client_as("secretariat")
    budget = agendas.agenda_view(db, m).rows[1].item
    html = page(c, f"/meetings/{m.id}/agenda?edit={budget.id}")
    assert "Edit item" in html and 'value="Budget"' in html and 'value="30"' in html
    post(c, f"/meetings/{m.id}/agenda/items/{budget.id}",
         item_form(hidden(html, "version"), title="Budget and grants", duration_minutes="45", notes_md="- one"))
    db.expire_all()
    rows = agendas.agenda_view(db, m).rows
    assert [(r.item.title, r.item.duration_minutes) for r in rows] == [("Opening", 15), ("Budget and grants", 45)]
    assert "<li>one</li>" in rows[1].item.notes_html
    html = page(c, f"/meetings/{m.id}/agenda")
    post(c, f"/meetings/{m.id}/agenda/items/{rows[0].item.id}/remove", {"version": hidden(html, "version")})
    assert agenda_titles(db, m) == ["Budget and grants"]


def test_bad_item_is_422_at_its_field_and_changes_nothing(db, staff, client_as):
    m = plan(db, staff)
    set_agenda(db, staff, m, [{"title": "Keep"}])
    c = client_as("secretariat")
    html = page(c, f"/meetings/{m.id}/agenda")
    bad = post(c, f"/meetings/{m.id}/agenda/items",
               item_form(hidden(html, "version"), title="Typed title", duration_minutes="0", action_item_id="987654"),
               status=422).get_data(as_text=True)
    assert "A whole number of minutes from 1 to 480." in field_error(bad, "duration_minutes")
    assert "No such action item." in field_error(bad, "action_item_id")
    assert 'value="Typed title"' in bad
    assert agenda_titles(db, m) == ["Keep"]


def test_linked_action_item_and_recommendation_links(today, db, staff, client_as):
    item = create_action_item(session=db, actor=staff, data={
        "title": "Share the screening protocol", "committee_id": committee(db, GRANTS).id, "lead_agency": "DOJ",
        "pillar": "protection", "due_date": (today + timedelta(days=20)).isoformat()}, notify_agency=False)
    m = plan(db, staff)
    c = client_as("secretariat")
    html = page(c, f"/meetings/{m.id}/agenda")
    post(c, f"/meetings/{m.id}/agenda/items", item_form(hidden(html, "version"), title="Protocol",
                                                        action_item_id=str(item.id)))
    meeting_html = page(client_as("viewer"), f"/meetings/{m.id}")
    assert f'<a href="/action-items/{item.id}">Share the screening protocol</a>' in meeting_html


def test_stale_agenda_is_409_shown_as_it_is_now_with_the_typed_item_kept(db, staff, client_as):
    m = plan(db, staff)
    set_agenda(db, staff, m, [{"title": "Opening"}, {"title": "Closing"}])
    c = client_as("secretariat")
    html = page(c, f"/meetings/{m.id}/agenda")
    stale = hidden(html, "version")
    set_agenda(db, staff, m, [{"title": "Opening"}, {"title": "Added by someone else"}])
    r = post(c, f"/meetings/{m.id}/agenda/items", item_form(stale, title="My new item"), status=409)
    body = r.get_data(as_text=True)
    assert "Someone else changed the agenda; here it is as it is now" in body
    assert "Added by someone else" in body and 'value="My new item"' in body
    assert hidden(body, "version") == str(agendas.get_agenda(db, m).version)
    assert agenda_titles(db, m) == ["Opening", "Added by someone else"]
    # A move with the stale version (its item ids are gone) is the same conflict, not a 404.
    old_id = re.search(r'/agenda/items/(\d+)/move', html).group(1)
    body = post(c, f"/meetings/{m.id}/agenda/items/{old_id}/move", {"direction": "down", "version": stale},
                status=409).get_data(as_text=True)
    assert "Someone else changed the agenda" in body


def test_overdue_review_button(today, db, staff, client_as):
    m = plan(db, staff)
    c = client_as("secretariat")
    html = page(c, f"/meetings/{m.id}/agenda")
    body = post(c, f"/meetings/{m.id}/agenda/overdue", {"version": hidden(html, "version")},
                status=422).get_data(as_text=True)
    assert "Grantmaking has no overdue commitments." in body
    create_action_item(session=db, actor=staff, data={
        "title": "Late grant report", "committee_id": committee(db, GRANTS).id, "lead_agency": "HHS",
        "pillar": "protection", "due_date": (today - timedelta(days=3)).isoformat()}, notify_agency=False)
    db.flush()
    r = post(c, f"/meetings/{m.id}/agenda/overdue", {"version": hidden(html, "version")})
    rows = agendas.agenda_view(db, m).rows
    assert [x.item.title for x in rows] == ["Review of overdue commitments"]
    assert r.headers["Location"].endswith(f"#item-{rows[0].item.id}")
    assert "Late grant report" in page(c, f"/meetings/{m.id}/agenda")


def test_publish_notifies_the_members(db, staff, client_as, make_user):
    doj = make_user("liaison", agency="DOJ")  # DOJ sits on Grantmaking
    dhs = make_user("liaison", agency="DHS")  # DHS does not
    m = plan(db, staff)
    c = client_as("secretariat")
    body = post(c, f"/meetings/{m.id}/agenda/publish", {}, status=422).get_data(as_text=True)
    assert "Add at least one item before publishing." in body
    set_agenda(db, staff, m, [{"title": "Opening"}])
    assert "short_notice_reason" not in page(c, f"/meetings/{m.id}/agenda")  # not a FACA body: no reason asked
    r = post(c, f"/meetings/{m.id}/agenda/publish", {})
    assert r.headers["Location"].endswith(f"/meetings/{m.id}")
    db.expire_all()
    assert agendas.get_agenda(db, m).published_at is not None
    notes = db.execute(select(Notification).where(Notification.kind == "agenda_published")).scalars().all()
    assert doj.id in {n.user_id for n in notes} and dhs.id not in {n.user_id for n in notes}
    assert all(n.url == f"/meetings/{m.id}" for n in notes)
    assert "Agenda published" in page(c, f"/meetings/{m.id}")


def test_short_notice_publish_of_a_faca_meeting_needs_the_reason(today, db, staff, client_as):
    day = today + timedelta(days=30)
    m = plan(db, staff, body=COUNCIL, start=f"{day}T10:00:00", end=f"{day}T12:00:00",
             federal_register_notice_date=(day - timedelta(days=10)).isoformat())
    set_agenda(db, staff, m, [{"title": "Findings"}])
    c = client_as("secretariat")
    html = page(c, f"/meetings/{m.id}/agenda")
    assert 'name="short_notice_reason"' in html and "Federal Register notice 10 days ahead" in html
    body = post(c, f"/meetings/{m.id}/agenda/publish", {"short_notice_reason": ""}, status=422).get_data(as_text=True)
    assert "record the reason for the short notice" in field_error(body, "short_notice_reason")
    db.expire_all()
    assert agendas.get_agenda(db, m).published_at is None
    post(c, f"/meetings/{m.id}/agenda/publish", {"short_notice_reason": "Rescheduled after a lapse in appropriations."})
    db.expire_all()
    assert agendas.get_agenda(db, m).published_at is not None
    assert db.get(Meeting, m.id).short_notice_reason == "Rescheduled after a lapse in appropriations."
    assert "Reason for short notice: Rescheduled after a lapse in appropriations." in page(c, f"/meetings/{m.id}")


# ---- attendance ------------------------------------------------------------------------------------

def test_attendance_by_agency_with_quorum(meetings_held, db, staff, client_as, make_user):
    m = plan(db, staff)  # Grantmaking: DOJ, HHS, DOS, USAID, DOL -> 3 of 5 make quorum
    chair = chair_of(db, make_user, GRANTS)
    c = client_as("secretariat")
    html = page(c, f"/meetings/{m.id}/attendance")
    assert "Quorum: 0 of 3 required present — not met" in html
    agency_keys = re.findall(r'name="(a\d+)-status"', html)
    assert len(agency_keys) == 5 and f'name="u{chair.id}-status"' in html
    doj, hhs, dos, dol = (f"a{agency(db, a).id}" for a in ("DOJ", "HHS", "DOS", "DOL"))
    data = {"others": "5", f"{doj}-status": "present", f"{doj}-name": "Jordan Lee",
            f"{hhs}-status": "represented", f"{hhs}-represented_by": "",
            f"{dos}-status": "present", f"{dol}-status": "absent", f"u{chair.id}-status": "present",
            "x0-name": "Pat Speaker", "x0-kind": "public_speaker", "x0-status": "present",
            "x1-name": "", "x1-status": "present"}
    bad = post(c, f"/meetings/{m.id}/attendance", data, status=422).get_data(as_text=True)
    assert "Name the alternate who represents them." in field_error(bad, f"{hhs}-represented_by")
    assert 'value="Pat Speaker"' in bad and 'value="Jordan Lee"' in bad
    db.expire_all()
    assert db.execute(select(func.count()).select_from(Attendance).where(Attendance.meeting_id == m.id)).scalar() == 0
    r = post(c, f"/meetings/{m.id}/attendance", {**data, f"{hhs}-represented_by": "Dana Alternate"})
    assert r.headers["Location"].endswith(f"/meetings/{m.id}/attendance")
    html = page(c, f"/meetings/{m.id}/attendance")
    assert "Quorum: 3 of 3 required present — met" in html  # DOJ, DOS present, HHS represented
    assert 'value="Jordan Lee"' in html and 'value="Dana Alternate"' in html and 'value="Pat Speaker"' in html
    rows = {a.name: a for a in db.execute(select(Attendance).where(Attendance.meeting_id == m.id)).scalars()}
    assert rows["Pat Speaker"].attendee_kind == "public_speaker"
    assert rows["Department of Labor (DOL)"].status == "absent"
    assert rows[chair.name].user_id == chair.id
    assert "Quorum: 3 of 3 required present — met" in page(client_as("viewer"), f"/meetings/{m.id}")
    reader = page(client_as("viewer"), f"/meetings/{m.id}/attendance")
    assert "Pat Speaker" in reader and "Save attendance" not in reader


def test_council_quorum_counts_members(meetings_held, db, staff, client_as, make_user):
    members = [chair_of(db, make_user, COUNCIL, role="member") for _ in range(3)]
    m = plan(db, staff, body=COUNCIL)
    c = client_as("secretariat")
    html = page(c, f"/meetings/{m.id}/attendance")
    assert not re.search(r'name="a\d+-status"', html)  # no agency rows for a majority-of-members body
    post(c, f"/meetings/{m.id}/attendance", {"others": "5", f"u{members[0].id}-status": "present",
                                             f"u{members[1].id}-status": "present"})
    assert "Quorum: 2 of 2 required present — met" in page(c, f"/meetings/{m.id}/attendance")


# ---- printable agenda and PDF ----------------------------------------------------------------------

def test_printable_agenda_and_pdf(db, staff, client_as):
    m = plan(db, staff, title="Grantmaking committee, second quarter")
    set_agenda(db, staff, m, [{"title": "Opening remarks", "duration_minutes": 10, "presenter_agency": "DOJ"},
                              {"title": "Review of grant solicitations", "duration_minutes": 50,
                               "notes_md": "Bring the **draft** solicitation."}])
    c = client_as("liaison", agency="DOJ")
    html = page(c, f"/meetings/{m.id}/agenda/print")
    assert '<link rel="stylesheet" href="/static/css/print.css" media="screen, print">' in html
    assert "usa-nav" not in html and "<script" not in html
    assert "10:10 AM" in html and "Review of grant solicitations" in html
    with c.get("/static/css/print.css") as css:
        assert css.status_code == 200
    r = c.get(f"/meetings/{m.id}/agenda.pdf")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"] == 'inline; filename="agenda-2027-03-15-grantmaking.pdf"'
    assert r.data.startswith(b"%PDF")
    extracted = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    flat = re.sub(r"\s+", " ", extracted)
    for words in ("Grantmaking committee, second quarter", "Opening remarks", "Review of grant solicitations",
                  "Bring the draft solicitation."):
        assert words in flat, flat
    spog = plan(db, staff, body=SPOG, title="SPOG")
    assert 'filename="agenda-2027-03-15-spog.pdf"' in c.get(f"/meetings/{spog.id}/agenda.pdf").headers[
        "Content-Disposition"]


# ---- query counts --------------------------------------------------------------------------------

def _bulk_meetings(db, n: int, start: int) -> None:
    now = utcnow()
    bodies = [committee(db, name).id for name in (GRANTS, SPOG, "Victim Services")]
    db.execute(insert(Meeting), [
        {"committee_id": bodies[i % 3], "title": f"Bulk meeting {start + i}",
         "starts_at": now + timedelta(days=1 + (start + i) % 400, hours=i % 5),
         "ends_at": now + timedelta(days=1 + (start + i) % 400, hours=i % 5 + 1), "timezone": "America/New_York",
         "location": "Room", "virtual_url": "", "is_open": i % 4 != 0,
         "status": "cancelled" if i % 7 == 0 else "scheduled",
         "cancel_reason": "", "short_notice_reason": "", "ics_sequence": 0, "version": 1, "created_at": now,
         "updated_at": now} for i in range(n)])
    db.flush()
    index_inserted(db, "meeting", db.execute(select(Meeting.id).where(Meeting.title.like("Bulk meeting %"))).scalars())


def test_list_and_meeting_pages_issue_the_same_queries_at_10_and_1000_meetings(today, meetings_held, db, staff,
                                                                              client_as, count_queries):
    watched = plan(db, staff, start=f"{today + timedelta(days=3)}T10:00:00",
                   end=f"{today + timedelta(days=3)}T12:00:00")
    item = create_action_item(session=db, actor=staff, data={
        "title": "Linked item", "committee_id": committee(db, GRANTS).id, "lead_agency": "DOJ",
        "pillar": "protection", "due_date": (today + timedelta(days=20)).isoformat()}, notify_agency=False)
    set_agenda(db, staff, watched, [{"title": f"Item {k}", "duration_minutes": 10, "presenter_agency": "DOS",
                                     "notes_md": f"Note **{k}**", "action_item_id": item.id} for k in range(6)])
    att.put_attendance(session=db, actor=staff, meeting_id=watched.id, entries=attendance_entries(db, [
        {"name": f"Person {k}", "agency": "DOJ", "status": "present"} for k in range(8)]))
    db.flush()
    _bulk_meetings(db, 9, 0)
    c = client_as("liaison", agency="DOJ")
    urls = ["/meetings/", "/meetings/?when=all", f"/meetings/?committee_id={committee(db, GRANTS).id}",
            f"/meetings/{watched.id}", "/meetings/?when=all&q=%22bulk+meetings%22+-nothing+or+note"]
    page(c, urls[0])  # warm up

    def counts() -> list[int]:
        found = []
        for url in urls:
            with count_queries() as q:
                page(c, url)
            found.append(q.count)
        return found

    small = counts()
    _bulk_meetings(db, 990, 9)
    assert meeting_count(db) >= 1000
    big = counts()
    assert small == big, (small, big)
    assert len(listed_titles(page(c, "/meetings/"))) == 50
    assert len(listed_titles(page(c, urls[4]))) == 50


# ---- the service helpers added for these pages --------------------------------------------------

def test_service_helpers_for_the_pages(today, db, staff, make_user):
    published, draft = plan(db, staff, title="Published"), plan(db, staff, title="Draft")
    set_agenda(db, staff, published, [{"title": "Opening"}])
    agendas.publish_agenda(session=db, actor=staff, meeting_id=published.id, clocks=fc.Clocks(), today=today)
    assert agendas.published_agenda_ids(db, [published.id, draft.id]) == {published.id}
    assert agendas.published_agenda_ids(db, []) == set()
    # Who plans what: every active body for the secretariat, their own for chairs and co-chairs, else nothing.
    chair = chair_of(db, make_user, "Victim Services", role="co_chair")
    member = chair_of(db, make_user, GRANTS, role="member")
    assert [c.name for c in mtg.plannable_committees(db, chair)] == ["Victim Services"]
    assert mtg.plannable_committees(db, member) == [] and mtg.plannable_committees(db, None) == []
    assert len(mtg.plannable_committees(db, staff)) == db.execute(
        select(func.count()).select_from(Committee).where(Committee.is_active.is_(True))).scalar()
    # A meeting of a quarterly series is copied three months on; its series says so.
    series = meeting_series.create_series(session=db, actor=staff, plan=MeetingSeriesPlan(
        rule="quarterly", count=2), meeting_in=meeting_in(
        db, {"committee_id": committee(db, GRANTS).id, "title": "Quarterly grants",
             "starts_at": "2027-01-12T10:00:00", "ends_at": "2027-01-12T11:00:00"}))
    assert meeting_series.series_rule(db, series[0]) == "quarterly:1:2" and meeting_series.series_rule(db, draft) == ""
    # copy_meeting takes an end time, or keeps the length.
    longer = meeting_series.copy_meeting(session=db, actor=staff, meeting_id=draft.id, copy_in=MeetingCopy(
        starts_at="2027-05-03T09:00:00", ends_at="2027-05-03T13:00:00"))
    same = meeting_series.copy_meeting(session=db, actor=staff, meeting_id=draft.id,
                                       copy_in=MeetingCopy(starts_at="2027-05-03T09:00:00"))
    assert longer.ends_at - longer.starts_at == timedelta(hours=4)
    assert same.ends_at - same.starts_at == draft.ends_at - draft.starts_at


def test_copy_of_a_quarterly_series_meeting_proposes_three_months_on(db, staff, client_as):
    series = meeting_series.create_series(session=db, actor=staff, plan=MeetingSeriesPlan(
        rule="quarterly", count=2), meeting_in=meeting_in(
        db, {"committee_id": committee(db, GRANTS).id, "title": "Quarterly grants",
             "starts_at": "2027-01-12T10:00:00", "ends_at": "2027-01-12T11:00:00"}))
    db.flush()
    # The second Tuesday of January -> the second Tuesday of April.
    assert 'value="2027-04-13"' in page(client_as("secretariat"), f"/meetings/{series[0].id}/copy")


# ---- steps that cannot be undone ask first; guard rails on the pages -------------------------------------

def _confirm_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', main_part(html)))


def test_publishing_asks_first_and_keeps_the_typed_reason(db, staff, client_as, make_user):
    make_user("liaison", agency="DOJ")
    m = plan(db, staff)
    set_agenda(db, staff, m, [{"title": "Opening"}])
    c = client_as("secretariat")
    html = page(c, f"/meetings/{m.id}/agenda")
    assert re.search(r'<button type="submit" form="publish-form"[^>]*data-open-modal>Publish agenda</button>', html)
    assert 'id="confirm-publish"' in html and "Publish the agenda?" in html
    r = c.post(f"/meetings/{m.id}/agenda/publish", data={"short_notice_reason": "Line one\nline two"})
    assert r.status_code == 200 and "<h1>Publish the agenda?</h1>" in r.get_data(as_text=True)
    assert _confirm_fields(r.get_data(as_text=True))["short_notice_reason"] == "Line one\nline two"
    db.expire_all()
    assert agendas.get_agenda(db, m).published_at is None
    assert db.execute(select(Notification).where(Notification.kind == "agenda_published")).first() is None
    post(c, f"/meetings/{m.id}/agenda/publish", {})
    db.expire_all()
    assert agendas.get_agenda(db, m).published_at is not None


def test_removing_an_agenda_item_asks_first(db, staff, client_as):
    m = plan(db, staff)
    view = set_agenda(db, staff, m, [{"title": "Opening"}, {"title": "Grants"}])
    c = client_as("secretariat")
    item = view.rows[1].item
    html = page(c, f"/meetings/{m.id}/agenda")
    assert f'aria-controls="confirm-remove-{item.id}"' in html and "\u201cGrants\u201d" in htmllib.unescape(html)
    r = c.post(f"/meetings/{m.id}/agenda/items/{item.id}/remove", data={"version": view.agenda.version})
    assert r.status_code == 200 and "Remove this agenda item?" in r.get_data(as_text=True)
    assert agenda_titles(db, m) == ["Opening", "Grants"]
    post(c, f"/meetings/{m.id}/agenda/items/{item.id}/remove", {"version": view.agenda.version})
    assert agenda_titles(db, m) == ["Opening"]


def test_a_viewer_cannot_reach_a_removal_question(db, staff, client_as):
    m = plan(db, staff)
    view = set_agenda(db, staff, m, [{"title": "Opening"}])
    r = client_as("viewer").post(f"/meetings/{m.id}/agenda/items/{view.rows[0].item.id}/remove",
                                 data={"version": view.agenda.version})
    assert r.status_code == 403


def test_attendance_of_a_coming_meeting_is_not_offered_and_is_refused(db, staff, client_as, meeting_clock):
    m = plan(db, staff)
    meeting_clock.set(datetime(2027, 3, 1, tzinfo=UTC))
    c = client_as("secretariat")
    assert "Take attendance" not in page(c, f"/meetings/{m.id}")  # no control for what cannot be done yet
    html = page(c, f"/meetings/{m.id}/attendance")
    assert 'id="attendance-not-yet"' in html and "Save attendance" not in html
    assert "Attendance is taken on the day of the meeting (March 15, 2027) or after" in text(html)
    r = post(c, f"/meetings/{m.id}/attendance", {"others": "1", "x0-name": "Ana Ruiz", "x0-status": "present"},
             status=422)
    assert "has not happened yet" in text(r.get_data(as_text=True))
    assert db.execute(select(func.count()).select_from(Attendance)).scalar() == 0


def test_a_past_meeting_shows_as_held_awaiting_minutes_on_the_page_and_in_the_list(db, staff, client_as,
                                                                                   meeting_clock):
    m = plan(db, staff, title="Winter review")
    meeting_clock.set(datetime(2027, 3, 20, tzinfo=UTC))
    c = client_as("secretariat")
    html = page(c, f"/meetings/{m.id}")
    assert re.search(r'id="meeting-state">Held, awaiting minutes<', html) and ">Scheduled<" not in html
    assert "Record that it did not take place" in html
    listed = page(c, "/meetings/?when=all")
    row = re.search(r"<tr>(?:(?!</tr>).)*Winter review(?:(?!</tr>).)*</tr>", listed, re.S).group(0)
    assert "Held, awaiting minutes" in row and "Scheduled" not in row
    att.put_attendance(session=db, actor=staff, meeting_id=m.id, entries=attendance_entries(db, [{"name": "Ana Ruiz"}]))
    assert "Record that it did not take place" not in page(c, f"/meetings/{m.id}")  # it took place


def test_the_agenda_of_a_meeting_that_is_over_offers_no_publishing(db, staff, client_as, meeting_clock):
    m = plan(db, staff)
    set_agenda(db, staff, m, [{"title": "Opening"}])
    meeting_clock.set(datetime(2027, 3, 20, tzinfo=UTC))
    c = client_as("secretariat")
    html = page(c, f"/meetings/{m.id}/agenda")
    assert 'id="publish-closed"' in html and "confirm-publish" not in html
    refused = post(c, f"/meetings/{m.id}/agenda/publish", {}, status=422)
    assert "This meeting is over" in text(refused.get_data(as_text=True))


def test_copying_to_a_past_date_is_refused_at_the_field(db, staff, client_as, meeting_clock):
    m = plan(db, staff)
    meeting_clock.set(datetime(2027, 4, 1, tzinfo=UTC))
    c = client_as("secretariat")
    r = post(c, f"/meetings/{m.id}/copy", {"title": "Copy", "date": "2027-03-22", "start_time": "10:00",
                                           "end_time": "12:00"}, status=422)
    assert "still to come" in field_error(r.get_data(as_text=True), "start_time")


# ---- the agenda item's pickers: by number and title, only what may be linked ---------------------------

def _recs(db, make_user):
    from pitf.services import rec_workflow
    from pitf.services import recommendations as recs

    author = make_user("council")
    data = {"body_md": "Agencies should.", "rationale_md": "Gaps.", "pillar": "protection",
            "target_agencies": ["DOJ"], "report_year": 2031}
    submitted = recs.create_draft(session=db, actor=author,
                                  rec_in=draft_in({**data, "title": "Screen in every shelter"}))
    rec_workflow.transition(session=db, actor=author, rec_id=submitted.id, version=submitted.version, to="submitted")
    hidden_draft = recs.create_draft(session=db, actor=author, rec_in=draft_in({**data, "title": "Secret draft idea"}))
    db.flush()
    return submitted, hidden_draft


def _options(html: str, select_id: str) -> dict[str, str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return {v: htmllib.unescape(label) for v, label in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)<', select)}


def test_agenda_pickers_list_by_number_and_title_only_what_may_be_linked(today, db, staff, client_as, make_user):
    due = (today + timedelta(days=20)).isoformat()
    mine = create_action_item(session=db, actor=staff, data={
        "title": "Share the screening protocol", "committee_id": committee(db, GRANTS).id, "lead_agency": "DOJ",
        "pillar": "protection", "due_date": due}, notify_agency=False)
    elsewhere = create_action_item(session=db, actor=staff, data={
        "title": "Another body's task", "committee_id": committee(db, SPOG).id, "lead_agency": "DOS",
        "pillar": "protection", "due_date": due}, notify_agency=False)
    submitted, hidden_draft = _recs(db, make_user)
    m = plan(db, staff)
    html = page(client_as("secretariat"), f"/meetings/{m.id}/agenda")
    assert re.search(r'<div class="usa-combo-box"[^>]*>\s*<select[^>]*id="action_item_id"', html)
    assert re.search(r'<div class="usa-combo-box"[^>]*>\s*<select[^>]*id="recommendation_id"', html)
    items = _options(html, "action_item_id")
    assert items[str(mine.id)].startswith(f"{mine.id}: Share the screening protocol (DOJ, due ")
    assert str(elsewhere.id) not in items  # another body's open items are not this agenda's
    recs_listed = _options(html, "recommendation_id")
    assert recs_listed[str(submitted.id)] == f"{submitted.number}: Screen in every shelter"
    assert str(hidden_draft.id) not in recs_listed and "Secret draft idea" not in html


def test_picking_a_recommendation_links_it_and_a_draft_is_refused(db, staff, client_as, make_user):
    submitted, hidden_draft = _recs(db, make_user)
    m = plan(db, staff)
    c = client_as("secretariat")
    html = page(c, f"/meetings/{m.id}/agenda")
    bad = post(c, f"/meetings/{m.id}/agenda/items", item_form(hidden(html, "version"), title="Draft",
                                                              recommendation_id=str(hidden_draft.id)), status=422)
    assert "No such recommendation." in field_error(bad.get_data(as_text=True), "recommendation_id")
    post(c, f"/meetings/{m.id}/agenda/items", item_form(hidden(html, "version"), title="Findings",
                                                        recommendation_id=str(submitted.id)))
    assert (f'<a href="/recommendations/{submitted.id}">{submitted.number}: Screen in every shelter</a>'
            in page(c, f"/meetings/{m.id}"))
    edit = page(c, f"/meetings/{m.id}/agenda?edit={agendas.agenda_view(db, m).rows[0].item.id}")
    assert f'data-default-value="{submitted.id}"' in edit  # the combo box opens on the linked one


def test_a_past_meeting_is_recorded_as_not_held_and_one_that_took_place_is_not_cancelled(db, staff, client_as,
                                                                                         meeting_clock):
    m = plan(db, staff)
    held = plan(db, staff, title="Held one")
    meeting_clock.set(datetime(2027, 3, 20, tzinfo=UTC))
    att.put_attendance(session=db, actor=staff, meeting_id=held.id,
        entries=attendance_entries(db, [{"name": "Ana Ruiz"}]))
    c = client_as("secretariat")
    assert 'id="not-held-intro"' in page(c, f"/meetings/{m.id}/cancel")
    post(c, f"/meetings/{m.id}/cancel", {"reason": "Did not take place.", "version": m.version})
    db.expire_all()
    assert db.get(Meeting, m.id).status == "cancelled"
    refused = post(c, f"/meetings/{held.id}/cancel", {"reason": "Oops.", "version": held.version}, status=422)
    assert "took place" in text(refused.get_data(as_text=True))
    db.expire_all()
    assert db.get(Meeting, held.id).status == "scheduled"
