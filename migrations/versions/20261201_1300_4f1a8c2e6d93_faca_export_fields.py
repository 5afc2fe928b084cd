"""FACA Database export: members' appointment type and term end; meetings' purpose, partly closed, FR citation

Revision ID: 4f1a8c2e6d93
Revises: 9f2c7a1e5b38
Create Date: 2026-12-01 13:00:00

Columns added with server defaults (or nullable), so SQLite adds them in place without a table rebuild.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
import pitf.models.base


revision = '4f1a8c2e6d93'
down_revision = '9f2c7a1e5b38'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('membership', sa.Column('appointment_type', sqlmodel.sql.sqltypes.AutoString(length=32),
                                          nullable=True))
    op.add_column('membership', sa.Column('term_ends_on', sa.Date(), nullable=True))
    op.add_column('meeting', sa.Column('partly_closed', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('meeting', sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False,
                                       server_default=''))
    op.add_column('meeting', sa.Column('federal_register_citation', sqlmodel.sql.sqltypes.AutoString(length=32),
                                       nullable=False, server_default=''))


def downgrade() -> None:
    from pitf.dbtriggers import reinstall_table_triggers

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('federal_register_citation')
        batch_op.drop_column('purpose')
        batch_op.drop_column('partly_closed')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('term_ends_on')
        batch_op.drop_column('appointment_type')
    reinstall_table_triggers(op.get_bind(), 'meeting')  # SQLite's batch rebuilt the tables without them
    reinstall_table_triggers(op.get_bind(), 'membership')
