"""Full-text search over everything the task force wrote, ranked, filtered by what the reader may see in SQL.

`search()` reads the query (pitf.services.search_query), then runs a fixed number of queries whatever it
finds: the reader's committees and authored recommendations, the counts per kind, the page's ids in rank
order, and the page's documents with their snippets and names. The permission test is part of the WHERE of
the counts and of the page, so totals are exact and no page comes back short:
- a closed meeting's documents (the meeting with its agenda, its minutes, its files): its committee's members
  and the secretariat (permissions.can_view_meeting);
- minutes: the revision the reader reads (services.minutes.minutes_for) by their standing in the committee,
  planner, member or reader, against the audience stored on each minutes document;
- a draft recommendation, its responses and files: its authors (permissions.can_view_recommendation);
- a recommendation's files: also permissions.can_read_recommendation_files;
- action items and their updates: every signed-in user.

`matching_ids()` is the same matching for the list pages' own text filters (action items, meetings,
recommendations): the ids of the rows whose documents match, a subquery inside the list's permission WHERE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import (
    and_,
    bindparam,
    case,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.elements import BindParameter

from pitf import permissions
from pitf.errors import ValidationFailed, require
from pitf.models import (
    ActionItem,
    ActionItemSupport,
    Agency,
    Committee,
    Meeting,
    Membership,
    Recommendation,
    RecommendationCosponsor,
    RecommendationTarget,
)
from pitf.models.search import FTS_TABLE, MEMBER, PLANNER, READER
from pitf.paging import MAX_PAGE, page_rows
from pitf.services.search_index import DOC, KINDS, table_of
from pitf.services.search_query import SearchQuery, parse

KIND_LABELS = {"action_item": "Action items", "status_update": "Status updates", "meeting": "Meetings",
               "minutes": "Minutes", "recommendation": "Recommendations", "response": "Agency responses",
               "attachment": "Documents"}
PER_PAGE, MAX_PER_PAGE = 20, 100
FIRST_YEAR, LAST_YEAR = 2000, 2100
_START, _STOP = "\ue000", "\ue001"  # highlight marks the databases put in snippets, made <mark> after escaping
SNIPPET_WORDS = 24


@dataclass(frozen=True)
class Target:
    """Where a result links to: url_for(endpoint, **args) + ('#' + anchor when there is one)."""

    endpoint: str
    args: dict[str, int]
    anchor: str | None = None


@dataclass(frozen=True)
class SearchHit:
    kind: str  # one of KINDS
    id: int  # the row of that kind (an update's id for a status update, a file's for a document)
    title: str  # plain text (escape it)
    snippet: Markup  # HTML: escaped text, the matched words in <mark>
    date: datetime | None
    status: str
    target: Target
    committee: str | None = None  # the committee's name
    agency: str | None = None  # the lead, responding or (a document's) agency acronym


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    total: int  # the matches of the kind asked for (every kind when none)
    page: int
    per_page: int
    counts: dict[str, int] = field(default_factory=dict)  # matches per kind, whatever kind was asked for
    query: str = ""  # the query as read (PostgreSQL's websearch form)


@dataclass(frozen=True)
class _Reader:
    staff: bool
    member_of: frozenset[int]
    plans: frozenset[int]
    authored: frozenset[int]


def _reader(session: Session, actor) -> _Reader:
    staff = permissions.is_staff(actor)
    cond = Membership.user_id == actor.id
    if actor.role == "liaison" and actor.agency_id:
        cond = or_(cond, Membership.agency_id == actor.agency_id)
    rows = session.execute(select(Membership.committee_id, Membership.role, Membership.user_id)
                           .where(cond, Membership.ended_on.is_(None))).all()
    authored = session.execute(
        select(Recommendation.id).where(Recommendation.filed_by_id == actor.id)
        .union(select(RecommendationCosponsor.recommendation_id).where(RecommendationCosponsor.user_id == actor.id))
    ).scalars()
    return _Reader(staff, frozenset(r[0] for r in rows),
                   frozenset(r[0] for r in rows if r[2] == actor.id and r[1] in ("chair", "co_chair")),
                   frozenset(i for i in authored if i is not None))


def _ids(values: frozenset[int]) -> list[int]:
    return sorted(values) or [-1]


def _may_read(actor, who: _Reader) -> ColumnElement[bool]:
    """The permission test of a document, in SQL (see the module's docstring)."""
    c = DOC.c
    if who.staff:
        meeting_ok: ColumnElement[bool] = true()
        level: ColumnElement[Any] = literal(PLANNER)
    else:
        meeting_ok = or_(c.closed.is_(False), c.committee_id.in_(_ids(who.member_of)))
        level = case((c.committee_id.in_(_ids(who.plans)), PLANNER), (c.committee_id.in_(_ids(who.member_of)), MEMBER),
                     else_=READER)
    rec_ok = or_(c.draft.is_(False), c.recommendation_id.in_(_ids(who.authored)))
    minutes_ok = or_(c.kind != "minutes", and_(c.min_access <= level, level <= c.max_access))
    if who.staff or actor.role == "council":
        files_ok: ColumnElement[bool] = true()
    else:
        targeted = (exists().where(RecommendationTarget.recommendation_id == c.recommendation_id,
                                   RecommendationTarget.agency_id == actor.agency_id)
                    if actor.role == "liaison" and actor.agency_id else false())
        files_ok = or_(c.kind != "attachment", c.recommendation_id.is_(None),
                       c.recommendation_id.in_(_ids(who.authored)), targeted)
    return and_(meeting_ok, rec_ok, minutes_ok, files_ok)


def _filters(session: Session, committee: int | None, agency: int | str | None, year: int | None,
             errors: dict[str, str]) -> list[ColumnElement[bool]]:
    """The filters as SQL conditions; a bad one is named in *errors*."""
    c = DOC.c
    where: list[ColumnElement[bool]] = []
    if committee is not None:
        where.append(c.committee_id == committee)
    if agency is not None:
        agency_id = agency if isinstance(agency, int) else session.execute(
            select(Agency.id).where(func.upper(Agency.acronym) == agency.strip().upper())).scalar()
        if agency_id is None:
            errors["agency"] = "Choose an agency by its acronym, e.g. DOJ."
        else:
            where.append(or_(
                c.agency_id == agency_id,
                and_(c.kind.in_(("action_item", "status_update")), exists().where(
                    ActionItemSupport.action_item_id == c.item_id, ActionItemSupport.agency_id == agency_id)),
                and_(c.kind == "recommendation", exists().where(
                    RecommendationTarget.recommendation_id == c.recommendation_id,
                    RecommendationTarget.agency_id == agency_id))))
    if year is not None:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            errors["year"] = f"A year from {FIRST_YEAR} to {LAST_YEAR}."
        else:
            where.append(and_(c.doc_date >= datetime(year, 1, 1, tzinfo=UTC),
                              c.doc_date < datetime(year + 1, 1, 1, tzinfo=UTC)))
    return where


class _Dialect:
    """The matching, ranking and snippets of one database."""

    def __init__(self, name: str, query: SearchQuery):
        self.postgres = name == "postgresql"
        # One bound value, however often a statement repeats it (match, rank, snippet).
        self.q: BindParameter[str] = bindparam(
            "q", query.websearch_text() if self.postgres else query.fts5_expression())
        self.fts = table(FTS_TABLE, column("rowid"))

    def source(self):
        return DOC if self.postgres else DOC.join(self.fts, self.fts.c.rowid == DOC.c.id)

    def _tsquery(self) -> ColumnElement[Any]:
        return func.websearch_to_tsquery(literal_column("'english'"), self.q)

    def match(self) -> ColumnElement[bool]:
        if self.postgres:
            return literal_column("searchdocument.tsv").op("@@")(self._tsquery())
        return literal_column(FTS_TABLE).op("MATCH")(self.q)

    def rank(self) -> ColumnElement[Any]:
        """Higher is better."""
        if self.postgres:
            return func.ts_rank(literal_column("searchdocument.tsv"), self._tsquery())
        return -func.bm25(literal_column(FTS_TABLE), 10.0, 1.0)  # title ten times the body

    def snippet(self) -> ColumnElement[Any]:
        if self.postgres:
            options = (f"StartSel={_START}, StopSel={_STOP}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
                       f"ShortWord=2, MaxFragments=2, FragmentDelimiter=\" … \"")
            # ts_headline drops what looks like a tag: it is given the text escaped, so "<script>" stays text.
            text: ColumnElement[Any] = func.coalesce(func.nullif(DOC.c.body, ""), DOC.c.title)
            for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
                text = func.replace(text, char, entity)
            return func.ts_headline(literal_column("'english'"), text, self._tsquery(), literal(options))
        return func.snippet(literal_column(FTS_TABLE), -1, _START, _STOP, "…", SNIPPET_WORDS)


def highlight(raw: str | None, *, escaped: bool = False) -> Markup:
    """A database's snippet as HTML: the text escaped, only the highlight marks made <mark>. *escaped*: the
    database was given the text with &, < and > escaped already (PostgreSQL), so only a stray < or > is."""
    text = (raw or "").replace("<", "&lt;").replace(">", "&gt;") if escaped else str(escape(raw or ""))
    return Markup(text.replace(_START, "<mark>").replace(_STOP, "</mark>"))  # noqa: S704 (escaped above)


def _target(kind: str, source_id: int, row: Any) -> Target:
    if kind == "action_item":
        return Target("actions.item", {"item_id": source_id})
    if kind == "status_update":
        return Target("actions.item", {"item_id": row.item_id}, f"update-{source_id}")
    if kind == "meeting":
        return Target("meetings.meeting", {"meeting_id": source_id})
    if kind == "minutes":
        return Target("minutes.view", {"meeting_id": row.meeting_id})
    if kind == "recommendation":
        return Target("recommendations.view", {"rec_id": source_id})
    if kind == "response":
        return Target("recommendations.view", {"rec_id": row.recommendation_id}, f"response-{row.agency}")
    return Target("files.download", {"attachment_id": source_id})


def _status(row: Any) -> str:
    """A document's status; a meeting's is what it is now (held once over), as on its page, not the stored one."""
    if row.kind == "meeting" and row.starts_at is not None:
        from pitf.services.meetings import state_at  # meetings' list filter imports this module

        return state_at(row.meeting_status, row.starts_at, row.ends_at)
    return row.status


def _title(row: Any) -> str:
    if row.kind == "status_update":
        return f"Update on: {row.item_title}"
    if row.kind == "response":
        return f"Response of {row.agency} to {row.rec_number or 'a recommendation'}: {row.rec_title}"
    if row.kind == "attachment":  # indexed as "name words" (search_index), the words as long as the name
        return row.title[:(len(row.title) - 1) // 2]
    return row.title


def search(session: Session, actor, q: str | None, *, kind: str | None = None, committee: int | None = None,
           agency: int | str | None = None, year: int | None = None, page: int = 1,
           per_page: int = PER_PAGE) -> SearchResults:
    """The documents matching *q* that *actor* may read, best first, one page of them, with the count of
    matches per kind. *agency*: an id or an acronym. ValidationFailed names a bad query or filter
    (fields q, kind, agency, year, page, per_page); Forbidden when *actor* is not signed in."""
    require(permissions.can_search(actor))
    query = parse(q)
    kind, agency = kind or None, agency or None  # a blank filter is no filter
    errors: dict[str, str] = {}
    if kind is not None and kind not in KINDS:
        errors["kind"] = f"Choose one of {', '.join(KINDS)}."
    if not 1 <= page <= MAX_PAGE:
        errors["page"] = f"A page from 1 to {MAX_PAGE:,}."
    if not 1 <= per_page <= MAX_PER_PAGE:
        errors["per_page"] = f"From 1 to {MAX_PER_PAGE} a page."
    where = _filters(session, committee, agency, year, errors)
    if errors:
        raise ValidationFailed("Some filters are not valid.", fields=errors)
    d = _Dialect(session.get_bind().dialect.name, query)
    who = _reader(session, actor)
    where += [d.match(), _may_read(actor, who)]
    c = DOC.c
    matched: dict[str, int] = {row[0]: row[1] for row in session.execute(
        select(c.kind, func.count()).select_from(d.source()).where(*where).group_by(c.kind)).all()}
    counts = {k: matched.get(k, 0) for k in KINDS}
    total = counts[kind] if kind else sum(counts.values())
    if kind:
        where.append(c.kind == kind)
    rank = d.rank().label("rank")
    ranked = session.execute(page_rows(select(c.id, rank).select_from(d.source()).where(*where)
                                       .order_by(rank.desc(), c.id.desc()), page, per_page)).all()
    order = {row.id: i for i, row in enumerate(ranked)}
    hits: list[SearchHit] = []
    if order:
        item, rec, meet = table_of(ActionItem).c, table_of(Recommendation).c, table_of(Meeting).c
        committee_t, agency_t = table_of(Committee).c, table_of(Agency).c
        rows = session.execute(
            select(c.id, c.kind, c.source_id, c.title, c.status, c.item_id, c.meeting_id, c.recommendation_id,
                   c.doc_date, d.snippet().label("snippet"), committee_t.name.label("committee"),
                   agency_t.acronym.label("agency"), item.title.label("item_title"), rec.number.label("rec_number"),
                   rec.title.label("rec_title"), meet.status.label("meeting_status"), meet.starts_at, meet.ends_at)
            .select_from(d.source().outerjoin(table_of(Committee), committee_t.id == c.committee_id)
                         .outerjoin(table_of(Agency), agency_t.id == c.agency_id)
                         .outerjoin(table_of(ActionItem), and_(c.kind == "status_update", item.id == c.item_id))
                         .outerjoin(table_of(Recommendation),
                                    and_(c.kind == "response", rec.id == c.recommendation_id))
                         .outerjoin(table_of(Meeting), and_(c.kind == "meeting", meet.id == c.meeting_id)))
            .where(d.match(), c.id.in_(sorted(order)))).all()
        for row in sorted(rows, key=lambda r: order[r.id]):
            hits.append(SearchHit(kind=row.kind, id=row.source_id, title=_title(row),
                                  snippet=highlight(row.snippet, escaped=d.postgres), date=row.doc_date,
                                  status=_status(row), target=_target(row.kind, row.source_id, row),
                                  committee=row.committee, agency=row.agency))
    return SearchResults(hits, total, page, per_page, counts, query.websearch_text())


# What a list's own text filter (`q`) matches, by the list: the kinds of document, and the document column that
# names the listed row. An action item is found by its own text or by any of its status updates' notes.
LIST_DOCUMENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "action_item": (("action_item", "status_update"), "item_id"),
    "meeting": (("meeting",), "meeting_id"),
    "recommendation": (("recommendation",), "recommendation_id"),
}


def matching_ids(session: Session, q: str, listed: str) -> Select:
    """The ids of the *listed* rows (action_item, meeting, recommendation) whose documents match *q*, as a
    subquery for a list's WHERE (`Meeting.id.in_(matching_ids(...))`): the same query language and index as
    search(), so a list's filter and the search page find the same rows. It tests no permission: the list's own
    WHERE keeps what the reader may see, in the same statement, so its counts and pages stay exact.
    ValidationFailed (on `q`) for a query the search refuses."""
    kinds, key = LIST_DOCUMENTS[listed]
    d = _Dialect(session.get_bind().dialect.name, parse(q))
    return select(DOC.c[key]).select_from(d.source()).where(d.match(), DOC.c.kind.in_(kinds))
