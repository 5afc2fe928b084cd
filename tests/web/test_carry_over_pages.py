"""The pages of open work carried into the next meeting: an item's outcome on the agenda, and the copy's preview
with its ticks."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pitf.models import AgendaItem, Meeting
from pitf.services import agendas
from pitf.services import meetings as mtg
from pitf.services.actions import create_action_item
from tests.factories import agenda_items, committee, meeting_in

SPOG = "Senior Policy Operating Group"
MARCH_15 = datetime(2027, 3, 15, 14, 0, tzinfo=UTC)


def text(html: str) -> str:
    """The words of the page's main part."""
    main = html[html.index("<main"):html.index("</main>")]
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


def titles(db, meeting) -> list[str]:
    db.expire_all()
    return [r.item.title for r in agendas.agenda_view(db, meeting).rows]


@pytest.fixture
def held(db, staff, meeting_clock):
    m = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, SPOG).id, "title": "SPOG quarterly meeting",
        "starts_at": "2027-03-15T10:00:00", "ends_at": "2027-03-15T12:00:00"}))
    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                       items=agenda_items(db, [{"title": t, "duration_minutes": 20}
                                               for t in ("Welcome", "Supply chains", "Training")]))
    create_action_item(session=db, actor=staff, data={
        "title": "Screening protocol", "committee_id": m.committee_id, "lead_agency": "DHS",
        "pillar": "protection", "due_date": "2027-05-01", "meeting_id": m.id})
    create_action_item(session=db, actor=staff, status="done", data={
        "title": "Delivered report", "committee_id": m.committee_id, "lead_agency": "DOJ",
        "pillar": "protection", "due_date": "2027-04-01", "meeting_id": m.id})
    meeting_clock.set(MARCH_15 + timedelta(days=1))
    db.flush()
    return m


def record(client, db, meeting, item_id, outcome, status=302, version=None):
    r = client.post(f"/meetings/{meeting.id}/agenda/items/{item_id}/outcome", data={
        "version": str(agendas.get_agenda(db, meeting).version if version is None else version),
        "outcome": outcome})
    assert r.status_code == status, r.get_data(as_text=True)[:3000]
    return r


def test_the_planner_records_outcomes_on_the_agenda(client_as, db, held):
    c = client_as("secretariat")
    rows = agendas.agenda_view(db, held).rows
    page = c.get(f"/meetings/{held.id}/agenda").get_data(as_text=True)
    assert f'id="outcome-{rows[1].item.id}"' in page and "Outcome of 'Supply chains'" in page
    r = record(c, db, held, rows[1].item.id, "not_reached")
    assert r.headers["Location"].endswith(f"#item-{rows[1].item.id}")
    db.expire_all()
    assert db.get(AgendaItem, rows[1].item.id).outcome == "not_reached"
    shown = text(c.get(f"/meetings/{held.id}/agenda").get_data(as_text=True))
    assert "Outcome: Not reached (carried into the next meeting" in shown
    # A stale page: 409 with the agenda as it is now, nothing written.
    stale = record(c, db, held, rows[2].item.id, "continued", status=409,
                   version=agendas.get_agenda(db, held).version - 1)
    assert "Someone else changed the agenda" in stale.get_data(as_text=True)
    # An unknown outcome: 422, said beside the item.
    bad = record(c, db, held, rows[2].item.id, "postponed", status=422).get_data(as_text=True)
    assert f'id="outcome-{rows[2].item.id}-error"' in bad and "not_reached" in bad
    db.expire_all()
    assert db.get(AgendaItem, rows[2].item.id).outcome is None


def test_members_see_outcomes_but_record_none(client_as, db, held, staff):
    rows = agendas.agenda_view(db, held).rows
    agendas.set_item_outcome(session=db, actor=staff, meeting_id=held.id, item_id=rows[2].item.id,
                             outcome_in=agendas.AgendaItemOutcomeUpdate(
                                 version=agendas.get_agenda(db, held).version, outcome="continued"))
    db.flush()
    c = client_as("liaison", agency="DOJ")
    page = c.get(f"/meetings/{held.id}/agenda").get_data(as_text=True)
    assert "Outcome: Continued" in text(page) and 'name="outcome"' not in page
    assert c.post(f"/meetings/{held.id}/agenda/items/{rows[0].item.id}/outcome",
                  data={"version": "1", "outcome": "continued"}).status_code == 403


def test_the_copy_page_previews_what_comes_over_and_brings_what_stays_ticked(client_as, db, held, staff):
    c = client_as("secretariat")
    rows = agendas.agenda_view(db, held).rows
    for row, outcome in zip(rows, ("discussed", "not_reached", "continued"), strict=True):
        record(c, db, held, row.item.id, outcome)
    before = db.execute(select(func.count()).select_from(Meeting)).scalar()
    preview = c.get(f"/meetings/{held.id}/copy").get_data(as_text=True)
    keys = re.findall(r'name="carry" value="([^"]+)" checked', preview)  # every one ticked by default
    assert keys == [f"item-{rows[1].item.id}", f"item-{rows[2].item.id}", "open-commitments"]
    shown = text(preview)
    shown = shown[shown.index("What the new agenda starts with"):]
    assert "Not reached at this meeting: carried from it" in shown and "Welcome" not in shown
    assert "Screening protocol : lead DHS, due May 1, 2027" in shown and "Delivered report" not in shown
    assert db.execute(select(func.count()).select_from(Meeting)).scalar() == before  # nothing made by a preview
    # Untick "Supply chains"; a bad end time keeps the ticks as they were sent.
    form = {"title": "Next SPOG", "date": "2027-06-21", "start_time": "10:00", "end_time": "12:00",
            "carry_shown": "1", "carry": [keys[1], keys[2]]}
    again = c.post(f"/meetings/{held.id}/copy", data={**form, "end_time": "09:00"})
    assert again.status_code == 422
    assert re.findall(r'name="carry" value="([^"]+)" checked', again.get_data(as_text=True)) == keys[1:]
    r = c.post(f"/meetings/{held.id}/copy", data=form)
    assert r.status_code == 302
    new = db.execute(select(Meeting).where(Meeting.title == "Next SPOG")).scalar_one()
    assert titles(db, new) == ["Training", "Open commitments from SPOG quarterly meeting"]
    agenda_page = text(c.get(f"/meetings/{new.id}/agenda").get_data(as_text=True))
    assert "Carried from SPOG quarterly meeting, March 15, 2027" in agenda_page
    # Nothing ticked: an empty agenda.
    c.post(f"/meetings/{held.id}/copy", data={**form, "title": "Bare", "date": "2027-07-19", "carry": []})
    assert titles(db, db.execute(select(Meeting).where(Meeting.title == "Bare")).scalar_one()) == []


def test_the_copy_page_says_when_nothing_comes_over(client_as, db, staff, meeting_clock):
    m = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, SPOG).id, "title": "Short meeting",
        "starts_at": "2027-03-15T10:00:00", "ends_at": "2027-03-15T11:00:00"}))
    db.flush()
    page = client_as("secretariat").get(f"/meetings/{m.id}/copy").get_data(as_text=True)
    assert 'id="carry-none"' in page and 'name="carry"' not in page


def test_the_copy_page_is_for_the_bodys_planners(client_as, db, held):
    for c in (client_as("liaison", agency="DOJ"), client_as("viewer")):
        assert c.get(f"/meetings/{held.id}/copy").status_code == 403
        assert c.post(f"/meetings/{held.id}/copy", data={"title": "x", "date": "2027-06-21", "start_time": "10:00",
                                                         "end_time": "11:00"}).status_code == 403
