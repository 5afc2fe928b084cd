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
  every table (its writers are serialized anyway, so the row costs no waiting). A migration that adds a table,
  or rebuilds one (a batch migration on SQLite drops the table's triggers), calls install_version_triggers;
  tests/unit/test_data_version.py fails when a table has none.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

VERSION_TABLE = "dataversion"
NOT_TRACKED = {"alembic_version", VERSION_TABLE, "sqlite_sequence", "sqlite_stat1", "sqlite_stat4"}
OPERATIONS = ("insert", "update", "delete")

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


# ---- SQLite: the counter and its triggers ----------------------------------------------------------

def trigger_name(table: str, operation: str) -> str:
    return f"dataversion_{table}_{operation[:3]}"


def tracked_tables(conn: Connection) -> list[str]:
    """The ordinary tables whose writes move the version: not the counter, not Alembic's, not a virtual table
    (a full-text index follows the tables it indexes) nor a virtual table's own storage."""
    rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    return sorted(name for name, _sql in rows
                  if name not in NOT_TRACKED and name not in virtual
                  and not any(name.startswith(f"{v}_") for v in virtual))


def install_version_triggers(conn: Connection, tables: list[str] | None = None) -> None:
    """SQLite only: make the counter (once) and the triggers of *tables* (default: every tracked table).
    Safe to run again; a no-op on PostgreSQL."""
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS dataversion "
                         "(id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)")
    conn.exec_driver_sql("INSERT OR IGNORE INTO dataversion (id, n) VALUES (1, 0)")
    for table in tables if tables is not None else tracked_tables(conn):
        for operation in OPERATIONS:  # table names come from sqlite_master, not from input
            sql = (f'CREATE TRIGGER IF NOT EXISTS {trigger_name(table, operation)} AFTER {operation.upper()} '  # noqa: S608
                   f'ON "{table}" BEGIN UPDATE dataversion SET n = n + 1 WHERE id = 1; END')
            conn.exec_driver_sql(sql)


def drop_version_triggers(conn: Connection) -> None:
    """SQLite only: remove the triggers and the counter (the migration's downgrade)."""
    if conn.dialect.name != "sqlite":
        return
    names = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dataversion\\_%' ESCAPE '\\'"
    ).scalars().all()
    for name in names:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    conn.exec_driver_sql("DROP TABLE IF EXISTS dataversion")


def tables_without_triggers(conn: Connection) -> list[str]:
    """SQLite: the tracked tables missing one of their three triggers (should be none)."""
    have = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars().all())
    return [t for t in tracked_tables(conn) if any(trigger_name(t, op) not in have for op in OPERATIONS)]
