"""The tracking export downloaded from the list, the running history on the recommendation's page, the drafting
committee on the draft form, and the annual report grouped with its index (page, Markdown, PDF)."""

from __future__ import annotations

import csv
import io
import re

import pypdf
import pytest

from pitf.models import Recommendation
from tests.factories import cast
from tests.unit import test_rec_annual_report, test_rec_tracking
from tests.unit.test_rec_tracking import DOJ_COMMENTS, council_committee
from tests.web.test_recommendations_pages import page, post, text


@pytest.fixture
def people(make_user):
    return cast(make_user, "author", "other", "council", "staff", "doj", "dhs", "viewer")


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


# ---- the tracking export -------------------------------------------------------------------------------

def test_the_list_links_the_tracking_export_with_its_filters(db, people, client_as):
    test_rec_tracking.build(db, people)
    listing = page(client_as("viewer"), "/recommendations/?agency=DOJ&status=open")
    assert 'href="/recommendations/tracking.csv?status=open&amp;agency=DOJ"' in listing


def test_staff_download_the_tracking_export(db, people, app):
    test_rec_tracking.build(db, people)
    from tests.conftest import sign_in_client

    c = app.test_client()
    sign_in_client(c, people["staff"])
    response = c.get("/recommendations/tracking.csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="recommendation-tracking-')
    rows = _csv(response)
    assert [(r["number"], r["agency"], r["status"], r["agency_position"]) for r in rows] == [
        ("2027-01", "DHS", "closed – implemented", "Non-concur"),
        ("2027-01", "DOJ", "closed – implemented", "Partially concur"),
        ("2027-02", "DOJ", "open", ""), ("2027-03", "DHS", "not issued – submitted", "")]
    assert rows[1]["comments"] == DOJ_COMMENTS
    assert rows[2]["title"] == "'=SUM(A1:A9), a title"
    only_dhs = _csv(c.get("/recommendations/tracking.csv?agency=DHS"))
    assert [(r["number"], r["agency"]) for r in only_dhs] == [("2027-01", "DHS"), ("2027-03", "DHS")]


@pytest.mark.parametrize(("who", "sees_draft"), [("author", True), ("other", False), ("doj", False),
                                                 ("viewer", False)])
def test_the_export_shows_a_draft_only_to_its_authors(db, people, app, who, sees_draft):
    from tests.conftest import sign_in_client

    f = test_rec_tracking.build(db, people)
    c = app.test_client()
    sign_in_client(c, people[who])
    rows = _csv(c.get("/recommendations/tracking.csv"))
    assert (str(f["r4"].id) in {r["recommendation_id"] for r in rows}) is sees_draft
    assert {r["number"] for r in rows if r["number"]} == {"2027-01", "2027-02", "2027-03"}


def test_a_bad_filter_is_a_page_not_a_file(client_as):
    response = client_as("viewer").get("/recommendations/tracking.csv?year=twenty")
    assert response.status_code == 422 and "text/html" in response.headers["Content-Type"]


def test_the_export_needs_a_signed_in_user(client):
    response = client.get("/recommendations/tracking.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---- the running history on the page ----------------------------------------------------------------------

def test_the_page_shows_the_running_history(db, people, app):
    from tests.conftest import sign_in_client

    f = test_rec_tracking.build(db, people)
    c = app.test_client()
    sign_in_client(c, people["viewer"])
    body = text(page(c, f"/recommendations/{f['r1'].id}"))
    history = body[body.index("History"):]
    steps = ["Drafted.", "Submitted → Under review", "Under review → Open", "Flagged as a priority.",
             "DOJ's response, revision 1: Concur", "DHS's response, revision 1: Non-concur",
             "DOJ's response, revision 2: Partially concur", "Open → Closed: implemented", "Agencies acted."]
    positions = [history.index(s) for s in steps]
    assert positions == sorted(positions)
    assert "DOJ responded" not in history and "DOJ will train every task force." in history
    assert "Drafting committee Council Committee on Services" in body


# ---- the drafting committee on the form --------------------------------------------------------------------

def test_an_author_chooses_the_drafting_committee(db, people, client_as, app):
    from tests.conftest import sign_in_client

    services = council_committee(db, "Council Committee on Services")
    c = app.test_client()
    sign_in_client(c, people["author"])
    form = page(c, "/recommendations/new")
    assert '<option value="">The full Council (no committee)</option>' in form
    assert f'<option value="{services.id}">Council Committee on Services</option>' in form
    assert "Senior Policy Operating Group" not in form
    post(c, "/recommendations/new", {"title": "Drafted by a committee", "pillar": "prevention",
                                      "drafting_committee_id": str(services.id), "report_year": "2031"})
    rec = db.query(Recommendation).filter_by(title="Drafted by a committee").one()
    assert rec.drafting_committee_id == services.id
    edit = page(c, f"/recommendations/{rec.id}/edit")
    assert f'<option selected value="{services.id}">' in edit or f'<option value="{services.id}" selected>' in edit


def test_a_committee_outside_the_council_is_refused_at_the_field(db, people, app):
    from tests.conftest import sign_in_client
    from tests.factories import committee

    c = app.test_client()
    sign_in_client(c, people["author"])
    body = post(c, "/recommendations/new", {"title": "Wrong committee", "pillar": "prevention",
                                             "drafting_committee_id": str(committee(db, "Victim Services").id),
                                             "report_year": "2031"}, status=422)
    assert "Victim Services is not a committee of the Advisory Council." in body
    assert db.query(Recommendation).filter_by(title="Wrong committee").count() == 0


# ---- the annual report, grouped --------------------------------------------------------------------------

def _headings(html: str, level: int) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", "", h).split())
            for h in re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", html, re.S)]


@pytest.mark.parametrize("who", ["viewer", "doj", "council", "author"])
def test_the_report_page_grouped_with_its_index(db, people, app, who):
    from tests.conftest import sign_in_client

    test_rec_annual_report.build(db, people)
    c = app.test_client()
    sign_in_client(c, people[who])
    html = page(c, "/recommendations/report/2030")
    assert _headings(html, 2) == ["Contents", "Prevention", "Protection", "Index by agency"]
    assert _headings(html, 3) == ["2030-03: Teach the signs", "2030-01: Ban recruitment fees",
                                  "2030-04: Audit contracts", "2030-02: Fund shelters"]
    assert "Unfinished" not in html  # the author's draft is in no one's report, not even the author's
    by_committee = page(c, "/recommendations/report/2030?by=committee")
    assert _headings(by_committee, 2) == ["Contents", "Council Committee on Labor", "Council Committee on Services",
                                          "The full Council", "Index by agency"]
    assert 'href="/recommendations/report/2030.pdf?by=committee"' in by_committee
    assert 'href="/recommendations/report/2030.md?by=committee"' in by_committee
    index = text(html)[text(html).index("Index by agency Each agency"):]
    assert ("Department of Homeland Security (DHS) Recommendation Position 2030-04: Audit contracts Concur "
            "2030-01: Ban recruitment fees No response yet") in index


def test_an_unknown_grouping_is_404_with_the_choices(db, people, client_as):
    response = client_as("viewer").get("/recommendations/report/2030?by=agency")
    assert response.status_code == 404
    assert "by=committee" in response.get_data(as_text=True)


def test_markdown_and_pdf_by_committee(db, people, client_as):
    test_rec_annual_report.build(db, people)
    c = client_as("viewer")
    md = c.get("/recommendations/report/2030.md?by=committee")
    assert md.headers["Content-Disposition"] == ('attachment; filename="advisory-council-annual-report-2030-by-'
                                                 'committee.md"')
    assert [line for line in md.get_data(as_text=True).splitlines() if line.startswith("## ")] == [
        "## Council Committee on Labor", "## Council Committee on Services", "## The full Council",
        "## Index by agency"]
    pdf = c.get("/recommendations/report/2030.pdf?by=committee")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.data))
    body = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    body = body[body.index("Council Committee on Labor 2030-04"):]  # after the contents
    order = ["Council Committee on Labor", "2030-04: Audit contracts", "2030-01: Ban recruitment fees",
             "Council Committee on Services", "2030-02: Fund shelters", "The full Council",
             "2030-03: Teach the signs", "Index by agency",
             "Department of Homeland Security (DHS) Recommendation Position"]  # the index's table, not a response
    positions = [body.index(s) for s in order]
    assert positions == sorted(positions)
    assert "Drafted by Council Committee on Labor" in body
