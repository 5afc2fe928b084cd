"""The action item pages: the list and its filters, the item page and its history, updates, conflicts, staff forms."""

from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from pitf.models import (
    ActionItem,
    ActionItemSupport,
    AuditEntry,
    Meeting,
    Recommendation,
    StatusUpdate,
    utcnow,
)
from pitf.services import actions
from tests.factories import agency, committee, index_inserted

TODAY = utcnow().date()


def new_item(db, staff, **over) -> ActionItem:
    data = {"title": "Train task forces", "description_md": "Use **trauma-informed** methods.",
            "committee_id": committee(db, "Victim Services").id, "lead_agency": "DOJ",
            "supporting_agencies": ["HHS"], "due_date": (TODAY + timedelta(days=30)).isoformat(),
            "pillar": "protection", "priority": "normal"}
    data.update(over)
    item = actions.create_action_item(session=db, actor=staff, data=data, notify_agency=False)
    db.flush()
    return item


def set_status(db, staff, item, status, note="") -> None:
    actions.post_status_update(session=db, actor=staff, item_id=item.id, version=item.version, status=status,
                               note_md=note or f"Now {status}.")
    db.flush()


def page(client, url, status=200) -> str:
    r = client.get(url)
    assert r.status_code == status, r.get_data(as_text=True)[:2000]
    return r.get_data(as_text=True)


def results(html: str) -> list[str]:
    """The item titles of the results table, in order."""
    if "<tbody>" not in html:
        return []
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return [htmllib.unescape(t) for t in re.findall(r'<th scope="row"><a href="/action-items/\d+">([^<]*)</a>', body)]


def hidden(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def main_part(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


# ---- the list ----------------------------------------------------------------------------------

def test_agency_filter_lead_supporting_or_either(db, staff, client_as):
    new_item(db, staff, title="DOJ leads, HHS supports")
    new_item(db, staff, title="HHS leads alone", lead_agency="HHS", supporting_agencies=[])
    new_item(db, staff, title="DHS leads, DOJ supports", lead_agency="DHS", supporting_agencies=["DOJ"])
    c = client_as("viewer")
    assert set(results(page(c, "/action-items/?agency=DOJ"))) == {"DOJ leads, HHS supports", "DHS leads, DOJ supports"}
    assert results(page(c, "/action-items/?agency=doj&agency_role=lead")) == ["DOJ leads, HHS supports"]
    assert results(page(c, "/action-items/?agency=DOJ&agency_role=supporting")) == ["DHS leads, DOJ supports"]
    assert results(page(c, "/action-items/?agency=HHS&agency_role=supporting")) == ["DOJ leads, HHS supports"]
    assert set(results(page(c, "/action-items/?agency=HHS"))) == {"DOJ leads, HHS supports", "HHS leads alone"}


def test_status_overdue_due_window_pillar_committee_priority_and_text(db, staff, client_as):
    grants = committee(db, "Grantmaking")
    new_item(db, staff, title="Late open item", due_date=(TODAY - timedelta(days=5)).isoformat())
    blocked = new_item(db, staff, title="Blocked item", due_date=(TODAY + timedelta(days=10)).isoformat(),
                       pillar="prevention", committee_id=grants.id)
    set_status(db, staff, blocked, "blocked")
    done_late = new_item(db, staff, title="Done long ago", due_date=(TODAY - timedelta(days=40)).isoformat(),
                         priority="high", description_md="Fund the **shelter** network.")
    set_status(db, staff, done_late, "done")
    new_item(db, staff, title="Far future item", due_date=(TODAY + timedelta(days=300)).isoformat(),
             pillar="prosecution")
    c = client_as("viewer")
    assert results(page(c, "/action-items/?status=blocked")) == ["Blocked item"]
    assert set(results(page(c, "/action-items/?status=done&status=blocked"))) == {"Blocked item", "Done long ago"}
    assert "Done long ago" not in results(page(c, "/action-items/?status=active"))
    # Overdue: open past its due date; a done item past its date is not overdue.
    overdue_page = page(c, "/action-items/?overdue=true")
    assert results(overdue_page) == ["Late open item"]
    assert '<span class="pitf-overdue">Overdue:</span>' in overdue_page
    window = (f"/action-items/?due_after={(TODAY - timedelta(days=6)).isoformat()}"
              f"&due_before={(TODAY + timedelta(days=10)).isoformat()}")
    assert results(page(c, window)) == ["Late open item", "Blocked item"]
    assert results(page(c, "/action-items/?pillar=prosecution")) == ["Far future item"]
    assert results(page(c, f"/action-items/?committee_id={grants.id}")) == ["Blocked item"]
    assert results(page(c, "/action-items/?priority=high")) == ["Done long ago"]
    # Free text over the title and the description, case-insensitive.
    assert results(page(c, "/action-items/?q=FAR+future")) == ["Far future item"]
    assert results(page(c, "/action-items/?q=shelter")) == ["Done long ago"]
    assert "No action items match these filters." in page(c, "/action-items/?q=nothing-like-this")
    # The filters the page was asked for are shown as chosen in the form.
    form = page(c, f"/action-items/?status=blocked&pillar=prevention&committee_id={grants.id}&overdue=true")
    assert 'value="blocked" checked' in form and '<option value="prevention" selected>' in form
    assert f'<option value="{grants.id}" selected>' in form and 'value="true" checked' in form


def test_sort_orders(db, staff, client_as):
    new_item(db, staff, title="Bravo", due_date=(TODAY + timedelta(days=1)).isoformat())
    new_item(db, staff, title="Alpha", due_date=(TODAY + timedelta(days=20)).isoformat(), lead_agency="DHS",
             supporting_agencies=[])
    new_item(db, staff, title="Charlie", due_date=(TODAY + timedelta(days=10)).isoformat(), lead_agency="HHS",
             supporting_agencies=[])
    c = client_as("viewer")
    assert results(page(c, "/action-items/")) == ["Bravo", "Charlie", "Alpha"]
    assert results(page(c, "/action-items/?sort=-due_date")) == ["Alpha", "Charlie", "Bravo"]
    assert results(page(c, "/action-items/?sort=title")) == ["Alpha", "Bravo", "Charlie"]
    assert results(page(c, "/action-items/?sort=lead_agency")) == ["Alpha", "Bravo", "Charlie"]  # DHS, DOJ, HHS
    assert '<option value="title" selected>Title</option>' in page(c, "/action-items/?sort=title")


def test_pagination_keeps_every_filter_in_the_links(db, staff, client_as):
    for n in range(5):
        new_item(db, staff, title=f"Paged item {n}", due_date=(TODAY + timedelta(days=n + 1)).isoformat())
    new_item(db, staff, title="Other pillar", pillar="prevention")
    c = client_as("viewer")
    first = page(c, "/action-items/?pillar=protection&q=paged&per_page=2")
    assert results(first) == ["Paged item 0", "Paged item 1"]
    assert "Showing 1&ndash;2 of 5 action items." in first
    assert '<nav aria-label="Pages of action items" class="usa-pagination">' in first
    assert 'aria-current="page">1</a>' in first
    nxt = re.search(r'href="([^"]*)" class="usa-pagination__link usa-pagination__next-page"', first).group(1)
    nxt = htmllib.unescape(nxt)
    for part in ("page=2", "pillar=protection", "q=paged", "per_page=2"):
        assert part in nxt
    second = page(c, nxt)
    assert results(second) == ["Paged item 2", "Paged item 3"]
    last = page(c, "/action-items/?pillar=protection&q=paged&per_page=2&page=3")
    assert results(last) == ["Paged item 4"] and "usa-pagination__next-page" not in last
    # The CSV link exports the same filters.
    csv = htmllib.unescape(re.search(r'href="(/action-items/export\.csv[^"]*)"', first).group(1))
    assert "pillar=protection" in csv and "q=paged" in csv
    # At most 200 a page.
    assert "Showing 1&ndash;6 of 6" in page(c, "/action-items/?per_page=5000")


@pytest.mark.parametrize("query,field,message", [
    ("status=bogus", "status", "Unknown status"),
    ("due_after=2027-13-01", "due_after", "There is no month 13"),
    ("sort=nope", "sort", "Sort by one of"),
    ("agency=ZZZ", "agency", "No agency has the acronym ZZZ."),
    ("agency_role=boss", "agency_role", "Use lead or supporting."),
    ("committee_id=abc", "committee_id", "Must be a whole number."),
    ("pillar=punishment", "pillar", "Use one of"),
    ("overdue=maybe", "overdue", "Use true or false."),
    ("page=zero", "page", "whole number"),
])
def test_an_invalid_filter_is_a_422_page_naming_it(client_as, query, field, message):
    html = page(client_as("viewer"), f"/action-items/?{query}", status=422)
    assert "Some filters are not valid" in html
    assert f'id="f-{field}-error"' in html and message in html


def test_a_liaison_starts_with_their_agency_overdue_first(db, staff, client_as):
    new_item(db, staff, title="Due later", due_date=(TODAY + timedelta(days=40)).isoformat())
    new_item(db, staff, title="Overdue DOJ item", due_date=(TODAY - timedelta(days=3)).isoformat())
    new_item(db, staff, title="DHS item DOJ supports", lead_agency="DHS", supporting_agencies=["DOJ"],
                         due_date=(TODAY + timedelta(days=5)).isoformat())
    new_item(db, staff, title="DHS item alone", lead_agency="DHS", supporting_agencies=[])
    finished = new_item(db, staff, title="Finished DOJ item", due_date=(TODAY - timedelta(days=60)).isoformat())
    set_status(db, staff, finished, "done")
    liaison = client_as("liaison", agency="DOJ")
    r = liaison.get("/action-items/")
    assert r.status_code == 302
    assert r.headers["Location"] == "/action-items/?agency=DOJ&status=active&sort=due_date"
    html = page(liaison, r.headers["Location"])
    assert results(html) == ["Overdue DOJ item", "DHS item DOJ supports", "Due later"]
    row = html[html.index("Overdue DOJ item"):]
    assert "Overdue:" in row[:row.index("</tr>")]
    # Any filter at all (clearing them included) shows what was asked, not the default.
    assert "DHS item alone" in results(page(liaison, "/action-items/?sort=due_date"))
    # Others see the whole list with no redirect.
    assert len(results(page(client_as("viewer"), "/action-items/"))) == 5


@pytest.mark.parametrize("role,staff_links", [("secretariat", True), ("admin", True), ("liaison", False),
                                              ("viewer", False), ("council", False)])
def test_new_and_import_links_only_for_staff(client_as, role, staff_links):
    html = page(client_as(role), "/action-items/?sort=due_date")
    assert ('href="/action-items/new"' in html) is staff_links
    assert ('href="/action-items/import"' in html) is staff_links
    assert 'href="/action-items/export.csv?' in html or 'href="/action-items/export.csv"' in html


def test_the_list_needs_a_signed_in_user(client):
    r = client.get("/action-items/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# ---- the item page -----------------------------------------------------------------------------

def test_item_page_shows_every_field_links_and_the_timeline_newest_first(db, staff, make_user, client_as):
    doj_owner = make_user("liaison", agency="DOJ", name="Olive Owner")
    vs = committee(db, "Victim Services")
    council = make_user("council")
    meeting = Meeting(committee_id=vs.id, title="Victim Services quarterly", starts_at=utcnow() - timedelta(days=9),
                      ends_at=utcnow() - timedelta(days=9) + timedelta(hours=2))
    rec = Recommendation(number="2026-07", status="open", report_year=2026, sequence=7, title="Fund survivor housing",
                         pillar="protection", filed_by_id=council.id)
    db.add_all([meeting, rec])
    db.flush()
    item = new_item(db, staff, title="Train task forces", supporting_agencies=["HHS", "DHS"], owner_id=doj_owner.id,
                    meeting_id=meeting.id, recommendation_id=rec.id, priority="high")
    lead = make_user("liaison", agency="DOJ", name="Lena Lead")
    actions.post_status_update(session=db, actor=lead, item_id=item.id, version=item.version, status="in_progress",
                               note_md="First *note*.", percent_complete=30)
    hhs = make_user("liaison", agency="HHS", name="Hana Helper")
    actions.post_status_update(session=db, actor=hhs, item_id=item.id, version=item.version, note_md="Second note.")
    db.flush()
    html = page(client_as("viewer"), f"/action-items/{item.id}")
    assert "<h1>Train task forces</h1>" in html
    assert "Use <strong>trauma-informed</strong> methods." in html
    assert 'href="/agencies/DOJ">Department of Justice (DOJ)</a>' in html
    assert 'href="/agencies/DHS">DHS</a>, <a href="/agencies/HHS">HHS</a>' in html
    assert f'href="/committees/{vs.id}">Victim Services</a>' in html
    assert "Olive Owner" in html and "High" in html and "Protection" in html and "30%" in html
    assert f'href="/meetings/{meeting.id}">Victim Services quarterly</a>' in html
    assert f'href="/recommendations/{rec.id}">2026-07: Fund survivor housing</a>' in html
    history = html[html.index('id="history"'):]
    assert history.index("Second note.") < history.index("First <em>note</em>.")
    assert "Hana Helper (HHS)" in history and "Lena Lead (DOJ)" in history
    assert "Status: Open → In progress" in history
    # A viewer reads, but has no form to post with.
    assert f'action="/action-items/{item.id}/updates"' not in html
    assert page(client_as("viewer"), "/action-items/999999", status=404)


def test_lead_liaison_posts_status_note_and_progress(db, staff, client_as):
    item = new_item(db, staff)
    liaison = client_as("liaison", agency="DOJ")
    html = page(liaison, f"/action-items/{item.id}")
    assert 'name="status"' in html and 'name="percent_complete"' in html
    assert '<option value="cancelled"' not in html  # cancelling is the secretariat's
    r = liaison.post(f"/action-items/{item.id}/updates", data={
        "status": "in_progress", "note_md": "Curriculum **drafted**.", "percent_complete": "40",
        "version": hidden(html, "version"), "seen_update_id": hidden(html, "seen_update_id")})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/action-items/{item.id}#history")
    db.expire_all()
    assert db.get(ActionItem, item.id).status == "in_progress"
    assert db.get(ActionItem, item.id).percent_complete == 40
    after = page(liaison, f"/action-items/{item.id}")
    history = after[after.index('id="history"'):]
    assert "Curriculum <strong>drafted</strong>." in history and "Status: Open → In progress" in history
    assert "40% complete" in history
    entry = db.execute(select(AuditEntry).where(AuditEntry.object_type == "ActionItem", AuditEntry.object_id == item.id,
                                                AuditEntry.action == "action_item.status_update")).scalar_one()
    assert entry.actor_id == liaison.user.id
    # Cancelling through the status form is refused even when crafted.
    r = liaison.post(f"/action-items/{item.id}/updates", data={
        "status": "cancelled", "note_md": "We give up.", "version": hidden(after, "version")})
    assert r.status_code == 403
    db.expire_all()
    assert db.get(ActionItem, item.id).status == "in_progress"


def test_a_note_or_status_is_required_and_errors_show_at_the_field(db, staff, client_as):
    item = new_item(db, staff)
    liaison = client_as("liaison", agency="DOJ")
    r = liaison.post(f"/action-items/{item.id}/updates", data={"status": "open", "note_md": "  ",
                                                               "version": str(item.version)})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="note_md-error"' in html and "Write a note or choose a new status." in html
    r = liaison.post(f"/action-items/{item.id}/updates", data={"status": "in_progress", "percent_complete": "140",
                                                               "version": str(item.version)})
    assert r.status_code == 422 and 'id="percent_complete-error"' in r.get_data(as_text=True)
    assert db.execute(select(func.count()).select_from(StatusUpdate)
                      .where(StatusUpdate.action_item_id == item.id)).scalar() == 0


def test_supporting_liaison_adds_a_note_but_cannot_change_the_status(db, staff, client_as):
    item = new_item(db, staff, supporting_agencies=["HHS"])
    hhs = client_as("liaison", agency="HHS")
    html = page(hhs, f"/action-items/{item.id}")
    assert 'name="note_md"' in html and 'name="status"' not in html and 'name="percent_complete"' not in html
    r = hhs.post(f"/action-items/{item.id}/updates", data={"note_md": "HHS reviewed the curriculum.",
                                                           "version": hidden(html, "version")})
    assert r.status_code == 302
    assert "HHS reviewed the curriculum." in page(hhs, f"/action-items/{item.id}")
    db.expire_all()
    r = hhs.post(f"/action-items/{item.id}/updates", data={"status": "done", "note_md": "Done!",
                                                           "version": str(db.get(ActionItem, item.id).version)})
    assert r.status_code == 403
    db.expire_all()
    assert db.get(ActionItem, item.id).status == "open"


@pytest.mark.parametrize("role,agency_", [("liaison", "DOL"), ("viewer", None), ("council", None)])
def test_others_cannot_post_updates(db, staff, client_as, role, agency_):
    item = new_item(db, staff)
    c = client_as(role, agency=agency_)
    html = page(c, f"/action-items/{item.id}")  # everyone reads
    assert 'name="note_md"' not in html
    r = c.post(f"/action-items/{item.id}/updates", data={"note_md": "Not ours.", "version": str(item.version)})
    assert r.status_code == 403
    r = c.post(f"/action-items/{item.id}/updates", data={"status": "done", "version": str(item.version)})
    assert r.status_code == 403
    assert db.execute(select(func.count()).select_from(StatusUpdate)
                      .where(StatusUpdate.action_item_id == item.id)).scalar() == 0


@pytest.mark.parametrize("role,agency_", [("liaison", "DOL"), ("liaison", "DOJ"), ("viewer", None),
                                          ("council", None)])
def test_only_the_secretariat_creates_edits_and_cancels(db, staff, client_as, role, agency_):
    item = new_item(db, staff)
    c = client_as(role, agency=agency_)
    assert c.get("/action-items/new").status_code == 403
    assert c.post("/action-items/new", data={"title": "Mine"}).status_code == 403
    assert c.get(f"/action-items/{item.id}/edit").status_code == 403
    assert c.post(f"/action-items/{item.id}/edit", data={"title": "Hijacked", "version": str(item.version)}
                  ).status_code == 403
    assert c.get(f"/action-items/{item.id}/cancel").status_code == 403
    assert c.post(f"/action-items/{item.id}/cancel", data={"reason": "No.", "version": str(item.version)}
                  ).status_code == 403
    db.expire_all()
    assert db.get(ActionItem, item.id).title == "Train task forces"
    assert db.get(ActionItem, item.id).status == "open"
    assert f'href="/action-items/{item.id}/edit"' not in page(c, f"/action-items/{item.id}")


# ---- the secretariat's forms -------------------------------------------------------------------

def form_data(db, **over) -> dict:
    data = {"title": "Screen supply chains", "description_md": "Map **tier 2** suppliers.",
            "committee_id": str(committee(db, "Procurement and Supply Chains").id), "lead_agency": "DHS",
            "supporting_agencies": ["DOL", "USTR"], "owner_id": "", "due_date": "2027-03-31",
            "pillar": "prevention", "priority": "high", "meeting_id": "", "recommendation_id": ""}
    data.update(over)
    return data


def test_secretariat_creates_with_supporting_agencies_and_owner(db, client_as, make_user):
    owner = make_user("liaison", agency="DHS", name="Dana Owner")
    make_user("liaison", agency="DHS", name="Gone Person", active=False)
    c = client_as("secretariat")
    html = page(c, "/action-items/new")
    assert "Dana Owner (DHS)" in html and "Gone Person" not in html
    assert 'name="supporting_agencies"' in html and 'type="date"' in html
    r = c.post("/action-items/new", data=form_data(db, owner_id=str(owner.id)))
    assert r.status_code == 302
    item_id = int(r.headers["Location"].rsplit("/", 1)[1])
    item = db.get(ActionItem, item_id)
    assert item.title == "Screen supply chains" and item.owner_id == owner.id and item.priority == "high"
    assert item.lead_agency_id == agency(db, "DHS").id and str(item.due_date) == "2027-03-31"
    supporting = set(db.execute(select(ActionItemSupport.agency_id)
                                .where(ActionItemSupport.action_item_id == item_id)).scalars())
    assert supporting == {agency(db, "DOL").id, agency(db, "USTR").id}
    assert "Map <strong>tier 2</strong> suppliers." in page(c, f"/action-items/{item_id}")
    assert db.execute(select(AuditEntry).where(AuditEntry.action == "action_item.created",
                                               AuditEntry.object_id == item_id)).scalar_one()


def test_create_shows_every_problem_at_its_field_and_creates_nothing(db, client_as, make_user):
    other = make_user("liaison", agency="DOJ")
    c = client_as("secretariat")
    before = db.execute(select(func.count()).select_from(ActionItem)).scalar()
    r = c.post("/action-items/new", data=form_data(db, title="", due_date="2027-02-30", pillar=""))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="title-error"' in html
    r = c.post("/action-items/new", data=form_data(db, due_date="2027-02-30", pillar="", owner_id=str(other.id)))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="due_date-error"' in html and "February 30, 2027 does not exist" in html
    assert 'id="pillar-error"' in html and 'id="owner_id-error"' in html
    assert "The owner must be a person of the lead agency." in html
    assert 'value="Screen supply chains"' in html  # what was typed is kept
    assert db.execute(select(func.count()).select_from(ActionItem)).scalar() == before


def test_secretariat_edits_and_reassigns(db, staff, client_as, make_user):
    doj_owner = make_user("liaison", agency="DOJ")
    item = new_item(db, staff, owner_id=doj_owner.id)
    c = client_as("secretariat")
    html = page(c, f"/action-items/{item.id}/edit")
    assert 'value="Train task forces"' in html and '<option selected value="DOJ">' in html
    assert 'value="HHS" checked' in html
    data = form_data(db, title="Train every task force", lead_agency="DHS", supporting_agencies=["DOJ"],
                     committee_id=str(item.committee_id), owner_id=str(doj_owner.id), due_date="2027-06-30",
                     pillar="protection", priority="normal", description_md=item.description_md,
                     version=hidden(html, "version"))
    r = c.post(f"/action-items/{item.id}/edit", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)
    db.expire_all()
    item = db.get(ActionItem, item.id)
    assert item.title == "Train every task force" and item.lead_agency_id == agency(db, "DHS").id
    assert item.owner_id is None  # the DOJ owner no longer fits a DHS item
    assert str(item.due_date) == "2027-06-30"
    assert set(db.execute(select(ActionItemSupport.agency_id)
                          .where(ActionItemSupport.action_item_id == item.id)).scalars()) == {agency(db, "DOJ").id}
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "action_item.updated",
                                                AuditEntry.object_id == item.id)).scalar_one()
    assert "lead_agency_id" in entry.changes and "title" in entry.changes


def test_edit_conflict_keeps_the_input_and_resubmits(db, staff, client_as):
    item = new_item(db, staff)
    c = client_as("secretariat")
    html = page(c, f"/action-items/{item.id}/edit")
    stale = hidden(html, "version")
    actions.update_action_item(session=db, actor=staff, item_id=item.id, version=item.version,
                               data={"due_date": "2028-01-31"})
    db.flush()
    data = form_data(db, title="My new title", lead_agency="DOJ", supporting_agencies=["HHS"],
                     committee_id=str(item.committee_id), due_date=(TODAY + timedelta(days=30)).isoformat(),
                     pillar="protection", priority="normal", description_md=item.description_md, version=stale)
    r = c.post(f"/action-items/{item.id}/edit", data=data)
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "Someone else changed this item while you were editing" in html
    assert 'value="My new title"' in html and "2028-01-31" in html
    db.expire_all()
    assert hidden(html, "version") == str(db.get(ActionItem, item.id).version)
    assert db.get(ActionItem, item.id).title == "Train task forces"
    r = c.post(f"/action-items/{item.id}/edit", data={**data, "version": hidden(html, "version")})
    assert r.status_code == 302
    db.expire_all()
    assert db.get(ActionItem, item.id).title == "My new title"


def test_secretariat_cancels_with_a_reason_and_nothing_is_deleted(db, staff, client_as):
    item = new_item(db, staff)
    c = client_as("secretariat")
    html = page(c, f"/action-items/{item.id}/cancel")
    r = c.post(f"/action-items/{item.id}/cancel", data={"reason": "  ", "version": hidden(html, "version")})
    assert r.status_code == 422 and 'id="reason-error"' in r.get_data(as_text=True)
    r = c.post(f"/action-items/{item.id}/cancel", data={"reason": "Superseded by NAP-2027-04.",
                                                        "version": hidden(html, "version")})
    assert r.status_code == 302
    db.expire_all()
    row = db.get(ActionItem, item.id)
    assert row is not None and row.status == "cancelled" and row.cancel_reason == "Superseded by NAP-2027-04."
    after = page(c, f"/action-items/{item.id}")
    history = after[after.index('id="history"'):]
    assert "Superseded by NAP-2027-04." in history and "Status: Open → Cancelled" in history
    assert "Reason for cancelling" in after
    assert results(page(c, "/action-items/?status=cancelled")) == ["Train task forces"]
    assert "already cancelled" in page(c, f"/action-items/{item.id}/cancel")


# ---- two people, one item ----------------------------------------------------------------------

def test_the_second_submit_shows_the_other_change_keeps_the_typing_and_resubmits(db, staff, client_as):
    item = new_item(db, staff)
    alice = client_as("liaison", agency="DOJ")
    bob = client_as("liaison", agency="DOJ")
    alice_page = page(alice, f"/action-items/{item.id}")
    bob_page = page(bob, f"/action-items/{item.id}")
    assert hidden(alice_page, "version") == hidden(bob_page, "version")
    r = alice.post(f"/action-items/{item.id}/updates", data={
        "status": "blocked", "note_md": "Waiting on **funds** from OMB.", "version": hidden(alice_page, "version"),
        "seen_update_id": hidden(alice_page, "seen_update_id")})
    assert r.status_code == 302
    r = bob.post(f"/action-items/{item.id}/updates", data={
        "status": "done", "note_md": "Bob's typed note: training delivered.", "percent_complete": "90",
        "version": hidden(bob_page, "version"), "seen_update_id": hidden(bob_page, "seen_update_id")})
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "Someone else updated this item while you were writing" in html
    theirs = html[html.index('id="their-change-heading"'):html.index('id="update-heading"')]
    assert "Waiting on <strong>funds</strong> from OMB." in theirs and "Blocked" in theirs
    mine = html[html.index('id="update-heading"'):]
    assert "Bob&#39;s typed note: training delivered.</textarea>" in mine
    assert '<option selected value="done">' in mine
    assert 'value="90"' in mine
    db.expire_all()
    current = db.get(ActionItem, item.id)
    assert current.status == "blocked" and hidden(html, "version") == str(current.version)
    assert db.execute(select(func.count()).select_from(StatusUpdate)
                      .where(StatusUpdate.action_item_id == item.id)).scalar() == 1
    r = bob.post(f"/action-items/{item.id}/updates", data={
        "status": "done", "note_md": "Bob's typed note: training delivered.", "percent_complete": "90",
        "version": hidden(html, "version"), "seen_update_id": hidden(html, "seen_update_id")})
    assert r.status_code == 302
    db.expire_all()
    assert db.get(ActionItem, item.id).status == "done"
    final = page(bob, f"/action-items/{item.id}")
    assert "Waiting on <strong>funds</strong> from OMB." in final and "Bob's typed note: training delivered." in final


# ---- Markdown is sanitized on the way to the page ------------------------------------------------

PAYLOAD = ("<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n<img src=x onerror=alert(1)>\n\n"
           "[d](data:text/html;base64,PHNjcmlwdD4=)\n\nPlain words stay.")


def test_markdown_in_descriptions_and_notes_is_sanitized(db, staff, client_as):
    c = client_as("secretariat")
    r = c.post("/action-items/new", data=form_data(db, title="Hostile input", description_md=PAYLOAD))
    assert r.status_code == 302
    item_id = int(r.headers["Location"].rsplit("/", 1)[1])
    dhs = client_as("liaison", agency="DHS")
    html = page(dhs, f"/action-items/{item_id}")
    r = dhs.post(f"/action-items/{item_id}/updates", data={"note_md": PAYLOAD, "version": hidden(html, "version")})
    assert r.status_code == 302
    for url in (f"/action-items/{item_id}", "/action-items/?q=hostile"):
        body = main_part(page(dhs, url)).lower()
        assert "<script" not in body and "javascript:" not in body and "onerror" not in body
        assert "data:" not in body
    body = main_part(page(dhs, f"/action-items/{item_id}"))
    assert body.count("Plain words stay.") == 2


# ---- a fixed number of queries whatever the number of items ---------------------------------------

def _bulk_items(db, n: int, start: int, owner_id: int) -> None:
    """Insert *n* items (each with a supporting agency and three updates) with core inserts."""
    now = utcnow()
    doj, hhs, dhs = agency(db, "DOJ").id, agency(db, "HHS").id, agency(db, "DHS").id
    vs = committee(db, "Victim Services").id
    db.execute(insert(ActionItem), [
        {"title": f"Bulk item {start + i}", "description_md": "Bulk.", "description_html": "<p>Bulk.</p>",
         "committee_id": vs, "lead_agency_id": doj if i % 2 else dhs, "owner_id": owner_id if i % 2 else None,
         "due_date": TODAY + timedelta(days=(i % 90) - 30), "status": "open", "pillar": "protection",
         "priority": "normal", "cancel_reason": "", "version": 1, "created_at": now, "updated_at": now}
        for i in range(n)])
    ids = db.execute(select(ActionItem.id).where(ActionItem.title.like("Bulk item %"))
                     .order_by(ActionItem.id.desc()).limit(n)).scalars().all()
    db.execute(insert(ActionItemSupport), [{"action_item_id": i, "agency_id": hhs} for i in ids])
    db.execute(insert(StatusUpdate), [
        {"action_item_id": i, "author_id": owner_id, "status": "open", "previous_status": None,
         "note_md": f"Note {k}", "note_html": f"<p>Note {k}</p>", "percent_complete": None,
         "created_at": now - timedelta(hours=k)} for i in ids for k in range(3)])
    db.flush()
    index_inserted(db, "action_item", ids)
    index_inserted(db, "status_update", ids, by="item_id")


def test_list_and_item_pages_issue_the_same_queries_at_10_and_1000_items(db, staff, make_user, client_as,
                                                                        count_queries):
    owner = make_user("liaison", agency="DOJ")
    vs = committee(db, "Victim Services")
    meeting = Meeting(committee_id=vs.id, title="Quarterly", starts_at=utcnow(), ends_at=utcnow() + timedelta(hours=1))
    rec = Recommendation(number="2026-01", status="open", report_year=2026, sequence=1, title="A recommendation",
                         pillar="protection", filed_by_id=make_user("council").id)
    db.add_all([meeting, rec])
    db.flush()
    watched = new_item(db, staff, owner_id=owner.id, meeting_id=meeting.id, recommendation_id=rec.id,
                       supporting_agencies=["HHS", "DHS"])
    set_status(db, staff, watched, "in_progress")
    _bulk_items(db, 9, 0, owner.id)
    c = client_as("viewer")
    urls = ["/action-items/?per_page=50", "/action-items/?agency=DOJ&status=active&q=bulk&per_page=50",
            # the search's index: a phrase, a word left out, an alternative found in status updates' notes
            "/action-items/?q=%22bulk+items%22+-watched+or+news&per_page=50",
            f"/action-items/{watched.id}",
            # a deeper page: the last of 10 items (read from the end), the second of 1,000 (from the start)
            "/action-items/?per_page=5&page=2", "/action-items/?agency=DOJ&per_page=3&page=2&sort=title"]
    page(c, urls[0])  # warm up: first-request work is not the page's

    def counts() -> list[int]:
        found = []
        for url in urls:
            with count_queries() as q:
                page(c, url)
            found.append(q.count)
        return found

    small = counts()
    _bulk_items(db, 990, 9, owner.id)
    for k in range(20):
        actions.post_status_update(session=db, actor=staff, item_id=watched.id, version=watched.version,
                                   note_md=f"More news {k}.")
    db.flush()
    assert db.execute(select(func.count()).select_from(ActionItem)).scalar() >= 1000
    big = counts()
    assert small == big, (small, big)
    assert len(results(page(c, urls[0]))) == 50
    assert len(results(page(c, urls[2]))) == 50 and "Showing 1&ndash;50 of 1,000 action items." in page(c, urls[2])
