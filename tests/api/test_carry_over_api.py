"""The API of open work carried into the next meeting: an item's outcome, the copy's proposal and its choice."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pitf.models import AgendaItem, Meeting
from pitf.services import agendas
from pitf.services import meetings as mtg
from pitf.services.actions import create_action_item
from tests.factories import agenda_items, committee, meeting_in

BASE = "/api/v1/meetings"
SPOG = "Senior Policy Operating Group"
MARCH_15 = datetime(2027, 3, 15, 14, 0, tzinfo=UTC)


@pytest.fixture
def held(db, staff, meeting_clock):
    m = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, SPOG).id, "title": "Quarterly meeting", "starts_at": "2027-03-15T10:00:00",
        "ends_at": "2027-03-15T12:00:00"}))
    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                       items=agenda_items(db, [{"title": t, "duration_minutes": 20}
                                               for t in ("Welcome", "Supply chains", "Training")]))
    create_action_item(session=db, actor=staff, data={
        "title": "Screening protocol", "committee_id": m.committee_id, "lead_agency": "DHS",
        "pillar": "protection", "due_date": "2027-05-01", "meeting_id": m.id})
    meeting_clock.set(MARCH_15 + timedelta(days=1))
    db.flush()
    return m


def item_ids(db, meeting):
    return [r.item.id for r in agendas.agenda_view(db, meeting).rows]


def test_outcome_is_recorded_and_read_back(client, api_as, db, held):
    headers, _ = api_as("secretariat")
    agenda = client.get(f"{BASE}/{held.id}/agenda", headers=headers).json
    assert [i["outcome"] for i in agenda["items"]] == [None, None, None]
    third = agenda["items"][2]["id"]
    r = client.post(f"{BASE}/{held.id}/agenda/items/{third}/outcome", headers=headers,
                    json={"version": agenda["version"], "outcome": "continued"})
    assert r.status_code == 200, r.json
    assert r.json["items"][2]["outcome"] == "continued" and r.json["version"] > agenda["version"]
    # The stale version: 409 with the agenda as it is now, nothing written.
    r2 = client.post(f"{BASE}/{held.id}/agenda/items/{agenda['items'][1]['id']}/outcome", headers=headers,
                     json={"version": agenda["version"], "outcome": "discussed"})
    assert r2.status_code == 409 and r2.json["error"]["current"]["items"][1]["outcome"] is None
    # An unknown outcome: 422 naming the field and the choices.
    r3 = client.post(f"{BASE}/{held.id}/agenda/items/{third}/outcome", headers=headers,
                     json={"version": r.json["version"], "outcome": "postponed"})
    assert r3.status_code == 422 and "not_reached" in r3.json["error"]["fields"]["outcome"]
    # A PUT of the agenda as read keeps the outcome.
    now = client.get(f"{BASE}/{held.id}/agenda", headers=headers).json
    r4 = client.put(f"{BASE}/{held.id}/agenda", headers=headers, json={"version": now["version"],
                                                                        "items": now["items"]})
    assert r4.status_code == 200 and [i["outcome"] for i in r4.json["items"]] == [None, None, "continued"]


@pytest.mark.parametrize("role", ["liaison", "council", "viewer"])
def test_only_planners_record_outcomes(client, api_as, db, held, role):
    headers, _ = api_as(role, agency="DOJ") if role == "liaison" else api_as(role)
    first = item_ids(db, held)[0]
    r = client.post(f"{BASE}/{held.id}/agenda/items/{first}/outcome", headers=headers,
                    json={"version": agendas.get_agenda(db, held).version, "outcome": "continued"})
    assert r.status_code == 403
    assert db.get(AgendaItem, first).outcome is None


def test_the_proposal_then_the_copy_with_a_choice(client, api_as, db, held, staff):
    headers, _ = api_as("secretariat")
    ids = item_ids(db, held)
    for item_id, outcome in zip(ids, ("discussed", "not_reached", "continued"), strict=True):
        version = agendas.get_agenda(db, held).version
        assert client.post(f"{BASE}/{held.id}/agenda/items/{item_id}/outcome", headers=headers,
                           json={"version": version, "outcome": outcome}).status_code == 200
    before = db.execute(select(func.count()).select_from(Meeting)).scalar()
    r = client.get(f"{BASE}/{held.id}/copy", headers=headers)
    assert r.status_code == 200
    assert [(i["kind"], i["title"], i["outcome"]) for i in r.json["items"]] == [
        ("carried", "Supply chains", "not_reached"), ("carried", "Training", "continued"),
        ("commitments", "Open commitments from Quarterly meeting", None)]
    assert "Screening protocol" in r.json["items"][2]["notes_md"] and len(r.json["items"][2]["action_item_ids"]) == 1
    assert db.execute(select(func.count()).select_from(Meeting)).scalar() == before  # a preview creates nothing
    keys = [r.json["items"][1]["key"], r.json["items"][2]["key"]]
    made = client.post(f"{BASE}/{held.id}/copy", headers=headers, json={"starts_at": "2027-06-14T10:00:00",
                                                                         "carry": keys})
    assert made.status_code == 201
    agenda = client.get(f"{BASE}/{made.json['id']}/agenda", headers=headers).json
    assert [i["title"] for i in agenda["items"]] == ["Training", "Open commitments from Quarterly meeting"]
    assert {i["carried_from_meeting_id"] for i in agenda["items"]} == {held.id}
    assert agenda["items"][0]["carried_from_label"] == "Quarterly meeting, March 15, 2027"
    # A key no longer proposed: 422, nothing created.
    bad = client.post(f"{BASE}/{held.id}/copy", headers=headers, json={"starts_at": "2027-07-14T10:00:00",
                                                                        "carry": ["item-0"]})
    assert bad.status_code == 422 and "item-0" in bad.json["error"]["fields"]["carry"]
    assert db.execute(select(func.count()).select_from(Meeting)).scalar() == before + 1


def test_the_proposal_is_for_planners_of_meetings_they_see(client, api_as, db, held, staff):
    closed = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, "Grantmaking").id, "title": "Closed review", "is_open": False,
        "starts_at": "2027-03-01T10:00:00", "ends_at": "2027-03-01T11:00:00"}))
    db.flush()
    headers, _ = api_as("viewer")
    assert client.get(f"{BASE}/{held.id}/copy", headers=headers).status_code == 403
    assert client.get(f"{BASE}/{closed.id}/copy", headers=headers).status_code == 404
    assert client.get(f"{BASE}/{closed.id}/copy").status_code == 401
