"""The PITF's annual summary pages: who reads them, the figures in the tables, the downloads, bad input, queries."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pypdf
import pytest
from sqlalchemy import insert

from pitf.models import ActionItem, Committee, Meeting
from pitf.web.scorecards import summary_routes
from tests.factories import agency, committee
from tests.unit.test_annual_summary import AFTER, SPOG, build
from tests.web.test_rec_reports_pages import Tables

ROLES = ("admin", "secretariat", "liaison", "council", "viewer")
URL = "/scorecards/annual-summary?year=2027&period=fiscal"


@pytest.fixture
def after_fy2027(monkeypatch):
    """The pages' clock on 2027-12-01: FY2027 is over."""
    monkeypatch.setattr(summary_routes, "utcnow", lambda: AFTER)


@pytest.fixture
def fy2027(db, app, make_user, after_fy2027):
    build(db, make_user("council"), app.config["PITF_TIMEZONE"])


def _as(client_as, role):
    return client_as(role, agency="DOJ" if role == "liaison" else None)


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_role_reads_the_summary_and_its_downloads(db, client_as, fy2027, role):
    c = _as(client_as, role)
    page = c.get(URL)
    assert page.status_code == 200
    assert "The PITF's annual summary: Fiscal year 2027" in _text(page.get_data(as_text=True))
    for ext, kind in (("md", "text/markdown"), ("csv", "text/csv")):
        r = c.get(URL.replace("annual-summary", f"annual-summary.{ext}"))
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(kind)
        assert r.headers["Content-Disposition"] == f'attachment; filename="pitf-annual-summary-fy2027.{ext}"'


def test_signed_out_readers_are_sent_to_sign_in(client, fy2027):
    for url in (URL, URL.replace("summary?", "summary.csv?"), URL.replace("summary?", "summary.pdf?")):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_the_tables_hold_the_hand_counted_figures(db, client_as, fy2027):
    tables = Tables(_as(client_as, "viewer").get(URL).get_data(as_text=True)).tables
    agencies = {row[0]: row[1:] for row in tables["Commitments by lead agency, FY2027"][1:]}
    assert agencies["DOJ"] == ["7", "5", "1", "4", "1", "4", "4", "61"]
    assert agencies["DHS"] == ["3", "3", "0", "3", "0", "0", "7", "—none overdue"]
    assert agencies["All agencies"] == ["10", "8", "1", "7", "1", "4", "5", "61"]
    pillars = {row[0]: row[1:] for row in tables["Commitments by pillar, FY2027"][1:]}
    assert pillars["Prevention"] == ["3", "3", "0", "3", "0", "3", "3", "1"]
    responses = {row[0]: row[1:] for row in tables["Recommendations received and answered by agency, FY2027"][1:]}
    assert responses["DHS"] == ["3", "2", "0", "2", "0", "0", "1", "1"]
    meetings = {row[0]: row[1:] for row in tables["Meetings by body, FY2027"][1:]}
    assert meetings[SPOG] == ["Operating group", "3", "1", "1", "0"]


def test_the_scorecards_link_the_summary(db, client_as):
    page = _as(client_as, "viewer").get("/scorecards/")
    assert 'href="/scorecards/annual-summary"' in page.get_data(as_text=True)


def test_the_page_without_a_period_shows_the_running_fiscal_year(db, client_as, fy2027):
    page = _as(client_as, "secretariat").get("/scorecards/annual-summary")
    text = _text(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "Fiscal year 2028: October 1, 2027 to September 30, 2028" in text
    assert "the period is not over, so these are the figures to date" in text


@pytest.mark.parametrize(("query", "message"), [
    ("year=abc", "Enter a year of four digits, such as 2028."),
    ("year=2029&period=fiscal", "FY2029 begins on 2028-10-01: it has not started yet. Choose FY2028 or earlier."),
    ("year=2020&period=calendar", "The platform's records begin on 2026-05-01, after CY2020 ended. "
                                  "Choose CY2026 or later."),
    ("year=2027&period=monthly", "Choose a calendar year or a fiscal year (October to September)."),
    ("year=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%97", "Enter a year of four digits"),  # 2027 in full-width digits
])
@pytest.mark.parametrize("ext", ["", ".md", ".csv", ".pdf"])
def test_bad_input_gets_the_form_and_the_reason(db, client_as, fy2027, query, message, ext):
    page = _as(client_as, "viewer").get(f"/scorecards/annual-summary{ext}?{query}")
    assert page.status_code == 422 and page.headers["Content-Type"].startswith("text/html")
    html = page.get_data(as_text=True)
    assert message in _text(html)
    assert 'aria-invalid="true"' in html or "f-period-error" in html


def test_a_year_without_data_says_so_page_and_csv(db, client_as, after_fy2027):
    spog = committee(db, SPOG).id
    db.add(Meeting(committee_id=spog, title="Long ago", starts_at=datetime(2020, 3, 1, 15, tzinfo=UTC),
                   ends_at=datetime(2020, 3, 1, 16, tzinfo=UTC)))
    db.flush()
    c = _as(client_as, "viewer")
    page = c.get("/scorecards/annual-summary?year=2022&period=calendar")
    assert page.status_code == 200
    assert "No commitment was made, done, cancelled or overdue" in _text(page.get_data(as_text=True))
    rows = list(csv.reader(io.StringIO(c.get("/scorecards/annual-summary.csv?year=2022&period=calendar")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["period", "section", "key", "name"] and rows[1][1] == "note" and len(rows) == 2


def test_the_csv_rows_and_its_escaping(db, client_as, fy2027):
    db.get(Committee, committee(db, SPOG).id).name = "=HYPERLINK(\"http://evil.example\",\"SPOG\")"
    agency(db, "DHS").name = "+Homeland, \"Security\""
    db.flush()
    data = _as(client_as, "viewer").get(URL.replace("summary?", "summary.csv?")).get_data(as_text=True)
    assert data.startswith("\ufeffperiod,section,key,name,")
    rows = list(csv.DictReader(io.StringIO(data.lstrip("\ufeff"))))
    doj = next(r for r in rows if r["section"] == "agency" and r["key"] == "DOJ")
    assert (doj["commitments_made"], doj["done_late"], doj["median_days_late"], doj["median_days_overdue"],
            doj["recommendations_received"], doj["answers_overdue"], doj["meetings_held"]) == \
        ("7", "4", "4", "61", "3", "1", "")
    dhs = next(r for r in rows if r["key"] == "DHS")
    assert dhs["name"] == "'+Homeland, \"Security\"" and dhs["median_days_overdue"] == ""
    body = next(r for r in rows if r["section"] == "body" and "HYPERLINK" in r["name"])
    assert body["name"].startswith("'=HYPERLINK(") and body["meetings_held"] == "3"
    assert [r["section"] for r in rows].count("pillar") == 4
    assert next(r for r in rows if r["section"] == "agency_total")["commitments_made"] == "10"


def test_markdown_download(db, client_as, fy2027):
    text = _as(client_as, "council").get(URL.replace("summary?", "summary.md?")).get_data(as_text=True)
    assert text.startswith("# The PITF's annual summary: Fiscal year 2027\n")
    assert "## Meetings by body" in text and "| DOJ | 3 | 1 | 1 | 0 | 1 | 1 | 0 | 0 |" in text


def test_pdf_download(db, client_as, fy2027):
    r = _as(client_as, "liaison").get(URL.replace("summary?", "summary.pdf?"))
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    assert r.data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(r.data))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "The PITF's annual summary: Fiscal year 2027" in text
    assert "Commitments by lead agency" in text and "How the figures are counted" in text
    assert reader.metadata.title == "The PITF's annual summary: Fiscal year 2027"


def _bulk(db, first: int, count: int) -> None:
    body, doj = committee(db, SPOG).id, agency(db, "DOJ").id
    start = datetime(2026, 11, 1, 12, tzinfo=UTC)
    db.execute(insert(ActionItem), [
        {"title": f"Bulk {n}", "committee_id": body, "lead_agency_id": doj, "pillar": "prevention",
         "due_date": date(2027, 1, 1) + timedelta(days=n % 200), "status": ("open", "done")[n % 2],
         "closed_at": start + timedelta(days=n % 300) if n % 2 else None, "created_at": start,
         "updated_at": start, "version": 1}
        for n in range(first, first + count)])
    db.flush()


def test_the_queries_do_not_grow_with_the_items(db, client_as, fy2027, count_queries):
    c = _as(client_as, "viewer")
    urls = (URL, URL.replace("summary?", "summary.csv?"))
    _bulk(db, 1, 10)
    for url in urls:
        assert c.get(url).status_code == 200
    counts = {}
    for url in urls:
        with count_queries() as q:
            assert c.get(url).status_code == 200
        counts[url] = q.count
    _bulk(db, 11, 990)
    for url in urls:
        with count_queries() as q:
            page = c.get(url)
        assert page.status_code == 200 and q.count == counts[url], url
    rows = Tables(c.get(URL).get_data(as_text=True)).tables["Commitments by lead agency, FY2027"]
    assert rows[-1][1] == str(10 + 1000)
