"""useridentity: identities at OpenID providers (single sign-on) linked to accounts

Revision ID: 9f2c7a1e5b38
Revises: c4a7e2b9d1f3
Create Date: 2026-12-01 14:00:00

One row per (issuer, subject) a person signed in with; pitf/services/sso.py links it at the first sign-in by
the email the provider vouched for, and matches on (issuer, subject) only afterwards.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
import pitf.models.base


revision = '9f2c7a1e5b38'
down_revision = 'c4a7e2b9d1f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('useridentity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('issuer', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('linked_at', pitf.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', pitf.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_useridentity_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_useridentity')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_useridentity_issuer_subject'))
    )
    with op.batch_alter_table('useridentity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_useridentity_user_id'), ['user_id'], unique=False)
    from pitf.dbtriggers import install_version_triggers

    install_version_triggers(op.get_bind(), ['useridentity'])  # SQLite: its writes move the data version


def downgrade() -> None:
    with op.batch_alter_table('useridentity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_useridentity_user_id'))
    op.drop_table('useridentity')
