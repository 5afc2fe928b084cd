"""ScoreTally and OpenCommitment, what the scorecards and dashboards read: kept right by every write path, never
stale.

Each test changes items one way (the services, the CSV import, bulk SQL as the demo loader writes) and then
compares the table with a count worked out in Python from the items themselves."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, insert, inspect, select, text, update
from sqlalchemy import table as sql_table

from pitf import dbtriggers
from pitf.models import ActionItem, ActionItemSupport, OpenCommitment, ScoreTally
from pitf.models.actions import CLOSED_STATUSES
from pitf.paging import table_rows
from pitf.services import actions, csvio, scorecards
from tests.factories import agency, committee

TRIGGERS = tuple(f"{table}_{row}_{event}" for table in ("scoretally", "opencommitment")
                 for row in ("item", "support") for event in ("insert", "update", "delete"))


def expected(db) -> Counter:
    """The tally worked out from the items, independently of the triggers' SQL."""
    want: Counter = Counter()
    supports: dict[int, list[int]] = {}
    for s in db.execute(select(ActionItemSupport)).scalars():
        supports.setdefault(s.action_item_id, []).append(s.agency_id)
    for i in db.execute(select(ActionItem)).scalars():
        month, day = i.due_date.year * 100 + i.due_date.month, int(i.due_date.strftime("%Y%m%d"))
        if i.status not in CLOSED_STATUSES:
            want[(i.lead_agency_id, "L", i.pillar, "open", month)] += 1
            want[(i.lead_agency_id, "L", i.pillar, "open_day", day)] += 1
            for a in supports.get(i.id, []):
                want[(a, "S", "", "open", month)] += 1
                want[(a, "S", "", "open_day", day)] += 1
        elif i.status == "cancelled":
            want[(i.lead_agency_id, "L", i.pillar, "cancelled", 0)] += 1
        elif i.closed_at is None:
            want[(i.lead_agency_id, "L", i.pillar, "done_undated", 0)] += 1
        else:
            late = (i.closed_at.astimezone(UTC).date() - i.due_date).days
            want[(i.lead_agency_id, "L", i.pillar, "done_late" if late > 0 else "done_on_time", 0)] += 1
            if late > 0:
                want[(i.lead_agency_id, "L", "", "late_days", late)] += 1
    return want


def kept(db) -> Counter:
    db.flush()
    return Counter({(t.agency_id, t.role, t.pillar, t.bucket, t.due_key): t.n
                    for t in db.execute(select(ScoreTally).where(ScoreTally.n != 0)).scalars()})


def expected_commitments(db) -> set:
    supports: dict[int, list[int]] = {}
    for s in db.execute(select(ActionItemSupport)).scalars():
        supports.setdefault(s.action_item_id, []).append(s.agency_id)
    want = set()
    for i in db.execute(select(ActionItem).where(ActionItem.status.not_in(CLOSED_STATUSES))).scalars():
        want.add((i.lead_agency_id, i.id, "L", i.due_date))
        want.update((a, i.id, "S", i.due_date) for a in supports.get(i.id, []))
    return want


def assert_kept(db):
    db.expire_all()
    assert kept(db) == expected(db)
    assert set(db.execute(select(OpenCommitment.agency_id, OpenCommitment.action_item_id, OpenCommitment.role,
                                 OpenCommitment.due_date)).tuples()) == expected_commitments(db)


def new_item(db, staff, **over):
    data = {"title": "Train task forces", "committee_id": committee(db, "Victim Services").id, "lead_agency": "DOJ",
            "supporting_agencies": ["HHS", "DHS"], "due_date": (date.today() + timedelta(days=30)).isoformat(),
            "pillar": "protection"}
    data.update(over)
    return actions.create_action_item(session=db, actor=staff, data=data)


def trigger_definitions(db, dialect) -> dict[str, str]:
    """Each trigger of this database (this schema on PostgreSQL) with its definition, and its function's."""
    if dialect == "sqlite":
        return dict(db.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).tuples().all())
    return dict(db.execute(text(
        "SELECT t.tgname, pg_get_triggerdef(t.oid) || ' ' || pg_get_functiondef(t.tgfoid) FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND c.relnamespace = "
        "current_schema()::regnamespace")).tuples().all())


def test_triggers_are_installed(db, dialect):
    names = set(trigger_definitions(db, dialect))
    assert set(TRIGGERS) <= names, "a migration dropped the scoretally triggers: create them again"
    assert {t.name for t in dbtriggers.triggers(dialect)} <= names, "a migration dropped a summary's triggers"
    assert {"scoretally", "opencommitment", "rowtally"} <= set(inspect(db.connection()).get_table_names())


@pytest.mark.parametrize("table", ["actionitem", "actionitemsupport", "auditentry"])
def test_a_rebuilt_tables_triggers_are_installed_again_as_they_were(db, dialect, staff, table):
    """What a migration rebuilding *table* calls after its batch: the same triggers, still keeping the tallies."""
    before = trigger_definitions(db, dialect)
    on_table = {t.name for t in dbtriggers.triggers(dialect, tables=[table])}
    assert on_table and on_table <= set(before)
    dbtriggers.drop(db.connection(), dbtriggers.SCORETALLY, [table])
    dbtriggers.drop(db.connection(), dbtriggers.ROWTALLY, [table])
    assert not {t.name for t in dbtriggers.triggers(dialect, dbtriggers.SCORETALLY, [table])} & set(
        trigger_definitions(db, dialect))
    dbtriggers.reinstall_table_triggers(db.connection(), table)  # some missing, some there: all as they were
    assert trigger_definitions(db, dialect) == before
    new_item(db, staff)
    assert_kept(db)
    for tallied in dbtriggers.ROW_TALLIED:
        assert table_rows(db, tallied) == db.execute(select(func.count()).select_from(
            sql_table(tallied))).scalar_one()


def per_row(db) -> dict[str, bool]:
    """PostgreSQL: each trigger of this test run's schema (other runs' may hold other versions), and whether it
    runs per row."""
    return dict(db.execute(text(
        "SELECT t.tgname, (t.tgtype & 1) = 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace")).tuples().all())


INSERTS = [name for name in TRIGGERS if name.endswith("_insert")]


def test_insert_triggers_run_once_per_statement_on_postgresql(db, dialect):
    """A bulk insert (the demo loader's COPY) adds its rows' sums once, not once per row (migration
    bulk_insert_triggers): per row they took 85% of the time of inserting 5,000 items. UPDATE and DELETE stay
    per row."""
    if dialect != "postgresql":
        pytest.skip("SQLite has no transition tables; its triggers run per row")
    assert len(INSERTS) == 4 and set(INSERTS) == set(dbtriggers.STATEMENT_INSERTS)
    assert {name: per_row(db).get(name) for name in TRIGGERS} == {name: name not in INSERTS for name in TRIGGERS}


def test_the_bulk_insert_migration_goes_down_to_row_triggers_and_up_again(db, dialect):
    """Its downgrade puts back the row-level insert triggers of before, which keep the tallies as well; its
    upgrade the statement-level ones, as a new database has them (same definitions). All in the test's
    transaction, rolled back after it."""
    if dialect != "postgresql":
        pytest.skip("the migration changes nothing on SQLite")
    from alembic import command

    from pitf.migrate import alembic_config

    at_head = trigger_definitions(db, dialect)
    command.downgrade(alembic_config(connection=db.connection()), "3b8e6d1f7a25")
    assert {name: per_row(db).get(name) for name in INSERTS} == dict.fromkeys(INSERTS, True)
    bulk_sql_keeps_the_tally(db, "DOWN")
    command.upgrade(alembic_config(connection=db.connection()), "b7d41e9c3a52")
    assert trigger_definitions(db, dialect) == at_head
    bulk_sql_keeps_the_tally(db, "UP")


def test_the_services_keep_the_tally(db, staff, make_user):
    doj = make_user("liaison", agency="DOJ")
    item = new_item(db, staff)
    late = new_item(db, staff, due_date=(date.today() - timedelta(days=40)).isoformat(), pillar="prevention")
    assert_kept(db)
    actions.post_status_update(session=db, actor=doj, item_id=item.id, version=item.version, status="in_progress",
                               note_md="Started.")
    assert_kept(db)
    actions.post_status_update(session=db, actor=doj, item_id=item.id, version=item.version, status="done",
                               note_md="Delivered.")
    actions.post_status_update(session=db, actor=doj, item_id=late.id, version=late.version, status="done",
                               note_md="Delivered late.")
    assert_kept(db)
    assert kept(db)[(agency(db, "DOJ").id, "L", "", "late_days", 40)] == 1
    # reopened, moved to another agency, pillar and date, supporters changed
    actions.post_status_update(session=db, actor=staff, item_id=late.id, version=late.version, status="blocked",
                               note_md="Reopened.")
    actions.update_action_item(session=db, actor=staff, item_id=late.id, version=late.version,
                               data={"lead_agency": "DHS", "pillar": "prosecution", "supporting_agencies": ["DOL"],
                                     "due_date": (date.today() + timedelta(days=400)).isoformat()})
    assert_kept(db)
    actions.cancel_action_item(session=db, actor=staff, item_id=late.id, version=late.version, reason="Dropped.")
    assert_kept(db)


def test_the_csv_import_keeps_the_tally(db, staff):
    committee(db, "Victim Services")
    text_ = ("external_ref,title,description,committee,lead_agency,supporting_agencies,owner_email,due_date,status,"
             "pillar,priority\n"
             "T-1,Train task forces,,Victim Services,DOJ,HHS; DHS,,2027-06-30,open,protection,high\n"
             "T-2,Screen imports,,Victim Services,DHS,DOL,,3/31/2024,in_progress,prevention,\n")
    csvio.apply_import(db, staff, csvio.parse_import(db, text_))
    assert_kept(db)
    again = text_.replace("2027-06-30,open", "2027-07-31,blocked").replace("DHS,DOL", "DOJ,DOL")
    csvio.apply_import(db, staff, csvio.parse_import(db, again))
    assert_kept(db)


def test_bulk_sql_keeps_the_tally(db):
    """The demo loader inserts rows with plain SQL; updates and deletes by SQL are kept too."""
    bulk_sql_keeps_the_tally(db, "BULK")


def bulk_sql_keeps_the_tally(db, ref: str) -> None:
    body = committee(db, "Victim Services")
    doj, dhs, dol = (agency(db, a).id for a in ("DOJ", "DHS", "DOL"))
    closed = datetime(2025, 3, 3, 0, 1, tzinfo=UTC)
    rows = [{"title": f"Bulk {n}", "committee_id": body.id, "lead_agency_id": (doj, dhs)[n % 2],
             "due_date": date(2025, 1 + n % 12, 1 + n % 28), "pillar": ("prevention", "protection")[n % 2],
             "status": ("open", "done", "cancelled", "blocked", "done")[n % 5], "external_ref": f"{ref}-{n}",
             "closed_at": closed if n % 5 in (1, 2) else None} for n in range(40)]
    ids = db.execute(insert(ActionItem).returning(ActionItem.id), rows).scalars().all()
    db.execute(insert(ActionItemSupport), [{"action_item_id": i, "agency_id": dol} for i in ids[::3]])
    assert_kept(db)
    db.execute(update(ActionItem).where(ActionItem.id.in_(ids[:10])).values(status="done", closed_at=closed))
    db.execute(update(ActionItem).where(ActionItem.id.in_(ids[10:20])).values(due_date=date(2026, 2, 2)))
    db.execute(update(ActionItemSupport).where(ActionItemSupport.action_item_id == ids[21]).values(agency_id=doj))
    assert_kept(db)
    db.execute(delete(ActionItemSupport).where(ActionItemSupport.action_item_id.in_(ids[:30])))
    db.execute(delete(ActionItem).where(ActionItem.id.in_(ids[:30])))
    assert_kept(db)


@pytest.mark.parametrize(("due", "today", "overdue"), (
    (date(2025, 6, 15), date(2025, 6, 15), 0),   # due today: not yet overdue
    (date(2025, 6, 15), date(2025, 6, 16), 1),   # the next morning it is, with nothing written
    (date(2025, 5, 31), date(2025, 6, 1), 1),    # last day of the month, read on the first of the next
    (date(2025, 6, 1), date(2025, 6, 30), 1),    # earlier this month
    (date(2024, 12, 31), date(2025, 1, 1), 1),   # across a year
    (date(2025, 7, 1), date(2025, 6, 30), 0),
))
def test_overdue_follows_the_date_read_not_the_date_written(db, due, today, overdue):
    body = committee(db, "Victim Services")
    doj, dhs = agency(db, "DOJ"), agency(db, "DHS")
    item = ActionItem(title="Due soon", committee_id=body.id, lead_agency_id=doj.id, due_date=due,
                      pillar="prevention")
    db.add(item)
    db.flush()
    db.add(ActionItemSupport(action_item_id=item.id, agency_id=dhs.id))
    db.flush()
    card = scorecards.agency_scorecard(db, doj.id, today)
    assert (card.open, card.overdue, card.by_pillar["prevention"].overdue) == (1, overdue, overdue)
    assert scorecards.agency_scorecard(db, dhs.id, today).supporting_overdue == overdue
    assert scorecards.open_and_overdue(db, today)[doj.id] == (1, overdue)
