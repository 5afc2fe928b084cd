"""The search page and the header's search box: results by kind, links to the exact place, filters, pages,
permissions, escaping, hostile queries, and the same number of queries however many results."""

from __future__ import annotations

import re
from html import unescape

import pytest
from markupsafe import escape

from pitf.services import actions
from tests.factories import committee
from tests.search_data import SPOG, closed_meeting_with_minutes, draft_recommendation, join, new_item, submit


@pytest.fixture
def staff_client(client_as):
    return client_as("secretariat")


def page_of(client, **args):
    r = client.get("/search", query_string=args)
    return r.status_code, r.get_data(as_text=True)


def result_links(html: str) -> list[str]:
    """The addresses of the results, in their order."""
    return re.findall(r'<h3 class="usa-collection__heading"><a class="usa-link pitf-break" href="([^"]+)"', html)


def snippets(html: str) -> list[str]:
    return re.findall(r'<p class="usa-collection__description pitf-break pitf-snippet">(.*?)</p>', html, re.S)


def test_a_word_finds_the_item_and_links_to_it(db, staff_client):
    staff = staff_client.user
    item = new_item(db, staff, "Screen shelters for trafficking victims", "The DOJ reviews the T-visa backlog.")
    new_item(db, staff, "Labor inspections")
    status, html = page_of(staff_client, q="backlog")
    assert status == 200
    assert result_links(html) == [f"/action-items/{item.id}"]
    [snippet] = snippets(html)
    assert snippet.strip().startswith("The DOJ reviews the T-visa <mark>backlog</mark>")
    assert "Showing 1&ndash;1 of 1 result." in html
    assert "Action items (1)" in html and "Minutes (0)" in html
    assert "Victim Services" in html and "DOJ" in html  # where it belongs
    assert staff_client.get(result_links(html)[0]).status_code == 200


def test_an_update_links_to_its_place_in_the_timeline(db, staff_client):
    staff = staff_client.user
    item = new_item(db, staff, "Screen shelters")
    update = actions.post_status_update(session=db, actor=staff, item_id=item.id, version=item.version,
                                        note_md="Trafficked persons referred to services.")
    db.flush()
    status, html = page_of(staff_client, q="trafficked", kind="status_update")
    assert status == 200
    [link] = result_links(html)
    assert link == f"/action-items/{item.id}#update-{update.id}"
    target = staff_client.get(link.split("#")[0]).get_data(as_text=True)
    assert f'id="update-{update.id}"' in target
    # The kind chosen is the current one of the side list, with the counts of every kind.
    assert re.search(r'class="usa-current" aria-current="page">Status updates \(1\)</a>', html)
    assert "Action items (0)" in html and "Everything (1)" in html


def test_results_come_in_pages_that_keep_the_query(db, staff_client):
    staff = staff_client.user
    items = [new_item(db, staff, f"Hotline report {n}") for n in range(3)]
    status, html = page_of(staff_client, q="hotline", per_page=2, page=2)
    assert status == 200
    assert len(result_links(html)) == 1
    assert "Showing 3&ndash;3 of 3 results." in html
    assert 'href="/search?page=1&amp;q=hotline&amp;per_page=2"' in html
    all_links = set(result_links(page_of(staff_client, q="hotline")[1]))
    assert all_links == {f"/action-items/{i.id}" for i in items}


def test_filters_by_committee_agency_and_year(db, staff_client):
    staff = staff_client.user
    doj = new_item(db, staff, "Hotline for DOJ")
    dhs = new_item(db, staff, "Hotline for DHS", lead_agency="DHS")
    assert result_links(page_of(staff_client, q="hotline", agency="dhs")[1]) == [f"/action-items/{dhs.id}"]
    assert set(result_links(page_of(staff_client, q="hotline", committee=doj.committee_id)[1])) == {
        f"/action-items/{doj.id}", f"/action-items/{dhs.id}"}
    assert result_links(page_of(staff_client, q="hotline", committee=committee(db, SPOG).id)[1]) == []
    status, html = page_of(staff_client, q="hotline", year=2001)
    assert status == 200 and result_links(html) == [] and "with these filters" in html
    # The filters' choices come from the reference data and keep what was chosen.
    html = page_of(staff_client, q="hotline", agency="DHS", kind="action_item")[1]
    assert '<option value="DHS" selected>' in html and '<option value="action_item" selected>' in html
    assert f'<option value="{committee(db, SPOG).id}">{SPOG}</option>' in html


def test_an_empty_query_shows_the_hint(staff_client):
    for args in ({}, {"q": ""}, {"q": "   "}):
        status, html = page_of(staff_client, **args)
        assert status == 200
        assert "What you can type" in html and "in quotes" in html
        assert "usa-collection" not in html and "usa-alert--error" not in html


@pytest.mark.parametrize("q,status,message", [
    ('"unbalanced quote', 200, None),
    ("NEAR(", 200, None),
    ("labor*", 200, None),
    ("\x00labor\x00", 400, "NUL character"),  # the site's own refusal of NUL in any argument
    ('a OR OR "b', 200, None),
    ("-", 422, "punctuation alone"),
    ("*", 422, "punctuation alone"),
    ("-labor", 422, "not only what to leave out"),
    ("the of", 422, "Common words"),
    ("x" * 1000, 422, "at most 256 characters"),
])
def test_hostile_queries_are_searched_as_words_or_refused_with_a_message(db, staff_client, q, status, message):
    new_item(db, staff_client.user, "Labor near unbalanced quote")
    got, html = page_of(staff_client, q=q)
    assert got == status
    if got == 400:
        assert message in unescape(html)
    elif message:
        assert "The search cannot be run" in html and message in unescape(html)
        assert 'aria-invalid="true"' in html and "What you can type" in html
        assert f'value="{escape(q)}"' in html  # the text is kept as typed, never cut


@pytest.mark.parametrize("args,field,message", [
    ({"kind": "memo"}, "kind", "Choose a kind of document"),
    ({"year": "abc"}, "year", "A year from 2000 to 2100"),
    ({"year": "1999"}, "year", "A year from 2000 to 2100"),
    ({"agency": "NOPE"}, "agency", "Choose an agency by its acronym"),
    ({"committee": "x"}, "committee", "Must be a whole number."),
    ({"committee": "99999999999"}, "committee", "No such record."),
    ({"page": "0"}, "page", "The page must be a whole number"),
])
def test_bad_filters_are_named_with_422(staff_client, args, field, message):
    status, html = page_of(staff_client, q="labor", **args)
    assert status == 422
    assert f'<a href="#f-{field}">' in html and message in unescape(html)


def test_a_bad_query_and_a_bad_filter_are_named_together(staff_client):
    status, html = page_of(staff_client, q="-", year="1")
    assert status == 422
    assert '<a href="#f-q">' in html and '<a href="#f-year">' in html


def test_a_page_past_the_end_shows_the_last(db, staff_client):
    new_item(db, staff_client.user, "Hotline report")
    status, html = page_of(staff_client, q="hotline", page=5)
    assert status == 200 and len(result_links(html)) == 1


def test_a_document_is_shown_by_its_file_name_and_links_to_its_download(db, client_as):
    from pitf.models import Attachment

    author, reader = client_as("council"), client_as("secretariat")
    rec = draft_recommendation(db, author.user, "Data", "Numbers.")
    submit(db, author.user, rec)
    f = Attachment(recommendation_id=rec.id, filename="Hotline_report.2027.pdf", storage_key="k-hotline", size=1,
                   content_type="application/pdf", sha256="0" * 64, uploaded_by_id=author.user.id)
    db.add(f)
    db.flush()
    status, html = page_of(reader, q="hotline", kind="attachment")
    assert status == 200
    assert result_links(html) == [f"/attachments/{f.id}"]
    assert f'href="/attachments/{f.id}">Hotline_report.2027.pdf</a></h3>' in html


def test_a_stored_script_comes_back_as_text_and_only_the_highlight_is_html(db, staff_client):
    new_item(db, staff_client.user, '<script>alert("title")</script> trafficking',
             'Before <script>alert("x")</script> trafficking & <b>after</b>.')
    status, html = page_of(staff_client, q="trafficking")
    assert status == 200
    assert "<script>alert" not in html and "<b>after" not in html
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; trafficking" in html
    [snippet] = snippets(html)
    assert set(re.findall(r"</?([a-z]+)", snippet)) == {"mark"}
    assert "&lt;script&gt;" in snippet


def test_a_non_member_never_finds_a_closed_meetings_minutes(db, client_as, meetings_held):
    staff, member, outsider = client_as("secretariat"), client_as("viewer"), client_as("viewer")
    member_agency, other_agency = client_as("liaison", agency="DOJ"), client_as("liaison", agency="DHS")
    join(db, member.user)
    meeting = closed_meeting_with_minutes(db, staff.user, "Safehouse addresses were reviewed.")  # Grantmaking's
    minutes_link = f"/meetings/{meeting.id}/minutes"
    for who in (staff, member, member_agency):
        status, html = page_of(who, q="safehouse")
        assert status == 200 and minutes_link in result_links(html)
    for who in (outsider, other_agency):
        status, html = page_of(who, q="safehouse")
        assert status == 200 and result_links(html) == [] and "Minutes (0)" in html and "Everything (0)" in html
        assert page_of(who, q="safehouse", kind="minutes")[1].count("usa-collection__item") == 0


def test_another_council_member_never_finds_a_draft(db, client_as):
    author, other, staff = client_as("council"), client_as("council"), client_as("secretariat")
    rec = draft_recommendation(db, author.user, "Shelter capacity", "Fund more beds for survivors.")
    link = f"/recommendations/{rec.id}"
    assert result_links(page_of(author, q="survivors")[1]) == [link]
    assert result_links(page_of(other, q="survivors")[1]) == []
    assert result_links(page_of(staff, q="survivors")[1]) == []
    submit(db, author.user, rec)
    assert result_links(page_of(other, q="survivors")[1]) == [link]


def test_the_page_costs_the_same_queries_for_one_result_and_twenty(db, staff_client, count_queries):
    staff = staff_client.user
    new_item(db, staff, "Hotline report")
    for n in range(20):
        new_item(db, staff, f"Shelter survey {n}")
    staff_client.get("/search?q=warmup")  # the first request reads what every later one has cached
    counts = []
    for q in ("hotline", "shelter"):
        with count_queries() as queries:
            r = staff_client.get("/search", query_string={"q": q})
        assert r.status_code == 200
        counts.append(queries.count)
    assert len(result_links(r.get_data(as_text=True))) == 20
    assert counts[0] == counts[1]


def test_the_header_has_a_search_box_on_signed_in_pages_only(client, staff_client):
    html = staff_client.get("/dashboard").get_data(as_text=True)
    box = re.search(r'<form class="usa-search usa-search--small[^"]*" role="search" method="get" '
                    r'action="/search">.*?</form>', html, re.S)
    assert box and 'for="header-search-q"' in box.group(0) and 'name="q"' in box.group(0)
    assert 'value=""' in box.group(0)
    # On the search page it keeps the query.
    html = staff_client.get("/search?q=hotline+%22forced+labor%22").get_data(as_text=True)
    assert 'id="header-search-q" type="search" name="q" value="hotline &#34;forced labor&#34;"' in html
    signed_out = client.get("/login").get_data(as_text=True)
    assert "usa-search" not in signed_out and "header-search-q" not in signed_out
    assert client.get("/search?q=hotline").status_code == 302  # to the sign-in page


def test_the_demo_secretariat_finds_the_spog_minutes_and_the_recommendation(app, db, tmp_path):
    """Issue 13's "done when" on the demo data: a word of last quarter's SPOG minutes, typed in the header, finds
    the minutes, the meeting and the recommendation they discussed; the closed Grantmaking meeting is found by
    its members' agencies only."""
    from sqlalchemy import select

    from pitf.demo import load_demo
    from pitf.models import Meeting, Recommendation, User
    from tests.conftest import sign_in_client

    load_demo(db, tmp_path)
    db.flush()
    people = {u.email: u for u in db.execute(select(User)).scalars()}

    def as_(email):
        c = app.test_client()
        sign_in_client(c, people[email])
        return c

    spog = db.execute(select(Meeting).where(Meeting.title == "Demo: SPOG quarterly meeting")).scalar_one()
    rec = db.execute(select(Recommendation).where(Recommendation.title.like("Screen for labor%"))).scalar_one()
    status, html = page_of(as_("iga@pitf.example.gov"), q="labor")
    assert status == 200
    links = result_links(html)
    assert {f"/meetings/{spog.id}/minutes", f"/meetings/{spog.id}", f"/recommendations/{rec.id}"} <= set(links)
    assert "<mark>" in html
    closed = db.execute(select(Meeting).where(Meeting.is_open.is_(False))).scalar_one()
    assert f"/meetings/{closed.id}" in result_links(page_of(as_("liaison.doj@pitf.example.gov"), q="solicitation")[1])
    assert f"/meetings/{closed.id}" not in result_links(page_of(as_("liaison.dhs@pitf.example.gov"),
                                                                q="solicitation")[1])
