"""Advisory Council recommendations, their targets, and the agencies' responses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from annotated_types import Ge, Le, MaxLen
from pydantic import AfterValidator, BeforeValidator, PlainSerializer, Strict, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import AutoString, Field, SQLModel
from sqlmodel.main import SQLModelConfig

from pitf.errors import ValidationFailed
from pitf.markdown import MAX_SOURCE
from pitf.validation import fields_of

from .base import Versioned, created_field, optional_time_field, utcnow
from .fields import Description, Flag, RowId, Title, WholeNumber, required
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
    # The Council committee (a body whose parent is the Advisory Council) that drafted it; None: the full Council.
    drafting_committee_id: int | None = Field(default=None, foreign_key="committee.id", index=True)


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


# ---- what the API, the pages and the services take -----------------------------------------------
# Each field's type, limit and vocabulary is checked here, in the platform's words, naming the field; what
# only the database can tell (does the agency exist, is a co-sponsor a Council member, the version read,
# the moves allowed) stays in the services (pitf/services/recommendations.py, rec_workflow, rec_responses).

_PILLAR_CHOICE = f"Choose one of {', '.join(Pillar)}."
_POSITION_CHOICE = f"Choose one of {', '.join(Position)}."
_ACRONYMS = 'Must be a list of agency acronyms, e.g. ["DHS", "HHS"].'
_IDS = "Must be a list of ids, e.g. [12, 15]."
_TEXT = f"Text of at most {MAX_SOURCE:,} characters."
_YEAR = "A year such as 2027."
_COMMITTEE = "The id of one of the Advisory Council's committees, or null for the full Council."
_EXPLAIN = "Explain the agency's position."
_AT_MOST_ITEMS = f"A list of at most {MAX_NEW_ACTION_ITEMS} new action items."


def _empty_if_none(value):
    # JSON null and an absent form field both mean "none".
    return [] if value is None else value


def _blank_if_none(value):
    return "" if value is None else value


def _this_year_if_blank(value):
    # No year given (null, an empty form field, 0): the current one.
    if value is None or value == "" or (type(value) is int and value == 0):
        return utcnow().year
    return value


def _normal_acronyms(value: list[str]) -> list[str]:
    return sorted({a.strip().upper() for a in value if a.strip()})


ReportYear = Annotated[int, BeforeValidator(_this_year_if_blank), Strict(), Ge(FIRST_YEAR), Le(LAST_YEAR)]
ChosenPillar = Annotated[Pillar, required(_PILLAR_CHOICE)]
Acronyms = Annotated[list[str], BeforeValidator(_empty_if_none), AfterValidator(_normal_acronyms)]
Ids = Annotated[list[RowId], BeforeValidator(_empty_if_none)]


class RecommendationCreate(SQLModel):
    """A new draft: what its authors write, the agencies it is addressed to (acronyms) and its co-sponsors."""

    model_config = SQLModelConfig(extra="forbid", validate_default=True)  # no year given: this year
    messages: ClassVar[dict[str, str]] = {
        "title.missing": "Enter a title.", "title.string_too_short": "Enter a title.",
        "body_md.string_too_long": _TEXT, "rationale_md.string_too_long": _TEXT,
        "pillar.missing": _PILLAR_CHOICE, "pillar.enum": _PILLAR_CHOICE,
        "report_year.greater_than_equal": _YEAR, "report_year.less_than_equal": _YEAR,
        "target_agencies.list_type": _ACRONYMS, "target_agencies.string_type": _ACRONYMS,
        "co_sponsor_ids.list_type": _IDS, "co_sponsor_ids.int_type": _IDS,
        "drafting_committee_id.int_type": _COMMITTEE, "drafting_committee_id.no_such_record": _COMMITTEE,
    }
    DRAFTING: ClassVar[tuple[str, ...]] = ("title", "body_md", "rationale_md", "pillar", "report_year",
                                           "target_agencies", "co_sponsor_ids", "drafting_committee_id")

    title: Title
    body_md: Description = ""
    rationale_md: Description = ""
    pillar: ChosenPillar
    report_year: ReportYear = None  # type: ignore[assignment]  # validated: this year
    target_agencies: Acronyms = []
    co_sponsor_ids: Ids = []
    drafting_committee_id: RowId | None = None  # the service checks it is a Council committee


class RecommendationUpdate(SQLModel):
    """A PATCH: the authors edit a draft's fields (only those sent change, each with RecommendationCreate's
    limits), or the secretariat moves the status (with a note, and the response due dates when opening) or
    flags the priority. Never both in one request."""

    model_config = SQLModelConfig(extra="forbid")
    messages: ClassVar[dict[str, str]] = {
        **RecommendationCreate.messages,
        "extra_forbidden": "This field cannot be changed.",
        "response_due.dict_type": DATES_BY_AGENCY,
    }
    DRAFTING: ClassVar[tuple[str, ...]] = RecommendationCreate.DRAFTING
    MOVING: ClassVar[tuple[str, ...]] = ("status", "note", "response_due", "priority")

    version: WholeNumber | None = None
    title: Title = None  # type: ignore[assignment]  # absent: unchanged; null: refused as blank
    body_md: Description = None  # type: ignore[assignment]  # null: emptied
    rationale_md: Description = None  # type: ignore[assignment]
    pillar: ChosenPillar = None  # type: ignore[assignment]
    report_year: ReportYear = None  # type: ignore[assignment]  # null: the current year
    target_agencies: Acronyms = None  # type: ignore[assignment]  # null: none
    co_sponsor_ids: Ids = None  # type: ignore[assignment]
    drafting_committee_id: RowId | None = None  # null: the full Council
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

    def drafting(self) -> dict[str, Any]:
        """The draft's fields the client sent, as validated."""
        return {name: getattr(self, name) for name in self.DRAFTING if name in self.model_fields_set}

    def moving(self) -> list[str]:
        """The fields of a move (status, note, response_due, priority) the client sent."""
        return [name for name in self.MOVING if name in self.model_fields_set]


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
    drafting_committee_id: int | None
    drafting_committee: str | None
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
    NewActionItem by new_items(), named new_action_items[n]; whether the agency exists and is addressed, and
    the action items linked are its own, is the service's check (pitf/services/rec_responses.py)."""

    model_config = SQLModelConfig(extra="forbid")
    messages: ClassVar[dict[str, str]] = {
        "position.missing": _POSITION_CHOICE, "position.enum": _POSITION_CHOICE,
        "response_md.missing": _EXPLAIN,
        "action_item_ids.list_type": _IDS, "action_item_ids.int_type": _IDS,
        "new_action_items": _AT_MOST_ITEMS,
    }

    agency: Annotated[str, BeforeValidator(_blank_if_none)] = ""
    position: Annotated[Position, required(_POSITION_CHOICE)]
    response_md: Annotated[str, required(_EXPLAIN), MaxLen(MAX_SOURCE)]
    action_item_ids: Ids = []
    new_action_items: Annotated[list[Any], BeforeValidator(_empty_if_none), MaxLen(MAX_NEW_ACTION_ITEMS)] = []

    def new_items(self) -> list[NewActionItem]:
        """Each new action item as a NewActionItem, or ValidationFailed naming every bad field as
        new_action_items[1].title."""
        errors: dict[str, str] = {}
        items = []
        for n, raw in enumerate(self.new_action_items):
            prefix = f"new_action_items[{n}]"
            if not isinstance(raw, dict):
                errors[prefix] = "Each new action item is an object: title, due_date, description_md."
                continue
            try:
                items.append(NewActionItem.model_validate(raw))
            except ValidationError as err:
                errors.update(fields_of(err, NewActionItem, prefix=prefix + "."))
        if errors:
            raise ValidationFailed("A new action item has problems.", fields=errors)
        return items


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


class TrackingComment(SQLModel):
    """One dated step of a recommendation's running history."""

    on: date
    at: IsoDateTime
    kind: str  # move, note or response
    agency: str | None
    text: str


class TrackingRowPublic(SQLModel):
    """A recommendation as GAO tracks it: one row per recommendation and agency addressed
    (pitf/services/rec_tracking.py)."""

    recommendation_id: int
    number: str | None
    report_year: int
    title: str
    recommendation_md: str
    agency: str | None
    agency_name: str | None
    status: RecommendationStatus
    status_words: str
    pillar: Pillar
    drafting_committee: str | None
    priority: bool
    date_issued: date | None
    response_due: date | None
    date_closed: date | None
    position: Position | None
    position_label: str | None
    comments: list[TrackingComment]
    running_comments: str
