"""The search page: results of one query, a count for each kind of document, filters and pages."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from pitf.db import get_session
from pitf.links import target_url
from pitf.models.vocab import ACTION_STATUS_LABELS
from pitf.services import org
from pitf.services import recommendations as recs
from pitf.services.attachments import KIND_LABELS as FILE_KIND_LABELS
from pitf.services.meetings import STATE_LABELS
from pitf.services.search import KIND_LABELS, MAX_PER_PAGE, PER_PAGE, SearchResults
from pitf.services.search_filters import SearchFilters, parse_filters, run_search
from pitf.services.search_query import MAX_QUERY
from pitf.web.list_page import read_list
from pitf.web.meetings.minutes_routes import STATUS_LABELS as MINUTES_LABELS

bp = Blueprint("search", __name__)

# What a result's status means, by its kind (a response's is its position, a document's its kind).
STATUS_LABELS = {"action_item": ACTION_STATUS_LABELS, "status_update": ACTION_STATUS_LABELS,
                 "meeting": STATE_LABELS, "minutes": MINUTES_LABELS, "recommendation": recs.STATUS_LABELS,
                 "response": recs.POSITION_LABELS, "attachment": FILE_KIND_LABELS}
# The singular of each kind, for the line under a result's title.
KIND_NAMES = {"action_item": "Action item", "status_update": "Status update", "meeting": "Meeting",
              "minutes": "Minutes", "recommendation": "Recommendation", "response": "Agency response",
              "attachment": "Document"}


def status_label(kind: str, status: str) -> str:
    return STATUS_LABELS.get(kind, {}).get(status, status.replace("_", " ").capitalize())


@bp.route("/search")
@login_required
def index():
    db = get_session()
    searched: list[SearchResults] = []

    def fetch(filters: SearchFilters, page: int, per_page: int):
        if not filters.q:  # nothing typed yet: the page with its hint
            return [], 0
        results = run_search(session=db, actor=current_user, filters=filters, page=page, per_page=per_page)
        searched.append(results)
        return results.hits, results.total

    listed = read_list(lambda: parse_filters(request.args), fetch, per_page=PER_PAGE, max_per_page=MAX_PER_PAGE)
    filters = listed.filters or SearchFilters()
    results = searched[-1] if searched and not listed.errors else None
    # The kinds' links keep the query and the other filters, and start at the first page.
    keep = {k: v for k, v in listed.query_args.items() if k != "kind"}
    return render_template(
        "search/index.html", hits=listed.found, results=results, **listed.context(), searched_for=filters.q,
        kind=filters.kind, kind_labels=KIND_LABELS, kind_names=KIND_NAMES, keep_args=keep,
        committees=org.list_committees(session=db, include_inactive=True),
        agencies=org.list_agencies(session=db, include_retired=True), max_query=MAX_QUERY,
        status_label=status_label, target_url=target_url,
    ), listed.status
