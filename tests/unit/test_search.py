"""Full-text search: the query language on both databases, permissions in SQL, the index in step with the data."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pitf.errors import Forbidden, ValidationFailed
from pitf.models import Attachment, Membership, SearchDocument
from pitf.models.meetings import MeetingCancel, MinutesUpdate
from pitf.permissions import SYSTEM
from pitf.services import actions, rec_responses, rec_workflow
from pitf.services import meetings as mtg
from pitf.services import minutes as mins
from pitf.services import recommendations as recs
from pitf.services.search import search
from pitf.services.search_index import rebuild
from pitf.services.search_query import MAX_QUERY, parse
from tests.factories import agenda_items, cast, committee, draft_in, meeting_in, response_in

SPOG = "Senior Policy Operating Group"
TODAY = date(2027, 3, 1)


# ---- the query language, on its own -------------------------------------------------------------------

@pytest.mark.parametrize("q,websearch,fts5", [
    ("trafficked", "trafficked", '("trafficked")'),
    ('"forced labor" DHS', '"forced labor" DHS', '("forced labor" AND "DHS")'),
    ("labor -supply", "labor -supply", '(("labor") NOT "supply")'),
    ("shelters or inspections", "shelters or inspections", '("shelters") OR ("inspections")'),
    ("T-visa H-2A 2027-01", "T-visa H-2A 2027-01", '("T-visa" AND "H-2A" AND "2027-01")'),
    ('NEAR(a b) * "unbalanced', 'NEAR(a b) "unbalanced"', '("NEAR(a" AND "b)" AND "unbalanced")'),
    ("labor -  - or or b", "labor or b", '("labor") OR ("b")'),
    ("the labor of _ -the \"of the\" _x_", "labor _x_", '("labor" AND "_x_")'),
])
def test_the_query_is_read_once_and_written_for_each_database(q, websearch, fts5):
    query = parse(q)
    assert query.websearch_text() == websearch
    assert query.fts5_expression() == fts5


@pytest.mark.parametrize("q,message", [
    ("", "Type a word"), ("   ", "Type a word"), ('"', "punctuation alone"), ("-", "punctuation alone"),
    ("* ^ :", "punctuation alone"), ("-labor", "not only what to leave out"),
    ("labor or -supply", "not only what to leave out"), ("x" * (MAX_QUERY + 1), f"at most {MAX_QUERY}"),
    (" ".join(["w"] * 25), "at most 24 words"), ("the", "Common words"), ('"of the" or -a', "Common words"),
    ("_ __", "punctuation alone"),
])
def test_queries_that_say_nothing_are_refused_with_a_message(q, message):
    with pytest.raises(ValidationFailed) as err:
        parse(q)
    assert message in err.value.fields["q"]


# ---- a corpus on both databases ------------------------------------------------------------------------

@pytest.fixture
def people(make_user):
    return cast(make_user, "author", "cosponsor", "other", "staff", "doj", "dhs", "viewer")


def new_item(db, staff, title, description="", **over):
    data = {"title": title, "description_md": description, "committee_id": committee(db, "Victim Services").id,
            "lead_agency": "DOJ", "due_date": (date.today() + timedelta(days=30)).isoformat(),
            "pillar": "protection", **over}
    return actions.create_action_item(session=db, actor=staff, data=data)


@pytest.fixture
def corpus(db, people):
    staff = people["staff"]
    a = new_item(db, staff, "Screen shelters for trafficking victims", "The DOJ reviews the T-visa backlog.")
    b = new_item(db, staff, "Forced labor in supply chains",
                 "H-2A workers; DHS commits to forced labor screening.", lead_agency="DHS")
    c = new_item(db, staff, "Labor inspections", "Forced overtime and labor brokers.")
    update = actions.post_status_update(session=db, actor=staff, item_id=a.id, version=a.version,
                                        note_md="Trafficked persons referred to services.")
    db.flush()
    return {"a": a, "b": b, "c": c, "update": update}


def found(db, actor, q, **kw):
    return {(h.kind, h.id) for h in search(db, actor, q, per_page=100, **kw).hits}


def test_stemming_finds_every_form_of_a_word(db, people, corpus):
    assert found(db, people["viewer"], "trafficked") == {("action_item", corpus["a"].id),
                                                        ("status_update", corpus["update"].id)}


def test_a_quoted_phrase_finds_the_words_together_only(db, people, corpus):
    assert found(db, people["viewer"], '"forced labor"') == {("action_item", corpus["b"].id)}
    assert found(db, people["viewer"], "forced labor") == {("action_item", corpus["b"].id),
                                                          ("action_item", corpus["c"].id)}


def test_common_words_are_left_out_on_both_databases(db, people, corpus):
    assert found(db, people["viewer"], "the trafficked") == found(db, people["viewer"], "trafficked")
    assert found(db, people["viewer"], '"forced labor" _') == {("action_item", corpus["b"].id)}


def test_exclusion_and_or(db, people, corpus):
    assert found(db, people["viewer"], "labor -supply") == {("action_item", corpus["c"].id)}
    assert found(db, people["viewer"], "shelters or inspections") == {("action_item", corpus["a"].id),
                                                                     ("action_item", corpus["c"].id)}
    assert found(db, people["viewer"], "labor -supply or shelters") == {("action_item", corpus["a"].id),
                                                                       ("action_item", corpus["c"].id)}


@pytest.mark.parametrize("q,key", [("DOJ", "a"), ("doj", "a"), ("T-visa", "a"), ("H-2A", "b"), ("h-2a", "b"),
                                   ("DHS screening", "b")])
def test_acronyms_and_hyphenated_words(db, people, corpus, q, key):
    assert found(db, people["viewer"], q) == {("action_item", corpus[key].id)}


def test_a_recommendation_is_found_by_its_number(db, people):
    rec = recs.create_draft(session=db, actor=people["author"], rec_in=draft_in({
        "title": "Screen for labor trafficking", "body_md": "Agencies should screen.", "pillar": "protection",
        "target_agencies": ["DOJ"], "report_year": 2027}))
    rec_workflow.transition(session=db, actor=people["author"], rec_id=rec.id, version=rec.version,
                            to="submitted", today=TODAY)
    assert rec.number
    hits = search(db, people["viewer"], rec.number).hits
    assert [(h.kind, h.id) for h in hits] == [("recommendation", rec.id)]
    assert hits[0].target.endpoint == "recommendations.view"


def test_results_are_ranked_title_first_with_counts_and_pages(db, people, corpus):
    result = search(db, people["viewer"], "labor", per_page=1)
    assert result.total == 2 and result.counts["action_item"] == 2 and result.counts["minutes"] == 0
    assert result.hits[0].id == corpus["c"].id  # "labor" in the title, twice in the text
    second = search(db, people["viewer"], "labor", per_page=1, page=2)
    assert [h.id for h in second.hits] == [corpus["b"].id] and second.total == 2
    updates = search(db, people["viewer"], "trafficked", kind="status_update")
    assert updates.total == 1 and updates.counts["action_item"] == 1
    hit = updates.hits[0]
    assert hit.title == "Update on: Screen shelters for trafficking victims"
    assert (hit.target.endpoint, hit.target.args, hit.target.anchor) == (
        "actions.item", {"item_id": corpus["a"].id}, f"update-{corpus['update'].id}")


def test_filters_by_agency_committee_and_year(db, people, corpus):
    assert found(db, people["viewer"], "labor", agency="DHS") == {("action_item", corpus["b"].id)}
    assert found(db, people["viewer"], "labor", agency=corpus["b"].lead_agency_id) == {
        ("action_item", corpus["b"].id)}
    assert found(db, people["viewer"], "labor", committee=committee(db, SPOG).id) == set()
    assert len(found(db, people["viewer"], "labor", year=date.today().year)) == 2
    assert found(db, people["viewer"], "labor", year=2001) == set()
    assert found(db, people["viewer"], "labor", kind="", agency="") == found(db, people["viewer"], "labor")
    with pytest.raises(ValidationFailed) as err:
        search(db, people["viewer"], "labor", agency="NOPE", kind="memo", year=1)
    assert set(err.value.fields) == {"agency", "kind", "year"}


def test_snippets_are_escaped_text_with_only_the_highlight_as_html(db, people):
    new_item(db, people["staff"], "Hostile text", 'Before <script>alert("x")</script> trafficking & after.')
    [hit] = search(db, people["viewer"], "trafficking").hits
    assert "<script" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert "<mark>trafficking</mark>" in hit.snippet and "&amp;" in hit.snippet


@pytest.mark.parametrize("q", [
    '"unbalanced quote', "-", "- - -", "OR AND NOT", "a OR OR b", "NEAR(labor, 2)", "labor*", "*", '"',
    "((labor", "labor) AND (", "title:labor", "^labor", "labor:*", "'labor'", "\\x00labor\x00", "a & b | !c",
    "x" * 1000, "labor " * 200, '"""', "-\"forced labor\"", "\u00e9migr\u00e9 trafficking", "labor\ttrafficking",
])
def test_hostile_queries_never_raise_anything_but_a_clear_refusal(db, people, corpus, q):
    try:
        search(db, people["viewer"], q)
    except ValidationFailed as err:
        assert err.fields["q"]


def test_only_signed_in_users_search(db, corpus):
    with pytest.raises(Forbidden):
        search(db, SYSTEM, "labor")


def test_a_search_costs_the_same_queries_whatever_it_finds(db, people, corpus, count_queries):
    counts = []
    for q in ("labor", "trafficked", "nothingmatches"):
        with count_queries() as queries:
            search(db, people["dhs"], q)
        counts.append(queries.count)
    # The reader's committees, their recommendations, the counts, the page's ids, its documents (none to read
    # when nothing matches).
    assert counts == [5, 5, 4]


# ---- permissions in the query --------------------------------------------------------------------------

def meeting_of(db, staff, *, is_open=True, title="Spring SPOG meeting"):
    return mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, SPOG).id, "title": title, "starts_at": "2027-04-12T10:00:00",
        "ends_at": "2027-04-12T12:00:00", "is_open": is_open}))


def member_of_spog(db, user):
    db.add(Membership(committee_id=committee(db, SPOG).id, user_id=user.id, role="member"))
    db.flush()
    return user


def write_minutes(db, staff, meeting, text, version=None, reason=None):
    return mins.save_minutes(session=db, actor=staff, meeting_id=meeting.id,
                             changes=MinutesUpdate(version=version, body_md=text, revision_reason=reason))


@pytest.mark.usefixtures("meetings_held")
def test_minutes_are_found_by_who_may_read_each_revision(db, people, make_user):
    staff, viewer = people["staff"], people["viewer"]
    member = member_of_spog(db, make_user("viewer"))
    m = meeting_of(db, staff)
    minutes = write_minutes(db, staff, m, "The group discussed tomatoes.")
    readers = {"staff": staff, "member": member, "viewer": viewer}

    def who_finds(q):
        return {name for name, actor in readers.items() if found(db, actor, q, kind="minutes")}

    assert who_finds("tomatoes") == {"staff"}  # a draft stays with the planners
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    assert who_finds("tomatoes") == {"staff", "member"}
    mins.approve(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    assert who_finds("tomatoes") == {"staff", "member", "viewer"}
    # A correction: its draft is the planners'; the others keep reading the approved text.
    write_minutes(db, staff, m, "The group discussed potatoes.", version=minutes.version, reason="Vegetable")
    assert who_finds("potatoes") == {"staff"}
    assert who_finds("tomatoes") == {"member", "viewer"}
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    assert who_finds("potatoes") == {"staff", "member"}
    assert who_finds("tomatoes") == {"viewer"}
    [hit] = search(db, viewer, "tomatoes").hits
    assert (hit.kind, hit.target.endpoint, hit.target.args) == ("minutes", "minutes.view", {"meeting_id": m.id})


@pytest.mark.usefixtures("meetings_held")
def test_a_closed_meeting_is_found_by_its_committee_and_the_secretariat_only(db, people, make_user):
    staff = people["staff"]
    member = member_of_spog(db, make_user("viewer"))
    m = meeting_of(db, staff, is_open=False, title="Closed session on witness safety")
    from pitf.services import agendas

    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                       items=agenda_items(db, [{"title": "Relocation budget", "notes_md": "Safehouse list"}]))
    minutes = write_minutes(db, staff, m, "Safehouse addresses were reviewed.")
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    mins.approve(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    assert found(db, member, "safehouse") == {("meeting", m.id), ("minutes", _revision_id(db, m))}
    assert found(db, staff, "safehouse") == found(db, member, "safehouse")
    for outsider in (people["viewer"], people["other"]):
        result = search(db, outsider, "safehouse")
        assert result.total == 0 and result.hits == [] and sum(result.counts.values()) == 0
    # Opening the meeting opens its documents.
    mtg.update_meeting(session=db, actor=staff, meeting_id=m.id, meeting_in=_update(db, m, {"is_open": True}))
    assert found(db, people["viewer"], "safehouse") == found(db, member, "safehouse")


def _revision_id(db, meeting):
    return db.execute(select(SearchDocument.source_id).where(SearchDocument.kind == "minutes",
                                                             SearchDocument.meeting_id == meeting.id)).scalar_one()


def _update(db, meeting, data):
    from tests.factories import meeting_update

    return meeting_update(db, meeting, data)


def test_a_draft_recommendation_is_found_by_its_authors_only(db, people):
    rec = recs.create_draft(session=db, actor=people["author"], rec_in=draft_in({
        "title": "Shelter capacity", "body_md": "Fund more beds.", "rationale_md": "Waitlists are long.",
        "pillar": "protection", "target_agencies": ["DOJ"], "co_sponsor_ids": [people["cosponsor"].id],
        "report_year": 2027}))
    db.add(Attachment(recommendation_id=rec.id, filename="waitlist-survey.pdf", storage_key="k-waitlist", size=1,
                      content_type="application/pdf", sha256="0" * 64, uploaded_by_id=people["author"].id))
    db.flush()

    def who_finds(q):
        return {name for name, actor in people.items() if found(db, actor, q)}

    assert who_finds("waitlists") == {"author", "cosponsor"}
    assert who_finds("waitlist-survey") == {"author", "cosponsor"}
    rec_workflow.transition(session=db, actor=people["author"], rec_id=rec.id, version=rec.version,
                            to="submitted", today=TODAY)
    assert who_finds("waitlists") == set(people)
    # Evidence: the authors, the Council, the secretariat and the liaisons of the agencies addressed.
    assert who_finds("waitlist-survey") == {"author", "cosponsor", "other", "staff", "doj"}


def test_responses_follow_their_revisions(db, people):
    rec = recs.create_draft(session=db, actor=people["author"], rec_in=draft_in({
        "title": "Visa screening", "body_md": "Screen.", "pillar": "protection", "target_agencies": ["DOJ"],
        "report_year": 2027}))
    for to in ("submitted", "under_review", "open"):
        rec_workflow.transition(session=db, actor=people["staff" if to != "submitted" else "author"],
                                rec_id=rec.id, version=rec.version, to=to, today=TODAY)
    first = rec_responses.respond(session=db, actor=people["doj"], rec_id=rec.id, response_in=response_in(
        agency="DOJ", position="concur", response_md="We will train prosecutors."))
    [hit] = search(db, people["viewer"], "prosecutors").hits
    assert (hit.kind, hit.id, hit.agency) == ("response", first.id, "DOJ")
    assert (hit.target.endpoint, hit.target.args, hit.target.anchor) == (
        "recommendations.view", {"rec_id": rec.id}, "response-DOJ")
    assert hit.title == f"Response of DOJ to {rec.number}: Visa screening"
    second = rec_responses.respond(session=db, actor=people["doj"], rec_id=rec.id, response_in=response_in(
        agency="DOJ", position="partially_concur", response_md="We will train judges."))
    assert found(db, people["viewer"], "prosecutors") == set()
    assert found(db, people["viewer"], "judges") == {("response", second.id)}


# ---- in step with the data -----------------------------------------------------------------------------

def test_the_index_follows_edits_updates_and_cancellations(db, people, corpus):
    staff, viewer, a = people["staff"], people["viewer"], corpus["a"]
    actions.update_action_item(session=db, actor=staff, item_id=a.id, version=a.version,
                               data={"title": "Screen hostels for trafficking victims"})
    assert found(db, viewer, "shelters") == set()
    assert found(db, viewer, "hostels") == {("action_item", a.id)}
    actions.update_action_item(session=db, actor=staff, item_id=a.id, version=a.version,
                               data={"lead_agency": "DHS"})
    assert ("status_update", corpus["update"].id) in found(db, viewer, "trafficked", agency="DHS")
    actions.cancel_action_item(session=db, actor=staff, item_id=a.id, version=a.version,
                               reason="Superseded by the hostel census.")
    [hit] = [h for h in search(db, viewer, "census").hits if h.kind == "action_item"]
    assert hit.status == "cancelled"


@pytest.mark.usefixtures("meetings_held")
def test_the_index_follows_agendas_and_cancelled_meetings(db, people):
    from pitf.services import agendas

    staff = people["staff"]
    m = meeting_of(db, staff)
    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                       items=agenda_items(db, [{"title": "Hotline statistics"}]))
    assert found(db, people["viewer"], "hotline") == {("meeting", m.id)}
    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                       items=agenda_items(db, [{"title": "Grant cycle"}]))
    assert found(db, people["viewer"], "hotline") == set()
    mtg.cancel_meeting(session=db, actor=staff, meeting_id=m.id,
                       cancel_in=MeetingCancel(version=m.version, cancel_reason="Lapse in appropriations."))
    [hit] = search(db, people["viewer"], "appropriations").hits
    assert (hit.kind, hit.status) == ("meeting", "cancelled")


def test_the_index_follows_documents_and_their_removal(db, people):
    staff = people["staff"]
    rec = recs.create_draft(session=db, actor=people["author"], rec_in=draft_in({
        "title": "Data", "body_md": "x", "pillar": "protection", "target_agencies": ["DOJ"], "report_year": 2027}))
    rec_workflow.transition(session=db, actor=people["author"], rec_id=rec.id, version=rec.version,
                            to="submitted", today=TODAY)
    f = Attachment(recommendation_id=rec.id, filename="Hotline-report.pdf", storage_key="k-hotline", size=1,
                   content_type="application/pdf", sha256="0" * 64, uploaded_by_id=staff.id)
    db.add(f)
    db.flush()
    assert found(db, staff, "hotline") == {("attachment", f.id)}
    f.extracted_text = "Calls about debt bondage doubled."
    db.flush()
    assert found(db, staff, "bondage") == {("attachment", f.id)}
    from pitf.models import utcnow

    f.deleted_at = utcnow()
    db.flush()
    assert found(db, staff, "hotline") == set()


def test_a_rebuild_makes_the_same_index(db, people, corpus):
    def documents():
        return sorted(db.execute(select(SearchDocument.kind, SearchDocument.source_id, SearchDocument.title,
                                        SearchDocument.body, SearchDocument.agency_id)).all())

    before = documents()
    assert rebuild(db) == len(before) == db.execute(select(func.count()).select_from(SearchDocument)).scalar()
    assert documents() == before
    assert found(db, people["viewer"], "trafficked") == {("action_item", corpus["a"].id),
                                                        ("status_update", corpus["update"].id)}


def test_pitf_search_reindex(app, db, people, corpus):
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Search index rebuilt:" in result.output


def test_retired_agencies_and_withdrawn_recommendations_stay_in_the_record(db, people, corpus):
    from pitf.services import org
    from tests.factories import agency

    rec = recs.create_draft(session=db, actor=people["author"], rec_in=draft_in({
        "title": "Port inspections", "body_md": "x", "pillar": "protection", "target_agencies": ["DHS"],
        "report_year": 2027}))
    for to in ("submitted", "withdrawn"):
        rec_workflow.transition(session=db, actor=people["author"], rec_id=rec.id, version=rec.version, to=to,
                                today=TODAY)
    org.set_agency_active(session=db, actor=people["staff"], agency=agency(db, "DHS"), active=False)
    [hit] = search(db, people["viewer"], "screening", agency="DHS").hits
    assert (hit.id, hit.agency) == (corpus["b"].id, "DHS")
    [hit] = search(db, people["viewer"], "port inspections").hits
    assert (hit.kind, hit.status) == ("recommendation", "withdrawn")
    assert found(db, people["viewer"], "port", agency="DHS") == {("recommendation", rec.id)}


def test_a_meetings_status_is_what_it_is_now_as_on_its_page(db, people, meeting_clock):
    from datetime import UTC, datetime

    m = meeting_of(db, people["staff"], title="Hotline review meeting")  # 2027-04-12, 10:00 to 12:00 Eastern
    db.flush()
    for now, state in ((datetime(2027, 1, 1, tzinfo=UTC), "scheduled"),
                       (datetime(2027, 4, 12, 15, 0, tzinfo=UTC), "in_progress"),
                       (datetime(2028, 1, 1, tzinfo=UTC), "held")):
        meeting_clock.set(now)
        [hit] = search(db, people["viewer"], "hotline review").hits
        assert (hit.kind, hit.id, hit.status) == ("meeting", m.id, state), now
