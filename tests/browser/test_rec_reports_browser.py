"""The recommendations dashboard and annual report in a real browser: axe-core clean, the order kept by keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, cast
from tests.unit.test_rec_reports import build

pytestmark = pytest.mark.browser


@pytest.fixture
def people(make_user):
    return cast(make_user, "author", "council", "staff", "doj", "dhs", "viewer")


def test_dashboard_and_report_pages_are_accessible(page, base_url, db, people, axe):
    build(db, people)
    db.flush()
    sign_in(page, base_url, people["doj"].email, PASSWORD)
    for path, heading in (("/recommendations/dashboard", "Recommendations dashboard"),
                          ("/recommendations/dashboard?year=2027", "Recommendations dashboard"),
                          ("/recommendations/report/2027", "Annual Report 2027"),
                          ("/recommendations/report/2027?by=committee", "Annual Report 2027"),
                          ("/recommendations/report/2031", "Annual Report 2031")):
        response = page.goto(f"{base_url}{path}")
        assert response is not None and response.status == 200, path
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        axe(page)
    expect(page.locator("main")).to_contain_text("No recommendations were filed for 2031.")


def test_council_member_reorders_the_report_by_keyboard(page, base_url, db, people, axe):
    f = build(db, people)
    db.flush()
    sign_in(page, base_url, people["council"].email, PASSWORD)
    page.goto(f"{base_url}/recommendations/report/2027")
    page.get_by_role("link", name="Change the order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Order of the 2027 annual report")
    axe(page)
    button = page.get_by_role("button", name="Move up 2027-03")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Moved 2027-03 to place 2 of 5.")
    rows = page.get_by_role("row")
    expect(rows.nth(2)).to_contain_text(f"2027-03: {f['r3'].title}")
    axe(page)
    page.goto(f"{base_url}/recommendations/report/2027")
    headings = page.locator("main section[id^=group-] h3")  # the recommendations, within their pillar
    expect(headings).to_have_text([f"{f[k].number}: {f[k].title}" for k in ("r1", "r3", "r2", "r4", "r5")])
