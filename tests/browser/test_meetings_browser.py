"""Meetings in a real browser: the agenda reordered by keyboard, and axe-core on every meeting page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pitf.models import Membership
from pitf.services import meetings as mtg
from pitf.services import minutes as mins
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, committee

pytestmark = pytest.mark.browser

SPOG = "Senior Policy Operating Group"
COUNCIL = "U.S. Advisory Council on Human Trafficking"


@pytest.fixture
def planned(db, make_user):
    staff = make_user("secretariat")
    m = mtg.create_meeting(session=db, actor=staff, data={
        "committee_id": committee(db, SPOG).id, "title": "SPOG quarterly meeting",
        "starts_at": "2027-03-15T10:00:00", "ends_at": "2027-03-15T11:00:00", "location": "Truman Building"})
    mtg.put_agenda(session=db, actor=staff, meeting_id=m.id, version=mtg.get_agenda(db, m).version, items=[
        {"title": "Opening", "duration_minutes": 10}, {"title": "Supply chains", "duration_minutes": 30},
        {"title": "Next steps", "duration_minutes": 30}])
    db.flush()
    return staff, m


def titles(page):
    return [t.strip() for t in page.locator("#items-heading ~ * th[scope=row], #items-heading ~ * .pitf-agenda-title")
            .all_inner_texts()]


def test_agenda_reordered_with_the_keyboard_only(page, base_url, planned, axe):
    staff, m = planned
    sign_in(page, base_url, staff.email, PASSWORD)
    page.goto(f"{base_url}/meetings/{m.id}/agenda")
    expect(page.get_by_text("runs 10 minutes past")).to_be_visible()
    axe(page)
    button = page.get_by_role("button", name="Move 'Next steps' up")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Move 'Next steps' up")).to_be_visible()
    main = page.locator("main").inner_text()
    assert main.index("Opening") < main.index("Next steps") < main.index("Supply chains")
    db_view = None
    del db_view


def test_meeting_pages_are_accessible(page, base_url, planned, axe, db):
    staff, m = planned
    minutes = mins.save_minutes(session=db, actor=staff, meeting_id=m.id, version=None,
                                body_md="# Minutes\n\nACTION DOJ 2027-04-01: Share the protocol\n")
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    db.flush()
    sign_in(page, base_url, staff.email, PASSWORD)
    for path in ("/meetings/", f"/meetings/{m.id}", "/meetings/new", f"/meetings/{m.id}/edit",
                 f"/meetings/{m.id}/copy", f"/meetings/{m.id}/cancel", f"/meetings/{m.id}/attendance",
                 f"/meetings/{m.id}/agenda/print", f"/meetings/{m.id}/minutes", f"/meetings/{m.id}/minutes/edit",
                 f"/meetings/{m.id}/minutes/revisions", "/minutes/due", f"/meetings/{m.id}/attachments"):
        page.goto(f"{base_url}{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe(page)


def test_council_chair_certifies_and_public_page(page, base_url, make_user, db, axe):
    staff = make_user("secretariat")
    chair = make_user("council")
    db.add(Membership(committee_id=committee(db, COUNCIL).id, user_id=chair.id, role="chair"))
    m = mtg.create_meeting(session=db, actor=staff, data={
        "committee_id": committee(db, COUNCIL).id, "title": "Council meeting", "starts_at": "2026-10-05T10:00:00",
        "ends_at": "2026-10-05T12:00:00", "federal_register_notice_date": "2026-09-15"})
    mtg.put_agenda(session=db, actor=staff, meeting_id=m.id, version=mtg.get_agenda(db, m).version,
                   items=[{"title": "Findings on shelters"}])
    mtg.publish_agenda(session=db, actor=staff, meeting_id=m.id, clocks=mtg.Clocks(),
                       today=__import__("datetime").date(2026, 9, 1))
    minutes = mins.save_minutes(session=db, actor=staff, meeting_id=m.id, version=None, body_md="Findings heard.")
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    db.flush()
    sign_in(page, base_url, chair.email, PASSWORD)
    page.goto(f"{base_url}/meetings/{m.id}/minutes")
    expect(page.locator("main")).to_contain_text("accurate and complete summary")
    axe(page)
    page.get_by_role("button", name="Certify").first.click()
    expect(page.locator("main")).to_contain_text(chair.name)
    axe(page)
    page.goto(f"{base_url}/public/meetings/{m.id}")
    expect(page.locator("main")).to_contain_text("Findings heard.")
    axe(page)
