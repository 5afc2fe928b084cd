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
from pitf.permissions import SYSTEM

PG_URL = os.environ.get("PITF_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"

TEST_SETTINGS = {
    "PITF_ENV": "test",
    "SECRET_KEY": "test-secret-key",
    "WTF_CSRF_ENABLED": False,
    "PITF_ARGON2_TIME_COST": 1,
    "PITF_ARGON2_MEMORY_KIB": 8,
}


def _pg_schema() -> str:
    """A schema of this test run's own, so runs side by side (and xdist workers) never collide."""
    return f"pitf_test_{os.getpid()}"


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reset_postgres(engine, schema: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(725101)"))  # one worker at a time (pg_trgm below)
        # Schemas left by runs that were killed before their teardown.
        for (name,) in conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pitf_test_%'")):
            pid = name.removeprefix("pitf_test_")
            if pid.isdigit() and name != schema and not _pid_alive(int(pid)):
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        # pg_trgm (the migrations' trigram indexes) lives in public, made once under a lock: created by a
        # worker's migration inside its own schema, it would go (with every worker's indexes) when that schema
        # is dropped, and two workers creating it at once collide.
        where = conn.execute(text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                                  "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'")).scalar()
        if where is None:
            conn.execute(text("CREATE EXTENSION pg_trgm SCHEMA public"))
        elif where != "public":
            conn.execute(text("ALTER EXTENSION pg_trgm SET SCHEMA public"))


_SCHEMAS: dict[int, str] = {}


def drop_postgres_schema(engine) -> None:
    schema = _SCHEMAS.pop(id(engine), None)
    if schema:
        engine.dispose()
        admin = make_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def build_engine(kind: str, tmp_path_factory):
    """A migrated database of *kind* with the reference data (agencies, bodies) committed."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/test.db")
    else:
        admin = make_engine(PG_URL)
        try:
            with admin.connect():
                pass
        except OperationalError as exc:
            admin.dispose()
            reason = f"PostgreSQL is unreachable at {PG_URL} ({exc.orig.__class__.__name__})"
            if IN_CI:
                pytest.fail(f"{reason}; under CI=true the PostgreSQL tests must run.", pytrace=False)
            pytest.skip(f"{reason}: the PostgreSQL half of the suite is skipped. Set PITF_TEST_DATABASE_URL.")
        schema = _pg_schema()
        _reset_postgres(admin, schema)
        admin.dispose()
        engine = make_engine(_with_search_path(PG_URL, schema))
        _SCHEMAS[id(engine)] = schema
    upgrade(engine)
    from pitf.reference import seed_reference

    with Database(engine).session() as session:
        seed_reference(session)
    return engine


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(request, tmp_path_factory):
    engine = build_engine(request.param, tmp_path_factory)
    yield engine
    engine.dispose()
    drop_postgres_schema(engine)


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


class _MemoryBytecodeCache:
    """Jinja's compiled templates shared by every test's app (each test builds a new app)."""

    def __init__(self):
        from jinja2 import BytecodeCache

        class Cache(BytecodeCache):
            store: dict = {}

            def load_bytecode(self, bucket):
                if (code := self.store.get(bucket.key)) is not None:
                    bucket.bytecode_from_string(code)

            def dump_bytecode(self, bucket):
                self.store[bucket.key] = bucket.bytecode_to_string()

        self.cache = Cache()


_TEMPLATES = _MemoryBytecodeCache()


def make_app(settings: dict, bind):
    app = create_app(settings, bind=bind)
    app.jinja_env.bytecode_cache = _TEMPLATES.cache
    return app


@pytest.fixture
def app(connection, settings):
    return make_app(settings, connection)


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
        sess["signed_in_at"] = sess["seen_at"] = sess["proved_at"] = time.time()
        sess["auth_method"] = "password"


@pytest.fixture
def make_user(db):
    from tests.factories import create_user

    def make(role: str = "viewer", **kw):
        return create_user(db, role=role, **kw)

    return make


@pytest.fixture
def staff(make_user):
    """A Secretariat user: who plans meetings, assigns action items and runs the recommendations process."""
    return make_user("secretariat")


@pytest.fixture
def smtp():
    """A real SMTP server on a free loopback port (each test, and each xdist worker, its own)."""
    from tests.smtp_server import SmtpServer

    with SmtpServer() as server:
        yield server


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
        _row, token = create_token(session=db, actor=SYSTEM, user=user)
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
    """with count_queries() as q: client.get(...); assert q.count == N

    What is counted is a page rendered: the worker's copies of pages (pitf/conditional.py) are dropped first,
    unless keep_copies=True (the page cache's own tests)."""
    from pitf.conditional import RENDERED

    def start(*, keep_copies: bool = False) -> QueryCounter:
        if not keep_copies:
            RENDERED.clear()
        return QueryCounter(connection)

    return start


class _MeetingClock:
    """Moves the clock the meeting guard rails read (whether a meeting has happened)."""

    def __init__(self, monkeypatch):
        self._monkeypatch = monkeypatch

    def set(self, when) -> None:
        from pitf.services import meetings

        self._monkeypatch.setattr(meetings, "clock", lambda: when)


@pytest.fixture
def meeting_clock(monkeypatch) -> _MeetingClock:
    return _MeetingClock(monkeypatch)


@pytest.fixture
def meetings_held(meeting_clock) -> _MeetingClock:
    """The meetings the tests plan (in 2027) have taken place: attendance and minutes may be recorded."""
    from datetime import UTC, datetime

    meeting_clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    return meeting_clock
