"""Finding one's way: pages linked for the roles that may use them, no control that answers 403, the .gov
banner, breadcrumbs and the header's section marker, the favicon."""

from __future__ import annotations

import re

import pytest

from pitf.permissions import SYSTEM
from pitf.services import rec_workflow
from pitf.services import recommendations as recs
from tests.conftest import sign_in_client
from tests.factories import draft_in


def as_(app, user):
    client = app.test_client()
    sign_in_client(client, user)
    return client


def page(client, url, status=200) -> str:
    r = client.get(url, follow_redirects=True)
    assert r.status_code == status, r.get_data(as_text=True)[:1000]
    return r.get_data(as_text=True)


def main_part(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


# ---- a recommendation's Attachments button --------------------------------------------------------

@pytest.fixture
def submitted(db, make_user):
    author = make_user("council")
    rec = recs.create_draft(session=db, actor=author, rec_in=draft_in({
        "title": "Screen shelters", "body_md": "Screen for labor trafficking.", "pillar": "protection",
        "target_agencies": ["DOJ"]}))
    db.flush()
    rec_workflow.transition(session=db, actor=author, rec_id=rec.id, version=rec.version, to="submitted")
    db.flush()
    return rec


@pytest.mark.parametrize("role, agency, shown", [
    ("viewer", None, False), ("liaison", "DOL", False), ("liaison", "DOJ", True), ("council", None, True),
    ("secretariat", None, True), ("admin", None, True)])
def test_attachments_button_only_for_who_may_read_the_documents(app, make_user, submitted, role, agency, shown):
    client = as_(app, make_user(role, agency=agency))
    html = page(client, f"/recommendations/{submitted.id}")
    link = f'href="/recommendations/{submitted.id}/attachments"'
    assert (link in html) is shown
    # the button, when shown, opens; when hidden, the page behind it would have refused
    assert client.get(f"/recommendations/{submitted.id}/attachments").status_code == (200 if shown else 403)


# ---- pages reached by clicking --------------------------------------------------------------------

@pytest.mark.parametrize("role", ["viewer", "liaison", "council", "secretariat", "admin"])
def test_recommendations_list_links_its_dashboard_and_the_annual_report(app, make_user, role):
    html = page(as_(app, make_user(role, agency="DOJ" if role == "liaison" else None)), "/recommendations/")
    assert 'href="/recommendations/dashboard"' in html
    year = re.search(r'href="/recommendations/report/(\d{4})"', html)
    assert year, "no link to the annual report"
    assert "The Council&#39;s annual report" in html or "The Council's annual report" in html


def test_annual_report_link_goes_to_the_newest_year_with_recommendations(app, db, submitted, make_user):
    html = page(as_(app, make_user("viewer")), "/recommendations/")
    assert f'href="/recommendations/report/{submitted.report_year}"' in html


@pytest.mark.parametrize("role, chairs, shown", [
    ("secretariat", None, True), ("admin", None, True), ("viewer", None, False), ("liaison", None, False),
    ("liaison", "co_chair", True), ("council", "chair", True), ("council", "member", False)])
def test_minutes_due_linked_for_staff_and_chairs_only(app, db, make_user, role, chairs, shown):
    from pitf.services import org
    from tests.factories import committee

    user = make_user(role, agency="DHS" if role == "liaison" else None)
    if chairs:
        org.add_membership(session=db, actor=SYSTEM, committee=committee(db, "Victim Services"), role=chairs,
                           user_id=user.id)
        db.flush()
    client = as_(app, user)
    for url in ("/meetings/", "/dashboard"):
        assert ('href="/minutes/due"' in page(client, url)) is shown, url
    assert client.get("/minutes/due").status_code == (200 if shown else 403)


def test_sign_in_page_links_the_public_records(client):
    html = page(client, "/login")
    assert 'href="/public/"' in main_part(html)


def test_every_signed_in_page_links_the_public_records(app, make_user):
    html = page(as_(app, make_user("viewer")), "/dashboard")
    assert 'href="/public/"' in html


# ---- the .gov banner --------------------------------------------------------------------------------

BANNER_PARTS = ['class="usa-banner"', "An official website of the United States government",
                'class="usa-accordion__button usa-banner__button" aria-expanded="false" aria-controls="gov-banner"',
                'id="gov-banner" hidden', "Official websites use .gov", "Secure .gov websites use HTTPS",
                "uswds/js/uswds.min.js"]


@pytest.mark.parametrize("url", ["/login", "/public/", "/no-such-page"])
def test_public_and_sign_in_pages_carry_the_full_gov_banner(client, url):
    html = client.get(url).get_data(as_text=True)
    for part in BANNER_PARTS:
        assert part in html, part
    assert "how you know" in html


def test_public_meeting_page_carries_the_banner_and_leads_back(app, db, client):
    from pitf.demo import load_demo

    load_demo(db, app.instance_path)
    db.flush()
    index = page(client, "/public/")
    first = re.search(r'href="(/public/meetings/\d+)"', index)
    assert first, "the demo has an open meeting with approved minutes"
    html = page(client, first.group(1))
    for part in BANNER_PARTS:
        assert part in html, part
    assert 'class="usa-breadcrumb"' in html and 'href="/public/"' in html
    assert 'href="/login"' in html


def test_signed_in_pages_carry_the_full_gov_banner(app, make_user):
    html = page(as_(app, make_user("viewer")), "/dashboard")
    for part in BANNER_PARTS:
        assert part in html, part


# ---- where the user is ------------------------------------------------------------------------------

def current_nav(html: str) -> list[str]:
    return re.findall(r'class="usa-nav-link usa-current"[^>]*><span>([^<]+)</span>', html)


@pytest.mark.parametrize("url, section", [
    ("/minutes/due", "Meetings"), ("/recommendations/dashboard", "Recommendations"),
    ("/action-items/import", "Action items"), ("/agencies/DOJ", "Agencies"), ("/committees", "Committees"),
    ("/admin/users", "Administration"), ("/meetings/999999", "Meetings")])
def test_header_marks_the_section_of_every_page(app, make_user, url, section):
    client = as_(app, make_user("admin"))
    r = client.get(url)
    assert current_nav(r.get_data(as_text=True)) == [section], url


@pytest.mark.parametrize("url, link", [("/notifications", "/notifications"), ("/account/", "/account/"),
                                       ("/account/notifications", "/notifications")])
def test_secondary_links_show_where_the_user_is(app, make_user, url, link):
    html = page(as_(app, make_user("viewer")), url)
    assert re.search(rf'<a href="{re.escape(link)}" class="usa-current"', html)
    assert current_nav(html) == []


@pytest.mark.parametrize("url, trail, current", [
    ("/admin/users", ["Administration"], "People"), ("/admin/users/new", ["Administration", "People"], None),
    ("/admin/agencies/new", ["Administration"], None), ("/admin/audit", ["Administration"], "Audit log"),
    ("/admin/jobs", ["Administration"], "Scheduled jobs"), ("/admin/outbox", ["Administration"], "Email outbox"),
    ("/admin/reminders", ["Administration"], "Reminder settings"),
    ("/minutes/due", ["Meetings"], None), ("/no-such-page", ["Dashboard"], "Page not found")])
def test_breadcrumbs_on_pages_outside_the_header_sections(app, make_user, url, trail, current):
    html = main_part(as_(app, make_user("admin")).get(url).get_data(as_text=True))
    crumbs = re.findall(r'class="usa-breadcrumb__link" href="[^"]+"><span>([^<]+)</span>', html)
    assert crumbs == trail
    here = re.search(r'usa-current" aria-current="page"><span>([^<]+)</span>', html)
    assert here
    if current:
        assert here.group(1) == current
    assert html.count('class="usa-breadcrumb"') == 1


# ---- small things ---------------------------------------------------------------------------------

def test_favicon_is_served_where_browsers_ask_and_where_pages_link(client):
    for url in ("/favicon.ico", re.search(r'<link rel="icon" href="([^"]+)"', page(client, "/login")).group(1)):
        r = client.get(url)
        assert r.status_code == 200 and r.get_data()[:4] == b"\x00\x00\x01\x00", url
        r.close()


def test_mark_all_as_read_is_not_a_danger_button(app, db, make_user):
    from pitf.models import Notification, utcnow

    user = make_user("viewer")
    db.add(Notification(user_id=user.id, kind="escalation", title="Something", created_at=utcnow()))
    db.flush()
    html = page(as_(app, user), "/notifications")
    button = re.search(r'<button[^>]*>Mark all 1 as read</button>', html)
    assert button and "usa-button--secondary" not in button.group(0)


@pytest.fixture
def csrf_settings(settings):
    return {**settings, "WTF_CSRF_ENABLED": True}


@pytest.mark.parametrize("url", ["/account/", "/admin/users/1"])
def test_pages_with_several_forms_use_each_id_once(connection, csrf_settings, make_user, url):
    from tests.conftest import make_app

    app = make_app(csrf_settings, connection)
    db = app.extensions["pitf_db"].sessionmaker()
    from tests.factories import create_user

    admin = create_user(db, role="admin")
    db.flush()
    html = page(as_(app, admin), url.replace("/1", f"/{admin.id}"))
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert html.count('name="csrf_token"') > 1
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    db.close()
