"""Helpers of the API: JSON bodies, pagination, serialization."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import g, request

from pitf.errors import ValidationFailed

MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000


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


def pagination() -> tuple[int, int]:
    fields = {}
    page = request.args.get("page", "1")
    per_page = request.args.get("per_page", "50")
    # ASCII digits only ("²".isdigit() is true but int() refuses it), and an offset the databases can hold.
    if not (page.isascii() and page.isdigit()) or not 1 <= int(page) <= MAX_PAGE:
        fields["page"] = f"A whole number from 1 to {MAX_PAGE:,}."
    if not (per_page.isascii() and per_page.isdigit()) or not 1 <= int(per_page) <= MAX_PER_PAGE:
        fields["per_page"] = f"A whole number from 1 to {MAX_PER_PAGE}."
    if fields:
        raise ValidationFailed("Bad pagination.", fields=fields)
    return int(page), int(per_page)


def page_of(items: list, page: int, per_page: int, total: int) -> dict:
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None
