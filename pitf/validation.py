"""The one translation of pydantic's errors into ValidationFailed, and what forms read from the schema classes.

The API (through pitf/api/spec.py), the forms and the CSV import validate through the model families of
pitf/models, and every refusal reaches the user here: fields named as the API names them (`title`,
`items[2].title`), messages in the platform's words ("Use at most 300 characters.").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any, TypeVar, cast

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel, ValidationError

from pitf.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)
E = TypeVar("E")
V = TypeVar("V")

SUMMARY = "Some fields are not valid."

# pydantic's error types in the platform's words; {name} is filled from the error's context.
MESSAGES = {
    "missing": "This field is required.",
    "extra_forbidden": "This field cannot be set here.",
    "string_type": "Must be text.",
    "string_too_long": "Use at most {max_length:,} characters.",
    "int_type": "Must be a whole number.",
    "int_parsing": "Must be a whole number.",
    "int_from_float": "Must be a whole number.",
    "int_parsing_size": "Must be a whole number.",
    "bool_type": "Must be true or false.",
    "bool_parsing": "Must be true or false.",
    "list_type": "Must be a list.",
    "dict_type": "Must be an object.",
    "model_type": "Must be an object.",
    "model_attributes_type": "Must be an object.",
    "date_type": "Use a date like 2027-01-31.",
    "date_parsing": "Use a date like 2027-01-31.",
    "date_from_datetime_parsing": "Use a date like 2027-01-31.",
    "date_from_datetime_inexact": "Use a date like 2027-01-31.",
    "datetime_type": "Use a date and time like 2027-01-31T14:00:00-05:00.",
    "datetime_parsing": "Use a date and time like 2027-01-31T14:00:00-05:00.",
    "datetime_from_date_parsing": "Use a date and time like 2027-01-31T14:00:00-05:00.",
    "timezone_aware": "Give the time with its offset, e.g. 2027-01-31T14:00:00-05:00.",
    "greater_than_equal": "Use a number of at least {ge}.",
    "greater_than": "Use a number over {gt}.",
    "less_than_equal": "Use a number of at most {le}.",
    "less_than": "Use a number under {lt}.",
    "too_short": "Give at least {min_length}.",
    "too_long": "Give at most {max_length}.",
}


def field_name(loc: Iterable[int | str], prefix: str = "") -> str:
    """The field as the API names it: `items[2].title` inside a list of objects, and the list itself
    (`supporting_agencies`) for a bad element of a list of values."""
    parts = list(loc)
    while parts and isinstance(parts[-1], int):  # an element of a list of values: name the list
        parts.pop()
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return prefix + name


def message(error: Mapping[str, Any], overrides: Mapping[str, str] | None = None, name: str = "") -> str:
    """The user's message for one pydantic error; *overrides* (a model's `messages`) win, looked up by
    `field.error_type`, then field, then error type (field names without list indices)."""
    kind = error["type"]
    if kind in ("too_long", "too_short") and (error.get("ctx") or {}).get("field_type") == "Value":
        kind = f"string_{kind}"  # a text's limit checked after a validator ran (e.g. after stripping spaces)
    bare = re.sub(r"\[\d+\]", "", name)
    for key in (f"{bare}.{kind}", bare, kind):
        if overrides and key in overrides:
            return overrides[key]
    ctx = error.get("ctx") or {}
    if kind == "string_too_short":
        return "This field is required." if ctx.get("min_length") == 1 else \
            f"Use at least {ctx.get('min_length')} characters."
    if kind in ("enum", "literal_error"):
        values = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"Choose one of {', '.join(values)}." if values else "Choose one of the listed values."
    if kind in MESSAGES:
        try:
            return MESSAGES[kind].format(**ctx)
        except (KeyError, IndexError):
            return MESSAGES[kind].split("{")[0].rstrip() or error["msg"]
    # A custom error (PydanticCustomError raised by a validator) already speaks the platform's words.
    return str(error["msg"]).removeprefix("Value error, ")


def fields_of(err: ValidationError, model: type[BaseModel] | None = None, prefix: str = "") -> dict[str, str]:
    """Each invalid field with one message (the first pydantic gives for it)."""
    overrides = getattr(model, "messages", None) if model is not None else None
    fields: dict[str, str] = {}
    for error in err.errors(include_url=False):
        name = field_name(error["loc"], prefix) or "body"
        fields.setdefault(name, message(error, overrides, name.removeprefix(prefix)))
    return fields


def failure(err: ValidationError, model: type[BaseModel] | None = None, prefix: str = "",
            summary: str = SUMMARY) -> ValidationFailed:
    """The domain error a pydantic ValidationError becomes."""
    return ValidationFailed(summary, fields=fields_of(err, model, prefix))


def validate(model: type[M], data: Any, prefix: str = "") -> M:
    """*data* validated by *model*, or ValidationFailed naming every bad field (with *prefix*, e.g. "items[2].")."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise failure(err, model, prefix) from None


def validate_beside(model: type[M], given: M | Mapping[str, Any], summary: str,
                    database: Callable[[Mapping[str, Any]], dict[str, str]]) -> M:
    """*given* validated by *model* (an instance is taken as validated), with what only the database can tell
    (database(values) -> {field: message}) named beside the model's own problems, every one at once, under
    *summary*. *database* sees the validated values, or the raw ones when some field is invalid."""
    errors: dict[str, str] = {}
    checked: M | None = None
    if isinstance(given, model):
        checked = given
    else:
        try:
            checked = model.model_validate(dict(given))
        except ValidationError as err:
            errors = fields_of(err, model)
    values = checked.model_dump() if checked is not None else dict(given)
    errors.update({k: v for k, v in database(values).items() if k not in errors})
    if errors or checked is None:
        raise ValidationFailed(summary, fields=errors)
    return checked


def check_entries(entries: Sequence[E], name: str, check: Callable[[E, str], tuple[V, dict[str, str]]],
                  summary: str) -> list[V]:
    """What *check(entry, prefix)* makes of each of a list's validated entries (its values, and the problems
    only the stored data can tell, named under the prefix: `items[2].action_item_id`); ValidationFailed under
    *summary* naming every problem of every entry at once."""
    errors: dict[str, str] = {}
    made = []
    for i, entry in enumerate(entries):
        values, problems = check(entry, f"{name}[{i}].")
        errors.update(problems)
        made.append(values)
    if errors:
        raise ValidationFailed(summary, fields=errors)
    return made


# ---- what forms read from the schema classes ------------------------------------------------------

def _constraints(model: type[BaseModel], name: str) -> list:
    return list(model.model_fields[name].metadata)


def max_length(model: type[BaseModel], name: str) -> int | None:
    """The longest text *model* accepts in field *name* (written once, in the model family)."""
    return next((c.max_length for c in _constraints(model, name) if isinstance(c, MaxLen)), None)


def min_length(model: type[BaseModel], name: str) -> int | None:
    return next((c.min_length for c in _constraints(model, name) if isinstance(c, MinLen)), None)


def bounds(model: type[BaseModel], name: str) -> tuple[int | None, int | None]:
    """(least, most) a number field of *model* accepts, either None where it is unbounded."""
    low: Any = None
    high: Any = None
    for c in _constraints(model, name):
        if isinstance(c, Ge):
            low = c.ge
        elif isinstance(c, Gt):
            low = cast(int, c.gt) + 1
        elif isinstance(c, Le):
            high = c.le
        elif isinstance(c, Lt):
            high = cast(int, c.lt) - 1
    return low, high


def choices(vocabulary: type[Enum], labels: Mapping[str, str] | None = None,
            blank: str | None = None) -> list[tuple[str, str]]:
    """(value, label) pairs of a vocabulary for a <select>, in the vocabulary's order; *blank* first if given."""
    pairs = [(str(m.value), (labels or {}).get(m.value) or str(m.value).replace("_", " ").capitalize())
             for m in vocabulary]
    return [("", blank), *pairs] if blank is not None else pairs
