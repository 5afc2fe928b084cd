"""Meetings in a real browser: the agenda reordered by keyboard, and axe-core on every meeting page."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from playwright.sync_api import expect

from pitf.models import Membership
from pitf.models.meetings import MinutesUpdate
from pitf.services import agendas
from pitf.services import federal_clocks as fc
from pitf.services import meetings as mtg
from pitf.services import minutes as mins
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, agenda_items, committee, meeting_in

pytestmark = pytest.mark.browser

SPOG = "Senior Policy Operating Group"
COUNCIL = "U.S. Advisory Council on Human Trafficking"


@pytest.fixture
def planned(db, make_user):
    staff = make_user("secretariat")
    m = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, SPOG).id, "title": "SPOG quarterly meeting",
        "starts_at": "2027-03-15T10:00:00", "ends_at": "2027-03-15T11:00:00", "location": "Truman Building"}))
    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
        items=agenda_items(db, [
        {"title": "Opening", "duration_minutes": 10}, {"title": "Supply chains", "duration_minutes": 30},
        {"title": "Next steps", "duration_minutes": 30}]))
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


def test_meeting_pages_are_accessible(page, base_url, planned, axe, db, meetings_held):
    staff, m = planned
    minutes = mins.save_minutes(session=db, actor=staff, meeting_id=m.id,
                                changes=MinutesUpdate(
                                    version=None, body_md="# Minutes\n\nACTION DOJ 2027-04-01: Share the protocol\n"))
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    db.flush()
    sign_in(page, base_url, staff.email, PASSWORD)
    for path in ("/meetings/", f"/meetings/{m.id}", "/meetings/new", f"/meetings/{m.id}/edit",
                 f"/meetings/{m.id}/copy", f"/meetings/{m.id}/cancel", f"/meetings/{m.id}/attendance",
                 f"/meetings/{m.id}/agenda/print", f"/meetings/{m.id}/minutes", f"/meetings/{m.id}/minutes/edit",
                 f"/meetings/{m.id}/minutes/revisions", "/minutes/due", f"/meetings/{m.id}/attachments",
                 f"/meetings/{m.id}/minutes/print"):
        page.goto(f"{base_url}{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe(page)


def test_council_chair_certifies_and_public_page(page, base_url, make_user, db, axe):
    staff = make_user("secretariat")
    chair = make_user("council")
    db.add(Membership(committee_id=committee(db, COUNCIL).id, user_id=chair.id, role="chair"))
    m = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, COUNCIL).id, "title": "Council meeting", "starts_at": "2026-10-05T10:00:00",
        "ends_at": "2026-10-05T12:00:00", "federal_register_notice_date": "2026-09-15"}))
    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                       items=agenda_items(db, [{"title": "Findings on shelters"}]))
    with mock.patch.object(mtg, "clock", lambda: m.starts_at - timedelta(days=30)):  # published ahead
        agendas.publish_agenda(session=db, actor=staff, meeting_id=m.id, clocks=fc.Clocks(), today=date(2026, 9, 1))
    minutes = mins.save_minutes(session=db, actor=staff, meeting_id=m.id,
                                changes=MinutesUpdate(version=None, body_md="Findings heard."))
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    db.flush()
    sign_in(page, base_url, chair.email, PASSWORD)
    page.goto(f"{base_url}/meetings/{m.id}/minutes")
    expect(page.locator("main")).to_contain_text("accurate and complete summary")
    axe(page)
    page.wait_for_load_state("domcontentloaded")  # pitf.js, which opens the modal, has run (else: a no-script POST)
    page.get_by_role("button", name="Certify").first.click()  # asks first, in a modal
    page.get_by_role("dialog").get_by_role("button", name="Certify").click()
    expect(page.locator("main")).to_contain_text(chair.name)
    axe(page)
    page.get_by_role("link", name="Printable minutes").click()  # the certified minutes, as printed
    expect(page.locator("#certification")).to_contain_text(f"Certified by {chair.name}, Chair")
    axe(page)
    page.goto(f"{base_url}/public/meetings/{m.id}")
    expect(page.locator("main")).to_contain_text("Findings heard.")
    axe(page)


# ---- confirmations and pickers, by keyboard ------------------------------------------------------------

def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching *selector* has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} was not reached with Tab")


def test_approving_minutes_asks_first_by_keyboard(page, base_url, planned, axe, db, meetings_held):
    staff, m = planned
    minutes = mins.save_minutes(session=db, actor=staff, meeting_id=m.id,
                                changes=MinutesUpdate(version=None,
                                                      body_md="# Minutes\n\nThe chair opened the meeting.\n"))
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    db.flush()
    sign_in(page, base_url, staff.email, PASSWORD)
    page.goto(f"{base_url}/meetings/{m.id}/minutes")
    # The wrapper USWDS builds has no box of its own (its parts are fixed): look at the question in it.
    dialog = page.get_by_role("dialog", name="Approve the minutes?").get_by_role("heading")
    tab_to(page, "[data-pitf-confirm=confirm-approve]")
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    assert page.evaluate("() => !!document.activeElement.closest('[role=dialog]')")  # focus moved into it
    axe(page)
    page.set_viewport_size({"width": 320, "height": 640})  # reflow (WCAG 1.4.10): the dialog fits
    axe(page)
    assert page.evaluate("() => document.documentElement.scrollWidth <= 320")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.evaluate("() => document.activeElement.matches('[data-pitf-confirm=confirm-approve]')")
    db.expire_all()
    assert mins.get_minutes(db, m).status == "circulated"  # nothing happened
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    tab_to(page, ".is-visible[role=dialog] [data-pitf-confirmed]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Revision 1 of the minutes is approved")
    db.expire_all()
    assert mins.get_minutes(db, m).status == "approved"
    axe(page)


def test_removing_an_agenda_item_by_keyboard_and_without_javascript(browser, page, base_url, planned, db, axe):
    staff, m = planned
    sign_in(page, base_url, staff.email, PASSWORD)
    page.goto(f"{base_url}/meetings/{m.id}/agenda")
    first = agendas.agenda_view(db, m).rows[0].item
    tab_to(page, f"[data-pitf-confirm=confirm-remove-{first.id}]")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Remove this agenda item?").locator(".usa-modal__main")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Opening")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert [r.item.title for r in agendas.agenda_view(db, m).rows] == ["Opening", "Supply chains", "Next steps"]
    # A post without the modal's answer (as without JavaScript) gets the question as a page: axe-clean too.
    with page.expect_navigation():
        page.evaluate(f"document.getElementById('confirm-remove-{first.id}-form').submit()")
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove this agenda item?")
    axe(page)
    assert [r.item.title for r in agendas.agenda_view(db, m).rows] == ["Opening", "Supply chains", "Next steps"]
    # Without JavaScript the same button leads to the question as a page.
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    try:
        plain = context.new_page()
        sign_in(plain, base_url, staff.email, PASSWORD)
        plain.goto(f"{base_url}/meetings/{m.id}/agenda")
        expect(plain.get_by_role("dialog")).to_have_count(0)  # the modal stays hidden
        with plain.expect_navigation():
            plain.locator(f"[data-pitf-confirm=confirm-remove-{first.id}]").click()
        expect(plain.get_by_role("heading", level=1)).to_have_text("Remove this agenda item?")
        with plain.expect_navigation():
            plain.get_by_role("button", name="Remove the item").click()
        expect(plain.locator("main")).to_contain_text("Item removed: Opening.")
    finally:
        context.close()


def test_an_agenda_item_picks_its_action_item_from_a_searchable_list(page, base_url, planned, db, axe):
    from pitf.services.actions import create_action_item

    staff, m = planned
    item = create_action_item(session=db, actor=staff, data={
        "title": "Share the screening protocol", "committee_id": m.committee_id, "lead_agency": "DOJ",
        "pillar": "protection", "due_date": "2027-02-01"}, notify_agency=False)
    db.flush()
    sign_in(page, base_url, staff.email, PASSWORD)
    page.goto(f"{base_url}/meetings/{m.id}/agenda")
    page.get_by_label("Item title").fill("Protocol review")
    combo = page.get_by_role("combobox", name="Action item reviewed")
    combo.fill("screening")
    option = page.get_by_role("option", name=f"{item.id}: Share the screening protocol", exact=False)
    expect(option).to_be_visible()
    axe(page)
    combo.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(combo).to_have_value(f"{item.id}: Share the screening protocol (DOJ, due 2027-02-01)")
    with page.expect_navigation():
        page.get_by_role("button", name="Add item").click()
    db.expire_all()
    assert agendas.agenda_view(db, m).rows[-1].item.action_item_id == item.id


def test_open_work_is_marked_and_carried_with_the_keyboard(page, base_url, planned, db, axe, meetings_held):
    """The planner records an item's outcome from the keyboard, sees what the copy brings (every entry ticked),
    unticks one with the space bar and creates the next meeting; both pages pass axe-core."""
    from sqlalchemy import select

    from pitf.models import Meeting
    from pitf.services.actions import create_action_item

    staff, m = planned
    create_action_item(session=db, actor=staff, data={
        "title": "Share the screening protocol", "committee_id": m.committee_id, "lead_agency": "DOJ",
        "pillar": "protection", "due_date": "2030-02-01", "meeting_id": m.id}, notify_agency=False)
    db.flush()
    sign_in(page, base_url, staff.email, PASSWORD)
    page.goto(f"{base_url}/meetings/{m.id}/agenda")
    axe(page)
    outcome = page.get_by_label("Outcome of 'Next steps'")
    outcome.focus()
    outcome.select_option("not_reached")  # what the arrow keys do on a focused list
    with page.expect_navigation():
        page.keyboard.press("Tab")  # to "Record outcome of 'Next steps'"
        page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Outcome: Not reached")
    axe(page)
    page.goto(f"{base_url}/meetings/{m.id}/copy")
    expect(page.get_by_role("group", name="What the new agenda starts with")).to_be_visible()
    opening = page.get_by_role("checkbox", name="Opening")
    expect(opening).to_be_checked()
    expect(page.get_by_role("checkbox", name="Open commitments from SPOG quarterly meeting")).to_be_checked()
    axe(page)
    page.get_by_label("Title").fill("SPOG next meeting")
    page.get_by_label("Date of the next meeting").fill("2030-03-18")
    opening.focus()
    page.keyboard.press("Space")
    expect(opening).not_to_be_checked()
    with page.expect_navigation():
        page.get_by_role("button", name="Create the next meeting").press("Enter")
    db.expire_all()
    new = db.execute(select(Meeting).where(Meeting.title == "SPOG next meeting")).scalar_one()
    assert [r.item.title for r in agendas.agenda_view(db, new).rows] == [
        "Supply chains", "Next steps", "Open commitments from SPOG quarterly meeting"]
