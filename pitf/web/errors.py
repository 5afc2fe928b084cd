"""Error pages of the site, and JSON errors for /api paths that fail before the API's own handlers run."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from pitf.api.errors import domain_error_response, error_response, http_error_response
from pitf.db import is_statement_timeout
from pitf.errors import DomainError

TITLES = {400: "Bad request", 403: "Not allowed", 404: "Page not found", 405: "Not allowed here",
          409: "Changed by someone else", 413: "File too large", 422: "Check your entry",
          429: "Too many attempts"}


BUSY = ("The database took too long to answer, so the platform stopped waiting; nothing was saved. Wait a minute "
        "and try again. If a page keeps timing out, tell the IGA team which one.")
BUSY_RETRY_AFTER = "30"

UNEXPECTED = ("The platform could not finish your request. The error has been logged; nothing was saved. Try again, "
              "and if it happens again tell the IGA team what you were doing.")


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_page(status: int, title: str, message: str | None = None):
    """The one HTML page of every error: its title, what happened and what to do, and its code."""
    return render_template("errors/error.html", code=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(err):
        if _wants_json():
            return error_response(400, "csrf", err.description)
        return error_page(400, "Your form expired", "The form was missing its security token or it had expired. "
                                                    "Go back, reload the page and submit again.")

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        if _wants_json():
            return domain_error_response(err)
        return error_page(err.status, TITLES.get(err.status, "Something is wrong"), err.message)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        if _wants_json():
            return http_error_response(err)
        return error_page(err.code or 500, TITLES.get(err.code or 500, err.name), err.description)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        if is_statement_timeout(err):  # PITF_STATEMENT_TIMEOUT: a slow query, not a bug in the request
            app.logger.warning("Statement timeout on %s %s: %s", request.method, request.path, err)
            if _wants_json():
                return error_response(503, "timeout", "The database took too long to answer; nothing was saved. "
                                      "Try again in a minute.", headers={"Retry-After": BUSY_RETRY_AFTER})
            body, status = error_page(503, "The platform is busy", BUSY)
            return body, status, {"Retry-After": BUSY_RETRY_AFTER}
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return error_response(500, "server_error", "Something went wrong on our side; it has been logged.")
        return error_page(500, "Something went wrong", UNEXPECTED)
