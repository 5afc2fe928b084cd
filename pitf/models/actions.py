"""Action items: agency commitments and their append-only status history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from .base import Versioned, created_field, optional_time_field
from .vocab import ACTION_STATUS_LABELS, CLOSED_ACTION_STATUSES, PILLAR_LABELS, ActionStatus, Pillar, Priority

# The old names of the vocabularies, kept while callers move over to the enums of .vocab.
ACTION_STATUSES = tuple(ActionStatus)
CLOSED_STATUSES = CLOSED_ACTION_STATUSES
PILLARS = tuple(Pillar)
PRIORITIES = tuple(Priority)
__all__ = ["ACTION_STATUS_LABELS", "PILLAR_LABELS"]  # still imported from here


class ActionItem(Versioned, SQLModel, table=True):
    __table_args__ = (
        Index("ix_actionitem_lead_status_due", "lead_agency_id", "status", "due_date"),
        Index("ix_actionitem_status_due", "status", "due_date"),
        Index("ix_actionitem_committee_status", "committee_id", "status"),
        # Sorts and filters of the list (see services.actions.SORTS): each has an index.
        Index("ix_actionitem_title", "title"),
        Index("ix_actionitem_updated_at", "updated_at"),
        Index("ix_actionitem_priority_due", "priority", "due_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    description_md: str = Field(default="", sa_type=Text)
    description_html: str = Field(default="", sa_type=Text)
    committee_id: int = Field(foreign_key="committee.id")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    recommendation_id: int | None = Field(default=None, foreign_key="recommendation.id", index=True)
    lead_agency_id: int = Field(foreign_key="agency.id")
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    due_date: date = Field(index=True)
    status: str = Field(default="open", max_length=16)
    pillar: str = Field(max_length=16, index=True)
    priority: str = Field(default="normal", max_length=8)
    percent_complete: int | None = Field(default=None)
    external_ref: str | None = Field(default=None, max_length=100, unique=True)
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
