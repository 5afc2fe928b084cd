"""CSV of action items: Excel-safe export, line-numbered import problems, all-or-nothing, no duplicates."""

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from pitf.errors import Forbidden, ValidationFailed
from pitf.models import ActionItem, ActionItemSupport, AuditEntry, Notification
from pitf.services import actions, csvio
from tests.factories import agency, committee

HEADER = "external_ref,title,description,committee,lead_agency,supporting_agencies,owner_email,due_date,status," \
         "pillar,priority\n"
CLEAN = HEADER + (
    "T-1,Train task forces,Use **trauma-informed** methods.,Victim Services,DOJ,HHS; DHS,,2027-06-30,open,"
    "protection,high\n"
    "T-2,Screen imports,,procurement and supply chains,dhs,DOL,,3/31/2027,in_progress,Prevention,\n"
    ",Publish prosecution data,,SPOG,DOJ,,,2027-01-29,,prosecution,low\n"
)


def count(db):
    return db.execute(select(func.count()).select_from(ActionItem)).scalar()


def imported(db, staff, text):
    plan = csvio.parse_import(db, text)
    assert plan.errors == []
    result = csvio.apply_import(db, staff, plan)
    db.flush()
    return plan, result


# ---- export ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["=1+1", "+x", "-x", "@x", "\tx", "\rx", "=HYPERLINK(\"http://evil\")"])
def test_cells_that_a_spreadsheet_would_run_get_an_apostrophe(value):
    assert csvio.excel_safe(value) == "'" + value
    assert csvio.excel_unescape(csvio.excel_safe(value)) == value


@pytest.mark.parametrize("value", ["Plain text", "1+1", "a=b", "'quoted", ""])
def test_ordinary_cells_are_left_alone(value):
    assert csvio.excel_safe(value) == value
    assert csvio.excel_unescape(value) == value


def test_export_rows_bom_header_iso_dates_escaping_and_crlf(db, staff, make_user):
    owner = make_user("liaison", agency="DOJ")
    item = actions.create_action_item(session=db, actor=staff, external_ref="=cmd|' /C calc'!A0", data={
        "title": "-2+3 tasks", "description_md": "@SUM(1)\nsecond line", "committee_id":
        committee(db, "Victim Services").id, "lead_agency": "DOJ", "supporting_agencies": ["HHS", "DHS"],
        "owner_id": owner.id, "due_date": "2027-01-05", "pillar": "protection", "priority": "high"})
    views, _ = actions.list_action_items(session=db, actor=staff, filters=actions.parse_filters(MultiDict()))
    text = "".join(csvio.export_rows(views, session=db, today=date(2027, 2, 1)))
    assert text.startswith("\ufeffexternal_ref,title,description,committee,lead_agency,supporting_agencies,"
                           "owner_email,due_date,status,pillar,priority,percent_complete,overdue,id\r\n")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    row = dict(zip(rows[0], next(r for r in rows[1:] if r[-1] == str(item.id)), strict=True))
    assert row["external_ref"] == "'=cmd|' /C calc'!A0"
    assert row["title"] == "'-2+3 tasks"
    assert row["description"] == "'@SUM(1)\nsecond line"
    assert row["due_date"] == "2027-01-05"
    assert row["supporting_agencies"] == "DHS; HHS"
    assert row["owner_email"] == owner.email
    assert row["overdue"] == "yes"  # open and past due on 2027-02-01
    assert row["committee"] == "Victim Services" and row["lead_agency"] == "DOJ"


# ---- import: problems ------------------------------------------------------------------------

def test_every_problem_is_listed_with_its_line_and_nothing_is_imported(db, staff):
    text = HEADER + (
        "A-1,,no title here,Victim Services,DOJ,,,2027-01-01,open,protection,\n"        # line 2
        "A-2,Unknown lead,,Victim Services,XYZ,,,2027-01-01,open,protection,\n"        # line 3
        "A-3,Bad date,,Victim Services,DOJ,,,2027-13-45,open,protection,\n"             # line 4
        "A-4,Unknown supporting,,Victim Services,DOJ,HHS; NOPE,,2027-01-01,open,protection,\n"  # line 5
        "\"A-5\",\"Multi\nline title\",,Nowhere Committee,DOJ,,,2027-01-01,open,protection,\n"  # lines 6-7
        "A-6,Bad enums,,Victim Services,DOJ,,,2027-01-01,finished,fourth-p,urgent\n"   # line 8
        "A-1,Duplicate ref,,Victim Services,DOJ,,,2027-01-01,open,protection,\n"       # line 9
        "A-8,Good row,,Victim Services,DOJ,,nobody@example.gov,2027-01-01,open,protection,\n"  # line 10
    )
    before = count(db)
    plan = csvio.parse_import(db, text)
    found = {(p.line, p.column) for p in plan.errors}
    assert (2, "title") in found
    assert (3, "lead_agency") in found
    assert (4, "due_date") in found
    assert (5, "supporting_agencies") in found and "NOPE" in str(plan.errors)
    assert (6, "committee") in found
    assert {(8, "status"), (8, "pillar"), (8, "priority")} <= found
    assert (10, "owner_email") in found
    assert plan.rows == [] and not plan.ok
    with pytest.raises(ValidationFailed):
        csvio.apply_import(db, staff, plan)
    assert count(db) == before


def test_duplicate_external_ref_in_the_file_names_both_lines(db):
    text = HEADER + "D-1,One,,Victim Services,DOJ,,,2027-01-01,,protection,\n" \
                    "D-1,Two,,Victim Services,DOJ,,,2027-01-01,,protection,\n"
    plan = csvio.parse_import(db, text)
    assert [(p.line, p.column) for p in plan.errors] == [(3, "external_ref")]
    assert "line 2" in plan.errors[0].message


def test_owner_must_belong_to_the_lead_agency(db, make_user):
    dhs = make_user("liaison", agency="DHS")
    text = HEADER + f"O-1,Owned,,Victim Services,DOJ,,{dhs.email.upper()},2027-01-01,,protection,\n"
    plan = csvio.parse_import(db, text)
    assert [(p.line, p.column) for p in plan.errors] == [(2, "owner_email")]
    assert "DOJ" in plan.errors[0].message


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("   \r\n", "empty"),
    (HEADER, "no rows"),
    ("title,committee,lead_agency,due_date\nx,SPOG,DOJ,2027-01-01\n", "Missing column: pillar"),
    (HEADER.replace("priority", "colour"), "Unknown column: 'colour'"),
    ("title,title,committee,lead_agency,due_date,pillar\n", "Repeated column: title"),
])
def test_file_level_problems(db, text, message):
    plan = csvio.parse_import(db, text)
    assert not plan.ok and message in " ".join(p.message for p in plan.errors)


def test_too_many_rows_are_refused(db):
    row = "Item,,SPOG,DOJ,,,2027-01-01,,protection,\n"
    text = HEADER + "".join(f"R-{i}," + row for i in range(csvio.MAX_ROWS + 1))
    plan = csvio.parse_import(db, text)
    assert [p.message for p in plan.errors] == ["The file has more than 5,000 rows. Split it into files of at "
                                                "most 5,000 rows."]


def test_windows_1252_file_is_read_and_utf16_is_explained(db, staff):
    text = HEADER + "W-1,Café workers’ outreach,,Victim Services,DOJ,,,2027-01-01,,protection,\n"
    plan = csvio.parse_import(db, text.encode("cp1252"))
    assert plan.ok and plan.encoding == "Windows-1252"
    assert plan.rows[0].title == "Café workers’ outreach"
    plan = csvio.parse_import(db, text.encode("utf-16"))
    assert not plan.ok and "UTF-16" in plan.errors[0].message
    plan = csvio.parse_import(db, b"\x81\x8d\x8f" + text.encode("cp1252"))
    assert not plan.ok and "neither UTF-8 nor Windows-1252" in plan.errors[0].message
    plan = csvio.parse_import(db, ("\ufeff" + text).encode("utf-8"))
    assert plan.ok and plan.encoding == "UTF-8"


# ---- import: applying ------------------------------------------------------------------------

def test_clean_file_imports_with_service_rules_and_one_notification_per_person(db, staff, make_user):
    liaison = make_user("liaison", agency="DOJ")
    before = count(db)
    plan, result = imported(db, staff, CLEAN)
    assert (plan.created, plan.updated, plan.unchanged) == (3, 0, 0)
    assert result.summary() == "Imported: 3 created, 0 updated, 0 unchanged."
    assert count(db) == before + 3
    t1 = db.execute(select(ActionItem).where(ActionItem.external_ref == "T-1")).scalar_one()
    assert "<strong>trauma-informed</strong>" in t1.description_html
    assert set(db.execute(select(ActionItemSupport.agency_id).where(ActionItemSupport.action_item_id == t1.id))
               .scalars()) == {agency(db, "HHS").id, agency(db, "DHS").id}
    t2 = db.execute(select(ActionItem).where(ActionItem.external_ref == "T-2")).scalar_one()
    assert (t2.due_date, t2.status, t2.pillar, t2.priority) == (date(2027, 3, 31), "in_progress", "prevention",
                                                                "normal")
    assert t2.committee_id == committee(db, "Procurement and Supply Chains").id
    derived = csvio.derived_ref("Publish prosecution data", "DOJ", "Senior Policy Operating Group")
    t3 = db.execute(select(ActionItem).where(ActionItem.external_ref == derived)).scalar_one()
    assert derived.startswith("csv-") and len(derived) == 20 and t3.priority == "low"
    notes = db.execute(select(Notification).where(Notification.user_id == liaison.id)).scalars().all()
    assert len(notes) == 1 and notes[0].title == "2 action items assigned to DOJ by import"
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "action_item.csv_import")).scalar_one()
    assert entry.changes["created"] == [None, 3]


def test_same_file_twice_creates_no_duplicates(db, staff):
    imported(db, staff, CLEAN)
    before = count(db)
    plan, result = imported(db, staff, CLEAN)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert count(db) == before


def test_changed_row_updates_the_item_but_not_its_status(db, staff):
    imported(db, staff, CLEAN)
    changed = CLEAN.replace("Train task forces,", "Train all task forces,").replace("HHS; DHS,", "HHS,") \
        .replace("2027-06-30,open", "2027-07-31,done")
    plan = csvio.parse_import(db, changed)
    row = next(r for r in plan.rows if r.external_ref == "T-1")
    assert row.action == "update" and row.changes == ["title", "supporting_agencies", "due_date"]
    assert row.notes and "status" in row.notes[0]
    csvio.apply_import(db, staff, plan)
    db.flush()
    item = db.execute(select(ActionItem).where(ActionItem.external_ref == "T-1")).scalar_one()
    assert (item.title, item.due_date, item.status, item.version) == ("Train all task forces", date(2027, 7, 31),
                                                                      "open", 2)
    assert [s.agency_id for s in db.execute(select(ActionItemSupport).where(
        ActionItemSupport.action_item_id == item.id)).scalars()] == [agency(db, "HHS").id]
    assert db.execute(select(AuditEntry).where(AuditEntry.action == "action_item.updated",
                                               AuditEntry.object_id == item.id)).scalar_one()


def test_a_row_failing_while_applied_rolls_back_every_row(db, staff):
    plan = csvio.parse_import(db, CLEAN)
    before = count(db)
    plan.rows[2].data["committee_id"] = -1  # as if the committee vanished between the check and the import
    with pytest.raises(ValidationFailed, match="Line 4"):
        csvio.apply_import(db, staff, plan)
    assert count(db) == before


def test_only_staff_import(db, make_user):
    plan = csvio.parse_import(db, CLEAN)
    with pytest.raises(Forbidden):
        csvio.apply_import(db, make_user("liaison", agency="DOJ"), plan)


def test_export_then_import_round_trips_without_changes(db, staff):
    # Items made on the pages have no external_ref: the export's id column finds them again.
    actions.create_action_item(session=db, actor=staff, data={
        "title": "+Made on the page", "description_md": "- a list\r\n- in Markdown", "committee_id":
        committee(db, "Grantmaking").id, "lead_agency": "HHS", "supporting_agencies": ["DOJ"],
        "due_date": "2027-02-02", "pillar": "partnership"})
    imported(db, staff, CLEAN)
    db.flush()
    views, _ = actions.list_action_items(session=db, actor=staff, filters=actions.parse_filters(MultiDict()),
                                         per_page=1000)
    exported = "".join(csvio.export_rows(views, session=db)).encode("utf-8")
    before = count(db)
    plan = csvio.parse_import(db, exported)
    assert plan.errors == []
    assert plan.created == 0 and plan.updated == 0 and plan.unchanged == before
    csvio.apply_import(db, staff, plan)
    assert count(db) == before


def test_a_rows_cells_are_judged_by_action_item_create_with_its_limits(db):
    long_title = "T" * (csvio.TITLE_MAX + 1)
    text = HEADER + (
        f"L-1,{long_title},,Victim Services,DOJ,,,2027-01-01,,protection,\n"   # line 2
        f"{'R' * 101},Long ref,,Victim Services,DOJ,,,1999-12-31,,Protection,\n"  # line 3
        "L-3,No date or pillar,,Victim Services,DOJ,,,,,,\n"                     # line 4
    )
    plan = csvio.parse_import(db, text)
    found = {(p.line, p.column): p.message for p in plan.errors}
    assert found[(2, "title")] == f"Use at most {csvio.TITLE_MAX} characters."
    assert found[(3, "external_ref")] == "Use at most 100 characters."
    assert found[(3, "due_date")] == "Enter a due date between 2000 and 2100."
    assert (3, "pillar") not in found  # a pillar's case does not matter
    assert found[(4, "due_date")] == "The due date is missing." and found[(4, "pillar")] == "The pillar is missing."
    assert f"At most {csvio.TITLE_MAX} characters" in csvio.COLUMN_HELP["title"]
