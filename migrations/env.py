"""Alembic environment: every model module is imported before the metadata is read."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import pitf.models  # noqa: F401  (registers every table)
from pitf.db import make_engine
from pitf.migrate import compared

config = context.config
target_metadata = SQLModel.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=True,
        include_object=compared,
    )


def _url() -> str:
    """The URL given by `pitf db` or, for `alembic` run by hand, PITF_DATABASE_URL or its default."""
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from pitf.settings import load_settings

    return load_settings({"SECRET_KEY": "unused-by-migrations"})["PITF_DATABASE_URL"]


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
