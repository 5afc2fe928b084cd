"""The scale loader: deterministic, idempotent, able to grow, and consistent with the rules of the data."""

from sqlalchemy import func, select
from sqlmodel import SQLModel

from pitf.demo_scale import load_scale
from pitf.models import ActionItem, ActionItemSupport, AuditEntry, StatusUpdate, utcnow
from pitf.models.actions import ACTION_STATUSES, CLOSED_STATUSES, PILLARS, PRIORITIES


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
    assert db.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "action_item.created")).scalar() == 0  # not one entry per row


def test_growing_adds_only_the_missing_items_and_matches_a_fresh_load(db):
    savepoint = db.begin_nested()
    load_scale(db, 2, items_per_unit=30)
    db.flush()
    fresh = _snapshot(db)
    savepoint.rollback()
    load_scale(db, 1, items_per_unit=30)
    db.flush()
    small = _snapshot(db)
    grown = load_scale(db, 2, items_per_unit=30)
    db.flush()
    assert grown.items_added == 30 and grown.updates_added == 300
    after = _snapshot(db)
    assert after == fresh
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
