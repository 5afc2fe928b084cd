"""Action items in a real browser: a liaison updates a commitment and meets a colleague's conflicting update."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from pitf.services import actions
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, committee

pytestmark = pytest.mark.browser


@pytest.fixture
def doj_item(db, make_user):
    staff = make_user("secretariat")
    item = actions.create_action_item(session=db, actor=staff, data={
        "title": "Trauma-informed training for task forces", "description_md": "Train **every** task force.",
        "committee_id": committee(db, "Victim Services").id, "lead_agency": "DOJ", "supporting_agencies": ["HHS"],
        "due_date": (date.today() - timedelta(days=4)).isoformat(), "pillar": "protection"})
    db.flush()
    return item


def test_liaison_updates_a_commitment_and_meets_the_conflict(page, base_url, make_user, db, doj_item, axe):
    liaison = make_user("liaison", agency="DOJ")
    colleague = make_user("liaison", agency="DOJ")
    sign_in(page, base_url, liaison.email, PASSWORD)

    # The liaison finds the overdue item in their agency's list.
    page.goto(f"{base_url}/action-items/")
    row = page.get_by_role("row").filter(has_text="Trauma-informed training")
    expect(row).to_contain_text("Overdue")
    axe(page)
    row.get_by_role("link", name="Trauma-informed training for task forces").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trauma-informed training for task forces")
    axe(page)

    # A first update goes into the timeline.
    page.get_by_label("Status").select_option("in_progress")
    page.get_by_label("Note").fill("Curriculum drafted with HHS.")
    page.get_by_role("button", name="Post update").click()
    expect(page.locator("main")).to_contain_text("Curriculum drafted with HHS.")

    # While the liaison types a second update, a colleague posts one from their own session.
    page.get_by_label("Status").select_option("blocked")
    page.get_by_label("Note").fill("Waiting on contract approval.")
    db.expire_all()
    current = actions.get_action_item(session=db, actor=colleague, item_id=doj_item.id)
    actions.post_status_update(session=db, actor=colleague, item_id=doj_item.id, version=current.version,
                               status="done", note_md="Delivered the last session today.")
    db.flush()
    page.get_by_role("button", name="Post update").click()

    # The second submit does not overwrite: both changes are on screen, and the typed note is kept.
    expect(page.get_by_role("alert").first).to_contain_text("Someone else")
    expect(page.locator("main")).to_contain_text("Delivered the last session today.")
    expect(page.get_by_label("Note")).to_have_value("Waiting on contract approval.")
    axe(page)
    db.expire_all()
    assert actions.get_action_item(session=db, actor=colleague, item_id=doj_item.id).status == "done"

    # Resubmitting deliberately goes through.
    page.get_by_role("button", name="Post my update now").click()
    expect(page.locator("main")).to_contain_text("Waiting on contract approval.")


def test_scorecards_and_new_item_form_are_accessible(page, base_url, make_user, doj_item, axe):
    staff = make_user("secretariat")
    sign_in(page, base_url, staff.email, PASSWORD)
    for path in ("/scorecards/", "/scorecards/DOJ", "/action-items/new", "/action-items/import",
                 f"/action-items/{doj_item.id}/edit"):
        page.goto(f"{base_url}{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe(page)
