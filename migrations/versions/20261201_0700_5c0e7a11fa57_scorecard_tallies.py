"""scorecard tallies: counts kept by triggers, so scorecards and dashboards read a few hundred rows

Revision ID: 5c0e7a11fa57
Revises: b4cae1cc2998
Create Date: 2026-12-01 07:00:00

The table scoretally (pitf/models/actions.py, ScoreTally) holds how many action items fall in each bucket
of the scorecards. Triggers on actionitem and actionitemsupport add and subtract in the same statement as
the change, whatever wrote it (the services, the CSV import, a bulk load of demo data, plain SQL).
The upgrade fills the table from the items already there.

SQLite drops a table's triggers with the table: a later migration that rebuilds actionitem or
actionitemsupport in batch mode ("move and copy") must create them again (install_triggers below).
tests/unit/test_scorecard_tallies.py fails when they are missing.
"""
from alembic import op
import sqlalchemy as sa


revision = '5c0e7a11fa57'
down_revision = 'b4cae1cc2998'
branch_labels = None
depends_on = None

OPEN = "('open', 'in_progress', 'blocked')"
KEY = "agency_id, role, pillar, bucket, due_key"


class _Sql:
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

    def item_rows(self, x: str, sign: int, source: str = "") -> list[str]:
        """SELECTs of the rows one item adds (sign 1) or takes away (sign -1), as lead and as supported.
        *source* is the FROM clause naming *x* when it is not a trigger's NEW or OLD."""
        where = "WHERE" if not source else f"{source} WHERE"
        supports = (f"FROM actionitemsupport s WHERE s.action_item_id = {x}.id AND" if not source else
                    f"FROM actionitemsupport s JOIN actionitem {x} ON {x}.id = s.action_item_id WHERE")
        return [
            f"SELECT {x}.lead_agency_id AS agency_id, 'L' AS role, {x}.pillar AS pillar, {self.bucket(x)} AS bucket, "
            f"CASE WHEN {self.is_open(x)} THEN {self.month(x)} ELSE 0 END AS due_key, {sign} AS n {source}",
            f"SELECT {x}.lead_agency_id, 'L', {x}.pillar, 'open_day', {self.day(x)}, {sign} {where} {self.is_open(x)}",
            f"SELECT {x}.lead_agency_id, 'L', '', 'late_days', {self.days_late(x)}, {sign} {where} "
            f"{x}.status = 'done' AND {x}.closed_at IS NOT NULL AND {self.closed_day(x)} > {x}.due_date",
            f"SELECT s.agency_id, 'S', '', 'open', {self.month(x)}, {sign} {supports} {self.is_open(x)}",
            f"SELECT s.agency_id, 'S', '', 'open_day', {self.day(x)}, {sign} {supports} {self.is_open(x)}",
        ]

    def support_rows(self, y: str, sign: int) -> list[str]:
        """SELECTs of the rows a supporting agency *y* (NEW or OLD) adds or takes away."""
        src = f"FROM actionitem i WHERE i.id = {y}.action_item_id AND {self.is_open('i')}"
        return [f"SELECT {y}.agency_id AS agency_id, 'S' AS role, '' AS pillar, 'open' AS bucket, "
                f"{self.month('i')} AS due_key, {sign} AS n {src}",
                f"SELECT {y}.agency_id, 'S', '', 'open_day', {self.day('i')}, {sign} {src}"]

    def apply(self, selects: list[str]) -> str:
        """One statement adding the rows' sums, in key order (concurrent writers lock rows in one order)."""
        return (f"INSERT INTO scoretally ({KEY}, n) SELECT {KEY}, SUM(n) FROM ({' UNION ALL '.join(selects)}) c "
                f"WHERE bucket IS NOT NULL GROUP BY {KEY} HAVING SUM(n) <> 0 ORDER BY {KEY} "
                f"ON CONFLICT ({KEY}) DO UPDATE SET n = scoretally.n + excluded.n")


COLUMNS = "lead_agency_id, pillar, status, due_date, closed_at"
# (trigger name, table, event, rows taken away, rows added)
TRIGGERS = [
    ("scoretally_item_insert", "actionitem", "INSERT", None, "item"),
    ("scoretally_item_update", "actionitem", f"UPDATE OF {COLUMNS}", "item", "item"),
    ("scoretally_item_delete", "actionitem", "DELETE", "item", None),
    ("scoretally_support_insert", "actionitemsupport", "INSERT", None, "support"),
    ("scoretally_support_update", "actionitemsupport", "UPDATE", "support", "support"),
    ("scoretally_support_delete", "actionitemsupport", "DELETE", "support", None),
]


def _body(sql: _Sql, old: str | None, new: str | None) -> str:
    selects: list[str] = []
    for kind, row, sign in ((old, "OLD", -1), (new, "NEW", 1)):
        if kind == "item":
            selects += sql.item_rows(row, sign)
        elif kind == "support":
            selects += sql.support_rows(row, sign)
    return sql.apply(selects)


def install_triggers(bind) -> None:
    """Create the triggers that keep scoretally, on the dialect of *bind*."""
    sql = _Sql(bind.dialect.name)
    for name, table, event, old, new in TRIGGERS:
        if sql.pg:
            op.execute(sa.text(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                               f"{_body(sql, old, new)}; RETURN NULL; END $$"))
            op.execute(sa.text(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                               f"EXECUTE FUNCTION {name}()"))
        else:
            op.execute(sa.text(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN "
                               f"{_body(sql, old, new)}; END"))


def drop_triggers(bind) -> None:
    pg = bind.dialect.name == "postgresql"
    for name, table, *_ in TRIGGERS:
        op.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if pg else "")))
        if pg:
            op.execute(sa.text(f"DROP FUNCTION IF EXISTS {name}()"))


def upgrade() -> None:
    op.create_table('scoretally',
    sa.Column('agency_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('role', sa.String(length=1), nullable=False),
    sa.Column('pillar', sa.String(length=16), nullable=False),
    sa.Column('bucket', sa.String(length=16), nullable=False),
    sa.Column('due_key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('agency_id', 'role', 'pillar', 'bucket', 'due_key', name=op.f('pk_scoretally'))
    )
    with op.batch_alter_table('scoretally', schema=None) as batch_op:
        batch_op.create_index('ix_scoretally_due_key', ['due_key', 'agency_id', 'role', 'pillar', 'n'], unique=False)
        batch_op.create_index('ix_scoretally_bucket_group', ['bucket', 'agency_id', 'role', 'pillar', 'due_key', 'n'],
                              unique=False)
    bind = op.get_bind()
    sql = _Sql(bind.dialect.name)
    # The items already there, then the triggers for every change from now on (one transaction).
    op.execute(sa.text(f"INSERT INTO scoretally ({KEY}, n) SELECT {KEY}, SUM(n) FROM "
                       f"({' UNION ALL '.join(sql.item_rows('i', 1, 'FROM actionitem i'))}) c "
                       f"WHERE bucket IS NOT NULL GROUP BY {KEY} HAVING SUM(n) <> 0"))
    install_triggers(bind)


def downgrade() -> None:
    drop_triggers(op.get_bind())
    with op.batch_alter_table('scoretally', schema=None) as batch_op:
        batch_op.drop_index('ix_scoretally_bucket_group')
        batch_op.drop_index('ix_scoretally_due_key')
    op.drop_table('scoretally')
