"""The minutes pages: lifecycle by role, corrections and diffs, comments, sanitizing, the editor's buttons,
ACTION lines, mailing, the minutes-due list and the public record."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from pitf.models import (
    ActionItem,
    Agenda,
    Meeting,
    Membership,
    Minutes,
    MinutesComment,
    MinutesRevision,
    OutboxEmail,
    utcnow,
)
from pitf.models.meetings import MeetingCancel, MinutesUpdate
from pitf.services import agendas
from pitf.services import federal_clocks as fc
from pitf.services import meetings as mtg
from pitf.services import minutes as mins
from pitf.settings import platform_timezone
from tests.conftest import sign_in_client
from tests.factories import agenda_items, committee, meeting_in

SPOG = "Senior Policy Operating Group"
COUNCIL = "U.S. Advisory Council on Human Trafficking"

# Minutes and attendance belong after a meeting: the 2027 meetings planned here have taken place.
pytestmark = pytest.mark.usefixtures("meetings_held")
GRANTS = "Grantmaking"


def meeting_of(db, staff, body=SPOG, **extra) -> Meeting:
    data = {"committee_id": committee(db, body).id, "title": "Spring meeting", "starts_at": "2027-04-12T10:00:00",
            "ends_at": "2027-04-12T12:00:00", "federal_register_notice_date": "2027-03-20"}
    data.update(extra)
    meeting = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, data))
    db.flush()
    return meeting


def person_on(db, make_user, body, role):
    user = make_user("council" if body == COUNCIL else "viewer")
    db.add(Membership(committee_id=committee(db, body).id, user_id=user.id, role=role))
    db.flush()
    return user


def client_for(app, user):
    c = app.test_client()
    sign_in_client(c, user)
    c.user = user
    return c


def draft(db, staff, meeting, text="# Minutes\n\nDiscussed the plan.") -> Minutes:
    minutes = mins.save_minutes(session=db, actor=staff, meeting_id=meeting.id,
                                changes=MinutesUpdate(version=None, body_md=text))
    db.flush()
    return minutes


def circulated(db, staff, meeting, text="# Minutes\n\nDiscussed the plan.") -> Minutes:
    minutes = draft(db, staff, meeting, text)
    mins.circulate(session=db, actor=staff, meeting_id=meeting.id, version=minutes.version)
    db.flush()
    return minutes


def approved(db, staff, meeting, text="# Minutes\n\nDiscussed the plan.", approver=None) -> Minutes:
    minutes = circulated(db, staff, meeting, text)
    mins.approve(session=db, actor=approver or staff, meeting_id=meeting.id, version=minutes.version)
    db.flush()
    return minutes


def current(db, meeting) -> Minutes | None:
    db.expire_all()
    return mins.get_minutes(db, meeting)


def page(client, url, status=200) -> str:
    r = client.get(url)
    assert r.status_code == status, r.get_data(as_text=True)[:3000]
    return r.get_data(as_text=True)


def post(client, url, data=None, status=302) -> str:
    """Post as the page does once its confirmation is answered (steps that ask first get confirm=yes)."""
    r = client.post(url, data={"confirm": "yes", **(data or {})})
    assert r.status_code == status, r.get_data(as_text=True)[:3000]
    return r.get_data(as_text=True)


def main_part(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def hidden(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def textarea(html: str, name: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    return htmllib.unescape(found.group(1)).lstrip("\r\n")


def actor_for(db, make_user, body, who):
    if who in ("chair", "co_chair", "member"):
        return person_on(db, make_user, body, who)
    if who == "liaison":
        return make_user("liaison", agency="DOJ")
    return make_user(who)


# ---- the lifecycle as a table of role x transition, by page ----------------------------------------

@pytest.mark.parametrize("who,allowed", [("secretariat", True), ("chair", True), ("member", False),
                                         ("viewer", False)])
def test_who_circulates_by_page(db, app, staff, make_user, who, allowed):
    m = meeting_of(db, staff)
    minutes = draft(db, staff, m)
    c = client_for(app, actor_for(db, make_user, SPOG, who))
    shown = page(c, f"/meetings/{m.id}/minutes")
    assert (">Circulate for comment</button>" in shown) is allowed
    post(c, f"/meetings/{m.id}/minutes/circulate", {"version": minutes.version}, status=302 if allowed else 403)
    assert current(db, m).status == ("circulated" if allowed else "draft")


@pytest.mark.parametrize("body,who,allowed", [
    (SPOG, "chair", True), (SPOG, "co_chair", True), (SPOG, "secretariat", True),
    (SPOG, "member", False), (SPOG, "liaison", False), (SPOG, "viewer", False),
    (COUNCIL, "chair", True), (COUNCIL, "secretariat", False), (COUNCIL, "admin", False), (COUNCIL, "member", False),
])
def test_who_approves_or_certifies_by_page(db, app, staff, make_user, body, who, allowed):
    m = meeting_of(db, staff, body)
    minutes = circulated(db, staff, m)
    c = client_for(app, actor_for(db, make_user, body, who))
    button = ">Certify</button>" if body == COUNCIL else ">Approve</button>"
    shown = page(c, f"/meetings/{m.id}/minutes")
    assert (button in shown) is allowed
    if allowed and body == COUNCIL:
        assert "accurate and complete summary of the matters discussed" in shown  # the wording, before the button
    refused = post(c, f"/meetings/{m.id}/minutes/approve", {"version": minutes.version},
                   status=302 if allowed else 403)
    assert current(db, m).status == ("approved" if allowed else "circulated")
    if not allowed:
        assert ("Only the chair certifies" if body == COUNCIL else "Only the chair or the secretariat") in refused


def test_council_certification_shows_wording_name_and_date(db, app, staff, make_user):
    chair = person_on(db, make_user, COUNCIL, "chair")
    m = meeting_of(db, staff, COUNCIL)
    minutes = circulated(db, staff, m)
    c = client_for(app, chair)
    post(c, f"/meetings/{m.id}/minutes/approve", {"version": minutes.version})
    shown = main_part(page(client_for(app, make_user("viewer")), f"/meetings/{m.id}/minutes"))
    assert "I hereby certify that the minutes are an accurate and complete summary" in shown
    assert "meeting held on April 12, 2027." in shown
    assert f"Certified by {chair.name} on" in shown and htmllib.escape(chair.name) + ", chair" in shown
    assert ">Approved</span>" in shown


def test_refused_transitions_say_why(db, app, staff):
    m = meeting_of(db, staff)
    minutes = draft(db, staff, m)
    c = client_for(app, staff)
    refused = post(c, f"/meetings/{m.id}/minutes/approve", {"version": minutes.version}, status=409)
    assert "Minutes that are draft cannot become approved." in refused
    post(c, f"/meetings/{m.id}/minutes/circulate", {"version": minutes.version})
    again = post(c, f"/meetings/{m.id}/minutes/circulate", {"version": current(db, m).version}, status=409)
    assert "Minutes that are circulated cannot become circulated." in again
    stale = post(c, f"/meetings/{m.id}/minutes/approve", {"version": minutes.version - 1}, status=409)
    assert "Someone changed these minutes" in stale
    empty_meeting = meeting_of(db, staff, title="Empty")
    empty = draft(db, staff, empty_meeting, "   ")
    assert "Write the minutes first." in post(c, f"/meetings/{empty_meeting.id}/minutes/circulate",
                                              {"version": empty.version}, status=422)
    assert current(db, empty_meeting).status == "draft"


# ---- locked approval, corrections, revisions and the diff ------------------------------------------

def test_approved_minutes_need_a_reason_and_a_correction_is_revision_2(db, app, staff, make_user):
    m = meeting_of(db, staff)
    minutes = approved(db, staff, m, "Original line.\nKept line.")
    c = client_for(app, staff)
    form = page(c, f"/meetings/{m.id}/minutes/edit")
    assert "Reason for the correction" in form and "approved and locked" in form
    refused = post(c, f"/meetings/{m.id}/minutes/edit",
                   {"do": "save", "version": minutes.version, "body_md": "Corrected line.\nKept line."}, status=422)
    assert 'id="revision_reason-error"' in refused and "give the reason for the correction" in refused
    assert textarea(refused, "body_md") == "Corrected line.\nKept line."
    assert current(db, m).revision == 1
    post(c, f"/meetings/{m.id}/minutes/edit", {"do": "save", "version": minutes.version,
                                               "body_md": "Corrected line.\nKept line.",
                                               "revision_reason": "The DOJ speaker was misnamed."})
    minutes = current(db, m)
    assert (minutes.revision, minutes.status, minutes.approved_revision) == (2, "draft", 1)

    reader = client_for(app, make_user("viewer"))
    seen = main_part(page(reader, f"/meetings/{m.id}/minutes"))
    assert "Original line." in seen and "Corrected line." not in seen and "Revision 1" in seen
    planner_view = main_part(page(c, f"/meetings/{m.id}/minutes"))
    assert "Corrected line." in planner_view and "A correction is in progress" in planner_view

    # Readers see only approved revisions; planners every one.
    assert "The DOJ speaker was misnamed." not in page(reader, f"/meetings/{m.id}/minutes/revisions")
    listing = page(c, f"/meetings/{m.id}/minutes/revisions")
    assert "The DOJ speaker was misnamed." in listing and f"/meetings/{m.id}/minutes/revisions/2/diff" in listing
    page(reader, f"/meetings/{m.id}/minutes/revisions/2/diff", status=404)
    page(c, f"/meetings/{m.id}/minutes/revisions/1/diff", status=404)

    diff = main_part(page(c, f"/meetings/{m.id}/minutes/revisions/2/diff"))
    assert re.search(r"Removed:</th>\s*<td><del>Original line\.</del>", diff)
    assert re.search(r"Added:</th>\s*<td><ins>Corrected line\.</ins>", diff)
    assert "<td>Kept line.</td>" in diff and "1 line added, 1 line removed" in diff

    # Once the correction is approved, everyone reads it, and may compare it with the one before.
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    mins.approve(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    db.flush()
    assert "Corrected line." in main_part(page(reader, f"/meetings/{m.id}/minutes"))
    assert "Compare revision 2 with 1" in page(reader, f"/meetings/{m.id}/minutes/revisions")
    assert "<del>Original line.</del>" in page(reader, f"/meetings/{m.id}/minutes/revisions/2/diff")


def test_draft_minutes_are_hidden_from_readers(db, app, staff, make_user):
    m = meeting_of(db, staff)
    draft(db, staff, m, "Secret draft wording.")
    reader = client_for(app, make_user("viewer"))
    shown = main_part(page(reader, f"/meetings/{m.id}/minutes"))
    assert "Secret draft wording." not in shown and "There are no approved minutes" in shown
    assert "Secret draft wording." not in page(reader, f"/meetings/{m.id}/minutes/revisions")
    page(reader, f"/meetings/{m.id}/minutes/edit", status=403)


# ---- comments and who sees what -----------------------------------------------------------------

def test_member_comments_on_circulated_minutes(db, app, staff, make_user):
    m = meeting_of(db, staff)
    minutes = draft(db, staff, m)
    doj = client_for(app, make_user("liaison", agency="DOJ"))  # DOJ is a member agency of the SPOG
    assert 'name="body_md"' not in page(doj, f"/meetings/{m.id}/minutes")
    early = post(doj, f"/meetings/{m.id}/minutes/comments", {"body_md": "Too early"}, status=422)
    assert "Minutes take comments while circulated." in early
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    db.flush()
    assert 'name="body_md"' in page(doj, f"/meetings/{m.id}/minutes")
    post(doj, f"/meetings/{m.id}/minutes/comments", {"body_md": "Please add our **data** <script>x()</script>."})
    shown = main_part(page(doj, f"/meetings/{m.id}/minutes"))
    assert doj.user.name in shown and "<strong>data</strong>" in shown and "<script" not in shown
    empty = post(doj, f"/meetings/{m.id}/minutes/comments", {"body_md": "  "}, status=422)
    assert "Write your comment." in empty
    # Someone who is not on the SPOG reads nothing of the comments, and may not add one.
    outsider = client_for(app, make_user("viewer"))
    assert "Please add our" not in page(outsider, f"/meetings/{m.id}/minutes")
    post(outsider, f"/meetings/{m.id}/minutes/comments", {"body_md": "Outsider"}, status=403)
    db.expire_all()
    assert db.execute(select(func.count()).select_from(MinutesComment)).scalar() == 1


def test_closed_meeting_minutes_are_404_to_outsiders(db, app, staff, make_user):
    m = meeting_of(db, staff, GRANTS, is_open=False)
    approved(db, staff, m, "Closed-door text.")
    outsider = client_for(app, make_user("viewer"))
    for url in ("", "/revisions", "/revisions/1/diff", "/edit"):
        page(outsider, f"/meetings/{m.id}/minutes{url}", status=404)
    post(outsider, f"/meetings/{m.id}/minutes/comments", {"body_md": "x"}, status=404)
    member = client_for(app, make_user("liaison", agency="HHS"))  # HHS sits on Grantmaking
    assert "Closed-door text." in page(member, f"/meetings/{m.id}/minutes")


def test_pages_need_sign_in(db, client, staff):
    m = meeting_of(db, staff)
    for url in (f"/meetings/{m.id}/minutes", f"/meetings/{m.id}/minutes/edit", "/minutes/due"):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


# ---- sanitizing, the editor's buttons, conflicts -------------------------------------------------

PAYLOADS = ["<script>alert(1)</script>", "[x](javascript:alert(1))", "<img src=x onerror=alert(1)>",
            "[d](data:text/html;base64,PHNjcmlwdD4=)"]


def assert_clean(part: str) -> None:
    lowered = part.lower()
    for bad in ("<script", "javascript:", "onerror", "data:"):
        assert bad not in lowered, (bad, part)


def test_minutes_are_sanitized_through_the_page(db, app, staff, make_user):
    m = meeting_of(db, staff)
    c = client_for(app, staff)
    text = "# Minutes\n\n" + "\n\n".join(PAYLOADS) + "\n\nSafe **words**."
    preview = post(c, f"/meetings/{m.id}/minutes/edit", {"do": "preview", "version": "", "body_md": text}, status=200)
    start = preview.index('id="preview-heading"')
    panel = preview[start:preview.index("</section>", start)]
    assert "<strong>words</strong>" in panel
    assert_clean(panel)
    assert current(db, m) is None
    post(c, f"/meetings/{m.id}/minutes/edit", {"do": "save", "version": "", "body_md": text})
    minutes = current(db, m)
    assert_clean(minutes.body_html)
    assert_clean(main_part(page(c, f"/meetings/{m.id}/minutes")))
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    mins.approve(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    db.flush()
    shown = main_part(page(client_for(app, make_user("viewer")), f"/meetings/{m.id}/minutes"))
    assert "<strong>words</strong>" in shown
    assert_clean(shown)


def test_skeleton_and_preview_write_nothing(db, app, staff):
    m = meeting_of(db, staff)
    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                       items=agenda_items(db, [{"title": "Opening"}, {"title": "Supply chains"}]))
    db.flush()
    c = client_for(app, staff)
    filled = post(c, f"/meetings/{m.id}/minutes/edit", {"do": "skeleton", "version": "", "body_md": ""}, status=200)
    body = textarea(filled, "body_md")
    assert "### 1. Opening" in body and "### 2. Supply chains" in body and "## Present" in body
    post(c, f"/meetings/{m.id}/minutes/edit", {"do": "preview", "version": "", "body_md": body}, status=200)
    assert current(db, m) is None
    assert db.execute(select(func.count()).select_from(MinutesRevision)).scalar() == 0

    # A meeting without an agenda row yet: reading its agenda for the skeleton must not create one.
    bare = Meeting(committee_id=m.committee_id, title="Bare", starts_at=m.starts_at, ends_at=m.ends_at)
    db.add(bare)
    db.flush()
    assert "## Matters discussed" in textarea(post(c, f"/meetings/{bare.id}/minutes/edit",
                                                   {"do": "skeleton", "version": "", "body_md": ""}, status=200),
                                              "body_md")
    db.expire_all()
    assert db.execute(select(func.count()).select_from(Agenda).where(Agenda.meeting_id == bare.id)).scalar() == 0

    minutes = draft(db, staff, m, "My own words.")
    version = minutes.version
    asked = post(c, f"/meetings/{m.id}/minutes/edit",
                 {"do": "skeleton", "version": version, "body_md": "My own words."}, status=200)
    assert "Replace my text with the skeleton" in asked and textarea(asked, "body_md") == "My own words."
    replaced = post(c, f"/meetings/{m.id}/minutes/edit",
                    {"do": "skeleton_replace", "version": version, "body_md": "My own words."}, status=200)
    assert "### 1. Opening" in textarea(replaced, "body_md")
    shown = post(c, f"/meetings/{m.id}/minutes/edit", {"do": "preview", "version": version, "body_md": "New *text*"},
                 status=200)
    assert "<em>text</em>" in shown and "Preview (not saved)" in shown
    minutes = current(db, m)
    assert (minutes.body_md, minutes.version) == ("My own words.", version)


def test_stale_save_is_409_keeping_the_typed_text(db, app, staff, make_user):
    m = meeting_of(db, staff)
    minutes = draft(db, staff, m, "First text.")
    read_version = minutes.version
    mins.save_minutes(session=db, actor=staff, meeting_id=m.id,
                      changes=MinutesUpdate(version=minutes.version, body_md="Their text."))
    db.flush()
    c = client_for(app, make_user("secretariat"))
    conflict = post(c, f"/meetings/{m.id}/minutes/edit",
                    {"do": "save", "version": read_version, "body_md": "My text."}, status=409)
    assert textarea(conflict, "body_md") == "My text."
    assert "Their text." in conflict and "Someone else saved these minutes" in conflict
    new_version = hidden(conflict, "version")
    assert new_version == str(current(db, m).version)
    post(c, f"/meetings/{m.id}/minutes/edit", {"do": "save", "version": new_version, "body_md": "My text."})
    assert current(db, m).body_md == "My text."


def test_two_people_starting_the_minutes_conflict(db, app, staff, make_user):
    m = meeting_of(db, staff)
    c = client_for(app, staff)
    assert hidden(page(c, f"/meetings/{m.id}/minutes/edit"), "version") == ""
    draft(db, make_user("secretariat"), m, "Started by someone else.")
    conflict = post(c, f"/meetings/{m.id}/minutes/edit", {"do": "save", "version": "", "body_md": "Mine."},
                    status=409)
    assert "Started by someone else." in conflict and textarea(conflict, "body_md") == "Mine."


# ---- ACTION lines -------------------------------------------------------------------------------

def test_action_lines_become_proposals_confirmed_with_one_click(db, app, staff, make_user):
    m = meeting_of(db, staff)
    c = client_for(app, staff)
    editor = page(c, f"/meetings/{m.id}/minutes/edit")
    assert "ACTION DOJ 2027-01-15: Share the draft screening protocol" in editor  # the documented syntax
    text = ("Discussion.\n\n- ACTION DOJ 2027-01-15: Share the draft screening protocol\n"
            "ACTION DHS 2027-02-01: Brief the SPOG\nACTION XYZ 2027-02-01: Unknown agency\n")
    post(c, f"/meetings/{m.id}/minutes/edit", {"do": "save", "version": "", "body_md": text})
    shown = main_part(page(c, f"/meetings/{m.id}/minutes"))
    assert "Share the draft screening protocol" in shown and "No member agency has the acronym XYZ." in shown
    assert shown.count(">Create action item</button>") == 2
    proposals = mins.proposed_actions(db, current(db, m))
    share, brief, unknown = (a for a, _ in proposals)
    # Only the secretariat confirms; the panel is not shown to others.
    liaison = client_for(app, make_user("liaison", agency="DOJ"))
    assert "Proposed action items" not in page(liaison, f"/meetings/{m.id}/minutes")
    post(liaison, f"/meetings/{m.id}/minutes/actions/{share.id}/confirm", {f"action{share.id}-pillar": "protection"},
         status=403)

    post(c, f"/meetings/{m.id}/minutes/actions/{share.id}/confirm", {f"action{share.id}-pillar": "protection"})
    db.expire_all()
    item = db.execute(select(ActionItem).where(ActionItem.title == "Share the draft screening protocol")).scalar_one()
    assert (item.meeting_id, item.pillar, item.due_date.isoformat()) == (m.id, "protection", "2027-01-15")
    shown = page(c, f"/meetings/{m.id}/minutes")
    assert f'href="/action-items/{item.id}"' in shown
    assert f'href="/meetings/{m.id}"' in page(c, f"/action-items/{item.id}")  # the item links back
    again = post(c, f"/meetings/{m.id}/minutes/actions/{share.id}/confirm", {}, status=422)
    assert "already confirmed" in again
    assert "No member agency has the acronym XYZ." in post(
        c, f"/meetings/{m.id}/minutes/actions/{unknown.id}/confirm", {}, status=422)

    post(c, f"/meetings/{m.id}/minutes/actions/{brief.id}/dismiss")
    db.expire_all()
    assert db.get(type(brief), brief.id).state == "dismissed"
    assert db.execute(select(func.count()).select_from(ActionItem).where(ActionItem.meeting_id == m.id)).scalar() == 1
    page(c, f"/meetings/{m.id}/minutes/actions/{brief.id}/confirm", status=405)
    post(c, f"/meetings/{m.id}/minutes/actions/999999/confirm", {}, status=404)


def test_default_pillar_is_partnership(db, app, staff):
    m = meeting_of(db, staff)
    minutes = draft(db, staff, m, "ACTION HHS 2027-03-01: Map shelters\n")
    (action, _), = mins.proposed_actions(db, minutes)
    c = client_for(app, staff)
    assert re.search(r'<option selected value="partnership">|<option value="partnership" selected',
                     page(c, f"/meetings/{m.id}/minutes"))
    post(c, f"/meetings/{m.id}/minutes/actions/{action.id}/confirm")
    db.expire_all()
    assert db.execute(select(ActionItem.pillar).where(ActionItem.meeting_id == m.id)).scalar_one() == "partnership"


# ---- mailing the approved minutes -------------------------------------------------------------

def test_mail_minutes_queues_emails_once(db, app, staff, make_user):
    doj = make_user("liaison", agency="DOJ")
    m = meeting_of(db, staff)
    c = client_for(app, staff)
    minutes = draft(db, staff, m, "Approved text.")
    assert ">Email the approved minutes to participants</button>" not in page(c, f"/meetings/{m.id}/minutes")
    assert "Only approved minutes are mailed." in post(c, f"/meetings/{m.id}/minutes/mail", status=422)
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    mins.approve(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    db.flush()

    def mailed() -> int:
        db.expire_all()
        return db.execute(select(func.count()).select_from(OutboxEmail)
                          .where(OutboxEmail.kind == "minutes_mailed")).scalar()

    assert ">Email the approved minutes to participants</button>" in page(c, f"/meetings/{m.id}/minutes")
    r = c.post(f"/meetings/{m.id}/minutes/mail", data={"confirm": "yes"}, follow_redirects=True)
    first = mailed()
    assert first >= 1 and f"{first} email" in r.get_data(as_text=True) and "queued" in r.get_data(as_text=True)
    assert db.execute(select(OutboxEmail).where(OutboxEmail.user_id == doj.id,
                                                OutboxEmail.kind == "minutes_mailed")).scalar_one()
    r = c.post(f"/meetings/{m.id}/minutes/mail", data={"confirm": "yes"}, follow_redirects=True)
    assert "Nothing was queued" in r.get_data(as_text=True)
    assert mailed() == first
    # Mailing is the planners' work.
    post(client_for(app, doj), f"/meetings/{m.id}/minutes/mail", status=403)


# ---- minutes due ------------------------------------------------------------------------------

def past_meeting(db, staff, body, days_ago, title, **extra) -> Meeting:
    # Noon of the platform's day *days_ago* days back: the clocks count local days, so a UTC offset near
    # midnight must not move the meeting to the day before.
    zone = ZoneInfo(platform_timezone())
    day = utcnow().astimezone(zone).date() - timedelta(days=days_ago)
    start = datetime.combine(day, time(12), zone).astimezone(UTC)
    return meeting_of(db, staff, body, title=title, starts_at=start.isoformat(),
                      ends_at=(start + timedelta(hours=2)).isoformat(), **extra)


def due_titles(html: str) -> list[str]:
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return [htmllib.unescape(t) for t in re.findall(r'<th scope="row" data-label="Meeting"><a [^>]*>([^<]*)</a>',
                                                    body)]


def test_minutes_due_overdue_first_then_by_deadline_then_others(db, app, staff, make_user):
    past_meeting(db, staff, SPOG, 200, "SPOG long ago")
    past_meeting(db, staff, SPOG, 20, "SPOG recent")
    past_meeting(db, staff, COUNCIL, 30, "Council within the deadline")
    past_meeting(db, staff, COUNCIL, 120, "Council overdue a month")
    past_meeting(db, staff, COUNCIL, 95, "Council overdue a few days")
    circulated(db, staff, past_meeting(db, staff, COUNCIL, 60, "Council circulated"))
    approved(db, staff, past_meeting(db, staff, SPOG, 10, "SPOG approved"))
    cancelled = past_meeting(db, staff, SPOG, 15, "SPOG cancelled")
    mtg.cancel_meeting(session=db, actor=staff, meeting_id=cancelled.id,
        cancel_in=MeetingCancel(version=cancelled.version, cancel_reason="Storm"))
    meeting_of(db, staff, COUNCIL, title="Council next spring")  # has not happened yet
    db.flush()
    c = client_for(app, staff)
    shown = page(c, "/minutes/due")
    assert due_titles(shown) == ["Council overdue a month", "Council overdue a few days", "Council circulated",
                                 "Council within the deadline", "SPOG long ago", "SPOG recent"]
    assert "Overdue</span> by 30 days" in shown and "Overdue</span> by 5 days" in shown
    assert "60 days left" in shown and "Circulated for comment" in shown and "Not under FACA" in shown

    # A chair sees their own body's; a viewer and a plain member nothing.
    chair = client_for(app, person_on(db, make_user, COUNCIL, "chair"))
    assert [t for t in due_titles(page(chair, "/minutes/due")) if t.startswith("SPOG")] == []
    page(client_for(app, make_user("viewer")), "/minutes/due", status=403)
    page(client_for(app, person_on(db, make_user, SPOG, "member")), "/minutes/due", status=403)
    page(client_for(app, make_user("liaison", agency="DOJ")), "/minutes/due", status=403)


def _bulk_past_meetings(db, n: int, start: int) -> None:
    now = utcnow()
    council, spog = committee(db, COUNCIL).id, committee(db, SPOG).id
    db.execute(insert(Meeting), [
        {"committee_id": council if i % 2 else spog, "title": f"Bulk meeting {start + i}",
         "starts_at": now - timedelta(days=1 + (i % 300), hours=i % 24),
         "ends_at": now - timedelta(days=1 + (i % 300), hours=(i % 24) - 1), "timezone": "America/New_York",
         "location": "", "virtual_url": "", "is_open": True, "status": "scheduled", "cancel_reason": "",
         "short_notice_reason": "", "ics_sequence": 0, "version": 1, "created_at": now, "updated_at": now}
        for i in range(n)])
    db.flush()


def test_minutes_due_issues_the_same_queries_at_10_and_1000_meetings(db, app, staff, count_queries):
    _bulk_past_meetings(db, 10, 0)
    c = client_for(app, staff)
    page(c, "/minutes/due")  # warm up

    def count() -> int:
        with count_queries() as q:
            shown = page(c, "/minutes/due")
        return q.count, len(due_titles(shown))

    small, rows_small = count()
    _bulk_past_meetings(db, 990, 10)
    assert db.execute(select(func.count()).select_from(Meeting)).scalar() >= 1000
    big, rows_big = count()
    assert (rows_small, rows_big) == (10, 1000)
    assert small == big, (small, big)


# ---- the public record ------------------------------------------------------------------------

def publish(db, staff, meeting, items):
    agendas.put_agenda(session=db, actor=staff, meeting_id=meeting.id, version=agendas.get_agenda(db, meeting).version,
                       items=agenda_items(db, items))
    with mock.patch.object(mtg, "clock", lambda: meeting.starts_at - timedelta(days=30)):  # published ahead
        agendas.publish_agenda(session=db, actor=staff, meeting_id=meeting.id, clocks=fc.Clocks(),
                               today=utcnow().date(), short_notice_reason="Scheduling.")
    db.flush()


def test_public_pages_show_published_agenda_and_approved_minutes_only(db, client, staff, make_user):
    chair = person_on(db, make_user, COUNCIL, "chair")
    council = meeting_of(db, staff, COUNCIL, title="Council open session")
    publish(db, staff, council, [{"title": "Survivor panel", "presenter": "Ana Ruiz", "presenter_agency": "HHS",
                                  "duration_minutes": 30, "notes_md": "Read the **brief**."}])
    minutes = approved(db, staff, council, "Approved public text.", approver=chair)
    mins.save_minutes(session=db, actor=staff, meeting_id=council.id,
                      changes=MinutesUpdate(version=minutes.version, body_md="Draft correction text.",
                                            revision_reason="Typo."))
    mins.circulate(session=db, actor=staff, meeting_id=council.id, version=minutes.version)
    mins.add_comment(session=db, actor=person_on(db, make_user, COUNCIL, "member"), meeting_id=council.id,
                     body_md="Internal comment words.")
    spog_agenda_only = meeting_of(db, staff, SPOG, title="SPOG agenda only", starts_at="2027-05-03T10:00:00",
                                  ends_at="2027-05-03T11:00:00")
    publish(db, staff, spog_agenda_only, [{"title": "Grants update"}])
    unpublished = meeting_of(db, staff, SPOG, title="SPOG nothing published")
    draft(db, staff, unpublished, "Unpublished draft.")
    closed = meeting_of(db, staff, GRANTS, title="Closed grant review", is_open=False)
    publish(db, staff, closed, [{"title": "Secret item"}])
    approved(db, staff, closed, "Closed approved text.")

    index = main_part(page(client, "/public/"))
    titles = re.findall(r'<a href="/public/meetings/\d+">([^<]*)</a>', index)
    assert titles == ["SPOG agenda only", "Council open session"]  # newest first
    assert "Closed grant review" not in index and "SPOG nothing published" not in index

    shown = main_part(page(client, f"/public/meetings/{council.id}"))
    assert "Survivor panel" in shown and "Ana Ruiz, HHS" in shown and "<strong>brief</strong>" in shown
    assert "10:00 AM" in shown
    assert "Approved public text." in shown and "Draft correction text." not in shown
    assert "Internal comment words." not in shown and "Typo." not in shown
    assert "I hereby certify that the minutes are an accurate and complete summary" in shown
    assert htmllib.escape(chair.name) in shown
    assert "Attendance" not in shown and "Sign out" not in page(client, f"/public/meetings/{council.id}")

    agenda_only = main_part(page(client, f"/public/meetings/{spog_agenda_only.id}"))
    assert "Grants update" in agenda_only and "have not been approved yet" in agenda_only
    for m in (closed, unpublished):
        page(client, f"/public/meetings/{m.id}", status=404)
    page(client, "/public/meetings/999999", status=404)
    # Signed in or not, the public page is the same: nothing of a closed meeting.
    page(client_for(client.application, staff), f"/public/meetings/{closed.id}", status=404)


# ---- steps that cannot be undone ask first; guard rails on the page -------------------------------------

def _confirm_page_fields(html: str) -> dict[str, str]:
    form = html[html.index("<main"):html.index("</main>")]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))


@pytest.mark.parametrize("step,url,title", [
    ("circulate", "/meetings/{id}/minutes/circulate", "Circulate the minutes for comment?"),
    ("approve", "/meetings/{id}/minutes/approve", "Approve the minutes?"),
    ("mail", "/meetings/{id}/minutes/mail", "Email the approved minutes?"),
])
def test_minutes_steps_ask_first_and_change_nothing_until_confirmed(db, app, staff, step, url, title):
    m = meeting_of(db, staff)
    minutes = {"circulate": draft, "approve": circulated, "mail": approved}[step](db, staff, m)
    before = (minutes.status, minutes.version)
    outbox_before = db.execute(select(func.count()).select_from(OutboxEmail)).scalar()
    c = client_for(app, staff)
    r = c.post(url.format(id=m.id), data={"version": minutes.version})  # no confirm: the page without JavaScript
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and f"<h1>{htmllib.escape(title, quote=False)}</h1>" in html
    fields = _confirm_page_fields(html)
    assert fields.get("version", str(minutes.version)) == str(minutes.version) and "confirm" not in fields
    assert 'name="confirm" value="yes"' in html and f'href="/meetings/{m.id}/minutes' in html
    now = current(db, m)
    assert (now.status, now.version) == before
    assert db.execute(select(func.count()).select_from(OutboxEmail)).scalar() == outbox_before
    post(c, url.format(id=m.id), {"version": now.version})  # the confirmed post (the helper adds confirm=yes)
    assert current(db, m).status == {"circulate": "circulated", "approve": "approved", "mail": "approved"}[step]


def test_the_minutes_page_offers_each_step_through_its_modal(db, app, staff, make_user):
    chair = person_on(db, make_user, COUNCIL, "chair")
    m = meeting_of(db, staff, COUNCIL)
    circulated(db, staff, m)
    html = page(client_for(app, chair), f"/meetings/{m.id}/minutes")
    trigger = re.search(r'<button type="submit" form="confirm-approve-form"[^>]*>Certify</button>', html)
    assert trigger and 'aria-controls="confirm-approve"' in trigger.group(0) and "data-open-modal" in trigger.group(0)
    modal = html[html.index('id="confirm-approve"'):]
    assert "Certify the minutes?" in modal and 'name="confirm" value="yes"' in modal and "data-close-modal" in modal
    assert f'<form method="post" action="/meetings/{m.id}/minutes/approve"' in html
    assert "/static/js/pitf.js" in html and "onclick" not in html


def test_who_may_not_approve_gets_403_not_a_question(db, app, staff, make_user):
    m = meeting_of(db, staff, COUNCIL)
    minutes = circulated(db, staff, m)
    r = client_for(app, staff).post(f"/meetings/{m.id}/minutes/approve", data={"version": minutes.version})
    assert r.status_code == 403  # the secretariat does not certify a FACA body's minutes


def test_dismissing_a_proposed_action_asks_first(db, app, staff):
    m = meeting_of(db, staff)
    minutes = draft(db, staff, m, "ACTION DOJ 2027-05-01: Brief the SPOG\n")
    (action, _), = mins.proposed_actions(db, minutes)
    c = client_for(app, staff)
    html = c.post(f"/meetings/{m.id}/minutes/actions/{action.id}/dismiss").get_data(as_text=True)
    assert "Dismiss this proposed action?" in html and "Brief the SPOG" in html
    db.expire_all()
    assert db.get(type(action), action.id).state == "proposed"
    post(c, f"/meetings/{m.id}/minutes/actions/{action.id}/dismiss")
    db.expire_all()
    assert db.get(type(action), action.id).state == "dismissed"


def test_minutes_of_a_meeting_not_yet_held_offer_no_circulation_and_say_why(db, app, staff, meeting_clock):
    from datetime import UTC, datetime

    m = meeting_of(db, staff)
    minutes = draft(db, staff, m)
    meeting_clock.set(datetime(2027, 4, 1, tzinfo=UTC))
    c = client_for(app, staff)
    html = page(c, f"/meetings/{m.id}/minutes")
    assert "confirm-circulate" not in html and "The meeting has not happened yet" in text_of(html)
    refused = post(c, f"/meetings/{m.id}/minutes/circulate", {"version": minutes.version}, status=422)
    assert "The meeting has not happened yet" in text_of(refused) and current(db, m).status == "draft"


def test_the_skeleton_is_refused_on_the_page_with_the_reason(db, app, staff):
    m = meeting_of(db, staff)
    minutes = draft(db, staff, m, mins.skeleton(db, m, committee(db, SPOG)))
    refused = post(client_for(app, staff), f"/meetings/{m.id}/minutes/circulate", {"version": minutes.version},
                   status=422)
    assert "still the empty skeleton" in text_of(refused) and current(db, m).status == "draft"


def test_the_skeleton_in_the_editor_keeps_its_header_lines_apart(db, app, staff):
    m = meeting_of(db, staff, location="Room 1107")
    c = client_for(app, staff)
    r = c.post(f"/meetings/{m.id}/minutes/edit", data={"do": "skeleton", "body_md": "", "version": ""})
    body = htmllib.unescape(r.get_data(as_text=True))
    assert "- **Place:** Room 1107" in body and "- **Open to the public:** yes" in body
    preview = c.post(f"/meetings/{m.id}/minutes/edit", data={"do": "preview", "body_md": mins.skeleton(
        db, m, committee(db, SPOG)), "version": ""}).get_data(as_text=True)
    assert "<li><strong>Place:</strong> Room 1107</li>" in preview


def text_of(html: str) -> str:
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
