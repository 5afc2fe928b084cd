"""The scorecard pages: who sees them, the numbers in their tables, the chart, and their query counts."""

from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, insert, select

from pitf.models import ActionItem, ActionItemSupport, utcnow
from pitf.services import scorecards
from tests.factories import agency, committee

ROLES = ["admin", "secretariat", "liaison", "council", "viewer"]


class _Tables(HTMLParser):
    """Rows of every table as lists of cell texts, and the hrefs found in each row."""

    def __init__(self):
        super().__init__()
        self.rows: list[tuple[list[str], list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append(([], []))
        elif tag in ("td", "th") and self.rows:
            self._cell = []
        elif tag == "a" and self.rows:
            self.rows[-1][1].append(dict(attrs).get("href", ""))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1][0].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str) -> list[tuple[list[str], list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.rows


def row_starting(html: str, first: str) -> list[str]:
    return next(cells for cells, _links in table_rows(html) if cells and cells[0] == first)


def item_row(*, committee_id: int, lead_agency_id: int, n: int, today: date) -> dict:
    """A varied item for bulk inserts: open, overdue, done on time, done late, cancelled."""
    kind = n % 5
    due = today + timedelta(days=(n % 40) - 20)
    now = utcnow()
    closed = None
    status = ("open", "in_progress", "done", "done", "cancelled")[kind]
    if kind == 2:
        closed = datetime(due.year, due.month, due.day, 12, tzinfo=UTC) - timedelta(days=1)
    elif kind == 3:
        closed = datetime(due.year, due.month, due.day, 12, tzinfo=UTC) + timedelta(days=1 + n % 7)
    elif kind == 4:
        closed = now
    return {"title": f"Bulk item {n}", "description_md": "", "description_html": "", "committee_id": committee_id,
            "lead_agency_id": lead_agency_id, "due_date": due, "status": status,
            "pillar": ("prevention", "protection", "prosecution", "partnership")[n % 4], "priority": "normal",
            "cancel_reason": "", "closed_at": closed, "version": 1, "created_at": now, "updated_at": now}


@pytest.fixture
def doj_items(db):
    """DOJ leads: 2 open overdue, 1 open not due, 1 done on time, 1 done 4 days late, 1 cancelled."""
    body = committee(db, "Senior Policy Operating Group")
    doj, dhs = agency(db, "DOJ"), agency(db, "DHS")
    today = utcnow().date()
    past, future = today - timedelta(days=30), today + timedelta(days=30)

    def add(lead, title, due, status="open", pillar="prevention", closed=None):
        item = ActionItem(title=title, committee_id=body.id, lead_agency_id=lead.id, due_date=due, status=status,
                          pillar=pillar, closed_at=closed)
        db.add(item)
        db.flush()
        return item

    noon = datetime(past.year, past.month, past.day, 12, tzinfo=UTC)
    items = [
        add(doj, "Train task forces <trauma-informed>", past, pillar="protection"),
        add(doj, "Publish the screening guide", today - timedelta(days=1), status="blocked"),
        add(doj, "Plan the next grant round", future, status="in_progress"),
        add(doj, "Report prosecutions", past, status="done", pillar="prosecution", closed=noon - timedelta(days=2)),
        add(doj, "Update the victim guide", past, status="done", pillar="prosecution", closed=noon + timedelta(days=4)),
        add(doj, "Withdrawn idea", past, status="cancelled", closed=noon),
        add(dhs, "Supply chain review", past),
    ]
    db.add(ActionItemSupport(action_item_id=items[-1].id, agency_id=doj.id))
    db.flush()
    return items


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_summary_and_the_agency_scorecard(client_as, role, doj_items):
    c = client_as(role, agency="DOJ" if role == "liaison" else None)
    summary = c.get("/scorecards/")
    assert summary.status_code == 200
    html = summary.get_data(as_text=True)
    # Agency, open, overdue, done, on time, median days late
    assert row_starting(html, "DOJ") == ["DOJ", "3", "2", "2", "50%", "4"]
    assert row_starting(html, "DHS") == ["DHS", "1", "1", "0", "—no item done", "—no item done late"]
    assert row_starting(html, "All active agencies") == ["All active agencies", "4", "3", "2", "50%", "4"]
    links = {href for _cells, hrefs in table_rows(html) for href in hrefs}
    assert "/scorecards/DOJ" in links and "/scorecards/HHS" in links

    page = c.get("/scorecards/DOJ")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Department of Justice (DOJ): scorecard" in html
    # Open, overdue, done, on time, median days late, cancelled
    assert ["3", "2", "2", "50%", "4", "1"] in [cells for cells, _ in table_rows(html)]
    assert row_starting(html, "Protection") == ["Protection", "1", "1", "0", "—no item done"]
    assert row_starting(html, "Prevention") == ["Prevention", "2", "1", "0", "—no item done"]
    assert row_starting(html, "Prosecution") == ["Prosecution", "0", "0", "2", "50%"]
    assert row_starting(html, "All pillars") == ["All pillars", "3", "2", "2", "50%"]
    assert "also supports 1 open commitment" in html


def test_agency_page_lists_overdue_items_linked_and_the_filtered_list(client_as, doj_items):
    html = client_as("viewer").get("/scorecards/doj").get_data(as_text=True)
    overdue_rows = [(cells, hrefs) for cells, hrefs in table_rows(html)
                    if hrefs and hrefs[0].startswith("/action-items/")]
    assert [cells[0] for cells, _ in overdue_rows] == ["Train task forces <trauma-informed>",
                                                       "Publish the screening guide"]
    assert overdue_rows[0][1] == [f"/action-items/{doj_items[0].id}"]
    assert overdue_rows[0][0][-1] == "30"  # days overdue
    assert "Train task forces &lt;trauma-informed&gt;" in html  # titles are escaped
    assert 'href="/action-items/?agency=DOJ&amp;overdue=true"' in html
    assert 'href="/action-items/?agency=DOJ&amp;agency_role=lead&amp;overdue=true"' in html


def test_overdue_list_stops_at_twenty_longest_overdue(client_as, db):
    body, doj = committee(db, "Grantmaking"), agency(db, "DOJ")
    today = utcnow().date()
    db.execute(insert(ActionItem), [
        {**item_row(committee_id=body.id, lead_agency_id=doj.id, n=0, today=today),
         "title": f"Late {i:02d}", "status": "open", "closed_at": None, "due_date": today - timedelta(days=100 - i)}
        for i in range(25)])
    db.flush()
    html = client_as("viewer").get("/scorecards/DOJ").get_data(as_text=True)
    titles = [cells[0] for cells, hrefs in table_rows(html) if hrefs and hrefs[0].startswith("/action-items/")]
    assert titles == [f"Late {i:02d}" for i in range(20)]
    assert "The 20 longest overdue of the 25 overdue commitments DOJ leads" in html


def test_unknown_agency_is_404(client_as):
    assert client_as("viewer").get("/scorecards/NOPE").status_code == 404


@pytest.mark.parametrize("path", ["/scorecards/", "/scorecards/DOJ"])
def test_anonymous_is_sent_to_sign_in(client, path):
    r = client.get(path)
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", ["/scorecards/", "/scorecards/DOJ"])
def test_chart_is_an_accessible_svg_with_no_inline_style_or_script(client_as, doj_items, path):
    html = client_as("viewer").get(path).get_data(as_text=True)
    svg = html[html.index("<svg"):html.index("</svg>")]
    head = svg[:svg.index(">")]
    assert 'role="img"' in head and "aria-labelledby=" in head
    for ref in head.split('aria-labelledby="')[1].split('"')[0].split():
        assert f'id="{ref}"' in svg
    assert "<title" in svg and "<desc" in svg
    assert 'fill="#005ea2"' in svg and 'fill="#b50909"' in svg  # open blue, overdue red
    assert "Open" in svg and "Overdue" in svg  # a text legend
    assert "style=" not in html and "<script>" not in html and " onload=" not in svg


def test_summary_chart_draws_each_agency_bars_to_scale(client_as, doj_items):
    html = client_as("viewer").get("/scorecards/").get_data(as_text=True)
    svg = html[html.index("<svg"):html.index("</svg>")]
    # DOJ has the most open items (3): its open bar is the full width; its 2 overdue are two thirds of it
    assert 'Most overdue: DOJ with 2.' in svg
    doj = svg[svg.index(">DOJ</text>"):]
    widths = [float(part.split('"')[0]) for part in doj.split('width="')[1:3]]
    assert widths[1] == pytest.approx(widths[0] * 2 / 3, abs=0.1)


def test_agency_directory_page_links_to_the_scorecard(client_as):
    html = client_as("viewer").get("/agencies/DOJ").get_data(as_text=True)
    assert 'href="/scorecards/DOJ"' in html


def test_scorecard_pages_issue_the_same_queries_at_10_and_1000_items(client_as, db, count_queries):
    c = client_as("viewer")
    liaison, staff = client_as("liaison", agency="DOJ"), client_as("secretariat")
    body = committee(db, "Research and Data")
    leads = [agency(db, a).id for a in ("DOJ", "DHS", "DOL", "HHS")]  # 4 leads, 5 kinds: each gets all
    supporter = agency(db, "DOT").id
    today = utcnow().date()

    def bulk(start: int, stop: int) -> None:
        db.execute(insert(ActionItem), [item_row(committee_id=body.id, lead_agency_id=leads[n % len(leads)], n=n,
                                                 today=today) for n in range(start, stop)])
        ids = db.execute(select(ActionItem.id).where(ActionItem.title.like("Bulk item %"))).scalars().all()
        have = set(db.execute(select(ActionItemSupport.action_item_id)).scalars())
        support = [{"action_item_id": i, "agency_id": supporter} for i in ids if i % 3 == 0 and i not in have]
        if support:
            db.execute(insert(ActionItemSupport), support)
        db.flush()

    def counts() -> dict[str, int]:
        result = {}
        for who, client, path in (("viewer", c, "/scorecards/"), ("viewer", c, "/scorecards/DOJ"),
                                  ("viewer", c, "/dashboard"), ("liaison", liaison, "/dashboard"),
                                  ("secretariat", staff, "/dashboard")):
            with count_queries() as q:
                r = client.get(path)
                assert r.status_code == 200
            result[f"{who} {path}"] = q.count
            if r.headers.get("ETag"):  # the browser asks again: a 304, with fewer queries than the page
                with count_queries() as q:
                    assert client.get(path, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
                result[f"{who} {path} 304"] = q.count
                assert q.count < result[f"{who} {path}"]
        return result

    for client in (c, liaison, staff):  # the first request of a client may set up its session
        client.get("/dashboard")
        client.get("/scorecards/")
    bulk(0, 10)
    small = counts()
    bulk(10, 1000)
    assert db.scalar(select(ActionItem.id).where(ActionItem.status == "done").limit(1)) is not None
    large = counts()
    assert db.scalar(select(func.count()).select_from(ActionItem)) == 1000
    assert small == large, (small, large)
    # the large set reaches every branch: the capped overdue list, late items for the median, supporters
    card = scorecards.agency_scorecard(db, leads[0], today)
    assert card.overdue > 20 and card.done_late and card.median_days_late is not None and card.cancelled
    assert scorecards.summary(db, today)[-1].done == 400
