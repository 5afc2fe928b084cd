"""Meeting documents and the calendar feed in a real browser, checked by axe-core."""

import io

import pytest
from playwright.sync_api import expect

from pitf.services import attachments
from pitf.services import calendar as cal
from pitf.services import meetings as mtg
from pitf.storage import get_storage
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, committee, draft_in, meeting_in
from tests.unit.test_storage import ELF, PDF

pytestmark = pytest.mark.browser


def test_attachments_page(page, base_url, make_user, db, axe, app, tmp_path):
    user = make_user("secretariat")
    m = mtg.create_meeting(session=db, actor=user, meeting_in=meeting_in(db, {
        "committee_id": committee(db, "Victim Services").id, "title": "Working session",
        "starts_at": "2027-03-15T10:00:00", "ends_at": "2027-03-15T11:00:00", "is_open": False}))
    attachments.add_attachment(session=db, actor=user, storage=get_storage(app), meeting_id=m.id, kind="received",
                               filename="agenda.pdf", stream=io.BytesIO(PDF))
    db.flush()
    sign_in(page, base_url, user.email, PASSWORD)
    page.goto(f"{base_url}/meetings/{m.id}/attachments")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Documents")
    axe(page)
    bad = tmp_path / "report.pdf"
    bad.write_bytes(ELF)
    page.get_by_label("File", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    axe(page)
    good = tmp_path / "minutes.pdf"
    good.write_bytes(PDF)
    page.get_by_label("File", exact=True).set_input_files(str(good))
    page.get_by_label("The document was").select_option("issued")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status").first).to_contain_text("minutes.pdf")
    axe(page)


@pytest.mark.parametrize("with_feed", [False, True])
def test_profile(page, base_url, make_user, db, axe, with_feed):
    user = make_user("viewer")
    if with_feed:
        cal.ensure_feed_secret(session=db, actor=user)
        db.flush()
    sign_in(page, base_url, user.email, PASSWORD)
    page.goto(f"{base_url}/account/")
    axe(page)
    if not with_feed:
        page.get_by_role("button", name="Create my calendar feed").click()
        expect(page.get_by_label("Your feed address")).to_be_visible()
        page.get_by_role("button", name="Reset the feed address").click()
        expect(page.get_by_role("status").first).to_contain_text("new address")
        axe(page)


def test_recommendation_documents_page(page, base_url, make_user, db, axe, tmp_path):
    from pitf.services import recommendations as recs

    author = make_user("council")
    rec = recs.create_draft(session=db, actor=author, rec_in=draft_in({
        "title": "Screen shelters", "body_md": "Screen.", "pillar": "protection", "target_agencies": ["DOJ"]}))
    db.flush()
    sign_in(page, base_url, author.email, PASSWORD)
    page.goto(f"{base_url}/recommendations/{rec.id}/attachments")
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents of the recommendation")
    axe(page)
    evidence = tmp_path / "testimony-summary.pdf"
    evidence.write_bytes(PDF)
    page.get_by_label("File", exact=True).set_input_files(str(evidence))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status").first).to_contain_text("testimony-summary.pdf")
    axe(page)
