"""The pages in a real browser: signing in and out, keyboard access, and axe-core's WCAG 2.1 AA checks."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, committee

pytestmark = pytest.mark.browser

SPOG = "Senior Policy Operating Group"
COUNCIL = "U.S. Advisory Council on Human Trafficking"


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
        ("secretariat", "/committees/{council}", COUNCIL),
        ("secretariat", "/committees/{council}/faca-export", "FACA Database export"),
        ("secretariat", "/committees/{council}/faca-export?fiscal_year=1999", "FACA Database export"),
        ("secretariat", "/admin/committees/{council}/members", "Members of"),
        ("secretariat", "/agencies", None),
        ("liaison", "/agencies/DOJ", None),
        ("liaison", "/account/", None),
        ("liaison", "/search", "Search"),
        ("viewer", "/scorecards/annual-summary", "The PITF's annual summary"),
    ],
    ids=["dashboard-secretariat", "dashboard-liaison", "committees", "committee", "committee-faca", "faca-export",
         "faca-export-bad-year", "committee-members", "agencies", "agency",
         "profile", "search-hint", "annual-summary"],
)
def test_signed_in_page_is_accessible(page, base_url, make_user, db, axe, role, path, heading):
    path = path.format(spog=committee(db, SPOG).id, council=committee(db, COUNCIL).id)
    user = make_user(role, agency="DOJ" if role == "liaison" else None)
    sign_in(page, base_url, user.email, PASSWORD)
    response = page.goto(f"{base_url}{path}")
    expected = 422 if "fiscal_year=1999" in path else 200  # a refused year: the page again, with its message
    assert response is not None and response.status == expected, response and response.status
    expect(page).to_have_url(f"{base_url}{path}")
    if heading:
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    axe(page)


def test_the_header_search_box_leads_to_accessible_results(page, base_url, make_user, db, axe):
    from tests.search_data import new_item

    staff = make_user("secretariat")
    for n in range(3):
        new_item(db, staff, f"Hotline report {n}", "Calls about <b>debt bondage</b> doubled.")
    db.flush()
    sign_in(page, base_url, staff.email, PASSWORD)
    box = page.get_by_role("search").get_by_label("Search everything you may read")
    box.fill("bondage")
    box.press("Enter")
    expect(page).to_have_url(f"{base_url}/search?q=bondage")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page.get_by_role("status").filter(has_text="Showing")).to_contain_text("of 3 results")
    expect(page.locator("mark").first).to_have_text("bondage")
    expect(page.get_by_role("link", name="Action items (3)")).to_be_visible()
    axe(page)
    page.set_viewport_size({"width": 320, "height": 900})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe(page)


def test_a_lists_words_filter_finds_by_stem_and_names_a_refused_query(page, base_url, make_user, db, axe):
    from tests.search_data import meeting_with_agenda, new_item

    staff = make_user("secretariat")
    new_item(db, staff, "Hotline reports", "Calls about debt bondage doubled.")
    meeting_with_agenda(db, staff, "Spring SPOG meeting", [{"title": "Hotline statistics"}])
    db.flush()
    sign_in(page, base_url, staff.email, PASSWORD)
    page.goto(f"{base_url}/action-items/")
    page.get_by_label("Words in the title, description or status updates").fill("reported")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("row", name="Hotline reports")).to_be_visible()
    axe(page)
    page.goto(f"{base_url}/meetings/?when=all")
    field = page.get_by_label("Words in the title or agenda")
    field.fill("-")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#f-q-error")).to_have_text("Type a word to search for: punctuation alone finds nothing.")
    expect(field).to_have_attribute("aria-invalid", "true")
    axe(page)
    field.fill("statistic")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("link", name="Spring SPOG meeting")).to_be_visible()
    axe(page)


def test_the_annual_summary_is_chosen_by_keyboard_and_names_a_bad_year(page, base_url, make_user, db, app, axe):
    from tests.unit.test_annual_summary import build

    build(db, make_user("council"), app.config["PITF_TIMEZONE"])
    user = make_user("secretariat")
    sign_in(page, base_url, user.email, PASSWORD)
    page.goto(f"{base_url}/scorecards/")
    page.get_by_role("link", name="The PITF's annual summary").click()
    axe(page)
    calendar = page.get_by_label("Calendar year")
    calendar.focus()
    page.keyboard.press("Space")  # USWDS draws its own radio: the input is reached by keyboard, not seen
    expect(calendar).to_be_checked()
    year = page.get_by_label("Year", exact=True)
    year.fill("2099")
    with page.expect_navigation():
        year.press("Enter")
    expect(page.locator("#f-year-error")).to_contain_text("CY2099 begins on 2099-01-01: it has not started yet.")
    expect(year).to_have_attribute("aria-invalid", "true")
    axe(page)
    year.fill("2026")
    with page.expect_navigation():
        year.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("The PITF's annual summary: Calendar year 2026")
    expect(page.get_by_role("table", name="Commitments by lead agency, CY2026")).to_be_visible()


def test_the_appointment_page_is_accessible(page, base_url, make_user, db, axe):
    from pitf.permissions import SYSTEM
    from pitf.services import org

    member = make_user("council")
    m = org.add_membership(session=db, actor=SYSTEM, committee=committee(db, COUNCIL), role="member",
                           user_id=member.id, appointment_type="representative")
    db.flush()
    user = make_user("secretariat")
    sign_in(page, base_url, user.email, PASSWORD)
    response = page.goto(f"{base_url}/admin/memberships/{m.id}/appointment")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Appointment of {member.name}")
    axe(page)
