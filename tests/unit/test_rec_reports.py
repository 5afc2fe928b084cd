"""The recommendations dashboard and the annual report, checked against a fixture whose figures are counted by hand."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from pitf.errors import Conflict, Forbidden, NotFound, ValidationFailed
from pitf.models import AgencyResponse, AuditEntry, Recommendation, RecommendationTarget
from pitf.services import actions, rec_annual_report, rec_reports, rec_responses, rec_workflow
from pitf.services import recommendations as recs
from tests.factories import cast, draft_in, response_in

OPENED_ON = date(2027, 3, 1)  # the day the secretariat opens the recommendations for responses
TODAY = date(2027, 6, 1)  # the dashboard's day


def at(y, m, d, hh=12, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


@pytest.fixture
def people(make_user):
    return cast(make_user, "author", "council", "staff", "doj", "dhs", "viewer")


def build(db, p) -> dict:
    """The hand-counted fixture. Numbers are given in submission order: R1 = 2027-01 ... R5 = 2027-05,
    R7 = 2027-06 (withdrawn), S1 = 2028-01, S2 = 2028-02; R6 stays a draft.

    2027: R1 to DOJ (due 04-01) and DHS (due 04-15), closed implemented. DOJ concurs on 03-20 (on time) with
          A1 (done) and A2 (open); DHS partially concurs on 04-15 at 23:30 UTC (on time, the last minute) with
          A3, then revises to concur on 05-20 linking A3 (done) and new A4 (cancelled).
          R2 to DOJ (due 04-01), closed not implemented: DOJ non-concurs on 04-02 at 00:30 UTC (late).
          R3 to DOJ and DHS (due 05-01), open, unanswered: overdue for both on 06-01.
          R4 to DHS (due 07-01), open, unanswered: not yet due.
          R5 to DOJ, only submitted. R6 to DOJ, a draft. R7 to DHS, withdrawn.
    2028: S1 to DOJ (due 2028-02-01) and DHS (no due date), open. DHS concurs with B1 (open); DOJ partially
          concurs linking A2 again (counted once for DOJ).
          S2 to DOJ, under review.
    """
    def draft(title, targets, year=2027, **over):
        return recs.create_draft(session=db, actor=p["author"], rec_in=draft_in({
            "title": title, "body_md": f"The Council recommends: {title.lower()}.",
            "rationale_md": "Survivors said so.", "pillar": "protection", "target_agencies": targets,
            "report_year": year, **over}))

    def move(rec, to, actor=None, **kw):
        actor = actor or (p["author"] if to in ("submitted", "withdrawn") else p["staff"])
        return rec_workflow.transition(session=db, actor=actor, rec_id=rec.id, version=rec.version, to=to,
                                       today=OPENED_ON, note="Noted." if to.startswith("closed") else "", **kw)

    def opened(title, targets, due, year=2027):
        rec = draft(title, targets, year)
        move(rec, "submitted")
        move(rec, "under_review")
        move(rec, "open", response_due=due)
        return rec

    def respond(rec, who, position, at_, new=(), link=()):
        agency = who.upper()
        r = rec_responses.respond(session=db, actor=p[who], rec_id=rec.id,
                                  response_in=response_in(agency=agency, position=position,
                                  response_md=f"{agency} answers **{position}**.", action_item_ids=list(link),
                                  new_action_items=[{"title": t, "due_date": d} for t, d in new]))
        r.created_at = at_
        db.flush()
        return r

    r1 = opened("Screen shelters for labor trafficking", ["DOJ", "DHS"], {"DOJ": "2027-04-01", "DHS": "2027-04-15"})
    r2 = opened("Fund survivor-led outreach", ["DOJ"], {"DOJ": "2027-04-01"})
    r3 = opened("Train task forces on trauma", ["DOJ", "DHS"], {"DOJ": "2027-05-01", "DHS": "2027-05-01"})
    r4 = opened("Audit supply chains", ["DHS"], {"DHS": "2027-07-01"})
    r5 = draft("Publish data on visas", ["DOJ"])
    move(r5, "submitted")
    r6 = draft("A draft nobody else sees", ["DOJ"])
    r7 = draft("Withdrawn idea", ["DHS"])
    move(r7, "submitted")
    move(r7, "withdrawn")

    respond(r1, "doj", "concur", at(2027, 3, 20), new=[("A1 guidance", "2027-09-01"), ("A2 training", "2027-10-01")])
    respond(r1, "dhs", "partially_concur", at(2027, 4, 15, 23, 30), new=[("A3 screening tool", "2027-08-01")])
    items = {i.title: i for i in db.execute(select(actions.ActionItem).where(
        actions.ActionItem.recommendation_id == r1.id)).scalars()}
    respond(r1, "dhs", "concur", at(2027, 5, 20), link=[items["A3 screening tool"].id],
            new=[("A4 pilot", "2027-12-01")])
    items = {i.title: i for i in db.execute(select(actions.ActionItem).where(
        actions.ActionItem.recommendation_id == r1.id)).scalars()}
    for title, who in (("A1 guidance", "doj"), ("A3 screening tool", "dhs")):
        actions.post_status_update(session=db, actor=p[who], item_id=items[title].id,
                                   version=items[title].version, status="done")
    actions.cancel_action_item(session=db, actor=p["staff"], item_id=items["A4 pilot"].id,
                               version=items["A4 pilot"].version, reason="Folded into A3.")
    respond(r2, "doj", "non_concur", at(2027, 4, 2, 0, 30))
    move(r1, "closed_implemented")
    move(r2, "closed_not_implemented")

    s1 = opened("Share screening data", ["DOJ", "DHS"], {"DOJ": "2028-02-01"}, year=2028)
    db.get(RecommendationTarget, (s1.id, p["dhs"].agency_id)).response_due = None
    db.flush()
    respond(s1, "dhs", "concur", at(2027, 8, 1), new=[("B1 data sharing", "2028-06-01")])
    respond(s1, "doj", "partially_concur", at(2027, 5, 15), link=[items["A2 training"].id])
    s2 = draft("Review grant terms", ["DOJ"], 2028)
    move(s2, "submitted")
    move(s2, "under_review")
    return {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "r5": r5, "r6": r6, "r7": r7, "s1": s1, "s2": s2,
            "items": items}


def figures(row) -> dict:
    data = asdict(row)
    data.pop("name")
    return data


def test_fixture_numbers(db, people):
    f = build(db, people)
    assert [f[k].number for k in ("r1", "r2", "r3", "r4", "r5", "r7", "s1", "s2")] == [
        "2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06", "2028-01", "2028-02"]
    assert f["r6"].number is None
    assert [f[k].status for k in ("r1", "r2", "r3", "r4", "r5", "r6", "r7", "s1", "s2")] == [
        "closed_implemented", "closed_not_implemented", "open", "open", "submitted", "draft", "withdrawn", "open",
        "under_review"]


def test_agency_dashboard_all_years(db, people):
    build(db, people)
    rows = rec_reports.agency_dashboard(db, TODAY)
    assert [figures(r) for r in rows] == [
        {"acronym": "DHS", "received": 4, "answered": 2, "answered_on_time": 2, "overdue": 1, "concur": 2,
         "partially_concur": 0, "non_concur": 0, "commitments_open": 1, "commitments_done": 1, "implemented": 1},
        {"acronym": "DOJ", "received": 6, "answered": 3, "answered_on_time": 2, "overdue": 1, "concur": 1,
         "partially_concur": 1, "non_concur": 1, "commitments_open": 1, "commitments_done": 1, "implemented": 1},
    ]
    assert [(r.answered_late, r.on_time_pct) for r in rows] == [(0, 100), (1, 67)]
    total = rec_reports.AgencyRow.total(rows)
    assert (total.received, total.answered, total.answered_on_time, total.overdue, total.implemented) == (
        10, 5, 4, 2, 2)
    assert total.on_time_pct == 80


@pytest.mark.parametrize("year,expected", [
    (2027, [
        {"acronym": "DHS", "received": 3, "answered": 1, "answered_on_time": 1, "overdue": 1, "concur": 1,
         "partially_concur": 0, "non_concur": 0, "commitments_open": 0, "commitments_done": 1, "implemented": 1},
        {"acronym": "DOJ", "received": 4, "answered": 2, "answered_on_time": 1, "overdue": 1, "concur": 1,
         "partially_concur": 0, "non_concur": 1, "commitments_open": 1, "commitments_done": 1, "implemented": 1}]),
    (2028, [
        {"acronym": "DHS", "received": 1, "answered": 1, "answered_on_time": 1, "overdue": 0, "concur": 1,
         "partially_concur": 0, "non_concur": 0, "commitments_open": 1, "commitments_done": 0, "implemented": 0},
        {"acronym": "DOJ", "received": 2, "answered": 1, "answered_on_time": 1, "overdue": 0, "concur": 0,
         "partially_concur": 1, "non_concur": 0, "commitments_open": 1, "commitments_done": 0, "implemented": 0}]),
    (2030, []),
])
def test_agency_dashboard_by_year(db, people, year, expected):
    build(db, people)
    assert [figures(r) for r in rec_reports.agency_dashboard(db, TODAY, year=year)] == expected


def test_overdue_depends_on_today(db, people):
    build(db, people)
    # On May 1 nothing of R3 is overdue yet (due that day); on July 2 R4 is too.
    assert [r.overdue for r in rec_reports.agency_dashboard(db, date(2027, 5, 1))] == [0, 0]
    assert [r.overdue for r in rec_reports.agency_dashboard(db, date(2027, 7, 2))] == [2, 1]


def test_dashboard_takes_a_fixed_number_of_queries(db, people, count_queries):
    build(db, people)
    with count_queries() as q:
        rec_reports.agency_dashboard(db, TODAY)
        rec_reports.council_by_year(db)
    assert q.count == 3


def test_council_by_year(db, people):
    build(db, people)
    rows = rec_reports.council_by_year(db)
    assert [(asdict(r), r.implemented_pct) for r in rows] == [
        ({"year": 2028, "submitted": 2, "in_review": 1, "open": 1, "implemented": 0, "not_implemented": 0}, 0),
        ({"year": 2027, "submitted": 5, "in_review": 1, "open": 2, "implemented": 1, "not_implemented": 1}, 20),
    ]


@pytest.mark.parametrize("implemented,submitted,pct", [(0, 0, None), (1, 8, 13), (1, 3, 33), (2, 3, 67),
                                                       (3, 8, 38), (5, 5, 100), (0, 4, 0)])
def test_share_implemented_rounds_half_up(implemented, submitted, pct):
    assert rec_reports.YearRow(2027, submitted=submitted, implemented=implemented).implemented_pct == pct


def test_annual_report_content(db, people):
    f = build(db, people)
    report = rec_reports.annual_report(db, 2027, today=TODAY)
    assert report.title == "U.S. Advisory Council on Human Trafficking: Annual Report 2027"
    assert [i.number for i in report.items] == ["2027-01", "2027-02", "2027-03", "2027-04", "2027-05"]
    r1 = report.items[0]
    assert (r1.title, r1.status, r1.status_label) == (f["r1"].title, "closed_implemented", "Closed: implemented")
    assert "<strong>" not in r1.body_html and r1.body_md.startswith("The Council recommends")
    assert [(t.agency, t.response_due) for t in r1.targets] == [("DHS", date(2027, 4, 15)), ("DOJ", date(2027, 4, 1))]
    dhs, doj = (t.response for t in r1.targets)
    assert (dhs.position, dhs.position_label, dhs.revision, dhs.filed_on) == ("concur", "Concur", 2, date(2027, 5, 20))
    assert dhs.response_md == "DHS answers **concur**." and "<strong>concur</strong>" in dhs.response_html
    assert [(c.title, c.status, c.percent_complete, c.due_date) for c in dhs.commitments] == [
        ("A3 screening tool", "done", 100, date(2027, 8, 1)), ("A4 pilot", "cancelled", None, date(2027, 12, 1))]
    assert (doj.position, doj.agency_name) == ("concur", "Department of Justice")
    assert [(c.title, c.status) for c in doj.commitments] == [("A1 guidance", "done"), ("A2 training", "open")]
    r3 = report.items[2]
    assert [(t.agency, t.response) for t in r3.targets] == [("DHS", None), ("DOJ", None)] and r3.responses == []
    assert report.items[4].status == "submitted"
    assert rec_reports.annual_report(db, 2031).items == []


def test_annual_report_takes_four_queries(db, people, count_queries):
    build(db, people)
    with count_queries() as q:
        rec_reports.annual_report(db, 2027)
    assert q.count == 4


def test_set_report_order(db, people):
    f = build(db, people)
    ids = {k: f[k].id for k in ("r1", "r2", "r3", "r4", "r5")}
    versions = {k: f[k].version for k in ids}
    order = [ids["r3"], ids["r1"], ids["r5"], ids["r2"], ids["r4"]]
    assert rec_reports.set_report_order(session=db, actor=people["council"], year=2027, ordered_ids=order) == order
    db.expire_all()
    assert [i.number for i in rec_reports.annual_report(db, 2027).items] == [
        "2027-03", "2027-01", "2027-05", "2027-02", "2027-04"]
    assert {k: db.get(Recommendation, i).version for k, i in ids.items()} == versions  # no one's form goes stale
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "recommendation.report_order")).scalar_one()
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("AnnualReport", 2027, people["council"].id)
    assert entry.changes["order"] == [["2027-01", "2027-02", "2027-03", "2027-04", "2027-05"],
                                      ["2027-03", "2027-01", "2027-05", "2027-02", "2027-04"]]
    # A recommendation submitted later goes to the end until the Council places it.
    late = recs.create_draft(session=db, actor=people["author"], rec_in=draft_in({
        "title": "Late one", "body_md": "Text.", "pillar": "prevention", "target_agencies": ["DOL"],
        "report_year": 2027}))
    rec_workflow.transition(session=db, actor=people["author"], rec_id=late.id, version=late.version, to="submitted")
    assert [i.number for i in rec_reports.annual_report(db, 2027).items][-2:] == ["2027-04", "2027-07"]
    # The secretariat may order too.
    rec_reports.set_report_order(session=db, actor=people["staff"], year=2027,
                                 ordered_ids=[late.id, *[ids[k] for k in ("r1", "r2", "r3", "r4", "r5")]])
    db.expire_all()
    assert rec_reports.annual_report(db, 2027).items[0].number == "2027-07"


@pytest.mark.parametrize("who", ["doj", "viewer"])
def test_only_council_and_staff_order_the_report(db, people, who):
    f = build(db, people)
    order = [f[k].id for k in ("r5", "r4", "r3", "r2", "r1")]
    with pytest.raises(Forbidden):
        rec_reports.set_report_order(session=db, actor=people[who], year=2027, ordered_ids=order)
    with pytest.raises(Forbidden):
        rec_reports.move_in_report(session=db, actor=people[who], year=2027, rec_id=f["r1"].id, direction="down")


@pytest.mark.parametrize("case,message", [
    ("missing", "Missing from the order: 2027-05."),
    ("draft", "Not a recommendation of the 2027 report"),
    ("withdrawn", "Not a recommendation of the 2027 report"),
    ("other_year", "Not a recommendation of the 2027 report"),
    ("twice", "Give each recommendation once."),
    ("not_ids", "A list of recommendation ids."),
])
def test_bad_orders_are_refused(db, people, case, message):
    f = build(db, people)
    base = [f[k].id for k in ("r1", "r2", "r3", "r4", "r5")]
    order = {"missing": base[:4], "draft": [*base, f["r6"].id], "withdrawn": [*base, f["r7"].id],
             "other_year": [*base, f["s1"].id], "twice": [*base, base[0]], "not_ids": [str(i) for i in base]}[case]
    with pytest.raises(ValidationFailed) as err:
        rec_reports.set_report_order(session=db, actor=people["council"], year=2027, ordered_ids=order)
    assert message in err.value.fields["ordered_ids"]
    assert db.execute(select(Recommendation.report_order).where(Recommendation.id.in_(base))).scalars().all() == [
        None] * 5


def test_move_in_report(db, people):
    f = build(db, people)
    ids = [f[k].id for k in ("r1", "r2", "r3", "r4", "r5")]
    order, index = rec_reports.move_in_report(session=db, actor=people["council"], year=2027, rec_id=ids[2],
                                              direction="up", seen=ids)
    assert (order, index) == ([ids[0], ids[2], ids[1], ids[3], ids[4]], 1)
    with pytest.raises(Conflict):  # the page showed the old order
        rec_reports.move_in_report(session=db, actor=people["council"], year=2027, rec_id=ids[2], direction="up",
                                   seen=ids)
    with pytest.raises(ValidationFailed) as err:
        rec_reports.move_in_report(session=db, actor=people["council"], year=2027, rec_id=ids[0], direction="up")
    assert err.value.fields == {"direction": "It is already first."}
    with pytest.raises(NotFound):
        rec_reports.move_in_report(session=db, actor=people["council"], year=2027, rec_id=f["s1"].id, direction="up")


def test_report_markdown(db, people):
    f = build(db, people)
    rec_reports.set_report_order(session=db, actor=people["council"], year=2027,
                                 ordered_ids=[f[k].id for k in ("r3", "r1", "r5", "r2", "r4")])
    db.expire_all()
    text = rec_annual_report.report_markdown(rec_reports.annual_report(db, 2027, today=TODAY))
    assert text.startswith("# U.S. Advisory Council on Human Trafficking: Annual Report 2027\n\n"
                           "The Council's 5 recommendations for 2027, grouped by pillar and in the order the Council "
                           "chose within each group, with the agencies' responses and commitments as of 2027-06-01, "
                           "and an index by agency.\n")
    headings = [line for line in text.splitlines() if line.startswith(("## ", "### 2027"))]
    assert headings == ["## Protection", "### 2027-03: Train task forces on trauma",
                        "### 2027-01: Screen shelters for labor trafficking", "### 2027-05: Publish data on visas",
                        "### 2027-02: Fund survivor-led outreach", "### 2027-04: Audit supply chains",
                        "## Index by agency"]
    r1 = text[text.index("### 2027-01"):text.index("### 2027-05")]
    assert ("- Status: Closed: implemented\n- Pillar: Protection\n- Drafted by: The full Council\n"
            "- Addressed to: DHS, DOJ\n") in r1
    assert "#### Recommendation\n\nThe Council recommends: screen shelters for labor trafficking.\n" in r1
    assert "#### Rationale\n\nSurvivors said so.\n" in r1
    assert ("##### DHS (Department of Homeland Security): Concur\n\nFiled 2027-05-20, revision 2; "
            "response due 2027-04-15.\n\nDHS answers **concur**.\n") in r1
    a3, a4 = f["items"]["A3 screening tool"].id, f["items"]["A4 pilot"].id
    assert (f"Commitments:\n\n- A3 screening tool: Done, due 2027-08-01 (action item {a3})\n"
            f"- A4 pilot: Cancelled, due 2027-12-01 (action item {a4})\n") in r1
    assert "##### DOJ (Department of Justice): Concur\n\nFiled 2027-03-20; response due 2027-04-01." in r1
    r3 = text[text.index("### 2027-03"):text.index("### 2027-01")]
    assert "##### DOJ (Department of Justice): no response yet\n\nNo response filed; response due 2027-05-01." in r3
    r2 = text[text.index("### 2027-02"):text.index("### 2027-04")]
    assert "##### DOJ (Department of Justice): Non-concur" in r2 and "No commitments linked." in r2
    index = text[text.index("## Index by agency"):]
    assert index == ("## Index by agency\n\n"
                     "### DHS (Department of Homeland Security)\n\n"
                     "- 2027-03: Train task forces on trauma — No response yet\n"
                     "- 2027-01: Screen shelters for labor trafficking — Concur\n"
                     "- 2027-04: Audit supply chains — No response yet\n\n"
                     "### DOJ (Department of Justice)\n\n"
                     "- 2027-03: Train task forces on trauma — No response yet\n"
                     "- 2027-01: Screen shelters for labor trafficking — Concur\n"
                     "- 2027-05: Publish data on visas — No response yet\n"
                     "- 2027-02: Fund survivor-led outreach — Non-concur\n")


def test_report_markdown_escapes_titles_and_nests_headings(db, people):
    rec = recs.create_draft(session=db, actor=people["author"], rec_in=draft_in({
        "title": "Use *all* [tools] # now", "body_md": "# Heading\n\n```\n# not a heading\n```\n\nText.",
        "pillar": "prevention", "target_agencies": ["DOL"], "report_year": 2029}))
    rec_workflow.transition(session=db, actor=people["author"], rec_id=rec.id, version=rec.version, to="submitted")
    text = rec_annual_report.report_markdown(rec_reports.annual_report(db, 2029))
    assert "### 2029-01: Use \\*all\\* \\[tools\\] \\# now\n" in text
    assert "##### Heading\n\n```\n# not a heading\n```\n\nText." in text
    assert "##### DOL (Department of Labor): no response yet\n\nNo response filed; no response date set." in text
    assert "- 2029-01: Use \\*all\\* \\[tools\\] \\# now — No response yet\n" in text


def test_empty_year_markdown(db):
    text = rec_annual_report.report_markdown(rec_reports.annual_report(db, 2031))
    assert text == ("# U.S. Advisory Council on Human Trafficking: Annual Report 2031\n\n"
                    "No recommendations were filed for 2031.\n")


def test_late_response_is_counted_by_its_first_revision(db, people):
    """Revising after the due date keeps an on-time answer on time; the dashboard reads revision 1."""
    build(db, people)
    revised = db.execute(select(AgencyResponse).where(AgencyResponse.revision == 2)).scalar_one()
    assert revised.created_at.date() > date(2027, 4, 15)
    dhs = rec_reports.agency_dashboard(db, TODAY, year=2027)[0]
    assert (dhs.acronym, dhs.answered_on_time) == ("DHS", 1)
