"""What the API takes and returns of a meeting's attendance: its entries (AttendanceBase holds their limits) and
the quorum."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, ConfigDict, StringConstraints, WithJsonSchema
from sqlmodel import Field, SQLModel

from pitf.validation import max_length

from .agendas import READ_BACK, EntryInput, inline_schema
from .fields import OptionalId, _blank_if_none, _none_if_blank
from .meetings import AttendanceBase
from .vocab import AttendanceStatus, AttendeeKind, QuorumRule

MAX_ATTENDANCE_ENTRIES = 500


def _limit(name: str) -> int:
    return max_length(AttendanceBase, name) or 0


class AttendanceEntryInput(EntryInput):
    """One entry of the attendance list, each value checked against AttendanceBase's limits and the
    vocabularies; the service checks the person and the agency against the stored data, and that a
    represented member names the alternate."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    messages: ClassVar[dict[str, str]] = {
        "status": f"Use {', '.join(AttendanceStatus)}.", "attendee_kind": f"Use {', '.join(AttendeeKind)}."}
    READ_ONLY: ClassVar[tuple[str, ...]] = ("id",)

    user_id: OptionalId = Field(default=None, description="A person with an account, or give name")
    name: Annotated[str, BeforeValidator(_blank_if_none), StringConstraints(max_length=_limit("name"))] = ""
    agency: Annotated[str | None, BeforeValidator(_none_if_blank)] = Field(
        default=None, description="Agency acronym (default: the person's agency)")
    status: AttendanceStatus = Field(default=AttendanceStatus.PRESENT,
                                     description="present (if left out), absent or represented")
    represented_by: Annotated[str, BeforeValidator(_blank_if_none), StringConstraints(
        strip_whitespace=True, max_length=_limit("represented_by"))] = Field(
        default="", description="The alternate; required when represented")
    attendee_kind: Annotated[AttendeeKind | None, BeforeValidator(_none_if_blank)] = Field(
        default=None, description="member (with an account) or guest if left out")
    id: Any = Field(default=None, schema_extra=READ_BACK)


# The entries are read one by one (services.attendance.read_entries) so each error names its entry: entries[2].name.
AttendanceEntryList = Annotated[list[Any], WithJsonSchema({
    "type": "array", "maxItems": MAX_ATTENDANCE_ENTRIES, "items": inline_schema(AttendanceEntryInput)})]


class AttendanceUpdate(SQLModel):
    """The attendance PUT: every entry (an empty list clears a list recorded by mistake)."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    messages: ClassVar[dict[str, str]] = {"entries": "Send a list of objects."}

    entries: AttendanceEntryList


class AttendanceEntryPublic(SQLModel):
    id: int
    user_id: int | None
    name: str
    agency: str | None = Field(description="Agency acronym")
    status: AttendanceStatus
    represented_by: str | None
    attendee_kind: AttendeeKind


class QuorumPublic(SQLModel):
    required: int
    present: int
    met: bool
    rule: QuorumRule


class AttendancePublic(SQLModel):
    """Attendance and quorum."""

    entries: list[AttendanceEntryPublic]
    quorum: QuorumPublic
