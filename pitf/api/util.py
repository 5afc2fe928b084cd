"""Helpers of the API: JSON bodies, pagination, serialization."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import g, request

from pitf.errors import ValidationFailed

MAX_PER_PAGE = 200


class MalformedJSON(ValidationFailed):
    """The request body is not valid JSON."""

    status = 400
    code = "bad_request"


def actor():
    return g.api_user


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 that says why not."""
    data = request.get_json(silent=True, force=True) if request.data else None
    if data is None:
        raise MalformedJSON("The request body must be a JSON object (Content-Type: application/json).")
    if not isinstance(data, dict):
        raise MalformedJSON("The request body must be a JSON object, not a list or a value.")
    return data


def pagination() -> tuple[int, int]:
    fields = {}
    page = request.args.get("page", "1")
    per_page = request.args.get("per_page", "50")
    if not page.isdigit() or int(page) < 1:
        fields["page"] = "A whole number from 1."
    if not per_page.isdigit() or not 1 <= int(per_page) <= MAX_PER_PAGE:
        fields["per_page"] = f"A whole number from 1 to {MAX_PER_PAGE}."
    if fields:
        raise ValidationFailed("Bad pagination.", fields=fields)
    return int(page), int(per_page)


def page_of(items: list, page: int, per_page: int, total: int) -> dict:
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None
