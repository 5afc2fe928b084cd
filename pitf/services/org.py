"""Agencies, committees and memberships: the structure of the task force."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import NotFound, ValidationFailed, require
from pitf.models import Agency, Committee, Membership, User, utcnow
from pitf.models.org import (
    COMMITTEE_KINDS,
    MEMBERSHIP_ROLES,
    AgencyCreate,
    AgencyUpdate,
    AppointmentType,
    CommitteeCreate,
    CommitteeUpdate,
)
from pitf.services import audit
from pitf.services.concurrency import check_version
from pitf.validation import validate_beside

# ---- agencies -------------------------------------------------------------------------------

def list_agencies(*, session: Session, include_retired: bool = False) -> list[Agency]:
    stmt = select(Agency).order_by(Agency.acronym)
    if not include_retired:
        stmt = stmt.where(Agency.is_active.is_(True))
    return list(session.execute(stmt).scalars())


def get_agency(*, session: Session, actor, acronym: str) -> Agency:
    require_view = permissions.can_view_directory(actor)
    agency = session.execute(select(Agency).where(Agency.acronym == (acronym or "").upper())).scalar_one_or_none()
    if agency is None or not require_view:
        raise NotFound("No agency has that acronym.")
    return agency


def _agency_problems(session: Session, values: Mapping[str, Any], agency_id: int | None) -> dict[str, str]:
    acronym = str(values.get("acronym") or "").strip().upper()
    if not acronym or agency_id is not None:
        return {}
    clash = session.execute(select(Agency.id).where(Agency.acronym == acronym)).scalar()
    return {"acronym": "Another agency already has this acronym."} if clash is not None else {}


def create_agency(*, session: Session, actor, agency_in: AgencyCreate | Mapping[str, Any]) -> Agency:
    require(permissions.can_manage_agencies(actor))
    checked = validate_beside(AgencyCreate, agency_in, "The agency could not be created.",
                              lambda values: _agency_problems(session, values, None))
    agency = Agency(acronym=checked.acronym, name=checked.name, kind=str(checked.kind))
    session.add(agency)
    session.flush()
    audit.record(session, actor=actor, action="agency.created", obj=agency,
                 changes=audit.creation_changes(agency, ["acronym", "name", "kind"]))
    return agency


def update_agency(*, session: Session, actor, agency: Agency, version,
                  agency_in: AgencyUpdate | Mapping[str, Any]) -> Agency:
    """Rename or reclassify; the acronym is the key everywhere and does not change."""
    require(permissions.can_manage_agencies(actor))
    check_version(agency, version)
    checked = validate_beside(AgencyUpdate, agency_in, "The agency could not be saved.", lambda values: {})
    changes = audit.apply_changes(agency, {"name": checked.name, "kind": str(checked.kind)})
    if changes:
        audit.record(session, actor=actor, action="agency.updated", obj=agency, changes=changes)
        session.flush()
    return agency


def set_agency_active(*, session: Session, actor, agency: Agency, active: bool) -> Agency:
    """Retire or restore an agency; agencies are never deleted, so history keeps them."""
    require(permissions.can_manage_agencies(actor))
    if agency.is_active == active:
        return agency
    changes = audit.apply_changes(agency, {"is_active": active, "retired_at": None if active else utcnow()})
    audit.record(session, actor=actor, action="agency.restored" if active else "agency.retired",
                 obj=agency, changes=changes)
    session.flush()
    return agency


# ---- committees -----------------------------------------------------------------------------

@dataclass
class CommitteeNode:
    committee: Committee
    children: list[CommitteeNode] = field(default_factory=list)


def list_committees(*, session: Session, include_inactive: bool = False) -> list[Committee]:
    stmt = select(Committee).order_by(Committee.name)
    if not include_inactive:
        stmt = stmt.where(Committee.is_active.is_(True))
    return list(session.execute(stmt).scalars())


def committee_tree(committees: list[Committee]) -> list[CommitteeNode]:
    """Arrange committees under their parents: PITF > SPOG > committees, and the Council beside."""
    nodes = {c.id: CommitteeNode(c) for c in committees}
    roots: list[CommitteeNode] = []
    kind_order: dict[str, int] = {k: i for i, k in enumerate(COMMITTEE_KINDS)}
    for c in committees:
        parent = nodes.get(c.parent_id)
        (parent.children if parent else roots).append(nodes[c.id])

    def sort(children: list[CommitteeNode]) -> None:
        children.sort(key=lambda n: (kind_order.get(n.committee.kind, 99), n.committee.name))
        for n in children:
            sort(n.children)

    sort(roots)
    return roots


def get_committee(*, session: Session, actor, committee_id: int) -> Committee:
    committee = session.get(Committee, committee_id)
    if committee is None or not permissions.can_view_directory(actor):
        raise NotFound("No such committee.")
    return committee


def _committee_problems(session: Session, values: Mapping[str, Any], committee_id: int | None) -> dict[str, str]:
    """What only the database tells of a committee: a name in use, a parent missing or below it."""
    errors = {}
    name = str(values.get("name") or "").strip()
    clash = session.execute(select(Committee.id).where(Committee.name == name)).scalar() if name else None
    if clash is not None and clash != committee_id:
        errors["name"] = "Another committee already has this name."
    parent_id = values.get("parent_id")
    if isinstance(parent_id, int) and not isinstance(parent_id, bool):
        parent = session.get(Committee, parent_id)
        if parent is None:
            errors["parent_id"] = "No such parent committee."
        elif committee_id is not None:
            # Refuse cycles: the new parent must not be this committee or one of its descendants.
            seen: set[int | None] = set()
            cur: Committee | None = parent
            while cur is not None and cur.id not in seen:
                if cur.id == committee_id:
                    errors["parent_id"] = "A committee cannot sit under itself or its own sub-committee."
                    break
                seen.add(cur.id)
                cur = session.get(Committee, cur.parent_id) if cur.parent_id else None
    return errors


def create_committee(*, session: Session, actor, committee_in: CommitteeCreate | Mapping[str, Any]) -> Committee:
    require(permissions.can_manage_committees(actor))
    checked = validate_beside(CommitteeCreate, committee_in, "The committee could not be created.",
                              lambda values: _committee_problems(session, values, None))
    committee = Committee(**checked.model_dump(mode="json"))
    session.add(committee)
    session.flush()
    audit.record(session, actor=actor, action="committee.created", obj=committee,
                 changes=audit.creation_changes(committee, ["name", "kind", "parent_id", "follows_faca",
                                                            "quorum_rule"]))
    return committee


def update_committee(*, session: Session, actor, committee: Committee, version,
                     committee_in: CommitteeUpdate | Mapping[str, Any]) -> Committee:
    require(permissions.can_manage_committees(actor))
    check_version(committee, version)
    checked = validate_beside(CommitteeUpdate, committee_in, "The committee could not be saved.",
                              lambda values: _committee_problems(session, values, committee.id))
    changes = audit.apply_changes(committee, checked.model_dump(mode="json"))
    if changes:
        audit.record(session, actor=actor, action="committee.updated", obj=committee, changes=changes)
        session.flush()
    return committee


# ---- memberships ----------------------------------------------------------------------------

@dataclass
class CommitteeRoster:
    agencies: list[tuple[Membership, Agency]]
    people: list[tuple[Membership, User]]


def roster(*, session: Session, committee_ids: list[int]) -> dict[int, CommitteeRoster]:
    """Current members (agencies and people) of each committee, in two queries."""
    result = {cid: CommitteeRoster([], []) for cid in committee_ids}
    if not committee_ids:
        return result
    role_order = {r: i for i, r in enumerate(MEMBERSHIP_ROLES)}
    rows = session.execute(
        select(Membership, Agency).join(Agency, Agency.id == Membership.agency_id)
        .where(Membership.committee_id.in_(committee_ids), Membership.ended_on.is_(None))
    ).all()
    for r in sorted(rows, key=lambda r: (role_order.get(r.Membership.role, 9), r.Agency.acronym)):
        result[r.Membership.committee_id].agencies.append((r.Membership, r.Agency))
    people = session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.committee_id.in_(committee_ids), Membership.ended_on.is_(None))
    ).all()
    for p in sorted(people, key=lambda p: (role_order.get(p.Membership.role, 9), p.User.name)):
        result[p.Membership.committee_id].people.append((p.Membership, p.User))
    return result


def memberships_of_agency(*, session: Session, agency_id: int) -> list[tuple[Membership, Committee]]:
    return list(session.execute(
        select(Membership, Committee).join(Committee, Committee.id == Membership.committee_id)
        .where(Membership.agency_id == agency_id, Membership.ended_on.is_(None))
        .order_by(Committee.name)
    ).tuples().all())


def memberships_of_user(*, session: Session, user_id: int) -> list[tuple[Membership, Committee]]:
    return list(session.execute(
        select(Membership, Committee).join(Committee, Committee.id == Membership.committee_id)
        .where(Membership.user_id == user_id, Membership.ended_on.is_(None))
        .order_by(Committee.name)
    ).tuples().all())


def liaisons_of_agency(*, session: Session, agency_id: int) -> list[User]:
    return list(session.execute(
        select(User).where(User.agency_id == agency_id, User.role == "liaison", User.is_active.is_(True))
        .order_by(User.name)
    ).scalars())


def _appointment_problems(appointment_type: str | None, started_on: date | None,
                          term_ends_on: date | None) -> dict[str, str]:
    errors = {}
    if appointment_type is not None and appointment_type not in tuple(AppointmentType):
        errors["appointment_type"] = "Choose an appointment type from the list."
    if term_ends_on is not None and started_on is not None and term_ends_on < started_on:
        errors["term_ends_on"] = "The term ends on or after the appointment's start."
    return errors


def add_membership(*, session: Session, actor, committee: Committee, role: str, user_id: int | None = None,
                   agency_acronym: str | None = None, started_on: date | None = None,
                   appointment_type: str | None = None, term_ends_on: date | None = None) -> Membership:
    """Add a member; *appointment_type* and the term (*started_on* to *term_ends_on*) are what the FACA
    Database asks of a FACA body's members (both optional)."""
    require(permissions.can_manage_memberships(actor))
    errors = {}
    if role not in MEMBERSHIP_ROLES:
        errors["role"] = "Choose a role from the list."
    errors.update(_appointment_problems(appointment_type or None, started_on or utcnow().date(), term_ends_on))
    agency = None
    if bool(user_id) == bool(agency_acronym):
        errors["member"] = "Choose either a person or an agency."
    elif user_id:
        if session.get(User, user_id) is None:
            errors["user_id"] = "No such person."
    elif agency_acronym:  # always, here: exactly one of the two was given
        agency = session.execute(select(Agency).where(Agency.acronym == agency_acronym.upper())).scalar()
        if agency is None:
            errors["agency"] = "No agency has that acronym."
        elif not agency.is_active:
            errors["agency"] = "This agency is retired."
    assert committee.id is not None  # a stored committee
    if not errors:
        # Without errors, either user_id is given or the agency was found.
        same_member = (Membership.user_id == user_id if user_id
                       else Membership.agency_id == cast(Agency, agency).id)
        existing = session.execute(select(Membership.id).where(
            Membership.committee_id == committee.id, Membership.ended_on.is_(None), same_member,
        )).scalar()
        if existing is not None:
            errors["member"] = "Already a member of this committee; end that membership to change it."
    if errors:
        raise ValidationFailed("The membership could not be added.", fields=errors)
    membership = Membership(committee_id=committee.id, user_id=user_id or None,
                            agency_id=agency.id if agency else None, role=role,
                            started_on=started_on or utcnow().date(), appointment_type=appointment_type or None,
                            term_ends_on=term_ends_on)
    session.add(membership)
    session.flush()
    audit.record(session, actor=actor, action="membership.added", obj=membership,
                 changes=audit.creation_changes(membership, ["committee_id", "user_id", "agency_id", "role",
                                                             "started_on", "appointment_type", "term_ends_on"]))
    return membership


def update_appointment(*, session: Session, actor, membership_id: int, version, appointment_type: str | None,
                       started_on: date | None, term_ends_on: date | None) -> Membership:
    """Record a member's appointment: its type and its term (start and end)."""
    require(permissions.can_manage_memberships(actor))
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise NotFound("No such membership.")
    check_version(membership, version)
    errors = _appointment_problems(appointment_type or None, started_on, term_ends_on)
    if started_on is None:
        errors["started_on"] = "Enter the day the appointment started."
    if errors:
        raise ValidationFailed("The appointment could not be saved.", fields=errors)
    changes = audit.apply_changes(membership, {"appointment_type": appointment_type or None,
                                               "started_on": started_on, "term_ends_on": term_ends_on})
    if changes:
        audit.record(session, actor=actor, action="membership.appointment", obj=membership, changes=changes)
        session.flush()
    return membership


def end_membership(*, session: Session, actor, membership_id: int, ended_on: date | None = None) -> Membership:
    require(permissions.can_manage_memberships(actor))
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise NotFound("No such membership.")
    if membership.ended_on is not None:
        return membership
    changes = audit.apply_changes(membership, {"ended_on": ended_on or utcnow().date()})
    audit.record(session, actor=actor, action="membership.ended", obj=membership, changes=changes)
    session.flush()
    return membership


def committees_by_id(session: Session) -> dict[int, Committee]:
    return {cast(int, c.id): c for c in session.execute(select(Committee)).scalars()}  # stored rows: ids set


def member_counts(session: Session) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"agencies": 0, "people": 0})
    for m in session.execute(select(Membership).where(Membership.ended_on.is_(None))).scalars():
        counts[m.committee_id]["agencies" if m.agency_id else "people"] += 1
    return counts
