"""Character counts in a real browser: counted as people type, text over the limit kept and refused by the
server beside its field, axe-core clean at 1280 px and 320 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 320])
def test_a_limited_field_counts_as_the_user_types_and_keeps_text_over_the_limit(page, base_url, make_user, axe,
                                                                                width):
    staff = make_user("secretariat")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base_url, staff.email, PASSWORD)
    page.goto(f"{base_url}/action-items/new")
    title = page.get_by_label("Title", exact=True)
    counter = page.locator(".usa-character-count", has=title).locator(".usa-character-count__status")
    expect(counter).to_have_text("300 characters allowed")
    title.press_sequentially("Hello")
    expect(counter).to_have_text("295 characters left")
    axe(page)
    pasted = "T" * 320
    title.fill(pasted)  # pasted: nothing is cut
    expect(counter).to_have_text("20 characters over limit")
    assert len(title.input_value()) == 320
    axe(page)
    page.get_by_role("button", name="Create action item").click()
    expect(page.locator("#title-error")).to_contain_text("300")
    assert page.get_by_label("Title", exact=True).input_value() == pasted  # the server kept the text
    axe(page)
