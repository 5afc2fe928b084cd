"""The action item rules: creation, validation, status updates, conflicts, filters."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from pitf.errors import Conflict, Forbidden, NotFound, ValidationFailed
from pitf.models import ActionItem, AuditEntry, Notification, OutboxEmail, StatusUpdate
from pitf.services import actions
from tests.factories import committee


def new_item(db, staff, **over):
    data = {"title": "Train task forces", "description_md": "Use **trauma-informed** methods.",
            "committee_id": committee(db, "Victim Services").id, "lead_agency": "DOJ",
            "supporting_agencies": ["HHS", "dhs"], "due_date": (date.today() + timedelta(days=30)).isoformat(),
            "pillar": "protection", "priority": "high"}
    data.update(over)
    return actions.create_action_item(session=db, actor=staff, data=data)


def test_create_renders_markdown_audits_and_notifies_the_lead_agency(db, staff, make_user):
    doj = make_user("liaison", agency="DOJ")
    make_user("liaison", agency="DHS")
    item = new_item(db, staff)
    assert item.status == "open" and item.version == 1
    assert "<strong>trauma-informed</strong>" in item.description_html
    view = actions.item_view(db, item.id)
    assert view.lead_agency == "DOJ" and view.supporting == ["DHS", "HHS"]
    entry = db.execute(select(AuditEntry).where(AuditEntry.object_type == "ActionItem",
                                                AuditEntry.object_id == item.id)).scalar_one()
    assert entry.action == "action_item.created" and entry.actor_id == staff.id
    notes = db.execute(select(Notification).where(Notification.kind == "action_item_assigned")).scalars().all()
    assert [n.user_id for n in notes] == [doj.id]
    assert db.execute(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.user_id == doj.id)).scalar() == 1


@pytest.mark.parametrize("field,value,message", [
    ("title", "  ", "Enter a title."),
    ("lead_agency", "XYZ", "No agency has the acronym"),
    ("supporting_agencies", ["HHS", "NOPE"], "Unknown agency: NOPE."),
    ("due_date", "2027-02-30", "February 30, 2027 does not exist"),
    ("due_date", "", "Enter the due date"),
    ("due_date", "1999-12-31", "between 2000 and 2100"),
    ("pillar", "punishment", "Choose one of"),
    ("committee_id", 999999, "Choose an existing committee."),
    ("committee_id", "abc", "Choose an existing committee."),
    ("priority", "urgent", "Choose one of"),
    ("meeting_id", 424242, "No such meeting."),
])
def test_invalid_fields_are_named_and_nothing_is_created(db, staff, field, value, message):
    before = db.execute(select(func.count()).select_from(ActionItem)).scalar()
    with pytest.raises(ValidationFailed) as err:
        new_item(db, staff, **{field: value})
    assert message in err.value.fields[field]
    assert db.execute(select(func.count()).select_from(ActionItem)).scalar() == before


def test_owner_must_belong_to_the_lead_agency(db, staff, make_user):
    dhs_person = make_user("liaison", agency="DHS")
    with pytest.raises(ValidationFailed) as err:
        new_item(db, staff, owner_id=dhs_person.id)
    assert "lead agency" in err.value.fields["owner_id"]
    doj_person = make_user("liaison", agency="DOJ")
    assert new_item(db, staff, owner_id=doj_person.id).owner_id == doj_person.id


@pytest.mark.parametrize("role", ["liaison", "council", "viewer"])
def test_only_staff_create(db, make_user, role):
    with pytest.raises(Forbidden):
        new_item(db, make_user(role))


def test_lead_liaison_posts_status_and_history_is_appended(db, staff, make_user):
    item = new_item(db, staff)
    doj = make_user("liaison", agency="DOJ")
    up = actions.post_status_update(session=db, actor=doj, item_id=item.id, version=item.version,
                                    status="in_progress", note_md="Curriculum drafted.", percent_complete=40)
    assert up.previous_status == "open" and up.status == "in_progress" and up.percent_complete == 40
    assert item.status == "in_progress" and item.percent_complete == 40 and item.version == 2
    actions.post_status_update(session=db, actor=doj, item_id=item.id, version=2, status="done", note_md="Delivered.")
    assert item.status == "done" and item.closed_at is not None and item.percent_complete == 100
    history = actions.updates_of(session=db, actor=doj, item_id=item.id)
    assert [u.status for u, _, _ in history] == ["in_progress", "done"]


def test_supporting_liaison_notes_but_cannot_change_status(db, staff, make_user):
    item = new_item(db, staff)
    hhs = make_user("liaison", agency="HHS")
    actions.post_status_update(session=db, actor=hhs, item_id=item.id, version=item.version, note_md="HHS reviewed.")
    assert item.status == "open"
    with pytest.raises(Forbidden, match="supporting agency can add a note"):
        actions.post_status_update(session=db, actor=hhs, item_id=item.id, version=item.version, status="done")
    with pytest.raises(ValidationFailed):
        actions.post_status_update(session=db, actor=hhs, item_id=item.id, version=item.version, note_md="x",
                                   percent_complete=50)


def test_other_agency_cannot_touch_the_item(db, staff, make_user):
    item = new_item(db, staff)
    dol = make_user("liaison", agency="DOL")
    with pytest.raises(Forbidden):
        actions.post_status_update(session=db, actor=dol, item_id=item.id, version=item.version, note_md="hi")
    with pytest.raises(Forbidden):
        actions.update_action_item(session=db, actor=dol, item_id=item.id, version=item.version, data={"title": "x"})
    with pytest.raises(Forbidden):
        actions.cancel_action_item(session=db, actor=dol, item_id=item.id, version=item.version, reason="no")
    assert db.execute(select(func.count()).select_from(StatusUpdate)).scalar() == 0


def test_only_the_secretariat_cancels_with_a_reason(db, staff, make_user):
    item = new_item(db, staff)
    doj = make_user("liaison", agency="DOJ")
    with pytest.raises(Forbidden):
        actions.post_status_update(session=db, actor=doj, item_id=item.id, version=item.version, status="cancelled",
                                   note_md="we give up")
    with pytest.raises(ValidationFailed):
        actions.cancel_action_item(session=db, actor=staff, item_id=item.id, version=item.version, reason="")
    actions.cancel_action_item(session=db, actor=staff, item_id=item.id, version=item.version,
                               reason="Superseded by NAP-2027-04.")
    assert item.status == "cancelled" and item.cancel_reason == "Superseded by NAP-2027-04."
    assert db.get(ActionItem, item.id) is not None
    with pytest.raises(Forbidden):  # a liaison cannot reopen a cancelled item
        actions.post_status_update(session=db, actor=doj, item_id=item.id, version=item.version, status="open")


def test_a_stale_version_conflicts_and_writes_nothing(db, staff, make_user):
    item = new_item(db, staff)
    a, b = make_user("liaison", agency="DOJ"), make_user("liaison", agency="DOJ")
    read = item.version
    actions.post_status_update(session=db, actor=a, item_id=item.id, version=read, status="blocked",
                               note_md="Waiting on funds.")
    with pytest.raises(Conflict):
        actions.post_status_update(session=db, actor=b, item_id=item.id, version=read, status="done",
                                   note_md="Finished!")
    assert item.status == "blocked"
    assert db.execute(select(func.count()).select_from(StatusUpdate)).scalar() == 1
    with pytest.raises(Conflict):
        actions.update_action_item(session=db, actor=staff, item_id=item.id, version=read, data={"title": "Old"})


def test_update_reassigns_and_clears_an_owner_of_the_old_agency(db, staff, make_user):
    doj_owner = make_user("liaison", agency="DOJ")
    dhs = make_user("liaison", agency="DHS")
    item = new_item(db, staff, owner_id=doj_owner.id)
    actions.update_action_item(session=db, actor=staff, item_id=item.id, version=item.version,
                               data={"lead_agency": "DHS"})
    assert item.lead_agency_id != doj_owner.agency_id and item.owner_id is None
    assert db.execute(select(Notification).where(Notification.user_id == dhs.id)).scalars().first() is not None
    with pytest.raises(ValidationFailed):
        actions.update_action_item(session=db, actor=staff, item_id=item.id, version=item.version,
                                   data={"status": "done"})


def test_missing_item_is_not_found(db, staff):
    with pytest.raises(NotFound):
        actions.get_action_item(session=db, actor=staff, item_id=987654)


def test_filters_parse_and_refuse_bad_values():
    f = actions.parse_filters(MultiDict([("agency", "doj"), ("status", "open"), ("status", "blocked"),
                                         ("overdue", "true"), ("due_before", "2027-01-31"), ("q", " screening "),
                                         ("sort", "-due_date")]))
    assert f.agency == "DOJ" and f.status == ["open", "blocked"] and f.overdue and f.q == "screening"
    assert f.query_args()["due_before"] == "2027-01-31"
    with pytest.raises(ValidationFailed) as err:
        actions.parse_filters(MultiDict({"status": "finished", "due_before": "soon", "sort": "random",
                                         "committee_id": "x"}))
    assert set(err.value.fields) == {"status", "due_before", "sort", "committee_id"}


def test_list_filters_by_lead_or_supporting_agency_and_overdue(db, staff):
    past = (date.today() - timedelta(days=3)).isoformat()
    a = new_item(db, staff, title="DOJ leads, overdue", due_date=past, supporting_agencies=[])
    b = new_item(db, staff, title="DHS leads, DOJ supports", lead_agency="DHS", supporting_agencies=["DOJ"])
    c = new_item(db, staff, title="DOL alone", lead_agency="DOL", supporting_agencies=[])

    def ids(**args):
        views, total = actions.list_action_items(session=db, actor=staff, filters=actions.parse_filters(
            MultiDict(args)))
        assert total == len(views)
        return {v.item.id for v in views} & {a.id, b.id, c.id}

    assert ids(agency="DOJ") == {a.id, b.id}
    assert ids(agency="DOJ", agency_role="lead") == {a.id}
    assert ids(agency="DOJ", agency_role="supporting") == {b.id}
    assert ids(overdue="true") == {a.id}
    assert ids(q="dol alone") == {c.id}
    assert ids(q="100%") == set()
    with pytest.raises(ValidationFailed):
        ids(agency="NOPE")
