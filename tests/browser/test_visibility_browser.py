"""In a real browser: the dashboard links the meetings a user may see (a closed one for its members), and an
action item from a closed meeting tells a non-member so in words; both pages axe-clean at 1280 and 320 px."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pitf.models import Membership, utcnow
from pitf.services import actions
from pitf.services import meetings as mtg
from pitf.services.timeutil import to_local
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, committee, meeting_in

pytestmark = pytest.mark.browser

GRANTS = "Grantmaking"
TITLE = "Quokka closed planning session"


def _local(instant) -> str:
    return to_local(instant, "America/New_York").replace(tzinfo=None).isoformat(timespec="seconds")


@pytest.fixture
def scene(db, make_user):
    staff = make_user("secretariat")
    member = make_user("viewer")
    db.add(Membership(committee_id=committee(db, GRANTS).id, user_id=member.id, role="member"))
    start = utcnow().replace(microsecond=0) + timedelta(days=3)
    meeting = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, GRANTS).id, "title": TITLE, "is_open": False,
        "starts_at": _local(start), "ends_at": _local(start + timedelta(hours=1))}))
    db.flush()
    item = actions.create_action_item(session=db, actor=staff, data={
        "title": "Share the screening protocol", "committee_id": committee(db, GRANTS).id, "lead_agency": "DOJ",
        "due_date": "2031-01-15", "pillar": "protection", "meeting_id": meeting.id})
    db.flush()
    return {"member": member, "meeting": meeting, "item": item, "outsider": make_user("liaison", agency="DHS")}


@pytest.mark.parametrize("width", [1280, 320])
def test_a_member_reaches_the_closed_meeting_from_the_dashboard(page, base_url, scene, axe, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base_url, scene["member"].email, PASSWORD)
    page.goto(f"{base_url}/dashboard")
    link = page.get_by_role("link", name=TITLE)
    expect(link).to_be_visible()
    axe(page)
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base_url}/meetings/{scene['meeting'].id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


@pytest.mark.parametrize("width", [1280, 320])
def test_a_non_member_reads_the_item_without_the_closed_meeting(page, base_url, scene, axe, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base_url, scene["outsider"].email, PASSWORD)
    page.goto(f"{base_url}/action-items/{scene['item'].id}")
    expect(page.get_by_text("From a closed meeting")).to_be_visible()
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)
    assert TITLE not in page.content()
    axe(page)
    page.goto(f"{base_url}/dashboard")
    assert TITLE not in page.content()
