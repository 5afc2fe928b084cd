"""The pages in a real browser: signing in and out, keyboard access, and axe-core's WCAG 2.1 AA checks."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, committee

pytestmark = pytest.mark.browser

SPOG = "Senior Policy Operating Group"


def test_liaison_signs_in_to_the_dashboard_and_signs_out(page, base_url, make_user):
    user = make_user("liaison", agency="DOJ")
    sign_in(page, base_url, user.email, PASSWORD)
    expect(page).to_have_url(f"{base_url}/dashboard")
    expect(page.get_by_role("heading", level=1)).to_contain_text("DOJ commitments")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base_url}/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    page.goto(f"{base_url}/dashboard")  # the session is really over
    expect(page).to_have_url(re.compile(re.escape(f"{base_url}/login") + r"\?next="))


def test_tab_first_reaches_the_skip_link(page, base_url):
    page.goto(f"{base_url}/login")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()


def test_sign_in_page_is_accessible(page, base_url, axe):
    page.goto(f"{base_url}/login")
    expect(page.get_by_label("Email address")).to_be_visible()
    axe(page)


def test_sign_in_page_with_an_error_is_accessible(page, base_url, make_user, axe):
    user = make_user("viewer")
    sign_in(page, base_url, user.email, "not the password at all")
    expect(page.get_by_role("alert")).to_contain_text("The email or password is not correct.")
    axe(page)


@pytest.mark.parametrize(
    ("role", "path", "heading"),
    [
        ("secretariat", "/dashboard", "Dashboard"),
        ("liaison", "/dashboard", "DOJ commitments"),
        ("secretariat", "/committees", None),
        ("secretariat", "/committees/{spog}", SPOG),
        ("secretariat", "/agencies", None),
        ("liaison", "/agencies/DOJ", None),
        ("liaison", "/account/", None),
    ],
    ids=["dashboard-secretariat", "dashboard-liaison", "committees", "committee", "agencies", "agency",
         "profile"],
)
def test_signed_in_page_is_accessible(page, base_url, make_user, db, axe, role, path, heading):
    path = path.format(spog=committee(db, SPOG).id)
    user = make_user(role, agency="DOJ" if role == "liaison" else None)
    sign_in(page, base_url, user.email, PASSWORD)
    response = page.goto(f"{base_url}{path}")
    assert response is not None and response.status == 200, response and response.status
    expect(page).to_have_url(f"{base_url}{path}")
    if heading:
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    axe(page)
