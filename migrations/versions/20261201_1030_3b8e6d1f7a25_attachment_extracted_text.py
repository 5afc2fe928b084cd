"""attachment text: the text of PDF, Word and plain-text documents, read on upload for search

Revision ID: 3b8e6d1f7a25
Revises: 7d3e9a4b2c61
Create Date: 2026-12-01 10:30:00

A nullable column: documents uploaded before it stay NULL (not read) until `pitf attachments extract`
reads them. SQLite adds a nullable column in place (no table rebuild).
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
import pitf.models.base


revision = '3b8e6d1f7a25'
down_revision = '7d3e9a4b2c61'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('attachment', sa.Column('extracted_text', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('extracted_text')
    from pitf.dbtriggers import reinstall_table_triggers

    reinstall_table_triggers(op.get_bind(), 'attachment')  # SQLite's batch rebuilt the table without them
