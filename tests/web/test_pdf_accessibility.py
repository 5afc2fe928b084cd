"""Every PDF the platform makes is tagged (PDF/UA-1), titled and in English, its text in reading order: the
printable agenda and the Council's annual report here (the minutes in test_minutes_print.py)."""

from __future__ import annotations

from pitf.services import agendas
from pitf.services import meetings as mtg
from tests.factories import agenda_items, cast, committee, meeting_in
from tests.pdfs import assert_accessible, assert_in_order, pdf_text
from tests.unit.test_rec_reports import build


def test_the_agenda_pdf_is_tagged_and_reads_in_order(db, staff, client_as):
    m = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, "Grantmaking").id, "title": "Grantmaking committee, second quarter",
        "starts_at": "2027-03-15T10:00:00", "ends_at": "2027-03-15T12:00:00", "location": "Room 101"}))
    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                       items=agenda_items(db, [{"title": "Opening remarks", "duration_minutes": 10},
                                               {"title": "Review of grant solicitations", "duration_minutes": 50,
                                                "notes_md": "Bring the **draft** solicitation."}]))
    db.flush()
    r = client_as("viewer").get(f"/meetings/{m.id}/agenda.pdf")
    assert r.status_code == 200
    assert_accessible(r.data, "Agenda: Grantmaking committee, second quarter, March 15, 2027",
                      tags=("H1", "Table", "Caption", "THead", "TBody", "TR", "TH", "TD"))
    # The table reads row by row: each item's time, title and length before the next item's.
    assert_in_order(pdf_text(r.data), "Grantmaking committee, second quarter", "Time", "Item", "Presenter",
                    "10:00 AM", "1. Opening remarks", "10", "10:10 AM", "2. Review of grant solicitations",
                    "Bring the draft solicitation.", "50", "Adjourn at")


def test_the_annual_report_pdf_is_tagged_and_reads_in_order(db, make_user, client_as):
    build(db, cast(make_user, "author", "council", "staff", "doj", "dhs", "viewer"))
    r = client_as("viewer").get("/recommendations/report/2027.pdf")
    assert r.status_code == 200
    assert_accessible(r.data, "U.S. Advisory Council on Human Trafficking: Annual Report 2027",
                      tags=("H1", "H2", "H3", "H4", "P", "Table", "TR", "TH", "TD"))
    text = pdf_text(r.data)
    # A recommendation's heading comes before its text, its agencies' answers after it, their commitments row by row.
    assert_in_order(text, "Annual Report 2027", "2027-01: Screen shelters for labor trafficking",
                    "The Council recommends: screen shelters for labor trafficking.", "Agency responses",
                    "Commitments of DHS", "Action item", "Status", "Progress", "Due", "A3 screening tool", "Done",
                    "100%", "A4 pilot", "Cancelled", "2027-02: Fund survivor-led outreach",
                    "The Council recommends: fund survivor-led outreach.")


def test_an_empty_report_pdf_is_still_tagged_and_titled(client_as):
    r = client_as("viewer").get("/recommendations/report/2031.pdf")
    assert r.status_code == 200
    assert_accessible(r.data, "U.S. Advisory Council on Human Trafficking: Annual Report 2031", tags=("H1", "P"))
    assert "No recommendations were filed for 2031." in pdf_text(r.data)
