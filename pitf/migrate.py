"""Run Alembic from code: the CLI's `pitf db ...` and the tests use the same configuration."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from pitf.settings import ROOT


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option(
        "file_template", "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s"
    )
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(bind: Engine | Connection, revision: str = "head") -> None:
    """Bring the database behind *bind* to *revision*."""
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            if connection.dialect.name == "postgresql":
                # A migration filling a table may rightly take longer than a page's PITF_STATEMENT_TIMEOUT.
                connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
            command.upgrade(alembic_config(connection=connection), revision)
    else:
        command.upgrade(alembic_config(connection=bind), revision)


def compared(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object: what autogenerate compares. What the migrations make for one database only (the
    trigram indexes of PostgreSQL, the search index's tsvector column and GIN index, SQLite's FTS5 tables and its
    data-version counter) is not in the models; it is left out of the comparison."""
    from pitf.dbtriggers import VERSION_TABLE
    from pitf.models.actions import TRIGRAM_INDEXES
    from pitf.models.search import FTS_TABLE, GIN_INDEX, TSV_COLUMN

    if type_ == "table" and name is not None and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_")):
        return False  # SQLite's FTS5 table and its shadow tables
    if type_ == "column" and name == TSV_COLUMN and getattr(getattr(obj, "table", None), "name", "") == \
            "searchdocument":
        return False
    if type_ == "table" and name == VERSION_TABLE:
        return False
    return not (type_ == "index" and name in (*TRIGRAM_INDEXES, GIN_INDEX))


def heads() -> list[str]:
    return list(ScriptDirectory.from_config(alembic_config()).get_heads())
