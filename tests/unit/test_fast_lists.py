"""Lists at scale: exact totals from the row tallies, pages found through the index from the nearer end."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, insert, select

from pitf.models import ActionItem, AuditEntry
from pitf.models.actions import SORT_KEYS
from pitf.paging import Window, table_rows, window
from pitf.services import actions
from pitf.services.action_queries import ActionItemFilters
from tests.factories import agency, committee, index_inserted

TODAY = date.today()


def bulk_items(db, n: int, start: int) -> list[int]:
    agencies = [agency(db, a).id for a in ("DOJ", "DHS", "HHS")]
    vs = committee(db, "Victim Services").id
    now = datetime.now(UTC)
    db.execute(insert(ActionItem), [
        {"id": start + i, "title": f"Item {(i * 7) % n:03d}", "description_md": "protocol" if i % 4 == 0 else "",
         "description_html": "", "committee_id": vs, "lead_agency_id": agencies[i % 3],
         "due_date": TODAY + timedelta(days=i % 9), "status": ("open", "in_progress", "done", "blocked")[i % 4],
         "pillar": "protection", "priority": "normal", "cancel_reason": "", "version": 1,
         "created_at": now, "updated_at": now - timedelta(minutes=i % 5)} for i in range(n)])
    db.flush()
    index_inserted(db, "action_item", range(start, start + n))
    return [start + i for i in range(n)]


def counted(db, table) -> int:
    return db.execute(select(func.count()).select_from(table)).scalar_one()


def test_the_row_tallies_follow_every_insert_and_delete(db, make_user):
    assert table_rows(db, "actionitem") == counted(db, ActionItem)
    ids = bulk_items(db, 40, 700_000)
    assert table_rows(db, "actionitem") == counted(db, ActionItem)
    db.execute(delete(ActionItem).where(ActionItem.id.in_(ids[:15])))
    db.flush()
    assert table_rows(db, "actionitem") == counted(db, ActionItem)
    before = table_rows(db, "auditentry")
    db.add_all([AuditEntry(action="test.one", object_type="test", created_at=datetime.now(UTC)) for _ in range(3)])
    db.flush()
    db.execute(insert(AuditEntry), [{"action": "test.two", "object_type": "test", "changes": {},
                                     "created_at": datetime.now(UTC), "actor_label": ""} for _ in range(5)])
    db.flush()
    assert table_rows(db, "auditentry") == counted(db, AuditEntry) == before + 8
    db.execute(delete(AuditEntry).where(AuditEntry.action == "test.two"))
    db.flush()
    assert table_rows(db, "auditentry") == counted(db, AuditEntry) == before + 3


@pytest.mark.parametrize(("page", "per_page", "total", "expected"), (
    (1, 50, None, Window(0, 50, False)),
    (600, 50, None, Window(29_950, 50, False)),
    (1, 50, 120, Window(0, 50, False)),
    (2, 50, 120, Window(50, 50, False)),    # before the middle: from the start
    (2, 50, 80, Window(0, 30, True)),       # rows 50..79 are the first 30 from the end
    (2, 20, 90, Window(20, 20, False)),
    (4, 20, 90, Window(10, 20, True)),      # rows 60..79 are rows 10..29 counted from the end
    (3, 50, 120, Window(0, 20, True)),      # the last page, partial: the first 20 from the end
    (600, 50, 50_000, Window(20_000, 50, True)),
    (4, 50, 120, Window(0, 0, True)),       # past the end: nothing to read
    (1, 50, 0, Window(0, 0, True)),        # an empty list: nothing to read either
))
def test_a_page_is_read_from_the_nearer_end(page, per_page, total, expected):
    assert window(page, per_page, total) == expected


@pytest.mark.parametrize("sort", SORT_KEYS)
@pytest.mark.parametrize("filters", ({}, {"q": "protocol"}, {"agency": "DOJ", "status": ["open", "blocked"]}))
def test_every_page_in_every_order_is_the_slice_of_the_whole_list(db, make_user, sort, filters):
    bulk_items(db, 97, 800_000)
    viewer = make_user("viewer")
    f = ActionItemFilters(sort=sort, **filters)
    everything, total = actions.list_action_items(session=db, actor=viewer, filters=f, per_page=1000)
    assert total == len(everything) > 0
    ids = [v.item.id for v in everything]
    per_page = 9
    for number in range(1, total // per_page + 3):
        views, page_total = actions.list_action_items(session=db, actor=viewer, filters=f, page=number,
                                                      per_page=per_page)
        assert page_total == total
        assert [v.item.id for v in views] == ids[(number - 1) * per_page:number * per_page], (sort, number)


def test_the_list_rows_leave_the_descriptions_unread(db, make_user):
    bulk_items(db, 3, 810_000)
    views, _ = actions.list_action_items(session=db, actor=make_user("viewer"), filters=ActionItemFilters())
    assert views and all("description_md" not in v.item.__dict__ and "description_html" not in v.item.__dict__
                         for v in views)
    full, _ = actions.list_action_items(session=db, actor=make_user("viewer"), filters=ActionItemFilters(),
                                        descriptions=True)
    assert all("description_md" in v.item.__dict__ for v in full)


def test_a_page_past_the_end_shows_the_last_page(db, client_as):
    bulk_items(db, 60, 820_000)
    c = client_as("viewer")
    total = counted(db, ActionItem)
    last = -(-total // 50)
    past = c.get("/action-items/?page=999999")
    assert past.status_code == 200
    shown = c.get(f"/action-items/?page={last}").get_data(as_text=True)
    body = past.get_data(as_text=True)
    assert 'aria-current="page"' in body and f'>{last}</a>' in body
    assert body[body.index("<tbody>"):body.index("</tbody>")] == shown[shown.index("<tbody>"):shown.index("</tbody>")]


def test_the_api_answers_a_page_past_the_end_with_no_items_and_the_total(client, api_as, db):
    bulk_items(db, 5, 830_000)
    headers, _ = api_as("viewer")
    r = client.get("/api/v1/action-items?page=999999", headers=headers)
    assert r.status_code == 200 and r.json["items"] == [] and r.json["total"] == counted(db, ActionItem)
    assert client.get("/api/v1/action-items?per_page=201", headers=headers).status_code == 422
