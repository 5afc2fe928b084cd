"""agenda item outcome: what became of an item at its meeting, and the meeting a carried item came from

Revision ID: c4a7e2b9d1f3
Revises: 4c2a8e6b1d93
Create Date: 2026-12-01 13:30:00

Two nullable columns (items stored before have no outcome recorded and were not carried). The foreign key
makes SQLite's batch mode rebuild the table, so the table's triggers are installed again after it.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision = 'c4a7e2b9d1f3'
down_revision = '4c2a8e6b1d93'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agendaitem', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('carried_from_meeting_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_agendaitem_carried_from_meeting_id_meeting'), 'meeting',
                                    ['carried_from_meeting_id'], ['id'])
    from pitf.dbtriggers import reinstall_table_triggers

    reinstall_table_triggers(op.get_bind(), 'agendaitem')  # SQLite's batch rebuilt the table without them


def downgrade() -> None:
    with op.batch_alter_table('agendaitem', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agendaitem_carried_from_meeting_id_meeting'), type_='foreignkey')
        batch_op.drop_column('carried_from_meeting_id')
        batch_op.drop_column('outcome')
    from pitf.dbtriggers import reinstall_table_triggers

    reinstall_table_triggers(op.get_bind(), 'agendaitem')
