"""API resources of the foundation: the caller, agencies and committees."""

from __future__ import annotations

from pydantic import Field
from sqlalchemy import func, select

from pitf.api import api_bp
from pitf.api.spec import Page, PageQuery, responses, spec
from pitf.api.util import actor
from pitf.db import get_session
from pitf.models import Agency, Committee, Membership, User
from pitf.models.org import AgencyMember, AgencyPublic, CommitteePublic, MePublic, PersonMember
from pitf.models.vocab import AppointmentType, CommitteeKind, MemberRole, QuorumRule
from pitf.paging import page_rows
from pitf.services import org

TAGS = ["directory"]


class AgencyQuery(PageQuery):
    include_retired: str | None = Field(default=None, description="true: list retired agencies too")


def agency_public(a: Agency) -> AgencyPublic:
    return AgencyPublic.model_validate(a, from_attributes=True)


@api_bp.get("/me")
@spec.validate(resp=responses(200, MePublic), tags=TAGS)
def me():
    """The caller"""
    user = actor()
    agency = get_session().get(Agency, user.agency_id) if user.agency_id else None
    return MePublic(id=user.id, email=user.email, name=user.name, role=user.role,
                    agency=agency.acronym if agency else None, timezone=user.timezone)


@api_bp.get("/agencies")
@spec.validate(query=AgencyQuery, resp=responses(200, Page[AgencyPublic], errors=(401, 422)), tags=TAGS)
def agencies(query: AgencyQuery):
    """Member agencies"""
    db = get_session()
    stmt = select(Agency)
    if query.include_retired != "true":
        stmt = stmt.where(Agency.is_active.is_(True))
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar()
    rows = db.execute(page_rows(stmt.order_by(Agency.acronym), query.page, query.per_page)).scalars()
    return Page[AgencyPublic](items=[agency_public(a) for a in rows], page=query.page, per_page=query.per_page,
                              total=total)


def _person_member(m: Membership, u: User) -> PersonMember:
    assert u.id is not None  # a stored account
    return PersonMember(user_id=u.id, name=u.name, role=MemberRole(m.role), **_appointment(m))


def _appointment(m: Membership) -> dict:
    """The appointment's start, type and term end, as a member is shown."""
    return {"since": m.started_on, "term_ends_on": m.term_ends_on,
            "appointment_type": AppointmentType(m.appointment_type) if m.appointment_type else None}


def committee_public(c: Committee, roster: org.CommitteeRoster) -> CommitteePublic:
    assert c.id is not None  # a stored committee
    members: list[AgencyMember | PersonMember] = [
        AgencyMember(agency=a.acronym, role=MemberRole(m.role), **_appointment(m)) for m, a in roster.agencies]
    members += [_person_member(m, u) for m, u in roster.people]
    return CommitteePublic(id=c.id, name=c.name, short_name=c.short_name, kind=CommitteeKind(c.kind),
                           parent_id=c.parent_id, follows_faca=c.follows_faca, quorum_rule=QuorumRule(c.quorum_rule),
                           members=members)


@api_bp.get("/committees")
@spec.validate(query=PageQuery, resp=responses(200, Page[CommitteePublic], errors=(401, 422)), tags=TAGS)
def committees(query: PageQuery):
    """Committees, with their members"""
    db = get_session()
    stmt = select(Committee).where(Committee.is_active.is_(True))
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar()
    rows = db.execute(page_rows(stmt.order_by(Committee.id), query.page, query.per_page)).scalars()
    by_id = {c.id: c for c in rows if c.id is not None}  # stored rows: every id is set
    rosters = org.roster(session=db, committee_ids=list(by_id))
    return Page[CommitteePublic](items=[committee_public(c, rosters[cid]) for cid, c in by_id.items()],
                                 page=query.page, per_page=query.per_page, total=total)


@api_bp.get("/committees/<int:committee_id>")
@spec.validate(resp=responses(200, CommitteePublic, errors=(401, 404)), tags=TAGS)
def committee(committee_id: int):
    """One committee, with its members"""
    db = get_session()
    c = org.get_committee(session=db, actor=actor(), committee_id=committee_id)
    return committee_public(c, org.roster(session=db, committee_ids=[committee_id])[committee_id])
