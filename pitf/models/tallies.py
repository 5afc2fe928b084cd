"""How many rows the large tables hold, kept by the database itself so a list knows its total at once."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

# The tables whose row count the database keeps (triggers of the migration `row_tallies`): the lists whose
# unfiltered total would otherwise count hundreds of thousands of rows on every page.
TALLIED_TABLES = ("actionitem", "auditentry")


class RowTally(SQLModel, table=True):
    """A share of one table's row count. Triggers (not the application) add to it in the transaction that
    inserts or deletes, so it is exact and no code path can forget it; on PostgreSQL each connection adds
    to its own slot (its backend id modulo 16), so concurrent writers never wait on one row. The count of a
    table is the sum of its slots (`pitf.paging.table_rows`)."""

    table_name: str = Field(primary_key=True, max_length=64)
    slot: int = Field(primary_key=True)
    row_count: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
