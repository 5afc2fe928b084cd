"""The filters and globals every template may use, registered once on the app."""

from __future__ import annotations

from datetime import date

from flask import Flask
from markupsafe import Markup

from pitf.services.search_query import MAX_QUERY
from pitf.web.zones import localtime


def longdate(value: date | None) -> str:
    return value.strftime("%B %-d, %Y") if value else ""


def isodate(value) -> str:
    return value.isoformat() if isinstance(value, date) else ""


def markup(html: str) -> Markup:
    """Mark HTML that was sanitized by nh3 at save time as safe to show."""
    return Markup(html)  # noqa: S704 - only ever called with nh3-sanitized HTML


def agency_options(agencies) -> list[tuple[str, str]]:
    """(acronym, "DOJ: Department of Justice") pairs of a filter's agency choices, retired ones marked."""
    return [(a.acronym, f"{a.acronym}: {a.name}" + ("" if a.is_active else " (retired)")) for a in agencies]


def committee_options(committees) -> list[tuple[int, str]]:
    return [(c.id, c.name) for c in committees]


def capitalized_options(values) -> list[tuple[str, str]]:
    return [(v, str(v).capitalize()) for v in values]


def register_jinja(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["isodate"] = isodate
    app.jinja_env.filters["longdate"] = longdate
    app.jinja_env.globals["markup"] = markup
    app.jinja_env.globals["agency_options"] = agency_options
    app.jinja_env.globals["committee_options"] = committee_options
    app.jinja_env.globals["capitalized_options"] = capitalized_options
    app.jinja_env.globals["field_error_id"] = lambda f: f"{f.id}-error"
    app.jinja_env.globals["max_query"] = MAX_QUERY  # the longest query the search and the lists' `q` read
    from pitf.web import visibility

    visibility.register(app)  # can_see(obj), shows_meeting(id), shows_recommendation(id) in templates
