"""Markdown to safe HTML: Python-Markdown renders, nh3 sanitizes with an allow-list (render once, on save)."""

from __future__ import annotations

import re

import markdown as md
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "ins",
    "code", "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    "dl", "dt", "dd", "sub", "sup", "abbr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"},
                      "ol": {"start"}}
# Python-Markdown passes javascript: and data: links through by design: only these schemes survive.
URL_SCHEMES = {"http", "https", "mailto"}
MAX_SOURCE = 100_000


def render_markdown(source: str | None) -> str:
    """Return sanitized HTML for *source*; the empty string for empty input."""
    if not source or not source.strip():
        return ""
    # baselevel 2: a "# Heading" in user text becomes <h2>, so the page keeps its one <h1>.
    html = md.markdown(source, extensions=["extra", "sane_lists", "toc"],
                       extension_configs={"toc": {"baselevel": 2}}, output_format="html")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow", strip_comments=True)


_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def md_text(text: str) -> str:
    """Plain text (a title, an agency name) made safe to put in Markdown as it reads: one line, its Markdown
    characters escaped (the reports' Markdown downloads)."""
    return _INLINE_SPECIAL.sub(r"\\\1", " ".join(text.split()))
