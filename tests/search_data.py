"""Documents for the search tests of the page and the API, made through the services like real ones."""

from __future__ import annotations

from datetime import date, timedelta

from pitf.models import Membership
from pitf.models.meetings import MinutesUpdate
from pitf.services import actions, rec_workflow
from pitf.services import meetings as mtg
from pitf.services import minutes as mins
from pitf.services import recommendations as recs
from tests.factories import committee, draft_in, meeting_in

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
