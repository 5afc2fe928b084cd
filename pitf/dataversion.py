"""The data version: one cheap value that changes whenever anything a page could show has changed.

The page cache (pitf/conditional.py) keys each rendered page by who asks and by this value, so a copy is
only ever reused while nothing in the database has changed since it was rendered.

- **PostgreSQL**: the current snapshot (`pg_current_snapshot()`: the oldest running transaction, the next one,
  those in progress). Two statements that see the same snapshot see the same rows, so nothing is written for
  it and writers never queue on a counter. A commit anywhere in the cluster (another database on it included)
  changes it: a spurious miss, never a stale copy. A request never starts inside a transaction that has
  written already; the tests do (each test is one transaction, rolled back, in a schema of its own), and the
  snapshot does not move with a transaction's own writes, so there the version is the transaction's id and its
  own count of rows changed so far (`pg_stat_xact_all_tables`), which other workers' commits do not move.
- **SQLite**: a one-row table, `dataversion`, counted up by triggers after every insert, update and delete on
  every table (its writers are serialized anyway, so the row costs no waiting). pitf/dbtriggers.py builds
  them: a migration that adds a table calls install_version_triggers, one that rebuilds a table (SQLite's
  batch mode drops its triggers) reinstall_table_triggers; tests/unit/test_data_version.py fails when a
  table has none.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

_PG_VERSION = text(
    "SELECT CASE WHEN txid_current_if_assigned() IS NULL THEN pg_current_snapshot()::text ELSE "
    "'own:' || txid_current_if_assigned()::text || ':' || "
    "(SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_xact_all_tables)::text END"
)
_SQLITE_VERSION = text("SELECT n FROM dataversion WHERE id = 1")


def data_version(session: Session) -> str:
    """The version of everything in the database, as this transaction sees it (one statement)."""
    connection = session.connection()  # Core, not the ORM: this runs on every request
    if connection.dialect.name == "postgresql":
        return str(connection.execute(_PG_VERSION).scalar_one())
    return str(connection.execute(_SQLITE_VERSION).scalar_one())
