"""Conditional GET and the page cache, for every page and every API read: a request that asks again for what
it was last given, while nothing it shows has changed, gets a 304 or the copy this worker rendered, without the
view running.

The tag of a request names everything its answer depends on:
- the code and templates (a deploy changes them);
- who asks: the signed-in user and their whole session but its last-seen time (the CSRF token of every form
  is in it), or for the API, the user and the token;
- the address (scheme, host, path and query string);
- the data: pitf.dataversion.data_version, which changes whenever anything in the database does (a role,
  a permission, a notification, an item), read before the view reads anything;
- the minute: a page showing "today", "overdue" or a time is rendered again at least once a minute.

A request whose tag the browser already has (If-None-Match) gets a 304; one whose tag this worker rendered gets
that copy (at most PITF_PAGE_CACHE_ENTRIES pages per worker, least recently used first out; an HTML page over
a packet is also kept gzipped, compressed once, and sent so to browsers that take gzip; the API's JSON goes as
is). The copy is only ever the answer the same user with the same session got for the same address and data,
so no access check is skipped: the view made it for them. Nothing has to agree between workers or machines: a
change of data is a new tag, and an old copy simply stops being asked for.

Never from the cache: a page with a flashed message waiting (it is shown once), a page whose view changed the
session, or wrote (its tag no longer matches the data), anything but a 200 of HTML or JSON (files, errors,
redirects), a signed-out visitor, and a view marked @uncached. Signed-in pages stay "no-store" (a shared
computer's browser keeps no copy to show after sign-out, not even in its history); their tag still answers a
client that sends it. API answers are "private, no-cache": kept by the caller only and asked again every time.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from pitf.dataversion import data_version
from pitf.db import get_session
from pitf.settings import ROOT

CACHE_CONTROL = {"api": "private, no-cache", "page": "no-store"}
CACHED_TYPES = ("text/html", "application/json")
NOT_REPLAYED = {"set-cookie", "content-length", "etag", "cache-control", "vary", "date", "content-encoding"}
GZIP_FROM = 1400  # bytes: a body under one packet gains nothing from compression
GZIP_LEVEL = 5
F = TypeVar("F", bound=Callable[..., Any])


def _code_version() -> str:
    """A fingerprint of the code and templates (their sizes and times), the same in every worker of a machine."""
    files = sorted((*ROOT.joinpath("pitf").rglob("*.py"), *ROOT.joinpath("templates").rglob("*.html")))
    digest = hashlib.sha256()
    for path in files:
        st = Path(path).stat()
        digest.update(f"{path}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()


@dataclass
class Copy:
    """A 200 as rendered: its body, the body gzipped (when worth it) and the headers to send again."""

    body: bytes
    gzipped: bytes | None
    headers: list[tuple[str, str]]


class PageCache:
    """The pages one worker rendered, by tag, least recently used first out."""

    def __init__(self) -> None:
        self.pages: OrderedDict[str, Copy] = OrderedDict()

    def get(self, tag: str) -> Copy | None:
        page = self.pages.get(tag)
        if page is not None:
            self.pages.move_to_end(tag)
        return page

    def put(self, tag: str, page: Copy, most: int) -> None:
        if most <= 0:
            return
        self.pages[tag] = page
        while len(self.pages) > most:
            self.pages.popitem(last=False)

    def clear(self) -> None:
        self.pages.clear()


RENDERED = PageCache()


def uncached(view: F) -> F:
    """Mark a GET view whose answer must be rendered every time (it shows something made for this one request)."""
    view._pitf_uncached = True  # type: ignore[attr-defined]
    return view


def _session_state() -> str:
    return repr(sorted((k, v) for k, v in session.items() if k != "seen_at"))


def minute() -> int:
    return int(time.time() // 60)


def _tag(*who: object) -> str:
    parts = (CODE_VERSION, *who, request.scheme, request.host, request.full_path, minute(),
             data_version(get_session()))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _cacheable_request() -> bool:
    if request.method != "GET" or session.get("_flashes"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return view is not None and not getattr(view, "_pitf_uncached", False)


def _answer(tag: str) -> Response | None:
    g._pitf_etag = tag  # keep() labels the answer, whichever of the three it is
    asked = request.if_none_match
    if not asked.star_tag and asked.contains_weak(tag):  # "*" would answer 304 before the view knew it exists
        return make_response("", 304)
    page = RENDERED.get(tag)
    if page is None:
        return None
    response = Response(page.body, headers=page.headers)
    if page.gzipped is not None and _takes_gzip():
        _gzipped(response, page.gzipped)
    g._pitf_from_cache = True
    return response


def _takes_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def _gzipped(response: Response, body: bytes) -> None:
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"


def _label(response: Response, tag: str) -> None:
    response.set_etag(tag, weak=True)
    api = request.blueprint == "api"
    response.headers["Cache-Control"] = CACHE_CONTROL["api" if api else "page"]
    response.vary.add("Authorization" if api else "Cookie")
    response.vary.add("Accept-Encoding")


def page_from_cache() -> Response | None:
    """before_request of the pages: a 304 or this worker's copy, or None (and the view renders)."""
    if request.blueprint == "api" or request.endpoint in (None, "static") or not _cacheable_request():
        return None
    if not current_user.is_authenticated:
        return None
    if "csrf_token" not in session:
        generate_csrf()  # the session's token exists before the session is part of the tag
    g._pitf_session_state = state = _session_state()
    return _answer(_tag("page", current_user.id, state))


def api_from_cache() -> Response | None:
    """before_request of the API, after the token is checked: a 304 or this worker's copy, or None."""
    user = g.get("api_user")
    if user is None or not _cacheable_request():
        return None
    token = hashlib.sha256(request.headers.get("Authorization", "").encode()).hexdigest()
    return _answer(_tag("api", user.id, token))


def keep(response: Response) -> Response:
    """after_request: label a 200 or 304 with its tag (a copy and a 304 from the cache too), and keep the page
    rendered for it."""
    tag = g.pop("_pitf_etag", None)
    if not tag or response.status_code not in (200, 304):
        return response
    _label(response, tag)
    if response.status_code == 304:
        return response
    if g.pop("_pitf_from_cache", False) or response.direct_passthrough or response.mimetype not in CACHED_TYPES:
        return response
    state = g.pop("_pitf_session_state", None)
    if state is not None and (session.get("_flashes") or _session_state() != state):
        return response  # the view changed the session: a copy would not change it again
    body = response.get_data()
    # Compressed once, when the page is kept (a large report is ten times smaller); sent to browsers that take it.
    gzipped = (gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
               if len(body) >= GZIP_FROM and response.mimetype == "text/html" else None)
    RENDERED.put(tag, Copy(body, gzipped,
                           [(k, v) for k, v in response.headers.items() if k.lower() not in NOT_REPLAYED]),
                 current_app.config["PITF_PAGE_CACHE_ENTRIES"])
    if gzipped is not None and _takes_gzip():
        _gzipped(response, gzipped)
    return response


def register_conditional(app: Flask) -> None:
    """The hooks (registered after sign-in's, so a session that ended is never answered from here); the API's
    blueprint registers api_from_cache after its token check, and keep labels its answers too."""
    app.before_request(page_from_cache)
    app.after_request(keep)
