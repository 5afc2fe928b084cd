"""The full-text search index: one row per searchable document, kept in step by pitf.services.search_index."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, SmallInteger, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import UTCDateTime

# The matching structures live outside the metadata (Alembic cannot say "one dialect only"); the migration
# `search_index` makes them and pitf.migrate.compared leaves them out of the comparison:
# - PostgreSQL: the generated, weighted column `searchdocument.tsv` (title A, body B) and its GIN index;
# - SQLite: the FTS5 table `searchdocument_fts` (porter tokenizer) whose rowid is the document's id, filled
#   by triggers on searchdocument (its shadow tables are named searchdocument_fts_*).
TSV_COLUMN = "tsv"
GIN_INDEX = "ix_searchdocument_tsv"
FTS_TABLE = "searchdocument_fts"
MAX_BODY = 200_000  # characters of a document's text that are indexed (a tsvector holds at most 1 MB)

# Who may read a minutes document, by the reader's standing in the meeting's committee (see minutes_for):
READER, MEMBER, PLANNER = 1, 2, 3


class SearchDocument(SQLModel, table=True):
    """A searchable text: an action item, a status update's note, a meeting with its agenda, the minutes
    revision a reader may read, a recommendation, an agency's response, a document's name and extracted text.
    Besides the text it holds what the search filters by (committee, agency, date) and what the permission
    test reads in SQL (closed meeting, draft recommendation, minutes audience); the rest is joined at query
    time (memberships, authorship), so it never goes stale."""

    __table_args__ = (UniqueConstraint("kind", "source_id"),
                      Index("ix_searchdocument_item", "item_id"),
                      Index("ix_searchdocument_meeting", "meeting_id"),
                      Index("ix_searchdocument_recommendation", "recommendation_id"))
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # pitf.services.search_index.KINDS
    source_id: int = Field(sa_column_kwargs={"autoincrement": False})  # the row of that kind
    title: str = Field(default="", sa_type=Text)
    body: str = Field(default="", sa_type=Text)
    status: str = Field(default="", max_length=24)  # the item's, meeting's, minutes' or recommendation's
    item_id: int | None = Field(default=None)  # an action item's, or the item of a status update
    meeting_id: int | None = Field(default=None)
    recommendation_id: int | None = Field(default=None)
    committee_id: int | None = Field(default=None)
    agency_id: int | None = Field(default=None)  # the lead agency; a response's or a document's agency
    doc_date: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    closed: bool = Field(default=False)  # belongs to a closed meeting
    draft: bool = Field(default=False)  # belongs to a draft recommendation
    min_access: int = Field(default=READER, sa_type=SmallInteger)
    max_access: int = Field(default=PLANNER, sa_type=SmallInteger)
