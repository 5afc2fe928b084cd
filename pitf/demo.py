"""The demo: accounts, memberships, action items, meetings and recommendations on top of the reference data;
every step is idempotent."""

from __future__ import annotations

import os
import secrets
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf.models import ActionItem, ActionItemSupport, Committee, Membership, Setting, User, utcnow
from pitf.models.agendas import AgendaItemInput
from pitf.models.attendance import AttendanceEntryInput
from pitf.models.meetings import MinutesUpdate
from pitf.models.vocab import AttendanceStatus, AttendeeKind
from pitf.permissions import SYSTEM
from pitf.reference import COUNCIL, SPOG, WORKING_GROUP, agency_ids, seed_reference
from pitf.services import audit, org, users

DEMO_USERS = [
    # email, name, role, agency, title
    ("admin@pitf.example.gov", "Avery Admin", "admin", None, "Platform administrator"),
    ("iga@pitf.example.gov", "Sam Rivera", "secretariat", "DOS", "Intergovernmental Affairs, TIP Office"),
    ("liaison.doj@pitf.example.gov", "Jordan Lee", "liaison", "DOJ", "Anti-trafficking coordinator"),
    ("liaison.dhs@pitf.example.gov", "Casey Morgan", "liaison", "DHS", "Center for Countering Human Trafficking"),
    ("council.chair@pitf.example.gov", "Robin Ellis", "council", None, "Advisory Council chair"),
    ("council@pitf.example.gov", "Taylor Brooks", "council", None, "Advisory Council member"),
    ("viewer@pitf.example.gov", "Morgan Diaz", "viewer", None, "Observer"),
]


def seed_demo_users(session: Session, logins_path: Path, min_length: int = 12) -> list[tuple[str, str, str]]:
    """Create the demo accounts that are missing; return (role, email, password) of the new ones."""
    created = []
    for email, name, role, agency, title in DEMO_USERS:
        if session.execute(select(User.id).where(User.email == email)).scalar() is not None:
            continue
        password = secrets.token_urlsafe(12)  # 16 characters, generated here, never fixed in code
        users.create_user(session=session, actor=SYSTEM, user_in={
            "email": email, "name": name, "role": role, "agency": agency, "password": password, "title": title},
            min_length=min_length)
        created.append((role, email, password))
    if created:
        logins_path.parent.mkdir(parents=True, exist_ok=True)
        new = not logins_path.exists()
        fd = os.open(logins_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as fh:
            if new:
                fh.write("# Demo logins of the PITF Coordination Platform (generated at setup; keep private)\n")
            for role, email, password in created:
                fh.write(f"{role:<12} {email:<34} {password}\n")
    _seed_demo_memberships(session)
    return created


def _seed_demo_memberships(session: Session) -> None:
    people = {u.email: u for u in session.execute(select(User)).scalars()}
    bodies = {c.name: c for c in session.execute(select(Committee)).scalars()}
    existing = {(m.committee_id, m.user_id) for m in session.execute(
        select(Membership).where(Membership.user_id.is_not(None))).scalars()}
    # The Council's members with their appointments (two-year terms), as the FACA Database export lists them.
    wanted: list[tuple[str, str, str, dict]] = [
        (COUNCIL, "council.chair@pitf.example.gov", "chair", {
            "appointment_type": "special_government_employee", "started_on": date(2025, 1, 15),
            "term_ends_on": date(2027, 1, 14)}),
        (COUNCIL, "council@pitf.example.gov", "member", {
            "appointment_type": "special_government_employee", "started_on": date(2024, 8, 1),
            "term_ends_on": date(2026, 7, 31)}),
        (COUNCIL, "iga@pitf.example.gov", "dfo", {
            "appointment_type": "regular_government_employee", "started_on": date(2024, 10, 1)}),
        (SPOG, "liaison.doj@pitf.example.gov", "member", {}),
        (SPOG, "liaison.dhs@pitf.example.gov", "member", {}),
        ("Victim Services", "liaison.doj@pitf.example.gov", "member", {}),
        ("Procurement and Supply Chains", "liaison.dhs@pitf.example.gov", "co_chair", {}),
    ]
    for body, email, role, appointment in wanted:
        c, u = bodies.get(body), people.get(email)
        if c and u and (c.id, u.id) not in existing:
            org.add_membership(session=session, actor=SYSTEM, committee=c, role=role, user_id=u.id, **appointment)


DEMO_ACTIONS = [
    # external_ref, title, committee, lead, supporting, days from today, status, pillar, priority
    ("NAP-2026-01", "Address forced labor in federal supply chains", "Procurement and Supply Chains", "DHS",
     ["DOL", "DOS", "USTR"], -21, "in_progress", "prevention", "high"),
    ("NAP-2026-02", "Trauma-informed training for anti-trafficking task forces", "Victim Services", "DOJ",
     ["HHS", "DHS"], -9, "open", "protection", "high"),
    ("NAP-2026-03", "Publish the federal screening protocol for trafficking indicators", WORKING_GROUP, "DHS",
     ["HHS", "DOJ"], 30, "open", "protection", "normal"),
    ("NAP-2026-04", "Annual data call on trafficking prosecutions", "Research and Data", "DOJ",
     ["FBI", "DHS"], 14, "in_progress", "prosecution", "normal"),
    ("NAP-2026-05", "Grant solicitation language on survivor-informed services", "Grantmaking", "HHS",
     ["DOJ"], 45, "open", "partnership", "normal"),
    ("NAP-2026-06", "Public awareness campaign for transportation workers", "Public Awareness and Outreach", "DOT",
     ["DHS"], -3, "blocked", "prevention", "normal"),
    ("NAP-2026-07", "Labor recruitment fee guidance for federal contractors", "Procurement and Supply Chains",
     "DOL", ["DOS"], -40, "done", "prevention", "normal"),
]


def seed_demo_actions(session: Session) -> None:
    """A few National Action Plan commitments, some overdue, so the dashboards have something to show."""
    have = set(session.execute(select(ActionItem.external_ref).where(ActionItem.external_ref.is_not(None))).scalars())
    ids = agency_ids(session)
    committee_ids = {c.name: c.id for c in session.execute(select(Committee)).scalars() if c.id is not None}  # stored
    today = utcnow().date()
    for ref, title, body, lead, supporting, days, status, pillar, priority in DEMO_ACTIONS:
        if ref in have:
            continue
        item = ActionItem(title=title, committee_id=committee_ids[body], lead_agency_id=ids[lead],
                          due_date=today + timedelta(days=days), status=status, pillar=pillar, priority=priority,
                          external_ref=ref, description_md="", description_html="")
        # committed six weeks ago with no status since: the status requests are due (created_at is a column of
        # the Versioned mixin, which the model's typed constructor does not list)
        item.created_at = utcnow() - timedelta(days=45)
        session.add(item)
        session.flush()
        assert item.id is not None  # flushed
        for acronym in supporting:
            session.add(ActionItemSupport(action_item_id=item.id, agency_id=ids[acronym]))
        audit.record(session, actor=SYSTEM, action="action_item.created", obj=item,
                     changes=audit.creation_changes(item, ["title", "lead_agency_id", "due_date", "status"]))
    session.flush()


def _user(session: Session, email: str) -> User:
    return session.execute(select(User).where(User.email == email)).scalar_one()


def _local_day(offset_days: int):
    from pitf.services.timeutil import to_local

    return (to_local(utcnow(), None) + timedelta(days=offset_days)).date()


def _written(skeleton: str) -> str:
    """The minutes skeleton with each matter's discussion and resolution written (an empty one is not circulated)."""
    return skeleton.replace("Discussion:\n\nResolution:", "Discussion: members reported on their agencies' work "
                            "and asked questions.\n\nResolution: noted; the secretariat follows up.")


def seed_demo_meetings(session: Session) -> None:
    """Last quarter's SPOG meeting (approved minutes, outcomes, commitments) and the next one planned from it,
    the Council's coming meeting with the SPOG, and a closed committee meeting: what the meetings pages need to
    show themselves."""
    from pitf.models import Meeting
    from pitf.services import agendas
    from pitf.services import attendance as att
    from pitf.services import federal_clocks as fc
    from pitf.services import meetings as mtg
    from pitf.services import minutes as mins

    if session.execute(select(Meeting.id).where(Meeting.title.like("Demo: %"))).first() is not None:
        return
    staff = _user(session, "iga@pitf.example.gov")
    chair = _user(session, "council.chair@pitf.example.gov")
    bodies = {c.name: c for c in session.execute(select(Committee)).scalars()}

    def meeting(body, title, day, start="10:00:00", end="12:00:00", **extra):
        return mtg.create_meeting(session=session, actor=staff, meeting_in=mtg.read_meeting(session, {
            "committee_id": bodies[body].id, "title": f"Demo: {title}", "starts_at": f"{day}T{start}",
            "ends_at": f"{day}T{end}", "location": "Harry S Truman Building, Washington, DC", **extra}))

    past = meeting(SPOG, "SPOG quarterly meeting", _local_day(-30))
    agenda = agendas.get_agenda(session, past)
    agendas.put_agenda(session=session, actor=staff, meeting_id=past.id, version=agenda.version, items=[
        AgendaItemInput(title="Welcome and introductions", presenter="TIP Office Director", presenter_agency="DOS",
                        duration_minutes=10),
        AgendaItemInput(title="Forced labor in federal supply chains", presenter_agency="DHS", duration_minutes=40),
        AgendaItemInput(title="Trauma-informed training for task forces", presenter_agency="DOJ",
                        duration_minutes=40),
        AgendaItemInput(title="Next steps", duration_minutes=20)])
    agendas.publish_agenda(session=session, actor=staff, meeting_id=past.id, clocks=fc.Clocks(),
                           today=_local_day(-45), now=utcnow() - timedelta(days=45))
    att.put_attendance(session=session, actor=staff, meeting_id=past.id, entries=[
        AttendanceEntryInput(name=f"{a} representative", agency=a, status=AttendanceStatus.PRESENT)
        for a in ("DOS", "DOJ", "DHS", "DOL", "HHS", "USDT", "DOD", "ED", "HUD", "DOT", "USAID", "FBI")])
    minutes = mins.save_minutes(session=session, actor=staff, meeting_id=past.id,
                                changes=MinutesUpdate(version=None,
                                                      body_md=_written(mins.skeleton(session, past, bodies[SPOG]))))
    mins.circulate(session=session, actor=staff, meeting_id=past.id, version=minutes.version)
    mins.approve(session=session, actor=staff, meeting_id=past.id, version=minutes.version)
    _carry_demo_spog_meeting(session, staff, past)
    council_day = _local_day(21)
    meeting(COUNCIL, "Advisory Council meeting with the SPOG", council_day,
            federal_register_notice_date=_local_day(-2), joint_with_committee_id=bodies[SPOG].id,
            purpose="Present the Council's findings and recommendations to the SPOG.")
    last_council = meeting(COUNCIL, "Advisory Council winter meeting", _local_day(-20),
                           federal_register_notice_date=_local_day(-40), federal_register_citation="91 FR 52210",
                           purpose="Review the year's recommendations and plan the annual report.")
    # The Council's fiscal year 2026 (October 2025 to September 2026), for its FACA Database export.
    fy2026 = [
        meeting(COUNCIL, "Advisory Council FY2026 spring meeting", "2026-03-12", start="10:00:00", end="16:00:00",
                federal_register_notice_date="2026-02-20", federal_register_citation="91 FR 8542",
                purpose="Hear survivors and the public on screening in federally funded shelters."),
        meeting(COUNCIL, "Advisory Council FY2026 summer meeting", "2026-07-16", start="09:00:00", end="15:00:00",
                federal_register_notice_date="2026-06-26", federal_register_citation="91 FR 40117",
                partly_closed=True, purpose="Draft the annual report's recommendations; the closed part discusses "
                                            "members' personal experiences (5 U.S.C. 552b(c)(6)).")]
    for held in fy2026[:1]:  # long over: the chair certified the minutes (the summer meeting's: below)
        minutes = mins.save_minutes(session=session, actor=staff, meeting_id=held.id, changes=MinutesUpdate(
            version=None, body_md=_written(mins.skeleton(session, held, bodies[COUNCIL]))))
        mins.circulate(session=session, actor=staff, meeting_id=held.id, version=minutes.version)
        mins.approve(session=session, actor=chair, meeting_id=held.id, version=minutes.version)
    minutes = mins.save_minutes(session=session, actor=staff, meeting_id=last_council.id,
                                changes=MinutesUpdate(version=None, body_md=_written(
                                    mins.skeleton(session, last_council, bodies[COUNCIL]))))
    mins.circulate(session=session, actor=staff, meeting_id=last_council.id, version=minutes.version)
    _ = chair  # the Council's chair certifies these circulated minutes (the demo's FACA step)
    meeting("Grantmaking", "Grant solicitation review (closed)", _local_day(10), start="14:00:00",
            end="15:30:00", is_open=False)


# What became of last quarter's SPOG items (the others were discussed), and its commitments: the next SPOG
# meeting is planned from it the way the secretariat does (services.carry_over through copy_meeting).
DEMO_SPOG_OUTCOMES = {"Trauma-informed training for task forces": "continued", "Next steps": "not_reached"}
DEMO_SPOG_COMMITMENTS = ("NAP-2026-01", "NAP-2026-02", "NAP-2026-07")  # the last one is done: it stays behind


def _carry_demo_spog_meeting(session: Session, staff: User, past) -> None:
    """Record the SPOG meeting's outcomes and the commitments born in it, then plan the next SPOG meeting from it:
    its agenda starts with the continued and not reached items and the meeting's open commitments."""
    from pitf.models.agendas import AgendaItemOutcomeUpdate
    from pitf.models.meetings import MeetingCopy
    from pitf.models.vocab import AgendaOutcome
    from pitf.services import actions, agendas, meeting_series

    for ref in DEMO_SPOG_COMMITMENTS:
        item = session.execute(select(ActionItem).where(ActionItem.external_ref == ref)).scalar_one_or_none()
        if item is not None and item.id is not None and item.meeting_id is None:
            actions.update_action_item(session=session, actor=staff, item_id=item.id,
                                       data={"meeting_id": past.id}, version=item.version)
    for row in agendas.agenda_view(session, past).rows:
        assert row.item.id is not None  # stored
        agendas.set_item_outcome(session=session, actor=staff, meeting_id=past.id, item_id=row.item.id,
                                 outcome_in=AgendaItemOutcomeUpdate(
                                     version=agendas.get_agenda(session, past).version,
                                     outcome=AgendaOutcome(DEMO_SPOG_OUTCOMES.get(row.item.title, "discussed"))))
    meeting_series.copy_meeting(session=session, actor=staff, meeting_id=past.id,
                                copy_in=MeetingCopy(title="Demo: SPOG next quarterly meeting"))


CERTIFIED_MEETING = "Demo: Advisory Council FY2026 summer meeting"


def seed_demo_certified_minutes(session: Session) -> None:
    """The Council's FY2026 summer meeting gets its agenda, attendance and minutes certified by the chair: what
    the chair prints as the certified minutes (a tagged PDF)."""
    from pitf.models import Meeting
    from pitf.services import agendas
    from pitf.services import attendance as att
    from pitf.services import minutes as mins

    held = session.execute(select(Meeting).where(Meeting.title == CERTIFIED_MEETING)).scalar_one_or_none()
    if held is None or held.id is None or mins.get_minutes(session, held) is not None:
        return
    staff = _user(session, "iga@pitf.example.gov")
    chair = _user(session, "council.chair@pitf.example.gov")
    member = _user(session, "council@pitf.example.gov")
    council = session.execute(select(Committee).where(Committee.name == COUNCIL)).scalar_one()
    meeting_id = held.id
    agenda = agendas.get_agenda(session, held)
    agendas.put_agenda(session=session, actor=staff, meeting_id=meeting_id, version=agenda.version, items=[
        AgendaItemInput(title="Opening by the Designated Federal Officer", duration_minutes=10),
        AgendaItemInput(title="Survivor testimony on labor trafficking in shelters", duration_minutes=60),
        AgendaItemInput(title="Draft recommendations for the annual report", duration_minutes=90),
        AgendaItemInput(title="Public comment", duration_minutes=20)])
    att.put_attendance(session=session, actor=staff, meeting_id=meeting_id, entries=[
        AttendanceEntryInput(user_id=chair.id, status=AttendanceStatus.PRESENT),
        AttendanceEntryInput(user_id=member.id, status=AttendanceStatus.PRESENT),
        AttendanceEntryInput(user_id=staff.id, attendee_kind=AttendeeKind.STAFF, status=AttendanceStatus.PRESENT),
        AttendanceEntryInput(name="Members of the public (12)", attendee_kind=AttendeeKind.GUEST,
                             status=AttendanceStatus.PRESENT)])
    minutes = mins.save_minutes(session=session, actor=staff, meeting_id=meeting_id, changes=MinutesUpdate(
        version=None, body_md=_written(mins.skeleton(session, held, council))))
    mins.circulate(session=session, actor=staff, meeting_id=meeting_id, version=minutes.version)
    mins.approve(session=session, actor=chair, meeting_id=meeting_id, version=minutes.version)  # the certification


# The Advisory Council's own committees (its subcommittees, which draft its recommendations): name, short name.
DEMO_COUNCIL_COMMITTEES = [
    ("Council Committee on Survivor-Informed Services", "Council: Services"),
    ("Council Committee on Labor Trafficking", "Council: Labor"),
    ("Council Committee on Prevention and Awareness", "Council: Prevention"),
]


def seed_demo_council_committees(session: Session) -> None:
    """The Council's committees: the Council's chair chairs one, a member sits on another."""
    from pitf.models.org import CommitteeCreate
    from pitf.models.vocab import CommitteeKind, QuorumRule

    bodies = {c.name: c for c in session.execute(select(Committee)).scalars()}
    council = bodies.get(COUNCIL)
    if council is None:
        return
    for name, short in DEMO_COUNCIL_COMMITTEES:
        if name not in bodies:
            bodies[name] = org.create_committee(session=session, actor=SYSTEM, committee_in=CommitteeCreate(
                name=name, kind=CommitteeKind.COMMITTEE, short_name=short, parent_id=council.id,
                quorum_rule=QuorumRule.MAJORITY_MEMBERS,
                description="A committee of the Advisory Council: drafts recommendations for the full Council."))
    people = {u.email: u for u in session.execute(select(User)).scalars()}
    existing = {(m.committee_id, m.user_id) for m in session.execute(
        select(Membership).where(Membership.user_id.is_not(None))).scalars()}
    seats = [(DEMO_COUNCIL_COMMITTEES[0][0], "council.chair@pitf.example.gov", "chair"),
             (DEMO_COUNCIL_COMMITTEES[1][0], "council@pitf.example.gov", "member")]
    for name, email, role in seats:
        c, u = bodies[name], people.get(email)
        if u is not None and (c.id, u.id) not in existing:
            org.add_membership(session=session, actor=SYSTEM, committee=c, role=role, user_id=u.id)


def seed_demo_recommendations(session: Session) -> None:
    """Two recommendations of the Council, each drafted by one of its committees: one open and waiting for DOJ's
    and HHS's answers, one open with DHS's answer (partly concurring) and DOL's still to come."""
    from pitf.models import Recommendation
    from pitf.models.recommendations import RecommendationCreate
    from pitf.services import rec_responses, rec_workflow
    from pitf.services import recommendations as recs
    from pitf.validation import validate

    author = _user(session, "council.chair@pitf.example.gov")
    staff = _user(session, "iga@pitf.example.gov")
    committees = {c.name: c.id for c in session.execute(select(Committee)).scalars()}

    def opened(title: str, committee: str, data: dict) -> Recommendation | None:
        if session.execute(select(Recommendation.id).where(Recommendation.title == title)).first():
            return None
        rec = recs.create_draft(session=session, actor=author, rec_in=validate(RecommendationCreate, {
            "title": title, "report_year": utcnow().year, "drafting_committee_id": committees.get(committee),
            **data}))
        assert rec.id is not None  # flushed
        rec_workflow.transition(session=session, actor=author, rec_id=rec.id, version=rec.version, to="submitted")
        rec_workflow.transition(session=session, actor=staff, rec_id=rec.id, version=rec.version, to="under_review")
        rec_workflow.transition(session=session, actor=staff, rec_id=rec.id, version=rec.version, to="open")
        return rec

    opened("Screen for labor trafficking in federally funded shelters", DEMO_COUNCIL_COMMITTEES[0][0], {
        "body_md": "Agencies funding shelters should require screening for **labor** as well as sex trafficking.",
        "rationale_md": "Survivors of labor trafficking are often missed by screening tools built for sex "
                        "trafficking.", "pillar": "protection", "target_agencies": ["DOJ", "HHS"]})
    rec = opened("Require recruitment-fee attestations from federal contractors", DEMO_COUNCIL_COMMITTEES[1][0], {
        "body_md": "Contracting agencies should require each contractor to attest that no worker paid a "
                   "recruitment fee.", "rationale_md": "Survivors of forced labor on federal contracts owed "
                   "recruiters the fees they paid.", "pillar": "prevention", "target_agencies": ["DHS", "DOL"]})
    liaison = session.execute(select(User).where(User.email == "liaison.dhs@pitf.example.gov")).scalar()
    if rec is not None and liaison is not None:
        assert rec.id is not None  # flushed
        rec_responses.respond(session=session, actor=liaison, rec_id=rec.id, response_in=validate(
            rec_responses.AgencyResponseCreate, {
                "agency": "DHS", "position": "partially_concur",
                "response_md": "DHS concurs for its own contracts and will ask the FAR Council about the others."}))


def seed_demo_signin_policy(session: Session) -> None:
    """The demo asks no second factor of anyone, so that a newcomer signs in with the printed password alone.
    Set once, on the first load (the administrator's later choice is kept): Administration → Sign-in policy
    turns it back on for administrators and the secretariat, the platform's default."""
    from pitf.services import signin_policy

    if session.get(Setting, signin_policy.KEY) is not None:
        return
    signin_policy.save(session=session, actor=_user(session, "admin@pitf.example.gov"), second_factor_roles=[],
                       sso_roles=[])


def load_demo(session: Session, instance_path: Path, min_length: int = 12) -> list[tuple[str, str, str]]:
    seed_reference(session)
    created = seed_demo_users(session, Path(instance_path) / "demo-logins.txt", min_length)
    seed_demo_signin_policy(session)
    seed_demo_actions(session)
    seed_demo_meetings(session)
    seed_demo_certified_minutes(session)
    seed_demo_council_committees(session)
    seed_demo_recommendations(session)
    return created
