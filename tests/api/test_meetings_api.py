"""The meetings API: meetings, agenda, attendance and quorum, minutes and their lifecycle, visibility, conflicts,
bad input, audit and query counts."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from pitf.models import Agenda, AgendaItem, Attendance, AuditEntry, Meeting, Membership, Minutes, Notification
from pitf.models.meetings import MinutesUpdate
from pitf.services import actions, agendas
from pitf.services import attendance as att
from pitf.services import meetings as mtg
from pitf.services import minutes as mins
from tests.factories import agenda_items, attendance_entries, committee, draft_in, index_inserted, meeting_in

BASE = "/api/v1/meetings"
SPOG = "Senior Policy Operating Group"
COUNCIL = "U.S. Advisory Council on Human Trafficking"
GRANTS = "Grantmaking"  # member agencies DOJ (chair), HHS, DOS, USAID, DOL
VICTIMS = "Victim Services"


def plan(db, staff, body=SPOG, **over) -> Meeting:
    """A meeting made through the service (10:00 to 11:00 US Eastern on 2027-03-15 unless told), visible to requests."""
    data = {"committee_id": committee(db, body).id, "title": "Quarterly meeting", "starts_at": "2027-03-15T10:00:00",
            "ends_at": "2027-03-15T11:00:00", "location": "Harry S Truman Building"}
    data.update(over)
    meeting = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, data))
    db.flush()
    return meeting


def payload(db, body=SPOG, **over) -> dict:
    data = {"committee_id": committee(db, body).id, "title": "Spring meeting", "starts_at": "2027-03-15T10:00:00",
            "ends_at": "2027-03-15T12:00:00", "location": "Room 1107", "virtual_url": "https://meet.example.gov/pitf",
            "is_open": True}
    data.update(over)
    return data


def person_on(db, make_user, body, role, user_role=None):
    user = make_user(user_role or ("council" if body == COUNCIL else "viewer"))
    db.add(Membership(committee_id=committee(db, body).id, user_id=user.id, role=role))
    db.flush()
    return user


def api_person_on(db, api_as, body, role, user_role=None):
    headers, user = api_as(user_role or ("council" if body == COUNCIL else "viewer"))
    db.add(Membership(committee_id=committee(db, body).id, user_id=user.id, role=role))
    db.flush()
    return headers, user


def meeting_count(db) -> int:
    db.expire_all()
    return db.execute(select(func.count()).select_from(Meeting)).scalar()


def audit_actions(db, object_type: str, object_id: int) -> list[str]:
    db.expire_all()
    return list(db.execute(select(AuditEntry.action).where(
        AuditEntry.object_type == object_type, AuditEntry.object_id == object_id).order_by(AuditEntry.id)).scalars())


def agenda_of(db, meeting_id: int) -> tuple[int, list[str]]:
    db.expire_all()
    agenda = db.execute(select(Agenda).where(Agenda.meeting_id == meeting_id)).scalar_one()
    titles = list(db.execute(select(AgendaItem.title).where(AgendaItem.agenda_id == agenda.id)
                             .order_by(AgendaItem.position)).scalars())
    return agenda.version, titles


def minutes_row(db, meeting_id: int) -> Minutes | None:
    db.expire_all()
    return db.execute(select(Minutes).where(Minutes.meeting_id == meeting_id)).scalar_one_or_none()


# ---- authentication --------------------------------------------------------------------------------

ENDPOINTS = [("get", ""), ("post", ""), ("get", "/1"), ("patch", "/1"), ("get", "/1/agenda"), ("put", "/1/agenda"),
             ("post", "/1/agenda/publish"), ("get", "/1/attendance"), ("put", "/1/attendance"),
             ("get", "/1/minutes"), ("put", "/1/minutes"), ("post", "/1/minutes/circulate"),
             ("post", "/1/minutes/approve"), ("get", "/1/minutes/revisions"), ("post", "/1/copy"),
             ("get", "/1/copy"), ("post", "/1/agenda/items/1/outcome")]


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_no_token_is_401(client, method, path):
    r = getattr(client, method)(BASE + path, json={"version": 1})
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"


# ---- creating ----------------------------------------------------------------------------------------

def test_secretariat_creates_a_meeting_and_times_round_trip(client, api_as, db):
    headers, user = api_as("secretariat")
    before = meeting_count(db)
    r = client.post(BASE, headers=headers, json=payload(db, starts_at="2027-03-15T10:00:00",
                                                         ends_at="2027-03-15T12:00:00"))
    assert r.status_code == 201, r.json
    body = r.json
    # 10:00 in Washington the day after the spring change is 14:00 UTC
    assert body["starts_at"] == "2027-03-15T14:00:00+00:00" and body["ends_at"] == "2027-03-15T16:00:00+00:00"
    assert body["starts_at_local"] == "2027-03-15T10:00:00-04:00" and body["timezone"] == "America/New_York"
    assert body["status"] == "scheduled" and body["version"] == 1 and body["ics_sequence"] == 0
    assert body["committee_name"] == SPOG and body["flags"] == [] and body["is_open"] is True
    assert body["virtual_url"] == "https://meet.example.gov/pitf" and body["cancel_reason"] == ""
    assert set(body) >= {"id", "committee_id", "title", "starts_at", "ends_at", "timezone", "location",
                         "virtual_url", "is_open", "status", "cancel_reason", "federal_register_notice_date",
                         "short_notice_reason", "joint_with_committee_id", "series_key", "ics_sequence", "version",
                         "flags"}
    assert r.headers["Location"].endswith(f"{BASE}/{body['id']}")
    assert client.get(r.headers["Location"], headers=headers).json == body
    assert meeting_count(db) == before + 1
    entries = db.execute(select(AuditEntry).where(AuditEntry.object_type == "Meeting",
                                                  AuditEntry.object_id == body["id"])).scalars().all()
    assert [(e.action, e.actor_id) for e in entries] == [("meeting.created", user.id)]


@pytest.mark.parametrize("starts_at,timezone,expected", [
    ("2027-03-08T10:00:00", None, "2027-03-08T15:00:00+00:00"),  # before the spring change: EST
    ("2027-11-08T10:00:00", None, "2027-11-08T15:00:00+00:00"),  # after the autumn change: EST again
    ("2027-03-15T10:00:00", "America/Los_Angeles", "2027-03-15T17:00:00+00:00"),
    ("2027-03-15T10:00:00-04:00", "America/Chicago", "2027-03-15T14:00:00+00:00"),  # an offset wins
    ("2027-03-15T14:00:00Z", None, "2027-03-15T14:00:00+00:00"),
])
def test_times_with_and_without_offsets(client, api_as, db, starts_at, timezone, expected):
    headers, _ = api_as("secretariat")
    start = datetime.fromisoformat(expected)
    body = payload(db, starts_at=starts_at, ends_at=(start + timedelta(hours=1)).isoformat())
    if timezone:
        body["timezone"] = timezone
    r = client.post(BASE, headers=headers, json=body)
    assert r.status_code == 201, r.json
    assert r.json["starts_at"] == expected and r.json["timezone"] == (timezone or "America/New_York")


def test_chair_of_the_committee_plans_its_meetings_not_anothers(client, api_as, db):
    headers, _ = api_person_on(db, api_as, VICTIMS, "chair")
    r = client.post(BASE, headers=headers, json=payload(db, VICTIMS))
    assert r.status_code == 201 and r.json["committee_id"] == committee(db, VICTIMS).id
    co_headers, _ = api_person_on(db, api_as, VICTIMS, "co_chair")
    assert client.post(BASE, headers=co_headers, json=payload(db, VICTIMS)).status_code == 201
    before = meeting_count(db)
    r = client.post(BASE, headers=headers, json=payload(db, GRANTS))
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert meeting_count(db) == before


@pytest.mark.parametrize("role,agency", [("liaison", "DOJ"), ("liaison", "DOS"), ("viewer", None),
                                         ("council", None)])
def test_others_cannot_create(client, api_as, db, role, agency):
    headers, _ = api_as(role, agency=agency)
    before = meeting_count(db)
    r = client.post(BASE, headers=headers, json=payload(db, GRANTS))  # DOJ is the agency chair: not a person chair
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert meeting_count(db) == before


def test_a_plain_member_cannot_create(client, api_as, db):
    headers, _ = api_person_on(db, api_as, VICTIMS, "member")
    assert client.post(BASE, headers=headers, json=payload(db, VICTIMS)).status_code == 403


@pytest.mark.parametrize("change,field", [
    ({"ends_at": "2027-03-15T09:00:00"}, "ends_at"),
    ({"ends_at": "2027-03-15T10:00:00"}, "ends_at"),
    ({"ends_at": "2027-03-17T10:00:00"}, "ends_at"),
    ({"committee_id": 999999}, "committee_id"),
    ({"committee_id": None}, "committee_id"),
    ({"committee_id": "1"}, "committee_id"),
    ({"committee_id": 2**70}, "committee_id"),
    ({"starts_at": "2027-03-14T02:30:00", "ends_at": "2027-03-14T04:00:00"}, "starts_at"),
    ({"starts_at": "soon"}, "starts_at"),
    ({"starts_at": 20270315}, "starts_at"),
    ({"starts_at": "9999-12-31T23:00:00-05:00"}, "starts_at"),
    ({"starts_at": "9999-12-31T23:00:00", "ends_at": "9999-12-31T23:30:00"}, "starts_at"),
    ({"starts_at": "0001-01-01T10:00:00", "ends_at": "0001-01-01T11:00:00"}, "starts_at"),
    ({"ends_at": None}, "ends_at"),
    ({"virtual_url": "javascript:alert(1)"}, "virtual_url"),
    ({"virtual_url": "ftp://files.example.gov"}, "virtual_url"),
    ({"virtual_url": "https://x.example.gov/a b"}, "virtual_url"),
    ({"virtual_url": 42}, "virtual_url"),
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": ["a"]}, "title"),
    ({"location": "x" * 301}, "location"),
    ({"is_open": "yes"}, "is_open"),
    ({"is_open": 1}, "is_open"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": "Europe"}, "timezone"),
    ({"timezone": "x" * 300}, "timezone"),
    ({"timezone": 5}, "timezone"),
    ({"federal_register_notice_date": "2027-02-30"}, "federal_register_notice_date"),
    ({"federal_register_notice_date": 20270301}, "federal_register_notice_date"),
    ({"joint_with_committee_id": 999999}, "joint_with_committee_id"),
    ({"joint_with_committee_id": -1}, "joint_with_committee_id"),
    ({"status": "cancelled"}, "status"),
    ({"version": 3}, "version"),
    ({"colour": "red"}, "colour"),
])
def test_invalid_create_is_422_naming_the_field_and_creates_nothing(client, api_as, db, change, field):
    headers, _ = api_as("secretariat")
    before = meeting_count(db)
    r = client.post(BASE, headers=headers, json=payload(db, **change))
    assert r.status_code == 422, r.json
    assert r.is_json and r.json["error"]["code"] == "invalid" and field in r.json["error"]["fields"], r.json
    assert meeting_count(db) == before


def test_a_joint_meeting_is_with_another_body(client, api_as, db):
    headers, _ = api_as("secretariat")
    r = client.post(BASE, headers=headers, json=payload(db, COUNCIL, joint_with_committee_id=committee(db, COUNCIL).id))
    assert r.status_code == 422 and "joint_with_committee_id" in r.json["error"]["fields"]
    r = client.post(BASE, headers=headers, json=payload(db, COUNCIL, joint_with_committee_id=committee(db, SPOG).id))
    assert r.status_code == 201 and r.json["joint_with_committee_id"] == committee(db, SPOG).id


def test_the_stored_datas_problems_come_with_the_fields_problems(client, api_as, db, staff):
    headers, _ = api_as("secretariat")
    before = meeting_count(db)
    r = client.post(BASE, headers=headers, json=payload(db, title="", committee_id=999999, timezone="Europe",
                                                        joint_with_committee_id=999998))
    assert r.status_code == 422
    assert r.json["error"]["fields"] == {"title": "Enter a title.", "committee_id": "Choose an existing, active "
                                         "committee.", "timezone": "Unknown time zone 'Europe'.",
                                         "joint_with_committee_id": "No such committee."}
    assert meeting_count(db) == before
    meeting = plan(db, staff)
    r = client.put(f"{BASE}/{meeting.id}/agenda", headers=headers, json={"version": 1, "items": [
        {"title": "Fine", "presenter_agency": "NOPE"}, {"title": "", "action_item_id": 987654}]})
    assert r.status_code == 422 and r.json["error"]["fields"] == {
        "items[0].presenter_agency": "No agency has the acronym 'NOPE'.", "items[1].title": "Enter a title.",
        "items[1].action_item_id": "No such action item."}


def test_missing_fields_are_each_named(client, api_as, db):
    headers, _ = api_as("secretariat")
    r = client.post(BASE, headers=headers, json={"location": "only this"})
    assert r.status_code == 422
    assert set(r.json["error"]["fields"]) >= {"committee_id", "title", "starts_at", "ends_at"}


@pytest.mark.parametrize("method,path", [
    ("post", ""), ("patch", "/{id}"), ("put", "/{id}/agenda"), ("post", "/{id}/agenda/publish"),
    ("put", "/{id}/attendance"), ("put", "/{id}/minutes"), ("post", "/{id}/minutes/circulate"),
    ("post", "/{id}/minutes/approve"),
])
@pytest.mark.parametrize("data", ["{not json", "[1, 2]", '"text"', "null", "[" * 100_000])
def test_malformed_json_is_400_and_changes_nothing(client, api_as, db, staff, method, path, data):
    meeting = plan(db, staff)
    headers, _ = api_as("secretariat")
    before = meeting_count(db)
    r = getattr(client, method)(BASE + path.format(id=meeting.id),
                                headers={**headers, "Content-Type": "application/json"}, data=data)
    assert r.status_code == 400 and r.is_json and r.json["error"]["code"] == "bad_request"
    assert meeting_count(db) == before
    assert db.get(Meeting, meeting.id).version == 1 and agenda_of(db, meeting.id) == (1, [])
    assert minutes_row(db, meeting.id) is None
    assert audit_actions(db, "Meeting", meeting.id) == ["meeting.created"]


@pytest.mark.parametrize("change,field", [({"title": "a\x00b"}, "title"), ({"location": "a\ud800b"}, "location")])
def test_text_no_database_stores_is_422(client, api_as, db, change, field):
    headers, _ = api_as("secretariat")
    before = meeting_count(db)
    r = client.post(BASE, headers=headers, json=payload(db, **change))
    assert r.status_code == 422 and r.is_json and field in r.json["error"]["fields"]
    assert meeting_count(db) == before


# ---- reading and listing ----------------------------------------------------------------------------

@pytest.fixture
def listed(db, staff):
    return {
        "spog-march": plan(db, staff, SPOG, starts_at="2027-03-15T10:00:00", ends_at="2027-03-15T11:00:00"),
        "spog-june": plan(db, staff, SPOG, starts_at="2027-06-14T10:00:00", ends_at="2027-06-14T11:00:00"),
        "victims-april": plan(db, staff, VICTIMS, starts_at="2027-04-05T23:30:00", ends_at="2027-04-05T23:45:00"),
        "grants-closed": plan(db, staff, GRANTS, starts_at="2027-05-03T10:00:00", ends_at="2027-05-03T11:00:00",
                              is_open=False),
    }


@pytest.mark.parametrize("query,expected", [
    ("", ["spog-june", "grants-closed", "victims-april", "spog-march"]),
    ("status=scheduled", ["spog-june", "grants-closed", "victims-april", "spog-march"]),
    ("status=cancelled", []),
    ("from=2027-04-01", ["spog-june", "grants-closed", "victims-april"]),
    ("from=2027-04-01&to=2027-05-31", ["grants-closed", "victims-april"]),
    # 23:30 in Washington on April 5 is April 6 in UTC: dates are US Eastern days
    ("to=2027-04-05", ["victims-april", "spog-march"]),
    ("from=2027-04-06", ["spog-june", "grants-closed"]),
    ("from=2027-04-06T03:00:00Z&to=2027-04-06T04:00:00Z", ["victims-april"]),
])
def test_list_filters_for_staff(client, api_as, db, listed, query, expected):
    headers, _ = api_as("secretariat")
    r = client.get(f"{BASE}?{query}", headers=headers)
    assert r.status_code == 200, r.json
    assert [i["id"] for i in r.json["items"]] == [listed[k].id for k in expected]
    assert r.json["total"] == len(expected)


def test_list_by_committee_and_pages(client, api_as, db, listed):
    headers, _ = api_as("secretariat")
    spog = committee(db, SPOG).id
    r = client.get(f"{BASE}?committee_id={spog}", headers=headers).json
    assert [i["id"] for i in r["items"]] == [listed["spog-june"].id, listed["spog-march"].id]
    first = client.get(f"{BASE}?per_page=3", headers=headers).json
    second = client.get(f"{BASE}?per_page=3&page=2", headers=headers).json
    assert (first["page"], first["per_page"], first["total"], len(first["items"])) == (1, 3, 4, 3)
    assert (second["page"], len(second["items"])) == (2, 1)
    item = first["items"][0]
    assert "flags" not in item and item["committee_name"] == SPOG and item["version"] == 1


def test_list_hides_closed_meetings_from_non_members(client, api_as, db, listed):
    outsider, _ = api_as("liaison", agency="DHS")
    member, _ = api_as("liaison", agency="DOJ")
    ids = {i["id"] for i in client.get(BASE, headers=outsider).json["items"]}
    assert listed["grants-closed"].id not in ids and len(ids) == 3
    ids = {i["id"] for i in client.get(BASE, headers=member).json["items"]}
    assert listed["grants-closed"].id in ids and len(ids) == 4


@pytest.mark.parametrize("query,field", [
    ("committee_id=abc", "committee_id"), ("committee_id=" + "9" * 30, "committee_id"), ("from=soon", "from"),
    ("to=2027-02-30", "to"), ("to=9999-12-31", "to"), ("from=9999-12-31T23:00:00-05:00", "from"),
    ("status=maybe", "status"), ("per_page=500", "per_page"), ("page=0", "page"), ("from=a%00b", "from"),
])
def test_bad_list_filters_are_422_naming_the_filter(client, api_as, query, field):
    headers, _ = api_as("viewer")
    r = client.get(f"{BASE}?{query}", headers=headers)
    assert r.status_code == 422 and r.is_json and field in r.json["error"]["fields"], r.json


def test_every_bad_filter_is_named_at_once(client, api_as):
    headers, _ = api_as("viewer")
    r = client.get(f"{BASE}?committee_id=abc&status=finished&per_page=500", headers=headers)
    assert r.status_code == 422 and set(r.json["error"]["fields"]) == {"committee_id", "status", "per_page"}


@pytest.mark.parametrize("method,path,body", [
    ("get", "", None), ("patch", "", {"version": 1, "title": "x"}), ("get", "/agenda", None),
    ("put", "/agenda", {"version": 1, "items": []}), ("post", "/agenda/publish", {}), ("get", "/attendance", None),
    ("put", "/attendance", {"entries": []}), ("get", "/minutes", None), ("put", "/minutes", {"body_md": "x"}),
    ("post", "/minutes/circulate", {"version": 1}), ("post", "/minutes/approve", {"version": 1}),
    ("get", "/minutes/revisions", None), ("post", "/copy", {}), ("get", "/copy", None),
    ("post", "/agenda/items/1/outcome", {"version": 1, "outcome": "continued"}),
])
@pytest.mark.parametrize("missing", [999999, 2**31, 10**30])
def test_missing_meeting_is_json_404_on_every_endpoint(client, api_as, method, path, body, missing):
    headers, _ = api_as("secretariat")
    kw = {"json": body} if body is not None else {}
    r = getattr(client, method)(f"{BASE}/{missing}{path}", headers=headers, **kw)
    assert r.status_code == 404 and r.is_json and r.json["error"]["code"] == "not_found"


# ---- copying: the next meeting, on the date suggested for it -----------------------------------------

def test_copy_without_a_date_plans_the_next_meeting_on_the_suggested_date(client, api_as, db, staff, meeting_clock):
    meeting_clock.set(datetime(2027, 3, 20, tzinfo=UTC))
    spog = plan(db, staff)  # the SPOG meets quarterly: Monday 2027-03-15, the third Monday of March
    agendas.put_agenda(session=db, actor=staff, meeting_id=spog.id, version=agendas.get_agenda(db, spog).version,
                       items=agenda_items(db, [{"title": "Opening", "duration_minutes": 10}]))
    grants = plan(db, staff, body=GRANTS, title="Grants")  # a monthly body
    db.flush()
    headers, _ = api_as("secretariat")
    r = client.post(f"{BASE}/{spog.id}/copy", headers=headers)
    assert r.status_code == 201, r.json
    assert r.headers["Location"].endswith(f"/meetings/{r.json['id']}")
    # The third Monday of June, at the same wall-clock times (10:00 to 11:00 EDT).
    assert (r.json["starts_at"], r.json["ends_at"]) == ("2027-06-21T14:00:00+00:00", "2027-06-21T15:00:00+00:00")
    assert r.json["title"] == "Quarterly meeting" and r.json["committee_id"] == spog.committee_id
    assert agenda_of(db, r.json["id"])[1] == ["Opening"]
    assert client.get(f"{BASE}/{r.json['id']}/agenda", headers=headers).json["published_at"] is None
    # Another body a month on: the third Monday of April; an empty JSON object reads as no body.
    r = client.post(f"{BASE}/{grants.id}/copy", headers=headers, json={})
    assert r.status_code == 201 and r.json["starts_at"] == "2027-04-19T14:00:00+00:00"
    assert audit_actions(db, "Meeting", r.json["id"]) == ["meeting.created", "meeting.copied"]


def test_copy_with_a_date_title_and_end(client, api_as, db, staff, meeting_clock):
    meeting_clock.set(datetime(2027, 3, 20, tzinfo=UTC))
    m = plan(db, staff)
    headers, _ = api_as("secretariat")
    r = client.post(f"{BASE}/{m.id}/copy", headers=headers, json={
        "starts_at": "2027-05-03T09:00:00", "ends_at": "2027-05-03T13:00:00", "title": "  Spring planning  "})
    assert r.status_code == 201
    assert (r.json["starts_at"], r.json["ends_at"]) == ("2027-05-03T13:00:00+00:00", "2027-05-03T17:00:00+00:00")
    assert r.json["title"] == "Spring planning"
    # Without an end, as long as the meeting copied.
    r = client.post(f"{BASE}/{m.id}/copy", headers=headers, json={"starts_at": "2027-05-10T09:00:00-04:00"})
    assert r.status_code == 201 and r.json["ends_at"] == "2027-05-10T14:00:00+00:00"


def test_copy_refuses_a_past_suggestion_bad_fields_and_non_planners(client, api_as, db, staff, make_user,
                                                                    meeting_clock):
    m = plan(db, staff)
    headers, _ = api_as("secretariat")
    meeting_clock.set(datetime(2027, 7, 1, tzinfo=UTC))  # the suggested 2027-06-21 has passed
    before = meeting_count(db)
    r = client.post(f"{BASE}/{m.id}/copy", headers=headers)
    assert r.status_code == 422 and set(r.json["error"]["fields"]) == {"starts_at"}
    r = client.post(f"{BASE}/{m.id}/copy", headers=headers, json={"starts_at": 5, "colour": "red", "title": "x" * 201})
    assert r.status_code == 422 and set(r.json["error"]["fields"]) >= {"starts_at", "colour"}
    r = client.post(f"{BASE}/{m.id}/copy", headers=headers, data="{", content_type="application/json")
    assert r.status_code == 400
    viewer, _ = api_as("viewer")
    assert client.post(f"{BASE}/{m.id}/copy", headers=viewer, json={"starts_at": "2027-08-02T10:00:00"}
                       ).status_code == 403
    assert meeting_count(db) == before


# ---- editing and cancelling -------------------------------------------------------------------------

def test_patch_changes_fields_bumps_version_and_sequence(client, api_as, db, staff):
    meeting = plan(db, staff)
    headers, user = api_as("secretariat")
    r = client.patch(f"{BASE}/{meeting.id}", headers=headers,
                     json={"version": 1, "title": "Spring plenary", "starts_at": "2027-03-15T09:00:00",
                           "federal_register_notice_date": "2027-02-20", "is_open": False})
    assert r.status_code == 200, r.json
    body = r.json
    assert body["title"] == "Spring plenary" and body["starts_at"] == "2027-03-15T13:00:00+00:00"
    assert body["ends_at"] == "2027-03-15T15:00:00+00:00"  # unchanged
    assert body["federal_register_notice_date"] == "2027-02-20" and body["is_open"] is False
    assert body["version"] == 2 and body["ics_sequence"] == 1
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "meeting.updated",
                                                AuditEntry.object_id == meeting.id)).scalar_one()
    assert entry.actor_id == user.id and entry.changes["title"] == ["Quarterly meeting", "Spring plenary"]


def test_patch_with_stale_version_is_409_with_the_current_meeting(client, api_as, db, staff):
    meeting = plan(db, staff)
    headers, _ = api_as("secretariat")
    assert client.patch(f"{BASE}/{meeting.id}", headers=headers, json={"version": 1, "title": "First"}).status_code \
        == 200
    r = client.patch(f"{BASE}/{meeting.id}", headers=headers, json={"version": 1, "title": "Second",
                                                                    "location": "Elsewhere"})
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    current = r.json["error"]["current"]
    assert current["version"] == 2 and current["title"] == "First" and current["location"] == "Harry S Truman Building"
    assert current == client.get(f"{BASE}/{meeting.id}", headers=headers).json
    db.expire_all()
    stored = db.get(Meeting, meeting.id)
    assert (stored.title, stored.location, stored.version) == ("First", "Harry S Truman Building", 2)
    assert audit_actions(db, "Meeting", meeting.id) == ["meeting.created", "meeting.updated"]


def test_a_write_between_read_and_flush_is_409_not_500(client, api_as, db, staff, monkeypatch):
    meeting = plan(db, staff)
    headers, _ = api_as("secretariat")
    real_check = mtg.check_version

    def check_then_race(obj, version, **kw):
        real_check(obj, version, **kw)
        from pitf.db import get_session

        get_session().connection().execute(update(Meeting).where(Meeting.id == obj.id)
                                           .values(version=Meeting.version + 1, title="Changed meanwhile"))

    monkeypatch.setattr(mtg, "check_version", check_then_race)
    r = client.patch(f"{BASE}/{meeting.id}", headers=headers, json={"version": 1, "title": "Mine"})
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    assert r.json["error"]["current"]["id"] == meeting.id and r.json["error"]["current"]["version"] == 1
    db.expire_all()
    assert db.get(Meeting, meeting.id).title == "Quarterly meeting"
    assert audit_actions(db, "Meeting", meeting.id) == ["meeting.created"]


@pytest.mark.parametrize("body,field", [
    ({"title": "No version"}, "version"),
    ({"title": "x", "version": "1"}, "version"),
    ({"title": "x", "version": True}, "version"),
    ({"version": 1, "ends_at": "2027-03-15T09:00:00"}, "ends_at"),
    ({"version": 1, "starts_at": "2027-03-15T11:30:00"}, "ends_at"),
    ({"version": 1, "committee_id": 3}, "committee_id"),
    ({"version": 1, "status": "scheduled2"}, "status"),
    ({"version": 1, "status": 1}, "status"),
    ({"version": 1, "title": ""}, "title"),
    ({"version": 1, "virtual_url": "javascript:x()"}, "virtual_url"),
    ({"version": 1, "series_key": "abc"}, "series_key"),
    ({"version": 1, "colour": "red"}, "colour"),
])
def test_invalid_patch_is_422_and_changes_nothing(client, api_as, db, staff, body, field):
    meeting = plan(db, staff)
    headers, _ = api_as("secretariat")
    r = client.patch(f"{BASE}/{meeting.id}", headers=headers, json=body)
    assert r.status_code == 422 and field in r.json["error"]["fields"], r.json
    db.expire_all()
    stored = db.get(Meeting, meeting.id)
    assert (stored.version, stored.title, stored.ics_sequence) == (1, "Quarterly meeting", 0)


def test_cancel_needs_a_reason(client, api_as, db, staff, make_user):
    meeting = plan(db, staff, VICTIMS)
    member = person_on(db, make_user, VICTIMS, "member")
    headers, _ = api_as("secretariat")
    r = client.patch(f"{BASE}/{meeting.id}", headers=headers, json={"version": 1, "status": "cancelled"})
    assert r.status_code == 422 and "cancel_reason" in r.json["error"]["fields"]
    r = client.patch(f"{BASE}/{meeting.id}", headers=headers,
                     json={"version": 1, "status": "cancelled", "cancel_reason": "   "})
    assert r.status_code == 422 and "cancel_reason" in r.json["error"]["fields"]
    db.expire_all()
    assert db.get(Meeting, meeting.id).status == "scheduled"
    r = client.patch(f"{BASE}/{meeting.id}", headers=headers,
                     json={"version": 1, "status": "cancelled", "cancel_reason": "Lapse in appropriations."})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "cancelled" and r.json["cancel_reason"] == "Lapse in appropriations."
    assert r.json["version"] == 2 and r.json["ics_sequence"] == 1
    assert audit_actions(db, "Meeting", meeting.id) == ["meeting.created", "meeting.cancelled"]
    assert db.execute(select(Notification).where(Notification.user_id == member.id,
                                                 Notification.kind == "meeting_cancelled")).scalar_one()
    # nothing is deleted: it is still listed, as cancelled
    listed = client.get(f"{BASE}?status=cancelled", headers=headers).json["items"]
    assert [m["id"] for m in listed] == [meeting.id]
    # and a cancelled meeting is not edited
    r = client.patch(f"{BASE}/{meeting.id}", headers=headers, json={"version": 2, "title": "Back on"})
    assert r.status_code == 422


@pytest.mark.parametrize("role,agency", [("liaison", "DOJ"), ("viewer", None), ("council", None)])
def test_only_planners_patch(client, api_as, db, staff, role, agency):
    meeting = plan(db, staff)
    headers, _ = api_as(role, agency=agency)
    r = client.patch(f"{BASE}/{meeting.id}", headers=headers, json={"version": 1, "title": "Mine"})
    assert r.status_code == 403
    r = client.patch(f"{BASE}/{meeting.id}", headers=headers,
                     json={"version": 1, "status": "cancelled", "cancel_reason": "No."})
    assert r.status_code == 403
    assert audit_actions(db, "Meeting", meeting.id) == ["meeting.created"]


# ---- closed meetings ----------------------------------------------------------------------------------

READS = ["", "/agenda", "/attendance", "/minutes", "/minutes/revisions"]
WRITES = [("patch", "", {"version": 1, "title": "x"}), ("put", "/agenda", {"version": 1, "items": []}),
          ("post", "/agenda/publish", {}), ("put", "/attendance", {"entries": []}),
          ("put", "/minutes", {"version": 1, "body_md": "x"}), ("post", "/minutes/circulate", {"version": 1}),
          ("post", "/minutes/approve", {"version": 1})]


@pytest.fixture
def closed(meetings_held, db, staff):
    """A closed Grantmaking meeting with an agenda, attendance and circulated minutes."""
    meeting = plan(db, staff, GRANTS, is_open=False)
    agendas.put_agenda(session=db, actor=staff, meeting_id=meeting.id, version=1,
        items=agenda_items(db, [{"title": "Solicitations"}]))
    att.put_attendance(session=db, actor=staff, meeting_id=meeting.id,
        entries=attendance_entries(db, [{"name": "Ana Ruiz", "agency": "DOJ"}]))
    minutes = mins.save_minutes(session=db, actor=staff, meeting_id=meeting.id,
                                changes=MinutesUpdate(version=None, body_md="Secret plan."))
    mins.circulate(session=db, actor=staff, meeting_id=meeting.id, version=minutes.version)
    db.flush()
    return meeting


@pytest.mark.parametrize("role,agency", [("liaison", "DHS"), ("viewer", None), ("council", None)])
def test_closed_meeting_is_404_on_every_endpoint_for_non_members(client, api_as, db, closed, role, agency):
    headers, _ = api_as(role, agency=agency)
    for path in READS:
        r = client.get(f"{BASE}/{closed.id}{path}", headers=headers)
        assert r.status_code == 404 and r.json["error"]["code"] == "not_found", path
    for method, path, body in WRITES:
        r = getattr(client, method)(f"{BASE}/{closed.id}{path}", headers=headers, json=body)
        assert r.status_code == 404 and r.json["error"]["code"] == "not_found", path
    assert closed.id not in {m["id"] for m in client.get(BASE, headers=headers).json["items"]}
    assert audit_actions(db, "Meeting", closed.id) == ["meeting.created", "attendance.saved"]


def test_closed_meeting_is_read_by_members_of_its_committee(client, api_as, db, closed):
    headers, _ = api_as("liaison", agency="DOJ")  # DOJ sits on Grantmaking
    for path in READS:
        r = client.get(f"{BASE}/{closed.id}{path}", headers=headers)
        assert r.status_code == 200, (path, r.json)
    assert client.get(f"{BASE}/{closed.id}/minutes", headers=headers).json["body_md"] == "Secret plan."
    assert client.get(f"{BASE}/{closed.id}/agenda", headers=headers).json["items"][0]["title"] == "Solicitations"
    # a member who does not plan the meeting is refused, not hidden from
    for method, path, body in WRITES:
        r = getattr(client, method)(f"{BASE}/{closed.id}{path}", headers=headers, json=body)
        assert r.status_code == 403, path
    person, _ = api_person_on(db, api_as, GRANTS, "member")
    assert client.get(f"{BASE}/{closed.id}/attendance", headers=person).status_code == 200


# ---- agenda --------------------------------------------------------------------------------------------

def test_agenda_put_and_get_with_computed_starts_and_overrun(client, api_as, db, staff):
    meeting = plan(db, staff)  # 10:00 to 11:00 Eastern = 14:00 to 15:00 UTC
    headers, user = api_as("secretariat")
    empty = client.get(f"{BASE}/{meeting.id}/agenda", headers=headers).json
    assert empty["items"] == [] and empty["version"] == 1 and empty["published_at"] is None
    assert empty["overruns"] is False
    r = client.put(f"{BASE}/{meeting.id}/agenda", headers=headers, json={"version": 1, "items": [
        {"title": "Opening", "presenter": "Chair", "presenter_agency": "dos", "duration_minutes": 30},
        {"title": "Supply chains", "duration_minutes": 20, "notes_md": "Read **the report**<script>x()</script>"},
        {"title": "Next steps", "duration_minutes": 15},
    ]})
    assert r.status_code == 200, r.json
    body = r.json
    assert [i["starts_at"] for i in body["items"]] == ["2027-03-15T14:00:00+00:00", "2027-03-15T14:30:00+00:00",
                                                      "2027-03-15T14:50:00+00:00"]
    assert body["ends_at"] == "2027-03-15T15:05:00+00:00" and body["overruns"] is True
    assert body["overrun_minutes"] == 5 and body["version"] == 2
    first, second = body["items"][0], body["items"][1]
    assert first["presenter_agency"] == "DOS" and first["presenter"] == "Chair" and first["position"] == 0
    assert "<strong>the report</strong>" in second["notes_html"] and "<script" not in second["notes_html"]
    assert set(first) >= {"id", "position", "title", "presenter", "presenter_agency", "duration_minutes",
                          "notes_md", "notes_html", "action_item_id", "recommendation_id", "starts_at"}
    assert client.get(f"{BASE}/{meeting.id}/agenda", headers=headers).json == body
    assert agenda_of(db, meeting.id) == (2, ["Opening", "Supply chains", "Next steps"])
    agenda_id = db.execute(select(Agenda.id).where(Agenda.meeting_id == meeting.id)).scalar()
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "agenda.saved",
                                                AuditEntry.object_id == agenda_id)).scalar_one()
    assert entry.actor_id == user.id

    # what was read can be sent back, reordered and trimmed: read-only fields are ignored
    items = [body["items"][2], body["items"][0]]
    r = client.put(f"{BASE}/{meeting.id}/agenda", headers=headers, json={"version": 2, "items": items})
    assert r.status_code == 200, r.json
    assert [i["title"] for i in r.json["items"]] == ["Next steps", "Opening"]
    assert r.json["overruns"] is False and r.json["overrun_minutes"] == 0
    assert r.json["ends_at"] == "2027-03-15T14:45:00+00:00"


def test_agenda_put_with_stale_version_is_409_and_changes_nothing(client, api_as, db, staff):
    meeting = plan(db, staff)
    headers, _ = api_as("secretariat")
    assert client.put(f"{BASE}/{meeting.id}/agenda", headers=headers,
                      json={"version": 1, "items": [{"title": "Mine"}]}).status_code == 200
    r = client.put(f"{BASE}/{meeting.id}/agenda", headers=headers,
                   json={"version": 1, "items": [{"title": "Theirs"}]})
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    current = r.json["error"]["current"]
    assert current["version"] == 2 and [i["title"] for i in current["items"]] == ["Mine"]
    assert agenda_of(db, meeting.id) == (2, ["Mine"])
    r = client.put(f"{BASE}/{meeting.id}/agenda", headers=headers, json={"items": [{"title": "Theirs"}]})
    assert r.status_code == 422 and "version" in r.json["error"]["fields"]


def test_agenda_item_linked_to_an_action_item(client, api_as, db, staff):
    meeting = plan(db, staff, VICTIMS)
    item = actions.create_action_item(session=db, actor=staff, data={
        "title": "Fund shelters", "committee_id": committee(db, VICTIMS).id, "lead_agency": "HHS",
        "supporting_agencies": [], "due_date": date(2027, 6, 30), "pillar": "protection"})
    db.flush()
    headers, _ = api_as("secretariat")
    r = client.put(f"{BASE}/{meeting.id}/agenda", headers=headers,
                   json={"version": 1, "items": [{"title": "Shelters", "action_item_id": item.id}]})
    assert r.status_code == 200, r.json
    assert r.json["items"][0]["action_item_id"] == item.id
    assert r.json["items"][0]["action_item_title"] == "Fund shelters"


@pytest.mark.parametrize("items,field", [
    ([{"title": "Review", "action_item_id": 999999}], "items[0].action_item_id"),
    ([{"title": "Review", "action_item_id": 2**40}], "items[0].action_item_id"),
    ([{"title": "Review", "action_item_id": "12"}], "items[0].action_item_id"),
    ([{"title": "Review", "recommendation_id": 999999}], "items[0].recommendation_id"),
    ([{"title": "Fine"}, {"title": "Long", "duration_minutes": -5}], "items[1].duration_minutes"),
    ([{"title": "Zero", "duration_minutes": 0}], "items[0].duration_minutes"),
    ([{"title": "Absurd", "duration_minutes": 100_000}], "items[0].duration_minutes"),
    ([{"title": "Huge", "duration_minutes": 10**30}], "items[0].duration_minutes"),
    ([{"title": "Text", "duration_minutes": "30"}], "items[0].duration_minutes"),
    ([{"title": "Float", "duration_minutes": 1.5}], "items[0].duration_minutes"),
    ([{"title": "Bool", "duration_minutes": True}], "items[0].duration_minutes"),
    ([{"title": ""}], "items[0].title"),
    ([{"title": None}], "items[0].title"),
    ([{"duration_minutes": 10}], "items[0].title"),
    ([{"title": "x" * 301}], "items[0].title"),
    ([{"title": "Who", "presenter_agency": "NOPE"}], "items[0].presenter_agency"),
    ([{"title": "Who", "presenter_agency": 7}], "items[0].presenter_agency"),
    ([{"title": "Notes", "notes_md": ["x"]}], "items[0].notes_md"),
    ([{"title": "Odd", "colour": "red"}], "items[0].colour"),
    (["Opening"], "items[0]"),
    ([{"title": f"Item {n}"} for n in range(101)], "items"),
    ({"title": "not a list"}, "items"),
    (None, "items"),
])
def test_bad_agenda_items_are_422_naming_the_item_and_change_nothing(client, api_as, db, staff, items, field):
    meeting = plan(db, staff)
    agendas.put_agenda(session=db, actor=staff, meeting_id=meeting.id, version=1,
        items=agenda_items(db, [{"title": "Kept"}]))
    db.flush()
    headers, _ = api_as("secretariat")
    r = client.put(f"{BASE}/{meeting.id}/agenda", headers=headers, json={"version": 2, "items": items})
    assert r.status_code == 422 and field in r.json["error"]["fields"], r.json
    assert agenda_of(db, meeting.id) == (2, ["Kept"])


@pytest.mark.parametrize("role,agency", [("liaison", "DOJ"), ("viewer", None)])
def test_only_planners_change_the_agenda(client, api_as, db, staff, role, agency):
    meeting = plan(db, staff)
    headers, _ = api_as(role, agency=agency)
    assert client.get(f"{BASE}/{meeting.id}/agenda", headers=headers).status_code == 200
    r = client.put(f"{BASE}/{meeting.id}/agenda", headers=headers, json={"version": 1, "items": [{"title": "x"}]})
    assert r.status_code == 403
    assert client.post(f"{BASE}/{meeting.id}/agenda/publish", headers=headers, json={}).status_code == 403
    assert agenda_of(db, meeting.id) == (1, [])


# ---- publishing ---------------------------------------------------------------------------------------

def soon(days: int) -> tuple[str, str]:
    day = date.today() + timedelta(days=days)
    return f"{day.isoformat()}T10:00:00", f"{day.isoformat()}T12:00:00"


def test_publishing_a_faca_bodys_short_notice_needs_a_reason(client, api_as, db, staff, make_user):
    member = person_on(db, make_user, COUNCIL, "member")
    start, end = soon(10)
    meeting = plan(db, staff, COUNCIL, starts_at=start, ends_at=end)
    headers, user = api_as("secretariat")
    detail = client.get(f"{BASE}/{meeting.id}", headers=headers).json
    assert any("Federal Register" in f for f in detail["flags"]) and detail["certify_by"]
    r = client.post(f"{BASE}/{meeting.id}/agenda/publish", headers=headers, json={})
    assert r.status_code == 422 and "items" in r.json["error"]["fields"]  # nothing to publish yet
    agendas.put_agenda(session=db, actor=staff, meeting_id=meeting.id, version=1,
        items=agenda_items(db, [{"title": "Welcome"}]))
    db.flush()
    for body in ({}, {"short_notice_reason": "   "}, None):
        kw = {"json": body} if body is not None else {}
        r = client.post(f"{BASE}/{meeting.id}/agenda/publish", headers=headers, **kw)
        assert r.status_code == 422 and "short_notice_reason" in r.json["error"]["fields"], r.json
        assert "15 days" in r.json["error"]["fields"]["short_notice_reason"]
    db.expire_all()
    assert db.execute(select(Agenda.published_at).where(Agenda.meeting_id == meeting.id)).scalar() is None
    r = client.post(f"{BASE}/{meeting.id}/agenda/publish", headers=headers, json={"short_notice_reason": 5})
    assert r.status_code == 422 and "short_notice_reason" in r.json["error"]["fields"]
    r = client.post(f"{BASE}/{meeting.id}/agenda/publish", headers=headers,
                    json={"short_notice_reason": "The Secretary's schedule changed."})
    assert r.status_code == 200, r.json
    assert r.json["published_at"] is not None and r.json["items"][0]["title"] == "Welcome"
    assert client.get(f"{BASE}/{meeting.id}", headers=headers).json["short_notice_reason"] == \
        "The Secretary's schedule changed."
    assert db.execute(select(Notification).where(Notification.user_id == member.id,
                                                 Notification.kind == "agenda_published")).scalar_one()
    agenda_id = db.execute(select(Agenda.id).where(Agenda.meeting_id == meeting.id)).scalar()
    assert audit_actions(db, "Agenda", agenda_id) == ["agenda.saved", "agenda.published"]


def test_publishing_needs_no_reason_with_notice_or_outside_faca(client, api_as, db, staff):
    headers, _ = api_as("secretariat")
    start, end = soon(10)
    for body, notice in ((SPOG, None), (COUNCIL, (date.today() - timedelta(days=10)).isoformat())):
        meeting = plan(db, staff, body, starts_at=start, ends_at=end, federal_register_notice_date=notice)
        agendas.put_agenda(session=db, actor=staff, meeting_id=meeting.id, version=1,
            items=agenda_items(db, [{"title": "Welcome"}]))
        db.flush()
        r = client.post(f"{BASE}/{meeting.id}/agenda/publish", headers=headers)  # no body at all
        assert r.status_code == 200, (body, r.json)
        assert client.get(f"{BASE}/{meeting.id}", headers=headers).json["flags"] == []


# ---- attendance -----------------------------------------------------------------------------------------

def test_attendance_put_with_quorum(meetings_held, client, api_as, db, staff, make_user):
    meeting = plan(db, staff, GRANTS)  # five member agencies: quorum is three
    doj = make_user("liaison", agency="DOJ")
    headers, user = api_as("secretariat")
    empty = client.get(f"{BASE}/{meeting.id}/attendance", headers=headers).json
    assert empty == {"entries": [], "quorum": {"required": 3, "present": 0, "met": False,
                                               "rule": "majority_agencies"}}
    entries = [{"user_id": doj.id, "status": "present"},
               {"name": "Lee Park", "agency": "hhs", "status": "represented", "represented_by": "Kim Oh",
                "attendee_kind": "member"},
               {"name": "Sam Diaz", "agency": "DOS", "status": "absent"},
               {"name": "Pat Guest", "status": "present"}]
    r = client.put(f"{BASE}/{meeting.id}/attendance", headers=headers, json={"entries": entries})
    assert r.status_code == 200, r.json
    body = r.json
    assert body["quorum"] == {"required": 3, "present": 2, "met": False, "rule": "majority_agencies"}
    first = body["entries"][0]
    assert first["user_id"] == doj.id and first["name"] == doj.name and first["agency"] == "DOJ"
    assert first["attendee_kind"] == "member" and first["status"] == "present"
    assert body["entries"][1]["represented_by"] == "Kim Oh" and body["entries"][1]["agency"] == "HHS"
    assert body["entries"][3]["attendee_kind"] == "guest" and body["entries"][3]["agency"] is None
    assert set(first) >= {"id", "user_id", "name", "agency", "status", "represented_by", "attendee_kind"}
    assert client.get(f"{BASE}/{meeting.id}/attendance", headers=headers).json == body
    # what was read goes back with one more agency: quorum met
    r = client.put(f"{BASE}/{meeting.id}/attendance", headers=headers,
                   json={"entries": [*body["entries"], {"name": "Dana Lo", "agency": "DOL"}]})
    assert r.status_code == 200, r.json
    assert r.json["quorum"] == {"required": 3, "present": 3, "met": True, "rule": "majority_agencies"}
    assert len(r.json["entries"]) == 5
    assert audit_actions(db, "Meeting", meeting.id) == ["meeting.created", "attendance.saved", "attendance.saved"]


@pytest.mark.parametrize("entry,field", [
    ({"name": "A", "status": "late"}, "entries[1].status"),
    ({"name": "A", "status": "represented"}, "entries[1].represented_by"),
    ({"user_id": 999999}, "entries[1].user_id"),
    ({"user_id": 2**40}, "entries[1].user_id"),
    ({"user_id": "abc"}, "entries[1].user_id"),
    ({"name": ""}, "entries[1].name"),
    ({"name": "x" * 201}, "entries[1].name"),
    ({"name": "A", "agency": "NOPE"}, "entries[1].agency"),
    ({"name": "A", "attendee_kind": "spy"}, "entries[1].attendee_kind"),
    ({"name": "A", "represented_by": ["x"]}, "entries[1].represented_by"),
    ({"name": "A", "status": "represented", "represented_by": "x" * 201}, "entries[1].represented_by"),
    ({"name": "A", "shoe_size": 9}, "entries[1].shoe_size"),
    ("A", "entries[1]"),
])
def test_bad_attendance_is_422_naming_the_entry_and_changes_nothing(meetings_held, client, api_as, db, staff, entry,
                                                                    field):
    meeting = plan(db, staff, GRANTS)
    att.put_attendance(session=db, actor=staff, meeting_id=meeting.id,
        entries=attendance_entries(db, [{"name": "Kept"}]))
    db.flush()
    headers, _ = api_as("secretariat")
    r = client.put(f"{BASE}/{meeting.id}/attendance", headers=headers, json={"entries": [{"name": "Fine"}, entry]})
    assert r.status_code == 422 and field in r.json["error"]["fields"], r.json
    db.expire_all()
    assert [a.name for a in db.execute(select(Attendance).where(Attendance.meeting_id == meeting.id)).scalars()] \
        == ["Kept"]


def test_attendance_needs_a_list_and_a_planner(client, api_as, db, staff):
    meeting = plan(db, staff, GRANTS)
    headers, _ = api_as("secretariat")
    for body in ({}, {"entries": "all"}, {"entries": [], "quorum": 3}):
        r = client.put(f"{BASE}/{meeting.id}/attendance", headers=headers, json=body)
        assert r.status_code == 422, body
    liaison, _ = api_as("liaison", agency="DOJ")
    r = client.put(f"{BASE}/{meeting.id}/attendance", headers=liaison, json={"entries": [{"name": "Me"}]})
    assert r.status_code == 403


# ---- minutes ----------------------------------------------------------------------------------------------

def _circulated(db, staff, body):
    meeting = plan(db, staff, body, federal_register_notice_date="2027-02-20")
    minutes = mins.save_minutes(session=db, actor=staff, meeting_id=meeting.id,
                                changes=MinutesUpdate(version=None, body_md="Discussed."))
    mins.circulate(session=db, actor=staff, meeting_id=meeting.id, version=minutes.version)
    db.flush()
    return meeting, minutes


def _headers_for(db, api_as, who, body):
    if who in ("chair", "co_chair", "member"):
        return api_person_on(db, api_as, body, who)[0]
    if who.startswith("liaison"):
        return api_as("liaison", agency=who.split(":")[1])[0]
    return api_as(who)[0]


@pytest.mark.parametrize("who,allowed", [
    ("secretariat", True), ("admin", True), ("chair", True), ("co_chair", True), ("member", False),
    ("liaison:DOS", False), ("liaison:DOJ", False), ("viewer", False), ("council", False),
])
def test_who_writes_and_circulates_minutes(meetings_held, client, api_as, db, staff, who, allowed):
    meeting = plan(db, staff, SPOG)
    headers = _headers_for(db, api_as, who, SPOG)
    r = client.put(f"{BASE}/{meeting.id}/minutes", headers=headers, json={"body_md": "# Minutes\n\nDiscussed."})
    assert r.status_code == (200 if allowed else 403), r.json
    if not allowed:
        assert minutes_row(db, meeting.id) is None
        mins.save_minutes(session=db, actor=staff, meeting_id=meeting.id,
                          changes=MinutesUpdate(version=None, body_md="Discussed."))
        db.flush()
    version = minutes_row(db, meeting.id).version
    r = client.post(f"{BASE}/{meeting.id}/minutes/circulate", headers=headers, json={"version": version})
    assert r.status_code == (200 if allowed else 403), r.json
    assert minutes_row(db, meeting.id).status == ("circulated" if allowed else "draft")
    if allowed:
        assert r.json["status"] == "circulated"


@pytest.mark.parametrize("who,body,allowed", [
    ("secretariat", SPOG, True), ("admin", SPOG, True), ("chair", SPOG, True), ("co_chair", SPOG, True),
    ("member", SPOG, False), ("liaison:DOS", SPOG, False), ("liaison:DOJ", SPOG, False), ("viewer", SPOG, False),
    ("chair", COUNCIL, True), ("co_chair", COUNCIL, False), ("secretariat", COUNCIL, False),
    ("admin", COUNCIL, False), ("member", COUNCIL, False), ("council", COUNCIL, False),
])
def test_who_approves_minutes(meetings_held, client, api_as, db, staff, who, body, allowed):
    meeting, minutes = _circulated(db, staff, body)
    headers = _headers_for(db, api_as, who, body)
    r = client.post(f"{BASE}/{meeting.id}/minutes/approve", headers=headers, json={"version": minutes.version})
    if allowed:
        assert r.status_code == 200, r.json
        assert r.json["status"] == "approved" and r.json["approved_revision"] == 1 and r.json["approved_by"]
        faca = body == COUNCIL
        assert (r.json["certification_text"] or "").startswith("I hereby certify") is faca
        assert audit_actions(db, "Minutes", minutes.id)[-1] == ("minutes.certified" if faca else "minutes.approved")
    else:
        assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
        assert minutes_row(db, meeting.id).status == "circulated"
        assert audit_actions(db, "Minutes", minutes.id) == ["minutes.saved", "minutes.circulated"]


def test_council_certification_names_the_chair_and_the_meeting_day(meetings_held, client, api_as, db, staff):
    meeting, minutes = _circulated(db, staff, COUNCIL)
    headers, chair = api_person_on(db, api_as, COUNCIL, "chair")
    r = client.post(f"{BASE}/{meeting.id}/minutes/approve", headers=headers, json={"version": minutes.version})
    assert r.status_code == 200
    assert r.json["approved_by"] == chair.name and r.json["approved_by_id"] == chair.id
    assert r.json["certification_text"].endswith("at the meeting held on March 15, 2027.")
    assert datetime.fromisoformat(r.json["approved_at"]).tzinfo is not None
    flags = client.get(f"{BASE}/{meeting.id}", headers=headers).json["flags"]
    assert not any("certified" in f for f in flags)


def test_refused_transitions_are_409_invalid_transition(meetings_held, client, api_as, db, staff):
    meeting = plan(db, staff)
    headers, _ = api_as("secretariat")
    r = client.put(f"{BASE}/{meeting.id}/minutes", headers=headers, json={"body_md": "Draft."})
    assert r.status_code == 200 and r.json["status"] == "draft" and r.json["revision"] == 1
    version = r.json["version"]
    r = client.post(f"{BASE}/{meeting.id}/minutes/approve", headers=headers, json={"version": version})
    assert r.status_code == 409 and r.json["error"]["code"] == "invalid_transition"
    version = client.post(f"{BASE}/{meeting.id}/minutes/circulate", headers=headers,
                          json={"version": version}).json["version"]
    r = client.post(f"{BASE}/{meeting.id}/minutes/circulate", headers=headers, json={"version": version})
    assert r.status_code == 409 and r.json["error"]["code"] == "invalid_transition"
    version = client.post(f"{BASE}/{meeting.id}/minutes/approve", headers=headers,
                          json={"version": version}).json["version"]
    for step in ("circulate", "approve"):
        r = client.post(f"{BASE}/{meeting.id}/minutes/{step}", headers=headers, json={"version": version})
        assert r.status_code == 409 and r.json["error"]["code"] == "invalid_transition"
    assert minutes_row(db, meeting.id).status == "approved"


def test_steps_without_minutes_or_version(client, api_as, db, staff):
    meeting = plan(db, staff)
    headers, _ = api_as("secretariat")
    for step in ("circulate", "approve"):
        r = client.post(f"{BASE}/{meeting.id}/minutes/{step}", headers=headers, json={"version": 1})
        assert r.status_code == 404
    assert client.get(f"{BASE}/{meeting.id}/minutes", headers=headers).status_code == 404
    assert client.get(f"{BASE}/{meeting.id}/minutes/revisions", headers=headers).json == {"items": []}
    client.put(f"{BASE}/{meeting.id}/minutes", headers=headers, json={"body_md": "Draft."})
    for body, field in (({}, "version"), ({"version": "1"}, "version"), ({"version": 1, "x": 1}, "x")):
        r = client.post(f"{BASE}/{meeting.id}/minutes/circulate", headers=headers, json=body)
        assert r.status_code == 422 and field in r.json["error"]["fields"]
    r = client.post(f"{BASE}/{meeting.id}/minutes/circulate", headers=headers, json={"version": 7})
    assert r.status_code == 409 and r.json["error"]["current"]["status"] == "draft"
    assert minutes_row(db, meeting.id).status == "draft"


def test_empty_minutes_are_not_circulated(meetings_held, client, api_as, db, staff):
    meeting = plan(db, staff)
    headers, _ = api_as("secretariat")
    version = client.put(f"{BASE}/{meeting.id}/minutes", headers=headers, json={"body_md": "  "}).json["version"]
    r = client.post(f"{BASE}/{meeting.id}/minutes/circulate", headers=headers, json={"version": version})
    assert r.status_code == 422 and "body_md" in r.json["error"]["fields"]


def test_approved_minutes_are_locked_and_corrected_by_a_new_revision(meetings_held, client, api_as, db, staff):
    meeting, minutes = _circulated(db, staff, SPOG)
    headers, user = api_as("secretariat")
    approved = client.post(f"{BASE}/{meeting.id}/minutes/approve", headers=headers,
                           json={"version": minutes.version}).json
    r = client.put(f"{BASE}/{meeting.id}/minutes", headers=headers,
                   json={"version": approved["version"], "body_md": "Corrected."})
    assert r.status_code == 422 and list(r.json["error"]["fields"]) == ["revision_reason"]
    r = client.put(f"{BASE}/{meeting.id}/minutes", headers=headers,
                   json={"version": approved["version"], "body_md": "Corrected.", "revision_reason": "  "})
    assert r.status_code == 422 and "revision_reason" in r.json["error"]["fields"]
    stored = minutes_row(db, meeting.id)
    assert (stored.status, stored.revision, stored.body_md) == ("approved", 1, "Discussed.")

    r = client.put(f"{BASE}/{meeting.id}/minutes", headers=headers,
                   json={"version": approved["version"], "body_md": "Corrected.",
                         "revision_reason": "The DOJ representative was misnamed."})
    assert r.status_code == 200, r.json
    body = r.json
    assert body["revision"] == 2 and body["status"] == "draft" and body["body_md"] == "Corrected."
    assert body["approved_revision"] == 1 and body["correction_in_progress"] is True
    # everyone else still reads the approved revision
    viewer, _ = api_as("viewer")
    seen = client.get(f"{BASE}/{meeting.id}/minutes", headers=viewer).json
    assert seen["body_md"] == "Discussed." and seen["revision"] == 1 and seen["status"] == "approved"
    assert seen["approved_by_id"] == user.id
    # the revisions: planners see both, other readers the approved one only
    revs = client.get(f"{BASE}/{meeting.id}/minutes/revisions", headers=headers).json["items"]
    assert [(r["revision"], r["status"], r["reason"], r["body_md"]) for r in revs] == [
        (1, "approved", "", "Discussed."), (2, "draft", "The DOJ representative was misnamed.", "Corrected.")]
    assert revs[0]["approved_by"] == user.name and revs[1]["approved_by"] is None
    assert set(revs[0]) >= {"revision", "status", "reason", "body_md", "approved_by", "approved_at",
                            "certification_text"}
    revs = client.get(f"{BASE}/{meeting.id}/minutes/revisions", headers=viewer).json["items"]
    assert [r["revision"] for r in revs] == [1]
    # the correction goes through approval again
    version = body["version"]
    version = client.post(f"{BASE}/{meeting.id}/minutes/circulate", headers=headers,
                          json={"version": version}).json["version"]
    r = client.post(f"{BASE}/{meeting.id}/minutes/approve", headers=headers, json={"version": version})
    assert r.status_code == 200 and r.json["approved_revision"] == 2
    assert client.get(f"{BASE}/{meeting.id}/minutes", headers=viewer).json["body_md"] == "Corrected."
    assert audit_actions(db, "Minutes", minutes.id) == [
        "minutes.saved", "minutes.circulated", "minutes.approved", "minutes.correction_started",
        "minutes.circulated", "minutes.approved"]


def test_who_reads_minutes_at_each_stage(meetings_held, client, api_as, db, staff):
    meeting = plan(db, staff, GRANTS)
    secretariat, _ = api_as("secretariat")
    member, _ = api_as("liaison", agency="DOJ")
    viewer, _ = api_as("viewer")
    version = client.put(f"{BASE}/{meeting.id}/minutes", headers=secretariat, json={"body_md": "Draft."}).json[
        "version"]
    assert client.get(f"{BASE}/{meeting.id}/minutes", headers=secretariat).json["status"] == "draft"
    for headers in (member, viewer):  # a draft is the planners'
        assert client.get(f"{BASE}/{meeting.id}/minutes", headers=headers).status_code == 404
    version = client.post(f"{BASE}/{meeting.id}/minutes/circulate", headers=secretariat,
                          json={"version": version}).json["version"]
    assert client.get(f"{BASE}/{meeting.id}/minutes", headers=member).json["status"] == "circulated"
    assert client.get(f"{BASE}/{meeting.id}/minutes", headers=viewer).status_code == 404
    assert client.get(f"{BASE}/{meeting.id}/minutes/revisions", headers=member).json == {"items": []}
    client.post(f"{BASE}/{meeting.id}/minutes/approve", headers=secretariat, json={"version": version})
    assert client.get(f"{BASE}/{meeting.id}/minutes", headers=viewer).json["status"] == "approved"


def test_minutes_put_with_stale_version_is_409_with_the_current_minutes(client, api_as, db, staff):
    meeting = plan(db, staff)
    headers, _ = api_as("secretariat")
    first = client.put(f"{BASE}/{meeting.id}/minutes", headers=headers, json={"body_md": "First."}).json
    assert client.put(f"{BASE}/{meeting.id}/minutes", headers=headers,
                      json={"version": first["version"], "body_md": "Second."}).status_code == 200
    r = client.put(f"{BASE}/{meeting.id}/minutes", headers=headers,
                   json={"version": first["version"], "body_md": "Third."})
    assert r.status_code == 409 and r.json["error"]["current"]["body_md"] == "Second."
    assert r.json["error"]["current"]["version"] == first["version"] + 1
    assert minutes_row(db, meeting.id).body_md == "Second."
    r = client.put(f"{BASE}/{meeting.id}/minutes", headers=headers, json={"body_md": "No version."})
    assert r.status_code == 422 and "version" in r.json["error"]["fields"]


@pytest.mark.parametrize("body,field", [
    ({"body_md": 5}, "body_md"), ({}, "body_md"), ({"body_md": "x" * 200_001}, "body_md"),
    ({"body_md": "x", "revision_reason": ["why"]}, "revision_reason"), ({"body_md": "x", "status": "approved"},
                                                                       "status"),
])
def test_bad_minutes_are_422(client, api_as, db, staff, body, field):
    meeting = plan(db, staff)
    headers, _ = api_as("secretariat")
    r = client.put(f"{BASE}/{meeting.id}/minutes", headers=headers, json=body)
    assert r.status_code == 422 and field in r.json["error"]["fields"], r.json
    assert minutes_row(db, meeting.id) is None


@pytest.mark.parametrize("markdown,gone", [
    ("Hi <script>alert(1)</script> there", ["<script", "alert(1)</script"]),
    ("[click](javascript:alert(1))", ["javascript:"]),
    ('<img src="x" onerror="alert(1)">', ["onerror", "<img"]),
    ('<a href="#" onclick="steal()">x</a>', ["onclick"]),
    ("[pic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", ["data:"]),
])
def test_minutes_are_sanitized(client, api_as, db, staff, markdown, gone):
    meeting = plan(db, staff)
    headers, _ = api_as("secretariat")
    r = client.put(f"{BASE}/{meeting.id}/minutes", headers=headers, json={"body_md": f"# Minutes\n\n{markdown}"})
    assert r.status_code == 200
    assert r.json["body_md"].endswith(markdown)  # the source is kept as written
    html = r.json["body_html"].lower()
    assert "<h2>minutes</h2>" in html  # user headings start at h2 under the page heading
    for bad in gone:
        assert bad not in html
    revs = client.get(f"{BASE}/{meeting.id}/minutes/revisions", headers=headers).json["items"]
    for bad in gone:
        assert bad not in revs[0]["body_html"].lower()


# ---- every write is audited -------------------------------------------------------------------------------

def test_every_write_is_audited_with_its_actor(meeting_clock, client, api_as, db):
    headers, user = api_as("secretariat")
    meeting_id = client.post(BASE, headers=headers, json=payload(db, GRANTS)).json["id"]
    assert client.patch(f"{BASE}/{meeting_id}", headers=headers, json={"version": 1, "title": "Renamed"}).status_code \
        == 200
    assert client.put(f"{BASE}/{meeting_id}/agenda", headers=headers,
                      json={"version": 1, "items": [{"title": "Opening"}]}).status_code == 200
    assert client.post(f"{BASE}/{meeting_id}/agenda/publish", headers=headers).status_code == 200
    meeting_clock.set(datetime(2030, 1, 1, tzinfo=UTC))  # the meeting took place: attendance and minutes
    assert client.put(f"{BASE}/{meeting_id}/attendance", headers=headers,
                      json={"entries": [{"name": "Ana Ruiz", "agency": "DOJ"}]}).status_code == 200
    version = client.put(f"{BASE}/{meeting_id}/minutes", headers=headers, json={"body_md": "Text."}).json["version"]
    version = client.post(f"{BASE}/{meeting_id}/minutes/circulate", headers=headers,
                          json={"version": version}).json["version"]
    version = client.post(f"{BASE}/{meeting_id}/minutes/approve", headers=headers,
                          json={"version": version}).json["version"]
    assert client.put(f"{BASE}/{meeting_id}/minutes", headers=headers,
                      json={"version": version, "body_md": "Fixed.", "revision_reason": "Typo."}).status_code == 200
    version = client.get(f"{BASE}/{meeting_id}", headers=headers).json["version"]
    meeting_clock.set(datetime(2020, 1, 1, tzinfo=UTC))  # a meeting that took place is not cancelled: go back
    assert client.patch(f"{BASE}/{meeting_id}", headers=headers,
                        json={"version": version, "status": "cancelled", "cancel_reason": "Snow."}).status_code == 200
    db.expire_all()
    entries = db.execute(select(AuditEntry.action, AuditEntry.actor_id).where(AuditEntry.actor_id == user.id)
                         .order_by(AuditEntry.id)).all()
    assert [a for a, _ in entries] == [
        "meeting.created", "meeting.updated", "agenda.saved", "agenda.published", "attendance.saved",
        "minutes.saved", "minutes.circulated", "minutes.approved", "minutes.correction_started", "meeting.cancelled"]


# ---- speed ------------------------------------------------------------------------------------------------

def bulk_meetings(db, n: int, start: int) -> None:
    """Insert *n* meetings directly (fast), open and closed, over several committees."""
    committees = [committee(db, name).id for name in (SPOG, GRANTS, VICTIMS, COUNCIL)]
    now = datetime.now(UTC)
    first = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
    db.execute(insert(Meeting), [{
        "id": start + i, "committee_id": committees[i % 4], "title": f"Bulk meeting {start + i}",
        "starts_at": first + timedelta(days=i), "ends_at": first + timedelta(days=i, hours=2),
        "timezone": "America/New_York", "location": "Room 1", "virtual_url": "", "is_open": i % 3 != 0,
        "status": "scheduled" if i % 7 else "cancelled", "cancel_reason": "", "short_notice_reason": "",
        "ics_sequence": 0, "version": 1, "created_at": now, "updated_at": now} for i in range(n)])
    db.flush()
    index_inserted(db, "meeting", range(start, start + n))


@pytest.mark.parametrize("role,agency", [("liaison", "DOJ"), ("secretariat", None)])
def test_list_issues_the_same_number_of_queries_at_10_and_1000_meetings(client, api_as, db, count_queries, role,
                                                                       agency):
    headers, _ = api_as(role, agency=agency)
    counts = []
    start = 900_000
    for n in (10, 990):
        bulk_meetings(db, n, start)
        start += n
        for query in ("per_page=50", f"per_page=50&committee_id={committee(db, GRANTS).id}&status=scheduled",
                      "per_page=50&q=%22bulk+meetings%22+-nothing+or+room"):
            with count_queries() as q:
                r = client.get(f"{BASE}?{query}", headers=headers)
            assert r.status_code == 200 and len(r.json["items"]) >= 2
            counts.append((query, q.count))
    assert r.json["total"] > 50
    assert counts[:3] == counts[3:]


# ---- guard rails: 422 with the reason, nothing written ----------------------------------------------------

BEFORE = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)  # an hour before plan()'s 10:00 EDT meeting


def test_a_meeting_not_yet_held_refuses_attendance_and_minutes_steps(client, api_as, db, staff, meeting_clock):
    headers, _user = api_as("secretariat")
    meeting = plan(db, staff)
    version = client.put(f"{BASE}/{meeting.id}/minutes", headers=headers, json={"body_md": "Prepared text."}
                         ).json["version"]  # drafting ahead is allowed
    meeting_clock.set(BEFORE - timedelta(days=1))
    r = client.put(f"{BASE}/{meeting.id}/attendance", headers=headers,
                   json={"entries": [{"name": "Ana Ruiz", "status": "present"}]})
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid"
    assert "has not happened yet" in r.json["error"]["fields"]["status"]
    r = client.post(f"{BASE}/{meeting.id}/minutes/circulate", headers=headers, json={"version": version})
    assert r.status_code == 422 and "has not happened yet" in r.json["error"]["fields"]["status"]
    assert db.execute(select(func.count()).select_from(Attendance)).scalar() == 0
    assert db.execute(select(Minutes.status)).scalar() == "draft"
    assert client.get(f"{BASE}/{meeting.id}", headers=headers).json["state"] == "scheduled"


def test_a_past_meeting_reads_as_held_and_its_agenda_is_not_published(client, api_as, db, staff, meeting_clock):
    headers, _user = api_as("secretariat")
    meeting = plan(db, staff)
    agendas.put_agenda(session=db, actor=staff, meeting_id=meeting.id, version=agendas.get_agenda(db, meeting).version,
                       items=agenda_items(db, [{"title": "Opening"}]))
    meeting_clock.set(BEFORE + timedelta(days=2))
    body = client.get(f"{BASE}/{meeting.id}", headers=headers).json
    assert body["status"] == "scheduled" and body["state"] == "held"  # the stored status is unchanged
    listed = client.get(BASE, headers=headers).json["items"]
    assert [m["state"] for m in listed if m["id"] == meeting.id] == ["held"]
    r = client.post(f"{BASE}/{meeting.id}/agenda/publish", headers=headers, json={})
    assert r.status_code == 422 and "This meeting is over" in r.json["error"]["fields"]["status"]
    assert db.execute(select(Agenda.published_at).where(Agenda.meeting_id == meeting.id)).scalar() is None


def test_a_held_meeting_with_minutes_is_not_cancelled(client, api_as, db, staff, meetings_held):
    headers, _user = api_as("secretariat")
    meeting = plan(db, staff)
    client.put(f"{BASE}/{meeting.id}/minutes", headers=headers, json={"body_md": "We met."})
    r = client.patch(f"{BASE}/{meeting.id}", headers=headers,
                     json={"version": meeting.version, "status": "cancelled", "cancel_reason": "Oops."})
    assert r.status_code == 422 and "took place" in r.json["error"]["fields"]["status"]
    assert client.get(f"{BASE}/{meeting.id}", headers=headers).json["status"] == "scheduled"


def test_the_untouched_skeleton_is_not_circulated(client, api_as, db, staff, meetings_held):
    headers, _user = api_as("secretariat")
    meeting = plan(db, staff)
    text = mins.skeleton(db, meeting, committee(db, SPOG))
    version = client.put(f"{BASE}/{meeting.id}/minutes", headers=headers, json={"body_md": text}).json["version"]
    r = client.post(f"{BASE}/{meeting.id}/minutes/circulate", headers=headers, json={"version": version})
    assert r.status_code == 422 and "skeleton" in r.json["error"]["fields"]["body_md"]


def test_an_agenda_item_names_a_recommendation_by_its_number(client, api_as, db, staff, make_user):
    from pitf.services import rec_workflow
    from pitf.services import recommendations as recs

    author = make_user("council")
    data = {"body_md": "Agencies should.", "rationale_md": "Gaps.", "pillar": "protection",
            "target_agencies": ["DOJ"], "report_year": 2031}
    rec = recs.create_draft(session=db, actor=author, rec_in=draft_in({**data, "title": "Screen in every shelter"}))
    rec_workflow.transition(session=db, actor=author, rec_id=rec.id, version=rec.version, to="submitted")
    secret = recs.create_draft(session=db, actor=author, rec_in=draft_in({**data, "title": "Secret draft"}))
    db.flush()
    meeting = plan(db, staff)
    headers, _ = api_as("secretariat")
    r = client.put(f"{BASE}/{meeting.id}/agenda", headers=headers,
                   json={"version": 1, "items": [{"title": "Findings", "recommendation_number": rec.number}]})
    assert r.status_code == 200, r.json
    assert r.json["items"][0]["recommendation_id"] == rec.id  # read back by id, as before
    version = r.json["version"]

    def refused(item: dict) -> dict:
        r = client.put(f"{BASE}/{meeting.id}/agenda", headers=headers, json={"version": version, "items": [item]})
        assert r.status_code == 422, r.json
        return r.json["error"]["fields"]

    assert "2031-99" in refused({"title": "X", "recommendation_number": "2031-99"})["items[0].recommendation_number"]
    assert refused({"title": "X", "recommendation_id": secret.id}) == {
        "items[0].recommendation_id": "No such recommendation."}  # drafts are private to their authors
    assert "items[0].recommendation_id" in refused({"title": "X", "recommendation_id": rec.number})  # ids stay ids
    assert client.get(f"{BASE}/{meeting.id}/agenda", headers=headers).json["items"][0]["title"] == "Findings"
