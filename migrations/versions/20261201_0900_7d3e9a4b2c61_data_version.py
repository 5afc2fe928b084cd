"""data version: the SQLite counter the page cache keys on, moved by triggers on every table

Revision ID: 7d3e9a4b2c61
Revises: 5e7a1c2d9b40
Create Date: 2026-12-01 09:00:00

The page cache (pitf/web/conditional.py) reuses a rendered page only while the data version is unchanged
(pitf/dataversion.py). SQLite: a one-row table `dataversion` counted up by an AFTER INSERT, UPDATE and DELETE
trigger on every table. PostgreSQL needs nothing: its version is the transaction snapshot.
"""
from alembic import op

from pitf.dbtriggers import drop_version_triggers, install_version_triggers

revision = '7d3e9a4b2c61'
down_revision = '5e7a1c2d9b40'
branch_labels = None
depends_on = None


def upgrade() -> None:
    install_version_triggers(op.get_bind())


def downgrade() -> None:
    drop_version_triggers(op.get_bind())
