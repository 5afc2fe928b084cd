"""The one parser of list filters: each list declares its fields, and a bad value is named in words."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pitf.errors import ValidationFailed
from pitf.services.search_query import parse as parse_search
from pitf.textutil import BadDate, parse_date, parse_id

F = TypeVar("F")

TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")


class BadFilter(ValueError):
    """A filter value the list cannot use; its message is shown beside the field."""


@dataclass(frozen=True)
class Filter:
    """One field of a list's filters: the query argument *name*, read by *read* into the attribute *attr*.

    *read* takes the raw text (a list of texts with *many*) and returns the value, or raises BadFilter.
    An argument that is absent or empty keeps the attribute's default."""

    name: str
    read: Callable[[Any], Any]
    attr: str = ""
    many: bool = False


def filter_field(read: Callable[[Any], Any], *, default: Any = None, many: bool = False,
                 description: str | None = None) -> Any:
    """A field of a list's filters dataclass declaring its query argument once: its default, how the parser
    reads it (*read* and *many*, as Filter's) and what the API's document says of it (*description*).
    A field read with *many* defaults to an empty list."""
    metadata = {"read": read, "many": many, "description": description}
    if many:
        return dataclasses.field(default_factory=list, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def declared_filters(filters: type) -> tuple[Filter, ...]:
    """The Filters a dataclass declares with filter_field, in its order."""
    return tuple(Filter(f.name, f.metadata["read"], many=f.metadata["many"]) for f in dataclasses.fields(filters)
                 if "read" in f.metadata)


def read_filters(args, make: Callable[..., F], fields: Iterable[Filter],
                 check: Callable[[dict[str, Any]], dict[str, str]] | None = None) -> F:
    """Read the *fields* from query arguments into `make(**values)`; ValidationFailed names each bad one.

    *check* sees the values read (by attribute) and names what is wrong across fields (a range backwards)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        raw = args.getlist(field.name) if field.many else args.get(field.name)
        if not raw:
            continue
        try:
            values[field.attr or field.name] = field.read(raw)
        except BadFilter as err:
            errors[field.name] = str(err)
    if check is not None:
        errors.update(check(values))
    if errors:
        raise ValidationFailed("Some filters are not valid.", fields=errors)
    return make(**values)


# ---- the kinds of field the lists share ----------------------------------------------------------

def choice(values: Iterable[str], message: str | None = None) -> Callable[[str], str]:
    """One of *values*, as written."""
    allowed = tuple(values)
    message = message or f"Use one of {', '.join(allowed)}."

    def read(raw: str) -> str:
        if raw not in allowed:
            raise BadFilter(message)
        return raw
    return read


def flag(*, true: tuple[str, ...] = TRUE_WORDS, false: tuple[str, ...] = FALSE_WORDS) -> Callable[[str], bool]:
    """True or false, in any case, from the words a URL may carry."""
    def read(raw: str) -> bool:
        if raw.lower() in true:
            return True
        if raw.lower() in false:
            return False
        raise BadFilter("Use true or false.")
    return read


def agency_acronym(raw: str) -> str | None:
    """An agency's acronym, in capitals; blank is no filter."""
    return raw.strip().upper() or None


def search_words(raw: str) -> str:
    """Words for the full-text index, in the search's language (pitf.services.search_query: words, "phrases",
    -left-out, or); a query the search would refuse (punctuation or common words alone, too long) is named
    here with the other bad filters. Blank is no filter."""
    text = raw.strip()
    if text:
        try:
            parse_search(text)
        except ValidationFailed as err:
            raise BadFilter(err.fields["q"]) from err
    return text


def record_id(raw: str) -> int:
    """A record's id (ASCII digits, bounded to the id columns: no overflow, no 500)."""
    if (number := parse_id(raw)) is not None:
        return number
    raise BadFilter("Must be a whole number." if not (raw.strip().isascii() and raw.strip().isdigit())
                    else "No such record.")


def whole_number(raw: str) -> int:
    """A whole number that is an id; any other text is not a whole number."""
    if (number := parse_id(raw)) is not None:
        return number
    raise BadFilter("Must be a whole number.")


def day(raw: str):
    """A date as the forms write it (or ISO 8601)."""
    try:
        return parse_date(raw)
    except BadDate as err:
        raise BadFilter(str(err)) from err


def sort_order(sorts: Iterable[str]) -> Callable[[str], str]:
    allowed = tuple(sorts)
    return choice(allowed, f"Sort by one of {', '.join(allowed)}.")
