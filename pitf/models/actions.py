"""Action items: agency commitments and their append-only status history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, StringConstraints
from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelConfig

from .base import Versioned, created_field, optional_time_field
from .fields import (
    Description,
    DueDate,
    OptionalId,
    RowId,
    Timestamp,
    Title,
    WholeNumber,
    _none_if_blank,
    required,
)
from .vocab import ACTION_STATUS_LABELS, CLOSED_ACTION_STATUSES, PILLAR_LABELS, ActionStatus, Pillar, Priority

# The old names of the vocabularies, kept while callers move over to the enums of .vocab.
ACTION_STATUSES = tuple(ActionStatus)
CLOSED_STATUSES = CLOSED_ACTION_STATUSES
PILLARS = tuple(Pillar)
PRIORITIES = tuple(Priority)
# The orders of the lists (the service maps each to its ORDER BY).
SORT_KEYS = ("due_date", "-due_date", "title", "-title", "status", "-status", "lead_agency", "-lead_agency",
             "updated", "-updated")
EXTERNAL_REF_LENGTH = 100  # the reference of the item in an agency's own tracker
# Trigram indexes (pg_trgm, GIN) made for the list's old `q` filter (`col ILIKE '%words%'`), by name: (table,
# column). No query uses them since the lists filter through the search index (services.search.matching_ids);
# they are kept until a migration drops them. The migration `fast_lists` creates them on PostgreSQL only, so
# they stay out of the metadata (which cannot tell Alembic "one dialect only"); pitf.migrate.compared tells
# autogenerate to leave them be.
TRIGRAM_INDEXES = {"ix_actionitem_title_trgm": ("actionitem", "title"),
                   "ix_actionitem_description_trgm": ("actionitem", "description_md")}
__all__ = ["ACTION_STATUS_LABELS", "PILLAR_LABELS"]  # still imported from here


class ActionItemBase(SQLModel):
    """The fields a table row and the API's input share, with their limits."""

    title: Title
    description_md: Description = Field(default="", sa_type=Text)


class ActionItem(Versioned, ActionItemBase, table=True):
    __table_args__ = (
        Index("ix_actionitem_lead_status_due", "lead_agency_id", "status", "due_date"),
        Index("ix_actionitem_committee_status", "committee_id", "status"),
        # Sorts and filters of the list (see services.action_queries.SORTS): each has an index, ending in the
        # id that breaks ties, so a page's ids are found in the index alone (pitf.paging.page_keys).
        Index("ix_actionitem_due_id", "due_date", "id"),
        Index("ix_actionitem_status_due", "status", "due_date", "id"),
        Index("ix_actionitem_title", "title", "id"),
        Index("ix_actionitem_updated_at", "updated_at", "id"),
        Index("ix_actionitem_priority_due", "priority", "due_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    description_html: str = Field(default="", sa_type=Text)
    committee_id: int = Field(foreign_key="committee.id")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    recommendation_id: int | None = Field(default=None, foreign_key="recommendation.id", index=True)
    lead_agency_id: int = Field(foreign_key="agency.id")
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    due_date: DueDate = Field(index=True)
    status: str = Field(default="open", max_length=16)
    pillar: str = Field(max_length=16, index=True)
    priority: str = Field(default="normal", max_length=8)
    percent_complete: int | None = Field(default=None)
    external_ref: str | None = Field(default=None, max_length=EXTERNAL_REF_LENGTH, unique=True)
    cancel_reason: str = Field(default="", max_length=2000)
    closed_at: datetime | None = optional_time_field()
    last_update_at: datetime | None = optional_time_field()
    created_by_id: int | None = Field(default=None, foreign_key="user.id")


class ActionItemSupport(SQLModel, table=True):
    """A supporting agency of an action item."""

    action_item_id: int = Field(foreign_key="actionitem.id", primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", primary_key=True, index=True)


class StatusUpdate(SQLModel, table=True):
    """One entry of an item's history; never edited, never deleted."""

    __table_args__ = (Index("ix_statusupdate_item_created", "action_item_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    action_item_id: int = Field(foreign_key="actionitem.id")
    author_id: int | None = Field(default=None, foreign_key="user.id")
    status: str = Field(max_length=16)
    previous_status: str | None = Field(default=None, max_length=16)
    note_md: str = Field(default="", sa_type=Text)
    note_html: str = Field(default="", sa_type=Text)
    percent_complete: int | None = Field(default=None)
    created_at: datetime = created_field()


class ScoreTally(SQLModel, table=True):
    """How many action items fall in one bucket of the scorecards, kept by database triggers.

    The triggers of migration 20261201_0700 add and subtract on every insert, update and delete of an
    action item or a supporting agency, in the same transaction, whatever the code path (a bulk load too).
    Rows (role L: the agency leads; S: it supports, only open items, pillar ''):
    - bucket "open", due_key yyyymm of the due date; bucket "open_day", due_key yyyymmdd (what is overdue
      is read from these and today's date, so nothing goes stale at midnight);
    - buckets "done_on_time", "done_late", "done_undated", "cancelled", due_key 0;
    - bucket "late_days", pillar '', due_key the days late of an item done late (for the median).
    pitf/services/scorecards.py reads them; n may be 0."""

    # Covering indexes: the sums by bucket read the first in group order (no sort); a range of days the second
    # (only "open_day" keys have eight digits, so the range alone picks them, and SQLite's planner uses it).
    __table_args__ = (Index("ix_scoretally_bucket_group", "bucket", "agency_id", "role", "pillar", "due_key", "n"),
                      Index("ix_scoretally_due_key", "due_key", "agency_id", "role", "pillar", "n"))
    agency_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    role: str = Field(primary_key=True, max_length=1)
    pillar: str = Field(primary_key=True, max_length=16)
    bucket: str = Field(primary_key=True, max_length=16)
    due_key: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    n: int = Field(default=0)


class OpenCommitment(SQLModel, table=True):
    """An open action item of an agency, as lead (L) or supporter (S), with its due date: kept by the database
    triggers of migration 20261201_0730 like ScoreTally, so that a dashboard reads an agency's first commitments
    in due order from one index, whatever the number of items."""

    __table_args__ = (Index("ix_opencommitment_agency_due", "agency_id", "due_date", "action_item_id"),)
    agency_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    action_item_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    role: str = Field(primary_key=True, max_length=1)
    due_date: date


# ---- what the API, the forms and the CSV import read and write -----------------------------------

def _acronyms(value):
    # A form sends a list; a CSV cell or a hand-typed value "DHS; HHS" or "DHS, HHS"; null means none.
    if value is None:
        return []
    if isinstance(value, str):
        return [a for a in value.replace(";", ",").split(",") if a.strip()]
    return value


def _normal_if_blank(value):
    return value or Priority.NORMAL


Acronyms = Annotated[list[str], BeforeValidator(_acronyms)]
_PILLAR_CHOICE = f"Choose one of {', '.join(Pillar)}."
_CHOOSE_COMMITTEE = "Choose an existing committee."
_CHOOSE_LEAD = "Choose the lead agency by its acronym, e.g. DOJ."
CommitteeId = Annotated[RowId, required(_CHOOSE_COMMITTEE)]
LeadAgency = Annotated[str, required(_CHOOSE_LEAD), Field(description="The lead agency's acronym, e.g. DOJ")]


class ActionItemCreate(ActionItemBase):
    """A new action item as the secretariat, the CSV import or a response to a recommendation gives it.
    The agencies are acronyms; whether they, the committee, the owner, the meeting and the recommendation
    exist and may be used is the service's check (pitf/services/actions.py)."""

    model_config = SQLModelConfig(extra="forbid")
    messages: ClassVar[dict[str, str]] = {
        "title.string_too_short": "Enter a title.", "title.missing": "Enter a title.",
        "due_date.missing": "Enter the due date, mm/dd/yyyy (for example 01/15/2027).",
        "pillar.missing": _PILLAR_CHOICE, "supporting_agencies": "A list of agency acronyms.",
        "committee_id.missing": _CHOOSE_COMMITTEE, "lead_agency.missing": _CHOOSE_LEAD}

    due_date: DueDate
    committee_id: CommitteeId
    lead_agency: LeadAgency
    supporting_agencies: Acronyms = []
    owner_id: OptionalId = None
    pillar: Pillar
    priority: Annotated[Priority, BeforeValidator(_normal_if_blank)] = Priority.NORMAL
    meeting_id: OptionalId = None
    recommendation_id: OptionalId = None
    # The constraints sit on the text, not on the optional value (on the union pydantic raises TypeError).
    external_ref: Annotated[Annotated[str, StringConstraints(strip_whitespace=True, max_length=EXTERNAL_REF_LENGTH)]
                            | None, BeforeValidator(_none_if_blank)] = None


class ActionItemUpdate(SQLModel):
    """A PATCH: only the fields sent change; `version` is the one read. Each field keeps ActionItemCreate's
    limits (an explicit null is refused where a value is required)."""

    model_config = SQLModelConfig(extra="forbid")
    messages: ClassVar[dict[str, str]] = {
        "extra_forbidden": "This field cannot be changed here.", "title.string_too_short": "Enter a title.",
        "status": "Change the status with POST /api/v1/action-items/{item_id}/updates.",
        "version.missing": "Send the version you read.",
        "supporting_agencies": "A list of agency acronyms."}

    version: WholeNumber
    title: Title = None  # type: ignore[assignment]  # absent: unchanged; null: refused as blank
    description_md: Description = None  # type: ignore[assignment]
    due_date: DueDate = None  # type: ignore[assignment]
    committee_id: CommitteeId = None  # type: ignore[assignment]
    lead_agency: LeadAgency = None  # type: ignore[assignment]
    supporting_agencies: Acronyms = None  # type: ignore[assignment]
    owner_id: OptionalId = None
    pillar: Pillar = None  # type: ignore[assignment]
    priority: Annotated[Priority, BeforeValidator(_normal_if_blank)] = None  # type: ignore[assignment]
    meeting_id: OptionalId = None
    recommendation_id: OptionalId = None

    def changes(self) -> dict:
        """The fields sent, without the version."""
        return self.model_dump(exclude_unset=True, exclude={"version"})


class ActionItemPublic(SQLModel):
    """An action item as the API shows it."""

    id: int
    title: str
    description_md: str
    description_html: str
    committee_id: int
    committee_name: str
    meeting_id: int | None = Field(description="Null when the caller may not see the meeting")
    recommendation_id: int | None = Field(description="Null when the caller may not see the recommendation")
    lead_agency: str = Field(description="Acronym, e.g. DOJ")
    supporting_agencies: list[str]
    owner_id: int | None
    owner_name: str | None
    due_date: date
    status: ActionStatus
    pillar: Pillar
    priority: Priority
    percent_complete: int | None
    overdue: bool
    external_ref: str | None
    cancel_reason: str
    closed_at: Timestamp | None
    last_update_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp
    version: int


class StatusUpdateCreate(SQLModel):
    """A new entry of an item's history: a new status and/or a note, with the version read."""

    model_config = SQLModelConfig(extra="forbid")
    messages: ClassVar[dict[str, str]] = {
        "extra_forbidden": "A status update carries version, status, note_md and percent_complete.",
        "version.missing": "Send the version you read.",
        "percent_complete": "A whole number from 0 to 100."}

    version: WholeNumber
    status: Annotated[ActionStatus | None, BeforeValidator(_none_if_blank)] = None
    note_md: Description = ""
    percent_complete: WholeNumber | None = Field(default=None, ge=0, le=100)


class StatusUpdatePublic(SQLModel):
    """One entry of an item's history as the API shows it."""

    id: int
    action_item_id: int
    status: ActionStatus
    previous_status: ActionStatus | None
    note_md: str
    note_html: str
    percent_complete: int | None
    author_id: int | None
    author: str | None
    author_agency: str | None
    created_at: Timestamp


class StatusPosted(SQLModel):
    """The answer to a new status update: the entry and the item as it now is."""

    update: StatusUpdatePublic
    item: ActionItemPublic
