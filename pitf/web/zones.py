"""The viewer's time zone: their own choice when signed in, else the platform's (PITF_TIMEZONE)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

from flask_login import current_user

from pitf.services.timeutil import zone


def user_zone() -> zoneinfo.ZoneInfo:
    tz = getattr(current_user, "timezone", None) if getattr(current_user, "is_authenticated", False) else None
    try:
        return zoneinfo.ZoneInfo(tz) if tz else zone(None)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zone(None)


def localtime(value: datetime | None, fmt: str = "%b %-d, %Y %-I:%M %p %Z") -> str:
    """Show a stored UTC time in the viewer's zone (the platform's unless they chose another)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(user_zone()).strftime(fmt)
