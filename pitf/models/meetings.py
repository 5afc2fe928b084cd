"""Meetings: agendas, attendance, minutes with their revisions and comments, documents."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, StringConstraints, WithJsonSchema, field_serializer
from pydantic_core import PydanticCustomError
from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlalchemy.orm import deferred
from sqlmodel import Field, SQLModel

from pitf.markdown import MAX_SOURCE
from pitf.settings import platform_timezone
from pitf.textutil import BadDate, parse_date

from .base import UTCDateTime, Versioned, created_field, optional_time_field
from .fields import Flag, OptionalId, RowId, WholeNumber, _blank_if_none, _none_if_blank, required
from .recommendations import IsoDateTime
from .vocab import AttachmentKind, AttendanceStatus, AttendeeKind, MeetingStatus, MinutesStatus

# The old names of the vocabularies, kept while callers move over to the enums of .vocab.
MEETING_STATUSES = tuple(MeetingStatus)
MINUTES_STATUSES = tuple(MinutesStatus)
ATTENDANCE_STATUSES = tuple(AttendanceStatus)
ATTENDEE_KINDS = tuple(AttendeeKind)
ATTACHMENT_KINDS = tuple(AttachmentKind)


MAX_TIMEZONE = 64  # the longest zone name the column holds (the real ones are far shorter)


MAX_MEETING_TITLE, MAX_LOCATION, MAX_VIRTUAL_URL, MAX_CANCEL_REASON = 200, 300, 500, 2000
MAX_PURPOSE, MAX_FR_CITATION = 2000, 32


class MeetingBase(SQLModel):
    """What a planner writes of a meeting, with its limits (the table, the service and the forms read them)."""

    title: str = Field(max_length=MAX_MEETING_TITLE)
    # PITF_TIMEZONE when the row is made
    timezone: str = Field(default_factory=platform_timezone, max_length=MAX_TIMEZONE)
    location: str = Field(default="", max_length=MAX_LOCATION)
    virtual_url: str = Field(default="", max_length=MAX_VIRTUAL_URL)
    is_open: bool = Field(default=True)
    cancel_reason: str = Field(default="", max_length=MAX_CANCEL_REASON)
    short_notice_reason: str = Field(default="", max_length=2000)
    # FACA: an open meeting with a closed part (is_open stays true: the public attends the open part).
    partly_closed: bool = Field(default=False)
    purpose: str = Field(default="", max_length=MAX_PURPOSE)
    # The Federal Register notice's citation, as the Register prints it: 91 FR 12345.
    federal_register_citation: str = Field(default="", max_length=MAX_FR_CITATION)


class Meeting(Versioned, MeetingBase, table=True):
    __table_args__ = (Index("ix_meeting_committee_starts", "committee_id", "starts_at"),)
    id: int | None = Field(default=None, primary_key=True)
    committee_id: int = Field(foreign_key="committee.id")
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(default="scheduled", max_length=16, index=True)
    federal_register_notice_date: date | None = Field(default=None)
    series_key: str | None = Field(default=None, max_length=64, index=True)
    # A joint meeting with another body (the Advisory Council meets the SPOG before each PITF meeting).
    joint_with_committee_id: int | None = Field(default=None, foreign_key="committee.id", index=True)
    ics_sequence: int = Field(default=0)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")


# ---- what the API, the pages and the services take of a meeting -------------------------------------
# The input classes check each value on its own (type, length, choice, format); the service checks what only
# the stored data can tell (does the committee exist and is it active, do the times fit the meeting), naming
# each field the same way.

ISO_HINT = "Use ISO 8601, e.g. 2027-03-15T10:00:00-04:00."
URL_HINT = "Enter a web address starting with https://."


def _instant(value):
    # A time as ISO 8601 text (or a datetime from a service); one without an offset is read in the meeting's
    # zone by the service, which knows it.
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
    raise PydanticCustomError("bad_instant", ISO_HINT)


def _web_address(value: str) -> str:
    value = value.strip()
    if value and not (value.startswith(("https://", "http://")) and " " not in value
                      and len(value) <= MAX_VIRTUAL_URL):
        raise PydanticCustomError("bad_url", URL_HINT)
    return value


def _known_zone(value: str | None) -> str | None:
    # Null or blank: the platform's zone for a new meeting, the meeting's own when editing.
    if value is None or not value.strip():
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" (a folder)
        raise PydanticCustomError("unknown_zone", "Unknown time zone {name}.", {"name": repr(value)}) from None
    return value


def _stripped(value: str | None) -> str | None:
    return value.strip() if value is not None else None


FR_CITATION_HINT = "Write the citation as the Federal Register prints it, e.g. 91 FR 12345."
_FR_CITATION = re.compile(r"^\d{1,3} FR \d{1,6}$")


def _fr_citation(value: str) -> str:
    value = " ".join(value.split()).upper()  # "91 fr 12345" as typed is 91 FR 12345
    if value and not _FR_CITATION.match(value):
        raise PydanticCustomError("bad_citation", FR_CITATION_HINT)
    return value


def _notice_date(value):
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_type", "Use a date like 2027-01-31.")
    if not value.strip():
        return None
    try:
        return parse_date(value)
    except BadDate as err:
        raise PydanticCustomError("bad_date", str(err)) from None


Instant = Annotated[datetime, BeforeValidator(_instant), WithJsonSchema({"type": "string"})]
OptionalInstant = Annotated[Instant | None, BeforeValidator(_none_if_blank)]
MeetingTitle = Annotated[str, required("Enter a title."),
                         StringConstraints(strip_whitespace=True, max_length=MAX_MEETING_TITLE)]
Location = Annotated[str, BeforeValidator(_blank_if_none), StringConstraints(max_length=MAX_LOCATION),
                     AfterValidator(str.strip)]
WebAddress = Annotated[str, BeforeValidator(_blank_if_none), AfterValidator(_web_address)]
ZoneName = Annotated[Annotated[str, StringConstraints(max_length=MAX_TIMEZONE)] | None, AfterValidator(_known_zone)]
Purpose = Annotated[str, BeforeValidator(_blank_if_none),
                    StringConstraints(strip_whitespace=True, max_length=MAX_PURPOSE)]
FrCitation = Annotated[str, BeforeValidator(_blank_if_none), StringConstraints(max_length=MAX_FR_CITATION),
                       AfterValidator(_fr_citation)]
_TEXT_OR_NULL = WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "null"}]})
NoticeDate = Annotated[date | None, BeforeValidator(_notice_date), _TEXT_OR_NULL]
CancelReason = Annotated[str, BeforeValidator(_blank_if_none),
                         StringConstraints(strip_whitespace=True, max_length=MAX_CANCEL_REASON)]
_CHOOSE_COMMITTEE = "Choose an existing, active committee."


class MeetingCreate(SQLModel):
    """A meeting to schedule. Times are ISO 8601; one without an offset is read in `timezone`."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    messages: ClassVar[dict[str, str]] = {
        "timezone.string_too_long": f"Unknown time zone (at most {MAX_TIMEZONE} characters).",
        "committee_id.missing": _CHOOSE_COMMITTEE, "title.missing": "Enter a title.",
        "title.string_too_short": "Enter a title.", "starts_at.missing": ISO_HINT, "ends_at.missing": ISO_HINT}

    committee_id: Annotated[RowId, required(_CHOOSE_COMMITTEE)]
    title: MeetingTitle
    starts_at: Annotated[Instant, required(ISO_HINT)] = Field(
        description="ISO 8601, e.g. 2027-03-15T10:00:00-04:00")
    ends_at: Annotated[Instant, required(ISO_HINT)] = Field(
        description="ISO 8601; after starts_at, at most 24 hours later")
    timezone: ZoneName = Field(default=None, description="IANA zone the meeting is held in (default: the "
                                                         "platform's)")
    location: Location = ""
    virtual_url: WebAddress = Field(default="", description="https:// address")
    is_open: Flag = True
    partly_closed: Flag = Field(default=False, description="An open meeting with a closed part (FACA's "
                                                           "partially closed); needs is_open true")
    purpose: Purpose = Field(default="", description="What the meeting is for, as the FACA Database asks")
    federal_register_notice_date: NoticeDate = Field(default=None, description="A date like 2027-01-31")
    federal_register_citation: FrCitation = Field(default="", description="The notice's citation, e.g. 91 FR 12345")
    joint_with_committee_id: OptionalId = None


class MeetingUpdate(SQLModel):
    """A PATCH: only the fields to change and the version read; `status: cancelled` with `cancel_reason`
    cancels the meeting (nothing is deleted). The committee is never changed."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    messages: ClassVar[dict[str, str]] = {
        **MeetingCreate.messages, "committee_id.extra_forbidden": "This field cannot be changed."}

    version: WholeNumber | None = None
    # Absent: unchanged; null: refused where a value is required (a blank title, a missing time).
    title: MeetingTitle = None  # type: ignore[assignment]
    starts_at: Annotated[Instant, required(ISO_HINT)] = Field(
        default=None, description="ISO 8601, e.g. 2027-03-15T10:00:00-04:00")
    ends_at: Annotated[Instant, required(ISO_HINT)] = Field(
        default=None, description="ISO 8601; after starts_at, at most 24 hours later")
    timezone: ZoneName = Field(default=None, description="IANA zone the meeting is held in (null: unchanged)")
    location: Location = None  # type: ignore[assignment]
    virtual_url: WebAddress = Field(default=None, description="https:// address")
    is_open: Flag = None  # type: ignore[assignment]
    partly_closed: Flag = Field(default=None, description="An open meeting with a closed part; needs is_open true")
    purpose: Purpose = Field(default=None, description="What the meeting is for")
    federal_register_notice_date: NoticeDate = Field(default=None, description="A date like 2027-01-31")
    federal_register_citation: FrCitation = Field(default=None, description="The notice's citation, e.g. 91 FR 12345")
    joint_with_committee_id: OptionalId = None
    status: str | None = Field(default=None, description="Only cancelled")
    cancel_reason: CancelReason = None  # type: ignore[assignment]

    def changes(self) -> dict[str, Any]:
        """The meeting's fields the client sent (not the version, the status or the reason for cancelling)."""
        return self.model_dump(exclude_unset=True, exclude={"version", "status", "cancel_reason"})


class MeetingCancel(SQLModel):
    """Cancelling a meeting: the version read and the reason the members are told (nothing is deleted)."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    version: WholeNumber | None = None
    cancel_reason: CancelReason = ""


SERIES_RULES = ("weekly", "monthly", "quarterly")
MAX_SERIES = 24


class MeetingSeriesPlan(SQLModel):
    """How a series repeats its first meeting: every `interval` weeks, months or quarters, `count` times."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    messages: ClassVar[dict[str, str]] = {"rule": f"Choose {', '.join(SERIES_RULES)}.",
                                          "count": f"Between 2 and {MAX_SERIES} meetings.",
                                          "interval": "Between 1 and 52."}

    rule: Literal[SERIES_RULES]  # type: ignore[valid-type]
    count: WholeNumber = Field(ge=2, le=MAX_SERIES)
    interval: WholeNumber = Field(default=1, ge=1, le=52)


MAX_CARRIED = 101  # the agenda's items (at most 100) and the open commitments


class MeetingCopy(SQLModel):
    """Plan the next meeting from one: each field left out is taken from the meeting copied."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    body_optional: ClassVar[bool] = True  # the whole body may be left out (see api/spec.py)

    starts_at: OptionalInstant = Field(default=None, description="Left out: the date suggested for the next "
                                      "meeting (the same weekday of the same week, a quarter later for a body "
                                      "that meets quarterly, else a month later) at the same wall-clock time")
    ends_at: OptionalInstant = Field(default=None, description="Left out: as long as the meeting copied")
    title: Annotated[str | None, BeforeValidator(_none_if_blank), AfterValidator(_stripped)] = Field(
        default=None, description="Left out: the copied title")
    carry: list[Annotated[str, StringConstraints(max_length=64)]] | None = Field(
        default=None, max_length=MAX_CARRIED, description="The keys of what the new agenda starts with, among "
        "those GET /meetings/{id}/copy proposes (the continued, not reached and standing items, and the open "
        "commitments); left out: all of them; [] for an empty agenda")


class MeetingPublic(SQLModel):
    """A meeting as the API lists it."""

    id: int
    committee_id: int
    committee_name: str | None
    title: str
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    starts_at_local: IsoDateTime = Field(description="In the meeting's time zone")
    ends_at_local: IsoDateTime
    timezone: str
    location: str
    virtual_url: str
    is_open: bool
    partly_closed: bool = Field(description="Open with a closed part (FACA's partially closed)")
    purpose: str
    status: MeetingStatus
    cancel_reason: str
    state: str = Field(description="Derived from the times: a scheduled meeting that is over is held")
    federal_register_notice_date: date | None
    federal_register_citation: str = Field(description="e.g. 91 FR 12345; empty when not recorded")
    short_notice_reason: str
    joint_with_committee_id: int | None
    series_key: str | None
    ics_sequence: int = Field(description="The iCalendar SEQUENCE; grows on every change")
    created_at: IsoDateTime
    updated_at: IsoDateTime
    version: int


class MeetingDetail(MeetingPublic):
    """One meeting, with its federal clocks."""

    flags: list[str] = Field(description="Federal clocks: late Federal Register notice, minutes not certified in "
                             "time, no Council-SPOG meeting early enough before a PITF meeting")
    certify_by: date | None = Field(description="A FACA body: the date its minutes must be certified by")


class Agenda(Versioned, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True)
    published_at: datetime | None = optional_time_field()
    published_by_id: int | None = Field(default=None, foreign_key="user.id")


class AgendaItemBase(SQLModel):
    """What a planner writes of an agenda item, with its limits (the table, the service and the forms read them)."""

    title: str = Field(max_length=300)
    presenter: str = Field(default="", max_length=200)
    duration_minutes: int = Field(default=15, ge=1, le=480)
    notes_md: str = Field(default="", max_length=MAX_SOURCE, sa_type=Text)


class AgendaItem(Versioned, AgendaItemBase, table=True):
    __table_args__ = (Index("ix_agendaitem_agenda_position", "agenda_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    agenda_id: int = Field(foreign_key="agenda.id")
    position: int = Field(default=0)
    presenter_user_id: int | None = Field(default=None, foreign_key="user.id")
    presenter_agency_id: int | None = Field(default=None, foreign_key="agency.id")
    notes_html: str = Field(default="", sa_type=Text)
    action_item_id: int | None = Field(default=None, foreign_key="actionitem.id", index=True)
    recommendation_id: int | None = Field(default=None, foreign_key="recommendation.id", index=True)
    # What became of the item at the meeting (vocab.AgendaOutcome; null: not recorded), and the meeting an item
    # carried over came from (services.carry_over).
    outcome: str | None = Field(default=None, max_length=16)
    carried_from_meeting_id: int | None = Field(default=None, foreign_key="meeting.id")


class AttendanceBase(SQLModel):
    """Who attended, as the planner records it, with the limits (the table and the service read them)."""

    name: str = Field(default="", max_length=200)
    attendee_kind: str = Field(default="member", max_length=24)
    status: str = Field(default="present", max_length=16)
    represented_by: str = Field(default="", max_length=200)


class Attendance(Versioned, AttendanceBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    agency_id: int | None = Field(default=None, foreign_key="agency.id")


class MinutesBase(SQLModel):
    """What a planner writes of the minutes: their Markdown text."""

    body_md: str = Field(default="", max_length=MAX_SOURCE, sa_type=Text,
                         description="Markdown; ACTION lines propose action items")


class Minutes(Versioned, MinutesBase, table=True):
    """The minutes of one meeting; the text people read is the current revision's."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True)
    status: str = Field(default="draft", max_length=16, index=True)
    revision: int = Field(default=1)
    body_html: str = Field(default="", sa_type=Text)
    approved_revision: int | None = Field(default=None)
    circulated_at: datetime | None = optional_time_field()
    approved_at: datetime | None = optional_time_field()
    approved_by_id: int | None = Field(default=None, foreign_key="user.id")


MAX_REVISION_REASON = 2000


class MinutesUpdate(MinutesBase):
    """The minutes' PUT: the whole text (so it is required), the version read (left out only while the meeting
    has no minutes yet), and for approved minutes the reason for the correction."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    body_md: str = Field(max_length=MAX_SOURCE, description="Markdown; ACTION lines propose action items")
    version: WholeNumber | None = Field(default=None, description="The version read; omit or null for new minutes")
    revision_reason: str | None = Field(default=None, max_length=MAX_REVISION_REASON,
                                        description="Required to correct approved minutes: starts a new revision")


class MinutesStep(SQLModel):
    """A step of the minutes (circulate, approve): the version read."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    version: WholeNumber | None = None


class MinutesPublic(MinutesBase):
    """The minutes as the caller may read them (see services.minutes.minutes_for)."""

    meeting_id: int
    body_html: str = Field(description="Sanitized HTML of body_md")
    status: MinutesStatus = Field(description="Of the text the caller reads: planners the working text, members "
                                              "also circulated text, everyone else the last approved revision")
    revision: int | None
    version: int | None
    approved_revision: int | None = Field(description="The revision in force")
    approved_by: str | None = Field(description="The approver's name")
    approved_by_id: int | None
    approved_at: datetime | None
    certification_text: str | None = Field(description="A FACA chair's certification")
    correction_in_progress: bool

    @field_serializer("approved_at", when_used="json")
    def _iso(self, value: datetime | None) -> str | None:
        # Times leave the API as Python writes them (2027-01-15T14:00:00+00:00), as they always have.
        return value.isoformat() if value is not None else None


class MinutesRevisionPublic(MinutesBase):
    """One revision of the minutes."""

    revision: int
    status: MinutesStatus
    reason: str
    body_html: str
    approved_by: str | None
    approved_by_id: int | None
    approved_at: datetime | None
    certification_text: str | None
    created_at: datetime

    @field_serializer("approved_at", "created_at", when_used="json")
    def _iso(self, value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None


class MinutesRevisionList(SQLModel):
    items: list[MinutesRevisionPublic]


class MinutesRevision(SQLModel, table=True):
    """Every revision of minutes, kept for ever."""

    __table_args__ = (UniqueConstraint("minutes_id", "revision"),)
    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True)
    revision: int
    status: str = Field(default="draft", max_length=16)
    reason: str = Field(default="", max_length=MAX_REVISION_REASON)
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


# Deferred: a list of documents, the audit log or the minutes never load texts of up to 200,000 characters.
_EXTRACTED_TEXT = Column("extracted_text", Text, nullable=True)


class Attachment(SQLModel, table=True):
    """A stored file of a meeting or a recommendation; removal is soft."""

    __mapper_args__ = {"properties": {"extracted_text": deferred(_EXTRACTED_TEXT)}}

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
    # The text of a PDF, Word or plain-text file, read on upload for search (pitf/textextract.py): NULL when
    # not read (another type, extraction off, or uploaded before it existed: `pitf attachments extract`),
    # "" when there was none or reading failed. Bounded by PITF_EXTRACT_MAX_CHARS; never in the API.
    extracted_text: str | None = Field(default=None, sa_column=_EXTRACTED_TEXT)


class MeetingSeries(SQLModel, table=True):
    """How a series of meetings was created (for the planner's information)."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    rule: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
