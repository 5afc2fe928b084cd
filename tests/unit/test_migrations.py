"""Migrations: one head, and the models agree with them on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import pitf.models  # noqa: F401
from pitf.migrate import compared, heads
from pitf.models.actions import TRIGRAM_INDEXES


def test_only_single_head_revision_in_migrations():
    assert len(heads()) == 1


def test_models_and_migrations_agree(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True,
                                                     "include_object": compared})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_the_indexes_outside_the_models_are_the_trigram_indexes_of_postgresql_only(engine):
    """What the comparison above leaves out is exactly the free-text indexes, present on PostgreSQL only."""
    found = {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("actionitem")}
    present = {name: found[name] for name in TRIGRAM_INDEXES if name in found}
    if engine.dialect.name == "postgresql":
        assert present == {name: [column] for name, (_table, column) in TRIGRAM_INDEXES.items()}
    else:
        assert present == {}
    assert all(compared(None, name, "index", True, None) for name in found if name not in TRIGRAM_INDEXES)
