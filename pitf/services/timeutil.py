"""Local wall-clock times to UTC and back, with the daylight-saving gaps and overlaps made explicit."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from pitf.errors import ValidationFailed
from pitf.settings import platform_timezone


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The zone named *name*, or the platform's (PITF_TIMEZONE) when none is named."""
    try:
        return zoneinfo.ZoneInfo(name or platform_timezone())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: "Europe" (a folder), long names
        raise ValidationFailed("Unknown time zone.", fields={"timezone": f"Unknown time zone {name!r}."}) from exc


def local_to_utc(day: date, at: time, tz_name: str, *, field: str = "starts_at") -> datetime:
    """The UTC instant of a wall-clock time in *tz_name*; a time skipped by daylight saving is refused."""
    tz = zone(tz_name)
    local = datetime.combine(day, at).replace(tzinfo=tz)
    try:
        back = local.astimezone(UTC).astimezone(tz)
    except OverflowError as exc:  # the first or last day a datetime can hold
        raise ValidationFailed("Bad time.", fields={field: "Use a date between the years 1 and 9999."}) from exc
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValidationFailed("That time does not exist.", fields={
            field: f"{at:%H:%M} on {day.isoformat()} does not exist in {tz_name}: clocks spring forward then."})
    return local.astimezone(UTC)  # an ambiguous time (clocks fall back) takes its first, daylight, occurrence


def parse_instant(value, *, field: str, tz_name: str | None = None) -> datetime:
    """An aware UTC datetime from an ISO 8601 string; one without an offset is read in *tz_name*
    (the platform's zone unless named)."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValidationFailed("Bad time.", fields={field: "Use ISO 8601, e.g. 2027-03-15T10:00:00-04:00."}) \
                from exc
    else:
        raise ValidationFailed("Bad time.", fields={field: "Use ISO 8601, e.g. 2027-03-15T10:00:00-04:00."})
    if dt.tzinfo is None:
        return local_to_utc(dt.date(), dt.time(), tz_name or platform_timezone(), field=field)
    try:
        return dt.astimezone(UTC)
    except OverflowError as exc:
        raise ValidationFailed("Bad time.", fields={field: "Use a date between the years 1 and 9999."}) from exc


def to_local(instant: datetime, tz_name: str | None) -> datetime:
    return instant.astimezone(zone(tz_name))


def today_here(now: datetime) -> date:
    """The date at *now* on the platform's calendar (PITF_TIMEZONE), where the federal day counts run."""
    return local_date(now, None)


def local_date(instant: datetime, tz_name: str | None) -> date:
    return to_local(instant, tz_name).date()


def days_between(earlier: date, later: date) -> int:
    return (later - earlier).days


__all__ = ["days_between", "local_date", "local_to_utc", "parse_instant", "timedelta", "to_local", "today_here", "zone"]
