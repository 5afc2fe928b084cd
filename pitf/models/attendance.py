"""What the API takes and returns of a meeting's attendance: its entries (AttendanceBase holds their limits) and
the quorum."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import ConfigDict, WithJsonSchema
from sqlmodel import Field, SQLModel

from .agendas import READ_BACK, EntryInput, read_entries
from .fields import RowId
from .vocab import AttendanceStatus, AttendeeKind, QuorumRule

MAX_ATTENDANCE_ENTRIES = 500


class AttendanceEntryInput(EntryInput):
    """One entry of the attendance PUT. The input checks each field's JSON type (a null is left to the service);
    the service checks the values against AttendanceBase's limits, the vocabularies and the database."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    READ_ONLY: ClassVar[tuple[str, ...]] = ("id",)

    user_id: RowId | None = Field(default=None, description="A person with an account, or give name")
    name: str | None = None
    agency: str | None = Field(default=None, description="Agency acronym (default: the person's agency)")
    status: str | None = Field(default=None, description="present (if left out), absent or represented")
    represented_by: str | None = Field(default=None, description="The alternate; required when represented")
    attendee_kind: str | None = Field(default=None, description="member (with an account) or guest if left out")
    id: Any = Field(default=None, schema_extra=READ_BACK)


# The entries are read one by one (AttendanceUpdate.rows) so each error names its entry: entries[2].name.
AttendanceEntryList = Annotated[list[Any], WithJsonSchema({
    "type": "array", "maxItems": MAX_ATTENDANCE_ENTRIES, "items": AttendanceEntryInput.model_json_schema()})]


class AttendanceUpdate(SQLModel):
    """The attendance PUT: every entry (an empty list clears a list recorded by mistake)."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    messages: ClassVar[dict[str, str]] = {"entries": "Send a list of objects."}

    entries: AttendanceEntryList

    def rows(self) -> list[dict[str, Any]]:
        """Each entry's writable fields, or ValidationFailed naming every bad field of every entry."""
        return read_entries(AttendanceEntryInput, self.entries, "entries")


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
