"""user.local_sign_in_allowed: the administrator's way back in when single sign-on is required

Revision ID: 4c2a8e6b1d93
Revises: 7b3e9d1f2a64
Create Date: 2026-12-01 13:00:00

A column with a server default: SQLite adds it in place (no table rebuild), every existing account false.
"""
from alembic import op
import sqlalchemy as sa


revision = '4c2a8e6b1d93'
down_revision = '7b3e9d1f2a64'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('user', sa.Column('local_sign_in_allowed', sa.Boolean(), nullable=False,
                                    server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('local_sign_in_allowed')
    from pitf.dbtriggers import reinstall_table_triggers

    reinstall_table_triggers(op.get_bind(), 'user')  # SQLite's batch rebuilt the table without them
