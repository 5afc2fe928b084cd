"""The HTML pages: blueprints per area, error pages, and the helpers views share."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from pitf.errors import DomainError

EASTERN = zoneinfo.ZoneInfo("America/New_York")


def register_web(app: Flask) -> None:
    from pitf.web.account.routes import bp as account_bp
    from pitf.web.actions.csv_routes import bp as actions_csv_bp
    from pitf.web.actions.routes import bp as actions_bp
    from pitf.web.admin.jobs_routes import bp as admin_ops_bp
    from pitf.web.admin.routes import bp as admin_bp
    from pitf.web.auth.routes import bp as auth_bp
    from pitf.web.files.routes import bp as files_bp
    from pitf.web.main.routes import bp as main_bp
    from pitf.web.meetings.minutes_routes import bp as minutes_bp
    from pitf.web.meetings.routes import bp as meetings_bp
    from pitf.web.notifications.routes import bp as notifications_bp
    from pitf.web.org.routes import bp as org_bp
    from pitf.web.recommendations.report_routes import bp as rec_reports_bp
    from pitf.web.recommendations.routes import bp as recommendations_bp
    from pitf.web.scorecards.routes import bp as scorecards_bp

    for bp in (auth_bp, main_bp, org_bp, admin_bp, account_bp, actions_bp, actions_csv_bp, scorecards_bp,
               meetings_bp, minutes_bp, files_bp, rec_reports_bp, recommendations_bp):
        app.register_blueprint(bp)
    for bp in (notifications_bp, admin_ops_bp):  # notifications and operations (issue #7)
        app.register_blueprint(bp)

    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["isodate"] = lambda d: d.isoformat() if isinstance(d, date) else ""
    app.jinja_env.filters["longdate"] = longdate
    app.jinja_env.globals["field_error_id"] = lambda f: f"{f.id}-error"
    from pitf.web import visibility as web_visibility

    web_visibility.register(app)  # can_see(obj), shows_meeting(id), shows_recommendation(id) in templates

    def _wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(CSRFError)
    def _csrf(err):
        if _wants_json():
            return _json_error(400, "csrf", err.description)
        return render_template("errors/error.html", code=400, title="Your form expired",
                               message="The form was missing its security token or it had expired. "
                                       "Go back, reload the page and submit again."), 400

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        if _wants_json():
            return _json_error(err.status, err.code, err.message)
        template = {403: "errors/403.html", 404: "errors/404.html"}.get(err.status, "errors/error.html")
        return render_template(template, code=err.status, title=_TITLES.get(err.status, "Something is wrong"),
                               message=err.message), err.status

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        if _wants_json():
            return _json_error(err.code or 500, _CODES.get(err.code, "error"), err.description)
        template = {403: "errors/403.html", 404: "errors/404.html"}.get(err.code, "errors/error.html")
        return render_template(template, code=err.code, title=_TITLES.get(err.code, err.name),
                               message=err.description), err.code

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return _json_error(500, "server_error", "Something went wrong on our side; it has been logged.")
        return render_template("errors/500.html", code=500, title="Something went wrong"), 500


_TITLES = {400: "Bad request", 403: "Not allowed", 404: "Page not found", 405: "Not allowed here",
           409: "Changed by someone else", 413: "File too large", 422: "Check your entry",
           429: "Too many attempts"}
_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "rate_limited"}


def _json_error(status: int, code: str, message: str, fields: dict | None = None):
    from flask import jsonify

    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


def user_zone():
    from flask_login import current_user

    tz = getattr(current_user, "timezone", None) if getattr(current_user, "is_authenticated", False) else None
    try:
        return zoneinfo.ZoneInfo(tz) if tz else EASTERN
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return EASTERN


def localtime(value: datetime | None, fmt: str = "%b %-d, %Y %-I:%M %p %Z") -> str:
    """Show a stored UTC time in the viewer's zone (US Eastern unless they chose another)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(user_zone()).strftime(fmt)


def longdate(value: date | None) -> str:
    return value.strftime("%B %-d, %Y") if value else ""


def apply_form_errors(form, err: DomainError, mapping: dict[str, str] | None = None) -> None:
    """Show a service's field errors beside the matching form fields (or on the form itself)."""
    mapping = mapping or {}
    leftover = []
    for name, message in (getattr(err, "fields", None) or {}).items():
        field = getattr(form, mapping.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            leftover.append(message)
    form.form_errors = [*getattr(form, "form_errors", []), *leftover] or ([err.message] if not err.fields else [])


def markup(html: str) -> Markup:
    """Mark HTML that was sanitized by nh3 at save time as safe to show."""
    return Markup(html)  # noqa: S704 - only ever called with nh3-sanitized HTML
