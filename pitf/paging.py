"""Numbers read from addresses: page numbers and sizes of lists, and ids in paths, for the pages and the API.

Every page number, page size and id taken from a URL passes here (ids in query strings and form fields
through `pitf.textutil.parse_id`), so each is bounded to what the databases hold and written in ASCII
digits only: one object has one address, and no number in a URL overflows a driver (a 500).
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, ValidationError

from pitf.textutil import MAX_ID, parse_id

MAX_PAGE = 1_000_000  # times the largest page size, an offset every database holds


def read_page_args(args, *, per_page: int = 50, max_per_page: int = 200,
                   refuse_over_max: bool = False) -> tuple[int, int, dict[str, str]]:
    """(page, per_page, errors) from query arguments; each bad value is named in errors (the caller
    answers 422). A page size over *max_per_page* is cut to it, or refused with *refuse_over_max* (the API)."""
    errors: dict[str, str] = {}
    page = 1
    if (raw := args.get("page")) not in (None, ""):
        if (number := parse_id(raw)) is not None and number <= MAX_PAGE:
            page = number
        else:
            errors["page"] = f"The page must be a whole number from 1 to {MAX_PAGE:,}."
    if (raw := args.get("per_page")) not in (None, ""):
        number = parse_id(raw)
        if number is None or refuse_over_max and number > max_per_page:
            errors["per_page"] = f"Show a whole number from 1 to {max_per_page} a page."
        else:
            per_page = min(number, max_per_page)
    return page, per_page, errors


def up_to(largest: int) -> str:
    """A regular expression of the whole numbers 1..*largest* in ASCII digits, without leading zeros."""
    top = str(largest)
    parts = [f"[1-9][0-9]{{0,{len(top) - 2}}}"] if len(top) > 1 else []
    for i, digit in enumerate(top):
        low = "1" if i == 0 else "0"
        if digit > low:
            high = chr(ord(digit) - 1)
            parts.append(f"{top[:i]}[{low}-{high}][0-9]{{{len(top) - i - 1}}}")
    parts.append(top)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits without a leading zero, from 1 to the id columns' largest
    value (INTEGER, 32-bit signed on PostgreSQL), so `/meetings/3` has no twin (`/meetings/03`,
    `/meetings/%D9%A3`, Arabic-Indic three) and `/meetings/99999999999` is a 404, never an overflow.
    (Werkzeug's own takes `\\d+`, which in Python matches any Unicode digit.) The bound is in the regular
    expression, not only in a min/max check: a number the pattern refuses matches no route (404), where
    a failed check would let a route of the same path with another method answer 405."""

    regex = up_to(MAX_ID)

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        if signed or fixed_digits:
            raise ValueError("ids are positive and unpadded: the id converter takes no signed or fixed_digits")
        super().__init__(map, min=min, max=max)
        if max is not None and max < MAX_ID:
            self.regex = up_to(max)

    def to_python(self, value: str) -> int:
        if not (value.isascii() and value.isdigit()):  # the regex already says so; kept for custom rules
            raise ValidationError()
        return super().to_python(value)
