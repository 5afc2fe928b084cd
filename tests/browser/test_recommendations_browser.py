"""Recommendation pages in a real browser: drafting and submitting, the secretariat's moves, an agency's response;
axe-core clean at every step, error pages included."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pitf.models import utcnow
from pitf.services import rec_workflow
from pitf.services import recommendations as recs
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, cast, draft_in

pytestmark = pytest.mark.browser
TODAY = utcnow().date()


@pytest.fixture
def people(make_user):
    return cast(make_user, "author", "cosponsor", "staff", "doj")


def recommendation(db, p, *steps, title="Screen for labor trafficking in shelters"):
    rec = recs.create_draft(session=db, actor=p["author"], rec_in=draft_in({
        "title": title, "body_md": "Agencies **should** screen.", "rationale_md": "Survivors report gaps.",
        "pillar": "protection", "target_agencies": ["DOJ", "DHS"], "co_sponsor_ids": [p["cosponsor"].id],
        "report_year": 2031}))
    for step in steps:
        actor = p["author"] if step == "submitted" else p["staff"]
        rec_workflow.transition(session=db, actor=actor, rec_id=rec.id, version=rec.version, to=step, today=TODAY)
    db.flush()
    return rec


def tick(page, input_id: str) -> None:
    """Tick a USWDS checkbox or radio as a person does: by its label (the input itself is drawn off screen)."""
    page.locator(f'label[for="{input_id}"]').click()
    expect(page.locator(f"#{input_id}")).to_be_checked()


def test_council_member_drafts_edits_and_submits(page, base_url, db, people, axe):
    from tests.unit.test_rec_tracking import council_committee

    council_committee(db, "Council Committee on Services")
    db.flush()
    sign_in(page, base_url, people["author"].email, PASSWORD)
    page.goto(f"{base_url}/recommendations/")
    axe(page)
    page.get_by_role("link", name="Draft a recommendation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft a recommendation")
    page.get_by_role("button", name="Save as a draft").click()  # empty: refused at the fields
    expect(page.locator("#title-error")).to_contain_text("Enter a title.")
    axe(page)
    page.get_by_label("Title").fill("Fund survivor-led outreach")
    page.get_by_label("The recommendation").fill("Fund **survivor-led** outreach.")
    page.get_by_label("Pillar").select_option("prevention")
    tick(page, "target_agencies-DOJ")
    page.get_by_label("Drafting committee").select_option(label="Council Committee on Services")
    page.get_by_label("Report year").fill("2031")
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft: Fund survivor-led outreach")
    expect(page.locator("main")).to_contain_text("Council Committee on Services")
    axe(page)
    page.get_by_role("link", name="Edit the draft").click()
    axe(page)
    page.get_by_label("Title").fill("Fund survivor-led outreach in every state")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft: Fund survivor-led outreach in every state")
    page.wait_for_load_state("domcontentloaded")  # pitf.js, which opens the modal, has run (else: a no-script POST)
    page.get_by_role("button", name="Submit", exact=True).click()  # asks first, in a modal
    axe(page)
    page.get_by_role("dialog").get_by_role("button", name="Submit the recommendation").click()
    expect(page.locator("main")).to_contain_text("Submitted as 2031-01.")
    expect(page.get_by_role("heading", level=1)).to_have_text("2031-01: Fund survivor-led outreach in every state")
    axe(page)


def test_secretariat_opens_and_is_told_what_is_missing(page, base_url, db, people, axe):
    rec = recommendation(db, people, "submitted", "under_review")
    sign_in(page, base_url, people["staff"].email, PASSWORD)
    page.goto(f"{base_url}/recommendations/{rec.id}")
    axe(page)
    page.get_by_label("Response due from DOJ").fill((TODAY - timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Open for agency responses").click()
    expect(page.locator("#move-open-due-DOJ-error")).to_contain_text("cannot be in the past")
    axe(page)
    page.get_by_label("Response due from DOJ").fill((TODAY + timedelta(days=30)).isoformat())
    tick(page, "move-open-priority")
    page.get_by_role("button", name="Open for agency responses").click()
    expect(page.locator("main")).to_contain_text("asked to respond")
    page.get_by_role("button", name="Close as implemented").click()
    expect(page.locator("#move-closed_implemented-note-error")).to_be_visible()
    axe(page)


def test_liaison_files_a_response_with_commitments(page, base_url, db, people, axe):
    rec = recommendation(db, people, "submitted", "under_review", "open")
    sign_in(page, base_url, people["doj"].email, PASSWORD)
    page.goto(f"{base_url}/recommendations/")
    expect(page).to_have_url(re.compile(r"agency=DOJ&status=open&sort=due"))
    axe(page)
    page.get_by_role("link", name="Screen for labor trafficking in shelters").click()
    expect(page.get_by_role("heading", name="Respond for DOJ")).to_be_visible()
    axe(page)
    tick(page, "position-0")
    page.get_by_label("Explanation").fill("DOJ concurs and commits.")
    page.locator("#new_items-0-title").fill("Update the shelter screening guide")
    page.locator("#new_items-0-due_date").fill((TODAY + timedelta(days=90)).isoformat())
    page.locator("#new_items-1-description_md").fill("A commitment without a title.")
    page.get_by_role("button", name="File the response").click()
    expect(page.locator("#new_items-1-title-error")).to_be_visible()
    expect(page.locator("#new_items-0-title")).to_have_value("Update the shelter screening guide")
    axe(page)
    page.locator("#new_items-1-title").fill("Train grantees")
    page.locator("#new_items-1-due_date").fill((TODAY + timedelta(days=120)).isoformat())
    page.get_by_role("button", name="File the response").click()
    expect(page.locator("main")).to_contain_text("DOJ's response is filed (revision 1)")
    expect(page.locator("#response-DOJ")).to_contain_text("Train grantees")
    expect(page.get_by_role("heading", name="Revise DOJ's response")).to_be_visible()
    axe(page)
    assert rec.id
