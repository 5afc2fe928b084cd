"""The notifications API: the caller's own list, the unread filter, the read mark, someone else's is 404."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pitf.models import Notification, utcnow

BASE = "/api/v1/notifications"


def note(db, user, title="Escalated", *, minutes_ago=0, read=False, body="", url="/action-items/3"):
    created = utcnow() - timedelta(minutes=minutes_ago)
    row = Notification(user_id=user.id, kind="escalation", title=title, body=body, url=url, created_at=created,
                       read_at=created if read else None)
    db.add(row)
    db.flush()
    return row


def test_list_is_the_callers_own_with_the_contract_fields(db, client, api_as, make_user):
    headers, me = api_as("liaison", agency="DOJ")
    note(db, me, "Older", minutes_ago=10, read=True)
    newest = note(db, me, "Newest", body="DOJ is 15 days late.")
    note(db, make_user("viewer"), "Someone else's")
    r = client.get(BASE, headers=headers)
    assert r.status_code == 200
    assert r.json["total"] == 2 and r.json["page"] == 1 and r.json["per_page"] == 50
    first = r.json["items"][0]
    assert {"id", "kind", "title", "url", "created_at", "read_at", "body"} <= set(first)
    assert first["id"] == newest.id and first["title"] == "Newest" and first["read_at"] is None
    assert first["body"] == "DOJ is 15 days late." and first["url"] == "/action-items/3"
    assert first["kind"] == "escalation" and "+00:00" in first["created_at"]
    assert r.json["items"][1]["read_at"] is not None


def test_unread_filter_and_paging(db, client, api_as):
    headers, me = api_as("viewer")
    for k in range(5):
        note(db, me, f"N{k}", minutes_ago=k, read=k >= 3)
    unread = client.get(f"{BASE}?unread=true", headers=headers).json
    assert unread["total"] == 3 and [i["title"] for i in unread["items"]] == ["N0", "N1", "N2"]
    assert client.get(f"{BASE}?unread=false", headers=headers).json["total"] == 5
    paged = client.get(f"{BASE}?per_page=2&page=3", headers=headers).json
    assert [i["title"] for i in paged["items"]] == ["N4"] and paged["total"] == 5


@pytest.mark.parametrize("query, field", [("unread=maybe", "unread"), ("page=0", "page"), ("per_page=500", "per_page")])
def test_bad_filters_are_422(client, api_as, query, field):
    headers, _me = api_as("viewer")
    r = client.get(f"{BASE}?{query}", headers=headers)
    assert r.status_code == 422 and field in r.json["error"]["fields"]


def test_mark_read_returns_the_notification(db, client, api_as):
    headers, me = api_as("viewer")
    n = note(db, me)
    r = client.post(f"{BASE}/{n.id}/read", headers=headers)
    assert r.status_code == 200 and r.json["id"] == n.id and r.json["read_at"] is not None
    again = client.post(f"{BASE}/{n.id}/read", headers=headers)
    assert again.status_code == 200 and again.json["read_at"] == r.json["read_at"]
    assert client.get(f"{BASE}?unread=true", headers=headers).json["total"] == 0


def test_someone_elses_notification_is_404(db, client, api_as, make_user):
    headers, _me = api_as("admin")
    theirs = note(db, make_user("viewer"))
    for url in (f"{BASE}/{theirs.id}/read", f"{BASE}/99999999999/read"):
        r = client.post(url, headers=headers)
        assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    db.refresh(theirs)
    assert theirs.read_at is None


def test_a_token_is_needed(client):
    assert client.get(BASE).status_code == 401
    assert client.post(f"{BASE}/1/read").status_code == 401


def test_documented_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "get" in paths["/notifications"] and "post" in paths["/notifications/{notification_id}/read"]
