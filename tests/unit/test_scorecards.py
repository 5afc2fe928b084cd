"""Scorecard figures checked against numbers worked out by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from pitf.models import ActionItem, ActionItemSupport
from pitf.permissions import SYSTEM
from pitf.services import org, scorecards
from tests.factories import agency, committee

TODAY = date(2025, 6, 15)


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def add_item(db):
    body = committee(db, "Senior Policy Operating Group")

    def add(lead: str, *, due: date, status: str = "open", pillar: str = "prevention",
            closed_at: datetime | None = None, supporting: tuple[str, ...] = ()) -> ActionItem:
        item = ActionItem(title=f"{lead} {status} due {due}", committee_id=body.id,
                          lead_agency_id=agency(db, lead).id, due_date=due, status=status, pillar=pillar,
                          closed_at=closed_at)
        db.add(item)
        db.flush()
        for acronym in supporting:
            db.add(ActionItemSupport(action_item_id=item.id, agency_id=agency(db, acronym).id))
        db.flush()
        return item

    return add


@pytest.fixture
def doj_record(add_item):
    """DOJ leads ten items; DHS leads three (two supported by DOJ), which must not count for DOJ."""
    d = date
    # open ones: two overdue, one due in the future, one due today (not yet overdue)
    add_item("DOJ", due=d(2025, 6, 1), status="open", pillar="prevention")
    add_item("DOJ", due=d(2025, 7, 1), status="in_progress", pillar="protection")
    add_item("DOJ", due=d(2025, 6, 14), status="blocked", pillar="prosecution")
    add_item("DOJ", due=TODAY, status="open", pillar="partnership")
    # done on time: closed at 23:59 UTC on its due day (the UTC day counts), and closed early
    add_item("DOJ", due=d(2025, 5, 10), status="done", pillar="prevention", closed_at=at(d(2025, 5, 10), 23, 59))
    add_item("DOJ", due=d(2025, 5, 10), status="done", pillar="protection", closed_at=at(d(2025, 4, 1)))
    # done 2, 5 and 10 days late (the 2-day one closed just after midnight UTC)
    add_item("DOJ", due=d(2025, 3, 1), status="done", pillar="prevention", closed_at=at(d(2025, 3, 3), 0, 1))
    add_item("DOJ", due=d(2025, 3, 1), status="done", pillar="prosecution", closed_at=at(d(2025, 3, 6)))
    add_item("DOJ", due=d(2025, 3, 1), status="done", pillar="prosecution", closed_at=at(d(2025, 3, 11)))
    # cancelled long after its due date: not done, so neither on time nor late
    add_item("DOJ", due=d(2025, 1, 1), status="cancelled", pillar="partnership", closed_at=at(d(2025, 5, 1)))
    # DHS leads: DOJ supports an overdue open one and a done one
    add_item("DHS", due=d(2025, 5, 1), status="open", pillar="prevention", supporting=("DOJ",))
    add_item("DHS", due=d(2025, 1, 1), status="done", pillar="prevention", closed_at=at(d(2025, 4, 11)),
             supporting=("DOJ",))
    add_item("DHS", due=d(2025, 7, 1), status="open", pillar="protection")


def test_agency_scorecard_counts_only_what_the_agency_leads(db, doj_record):
    card = scorecards.agency_scorecard(db, agency(db, "DOJ").id, TODAY)
    assert (card.acronym, card.name) == ("DOJ", "Department of Justice")
    assert (card.open, card.overdue, card.done, card.cancelled) == (4, 2, 5, 1)
    assert (card.done_on_time, card.done_late) == (2, 3)
    assert card.on_time_pct == 40
    assert card.median_days_late == 5
    assert (card.supporting_open, card.supporting_overdue) == (1, 1)


def test_agency_scorecard_by_pillar(db, doj_record):
    card = scorecards.agency_scorecard(db, agency(db, "DOJ").id, TODAY)
    by = {p: (c.open, c.overdue, c.done, c.on_time_pct) for p, c in card.by_pillar.items()}
    assert by == {
        "prevention": (1, 1, 2, 50),
        "protection": (1, 0, 1, 100),
        "prosecution": (1, 1, 2, 0),
        "partnership": (1, 0, 0, None),  # one cancelled, nothing done: no rate
    }


def test_agency_with_nothing_done_has_no_rate_and_no_median(db, add_item):
    add_item("DOL", due=date(2025, 1, 1), status="open")
    card = scorecards.agency_scorecard(db, agency(db, "DOL").id, TODAY)
    assert (card.open, card.overdue, card.done) == (1, 1, 0)
    assert card.on_time_pct is None and card.median_days_late is None
    assert (card.supporting_open, card.supporting_overdue) == (0, 0)


def test_all_done_on_time_has_no_median_days_late(db, add_item):
    add_item("DOL", due=date(2025, 1, 10), status="done", closed_at=at(date(2025, 1, 9)))
    card = scorecards.agency_scorecard(db, agency(db, "DOL").id, TODAY)
    assert card.on_time_pct == 100 and card.median_days_late is None


def test_even_number_of_late_items_takes_the_mean_of_the_middle_two(db, add_item):
    for late in (1, 4, 6, 30):
        add_item("DOL", due=date(2025, 2, 1), status="done", closed_at=at(date(2025, 2, 1) + timedelta(days=late)))
    add_item("DOL", due=date(2025, 2, 1), status="done", closed_at=at(date(2025, 1, 20)))
    card = scorecards.agency_scorecard(db, agency(db, "DOL").id, TODAY)
    assert card.median_days_late == 5.0
    assert card.on_time_pct == 20


def test_on_time_rate_rounds_half_up_to_a_whole_percent(db, add_item):
    # 1 of 8 on time is 12.5%: shown as 13
    add_item("DOL", due=date(2025, 2, 1), status="done", closed_at=at(date(2025, 2, 1)))
    for _ in range(7):
        add_item("DOL", due=date(2025, 2, 1), status="done", closed_at=at(date(2025, 2, 3)))
    assert scorecards.agency_scorecard(db, agency(db, "DOL").id, TODAY).on_time_pct == 13


def test_done_without_a_close_time_counts_as_done_but_not_in_the_rate(db, add_item):
    add_item("DOL", due=date(2025, 2, 1), status="done", closed_at=None)
    add_item("DOL", due=date(2025, 2, 1), status="done", closed_at=at(date(2025, 1, 30)))
    card = scorecards.agency_scorecard(db, agency(db, "DOL").id, TODAY)
    assert card.done == 2
    assert card.on_time_pct == 100


def test_summary_has_every_active_agency_and_a_total(db, doj_record, add_item, make_user):
    # a retired agency's items are in neither its row (it has none) nor the total
    xyz = org.create_agency(session=db, actor=SYSTEM, agency_in={"acronym": "XYZ", "name": "Retired Agency"})
    db.flush()
    add_item("XYZ", due=date(2024, 1, 1), status="done", closed_at=at(date(2025, 1, 1)))
    add_item("XYZ", due=date(2024, 1, 1), status="open")
    org.set_agency_active(session=db, actor=make_user("admin"), agency=xyz, active=False)
    db.flush()

    rows = scorecards.summary(db, TODAY)
    *agencies, total = rows
    acronyms = [c.acronym for c in agencies]
    assert len(agencies) == 21 and "XYZ" not in acronyms and acronyms == sorted(acronyms)
    by = {c.acronym: c for c in agencies}
    doj, dhs = by["DOJ"], by["DHS"]
    assert (doj.open, doj.overdue, doj.done, doj.on_time_pct, doj.median_days_late) == (4, 2, 5, 40, 5)
    assert (doj.supporting_open, doj.supporting_overdue) == (1, 1)
    assert (dhs.open, dhs.overdue, dhs.done, dhs.on_time_pct, dhs.median_days_late) == (2, 1, 1, 0, 100)
    assert (dhs.supporting_open, dhs.supporting_overdue) == (0, 0)
    assert doj.by_pillar["prosecution"].done == 2 and dhs.by_pillar["prevention"].overdue == 1
    empty = by["DOL"]
    assert (empty.open, empty.overdue, empty.done, empty.on_time_pct, empty.median_days_late) == (0, 0, 0, None, None)

    assert total.is_total and total.acronym is None
    assert (total.open, total.overdue, total.done, total.cancelled) == (6, 3, 6, 1)
    assert total.on_time_pct == 33  # 2 of 6
    assert total.median_days_late == 7.5  # 2, 5, 10 and 100 days late
    assert total.by_pillar["prevention"].open == 2


def test_summary_queries_do_not_grow_with_the_items(db, add_item, count_queries):
    with count_queries() as few:
        scorecards.summary(db, TODAY)
    for i in range(30):
        add_item("DOJ" if i % 2 else "DHS", due=date(2025, 1, 1 + i), status=("open", "done")[i % 2],
                 closed_at=at(date(2025, 3, 1)) if i % 2 else None, supporting=("DOL",))
    with count_queries() as many:
        scorecards.summary(db, TODAY)
        doj_id = agency(db, "DOJ").id
    with count_queries() as card:
        scorecards.agency_scorecard(db, doj_id, TODAY)
    assert few.count == many.count - 1 == 4  # the extra one is agency() above
    assert card.count == 4


def test_close_day_is_the_utc_day_whatever_the_database_session_zone(db, doj_record, dialect):
    if dialect == "postgresql":
        # In UTC+14 the 23:59 UTC close falls on the next local day: a local-day cast would call it late.
        db.execute(text("SET LOCAL TIME ZONE 'Pacific/Kiritimati'"))
    card = scorecards.agency_scorecard(db, agency(db, "DOJ").id, TODAY)
    assert (card.done_on_time, card.done_late, card.median_days_late) == (2, 3, 5)


def test_unknown_agency_id_is_not_found(db):
    from pitf.errors import NotFound

    with pytest.raises(NotFound):
        scorecards.agency_scorecard(db, 987654, TODAY)
