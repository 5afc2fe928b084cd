"""services.visibility as a table of role x object: one rule for single objects and for batches."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pitf.models import Meeting, Membership, MinutesRevision
from pitf.models.meetings import MinutesUpdate
from pitf.services import meetings as mtg
from pitf.services import minutes as mins
from pitf.services import rec_workflow, visibility
from pitf.services import recommendations as recs
from tests.factories import agency, committee, draft_in, meeting_in

GRANTS = "Grantmaking"
SPOG = "Senior Policy Operating Group"

# who: (sees the closed meeting, sees the draft, sees draft minutes, sees circulated minutes)
TABLE = {
    "admin": (True, False, True, True),
    "secretariat": (True, False, True, True),
    "member": (True, False, False, True),  # on the committee in person
    "member_liaison": (True, False, False, True),  # liaison of a member agency
    "chair": (True, False, True, True),  # plans the committee's meetings
    "other_liaison": (False, False, False, False),
    "council": (False, False, False, False),
    "viewer": (False, False, False, False),
    "author": (False, True, False, False),
    "cosponsor": (False, True, False, False),
    "former_member": (False, False, False, False),
}


@pytest.fixture
def scene(db, make_user):
    staff = make_user("secretariat")
    grants = committee(db, GRANTS)
    people = {"admin": make_user("admin"), "secretariat": staff, "member": make_user("viewer"),
              "member_liaison": make_user("liaison", agency="DOJ"), "chair": make_user("viewer"),
              "other_liaison": make_user("liaison", agency="DHS"), "council": make_user("council"),
              "viewer": make_user("viewer"), "author": make_user("council"), "cosponsor": make_user("council"),
              "former_member": make_user("viewer")}
    from datetime import date

    db.add_all([Membership(committee_id=grants.id, user_id=people["member"].id, role="member"),
                Membership(committee_id=grants.id, agency_id=agency(db, "DOJ").id, role="member"),
                Membership(committee_id=grants.id, user_id=people["chair"].id, role="chair"),
                Membership(committee_id=grants.id, user_id=people["former_member"].id, role="member",
                           ended_on=date(2026, 1, 1))])
    db.flush()

    def meeting(body, is_open):
        return mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
            "committee_id": committee(db, body).id, "title": "M", "is_open": is_open,
            "starts_at": "2026-04-12T10:00:00", "ends_at": "2026-04-12T12:00:00"}))

    closed, open_ = meeting(GRANTS, False), meeting(SPOG, True)
    grants_open = meeting(GRANTS, True)
    rec = recs.create_draft(session=db, actor=people["author"], rec_in=draft_in({
        "title": "Draft", "body_md": "B", "rationale_md": "R", "pillar": "protection", "target_agencies": ["DOJ"],
        "co_sponsor_ids": [people["cosponsor"].id], "report_year": 2031}))
    submitted = recs.create_draft(session=db, actor=people["author"], rec_in=draft_in({
        "title": "Sent", "body_md": "B", "rationale_md": "R", "pillar": "protection", "target_agencies": ["DOJ"],
        "report_year": 2031}))
    db.flush()
    rec_workflow.transition(session=db, actor=people["author"], rec_id=submitted.id, version=submitted.version,
                            to="submitted", today=date(2026, 5, 1))
    draft_minutes = mins.save_minutes(session=db, actor=staff, meeting_id=grants_open.id,
                                      changes=MinutesUpdate(version=None, body_md="Draft text"))
    db.flush()
    return {"people": people, "closed": closed, "open": open_, "grants_open": grants_open, "rec": rec,
            "submitted": submitted, "draft_minutes": draft_minutes}


@pytest.mark.parametrize("who", list(TABLE))
def test_who_sees_what(db, scene, who):
    user = scene["people"][who]
    closed_ok, draft_ok, draft_minutes_ok, circulated_ok = TABLE[who]
    assert visibility.can_see(db, user, scene["open"]) is True
    assert visibility.can_see(db, user, scene["closed"]) is closed_ok
    assert visibility.can_see(db, user, scene["rec"]) is draft_ok
    assert visibility.can_see(db, user, scene["submitted"]) is True
    minutes = scene["draft_minutes"]
    rev = db.execute(select(MinutesRevision).where(MinutesRevision.minutes_id == minutes.id)).scalar_one()
    assert visibility.can_see(db, user, minutes) is draft_minutes_ok
    assert visibility.can_see(db, user, rev) is draft_minutes_ok
    # The batch forms agree with the single-object rule.
    meeting_ids = [scene["open"].id, scene["closed"].id]
    assert visibility.visible_meeting_ids(db, user, meeting_ids) == {
        m for m in meeting_ids if visibility.can_see(db, user, db.get(Meeting, m))}
    assert visibility.visible_recommendation_ids(db, user, [scene["rec"].id, scene["submitted"].id]) == (
        {scene["rec"].id, scene["submitted"].id} if draft_ok else {scene["submitted"].id})
    # The SQL form too (the dashboard's and the meeting list's).
    found = set(db.execute(select(Meeting.id).where(Meeting.id.in_(meeting_ids),
                                                    visibility.meeting_clause(db, user))).scalars())
    assert found == visibility.visible_meeting_ids(db, user, meeting_ids)


@pytest.mark.parametrize("who", list(TABLE))
def test_circulated_minutes_reach_the_members(db, scene, who):
    staff = scene["people"]["secretariat"]
    minutes = scene["draft_minutes"]
    mins.circulate(session=db, actor=staff, meeting_id=scene["grants_open"].id, version=minutes.version)
    db.flush()
    assert visibility.can_see(db, scene["people"][who], minutes) is TABLE[who][3]


def test_related_labels_hide_title_number_and_link(db, scene):
    viewer = scene["people"]["viewer"]
    m = visibility.related_meeting(db, viewer, scene["closed"].id)
    assert (m.visible, m.label, m.id, m.url) == (False, visibility.HIDDEN_MEETING, None, None)
    r = visibility.related_recommendation(db, viewer, scene["rec"].id)
    assert (r.visible, r.label, r.id, r.url) == (False, visibility.HIDDEN_RECOMMENDATION, None, None)
    r = visibility.related_recommendation(db, scene["people"]["author"], scene["rec"].id)
    assert (r.visible, r.label, r.url) == (True, "Draft: Draft", f"/recommendations/{scene['rec'].id}")
    assert visibility.related_meeting(db, viewer, None) is None


def test_nobody_signed_out_sees_anything(db, scene):
    from flask_login import AnonymousUserMixin

    anonymous = AnonymousUserMixin()
    for obj in (scene["open"], scene["submitted"]):
        assert visibility.can_see(db, anonymous, obj) is False
    assert visibility.visible_meeting_ids(db, anonymous, [scene["open"].id]) == set()


def test_an_unknown_kind_of_object_is_an_error_not_a_yes(db, scene):
    with pytest.raises(TypeError):
        visibility.can_see(db, scene["people"]["admin"], object())
