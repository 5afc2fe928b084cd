"""Recommendations tracked as GAO tracks them: the running history in order, one row per recommendation and agency,
the CSV (columns, escaping), and who sees which rows; the drafting committee's rule."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from pitf.errors import ValidationFailed
from pitf.models import AgencyResponse, AuditEntry, Recommendation, RecommendationEvent
from pitf.models.org import CommitteeCreate
from pitf.permissions import SYSTEM
from pitf.reference import COUNCIL, SPOG
from pitf.services import org, rec_responses, rec_tracking, rec_workflow
from pitf.services import recommendations as recs
from tests.factories import cast, committee, draft_change, draft_in, response_in

STAMPED = (RecommendationEvent, AgencyResponse, AuditEntry)


def at(y, m, d):
    return datetime(y, m, d, 15, 0, tzinfo=UTC)  # 10:00 or 11:00 in Washington: the same day there


@pytest.fixture
def people(make_user):
    return cast(make_user, "author", "other", "staff", "doj", "dhs", "viewer")


def council_committee(db, name: str, parent: str = COUNCIL):
    return org.create_committee(session=db, actor=SYSTEM, committee_in=CommitteeCreate.model_validate({
        "name": name, "kind": "committee", "parent_id": committee(db, parent).id}))


class Clock:
    """Dates each step: the rows a step wrote (events, responses, audit entries) get the step's time."""

    def __init__(self, db):
        self.db = db
        self.seen = {m: self._last(m) for m in STAMPED}

    def _last(self, model) -> int:
        return self.db.execute(select(func.coalesce(func.max(model.id), 0))).scalar()

    def step(self, when: datetime) -> None:
        self.db.flush()
        for model in STAMPED:
            for row in self.db.execute(select(model).where(model.id > self.seen[model])).scalars():
                row.created_at = when
            self.seen[model] = self._last(model)
        self.db.flush()


def build(db, p) -> dict:
    """R1 (2027-01): drafted by the Services committee, to DOJ (due 04-01) and DHS (due 04-15); flagged priority;
    DOJ concurs then revises to partially concur, DHS non-concurs; closed as implemented on 06-01.
    R2 (2027-02): to DOJ, opened, unanswered. R3: submitted, not issued. R4: a draft of the author's."""
    clock = Clock(db)
    services = council_committee(db, "Council Committee on Services")

    def draft(title, targets, when, **over):
        rec = recs.create_draft(session=db, actor=p["author"], rec_in=draft_in({
            "title": title, "body_md": f"Text of {title.lower()}.", "pillar": "protection",
            "target_agencies": targets, "report_year": 2027, **over}))
        clock.step(when)
        return rec

    def move(rec, to, when, actor=None, **kw):
        actor = actor or (p["author"] if to == "submitted" else p["staff"])
        rec_workflow.transition(session=db, actor=actor, rec_id=rec.id, version=rec.version, to=to,
                                today=date(2027, 3, 1), **kw)
        clock.step(when)

    def respond(rec, who, position, text, when):
        rec_responses.respond(session=db, actor=p[who], rec_id=rec.id, response_in=response_in(
            agency=who.upper(), position=position, response_md=text))
        clock.step(when)

    r1 = draft("Screen shelters", ["DOJ", "DHS"], at(2027, 1, 10), drafting_committee_id=services.id)
    move(r1, "submitted", at(2027, 1, 15))
    move(r1, "under_review", at(2027, 1, 20))
    move(r1, "open", at(2027, 3, 1), response_due={"DOJ": "2027-04-01", "DHS": "2027-04-15"})
    rec_workflow.set_priority(session=db, actor=p["staff"], rec_id=r1.id, version=r1.version, priority=True)
    clock.step(at(2027, 3, 2))
    respond(r1, "doj", "concur", "DOJ will train\nevery task force.", at(2027, 3, 20))
    respond(r1, "dhs", "non_concur", "DHS has a tool already.", at(2027, 4, 10))
    respond(r1, "doj", "partially_concur", "DOJ will train some, \"first\" the largest.", at(2027, 4, 25))
    move(r1, "closed_implemented", at(2027, 6, 1), note="Agencies acted.")
    r2 = draft("=SUM(A1:A9), a title", ["DOJ"], at(2027, 2, 1))
    move(r2, "submitted", at(2027, 2, 2))
    move(r2, "under_review", at(2027, 2, 3))
    move(r2, "open", at(2027, 3, 1), response_due={"DOJ": "2027-05-01"})
    r3 = draft("Submitted only", ["DHS"], at(2027, 2, 5))
    move(r3, "submitted", at(2027, 2, 6))
    r4 = draft("A private draft", ["DOJ"], at(2027, 2, 7))
    return {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "services": services}


def rows_for(db, actor, **filters):
    return list(rec_tracking.tracking_rows(session=db, actor=actor, filters=recs.RecommendationFilters(**filters),
                                           today=date(2027, 6, 2)))


DOJ_COMMENTS = ("2027-01-10: Drafted.\n"
                "2027-01-15: Submitted to the secretariat.\n"
                "2027-01-20: Review started.\n"
                "2027-03-01: Opened for agency responses.\n"
                "2027-03-02: Flagged as a priority.\n"
                "2027-03-20: DOJ response (revision 1): Concur. DOJ will train every task force.\n"
                "2027-04-25: DOJ response (revision 2): Partially concur. DOJ will train some, \"first\" the largest.\n"
                "2027-06-01: Closed as implemented: Agencies acted.")


def test_running_history_in_order_with_every_revision(db, people):
    f = build(db, people)
    history = rec_tracking.running_history(db, [f["r1"].id])[f["r1"].id]
    assert [h.line for h in history] == [
        "2027-01-10: Drafted.", "2027-01-15: Submitted to the secretariat.", "2027-01-20: Review started.",
        "2027-03-01: Opened for agency responses.", "2027-03-02: Flagged as a priority.",
        "2027-03-20: DOJ response (revision 1): Concur. DOJ will train every task force.",
        "2027-04-10: DHS response (revision 1): Non-concur. DHS has a tool already.",
        "2027-04-25: DOJ response (revision 2): Partially concur. DOJ will train some, \"first\" the largest.",
        "2027-06-01: Closed as implemented: Agencies acted."]
    # The events that only announced a response are not repeated beside the response itself.
    assert not any("responded" in h.text or "revised its response" in h.text for h in history)
    assert [(h.kind, h.agency, h.revision) for h in history if h.kind == "response"] == [
        ("response", "DOJ", 1), ("response", "DHS", 1), ("response", "DOJ", 2)]
    assert rec_tracking.issued_on(history) == date(2027, 3, 1)


def test_one_row_per_recommendation_and_agency(db, people):
    build(db, people)
    rows = rows_for(db, people["staff"])
    assert [(r.number, r.agency) for r in rows] == [
        ("2027-01", "DHS"), ("2027-01", "DOJ"), ("2027-02", "DOJ"), ("2027-03", "DHS")]
    dhs, doj, r2, r3 = rows
    assert (doj.title, doj.recommendation_md, doj.agency_name, doj.status_words, doj.priority) == (
        "Screen shelters", "Text of screen shelters.", "Department of Justice", "closed – implemented", True)
    assert (doj.date_issued, doj.response_due, doj.date_closed) == (date(2027, 3, 1), date(2027, 4, 1),
                                                                    date(2027, 6, 1))
    assert (doj.position, doj.position_label, doj.drafting_committee) == (
        "partially_concur", "Partially concur", "Council Committee on Services")
    assert doj.running_comments == DOJ_COMMENTS
    assert (dhs.position_label, dhs.response_due) == ("Non-concur", date(2027, 4, 15))
    assert "DHS response (revision 1): Non-concur" in dhs.running_comments and "DOJ response" not in \
        dhs.running_comments
    assert (r2.status_words, r2.position, r2.position_label, r2.date_closed, r2.drafting_committee) == (
        "open", None, "", None, "")
    assert (r3.status_words, r3.date_issued, r3.response_due) == ("not issued – submitted", None, None)


@pytest.mark.parametrize(("status", "words"), [
    ("open", "open"), ("closed_implemented", "closed – implemented"),
    ("closed_not_implemented", "closed – not implemented"), ("draft", "not issued – draft"),
    ("submitted", "not issued – submitted"), ("under_review", "not issued – under review"),
    ("withdrawn", "withdrawn – never issued")])
def test_status_in_words(status, words):
    assert rec_tracking.STATUS_WORDS[status] == words


def test_the_list_filters_apply(db, people):
    build(db, people)
    assert {(r.number, r.agency) for r in rows_for(db, people["staff"], agency="DHS")} == {
        ("2027-01", "DHS"), ("2027-03", "DHS")}
    assert [r.number for r in rows_for(db, people["staff"], status="open")] == ["2027-02"]


def test_csv_columns_escaping_and_comments_cell(db, people):
    build(db, people)
    text = "".join(rec_tracking.csv_lines(iter(rows_for(db, people["staff"]))))
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0] == list(rec_tracking.COLUMNS) == [
        "number", "title", "recommendation", "agency", "status", "priority", "date_issued", "response_due",
        "date_closed", "agency_position", "comments", "report_year", "pillar", "drafting_committee",
        "recommendation_id"]
    doj = dict(zip(table[0], table[2], strict=True))
    assert {k: v for k, v in doj.items() if k != "recommendation_id"} == {
        "number": "2027-01", "title": "Screen shelters", "recommendation": "Text of screen shelters.",
        "agency": "DOJ", "status": "closed – implemented", "priority": "yes", "date_issued": "2027-03-01",
        "response_due": "2027-04-01", "date_closed": "2027-06-01", "agency_position": "Partially concur",
        "comments": DOJ_COMMENTS, "report_year": "2027", "pillar": "protection",
        "drafting_committee": "Council Committee on Services"}
    formula = dict(zip(table[0], table[3], strict=True))
    assert formula["title"] == "'=SUM(A1:A9), a title"  # a spreadsheet shows it, never runs it
    assert (formula["agency_position"], formula["date_closed"], formula["status"]) == ("", "", "open")
    # The comments cell keeps its line breaks inside one quoted cell, with the quotes doubled.
    assert '"2027-01-10: Drafted.\r\n' not in text and '"2027-01-10: Drafted.\n' in text
    assert 'some, ""first"" the largest.' in text


@pytest.mark.parametrize(("who", "numbers"), [
    ("author", {"2027-01", "2027-02", "2027-03", None}),  # the author's own draft too
    ("other", {"2027-01", "2027-02", "2027-03"}),  # another Council member: no one else's draft
    ("doj", {"2027-01", "2027-02", "2027-03"}),  # a liaison reads every submitted recommendation
    ("viewer", {"2027-01", "2027-02", "2027-03"}),
    ("staff", {"2027-01", "2027-02", "2027-03"}),
])
def test_drafts_only_for_their_authors(db, people, who, numbers):
    build(db, people)
    assert {r.number or None for r in rows_for(db, people[who])} == numbers


def test_a_draft_row_reads_not_issued(db, people):
    f = build(db, people)
    draft = next(r for r in rows_for(db, people["author"]) if r.recommendation_id == f["r4"].id)
    assert (draft.number, draft.agency, draft.status_words, draft.date_issued) == (
        "", "DOJ", "not issued – draft", None)


# ---- the drafting committee ---------------------------------------------------------------------------

def test_drafting_committee_is_a_council_committee(db, people):
    services = council_committee(db, "Council Committee on Services")
    rec = recs.create_draft(session=db, actor=people["author"], rec_in=draft_in({
        "title": "T", "pillar": "prevention", "drafting_committee_id": services.id}))
    assert rec.drafting_committee_id == services.id
    assert [c.name for c in recs.council_committees(db)] == ["Council Committee on Services"]
    spog_child = committee(db, "Victim Services")  # a SPOG committee
    for bad, message in ((spog_child.id, "Victim Services is not a committee of the Advisory Council."),
                         (committee(db, COUNCIL).id, "U.S. Advisory Council on Human Trafficking is not a committee"),
                         (committee(db, SPOG).id, "Senior Policy Operating Group is not a committee"),
                         (999999, "No such committee.")):
        with pytest.raises(ValidationFailed) as err:
            recs.update_draft(session=db, actor=people["author"], rec_id=rec.id,
                              rec_in=draft_change(rec.version, {"drafting_committee_id": bad}))
        assert message in err.value.fields["drafting_committee_id"]
    assert db.get(Recommendation, rec.id).drafting_committee_id == services.id  # nothing changed
    recs.update_draft(session=db, actor=people["author"], rec_id=rec.id,
                      rec_in=draft_change(rec.version, {"drafting_committee_id": None}))
    assert db.get(Recommendation, rec.id).drafting_committee_id is None
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "recommendation.updated")
                       .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry.changes["drafting_committee_id"] == [services.id, None]


def test_a_retired_council_committee_is_refused(db, people):
    old = council_committee(db, "Council Committee on Old Things")
    old.is_active = False
    db.flush()
    with pytest.raises(ValidationFailed) as err:
        recs.create_draft(session=db, actor=people["author"], rec_in=draft_in({
            "title": "T", "pillar": "prevention", "drafting_committee_id": old.id}))
    assert err.value.fields == {"drafting_committee_id": "Council Committee on Old Things is retired. Choose one "
                                                         "of the Council's active committees."}
    assert recs.council_committees(db) == []


def test_drafting_committee_must_be_an_id():
    with pytest.raises(ValidationFailed) as err:
        draft_in({"title": "T", "pillar": "prevention", "drafting_committee_id": "Services"})
    assert "drafting_committee_id" in err.value.fields
