"""API of the full-text search: the same search as the page (services.search), one page of results, ranked."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import jsonify
from pydantic import BaseModel, Field

from pitf.api import api_bp
from pitf.api.spec import Page, PageQuery, documented, responses
from pitf.api.util import actor, filters_and_page, page_of
from pitf.db import get_session
from pitf.links import target_url
from pitf.services.search import FIRST_YEAR, LAST_YEAR, MAX_PER_PAGE, SearchHit
from pitf.services.search_filters import parse_filters, run_search
from pitf.services.search_index import KINDS
from pitf.services.search_query import LANGUAGE_HELP, MAX_QUERY

TAGS = ["search"]


class SearchQueryArgs(PageQuery):
    """The search's arguments, for the document: the view reads them with the search's own parser, which
    names a bad query, filter and page together in one 422."""

    q: str = Field(max_length=MAX_QUERY, description="The words: " + LANGUAGE_HELP)
    kind: Literal[KINDS] | None = Field(default=None, description="Only this kind of document")  # type: ignore[valid-type]
    committee: int | None = Field(default=None, description="Committee id")
    agency: str | None = Field(default=None, description="Agency acronym: what it leads, supports, answered "
                                                         "or is addressed to")
    year: int | None = Field(default=None, ge=FIRST_YEAR, le=LAST_YEAR, description="The year of the document")
    per_page: int = Field(default=50, ge=1, le=MAX_PER_PAGE)


class SearchResult(BaseModel):
    """One result, best first."""

    kind: Literal[KINDS]  # type: ignore[valid-type]
    id: int = Field(description="The id of the row of that kind (a status update's, a file's, a response's)")
    title: str
    url: str = Field(description="The absolute path of the exact place on the site, with its anchor")
    snippet: str = Field(description="HTML: the text escaped, the matched words in <mark>")
    date: datetime | None


def result_public(hit: SearchHit) -> dict:
    return SearchResult(kind=hit.kind, id=hit.id, title=hit.title, url=target_url(hit.target), snippet=str(hit.snippet),
                        date=hit.date).model_dump(mode="json")


@api_bp.get("/search")
@documented(query=SearchQueryArgs, resp=responses(200, Page[SearchResult], errors=(401, 422)), tags=TAGS)
def search():
    """Everything the caller may read that matches the words, best first"""
    filters, page, per_page = filters_and_page(parse_filters, "Some arguments are not valid.")
    results = run_search(session=get_session(), actor=actor(), filters=filters, page=page, per_page=per_page)
    return jsonify(page_of([result_public(h) for h in results.hits], page, per_page, results.total))
