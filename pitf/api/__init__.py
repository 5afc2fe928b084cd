"""The public JSON API v1 (../shared/API.md): bearer tokens, JSON errors, the same services as the pages."""

from __future__ import annotations

from flask import Blueprint, g, request
from werkzeug.exceptions import HTTPException

from pitf.api.errors import domain_error_response, error_response, http_error_response
from pitf.db import get_session
from pitf.errors import DomainError
from pitf.services.tokens import user_for_token

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.openapi", "api.calendar_feed"}  # the feed: its secret address is the key


@api_bp.before_request
def _authenticate():
    """Accept only a bearer token: a cookie session never acts through the API."""
    g.api_user = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error_response(401, "unauthorized", "Send an API token: Authorization: Bearer <token>.",
                              headers={"WWW-Authenticate": 'Bearer realm="pitf"'})
    user = user_for_token(session=get_session(), token=token.strip())
    if user is None:
        return error_response(401, "unauthorized", "The API token is not valid, revoked, or its user is inactive.",
                              headers={"WWW-Authenticate": 'Bearer realm="pitf", error="invalid_token"'})
    g.api_user = user
    return None


@api_bp.before_request
def _no_nul_in_query():
    """Refuse NUL characters in query arguments: PostgreSQL text cannot hold them (422, not a 500)."""
    bad = sorted({k for k, v in request.args.items(multi=True) if "\x00" in k or "\x00" in v})
    if bad:
        return error_response(422, "invalid", "Query arguments cannot contain NUL characters.",
                              fields=dict.fromkeys(bad, "Remove the NUL character (%00)."))
    return None


@api_bp.after_request
def _no_cookie(response):
    # The API is stateless: never set or refresh a session cookie on an API response.
    response.headers.pop("Set-Cookie", None)
    # A read answered with a tag (pitf/conditional.py: 304 while this caller's answer is unchanged) is labelled
    # "private, no-cache" after this; anything else is not kept at all.
    response.headers["Cache-Control"] = "no-store"
    return response


@api_bp.errorhandler(DomainError)
def _domain_error(err: DomainError):
    return domain_error_response(err)


@api_bp.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    return http_error_response(err)


from pitf.api import actions, files, meetings, notifications, recommendations, resources, search, spec  # noqa: E402,F401  (routes register on import)
from pitf.conditional import api_from_cache  # noqa: E402

api_bp.before_request(api_from_cache)  # after the token check and the body's parsing: those come first
