"""Minutes: the lifecycle by role, FACA certification, locked approval, revisions, ACTION lines."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pitf.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from pitf.markdown import render_markdown
from pitf.models import ActionItem, Membership, OutboxEmail
from pitf.models.meetings import MinutesUpdate
from pitf.services import agendas
from pitf.services import attendance as att
from pitf.services import meetings as mtg
from pitf.services import minutes as mins
from tests.factories import agenda_items, attendance_entries, committee, meeting_in

SPOG = "Senior Policy Operating Group"
COUNCIL = "U.S. Advisory Council on Human Trafficking"

# Minutes and attendance belong after a meeting: the 2027 meetings planned here have taken place.
pytestmark = pytest.mark.usefixtures("meetings_held")


def meeting_of(db, staff, body, **extra):
    return mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, body).id, "title": "Spring meeting", "starts_at": "2027-04-12T10:00:00",
        "ends_at": "2027-04-12T12:00:00", "federal_register_notice_date": "2027-03-20", **extra}))


def person_on(db, make_user, body, role):
    user = make_user("council" if body == COUNCIL else "viewer")
    db.add(Membership(committee_id=committee(db, body).id, user_id=user.id, role=role))
    db.flush()
    return user


def draft(db, staff, meeting, text="# Minutes\n\nDiscussed the plan."):
    return mins.save_minutes(session=db, actor=staff, meeting_id=meeting.id,
                             changes=MinutesUpdate(version=None, body_md=text))


def test_skeleton_has_attendance_and_one_heading_per_agenda_item(db, staff):
    m = meeting_of(db, staff, SPOG)
    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                       items=agenda_items(db, [{"title": "Opening"}, {"title": "Supply chains"}]))
    att.put_attendance(session=db, actor=staff, meeting_id=m.id, entries=attendance_entries(db, [
        {"name": "Ana Ruiz", "agency": "DOJ", "status": "present"},
        {"name": "Lee Park", "agency": "DHS", "status": "represented", "represented_by": "Kim Oh"}]))
    text = mins.skeleton(db, m, committee(db, SPOG))
    assert "### 1. Opening" in text and "### 2. Supply chains" in text
    assert "Ana Ruiz (DOJ)" in text and "represented by Kim Oh" in text
    assert "Documents received or issued" in text and "Monday, April 12, 2027" in text


def test_lifecycle_draft_circulated_approved_and_locked(db, staff, make_user):
    m = meeting_of(db, staff, SPOG)
    minutes = draft(db, staff, m)
    assert minutes.status == "draft" and minutes.revision == 1
    with pytest.raises(InvalidTransition):
        mins.approve(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    mins.approve(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    assert minutes.status == "approved" and minutes.approved_revision == 1
    with pytest.raises(ValidationFailed) as err:
        mins.save_minutes(session=db, actor=staff, meeting_id=m.id,
                          changes=MinutesUpdate(version=minutes.version, body_md="changed"))
    assert "revision_reason" in err.value.fields
    with pytest.raises(InvalidTransition):
        mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)


@pytest.mark.parametrize("who,body,allowed", [
    ("secretariat", SPOG, True), ("chair", SPOG, True), ("co_chair", SPOG, True), ("member", SPOG, False),
    ("liaison", SPOG, False), ("viewer", SPOG, False),
    ("secretariat", COUNCIL, False), ("chair", COUNCIL, True), ("co_chair", COUNCIL, False),
    ("member", COUNCIL, False), ("admin", COUNCIL, False),
])
def test_who_approves_table(db, staff, make_user, who, body, allowed):
    m = meeting_of(db, staff, body)
    minutes = draft(db, staff, m)
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    if who in ("chair", "co_chair", "member"):
        actor = person_on(db, make_user, body, who)
    elif who == "liaison":
        actor = make_user("liaison", agency="DOJ")
    else:
        actor = make_user(who)
    if allowed:
        mins.approve(session=db, actor=actor, meeting_id=m.id, version=minutes.version)
        assert minutes.status == "approved"
    else:
        with pytest.raises(Forbidden):
            mins.approve(session=db, actor=actor, meeting_id=m.id, version=minutes.version)
        assert minutes.status == "circulated"


def test_faca_approval_is_the_chairs_certification(db, staff, make_user):
    chair = person_on(db, make_user, COUNCIL, "chair")
    m = meeting_of(db, staff, COUNCIL)
    minutes = draft(db, staff, m)
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    mins.approve(session=db, actor=chair, meeting_id=m.id, version=minutes.version)
    rev = mins.revisions(db, minutes)[0]
    assert rev.certification_text == (
        "I hereby certify that the minutes are an accurate and complete summary of the matters discussed and "
        "conclusions reached at the meeting held on April 12, 2027.")
    assert rev.approved_by_id == chair.id and rev.approved_at is not None


def test_correction_is_a_new_revision_while_the_approved_one_is_read(db, staff, make_user):
    m = meeting_of(db, staff, SPOG)
    minutes = draft(db, staff, m, "Original text.")
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    mins.approve(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    mins.save_minutes(session=db, actor=staff, meeting_id=m.id,
                      changes=MinutesUpdate(version=minutes.version, body_md="Corrected text.",
                                            revision_reason="DOJ's representative was misnamed."))
    assert minutes.revision == 2 and minutes.status == "draft" and minutes.approved_revision == 1
    revs = mins.revisions(db, minutes)
    assert [(r.revision, r.status, r.reason) for r in revs] == [
        (1, "approved", ""), (2, "draft", "DOJ's representative was misnamed.")]
    reader = make_user("viewer")
    access = mtg.committee_access(db, reader, m.committee_id)
    seen = mins.minutes_for(db, reader, m, access)
    assert "Original text." in seen.body_html and seen.revision == 1
    diff = mins.diff_revisions(revs[0].body_md, revs[1].body_md)
    assert [(d.kind, d.text) for d in diff] == [("removed", "Original text."), ("added", "Corrected text.")]
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    mins.approve(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    assert "Corrected text." in mins.minutes_for(db, reader, m, access).body_html


def test_members_comment_on_circulated_minutes_only(db, staff, make_user):
    m = meeting_of(db, staff, SPOG)
    minutes = draft(db, staff, m)
    doj = make_user("liaison", agency="DOJ")  # DOJ is a member agency of the SPOG
    with pytest.raises(ValidationFailed):
        mins.add_comment(session=db, actor=doj, meeting_id=m.id, body_md="Too early")
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    mins.add_comment(session=db, actor=doj, meeting_id=m.id, body_md="Please add <script>x</script> our **data**.")
    (comment, author), = mins.comments(db, minutes)
    assert author == doj.name and "<script" not in comment.body_html and "<strong>data</strong>" in comment.body_html
    with pytest.raises(Forbidden):
        mins.add_comment(session=db, actor=make_user("viewer"), meeting_id=m.id, body_md="Outsider")


def test_draft_minutes_are_not_shown_to_readers(db, staff, make_user):
    m = meeting_of(db, staff, SPOG)
    draft(db, staff, m, "Secret draft")
    viewer = make_user("viewer")
    seen = mins.minutes_for(db, viewer, m, mtg.committee_access(db, viewer, m.committee_id))
    assert seen.status == "none" and seen.body_html == ""


def test_action_lines_become_proposals_and_confirmed_items(db, staff):
    m = meeting_of(db, staff, SPOG)
    text = ("Discussion.\n\nACTION DOJ 2027-01-15: Share the draft screening protocol\n"
            "- ACTION dhs 2027-02-01: Brief the SPOG on supply chains\n"
            "ACTION XYZ 2027-02-01: Unknown agency\nACTION DOL tomorrow: no date\n")
    minutes = draft(db, staff, m, text)
    proposals = mins.proposed_actions(db, minutes)
    assert [(a.agency_text, a.title, bool(a.problem)) for a, _ in proposals] == [
        ("DOJ", "Share the draft screening protocol", False), ("DHS", "Brief the SPOG on supply chains", False),
        ("XYZ", "Unknown agency", True), ("", "ACTION DOL tomorrow: no date", True)]
    item = mins.confirm_action(session=db, actor=staff, meeting_id=m.id, action_id=proposals[0][0].id,
                               pillar="protection")
    assert item.meeting_id == m.id and item.due_date.isoformat() == "2027-01-15"
    assert db.get(ActionItem, item.id).lead_agency_id == proposals[0][0].agency_id
    with pytest.raises(ValidationFailed):
        mins.confirm_action(session=db, actor=staff, meeting_id=m.id, action_id=proposals[0][0].id)
    with pytest.raises(ValidationFailed):
        mins.confirm_action(session=db, actor=staff, meeting_id=m.id, action_id=proposals[2][0].id)
    # Saving again keeps the confirmed proposal and drops vanished unconfirmed ones.
    mins.save_minutes(session=db, actor=staff, meeting_id=m.id,
                      changes=MinutesUpdate(version=minutes.version,
                                            body_md="ACTION DOJ 2027-01-15: Share the draft screening protocol\n"))
    kept = mins.proposed_actions(db, minutes)
    assert [(a.state, a.action_item_id) for a, _ in kept] == [("confirmed", item.id)]


def test_only_the_secretariat_confirms_actions(db, staff, make_user):
    m = meeting_of(db, staff, SPOG)
    minutes = draft(db, staff, m, "ACTION DOJ 2027-01-15: Do it\n")
    (action, _), = mins.proposed_actions(db, minutes)
    with pytest.raises(Forbidden):
        mins.confirm_action(session=db, actor=make_user("liaison", agency="DOJ"), meeting_id=m.id,
                            action_id=action.id)
    with pytest.raises(NotFound):
        mins.confirm_action(session=db, actor=staff, meeting_id=m.id, action_id=action.id + 999)


def test_mail_minutes_goes_once_to_each_participant(db, staff, make_user):
    doj = make_user("liaison", agency="DOJ")
    m = meeting_of(db, staff, SPOG)
    minutes = draft(db, staff, m, "Approved text.\n\nACTION DOJ 2027-01-15: Share it\n")
    (action, _), = mins.proposed_actions(db, minutes)
    mins.confirm_action(session=db, actor=staff, meeting_id=m.id, action_id=action.id, pillar="prevention")
    with pytest.raises(ValidationFailed):
        mins.mail_minutes(session=db, actor=staff, meeting_id=m.id)
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    mins.approve(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    assert mins.mail_minutes(session=db, actor=staff, meeting_id=m.id) >= 1
    assert mins.mail_minutes(session=db, actor=staff, meeting_id=m.id) == 0
    mail = db.execute(select(OutboxEmail).where(OutboxEmail.user_id == doj.id,
                                                OutboxEmail.kind == "minutes_mailed")).scalar_one()
    assert "Approved text." in mail.body_text and "Share it (DOJ, due 2027-01-15)" in mail.body_text


# ---- guard rails: minutes belong after the meeting, and say something --------------------------------

BEFORE = datetime(2027, 4, 12, 13, 0, tzinfo=UTC)  # an hour before the 10:00 EDT meeting


def test_minutes_of_a_meeting_not_yet_held_are_neither_circulated_nor_approved(db, staff, meeting_clock):
    m = meeting_of(db, staff, SPOG)
    minutes = draft(db, staff, m)  # drafting ahead (the skeleton, a prepared text) stays possible
    meeting_clock.set(BEFORE)
    with pytest.raises(ValidationFailed) as err:
        mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    assert "has not happened yet" in err.value.fields["status"] and minutes.status == "draft"
    meeting_clock.set(BEFORE + timedelta(hours=1))  # it has started
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    meeting_clock.set(BEFORE)  # the meeting was moved later meanwhile, say: the clock says not held
    with pytest.raises(ValidationFailed) as err:
        mins.approve(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    assert "has not happened yet" in err.value.fields["status"] and minutes.status == "circulated"
    assert minutes.approved_revision is None


def test_minutes_of_a_future_faca_meeting_are_not_certified(db, staff, make_user, meeting_clock):
    chair = person_on(db, make_user, COUNCIL, "chair")
    m = meeting_of(db, staff, COUNCIL)
    minutes = draft(db, staff, m)
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    meeting_clock.set(BEFORE)
    with pytest.raises(ValidationFailed) as err:
        mins.approve(session=db, actor=chair, meeting_id=m.id, version=minutes.version)
    assert "certified once it has been held" in err.value.fields["status"]
    assert not mins.revisions(db, minutes)[0].certification_text and minutes.status == "circulated"


def test_the_untouched_skeleton_is_neither_circulated_nor_certified(db, staff, make_user):
    chair = person_on(db, make_user, COUNCIL, "chair")
    m = meeting_of(db, staff, COUNCIL)
    agendas.put_agenda(session=db, actor=staff, meeting_id=m.id, version=agendas.get_agenda(db, m).version,
                       items=agenda_items(db, [{"title": "Opening"}, {"title": "Survivor panel"}]))
    text = mins.skeleton(db, m, committee(db, COUNCIL))
    assert mins.is_unwritten_skeleton(text)
    minutes = draft(db, staff, m, text)
    with pytest.raises(ValidationFailed) as err:
        mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    assert "still the empty skeleton" in err.value.fields["body_md"]
    # Circulated with something written, then emptied back to the skeleton: not certified either.
    filled = text.replace("Discussion:\n\nResolution:", "Discussion: the chair opened.\n\nResolution: none.", 1)
    assert not mins.is_unwritten_skeleton(filled)
    mins.save_minutes(session=db, actor=staff, meeting_id=m.id,
                      changes=MinutesUpdate(version=minutes.version, body_md=filled))
    mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    minutes.body_md = text  # as if saved so while circulated (a direct write: the page allows no edit then)
    db.flush()
    with pytest.raises(ValidationFailed) as err:
        mins.approve(session=db, actor=chair, meeting_id=m.id, version=minutes.version)
    assert "before they are certified" in err.value.fields["body_md"] and minutes.status == "circulated"


@pytest.mark.parametrize("text,unwritten", [
    ("## Matters discussed\n\n### 1. (first matter)\n\nDiscussion:\n\nResolution:\n\n## Documents\n\nNone.", True),
    ("## Matters discussed\n\n### 1. Opening\n\n**Discussion:**\n\n**Resolution:**\n", True),
    ("## Matters discussed\n\n### 1. Opening\n\nDiscussion: the budget.\n\nResolution:\n", False),
    ("## Matters discussed\n\n### 1. Opening\n\nThe chair opened the meeting.\n", False),
    ("Free text with no skeleton at all.", False),
])
def test_what_counts_as_the_unwritten_skeleton(text, unwritten):
    assert mins.is_unwritten_skeleton(text) is unwritten


def test_actions_of_a_meeting_not_yet_held_are_not_confirmed(db, staff, meeting_clock):
    m = meeting_of(db, staff, SPOG)
    minutes = draft(db, staff, m, "ACTION DOJ 2027-05-15: Share it\n")
    (action, _), = mins.proposed_actions(db, minutes)
    meeting_clock.set(BEFORE)
    with pytest.raises(ValidationFailed):
        mins.confirm_action(session=db, actor=staff, meeting_id=m.id, action_id=action.id)
    assert action.state == "proposed"


def test_minutes_of_a_cancelled_meeting_are_not_circulated(db, staff):
    m = meeting_of(db, staff, SPOG)
    minutes = draft(db, staff, m)
    m.status = "cancelled"
    db.flush()
    with pytest.raises(ValidationFailed) as err:
        mins.circulate(session=db, actor=staff, meeting_id=m.id, version=minutes.version)
    assert "cancelled" in err.value.fields["status"]


def test_skeleton_header_lines_stay_lines_and_an_agency_is_named_once(db, staff):
    m = meeting_of(db, staff, SPOG, location="Room 1107")
    att.put_attendance(session=db, actor=staff, meeting_id=m.id, entries=attendance_entries(db, [
        {"name": "Department of Health and Human Services (HHS)", "agency": "HHS", "status": "represented",
         "represented_by": "Kim Oh", "attendee_kind": "member"},
        {"name": "Department of Justice (DOJ)", "agency": "DOJ", "status": "present", "attendee_kind": "member"},
        {"name": "Department of Labor (DOL)", "agency": "DOL", "status": "absent", "attendee_kind": "member"}]))
    text = mins.skeleton(db, m, committee(db, SPOG))
    assert "(HHS) (HHS)" not in text and "(DOJ) (DOJ)" not in text and "(DOL) (DOL)" not in text
    assert "Department of Health and Human Services (HHS), represented by Kim Oh" in text
    assert "**Absent:** Department of Labor (DOL)" in text
    html = render_markdown(text)
    # Each header line is its own list item, not one run-on paragraph.
    assert html.count("<li>") >= 4 and "Room 1107" in html
    assert re.search(r"<li><strong>Place:</strong> Room 1107</li>", html)


@pytest.mark.parametrize("name,acronym,expected", [
    ("Department of Health and Human Services (HHS)", "HHS", "Department of Health and Human Services (HHS)"),
    ("Ana Ruiz", "DOJ", "Ana Ruiz (DOJ)"),
    ("Ana Ruiz", None, "Ana Ruiz"),
    ("HHS", "HHS", "HHS"),
    ("", "HHS", "HHS"),
])
def test_attendee_label_names_the_agency_once(name, acronym, expected):
    assert att.attendee_label(name, acronym) == expected
