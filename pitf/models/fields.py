"""Field types the model families share, each written once: whole numbers, ids, titles, Markdown, dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, Strict, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from pitf.markdown import MAX_SOURCE
from pitf.textutil import MAX_ID, BadDate, parse_date, parse_id


def _storable_id(value: int) -> int:
    # The id columns are 32-bit: a larger number names no row (and would overflow the drivers).
    if not 0 <= value <= MAX_ID:
        raise PydanticCustomError("no_such_record", "No such record.")
    return value


# Strict: a JSON body's "12" or 12.0 or true is not a whole number (pydantic's lax mode would take them).
WholeNumber = Annotated[int, Strict()]
Flag = Annotated[bool, Strict()]
RowId = Annotated[int, Strict(), AfterValidator(_storable_id),
                  WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_ID})]


def _blank_if_none(value):
    # JSON null and an absent form field both mean "nothing written".
    return "" if value is None else value


def _none_if_blank(value):
    # An empty form field or CSV cell means none.
    return None if isinstance(value, str) and not value.strip() else value


def _due_date(value):
    """A due date typed as 2027-01-15 or 01/15/2027, within the years an agency plans for."""
    problem = "Enter the due date, mm/dd/yyyy (for example 01/15/2027)."
    if isinstance(value, str) and value.strip():
        try:
            value = parse_date(value)
        except BadDate as err:
            raise PydanticCustomError("bad_date", str(err)) from None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise PydanticCustomError("no_date", problem)
    if not date(2000, 1, 1) <= value <= date(2100, 12, 31):
        raise PydanticCustomError("date_out_of_range", "Enter a due date between 2000 and 2100.")
    return value


def _iso(value: datetime) -> str:
    return value.isoformat()


# A title: stripped, never blank, at most 300 characters (the column's length comes from here too).
Title = Annotated[str, BeforeValidator(_blank_if_none), StringConstraints(strip_whitespace=True),
                  Field(min_length=1, max_length=300)]
# Markdown source: the renderer's limit.
Description = Annotated[str, BeforeValidator(_blank_if_none), Field(max_length=MAX_SOURCE)]
DueDate = Annotated[date, BeforeValidator(_due_date)]
OptionalId = Annotated[RowId | None, BeforeValidator(_none_if_blank)]
# Times leave the API as Python writes them (2027-01-15T14:00:00+00:00), as they always have.
Timestamp = Annotated[datetime, PlainSerializer(_iso, return_type=str, when_used="json")]


def _query_id(value):
    # An id in a query string: ASCII digits that fit the id columns (the one id parser, textutil.parse_id).
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()):
            raise PydanticCustomError("int_parsing", "Must be a whole number.")
        if parse_id(text) is None:
            raise PydanticCustomError("no_such_record", "No such record.")
        return int(text)
    return value


def _query_date(value):
    if isinstance(value, str):
        try:
            return parse_date(value)
        except BadDate as err:
            raise PydanticCustomError("bad_date", str(err)) from None
    return value


QueryId = Annotated[int, BeforeValidator(_query_id), Field(ge=1, le=MAX_ID)]
QueryDate = Annotated[date, BeforeValidator(_query_date)]


def required(message: str) -> BeforeValidator:
    """Refuse null or blank with *message* (what the user should do), before the type is checked."""
    def check(value):
        if value is None or isinstance(value, str) and not value.strip():
            raise PydanticCustomError("required", message)
        return value
    return BeforeValidator(check)
