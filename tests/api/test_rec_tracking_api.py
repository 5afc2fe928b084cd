"""The API of the tracking export (GET /recommendations/tracking) and of the drafting committee (read and write)."""

from __future__ import annotations

import pytest

from tests.api.test_recommendations_api import BASE, create, h, move, patch, reach, respond, user
from tests.factories import cast, committee
from tests.unit.test_rec_tracking import council_committee

ROW_KEYS = {"recommendation_id", "number", "report_year", "title", "recommendation_md", "agency", "agency_name",
            "status", "status_words", "pillar", "drafting_committee", "priority", "date_issued", "response_due",
            "date_closed", "position", "position_label", "comments", "running_comments"}


@pytest.fixture
def people(api_as):
    return cast(api_as, "author", "cosponsor", "other", "staff", "admin", "doj", "dhs", "dol", "viewer")


def test_drafting_committee_read_and_written(client, db, people):
    services = council_committee(db, "Council Committee on Services")
    rec = create(client, people, drafting_committee_id=services.id)
    assert (rec["drafting_committee_id"], rec["drafting_committee"]) == (services.id, "Council Committee on Services")
    r = patch(client, people, "author", rec, drafting_committee_id=None)
    assert r.status_code == 200 and (r.json["drafting_committee_id"], r.json["drafting_committee"]) == (None, None)
    got = client.get(f"{BASE}/{rec['id']}", headers=h(people, "author")).json
    assert got["drafting_committee_id"] is None


@pytest.mark.parametrize(("value", "message"), [
    ("spog-committee", "Victim Services is not a committee of the Advisory Council."),
    ("council", "is not a committee of the Advisory Council."),
    (987654, "No such committee."),
    ("Services", "The id of one of the Advisory Council's committees, or null for the full Council."),
])
def test_a_committee_outside_the_council_is_422_naming_the_field(client, db, people, value, message):
    value = {"spog-committee": committee(db, "Victim Services").id,
             "council": committee(db, "U.S. Advisory Council on Human Trafficking").id}.get(value, value)
    r = client.post(BASE, headers=h(people, "author"), json={"title": "T", "pillar": "prevention",
                                                              "drafting_committee_id": value})
    assert r.status_code == 422, r.json
    assert message in r.json["error"]["fields"]["drafting_committee_id"]


def test_tracking_rows_and_their_shape(client, db, people):
    rec = reach(client, people, "open", target_agencies=["DOJ", "DHS"])
    respond(client, people, "doj", rec)
    reach(client, people, "draft", title="My private draft")
    r = client.get(f"{BASE}/tracking", headers=h(people, "doj"))
    assert r.status_code == 200, r.json
    assert set(r.json) == {"items", "page", "per_page", "total"} and r.json["total"] == 2
    dhs, doj = r.json["items"]
    assert set(doj) == ROW_KEYS
    assert (doj["number"], doj["agency"], doj["status"], doj["status_words"], doj["position"]) == (
        rec["number"], "DOJ", "open", "open", "concur")
    assert (dhs["agency"], dhs["position"], dhs["position_label"], dhs["date_closed"]) == ("DHS", None, None, None)
    assert [c["kind"] for c in doj["comments"]] == ["move", "move", "move", "move", "response"]
    assert doj["comments"][-1]["agency"] == "DOJ" and doj["comments"][-1]["text"].startswith(
        "DOJ response (revision 1): Concur.")
    assert doj["running_comments"] == "\n".join(f"{c['on']}: {c['text']}" for c in doj["comments"])
    assert not any(c["kind"] == "response" for c in dhs["comments"])  # DOJ's answer is on DOJ's row only
    assert doj["date_issued"] == doj["comments"][3]["on"]
    # The author sees their draft too; the filters and paging are the list's.
    mine = client.get(f"{BASE}/tracking", headers=h(people, "author")).json
    assert mine["total"] == 4 and "My private draft" in {i["title"] for i in mine["items"]}  # to DOJ and DHS
    paged = client.get(f"{BASE}/tracking?per_page=1&page=2&agency=DOJ", headers=h(people, "staff")).json
    assert (paged["total"], [i["agency"] for i in paged["items"]]) == (1, [])
    assert client.get(f"{BASE}/tracking?agency=DOJ", headers=h(people, "staff")).json["items"][0]["agency"] == "DOJ"


def test_tracking_bad_filters_and_no_token(client, people):
    r = client.get(f"{BASE}/tracking?year=twenty&per_page=0", headers=h(people, "viewer"))
    assert r.status_code == 422 and {"year", "per_page"} <= set(r.json["error"]["fields"])
    assert client.get(f"{BASE}/tracking").status_code == 401


def test_tracking_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json
    ok = document["paths"]["/recommendations/tracking"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"] == {"$ref": "#/components/schemas/PageTrackingRowPublic"}
    assert set(document["components"]["schemas"]["TrackingRowPublic"]["properties"]) == ROW_KEYS
    assert "drafting_committee_id" in document["components"]["schemas"]["RecommendationCreate"]["properties"]


def test_a_closed_row(client, people):
    rec = reach(client, people, "open", target_agencies=["DOL"])
    move(client, people, "staff", rec | {"version": client.get(f"{BASE}/{rec['id']}", headers=h(
        people, "staff")).json["version"]}, "closed_not_implemented", note="No action.")
    row = client.get(f"{BASE}/tracking?status=closed_not_implemented", headers=h(people, "viewer")).json["items"][0]
    assert (row["status_words"], row["comments"][-1]["text"]) == ("closed – not implemented",
                                                                 "Closed as not implemented: No action.")
    assert row["date_closed"] == row["comments"][-1]["on"]
    assert user(people, "viewer").role == "viewer"
