"""GET /api/v1/search: the page's search as JSON, with the same permissions, escaping and refusals."""

from __future__ import annotations

import re

import pytest

from pitf.services import actions
from tests.search_data import closed_meeting_with_minutes, draft_recommendation, join, new_item, submit


def search(client, headers, **args):
    return client.get("/api/v1/search", headers=headers, query_string=args)


def test_results_are_a_page_of_kind_id_title_url_snippet_and_date(client, db, api_as):
    headers, staff = api_as("secretariat")
    item = new_item(db, staff, "Screen shelters", "The DOJ reviews the T-visa backlog.")
    update = actions.post_status_update(session=db, actor=staff, item_id=item.id, version=item.version,
                                        note_md="The backlog shrank by half.")
    db.flush()
    r = search(client, headers, q="backlog")
    assert r.status_code == 200
    body = r.json
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 50)
    assert {(i["kind"], i["id"], i["url"]) for i in body["items"]} == {
        ("action_item", item.id, f"/action-items/{item.id}"),
        ("status_update", update.id, f"/action-items/{item.id}#update-{update.id}")}
    for i in body["items"]:
        assert set(i) == {"kind", "id", "title", "url", "snippet", "date"}
        assert "<mark>backlog</mark>" in i["snippet"] and re.match(r"\d{4}-\d{2}-\d{2}T", i["date"])
    only = search(client, headers, q="backlog", kind="status_update", per_page=1).json
    assert only["total"] == 1 and only["items"][0]["title"] == "Update on: Screen shelters"


def test_paging_and_filters(client, db, api_as):
    headers, staff = api_as("secretariat")
    for n in range(3):
        new_item(db, staff, f"Hotline report {n}", lead_agency="DHS" if n == 0 else "DOJ")
    second = search(client, headers, q="hotline", per_page=2, page=2).json
    assert (second["total"], len(second["items"]), second["page"]) == (3, 1, 2)
    assert search(client, headers, q="hotline", agency="DHS").json["total"] == 1
    assert search(client, headers, q="hotline", year=2001).json["total"] == 0


@pytest.mark.parametrize("args,fields", [
    ({}, {"q"}),
    ({"q": ""}, {"q"}),
    ({"q": "labor", "kind": "memo", "year": "abc", "page": "0"}, {"kind", "year", "page"}),
    ({"q": "-", "year": "1", "per_page": "x"}, {"q", "year", "per_page"}),
    ({"q": "labor", "per_page": "101"}, {"per_page"}),
    ({"q": "labor", "agency": "NOPE"}, {"agency"}),
    ({"q": "labor", "committee": "99999999999"}, {"committee"}),
])
def test_bad_arguments_are_named_in_a_422(client, api_as, args, fields):
    headers, _ = api_as("viewer")
    r = search(client, headers, **args)
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid"
    assert set(r.json["error"]["fields"]) == fields


@pytest.mark.parametrize("q", ['"unbalanced quote', "-", "- - -", "NEAR(", "NEAR(labor, 2)", "*", "labor*", '"',
                               "((labor", "title:labor", "x" * 1000, "labor " * 200, "the of", "\x00labor"])
def test_hostile_queries_are_searched_or_refused_never_a_500(client, db, api_as, q):
    headers, staff = api_as("secretariat")
    new_item(db, staff, "Labor near an unbalanced quote")
    r = search(client, headers, q=q)
    assert r.status_code in (200, 422), r.get_data(as_text=True)
    if r.status_code == 422:
        assert r.json["error"]["fields"]["q"]
    else:
        assert r.json["total"] >= 0


def test_a_stored_script_is_text_and_only_the_highlight_is_html(client, db, api_as):
    headers, staff = api_as("secretariat")
    new_item(db, staff, "<script>alert(1)</script> trafficking", "Before <script>alert(2)</script> trafficking.")
    [hit] = search(client, headers, q="trafficking").json["items"]
    assert hit["title"] == "<script>alert(1)</script> trafficking"  # plain text: the client escapes it
    assert "<script" not in hit["snippet"] and re.search(r"&lt;script&gt;alert\([12]\)&lt;/script&gt;", hit["snippet"])
    assert set(re.findall(r"</?([a-z]+)", hit["snippet"])) == {"mark"}


def test_a_non_member_never_finds_a_closed_meetings_minutes(client, db, api_as, meetings_held):
    staff_headers, staff = api_as("secretariat")
    member_headers, member = api_as("viewer")
    outsider_headers, _ = api_as("viewer")
    other_agency_headers, _ = api_as("liaison", agency="DHS")
    join(db, member)
    meeting = closed_meeting_with_minutes(db, staff, "Safehouse addresses were reviewed.")
    url = f"/meetings/{meeting.id}/minutes"
    for headers in (staff_headers, member_headers):
        assert url in [i["url"] for i in search(client, headers, q="safehouse").json["items"]]
    for headers in (outsider_headers, other_agency_headers):
        body = search(client, headers, q="safehouse").json
        assert body["total"] == 0 and body["items"] == []
        assert search(client, headers, q="safehouse", kind="minutes").json["total"] == 0


def test_another_council_member_never_finds_a_draft(client, db, api_as):
    author_headers, author = api_as("council")
    other_headers, _ = api_as("council")
    rec = draft_recommendation(db, author, "Shelter capacity", "Fund more beds for survivors.")
    assert [i["id"] for i in search(client, author_headers, q="survivors").json["items"]] == [rec.id]
    assert search(client, other_headers, q="survivors").json["total"] == 0
    submit(db, author, rec)
    assert [i["url"] for i in search(client, other_headers, q="survivors").json["items"]] == [
        f"/recommendations/{rec.id}"]


def test_a_token_is_needed(client):
    assert search(client, {}, q="labor").status_code == 401


def test_documented_in_openapi(client):
    operation = client.get("/api/v1/openapi.json").json["paths"]["/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "kind", "committee", "agency", "year", "page",
                                                            "per_page"}
    assert {"200", "401", "422"} <= set(operation["responses"])
