"""The notification pages: the bell in the header, the list, read marks, and the preferences page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from pitf.models import AuditEntry, Meeting, Notification, User, utcnow

BELL = re.compile(r'<a href="/notifications"[^>]*>Notifications(.*?)</a>', re.S)


def note(db, user, title="Item assigned", *, url="/action-items/7", minutes_ago=0, read=False, body=""):
    created = utcnow() - timedelta(minutes=minutes_ago)
    row = Notification(user_id=user.id, kind="action_item_assigned", title=title, body=body, url=url,
                       created_at=created, read_at=created if read else None)
    db.add(row)
    db.flush()
    return row


def bell(html: str) -> str | None:
    """The unread count the header's bell shows ("" when none)."""
    match = BELL.search(html)
    assert match, "the header has no Notifications link"
    count = re.search(r'<span class="usa-tag">([^<]+)</span><span class="usa-sr-only"> unread</span>', match.group(1))
    return count.group(1) if count else ""


def page(client, url, status=200) -> str:
    r = client.get(url)
    assert r.status_code == status, r.get_data(as_text=True)[:2000]
    return r.get_data(as_text=True)


def main_part(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


# ---- the bell ----------------------------------------------------------------------------------

def test_bell_shows_the_unread_count_of_the_signed_in_user_only(db, client_as, make_user):
    c = client_as("liaison", agency="DOJ")
    assert bell(page(c, "/agencies")) == ""
    for k in range(3):
        note(db, c.user, f"Mine {k}")
    note(db, c.user, "Already read", read=True)
    note(db, make_user("viewer"), "Someone else's")
    html = page(c, "/agencies")
    assert bell(html) == "3"
    assert 'Notifications <span class="usa-tag">3</span><span class="usa-sr-only"> unread</span>' in html


def test_bell_shows_99_plus_for_many(db, client_as):
    c = client_as("viewer")
    db.add_all([Notification(user_id=c.user.id, kind="escalation", title=f"N{k}", created_at=utcnow())
                for k in range(120)])
    db.flush()
    assert bell(page(c, "/agencies")) == "99+"


def test_no_bell_for_anonymous_visitors(client):
    html = client.get("/login", follow_redirects=True).get_data(as_text=True)
    assert not BELL.search(html)


def test_bell_costs_one_query_whatever_the_number_of_notifications(db, client_as, count_queries):
    c = client_as("secretariat")

    def counted(url):
        with count_queries() as q:
            page(c, url)
        return q.count, [s for s in q.statements if re.search(r"\bFROM notification\b", s, re.I)]

    empty = {url: counted(url) for url in ("/agencies", "/notifications")}
    for k in range(40):
        note(db, c.user, f"N{k}", read=k % 2 == 0)
    full = {url: counted(url) for url in ("/agencies", "/notifications")}
    assert {u: n for u, (n, _) in empty.items()} == {u: n for u, (n, _) in full.items()}
    # On a page that is not about notifications, the bell's COUNT is the only statement touching them.
    assert len(full["/agencies"][1]) == 1 and "count" in full["/agencies"][1][0].lower()
    # The list page shares the bell's count: the bell, the page's count and the page itself.
    assert len(full["/notifications"][1]) == 3


# ---- the list ----------------------------------------------------------------------------------

def test_list_shows_own_notifications_newest_first_with_unread_filter(db, client_as, make_user):
    c = client_as("liaison", agency="DOJ")
    from tests.factories import committee

    open_meeting = Meeting(committee_id=committee(db, "Victim Services").id, title="Open", starts_at=utcnow(),
                           ends_at=utcnow() + timedelta(hours=1))  # an open meeting: every reader may see it
    db.add(open_meeting)
    db.flush()
    note(db, c.user, "Oldest, read", minutes_ago=30, read=True, url=f"/meetings/{open_meeting.id}")
    note(db, c.user, "Middle", minutes_ago=20, body="Due in 7 days.")
    note(db, c.user, "Newest", minutes_ago=10)
    note(db, make_user("viewer"), "Not yours")
    html = main_part(page(c, "/notifications"))
    assert html.index("Newest") < html.index("Middle") < html.index("Oldest, read")
    assert "Not yours" not in html and "Due in 7 days." in html
    assert "Unread (2)" in html and "Mark all 2 as read" in html
    assert f'<a href="/meetings/{open_meeting.id}">Oldest, read</a>' in html  # a read one links to its object
    unread = main_part(page(c, "/notifications?unread=1"))
    assert "Newest" in unread and "Middle" in unread and "Oldest, read" not in unread


def test_list_pages(db, client_as):
    c = client_as("viewer")
    for k in range(30):
        note(db, c.user, f"Notice number {k:02d}", minutes_ago=k)
    first = main_part(page(c, "/notifications"))
    assert "Notice number 00" in first and "Notice number 24" in first and "Notice number 25" not in first
    second = main_part(page(c, "/notifications?page=2"))
    assert "Notice number 25" in second and "Notice number 29" in second and "Notice number 00" not in second
    assert "26 to 30 of 30" in second
    assert "Nothing on this page" not in second
    page(c, "/notifications?page=abc", status=422)
    assert "You have no unread notifications." not in main_part(page(c, "/notifications?page=9"))


def test_list_needs_a_sign_in(client):
    r = client.get("/notifications")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_mark_one_read_returns_to_the_list(db, client_as):
    c = client_as("viewer")
    first, second = note(db, c.user, "First"), note(db, c.user, "Second")
    r = c.post(f"/notifications/{first.id}/read", data={"next": "/notifications?unread=1"})
    assert r.status_code == 302 and r.headers["Location"] == "/notifications?unread=1"
    db.refresh(first)
    db.refresh(second)
    assert first.read_at is not None and second.read_at is None
    html = page(c, "/notifications?unread=1")
    assert bell(html) == "1" and "Marked as read." in html
    # An address off the site is not followed.
    r = c.post(f"/notifications/{second.id}/read", data={"next": "//evil.example/x"})
    assert r.headers["Location"] == "/notifications"


def test_open_marks_read_and_goes_to_the_object(db, client_as):
    c = client_as("liaison", agency="DOJ")
    n = note(db, c.user, "Overdue: train task forces", url="/action-items/42#update")
    html = page(c, "/notifications")
    assert f'action="/notifications/{n.id}/read?go=1"' in html
    r = c.post(f"/notifications/{n.id}/read?go=1")
    assert r.status_code == 302 and r.headers["Location"] == "/action-items/42#update"
    db.refresh(n)
    assert n.read_at is not None
    assert bell(page(c, "/agencies")) == ""


def test_open_never_redirects_off_the_site(db, client_as):
    c = client_as("viewer")
    n = note(db, c.user, "Odd link", url="//evil.example/phish")
    r = c.post(f"/notifications/{n.id}/read?go=1")
    assert r.status_code == 302 and r.headers["Location"] == "/notifications"


def test_mark_all_read(db, client_as, make_user):
    c = client_as("viewer")
    mine = [note(db, c.user, f"N{k}") for k in range(4)]
    theirs = note(db, make_user("viewer"), "Theirs")
    r = c.post("/notifications/read-all", data={"next": "/notifications"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "4 notifications marked as read." in html and bell(html) == ""
    for n in [*mine, theirs]:
        db.refresh(n)
    assert all(n.read_at is not None for n in mine) and theirs.read_at is None
    again = c.post("/notifications/read-all", follow_redirects=True).get_data(as_text=True)
    assert "You had no unread notifications." in again


def test_someone_elses_notification_is_not_found(db, client_as, make_user):
    c = client_as("admin")  # not even an administrator reads another person's notifications
    theirs = note(db, make_user("viewer"), "Theirs")
    assert c.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert c.post(f"/notifications/{theirs.id}/read?go=1").status_code == 404
    assert c.post("/notifications/99999999999/read").status_code == 404
    db.refresh(theirs)
    assert theirs.read_at is None


# ---- preferences -------------------------------------------------------------------------------

def form_of(db, user, **over) -> dict:
    from pitf.services.reminders import KINDS

    data = {f"pref_{k}": "email" for k in KINDS}
    data.update({"digest_enabled": "y", "timezone": "America/New_York"})
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_preferences_page_shows_a_choice_per_kind_and_current_values(db, client_as):
    from pitf.services.reminders import KINDS

    c = client_as("liaison", agency="DOJ")
    c.user.notification_prefs = {"action_overdue": "in_app"}
    db.flush()
    html = main_part(page(c, "/account/notifications"))
    assert html.count('<fieldset class="usa-fieldset') == len(KINDS)
    assert html.count("Email and in the app") == len(KINDS) and html.count("In the app only") == len(KINDS)
    assert re.search(r'<input checked[^>]*name="pref_action_overdue"[^>]*value="in_app"', html)
    assert re.search(r'<input checked[^>]*name="pref_action_due"[^>]*value="email"', html)
    assert re.search(r'<input [^>]*\bchecked\b[^>]*id="digest_enabled"', html)
    assert '<option selected value="America/New_York">' in html
    assert "assignments and escalations always reach you there" in html


def test_preferences_saved(db, client_as):
    c = client_as("liaison", agency="DOJ")
    data = form_of(db, c.user, pref_action_due="in_app", pref_escalation="in_app", digest_enabled=None,
                   timezone="America/Los_Angeles")
    r = c.post("/account/notifications", data=data)
    assert r.status_code == 302 and r.headers["Location"] == "/account/notifications"
    db.expire_all()
    user = db.get(User, c.user.id)
    assert user.notification_prefs["action_due"] == "in_app" and user.notification_prefs["escalation"] == "in_app"
    assert user.notification_prefs["action_overdue"] == "email"
    assert user.digest_enabled is False and user.timezone == "America/Los_Angeles"
    html = page(c, "/account/notifications")
    assert "Your notification preferences are saved." in html
    assert re.search(r'<input checked[^>]*name="pref_action_due"[^>]*value="in_app"', html)
    assert not re.search(r'<input [^>]*\bchecked\b[^>]*id="digest_enabled"', html)
    assert db.execute(select(AuditEntry).where(AuditEntry.action == "user.notification_preferences",
                                               AuditEntry.object_id == user.id)).scalar() is not None


@pytest.mark.parametrize("over, message", [
    ({"pref_no_such_kind": "email"}, "Unknown kind of notification."),
    ({"pref_action_due": "sms"}, "Choose email and in the app, or in the app only."),
    ({"timezone": "Mars/Olympus_Mons"}, "Choose a time zone from the list."),
])
def test_bad_preferences_are_form_errors_and_change_nothing(db, client_as, over, message):
    c = client_as("viewer")
    data = form_of(db, c.user, digest_enabled=None, pref_action_overdue="in_app", timezone="UTC")
    data.update(over)
    r = c.post("/account/notifications", data=data)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    db.expire_all()
    user = db.get(User, c.user.id)
    assert user.notification_prefs == {} and user.digest_enabled is True and user.timezone == "America/New_York"


def test_profile_links_to_the_preferences(client_as):
    html = page(client_as("viewer"), "/account/")
    assert 'href="/account/notifications"' in html


def test_an_error_page_after_a_failed_transaction_still_renders_without_the_count(app, db, client_as, dialect):
    from sqlalchemy import text

    from pitf.db import get_session

    def broken():
        session = get_session()
        session.execute(text("SELECT no_such_column FROM no_such_table"))  # aborts the transaction

    def swallowed():
        from flask import abort
        from sqlalchemy.exc import OperationalError, ProgrammingError

        try:
            broken()
        except (ProgrammingError, OperationalError):
            abort(409)  # an error page rendered on the failed transaction

    app.add_url_rule("/test-broken", "test_broken", swallowed)
    c = client_as("viewer")
    note(db, c.user, "Unread")
    r = c.get("/test-broken")
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    # SQLite's transaction survives the failed statement; PostgreSQL's is aborted: no count, but a page.
    assert bell(html) == ("" if dialect == "postgresql" else "1")
    assert bell(page(c, "/agencies")) == "1"


def test_status_request_link_lands_on_the_update_form(app, db, make_user):
    """A DOJ liaison follows the link of a status request straight to the item's update form."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from pitf.models import Notification
    from pitf.scheduler import run_job
    from pitf.services import actions
    from tests.conftest import sign_in_client
    from tests.factories import committee

    staff = make_user("secretariat")
    liaison = make_user("liaison", agency="DOJ")
    item = actions.create_action_item(session=db, actor=staff, data={
        "title": "Quiet commitment", "committee_id": committee(db, "Victim Services").id, "lead_agency": "DOJ",
        "due_date": "2030-01-01", "pillar": "prevention"}, notify_agency=False)
    item.created_at = datetime.now(UTC) - timedelta(days=31)
    db.flush()
    run_job(app, "reminders")
    db.expire_all()
    note = db.execute(select(Notification).where(Notification.user_id == liaison.id,
                                                 Notification.kind == "status_request")).scalar_one()
    assert note.url == f"/action-items/{item.id}#update"
    client = app.test_client()
    sign_in_client(client, liaison)
    response = client.post(f"/notifications/{note.id}/read?go=1")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/action-items/{item.id}#update")
    page = client.get(f"/action-items/{item.id}").get_data(as_text=True)
    assert 'id="update"' in page and "Post an update" in page
