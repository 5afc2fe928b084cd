"""The demo: accounts, memberships, action items, meetings and recommendations on top of the reference data;
every step is idempotent."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf.models import ActionItem, ActionItemSupport, Committee, Membership, Setting, User, utcnow
from pitf.models.agendas import AgendaItemInput
from pitf.models.attendance import AttendanceEntryInput
from pitf.models.meetings import MinutesUpdate
from pitf.models.vocab import AttendanceStatus
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
    wanted = [
        (COUNCIL, "council.chair@pitf.example.gov", "chair"),
        (COUNCIL, "council@pitf.example.gov", "member"),
        (COUNCIL, "iga@pitf.example.gov", "dfo"),
        (SPOG, "liaison.doj@pitf.example.gov", "member"),
        (SPOG, "liaison.dhs@pitf.example.gov", "member"),
        ("Victim Services", "liaison.doj@pitf.example.gov", "member"),
        ("Procurement and Supply Chains", "liaison.dhs@pitf.example.gov", "co_chair"),
    ]
    for body, email, role in wanted:
        c, u = bodies.get(body), people.get(email)
        if c and u and (c.id, u.id) not in existing:
            org.add_membership(session=session, actor=SYSTEM, committee=c, role=role, user_id=u.id)


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
    """Last quarter's SPOG meeting (approved minutes), the Council's coming meeting with the SPOG,
    and a closed committee meeting: what the meetings pages need to show themselves."""
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
    council_day = _local_day(21)
    meeting(COUNCIL, "Advisory Council meeting with the SPOG", council_day,
            federal_register_notice_date=_local_day(-2), joint_with_committee_id=bodies[SPOG].id)
    last_council = meeting(COUNCIL, "Advisory Council winter meeting", _local_day(-20),
                           federal_register_notice_date=_local_day(-40))
    minutes = mins.save_minutes(session=session, actor=staff, meeting_id=last_council.id,
                                changes=MinutesUpdate(version=None, body_md=_written(
                                    mins.skeleton(session, last_council, bodies[COUNCIL]))))
    mins.circulate(session=session, actor=staff, meeting_id=last_council.id, version=minutes.version)
    _ = chair  # the Council's chair certifies these circulated minutes (the demo's FACA step)
    meeting("Grantmaking", "Grant solicitation review (closed)", _local_day(10), start="14:00:00",
            end="15:30:00", is_open=False)


def seed_demo_recommendations(session: Session) -> None:
    """One open recommendation of the Council, waiting for DOJ's and DHS's answers."""
    from pitf.models import Recommendation
    from pitf.models.recommendations import RecommendationCreate
    from pitf.services import rec_workflow
    from pitf.services import recommendations as recs
    from pitf.validation import validate

    if session.execute(select(Recommendation.id).where(Recommendation.title.like("Screen for labor%"))).first():
        return
    author = _user(session, "council.chair@pitf.example.gov")
    staff = _user(session, "iga@pitf.example.gov")
    rec = recs.create_draft(session=session, actor=author, rec_in=validate(RecommendationCreate, {
        "title": "Screen for labor trafficking in federally funded shelters",
        "body_md": "Agencies funding shelters should require screening for **labor** as well as sex trafficking.",
        "rationale_md": "Survivors of labor trafficking are often missed by screening tools built for sex "
                        "trafficking.", "pillar": "protection", "target_agencies": ["DOJ", "HHS"],
        "report_year": utcnow().year}))
    assert rec.id is not None  # flushed
    rec_workflow.transition(session=session, actor=author, rec_id=rec.id, version=rec.version, to="submitted")
    rec_workflow.transition(session=session, actor=staff, rec_id=rec.id, version=rec.version, to="under_review")
    rec_workflow.transition(session=session, actor=staff, rec_id=rec.id, version=rec.version, to="open")


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
    seed_demo_recommendations(session)
    return created
