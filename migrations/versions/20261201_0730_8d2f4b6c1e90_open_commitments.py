"""open commitments: each agency's open items, lead or supported, in due order, kept by triggers

Revision ID: 8d2f4b6c1e90
Revises: 5c0e7a11fa57
Create Date: 2026-12-01 07:30:00

The table opencommitment (pitf/models/actions.py, OpenCommitment) lists, for every open action item, its lead
agency (role L) and each supporting agency (role S) with the item's due date. A dashboard reads an agency's first
fifty in due order from one index. Triggers on actionitem and actionitemsupport keep it in the same statement as
the change, whatever wrote it; the upgrade fills it from the items already there.

As for scoretally (the triggers are built in pitf/dbtriggers.py): SQLite drops a table's triggers with the table,
so a later migration that rebuilds actionitem or actionitemsupport in batch mode must create them again
(dbtriggers.reinstall_table_triggers); tests/unit/test_scorecard_tallies.py fails when they are missing.
"""
from alembic import op
import sqlalchemy as sa

from pitf import dbtriggers


revision = '8d2f4b6c1e90'
down_revision = '5c0e7a11fa57'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('opencommitment',
    sa.Column('agency_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('action_item_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('role', sa.String(length=1), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('agency_id', 'action_item_id', 'role', name=op.f('pk_opencommitment'))
    )
    with op.batch_alter_table('opencommitment', schema=None) as batch_op:
        batch_op.create_index('ix_opencommitment_agency_due', ['agency_id', 'due_date', 'action_item_id'],
                              unique=False)
    op.execute(sa.text(dbtriggers.COMMITMENT_FILL))
    dbtriggers.install(op.get_bind(), dbtriggers.OPENCOMMITMENT)


def downgrade() -> None:
    dbtriggers.drop(op.get_bind(), dbtriggers.OPENCOMMITMENT)
    with op.batch_alter_table('opencommitment', schema=None) as batch_op:
        batch_op.drop_index('ix_opencommitment_agency_due')
    op.drop_table('opencommitment')
