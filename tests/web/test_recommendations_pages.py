"""The recommendation pages: drafts and their privacy, the transition table by page, responses with commitments,
the list and its CSV, the meeting where it was presented, and a fixed number of queries."""

from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, update
from werkzeug.datastructures import MultiDict

from pitf.models import (
    ActionItem,
    AgencyResponse,
    AgendaItem,
    Meeting,
    Recommendation,
    RecommendationCosponsor,
    RecommendationEvent,
    RecommendationTarget,
    utcnow,
)
from pitf.services import actions, rec_presentations, rec_responses, rec_workflow
from pitf.services import recommendations as recs
from tests.conftest import sign_in_client
from tests.factories import agency, cast, committee, draft_change, draft_in, index_inserted, response_in

TODAY = utcnow().date()
COUNCIL = "U.S. Advisory Council on Human Trafficking"


@pytest.fixture
def people(make_user):
    return cast(make_user, "author", "cosponsor", "other", "staff", "doj", "dhs", "dol", "viewer")


@pytest.fixture
def as_(app, people):
    """as_("doj") -> a client signed in as that person."""
    clients = {}

    def get(who: str):
        if who not in clients:
            clients[who] = app.test_client()
            sign_in_client(clients[who], people[who])
        return clients[who]

    return get


def draft(db, p, **over) -> Recommendation:
    data = {"title": "Screen for labor trafficking in shelters", "body_md": "Agencies **should** screen.",
            "rationale_md": "Survivors report gaps.", "pillar": "protection", "target_agencies": ["DOJ", "DHS"],
            "co_sponsor_ids": [p["cosponsor"].id], "report_year": 2031}
    data.update(over)
    rec = recs.create_draft(session=db, actor=p["author"], rec_in=draft_in(data))
    db.flush()
    return rec


def move(db, actor, rec, to, **kw) -> None:
    rec_workflow.transition(session=db, actor=actor, rec_id=rec.id, version=rec.version, to=to, today=TODAY, **kw)
    db.flush()


PATHS = {"draft": [], "submitted": ["submitted"], "under_review": ["submitted", "under_review"],
         "open": ["submitted", "under_review", "open"],
         "closed_implemented": ["submitted", "under_review", "open", "closed_implemented"],
         "withdrawn": ["submitted", "withdrawn"]}


def at(db, p, status: str, **over) -> Recommendation:
    """A recommendation brought to *status* through the service."""
    rec = draft(db, p, **over)
    for step in PATHS[status]:
        move(db, p["author"] if step in ("submitted", "withdrawn") else p["staff"], rec, step, note="Because.")
    return rec


def page(client, url, status=200) -> str:
    r = client.get(url)
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:3000])
    return r.get_data(as_text=True)


def post(client, url, data, status=302) -> str:
    """Post as the page does once its confirmation is answered (submitting asks first: confirm=yes)."""
    r = client.post(url, data={"confirm": "yes", **data} if url.endswith("/transition") else data)
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:3000])
    return r.get_data(as_text=True)


def text(html: str) -> str:
    """The page's main part as plain text, whitespace collapsed."""
    main = html[html.index("<main"):html.index("</main>")]
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def results(html: str) -> list[str]:
    """The titles of the list's results, in order."""
    if "<tbody>" not in html:
        return []
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return [htmllib.unescape(t) for t in re.findall(r'<th scope="row"><a href="/recommendations/\d+">([^<]*)</a>',
                                                    body)]


def count(db, model) -> int:
    return db.execute(select(func.count()).select_from(model)).scalar()


def form_data(**fields) -> MultiDict:
    data = MultiDict()
    for k, v in fields.items():
        for value in (v if isinstance(v, list) else [v]):
            data.add(k, value)
    return data


# ---- drafts ------------------------------------------------------------------------------------

def test_a_draft_is_seen_and_edited_only_by_its_authors(db, people, as_):
    rec = draft(db, people)
    for who in ("author", "cosponsor"):
        assert "Screen for labor trafficking in shelters" in page(as_(who), f"/recommendations/{rec.id}")
        assert 'name="title"' in page(as_(who), f"/recommendations/{rec.id}/edit")
    for who in ("other", "doj", "dhs", "dol", "staff", "viewer"):
        page(as_(who), f"/recommendations/{rec.id}", 404)
        page(as_(who), f"/recommendations/{rec.id}/edit", 404)
        post(as_(who), f"/recommendations/{rec.id}/edit", {"title": "Mine now", "version": rec.version}, 404)
        post(as_(who), f"/recommendations/{rec.id}/transition", {"to": "submitted", "version": rec.version}, 404)
        assert "Screen for labor" not in page(as_(who), "/recommendations/?sort=number")
    db.expire_all()
    assert db.get(Recommendation, rec.id).title == "Screen for labor trafficking in shelters"
    assert "Screen for labor" in page(as_("cosponsor"), "/recommendations/?sort=number")


def test_council_member_drafts_by_form_with_targets_and_a_co_sponsor(db, people, as_):
    c = as_("author")
    form = page(c, "/recommendations/new")
    assert f'value="{TODAY.year}"' in form and 'value="DOJ"' in form
    # The co-sponsor list offers the other Council members, not the author, nor liaisons.
    offered = set(re.findall(r'name="co_sponsor_ids" value="(\d+)"', form))
    assert str(people["cosponsor"].id) in offered and str(people["other"].id) in offered
    assert str(people["author"].id) not in offered and str(people["doj"].id) not in offered
    r = c.post("/recommendations/new", data=form_data(
        title="Fund survivor-led outreach", body_md="Fund **survivor-led** outreach.", rationale_md="It works.",
        pillar="prevention", target_agencies=["HHS", "DOJ"], co_sponsor_ids=[str(people["cosponsor"].id)],
        report_year="2031"))
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    rec = db.execute(select(Recommendation).where(Recommendation.title == "Fund survivor-led outreach")).scalar_one()
    assert r.headers["Location"].endswith(f"/recommendations/{rec.id}")
    assert (rec.status, rec.number, rec.report_year, rec.filed_by_id) == ("draft", None, 2031, people["author"].id)
    assert [t.acronym for t in recs.targets_of(db, [rec.id])[rec.id]] == ["DOJ", "HHS"]
    assert [u.id for u in recs.cosponsors_of(db, [rec.id])[rec.id]] == [people["cosponsor"].id]
    shown = page(c, f"/recommendations/{rec.id}")
    assert "<strong>survivor-led</strong>" in shown and "Draft:" in shown and "visible only to its author" in shown


@pytest.mark.parametrize("field,value,message", [
    ("target_agencies", ["DOJ", "NOPE"], "Unknown agency: NOPE."),
    ("title", "", "Enter a title."),
    ("report_year", "1850", "A year such as 2027."),
])
def test_a_bad_draft_is_refused_at_its_field(db, people, as_, field, value, message):
    data = {"title": "Fine", "body_md": "x", "pillar": "protection", "target_agencies": ["DOJ"],
            "report_year": "2031", field: value}
    before = count(db, Recommendation)
    body = post(as_("author"), "/recommendations/new", form_data(**data), 422)
    assert re.search(rf'id="{field}-error"[^>]*>[^<]*{re.escape(message)}', body), body
    assert count(db, Recommendation) == before


def test_staff_and_liaisons_cannot_draft(people, as_):
    for who in ("staff", "doj", "viewer"):
        page(as_(who), "/recommendations/new", 403)
        assert "Draft a recommendation" not in page(as_(who), "/recommendations/?sort=number")
    assert "Draft a recommendation" in page(as_("other"), "/recommendations/?sort=number")


def test_a_co_sponsor_edits_and_stays_a_co_sponsor(db, people, as_, make_user):
    rec = draft(db, people)
    extra = make_user("council")
    c = as_("cosponsor")
    form = page(c, f"/recommendations/{rec.id}/edit")
    # The filer is not offered as co-sponsor; the co-sponsor sees themselves ticked.
    assert f'name="co_sponsor_ids" value="{people["author"].id}"' not in form
    assert f'name="co_sponsor_ids" value="{people["cosponsor"].id}" checked' in form
    post(c, f"/recommendations/{rec.id}/edit", form_data(
        title="Screen in every shelter", body_md=rec.body_md, rationale_md=rec.rationale_md, pillar="protection",
        target_agencies=["DHS", "DOJ"], co_sponsor_ids=[str(people["cosponsor"].id), str(extra.id)],
        report_year="2031", version=str(rec.version)))
    db.expire_all()
    assert db.get(Recommendation, rec.id).title == "Screen in every shelter"
    assert {u.id for u in recs.cosponsors_of(db, [rec.id])[rec.id]} == {people["cosponsor"].id, extra.id}
    assert "Screen in every shelter" in page(as_("author"), f"/recommendations/{rec.id}")


def test_an_edit_conflict_is_409_and_keeps_what_was_typed(db, people, as_):
    rec = draft(db, people)
    read_version = rec.version
    recs.update_draft(session=db, actor=people["cosponsor"], rec_id=rec.id, rec_in=draft_change(rec.version,
                      {"body_md": "The co-sponsor's **new** text."}))
    db.flush()
    body = post(as_("author"), f"/recommendations/{rec.id}/edit", form_data(
        title="The author's title", body_md="The author's own text.", rationale_md=rec.rationale_md,
        pillar="protection", target_agencies=["DHS", "DOJ"], co_sponsor_ids=[str(people["cosponsor"].id)],
        report_year="2031", version=str(read_version)), 409)
    assert "A co-author changed this draft" in body
    assert "<strong>new</strong>" in body  # their text, beside...
    assert "The author&#39;s own text." in body and 'value="The author&#39;s title"' in body  # ...what was typed
    db.expire_all()
    now = db.get(Recommendation, rec.id)
    assert now.title == "Screen for labor trafficking in shelters" and "co-sponsor" in now.body_md
    assert re.search(rf'name="version"[^>]*value="{now.version}"', body) or \
        re.search(rf'value="{now.version}"[^>]*name="version"', body)


def test_submitting_shows_the_number_and_makes_it_read_only(db, people, as_):
    rec = draft(db, people)
    c = as_("author")
    assert ">Submit</button>" in page(c, f"/recommendations/{rec.id}")
    r = c.post(f"/recommendations/{rec.id}/transition", data={"to": "submitted", "version": rec.version,
                                                              "confirm": "yes"}, follow_redirects=True)
    assert r.status_code == 200
    assert "Submitted as 2031-01." in r.get_data(as_text=True)
    db.expire_all()
    assert db.get(Recommendation, rec.id).number == "2031-01"
    page(c, f"/recommendations/{rec.id}/edit", 403)
    assert "2031-01: Screen for labor" in page(as_("viewer"), f"/recommendations/{rec.id}")


def test_submitting_asks_first_and_changes_nothing_until_confirmed(db, people, as_):
    rec = draft(db, people)
    c = as_("author")
    html = page(c, f"/recommendations/{rec.id}")
    assert 'form="move-submitted-form"' in html and 'aria-controls="confirm-submit"' in html
    assert "Submit this recommendation?" in html  # the modal's question
    r = c.post(f"/recommendations/{rec.id}/transition", data={"to": "submitted", "version": rec.version})
    assert r.status_code == 200 and "<h1>Submit this recommendation?</h1>" in r.get_data(as_text=True)
    assert 'name="to" value="submitted"' in r.get_data(as_text=True)
    db.expire_all()
    assert db.get(Recommendation, rec.id).status == "draft" and db.get(Recommendation, rec.id).number is None
    assert c.post(f"/recommendations/{rec.id}/transition", data={"to": "submitted", "version": rec.version,
                                                                 "confirm": "yes"}).status_code == 302
    db.expire_all()
    assert db.get(Recommendation, rec.id).status == "submitted"


def test_submitting_without_a_target_is_refused_on_the_page(db, people, as_):
    rec = draft(db, people, target_agencies=[])
    body = post(as_("author"), f"/recommendations/{rec.id}/transition", {"to": "submitted", "version": rec.version},
                422)
    assert "Name at least one agency" in body
    db.expire_all()
    assert db.get(Recommendation, rec.id).status == "draft"


# ---- the transition table, by page ---------------------------------------------------------------

MOVES = [
    ("draft", "submitted", "author", 302), ("draft", "submitted", "cosponsor", 302),
    ("draft", "submitted", "staff", 404),  # the secretariat does not even see a draft
    ("draft", "open", "author", 409),
    ("submitted", "under_review", "staff", 302), ("submitted", "under_review", "author", 403),
    ("submitted", "under_review", "doj", 403), ("submitted", "draft", "staff", 302),
    ("submitted", "withdrawn", "author", 302), ("submitted", "withdrawn", "staff", 403),
    ("under_review", "open", "staff", 302), ("under_review", "open", "author", 403),
    ("under_review", "withdrawn", "cosponsor", 302),
    ("open", "closed_implemented", "staff", 302), ("open", "closed_not_implemented", "staff", 302),
    ("open", "closed_implemented", "author", 403), ("open", "closed_implemented", "doj", 403),
    ("open", "withdrawn", "author", 409), ("open", "draft", "staff", 409),
    ("closed_implemented", "open", "staff", 302), ("closed_implemented", "open", "author", 403),
    ("closed_implemented", "draft", "staff", 409), ("withdrawn", "submitted", "author", 409),
]


@pytest.mark.parametrize("source,target,who,code", MOVES)
def test_transition_table_by_page(db, people, as_, source, target, who, code):
    rec = at(db, people, source)
    events = count(db, RecommendationEvent)
    body = post(as_(who), f"/recommendations/{rec.id}/transition",
                {"to": target, "version": rec.version, "note": "Because we say so."}, code)
    db.expire_all()
    now = db.get(Recommendation, rec.id)
    if code == 302:
        assert now.status == target
        assert count(db, RecommendationEvent) == events + 1
    else:
        assert now.status == source and count(db, RecommendationEvent) == events
        if code == 409:
            assert "cannot become" in body


@pytest.mark.parametrize("source,who,shown,hidden", [
    ("draft", "author", ["Submit"], ["Withdraw", "Start review"]),
    ("submitted", "author", ["Withdraw"], ["Start review", "Submit"]),
    ("submitted", "staff", ["Start review", "Return to the authors"], ["Withdraw"]),
    ("under_review", "staff", ["Open for agency responses", "Return to the authors"], ["Withdraw"]),
    ("open", "staff", ["Close as implemented", "Close as not implemented"], ["Reopen"]),
    ("open", "author", [], ["Close as implemented", "Withdraw"]),
    ("closed_implemented", "staff", ["Reopen"], ["Close as implemented"]),
    ("open", "doj", [], ["Close as implemented", "Reopen"]),
])
def test_the_page_offers_exactly_the_allowed_moves(db, people, as_, source, who, shown, hidden):
    rec = at(db, people, source)
    body = page(as_(who), f"/recommendations/{rec.id}")
    for label in shown:
        assert f">{label}</button>" in body, label
    for label in hidden:
        assert f">{label}</button>" not in body, label


def test_closing_needs_a_justification_shown_at_the_field(db, people, as_):
    rec = at(db, people, "open")
    body = post(as_("staff"), f"/recommendations/{rec.id}/transition",
                {"to": "closed_implemented", "version": rec.version, "note": "  "}, 422)
    assert re.search(r'id="move-closed_implemented-note-error"[^>]*>Say why', body)
    db.expire_all()
    assert db.get(Recommendation, rec.id).status == "open"
    post(as_("staff"), f"/recommendations/{rec.id}/transition",
         {"to": "closed_implemented", "version": rec.version, "note": "DOJ and DHS did it."})
    history = text(page(as_("viewer"), f"/recommendations/{rec.id}"))
    assert "Open → Closed: implemented" in history and "DOJ and DHS did it." in history


def test_a_stale_version_on_a_move_is_409_and_changes_nothing(db, people, as_):
    rec = at(db, people, "submitted")
    stale = rec.version
    rec_workflow.set_priority(session=db, actor=people["staff"], rec_id=rec.id, version=rec.version, priority=True)
    db.flush()
    body = post(as_("staff"), f"/recommendations/{rec.id}/transition",
                {"to": "draft", "version": stale, "note": "Please name the shelters."}, 409)
    assert "Someone else changed this recommendation" in body and "Please name the shelters." in body
    db.expire_all()
    assert db.get(Recommendation, rec.id).status == "submitted"


def test_opening_sets_a_due_date_per_agency_and_the_priority(app, db, people, as_):
    app.config["PITF_RESPONSE_DAYS"] = 45
    rec = at(db, people, "under_review")
    c = as_("staff")
    form = page(c, f"/recommendations/{rec.id}")
    default = (TODAY + timedelta(days=45)).isoformat()
    assert f'name="response_due.DOJ" value="{default}"' in form and f'name="response_due.DHS" value="{default}"' in form
    past = (TODAY - timedelta(days=1)).isoformat()
    body = post(c, f"/recommendations/{rec.id}/transition", {
        "to": "open", "version": rec.version, "response_due.DOJ": past, "response_due.DHS": "",
        "priority_shown": "1", "priority": "true"}, 422)
    assert re.search(r'id="move-open-due-DOJ-error"[^>]*>The response date cannot be in the past', body)
    assert f'name="response_due.DOJ" value="{past}"' in body  # what was typed stays
    db.expire_all()
    assert db.get(Recommendation, rec.id).status == "under_review"
    doj_due = (TODAY + timedelta(days=20)).isoformat()
    post(c, f"/recommendations/{rec.id}/transition", {
        "to": "open", "version": rec.version, "response_due.DOJ": doj_due, "response_due.DHS": "",
        "priority_shown": "1", "priority": "true"})
    db.expire_all()
    now = db.get(Recommendation, rec.id)
    assert now.status == "open" and now.priority is True
    due = {t.acronym: t.response_due.isoformat() for t in recs.targets_of(db, [rec.id])[rec.id]}
    assert due == {"DOJ": doj_due, "DHS": default}
    shown = text(page(as_("viewer"), f"/recommendations/{rec.id}"))
    assert "Priority" in shown and "Response due" in shown


def test_staff_toggle_the_priority_flag(db, people, as_):
    rec = at(db, people, "submitted")
    post(as_("staff"), f"/recommendations/{rec.id}/priority", {"version": rec.version, "priority": "true"})
    db.expire_all()
    assert db.get(Recommendation, rec.id).priority is True
    post(as_("author"), f"/recommendations/{rec.id}/priority", {"version": rec.version, "priority": "false"}, 403)
    post(as_("staff"), f"/recommendations/{rec.id}/priority", {"version": 1, "priority": "false"}, 409)
    db.expire_all()
    assert db.get(Recommendation, rec.id).priority is True


# ---- responses -----------------------------------------------------------------------------------

def respond_form(**over) -> MultiDict:
    data = {"agency": "DOJ", "position": "concur", "response_md": "DOJ **concurs**.",
            "new_items-0-title": "", "new_items-0-due_date": "", "new_items-0-description_md": "",
            "new_items-1-title": "", "new_items-1-due_date": "", "new_items-1-description_md": "",
            "new_items-2-title": "", "new_items-2-due_date": "", "new_items-2-description_md": ""}
    data.update(over)
    return form_data(**data)


def test_a_liaison_responds_with_two_new_commitments(db, people, as_):
    rec = at(db, people, "open")
    c = as_("doj")
    form = page(c, f"/recommendations/{rec.id}")
    assert "Respond for DOJ" in form and "New commitment 3" in form
    before = count(db, ActionItem)
    due1, due2 = (TODAY + timedelta(days=90)).isoformat(), (TODAY + timedelta(days=200)).isoformat()
    post(c, f"/recommendations/{rec.id}/responses", respond_form(**{
        "new_items-0-title": "Update the shelter screening guide", "new_items-0-due_date": due1,
        "new_items-2-title": "Train grantees", "new_items-2-due_date": due2,
        "new_items-2-description_md": "All regions."}))  # the blank middle fieldset is ignored
    assert count(db, ActionItem) == before + 2
    (view,) = rec_responses.responses_of(db, rec.id)
    assert (view.agency, view.response.position) == ("DOJ", "concur")
    assert [i.title for i in view.action_items] == ["Update the shelter screening guide", "Train grantees"]
    assert all(i.lead_agency_id == agency(db, "DOJ").id and i.recommendation_id == rec.id
               for i in view.action_items)
    # Live progress: the DOJ liaison moves an item; the recommendation's page shows it.
    first = view.action_items[0]
    actions.post_status_update(session=db, actor=people["doj"], item_id=first.id, version=first.version,
                               status="in_progress", percent_complete=40, note_md="Drafting.")
    db.flush()
    shown = page(as_("viewer"), f"/recommendations/{rec.id}")
    assert f'href="/action-items/{first.id}"' in shown
    flat = text(shown)
    assert "Concur : revision 1" in flat and "Update the shelter screening guide In progress 40%" in flat
    assert "Train grantees Open Not reported" in flat
    assert "Revise DOJ's response" in page(c, f"/recommendations/{rec.id}")


def test_a_bad_second_commitment_leaves_no_first_and_keeps_the_form(db, people, as_):
    rec = at(db, people, "open")
    before, responses = count(db, ActionItem), count(db, AgencyResponse)
    body = post(as_("doj"), f"/recommendations/{rec.id}/responses", respond_form(**{
        "response_md": "Typed explanation stays.",
        "new_items-0-title": "A good commitment", "new_items-0-due_date": (TODAY + timedelta(days=30)).isoformat(),
        "new_items-2-title": "", "new_items-2-due_date": "someday", "new_items-2-description_md": "Oops"}), 422)
    assert count(db, ActionItem) == before and count(db, AgencyResponse) == responses
    # The error is at the third fieldset (the second commitment sent), and everything typed is still there.
    assert re.search(r'id="new_items-2-title-error"', body) and re.search(r'id="new_items-2-due_date-error"', body)
    assert 'value="A good commitment"' in body and 'value="someday"' in body
    assert "Typed explanation stays." in body and re.search(r'value="concur"[^>]*checked|checked[^>]*value="concur"',
                                                            body)


def test_a_liaison_answers_only_for_their_agency_and_only_when_addressed(db, people, as_):
    rec = at(db, people, "open")
    post(as_("doj"), f"/recommendations/{rec.id}/responses", respond_form(agency="DHS"), 403)
    assert "Respond for" not in page(as_("dol"), f"/recommendations/{rec.id}")
    body = post(as_("dol"), f"/recommendations/{rec.id}/responses", respond_form(agency="DOL"), 422)
    assert "not addressed to DOL" in body
    for who in ("staff", "author", "viewer"):
        assert "Respond for" not in page(as_(who), f"/recommendations/{rec.id}")
        post(as_(who), f"/recommendations/{rec.id}/responses", respond_form(), 403)
    assert count(db, AgencyResponse) == 0
    # Not while it is under review: the page offers nothing, a post is refused.
    early = at(db, people, "under_review", title="Not open yet")
    assert "Respond for" not in page(as_("doj"), f"/recommendations/{early.id}")
    post(as_("doj"), f"/recommendations/{early.id}/responses", respond_form(), 409)


def test_linking_another_agencys_item_is_refused_at_the_field(db, people, as_):
    rec = at(db, people, "open")
    vs = committee(db, "Victim Services").id
    mine = actions.create_action_item(session=db, actor=people["staff"], notify_agency=False, data={
        "title": "DOJ task force training", "committee_id": vs, "lead_agency": "DOJ",
        "due_date": (TODAY + timedelta(days=60)).isoformat(), "pillar": "protection"})
    theirs = actions.create_action_item(session=db, actor=people["staff"], notify_agency=False, data={
        "title": "DHS forced labor work", "committee_id": vs, "lead_agency": "DHS",
        "due_date": (TODAY + timedelta(days=60)).isoformat(), "pillar": "protection"})
    db.flush()
    form = page(as_("doj"), f"/recommendations/{rec.id}")
    assert "DOJ task force training" in form and "DHS forced labor work" not in form
    body = post(as_("doj"), f"/recommendations/{rec.id}/responses",
                respond_form(action_item_ids=[str(mine.id), str(theirs.id)]), 422)
    assert re.search(r'id="action_item_ids-error"[^>]*>[^<]*not led by DOJ', body)
    assert count(db, AgencyResponse) == 0
    post(as_("doj"), f"/recommendations/{rec.id}/responses", respond_form(action_item_ids=[str(mine.id)]))
    (view,) = rec_responses.responses_of(db, rec.id)
    assert [i.id for i in view.action_items] == [mine.id]


def test_a_revised_response_keeps_the_earlier_revision(db, people, as_):
    rec = at(db, people, "open")
    c = as_("doj")
    post(c, f"/recommendations/{rec.id}/responses", respond_form(response_md="First answer."))
    form = page(c, f"/recommendations/{rec.id}")
    assert "Revise DOJ's response" in form and "First answer." in form
    post(c, f"/recommendations/{rec.id}/responses",
         respond_form(position="partially_concur", response_md="Second answer."))
    body = page(as_("viewer"), f"/recommendations/{rec.id}")
    current = body[body.index('id="response-DOJ"'):body.index("<details>")]
    assert "Partially concur" in current and "revision 2" in current and "Second answer." in current
    earlier = body[body.index("<details>"):body.index("</details>")]
    assert "Revision 1" in earlier and "First answer." in earlier and 'id="response-DOJ-r1"' in earlier
    assert [r.revision for r in db.execute(select(AgencyResponse).order_by(AgencyResponse.revision)).scalars()] == [
        1, 2]


# ---- the list and its CSV ------------------------------------------------------------------------

def test_list_filters_and_marks(db, people, as_):
    a = at(db, people, "open", title="Alpha shelters", target_agencies=["DOJ", "DHS"])
    b = at(db, people, "open", title="Beta data", target_agencies=["DOL"], pillar="prevention", report_year=2032)
    at(db, people, "closed_implemented", title="Gamma closed", target_agencies=["DOJ"])
    at(db, people, "submitted", title="Delta submitted", target_agencies=["HHS"], body_md="About **kiosks**.")
    rec_responses.respond(session=db, actor=people["doj"], rec_id=a.id,
                          response_in=response_in(agency="DOJ", position="concur",
                          response_md="Yes."))
    db.execute(update(RecommendationTarget).where(RecommendationTarget.recommendation_id == b.id)
               .values(response_due=TODAY - timedelta(days=3)))
    db.flush()
    c = as_("viewer")
    assert results(page(c, "/recommendations/?agency=DOJ&sort=title")) == ["Alpha shelters", "Gamma closed"]
    assert results(page(c, "/recommendations/?status=open&sort=title")) == ["Alpha shelters", "Beta data"]
    assert results(page(c, "/recommendations/?year=2032")) == ["Beta data"]
    assert results(page(c, "/recommendations/?q=KIOSKS")) == ["Delta submitted"]
    assert results(page(c, "/recommendations/?q=alpha")) == ["Alpha shelters"]
    assert results(page(c, "/recommendations/?responded=true")) == ["Alpha shelters"]
    assert results(page(c, "/recommendations/?responded=false&sort=title")) == ["Beta data"]
    assert results(page(c, "/recommendations/?agency=DHS&responded=false")) == ["Alpha shelters"]
    overdue = page(c, "/recommendations/?response_overdue=true")
    assert results(overdue) == ["Beta data"]
    assert "Response overdue:" in overdue and 'value="true" checked' in overdue
    listed = text(page(c, "/recommendations/?sort=title"))
    assert "Alpha shelters Open Protection DHS, DOJ 1 of 2 agencies responded" in listed
    assert "Delta submitted Submitted Protection HHS" in listed and "HHS 0 of" not in listed  # not open yet
    assert "Beta data Open Prevention DOL (overdue) 0 of 1 agency responded Response overdue:" in listed
    assert re.search(r"2031-\d\d Alpha shelters", listed)


def test_a_bad_filter_is_422_with_the_field_named(people, as_):
    body = page(as_("viewer"), "/recommendations/?year=twenty&status=lost&agency=NOPE", 422)
    assert 'id="f-year-error"' in body and 'id="f-status-error"' in body and "A year such as 2027." in body
    body = page(as_("viewer"), "/recommendations/?agency=NOPE", 422)
    assert re.search(r'id="f-agency-error"[^>]*>No agency has the acronym NOPE', body)


def test_a_liaison_lands_on_what_is_addressed_to_their_agency(db, people, as_):
    r = as_("dhs").get("/recommendations/")
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/recommendations/?agency=DHS&status=open&sort=due")
    assert as_("viewer").get("/recommendations/").status_code == 200
    soon = at(db, people, "open", title="Due soon", target_agencies=["DHS"])
    later = at(db, people, "open", title="Due later", target_agencies=["DHS"])
    at(db, people, "open", title="Not for DHS", target_agencies=["DOJ"])
    db.execute(update(RecommendationTarget).where(RecommendationTarget.recommendation_id == later.id)
               .values(response_due=TODAY + timedelta(days=80)))
    db.execute(update(RecommendationTarget).where(RecommendationTarget.recommendation_id == soon.id)
               .values(response_due=TODAY + timedelta(days=5)))
    db.flush()
    assert results(page(as_("dhs"), r.headers["Location"])) == ["Due soon", "Due later"]


def test_csv_export_keeps_the_filters_and_escapes_formulas(db, people, as_):
    at(db, people, "open", title="=HYPERLINK(\"http://evil.example\")", target_agencies=["DOJ"])
    at(db, people, "open", title="-2+3 shelters", target_agencies=["DHS"])
    c = as_("viewer")
    listing = page(c, "/recommendations/?agency=DOJ&status=open")
    assert 'href="/recommendations/export.csv?status=open&amp;agency=DOJ"' in listing
    r = c.get("/recommendations/export.csv?agency=DOJ&status=open")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    raw = r.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("number,report_year,title,status")
    assert len(lines) == 2
    assert "'=HYPERLINK" in lines[1] and ",open," in lines[1]
    assert re.search(r",DOJ \d{4}-\d\d-\d\d,", lines[1])  # ISO dates
    everything = c.get("/recommendations/export.csv").get_data().decode("utf-8-sig")
    assert "'-2+3 shelters" in everything
    assert c.get("/recommendations/export.csv?year=twenty").status_code == 422


# ---- presented at a meeting -------------------------------------------------------------------------

def council_meeting(db, days: int, title="Advisory Council meeting", body=COUNCIL) -> Meeting:
    start = utcnow().replace(microsecond=0) + timedelta(days=days)
    m = Meeting(committee_id=committee(db, body).id, title=title, starts_at=start, ends_at=start + timedelta(hours=2))
    db.add(m)
    db.flush()
    return m


def test_staff_put_the_presentation_on_a_council_meeting_agenda(db, people, as_):
    rec = at(db, people, "open")
    meeting = council_meeting(db, 20)
    old = council_meeting(db, -500, title="Too old to offer")
    spog = council_meeting(db, 10, title="SPOG alone", body="Senior Policy Operating Group")
    joint = council_meeting(db, 30, title="Joint with the SPOG", body="Senior Policy Operating Group")
    joint.joint_with_committee_id = committee(db, COUNCIL).id
    db.flush()
    c = as_("staff")
    form = page(c, f"/recommendations/{rec.id}")
    assert f'<option value="{meeting.id}">' in form and f'<option value="{joint.id}">' in form
    assert f'<option value="{old.id}">' not in form and f'<option value="{spog.id}">' not in form
    assert "Add to the agenda" not in page(as_("author"), f"/recommendations/{rec.id}")
    post(as_("author"), f"/recommendations/{rec.id}/present", {"meeting_id": meeting.id}, 403)
    body = post(c, f"/recommendations/{rec.id}/present", {"meeting_id": spog.id}, 422)
    assert re.search(r'id="meeting_id-error"[^>]*>Choose a meeting of the Advisory Council', body)
    post(c, f"/recommendations/{rec.id}/present", {"meeting_id": meeting.id})
    item = db.execute(select(AgendaItem).where(AgendaItem.recommendation_id == rec.id)).scalar_one()
    assert item.title == f"Presentation of recommendation {rec.number}: {rec.title}"
    shown = page(as_("viewer"), f"/recommendations/{rec.id}")
    assert f'<a href="/meetings/{meeting.id}">Advisory Council meeting</a>' in shown
    assert "On the agenda of Advisory Council meeting" in text(shown)
    body = post(c, f"/recommendations/{rec.id}/present", {"meeting_id": meeting.id}, 422)
    assert "already on that meeting" in body
    assert count(db, AgendaItem) == 1


def test_service_helpers_for_the_pages(db, people):
    a = at(db, people, "open", target_agencies=["DOJ", "DHS"])
    b = at(db, people, "open", title="Other", target_agencies=["DOJ"])
    rec_responses.respond(session=db, actor=people["doj"], rec_id=a.id,
                          response_in=response_in(agency="DOJ", position="concur",
                          response_md="Yes."))
    rec_responses.respond(session=db, actor=people["doj"], rec_id=a.id,
                          response_in=response_in(agency="DOJ", position="non_concur",
                          response_md="No."))
    doj = agency(db, "DOJ").id
    assert rec_responses.responded_agencies(db, [a.id, b.id]) == {a.id: {doj}, b.id: set()}
    assert rec_responses.responded_agencies(db, []) == {}
    vs = committee(db, "Victim Services").id
    done = actions.create_action_item(session=db, actor=people["staff"], notify_agency=False, status="done", data={
        "title": "Done already", "committee_id": vs, "lead_agency": "DOJ",
        "due_date": TODAY.isoformat(), "pillar": "protection"})
    open_item = actions.create_action_item(session=db, actor=people["staff"], notify_agency=False, data={
        "title": "Still open", "committee_id": vs, "lead_agency": "DOJ",
        "due_date": TODAY.isoformat(), "pillar": "protection"})
    assert [i.id for i in rec_responses.linkable_action_items(db, a.id, doj)] == [open_item.id]
    rec_responses.respond(session=db, actor=people["doj"], rec_id=a.id,
                          response_in=response_in(agency="DOJ", position="concur",
                          response_md="Yes.", action_item_ids=[done.id]))
    assert {i.id for i in rec_responses.linkable_action_items(db, a.id, doj)} == {open_item.id, done.id}
    assert [u.id for u in recs.council_members(db)] == sorted(
        [people[w].id for w in ("author", "cosponsor", "other")],
        key=lambda i: next(p.name for p in people.values() if p.id == i))
    assert rec_presentations.presentation_meetings(db, people["doj"]) == []
    meeting = council_meeting(db, 5)
    assert meeting in rec_presentations.presentation_meetings(db, people["staff"])
    rec_presentations.present_at_meeting(session=db, actor=people["staff"], rec_id=a.id, meeting_id=meeting.id)
    assert [(p.meeting.id, p.item.recommendation_id)
            for p in rec_presentations.presented_at(db, people["viewer"], a.id)] == [
        (meeting.id, a.id)]
    closed = council_meeting(db, 6, title="Closed session")
    closed.is_open = False
    db.flush()
    rec_presentations.present_at_meeting(session=db, actor=people["staff"], rec_id=a.id, meeting_id=closed.id)
    assert len(rec_presentations.presented_at(db, people["staff"], a.id)) == 2
    assert len(rec_presentations.presented_at(db, people["viewer"], a.id)) == 1  # a closed meeting stays hidden
    with pytest.raises(Exception) as err:
        rec_presentations.present_at_meeting(session=db, actor=people["staff"], rec_id=draft(db, people).id,
                                             meeting_id=meeting.id)
    assert err.value.__class__.__name__ == "NotFound"  # a draft is the authors' alone


# ---- a fixed number of queries whatever the number of recommendations ------------------------------

def _bulk(db, n: int, start: int, filer_id: int, responder_id: int) -> None:
    """Insert *n* open recommendations, each addressed to DOJ and DHS, every third answered by DOJ."""
    now = utcnow()
    doj, dhs = agency(db, "DOJ").id, agency(db, "DHS").id
    db.execute(insert(Recommendation), [
        {"number": f"2040-{start + i:04d}", "report_year": 2040, "sequence": start + i, "title": f"Bulk {start + i}",
         "body_md": "Bulk.", "body_html": "<p>Bulk.</p>", "rationale_md": "", "rationale_html": "",
         "pillar": "protection", "status": "open", "priority": i % 5 == 0, "filed_by_id": filer_id,
         "submitted_at": now, "version": 1, "created_at": now, "updated_at": now} for i in range(n)])
    ids = db.execute(select(Recommendation.id).where(Recommendation.report_year == 2040)
                     .order_by(Recommendation.id.desc()).limit(n)).scalars().all()
    db.execute(insert(RecommendationTarget), [
        # Due dates from the row's place, not its id: PostgreSQL's ids depend on what ran before in the session,
        # and the overdue filter must find rows at 10 as at 1,000 whatever they are.
        {"recommendation_id": i, "agency_id": a, "response_due": TODAY + timedelta(days=((start + k) % 60) - 20)}
        for k, i in enumerate(ids) for a in (doj, dhs)])
    answered = ids[::3]
    db.execute(insert(AgencyResponse), [
        {"recommendation_id": i, "agency_id": doj, "revision": 1, "is_current": True, "position": "concur",
         "response_md": "Yes.", "response_html": "<p>Yes.</p>", "author_id": responder_id, "created_at": now}
        for i in answered])
    db.flush()
    index_inserted(db, "recommendation", ids)


def test_list_and_page_issue_the_same_queries_at_10_and_1000(db, people, as_, count_queries):
    watched = at(db, people, "open")
    rec_responses.respond(session=db, actor=people["doj"], rec_id=watched.id,
                          response_in=response_in(agency="DOJ", position="concur",
                          response_md="Yes.", new_action_items=[
                     {"title": "One", "due_date": (TODAY + timedelta(days=9)).isoformat()}]))
    db.add(RecommendationCosponsor(recommendation_id=watched.id, user_id=people["other"].id))
    _bulk(db, 9, 0, people["author"].id, people["doj"].id)
    db.flush()
    urls = ["/recommendations/?sort=number", "/recommendations/?agency=DOJ&status=open&sort=due&per_page=50",
            "/recommendations/?response_overdue=true&q=bulk", f"/recommendations/{watched.id}",
            "/recommendations/?q=bulk+-nothing+or+kiosks&per_page=50"]
    readers = ("viewer", "staff", "doj")
    for who in readers:
        page(as_(who), urls[0])  # warm up: first-request work is not the page's

    def counts() -> list[int]:
        found = []
        for who in readers:
            for url in urls:
                with count_queries() as q:
                    page(as_(who), url)
                found.append(q.count)
        return found

    small = counts()
    _bulk(db, 991, 9, people["author"].id, people["doj"].id)
    for k in range(5):
        rec_responses.respond(session=db, actor=people["doj"], rec_id=watched.id,
                              response_in=response_in(agency="DOJ", position="concur",
                              response_md=f"Revision {k + 2}."))
    db.flush()
    assert count(db, Recommendation) >= 1000
    big = counts()
    assert small == big, (small, big)
    assert len(results(page(as_("viewer"), urls[0]))) == 50
    assert len(results(page(as_("viewer"), urls[4]))) == 50
    assert "Revision 6." in page(as_("viewer"), urls[3])


def test_attachments_are_linked_where_the_files_feature_serves_them(app, db, people, as_):
    rec = at(db, people, "submitted")
    if not any(re.fullmatch(r"/recommendations/<[^>]+>/attachments", r.rule) for r in app.url_map.iter_rules()):
        app.add_url_rule("/recommendations/<int:rec_id>/attachments", "test_rec_attachments",
                         lambda rec_id: "The files of the recommendation.")
    assert f'href="/recommendations/{rec.id}/attachments"' in page(as_("staff"), f"/recommendations/{rec.id}")
    # a viewer may not read the documents: no button that answers 403 (tests/web/test_navigation.py)
    assert f'href="/recommendations/{rec.id}/attachments"' not in page(as_("viewer"), f"/recommendations/{rec.id}")


def test_a_justification_over_its_limit_is_counted_and_refused_with_the_text_kept(db, people, as_):
    rec = at(db, people, "open")
    form = page(as_("staff"), f"/recommendations/{rec.id}")
    assert 'class="usa-character-count" data-maxlength="4000"' in form
    assert not re.search(r'<textarea[^>]*\smaxlength=', form)  # nothing pasted is cut without a word
    note = "Both agencies reported completion. " * 130  # 4,550 characters
    body = post(as_("staff"), f"/recommendations/{rec.id}/transition",
                {"to": "closed_implemented", "version": rec.version, "note": note}, 422)
    assert re.search(r'id="move-closed_implemented-note-error"[^>]*>[^<]*4,000', body), body[:200]
    kept = re.search(r'<textarea[^>]*id="move-closed_implemented-note"[^>]*>(.*?)</textarea>', body, re.S)
    assert kept.group(1).strip() == note.strip()
    db.expire_all()
    assert db.get(Recommendation, rec.id).status == "open"
