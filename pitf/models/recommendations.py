"""Advisory Council recommendations, their targets, and the agencies' responses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import PlainSerializer, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import AutoString, Field, SQLModel
from sqlmodel.main import SQLModelConfig

from pitf.markdown import MAX_SOURCE

from .base import Versioned, created_field, optional_time_field
from .fields import Flag, RowId, WholeNumber
from .vocab import Pillar, Position, RecommendationStatus

# The old names of the vocabularies, kept while callers move over to the enums of .vocab.
RECOMMENDATION_STATUSES = tuple(RecommendationStatus)
POSITIONS = tuple(Position)

TITLE_LENGTH = 300
NOTE_LENGTH = 4000  # a move's note, kept in the history
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the report years a recommendation may belong to
MAX_NEW_ACTION_ITEMS = 20  # commitments created with one response

# Times go out as Python writes them (2027-01-31T14:00:00+00:00), as the API always has.
IsoDateTime = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str, when_used="json")]


class RecommendationBase(SQLModel):
    """What the authors write, with its limits: the table, the service, the form and the API read them here."""

    title: str = Field(min_length=1, max_length=TITLE_LENGTH)
    body_md: str = Field(default="", max_length=MAX_SOURCE, sa_type=Text)
    rationale_md: str = Field(default="", max_length=MAX_SOURCE, sa_type=Text)
    pillar: Pillar = Field(sa_type=AutoString(length=16))
    report_year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, index=True)


class Recommendation(Versioned, RecommendationBase, table=True):
    __table_args__ = (
        UniqueConstraint("report_year", "sequence"),
        Index("ix_recommendation_status_year", "status", "report_year"),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: str | None = Field(default=None, max_length=16, unique=True)
    sequence: int | None = Field(default=None)
    body_html: str = Field(default="", sa_type=Text)
    rationale_html: str = Field(default="", sa_type=Text)
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
    note: str = Field(default="", max_length=NOTE_LENGTH)
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


DATES_BY_AGENCY = 'Must be an object of dates by agency, e.g. {"DOJ": "2027-05-01"}.'


# ---- what the API takes and returns --------------------------------------------------------------
# The input classes check each field's JSON type (every field optional, null left to the service); the
# service checks the values against RecommendationBase's limits and the database, naming each field.

class RecommendationCreate(SQLModel):
    """A new draft."""

    model_config = SQLModelConfig(extra="forbid")
    messages: ClassVar[dict[str, str]] = {
        "target_agencies.list_type": 'Must be a list of agency acronyms, e.g. ["DHS", "HHS"].',
        "target_agencies.string_type": 'Must be a list of agency acronyms, e.g. ["DHS", "HHS"].',
        "co_sponsor_ids.list_type": "Must be a list of ids, e.g. [12, 15].",
        "co_sponsor_ids.int_type": "Must be a list of ids, e.g. [12, 15].",
    }

    title: str | None = None
    body_md: str | None = None
    rationale_md: str | None = None
    pillar: str | None = None
    report_year: WholeNumber | None = None
    target_agencies: list[str] | None = None
    co_sponsor_ids: list[RowId] | None = None

    def fields(self) -> dict[str, Any]:
        """The fields the client sent (a null sent is kept: the service says what it lacks)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class RecommendationUpdate(RecommendationCreate):
    """A PATCH: the authors edit a draft's fields, or the secretariat moves the status (with a note, and the
    response due dates when opening) or flags the priority. Never both in one request."""

    messages: ClassVar[dict[str, str]] = {
        **RecommendationCreate.messages,
        "extra_forbidden": "This field cannot be changed.",
        "response_due.dict_type": DATES_BY_AGENCY,
    }
    DRAFTING: ClassVar[tuple[str, ...]] = ("title", "body_md", "rationale_md", "pillar", "report_year",
                                           "target_agencies", "co_sponsor_ids")
    MOVING: ClassVar[tuple[str, ...]] = ("status", "note", "response_due", "priority")

    version: WholeNumber | None = None
    status: str | None = None
    note: str | None = None
    response_due: dict[str, Any] | None = None
    priority: Flag | None = None

    @field_validator("response_due")
    @classmethod
    def _dates_are_text(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # The service reads each date; here only its JSON type, the whole object named as one field.
        if value is not None and not all(isinstance(v, str) for v in value.values()):
            raise PydanticCustomError("dates_by_agency", DATES_BY_AGENCY)
        return value


class RecommendationStep(SQLModel):
    """Submit or withdraw: the version read, and (withdrawing) a note."""

    model_config = SQLModelConfig(extra="forbid")

    version: WholeNumber | None = None
    note: str | None = None


class RecommendationSubmit(SQLModel):
    model_config = SQLModelConfig(extra="forbid")

    version: WholeNumber | None = None


class RecommendationPublic(SQLModel):
    """A recommendation as the API shows it."""

    id: int
    number: str | None
    report_year: int
    sequence: int | None
    title: str
    body_md: str
    body_html: str
    rationale_md: str
    rationale_html: str
    pillar: Pillar
    status: RecommendationStatus
    status_label: str
    target_agencies: list[str]
    co_sponsor_ids: list[int]
    priority: bool
    filed_by: int
    submitted_at: IsoDateTime | None
    closed_at: IsoDateTime | None
    response_due: dict[str, date]
    created_at: IsoDateTime
    updated_at: IsoDateTime
    version: int


class NewActionItem(SQLModel):
    """A commitment created with a response; its lead is the responding agency."""

    model_config = SQLModelConfig(extra="forbid")
    messages: ClassVar[dict[str, str]] = {
        "extra_forbidden": "A new action item has title, due_date and description_md."}

    title: str | None = None
    due_date: str | None = None
    description_md: str | None = None


class AgencyResponseCreate(SQLModel):
    """An agency's response (a first one, or a new revision). Each of new_action_items is checked as a
    NewActionItem, named new_action_items[n]."""

    model_config = SQLModelConfig(extra="forbid")
    messages: ClassVar[dict[str, str]] = {
        "action_item_ids.list_type": "Must be a list of ids, e.g. [12, 15].",
        "action_item_ids.int_type": "Must be a list of ids, e.g. [12, 15].",
    }

    agency: str | None = None
    position: str | None = None
    response_md: str | None = None
    action_item_ids: list[RowId] | None = None
    new_action_items: list[Any] | None = None


class LinkedActionItem(SQLModel):
    id: int
    title: str
    status: str
    due_date: date
    percent_complete: int | None


class AgencyResponsePublic(SQLModel):
    """One revision of an agency's response as the API shows it."""

    id: int
    recommendation_id: int
    agency: str
    position: Position
    position_label: str
    response_md: str
    response_html: str
    revision: int
    is_current: bool
    author: str
    author_id: int
    created_at: IsoDateTime
    due_date: date | None
    action_item_ids: list[int]
    action_items: list[LinkedActionItem]


class AgencyResponseFiled(AgencyResponsePublic):
    """The response just filed, with the action items created with it."""

    created_action_item_ids: list[int]
