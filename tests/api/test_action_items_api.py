"""The action items API: filters, create, PATCH, status updates, permissions, conflicts, audit, query counts."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from pitf.models import ActionItem, ActionItemSupport, AuditEntry, StatusUpdate
from pitf.models.actions import SORT_KEYS
from pitf.services import action_queries, actions
from tests.factories import agency, committee

TODAY = date.today()
BASE = "/api/v1/action-items"


def due(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def new_item(db, staff, **over) -> ActionItem:
    """An action item made through the service, visible to requests."""
    data = {"title": "Train task forces", "description_md": "Use **trauma-informed** methods.",
            "committee_id": committee(db, "Victim Services").id, "lead_agency": "DHS",
            "supporting_agencies": ["HHS"], "due_date": due(30), "pillar": "protection", "priority": "high"}
    status = over.pop("status", "open")
    data.update(over)
    item = actions.create_action_item(session=db, actor=staff, data=data, status=status)
    db.flush()
    return item


def payload(db, **over) -> dict:
    body = {"title": "Publish screening guidance", "description_md": "See *the protocol*.",
            "committee_id": committee(db, "Screening Forms and Protocols Working Group").id,
            "lead_agency": "DOJ", "supporting_agencies": ["dhs", "HHS"], "due_date": "2027-03-31",
            "pillar": "prevention", "priority": "low"}
    body.update(over)
    return body


def item_count(db) -> int:
    return db.execute(select(func.count()).select_from(ActionItem)).scalar()


def audit_actions(db, item_id: int) -> list[str]:
    db.expire_all()
    return list(db.execute(select(AuditEntry.action).where(
        AuditEntry.object_type == "ActionItem", AuditEntry.object_id == item_id).order_by(AuditEntry.id)).scalars())


def history(db, item_id: int) -> list[StatusUpdate]:
    db.expire_all()
    return list(db.execute(select(StatusUpdate).where(StatusUpdate.action_item_id == item_id)
                           .order_by(StatusUpdate.id)).scalars())


# ---- authentication and reading ------------------------------------------------------------------

@pytest.mark.parametrize("method,path", [("get", BASE), ("post", BASE), ("get", BASE + "/1"), ("patch", BASE + "/1"),
                                         ("get", BASE + "/1/updates"), ("post", BASE + "/1/updates")])
def test_no_token_is_401(client, method, path):
    r = getattr(client, method)(path, json={"version": 1})
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("role,agency", [("viewer", None), ("council", None), ("liaison", "DOJ"),
                                         ("secretariat", None), ("admin", None)])
def test_everyone_reads_every_item(client, api_as, db, staff, role, agency):
    item = new_item(db, staff, owner_id=None)
    headers, _ = api_as(role, agency=agency)
    r = client.get(f"{BASE}/{item.id}", headers=headers)
    assert r.status_code == 200
    body = r.json
    assert body["id"] == item.id and body["lead_agency"] == "DHS" and body["supporting_agencies"] == ["HHS"]
    assert body["description_html"] == "<p>Use <strong>trauma-informed</strong> methods.</p>"
    assert body["due_date"] == due(30) and body["version"] == 1 and body["overdue"] is False
    assert set(body) >= {"id", "title", "description_md", "description_html", "committee_id", "meeting_id",
                         "recommendation_id", "lead_agency", "supporting_agencies", "owner_id", "due_date",
                         "status", "pillar", "priority", "percent_complete", "overdue", "external_ref",
                         "cancel_reason", "created_at", "updated_at", "version"}
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None
    listed = client.get(BASE, headers=headers).json
    assert [i["id"] for i in listed["items"]] == [item.id] and listed["items"][0] == body


@pytest.fixture
def listed(db, staff):
    """Items spread over agencies, committees, statuses and dates, by title."""
    vs, rd = committee(db, "Victim Services").id, committee(db, "Research and Data").id
    items = {
        "doj-overdue": new_item(db, staff, title="Fund shelters", lead_agency="DOJ", supporting_agencies=[],
                                due_date=due(-10), committee_id=vs, pillar="protection"),
        "dhs-supported-by-doj": new_item(db, staff, title="Screen visa applicants", lead_agency="DHS",
                                         supporting_agencies=["DOJ"], due_date=due(20), committee_id=rd,
                                         pillar="prevention", description_md="Cross-check the **watchlist**."),
        "hhs-done-late": new_item(db, staff, title="Publish survivor guide", lead_agency="HHS",
                                  supporting_agencies=[], due_date=due(-5), committee_id=vs, status="done",
                                  pillar="partnership"),
        "dol-later": new_item(db, staff, title="Audit supply chains", lead_agency="DOL", supporting_agencies=["DOS"],
                              due_date=due(90), committee_id=rd, pillar="prosecution", priority="low"),
    }
    return items


@pytest.mark.parametrize("query,expected", [
    ("", {"doj-overdue", "dhs-supported-by-doj", "hhs-done-late", "dol-later"}),
    ("agency=DOJ", {"doj-overdue", "dhs-supported-by-doj"}),
    ("agency=doj&agency_role=lead", {"doj-overdue"}),
    ("agency=DOJ&agency_role=supporting", {"dhs-supported-by-doj"}),
    ("status=done", {"hhs-done-late"}),
    ("status=open,done", {"doj-overdue", "dhs-supported-by-doj", "hhs-done-late", "dol-later"}),
    ("overdue=true", {"doj-overdue"}),
    (f"due_before={due(0)}", {"doj-overdue", "hhs-done-late"}),
    (f"due_after={due(1)}&due_before={due(30)}", {"dhs-supported-by-doj"}),
    ("q=WATCHLIST", {"dhs-supported-by-doj"}),
    ("q=supply", {"dol-later"}),
    ("q=100%25", set()),
    ("pillar=prosecution", {"dol-later"}),
    ("priority=low", {"dol-later"}),
])
def test_list_filters(client, api_as, db, listed, query, expected):
    headers, _ = api_as("viewer")
    r = client.get(f"{BASE}?{query}", headers=headers)
    assert r.status_code == 200
    ids = {i["id"] for i in r.json["items"]}
    assert ids == {listed[k].id for k in expected}
    assert r.json["total"] == len(expected)


def test_list_filters_by_committee_and_reports_overdue(client, api_as, db, listed):
    headers, _ = api_as("liaison", agency="DOJ")
    rd = committee(db, "Research and Data").id
    body = client.get(f"{BASE}?committee_id={rd}&sort=-due_date", headers=headers).json
    assert [i["id"] for i in body["items"]] == [listed["dol-later"].id, listed["dhs-supported-by-doj"].id]
    by_id = {i["id"]: i for i in client.get(BASE, headers=headers).json["items"]}
    assert by_id[listed["doj-overdue"].id]["overdue"] is True
    assert by_id[listed["hhs-done-late"].id]["overdue"] is False  # done is never overdue
    assert by_id[listed["dol-later"].id]["supporting_agencies"] == ["DOS"]


def test_list_pagination(client, api_as, db, listed):
    headers, _ = api_as("viewer")
    first = client.get(f"{BASE}?per_page=3", headers=headers).json
    second = client.get(f"{BASE}?per_page=3&page=2", headers=headers).json
    assert (first["page"], first["per_page"], first["total"], len(first["items"])) == (1, 3, 4, 3)
    assert (second["page"], second["total"], len(second["items"])) == (2, 4, 1)
    assert {i["id"] for i in first["items"] + second["items"]} == {i.id for i in listed.values()}
    # sorted by due date by default
    assert [i["due_date"] for i in first["items"]] == sorted(i["due_date"] for i in first["items"])


@pytest.mark.parametrize("query,field", [
    ("per_page=201", "per_page"), ("page=" + "9" * 30, "page"), ("page=%C2%B2", "page"),
    ("committee_id=" + "9" * 30, "committee_id"), ("owner_id=" + "9" * 20, "owner_id"),
    ("committee_id=%C2%B2", "committee_id"), ("q=a%00b", "q"), ("agency=D%00J", "agency"),
    ("per_page=0", "per_page"), ("page=0", "page"), ("page=x", "page"),
    ("committee_id=abc", "committee_id"), ("status=finished", "status"), ("overdue=maybe", "overdue"),
    ("due_before=2027-13-01", "due_before"), ("due_after=soon", "due_after"), ("sort=owner", "sort"),
    ("pillar=punishment", "pillar"), ("agency=NOPE", "agency"), ("agency_role=owner", "agency_role"),
    ("owner_id=-1", "owner_id"),
])
def test_bad_list_filters_are_422_naming_the_filter(client, api_as, query, field):
    headers, _ = api_as("viewer")
    r = client.get(f"{BASE}?{query}", headers=headers)
    assert r.status_code == 422 and r.is_json
    assert r.json["error"]["code"] == "invalid" and field in r.json["error"]["fields"]


def test_every_bad_filter_is_named_at_once(client, api_as):
    headers, _ = api_as("viewer")
    r = client.get(f"{BASE}?committee_id=abc&status=finished&per_page=500", headers=headers)
    assert r.status_code == 422 and set(r.json["error"]["fields"]) == {"committee_id", "status", "per_page"}


# ---- creating ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["secretariat", "admin"])
def test_staff_create_an_item(client, api_as, db, make_user, role):
    headers, user = api_as(role)
    owner = make_user("liaison", agency="DOJ")
    body = payload(db, owner_id=owner.id, external_ref="DOJ-2027-001")
    r = client.post(BASE, headers=headers, json=body)
    assert r.status_code == 201, r.json
    item = r.json
    assert r.headers["Location"].endswith(f"{BASE}/{item['id']}")
    for name in ("title", "description_md", "committee_id", "lead_agency", "owner_id", "due_date", "pillar",
                 "priority", "external_ref"):
        assert item[name] == body[name], name
    assert item["supporting_agencies"] == ["DHS", "HHS"]
    assert item["status"] == "open" and item["version"] == 1 and item["meeting_id"] is None
    assert item["description_html"] == "<p>See <em>the protocol</em>.</p>"
    assert client.get(r.headers["Location"], headers=headers).json == item
    entries = db.execute(select(AuditEntry).where(AuditEntry.object_type == "ActionItem",
                                                  AuditEntry.object_id == item["id"])).scalars().all()
    assert [(e.action, e.actor_id) for e in entries] == [("action_item.created", user.id)]
    assert entries[0].changes["title"] == [None, body["title"]]


@pytest.mark.parametrize("markdown,gone", [
    ("Hi <script>alert(1)</script> there", ["<script", "alert(1)</script"]),
    ("[click](javascript:alert(1))", ["javascript:"]),
    ('<img src="x" onerror="alert(1)">', ["onerror", "<img"]),
    ('<a href="#" onclick="steal()">x</a>', ["onclick"]),
    ("[pic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", ["data:"]),
])
def test_description_is_sanitized(client, api_as, db, markdown, gone):
    headers, _ = api_as("secretariat")
    r = client.post(BASE, headers=headers, json=payload(db, description_md=markdown))
    assert r.status_code == 201
    assert r.json["description_md"] == markdown  # the source is kept as written
    html = r.json["description_html"].lower()
    for bad in gone:
        assert bad not in html


@pytest.mark.parametrize("role,agency", [("liaison", "DOJ"), ("council", None), ("viewer", None)])
def test_others_cannot_create(client, api_as, db, role, agency):
    headers, _ = api_as(role, agency=agency)
    before = item_count(db)
    r = client.post(BASE, headers=headers, json=payload(db))
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert item_count(db) == before


@pytest.mark.parametrize("change,field", [
    ({"lead_agency": "XYZ"}, "lead_agency"),
    ({"lead_agency": None}, "lead_agency"),
    ({"due_date": "2027-02-30"}, "due_date"),
    ({"due_date": "next week"}, "due_date"),
    ({"due_date": 20270115}, "due_date"),
    ({"title": None}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"title": 42}, "title"),
    ({"title": ["a"]}, "title"),
    ({"committee_id": 999999}, "committee_id"),
    ({"committee_id": "abc"}, "committee_id"),
    ({"committee_id": "1"}, "committee_id"),
    ({"committee_id": True}, "committee_id"),
    ({"committee_id": 2**70}, "committee_id"),
    ({"committee_id": 1.5}, "committee_id"),
    ({"supporting_agencies": ["HHS", "NOPE"]}, "supporting_agencies"),
    ({"supporting_agencies": [1, 2]}, "supporting_agencies"),
    ({"supporting_agencies": {"a": 1}}, "supporting_agencies"),
    ({"pillar": "punishment"}, "pillar"),
    ({"pillar": ["prevention"]}, "pillar"),
    ({"priority": "urgent"}, "priority"),
    ({"meeting_id": 424242}, "meeting_id"),
    ({"recommendation_id": "r-1"}, "recommendation_id"),
    ({"owner_id": 2**63}, "owner_id"),
    ({"description_md": {"x": 1}}, "description_md"),
    ({"external_ref": 12}, "external_ref"),
    ({"external_ref": "r" * 101}, "external_ref"),
    ({"status": "done"}, "status"),
    ({"version": 1}, "version"),
    ({"lead": "DOJ"}, "lead"),
])
def test_invalid_create_is_422_naming_the_field_and_creates_nothing(client, api_as, db, change, field):
    headers, _ = api_as("secretariat")
    before = item_count(db)
    r = client.post(BASE, headers=headers, json=payload(db, **change))
    assert r.status_code == 422, r.json
    assert r.is_json and r.json["error"]["code"] == "invalid" and field in r.json["error"]["fields"]
    db.expire_all()
    assert item_count(db) == before


def test_missing_fields_are_each_named(client, api_as, db):
    headers, _ = api_as("secretariat")
    r = client.post(BASE, headers=headers, json={"description_md": "only this"})
    assert r.status_code == 422
    assert set(r.json["error"]["fields"]) >= {"title", "committee_id", "lead_agency", "due_date", "pillar"}


def test_owner_must_be_of_the_lead_agency(client, api_as, db, make_user):
    headers, _ = api_as("secretariat")
    dhs_person = make_user("liaison", agency="DHS")
    before = item_count(db)
    r = client.post(BASE, headers=headers, json=payload(db, owner_id=dhs_person.id))
    assert r.status_code == 422 and "lead agency" in r.json["error"]["fields"]["owner_id"]
    assert item_count(db) == before


def test_external_ref_is_unique(client, api_as, db):
    headers, _ = api_as("secretariat")
    first = client.post(BASE, headers=headers, json=payload(db, external_ref="DOJ-7"))
    assert first.status_code == 201
    before = item_count(db)
    r = client.post(BASE, headers=headers, json=payload(db, external_ref="DOJ-7", title=""))
    assert r.status_code == 422
    assert set(r.json["error"]["fields"]) == {"external_ref", "title"}  # every problem at once
    assert str(first.json["id"]) in r.json["error"]["fields"]["external_ref"]
    assert item_count(db) == before


@pytest.mark.parametrize("method,path", [("post", BASE), ("patch", BASE + "/{id}"), ("post", BASE + "/{id}/updates")])
@pytest.mark.parametrize("data", ["{not json", "[1, 2]", '"text"', "", "null"])
def test_malformed_json_is_400(client, api_as, db, staff, method, path, data):
    item = new_item(db, staff)
    headers, _ = api_as("secretariat")
    before = item_count(db)
    r = getattr(client, method)(path.format(id=item.id), headers={**headers, "Content-Type": "application/json"},
                                data=data)
    assert r.status_code == 400 and r.is_json and r.json["error"]["code"] == "bad_request"
    assert item_count(db) == before and len(history(db, item.id)) == 0


@pytest.mark.parametrize("data,status", [
    ("[" * 100_000, 400),
    ('{"title": ' + "[" * 990 + "]" * 990 + "}", 400),
    ('{"title": "a\\u0000b"}', 422),
    ('{"description_md": "a\\ud800b"}', 422),
    ('{"supporting_agencies": ["DHS", "a\\u0000"]}', 422),
    ('{"title": 1' + "0" * 5000 + "}", 400),
])
def test_hostile_json_is_refused_not_a_500(client, api_as, db, data, status):
    headers, _ = api_as("secretariat")
    body = payload(db)
    before = item_count(db)
    # an object's members join an otherwise valid item (a later duplicate key wins)
    merged = json.dumps(body)[:-1] + ", " + data[1:] if data.startswith("{") else data
    r = client.post(BASE, headers={**headers, "Content-Type": "application/json"}, data=merged)
    assert r.status_code == status and r.is_json, r.get_data(as_text=True)[:200]
    assert item_count(db) == before


# ---- editing ---------------------------------------------------------------------------------------

def test_staff_patch_changes_fields_and_bumps_version(client, api_as, db, staff):
    item = new_item(db, staff)
    headers, user = api_as("secretariat")
    r = client.patch(f"{BASE}/{item.id}", headers=headers,
                     json={"version": 1, "title": "Train every task force", "supporting_agencies": ["DOS", "HHS"],
                           "due_date": "2027-06-30", "description_md": "<script>x()</script>**now**"})
    assert r.status_code == 200, r.json
    body = r.json
    assert body["title"] == "Train every task force" and body["supporting_agencies"] == ["DOS", "HHS"]
    assert body["due_date"] == "2027-06-30" and body["version"] == 2
    assert "<script" not in body["description_html"] and "<strong>now</strong>" in body["description_html"]
    assert audit_actions(db, item.id) == ["action_item.created", "action_item.updated"]
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "action_item.updated",
                                                AuditEntry.object_id == item.id)).scalar_one()
    assert entry.actor_id == user.id and entry.changes["title"] == ["Train task forces", "Train every task force"]


def test_patch_with_stale_version_is_409_with_the_current_item(client, api_as, db, staff):
    item = new_item(db, staff)
    headers, _ = api_as("secretariat")
    assert client.patch(f"{BASE}/{item.id}", headers=headers, json={"version": 1, "title": "First"}).status_code == 200
    r = client.patch(f"{BASE}/{item.id}", headers=headers, json={"version": 1, "title": "Second"})
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    current = r.json["error"]["current"]
    assert current["version"] == 2 and current["title"] == "First" and current["lead_agency"] == "DHS"
    assert current == client.get(f"{BASE}/{item.id}", headers=headers).json
    db.expire_all()
    assert db.get(ActionItem, item.id).title == "First"
    assert audit_actions(db, item.id) == ["action_item.created", "action_item.updated"]


@pytest.mark.parametrize("body,field,words", [
    ({"title": "No version"}, "version", "version"),
    ({"title": "Bad version", "version": "one"}, "version", "whole number"),
    ({"title": "Bad version", "version": True}, "version", "whole number"),
    ({"version": 1, "status": "done"}, "status", "/updates"),
    ({"version": 1, "colour": "red"}, "colour", "cannot be changed"),
    ({"version": 1, "external_ref": "X-1"}, "external_ref", "cannot be changed"),
    ({"version": 1, "title": ""}, "title", "title"),
    ({"version": 1, "title": 7}, "title", "text"),
    ({"version": 1, "lead_agency": "NOPE"}, "lead_agency", "NOPE"),
    ({"version": 1, "committee_id": "abc"}, "committee_id", "whole number"),
])
def test_invalid_patch_is_422_and_changes_nothing(client, api_as, db, staff, body, field, words):
    item = new_item(db, staff)
    headers, _ = api_as("secretariat")
    r = client.patch(f"{BASE}/{item.id}", headers=headers, json=body)
    assert r.status_code == 422, r.json
    assert words in r.json["error"]["fields"][field]
    db.expire_all()
    assert db.get(ActionItem, item.id).version == 1 and db.get(ActionItem, item.id).title == "Train task forces"


@pytest.mark.parametrize("role,agency", [("liaison", "DOJ"), ("liaison", "DHS"), ("liaison", "HHS"),
                                         ("council", None), ("viewer", None)])
def test_only_staff_patch(client, api_as, db, staff, role, agency):
    item = new_item(db, staff)  # led by DHS, supported by HHS
    headers, _ = api_as(role, agency=agency)
    r = client.patch(f"{BASE}/{item.id}", headers=headers, json={"version": 1, "title": "Mine now"})
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert client.get(f"{BASE}/{item.id}", headers=headers).json["title"] == "Train task forces"
    assert audit_actions(db, item.id) == ["action_item.created"]


# ---- status updates --------------------------------------------------------------------------------

def test_lead_liaison_posts_status_updates_and_history_grows(client, api_as, db, staff):
    item = new_item(db, staff)
    headers, user = api_as("liaison", agency="DHS")
    r = client.post(f"{BASE}/{item.id}/updates", headers=headers,
                    json={"version": 1, "status": "in_progress", "note_md": "Started <b onmouseover=x()>**now**</b>",
                          "percent_complete": 20})
    assert r.status_code == 201, r.json
    update, current = r.json["update"], r.json["item"]
    assert update["status"] == "in_progress" and update["previous_status"] == "open"
    assert update["percent_complete"] == 20 and update["author"] == user.name and update["author_agency"] == "DHS"
    assert "onmouseover" not in update["note_html"] and "<strong>now</strong>" in update["note_html"]
    assert current["status"] == "in_progress" and current["version"] == 2 and current["percent_complete"] == 20
    r = client.post(f"{BASE}/{item.id}/updates", headers=headers, json={"version": 2, "status": "done"})
    assert r.status_code == 201 and r.json["item"]["status"] == "done" and r.json["item"]["percent_complete"] == 100

    listed = client.get(f"{BASE}/{item.id}/updates", headers=headers).json
    assert listed["total"] == 2 and listed["page"] == 1
    assert [(u["previous_status"], u["status"]) for u in listed["items"]] == [("open", "in_progress"),
                                                                              ("in_progress", "done")]
    assert set(listed["items"][0]) >= {"id", "status", "previous_status", "note_md", "note_html",
                                       "percent_complete", "author", "author_agency", "created_at"}
    assert len(history(db, item.id)) == 2
    assert audit_actions(db, item.id) == ["action_item.created", "action_item.status_update",
                                          "action_item.status_update"]
    page2 = client.get(f"{BASE}/{item.id}/updates?per_page=1&page=2", headers=headers).json
    assert [u["status"] for u in page2["items"]] == ["done"] and page2["total"] == 2


def test_supporting_liaison_adds_a_note_but_cannot_change_status(client, api_as, db, staff):
    item = new_item(db, staff)  # DHS leads, HHS supports
    headers, user = api_as("liaison", agency="HHS")
    r = client.post(f"{BASE}/{item.id}/updates", headers=headers, json={"version": 1, "note_md": "HHS sent data."})
    assert r.status_code == 201 and r.json["update"]["previous_status"] is None
    assert r.json["update"]["status"] == "open" and r.json["update"]["author_agency"] == "HHS"
    version = r.json["item"]["version"]
    r = client.post(f"{BASE}/{item.id}/updates", headers=headers,
                    json={"version": version, "status": "done", "note_md": "Finished?"})
    assert r.status_code == 403
    db.expire_all()
    assert db.get(ActionItem, item.id).status == "open"
    assert [u.note_md for u in history(db, item.id)] == ["HHS sent data."]
    assert audit_actions(db, item.id) == ["action_item.created", "action_item.note"]


@pytest.mark.parametrize("body", [{"status": "in_progress"}, {"note_md": "We can help."},
                                  {"note_md": "Progress", "percent_complete": 50}])
@pytest.mark.parametrize("role,agency", [("liaison", "DOJ"), ("council", None), ("viewer", None)])
def test_others_cannot_post_updates(client, api_as, db, staff, body, role, agency):
    item = new_item(db, staff)
    headers, _ = api_as(role, agency=agency)
    r = client.post(f"{BASE}/{item.id}/updates", headers=headers, json={"version": 1, **body})
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert history(db, item.id) == [] and audit_actions(db, item.id) == ["action_item.created"]


def test_cancelling_is_the_secretariats(client, api_as, db, staff):
    item = new_item(db, staff)
    liaison, _ = api_as("liaison", agency="DHS")
    r = client.post(f"{BASE}/{item.id}/updates", headers=liaison,
                    json={"version": 1, "status": "cancelled", "note_md": "Not needed"})
    assert r.status_code == 403 and "secretariat" in r.json["error"]["message"]
    secretariat, _ = api_as("secretariat")
    r = client.post(f"{BASE}/{item.id}/updates", headers=secretariat, json={"version": 1, "status": "cancelled"})
    assert r.status_code == 422 and "note_md" in r.json["error"]["fields"]  # the reason is required
    r = client.post(f"{BASE}/{item.id}/updates", headers=secretariat,
                    json={"version": 1, "status": "cancelled", "note_md": "Merged into item 12."})
    assert r.status_code == 201
    assert r.json["item"]["status"] == "cancelled" and r.json["item"]["cancel_reason"] == "Merged into item 12."
    # a cancelled item cannot be reopened by the liaison
    r = client.post(f"{BASE}/{item.id}/updates", headers=liaison, json={"version": 2, "status": "open"})
    assert r.status_code == 403


@pytest.mark.parametrize("body,field", [
    ({"status": "finished"}, "status"), ({"status": 3}, "status"), ({"note_md": ["x"]}, "note_md"),
    ({}, "note_md"), ({"note_md": "  "}, "note_md"), ({"percent_complete": 101, "note_md": "x"}, "percent_complete"),
    ({"percent_complete": "50"}, "percent_complete"), ({"percent_complete": True}, "percent_complete"),
    ({"note_md": "x", "version": "1"}, "version"), ({"note_md": "x", "version": [1]}, "version"),
    ({"note_md": "x", "author_id": 1}, "author_id"),
])
def test_invalid_status_update_is_422(client, api_as, db, staff, body, field):
    item = new_item(db, staff)
    headers, _ = api_as("liaison", agency="DHS")
    r = client.post(f"{BASE}/{item.id}/updates", headers=headers, json={"version": 1, **body})
    assert r.status_code == 422 and field in r.json["error"]["fields"], r.json
    assert history(db, item.id) == []


def test_status_update_needs_the_version(client, api_as, db, staff):
    item = new_item(db, staff)
    headers, _ = api_as("liaison", agency="DHS")
    r = client.post(f"{BASE}/{item.id}/updates", headers=headers, json={"status": "blocked"})
    assert r.status_code == 422 and "version" in r.json["error"]["fields"]
    assert history(db, item.id) == []


def test_two_clients_with_the_same_version_the_second_gets_409(client, app, api_as, db, staff):
    item = new_item(db, staff)
    alice, _ = api_as("liaison", agency="DHS")
    bob, _ = api_as("secretariat")
    other = app.test_client()
    seen_a = client.get(f"{BASE}/{item.id}", headers=alice).json["version"]
    seen_b = other.get(f"{BASE}/{item.id}", headers=bob).json["version"]
    assert seen_a == seen_b == 1
    r = client.post(f"{BASE}/{item.id}/updates", headers=alice,
                    json={"version": seen_a, "status": "blocked", "note_md": "Waiting on funds."})
    assert r.status_code == 201
    r = other.post(f"{BASE}/{item.id}/updates", headers=bob,
                   json={"version": seen_b, "status": "done", "note_md": "Closing."})
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    current = r.json["error"]["current"]
    assert current["version"] == 2 and current["status"] == "blocked"
    assert [u.status for u in history(db, item.id)] == ["blocked"]
    # resubmitting on the version read from the conflict works
    r = other.post(f"{BASE}/{item.id}/updates", headers=bob,
                   json={"version": current["version"], "status": "done", "note_md": "Closing."})
    assert r.status_code == 201 and r.json["item"]["version"] == 3


@pytest.mark.parametrize("kind", ["patch", "update"])
def test_a_write_between_read_and_flush_is_409_not_500(client, api_as, db, staff, monkeypatch, kind):
    """Another transaction bumps the version after the check and before the flush (StaleDataError)."""
    item = new_item(db, staff)
    headers, _ = api_as("secretariat")
    real_check = actions.check_version

    def check_then_race(obj, version, **kw):
        real_check(obj, version, **kw)
        from pitf.db import get_session

        # Core, not the ORM: the session must not learn of it, as with a write by another process
        get_session().connection().execute(update(ActionItem).where(ActionItem.id == obj.id)
                                           .values(version=ActionItem.version + 1, title="Changed meanwhile"))

    monkeypatch.setattr(actions, "check_version", check_then_race)
    if kind == "patch":
        r = client.patch(f"{BASE}/{item.id}", headers=headers, json={"version": 1, "title": "Mine"})
    else:
        r = client.post(f"{BASE}/{item.id}/updates", headers=headers, json={"version": 1, "status": "blocked"})
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    assert "same moment" in r.json["error"]["message"]  # found at flush, not by the version check
    assert r.json["error"]["current"]["id"] == item.id and r.json["error"]["current"]["version"] == 1
    db.expire_all()
    stored = db.get(ActionItem, item.id)
    assert (stored.version, stored.title, stored.status) == (1, "Train task forces", "open")
    assert history(db, item.id) == [] and audit_actions(db, item.id) == ["action_item.created"]


@pytest.mark.parametrize("method,path,body", [
    ("get", "{id}", None), ("patch", "{id}", {"version": 1, "title": "x"}), ("get", "{id}/updates", None),
    ("post", "{id}/updates", {"version": 1, "note_md": "x"}),
])
@pytest.mark.parametrize("missing", [999999, 2**31, 10**30])
def test_missing_item_is_json_404_on_every_endpoint(client, api_as, method, path, body, missing):
    headers, _ = api_as("secretariat")
    kw = {"json": body} if body is not None else {}
    r = getattr(client, method)(f"{BASE}/" + path.format(id=missing), headers=headers, **kw)
    assert r.status_code == 404 and r.is_json and r.json["error"]["code"] == "not_found"


# ---- speed -----------------------------------------------------------------------------------------

def bulk_items(db, n: int, start: int) -> None:
    """Insert *n* items directly (fast), with supporting agencies, half of them overdue."""
    agencies = [agency(db, a).id for a in ("DOJ", "DHS", "HHS", "DOS", "DOL")]
    committees = [committee(db, name).id for name in ("Victim Services", "Research and Data", "Grantmaking")]
    now = datetime.now(UTC)
    rows = [{"id": start + i, "title": f"Bulk item {start + i}", "description_md": "", "description_html": "",
             "committee_id": committees[i % 3], "lead_agency_id": agencies[i % 5],
             "due_date": TODAY + timedelta(days=(i % 40) - 20), "status": ("open", "in_progress", "done")[i % 3],
             "pillar": "protection", "priority": "normal", "cancel_reason": "", "version": 1,
             "created_at": now, "updated_at": now} for i in range(n)]
    db.execute(insert(ActionItem), rows)
    db.execute(insert(ActionItemSupport), [{"action_item_id": r["id"], "agency_id": agencies[(i + 1) % 5]}
                                           for i, r in enumerate(rows)])
    db.flush()


def test_list_issues_the_same_number_of_queries_at_10_and_1000_items(client, api_as, db, count_queries):
    headers, _ = api_as("liaison", agency="DOJ")
    counts = []
    start = 900_000
    for n in (10, 990):
        bulk_items(db, n, start)
        start += n
        for query in ("per_page=50", "per_page=50&agency=DOJ&overdue=true&sort=lead_agency", "per_page=5&page=2",
                      "per_page=3&page=3&sort=-updated"):
            with count_queries() as q:
                r = client.get(f"{BASE}?{query}", headers=headers)
            assert r.status_code == 200 and len(r.json["items"]) >= 3
            counts.append((query, q.count))
    assert r.json["total"] > 50
    assert counts[:4] == counts[4:]
    item_id = start - 1
    per_item = []
    for _ in range(2):
        with count_queries() as q:
            assert client.get(f"{BASE}/{item_id}", headers=headers).status_code == 200
        per_item.append(q.count)
    assert per_item[0] == per_item[1]


def test_openapi_schemas_match_what_is_served(client, api_as, db, staff):
    item = new_item(db, staff)
    headers, _ = api_as("liaison", agency="DHS")
    posted = client.post(f"{BASE}/{item.id}/updates", headers=headers, json={"version": 1, "note_md": "Begun."}).json
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    # the components generated from the model family (pitf/models/actions.py)
    for name, served in (("ActionItemPublic", posted["item"]), ("StatusUpdatePublic", posted["update"])):
        assert set(schemas[name]["required"]) <= set(served) <= set(schemas[name]["properties"]), name
    assert set(posted) == set(schemas["StatusPosted"]["required"])


def test_the_documented_filters_are_the_ones_the_list_reads(client):
    """Each filter is declared once (ActionItemFilters): the document lists exactly what the parser reads."""
    get = client.get("/api/v1/openapi.json").json["paths"]["/action-items"]["get"]
    documented = {p["name"]: p for p in get["parameters"] if p["in"] == "query"}
    assert list(documented) == ["page", "per_page", *(f.name for f in action_queries.FILTERS)]
    assert documented["status"]["description"].startswith("Statuses, comma-separated or repeated")
    assert documented["sort"]["schema"]["enum"] == list(SORT_KEYS)
