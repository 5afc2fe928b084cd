"""bulk insert triggers: on PostgreSQL the scoretally and opencommitment insert triggers run once per statement

Revision ID: b7d41e9c3a52
Revises: 5e7a1c2d9b40
Create Date: 2026-12-01 10:00:00

The triggers of 20261201_0700 (scoretally) and 20261201_0730 (opencommitment) ran once per row inserted into
actionitem and actionitemsupport: 0.26 ms and 0.07 ms a row, 85% of the time a bulk insert of 5,000 items took
(measured: 1.3 s and 0.34 s of 1.95 s), and the larger part of `pitf demo --scale N` on PostgreSQL. On
PostgreSQL the four INSERT triggers become statement-level triggers over the transition table (the statement's
new rows), adding the same sums in one statement: a one-row insert does what it did, a bulk insert or a COPY
does it once. The UPDATE and DELETE triggers stay per row (a trigger with a column list, as the UPDATE ones
have, cannot have a transition table). SQLite keeps its row-level triggers: it has no transition tables, and
its bulk loads were never slowed by them.

The SQL of each tally is the one of the earlier migrations (read from their files, not copied), so a row counts
the same whichever trigger adds it; tests/unit/test_scorecard_tallies.py compares both tables with a recount.
"""
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from alembic import op
import sqlalchemy as sa


revision = 'b7d41e9c3a52'
down_revision = '5e7a1c2d9b40'
branch_labels = None
depends_on = None

NEW = "new_rows"  # the transition table's name inside each trigger


def _migration(filename: str):
    """An earlier migration of this folder, for its trigger SQL."""
    spec = spec_from_file_location(f"pitf_migration_{filename[:13]}", Path(__file__).with_name(filename))
    assert spec is not None and spec.loader is not None
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _statement_bodies() -> dict[str, tuple[str, str]]:
    """{trigger name: (table, body)} of the statement-level INSERT triggers, reading the rows of NEW."""
    tallies = _migration("20261201_0700_5c0e7a11fa57_scorecard_tallies.py")
    commitments = _migration("20261201_0730_8d2f4b6c1e90_open_commitments.py")
    sql = tallies._Sql("postgresql")
    opened = commitments.OPEN
    columns = commitments.COLUMNS
    # The lead's rows come from NEW; the supporters' rows join NEW to actionitemsupport (rows already there).
    item_rows = sql.item_rows("x", 1, f"FROM {NEW} x")
    item_rows[3:] = [s.replace("JOIN actionitem x ON", f"JOIN {NEW} x ON") for s in item_rows[3:]]
    support_rows = [s.replace("FROM actionitem i WHERE i.id = NEW.action_item_id AND",
                              f"FROM {NEW} y JOIN actionitem i ON i.id = y.action_item_id WHERE")
                    .replace("NEW.", "y.") for s in sql.support_rows("NEW", 1)]
    return {
        "scoretally_item_insert": ("actionitem", sql.apply(item_rows)),
        "scoretally_support_insert": ("actionitemsupport", sql.apply(support_rows)),
        "opencommitment_item_insert": ("actionitem", (
            f"INSERT INTO opencommitment ({columns}) "
            f"SELECT x.lead_agency_id, x.id, 'L', x.due_date FROM {NEW} x WHERE x.status IN {opened} "
            f"UNION ALL SELECT s.agency_id, x.id, 'S', x.due_date FROM actionitemsupport s "
            f"JOIN {NEW} x ON x.id = s.action_item_id WHERE x.status IN {opened} ON CONFLICT DO NOTHING")),
        "opencommitment_support_insert": ("actionitemsupport", (
            f"INSERT INTO opencommitment ({columns}) SELECT y.agency_id, i.id, 'S', i.due_date FROM {NEW} y "
            f"JOIN actionitem i ON i.id = y.action_item_id WHERE i.status IN {opened} ON CONFLICT DO NOTHING")),
    }


def _row_bodies() -> dict[str, tuple[str, str]]:
    """{trigger name: (table, body)} of the row-level INSERT triggers of the earlier migrations."""
    tallies = _migration("20261201_0700_5c0e7a11fa57_scorecard_tallies.py")
    commitments = _migration("20261201_0730_8d2f4b6c1e90_open_commitments.py")
    sql = tallies._Sql("postgresql")
    out = {name: (table, tallies._body(sql, old, new)) for name, table, event, old, new in tallies.TRIGGERS
           if event == "INSERT"}
    out.update({name: (table, "; ".join(statements)) for name, table, event, statements in commitments.TRIGGERS
                if event == "INSERT"})
    return out


def _replace(bodies: dict[str, tuple[str, str]], per_statement: bool) -> None:
    for name, (table, body) in bodies.items():
        op.execute(sa.text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
        op.execute(sa.text(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                           f"{body}; RETURN NULL; END $$"))
        each = f"REFERENCING NEW TABLE AS {NEW} FOR EACH STATEMENT" if per_statement else "FOR EACH ROW"
        op.execute(sa.text(f"CREATE TRIGGER {name} AFTER INSERT ON {table} {each} EXECUTE FUNCTION {name}()"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _replace(_statement_bodies(), per_statement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _replace(_row_bodies(), per_statement=False)
