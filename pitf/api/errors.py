"""The one builder of JSON errors (API.md's `{"error": {...}}`), used by the API and by the site for /api paths."""

from __future__ import annotations

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from pitf.errors import DomainError, RateLimited

# The `error.code` of each HTTP status that is not raised as a domain error (which names its own code).
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "rate_limited"}


def code_for(status: int) -> str:
    return CODES.get(status, "error")


def error_response(status: int, code: str, message: str, *, fields: dict | None = None,
                   current: dict | None = None, headers: dict | None = None) -> Response:
    body: dict = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    if current is not None:
        body["error"]["current"] = current
    response = jsonify(body)
    response.status_code = status
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


def domain_error_response(err: DomainError) -> Response:
    """A service's refusal as JSON: its status, code, message, the fields named and the object as it is now."""
    headers = {"Retry-After": str(err.retry_after)} if isinstance(err, RateLimited) else None
    return error_response(err.status, err.code, err.message, fields=err.fields or None, current=err.current,
                          headers=headers)


def http_error_response(err: HTTPException) -> Response:
    status = err.code or 500
    return error_response(status, code_for(status), err.description or err.name)
