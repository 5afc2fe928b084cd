"""The .gov banner by keyboard, and the pages whose navigation changed, axe-core clean at 1280 and 320 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

WIDTHS = [1280, 320]


@pytest.mark.parametrize("width", WIDTHS)
def test_gov_banner_opens_and_closes_by_keyboard(page, base_url, axe, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{base_url}/login")
    button = page.get_by_role("button", name=re.compile("how you know"))
    explanation = page.get_by_text("Official websites use .gov")
    expect(explanation).to_be_hidden()
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(explanation).to_be_visible()
    expect(page.get_by_text("Secure .gov websites use HTTPS")).to_be_visible()
    axe(page)
    page.keyboard.press("Space")
    expect(explanation).to_be_hidden()


@pytest.mark.parametrize("width", WIDTHS)
def test_public_records_from_the_sign_in_page(page, base_url, app, db, axe, width):
    from pitf.demo import load_demo

    load_demo(db, app.instance_path)
    db.flush()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{base_url}/login")
    page.get_by_role("main").get_by_role("link", name="public meeting records").click()
    expect(page).to_have_url(f"{base_url}/public/")
    expect(page.get_by_role("region", name="Official website of the United States government")).to_be_visible()
    axe(page)
    page.get_by_role("main").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/public/meetings/\d+$"))
    expect(page.get_by_role("navigation", name="Breadcrumbs")).to_be_visible()
    axe(page)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("role", "path"), [
    ("secretariat", "/recommendations/"), ("secretariat", "/meetings/"), ("secretariat", "/minutes/due"),
    ("admin", "/admin/users"), ("viewer", "/notifications"), ("viewer", "/no-such-page")])
def test_changed_pages_are_accessible(page, base_url, make_user, axe, role, path, width):
    user = make_user(role)
    sign_in(page, base_url, user.email, PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{base_url}{path}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page)
    if width == 320 and path != "/admin/users":  # reflow, data tables excepted (WCAG 2.1 1.4.10)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_minutes_due_by_clicking_from_the_meetings_list(page, base_url, make_user):
    user = make_user("secretariat")
    sign_in(page, base_url, user.email, PASSWORD)
    page.get_by_role("link", name="Meetings", exact=True).first.click()
    page.get_by_role("link", name="Minutes still to approve").click()
    expect(page).to_have_url(f"{base_url}/minutes/due")
    expect(page.get_by_role("navigation", name="Breadcrumbs")).to_contain_text("Meetings")
