"""Advisory Council recommendations, their targets, and the agencies' responses."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import Versioned, created_field, optional_time_field
from .vocab import Position, RecommendationStatus

# The old names of the vocabularies, kept while callers move over to the enums of .vocab.
RECOMMENDATION_STATUSES = tuple(RecommendationStatus)
POSITIONS = tuple(Position)


class Recommendation(Versioned, SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("report_year", "sequence"),
        Index("ix_recommendation_status_year", "status", "report_year"),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: str | None = Field(default=None, max_length=16, unique=True)
    report_year: int = Field(index=True)
    sequence: int | None = Field(default=None)
    title: str = Field(max_length=300)
    body_md: str = Field(default="", sa_type=Text)
    body_html: str = Field(default="", sa_type=Text)
    rationale_md: str = Field(default="", sa_type=Text)
    rationale_html: str = Field(default="", sa_type=Text)
    pillar: str = Field(max_length=16)
    status: str = Field(default="draft", max_length=24)
    priority: bool = Field(default=False)
    filed_by_id: int = Field(foreign_key="user.id", index=True)
    submitted_at: datetime | None = optional_time_field()
    closed_at: datetime | None = optional_time_field()
    report_order: int | None = Field(default=None)


class RecommendationTarget(SQLModel, table=True):
    recommendation_id: int = Field(foreign_key="recommendation.id", primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", primary_key=True, index=True)
    response_due: date | None = Field(default=None)


class RecommendationCosponsor(SQLModel, table=True):
    recommendation_id: int = Field(foreign_key="recommendation.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)


class RecommendationEvent(SQLModel, table=True):
    """The history of a recommendation: each transition with its note."""

    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    from_status: str | None = Field(default=None, max_length=24)
    to_status: str = Field(max_length=24)
    note: str = Field(default="", max_length=4000)
    created_at: datetime = created_field()


class RecommendationCounter(SQLModel, table=True):
    """The last number given in a report year; locked row-wise so numbers have no gaps."""

    report_year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_sequence: int = Field(default=0)


class AgencyResponse(SQLModel, table=True):
    """One revision of an agency's answer to a recommendation; revisions are kept."""

    __table_args__ = (UniqueConstraint("recommendation_id", "agency_id", "revision"),)
    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    revision: int = Field(default=1)
    is_current: bool = Field(default=True)
    position: str = Field(max_length=24)
    response_md: str = Field(default="", sa_type=Text)
    response_html: str = Field(default="", sa_type=Text)
    author_id: int = Field(foreign_key="user.id")
    created_at: datetime = created_field()
    due_date: date | None = Field(default=None)


class ResponseActionItem(SQLModel, table=True):
    response_id: int = Field(foreign_key="agencyresponse.id", primary_key=True)
    action_item_id: int = Field(foreign_key="actionitem.id", primary_key=True, index=True)
