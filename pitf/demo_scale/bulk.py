"""Bulk inserts for the scale data: PostgreSQL's COPY where the session runs on PostgreSQL, Core executemany
on SQLite. On PostgreSQL an executemany is one INSERT statement per row, and each statement fires the
statement-level triggers (rowtally's on auditentry): COPY fires them once for all its rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

CHUNK = 20000  # rows per executemany on SQLite (its parameter lists are held in memory once per call)


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert *rows* (dicts with the same keys, every column that has a Python-side default included) into
    *table*, in the session's transaction."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        for i in range(0, len(rows), CHUNK):
            session.execute(insert(table), rows[i:i + CHUNK])
        return
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    missing = [c.name for c in table.c if c.name not in rows[0] and c.default is not None]
    if missing:  # an executemany would have filled them in; COPY would leave them NULL or fail
        raise ValueError(f"Rows for {table.name} lack {', '.join(missing)}, which have defaults.")
    # The values as an INSERT would bind them: the columns' types turn datetimes to UTC and dicts to JSON.
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    session.flush()  # as session.execute() would: ORM objects pending go in first
    raw = session.connection().connection.driver_connection
    assert raw is not None  # a live connection inside the session's transaction
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            if len(row) != len(names):
                raise ValueError(f"Rows for {table.name} must all have the same columns.")
            copy.write_row([p(row[n]) if p else row[n] for n, p in zip(names, processors, strict=True)])


def insert_returning_ids(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert *rows* into *table* and return their new ids, in the order of *rows*."""
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        return list(session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                    list(rows)).scalars())
    # Take the ids from the table's sequence, as the INSERT would have, and COPY the rows with them.
    sequence = func.pg_get_serial_sequence(table.name, "id")
    ids = sorted(session.execute(select(func.nextval(sequence)).select_from(
        func.generate_series(1, len(rows)))).scalars())
    insert_rows(session, table, [{"id": item_id, **row} for item_id, row in zip(ids, rows, strict=True)])
    return ids
