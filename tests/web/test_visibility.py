"""Nothing of a closed meeting, a draft recommendation or draft minutes reaches a user who may not see them, by any
route: action items (page, list, CSV, API), agendas (page, print, API), notifications, dashboards, the calendar
feed, the public pages. Those who may see them still do (so each check can fail)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from icalendar import Calendar

from pitf.models import Membership, Notification, utcnow
from pitf.models.meetings import MinutesUpdate
from pitf.permissions import SYSTEM
from pitf.services import actions, agendas, calendar, rec_workflow, visibility
from pitf.services import federal_clocks as fc
from pitf.services import meetings as mtg
from pitf.services import minutes as mins
from pitf.services import recommendations as recs
from pitf.services.timeutil import to_local
from pitf.services.tokens import create_token
from tests.conftest import sign_in_client
from tests.factories import agency, agenda_items, committee, draft_in, meeting_in

CLOSED = "Zebra grant solicitation review"  # the closed meeting's title
DRAFT = "Yak shelter screening proposal"  # the draft recommendation's title
DRAFT_MINUTES = "Walrus unapproved discussion"  # text of draft minutes of an open meeting
COMING_CLOSED = "Quokka closed planning session"  # a coming closed meeting (dashboard, calendar)
GRANTS = "Grantmaking"
SPOG = "Senior Policy Operating Group"
TODAY = utcnow().date()


def _local(instant) -> str:
    return to_local(instant, "America/New_York").replace(tzinfo=None).isoformat(timespec="seconds")


def _meeting(db, staff, body, title, days, *, is_open):
    start = utcnow().replace(microsecond=0) + timedelta(days=days)
    m = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, body).id, "title": title, "is_open": is_open,
        "starts_at": _local(start), "ends_at": _local(start + timedelta(hours=1))}))
    db.flush()
    return m


@pytest.fixture
def world(db, make_user):
    """The issue's scene: a closed Grantmaking meeting whose minutes' ACTION line became an action item, a draft
    recommendation linked by an action item and an open meeting's agenda, draft minutes of that open meeting."""
    staff = make_user("secretariat")
    people = {
        "staff": staff, "admin": make_user("admin"),
        "member": make_user("viewer"),  # sits on Grantmaking in person
        "doj": make_user("liaison", agency="DOJ"),  # DOJ is a member agency of Grantmaking
        "dhs": make_user("liaison", agency="DHS"), "council": make_user("council"), "viewer": make_user("viewer"),
        "author": make_user("council"), "cosponsor": make_user("council"),
        "former": make_user("viewer"),  # was on Grantmaking, no longer
    }
    grants = committee(db, GRANTS)
    db.add_all([Membership(committee_id=grants.id, user_id=people["member"].id, role="member"),
                Membership(committee_id=grants.id, agency_id=agency(db, "DOJ").id, role="member"),
                Membership(committee_id=grants.id, user_id=people["former"].id, role="member")])
    db.flush()

    closed = _meeting(db, staff, GRANTS, CLOSED, -10, is_open=False)
    coming = _meeting(db, staff, GRANTS, COMING_CLOSED, 5, is_open=False)
    minutes = mins.save_minutes(session=db, actor=staff, meeting_id=closed.id,
                                changes=MinutesUpdate(version=None, body_md="Discussion.\n\n"
                                                      "ACTION DOJ 2031-01-15: Share the draft screening protocol\n"))
    mins.circulate(session=db, actor=staff, meeting_id=closed.id, version=minutes.version)  # tells the members
    db.flush()
    (action, _acronym), = mins.proposed_actions(db, minutes)
    from_closed = mins.confirm_action(session=db, actor=staff, meeting_id=closed.id, action_id=action.id)
    db.flush()
    ended = db.query(Membership).filter_by(user_id=people["former"].id).one()
    ended.ended_on = TODAY
    db.flush()

    rec = recs.create_draft(session=db, actor=people["author"], rec_in=draft_in({
        "title": DRAFT, "body_md": "Screen.", "rationale_md": "Gaps.", "pillar": "protection",
        "target_agencies": ["DOJ"], "co_sponsor_ids": [people["cosponsor"].id], "report_year": 2031}))
    db.flush()
    rec_workflow.transition(session=db, actor=people["author"], rec_id=rec.id, version=rec.version, to="submitted",
                            today=TODAY)  # notifies the secretariat, with the title
    db.flush()
    open_meeting = _meeting(db, staff, SPOG, "Open SPOG meeting", 20, is_open=True)
    agendas.put_agenda(session=db, actor=staff, meeting_id=open_meeting.id,
                       version=agendas.get_agenda(db, open_meeting).version,
                       items=agenda_items(db, [{"title": "Council presentation", "duration_minutes": 15,
                                                "recommendation_id": rec.id}]))
    agendas.publish_agenda(session=db, actor=staff, meeting_id=open_meeting.id, clocks=fc.Clocks(), today=TODAY)
    from_rec = actions.create_action_item(session=db, actor=staff, data={
        "title": "Draft a shelter screening tool", "committee_id": grants.id, "lead_agency": "DOJ",
        "due_date": "2031-03-01", "pillar": "protection", "recommendation_id": rec.id})
    db.flush()
    rec_workflow.transition(session=db, actor=staff, rec_id=rec.id, version=rec.version, to="draft", today=TODAY,
                            note="Please add the evidence.")  # back to the authors: a draft again
    mins.save_minutes(session=db, actor=staff, meeting_id=open_meeting.id,
                      changes=MinutesUpdate(version=None, body_md=f"# Minutes\n\n{DRAFT_MINUTES}."))
    db.flush()
    return {"people": people, "closed": closed, "coming": coming, "rec": rec, "open": open_meeting,
            "from_closed": from_closed, "from_rec": from_rec}


def _client(app, user):
    c = app.test_client()
    sign_in_client(c, user)
    return c


def _get(app, db, user, url) -> str:
    """The text a signed-in user gets at *url* (pages with a session, /api/ with a token)."""
    if url.startswith("/api/"):
        _row, token = create_token(session=db, actor=SYSTEM, user=user)
        db.flush()
        r = app.test_client().get(url, headers={"Authorization": f"Bearer {token}"})
    else:
        r = _client(app, user).get(url, follow_redirects=True)
    assert r.status_code == 200, (url, r.status_code)
    return r.get_data(as_text=True)


# Each place that shows a related object, and what it must not show: the closed meeting (title and link),
# the draft recommendation (title and link), or the draft minutes.
PLACES = {
    "item page (meeting)": ("/action-items/{from_closed}", "closed"),
    "item page (recommendation)": ("/action-items/{from_rec}", "rec"),
    "action-item list": ("/action-items/?per_page=200", "both"),
    "action-item list filtered by the meeting": ("/action-items/?meeting_id={closed}", "closed-items"),
    "action-item CSV": ("/action-items/export.csv", "both"),
    "API item (meeting)": ("/api/v1/action-items/{from_closed}", "closed"),
    "API item (recommendation)": ("/api/v1/action-items/{from_rec}", "rec"),
    "API list": ("/api/v1/action-items?per_page=200", "both"),
    "API list filtered by the meeting": ("/api/v1/action-items?meeting_id={closed}", "closed-items"),
    "API list filtered by the recommendation": ("/api/v1/action-items?recommendation_id={rec}", "rec-items"),
    "meeting page with agenda": ("/meetings/{open}", "rec"),
    "agenda page": ("/meetings/{open}/agenda", "rec"),
    "printable agenda": ("/meetings/{open}/agenda/print", "rec"),
    "API agenda": ("/api/v1/meetings/{open}/agenda", "rec"),
    "open meeting's minutes": ("/meetings/{open}/minutes", "minutes"),
    "meetings list": ("/meetings/?when=all", "closed"),
    "recommendations list": ("/recommendations/", "rec"),
    "recommendations dashboard": ("/recommendations/dashboard", "rec"),
    "notifications page": ("/notifications", "both"),
    "API notifications": ("/api/v1/notifications", "both"),
    "dashboard": ("/dashboard", "both"),
    "scorecards": ("/scorecards/", "both"),
}


def _forbidden(w, what: str) -> list[str]:
    closed, coming, rec = w["closed"], w["coming"], w["rec"]
    closed_marks = [CLOSED, COMING_CLOSED, f'/meetings/{closed.id}"', f'/meetings/{coming.id}"',
                    f'"meeting_id": {closed.id}']
    rec_marks = [DRAFT, f'/recommendations/{rec.id}"', f'"recommendation_id": {rec.id}']
    return {"closed": closed_marks, "rec": rec_marks, "both": closed_marks + rec_marks,
            "closed-items": closed_marks + ["Share the draft screening protocol"],
            "rec-items": rec_marks + ["Draft a shelter screening tool"],
            "minutes": [DRAFT_MINUTES]}[what]


def _normalized(text: str) -> str:
    """JSON answers compared in one spacing, so '"meeting_id": 5' is found however the body is laid out."""
    try:
        return json.dumps(json.loads(text))
    except ValueError:
        return text


@pytest.mark.parametrize("who", ["dhs", "council", "viewer", "former"])
@pytest.mark.parametrize("place", list(PLACES))
def test_nothing_of_a_closed_meeting_or_a_draft_reaches_those_who_may_not_see_it(app, db, world, who, place):
    url, what = PLACES[place]
    w = world
    ids = {"from_closed": w["from_closed"].id, "from_rec": w["from_rec"].id, "closed": w["closed"].id,
           "open": w["open"].id, "rec": w["rec"].id}
    body = _normalized(_get(app, db, w["people"][who], url.format(**ids)))
    for mark in _forbidden(w, what):
        assert mark not in body, (place, who, mark)


@pytest.mark.parametrize("place", [p for p, (_u, what) in PLACES.items() if what in ("rec", "both", "rec-items")])
def test_the_secretariat_does_not_see_someones_draft_either(app, db, world, place):
    url, what = PLACES[place]
    w = world
    ids = {"from_closed": w["from_closed"].id, "from_rec": w["from_rec"].id, "closed": w["closed"].id,
           "open": w["open"].id, "rec": w["rec"].id}
    body = _normalized(_get(app, db, w["people"]["staff"], url.format(**ids)))
    marks = _forbidden(w, "rec") + (["Draft a shelter screening tool"] if what == "rec-items" else [])
    for mark in marks:
        assert mark not in body, (place, mark)


@pytest.mark.parametrize("who", ["member", "doj", "staff", "admin"])
def test_those_who_may_see_the_closed_meeting_see_it_named_and_linked(app, db, world, who):
    w = world
    user, closed = w["people"][who], w["closed"]
    page = _get(app, db, user, f"/action-items/{w['from_closed'].id}")
    assert CLOSED in page and f'href="/meetings/{closed.id}"' in page
    item = json.loads(_get(app, db, user, f"/api/v1/action-items/{w['from_closed'].id}"))
    assert item["meeting_id"] == closed.id
    listed = json.loads(_get(app, db, user, f"/api/v1/action-items?meeting_id={closed.id}"))
    assert [i["id"] for i in listed["items"]] == [w["from_closed"].id]
    dash = _get(app, db, user, "/dashboard")
    assert COMING_CLOSED in dash and f'href="/meetings/{w["coming"].id}"' in dash


@pytest.mark.parametrize("who", ["author", "cosponsor"])
def test_the_authors_see_their_draft_named_and_linked(app, db, world, who):
    w = world
    user, rec = w["people"][who], w["rec"]
    for url in (f"/action-items/{w['from_rec'].id}", f"/meetings/{w['open'].id}/agenda",
                f"/meetings/{w['open'].id}/agenda/print", f"/meetings/{w['open'].id}"):
        page = _get(app, db, user, url)
        assert DRAFT in page and f'/recommendations/{rec.id}"' in page, url
    agenda = json.loads(_get(app, db, user, f"/api/v1/meetings/{w['open'].id}/agenda"))
    assert agenda["items"][0]["recommendation_id"] == rec.id
    assert DRAFT in _get(app, db, user, "/dashboard")


def test_a_hidden_link_says_so_in_words_without_title_or_link(app, db, world):
    page = _get(app, db, world["people"]["dhs"], f"/action-items/{world['from_closed'].id}")
    assert "From a closed meeting" in page
    page = _get(app, db, world["people"]["viewer"], f"/action-items/{world['from_rec'].id}")
    assert "From a recommendation not yet submitted" in page


def test_the_item_made_from_closed_minutes_does_not_carry_the_meetings_title(db, world):
    item = world["from_closed"]
    assert CLOSED not in item.description_md and CLOSED not in item.title


def test_notifications_about_what_the_reader_can_no_longer_see_keep_no_title_nor_link(app, db, world):
    w = world
    # The former member was told of the circulated minutes while on the committee; the secretariat of the
    # submission before the recommendation went back to its authors.
    stored = {n.title for n in db.query(Notification).filter_by(user_id=w["people"]["former"].id)}
    assert any(CLOSED in t for t in stored)
    assert any(DRAFT in n.title for n in db.query(Notification).filter_by(user_id=w["people"]["staff"].id))
    for who in ("former", "staff"):
        page = _get(app, db, w["people"][who], "/notifications")
        assert visibility.HIDDEN_NOTIFICATION in page
    # A current member still reads it in full.
    assert CLOSED in _get(app, db, w["people"]["member"], "/notifications")
    listed = json.loads(_get(app, db, w["people"]["member"], "/api/v1/notifications"))
    assert f'/meetings/{w["closed"].id}/minutes' in {n["url"] for n in listed["items"]}
    # Opening the hidden one leads nowhere it may not go.
    note = db.query(Notification).filter_by(user_id=w["people"]["former"].id, kind="minutes_circulated").one()
    r = _client(app, w["people"]["former"]).post(f"/notifications/{note.id}/read", data={"go": "1"})
    assert r.status_code == 302 and "/meetings/" not in r.headers["Location"]


def test_the_calendar_feed_holds_only_meetings_the_user_may_see(db, world):
    w = world
    for who, sees in (("dhs", False), ("council", False), ("viewer", False), ("former", False),
                      ("member", True), ("doj", True), ("staff", True)):
        feed = calendar.to_ics(calendar.feed_calendar(db, w["people"][who], "https://pitf.example.gov"))
        text = feed.decode()
        assert (COMING_CLOSED in text) is sees, who
        uids = {str(e["UID"]) for e in Calendar.from_ical(feed).walk("VEVENT")}
        assert (f"meeting-{w['closed'].id}@pitf.platform" in uids) is sees, who


def test_the_public_pages_show_nothing_closed_nor_draft(client, world):
    for url in ("/public/", f"/public/meetings/{world['open'].id}"):
        r = client.get(url)
        assert r.status_code == 200, url
        body = r.get_data(as_text=True)
        for mark in (CLOSED, COMING_CLOSED, DRAFT, DRAFT_MINUTES, f"/recommendations/{world['rec'].id}"):
            assert mark not in body, (url, mark)
    assert client.get(f"/public/meetings/{world['closed'].id}").status_code == 404


def test_linking_an_item_to_what_one_may_not_see_is_as_if_it_did_not_exist(db, world):
    from pitf.errors import ValidationFailed

    staff = world["people"]["staff"]
    with pytest.raises(ValidationFailed) as err:
        actions.create_action_item(session=db, actor=staff, data={
            "title": "Another", "committee_id": committee(db, GRANTS).id, "lead_agency": "DOJ",
            "due_date": "2031-03-01", "pillar": "protection", "recommendation_id": world["rec"].id})
    assert err.value.fields == {"recommendation_id": "No such recommendation."}
    # The secretariat keeps editing an item whose recommendation went back to draft: the link stays.
    item = world["from_rec"]
    actions.update_action_item(session=db, actor=staff, item_id=item.id, version=item.version,
                               data={"title": "Draft a shelter screening tool, v2"})
    db.flush()
    assert item.recommendation_id == world["rec"].id


def test_approved_minutes_of_a_closed_meeting_are_mailed_to_its_members_not_to_a_guest(db, world, make_user):
    from pitf.models import Attendance, OutboxEmail

    w, staff, closed = world, world["people"]["staff"], world["closed"]
    guest = make_user("viewer")  # came to the closed meeting as a guest, sits on no committee
    db.add(Attendance(meeting_id=closed.id, user_id=guest.id, name=guest.name, attendee_kind="guest"))
    db.flush()
    minutes = mins.get_minutes(db, closed)
    mins.approve(session=db, actor=staff, meeting_id=closed.id, version=minutes.version)
    db.flush()
    mins.mail_minutes(session=db, actor=staff, meeting_id=closed.id)
    db.flush()
    told = {n.user_id for n in db.query(Notification).filter_by(kind="minutes_mailed")}
    assert w["people"]["member"].id in told and w["people"]["doj"].id in told
    assert guest.id not in told
    assert not db.query(OutboxEmail).filter_by(user_id=guest.id, kind="minutes_mailed").all()
