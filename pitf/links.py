"""Addresses of the places search results point to, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

from flask import url_for

from pitf.services.search import Target


def target_url(target: Target) -> str:
    """The absolute path of a result's exact place: its page, and the anchor on it when there is one."""
    args: dict[str, Any] = dict(target.args)
    path = url_for(target.endpoint, **args)
    return f"{path}#{target.anchor}" if target.anchor else path
