"""The notifications service: a person's own list and read marks, the preferences, and the outbox list."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from pitf.errors import Forbidden, NotFound, ValidationFailed
from pitf.models import AuditEntry, Notification, OutboxEmail, utcnow
from pitf.services import notifications


def note(db, user, title="Something happened", *, minutes_ago=0, read=False, url="/action-items/1", kind="action_due"):
    created = utcnow() - timedelta(minutes=minutes_ago)
    row = Notification(user_id=user.id, kind=kind, title=title, url=url, created_at=created,
                       read_at=created if read else None)
    db.add(row)
    db.flush()
    return row


def email(db, *, to="a@test.example.gov", state="pending", kind="action_due", subject="Hello"):
    row = OutboxEmail(to_address=to, kind=kind, subject=subject, body_text="Body", state=state,
                      message_id=f"<{uuid.uuid4()}@test>", next_attempt_at=utcnow())
    db.add(row)
    db.flush()
    return row


def test_list_is_the_actors_own_newest_first_with_unread_filter_and_pages(db, make_user):
    me, other = make_user("liaison"), make_user("viewer")
    note(db, me, "old", minutes_ago=30, read=True)
    note(db, me, "middle", minutes_ago=20)
    note(db, me, "new", minutes_ago=10)
    note(db, other, "not mine")
    rows, total = notifications.list_notifications(session=db, actor=me)
    assert [r.title for r in rows] == ["new", "middle", "old"] and total == 3
    rows, total = notifications.list_notifications(session=db, actor=me, unread_only=True)
    assert [r.title for r in rows] == ["new", "middle"] and total == 2
    rows, total = notifications.list_notifications(session=db, actor=me, page=2, per_page=2)
    assert [r.title for r in rows] == ["old"] and total == 3
    assert notifications.unread_count(session=db, actor=me) == 2
    assert notifications.unread_count(session=db, actor=other) == 1


def test_mark_read_once_and_someone_elses_is_not_found(db, make_user):
    me, other = make_user("viewer"), make_user("viewer")
    mine, theirs = note(db, me), note(db, other)
    marked = notifications.mark_read(session=db, actor=me, notification_id=mine.id)
    first = marked.read_at
    assert first is not None
    again = notifications.mark_read(session=db, actor=me, notification_id=mine.id)
    assert again.read_at == first  # already read: unchanged
    for bad in (theirs.id, 999_999_999, 2**31, "x", -1):
        with pytest.raises(NotFound):
            notifications.mark_read(session=db, actor=me, notification_id=bad)
    db.refresh(theirs)
    assert theirs.read_at is None


def test_mark_all_read_counts_only_the_actors_unread(db, make_user):
    me, other = make_user("viewer"), make_user("viewer")
    loaded = [note(db, me) for _ in range(3)]
    note(db, me, read=True)
    theirs = note(db, other)
    assert notifications.mark_all_read(session=db, actor=me) == 3
    assert all(n.read_at is not None for n in loaded)  # objects already loaded see the change
    assert notifications.mark_all_read(session=db, actor=me) == 0
    db.refresh(theirs)
    assert theirs.read_at is None


def test_preferences_saved_merged_and_audited(db, make_user):
    me = make_user("liaison")
    changes = notifications.update_notification_prefs(session=db, actor=me, digest_enabled=False,
                                                      prefs={"action_due": "in_app"}, timezone="America/Chicago")
    assert me.notification_prefs == {"action_due": "in_app"}
    assert me.digest_enabled is False and me.timezone == "America/Chicago"
    assert set(changes) == {"notification_prefs", "digest_enabled", "timezone"}
    notifications.update_notification_prefs(session=db, actor=me, prefs={"escalation": "in_app"})
    assert me.notification_prefs == {"action_due": "in_app", "escalation": "in_app"}
    assert notifications.channel_of(me, "action_due") == "in_app"
    assert notifications.channel_of(me, "action_overdue") == "email"  # the default
    db.flush()
    entries = db.execute(select(AuditEntry).where(AuditEntry.action == "user.notification_preferences",
                                                  AuditEntry.object_id == me.id)
                         .order_by(AuditEntry.id)).scalars().all()
    assert len(entries) == 2 and entries[0].changes["timezone"] == ["America/New_York", "America/Chicago"]
    # Nothing changed, nothing audited.
    assert notifications.update_notification_prefs(session=db, actor=me, prefs={"action_due": "in_app"}) == {}


@pytest.mark.parametrize("kwargs, field", [
    ({"prefs": {"no_such_kind": "email"}}, "prefs.no_such_kind"),
    ({"prefs": {"action_due": "sms"}}, "prefs.action_due"),
    ({"prefs": {"action_due": None}}, "prefs.action_due"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": "Europe"}, "timezone"),
    ({"digest_enabled": "yes"}, "digest_enabled"),
])
def test_bad_preferences_change_nothing(db, make_user, kwargs, field):
    me = make_user("viewer")
    args = {"digest_enabled": False, "prefs": {"action_overdue": "in_app"}, "timezone": "UTC"}
    args.update({k: ({**args["prefs"], **v} if k == "prefs" else v) for k, v in kwargs.items()})
    with pytest.raises(ValidationFailed) as exc:
        notifications.update_notification_prefs(session=db, actor=me, **args)
    assert field in exc.value.fields
    assert me.notification_prefs == {} and me.digest_enabled is True and me.timezone == "America/New_York"


def test_outbox_list_filters_and_is_for_administrators(db, make_user):
    admin = make_user("admin")
    email(db, to="Ana@Agency.gov", state="failed", kind="action_due")
    email(db, to="bob@agency.gov", state="sent", kind="digest")
    email(db, to="carla@other.gov", state="pending", kind="action_due")
    email(db, to="d_e@other.gov", state="pending", kind="action_due")

    def listed(**filters):
        rows, total = notifications.list_outbox(session=db, actor=admin, **filters)
        assert total == len(rows)
        return sorted(r.to_address for r in rows)

    assert listed(state="failed") == ["Ana@Agency.gov"]
    assert listed(recipient="agency.GOV") == ["Ana@Agency.gov", "bob@agency.gov"]
    assert listed(kind="action_due", state="pending") == ["carla@other.gov", "d_e@other.gov"]
    assert listed(recipient="_") == ["d_e@other.gov"]  # LIKE wildcards are taken literally
    assert listed(recipient="%") == []
    assert "digest" in notifications.outbox_kinds(session=db, actor=admin)
    for role in ("secretariat", "liaison", "viewer"):
        with pytest.raises(Forbidden):
            notifications.list_outbox(session=db, actor=make_user(role))


def test_outbox_filters_are_checked():
    assert notifications.parse_outbox_filters({"state": "failed", "recipient": " x ", "kind": ""}) == {
        "state": "failed", "recipient": "x"}
    with pytest.raises(ValidationFailed) as exc:
        notifications.parse_outbox_filters({"state": "lost", "recipient": "x" * 300})
    assert set(exc.value.fields) == {"state", "recipient"}
