"""Open work carried into the next meeting: the outcome of agenda items, and what a copy brings over."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pitf.errors import Conflict, Forbidden, NotFound, ValidationFailed
from pitf.models import AgendaItem, AuditEntry, Meeting
from pitf.models.agendas import AgendaItemOutcomeUpdate
from pitf.models.meetings import MeetingCopy
from pitf.services import agendas, carry_over, meeting_series
from pitf.services import meetings as mtg
from pitf.services.actions import create_action_item
from pitf.validation import validate
from tests.factories import agenda_items, committee, meeting_in

SPOG = "Senior Policy Operating Group"
MARCH_15 = datetime(2027, 3, 15, 14, 0, tzinfo=UTC)  # 10:00 EDT, when plan() starts


def plan(db, staff, body=SPOG, start="2027-03-15T10:00:00", end="2027-03-15T12:00:00", **extra):
    return mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, body).id, "title": extra.pop("title", "Quarterly meeting"),
        "starts_at": start, "ends_at": end, "location": "Harry S Truman Building", **extra}))


def with_agenda(db, staff, meeting, titles):
    view = agendas.put_agenda(session=db, actor=staff, meeting_id=meeting.id,
                              version=agendas.get_agenda(db, meeting).version,
                              items=agenda_items(db, [{"title": t, "duration_minutes": 10} for t in titles]))
    return {r.item.title: r.item.id for r in view.rows}


def mark(db, actor, meeting, item_id, outcome, version=None):
    return agendas.set_item_outcome(
        session=db, actor=actor, meeting_id=meeting.id, item_id=item_id,
        outcome_in=validate(AgendaItemOutcomeUpdate, {
            "version": agendas.get_agenda(db, meeting).version if version is None else version, "outcome": outcome}))


def commitment(db, staff, title, meeting, status="open", due="2027-05-01"):
    return create_action_item(session=db, actor=staff, status=status, data={
        "title": title, "committee_id": meeting.committee_id, "lead_agency": "DOJ", "pillar": "protection",
        "due_date": due, "meeting_id": meeting.id if meeting is not None else None})


@pytest.fixture
def held(db, staff, meeting_clock):
    """A SPOG meeting that took place, its four items marked: discussed, continued, not reached, none."""
    m = plan(db, staff)
    ids = with_agenda(db, staff, m, ["Welcome", "Supply chains", "Training", "Next steps"])
    meeting_clock.set(MARCH_15 + timedelta(days=1))
    for title, outcome in (("Supply chains", "discussed"), ("Training", "continued"),
                           ("Next steps", "not_reached")):
        mark(db, staff, m, ids[title], outcome)
    return m


def agenda_of(db, meeting):
    return agendas.agenda_view(db, meeting).rows


def test_outcomes_are_recorded_audited_and_kept_when_the_agenda_changes(db, staff, held):
    rows = agenda_of(db, held)
    assert [r.item.outcome for r in rows] == [None, "discussed", "continued", "not_reached"]
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "agenda.outcome_recorded")
                       .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry.changes["outcome"] == [None, "Not reached"] and entry.changes["item"] == [None, "Next steps"]
    # Moving an item (the agenda saved again, items made anew) keeps each one's outcome.
    view, _ = agendas.move_agenda_item(session=db, actor=staff, meeting_id=held.id,
                                       version=agendas.get_agenda(db, held).version,
                                       item_id=rows[3].item.id, direction="up")
    assert [(r.item.title, r.item.outcome) for r in view.rows][2:] == [("Next steps", "not_reached"),
                                                                        ("Training", "continued")]
    # And clearing it: none recorded.
    view = mark(db, staff, held, view.rows[2].item.id, "")
    assert view.rows[2].item.outcome is None


def test_a_stale_version_is_a_conflict_and_changes_nothing(db, staff, held):
    rows = agenda_of(db, held)
    stale = agendas.get_agenda(db, held).version - 1
    with pytest.raises(Conflict):
        mark(db, staff, held, rows[0].item.id, "continued", version=stale)
    assert agenda_of(db, held)[0].item.outcome is None


def test_an_unknown_outcome_is_refused_by_name(db, staff, held):
    with pytest.raises(ValidationFailed) as err:
        validate(AgendaItemOutcomeUpdate, {"version": 1, "outcome": "postponed"})
    assert "not_reached" in err.value.fields["outcome"]
    # Through the agenda's PUT too, naming the item.
    with pytest.raises(ValidationFailed) as err:
        agendas.read_items(db, [{"title": "Welcome", "outcome": "maybe"}])
    assert "continued" in err.value.fields["items[0].outcome"]


def test_no_outcome_before_the_meeting_has_started(db, staff, meeting_clock):
    meeting_clock.set(MARCH_15 - timedelta(days=1))
    m = plan(db, staff)
    ids = with_agenda(db, staff, m, ["Welcome"])
    with pytest.raises(ValidationFailed) as err:
        mark(db, staff, m, ids["Welcome"], "continued")
    assert "started" in err.value.fields["outcome"]
    with pytest.raises(ValidationFailed) as err:
        agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                           items=agenda_items(db, [{"title": "Welcome", "outcome": "continued"}]))
    assert "started" in err.value.fields["items[0].outcome"]


def test_only_the_meetings_planners_record_outcomes(db, staff, held, make_user):
    item_id = agenda_of(db, held)[0].item.id
    for who in (make_user("liaison", agency="DOJ"), make_user("viewer"), make_user("council")):
        with pytest.raises(Forbidden):
            mark(db, who, held, item_id, "continued")
    other = plan(db, staff, title="Other", start="2027-03-01T10:00:00", end="2027-03-01T11:00:00")
    other_item = with_agenda(db, staff, other, ["Elsewhere"])["Elsewhere"]
    with pytest.raises(NotFound):  # an item of another meeting
        mark(db, staff, held, other_item, "continued")
    assert db.get(AgendaItem, other_item).outcome is None


def test_the_copy_brings_exactly_the_open_work(db, staff, held):
    open_one = commitment(db, staff, "Screening protocol", held)
    commitment(db, staff, "Delivered report", held, status="done")
    commitment(db, staff, "Dropped idea", held, status="cancelled")
    commitment(db, staff, "Born elsewhere", plan(db, staff, title="Another meeting", start="2027-02-15T10:00:00",
                                                 end="2027-02-15T11:00:00"))
    blocked = commitment(db, staff, "Blocked [funding]", held, status="blocked", due="2027-04-01")
    nxt = meeting_series.copy_meeting(session=db, actor=staff, meeting_id=held.id,
                                      copy_in=MeetingCopy(starts_at="2027-06-14T10:00:00"))
    rows = agenda_of(db, nxt)
    assert [r.item.title for r in rows] == ["Welcome", "Training", "Next steps",
                                           "Open commitments from Quarterly meeting"]
    assert [r.item.carried_from_meeting_id for r in rows] == [None, held.id, held.id, held.id]
    assert rows[1].carried_from_label == "Quarterly meeting, March 15, 2027"
    assert all(r.item.outcome is None for r in rows)
    notes = rows[3].item.notes_md
    # The open ones, by due date, with lead agency and due date, linked; done, cancelled and other meetings' not.
    assert notes.index(f"/action-items/{blocked.id}") < notes.index(f"/action-items/{open_one.id}")
    assert "lead DOJ, due 2027-05-01 (open)" in notes and "Blocked \\[funding\\]" in notes
    for absent in ("Delivered report", "Dropped idea", "Born elsewhere"):
        assert absent not in notes
    assert f'href="/action-items/{open_one.id}"' in rows[3].item.notes_html
    assert agendas.get_agenda(db, nxt).published_at is None
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "agenda.carried_over")).scalar_one()
    assert entry.changes["carried_from"] == [None, held.id]


def test_unticked_entries_stay_behind(db, staff, held):
    commitment(db, staff, "Screening protocol", held)
    _meeting, proposed = carry_over.carry_proposal(session=db, actor=staff, meeting_id=held.id)
    assert [(e.kind, e.title) for e in proposed] == [
        ("standing", "Welcome"), ("carried", "Training"), ("carried", "Next steps"),
        ("commitments", "Open commitments from Quarterly meeting")]
    keep = [proposed[2].key, carry_over.COMMITMENTS_KEY]
    nxt = meeting_series.copy_meeting(session=db, actor=staff, meeting_id=held.id,
                                      copy_in=MeetingCopy(starts_at="2027-06-14T10:00:00", carry=keep))
    assert [r.item.title for r in agenda_of(db, nxt)] == ["Next steps", "Open commitments from Quarterly meeting"]
    empty = meeting_series.copy_meeting(session=db, actor=staff, meeting_id=held.id,
                                        copy_in=MeetingCopy(starts_at="2027-07-14T10:00:00", carry=[]))
    assert agenda_of(db, empty) == []


def test_a_key_no_longer_proposed_is_refused_and_nothing_is_created(db, staff, held):
    before = db.execute(select(Meeting.id)).all()
    with pytest.raises(ValidationFailed) as err:
        meeting_series.copy_meeting(session=db, actor=staff, meeting_id=held.id,
                                    copy_in=MeetingCopy(starts_at="2027-06-14T10:00:00", carry=["item-999999"]))
    assert "item-999999" in err.value.fields["carry"]
    # No commitments item is proposed when none is open.
    with pytest.raises(ValidationFailed):
        meeting_series.copy_meeting(session=db, actor=staff, meeting_id=held.id, copy_in=MeetingCopy(
            starts_at="2027-06-14T10:00:00", carry=[carry_over.COMMITMENTS_KEY]))
    assert db.execute(select(Meeting.id)).all() == before


def test_carrying_needs_the_right_to_plan_the_bodys_meetings(db, staff, held, make_user):
    closed = plan(db, staff, body="Grantmaking", title="Closed review", is_open=False)
    outsider = make_user("viewer")
    with pytest.raises(NotFound):  # a closed meeting the user may not see
        carry_over.carry_proposal(session=db, actor=outsider, meeting_id=closed.id)
    with pytest.raises(NotFound):
        meeting_series.copy_meeting(session=db, actor=outsider, meeting_id=closed.id,
                                    copy_in=MeetingCopy(starts_at="2027-06-14T10:00:00"))
    for who in (outsider, make_user("liaison", agency="DOJ")):  # the open meeting is seen, not planned
        with pytest.raises(Forbidden):
            carry_over.carry_proposal(session=db, actor=who, meeting_id=held.id)
    assert db.execute(select(AgendaItem.id).where(AgendaItem.carried_from_meeting_id.is_not(None))).first() is None


def test_a_cancelled_meetings_items_are_marked_not_reached_and_carried(db, staff, meeting_clock):
    from pitf.models.meetings import MeetingCancel

    meeting_clock.set(MARCH_15 - timedelta(days=3))
    m = plan(db, staff)
    ids = with_agenda(db, staff, m, ["Welcome", "Budget"])
    mtg.cancel_meeting(session=db, actor=staff, meeting_id=m.id,
                       cancel_in=MeetingCancel(version=m.version, cancel_reason="Weather."))
    with pytest.raises(ValidationFailed):
        mark(db, staff, m, ids["Budget"], "discussed")
    mark(db, staff, m, ids["Budget"], "not_reached")
    nxt = meeting_series.copy_meeting(session=db, actor=staff, meeting_id=m.id,
                                      copy_in=MeetingCopy(starts_at="2027-04-12T10:00:00"))
    assert [(r.item.title, r.item.carried_from_meeting_id) for r in agenda_of(db, nxt)] == [
        ("Welcome", None), ("Budget", m.id)]
