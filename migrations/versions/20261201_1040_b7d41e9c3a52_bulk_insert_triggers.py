"""bulk insert triggers: on PostgreSQL the scoretally and opencommitment insert triggers run once per statement

Revision ID: b7d41e9c3a52
Revises: 3b8e6d1f7a25
Create Date: 2026-12-01 10:40:00

The INSERT triggers of scoretally (20261201_0700) and opencommitment (20261201_0730) ran once per row inserted
into actionitem and actionitemsupport: 0.26 ms and 0.07 ms a row, 85% of the time a bulk insert of 5,000 items
took (measured: 1.3 s and 0.34 s of 1.95 s), and the larger part of `pitf demo --scale N` on PostgreSQL. On
PostgreSQL the four INSERT triggers become statement-level triggers over the transition table (the statement's
new rows), adding the same sums in one statement: a one-row insert does what it did, a bulk insert or a COPY
does it once. The UPDATE and DELETE triggers stay per row (a trigger with a column list, as the UPDATE ones
have, cannot have a transition table). SQLite keeps its row-level triggers: it has no transition tables, and
its bulk loads were never slowed by them.

Both forms are built in pitf/dbtriggers.py from the same SQL (the statement-level one reads the rows of the
transition table where the row-level one reads NEW), so a row counts the same whichever trigger adds it;
tests/unit/test_scorecard_tallies.py compares both tables with a recount. A database made after this change
already has the statement-level triggers (the earlier migrations install what the module defines): dropping
and installing them again changes nothing there.
"""
from alembic import op

from pitf import dbtriggers


revision = 'b7d41e9c3a52'
down_revision = '3b8e6d1f7a25'
branch_labels = None
depends_on = None


def upgrade() -> None:
    dbtriggers.reinstall_insert_triggers(op.get_bind())


def downgrade() -> None:
    dbtriggers.reinstall_insert_triggers(op.get_bind(), row_level=True)
