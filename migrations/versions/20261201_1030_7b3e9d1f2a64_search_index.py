"""search index: one document per searchable text, matched by a weighted tsvector (PostgreSQL) or FTS5 (SQLite)

Revision ID: 7b3e9d1f2a64
Revises: 5e7a1c2d9b40
Create Date: 2026-12-01 10:30:00

- `searchdocument` (pitf/models/search.py): the documents, with what the search filters and permission tests
  read. pitf.services.search_index keeps it in step on every flush and fills it here.
- PostgreSQL: a generated column `tsv` (title weight A, body B, 'english' configuration) and its GIN index.
- SQLite: the FTS5 table `searchdocument_fts` (porter tokenizer over unicode61), holding its own copy of the
  text with the document's id as rowid, kept by three triggers on searchdocument.
  Neither is in the models (one dialect only): pitf.migrate.compared leaves them out of the comparison.
- `attachment.extracted_text`: the text of a stored file, indexed with its name once extraction fills it.

The fill calls pitf.services.search_index.rebuild, that is the documents' SELECTs as the code has them when
the migration runs (about 1 s on SQLite, 2 s on PostgreSQL per 50,000 rows). Should a later change make a
document read a column that a later migration adds, this fill would fail on a database older than that
migration: such a change must guard this fill (or copy today's SELECTs here) and fill the index in its own
migration.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
import pitf.models.base


revision = '7b3e9d1f2a64'
down_revision = '5e7a1c2d9b40'
branch_labels = None
depends_on = None

PG_TSV = ("ALTER TABLE searchdocument ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
          "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
          "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')) STORED")
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE searchdocument_fts USING fts5(title, body, tokenize = 'porter unicode61')",
    "CREATE TRIGGER searchdocument_fts_insert AFTER INSERT ON searchdocument BEGIN "
    "INSERT INTO searchdocument_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER searchdocument_fts_delete AFTER DELETE ON searchdocument BEGIN "
    "DELETE FROM searchdocument_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER searchdocument_fts_update AFTER UPDATE OF title, body ON searchdocument BEGIN "
    "DELETE FROM searchdocument_fts WHERE rowid = old.id; "
    "INSERT INTO searchdocument_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END",
]


def upgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extracted_text', sa.Text(), nullable=False, server_default=''))
    op.create_table('searchdocument',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('source_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('recommendation_id', sa.Integer(), nullable=True),
    sa.Column('committee_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('doc_date', pitf.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('draft', sa.Boolean(), nullable=False),
    sa.Column('min_access', sa.SmallInteger(), nullable=False),
    sa.Column('max_access', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_searchdocument')),
    sa.UniqueConstraint('kind', 'source_id', name=op.f('uq_searchdocument_kind_source_id'))
    )
    with op.batch_alter_table('searchdocument', schema=None) as batch_op:
        batch_op.create_index('ix_searchdocument_item', ['item_id'], unique=False)
        batch_op.create_index('ix_searchdocument_meeting', ['meeting_id'], unique=False)
        batch_op.create_index('ix_searchdocument_recommendation', ['recommendation_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_TSV)
        op.execute("CREATE INDEX ix_searchdocument_tsv ON searchdocument USING gin (tsv)")
    else:
        for statement in SQLITE_FTS:
            op.execute(statement)
    from sqlalchemy.orm import Session

    from pitf.services.search_index import rebuild

    rebuild(Session(bind=op.get_bind()))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS searchdocument_fts_{name}")
        op.execute("DROP TABLE IF EXISTS searchdocument_fts")
    with op.batch_alter_table('searchdocument', schema=None) as batch_op:
        batch_op.drop_index('ix_searchdocument_recommendation')
        batch_op.drop_index('ix_searchdocument_meeting')
        batch_op.drop_index('ix_searchdocument_item')
    op.drop_table('searchdocument')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('extracted_text')
