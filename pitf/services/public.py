"""The public record: open meetings' published agendas and approved minutes, for the secretariat to post.

Nothing of a closed or cancelled meeting, no draft or circulated minutes, no comments, no attendance list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pitf.errors import NotFound
from pitf.models import Agenda, Committee, Meeting, Minutes, MinutesRevision, User
from pitf.services import agendas
from pitf.services import minutes as mins


@dataclass
class PublicListing:
    meeting_id: int
    title: str
    committee_name: str
    starts_at: datetime
    timezone: str
    agenda_published: bool
    minutes_approved: bool


def _public(stmt):
    return stmt.where(Meeting.is_open.is_(True), Meeting.status == "scheduled")


def public_meetings(session: Session) -> list[PublicListing]:
    """Open meetings with a published agenda or approved minutes, newest first."""
    rows = session.execute(_public(
        select(Meeting.id, Meeting.title, Meeting.starts_at, Meeting.timezone, Committee.name.label("committee"),
               Agenda.published_at, Minutes.approved_revision)
        .join(Committee, Committee.id == Meeting.committee_id)
        .join(Agenda, Agenda.meeting_id == Meeting.id, isouter=True)
        .join(Minutes, Minutes.meeting_id == Meeting.id, isouter=True)
        .where(or_(Agenda.published_at.is_not(None), Minutes.approved_revision.is_not(None))))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())).all()
    return [PublicListing(r.id, r.title, r.committee, r.starts_at, r.timezone, r.published_at is not None,
                          r.approved_revision is not None) for r in rows]


@dataclass
class PublicMeeting:
    meeting: Meeting
    committee: Committee
    agenda: agendas.AgendaView | None  # only a published agenda
    minutes: MinutesRevision | None  # only the last approved revision
    approved_by: str | None


def public_meeting(session: Session, meeting_id: int) -> PublicMeeting:
    """One open meeting's public record; NotFound for a closed or cancelled meeting, or one with nothing public."""
    meeting = session.execute(_public(select(Meeting).where(Meeting.id == meeting_id))).scalar_one_or_none()
    if meeting is None:
        raise NotFound("No such public meeting record.")
    agenda = session.execute(select(Agenda).where(Agenda.meeting_id == meeting.id)).scalar_one_or_none()
    view = agendas.agenda_view(session, meeting) if agenda is not None and agenda.published_at is not None else None
    minutes = mins.get_minutes(session, meeting)
    revision = None
    if minutes is not None and minutes.approved_revision is not None:
        revision = session.execute(select(MinutesRevision).where(
            MinutesRevision.minutes_id == minutes.id,
            MinutesRevision.revision == minutes.approved_revision)).scalar_one()
    if view is None and revision is None:
        raise NotFound("No such public meeting record.")
    approver = session.get(User, revision.approved_by_id) if revision and revision.approved_by_id else None
    return PublicMeeting(meeting, session.get_one(Committee, meeting.committee_id), view, revision,
                         approver.name if approver else None)
