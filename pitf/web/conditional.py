"""Conditional GET for pages: a weak ETag of who asks and of a cheap validator of what they would see, and a 304
without rendering when the browser already has that page.

The tag covers everything a page shows besides its own data: the code and templates (a deploy changes them), the
user (id, role, agency, name, version: a role change or an edit changes the tag), the session's CSRF token (the
sign-out form and any other form carries it), the unread count of the bell, the address and the day (overdue is
counted from today). The view adds its validator, computed after its access check, so a 304 is never an answer
to someone who may not see the page. A page with a flashed message waiting is always rendered (the message is
shown once). Such pages are sent "private, no-cache": kept by the browser only, and asked again every time.

Each worker also keeps the last pages it rendered by their tag (RENDERED, at most RENDERED_MAX): a request whose
tag is there gets that page again without rendering it. The tag names the user, their session and the data, so
the copy is only ever the same page for the same session; a change of data is a new tag, and an old copy simply
stops being asked for (nothing has to agree between workers or machines).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path

from flask import Flask, Response, g, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from pitf.models import utcnow
from pitf.services.timeutil import today_here
from pitf.settings import ROOT

CACHE_CONTROL = "private, no-cache"
RENDERED_MAX = 256
RENDERED: OrderedDict[str, bytes] = OrderedDict()  # tag -> the page's body, most recently used last


def _code_version() -> str:
    """A fingerprint of the code and templates (their sizes and times), the same in every worker of a machine."""
    files = sorted((*ROOT.joinpath("pitf").rglob("*.py"), *ROOT.joinpath("templates").rglob("*.html")))
    digest = hashlib.sha256()
    for path in files:
        st = Path(path).stat()
        digest.update(f"{path}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()


def not_modified(*validator) -> Response | None:
    """Return a 304 when the browser's copy of this page is still what the user would see, else None (and the
    page rendered next gets the ETag). *validator*: cheap values that change whenever the page's data does."""
    if request.method not in ("GET", "HEAD") or session.get("_flashes") or not current_user.is_authenticated:
        return None
    from pitf.web.notifications.routes import unread_for_bell  # the bell's count, read once per request

    generate_csrf()  # makes sure the session's token exists before it is part of the tag
    user, now = current_user, utcnow()
    parts = (CODE_VERSION, user.id, user.role, user.agency_id, user.name, user.version,
             session.get("csrf_token"), unread_for_bell(), request.full_path, now.date(), today_here(now), *validator)
    tag = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    g._pitf_etag = tag
    if request.if_none_match.contains_weak(tag):
        response = make_response("", 304)
        _label(response, tag)
        return response
    body = RENDERED.get(tag)
    if body is not None:
        RENDERED.move_to_end(tag)
        response = make_response(body)
        _label(response, tag)
        return response
    return None


def _label(response: Response, tag: str) -> None:
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.add("Cookie")


def register_conditional(app: Flask) -> None:
    @app.after_request
    def _etag(response: Response) -> Response:
        tag = g.pop("_pitf_etag", None)
        if tag and response.status_code == 200:
            _label(response, tag)
            if tag not in RENDERED and not response.direct_passthrough and response.mimetype == "text/html":
                RENDERED[tag] = response.get_data()
                while len(RENDERED) > RENDERED_MAX:
                    RENDERED.popitem(last=False)
        return response
