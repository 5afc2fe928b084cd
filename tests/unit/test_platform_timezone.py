"""PITF_TIMEZONE sets the platform's zone: a new meeting's and account's zone, and the day digests count in."""

from datetime import UTC, date, datetime

import pytest

from pitf.services import actions, digests
from pitf.services import meetings as mtg
from tests.factories import committee, meeting_in

ZONES = ["America/New_York", "America/Chicago"]


@pytest.fixture(params=ZONES)
def settings(request, settings):
    return {**settings, "PITF_TIMEZONE": request.param}


@pytest.fixture
def in_app(app):
    with app.app_context():
        yield app.config["PITF_TIMEZONE"]


def test_a_new_meeting_and_account_take_the_platform_zone(db, make_user, in_app):
    staff = make_user("secretariat")
    meeting = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, "Senior Policy Operating Group").id, "title": "Quarterly meeting",
        "starts_at": "2027-03-15T10:00:00", "ends_at": "2027-03-15T12:00:00", "location": "Room 1107"}))
    assert meeting.timezone == in_app and staff.timezone == in_app
    # 10:00 on the platform's wall clock: 14:00 UTC in New York (EDT), 15:00 UTC in Chicago (CDT).
    assert meeting.starts_at == datetime(2027, 3, 15, 14 if in_app == "America/New_York" else 15, tzinfo=UTC)


def test_digests_count_days_on_the_platform_calendar(db, make_user, in_app):
    staff = make_user("secretariat")
    liaison = make_user("liaison", agency="DOJ")
    actions.create_action_item(session=db, actor=staff, data={
        "title": "Share the screening protocol", "committee_id": committee(db, "Victim Services").id,
        "lead_agency": "DOJ", "due_date": "2027-03-20", "pillar": "protection"}, notify_agency=False)
    db.flush()
    # 04:30 UTC on March 21: already the 21st in New York (00:30), still the 20th in Chicago (23:30).
    (digest,) = digests.build_digests(db, [liaison], datetime(2027, 3, 21, 4, 30, tzinfo=UTC))
    titles = {"overdue": [r.title for r in digest.overdue], "due_soon": [r.title for r in digest.due_soon]}
    late = in_app == "America/New_York"
    assert titles == {"overdue": ["Share the screening protocol"] if late else [],
                      "due_soon": [] if late else ["Share the screening protocol"]}
    assert date(2027, 3, 20) in [r.due_date for r in digest.overdue + digest.due_soon]
