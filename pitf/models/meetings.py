"""Meetings: agendas, attendance, minutes with their revisions and comments, documents."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, Versioned, created_field, optional_time_field
from .vocab import AttachmentKind, AttendanceStatus, AttendeeKind, MeetingStatus, MinutesStatus

# The old names of the vocabularies, kept while callers move over to the enums of .vocab.
MEETING_STATUSES = tuple(MeetingStatus)
MINUTES_STATUSES = tuple(MinutesStatus)
ATTENDANCE_STATUSES = tuple(AttendanceStatus)
ATTENDEE_KINDS = tuple(AttendeeKind)
ATTACHMENT_KINDS = tuple(AttachmentKind)


class Meeting(Versioned, SQLModel, table=True):
    __table_args__ = (Index("ix_meeting_committee_starts", "committee_id", "starts_at"),)
    id: int | None = Field(default=None, primary_key=True)
    committee_id: int = Field(foreign_key="committee.id")
    title: str = Field(max_length=200)
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    timezone: str = Field(default="America/New_York", max_length=64)
    location: str = Field(default="", max_length=300)
    virtual_url: str = Field(default="", max_length=500)
    is_open: bool = Field(default=True)
    status: str = Field(default="scheduled", max_length=16, index=True)
    cancel_reason: str = Field(default="", max_length=2000)
    federal_register_notice_date: date | None = Field(default=None)
    short_notice_reason: str = Field(default="", max_length=2000)
    series_key: str | None = Field(default=None, max_length=64, index=True)
    # A joint meeting with another body (the Advisory Council meets the SPOG before each PITF meeting).
    joint_with_committee_id: int | None = Field(default=None, foreign_key="committee.id", index=True)
    ics_sequence: int = Field(default=0)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")


class Agenda(Versioned, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True)
    published_at: datetime | None = optional_time_field()
    published_by_id: int | None = Field(default=None, foreign_key="user.id")


class AgendaItem(Versioned, SQLModel, table=True):
    __table_args__ = (Index("ix_agendaitem_agenda_position", "agenda_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    agenda_id: int = Field(foreign_key="agenda.id")
    position: int = Field(default=0)
    title: str = Field(max_length=300)
    presenter: str = Field(default="", max_length=200)
    presenter_user_id: int | None = Field(default=None, foreign_key="user.id")
    presenter_agency_id: int | None = Field(default=None, foreign_key="agency.id")
    duration_minutes: int = Field(default=15)
    notes_md: str = Field(default="", sa_type=Text)
    notes_html: str = Field(default="", sa_type=Text)
    action_item_id: int | None = Field(default=None, foreign_key="actionitem.id", index=True)
    recommendation_id: int | None = Field(default=None, foreign_key="recommendation.id", index=True)


class Attendance(Versioned, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    name: str = Field(default="", max_length=200)
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    attendee_kind: str = Field(default="member", max_length=24)
    status: str = Field(default="present", max_length=16)
    represented_by: str = Field(default="", max_length=200)


class Minutes(Versioned, SQLModel, table=True):
    """The minutes of one meeting; the text people read is the current revision's."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True)
    status: str = Field(default="draft", max_length=16, index=True)
    revision: int = Field(default=1)
    body_md: str = Field(default="", sa_type=Text)
    body_html: str = Field(default="", sa_type=Text)
    approved_revision: int | None = Field(default=None)
    circulated_at: datetime | None = optional_time_field()
    approved_at: datetime | None = optional_time_field()
    approved_by_id: int | None = Field(default=None, foreign_key="user.id")


class MinutesRevision(SQLModel, table=True):
    """Every revision of minutes, kept for ever."""

    __table_args__ = (UniqueConstraint("minutes_id", "revision"),)
    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True)
    revision: int
    status: str = Field(default="draft", max_length=16)
    reason: str = Field(default="", max_length=2000)
    body_md: str = Field(default="", sa_type=Text)
    body_html: str = Field(default="", sa_type=Text)
    certification_text: str = Field(default="", max_length=1000)
    approved_by_id: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = optional_time_field()
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_field()


class MinutesAction(SQLModel, table=True):
    """An ACTION line found in minutes: proposed until the secretariat confirms it into an action item."""

    __table_args__ = (UniqueConstraint("minutes_id", "line_key"),)
    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True)
    line_key: str = Field(max_length=64)  # stable hash of the line's text, so re-saving keeps the proposal
    line_no: int = Field(default=0)
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    agency_text: str = Field(default="", max_length=32)
    due_date: date | None = Field(default=None)
    title: str = Field(max_length=300)
    problem: str = Field(default="", max_length=300)
    state: str = Field(default="proposed", max_length=16)  # proposed, confirmed, dismissed
    action_item_id: int | None = Field(default=None, foreign_key="actionitem.id")
    confirmed_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_field()


class MinutesComment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True)
    revision: int = Field(default=1)
    author_id: int = Field(foreign_key="user.id")
    body_md: str = Field(sa_type=Text)
    body_html: str = Field(default="", sa_type=Text)
    created_at: datetime = created_field()
    deleted_at: datetime | None = optional_time_field()


class Attachment(SQLModel, table=True):
    """A stored file of a meeting or a recommendation; removal is soft."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    recommendation_id: int | None = Field(default=None, foreign_key="recommendation.id", index=True)
    filename: str = Field(max_length=255)
    storage_key: str = Field(max_length=255, unique=True)
    size: int
    content_type: str = Field(max_length=128)
    sha256: str = Field(max_length=64)
    kind: str = Field(default="other", max_length=16)
    uploaded_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = created_field()
    deleted_at: datetime | None = optional_time_field()


class MeetingSeries(SQLModel, table=True):
    """How a series of meetings was created (for the planner's information)."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    rule: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
