"""The printable minutes and their PDF: the approved text or the draft marked DRAFT (for those who may read it), the
FACA chair's certification, the attendance and the documents received or issued, tagged and in reading order."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from sqlalchemy import update

from pitf.models import Attachment, MinutesRevision, utcnow
from pitf.models.attendance import AttendanceEntryInput
from pitf.models.meetings import MinutesUpdate
from pitf.models.vocab import AttendanceStatus
from pitf.services import attendance as att
from pitf.services import minutes as mins
from tests.pdfs import assert_accessible, assert_in_order, page_texts, pdf_text, structure
from tests.web.test_minutes_pages import (
    COUNCIL,
    SPOG,
    approved,
    circulated,
    client_for,
    draft,
    meeting_of,
    person_on,
)

pytestmark = pytest.mark.usefixtures("meetings_held")

TEXT = ("# Matters discussed\n\n## 1. Forced labor in supply chains\n\nDHS reported on the new guidance.\n\n"
        "## 2. Next steps\n\nThe secretariat circulates the schedule.\n")
# Long enough to run onto a second page, so the DRAFT mark can be seen on each.
LONG = TEXT + "\n".join(f"\nParagraph {n}: members discussed the agencies' reports at length." for n in range(60))


def attended(db, staff, meeting):
    att.put_attendance(session=db, actor=staff, meeting_id=meeting.id, entries=[
        AttendanceEntryInput(name="Ana Ruiz", agency="DOJ", status=AttendanceStatus.PRESENT),
        AttendanceEntryInput(name="Ben Ortiz", agency="DHS", status=AttendanceStatus.ABSENT),
        AttendanceEntryInput(name="Cara Diaz", agency="HHS", status=AttendanceStatus.REPRESENTED,
                             represented_by="Dana Fox")])
    db.flush()


def document(db, staff, meeting, filename, kind="received", removed=False) -> Attachment:
    a = Attachment(meeting_id=meeting.id, filename=filename, storage_key=f"k-{meeting.id}-{filename}", size=10,
                   content_type="application/pdf", sha256="0" * 64, kind=kind, uploaded_by_id=staff.id,
                   created_at=utcnow(), deleted_at=utcnow() if removed else None)
    db.add(a)
    db.flush()
    return a


def get(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, r.get_data(as_text=True)[:2000]
    return r


def main_text(html: str) -> str:
    main = html[html.index("<main"):html.index("</main>")]
    main = re.sub(r"</?(strong|em|a|code)\b[^>]*>", "", main)  # words run on through inline markup
    return htmllib.unescape(" ".join(re.sub(r"<[^>]+>", " ", main).split()))


# ---- approved minutes -------------------------------------------------------------------------------

def test_certified_council_minutes_print_with_the_certification_attendance_and_documents(db, app, staff, make_user):
    chair = person_on(db, make_user, COUNCIL, "chair")
    m = meeting_of(db, staff, COUNCIL, title="Council spring meeting")
    attended(db, staff, m)
    document(db, staff, m, "Survivor testimony summary.pdf", "received")
    document(db, staff, m, "Draft recommendations.docx", "issued")
    document(db, staff, m, "Withdrawn slides.pdf", "issued", removed=True)
    approved(db, staff, m, TEXT, approver=chair)
    viewer = client_for(app, make_user("viewer"))

    html = get(viewer, f"/meetings/{m.id}/minutes/print").get_data(as_text=True)
    assert '<html lang="en">' in html and "<title>Minutes: Council spring meeting, April 12, 2027</title>" in html
    assert '<link rel="stylesheet" href="/static/css/print.css" media="screen, print">' in html
    assert "usa-nav" not in html and "<script" not in html and "DRAFT" not in html
    text = main_text(html)
    assert_in_order(text, "Minutes: Council spring meeting", "Revision 1, certified by " + chair.name,
                    "Forced labor in supply chains", "DHS reported on the new guidance.", "Next steps",
                    "Attendance", "Ana Ruiz (DOJ)", "Present", "Ben Ortiz (DHS)", "Absent", "Cara Diaz (HHS)",
                    "Represented by Dana Fox", "Documents received or issued", "Survivor testimony summary.pdf",
                    "Received", "Draft recommendations.docx", "Issued", "Chair's certification",
                    "I hereby certify that the minutes are an accurate and complete summary",
                    "meeting held on April 12, 2027.", f"Certified by {chair.name}, Chair, {COUNCIL}, on")
    assert "Withdrawn slides.pdf" not in html  # a removed document is no longer the meeting's
    assert '<th scope="row">Ana Ruiz (DOJ)</th>' in html and '<th scope="col">Attended as</th>' in html

    r = get(viewer, f"/meetings/{m.id}/minutes.pdf")
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"] == 'inline; filename="minutes-2027-04-12-council.pdf"'
    assert_accessible(r.data, "Minutes: Council spring meeting, April 12, 2027",
                      tags=("H1", "H2", "H3", "P", "Table", "Caption", "THead", "TBody", "TR", "TH", "TD"))
    # One title, then the text's sections (its headings one level down), attendance, documents, certification.
    assert [e for e in structure(r.data) if re.fullmatch(r"H\d", e)] == ["H1", "H2", "H3", "H3", "H2", "H2", "H2"]
    flat = pdf_text(r.data)
    assert_in_order(flat, "Minutes: Council spring meeting", "Forced labor in supply chains",
                    "DHS reported on the new guidance.", "Attendance", "Name", "Attended as", "Ana Ruiz (DOJ)",
                    "Present", "Ben Ortiz (DHS)", "Absent", "Cara Diaz (HHS)", "Represented by Dana Fox",
                    "Documents received or issued", "Survivor testimony summary.pdf", "Draft recommendations.docx",
                    "Chair's certification", "I hereby certify", f"Certified by {chair.name}")
    assert "DRAFT" not in flat and "Withdrawn slides.pdf" not in flat


def test_approved_minutes_of_a_body_without_faca_have_no_certification(db, app, staff, make_user):
    m = meeting_of(db, staff, SPOG)
    approved(db, staff, m, TEXT)
    c = client_for(app, make_user("viewer"))
    html = get(c, f"/meetings/{m.id}/minutes/print").get_data(as_text=True)
    text = main_text(html)
    assert f"Revision 1, approved by {staff.name} on" in text
    assert "certif" not in text.lower() and "DRAFT" not in html
    assert "No attendance was recorded." in text and "Documents received or issued None." in text
    flat = pdf_text(get(c, f"/meetings/{m.id}/minutes.pdf").data)
    assert "certif" not in flat.lower() and "DHS reported on the new guidance." in flat


# ---- drafts ----------------------------------------------------------------------------------------

def test_a_draft_prints_marked_draft_on_every_page_for_the_planner(db, app, staff, make_user):
    m = meeting_of(db, staff, COUNCIL, title="Council spring meeting")
    draft(db, staff, m, LONG)
    c = client_for(app, staff)
    html = get(c, f"/meetings/{m.id}/minutes/print").get_data(as_text=True)
    assert "<title>DRAFT Minutes: Council spring meeting, April 12, 2027</title>" in html
    assert '<body class="print-draft">' in html
    assert "DRAFT: revision 1, not yet circulated, not yet certified by the chair." in main_text(html)
    assert "its chair has not yet certified this revision of the minutes" in html
    assert "Chair's certification" not in html
    r = get(c, f"/meetings/{m.id}/minutes.pdf")
    assert r.headers["Content-Disposition"].endswith('-draft.pdf"')
    assert_accessible(r.data, "DRAFT Minutes: Council spring meeting, April 12, 2027")
    pages = page_texts(r.data)
    assert len(pages) >= 2
    assert all("DRAFT: not the approved minutes" in p for p in pages)


@pytest.mark.parametrize("who,status", [("member", 200), ("chair", 200), ("secretariat", 200), ("liaison", 200),
                                        ("viewer", 404), ("council", 404)])
def test_circulated_minutes_print_as_draft_for_members_only(db, app, staff, make_user, who, status):
    m = meeting_of(db, staff, SPOG)
    circulated(db, staff, m, TEXT)
    user = person_on(db, make_user, SPOG, who) if who in ("member", "chair") else make_user(
        who, **({"agency": "DOJ"} if who == "liaison" else {}))
    c = client_for(app, user)
    # As on the minutes page: the SPOG's members (its agencies' liaisons too) read the circulated text.
    assert ("DHS reported" in get(c, f"/meetings/{m.id}/minutes").get_data(as_text=True)) is (status == 200)
    for url in (f"/meetings/{m.id}/minutes/print", f"/meetings/{m.id}/minutes.pdf"):
        r = get(c, url, status)
        if status == 200 and url.endswith("print"):
            assert "DRAFT: revision 1, circulated for comment, not yet approved." in main_text(r.get_data(as_text=True))
        if status == 200 and url.endswith(".pdf"):
            assert "DRAFT" in pdf_text(r.data) and "DHS reported on the new guidance." in pdf_text(r.data)
        if status == 404:
            assert "DHS reported" not in r.get_data(as_text=True)


def test_a_draft_is_not_printed_for_those_who_read_only_approved_minutes(db, app, staff, make_user):
    m = meeting_of(db, staff, SPOG)
    draft(db, staff, m, TEXT)
    member = client_for(app, person_on(db, make_user, SPOG, "member"))
    assert "DHS reported" not in get(member, f"/meetings/{m.id}/minutes/print", 404).get_data(as_text=True)
    get(member, f"/meetings/{m.id}/minutes.pdf", 404)
    get(member, f"/meetings/{m.id}/minutes.pdf?text=approved", 404)


def test_a_correction_prints_as_draft_for_planners_and_the_approved_text_for_everyone_else(db, app, staff, make_user):
    m = meeting_of(db, staff, SPOG)
    minutes = approved(db, staff, m, TEXT)
    mins.save_minutes(session=db, actor=staff, meeting_id=m.id, changes=MinutesUpdate(
        version=minutes.version, body_md=TEXT + "\nA corrected line.\n", revision_reason="Typo"))
    db.flush()
    planner = client_for(app, staff)
    shown = main_text(get(planner, f"/meetings/{m.id}/minutes/print").get_data(as_text=True))
    assert "DRAFT: revision 2" in shown and "A corrected line." in shown
    assert "Print approved revision 1 instead" in shown
    approved_text = get(planner, f"/meetings/{m.id}/minutes/print?text=approved").get_data(as_text=True)
    assert "DRAFT" not in approved_text and "A corrected line." not in approved_text
    assert "minutes.pdf?text=approved" in approved_text
    assert "DRAFT" not in pdf_text(get(planner, f"/meetings/{m.id}/minutes.pdf?text=approved").data)
    viewer = client_for(app, make_user("viewer"))
    seen = main_text(get(viewer, f"/meetings/{m.id}/minutes/print").get_data(as_text=True))
    assert "Revision 1, approved" in seen and "A corrected line." not in seen and "DRAFT" not in seen


# ---- closed meetings and the links ----------------------------------------------------------------------

def test_a_closed_meetings_minutes_are_not_found_by_non_members(db, app, staff, make_user):
    m = meeting_of(db, staff, SPOG, is_open=False, title="Closed session")
    approved(db, staff, m, TEXT)
    outsider = client_for(app, make_user("viewer"))
    for url in (f"/meetings/{m.id}/minutes/print", f"/meetings/{m.id}/minutes.pdf"):
        assert "Closed session" not in get(outsider, url, 404).get_data(as_text=True)
    member = client_for(app, person_on(db, make_user, SPOG, "member"))
    assert "Closed (members only)" in get(member, f"/meetings/{m.id}/minutes/print").get_data(as_text=True)
    get(member, "/meetings/999999/minutes/print", 404)


def test_the_minutes_page_links_to_the_print_and_pdf_only_when_there_is_text_to_read(db, app, staff, make_user):
    m = meeting_of(db, staff, SPOG)
    draft(db, staff, m, TEXT)
    viewer = client_for(app, make_user("viewer"))
    assert f"/meetings/{m.id}/minutes/print" not in get(viewer, f"/meetings/{m.id}/minutes").get_data(as_text=True)
    planner_page = get(client_for(app, staff), f"/meetings/{m.id}/minutes").get_data(as_text=True)
    assert f'href="/meetings/{m.id}/minutes/print">Printable minutes</a> (marked DRAFT)' in planner_page
    assert f'href="/meetings/{m.id}/minutes.pdf">Minutes PDF</a>' in planner_page


def test_a_certification_is_printed_as_recorded_with_the_revision(db, app, staff, make_user):
    """The wording printed is the one stored with the certified revision, not today's template."""
    chair = person_on(db, make_user, COUNCIL, "chair")
    m = meeting_of(db, staff, COUNCIL)
    minutes = approved(db, staff, m, TEXT, approver=chair)
    db.execute(update(MinutesRevision).where(MinutesRevision.minutes_id == minutes.id)
               .values(certification_text="I certify these minutes (wording of the day)."))
    db.flush()
    shown = main_text(get(client_for(app, make_user("viewer")), f"/meetings/{m.id}/minutes/print")
                      .get_data(as_text=True))
    assert "I certify these minutes (wording of the day)." in shown and "I hereby certify" not in shown
