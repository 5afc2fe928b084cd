"""Page numbers of a list page read from its address, and the page links its pagination shows."""

from __future__ import annotations

from pitf.paging import MAX_PAGE, read_page_args

__all__ = ["MAX_PAGE", "last_page", "page_numbers", "read_paging"]


def read_paging(args, errors: dict, *, per_page: int = 50, max_per_page: int = 200) -> tuple[int, int]:
    """`page` and `per_page` from the query; a bad value is named in *errors* (the page then answers 422)."""
    page, per_page, problems = read_page_args(args, per_page=per_page, max_per_page=max_per_page)
    errors.update(problems)
    return page, per_page


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
