"""Documents for the search tests of the page and the API, made through the services like real ones."""

from __future__ import annotations

from datetime import date, timedelta

from pitf.models import Membership
from pitf.models.meetings import MinutesUpdate
from pitf.services import actions, agendas, rec_workflow
from pitf.services import meetings as mtg
from pitf.services import minutes as mins
from pitf.services import recommendations as recs
from tests.factories import agenda_items, committee, draft_in, meeting_in

SPOG = "Senior Policy Operating Group"
# A body DHS is not a member of (every agency sits on the SPOG itself, so a DHS liaison is one of its members).
GRANTS = "Grantmaking"


def new_item(db, staff, title: str, description: str = "", **over):
    data = {"title": title, "description_md": description, "committee_id": committee(db, "Victim Services").id,
            "lead_agency": "DOJ", "due_date": (date.today() + timedelta(days=30)).isoformat(),
            "pillar": "protection", **over}
    return actions.create_action_item(session=db, actor=staff, data=data)


def join(db, user, body: str = GRANTS):
    db.add(Membership(committee_id=committee(db, body).id, user_id=user.id, role="member"))
    db.flush()
    return user


def closed_meeting_with_minutes(db, staff, text: str, body: str = GRANTS):
    """A closed meeting of *body* whose approved minutes say *text* (the meeting must have been held)."""
    meeting = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, body).id, "title": "Closed session", "starts_at": "2027-04-12T10:00:00",
        "ends_at": "2027-04-12T12:00:00", "is_open": False}))
    minutes = mins.save_minutes(session=db, actor=staff, meeting_id=meeting.id,
                                changes=MinutesUpdate(version=None, body_md=text))
    mins.circulate(session=db, actor=staff, meeting_id=meeting.id, version=minutes.version)
    mins.approve(session=db, actor=staff, meeting_id=meeting.id, version=minutes.version)
    db.flush()
    return meeting


def draft_recommendation(db, author, title: str, body: str):
    rec = recs.create_draft(session=db, actor=author, rec_in=draft_in({
        "title": title, "body_md": body, "pillar": "protection", "target_agencies": ["DOJ"], "report_year": 2027}))
    db.flush()
    return rec


def submit(db, author, rec):
    rec_workflow.transition(session=db, actor=author, rec_id=rec.id, version=rec.version, to="submitted",
                            today=date(2027, 3, 1))
    db.flush()


# ---- what the lists' words filters (q) are tried on --------------------------------------------------------

def meeting_with_agenda(db, staff, title: str, agenda: list[dict], *, body: str = SPOG, is_open: bool = True,
                        location: str = ""):
    meeting = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, body).id, "title": title, "starts_at": "2027-05-10T10:00:00",
        "ends_at": "2027-05-10T12:00:00", "is_open": is_open, "location": location}))
    agendas.put_agenda(session=db, actor=staff, meeting_id=meeting.id, version=agendas.get_agenda(db, meeting).version,
                       items=agenda_items(db, agenda))
    db.flush()
    return meeting


def list_corpus(db, staff, author) -> dict:
    """Action items (one found only by its status update's note), meetings (one closed, of a body DHS is not
    on) with their agendas, and recommendations (two submitted, one a draft of *author*), by name."""
    items = {
        "shelters": new_item(db, staff, "Screen shelters for trafficking victims",
                             "The DOJ reviews the T-visa backlog."),
        "supply": new_item(db, staff, "Forced labor in supply chains",
                           "H-2A workers; DHS commits to forced labor screening.", lead_agency="DHS"),
        "inspections": new_item(db, staff, "Labor inspections", "Forced overtime and labor brokers."),
    }
    actions.post_status_update(session=db, actor=staff, item_id=items["inspections"].id,
                               version=items["inspections"].version, note_md="Inspectors interviewed hotline callers.")
    meetings = {
        "spring": meeting_with_agenda(db, staff, "Spring SPOG meeting", [
            {"title": "Forced labor screening", "notes_md": "The T-visa backlog, again."}]),
        "grants": meeting_with_agenda(db, staff, "Grant solicitations review", [{"title": "Hotline statistics"}],
                                      location="Room 1107"),
        "closed": meeting_with_agenda(db, staff, "Closed session", [{"title": "Forced labor cases"}], body=GRANTS,
                                      is_open=False),
    }
    recs_made = {}
    for name, title, body, rationale in (
            ("screen", "Screen for labor trafficking", "Agencies should screen H-2A workers.",
             "Forced labor persists."),
            ("hotline", "A hotline in every language", "Fund interpreters.", "Callers hang up."),
            ("draft", "Forced labor kiosks", "Kiosks at ports of entry.", "")):
        rec = recs.create_draft(session=db, actor=author, rec_in=draft_in({
            "title": title, "body_md": body, "rationale_md": rationale, "pillar": "protection",
            "target_agencies": ["DOJ"], "report_year": 2027}))
        db.flush()
        if name != "draft":
            submit(db, author, rec)
        recs_made[name] = rec
    return {"items": items, "meetings": meetings, "recs": recs_made}
