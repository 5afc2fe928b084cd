"""Helpers of the API: JSON bodies, pagination, serialization."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import g, request

from pitf.errors import ValidationFailed
from pitf.paging import page_of as page_of  # the one list envelope, named here for the API's modules
from pitf.validation import validate

MAX_PER_PAGE = 200


class MalformedJSON(ValidationFailed):
    """The request body is not valid JSON."""

    status = 400
    code = "bad_request"


def actor():
    return g.api_user


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 (not a JSON object) or 422 (text no database stores) saying why."""
    try:
        data = request.get_json(silent=True, force=True) if request.data else None
    except RecursionError:  # json's decoder raises it, not ValueError, for very deep nesting
        raise MalformedJSON("The request body is nested too deeply.") from None
    if data is None:
        raise MalformedJSON("The request body must be a JSON object (Content-Type: application/json).")
    if not isinstance(data, dict):
        raise MalformedJSON("The request body must be a JSON object, not a list or a value.")
    try:
        bad = sorted(name for name, value in data.items() if _bad_text(name) or _bad_text(value))
    except RecursionError:
        raise MalformedJSON("The request body is nested too deeply.") from None
    if bad:
        raise ValidationFailed("Text must be Unicode without NUL characters.", fields=dict.fromkeys(
            (b.encode("utf-8", "replace").decode() for b in bad),
            "Remove the NUL character (\\u0000) or the unpaired surrogate (\\ud800-\\udfff)."))
    return data


def _bad_text(value: Any) -> bool:
    """Whether a JSON value holds text no database stores: a NUL, or an unpaired surrogate (not UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, list):
        return any(_bad_text(v) for v in value)
    if isinstance(value, dict):
        return any(_bad_text(k) or _bad_text(v) for k, v in value.items())
    return False


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


# ---- input checks shared by the resources ------------------------------------------------------
# The JSON type each writable field must have; None is left for the service to judge.
ID = "id"  # a whole number that can name a row
IDS = "ids"  # a list of such numbers
ACRONYMS = "acronyms"  # a list of agency acronyms
DATES = "dates"  # an object of dates by agency acronym
_MESSAGES = {
    int: "Must be a whole number.", ID: "Must be a whole number.", bool: "Must be true or false.",
    str: "Must be text.", list: "Must be a list.", IDS: "Must be a list of ids, e.g. [12, 15].",
    ACRONYMS: "Must be a list of agency acronyms, e.g. [\"DHS\", \"HHS\"].",
    DATES: "Must be an object of dates by agency, e.g. {\"DOJ\": \"2027-05-01\"}.",
}


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def type_errors(data: dict, types: dict, prefix: str = "") -> dict[str, str]:
    """The fields of *data* whose JSON type is wrong, named with *prefix* (e.g. "items[2].")."""
    from pitf.textutil import MAX_ID

    errors = {}
    for name, wanted in types.items():
        value = data.get(name)
        if value is None:
            continue
        ok = {
            int: _whole(value), ID: _whole(value), bool: isinstance(value, bool), str: isinstance(value, str),
            list: isinstance(value, list),
            IDS: isinstance(value, list) and all(_whole(v) for v in value),
            ACRONYMS: isinstance(value, list) and all(isinstance(v, str) for v in value),
            DATES: isinstance(value, dict) and all(isinstance(v, str) for v in value.values()),
        }[wanted]
        if not ok:
            errors[prefix + name] = _MESSAGES[wanted]
        elif wanted is ID and not 0 <= value <= MAX_ID or wanted is IDS and not all(0 <= v <= MAX_ID for v in value):
            errors[prefix + name] = "No such record."
    return errors


def unknown_fields(data: dict, known, prefix: str = "", message: str = "This field cannot be set here.") -> dict:
    return {prefix + name: message for name in sorted(set(data) - set(known))}


def check_fields(data: dict, types: dict, *, extra_known=(), allow_unknown: bool = False) -> None:
    """Refuse unknown fields and wrong JSON types, every one named, before a service reads them."""
    errors = {} if allow_unknown else unknown_fields(data, {*types, *extra_known})
    errors.update(type_errors(data, types))
    if errors:
        raise ValidationFailed("Some fields are not valid.", fields=errors)


def checked_id(object_id: int, what: str) -> int:
    """404 for an id no row can have (the columns are 32-bit; larger numbers overflow the drivers)."""
    from pitf.errors import NotFound
    from pitf.textutil import MAX_ID

    if object_id > MAX_ID:
        raise NotFound(f"No such {what}.")
    return object_id


def with_current(err, read):
    """Attach the object as it is now (read()) to a conflict. A conflict found at flush (StaleDataError)
    leaves the transaction unusable, and one found by the version check wrote nothing: either way roll
    back, then read afresh."""
    from pitf.db import get_session

    get_session().rollback()
    err.current = read()
    return err


def filters_and_page(parse, summary: str = "Some filters are not valid."):
    """(filters, page, per_page) from the query, every bad filter and paging argument named at once: the
    filters by *parse* (the one list-filter parser), the paging by the API's PageQuery."""
    from pitf.api.spec import PageQuery  # spec imports this module

    problems: dict[str, str] = {}
    filters = None
    page = per_page = 0
    try:
        filters = parse(request.args)
    except ValidationFailed as err:
        problems.update(err.fields)
    try:
        paging = validate(PageQuery, request.args.to_dict())
        page, per_page = paging.page, paging.per_page
    except ValidationFailed as err:
        problems.update(err.fields)
    if problems:
        raise ValidationFailed(summary, fields=problems)
    return filters, page, per_page
