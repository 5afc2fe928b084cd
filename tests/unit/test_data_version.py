"""The data version the page cache keys on: it moves with every write, on both databases."""

from sqlalchemy import text

from pitf.dataversion import data_version
from pitf.dbtriggers import install_version_triggers, tables_without_triggers, tracked_tables
from pitf.models import Agency


def test_every_table_moves_the_version_on_sqlite(connection, dialect):
    if dialect != "sqlite":
        assert data_version  # PostgreSQL keeps no triggers for it: see test_postgresql_version_is_the_snapshot
        return
    assert "actionitem" in tracked_tables(connection) and "dataversion" not in tracked_tables(connection)
    assert tables_without_triggers(connection) == []  # a migration that adds or rebuilds a table reinstalls them


def test_a_table_rebuilt_without_its_triggers_is_found_and_mended(connection, dialect):
    if dialect != "sqlite":
        return
    connection.exec_driver_sql("DROP TRIGGER dataversion_agency_upd")
    assert tables_without_triggers(connection) == ["agency"]
    install_version_triggers(connection, ["agency"])
    assert tables_without_triggers(connection) == []


def test_insert_update_and_delete_each_move_the_version(db):
    seen = [data_version(db)]
    agency = Agency(acronym="TSTX", name="Test agency")
    db.add(agency)
    db.flush()
    seen.append(data_version(db))
    agency.name = "Test agency, renamed"
    db.flush()
    seen.append(data_version(db))
    db.delete(agency)
    db.flush()
    seen.append(data_version(db))
    assert len(set(seen)) == 4


def test_postgresql_version_is_the_snapshot(engine, dialect):
    """Another connection's commit moves it; reading does not (no transaction of this test is left open)."""
    if dialect != "postgresql":
        return
    from sqlalchemy.orm import Session

    with engine.connect() as reader, engine.connect() as writer:
        with Session(reader) as s:
            before, again = data_version(s), data_version(s)
            s.rollback()
        writer.execute(text("CREATE TEMP TABLE scratch (n int)"))
        writer.execute(text("INSERT INTO scratch VALUES (1)"))
        writer.commit()
        with Session(reader) as s:
            after = data_version(s)
            s.rollback()
    assert before == again and after != before
