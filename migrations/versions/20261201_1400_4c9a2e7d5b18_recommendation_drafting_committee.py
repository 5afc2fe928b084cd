"""recommendation drafting committee: the Council committee that drafted a recommendation

Revision ID: 4c9a2e7d5b18
Revises: 4f1a8c2e6d93
Create Date: 2026-12-01 14:00:00

A nullable column (existing recommendations: the full Council) referring to a committee, indexed for the annual
report's grouping. SQLite cannot add a foreign key in place, so its batch mode rebuilds the table, and the
triggers on it (the data version's, the search index's) are installed again after.
"""
from alembic import op
import sqlalchemy as sa


revision = '4c9a2e7d5b18'
down_revision = '4f1a8c2e6d93'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('drafting_committee_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_recommendation_drafting_committee_id'), ['drafting_committee_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_recommendation_drafting_committee_id_committee'), 'committee',
                                    ['drafting_committee_id'], ['id'])
    from pitf.dbtriggers import reinstall_table_triggers

    reinstall_table_triggers(op.get_bind(), 'recommendation')  # SQLite's batch rebuilt the table without them


def downgrade() -> None:
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_recommendation_drafting_committee_id_committee'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_recommendation_drafting_committee_id'))
        batch_op.drop_column('drafting_committee_id')
    from pitf.dbtriggers import reinstall_table_triggers

    reinstall_table_triggers(op.get_bind(), 'recommendation')
