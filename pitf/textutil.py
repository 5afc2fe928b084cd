"""Small parsers for untrusted text: whole numbers that fit an id column, calendar dates."""

from __future__ import annotations

from datetime import date, datetime, time

MAX_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """A positive whole number in ASCII digits that fits a 32-bit id, else None.
    ("²".isdigit() is true but int() refuses it; huge numbers overflow the databases.)"""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


DATE_FORMAT_HINT = "mm/dd/yyyy, for example 01/15/2027"  # what a US date field shows and takes
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


class BadDate(ValueError):
    """A date that cannot be read or does not exist; str() is the sentence to show."""


def parse_date(value) -> date:
    """A calendar date typed as 2027-01-15 (what date fields send) or 01/15/2027 (what they show in the
    US, and what a browser without a date picker lets people type). BadDate says what is wrong, e.g.
    "February 30, 2027 does not exist (February 2027 has 28 days).", not only "not a date"."""
    import calendar
    import re

    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = (value or "").strip() if isinstance(value, str) else ""
    if m := re.fullmatch(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", text):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := re.fullmatch(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", text):
        month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        raise BadDate(f"Enter a date as {DATE_FORMAT_HINT}.")
    if year < 1:
        raise BadDate("There is no year 0: enter a year such as 2027.")
    if not 1 <= month <= 12:
        raise BadDate(f"There is no month {month}: months go from 1 (January) to 12 (December).")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        if day == 0:
            raise BadDate(f"There is no day 0 of {_MONTHS[month - 1]}: days start at 1.")
        raise BadDate(f"{_MONTHS[month - 1]} {day}, {year} does not exist "
                      f"({_MONTHS[month - 1]} {year} has {days} days).")
    return date(year, month, day)


TIME_FORMAT_HINT = "hh:mm AM or PM, for example 10:00 AM"


def parse_time(value) -> time:
    """A time of day typed as 14:30 (what time fields send) or 2:30 PM (what they show in the US)."""
    import re

    text = (value or "").strip().upper().replace(".", "") if isinstance(value, str) else ""
    m = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?\s*(AM|PM)?", text)
    if not m:
        raise BadDate(f"Enter a time as {TIME_FORMAT_HINT}.")
    hour, minute, second, half = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), m.group(4)
    if half and not 1 <= hour <= 12:
        raise BadDate(f"With AM or PM the hour goes from 1 to 12, not {hour}.")
    if not 0 <= hour <= 23 or minute > 59 or second > 59:
        raise BadDate(f"{text} is not a time of day: hours go to 23, minutes to 59.")
    if half:
        hour = hour % 12 + (12 if half == "PM" else 0)
    return time(hour, minute, second)
