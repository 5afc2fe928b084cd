"""open commitments: each agency's open items, lead or supported, in due order, kept by triggers

Revision ID: 8d2f4b6c1e90
Revises: 5c0e7a11fa57
Create Date: 2026-12-01 07:30:00

The table opencommitment (pitf/models/actions.py, OpenCommitment) lists, for every open action item, its lead
agency (role L) and each supporting agency (role S) with the item's due date. A dashboard reads an agency's first
fifty in due order from one index. Triggers on actionitem and actionitemsupport keep it in the same statement as
the change, whatever wrote it; the upgrade fills it from the items already there.

As for scoretally: SQLite drops a table's triggers with the table, so a later migration that rebuilds actionitem
or actionitemsupport in batch mode must create them again (install_triggers below);
tests/unit/test_scorecard_tallies.py fails when they are missing.
"""
from alembic import op
import sqlalchemy as sa


revision = '8d2f4b6c1e90'
down_revision = '5c0e7a11fa57'
branch_labels = None
depends_on = None

OPEN = "('open', 'in_progress', 'blocked')"
COLUMNS = "agency_id, action_item_id, role, due_date"


def _item_rows(x: str) -> str:
    """INSERT of the rows of item *x* (NEW, or an alias in the backfill) when it is open: its lead, its supporters."""
    return (f"INSERT INTO opencommitment ({COLUMNS}) "
            f"SELECT {x}.lead_agency_id, {x}.id, 'L', {x}.due_date WHERE {x}.status IN {OPEN} "
            f"UNION ALL SELECT s.agency_id, {x}.id, 'S', {x}.due_date FROM actionitemsupport s "
            f"WHERE s.action_item_id = {x}.id AND {x}.status IN {OPEN} ON CONFLICT DO NOTHING")


def _support_row(y: str) -> str:
    return (f"INSERT INTO opencommitment ({COLUMNS}) SELECT {y}.agency_id, i.id, 'S', i.due_date FROM actionitem i "
            f"WHERE i.id = {y}.action_item_id AND i.status IN {OPEN} ON CONFLICT DO NOTHING")


def _forget_item(x: str) -> str:
    return f"DELETE FROM opencommitment WHERE action_item_id = {x}.id"


def _forget_support(y: str) -> str:
    return (f"DELETE FROM opencommitment WHERE action_item_id = {y}.action_item_id AND agency_id = {y}.agency_id "
            f"AND role = 'S'")


# (trigger name, table, event, statements)
TRIGGERS = [
    ("opencommitment_item_insert", "actionitem", "INSERT", [_item_rows("NEW")]),
    ("opencommitment_item_update", "actionitem", "UPDATE OF lead_agency_id, status, due_date",
     [_forget_item("OLD"), _item_rows("NEW")]),
    ("opencommitment_item_delete", "actionitem", "DELETE", [_forget_item("OLD")]),
    ("opencommitment_support_insert", "actionitemsupport", "INSERT", [_support_row("NEW")]),
    ("opencommitment_support_update", "actionitemsupport", "UPDATE", [_forget_support("OLD"), _support_row("NEW")]),
    ("opencommitment_support_delete", "actionitemsupport", "DELETE", [_forget_support("OLD")]),
]


def install_triggers(bind) -> None:
    """Create the triggers that keep opencommitment, on the dialect of *bind*."""
    pg = bind.dialect.name == "postgresql"
    for name, table, event, statements in TRIGGERS:
        body = "; ".join(statements) + ";"
        if pg:
            op.execute(sa.text(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                               f"{body} RETURN NULL; END $$"))
            op.execute(sa.text(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                               f"EXECUTE FUNCTION {name}()"))
        else:
            op.execute(sa.text(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN {body} END"))


def drop_triggers(bind) -> None:
    pg = bind.dialect.name == "postgresql"
    for name, table, *_ in TRIGGERS:
        op.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if pg else "")))
        if pg:
            op.execute(sa.text(f"DROP FUNCTION IF EXISTS {name}()"))


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
    op.execute(sa.text(f"INSERT INTO opencommitment ({COLUMNS}) "
                       f"SELECT lead_agency_id, id, 'L', due_date FROM actionitem WHERE status IN {OPEN} "
                       f"UNION SELECT s.agency_id, i.id, 'S', i.due_date FROM actionitemsupport s "
                       f"JOIN actionitem i ON i.id = s.action_item_id WHERE i.status IN {OPEN}"))
    install_triggers(op.get_bind())


def downgrade() -> None:
    drop_triggers(op.get_bind())
    with op.batch_alter_table('opencommitment', schema=None) as batch_op:
        batch_op.drop_index('ix_opencommitment_agency_due')
    op.drop_table('opencommitment')
