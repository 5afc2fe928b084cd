"""What the API takes and returns of an agenda: its items (AgendaItemBase holds their limits), the PUT, publishing."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import ConfigDict, ValidationError, WithJsonSchema
from sqlmodel import Field, SQLModel

from pitf.errors import ValidationFailed
from pitf.validation import fields_of

from .fields import RowId, WholeNumber
from .recommendations import IsoDateTime

MAX_AGENDA_ITEMS = 100
READ_BACK: dict[str, Any] = {"json_schema_extra": {"readOnly": True}}  # sent back as read, ignored


class EntryInput(SQLModel):
    """An entry of a list a client PUTs back as it read it: the READ_ONLY fields it was read with are ignored."""

    READ_ONLY: ClassVar[tuple[str, ...]] = ()

    def fields(self) -> dict[str, Any]:
        """The writable fields the client sent (a null sent is kept: the service says what it lacks)."""
        return {name: getattr(self, name) for name in self.model_fields_set if name not in self.READ_ONLY}


class AgendaItemInput(EntryInput):
    """One item of the agenda's PUT. The input checks each field's JSON type (a null is left to the service);
    the service checks the values against AgendaItemBase's limits and the database, naming each field."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    # Fields an item is read back with: a client may PUT what it read, and these are ignored.
    READ_ONLY: ClassVar[tuple[str, ...]] = ("id", "position", "starts_at", "notes_html", "action_item_title",
                                            "recommendation_label")

    title: str | None = None
    presenter: str | None = None
    presenter_agency: str | None = Field(default=None, description="Agency acronym")
    duration_minutes: WholeNumber | None = Field(default=None, description="1 to 480; 15 if left out")
    notes_md: str | None = Field(default=None, description="Markdown; rendered and sanitized on save")
    action_item_id: RowId | None = None
    recommendation_id: RowId | None = None
    recommendation_number: str | None = Field(default=None, description="Instead of recommendation_id: its "
                                              "number, e.g. 2026-01")
    id: Any = Field(default=None, schema_extra=READ_BACK)
    position: Any = Field(default=None, schema_extra=READ_BACK)
    starts_at: Any = Field(default=None, schema_extra=READ_BACK)
    notes_html: Any = Field(default=None, schema_extra=READ_BACK)
    action_item_title: Any = Field(default=None, schema_extra=READ_BACK)
    recommendation_label: Any = Field(default=None, schema_extra=READ_BACK)


# The items are read one by one (AgendaUpdate.entries) so each error names its item: items[2].title.
AgendaItemList = Annotated[list[Any], WithJsonSchema({
    "type": "array", "maxItems": MAX_AGENDA_ITEMS, "items": AgendaItemInput.model_json_schema()})]


class AgendaUpdate(SQLModel):
    """The agenda's PUT: every item, in order, and the version read."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    messages: ClassVar[dict[str, str]] = {"items": "Send a list of objects."}

    version: WholeNumber | None = None
    items: AgendaItemList

    def entries(self) -> list[dict[str, Any]]:
        """Each item's writable fields, or ValidationFailed naming every bad field of every item."""
        return read_entries(AgendaItemInput, self.items, "items")


def read_entries(model: Any, raws: list[Any], name: str) -> list[dict[str, Any]]:
    """Each of *raws* validated by *model* (its writable fields sent), or ValidationFailed naming every bad
    field of every entry as the API names it: `items[2].title`."""
    errors: dict[str, str] = {}
    entries = []
    for i, raw in enumerate(raws):
        if not isinstance(raw, dict):
            errors[f"{name}[{i}]"] = "Each entry is an object."
            continue
        try:
            entries.append(model.model_validate(raw).fields())
        except ValidationError as err:
            errors.update(fields_of(err, model, f"{name}[{i}]."))
    if errors:
        raise ValidationFailed("Some entries are not valid.", fields=errors)
    return entries


class AgendaPublish(SQLModel):
    """Publishing the agenda; the body may be left out."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    body_optional: ClassVar[bool] = True  # see api/spec.py

    short_notice_reason: str | None = Field(default=None, description="Required for a FACA body noticed fewer "
                                            "than 15 days ahead")


class AgendaItemPublic(SQLModel):
    id: int
    position: int
    title: str
    presenter: str
    presenter_agency: str | None = Field(description="Agency acronym")
    duration_minutes: int
    notes_md: str
    notes_html: str
    action_item_id: int | None
    action_item_title: str | None
    recommendation_id: int | None = Field(description="Null when read by someone who may not see it "
                                          "(someone else's draft)")
    recommendation_label: str | None
    starts_at: IsoDateTime = Field(description="Computed from the meeting's start and the items before")


class AgendaPublic(SQLModel):
    """The agenda, each item with its computed start."""

    meeting_id: int
    items: list[AgendaItemPublic]
    published_at: IsoDateTime | None
    version: int
    starts_at: IsoDateTime
    ends_at: IsoDateTime = Field(description="When the last item ends")
    meeting_ends_at: IsoDateTime
    overruns: bool
    overrun_minutes: int
