"""The database triggers that keep the summary tables (scoretally, opencommitment, rowtally), for SQLite and
PostgreSQL, and SQLite's data-version counter (pitf/dataversion.py): the one place that builds, installs and
drops them, for the migrations and the tests.

Triggers change the summary in the same statement as the change to the table they watch, whatever wrote it
(the services, the CSV import, a bulk load, plain SQL). SQLite drops a table's triggers with the table, so a
migration that rebuilds a watched table in batch mode ("move and copy": actionitem, actionitemsupport,
auditentry) calls `reinstall_table_triggers(bind, table)` after the batch. A trigger's SQL changed here reaches
only new databases: change it with a migration that drops and installs it again.

On PostgreSQL the INSERT triggers of scoretally and opencommitment run once per statement, over the statement's
new rows (a transition table, NEW_ROWS): a one-row insert does what a row-level trigger did, a bulk insert or a
COPY (the scale loader's) does it once; per row they took 85% of the time of inserting 5,000 items. Their UPDATE
triggers have a column list, which a trigger with a transition table cannot have, so UPDATE and DELETE stay per
row, as do all of SQLite's (no transition tables; its bulk loads were never slowed by them). Until migration
b7d41e9c3a52 (bulk_insert_triggers) the PostgreSQL INSERT triggers were per row too: `row_level=True` builds them
so, for its downgrade.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection

SCORETALLY = "scoretally"
OPENCOMMITMENT = "opencommitment"
ROWTALLY = "rowtally"
SUMMARIES = (SCORETALLY, OPENCOMMITMENT, ROWTALLY)

OPEN = "('open', 'in_progress', 'blocked')"
# The tables whose row count rowtally keeps (as pitf.models.tallies.TALLIED_TABLES when it was made).
ROW_TALLIED = ("actionitem", "auditentry")


@dataclass(frozen=True)
class Trigger:
    """One trigger of a summary table: its statements for each dialect, and how to drop it."""

    name: str
    summary: str
    table: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]
    own_function: bool  # PostgreSQL: a function of the trigger's name, dropped with it


NEW_ROWS = "new_rows"  # the transition table of PostgreSQL's statement-level INSERT triggers


def _row_trigger(summary: str, name: str, table: str, event: str, statements: list[str]) -> Trigger:
    """A row-level trigger running *statements* (on PostgreSQL through a function of its own name)."""
    body = "; ".join(statements) + ";"
    return Trigger(
        name=name, summary=summary, table=table,
        sqlite=(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN {body} END",),
        postgresql=(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"{body} RETURN NULL; END $$",
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"),
        own_function=True)


def _insert_trigger(summary: str, name: str, table: str, per_row: list[str], per_statement: list[str],
                    row_level: bool) -> Trigger:
    """An INSERT trigger: row-level on SQLite (running *per_row*, over NEW); on PostgreSQL statement-level over
    the transition table NEW_ROWS (running *per_statement*), or row-level if *row_level*."""
    row = _row_trigger(summary, name, table, "INSERT", per_row)
    if row_level:
        return row
    body = "; ".join(per_statement) + ";"
    return Trigger(
        name=name, summary=summary, table=table, sqlite=row.sqlite,
        postgresql=(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"{body} RETURN NULL; END $$",
                    f"CREATE TRIGGER {name} AFTER INSERT ON {table} REFERENCING NEW TABLE AS {NEW_ROWS} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"),
        own_function=True)


# ---- scoretally: how many action items fall in each bucket of the scorecards --------------------------------

SCORE_KEY = "agency_id, role, pillar, bucket, due_key"


class ScoreSql:
    """The dialect's expressions over an action item row named *x* (NEW, OLD or an alias)."""

    def __init__(self, dialect: str):
        self.pg = dialect == "postgresql"

    def month(self, x: str) -> str:
        if self.pg:
            return f"CAST(to_char({x}.due_date, 'YYYYMM') AS INTEGER)"
        return f"CAST(strftime('%Y%m', {x}.due_date) AS INTEGER)"

    def day(self, x: str) -> str:
        if self.pg:
            return f"CAST(to_char({x}.due_date, 'YYYYMMDD') AS INTEGER)"
        return f"CAST(strftime('%Y%m%d', {x}.due_date) AS INTEGER)"

    def closed_day(self, x: str) -> str:
        # The UTC calendar day of closed_at, as pitf/services/scorecards.py has always counted it.
        if self.pg:
            return f"CAST(({x}.closed_at AT TIME ZONE 'UTC') AS DATE)"
        return f"date({x}.closed_at)"

    def days_late(self, x: str) -> str:
        if self.pg:
            return f"({self.closed_day(x)} - {x}.due_date)"
        return f"CAST(julianday(date({x}.closed_at)) - julianday({x}.due_date) AS INTEGER)"

    def is_open(self, x: str) -> str:
        return f"{x}.status IN {OPEN}"

    def bucket(self, x: str) -> str:
        return (f"CASE WHEN {self.is_open(x)} THEN 'open' WHEN {x}.status = 'cancelled' THEN 'cancelled' "
                f"WHEN {x}.status = 'done' THEN CASE WHEN {x}.closed_at IS NULL THEN 'done_undated' "
                f"WHEN {self.closed_day(x)} <= {x}.due_date THEN 'done_on_time' ELSE 'done_late' END END")

    def item_rows(self, x: str, sign: int, items: str = "") -> list[str]:
        """SELECTs of the rows one item adds (sign 1) or takes away (sign -1), as lead and as supported.
        *items* is the table of items named *x* (actionitem, or a transition table) when *x* is not a trigger's
        NEW or OLD."""
        source = f"FROM {items} {x}" if items else ""
        where = "WHERE" if not items else f"{source} WHERE"
        supports = (f"FROM actionitemsupport s WHERE s.action_item_id = {x}.id AND" if not items else
                    f"FROM actionitemsupport s JOIN {items} {x} ON {x}.id = s.action_item_id WHERE")
        return [
            f"SELECT {x}.lead_agency_id AS agency_id, 'L' AS role, {x}.pillar AS pillar, {self.bucket(x)} AS bucket, "
            f"CASE WHEN {self.is_open(x)} THEN {self.month(x)} ELSE 0 END AS due_key, {sign} AS n {source}",
            f"SELECT {x}.lead_agency_id, 'L', {x}.pillar, 'open_day', {self.day(x)}, {sign} {where} {self.is_open(x)}",
            f"SELECT {x}.lead_agency_id, 'L', '', 'late_days', {self.days_late(x)}, {sign} {where} "
            f"{x}.status = 'done' AND {x}.closed_at IS NOT NULL AND {self.closed_day(x)} > {x}.due_date",
            f"SELECT s.agency_id, 'S', '', 'open', {self.month(x)}, {sign} {supports} {self.is_open(x)}",
            f"SELECT s.agency_id, 'S', '', 'open_day', {self.day(x)}, {sign} {supports} {self.is_open(x)}",
        ]

    def support_rows(self, y: str, sign: int, supports: str = "") -> list[str]:
        """SELECTs of the rows a supporting agency *y* (NEW or OLD) adds or takes away; the rows of table
        *supports* (a transition table) named *y* if given."""
        src = (f"FROM actionitem i WHERE i.id = {y}.action_item_id AND {self.is_open('i')}" if not supports else
               f"FROM {supports} {y} JOIN actionitem i ON i.id = {y}.action_item_id WHERE {self.is_open('i')}")
        return [f"SELECT {y}.agency_id AS agency_id, 'S' AS role, '' AS pillar, 'open' AS bucket, "
                f"{self.month('i')} AS due_key, {sign} AS n {src}",
                f"SELECT {y}.agency_id, 'S', '', 'open_day', {self.day('i')}, {sign} {src}"]

    def apply(self, selects: list[str]) -> str:
        """One statement adding the rows' sums, in key order (concurrent writers lock rows in one order)."""
        return (f"INSERT INTO scoretally ({SCORE_KEY}, n) SELECT {SCORE_KEY}, SUM(n) FROM "
                f"({' UNION ALL '.join(selects)}) c "
                f"WHERE bucket IS NOT NULL GROUP BY {SCORE_KEY} HAVING SUM(n) <> 0 ORDER BY {SCORE_KEY} "
                f"ON CONFLICT ({SCORE_KEY}) DO UPDATE SET n = scoretally.n + excluded.n")

    def fill(self) -> str:
        """The statement filling an empty scoretally from the items already there."""
        return (f"INSERT INTO scoretally ({SCORE_KEY}, n) SELECT {SCORE_KEY}, SUM(n) FROM "
                f"({' UNION ALL '.join(self.item_rows('i', 1, 'actionitem'))}) c "
                f"WHERE bucket IS NOT NULL GROUP BY {SCORE_KEY} HAVING SUM(n) <> 0")


SCORE_COLUMNS = "lead_agency_id, pillar, status, due_date, closed_at"
# (trigger name, table, event, rows taken away, rows added)
_SCORE_TRIGGERS = [
    ("scoretally_item_insert", "actionitem", "INSERT", None, "item"),
    ("scoretally_item_update", "actionitem", f"UPDATE OF {SCORE_COLUMNS}", "item", "item"),
    ("scoretally_item_delete", "actionitem", "DELETE", "item", None),
    ("scoretally_support_insert", "actionitemsupport", "INSERT", None, "support"),
    ("scoretally_support_update", "actionitemsupport", "UPDATE", "support", "support"),
    ("scoretally_support_delete", "actionitemsupport", "DELETE", "support", None),
]


def _score_triggers(dialect: str, row_level: bool) -> list[Trigger]:
    sql = ScoreSql(dialect)
    made = []
    for name, table, event, old, new in _SCORE_TRIGGERS:
        selects: list[str] = []
        for kind, row, sign in ((old, "OLD", -1), (new, "NEW", 1)):
            if kind == "item":
                selects += sql.item_rows(row, sign)
            elif kind == "support":
                selects += sql.support_rows(row, sign)
        if event != "INSERT":
            made.append(_row_trigger(SCORETALLY, name, table, event, [sql.apply(selects)]))
            continue
        added = sql.item_rows("x", 1, NEW_ROWS) if new == "item" else sql.support_rows("y", 1, NEW_ROWS)
        made.append(_insert_trigger(SCORETALLY, name, table, [sql.apply(selects)], [sql.apply(added)], row_level))
    return made


# ---- opencommitment: each agency's open items, lead or supported, in due order -----------------------------

COMMITMENT_COLUMNS = "agency_id, action_item_id, role, due_date"


def _commitment_rows(x: str, items: str = "") -> str:
    """INSERT of the rows of item *x* (NEW, or the rows of table *items*) when it is open: its lead, its
    supporters."""
    if items:
        return (f"INSERT INTO opencommitment ({COMMITMENT_COLUMNS}) "
                f"SELECT {x}.lead_agency_id, {x}.id, 'L', {x}.due_date FROM {items} {x} WHERE {x}.status IN {OPEN} "
                f"UNION ALL SELECT s.agency_id, {x}.id, 'S', {x}.due_date FROM actionitemsupport s "
                f"JOIN {items} {x} ON {x}.id = s.action_item_id WHERE {x}.status IN {OPEN} ON CONFLICT DO NOTHING")
    return (f"INSERT INTO opencommitment ({COMMITMENT_COLUMNS}) "
            f"SELECT {x}.lead_agency_id, {x}.id, 'L', {x}.due_date WHERE {x}.status IN {OPEN} "
            f"UNION ALL SELECT s.agency_id, {x}.id, 'S', {x}.due_date FROM actionitemsupport s "
            f"WHERE s.action_item_id = {x}.id AND {x}.status IN {OPEN} ON CONFLICT DO NOTHING")


def _commitment_support_row(y: str, supports: str = "") -> str:
    """INSERT of the row of supporting agency *y* (NEW, or the rows of table *supports*) when its item is open."""
    source = (f"FROM actionitem i WHERE i.id = {y}.action_item_id AND" if not supports else
              f"FROM {supports} {y} JOIN actionitem i ON i.id = {y}.action_item_id WHERE")
    return (f"INSERT INTO opencommitment ({COMMITMENT_COLUMNS}) SELECT {y}.agency_id, i.id, 'S', i.due_date "
            f"{source} i.status IN {OPEN} ON CONFLICT DO NOTHING")


def _forget_item(x: str) -> str:
    return f"DELETE FROM opencommitment WHERE action_item_id = {x}.id"


def _forget_support(y: str) -> str:
    return (f"DELETE FROM opencommitment WHERE action_item_id = {y}.action_item_id AND agency_id = {y}.agency_id "
            f"AND role = 'S'")


# The statement filling an empty opencommitment from the items already there.
COMMITMENT_FILL = (f"INSERT INTO opencommitment ({COMMITMENT_COLUMNS}) "
                   f"SELECT lead_agency_id, id, 'L', due_date FROM actionitem WHERE status IN {OPEN} "
                   f"UNION SELECT s.agency_id, i.id, 'S', i.due_date FROM actionitemsupport s "
                   f"JOIN actionitem i ON i.id = s.action_item_id WHERE i.status IN {OPEN}")


def _commitment_triggers(row_level: bool) -> list[Trigger]:
    return [
        _insert_trigger(OPENCOMMITMENT, "opencommitment_item_insert", "actionitem", [_commitment_rows("NEW")],
                        [_commitment_rows("x", NEW_ROWS)], row_level),
        _insert_trigger(OPENCOMMITMENT, "opencommitment_support_insert", "actionitemsupport",
                        [_commitment_support_row("NEW")], [_commitment_support_row("y", NEW_ROWS)], row_level),
    ] + [_row_trigger(OPENCOMMITMENT, name, table, event, statements) for name, table, event, statements in [
        ("opencommitment_item_update", "actionitem", "UPDATE OF lead_agency_id, status, due_date",
         [_forget_item("OLD"), _commitment_rows("NEW")]),
        ("opencommitment_item_delete", "actionitem", "DELETE", [_forget_item("OLD")]),
        ("opencommitment_support_update", "actionitemsupport", "UPDATE",
         [_forget_support("OLD"), _commitment_support_row("NEW")]),
        ("opencommitment_support_delete", "actionitemsupport", "DELETE", [_forget_support("OLD")]),
    ]]


# ---- rowtally: the row count of the large tables -----------------------------------------------------------
# PostgreSQL: one statement-level trigger per table and operation, adding to the slot of the connection (backend
# id modulo 16) so concurrent writers do not queue on one row. SQLite: row-level triggers (its writers are
# serialized anyway).

PG_TALLY_FUNCTION = """
CREATE OR REPLACE FUNCTION pitf_row_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE delta bigint;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM rowtally WHERE table_name = TG_TABLE_NAME;
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT count(*) INTO delta FROM tally_new;
  ELSE
    SELECT -count(*) INTO delta FROM tally_old;
  END IF;
  IF delta <> 0 THEN
    INSERT INTO rowtally (table_name, slot, row_count) VALUES (TG_TABLE_NAME, pg_backend_pid() % 16, delta)
    ON CONFLICT (table_name, slot) DO UPDATE SET row_count = rowtally.row_count + EXCLUDED.row_count;
  END IF;
  RETURN NULL;
END $$
"""


def _tally_triggers(table: str, dialect: str) -> list[Trigger]:
    if dialect == "postgresql":
        return [
            Trigger(f"tally_insert_{table}", ROWTALLY, table, (), (
                f"CREATE TRIGGER tally_insert_{table} AFTER INSERT ON {table} REFERENCING NEW TABLE AS "
                f"tally_new FOR EACH STATEMENT EXECUTE FUNCTION pitf_row_tally()",), own_function=False),
            Trigger(f"tally_delete_{table}", ROWTALLY, table, (), (
                f"CREATE TRIGGER tally_delete_{table} AFTER DELETE ON {table} REFERENCING OLD TABLE AS "
                f"tally_old FOR EACH STATEMENT EXECUTE FUNCTION pitf_row_tally()",), own_function=False),
            Trigger(f"tally_truncate_{table}", ROWTALLY, table, (), (
                f"CREATE TRIGGER tally_truncate_{table} AFTER TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION pitf_row_tally()",), own_function=False)]
    return [
        Trigger(f"tally_insert_{table}", ROWTALLY, table, (
            f"CREATE TRIGGER tally_insert_{table} AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO rowtally (table_name, slot, row_count) VALUES ('{table}', 0, 1) "
            f"ON CONFLICT (table_name, slot) DO UPDATE SET row_count = row_count + 1; END",), (), own_function=False),
        Trigger(f"tally_delete_{table}", ROWTALLY, table, (
            f"CREATE TRIGGER tally_delete_{table} AFTER DELETE ON {table} BEGIN "
            f"UPDATE rowtally SET row_count = row_count - 1 WHERE table_name = '{table}' AND slot = 0; END",), (),
            own_function=False)]


def tally_fill(table: str) -> str:
    """The statement giving rowtally *table*'s row count as it is."""
    return f"INSERT INTO rowtally (table_name, slot, row_count) SELECT '{table}', 0, count(*) FROM {table}"


# ---- installing and dropping --------------------------------------------------------------------------------

def triggers(dialect: str, summary: str | None = None, tables: Iterable[str] | None = None, *,
             row_level: bool = False) -> list[Trigger]:
    """The triggers of *summary* (every summary if None) on *dialect*, those on *tables* only if given.
    *row_level*: PostgreSQL's INSERT triggers of scoretally and opencommitment per row, as they were before
    migration b7d41e9c3a52 (its downgrade)."""
    every = [*_score_triggers(dialect, row_level), *_commitment_triggers(row_level),
             *(t for table in ROW_TALLIED for t in _tally_triggers(table, dialect))]
    wanted = set(tables) if tables is not None else None
    return [t for t in every if (summary is None or t.summary == summary) and (wanted is None or t.table in wanted)]


def _run(bind, statement: str) -> None:
    bind.execute(sa.text(statement))


def install(bind, summary: str, tables: Iterable[str] | None = None, *, row_level: bool = False) -> None:
    """Create *summary*'s triggers (on *tables* only if given) on the database behind *bind* (a connection:
    `op.get_bind()` in a migration); *row_level* as for `triggers`."""
    dialect = bind.dialect.name
    if summary == ROWTALLY and dialect == "postgresql":
        _run(bind, PG_TALLY_FUNCTION)  # shared by every table's triggers; CREATE OR REPLACE
    for trigger in triggers(dialect, summary, tables, row_level=row_level):
        for statement in trigger.postgresql if dialect == "postgresql" else trigger.sqlite:
            _run(bind, statement)


def drop(bind, summary: str, tables: Iterable[str] | None = None) -> None:
    """Drop *summary*'s triggers (on *tables* only if given) and their functions; those missing are skipped.
    Dropping them all drops the function rowtally's triggers share on PostgreSQL."""
    dialect = bind.dialect.name
    pg = dialect == "postgresql"
    for trigger in triggers(dialect, summary, tables):
        _run(bind, f"DROP TRIGGER IF EXISTS {trigger.name}" + (f" ON {trigger.table}" if pg else ""))
        if pg and trigger.own_function:
            _run(bind, f"DROP FUNCTION IF EXISTS {trigger.name}()")
    if summary == ROWTALLY and pg and tables is None:
        _run(bind, "DROP FUNCTION IF EXISTS pitf_row_tally()")


# The triggers migration b7d41e9c3a52 made statement-level on PostgreSQL.
STATEMENT_INSERTS = ("scoretally_item_insert", "scoretally_support_insert", "opencommitment_item_insert",
                     "opencommitment_support_insert")


def reinstall_insert_triggers(bind, *, row_level: bool = False) -> None:
    """PostgreSQL: the INSERT triggers of scoretally and opencommitment (STATEMENT_INSERTS) and their functions
    dropped and created again, once per statement, or per row if *row_level* (migration b7d41e9c3a52 and its
    downgrade). A no-op on SQLite, whose triggers are per row either way."""
    if bind.dialect.name != "postgresql":
        return
    for trigger in triggers(bind.dialect.name, row_level=row_level):
        if trigger.name in STATEMENT_INSERTS:
            _run(bind, f"DROP TRIGGER IF EXISTS {trigger.name} ON {trigger.table}")
            _run(bind, f"DROP FUNCTION IF EXISTS {trigger.name}()")
            for statement in trigger.postgresql:
                _run(bind, statement)


def reinstall_table_triggers(bind, table: str) -> None:
    """Every summary's triggers on *table* dropped (where still there) and created again: for a migration that
    rebuilt *table* (SQLite's batch mode loses them), after its batch."""
    for summary in SUMMARIES:
        if triggers(bind.dialect.name, summary, [table]):
            drop(bind, summary, [table])
            install(bind, summary, [table])
    install_version_triggers(bind, [table])


# ---- SQLite: the data-version counter and its triggers, on every table ------------------------------------

VERSION_TABLE = "dataversion"
NOT_TRACKED = {"alembic_version", VERSION_TABLE, "sqlite_sequence", "sqlite_stat1", "sqlite_stat4"}
OPERATIONS = ("insert", "update", "delete")


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

