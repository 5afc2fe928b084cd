"""The FACA Database export, file by file, against a fixture counted by hand (FY2026: 2025-10-01 to 2026-09-30)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from pitf.errors import Forbidden, NotFound, ValidationFailed
from pitf.models import ActionItem
from pitf.reference import COUNCIL, SPOG
from pitf.services import actions, faca_export, org, rec_responses, rec_workflow
from pitf.services import meetings as mtg
from pitf.services import recommendations as recs
from tests.factories import agency, cast, committee, draft_in, meeting_in, response_in

TODAY = date(2026, 12, 1)  # in FY2027


def at(y, m, d, hh=12, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


@pytest.fixture
def people(make_user):
    p = cast(make_user, "author", "staff", "admin", "doj", "council", "viewer")
    p["chair"] = make_user("council", name="Robin Chair")
    p["chair"].title = "Survivor advocate"
    p["gone"] = make_user("council", name="Gale Gone")
    p["older"] = make_user("council", name="Olive Older")
    p["later"] = make_user("council", name="Lee Later")
    p["dfo"] = make_user("secretariat", name="Dana Officer", agency="DOS")
    return p


def build(db, p) -> dict:
    """The Council's FY2026, by hand.

    Meetings (America/New_York): M0 2025-09-30 20:00 (Oct 1 in UTC: FY2025, out); M1 2025-10-01 09:00 open,
    noticed 2025-09-10 as 90 FR 43210 (21 days); M2 2026-03-12 partly closed, its title a formula; M3
    2026-09-30 23:00 closed (Oct 1 in UTC: still FY2026); MX 2026-05-01 cancelled (out); M5 2026-10-01 00:30
    (FY2027, out); J the SPOG's meeting 2026-06-01 held jointly with the Council (in, held by the SPOG).
    Members: chair (special government employee, 2025-01-15 to 2027-01-14), gone (representative, term and
    membership ended 2026-01-31, mid-year), older (ended 2025-09-30: out), later (from 2026-10-01: out), DOS as
    an agency (ex officio, from 2025-10-01), dfo (regular government employee, no term end).
    Recommendations: R1 submitted 2025-10-01 04:30 UTC (00:30 Eastern), closed implemented; R2 with a done
    commitment (partly implemented); R3 submitted 2026-10-01 03:00 UTC (Sept 30, 23:00 Eastern) still submitted;
    R4 of report year 2025 submitted 2025-10-01 03:00 UTC (Sept 30 Eastern: FY2025, out); R5 a draft (out).
    """
    council, spog = committee(db, COUNCIL), committee(db, SPOG)

    def meeting(title, day, start, end, body=council, **extra):
        return mtg.create_meeting(session=db, actor=p["staff"], meeting_in=meeting_in(db, {
            "committee_id": body.id, "title": title, "starts_at": f"{day}T{start}", "ends_at": f"{day}T{end}",
            "timezone": "America/New_York", **extra}))

    m = {
        "M0": meeting("Late September session", "2025-09-30", "20:00", "21:00"),
        "M1": meeting("Orientation", "2025-10-01", "09:00", "11:00", purpose="Orient the new members",
                      federal_register_notice_date="2025-09-10", federal_register_citation="90 FR 43210",
                      location="Washington, DC", virtual_url="https://meet.example.gov/x"),
        "M2": meeting("=1+2 budget", "2026-03-12", "10:00", "16:00", partly_closed=True,
                      purpose="Hear survivors; the closed part discusses personnel"),
        "M3": meeting("Year-end call", "2026-09-30", "23:00", "23:30", is_open=False),
        "MX": meeting("Called off", "2026-05-01", "10:00", "11:00"),
        "M5": meeting("Next year", "2026-10-01", "00:30", "01:30"),
        "J": meeting("SPOG with the Council", "2026-06-01", "13:00", "15:00", body=spog,
                     joint_with_committee_id=council.id),
    }
    mtg.cancel_meeting(session=db, actor=p["staff"], meeting_id=m["MX"].id,
                       cancel_in=mtg.MeetingCancel(version=m["MX"].version, cancel_reason="Weather"))

    def member(who, role, start, term_end=None, kind=None, ended=None, agency_acronym=None):
        ms = org.add_membership(session=db, actor=p["staff"], committee=council, role=role,
                                user_id=None if agency_acronym else p[who].id, agency_acronym=agency_acronym,
                                started_on=start, appointment_type=kind, term_ends_on=term_end)
        if ended:
            org.end_membership(session=db, actor=p["staff"], membership_id=ms.id, ended_on=ended)
        return ms

    ms = {
        "chair": member("chair", "chair", date(2025, 1, 15), date(2027, 1, 14), "special_government_employee"),
        "gone": member("gone", "member", date(2024, 2, 1), date(2026, 1, 31), "representative",
                       ended=date(2026, 1, 31)),
        "older": member("older", "member", date(2023, 1, 1), date(2025, 9, 30), "representative",
                        ended=date(2025, 9, 30)),
        "later": member("later", "member", date(2026, 10, 1), date(2028, 9, 30), "special_government_employee"),
        "dos": member(None, "member", date(2025, 10, 1), None, "ex_officio", agency_acronym="DOS"),
        "dfo": member("dfo", "dfo", date(2025, 6, 1), None, "regular_government_employee"),
    }

    def rec(title, year, submitted, to=(), **move):
        r = recs.create_draft(session=db, actor=p["author"], rec_in=draft_in({
            "title": title, "body_md": f"The Council recommends: {title}.", "pillar": "protection",
            "target_agencies": ["DOJ"], "report_year": year}))
        if submitted is None:
            return r
        rec_workflow.transition(session=db, actor=p["author"], rec_id=r.id, version=r.version, to="submitted")
        for step in to:
            rec_workflow.transition(session=db, actor=p["staff"], rec_id=r.id, version=r.version, to=step,
                                    today=date(2025, 10, 2), note="Noted.",
                                    **({"response_due": {"DOJ": "2026-01-01"}} if step == "open" else {}))
        r.submitted_at = submitted
        db.flush()
        return r

    r = {
        "R1": rec("Screen shelters", 2026, at(2025, 10, 1, 4, 30), to=("under_review", "open",
                                                                       "closed_implemented")),
        "R2": rec("Train task forces", 2026, at(2026, 2, 1), to=("under_review", "open")),
        "R3": rec("Publish visa data", 2026, at(2026, 10, 1, 3, 0)),
        "R4": rec("Last year's idea", 2025, at(2025, 10, 1, 3, 0)),
        "R5": rec("A draft", 2026, None),
    }
    r["R1"].closed_at = at(2026, 4, 2)
    rec_responses.respond(session=db, actor=p["doj"], rec_id=r["R2"].id, response_in=response_in(
        agency="DOJ", position="partially_concur", response_md="DOJ trains some.",
        new_action_items=[{"title": "Pilot training", "due_date": "2026-06-01"}]))
    item = db.execute(select(ActionItem).where(ActionItem.recommendation_id == r["R2"].id)).scalar_one()
    actions.post_status_update(session=db, actor=p["doj"], item_id=item.id, version=item.version, status="done")
    db.flush()
    return {"council": council, "spog": spog, "m": m, "ms": ms, "r": r}


def _export(db, actor, f, year=2026):
    return faca_export.get_export(session=db, actor=actor, committee_id=f["council"].id, fiscal_year=year,
                                  today=TODAY)


def _file(export, name):
    return next(x for x in export.files if x.name == name)


def _rows(export, name) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_file(export, name).text().lstrip("\ufeff"))))


def test_fiscal_year_edges():
    assert faca_export.fiscal_year_of(date(2025, 9, 30)) == 2025
    assert faca_export.fiscal_year_of(date(2025, 10, 1)) == 2026
    assert faca_export.fiscal_year_of(date(2026, 9, 30)) == 2026
    assert faca_export.fiscal_year_bounds(2026) == (date(2025, 10, 1), date(2026, 9, 30))


def test_meetings_file(db, people):
    f = build(db, people)
    rows = _rows(_export(db, people["staff"], f), "meetings.csv")
    assert [r["meeting_id"] for r in rows] == [str(f["m"][k].id) for k in ("M1", "M2", "J", "M3")]
    m1, m2, j, m3 = rows
    assert m1 == {
        "meeting_id": str(f["m"]["M1"].id), "title": "Orientation", "start_date": "2025-10-01",
        "start_time": "09:00", "end_date": "2025-10-01", "end_time": "11:00", "time_zone": "America/New_York",
        "meeting_type": "Open", "purpose": "Orient the new members", "location": "Washington, DC", "virtual": "Yes",
        "federal_register_notice_date": "2025-09-10", "federal_register_citation": "90 FR 43210",
        "days_of_notice": "21", "short_notice_reason": "", "status": "Held", "held_by": COUNCIL, "joint_with": ""}
    assert (m2["title"], m2["meeting_type"], m2["federal_register_notice_date"]) == \
        ("'=1+2 budget", "Partially closed", "")
    assert (m3["start_date"], m3["start_time"], m3["meeting_type"]) == ("2026-09-30", "23:00", "Closed")
    assert (j["held_by"], j["joint_with"]) == (SPOG, SPOG)


def test_members_file(db, people):
    f = build(db, people)
    rows = _rows(_export(db, people["staff"], f), "members.csv")
    ms = f["ms"]
    assert [r["membership_id"] for r in rows] == [str(ms[k].id) for k in ("chair", "gone", "dos", "dfo")]
    chair, gone, dos, dfo = rows
    assert chair == {
        "membership_id": str(ms["chair"].id), "member_name": "Robin Chair", "member_kind": "Person", "agency": "",
        "occupation_or_affiliation": "Survivor advocate", "role": "Chair", "chair": "Yes",
        "appointment_type": "Special government employee", "appointment_start": "2025-01-15",
        "appointment_end": "2027-01-14", "membership_ended_on": "", "member_at_year_end": "Yes"}
    assert (gone["appointment_type"], gone["appointment_end"], gone["membership_ended_on"],
            gone["member_at_year_end"], gone["chair"]) == ("Representative", "2026-01-31", "2026-01-31", "No", "No")
    assert (dos["member_name"], dos["member_kind"], dos["agency"], dos["appointment_type"]) == \
        ("Department of State", "Agency", "DOS", "Ex officio")
    assert (dfo["role"], dfo["agency"], dfo["appointment_type"], dfo["appointment_end"]) == \
        ("Designated federal officer", "DOS", "Regular government employee", "")


def test_recommendations_reports_and_committee_files(db, people):
    f = build(db, people)
    export = _export(db, people["staff"], f)
    rows = _rows(export, "recommendations.csv")
    r = f["r"]
    assert [x["title"] for x in rows] == ["Screen shelters", "Train task forces", "Publish visa data"]
    r1, r2, r3 = rows
    assert (r1["submitted_on"], r1["status"], r1["closed_on"], r1["implementation"]) == \
        ("2025-10-01", "Closed: implemented", "2026-04-02", "Fully implemented")
    assert (r2["agency_positions"], r2["implementation"], r2["agencies"]) == \
        ("DOJ: Partially concur", "Partly implemented", "DOJ")
    assert (r3["submitted_on"], r3["implementation"], r3["number"]) == \
        ("2026-09-30", "Not yet implemented", r["R3"].number)
    reports = _rows(export, "reports.csv")
    assert [(x["report_year"], x["report_date"], x["recommendations"]) for x in reports] == \
        [("2026", "2026-09-30", "3")]
    assert reports[0]["report_title"] == f"{COUNCIL}: Annual Report 2026"
    (summary,) = _rows(export, "committee.csv")
    assert {k: summary[k] for k in ("fiscal_year", "fiscal_year_start", "fiscal_year_end", "meetings", "members",
                                    "reports", "recommendations", "recommendations_fully_implemented",
                                    "recommendations_partly_implemented", "percent_fully_implemented",
                                    "percent_partly_implemented", "follows_faca", "exported_on")} == {
        "fiscal_year": "2026", "fiscal_year_start": "2025-10-01", "fiscal_year_end": "2026-09-30", "meetings": "4",
        "members": "4", "reports": "1", "recommendations": "3", "recommendations_fully_implemented": "1",
        "recommendations_partly_implemented": "1", "percent_fully_implemented": "33",
        "percent_partly_implemented": "33", "follows_faca": "Yes", "exported_on": "2026-12-01"}


def test_zip_has_every_file_and_a_readme_describing_each_column(db, people):
    f = build(db, people)
    export = _export(db, people["staff"], f)
    data = faca_export.export_zip(export)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == ["README.txt", "committee.csv", "meetings.csv", "members.csv",
                                         "recommendations.csv", "reports.csv"]
        readme = zf.read("README.txt").decode("utf-8")
        for f_ in export.files:
            raw = zf.read(f_.name)
            assert raw.startswith("\ufeff".encode())
            header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
            assert header == list(f_.columns)
            for column in header:
                assert f"  {column}: " in readme, (f_.name, column)
    assert export.filename == "faca-council-fy2026.zip"


def test_a_year_without_data_has_headers_only_and_says_why(db, people):
    f = build(db, people)
    # FY2027 so far (to 2026-12-01): M5 only; members still on; no recommendations.
    export = _export(db, people["staff"], f, year=2027)
    assert len(_file(export, "meetings.csv").rows) == 1
    assert _file(export, "recommendations.csv").rows == []
    readme = faca_export.readme(export)
    assert ("This file has its header only: The Advisory Council submitted no recommendations from 2026-10-01 "
            "to 2027-09-30.") in readme.replace("\r\n", "\n")
    # A body with nothing at all: each file its header, the README says why.
    staff = people["staff"]
    body = org.create_committee(session=db, actor=staff, committee_in={
        "name": "FACA test panel", "kind": "committee", "follows_faca": True})
    export = faca_export.get_export(session=db, actor=staff, committee_id=body.id, fiscal_year="2027",
                                    today=TODAY)
    for name in ("meetings.csv", "members.csv", "reports.csv", "recommendations.csv"):
        f_ = _file(export, name)
        assert f_.rows == [] and f_.text().count("\r\n") == 1
    text = faca_export.readme(export)
    assert "header only: FACA test panel held no meetings from 2026-10-01 to 2027-09-30" in text
    assert "header only: FACA test panel issues no advisory reports or recommendations" in text


@pytest.mark.parametrize("raw, message", [
    ("20x6", "Enter a fiscal year as four digits"),
    ("", "Enter a fiscal year as four digits"),
    ("2028", "FY2028 has not begun: the current fiscal year is FY2027."),
    ("2022", "has no record before FY2023: choose FY2023 or later."),
])
def test_bad_years_are_refused_with_a_message(db, people, raw, message):
    f = build(db, people)
    with pytest.raises(ValidationFailed) as err:
        _export(db, people["staff"], f, year=raw)
    assert message in err.value.fields["fiscal_year"]


def test_fy_prefix_is_read(db, people):
    f = build(db, people)
    assert _export(db, people["staff"], f, year="FY2026").fiscal_year == 2026


def test_a_body_outside_faca_is_refused(db, people):
    spog = committee(db, SPOG)
    with pytest.raises(ValidationFailed) as err:
        faca_export.get_export(session=db, actor=people["staff"], committee_id=spog.id, fiscal_year="2026",
                               today=TODAY)
    assert "does not follow FACA procedures" in err.value.message


@pytest.mark.parametrize("who", ["doj", "council", "viewer", "author"])
def test_only_the_committee_management_officer_exports(db, people, who):
    council = committee(db, COUNCIL)
    with pytest.raises(Forbidden):
        faca_export.get_export(session=db, actor=people[who], committee_id=council.id, fiscal_year="2026",
                               today=TODAY)


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_admin_and_secretariat_export(db, people, who):
    f = build(db, people)
    assert _export(db, people[who], f).committee.id == f["council"].id


def test_no_such_body(db, people):
    with pytest.raises(NotFound):
        faca_export.get_export(session=db, actor=people["staff"], committee_id=999999, fiscal_year="2026",
                               today=TODAY)


def test_appointment_saved_and_checked(db, people):
    council = committee(db, COUNCIL)
    ms = org.add_membership(session=db, actor=people["staff"], committee=council, role="member",
                            user_id=people["council"].id, started_on=date(2026, 1, 5))
    org.update_appointment(session=db, actor=people["staff"], membership_id=ms.id, version=ms.version,
                           appointment_type="special_government_employee", started_on=date(2026, 1, 5),
                           term_ends_on=date(2028, 1, 4))
    db.refresh(ms)
    assert (ms.appointment_type, ms.term_ends_on) == ("special_government_employee", date(2028, 1, 4))
    with pytest.raises(ValidationFailed) as err:
        org.update_appointment(session=db, actor=people["staff"], membership_id=ms.id, version=ms.version,
                               appointment_type="lifetime", started_on=date(2026, 1, 5),
                               term_ends_on=date(2025, 1, 4))
    assert set(err.value.fields) == {"appointment_type", "term_ends_on"}
    db.refresh(ms)
    assert ms.appointment_type == "special_government_employee"
    with pytest.raises(Forbidden):
        org.update_appointment(session=db, actor=people["council"], membership_id=ms.id, version=ms.version,
                               appointment_type=None, started_on=date(2026, 1, 5), term_ends_on=None)
    assert agency(db, "DOS")  # the reference data the fixture relies on


def test_meeting_fields_are_checked(db, people):
    council = committee(db, COUNCIL)
    base = {"committee_id": council.id, "title": "T", "starts_at": "2026-03-01T10:00", "ends_at": "2026-03-01T11:00"}
    with pytest.raises(ValidationFailed) as err:
        meeting_in(db, {**base, "federal_register_citation": "page 12"})
    assert "91 FR 12345" in err.value.fields["federal_register_citation"]
    with pytest.raises(ValidationFailed) as err:
        mtg.create_meeting(session=db, actor=people["staff"],
                           meeting_in=meeting_in(db, {**base, "is_open": False, "partly_closed": True}))
    assert "partly_closed" in err.value.fields
    made = mtg.create_meeting(session=db, actor=people["staff"], meeting_in=meeting_in(
        db, {**base, "federal_register_citation": "91  fr 1234", "purpose": "  Plan  ", "partly_closed": True}))
    assert (made.federal_register_citation, made.purpose, made.partly_closed) == ("91 FR 1234", "Plan", True)
