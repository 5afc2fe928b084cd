"""The Council's annual report grouped by pillar and by drafting committee, in the Council's order within each
group, with its index by agency."""

from __future__ import annotations

import pytest

from pitf.errors import NotFound
from pitf.services import rec_annual_report, rec_reports, rec_responses, rec_workflow
from pitf.services import recommendations as recs
from tests.factories import cast, draft_in, response_in
from tests.unit.test_rec_tracking import council_committee


@pytest.fixture
def people(make_user):
    return cast(make_user, "author", "council", "staff", "doj", "dhs", "viewer")


def build(db, p) -> dict:
    """2030: P1 prevention by Labor to DHS and DOL; P2 protection by Services to DOJ; P3 prevention by the full
    Council to DOJ; P4 protection by Labor to DHS, which concurs; P5 a draft. The Council's order: P4, P3, P2, P1."""
    labor = council_committee(db, "Council Committee on Labor")
    services = council_committee(db, "Council Committee on Services")

    def rec(title, pillar, targets, committee, opened=True):
        r = recs.create_draft(session=db, actor=p["author"], rec_in=draft_in({
            "title": title, "body_md": f"{title}.", "pillar": pillar, "target_agencies": targets,
            "report_year": 2030, "drafting_committee_id": committee.id if committee else None}))
        if opened:
            for to, who in (("submitted", "author"), ("under_review", "staff"), ("open", "staff")):
                rec_workflow.transition(session=db, actor=p[who], rec_id=r.id, version=r.version, to=to)
        return r

    p1 = rec("Ban recruitment fees", "prevention", ["DHS", "DOL"], labor)
    p2 = rec("Fund shelters", "protection", ["DOJ"], services)
    p3 = rec("Teach the signs", "prevention", ["DOJ"], None)
    p4 = rec("Audit contracts", "protection", ["DHS"], labor)
    p5 = rec("Unfinished", "prosecution", ["DOJ"], services, opened=False)
    rec_responses.respond(session=db, actor=p["dhs"], rec_id=p4.id, response_in=response_in(
        agency="DHS", position="concur", response_md="Yes."))
    rec_reports.set_report_order(session=db, actor=p["council"], year=2030,
                                 ordered_ids=[p4.id, p3.id, p2.id, p1.id])
    db.expire_all()
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5, "labor": labor, "services": services}


def test_grouped_by_pillar_in_the_councils_order(db, people):
    build(db, people)
    report = rec_reports.annual_report(db, 2030)
    groups = rec_annual_report.grouped(report, "pillar")
    assert [(g.key, g.title, [i.number for i in g.items]) for g in groups] == [
        ("prevention", "Prevention", ["2030-03", "2030-01"]),
        ("protection", "Protection", ["2030-04", "2030-02"])]  # no prosecution group: its only one is a draft


def test_grouped_by_drafting_committee(db, people):
    f = build(db, people)
    report = rec_reports.annual_report(db, 2030)
    assert [(i.number, i.drafting_committee) for i in report.items] == [
        ("2030-04", "Council Committee on Labor"), ("2030-03", ""), ("2030-02", "Council Committee on Services"),
        ("2030-01", "Council Committee on Labor")]
    groups = rec_annual_report.grouped(report, "committee")
    assert [(g.key, g.title, [i.number for i in g.items]) for g in groups] == [
        (f"committee-{f['labor'].id}", "Council Committee on Labor", ["2030-04", "2030-01"]),
        (f"committee-{f['services'].id}", "Council Committee on Services", ["2030-02"]),
        ("council", "The full Council", ["2030-03"])]


def test_moving_in_the_order_moves_within_the_group(db, people):
    f = build(db, people)
    rec_reports.move_in_report(session=db, actor=people["council"], year=2030, rec_id=f["p1"].id, direction="up")
    rec_reports.move_in_report(session=db, actor=people["council"], year=2030, rec_id=f["p1"].id, direction="up")
    db.expire_all()
    groups = rec_annual_report.grouped(rec_reports.annual_report(db, 2030), "pillar")
    assert [i.number for i in groups[0].items] == ["2030-01", "2030-03"]


def test_index_by_agency(db, people):
    build(db, people)
    index = rec_annual_report.agency_index(rec_reports.annual_report(db, 2030))
    assert [(a.agency, a.agency_name, [(e.item.number, e.position_label) for e in a.entries]) for a in index] == [
        ("DHS", "Department of Homeland Security", [("2030-04", "Concur"), ("2030-01", "No response yet")]),
        ("DOJ", "Department of Justice", [("2030-03", "No response yet"), ("2030-02", "No response yet")]),
        ("DOL", "Department of Labor", [("2030-01", "No response yet")])]


def test_markdown_by_committee(db, people):
    build(db, people)
    text = rec_annual_report.report_markdown(rec_reports.annual_report(db, 2030), "committee")
    assert "grouped by drafting committee and in the order the Council chose within each group" in text
    assert [line for line in text.splitlines() if line.startswith(("## ", "### 2030"))] == [
        "## Council Committee on Labor", "### 2030-04: Audit contracts", "### 2030-01: Ban recruitment fees",
        "## Council Committee on Services", "### 2030-02: Fund shelters",
        "## The full Council", "### 2030-03: Teach the signs", "## Index by agency"]
    assert "- Drafted by: Council Committee on Labor\n" in text and "- Drafted by: The full Council\n" in text
    assert "Unfinished" not in text  # a draft is in no one's report
    assert "### DHS (Department of Homeland Security)\n\n- 2030-04: Audit contracts — Concur\n" in text


@pytest.mark.parametrize("raw", ["", None, "pillar"])
def test_grouping_defaults_to_pillar(raw):
    assert rec_annual_report.grouping(raw) == "pillar"


def test_an_unknown_grouping_is_refused():
    with pytest.raises(NotFound) as err:
        rec_annual_report.grouping("agency")
    assert "by=pillar" in err.value.message and "by=committee" in err.value.message
