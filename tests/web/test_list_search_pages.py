"""The list pages' words filter (q) through the search's index: action items, meetings and recommendations find
by stem and phrase, leave out -words, keep q in their links, and answer a refused query with a 422 on the field."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from tests.factories import cast
from tests.search_data import list_corpus

LISTS = {"items": "/action-items/", "meetings": "/meetings/", "recs": "/recommendations/"}


@pytest.fixture
def corpus(db, make_user):
    people = cast(make_user, "staff", "author")
    return list_corpus(db, people["staff"], people["author"])


def listed(client, which: str, q: str) -> set[str]:
    r = client.get(LISTS[which], query_string={"q": q} if which != "meetings" else {"when": "all", "q": q})
    assert r.status_code == 200, r.get_data(as_text=True)[:2000]
    html = r.get_data(as_text=True)
    body = html[html.index("<tbody>"):html.index("</tbody>")] if "<tbody>" in html else ""
    return {htmllib.unescape(t) for t in re.findall(r'<th scope="row"><a href="/[a-z-]+/\d+">([^<]*)</a>', body)}


def titles(corpus, part: str, *names: str) -> set[str]:
    return {corpus[part][n].title for n in names}


@pytest.mark.parametrize("q,items,meetings,recs", [
    ("screened", ("shelters", "supply"), ("spring",), ("screen",)),  # stems
    ('"forced labor"', ("supply",), ("spring",), ("screen",)),  # a phrase; the closed meeting is not shown
    ("labor -supply", ("inspections",), ("spring",), ("screen",)),  # a word left out
    ("interviewed or statistics or interpreters", ("inspections",), ("grants",), ("hotline",)),  # or; an update
    ("lab", (), (), ()),  # a part of a word finds nothing (the old LIKE filter found "labor")
])
def test_each_list_finds_by_stem_and_phrase_and_leaves_out_words(client_as, corpus, q, items, meetings, recs):
    c = client_as("viewer")
    assert listed(c, "items", q) == titles(corpus, "items", *items)
    assert listed(c, "meetings", q) == titles(corpus, "meetings", *meetings)
    assert listed(c, "recs", q) == titles(corpus, "recs", *recs)


@pytest.mark.parametrize("url", [LISTS["items"], LISTS["meetings"], LISTS["recs"]])
@pytest.mark.parametrize("q,message", [
    ("-", "Type a word to search for: punctuation alone finds nothing."),
    ("the", "Common words such as “the” and “of” are not searched: add another word."),
    ("-labor", "Say what to look for, not only what to leave out"),
    ("x" * 300, "Search for at most 256 characters."),
])
def test_a_refused_query_is_a_422_naming_the_words_field(client_as, url, q, message):
    r = client_as("viewer").get(url, query_string={"q": q})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert f'<span class="usa-error-message" id="f-q-error" role="alert">{htmllib.escape(message, quote=False)}' in html
    assert re.search(r'<input class="usa-input usa-input--error" id="f-q" name="q" type="search" maxlength="256"[^>]*'
                     r'aria-describedby="f-q-hint f-q-error" aria-invalid="true">', html)
    assert '<a href="#f-q">' in html  # the error summary links to the field
    assert "<tbody>" not in html


def test_the_meetings_list_has_a_words_field_kept_in_its_links(db, client_as, corpus):
    c = client_as("viewer")
    r = c.get("/meetings/", query_string={"when": "all", "q": "hotline"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<label class="usa-label" for="f-q">Words in the title or agenda</label>' in html
    assert re.search(r'<input class="usa-input" id="f-q" name="q" type="search" maxlength="256" value="hotline" '
                     r'aria-describedby="f-q-hint">', html)
    which = html.split('aria-label="Which meetings"')[1].split("</nav>")[0]
    assert which.count("q=hotline") == 3  # upcoming, past and all keep the words
    assert listed(c, "meetings", "hotline") == {"Grant solicitations review"}


def test_the_words_field_is_labelled_and_hinted_on_every_list(client_as):
    c = client_as("viewer")
    for url, label in ((LISTS["items"], "Words in the title, description or status updates"),
                       (LISTS["meetings"], "Words in the title or agenda"),
                       (LISTS["recs"], "Words in the number, title, text or rationale")):
        html = c.get(url).get_data(as_text=True)
        assert f'<label class="usa-label" for="f-q">{label}</label>' in html
        assert '<div class="usa-hint" id="f-q-hint">Whole words in any form' in html


def test_the_csv_exports_filter_by_the_same_words(client_as, corpus):
    c = client_as("viewer")
    items = c.get("/action-items/export.csv", query_string={"q": '"forced labor"'}).get_data(as_text=True)
    assert "Forced labor in supply chains" in items and "Labor inspections" not in items
    assert c.get("/action-items/export.csv", query_string={"q": "-"}).status_code == 422
    recs = c.get("/recommendations/export.csv", query_string={"q": "hotline"}).get_data(as_text=True)
    assert "A hotline in every language" in recs and "Screen for labor trafficking" not in recs
    assert c.get("/recommendations/export.csv", query_string={"q": "the"}).status_code == 422
