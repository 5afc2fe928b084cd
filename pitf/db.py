"""Database engine, one session per request, and the SQLite transaction discipline."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker
from sqlmodel import SQLModel

# Stable constraint names, so that SQLite migrations (batch mode) can find them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Whether the transaction about to begin will write. SQLite must take the write lock at BEGIN
# (BEGIN IMMEDIATE): a deferred transaction that reads and then writes fails at once with
# "database is locked" when another process writes (STYLE.md, Known traps).
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("pitf_write_intent", default=True)


def _sqlite_url(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, echo: bool = False, statement_timeout_ms: int = 0, pool_size: int = 5,
                max_overflow: int = 10) -> Engine:
    """Create the engine for *url* with the per-dialect settings the platform relies on.

    PostgreSQL only: *statement_timeout_ms* (0: none) is set on every connection, so that one slow query is
    cancelled rather than holding a worker; *pool_size* connections are kept per process (each gunicorn
    worker is one), *max_overflow* more opened when a burst needs them. SQLite ignores the three."""
    if _sqlite_url(url):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # Let SQLAlchemy, not the driver, decide when transactions begin.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow)
    if statement_timeout_ms:
        timeout = int(statement_timeout_ms)

        @event.listens_for(engine, "connect")
        def _statement_timeout(dbapi_conn, _record):
            # A session setting: it holds for every transaction of the pooled connection.
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET statement_timeout = {timeout}")
            dbapi_conn.commit()

    return engine


def is_statement_timeout(exc: BaseException) -> bool:
    """Whether *exc* is PostgreSQL cancelling a statement that ran past statement_timeout."""
    from sqlalchemy.exc import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    try:
        from psycopg.errors import QueryCanceled
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(exc.orig, QueryCanceled)


class Database:
    """The engine and session factory of one app; tests bind it to a connection instead."""

    def __init__(self, bind: Engine | Connection):
        import pitf.services.search_index  # noqa: F401  (every flush keeps the search index in step)

        self.bind = bind
        kwargs: dict[str, Any] = {"expire_on_commit": False}
        if isinstance(bind, Connection):
            # Tests: every commit becomes a savepoint inside the test's outer transaction.
            kwargs["join_transaction_mode"] = "create_savepoint"
        self.sessionmaker = sessionmaker(bind=bind, class_=Session, **kwargs)

    @property
    def engine(self) -> Engine:
        return self.bind if isinstance(self.bind, Engine) else self.bind.engine

    @contextlib.contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """Yield a session that commits at the end, or rolls back on any exception."""
        token = write_intent.set(write)
        try:
            with self.sessionmaker() as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            write_intent.reset(token)


def init_app(app: Flask, bind: Engine | Connection | None = None) -> Database:
    if bind is None:
        bind = make_engine(app.config["PITF_DATABASE_URL"], echo=app.config.get("PITF_SQL_ECHO", False),
                           statement_timeout_ms=app.config.get("PITF_STATEMENT_TIMEOUT", 0),
                           pool_size=app.config.get("PITF_DB_POOL_SIZE", 5),
                           max_overflow=app.config.get("PITF_DB_MAX_OVERFLOW", 10))
    db = Database(bind)
    app.extensions["pitf_db"] = db

    @app.before_request
    def _intent():
        from flask import request

        g._pitf_write_token = write_intent.set(request.method not in {"GET", "HEAD", "OPTIONS"})

    @app.after_request
    def _commit(response):
        session = g.pop("_pitf_session", None)
        if session is not None:
            try:
                if response.status_code < 400:
                    session.commit()
                else:
                    session.rollback()
            finally:
                session.close()
        return response

    @app.teardown_request
    def _close(_exc):
        session = g.pop("_pitf_session", None)
        if session is not None:  # an unhandled error skipped after_request
            session.rollback()
            session.close()
        token = g.pop("_pitf_write_token", None)
        if token is not None:
            write_intent.reset(token)

    return db


def get_db(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["pitf_db"]


def get_session() -> Session:
    """The session of the current request, opened on first use."""
    if "_pitf_session" not in g:
        g._pitf_session = get_db().sessionmaker()
    return g._pitf_session
