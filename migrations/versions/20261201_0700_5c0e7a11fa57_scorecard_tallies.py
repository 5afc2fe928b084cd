"""scorecard tallies: counts kept by triggers, so scorecards and dashboards read a few hundred rows

Revision ID: 5c0e7a11fa57
Revises: b4cae1cc2998
Create Date: 2026-12-01 07:00:00

The table scoretally (pitf/models/actions.py, ScoreTally) holds how many action items fall in each bucket
of the scorecards. Triggers on actionitem and actionitemsupport add and subtract in the same statement as
the change, whatever wrote it (the services, the CSV import, a bulk load of demo data, plain SQL).
The upgrade fills the table from the items already there.

The triggers are built in pitf/dbtriggers.py (with those of opencommitment and rowtally). SQLite drops a
table's triggers with the table: a later migration that rebuilds actionitem or actionitemsupport in batch mode
("move and copy") must create them again (dbtriggers.reinstall_table_triggers).
tests/unit/test_scorecard_tallies.py fails when they are missing.
"""
from alembic import op
import sqlalchemy as sa

from pitf import dbtriggers


revision = '5c0e7a11fa57'
down_revision = 'b4cae1cc2998'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scoretally',
    sa.Column('agency_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('role', sa.String(length=1), nullable=False),
    sa.Column('pillar', sa.String(length=16), nullable=False),
    sa.Column('bucket', sa.String(length=16), nullable=False),
    sa.Column('due_key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('agency_id', 'role', 'pillar', 'bucket', 'due_key', name=op.f('pk_scoretally'))
    )
    with op.batch_alter_table('scoretally', schema=None) as batch_op:
        batch_op.create_index('ix_scoretally_due_key', ['due_key', 'agency_id', 'role', 'pillar', 'n'], unique=False)
        batch_op.create_index('ix_scoretally_bucket_group', ['bucket', 'agency_id', 'role', 'pillar', 'due_key', 'n'],
                              unique=False)
    bind = op.get_bind()
    # The items already there, then the triggers for every change from now on (one transaction).
    op.execute(sa.text(dbtriggers.ScoreSql(bind.dialect.name).fill()))
    dbtriggers.install(bind, dbtriggers.SCORETALLY)


def downgrade() -> None:
    dbtriggers.drop(op.get_bind(), dbtriggers.SCORETALLY)
    with op.batch_alter_table('scoretally', schema=None) as batch_op:
        batch_op.drop_index('ix_scoretally_bucket_group')
        batch_op.drop_index('ix_scoretally_due_key')
    op.drop_table('scoretally')
