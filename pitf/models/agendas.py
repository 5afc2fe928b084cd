"""What the API takes and returns of an agenda: its items (AgendaItemBase holds their limits), the PUT, publishing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import AfterValidator, BeforeValidator, ConfigDict, StringConstraints, ValidationError, WithJsonSchema
from sqlmodel import Field, SQLModel

from pitf.errors import ValidationFailed
from pitf.validation import bounds, fields_of, max_length

from .fields import OptionalId, WholeNumber, _blank_if_none, _none_if_blank, required
from .meetings import AgendaItemBase
from .recommendations import IsoDateTime
from .vocab import AgendaOutcome

MAX_AGENDA_ITEMS = 100
READ_BACK: dict[str, Any] = {"json_schema_extra": {"readOnly": True}}  # sent back as read, ignored


class EntryInput(SQLModel):
    """An entry of a list a client PUTs back as it read it: the READ_ONLY fields it was read with are ignored."""

    READ_ONLY: ClassVar[tuple[str, ...]] = ()
    # Values that stand in for invalid required fields while the others are checked against the stored data.
    PLACEHOLDERS: ClassVar[dict[str, Any]] = {}


def _limit(name: str) -> int:
    return max_length(AgendaItemBase, name) or 0


SHORTEST, LONGEST = (int(n or 0) for n in bounds(AgendaItemBase, "duration_minutes"))
DURATION_HINT = f"A whole number of minutes from {SHORTEST} to {LONGEST}."


OUTCOME_HINT = ("Choose discussed, continued or not_reached (continued and not reached items are carried into the "
                "next meeting), or leave it blank: not recorded.")


class AgendaItemInput(EntryInput):
    """One item of the agenda as a planner gives it, each value checked against AgendaItemBase's limits; the
    service checks what only the stored data can tell (the agency, the action item, the recommendation)."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    messages: ClassVar[dict[str, str]] = {
        "title.missing": "Enter a title.", "duration_minutes.greater_than_equal": DURATION_HINT,
        "duration_minutes.less_than_equal": DURATION_HINT,
        "notes_md.string_too_long": f"Text of at most {_limit('notes_md'):,} characters.",
        "outcome.enum": OUTCOME_HINT}
    # Fields an item is read back with: a client may PUT what it read, and these are ignored.
    READ_ONLY: ClassVar[tuple[str, ...]] = ("id", "position", "starts_at", "notes_html", "action_item_title",
                                            "recommendation_label", "carried_from_label")
    PLACEHOLDERS: ClassVar[dict[str, Any]] = {"title": "-"}

    title: Annotated[str, required("Enter a title."),
                     StringConstraints(strip_whitespace=True, max_length=_limit("title"))]
    presenter: Annotated[str, BeforeValidator(_blank_if_none), StringConstraints(max_length=_limit("presenter")),
                         AfterValidator(str.strip)] = ""
    presenter_agency: Annotated[str | None, BeforeValidator(_none_if_blank)] = Field(
        default=None, description="Agency acronym")
    duration_minutes: WholeNumber = Field(default=15, ge=SHORTEST, le=LONGEST,
                                          description=f"{SHORTEST} to {LONGEST}; 15 if left out")
    notes_md: Annotated[str, BeforeValidator(_blank_if_none), StringConstraints(max_length=_limit("notes_md"))] = \
        Field(default="", description="Markdown; rendered and sanitized on save")
    action_item_id: OptionalId = None
    recommendation_id: OptionalId = None
    recommendation_number: Annotated[str | None, BeforeValidator(_none_if_blank)] = Field(
        default=None, description="Instead of recommendation_id: its number, e.g. 2026-01")
    outcome: Annotated[AgendaOutcome | None, BeforeValidator(_none_if_blank)] = Field(
        default=None, description="What became of the item at the meeting (once it has started): discussed, "
                                  "continued or not_reached; null: not recorded. Continued and not reached "
                                  "items are carried into the next meeting")
    carried_from_meeting_id: OptionalId = Field(default=None, description="The meeting the item was carried "
                                                                          "from, kept as read")
    id: Any = Field(default=None, schema_extra=READ_BACK)
    position: Any = Field(default=None, schema_extra=READ_BACK)
    starts_at: Any = Field(default=None, schema_extra=READ_BACK)
    notes_html: Any = Field(default=None, schema_extra=READ_BACK)
    action_item_title: Any = Field(default=None, schema_extra=READ_BACK)
    recommendation_label: Any = Field(default=None, schema_extra=READ_BACK)
    carried_from_label: Any = Field(default=None, schema_extra=READ_BACK)


def inline_schema(model: type[SQLModel]) -> dict[str, Any]:
    """*model*'s JSON schema with its definitions (the vocabularies) written in place, to nest in another."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if isinstance(ref := node.get("$ref"), str) and ref.startswith("#/$defs/"):
                return resolve({**definitions[ref.removeprefix("#/$defs/")],
                                **{k: v for k, v in node.items() if k != "$ref"}})
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node
    return resolve(schema)


# The items are read one by one (services.agendas.read_items) so each error names its item: items[2].title.
AgendaItemList = Annotated[list[Any], WithJsonSchema({
    "type": "array", "maxItems": MAX_AGENDA_ITEMS, "items": inline_schema(AgendaItemInput)})]


class AgendaUpdate(SQLModel):
    """The agenda's PUT: every item, in order, and the version read."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    messages: ClassVar[dict[str, str]] = {"items": "Send a list of objects."}

    version: WholeNumber | None = None
    items: AgendaItemList


E = TypeVar("E", bound=EntryInput)


def read_entries(model: type[E], raws: Sequence[Any], name: str,
                 beside: Callable[[E, str], dict[str, str]] | None = None) -> list[E]:
    """Each of *raws* validated by *model* (an instance given is kept as it is), or ValidationFailed naming
    every bad field of every entry as the API names it: `items[2].title`. *beside(entry, prefix)* names what
    the stored data says of an entry's valid fields when others are not valid, so every problem is named."""
    errors: dict[str, str] = {}
    entries = []
    valid: dict[int, E] = {}  # the entries given as dicts that passed
    for i, raw in enumerate(raws):
        prefix = f"{name}[{i}]."
        if isinstance(raw, model):
            entries.append(raw)
            continue
        if not isinstance(raw, dict):
            errors[f"{name}[{i}]"] = "Each entry is an object."
            continue
        try:
            entries.append(valid.setdefault(i, model.model_validate(raw)))
        except ValidationError as err:
            bad = fields_of(err, model, prefix)
            errors.update(bad)
            if beside is not None:
                rest = {k: v for k, v in raw.items() if prefix + k not in bad and k in model.model_fields}
                try:
                    partial = model.model_validate({**model.PLACEHOLDERS, **rest})
                except ValidationError:
                    continue
                errors.update({k: v for k, v in beside(partial, prefix).items() if k not in bad})
    if errors:
        if beside is not None:  # the valid entries' problems too
            for i, entry in valid.items():
                errors.update(beside(entry, f"{name}[{i}]."))
        raise ValidationFailed("Some entries are not valid.", fields=errors)
    return entries


class AgendaPublish(SQLModel):
    """Publishing the agenda; the body may be left out."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    body_optional: ClassVar[bool] = True  # see api/spec.py

    short_notice_reason: str | None = Field(default=None, description="Required for a FACA body noticed fewer "
                                            "than 15 days ahead")


class AgendaItemOutcomeUpdate(SQLModel):
    """Record what became of one agenda item at the meeting: the agenda's version read and the outcome."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    messages: ClassVar[dict[str, str]] = {"outcome.enum": OUTCOME_HINT}

    version: WholeNumber | None = Field(default=None, description="The agenda's version read")
    outcome: Annotated[AgendaOutcome | None, BeforeValidator(_none_if_blank)] = Field(
        description="discussed, continued or not_reached; null: not recorded")


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
    outcome: AgendaOutcome | None = Field(description="What became of the item at the meeting; null: not "
                                          "recorded")
    carried_from_meeting_id: int | None = Field(description="The meeting the item was carried from (null when "
                                                "not carried, or read by someone who may not see that meeting)")
    carried_from_label: str | None = Field(description="That meeting's title and date")
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


class CarryEntryPublic(SQLModel):
    """One item the next meeting's agenda may start with (GET /meetings/{id}/copy)."""

    key: str = Field(description="Names the entry in the copy's `carry`")
    kind: str = Field(description="carried (continued or not reached), standing (no outcome recorded) or "
                                  "commitments (the open action items born in the meeting)")
    title: str
    presenter: str
    duration_minutes: int
    notes_md: str
    outcome: AgendaOutcome | None = Field(description="The item's outcome at the meeting copied")
    action_item_ids: list[int] = Field(description="Of the commitments entry: the open action items it lists")


class CarryProposalPublic(SQLModel):
    """What a copy of the meeting brings to the new agenda unless the copy's `carry` leaves some out; nothing is
    created until the copy is posted."""

    meeting_id: int
    items: list[CarryEntryPublic]
