"""The search index kept in step with the text: which rows make which documents, refreshed on every flush.

Each kind of document is one SELECT over its source tables (`_documents`), used both ways: a full rebuild
inserts everything it yields (`rebuild`, the migration and `pitf search reindex`), and a flush that wrote
some source rows deletes and re-inserts the documents of just those rows (`refresh_after_flush`, a session
event), in the same transaction as the text.

Why a session event rather than triggers: a document is made from several tables (a meeting's agenda items,
the minutes revision each audience reads, a response's recommendation's status), which would be some twenty
triggers written twice (PL/pgSQL and SQLite) and kept in step with each other; here it is one SELECT per
kind, the same on both databases, and every write of the platform goes through the ORM (the only Core
writes, the outbox's and the scale loader's, touch no indexed text; the scale loader rebuilds the index once
at its end, which is faster than a row-by-row trigger on half a million status updates). The one matching
structure per database (PostgreSQL's generated tsvector column, SQLite's FTS5 table and its three triggers on
searchdocument) follows the document rows by itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, cast

from sqlalchemy import Table, case, delete, event, func, insert, inspect, literal, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from pitf.models import (
    ActionItem,
    AgencyResponse,
    Agenda,
    AgendaItem,
    Attachment,
    Meeting,
    Minutes,
    MinutesRevision,
    Recommendation,
    SearchDocument,
    StatusUpdate,
)
from pitf.models.search import FTS_TABLE, MAX_BODY, MEMBER, PLANNER, READER


def table_of(model: type) -> Table:
    """A model's table, for Core statements."""
    return cast(Table, inspect(model).local_table)


KINDS = ("action_item", "status_update", "meeting", "minutes", "recommendation", "response", "attachment")
DOC = table_of(SearchDocument)
COLUMNS = ("kind", "source_id", "title", "body", "status", "item_id", "meeting_id", "recommendation_id",
           "committee_id", "agency_id", "doc_date", "closed", "draft", "min_access", "max_access")
BATCH = 20_000  # source rows per INSERT ... SELECT of a rebuild (one progress step each)


def _text(*parts: ColumnElement[Any]) -> ColumnElement[Any]:
    """The parts joined by spaces (nulls as blanks), cut at MAX_BODY characters."""
    joined: ColumnElement[Any] = func.coalesce(parts[0], "")
    for part in parts[1:]:
        joined = joined + " " + func.coalesce(part, "")
    return func.substr(joined, 1, MAX_BODY)


def _agg(dialect: str, value: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.string_agg(value, " ") if dialect == "postgresql" else func.group_concat(value, " ")


def _row(kind: str, source_id, title, body, *, status: Any = "", item_id: Any = None, meeting_id: Any = None,
         recommendation_id: Any = None, committee_id: Any = None, agency_id: Any = None, doc_date: Any = None,
         closed: Any = False, draft: Any = False, min_access: Any = READER, max_access: Any = PLANNER):
    values = {"kind": literal(kind), "source_id": source_id, "title": title, "body": body, "status": status,
              "item_id": item_id, "meeting_id": meeting_id, "recommendation_id": recommendation_id,
              "committee_id": committee_id, "agency_id": agency_id, "doc_date": doc_date, "closed": closed,
              "draft": draft, "min_access": min_access, "max_access": max_access}
    return [(v if isinstance(v, ColumnElement) else literal(v, DOC.c[k].type)).label(k) for k, v in values.items()]


def _documents(kind: str, dialect: str) -> tuple[Select, dict[str, ColumnElement[Any]], ColumnElement[Any]]:
    """The SELECT yielding *kind*'s documents, the source columns a refresh may pick them by (named like
    the document's columns), and the source column that orders a rebuild's batches."""
    if kind == "action_item":
        ai = table_of(ActionItem).c
        stmt = select(*_row(kind, ai.id, ai.title, _text(ai.description_md, ai.cancel_reason, ai.external_ref),
                            status=ai.status, item_id=ai.id, committee_id=ai.committee_id,
                            agency_id=ai.lead_agency_id, doc_date=ai.created_at))
        return stmt, {"source_id": ai.id}, ai.id
    if kind == "status_update":
        su, ai = table_of(StatusUpdate).c, table_of(ActionItem).c
        stmt = (select(*_row(kind, su.id, literal(""), _text(su.note_md), status=su.status,
                             item_id=su.action_item_id, committee_id=ai.committee_id, agency_id=ai.lead_agency_id,
                             doc_date=su.created_at))
                .select_from(table_of(StatusUpdate).join(table_of(ActionItem), ai.id == su.action_item_id))
                .where(su.note_md != ""))
        return stmt, {"source_id": su.id, "item_id": su.action_item_id}, su.id
    if kind == "meeting":
        m, a, i = (table_of(t).c for t in (Meeting, Agenda, AgendaItem))
        agenda = (select(_agg(dialect, i.title + " " + i.presenter + " " + i.notes_md))
                  .select_from(table_of(AgendaItem).join(table_of(Agenda), a.id == i.agenda_id))
                  .where(a.meeting_id == m.id).scalar_subquery())
        stmt = select(*_row(kind, m.id, m.title, _text(agenda, m.location, m.cancel_reason), status=m.status,
                            meeting_id=m.id, committee_id=m.committee_id, doc_date=m.starts_at,
                            closed=not_(m.is_open)))
        return stmt, {"source_id": m.id, "meeting_id": m.id}, m.id
    if kind == "minutes":
        r, n, m = (table_of(t).c for t in (MinutesRevision, Minutes, Meeting))
        # Only the revisions someone reads (services.minutes.minutes_for), with who reads each: planners the
        # working revision; members it too once circulated, else the approved one; every reader of the
        # meeting the approved one.
        current = r.revision == n.revision
        stmt = (select(*_row(kind, r.id, "Minutes: " + m.title, _text(case((current, n.body_md), else_=r.body_md)),
                             status=case((current, n.status), else_=literal("approved")), meeting_id=m.id,
                             committee_id=m.committee_id, doc_date=m.starts_at, closed=not_(m.is_open),
                             min_access=case((not_(current), READER), (n.status == "approved", READER),
                                             (n.status == "circulated", MEMBER), else_=PLANNER),
                             max_access=case((current, PLANNER), (n.status == "draft", MEMBER), else_=READER)))
                .select_from(table_of(MinutesRevision).join(table_of(Minutes), n.id == r.minutes_id)
                             .join(table_of(Meeting), m.id == n.meeting_id))
                .where(or_(current, r.revision == n.approved_revision)))
        return stmt, {"meeting_id": m.id}, r.id
    if kind == "recommendation":
        rec = table_of(Recommendation).c
        stmt = select(*_row(kind, rec.id, func.trim(_text(rec.number, rec.title)), _text(rec.body_md, rec.rationale_md),
                            status=rec.status, recommendation_id=rec.id, doc_date=rec.created_at,
                            draft=rec.status == "draft"))
        return stmt, {"source_id": rec.id, "recommendation_id": rec.id}, rec.id
    if kind == "response":
        resp, rec = table_of(AgencyResponse).c, table_of(Recommendation).c
        stmt = (select(*_row(kind, resp.id, literal(""), _text(resp.response_md), status=resp.position,
                             recommendation_id=rec.id, agency_id=resp.agency_id, doc_date=resp.created_at,
                             draft=rec.status == "draft"))
                .select_from(table_of(AgencyResponse).join(table_of(Recommendation), rec.id == resp.recommendation_id))
                .where(resp.is_current.is_(True)))
        return stmt, {"source_id": resp.id, "recommendation_id": resp.recommendation_id}, resp.id
    if kind == "attachment":
        f, m, rec = (table_of(t).c for t in (Attachment, Meeting, Recommendation))
        # The name as written and cut at its dots and underscores: PostgreSQL reads "waitlist-survey.pdf" as one
        # file-name token, and a search for "waitlist" or "waitlist-survey" should find it.
        words = func.replace(func.replace(f.filename, ".", " "), "_", " ")
        stmt = (select(*_row(kind, f.id, f.filename + " " + words, _text(f.extracted_text), status=f.kind,
                             meeting_id=f.meeting_id,
                             recommendation_id=f.recommendation_id, committee_id=m.committee_id,
                             doc_date=f.created_at, closed=func.coalesce(not_(m.is_open), False),
                             draft=func.coalesce(rec.status == "draft", False)))
                .select_from(table_of(Attachment).outerjoin(table_of(Meeting), m.id == f.meeting_id)
                             .outerjoin(table_of(Recommendation), rec.id == f.recommendation_id))
                .where(f.deleted_at.is_(None)))
        return stmt, {"source_id": f.id, "meeting_id": f.meeting_id, "recommendation_id": f.recommendation_id}, f.id
    raise ValueError(f"Unknown kind of document {kind!r}")


def _insert(session: Session, stmt: Select) -> None:
    session.connection().execute(insert(DOC).from_select(list(COLUMNS), stmt))


def refresh(session: Session, kind: str, by: str, ids: Iterable[int | None]) -> None:
    """Make *kind*'s documents picked by *by* (a document column: source_id, item_id, meeting_id,
    recommendation_id) among *ids* again from their source rows (none when the rows are gone)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return
    stmt, keys, _order = _documents(kind, session.get_bind().dialect.name)
    conn = session.connection()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        conn.execute(delete(DOC).where(DOC.c.kind == kind, DOC.c[by].in_(chunk)))
        _insert(session, stmt.where(keys[by].in_(chunk)))


def rebuild(session: Session, progress: Callable[[int], None] | None = None) -> int:
    """Empty the index and make every document again; return how many there are. *progress(n)* is told of
    every batch of n source rows done (see planned_rows for the total)."""
    conn = session.connection()
    dialect = conn.dialect.name
    conn.execute(delete(DOC))
    for kind in KINDS:
        stmt, _keys, order = _documents(kind, dialect)
        table = order.table
        last = 0
        while True:
            ids = list(conn.execute(select(order).select_from(table).where(order > last).order_by(order)
                                    .limit(BATCH)).scalars())
            if not ids:
                break
            _insert(session, stmt.where(order >= ids[0], order <= ids[-1]))
            last = ids[-1]
            if progress:
                progress(len(ids))
    if dialect == "sqlite":
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")  # noqa: S608 (a constant)
    else:
        conn.exec_driver_sql("ANALYZE searchdocument")  # the planner's statistics of the new rows
    return conn.execute(select(func.count()).select_from(DOC)).scalar_one()


def planned_rows(session: Session) -> int:
    """The source rows a rebuild reads (the progress bar's length)."""
    dialect = session.get_bind().dialect.name
    total = 0
    for kind in KINDS:
        order = _documents(kind, dialect)[2]
        total += session.execute(select(func.count()).select_from(order.table)).scalar_one()
    return total


# ---- in step with every flush ------------------------------------------------------------------------

def _changed(obj: Any, *names: str) -> bool:
    from sqlalchemy import inspect

    state = inspect(obj)
    return any(state.attrs[n].history.has_changes() for n in names)


# The columns of each source a document reads: a flush that changes none of them (a version, a timestamp, a
# counter) leaves the index alone.
READS: dict[type, tuple[str, ...]] = {
    ActionItem: ("title", "description_md", "cancel_reason", "external_ref", "status", "committee_id",
                 "lead_agency_id"),
    StatusUpdate: ("note_md", "status", "action_item_id"),
    Meeting: ("title", "location", "cancel_reason", "status", "is_open", "committee_id", "starts_at"),
    AgendaItem: ("title", "presenter", "notes_md", "agenda_id"),
    Minutes: ("body_md", "status", "revision", "approved_revision"),
    MinutesRevision: ("body_md", "status", "revision"),
    Recommendation: ("number", "title", "body_md", "rationale_md", "status"),
    AgencyResponse: ("response_md", "position", "is_current"),
    Attachment: ("filename", "extracted_text", "deleted_at", "meeting_id", "recommendation_id", "kind"),
}


def _parents(session: Session, model: type, ids: set[int | None], column: str) -> set[int | None]:
    """*column* of the *model* rows *ids*: from the session where it holds them, else one query."""
    from sqlalchemy.orm.util import identity_key

    found: set[int | None] = set()
    missing = []
    for i in ids:
        obj = session.identity_map.get(identity_key(model, i))
        if obj is not None:
            found.add(getattr(obj, column))
        else:
            missing.append(i)
    if missing:
        t = table_of(model)
        found.update(session.connection().execute(select(t.c[column]).where(t.c.id.in_(missing))).scalars())
    return found


def _targets(session: Session) -> dict[tuple[str, str], set[int | None]]:
    """What the pending flush changes: (kind, document column) -> ids."""
    todo: dict[tuple[str, str], set[int | None]] = defaultdict(set)
    agenda_ids: set[int | None] = set()
    minutes_ids: set[int | None] = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        reads = READS.get(type(obj))
        if reads is None:
            continue
        new, gone = obj in session.new, obj in session.deleted
        if not (new or gone or _changed(obj, *reads)):
            continue
        # The documents of a row's children when what they copy from it changes (a new row's children are new
        # rows of this flush, refreshed on their own).
        if isinstance(obj, ActionItem):
            todo["action_item", "source_id"].add(obj.id)
            if gone or (not new and _changed(obj, "committee_id", "lead_agency_id")):
                todo["status_update", "item_id"].add(obj.id)
        elif isinstance(obj, StatusUpdate):
            todo["status_update", "source_id"].add(obj.id)
        elif isinstance(obj, Meeting):
            todo["meeting", "source_id"].add(obj.id)
            if gone or (not new and _changed(obj, "title", "is_open", "committee_id", "starts_at")):
                todo["minutes", "meeting_id"].add(obj.id)
                todo["attachment", "meeting_id"].add(obj.id)
        elif isinstance(obj, AgendaItem):
            agenda_ids.add(obj.agenda_id)
        elif isinstance(obj, Minutes):
            todo["minutes", "meeting_id"].add(obj.meeting_id)
        elif isinstance(obj, MinutesRevision):
            minutes_ids.add(obj.minutes_id)
        elif isinstance(obj, Recommendation):
            todo["recommendation", "source_id"].add(obj.id)
            if gone or (not new and _changed(obj, "status")):
                todo["response", "recommendation_id"].add(obj.id)
                todo["attachment", "recommendation_id"].add(obj.id)
        elif isinstance(obj, AgencyResponse):
            todo["response", "source_id"].add(obj.id)
        elif isinstance(obj, Attachment):
            todo["attachment", "source_id"].add(obj.id)
    if agenda_ids:
        todo["meeting", "source_id"].update(_parents(session, Agenda, agenda_ids, "meeting_id"))
    if minutes_ids:
        todo["minutes", "meeting_id"].update(_parents(session, Minutes, minutes_ids, "meeting_id"))
    return todo


@event.listens_for(Session, "after_flush")
def refresh_after_flush(session: Session, _context) -> None:
    """Refresh the documents of the rows this flush wrote, in its transaction."""
    todo = _targets(session)
    for (kind, by), ids in todo.items():
        refresh(session, kind, by, ids)

