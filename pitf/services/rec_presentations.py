"""A recommendation presented at a meeting: the Advisory Council's (or joint) meetings it may go to, putting it
on one's agenda, and the meetings whose agendas present it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import ValidationFailed, require
from pitf.models import Agenda, AgendaItem, Committee, Meeting, utcnow
from pitf.models.agendas import AgendaItemInput
from pitf.services import agendas, meetings
from pitf.services.recommendations import get_recommendation, record_event
from pitf.textutil import parse_id


@dataclass(frozen=True)
class Presentation:
    """A meeting whose agenda presents the recommendation, and that agenda item."""

    meeting: Meeting
    item: AgendaItem


def _council_ids():
    return select(Committee.id).where(Committee.kind == "advisory_council")


def presented_at(session: Session, actor, rec_id: int) -> list[Presentation]:
    """The meetings (that *actor* may see) whose agenda presents the recommendation, earliest first."""
    stmt = (select(Meeting, AgendaItem).join(Agenda, Agenda.id == AgendaItem.agenda_id)
            .join(Meeting, Meeting.id == Agenda.meeting_id).where(AgendaItem.recommendation_id == rec_id))
    stmt = meetings._visible(stmt, session, actor)
    return [Presentation(meeting, item)
            for meeting, item in session.execute(stmt.order_by(Meeting.starts_at, AgendaItem.id)).all()]


def presentation_meetings(session: Session, actor, *, now=None) -> list[Meeting]:
    """The meetings a recommendation can be presented at: the Advisory Council's own and its joint meetings,
    scheduled, from a year ago on (newest first)."""
    if not permissions.can_link_meeting_to_recommendation(actor):
        return []
    since = (now or utcnow()) - timedelta(days=366)
    return list(session.execute(select(Meeting).where(
        or_(Meeting.committee_id.in_(_council_ids()), Meeting.joint_with_committee_id.in_(_council_ids())),
        Meeting.status == "scheduled", Meeting.starts_at >= since)
        .order_by(Meeting.starts_at.desc(), Meeting.id)).scalars())


def present_at_meeting(*, session: Session, actor, rec_id: int, meeting_id) -> Presentation:
    """Add "Presentation of recommendation ..." to the agenda of a Council (or joint) meeting, linked to it."""
    rec, _ = get_recommendation(session=session, actor=actor, rec_id=rec_id)
    require(permissions.can_link_meeting_to_recommendation(actor),
            "Only the secretariat links a recommendation to a meeting.")
    if rec.number is None:
        raise ValidationFailed("Not submitted.", fields={"meeting_id": "Only a submitted recommendation is "
                                                                       "presented."})
    meeting_id = parse_id(meeting_id)
    if meeting_id is None:
        raise ValidationFailed("Choose a meeting.", fields={"meeting_id": "Choose a meeting."})
    meeting, _committee, _ = meetings.get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    council = {c.id: c for c in session.execute(select(Committee).where(Committee.id.in_(_council_ids()))).scalars()}
    presenter = council.get(meeting.committee_id) or council.get(meeting.joint_with_committee_id)
    if presenter is None:
        raise ValidationFailed("Not a Council meeting.", fields={
            "meeting_id": "Choose a meeting of the Advisory Council, or a joint meeting with it."})
    if meeting.status == "cancelled":
        raise ValidationFailed("Cancelled.", fields={"meeting_id": "That meeting is cancelled."})
    view = agendas.agenda_view(session, meeting)
    if any(r.item.recommendation_id == rec.id for r in view.rows):
        raise ValidationFailed("Already there.", fields={"meeting_id": "The recommendation is already on that "
                                                                       "meeting's agenda."})
    items = agendas.agenda_items_as_input(view)
    items.append(AgendaItemInput(title=f"Presentation of recommendation {rec.number}: {rec.title}"[:300],
                                 presenter=presenter.name[:200], duration_minutes=15, notes_md="",
                                 recommendation_id=rec.id))
    view = agendas.put_agenda(session=session, actor=actor, meeting_id=meeting.id, version=view.agenda.version,
                               items=items)
    item = next(r.item for r in view.rows if r.item.recommendation_id == rec.id)
    record_event(session, rec, actor, rec.status, rec.status,
                 f"On the agenda of {meeting.title} ({meetings.meeting_local_date(meeting).isoformat()}).")
    session.flush()
    return Presentation(meeting, item)
