"""The API's lists read q as the pages do, through the search's index: action items, meetings, recommendations."""

from __future__ import annotations

import pytest

from tests.factories import cast
from tests.search_data import list_corpus

LISTS = {"items": "/api/v1/action-items", "meetings": "/api/v1/meetings", "recs": "/api/v1/recommendations"}


@pytest.fixture
def corpus(db, make_user):
    people = cast(make_user, "staff", "author")
    return list_corpus(db, people["staff"], people["author"])


def ids(client, headers, which: str, q: str) -> set[int]:
    r = client.get(LISTS[which], query_string={"q": q, "per_page": 200}, headers=headers)
    assert r.status_code == 200, r.json
    assert r.json["total"] == len(r.json["items"])
    return {i["id"] for i in r.json["items"]}


def named(corpus, part: str, *names: str) -> set[int]:
    return {corpus[part][n].id for n in names}


@pytest.mark.parametrize("q,items,meetings,recs", [
    ("screened", ("shelters", "supply"), ("spring",), ("screen",)),
    ('"forced labor"', ("supply",), ("spring",), ("screen",)),
    ("labor -supply", ("inspections",), ("spring",), ("screen",)),
    ("interviewed or statistics or interpreters", ("inspections",), ("grants",), ("hotline",)),
    ("T-visa", ("shelters",), ("spring",), ()),
    ("lab", (), (), ()),
])
def test_each_list_finds_by_stem_and_phrase_and_leaves_out_words(client, api_as, corpus, q, items, meetings, recs):
    headers, _ = api_as("viewer")
    assert ids(client, headers, "items", q) == named(corpus, "items", *items)
    assert ids(client, headers, "meetings", q) == named(corpus, "meetings", *meetings)
    assert ids(client, headers, "recs", q) == named(corpus, "recs", *recs)


def test_the_closed_meeting_and_the_draft_are_found_by_those_who_may_see_them(client, api_as, corpus):
    staff, _ = api_as("secretariat")
    assert ids(client, staff, "meetings", "cases") == named(corpus, "meetings", "closed")
    outsider, _ = api_as("liaison", agency="DHS")
    assert ids(client, outsider, "meetings", "cases") == set()
    assert ids(client, outsider, "recs", "kiosks") == set()


@pytest.mark.parametrize("which", LISTS)
@pytest.mark.parametrize("q,message", [
    ("-", "punctuation alone"), ("of the", "Common words"), ("-labor", "not only what to leave out"),
    ("x" * 300, "at most 256"),
])
def test_a_refused_query_is_a_422_on_q_with_the_other_bad_filters(client, api_as, which, q, message):
    headers, _ = api_as("viewer")
    r = client.get(LISTS[which], query_string={"q": q, "page": "0"}, headers=headers)
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid"
    assert message in r.json["error"]["fields"]["q"] and "page" in r.json["error"]["fields"]


def test_the_document_declares_q_on_every_list(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/action-items", "/meetings", "/recommendations"):
        [q] = [p for p in paths[path]["get"]["parameters"] if p["in"] == "query" and p["name"] == "q"]
        assert '"quoted phrases"' in q["description"] and "a part of a word finds nothing" in q["description"]
        assert q["schema"].get("maxLength") == 256 or any(s.get("maxLength") == 256
                                                           for s in q["schema"].get("anyOf", [])), q
