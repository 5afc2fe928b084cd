"""Guard rails on typed input: limits counted as people type and refused with the text kept, bodies too large
named for what they are, dates that do not exist named, and date hints in the format the field shows."""

import html as htmlmod
import importlib
import inspect
import pkgutil
import re

import pytest
from flask import render_template_string
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from pitf.markdown import MAX_SOURCE
from pitf.models import ActionItem
from pitf.textutil import BadDate, parse_date, parse_time
from tests.factories import committee, meeting_in

MB = 1024 * 1024


def _form_classes():
    import pitf.web

    found = []
    for mod in pkgutil.walk_packages(pitf.web.__path__, "pitf.web."):
        if mod.name.endswith(".forms"):
            module = importlib.import_module(mod.name)
            found += [c for _n, c in inspect.getmembers(module, inspect.isclass)
                      if issubclass(c, FlaskForm) and c.__module__ == module.__name__]
    return found


FORMS = _form_classes()


def _limited_fields(app):
    """(form class, field) for every text field with a length limit, in every form of the pages."""
    out = []
    with app.test_request_context():
        for cls in FORMS:
            form = cls(meta={"csrf": False})
            for f in form:
                limit = f.flags.maxlength or (f.render_kw or {}).get("maxlength")
                if limit and f.type in ("StringField", "TextAreaField"):
                    out.append((cls.__name__, f.name, int(limit)))
    return out


def test_every_limited_text_field_counts_its_characters_and_never_cuts_text(app):
    fields = _limited_fields(app)
    assert len(fields) > 15 and any(limit == MAX_SOURCE for *_x, limit in fields)
    with app.test_request_context():
        for cls in FORMS:
            form = cls(meta={"csrf": False})
            for f in form:
                limit = f.flags.maxlength or (f.render_kw or {}).get("maxlength")
                if not (limit and f.type in ("StringField", "TextAreaField")):
                    continue
                out = render_template_string('{% from "_forms.html" import field %}{{ field(f) }}', f=f)
                where = f"{cls.__name__}.{f.name}"
                assert "maxlength=" not in out.replace("data-maxlength=", ""), where  # nothing cut silently
                assert f'class="usa-character-count" data-maxlength="{limit}"' in out, where
                assert "usa-character-count__field" in out, where
                info = f'id="{f.id}-info" class="usa-character-count__message"'
                assert info in out and f"You can enter up to {int(limit):,} characters" in out, where
                described = re.search(r'aria-describedby="([^"]+)"', out).group(1).split()
                assert f"{f.id}-info" in described, where


def test_the_character_count_is_on_the_pages(client_as):
    html = client_as("secretariat").get("/action-items/new").get_data(as_text=True)
    assert html.count('class="usa-character-count"') >= 2
    assert f'data-maxlength="{MAX_SOURCE}"' in html and 'data-maxlength="300"' in html
    assert not re.search(r"<(input|textarea)[^>]*\smaxlength=", html.replace("data-maxlength", ""))


def _textarea(html: str, name: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\r?\n?(.*?)</textarea>', html, re.S)
    return htmlmod.unescape(found.group(1))


def _action_form(db, **over) -> dict:
    data = {"title": "Screen supply chains", "description_md": "Map suppliers.",
            "committee_id": str(committee(db, "Procurement and Supply Chains").id), "lead_agency": "DHS",
            "owner_id": "", "due_date": "2027-03-31", "pillar": "prevention", "priority": "high",
            "meeting_id": "", "recommendation_id": ""}
    data.update(over)
    return data


@pytest.mark.parametrize("unit", ["a", "é", "漢", "🙂"])
def test_text_over_a_limit_is_refused_beside_its_field_with_all_of_it_kept(db, client_as, unit):
    """157,500 characters pasted into a 100,000-character field: an error at the field, nothing cut."""
    c = client_as("secretariat")
    pasted = (unit * 9 + "\n") * 15_750
    before = db.execute(select(func.count()).select_from(ActionItem)).scalar()
    r = c.post("/action-items/new", data=_action_form(db, description_md=pasted, title="T" * 301))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="description_md-error"' in html and "100000" in html.split('id="description_md-error"')[1][:200]
    assert 'id="title-error"' in html and 'value="' + "T" * 301 + '"' in html
    assert _textarea(html, "description_md").replace("\r\n", "\n") == pasted
    assert db.execute(select(func.count()).select_from(ActionItem)).scalar() == before


def test_text_at_its_limit_is_accepted(db, client_as):
    c = client_as("secretariat")
    r = c.post("/action-items/new", data=_action_form(db, description_md="🙂" * MAX_SOURCE, title="T" * 300))
    assert r.status_code == 302, r.get_data(as_text=True)[:300]


def test_a_form_body_over_the_request_limit_says_the_text_was_too_long_not_a_file(db, client_as, app):
    c = client_as("secretariat")
    huge = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    r = c.post("/action-items/new", data=_action_form(db, description_md=huge))
    assert r.status_code == 413
    html = r.get_data(as_text=True)
    assert "Text too long" in html and "no file was sent" in html and "25 MB" in html
    assert "File too large" not in html and "The file is larger" not in html


def test_a_text_part_of_an_upload_form_over_its_limit_is_named(db, client_as, app):
    from pitf.services import meetings as mtg

    c = client_as("secretariat")
    m = mtg.create_meeting(session=db, actor=c.user, meeting_in=meeting_in(db, {
        "committee_id": committee(db, "Victim Services").id, "title": "Working session",
        "starts_at": "2027-03-15T10:00:00", "ends_at": "2027-03-15T11:00:00", "is_open": True}))
    db.flush()
    from werkzeug.datastructures import MultiDict
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart(MultiDict({"kind": "other", "title": "t" * 600_000}))
    r = c.post(f"/meetings/{m.id}/attachments", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 413
    html = r.get_data(as_text=True)
    assert "Text too long" in html and "the file was not the problem" in html


def test_an_api_body_over_the_limit_is_named_as_the_request_body(client, api_as, app):
    headers, _ = api_as("secretariat")
    r = client.post("/api/v1/action-items", headers={**headers, "Content-Type": "application/json"},
                    data=b'{"title": "' + b"x" * app.config["MAX_CONTENT_LENGTH"] + b'"}')
    assert r.status_code == 413 and r.json["error"]["code"] == "too_large"
    assert "request body" in r.json["error"]["message"] and "file" not in r.json["error"]["message"]


# ---- dates ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,message", [
    ("2027-02-30", "February 30, 2027 does not exist (February 2027 has 28 days)."),
    ("02/30/2027", "February 30, 2027 does not exist (February 2027 has 28 days)."),
    ("2027-02-29", "February 29, 2027 does not exist (February 2027 has 28 days)."),
    ("2027-04-31", "April 31, 2027 does not exist (April 2027 has 30 days)."),
    ("2027-13-01", "There is no month 13"),
    ("2027-01-00", "There is no day 0 of January"),
    ("someday", "Enter a date as mm/dd/yyyy, for example 01/15/2027."),
    ("2027-0٣-01", "Enter a date as mm/dd/yyyy"),
])
def test_a_date_that_does_not_exist_is_named(text, message):
    with pytest.raises(BadDate) as err:
        parse_date(text)
    assert message in str(err.value)


def test_dates_and_times_in_both_forms_are_read():
    from datetime import date, time

    assert parse_date("2028-02-29") == parse_date("02/29/2028") == date(2028, 2, 29)
    assert parse_time("14:30") == parse_time("2:30 PM") == parse_time("2:30 p.m.") == time(14, 30)
    assert parse_time("12:00 AM") == time(0, 0)
    for bad in ("24:00", "13:00 PM", "10", "10:60"):
        with pytest.raises(BadDate):
            parse_time(bad)


def test_a_date_that_does_not_exist_is_named_on_the_form_the_filter_and_the_api(db, client_as, client, api_as):
    c = client_as("secretariat")
    r = c.post("/action-items/new", data=_action_form(db, due_date="2027-02-30"))
    assert r.status_code == 422 and "February 30, 2027 does not exist" in r.get_data(as_text=True)
    r = c.get("/action-items/?due_after=2027-02-30")
    assert r.status_code == 422 and "February 30, 2027 does not exist" in r.get_data(as_text=True)
    r = c.get("/meetings/?from=2027-02-30")
    assert r.status_code == 422 and "February 30, 2027 does not exist" in r.get_data(as_text=True)
    headers, _ = api_as("secretariat")
    r = client.post("/api/v1/action-items", headers=headers, json={
        "title": "Dated", "committee_id": committee(db, "Victim Services").id, "lead_agency": "DOJ",
        "due_date": "2027-02-30", "pillar": "prevention"})
    assert r.status_code == 422
    assert r.json["error"]["fields"]["due_date"].startswith("February 30, 2027 does not exist")
    r = client.get("/api/v1/action-items?due_before=2027-02-30", headers=headers)
    assert r.status_code == 422 and "does not exist" in r.json["error"]["fields"]["due_before"]


def test_a_date_typed_as_the_field_shows_it_is_taken(db, client_as):
    c = client_as("secretariat")
    r = c.post("/action-items/new", data=_action_form(db, due_date="03/31/2027", title="Typed US date"))
    assert r.status_code == 302
    item = db.execute(select(ActionItem).where(ActionItem.title == "Typed US date")).scalar_one()
    assert item.due_date.isoformat() == "2027-03-31"


def test_an_action_line_with_a_date_that_does_not_exist_says_so(db, make_user):
    from pitf.services.minutes import parse_action_lines

    make_user("liaison", agency="DOJ")
    lines = parse_action_lines(db, "- ACTION DOJ 2027-02-30: Share the protocol")
    assert "February 30, 2027 does not exist" in lines[0]["problem"]


def test_every_date_and_time_field_hints_the_format_it_shows(app):
    """A date field shows mm/dd/yyyy (Chromium, en-US) and sends 2027-01-15; the hint says what it shows."""
    seen = 0
    with app.test_request_context():
        for cls in FORMS:
            for f in cls(meta={"csrf": False}):
                kind = (f.render_kw or {}).get("type")
                if kind == "date":
                    seen += 1
                    assert "mm/dd/yyyy" in (f.description or ""), f"{cls.__name__}.{f.name}"
                    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", f.description), f"{cls.__name__}.{f.name}"
                elif kind == "time":
                    seen += 1
                    assert re.search(r"\d:\d\d (AM|PM)", f.description or ""), f"{cls.__name__}.{f.name}"
    assert seen >= 5


def test_date_hints_written_in_templates_match_the_field_too():
    from pitf.settings import ROOT

    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for hint in re.findall(r'<div class="usa-hint"[^>]*>([^<]*)</div>', text):
            assert not re.search(r"\b20\d\d-\d\d-\d\d\b", hint), (path.name, hint)


def test_fields_limited_by_their_service_also_refuse_with_the_text_kept(db, client_as):
    """Fields whose limit is in render_kw (checked by the service, not a form validator) behave the same."""
    staff = client_as("secretariat")
    r = staff.post("/meetings/new", data={
        "committee_id": str(committee(db, "Victim Services").id), "title": "M" * 250, "date": "2027-03-15",
        "start_time": "10:00", "end_time": "12:00", "timezone": "America/New_York", "location": "L" * 350,
        "virtual_url": "", "access": "open", "federal_register_notice_date": "", "joint_with_committee_id": "",
        "repeat": "none", "interval": "1", "count": "4"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="title-error"' in html and 'value="' + "M" * 250 + '"' in html
    assert 'id="location-error"' in html and 'value="' + "L" * 350 + '"' in html
    author = client_as("council")
    r = author.post("/recommendations/new", data={"title": "R" * 350, "body_md": "x", "pillar": "protection",
                                                  "target_agencies": ["DOJ"], "report_year": "2031"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="title-error"' in html and 'value="' + "R" * 350 + '"' in html
