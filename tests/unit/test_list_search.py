"""The lists' own words filters (q) read the search's index and language: the same rows as /search finds."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from pitf.errors import ValidationFailed
from pitf.services import actions
from pitf.services import meetings as mtg
from pitf.services import recommendations as recs
from pitf.services.search import search
from tests.factories import cast
from tests.search_data import list_corpus


@pytest.fixture
def people(make_user):
    return cast(make_user, "author", "staff", "viewer", "dhs")


@pytest.fixture
def corpus(db, people):
    return list_corpus(db, people["staff"], people["author"])


def item_ids(db, actor, q: str) -> set[int]:
    views, total = actions.list_action_items(session=db, actor=actor,
                                             filters=actions.parse_filters(MultiDict({"q": q})), per_page=200)
    assert total == len(views)
    return {v.item_id for v in views}


def meeting_ids(db, actor, q: str) -> set[int]:
    rows, total = mtg.list_meetings(session=db, actor=actor, filters=mtg.parse_meeting_filters(MultiDict({"q": q})),
                                    per_page=200)
    assert total == len(rows)
    return {m.id for m, _c in rows}


def rec_ids(db, actor, q: str) -> set[int]:
    rows, total = recs.list_recommendations(session=db, actor=actor, filters=recs.parse_filters(MultiDict({"q": q})),
                                            per_page=200)
    assert total == len(rows)
    return {r.id for r in rows}


def named(corpus, part: str, *names: str) -> set[int]:
    return {corpus[part][n].id for n in names}


def test_stems_find_every_form_of_a_word(db, people, corpus):
    viewer = people["viewer"]
    assert item_ids(db, viewer, "screened") == named(corpus, "items", "shelters", "supply")  # Screen, screening
    assert meeting_ids(db, viewer, "screened") == named(corpus, "meetings", "spring")
    assert rec_ids(db, viewer, "screened") == named(corpus, "recs", "screen")


def test_an_item_is_found_by_its_status_updates_notes(db, people, corpus):
    assert item_ids(db, people["viewer"], "interviewing") == named(corpus, "items", "inspections")
    assert item_ids(db, people["viewer"], "hotline") == named(corpus, "items", "inspections")


def test_phrases_find_the_words_together_only(db, people, corpus):
    viewer = people["viewer"]
    assert item_ids(db, viewer, '"forced labor"') == named(corpus, "items", "supply")
    assert item_ids(db, viewer, "forced labor") == named(corpus, "items", "supply", "inspections")
    assert meeting_ids(db, viewer, '"forced labor"') == named(corpus, "meetings", "spring")
    assert rec_ids(db, viewer, '"forced labor"') == named(corpus, "recs", "screen")  # in its rationale


def test_a_word_is_left_out_with_a_dash_and_alternatives_with_or(db, people, corpus):
    viewer = people["viewer"]
    assert item_ids(db, viewer, "labor -supply") == named(corpus, "items", "inspections")
    assert item_ids(db, viewer, "shelters or inspections") == named(corpus, "items", "shelters", "inspections")
    assert meeting_ids(db, viewer, "forced -statistics or hotline -grant") == named(corpus, "meetings", "spring")
    assert rec_ids(db, viewer, "hotline -interpreters or trafficking") == named(corpus, "recs", "screen")


def test_acronyms_hyphenated_words_and_numbers(db, people, corpus):
    viewer = people["viewer"]
    assert item_ids(db, viewer, "doj") == named(corpus, "items", "shelters")
    assert item_ids(db, viewer, "T-visa") == named(corpus, "items", "shelters")
    assert item_ids(db, viewer, "h-2a") == named(corpus, "items", "supply")
    assert meeting_ids(db, viewer, "T-visa") == named(corpus, "meetings", "spring")
    assert meeting_ids(db, viewer, "1107") == named(corpus, "meetings", "grants")  # the place
    screen = corpus["recs"]["screen"]
    assert screen.number and rec_ids(db, viewer, screen.number) == {screen.id}
    assert rec_ids(db, viewer, "H-2A") == {screen.id}


def test_a_part_of_a_word_finds_nothing(db, people, corpus):
    """What changed with the index: `lower(col) LIKE '%lab%'` found labor; full text matches whole words."""
    viewer = people["viewer"]
    for q in ("lab", "scree", "hotl"):
        assert item_ids(db, viewer, q) == meeting_ids(db, viewer, q) == rec_ids(db, viewer, q) == set()


def test_the_lists_keep_their_own_permissions(db, people, corpus):
    # a closed meeting: its committee and the secretariat; a draft: its authors
    assert meeting_ids(db, people["staff"], '"forced labor"') == named(corpus, "meetings", "spring", "closed")
    assert meeting_ids(db, people["dhs"], "closed or cases") == set()
    assert rec_ids(db, people["author"], "kiosks") == named(corpus, "recs", "draft")
    assert rec_ids(db, people["viewer"], "kiosks") == rec_ids(db, people["staff"], "kiosks") == set()


@pytest.mark.parametrize("q", ["screened", '"forced labor"', "labor -supply", "hotline", "T-visa", "H-2A", "doj",
                               "kiosks or cases", "forced -labor or screening", "Inspectors interviewed"])
@pytest.mark.parametrize("who", ["staff", "viewer", "author", "dhs"])
def test_the_lists_find_what_the_search_finds(db, people, corpus, q, who):
    actor = people[who]
    hits = search(db, actor, q, per_page=100).hits
    assert item_ids(db, actor, q) == ({h.id for h in hits if h.kind == "action_item"}
                                      | {h.target.args["item_id"] for h in hits if h.kind == "status_update"})
    assert meeting_ids(db, actor, q) == {h.id for h in hits if h.kind == "meeting"}
    assert rec_ids(db, actor, q) == {h.id for h in hits if h.kind == "recommendation"}


@pytest.mark.parametrize("q,message", [
    ("-", "punctuation alone"), ('"', "punctuation alone"), ("the of", "Common words"),
    ("-labor", "not only what to leave out"), ("x" * 257, "at most 256"), ('* ^ : "', "punctuation alone"),
])
def test_a_query_the_search_refuses_is_named_on_q_by_every_list(q, message):
    for parse in (actions.parse_filters, mtg.parse_meeting_filters, recs.parse_filters):
        with pytest.raises(ValidationFailed) as err:
            parse(MultiDict({"q": q}))
        assert message in err.value.fields["q"], parse


def test_blank_words_are_no_filter(db, people, corpus):
    everything = mtg.list_meetings(session=db, actor=people["staff"], filters=mtg.parse_meeting_filters({}))[1]
    assert mtg.parse_meeting_filters(MultiDict({"q": "   "})).q == ""
    assert mtg.list_meetings(session=db, actor=people["staff"],
                             filters=mtg.parse_meeting_filters(MultiDict({"q": " "})))[1] == everything >= 3
