"""The scale loader: deterministic, idempotent, able to grow, and consistent with the rules of the data."""

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from pitf.demo import load_demo
from pitf.demo_scale import load_scale
from pitf.models import ActionItem, ActionItemSupport, AuditEntry, StatusUpdate, utcnow
from pitf.models.actions import ACTION_STATUSES, CLOSED_STATUSES, PILLARS, PRIORITIES
from pitf.paging import table_rows
from tests.unit.test_scorecard_tallies import assert_kept


@pytest.fixture(autouse=True)
def demo(db, tmp_path):
    """The demo accounts the scale data's meetings and recommendations are run by (`pitf demo` loads them first)."""
    load_demo(db, tmp_path)
    db.flush()


def _counts(db):
    return {name: db.execute(select(func.count()).select_from(table)).scalar()
            for name, table in SQLModel.metadata.tables.items()}


def _snapshot(db):
    """The scale items by reference, with what makes each one: ids differ between runs, the rest must not."""
    items = db.execute(select(ActionItem).where(ActionItem.external_ref.like("scale-%"))).scalars().all()
    supports = {}
    for item_id, agency_id in db.execute(select(ActionItemSupport.action_item_id, ActionItemSupport.agency_id)):
        supports.setdefault(item_id, set()).add(agency_id)
    history = {}
    for item_id, status, note in db.execute(select(StatusUpdate.action_item_id, StatusUpdate.status,
                                                   StatusUpdate.note_md).order_by(StatusUpdate.id)):
        history.setdefault(item_id, []).append((status, note))
    return {i.external_ref: (i.title, i.lead_agency_id, i.committee_id, i.due_date, i.status, i.pillar, i.priority,
                             frozenset(supports.get(i.id, ())), tuple(history.get(i.id, ()))) for i in items}


def _extras(db):
    """The scale meetings, recommendations and notifications, by what makes them (not by id)."""
    from pitf.models import Meeting, Notification, Recommendation

    meetings = sorted(db.execute(select(Meeting.title, Meeting.starts_at, Meeting.status, Meeting.committee_id)
                                 .where(Meeting.title.not_like("Demo: %"))).tuples().all())
    recs = sorted(db.execute(select(Recommendation.report_year, Recommendation.title, Recommendation.status)
                             .where(Recommendation.title.not_like("Screen for labor%"))).tuples().all())
    notes = sorted(db.execute(select(Notification.user_id, Notification.kind, Notification.created_at)).tuples().all())
    return meetings, recs, notes


def test_scale_load_is_deterministic_and_sized(db):
    savepoint = db.begin_nested()
    first = load_scale(db, 1, items_per_unit=50)
    db.flush()
    snap = _snapshot(db)
    savepoint.rollback()
    assert _snapshot(db) == {}
    second = load_scale(db, 1, items_per_unit=50)
    db.flush()
    assert _snapshot(db) == snap
    assert sorted(snap) == sorted(f"scale-{n}" for n in range(1, 51))
    assert (first.items_added, first.updates_added) == (second.items_added, second.updates_added) == (50, 500)
    assert len({v[0] for v in snap.values()}) > 10  # titles vary


def test_scale_load_is_idempotent_and_audited_once(db):
    load_scale(db, 1, items_per_unit=50)
    db.flush()
    before = _counts(db)
    again = load_scale(db, 1, items_per_unit=50)
    db.flush()
    assert again.items_added == 0 and again.updates_added == 0
    assert _counts(db) == before
    entries = db.execute(select(AuditEntry).where(AuditEntry.action == "demo.scale")).scalars().all()
    assert len(entries) == 1
    assert entries[0].changes["action_items_added"] == [None, 50]
    assert entries[0].changes["status_updates_added"] == [None, 500]
    # The trail of each item is its creation and its last four status updates, as the services write them.
    per_item = dict(db.execute(select(AuditEntry.object_id, func.count()).where(
        AuditEntry.object_type == "ActionItem", AuditEntry.action.like("action_item.%"))
        .group_by(AuditEntry.object_id)).tuples().all())
    updates = dict(db.execute(select(StatusUpdate.action_item_id, func.count()).join(
        ActionItem, ActionItem.id == StatusUpdate.action_item_id).where(ActionItem.external_ref.like("scale-%"))
        .group_by(StatusUpdate.action_item_id)).tuples().all())
    scale_ids = db.execute(select(ActionItem.id).where(ActionItem.external_ref.like("scale-%"))).scalars().all()
    assert {i: per_item.get(i) for i in scale_ids} == {i: 1 + min(4, updates.get(i, 0)) for i in scale_ids}


def test_growing_adds_only_the_missing_items_and_matches_a_fresh_load(db):
    savepoint = db.begin_nested()
    load_scale(db, 2, items_per_unit=30)
    db.flush()
    fresh, fresh_extras = _snapshot(db), _extras(db)
    savepoint.rollback()
    load_scale(db, 1, items_per_unit=30)
    db.flush()
    small = _snapshot(db)
    grown = load_scale(db, 2, items_per_unit=30)
    db.flush()
    assert grown.items_added == 30 and grown.updates_added == 300
    after = _snapshot(db)
    assert after == fresh
    assert _extras(db) == fresh_extras and fresh_extras[0] and fresh_extras[1]
    assert {k: after[k] for k in small} == small


def test_scale_items_follow_the_rules_of_the_data(db):
    load_scale(db, 1, items_per_unit=60)
    db.flush()
    items = db.execute(select(ActionItem).where(ActionItem.external_ref.like("scale-%"))).scalars().all()
    updates = {}
    for u in db.execute(select(StatusUpdate).order_by(StatusUpdate.created_at, StatusUpdate.id)).scalars():
        updates.setdefault(u.action_item_id, []).append(u)
    today = utcnow().date()
    for item in items:
        history = updates.get(item.id, [])
        assert item.status in ACTION_STATUSES and item.pillar in PILLARS and item.priority in PRIORITIES
        assert -731 <= (item.due_date - today).days <= 366
        assert item.last_update_at == (history[-1].created_at if history else None)
        assert item.status == (history[-1].status if history else "open")
        assert all(item.created_at <= u.created_at for u in history)
        assert (item.closed_at is not None) == (item.status in CLOSED_STATUSES)
        assert item.description_html and item.description_html.startswith("<")
        if item.status == "done":
            assert item.percent_complete == 100
        supporters = db.execute(select(ActionItemSupport.agency_id).where(
            ActionItemSupport.action_item_id == item.id)).scalars().all()
        assert item.lead_agency_id not in supporters and len(supporters) <= 3
    assert sum(len(h) for h in updates.values()) == 600
    assert len({i.lead_agency_id for i in items}) > 5 and len({i.committee_id for i in items}) > 3


def test_the_summary_rows_equal_a_recount_after_a_load(db):
    """The loader writes in bulk (COPY on PostgreSQL, once per table and unit): the tables the triggers keep
    (scorecard tallies, open commitments, row counts) must come out as a recount of what it loaded."""
    load_scale(db, 1, items_per_unit=120)
    db.flush()
    load_scale(db, 2, items_per_unit=120)  # growing: the second unit's rows add to the first's
    db.flush()
    assert db.execute(select(func.count()).select_from(ActionItemSupport)).scalar() > 50
    assert_kept(db)
    for table in (ActionItem, AuditEntry):
        assert table_rows(db, table.__tablename__) == db.execute(select(func.count()).select_from(table)).scalar()


def test_demo_command_takes_a_scale(app, db, monkeypatch):
    import pitf.demo_scale

    monkeypatch.setattr(pitf.demo_scale, "ITEMS_PER_UNIT", 20)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--scale", "2"])
    assert result.exit_code == 0, result.output
    assert "Added 40 action items with 400 status updates" in result.output
    result = runner.invoke(args=["demo", "--scale", "2"])
    assert "already loaded; nothing added" in result.output
    assert runner.invoke(args=["demo", "--scale", "0"]).exit_code == 2
    db.expire_all()
    assert db.execute(select(func.count()).select_from(ActionItem).where(
        ActionItem.external_ref.like("scale-%"))).scalar() == 40


def test_a_unit_holds_everything_in_proportion_and_a_second_run_adds_nothing(db):
    from pitf.models import Meeting, Minutes

    before = _counts(db)
    result = load_scale(db, 2, items_per_unit=200)
    db.flush()
    after = _counts(db)
    added = {name: after[name] - before[name] for name in after}
    # Per 5,000 items: 250 meetings, 125 recommendations, 20,000 notifications, over 20,000 audit entries.
    assert (added["actionitem"], added["statusupdate"]) == (400, 4000)
    assert (added["meeting"], added["recommendation"], added["notification"]) == (20, 10, 1600)
    assert added["auditentry"] >= 4 * 400
    assert result.added == {"meetings": 20, "recommendations": 10, "notifications": 1600,
                            "audit entries": added["auditentry"] - 1}  # less the load's own entry
    assert added["agenda"] and added["agendaitem"] >= 4 * added["agenda"] and added["attendance"]
    assert added["minutes"] == added["minutesrevision"] - sum(  # a corrected one has two revisions
        1 for m in db.execute(select(Minutes.revision)).scalars() if m == 2)
    assert added["agencyresponse"] and added["recommendationtarget"] >= 10 and added["recommendationevent"] >= 10
    now = utcnow()
    scale = db.execute(select(Meeting).where(Meeting.title.not_like("Demo: %"))).scalars().all()
    past = [m for m in scale if m.ends_at < now and m.status == "scheduled"]
    assert past and any(m.starts_at > now for m in scale)
    assert len({m.committee_id for m in scale}) > 3
    minutes = {m.meeting_id: m for m in db.execute(select(Minutes)).scalars()}
    old = [m for m in past if (now - m.ends_at).days > 45]
    assert sum(minutes[m.id].status == "approved" for m in old if m.id in minutes) >= 0.7 * len(old)
    again = load_scale(db, 2, items_per_unit=200)
    db.flush()
    assert (again.items_added, again.added) == (0, {})
    assert _counts(db) == after


def test_recommendations_come_in_every_status_with_unique_numbers(db):
    from pitf.demo_scale.context import build_context
    from pitf.demo_scale.recommendations import STATUS_WEIGHTS, plan
    from pitf.models.recommendations import RECOMMENDATION_STATUSES

    ctx = build_context(db)
    rows = [plan(r, ctx, {})[0] for r in range(1, 126)]  # one unit's worth
    assert {row["status"] for row in rows} == {s for s, _ in STATUS_WEIGHTS} == set(RECOMMENDATION_STATUSES)
    numbers = [row["number"] for row in rows if row["number"]]
    assert len(numbers) == len(set(numbers)) and all(row["report_year"] < ctx.today.year for row in rows)
    assert all((row["closed_at"] is not None) == row["status"].startswith("closed") for row in rows)
