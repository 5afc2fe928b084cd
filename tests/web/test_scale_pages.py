"""Every page family the benchmark measures renders on the scale data, for each role (a tiny scale: the same
shapes as `pitf demo --scale 10`)."""

import pytest
from sqlalchemy import select

from pitf.demo import load_demo
from pitf.demo_scale import load_scale
from pitf.models import ActionItem, Meeting, Minutes, Recommendation, User, utcnow
from pitf.permissions import SYSTEM
from tests.conftest import sign_in_client

ROLES = {"admin": "admin@pitf.example.gov", "secretariat": "iga@pitf.example.gov",
         "liaison": "liaison.doj@pitf.example.gov", "council": "council.chair@pitf.example.gov",
         "viewer": "viewer@pitf.example.gov"}


@pytest.fixture
def scaled(app, db, tmp_path):
    """The demo, then one unit of 200 items: 10 meetings, 5 recommendations, 800 notifications."""
    load_demo(db, tmp_path)
    db.flush()
    load_scale(db, 1, items_per_unit=200)
    db.flush()
    people = {u.email: u for u in db.execute(select(User)).scalars()}
    return {role: people[email] for role, email in ROLES.items()}


def _client(app, user):
    c = app.test_client()
    sign_in_client(c, user)
    return c


def _ids(db, model, where):
    return db.execute(select(model.id).where(where).order_by(model.id)).scalars().all()


@pytest.mark.parametrize("role", tuple(ROLES))
def test_every_benchmarked_page_renders_on_the_scale_data(app, db, scaled, role):
    user = scaled[role]
    meetings = _ids(db, Meeting, Meeting.title.not_like("Demo: %"))
    minuted = db.execute(select(Minutes.meeting_id).where(Minutes.meeting_id.in_(meetings))).scalars().all()
    recs = _ids(db, Recommendation, Recommendation.number.like("____-%"))
    item = db.execute(select(ActionItem.id).where(ActionItem.external_ref == "scale-1")).scalar_one()
    assert len(meetings) == 10 and minuted and len(recs) >= 3
    pages = ["/action-items/", "/action-items/?page=4", "/action-items/?agency=DOJ&overdue=true",
             "/action-items/?q=protocol", f"/action-items/{item}", "/dashboard", "/scorecards/", "/scorecards/DOJ",
             "/scorecards/annual-summary", "/scorecards/annual-summary.csv",
             "/meetings/", "/recommendations/", "/recommendations/dashboard",
             f"/recommendations/report/{utcnow().year - 1}", "/notifications", "/notifications?page=2",
             "/search?q=screening", "/search?q=%22forced+labor%22",
             *[f"/meetings/{m}" for m in meetings], *[f"/meetings/{m}/minutes" for m in minuted],
             *[f"/recommendations/{r}" for r in recs]]
    if role == "admin":
        pages += ["/admin/audit", "/admin/audit?page=100"]
    c = _client(app, user)
    # A liaison's lists open on their agency's view (a redirect); every page ends in 200.
    failures = [f"{url} -> {r.status_code}" for url in pages
                if (r := c.get(url, follow_redirects=True)).status_code != 200]
    assert failures == []


def test_the_api_lists_the_scale_data(app, db, scaled):
    from pitf.services.tokens import create_token

    _row, token = create_token(session=db, actor=SYSTEM, user=scaled["viewer"])
    db.flush()
    c = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for url in ("/api/v1/action-items", "/api/v1/action-items?page=4", "/api/v1/meetings",
                "/api/v1/recommendations", "/api/v1/notifications", "/api/v1/search?q=screening"):
        r = c.get(url, headers=headers)
        assert r.status_code == 200, (url, r.get_data(as_text=True)[:300])
        assert r.get_json()["items"], url
