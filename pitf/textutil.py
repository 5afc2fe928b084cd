"""Small parsers for untrusted text: whole numbers that fit an id column."""

from __future__ import annotations

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


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character backslash) matching *text* anywhere, lower-cased,
    with the user's own %, _ and backslash taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
