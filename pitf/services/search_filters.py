"""The arguments of the search page and of the API's search, read by the one list-filter parser: the query, the
kind of document, the committee, the agency and the year. A query the search would refuse (services.search_query)
is named with the other bad arguments; an empty one is kept, so that the page can show its hint."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from pitf.services.filters import BadFilter, Filter, agency_acronym, choice, read_filters, record_id, search_words
from pitf.services.search import FIRST_YEAR, KIND_LABELS, LAST_YEAR, SearchResults, search
from pitf.services.search_index import KINDS

YEAR_MESSAGE = f"A year from {FIRST_YEAR} to {LAST_YEAR}, e.g. 2027."


@dataclass
class SearchFilters:
    q: str = ""
    kind: str | None = None
    committee: int | None = None
    agency: str | None = None  # an acronym, in capitals
    year: int | None = None

    def query_args(self, **changes) -> dict:
        """The filters as URL query arguments (for links that keep them), with *changes* (None drops one)."""
        args = {"q": self.q or None, "kind": self.kind, "committee": self.committee, "agency": self.agency,
                "year": self.year, **changes}
        return {k: v for k, v in args.items() if v not in (None, "")}


def _year(raw: str) -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4 and FIRST_YEAR <= int(text) <= LAST_YEAR):
        raise BadFilter(YEAR_MESSAGE)
    return int(text)


FILTERS = (
    Filter("q", search_words),
    Filter("kind", choice(KINDS, "Choose a kind of document: " + ", ".join(
        f"{k} ({label.lower()})" for k, label in KIND_LABELS.items()) + ".")),
    Filter("committee", record_id),
    Filter("agency", agency_acronym),
    Filter("year", _year),
)


def parse_filters(args) -> SearchFilters:
    """Read the search's arguments from a query string; ValidationFailed names each bad one."""
    return read_filters(args, SearchFilters, FILTERS)


def run_search(*, session: Session, actor, filters: SearchFilters, page: int, per_page: int) -> SearchResults:
    """The search the filters ask for (ValidationFailed names a query or a filter the search refuses)."""
    return search(session, actor, filters.q, kind=filters.kind, committee=filters.committee, agency=filters.agency,
                  year=filters.year, page=page, per_page=per_page)
