"""Conditional GET: a 304 only when the asker's own view is unchanged, never another user's, never a lost message."""

from datetime import date, timedelta

from pitf.models import User
from pitf.services import actions
from pitf.services.notify import notify
from tests.factories import committee


def _item(db, staff):
    return actions.create_action_item(session=db, actor=staff, data={
        "title": "Train task forces", "committee_id": committee(db, "Victim Services").id, "lead_agency": "DOJ",
        "due_date": (date.today() + timedelta(days=30)).isoformat(), "pillar": "protection"})


def _again(client, path, r):
    return client.get(path, headers={"If-None-Match": r.headers["ETag"]})


def test_scorecards_answer_304_until_an_item_changes(client_as, db, staff):
    item = _item(db, staff)
    c = client_as("viewer")
    for path in ("/scorecards/", "/scorecards/DOJ"):
        r = c.get(path)
        assert r.status_code == 200 and r.headers["ETag"].startswith('W/"')
        assert r.headers["Cache-Control"] == "no-store" and "Cookie" in r.headers["Vary"]  # no copy after sign-out
        again = _again(c, path, r)
        assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == r.headers["ETag"]
    r = c.get("/scorecards/")
    actions.post_status_update(session=db, actor=staff, item_id=item.id, version=item.version, status="blocked",
                               note_md="Waiting.")
    db.flush()
    changed = _again(c, "/scorecards/", r)
    assert changed.status_code == 200 and changed.headers["ETag"] != r.headers["ETag"]


def test_one_users_tag_is_never_another_users_304(client_as):
    viewer, other_viewer, liaison = client_as("viewer"), client_as("viewer"), client_as("liaison", agency="DOJ")
    r = viewer.get("/scorecards/")
    for other in (other_viewer, liaison):
        answer = _again(other, "/scorecards/", r)
        assert answer.status_code == 200 and answer.headers["ETag"] != r.headers["ETag"]


def test_a_new_notification_or_a_waiting_message_renders_the_page(client_as, db):
    c = client_as("viewer")
    r = c.get("/scorecards/")
    notify(db, users=[db.get(User, c.user.id)], kind="test", title="Something new", url="/scorecards/")
    db.flush()
    r2 = _again(c, "/scorecards/", r)
    assert r2.status_code == 200 and r2.headers["ETag"] != r.headers["ETag"]
    with c.session_transaction() as sess:
        sess["_flashes"] = [("success", "Saved.")]
    r3 = _again(c, "/scorecards/", r2)
    assert r3.status_code == 200 and "Saved." in r3.get_data(as_text=True)


def test_signed_out_browser_gets_no_304(client, client_as):
    r = client_as("viewer").get("/scorecards/")
    answer = _again(client, "/scorecards/", r)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_api_item_and_list_answer_304_while_unchanged(client, api_as, db, staff):
    item = _item(db, staff)
    headers, _user = api_as("viewer")
    for path in (f"/api/v1/action-items/{item.id}", "/api/v1/action-items?per_page=5"):
        r = client.get(path, headers=headers)
        assert r.status_code == 200 and r.headers["ETag"].startswith('W/"')
        assert r.headers["Cache-Control"] == "private, no-cache" and "Authorization" in r.headers["Vary"]
        assert "Set-Cookie" not in r.headers
        again = client.get(path, headers={**headers, "If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
    r = client.get(f"/api/v1/action-items/{item.id}", headers=headers)
    actions.update_action_item(session=db, actor=staff, item_id=item.id, version=item.version,
                               data={"title": "Train all task forces"})
    db.flush()
    changed = client.get(f"/api/v1/action-items/{item.id}", headers={**headers, "If-None-Match": r.headers["ETag"]})
    assert changed.status_code == 200 and changed.get_json()["title"] == "Train all task forces"


def test_api_tag_never_opens_what_the_caller_may_not_see(client, api_as):
    headers, _user = api_as("viewer")
    r = client.get("/api/v1/action-items/987654", headers={**headers, "If-None-Match": '*'})
    assert r.status_code == 404 and "ETag" not in r.headers


def test_the_same_page_again_is_the_copy_the_worker_rendered(client_as, db, staff, count_queries):
    item = _item(db, staff)
    c = client_as("viewer")
    with count_queries() as first:
        r1 = c.get("/scorecards/DOJ")
    with count_queries(keep_copies=True) as again:
        r2 = c.get("/scorecards/DOJ")
    assert r2.status_code == 200 and r2.data == r1.data and r2.headers["ETag"] == r1.headers["ETag"]
    assert again.count < first.count
    other = client_as("viewer").get("/scorecards/DOJ")  # another session: its own page, its own tag
    assert other.headers["ETag"] != r1.headers["ETag"]
    actions.cancel_action_item(session=db, actor=staff, item_id=item.id, version=item.version, reason="Dropped.")
    db.flush()
    with count_queries(keep_copies=True) as changed:
        r3 = c.get("/scorecards/DOJ")
    assert r3.headers["ETag"] != r1.headers["ETag"] and r3.data != r1.data and changed.count == first.count


# ---- the page cache, for every page ----------------------------------------------------------------

def test_any_page_repeats_from_the_copy_until_the_data_changes(client_as, db, staff, count_queries):
    item = _item(db, staff)
    c = client_as("viewer")
    for path in ("/action-items/", f"/action-items/{item.id}", "/dashboard", "/meetings/", "/recommendations/"):
        with count_queries() as first:
            r1 = c.get(path)
        with count_queries(keep_copies=True) as again:
            r2 = c.get(path)
        assert r1.status_code == r2.status_code == 200 and r2.data == r1.data, path
        assert again.count <= 2 < first.count, path  # the user, the data version; nothing the view reads
    actions.update_action_item(session=db, actor=staff, item_id=item.id, version=item.version,
                               data={"title": "Train every task force"})
    db.flush()
    for path in ("/action-items/", f"/action-items/{item.id}"):
        assert "Train every task force" in c.get(path).get_data(as_text=True), path


def test_a_permission_taken_away_is_seen_at_once(client_as, db, staff):
    item = _item(db, staff)
    c = client_as("liaison", agency="DOJ")
    assert c.get(f"/action-items/{item.id}").status_code == 200
    assert c.get(f"/action-items/{item.id}").status_code == 200  # from the copy
    user = db.get(User, c.user.id)
    user.is_active = False
    db.flush()
    r = c.get(f"/action-items/{item.id}")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_the_copy_follows_the_minute(client_as, monkeypatch):
    import pitf.conditional as conditional

    c = client_as("viewer")
    r1 = c.get("/dashboard")
    monkeypatch.setattr(conditional, "minute", lambda: 10 ** 9)
    r2 = c.get("/dashboard")
    assert r1.status_code == r2.status_code == 200 and r2.headers["ETag"] != r1.headers["ETag"]


def test_views_that_change_the_session_or_are_marked_uncached_always_run(app, make_user):
    from flask import session

    from pitf.conditional import uncached
    from tests.conftest import sign_in_client

    runs = {"writer": 0, "fresh": 0}

    def writer():
        runs["writer"] += 1
        session["visits"] = session.get("visits", 0) + 1
        return f"<p>visit {session['visits']}</p>"

    @uncached
    def fresh():
        runs["fresh"] += 1
        return f"<p>{runs['fresh']}</p>"

    app.add_url_rule("/_test/writer", view_func=writer)
    app.add_url_rule("/_test/fresh", view_func=fresh)
    c = app.test_client()
    sign_in_client(c, make_user("viewer"))
    assert [c.get("/_test/writer").get_data(as_text=True) for _ in range(3)] == [
        "<p>visit 1</p>", "<p>visit 2</p>", "<p>visit 3</p>"]
    assert [c.get("/_test/fresh").get_data(as_text=True) for _ in range(2)] == ["<p>1</p>", "<p>2</p>"]
    assert runs == {"writer": 3, "fresh": 2}


def test_no_copies_kept_when_turned_off_but_304_still_answered(client_as, count_queries):
    c = client_as("viewer")
    c.application.config["PITF_PAGE_CACHE_ENTRIES"] = 0
    with count_queries() as first:
        c.get("/action-items/")
    with count_queries(keep_copies=True) as again:
        r2 = c.get("/action-items/")
    assert again.count == first.count  # rendered again (its forms' signed CSRF tokens carry the second)
    assert _again(c, "/action-items/", r2).status_code == 304


def test_api_reads_repeat_from_the_copy_until_the_data_changes(client, api_as, db, staff, count_queries):
    item = _item(db, staff)
    headers, _user = api_as("viewer")
    path = f"/api/v1/action-items/{item.id}"
    with count_queries() as first:
        r1 = client.get(path, headers=headers)
    with count_queries(keep_copies=True) as again:
        r2 = client.get(path, headers=headers)
    assert r2.get_json() == r1.get_json() and again.count < first.count
    other, _ = api_as("viewer")
    assert client.get(path, headers=other).headers["ETag"] != r1.headers["ETag"]  # another token, its own tag
    actions.update_action_item(session=db, actor=staff, item_id=item.id, version=item.version,
                               data={"title": "Train all task forces"})
    db.flush()
    assert client.get(path, headers=headers).get_json()["title"] == "Train all task forces"


def test_a_kept_page_goes_gzipped_to_browsers_that_take_it(client_as):
    import gzip

    c = client_as("viewer")
    plain = c.get("/action-items/")
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    for _ in range(2):  # the first render and the kept copy
        r = c.get("/action-items/", headers={"Accept-Encoding": "gzip, deflate, br"})
        assert r.headers["Content-Encoding"] == "gzip" and r.headers["ETag"] == plain.headers["ETag"]
        assert gzip.decompress(r.data) == plain.data and len(r.data) < len(plain.data) / 3
    assert "Content-Encoding" not in c.get("/action-items/", headers={"Accept-Encoding": "gzip;q=0"}).headers


def test_the_api_answers_json_as_is_whatever_the_client_accepts(client, api_as):
    headers, _user = api_as("viewer")
    for _ in range(2):
        r = client.get("/api/v1/action-items", headers={**headers, "Accept-Encoding": "gzip"})
        assert r.status_code == 200 and "Content-Encoding" not in r.headers and r.get_json()["page"] == 1
