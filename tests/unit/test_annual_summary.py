"""The PITF's annual summary, checked against a fixture whose figures are counted by hand (FY2027)."""

from __future__ import annotations

import csv
import io
import zoneinfo
from datetime import UTC, date, datetime

import pytest

from pitf import permissions
from pitf.errors import Forbidden, ValidationFailed
from pitf.models import (
    ActionItem,
    AgencyResponse,
    Meeting,
    Recommendation,
    RecommendationEvent,
    RecommendationTarget,
)
from pitf.services import annual_summary as summaries
from pitf.services import annual_summary_files as files
from tests.factories import agency, committee

SPOG = "Senior Policy Operating Group"
COUNCIL = "U.S. Advisory Council on Human Trafficking"
AFTER = datetime(2027, 12, 1, 12, tzinfo=UTC)  # FY2027 is over: figures as of 2027-09-30
DURING = datetime(2027, 6, 15, 12, tzinfo=UTC)  # FY2027 runs: figures as of 2027-06-15


def at(y, m, d, hh=12, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def build(db, author, tz_name: str) -> None:
    """FY2027 = 2026-10-01 .. 2027-09-30. Each line: lead, pillar, made, due, status, closed; what it counts for.

    DOJ 1  prevention   made 2026-09-30 23:59 (before), due 2026-12-01, done 2026-12-11: done, 10 days late
    DOJ 2  protection   made 2026-10-01 00:00 (the first instant), due 2027-01-10, done 2027-01-10 23:59: on time
    DOJ 3  prevention   made 2026-11-01, due 2027-02-01, done 2027-02-04: 3 days late
    DOJ 4  prosecution  made 2026-11-01, due 2027-03-01, done 2027-03-06: 5 days late
    DOJ 5  prevention   made 2026-11-01, due 2027-09-29, open: overdue by 1 day on 2027-09-30
    DOJ 6  partnership  made 2026-11-01, due 2027-09-30, open: due on the as-of day, not yet overdue
    DOJ 7  prevention   made 2027-09-30 23:59 (the last instant), done 2027-10-20 (after): made only
    DOJ 8  prevention   made 2027-10-01 00:00 (after), due 2027-11-01, open: nothing
    DOJ 9  prevention   made 2026-05-01, due 2027-06-01, done 2027-10-02 (after): overdue, 121 days
    DOJ 10 partnership  made 2026-11-01, due 2027-08-01, cancelled 2027-09-01: made, cancelled
    DOJ 11 prosecution  made 2026-05-01, due 2026-12-01, cancelled 2027-10-05 (after): overdue, 303 days
    DOJ 12 prevention   made 2026-09-01, due 2027-09-29, done 2027-09-30 23:59: done, 1 day late
    DOJ 13 prevention   made 2026-09-01, due 2027-09-29, done 2027-10-01 00:01 (after): overdue, 1 day
    DHS 14-16 protection made 2027-01-01, due 2027-04-01, done 2027-04-08, -03, -10: 7, 2 and 9 days late
    """
    body = committee(db, SPOG)
    doj, dhs = agency(db, "DOJ").id, agency(db, "DHS").id
    d = date
    items = [
        (doj, "prevention", at(2026, 9, 30, 23, 59), d(2026, 12, 1), "done", at(2026, 12, 11)),
        (doj, "protection", at(2026, 10, 1, 0, 0), d(2027, 1, 10), "done", at(2027, 1, 10, 23, 59)),
        (doj, "prevention", at(2026, 11, 1), d(2027, 2, 1), "done", at(2027, 2, 4)),
        (doj, "prosecution", at(2026, 11, 1), d(2027, 3, 1), "done", at(2027, 3, 6)),
        (doj, "prevention", at(2026, 11, 1), d(2027, 9, 29), "open", None),
        (doj, "partnership", at(2026, 11, 1), d(2027, 9, 30), "in_progress", None),
        (doj, "prevention", at(2027, 9, 30, 23, 59), d(2027, 10, 15), "done", at(2027, 10, 20)),
        (doj, "prevention", at(2027, 10, 1, 0, 0), d(2027, 11, 1), "open", None),
        (doj, "prevention", at(2026, 5, 1), d(2027, 6, 1), "done", at(2027, 10, 2)),
        (doj, "partnership", at(2026, 11, 1), d(2027, 8, 1), "cancelled", at(2027, 9, 1)),
        (doj, "prosecution", at(2026, 5, 1), d(2026, 12, 1), "cancelled", at(2027, 10, 5)),
        (doj, "prevention", at(2026, 9, 1), d(2027, 9, 29), "done", at(2027, 9, 30, 23, 59)),
        (doj, "prevention", at(2026, 9, 1), d(2027, 9, 29), "done", at(2027, 10, 1, 0, 1)),
        (dhs, "protection", at(2027, 1, 1), d(2027, 4, 1), "done", at(2027, 4, 8)),
        (dhs, "protection", at(2027, 1, 1), d(2027, 4, 1), "done", at(2027, 4, 3)),
        (dhs, "protection", at(2027, 1, 1), d(2027, 4, 1), "done", at(2027, 4, 10)),
    ]
    for n, (lead, pillar, made, due, status, closed) in enumerate(items, start=1):
        db.add(ActionItem(title=f"Item {n}", committee_id=body.id, lead_agency_id=lead, pillar=pillar,
                          created_at=made, updated_at=made, due_date=due, status=status, closed_at=closed))
    _recommendations(db, author, doj, dhs)
    _meetings(db, body.id, committee(db, COUNCIL).id, tz_name)
    db.flush()


def _recommendations(db, author, doj, dhs) -> None:
    """R1 opened 2026-10-01 00:00, protection: DOJ (due 11-30) partially concurs 11-30 23:00 (on time), revises to
          concur 2027-02-01; DHS (due 11-30) non-concurs 12-02 (late), revises to concur 2027-10-10 (after: its
          position as of 09-30 stays non-concur).
       R2 opened 2027-09-30 23:30, prevention: DOJ, due 2027-11-29, no answer (not yet due).
       R3 opened 2026-09-30 23:59 (before), reopened 2027-01-01 (a reopening is no new receipt): not counted.
       R4 opened 2027-03-01, prosecution: DOJ due 05-01, no answer (overdue); DHS without a due date answers
          2027-10-02 (after: not answered, not overdue).
       R5 opened 2027-04-01, partnership: DHS due 06-01 partially concurs 2027-09-30 23:59 (late)."""
    recs = {}
    for n, (pillar, opened, targets, answers, status) in enumerate([
        ("protection", at(2026, 10, 1, 0, 0), {doj: date(2026, 11, 30), dhs: date(2026, 11, 30)},
         [(doj, 1, "partially_concur", at(2026, 11, 30, 23)), (doj, 2, "concur", at(2027, 2, 1)),
          (dhs, 1, "non_concur", at(2026, 12, 2)), (dhs, 2, "concur", at(2027, 10, 10))], "open"),
        ("prevention", at(2027, 9, 30, 23, 30), {doj: date(2027, 11, 29)}, [], "open"),
        ("protection", at(2026, 9, 30, 23, 59), {doj: date(2026, 11, 1)},
         [(doj, 1, "concur", at(2026, 10, 15))], "open"),
        ("prosecution", at(2027, 3, 1), {doj: date(2027, 5, 1), dhs: None}, [(dhs, 1, "concur", at(2027, 10, 2))],
         "open"),
        ("partnership", at(2027, 4, 1), {dhs: date(2027, 6, 1)}, [(dhs, 1, "partially_concur",
                                                                    at(2027, 9, 30, 23, 59))], "open"),
    ], start=1):
        rec = Recommendation(title=f"R{n}", pillar=pillar, report_year=2027, number=f"2027-{n:02d}", sequence=n,
                             status=status, filed_by_id=author.id, submitted_at=opened)
        db.add(rec)
        db.flush()
        recs[n] = rec
        db.add(RecommendationEvent(recommendation_id=rec.id, from_status="under_review", to_status="open",
                                   created_at=opened))
        for agency_id, due in targets.items():
            db.add(RecommendationTarget(recommendation_id=rec.id, agency_id=agency_id, response_due=due))
        latest = {}
        for agency_id, revision, _pos, _when in answers:
            latest[agency_id] = max(latest.get(agency_id, 0), revision)
        for agency_id, revision, position, when in answers:
            db.add(AgencyResponse(recommendation_id=rec.id, agency_id=agency_id, revision=revision,
                                  is_current=revision == latest[agency_id], position=position, author_id=author.id,
                                  created_at=when))
    db.add(RecommendationEvent(recommendation_id=recs[3].id, from_status="closed_implemented", to_status="open",
                               created_at=at(2027, 1, 1)))


def _meetings(db, spog, council, tz_name) -> None:
    """SPOG: 2026-10-01 00:30 local (in), 2026-09-30 23:30 local (out: the UTC day is 10-01), cancelled 2027-03-01,
    a closed one 2027-05-01, 2027-09-30 23:00 local (in: the UTC day is 10-01). Council: 2027-10-01 (out)."""
    tz = zoneinfo.ZoneInfo(tz_name)

    def local(y, m, d, hh, mm=0):
        return datetime(y, m, d, hh, mm, tzinfo=tz).astimezone(UTC)

    for committee_id, starts, status, is_open in [
        (spog, local(2026, 10, 1, 0, 30), "scheduled", True),
        (spog, local(2026, 9, 30, 23, 30), "scheduled", True),
        (spog, local(2027, 3, 1, 10), "cancelled", True),
        (spog, local(2027, 5, 1, 10), "scheduled", False),
        (spog, local(2027, 9, 30, 23), "scheduled", True),
        (council, local(2027, 10, 1, 10), "scheduled", True),
    ]:
        db.add(Meeting(committee_id=committee_id, title=f"Meeting {starts:%Y-%m-%d}", starts_at=starts,
                       ends_at=starts.replace(hour=(starts.hour + 1) % 24) if starts.hour < 23 else starts,
                       status=status, is_open=is_open, timezone=tz_name))


@pytest.fixture
def fy2027(db, app, make_user):
    author = make_user("council")
    build(db, author, app.config["PITF_TIMEZONE"])
    return make_user("viewer")


def run(db, actor, now=AFTER, year="2027", period="fiscal"):
    return summaries.annual_summary(session=db, actor=actor, year=year, period=period, now=now)


def _row(rows, key):
    return next(r for r in rows if r.key == key)


def counts(c) -> tuple:
    return (c.made, c.done, c.done_on_time, c.done_late, c.cancelled, c.overdue, c.median_days_late,
            c.median_days_overdue)


def answers(r) -> tuple:
    return (r.received, r.answered, r.answered_on_time, r.answered_late, r.overdue, r.concur, r.partially_concur,
            r.non_concur)


def test_commitments_by_agency(db, app, fy2027):
    s = run(db, fy2027)
    assert (s.period.start, s.period.end, s.as_of, s.running) == (date(2026, 10, 1), date(2027, 9, 30),
                                                                  date(2027, 9, 30), False)
    # DOJ: late days 1, 3, 5, 10 (even: the mean of 3 and 5); overdue days 1, 1, 121, 303 (the mean of 1 and 121)
    assert counts(_row(s.agencies, "DOJ").commitments) == (7, 5, 1, 4, 1, 4, 4.0, 61.0)
    # DHS: late days 2, 7, 9 (odd: the middle one)
    assert counts(_row(s.agencies, "DHS").commitments) == (3, 3, 0, 3, 0, 0, 7.0, None)
    assert counts(_row(s.agencies, "HHS").commitments) == (0, 0, 0, 0, 0, 0, None, None)  # active, listed
    # All: late 1, 2, 3, 5, 7, 9, 10; overdue 1, 1, 121, 303
    assert counts(s.total.commitments) == (10, 8, 1, 7, 1, 4, 5.0, 61.0)
    assert [r.key for r in s.agencies] == sorted(r.key for r in s.agencies)


def test_commitments_by_pillar(db, app, fy2027):
    s = run(db, fy2027)
    assert [r.key for r in s.pillars] == ["prevention", "protection", "prosecution", "partnership"]
    assert counts(_row(s.pillars, "prevention").commitments) == (3, 3, 0, 3, 0, 3, 3.0, 1.0)
    assert counts(_row(s.pillars, "protection").commitments) == (4, 4, 1, 3, 0, 0, 7.0, None)
    assert counts(_row(s.pillars, "prosecution").commitments) == (1, 1, 0, 1, 0, 1, 5.0, 303.0)
    assert counts(_row(s.pillars, "partnership").commitments) == (2, 0, 0, 0, 1, 0, None, None)


def test_recommendations_received_answered_and_positions(db, app, fy2027):
    s = run(db, fy2027)
    assert answers(_row(s.agencies, "DOJ").responses) == (3, 1, 1, 0, 1, 1, 0, 0)
    assert answers(_row(s.agencies, "DHS").responses) == (3, 2, 0, 2, 0, 0, 1, 1)
    assert answers(s.total.responses) == (6, 3, 1, 2, 1, 1, 1, 1)
    assert answers(_row(s.pillars, "protection").responses) == (2, 2, 1, 1, 0, 1, 0, 1)
    assert answers(_row(s.pillars, "prevention").responses) == (1, 0, 0, 0, 0, 0, 0, 0)
    assert answers(_row(s.pillars, "prosecution").responses) == (2, 0, 0, 0, 1, 0, 0, 0)
    assert answers(_row(s.pillars, "partnership").responses) == (1, 1, 0, 1, 0, 0, 1, 0)


def test_meetings_held_by_body_in_the_platform_zone(db, app, fy2027):
    s = run(db, fy2027)
    bodies = {b.name: (b.held, b.closed, b.cancelled, b.to_come) for b in s.bodies}
    assert bodies[SPOG] == (3, 1, 1, 0)  # the cancelled one and the one of 09-30 local are not held
    assert bodies[COUNCIL] == (0, 0, 0, 0)
    assert (s.bodies_total.held, s.bodies_total.closed, s.bodies_total.cancelled) == (3, 1, 1)
    assert s.bodies[0].kind == "task_force"  # the PITF first, then by kind


def test_a_running_period_counts_to_today(db, app, fy2027):
    s = run(db, fy2027, now=DURING)
    assert (s.as_of, s.running) == (date(2027, 6, 15), True)
    bodies = {b.name: (b.held, b.closed, b.cancelled, b.to_come) for b in s.bodies}
    assert bodies[SPOG] == (2, 1, 1, 1)  # the meeting of 09-30 is still to come
    # On 06-15: item 9 (due 06-01) is 14 days overdue, item 11 (due 2026-12-01) 196; DOJ 5 is not yet due
    doj = _row(s.agencies, "DOJ").commitments
    assert (doj.overdue, doj.median_days_overdue) == (2, 105.0)
    # R1's DHS answer stands; R4's DOJ answer (due 05-01) is overdue; R5's DHS (due 06-01) too
    assert answers(_row(s.agencies, "DHS").responses)[:5] == (3, 1, 0, 1, 1)


def test_the_calendar_year(db, app, fy2027):
    s = run(db, fy2027, year="2027", period="calendar")
    assert (s.period.start, s.period.end, s.period.short) == (date(2027, 1, 1), date(2027, 12, 31), "CY2027")
    assert s.as_of == AFTER.date() and s.running
    # made in 2027: DOJ 7 and 8, DHS 14-16
    assert s.total.commitments.made == 5


@pytest.mark.parametrize(("year", "period", "field", "words"), [
    ("20x7", "fiscal", "year", "four digits"),
    ("1999", "fiscal", "year", "four digits"),
    ("12027", "fiscal", "year", "four digits"),
    ("2027", "lunar", "period", "calendar year or a fiscal year"),
    ("2029", "fiscal", "year", "FY2029 begins on 2028-10-01: it has not started yet. Choose FY2028 or earlier."),
    ("2028", "calendar", "year", "CY2028 begins on 2028-01-01"),
    ("2025", "fiscal", "year", "records begin on 2026-05-01, after FY2025 ended. Choose FY2026 or later."),
    ("2025", "calendar", "year", "Choose CY2026 or later."),
])
def test_bad_periods_are_refused_with_a_reason(db, app, fy2027, year, period, field, words):
    with pytest.raises(ValidationFailed) as err:
        run(db, fy2027, year=year, period=period)
    assert words in err.value.fields[field]


def test_blank_asks_for_the_running_fiscal_year(db, app, fy2027):
    assert run(db, fy2027, year="", period="").period == summaries.Period("fiscal", 2028)
    assert summaries.current_period("fiscal", date(2026, 9, 30)).year == 2026
    assert summaries.current_period("fiscal", date(2026, 10, 1)).year == 2027


def test_a_period_without_data_says_so(db, app, make_user):
    spog = committee(db, SPOG).id
    db.add(Meeting(committee_id=spog, title="Long ago", starts_at=at(2020, 3, 1, 15), ends_at=at(2020, 3, 1, 16)))
    db.flush()
    s = run(db, make_user("viewer"), year="2022", period="calendar")
    assert not s.has_data
    assert "no meeting was held or planned in Calendar year 2022 (2022-01-01 to 2022-12-31)" in s.empty_reason
    assert "No commitment was made" in files.summary_markdown(s)
    rows = list(csv.reader(io.StringIO("".join(files.summary_csv(s)).lstrip("\ufeff"))))
    assert rows[0] == list(files.CSV_COLUMNS)
    assert len(rows) == 2 and rows[1][:3] == ["CY2022", "note", ""] and rows[1][3] == s.empty_reason
    assert set(rows[1][4:]) == {""}


def test_anyone_signed_in_reads_it_nobody_else(db, app, fy2027):
    from types import SimpleNamespace

    for role in ("admin", "secretariat", "liaison", "council", "viewer"):
        assert permissions.can_view_annual_summary(SimpleNamespace(role=role, is_authenticated=True, is_active=True))
    anonymous = SimpleNamespace(role=None, is_authenticated=False, is_active=False)
    assert not permissions.can_view_annual_summary(anonymous)
    assert not permissions.can_view_annual_summary(permissions.SYSTEM)
    with pytest.raises(Forbidden):
        run(db, anonymous)


def test_markdown_tables_and_escaping(db, app, fy2027):
    committee(db, SPOG).name = "SPOG | the *operating* group"
    db.flush()
    text = files.summary_markdown(run(db, fy2027))
    assert text.startswith("# The PITF's annual summary: Fiscal year 2027\n")
    assert "| DOJ | 7 | 5 | 1 | 4 | 1 | 4 | 4 | 61 |" in text
    assert "| All agencies | 10 | 8 | 1 | 7 | 1 | 4 | 5 | 61 |" in text
    assert "| DHS | 3 | 2 | 0 | 2 | 0 | 0 | 1 | 1 |" in text
    assert r"| SPOG \| the \*operating\* group | Operating group | 3 | 1 | 1 | 0 |" in text
