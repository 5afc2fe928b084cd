"""Templates ask services.visibility whether the signed-in user may see a related object (one rule for all)."""

from __future__ import annotations

from flask import Flask, g
from flask_login import current_user

from pitf.db import get_session
from pitf.services import visibility


def can_see(obj) -> bool:
    """May the signed-in user see *obj* (a meeting, recommendation, minutes revision, agenda item...)?"""
    return visibility.can_see(get_session(), current_user._get_current_object(), obj)


def _cached(kind: str, ids, lookup) -> set[int]:
    """Visible ids of one kind, remembered for the request: a page asking row by row costs one query per id once."""
    cache = g.setdefault("_pitf_visible", {}).setdefault(kind, {})
    missing = {i for i in ids if i is not None and i not in cache}
    if missing:
        shown = lookup(get_session(), current_user._get_current_object(), missing)
        cache.update({i: i in shown for i in missing})
    return {i for i in ids if i is not None and cache.get(i)}


def shows_recommendation(rec_id) -> bool:
    """Whether a page may show and link this recommendation (a draft only to its authors)."""
    return rec_id is not None and bool(_cached("recommendation", [rec_id], visibility.visible_recommendation_ids))


def shows_meeting(meeting_id) -> bool:
    """Whether a page may show and link this meeting (a closed one only to its committee and staff)."""
    return meeting_id is not None and bool(_cached("meeting", [meeting_id], visibility.visible_meeting_ids))


def register(app: Flask) -> None:
    app.jinja_env.globals.update(can_see=can_see, shows_recommendation=shows_recommendation,
                                 shows_meeting=shows_meeting, HIDDEN_MEETING=visibility.HIDDEN_MEETING,
                                 HIDDEN_RECOMMENDATION=visibility.HIDDEN_RECOMMENDATION)
