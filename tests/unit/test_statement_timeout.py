"""PITF_STATEMENT_TIMEOUT: PostgreSQL cancels a slow statement, and the user gets a 503 saying so, not a 500."""

import pytest
from psycopg.errors import QueryCanceled
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from pitf.db import is_statement_timeout, make_engine
from pitf.settings import ConfigError, load_settings
from tests.conftest import PG_URL


def test_settings_default_and_refuse_nonsense(monkeypatch):
    for name in ("PITF_STATEMENT_TIMEOUT", "PITF_DB_POOL_SIZE", "PITF_DB_MAX_OVERFLOW"):
        monkeypatch.delenv(name, raising=False)
    cfg = load_settings({"PITF_ENV": "test", "SECRET_KEY": "x"})
    assert (cfg["PITF_STATEMENT_TIMEOUT"], cfg["PITF_DB_POOL_SIZE"], cfg["PITF_DB_MAX_OVERFLOW"]) == (30000, 5, 10)
    monkeypatch.setenv("PITF_STATEMENT_TIMEOUT", "0")
    assert load_settings({"PITF_ENV": "test", "SECRET_KEY": "x"})["PITF_STATEMENT_TIMEOUT"] == 0
    for name, value, message in (("PITF_STATEMENT_TIMEOUT", "-1", "0 or more"),
                                 ("PITF_DB_POOL_SIZE", "0", "at least 1"),
                                 ("PITF_STATEMENT_TIMEOUT", "5s", "whole number")):
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigError, match=message):
            load_settings({"PITF_ENV": "test", "SECRET_KEY": "x"})
        monkeypatch.delenv(name)


def test_postgresql_cancels_a_statement_past_the_timeout():
    engine = make_engine(PG_URL, statement_timeout_ms=200, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "200ms"
            with pytest.raises(OperationalError) as caught:
                conn.execute(text("SELECT pg_sleep(3)"))
            assert is_statement_timeout(caught.value)
            conn.rollback()
            assert conn.execute(text("SELECT 1")).scalar() == 1  # the connection is still good
    except OperationalError as exc:
        if "pg_sleep" not in str(exc) and not is_statement_timeout(exc):
            pytest.skip(f"PostgreSQL is unreachable at {PG_URL}")
        raise
    finally:
        engine.dispose()


def test_sqlite_ignores_the_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/t.db", statement_timeout_ms=1)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
    assert not is_statement_timeout(OperationalError("SELECT 1", None, Exception("database is locked")))


def _timed_out():
    return OperationalError("SELECT pg_sleep(60)", None, QueryCanceled("canceling statement due to statement timeout"))


def test_a_timeout_is_a_503_page_and_a_503_json_error(app, client_as):
    @app.get("/slow-for-test")
    def slow_page():
        raise _timed_out()

    @app.get("/api/v1/slow-for-test")
    def slow_api():
        raise _timed_out()

    c = client_as("viewer")
    r = c.get("/slow-for-test")
    page = r.get_data(as_text=True)
    assert r.status_code == 503 and r.headers["Retry-After"] == "30"
    assert "The platform is busy" in page and "try again" in page and "usa-header" in page
    r = c.get("/api/v1/slow-for-test")
    assert r.status_code == 503 and r.headers["Retry-After"] == "30"
    assert r.get_json()["error"]["code"] == "timeout"
