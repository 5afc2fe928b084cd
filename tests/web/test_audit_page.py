"""The audit log for people: values in words, objects linked, filters by person, action, kind and dates, paged."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime, timedelta

import pytest

from pitf.models import utcnow
from pitf.services import actions, audit
from pitf.services import recommendations as recs
from tests.factories import agency, committee, draft_in

TODAY = utcnow().date()


@pytest.fixture
def staff(make_user):
    return make_user("secretariat", name="Sam Rivera")


@pytest.fixture
def admin(client_as):
    return client_as("admin")


def new_item(db, staff, **over):
    data = {"title": "Train task forces", "description_md": "Use trauma-informed methods.",
            "committee_id": committee(db, "Victim Services").id, "lead_agency": "DOJ",
            "supporting_agencies": ["HHS"], "due_date": (TODAY + timedelta(days=30)).isoformat(),
            "pillar": "protection", "priority": "normal"}
    data.update(over)
    item = actions.create_action_item(session=db, actor=staff, data=data, notify_agency=False)
    db.flush()
    return item


def log(client, query="", status=200) -> str:
    r = client.get(f"/admin/audit{query}")
    assert r.status_code == status, r.get_data(as_text=True)[:3000]
    return r.get_data(as_text=True)


def main_text(html: str) -> str:
    """The page's main part as it reads on screen: tags and screen-reader-only words dropped, spaces collapsed."""
    main = html[html.index("<main"):html.index("</main>")]
    main = re.sub(r'<span class="usa-sr-only">[^<]*</span>', "", main)
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", main)))


def rows(html: str) -> list[str]:
    if "<tbody>" not in html:
        return []
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return [main_text(f"<main>{r}</main>") for r in body.split("<tr>")[1:]]


def test_changes_read_in_words_with_ids_resolved_to_names(db, staff, make_user, admin):
    owner = make_user("liaison", agency="DHS", name="Casey Morgan")
    item = new_item(db, staff)
    actions.update_action_item(session=db, actor=staff, item_id=item.id, version=item.version,
                               data={"lead_agency": "DHS", "owner_id": owner.id})
    actions.post_status_update(session=db, actor=staff, item_id=item.id, version=item.version,
                               status="in_progress", note_md="Started.")
    db.flush()
    text = main_text(log(admin, "?kind=ActionItem"))
    assert "Lead agency: DOJ → DHS" in text
    assert "Owner: (none) → Casey Morgan" in text
    assert "Status: Open → In progress" in text
    assert "Supporting agencies: (none) → HHS" in text
    assert "Committee: (none) → Victim Services" in text
    assert f"Due: (none) → {(TODAY + timedelta(days=30)):%B %-d, %Y}".replace(" 0", " ") in text
    assert "Pillar: (none) → Protection" in text
    assert "Action item: status update" in text and "Action item: created" in text
    for raw in ["None", "lead_agency_id", "in_progress", "{'", "[]", "->"]:
        assert raw not in text, raw


def test_long_text_is_shortened_with_a_way_to_see_all(db, staff, admin):
    long_text = " ".join(f"word{n}" for n in range(200))
    item = new_item(db, staff)
    actions.update_action_item(session=db, actor=staff, item_id=item.id, version=item.version,
                               data={"description_md": long_text})
    db.flush()
    html = log(admin, "?action=action_item.updated")
    text = main_text(html)
    assert "Description: Use trauma-informed methods. → word0 word1" in text
    assert "word199" not in text.split("Show all")[0]  # shortened where it stands...
    details = html[html.index("<details"):html.index("</details>")]
    assert "Show all" in details and long_text in details  # ...and all of it one click away


def test_each_object_links_to_its_page_and_a_removed_one_says_so(db, staff, admin):
    item = new_item(db, staff)
    doj = agency(db, "DOJ")
    audit.record(db, actor=staff, action="agency.updated", obj=doj, changes={"name": ["Justice", doj.name]})
    audit.record(db, actor=staff, action="action_item.updated", object_type="ActionItem", object_id=987654,
                 changes={"title": ["Gone", "Still gone"]})
    db.flush()
    html = log(admin, f"?person={staff.id}")
    assert f'href="/action-items/{item.id}">Train task forces</a>' in html
    assert 'href="/agencies/DOJ">DOJ: Department of Justice</a>' in html
    assert f'href="/admin/users/{staff.id}">Sam Rivera</a>' in html  # who did it
    text = main_text(html)
    assert "Action item 987654 (no longer exists)" in text
    assert 'href="/action-items/987654"' not in html


def test_a_draft_recommendation_is_neither_named_nor_linked(db, make_user, admin):
    author = make_user("council")
    rec = recs.create_draft(session=db, actor=author, rec_in=draft_in({
        "title": "Screen shelters quietly", "body_md": "Text.", "pillar": "protection", "target_agencies": ["DOJ"]}))
    db.flush()
    html = log(admin, "?kind=Recommendation")
    assert "Screen shelters quietly" not in html
    assert f'href="/recommendations/{rec.id}"' not in html
    assert "A draft recommendation" in main_text(html)


def _entry(db, actor, *, action="agency.updated", name="Alpha", when=None, kind="Agency"):
    doj = agency(db, "DOJ")
    e = audit.record(db, actor=actor, action=action, object_type=kind, object_id=doj.id,
                     changes={"name": ["Before", name]})
    if when:
        e.created_at = when
    db.flush()
    return e


@pytest.mark.parametrize(("query", "shown", "not_shown"), [
    ("?person={other}", ["Bravo"], ["Alpha", "Charlie"]),
    ("?person={staff}&action=agency.restored", ["Charlie"], ["Alpha", "Bravo"]),
    ("?person={staff}&kind=Committee", ["Alpha"], ["Bravo", "Charlie"]),
    ("?person={staff}&from=2026-03-01", ["Charlie"], ["Alpha"]),
    ("?person={staff}&to=2026-02-28", ["Alpha"], ["Charlie"]),
    ("?person={staff}&from=2026-01-15&to=2026-01-15", ["Alpha"], ["Charlie"]),
])
def test_each_filter(db, staff, make_user, admin, query, shown, not_shown):
    other = make_user("secretariat")
    # 2026-01-15 23:30 Eastern is already the 16th in UTC: days are the viewer's (Eastern) days.
    _entry(db, staff, name="Alpha", kind="Committee", when=datetime(2026, 1, 16, 4, 30, tzinfo=UTC))
    _entry(db, other, name="Bravo", when=datetime(2026, 2, 10, 12, tzinfo=UTC))
    _entry(db, staff, action="agency.restored", name="Charlie", when=datetime(2026, 3, 10, 12, tzinfo=UTC))
    text = " | ".join(rows(log(admin, query.format(staff=staff.id, other=other.id))))
    for name in shown:
        assert f"→ {name}" in text, (name, text)
    for name in not_shown:
        assert f"→ {name}" not in text, (name, text)


def test_the_filters_choose_from_lists_of_what_the_log_holds(db, staff, admin):
    new_item(db, staff)
    html = log(admin, f"?person={staff.id}&kind=ActionItem")
    person = html[html.index('id="f-person"'):html.index("</select>", html.index('id="f-person"'))]
    assert f'<option value="{staff.id}" selected>Sam Rivera ({staff.email})</option>' in person
    assert '<option value="system">' in person
    kind = html[html.index('id="f-kind"'):html.index("</select>", html.index('id="f-kind"'))]
    assert '<option value="ActionItem" selected>Action item</option>' in kind
    action = html[html.index('id="f-action"'):html.index("</select>", html.index('id="f-action"'))]
    assert '<option value="action_item.created">Action item: created</option>' in action
    for name in ("from", "to"):
        assert f'<input class="usa-input" id="f-{name}" name="{name}" type="date"' in html


def test_pages_keep_the_filters(db, staff, admin):
    for n in range(55):
        _entry(db, staff, name=f"Name {n}")
    html = log(admin, f"?person={staff.id}&kind=Agency&from=2020-01-01")
    assert len(rows(html)) == 50
    assert f'href="/admin/audit?page=2&amp;person={staff.id}&amp;kind=Agency&amp;from=2020-01-01"' in html
    second = log(admin, f"?page=2&person={staff.id}&kind=Agency&from=2020-01-01")
    assert len(rows(second)) == 5
    assert "→ Name 0" in " ".join(rows(second))  # the oldest last


@pytest.mark.parametrize(("query", "message"), [
    ("?from=2027-02-30", "Enter a date that exists, as YYYY-MM-DD"),
    ("?to=yesterday", "Enter a date that exists, as YYYY-MM-DD"),
    ("?from=%D9%A2%D9%A0%D9%A2%D9%A6-01-01", "Enter a date that exists"),
    ("?from=2026-03-01&to=2026-02-01", "The last day comes on or after the first day."),
    ("?to=9999-12-31", "Enter a date from 1970 to 2999."),
    ("?from=0001-01-01", "Enter a date from 1970 to 2999."),
    ("?person=someone", "Choose a person from the list."),
    ("?person=99999999999999999999", "Choose a person from the list."),
    ("?action=drop%20table", "Choose an action from the list."),
    ("?kind=" + "A" * 65, "Choose a kind of object from the list."),
])
def test_bad_filter_input_gives_a_clear_message(admin, query, message):
    html = log(admin, query, status=422)
    assert message in main_text(html)
    assert "<tbody>" not in html


def test_a_page_out_of_range_is_not_an_error_of_the_server(admin):
    assert admin.get("/admin/audit?page=99999999999999999999").status_code in (404, 422)
    html = log(admin, "?page=5000")
    assert "There is no page 5000" in main_text(html)


@pytest.mark.parametrize("role", ["secretariat", "liaison", "council", "viewer"])
def test_only_administrators_read_the_log(client_as, role):
    assert client_as(role).get("/admin/audit").status_code == 403


def test_names_are_loaded_per_page_not_per_entry(db, staff, make_user, admin, count_queries):
    def queries() -> int:
        with count_queries() as q:
            log(admin, f"?person={staff.id}")
        return q.count

    new_item(db, staff)
    few = queries()
    for n in range(5):
        new_item(db, staff, title=f"Item {n}", lead_agency="DHS", supporting_agencies=["DOL"])
        _entry(db, staff, name=f"N{n}")
    assert queries() == few


def test_first_and_last_pages_issue_the_same_queries_at_60_and_1000_entries(db, staff, admin, count_queries):
    """The unfiltered total is the row tally and a page's ids are found before its rows: first, middle and last
    pages cost the same number of queries however long the log is."""
    from sqlalchemy import func, insert, select

    from pitf.models import AuditEntry

    def add(n: int) -> None:
        db.execute(insert(AuditEntry), [{"actor_id": staff.id, "actor_label": "", "action": "agency.updated",
                                         "object_type": "Agency", "object_id": agency(db, "DOJ").id,
                                         "changes": {"name": ["Before", f"N{k}"]}, "created_at": utcnow()}
                                        for k in range(n)])
        db.flush()

    def queries() -> list[int]:
        total = db.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
        found = []
        for page in (1, 2, -(-total // 20)):
            with count_queries() as q:
                html = log(admin, f"?per_page=20&page={page}")
            assert "There is no page" not in main_text(html) and f"{total:,}" in main_text(html)
            found.append(q.count)
        return found

    add(60)
    few = queries()
    add(940)
    assert queries() == few
