"""Recommendations: draft privacy, numbering, the transition table, responses all or nothing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from pitf.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from pitf.models import ActionItem, AuditEntry, Notification, Recommendation, utcnow
from pitf.services import actions, rec_responses, rec_workflow
from pitf.services import recommendations as recs
from tests.factories import cast, committee, draft_change, draft_in, response_in

TODAY = date(2027, 3, 1)


@pytest.fixture
def people(make_user):
    return cast(make_user, "author", "cosponsor", "other", "staff", "doj", "dhs", "dol", "viewer")


def draft(db, p, **over):
    data = {"title": "Screen for labor trafficking in shelters", "body_md": "Agencies **should** screen.",
            "rationale_md": "Survivors report gaps.", "pillar": "protection", "target_agencies": ["DOJ", "DHS"],
            "co_sponsor_ids": [p["cosponsor"].id], "report_year": 2027}
    data.update(over)
    return recs.create_draft(session=db, actor=p["author"], rec_in=draft_in(data))


def move(db, actor, rec, to, **kw):
    return rec_workflow.transition(session=db, actor=actor, rec_id=rec.id, version=rec.version, to=to, today=TODAY,
                                   **kw)


def opened(db, p, **over):
    rec = draft(db, p, **over)
    move(db, p["author"], rec, "submitted")
    move(db, p["staff"], rec, "under_review")
    targets = over.get("target_agencies", ["DOJ", "DHS"])
    move(db, p["staff"], rec, "open", response_due={"DOJ": "2027-04-01"} if "DOJ" in targets else {})
    return rec


def test_drafts_are_private_to_their_authors(db, people):
    rec = draft(db, people)
    for who in ("author", "cosponsor"):
        assert recs.get_recommendation(session=db, actor=people[who], rec_id=rec.id).is_author is True
    for who in ("other", "staff", "doj", "viewer"):
        with pytest.raises(NotFound):
            recs.get_recommendation(session=db, actor=people[who], rec_id=rec.id)
        listed, _ = recs.list_recommendations(session=db, actor=people[who],
                                              filters=recs.parse_filters(MultiDict()))
        assert rec.id not in {r.id for r in listed}
    recs.update_draft(session=db, actor=people["cosponsor"], rec_id=rec.id, rec_in=draft_change(rec.version,
                      {"title": "Screen for labor trafficking in all shelters"}))
    with pytest.raises(NotFound):
        recs.update_draft(session=db, actor=people["other"], rec_id=rec.id,
                          rec_in=draft_change(rec.version, {"title": "x"}))


def test_only_council_members_draft(db, people):
    for who in ("staff", "doj", "viewer"):
        with pytest.raises(Forbidden):
            recs.create_draft(session=db, actor=people[who], rec_in=draft_in({"title": "x", "pillar": "protection"}))


@pytest.mark.parametrize("field,value,message", [
    ("target_agencies", ["DOJ", "NOPE"], "Unknown agency: NOPE."),
    ("pillar", "other", "Choose one of"),
    ("title", "", "Enter a title."),
    ("report_year", 1850, "A year such as 2027."),
])
def test_bad_drafts_are_refused(db, people, field, value, message):
    before = db.execute(select(func.count()).select_from(Recommendation)).scalar()
    with pytest.raises(ValidationFailed) as err:
        draft(db, people, **{field: value})
    assert message in err.value.fields[field]
    assert db.execute(select(func.count()).select_from(Recommendation)).scalar() == before


def test_co_sponsors_must_be_council_members(db, people):
    with pytest.raises(ValidationFailed) as err:
        draft(db, people, co_sponsor_ids=[people["doj"].id])
    assert "co_sponsor_ids" in err.value.fields


def test_submit_needs_a_target_and_numbers_in_sequence(db, people):
    empty = draft(db, people, target_agencies=[])
    with pytest.raises(ValidationFailed) as err:
        move(db, people["author"], empty, "submitted")
    assert "target_agencies" in err.value.fields and empty.number is None
    first, second = draft(db, people), draft(db, people, title="Second")
    move(db, people["author"], second, "submitted")
    move(db, people["cosponsor"], first, "submitted")
    assert (second.number, first.number) == ("2027-01", "2027-02")
    other_year = draft(db, people, report_year=2028)
    move(db, people["author"], other_year, "submitted")
    assert other_year.number == "2028-01"
    notes = db.execute(select(Notification).where(Notification.user_id == people["staff"].id,
                                                  Notification.kind == "recommendation_submitted")).scalars().all()
    assert len(notes) == 3


# The whole table: for each (from, to), who may and who may not.
MOVES = [
    ("draft", "submitted", "author", True), ("draft", "submitted", "cosponsor", True),
    ("draft", "submitted", "staff", False),
    ("submitted", "under_review", "staff", True), ("submitted", "under_review", "author", False),
    ("submitted", "under_review", "doj", False),
    ("submitted", "draft", "staff", True), ("submitted", "withdrawn", "author", True),
    ("submitted", "withdrawn", "staff", False), ("submitted", "open", "staff", None),
    ("under_review", "open", "staff", True), ("under_review", "open", "author", False),
    ("under_review", "draft", "staff", True), ("under_review", "withdrawn", "cosponsor", True),
    ("open", "closed_implemented", "staff", True), ("open", "closed_not_implemented", "staff", True),
    ("open", "closed_implemented", "author", False), ("open", "closed_implemented", "doj", False),
    ("open", "withdrawn", "author", None), ("open", "draft", "staff", None),
    ("closed_implemented", "open", "staff", True), ("closed_not_implemented", "open", "staff", True),
    ("closed_implemented", "open", "author", False), ("withdrawn", "submitted", "author", None),
    ("draft", "open", "author", None),
    ("draft", "under_review", "staff", False),  # staff cannot even see a draft: 404
]
PATHS = {"draft": [], "submitted": ["submitted"], "under_review": ["submitted", "under_review"],
         "open": ["submitted", "under_review", "open"],
         "closed_implemented": ["submitted", "under_review", "open", "closed_implemented"],
         "closed_not_implemented": ["submitted", "under_review", "open", "closed_not_implemented"],
         "withdrawn": ["submitted", "withdrawn"]}


@pytest.mark.parametrize("source,target,who,allowed", MOVES)
def test_transition_table(db, people, source, target, who, allowed):
    rec = draft(db, people)
    for step in PATHS[source]:
        actor = people["author"] if step in ("submitted", "withdrawn") else people["staff"]
        move(db, actor, rec, step, note="because")
    before = rec.status
    if allowed is None:  # not in the table at all
        with pytest.raises(InvalidTransition):
            move(db, people[who], rec, target, note="because")
    elif allowed:
        move(db, people[who], rec, target, note="because")
        assert rec.status == target
    else:
        with pytest.raises((Forbidden, NotFound)):
            move(db, people[who], rec, target, note="because")
        assert rec.status == before


def test_returning_closing_and_reopening_need_a_note(db, people):
    rec = draft(db, people)
    move(db, people["author"], rec, "submitted")
    with pytest.raises(ValidationFailed) as err:
        move(db, people["staff"], rec, "draft")
    assert "note" in err.value.fields
    move(db, people["staff"], rec, "draft", note="Please name the shelters.")
    history = recs.history_of(db, rec.id)
    assert [(h.event.from_status, h.event.to_status) for h in history][-1] == ("submitted", "draft")


def test_opening_sets_response_dates_default_sixty_days(db, people):
    rec = opened(db, people)
    targets = {t.acronym: t.response_due for t in recs.targets_of(db, [rec.id])[rec.id]}
    assert targets == {"DOJ": date(2027, 4, 1), "DHS": TODAY + timedelta(days=60)}
    assert db.execute(select(Notification).where(Notification.user_id == people["doj"].id,
                                                 Notification.kind == "recommendation_assigned")).scalar_one()


def test_liaison_responds_for_own_targeted_agency_only(db, people):
    rec = opened(db, people)
    with pytest.raises(Forbidden):
        rec_responses.respond(session=db, actor=people["doj"], rec_id=rec.id,
                              response_in=response_in(agency="DHS", position="concur",
                              response_md="We agree."))
    with pytest.raises(ValidationFailed) as err:
        rec_responses.respond(session=db, actor=people["dol"], rec_id=rec.id,
                              response_in=response_in(agency="DOL", position="concur",
                              response_md="We agree."))
    assert "not addressed to DOL" in err.value.fields["agency"]
    for who in ("staff", "author", "viewer"):
        with pytest.raises(Forbidden):
            rec_responses.respond(session=db, actor=people[who], rec_id=rec.id,
                                  response_in=response_in(agency="DOJ", position="concur",
                                  response_md="x"))


def test_response_with_two_new_items_and_a_revision(db, people):
    rec = opened(db, people)
    r1 = rec_responses.respond(session=db, actor=people["doj"], rec_id=rec.id,
                               response_in=response_in(agency="DOJ", position="concur",
                               response_md="DOJ concurs.", new_action_items=[
                          {"title": "Update shelter screening guide", "due_date": "2027-09-30"},
                          {"title": "Train grantees", "due_date": "2027-12-31", "description_md": "All regions"}]))
    (view,) = rec_responses.responses_of(db, rec.id)
    assert view.agency == "DOJ" and [i.title for i in view.action_items] == [
        "Update shelter screening guide", "Train grantees"]
    assert all(i.lead_agency_id == people["doj"].agency_id and i.recommendation_id == rec.id
               for i in view.action_items)
    r2 = rec_responses.respond(session=db, actor=people["doj"], rec_id=rec.id, response_in=response_in(agency="DOJ",
                               position="partially_concur", response_md="Revised.",
                               action_item_ids=[i.id for i in view.action_items]))
    assert (r1.is_current, r2.is_current, r2.revision) == (False, True, 2)
    all_revisions = rec_responses.responses_of(db, rec.id, current_only=False)
    assert [v.response.revision for v in all_revisions] == [1, 2]


def test_a_bad_second_new_item_leaves_no_first(db, people):
    rec = opened(db, people)
    before = db.execute(select(func.count()).select_from(ActionItem)).scalar()
    with pytest.raises(ValidationFailed) as err:
        rec_responses.respond(session=db, actor=people["doj"], rec_id=rec.id,
                              response_in=response_in(agency="DOJ", position="concur",
                              response_md="DOJ concurs.", new_action_items=[
                         {"title": "Good one", "due_date": "2027-09-30"}, {"title": "", "due_date": "someday"}]))
    assert {"new_action_items[1].title", "new_action_items[1].due_date"} <= set(err.value.fields)
    assert db.execute(select(func.count()).select_from(ActionItem)).scalar() == before
    assert rec_responses.responses_of(db, rec.id) == []


def test_linking_another_agencys_item_is_refused(db, people):
    rec = opened(db, people)
    dhs_item = actions.create_action_item(session=db, actor=people["staff"], data={
        "title": "DHS work", "committee_id": committee(db, "Victim Services").id, "lead_agency": "DHS",
        "due_date": "2027-08-01", "pillar": "protection"})
    with pytest.raises(ValidationFailed) as err:
        rec_responses.respond(session=db, actor=people["doj"], rec_id=rec.id,
                              response_in=response_in(agency="DOJ", position="concur",
                              response_md="x", action_item_ids=[dhs_item.id]))
    assert "not led by DOJ" in err.value.fields["action_item_ids"]
    dhs = rec_responses.respond(session=db, actor=people["dhs"], rec_id=rec.id, response_in=response_in(agency="DHS",
                                position="partially_concur", response_md="Partly.", action_item_ids=[dhs_item.id]))
    assert dhs.position == "partially_concur"
    assert db.execute(select(AuditEntry).where(AuditEntry.action == "recommendation.response")).scalars().first()


def test_responses_only_while_open(db, people):
    rec = draft(db, people)
    move(db, people["author"], rec, "submitted")
    with pytest.raises(InvalidTransition):
        rec_responses.respond(session=db, actor=people["doj"], rec_id=rec.id,
                              response_in=response_in(agency="DOJ", position="concur",
                              response_md="Early"))


def test_list_filters(db, people):
    a = opened(db, people, title="Alpha shelters")
    b = opened(db, people, title="Beta data", target_agencies=["DOL"], pillar="prevention")
    rec_responses.respond(session=db, actor=people["doj"], rec_id=a.id,
                          response_in=response_in(agency="DOJ", position="concur",
                          response_md="ok"))

    def ids(**args):
        rows, total = recs.list_recommendations(session=db, actor=people["viewer"],
                                                filters=recs.parse_filters(MultiDict(args)), today=TODAY)
        return {r.id for r in rows} & {a.id, b.id}

    assert ids(agency="DOL") == {b.id}
    assert ids(pillar="prevention") == {b.id}
    assert ids(q="alpha") == {a.id}
    assert ids(responded="true") == {a.id}
    assert ids(responded="false") == {b.id}
    assert ids(agency="DOJ", responded="true") == {a.id}
    assert ids(response_overdue="true") == set()
    rows, _ = recs.list_recommendations(session=db, actor=people["viewer"], filters=recs.parse_filters(
        MultiDict({"response_overdue": "true"})), today=TODAY + timedelta(days=90))
    assert {r.id for r in rows} >= {a.id, b.id}  # DHS (a) and DOL (b) never answered
    with pytest.raises(ValidationFailed):
        recs.parse_filters(MultiDict({"status": "lost", "year": "twenty"}))


# ---- the model family: each field's limit and message, written once in pitf/models/recommendations.py ----------

@pytest.mark.parametrize("field,value,message", (
    ("title", "   ", "Enter a title."),
    ("title", None, "Enter a title."),
    ("title", "x" * 301, "Use at most 300 characters."),
    ("body_md", "x" * 100_001, "Text of at most 100,000 characters."),
    ("rationale_md", "x" * 100_001, "Text of at most 100,000 characters."),
    ("pillar", None, "Choose one of prevention, protection, prosecution, partnership."),
    ("pillar", "", "Choose one of prevention, protection, prosecution, partnership."),
    ("report_year", 2101, "A year such as 2027."),
    ("target_agencies", "DOJ", 'Must be a list of agency acronyms, e.g. ["DHS", "HHS"].'),
    ("co_sponsor_ids", [True], "Must be a list of ids, e.g. [12, 15]."),
))
def test_a_draft_is_refused_by_its_class_naming_the_field(field, value, message):
    data = {"title": "Screen shelters", "pillar": "protection", field: value}
    with pytest.raises(ValidationFailed) as err:
        draft_in(data)
    assert err.value.fields == {field: message}
    with pytest.raises(ValidationFailed) as err:
        draft_change(1, {field: value})
    assert err.value.fields == {field: message}


def test_a_draft_class_fills_what_was_left_out():
    made = draft_in({"title": "  Screen shelters ", "pillar": "protection", "report_year": None,
                     "target_agencies": [" doj", "DHS", "DOJ", " "], "co_sponsor_ids": None, "body_md": None})
    assert (made.title, made.report_year, made.target_agencies, made.co_sponsor_ids, made.body_md) == (
        "Screen shelters", utcnow().year, ["DHS", "DOJ"], [], "")
    change = draft_change(3, {"title": "New title"})
    assert (change.version, change.drafting(), change.moving()) == (3, {"title": "New title"}, [])
    assert draft_change(3, {"status": "open", "note": "Go"}).moving() == ["status", "note"]


@pytest.mark.parametrize("over,field,message", (
    ({"position": "maybe"}, "position", "Choose one of concur, partially_concur, non_concur."),
    ({"position": None}, "position", "Choose one of concur, partially_concur, non_concur."),
    ({"response_md": "  "}, "response_md", "Explain the agency's position."),
    ({"response_md": "x" * 100_001}, "response_md", "Use at most 100,000 characters."),
    ({"action_item_ids": "1"}, "action_item_ids", "Must be a list of ids, e.g. [12, 15]."),
    ({"new_action_items": [{}] * 21}, "new_action_items", "A list of at most 20 new action items."),
))
def test_a_response_is_refused_by_its_class_naming_the_field(over, field, message):
    with pytest.raises(ValidationFailed) as err:
        response_in(**{"agency": "DOJ", "position": "concur", "response_md": "Yes.", **over})
    assert err.value.fields == {field: message}


def test_each_new_action_item_is_named_by_its_place(db, people):
    rec = opened(db, people)
    sent = response_in(agency="DOJ", position="concur", response_md="Yes.",
                       new_action_items=[{"title": "Fine", "due_date": "2027-09-30"}, "Train", {"title": 5, "x": 1}])
    with pytest.raises(ValidationFailed) as err:
        rec_responses.respond(session=db, actor=people["doj"], rec_id=rec.id, response_in=sent)
    assert err.value.fields == {
        "new_action_items[1]": "Each new action item is an object: title, due_date, description_md.",
        "new_action_items[2].title": "Must be text.",
        "new_action_items[2].x": "A new action item has title, due_date and description_md."}
    assert rec_responses.responses_of(db, rec.id) == []
