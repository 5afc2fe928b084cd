"""The meetings blueprint and what its pages share: labels, time formats, the federal clocks' settings."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Blueprint, current_app

from pitf.db import get_session
from pitf.services import attendance as att
from pitf.services import federal_clocks as fc
from pitf.services import meetings as mtg
from pitf.services import org
from pitf.services.timeutil import to_local
from pitf.web.confirm import question

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

PLANNING_HELP = "Only the secretariat and the committee's chair and co-chairs plan its meetings."
STATUS_LABELS = {"present": "Present", "absent": "Absent", "represented": "Represented by an alternate"}
KIND_LABELS = {"member": "Member", "staff": "Staff", "agency_employee": "Agency employee",
               "public_speaker": "Public speaker", "guest": "Guest"}
TIME_FORMAT = "%-I:%M %p %Z"
LONG_FORMAT = "%A, %B %-d, %Y, %-I:%M %p %Z"


def publish_values(agenda) -> dict:
    """The words of the publishing question (pitf/web/confirm.py) for this agenda."""
    return {"again": ", as an updated agenda" if agenda.published_at else ""}


def remove_values(agenda, title: str) -> dict:
    return {"title": title, "published": ", and members reading the published agenda see it gone"
            if agenda.published_at else ""}


def in_zone(value: datetime | None, tz_name: str | None, fmt: str = LONG_FORMAT) -> str:
    """A stored UTC time on the wall clock of *tz_name* (the meeting's own zone)."""
    return to_local(value, tz_name).strftime(fmt) if value else ""


def file_slug(text: str) -> str:
    """A body's name in a download's file name: "agenda-2027-03-15-grantmaking.pdf"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "meeting"


def quorum_text(q: att.Quorum) -> str:
    return f"Quorum: {q.present} of {q.required} required present — {'met' if q.met else 'not met'}"


@bp.context_processor
def _helpers():
    return {"in_zone": in_zone, "quorum_text": quorum_text, "status_labels": STATUS_LABELS,
            "kind_labels": KIND_LABELS, "TIME_FORMAT": TIME_FORMAT, "LONG_FORMAT": LONG_FORMAT,
            "meeting_state": mtg.meeting_state, "state_label": mtg.state_label, "confirm_text": question,
            "publish_values": publish_values, "remove_values": remove_values,
            "attendee_label": att.attendee_label}


def settings_clocks() -> fc.Clocks:
    """The federal day counts as this installation sets them."""
    return fc.Clocks.from_config(current_app.config)


def agency_acronyms() -> dict[int, str]:
    return {a.id: a.acronym for a in org.list_agencies(session=get_session(), include_retired=True) if a.id is not None}
