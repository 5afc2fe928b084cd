"""The recommendations dashboard and the annual report pages: figures in tables and charts, order, Markdown, PDF."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pypdf
import pytest
from sqlalchemy import insert, select

from pitf.models import Agency, AgencyResponse, Recommendation, RecommendationTarget, utcnow
from pitf.services import rec_reports
from pitf.web.recommendations import report_routes
from tests.factories import cast
from tests.unit.test_rec_reports import TODAY, build

ORDER = ("r3", "r1", "r5", "r2", "r4")


@pytest.fixture
def people(make_user):
    return cast(make_user, "author", "council", "staff", "doj", "dhs", "viewer")


@pytest.fixture
def on_today(monkeypatch):
    """The pages' clock set to the fixture's day (2027-06-01), so "overdue" reads as counted by hand."""
    monkeypatch.setattr(report_routes, "utcnow", lambda: datetime.combine(TODAY, datetime.min.time(), UTC))


class Tables(HTMLParser):
    """Every table of a page: {caption: [[cell text, ...], ...]} (header and body rows alike)."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._rows: list[list[str]] | None = None
        self._caption: list[str] | None = None
        self._cell: list[str] | None = None
        self._name = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._name = [], ""
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption" and self._caption is not None:
            self._name, self._caption = " ".join("".join(self._caption).split()), None
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._name] = self._rows
            self._rows = None

    def handle_data(self, data):
        for part in (self._caption, self._cell):
            if part is not None:
                part.append(data)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# ---- the dashboard ---------------------------------------------------------------------------------

def test_dashboard_figures_in_the_table(db, people, client_as, on_today):
    build(db, people)
    page = client_as("viewer").get("/recommendations/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    table = Tables(html).tables["Agency responses to the Council's recommendations"]
    assert table[0] == ["Agency", "Received", "Answered", "Answered on time", "Answered late", "Overdue, no answer",
                        "On-time rate", "Concur", "Partially concur", "Non-concur", "Commitments open",
                        "Commitments done", "Implemented"]
    assert table[1:] == [
        ["DHS", "4", "2", "2", "0", "1", "100%", "2", "0", "0", "1", "1", "1"],
        ["DOJ", "6", "3", "2", "1", "1", "67%", "1", "1", "1", "1", "1", "1"],
        ["All agencies", "10", "5", "4", "1", "2", "80%", "3", "1", "1", "2", "2", "2"],
    ]
    council = Tables(html).tables["The Council's recommendations by report year"]
    assert council[1:] == [["2028 annual report", "2", "1", "1", "0", "0", "0%"],
                           ["2027 annual report", "5", "1", "2", "1", "1", "20%"]]


def test_dashboard_charts_are_accessible_svg_with_the_table_numbers(db, people, client_as, on_today):
    build(db, people)
    html = client_as("viewer").get("/recommendations/dashboard").get_data(as_text=True)
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", html, re.S)
    assert len(svgs) == 2
    for svg, chart_id in zip(svgs, ("agency-chart", "council-chart"), strict=True):
        assert 'role="img"' in svg and f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg
        assert f'<title id="{chart_id}-title">' in svg and f'<desc id="{chart_id}-desc">' in svg
    # Bar labels, agency by agency: on time, late, overdue (DHS then DOJ).
    labels = re.findall(r'<text x="[\d.]+" y="[\d.]+" fill="#1b1b1b">(\d+)</text>', svgs[0])
    assert labels == ["2", "0", "1", "2", "1", "1"]
    assert "Across agencies, 4 answers on time, 1 late, and 2 overdue without an answer." in svgs[0]
    council_labels = re.findall(r'<text x="[\d.]+" y="[\d.]+" fill="#1b1b1b">(\d+)</text>', svgs[1])
    assert council_labels == ["5", "1", "2", "0"]  # 2027 then 2028: submitted, implemented
    assert "2027: 1 of 5 implemented (20%); 2028: 0 of 2 implemented (0%)." in svgs[1]
    assert "style=" not in html and "<script>" not in html


def test_dashboard_by_year(db, people, client_as, on_today):
    build(db, people)
    html = client_as("viewer").get("/recommendations/dashboard?year=2028").get_data(as_text=True)
    table = Tables(html).tables["Agency responses to the Council's recommendations of 2028"]
    assert table[1:] == [["DHS", "1", "1", "1", "0", "0", "100%", "1", "0", "0", "1", "0", "0"],
                         ["DOJ", "2", "1", "1", "0", "0", "100%", "0", "1", "0", "1", "0", "0"],
                         ["All agencies", "3", "2", "2", "0", "0", "100%", "1", "1", "0", "2", "0", "0"]]
    assert '<option value="2028" selected>' in html


def test_dashboard_with_nothing_and_a_bad_year(client_as):
    c = client_as("liaison", agency="DOJ")
    html = c.get("/recommendations/dashboard").get_data(as_text=True)
    assert "No recommendation has been addressed to an agency yet." in html
    assert "The Council has not submitted any recommendation yet." in html and "<svg" not in html
    bad = c.get("/recommendations/dashboard?year=nope")
    assert bad.status_code == 422 and "Choose a report year such as 2027." in bad.get_data(as_text=True)


def test_pages_need_a_signed_in_user(client):
    for url in ("/recommendations/dashboard", "/recommendations/report/2027", "/recommendations/report/2027.md",
                "/recommendations/report/2027.pdf", "/recommendations/report/2027/order"):
        assert client.get(url).status_code in (302, 401)


# ---- the annual report ------------------------------------------------------------------------------

def _ordered(db, people):
    f = build(db, people)
    rec_reports.set_report_order(session=db, actor=people["council"], year=2027,
                                 ordered_ids=[f[k].id for k in ORDER])
    db.flush()
    db.expire_all()
    return f


def _labels(f) -> list[str]:
    return [f"{f[k].number}: {f[k].title}" for k in ORDER]


def test_report_page_in_the_councils_order(db, people, client_as):
    f = _ordered(db, people)
    c = client_as("viewer")
    html = c.get("/recommendations/report/2027").get_data(as_text=True)
    assert "<h1>U.S. Advisory Council on Human Trafficking: Annual Report 2027</h1>" in html
    headings = re.findall(r'<h3 id="rec-\d+-heading">([^<]+)</h3>', html)
    assert headings == _labels(f)  # all of the pillar protection: one group, in the Council's order
    r1 = html[html.index(f'id="rec-{f["r1"].id}"'):html.index(f'id="rec-{f["r5"].id}"')]
    assert "<h5>Department of Homeland Security (DHS): Concur</h5>" in r1
    assert "<strong>concur</strong>" in r1  # the sanitized response HTML
    table = Tables(r1).tables["Commitments of DHS in response to 2027-01"]
    assert table[1:] == [["A3 screening tool", "Done", "100%", "August 1, 2027"],
                         ["A4 pilot", "Cancelled", "—not reported", "December 1, 2027"]]
    r3 = html[html.index(f'id="rec-{f["r3"].id}"'):html.index(f'id="rec-{f["r1"].id}"')]
    assert "Department of Justice (DOJ): no response yet" in r3 and "response due May 1, 2027" in r3
    assert "Change the order" not in html  # a viewer may not
    assert "Change the order" in client_as("council").get("/recommendations/report/2027").get_data(as_text=True)


def test_empty_year(client_as):
    c = client_as("viewer")
    page = c.get("/recommendations/report/2031")
    assert page.status_code == 200
    assert "No recommendations were filed for 2031." in page.get_data(as_text=True)
    md = c.get("/recommendations/report/2031.md")
    assert md.status_code == 200 and "No recommendations were filed for 2031." in md.get_data(as_text=True)
    pdf = c.get("/recommendations/report/2031.pdf")
    text = " ".join(pypdf.PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert pdf.status_code == 200 and "No recommendations were filed for 2031." in text
    assert c.get("/recommendations/report/1999").status_code == 404


def test_markdown_download(db, people, client_as):
    f = _ordered(db, people)
    response = client_as("viewer").get("/recommendations/report/2027.md")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="advisory-council-annual-report-2027.md"'
    text = response.get_data(as_text=True)
    assert text.startswith("# U.S. Advisory Council on Human Trafficking: Annual Report 2027\n")
    assert [line[4:] for line in text.splitlines() if line.startswith("### 2027")] == _labels(f)
    assert "##### DOJ (Department of Justice): Non-concur" in text


def test_pdf_has_the_recommendations_in_order(db, people, client_as):
    f = _ordered(db, people)
    response = client_as("viewer").get("/recommendations/report/2027.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="advisory-council-annual-report-2027.pdf"'
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "U.S. Advisory Council on Human Trafficking" in text and "Annual Report 2027" in text
    labels = _labels(f)
    found = sorted((m.start(), label) for label in labels for m in re.finditer(re.escape(label), text))
    # The contents, then the sections, in order; then the index: DHS's recommendations, then DOJ's.
    dhs = [label for k, label in zip(ORDER, labels, strict=True) if k in ("r3", "r1", "r4")]
    doj = [label for k, label in zip(ORDER, labels, strict=True) if k in ("r3", "r1", "r5", "r2")]
    assert [label for _pos, label in found] == labels + labels + dhs + doj
    assert "Department of Homeland Security (DHS): Concur" in text and "A3 screening tool" in text
    assert reader.metadata.title == "U.S. Advisory Council on Human Trafficking: Annual Report 2027"


# ---- the order page ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role,kw", [("liaison", {"agency": "DOJ"}), ("viewer", {})])
def test_order_page_refuses_others(db, people, client_as, role, kw):
    f = build(db, people)
    c = client_as(role, **kw)
    assert c.get("/recommendations/report/2027/order").status_code == 403
    ids = ",".join(str(f[k].id) for k in ("r1", "r2", "r3", "r4", "r5"))
    posted = c.post("/recommendations/report/2027/order", data={"rec_id": f["r2"].id, "direction": "up",
                                                                 "order": ids})
    assert posted.status_code == 403
    db.expire_all()
    assert db.get(Recommendation, f["r2"].id).report_order is None


@pytest.mark.parametrize("role", ["council", "secretariat"])
def test_order_page_moves_for_council_and_staff(db, people, client_as, role):
    f = build(db, people)
    c = client_as(role)
    html = c.get("/recommendations/report/2027/order").get_data(as_text=True)
    assert Tables(html).tables["Recommendations of the 2027 report, in report order"][1][:2] == [
        "1", f"{f['r1'].number}: {f['r1'].title}"]
    assert html.count(">Move up<") == 4 and html.count(">Move down<") == 4
    assert '<span class="usa-sr-only"> 2027-03</span>' in html
    seen = ",".join(str(f[k].id) for k in ("r1", "r2", "r3", "r4", "r5"))
    moved = c.post("/recommendations/report/2027/order", data={"rec_id": f["r3"].id, "direction": "up", "order": seen})
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith(f"/recommendations/report/2027/order#rec-{f['r3'].id}")
    after = c.get("/recommendations/report/2027/order").get_data(as_text=True)
    assert "Moved 2027-03 to place 2 of 5." in after
    rows = Tables(after).tables["Recommendations of the 2027 report, in report order"][1:]
    assert [r[1][:7] for r in rows] == ["2027-01", "2027-03", "2027-02", "2027-04", "2027-05"]
    # The same form again shows an order that is no longer true: refused, and the current order shown.
    stale = c.post("/recommendations/report/2027/order", data={"rec_id": f["r3"].id, "direction": "up", "order": seen})
    assert stale.status_code == 409 and "Someone changed the order" in stale.get_data(as_text=True)
    db.expire_all()
    assert [i.number for i in rec_reports.annual_report(db, 2027).items][:3] == ["2027-01", "2027-03", "2027-02"]
    first = c.post("/recommendations/report/2027/order", data={"rec_id": f["r1"].id, "direction": "up"})
    assert first.status_code == 422 and "It is already first." in first.get_data(as_text=True)


# ---- query counts -----------------------------------------------------------------------------------

def _bulk(db, author_id: int, start: int, count: int, year: int = 2040) -> None:
    """*count* reported recommendations of *year*, each addressed to two agencies, one of them answered."""
    agencies = list(db.execute(select(Agency.id).where(Agency.acronym.in_(("DOJ", "DHS", "DOL", "HHS")))
                               .order_by(Agency.id)).scalars())
    now = utcnow()
    statuses = ("open", "closed_implemented", "closed_not_implemented", "under_review", "submitted")
    db.execute(insert(Recommendation), [
        {"number": f"{year}-{n:04d}", "report_year": year, "sequence": n, "title": f"Bulk recommendation {n}",
         "body_md": "Text.", "body_html": "<p>Text.</p>", "rationale_md": "", "rationale_html": "",
         "pillar": "prevention", "status": statuses[n % len(statuses)], "priority": False, "filed_by_id": author_id,
         "version": 1, "created_at": now, "updated_at": now, "submitted_at": now}
        for n in range(start, start + count)])
    ids = list(db.execute(select(Recommendation.id).where(
        Recommendation.report_year == year, Recommendation.sequence >= start)).scalars())
    due = date(2040, 3, 1)
    db.execute(insert(RecommendationTarget), [
        {"recommendation_id": rec_id, "agency_id": agencies[(rec_id + k) % len(agencies)], "response_due": due}
        for rec_id in ids for k in (0, 1)])
    db.execute(insert(AgencyResponse), [
        {"recommendation_id": rec_id, "agency_id": agencies[rec_id % len(agencies)], "revision": 1,
         "is_current": True, "position": ("concur", "partially_concur", "non_concur")[rec_id % 3],
         "response_md": "Yes.", "response_html": "<p>Yes.</p>", "author_id": author_id,
         "created_at": datetime.combine(due - timedelta(days=rec_id % 3), datetime.min.time(), UTC),
         "due_date": due}
        for rec_id in ids])
    db.flush()


def test_dashboard_and_report_queries_do_not_grow_with_recommendations(db, people, client_as, count_queries):
    c = client_as("viewer")
    author = people["author"].id
    urls = ("/recommendations/dashboard", "/recommendations/dashboard?year=2040", "/recommendations/report/2040")
    _bulk(db, author, 1, 10)
    for url in urls:
        assert c.get(url).status_code == 200  # warm up
    counts = {}
    for url in urls:
        with count_queries() as q:
            page = c.get(url)
        assert page.status_code == 200
        counts[url] = q.count
    _bulk(db, author, 11, 990)
    for url in urls:
        with count_queries() as q:
            page = c.get(url)
        assert page.status_code == 200
        assert q.count == counts[url], url
    table = Tables(c.get("/recommendations/dashboard?year=2040").get_data(as_text=True)).tables[
        "Agency responses to the Council's recommendations of 2040"]
    assert table[-1][:3] == ["All agencies", "2000", "1000"]
    assert "Bulk recommendation 1000" in _text(page.get_data(as_text=True))
