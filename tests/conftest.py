"""Fixtures: every database test runs on SQLite and on PostgreSQL, each in a transaction rolled back after it."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from pitf import create_app
from pitf.db import Database, make_engine
from pitf.migrate import upgrade

PG_URL = os.environ.get("PITF_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"

TEST_SETTINGS = {
    "PITF_ENV": "test",
    "SECRET_KEY": "test-secret-key",
    "WTF_CSRF_ENABLED": False,
    "PITF_ARGON2_TIME_COST": 1,
    "PITF_ARGON2_MEMORY_KIB": 8,
}


def _reset_postgres(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def build_engine(kind: str, tmp_path_factory):
    """A migrated database of *kind* with the reference data (agencies, bodies) committed."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/test.db")
    else:
        engine = make_engine(PG_URL)
        try:
            with engine.connect():
                pass
        except OperationalError as exc:
            engine.dispose()
            reason = f"PostgreSQL is unreachable at {PG_URL} ({exc.orig.__class__.__name__})"
            if IN_CI:
                pytest.fail(f"{reason}; under CI=true the PostgreSQL tests must run.", pytrace=False)
            pytest.skip(f"{reason}: the PostgreSQL half of the suite is skipped. Set PITF_TEST_DATABASE_URL.")
        _reset_postgres(engine)
    upgrade(engine)
    from pitf.demo import seed_reference

    with Database(engine).session() as session:
        seed_reference(session)
    return engine


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(request, tmp_path_factory):
    engine = build_engine(request.param, tmp_path_factory)
    yield engine
    engine.dispose()


@pytest.fixture
def dialect(engine) -> str:
    return engine.dialect.name


@pytest.fixture
def connection(engine):
    """One connection per test; everything the test and its requests write is rolled back."""
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()


@pytest.fixture
def settings(tmp_path) -> dict:
    return {**TEST_SETTINGS, "PITF_INSTANCE_PATH": str(tmp_path / "instance")}


@pytest.fixture
def app(connection, settings):
    return create_app(settings, bind=connection)


@pytest.fixture
def db(app):
    """A session on the test's connection, for arranging data and checking results."""
    session = app.extensions["pitf_db"].sessionmaker()
    yield session
    session.close()


@pytest.fixture
def client(app):
    return app.test_client()


def sign_in_client(client, user) -> None:
    """Put *user*'s session in *client* the way a real sign-in does (tests of sign-in use the form)."""
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
        sess["signed_in_at"] = sess["seen_at"] = time.time()


@pytest.fixture
def make_user(db):
    from tests.factories import create_user

    def make(role: str = "viewer", **kw):
        return create_user(db, role=role, **kw)

    return make


@pytest.fixture
def client_as(app, make_user):
    """client_as("liaison", agency="DOJ") -> a client signed in as a new user of that role."""

    def make(role: str, **kw):
        user = make_user(role, **kw)
        c = app.test_client()
        sign_in_client(c, user)
        c.user = user
        return c

    return make


@pytest.fixture
def api_as(app, db, make_user):
    """api_as("liaison", agency="DOJ") -> (headers, user) with a fresh API token."""
    from pitf.services.tokens import create_token

    def make(role: str, **kw):
        user = make_user(role, **kw)
        _row, token = create_token(session=db, actor="system", user=user)
        db.flush()
        return {"Authorization": f"Bearer {token}"}, user

    return make


class QueryCounter:
    """Counts the SQL statements sent on a connection while active (savepoints excluded)."""

    def __init__(self, connection):
        self.connection = connection
        self.statements: list[str] = []

    def _on_execute(self, _conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            self.statements.append(statement)

    def __enter__(self):
        from sqlalchemy import event

        self.statements = []
        event.listen(self.connection, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.connection, "before_cursor_execute", self._on_execute)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(connection):
    """with count_queries() as q: client.get(...); assert q.count == N"""
    return lambda: QueryCounter(connection)
