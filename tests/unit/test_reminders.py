"""The reminder rules with an injected clock: each fires at its moment, once, to the right people."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from pitf.models import ActionItem, Notification, OutboxEmail, StatusUpdate
from pitf.services import actions, digests, reminder_settings, reminders
from pitf.services import meetings as mtg
from pitf.services.federal_clocks import Clocks
from tests.factories import committee, draft_in, meeting_in

CFG = reminder_settings.defaults()
CLOCKS = Clocks()
BASE = "https://pitf.example.gov"


def noon_eastern(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 17, 0, tzinfo=UTC)  # 12:00 EST / 13:00 EDT


def run(db, now):
    return reminders.run_reminders(db, now=now, cfg=CFG, clocks=CLOCKS, base_url=BASE)


def notes(db, user, rule_prefix=""):
    rows = db.execute(select(Notification).where(Notification.user_id == user.id)
                      .order_by(Notification.id)).scalars().all()
    return [n for n in rows if (n.dedup_key or "").startswith(f"rem:{rule_prefix}")]


@pytest.fixture
def setup(db, make_user):
    staff = make_user("secretariat")
    doj = make_user("liaison", agency="DOJ")
    owner = make_user("liaison", agency="DOJ")
    dhs = make_user("liaison", agency="DHS")
    item = actions.create_action_item(session=db, actor=staff, data={
        "title": "Share the screening protocol", "committee_id": committee(db, "Victim Services").id,
        "lead_agency": "DOJ", "owner_id": owner.id, "due_date": "2027-03-20", "pillar": "protection"},
        notify_agency=False)
    item.created_at = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)  # the test's timeline, not the wall clock
    db.flush()
    return {"staff": staff, "doj": doj, "owner": owner, "dhs": dhs, "item": item}


@pytest.mark.parametrize("day,fires", [
    (date(2027, 3, 12), False),  # 8 days before
    (date(2027, 3, 13), True),  # 7 days before
    (date(2027, 3, 14), False),  # 6 days before (the 7-day reminder was given)
    (date(2027, 3, 19), True),  # 1 day before
])
def test_due_reminders_at_seven_and_one_day(db, setup, day, fires):
    for earlier in (date(2027, 3, 13),) if day > date(2027, 3, 13) else ():
        run(db, noon_eastern(earlier))
    before = len(notes(db, setup["doj"], "action_due"))
    run(db, noon_eastern(day))
    after = notes(db, setup["doj"], "action_due")
    assert (len(after) > before) is fires
    if fires:
        assert "Due in" in after[-1].title and after[-1].url == f"/action-items/{setup['item'].id}"
        assert notes(db, setup["owner"], "action_due") and not notes(db, setup["dhs"])


def test_a_second_run_sends_nothing(db, setup):
    now = noon_eastern(date(2027, 3, 13))
    first = run(db, now)
    assert first.claimed == 2 and first.emails == 2
    second = run(db, now + timedelta(minutes=5))
    assert second.found == 2 and second.claimed == 0 and second.emails == 0
    assert db.execute(select(func.count()).select_from(OutboxEmail)).scalar() == 2


def test_overdue_daily_for_three_days_then_weekly_and_escalation(db, setup):
    sent_days = []
    for offset in range(1, 25):
        day = date(2027, 3, 20) + timedelta(days=offset)
        before = len(notes(db, setup["doj"], "action_overdue"))
        run(db, noon_eastern(day))
        if len(notes(db, setup["doj"], "action_overdue")) > before:
            sent_days.append(offset)
    assert sent_days == [1, 2, 3, 10, 17, 24]
    assert [n.dedup_key.split(":")[-1] for n in notes(db, setup["doj"], "action_overdue")] == [
        "day-1", "day-2", "day-3", "week-1", "week-2", "week-3"]
    escalations = notes(db, setup["staff"], "action_escalation")
    assert len(escalations) == 1 and "14 days late" in escalations[0].title


def test_a_scheduler_down_for_a_week_catches_up_once(db, setup):
    run(db, noon_eastern(date(2027, 3, 28)))  # 8 days overdue, first run in a week: the latest window, once
    (n,) = notes(db, setup["doj"], "action_overdue")
    assert "day-3" in n.dedup_key
    run(db, noon_eastern(date(2027, 3, 29)))
    assert len(notes(db, setup["doj"], "action_overdue")) == 1


def test_done_items_get_no_reminders(db, setup):
    item = setup["item"]
    actions.post_status_update(session=db, actor=setup["doj"], item_id=item.id, version=item.version, status="done")
    run(db, noon_eastern(date(2027, 3, 25)))
    assert notes(db, setup["doj"], "action") == []


def test_due_dates_use_eastern_days_across_the_spring_change(db, setup):
    # 2027-03-13 23:30 EST is 2027-03-14 04:30 UTC: still the 13th in Washington, 7 days before the 20th.
    run(db, datetime(2027, 3, 14, 4, 30, tzinfo=UTC))
    (n,) = notes(db, setup["doj"], "action_due")
    assert "in 7 days" in n.title


def test_status_request_after_thirty_silent_days_links_to_the_form(db, setup):
    item = setup["item"]
    created = item.created_at
    item.due_date = date(2030, 1, 1)
    db.flush()
    run(db, created + timedelta(days=29))
    assert notes(db, setup["doj"], "status_request") == []
    run(db, created + timedelta(days=30, hours=1))
    (n,) = notes(db, setup["doj"], "status_request")
    assert n.url == f"/action-items/{item.id}#update"
    run(db, created + timedelta(days=45))
    assert len(notes(db, setup["doj"], "status_request")) == 1
    run(db, created + timedelta(days=60, hours=1))
    assert len(notes(db, setup["doj"], "status_request")) == 2


def test_committee_setting_changes_the_status_request_period(db, setup):
    item = setup["item"]
    item.due_date = date(2030, 1, 1)
    committee(db, "Victim Services").status_request_days = 10
    db.flush()
    run(db, item.created_at + timedelta(days=11))
    assert len(notes(db, setup["doj"], "status_request")) == 1


def test_preferences_in_app_only_and_no_email_address(db, setup):
    setup["doj"].notification_prefs = {"action_due": "in_app"}
    db.flush()
    run(db, noon_eastern(date(2027, 3, 13)))
    assert len(notes(db, setup["doj"], "action_due")) == 1
    mails = db.execute(select(OutboxEmail.user_id).where(OutboxEmail.kind == "action_due")).scalars().all()
    assert setup["doj"].id not in mails and setup["owner"].id in mails


def test_recommendation_responses_due_overdue_and_escalated(db, make_user, setup):
    from pitf.services import rec_workflow
    from pitf.services import recommendations as recs

    author = make_user("council")
    rec = recs.create_draft(session=db, actor=author, rec_in=draft_in({"title": "Screen shelters", "body_md": "Do it.",
                                                             "pillar": "protection", "target_agencies": ["DOJ"]}))
    rec_workflow.transition(session=db, actor=author, rec_id=rec.id, version=rec.version, to="submitted")
    rec_workflow.transition(session=db, actor=setup["staff"], rec_id=rec.id, version=rec.version, to="under_review")
    rec_workflow.transition(session=db, actor=setup["staff"], rec_id=rec.id, version=rec.version, to="open",
                            response_due={"DOJ": "2027-05-01"}, today=date(2027, 3, 1))
    fired = {}
    for day in (date(2027, 4, 16), date(2027, 4, 17), date(2027, 4, 28), date(2027, 5, 2), date(2027, 5, 15)):
        before = {k: len(notes(db, u, k)) for k, u in (("rec_response_due", setup["doj"]),
                                                        ("rec_response_overdue", setup["doj"]),
                                                        ("rec_escalation", setup["staff"]))}
        run(db, noon_eastern(day))
        fired[day] = [k for k, u in (("rec_response_due", setup["doj"]), ("rec_response_overdue", setup["doj"]),
                                     ("rec_escalation", setup["staff"])) if len(notes(db, u, k)) > before[k]]
    assert fired == {date(2027, 4, 16): [], date(2027, 4, 17): ["rec_response_due"],
                     date(2027, 4, 28): ["rec_response_due"], date(2027, 5, 2): ["rec_response_overdue"],
                     # day 14: the weekly reminder missed on day 8 is caught up once, with the escalation
                     date(2027, 5, 15): ["rec_response_overdue", "rec_escalation"]}


def test_meeting_deadlines(db, setup, make_user):
    staff = setup["staff"]
    council = committee(db, "U.S. Advisory Council on Human Trafficking")
    mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": council.id, "title": "Council spring meeting", "starts_at": "2027-06-15T10:00:00",
        "ends_at": "2027-06-15T12:00:00"}))
    db.flush()

    meeting_rules = {"agenda_unpublished", "minutes_uncirculated", "faca_notice_deadline", "faca_certify_deadline"}

    def kinds(day):
        before = {n.id for n in notes(db, staff, "")}
        run(db, noon_eastern(day))
        return sorted({n.dedup_key.split(":")[1] for n in notes(db, staff, "") if n.id not in before} & meeting_rules)

    # Notice due 15 days ahead (May 31); warned 7 days before that.
    assert kinds(date(2027, 5, 23)) == []
    assert kinds(date(2027, 5, 24)) == ["faca_notice_deadline"]
    assert kinds(date(2027, 6, 8)) == ["agenda_unpublished"]
    assert kinds(date(2027, 6, 29)) == ["minutes_uncirculated"]
    # Certification due 90 days after (Sept 13); warned 7 days before.
    assert kinds(date(2027, 9, 6)) == ["faca_certify_deadline"]
    assert kinds(date(2027, 9, 7)) == []


@pytest.mark.parametrize("now,sent", [
    (datetime(2027, 3, 15, 12, 59, tzinfo=UTC), False),  # Monday 08:59 EDT (after the March change)
    (datetime(2027, 3, 15, 13, 0, tzinfo=UTC), True),  # Monday 09:00 EDT
    (datetime(2027, 11, 8, 13, 59, tzinfo=UTC), False),  # Monday 08:59 EST (after the November change)
    (datetime(2027, 11, 8, 14, 0, tzinfo=UTC), True),  # Monday 09:00 EST
    (datetime(2027, 11, 7, 23, 0, tzinfo=UTC), False),  # Sunday evening
    (datetime(2027, 11, 9, 14, 0, tzinfo=UTC), False),  # Tuesday: a missed Monday is not sent late
])
def test_digest_arrives_monday_nine_eastern_in_march_and_november(db, setup, now, sent):
    item = setup["item"]
    item.due_date = (now - timedelta(days=2)).date()
    db.flush()
    report = digests.run_digests(db, now=now, base_url=BASE)
    mails = db.execute(select(OutboxEmail).where(OutboxEmail.user_id == setup["doj"].id,
                                                 OutboxEmail.kind == "digest")).scalars().all()
    assert bool(mails) is sent and (report.emails > 0) is sent
    if sent:
        assert "Overdue commitments of your agency" in mails[0].body_text
        assert "Share the screening protocol" in mails[0].body_text
        again = digests.run_digests(db, now=now + timedelta(hours=3), base_url=BASE)
        assert again.emails == 0


def test_digest_follows_the_users_zone_and_skips_empty_and_opted_out(db, setup, make_user):
    setup["item"].due_date = date(2027, 3, 14)
    pacific = make_user("liaison", agency="DOJ")
    pacific.timezone = "America/Los_Angeles"
    setup["owner"].digest_enabled = False
    quiet = make_user("liaison", agency="DOL")  # nothing to say
    db.flush()
    digests.run_digests(db, now=datetime(2027, 3, 15, 13, 0, tzinfo=UTC), base_url=BASE)  # 06:00 in LA
    got = set(db.execute(select(OutboxEmail.user_id).where(OutboxEmail.kind == "digest")).scalars())
    assert setup["doj"].id in got and pacific.id not in got and setup["owner"].id not in got and quiet.id not in got
    digests.run_digests(db, now=datetime(2027, 3, 15, 16, 0, tzinfo=UTC), base_url=BASE)  # 09:00 in LA
    assert pacific.id in set(db.execute(select(OutboxEmail.user_id).where(OutboxEmail.kind == "digest")).scalars())


def test_query_count_of_a_run_does_not_grow_with_reminders(db, setup, count_queries, make_user):
    committee_id = committee(db, "Grantmaking").id
    doj_id = setup["item"].lead_agency_id
    now = noon_eastern(date(2027, 3, 13))

    def add_items(n, start):
        db.execute(insert(ActionItem), [{
            "title": f"Bulk {start + i}", "committee_id": committee_id, "lead_agency_id": doj_id,
            "due_date": date(2027, 3, 20), "status": "open", "pillar": "prevention", "priority": "normal",
            "description_md": "", "description_html": "", "cancel_reason": "", "version": 1,
            "created_at": now - timedelta(days=1), "updated_at": now - timedelta(days=1)} for i in range(n)])
        # bulk items have no owner: one liaison each; the fixture's item has a liaison and an owner
        db.flush()

    add_items(10, 0)
    with count_queries() as small:
        small_report = run(db, now)
    add_items(500, 10)
    with count_queries() as large:
        large_report = run(db, now + timedelta(minutes=5))
    assert large_report.claimed == 2 * 500 and small_report.claimed == 2 * 11  # liaison and owner of the first
    assert large.count == small.count, (small.count, large.count)
    _ = StatusUpdate
