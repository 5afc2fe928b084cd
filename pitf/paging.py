"""Paging of every list (pages, API, admin) and numbers read from addresses: page numbers, sizes and ids.

The one paging helper: `read_page_args` reads `page` and `per_page`, `page_rows` / `page_slice` cut the
page out of a query or a list, `last_page` / `page_numbers` draw the pagination of a page, and
`page_of` is the API's list envelope. The API reads `page` and `per_page` through its PageQuery
(pitf/api/spec.py), whose fields read each value with `page_number` and `parse_id` here.
Every page number, page size and id taken from a URL passes here
(ids in query strings and form fields through `pitf.textutil.parse_id`), so each is bounded to what the
databases hold and written in ASCII digits only: one object has one address,
and no number in a URL overflows a driver (a 500).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Select
from werkzeug.routing import IntegerConverter, ValidationError

from pitf.textutil import MAX_ID, parse_id

MAX_PAGE = 1_000_000  # times the largest page size, an offset every database holds

T = TypeVar("T")


PAGE_MESSAGE = f"The page must be a whole number from 1 to {MAX_PAGE:,}."


def per_page_message(most: int) -> str:
    return f"Show a whole number from 1 to {most} a page."


def page_number(raw) -> int | None:
    """A page number (1 to MAX_PAGE, ASCII digits) from an address, else None."""
    number = parse_id(raw)
    return number if number is not None and number <= MAX_PAGE else None


def read_page_args(args, *, per_page: int = 50, max_per_page: int = 200) -> tuple[int, int, dict[str, str]]:
    """(page, per_page, errors) from a page's query arguments; each bad value is named in errors (the caller
    answers 422). A page size over *max_per_page* is cut to it (the API refuses it: pitf.api.spec.PageQuery)."""
    errors: dict[str, str] = {}
    page = 1
    if (raw := args.get("page")) not in (None, ""):
        if (number := page_number(raw)) is not None:
            page = number
        else:
            errors["page"] = PAGE_MESSAGE
    if (raw := args.get("per_page")) not in (None, ""):
        number = parse_id(raw)
        if number is None:
            errors["per_page"] = per_page_message(max_per_page)
        else:
            per_page = min(number, max_per_page)
    return page, per_page, errors


def read_paging(args, errors: dict, *, per_page: int = 50, max_per_page: int = 200) -> tuple[int, int]:
    """`page` and `per_page` for a page: a bad value is added to *errors* (the page then answers 422)."""
    page, per_page, problems = read_page_args(args, per_page=per_page, max_per_page=max_per_page)
    errors.update(problems)
    return page, per_page


def page_rows(stmt: Select, page: int, per_page: int) -> Select:
    """The query cut to one page (page 1 is the first)."""
    return stmt.offset((page - 1) * per_page).limit(per_page)


def page_slice(rows: Sequence[T], page: int, per_page: int) -> Sequence[T]:
    """One page of rows already read (lists whose visibility is decided in Python)."""
    start = (page - 1) * per_page
    return rows[start:start + per_page]


def last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def page_numbers(page: int, last: int) -> list[int | None]:
    """The pages the pagination shows: first, last and the neighbours of the current one; None for a gap."""
    shown = sorted(n for n in {1, page - 1, page, page + 1, last} if 1 <= n <= last)
    numbers: list[int | None] = []
    for n in shown:
        if numbers and (previous := numbers[-1]) is not None and n - previous > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


def page_of(items: list, page: int, per_page: int, total: int) -> dict:
    """The API's envelope of one page of a list."""
    return {"items": items, "page": page, "per_page": per_page, "total": total}


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
