"""fast lists: sort indexes ending in the id, row tallies kept by triggers, trigram indexes on PostgreSQL

Revision ID: 5e7a1c2d9b40
Revises: 8d2f4b6c1e90
Create Date: 2026-12-01 07:00:00

- The list sorts' indexes end in the id that breaks ties, so a page's ids come from the index alone;
  the audit log's actions are indexed (its filter lists them by a loose index scan).
- `rowtally` holds the row count of the large tables (pitf.models.tallies.TALLIED_TABLES), kept by triggers
  in the same transaction as each insert and delete: an unfiltered list knows its exact total at once.
  The triggers are built in pitf/dbtriggers.py: on PostgreSQL statement-level, adding to the slot of the
  connection; on SQLite row-level. A later SQLite batch migration that rebuilds a tallied table drops its
  triggers, so such a migration recreates them (dbtriggers.reinstall_table_triggers).
- Free text on PostgreSQL: pg_trgm GIN indexes serving `ILIKE '%words%'` (not in the models: PostgreSQL only,
  see pitf.models.actions.TRIGRAM_INDEXES). Where the extension cannot be created (no privilege), the
  migration goes on without them and free text scans, as on SQLite.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
import pitf.models.base
from pitf import dbtriggers


revision = '5e7a1c2d9b40'
down_revision = '8d2f4b6c1e90'
branch_labels = None
depends_on = None

TALLIED = dbtriggers.ROW_TALLIED
TRIGRAM = {"ix_actionitem_title_trgm": ("actionitem", "title"),
           "ix_actionitem_description_trgm": ("actionitem", "description_md")}


def _trigram_indexes() -> None:
    """The trigram indexes, where pg_trgm is or can be created (a savepoint keeps a refusal harmless)."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        print("pg_trgm is not available: free text (q=) will scan; ask the database owner to "
              "CREATE EXTENSION pg_trgm, then run this migration again.")
        return
    # The operator class lives in the extension's schema, which need not be on this connection's search path.
    schema = bind.execute(sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                                  "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'")).scalar_one()
    for name, (table, column) in TRIGRAM.items():
        op.execute(f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} "{schema}".gin_trgm_ops)')


def upgrade() -> None:
    with op.batch_alter_table('actionitem', schema=None) as batch_op:
        batch_op.drop_index('ix_actionitem_status_due')
        batch_op.drop_index('ix_actionitem_title')
        batch_op.drop_index('ix_actionitem_updated_at')
        batch_op.create_index('ix_actionitem_due_id', ['due_date', 'id'], unique=False)
        batch_op.create_index('ix_actionitem_status_due', ['status', 'due_date', 'id'], unique=False)
        batch_op.create_index('ix_actionitem_title', ['title', 'id'], unique=False)
        batch_op.create_index('ix_actionitem_updated_at', ['updated_at', 'id'], unique=False)
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_created', ['user_id', 'created_at', 'id'], unique=False)
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.create_index('ix_auditentry_action', ['action'], unique=False)

    op.create_table('rowtally',
    sa.Column('table_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('row_count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('table_name', 'slot', name=op.f('pk_rowtally'))
    )
    for table in TALLIED:
        op.execute(dbtriggers.tally_fill(table))
        dbtriggers.install(op.get_bind(), dbtriggers.ROWTALLY, [table])
    if op.get_bind().dialect.name == "postgresql":
        _trigram_indexes()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    dbtriggers.drop(op.get_bind(), dbtriggers.ROWTALLY)
    op.drop_table('rowtally')
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.drop_index('ix_auditentry_action')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_created')
    with op.batch_alter_table('actionitem', schema=None) as batch_op:
        batch_op.drop_index('ix_actionitem_updated_at')
        batch_op.drop_index('ix_actionitem_title')
        batch_op.drop_index('ix_actionitem_status_due')
        batch_op.drop_index('ix_actionitem_due_id')
        batch_op.create_index('ix_actionitem_updated_at', ['updated_at'], unique=False)
        batch_op.create_index('ix_actionitem_title', ['title'], unique=False)
        batch_op.create_index('ix_actionitem_status_due', ['status', 'due_date'], unique=False)
