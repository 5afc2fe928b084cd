"""The one shape of a list page: paging and filters read from the address, one service call, 422 naming what is bad."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from pitf.db import get_session
from pitf.errors import ValidationFailed
from pitf.models import Agency
from pitf.paging import last_page, page_numbers, read_paging, show_page


@dataclass
class ListPage:
    filters: Any
    found: list
    total: int
    page: int
    per_page: int
    errors: dict[str, str] = field(default_factory=dict)
    query_args: dict = field(default_factory=dict)

    @property
    def status(self) -> int:
        return 422 if self.errors else 200

    def context(self) -> dict:
        """What every list template reads: the page, its links, the filters as given and their errors."""
        last = last_page(self.total, self.per_page)
        return {"total": self.total, "page": self.page, "per_page": self.per_page, "last_page": last,
                "page_numbers": page_numbers(self.page, last), "query_args": self.query_args,
                "filters": self.filters, "errors": self.errors, "args": request.args}


def read_list(parse: Callable[[], Any], fetch: Callable[[Any, int, int], tuple[list, int]], *, per_page: int,
              max_per_page: int, problems: dict[str, str] | None = None, fixed_size: bool = False) -> ListPage:
    """Read paging, then parse() the filters; only when all is valid, fetch(filters, page, per_page) from the
    service (a page past the end shows the last page). *problems* are the page's own findings (named after
    paging's, before the filters'); a page of *fixed_size* checks a per_page given but always shows per_page
    rows."""
    errors: dict[str, str] = {}
    page, chosen = read_paging(request.args, errors, per_page=per_page, max_per_page=max_per_page)
    chosen = per_page if fixed_size else chosen
    errors.update(problems or {})
    filters, found, total = None, list[Any](), 0
    try:
        filters = parse()
    except ValidationFailed as err:
        errors.update(err.fields)
    if filters is not None and not errors:
        try:
            shown, total, page = show_page(lambda number: fetch(filters, number, chosen), page, chosen)
            found = list(shown)
        except ValidationFailed as err:
            errors.update(err.fields)
    query_args = filters.query_args() if filters is not None and hasattr(filters, "query_args") else {}
    if chosen != per_page:
        query_args["per_page"] = chosen
    return ListPage(filters, found, total, page, chosen, errors, query_args)


def liaison_start(endpoint: str, **narrowing: Any) -> Response | None:
    """A liaison's first visit of a list (no arguments): a redirect to what concerns their own agency,
    narrowed by *narrowing*; None for anyone else, or once the list has arguments."""
    if request.args or current_user.role != "liaison" or not current_user.agency_id:
        return None
    agency = get_session().get(Agency, current_user.agency_id)
    return redirect(url_for(endpoint, agency=agency.acronym, **narrowing)) if agency is not None else None
