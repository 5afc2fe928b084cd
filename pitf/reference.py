"""The reference data production needs: the member agencies, the bodies and their member agencies (idempotent)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf.models import Agency, Committee, Membership
from pitf.models.org import AgencyCreate, CommitteeCreate
from pitf.permissions import SYSTEM
from pitf.services import org

DEPARTMENTS = [
    ("DOS", "Department of State"), ("USDT", "Department of the Treasury"), ("DOD", "Department of Defense"),
    ("DOJ", "Department of Justice"), ("DOI", "Department of the Interior"), ("USDA", "Department of Agriculture"),
    ("DOC", "Department of Commerce"), ("DOL", "Department of Labor"),
    ("HHS", "Department of Health and Human Services"), ("HUD", "Department of Housing and Urban Development"),
    ("DOT", "Department of Transportation"), ("ED", "Department of Education"),
    ("DHS", "Department of Homeland Security"),
]
OTHER_AGENCIES = [
    ("USAID", "U.S. Agency for International Development"),
    ("EEOC", "Equal Employment Opportunity Commission"), ("FBI", "Federal Bureau of Investigation"),
    ("ODNI", "Office of the Director of National Intelligence"), ("OMB", "Office of Management and Budget"),
    ("USTR", "Office of the U.S. Trade Representative"), ("NSC", "National Security Council"),
    ("DPC", "Domestic Policy Council"),
]
PITF = "President's Interagency Task Force to Monitor and Combat Trafficking in Persons"
SPOG = "Senior Policy Operating Group"
COUNCIL = "U.S. Advisory Council on Human Trafficking"
SPOG_COMMITTEES = {
    "Research and Data": ["DOJ", "DHS", "DOL", "HHS", "DOS", "ODNI"],
    "Grantmaking": ["DOJ", "HHS", "DOS", "USAID", "DOL"],
    "Public Awareness and Outreach": ["DHS", "DOS", "DOT", "ED", "HHS"],
    "Victim Services": ["HHS", "DOJ", "DHS", "HUD", "DOL"],
    "Procurement and Supply Chains": ["DOL", "DHS", "DOD", "DOS", "USDT", "OMB", "USTR"],
}
WORKING_GROUP = "Screening Forms and Protocols Working Group"


def agency_ids(session: Session) -> dict[str, int]:
    # Rows read from the table: every id is set.
    return cast("dict[str, int]", dict(session.execute(select(Agency.acronym, Agency.id)).tuples().all()))


def seed_reference(session: Session) -> None:
    """The member agencies, the bodies and their member agencies."""
    known = agency_ids(session)
    for kind, rows in (("department", DEPARTMENTS), ("other", OTHER_AGENCIES)):
        for acronym, name in rows:
            if acronym not in known:
                org.create_agency(session=session, actor=SYSTEM, agency_in=AgencyCreate.model_validate(
                    {"acronym": acronym, "name": name, "kind": kind}))
    by_name = {c.name: c for c in session.execute(select(Committee)).scalars()}

    def body(name, kind, parent=None, short="", faca=False, quorum="majority_agencies", description=""):
        if name in by_name:
            return by_name[name]
        c = org.create_committee(session=session, actor=SYSTEM, committee_in=CommitteeCreate.model_validate({
            "name": name, "kind": kind, "short_name": short, "parent_id": parent.id if parent else None,
            "follows_faca": faca, "quorum_rule": quorum, "description": description}))
        by_name[name] = c
        return c

    pitf = body(PITF, "task_force", short="PITF",
                description="Cabinet-level task force created by the TVPA of 2000, chaired by the Secretary of "
                            "State. Meets at least once a year.")
    spog = body(SPOG, "operating_group", pitf, short="SPOG",
                description="The PITF's senior working level, chaired by the Director of the TIP Office.")
    council = body(COUNCIL, "advisory_council", short="Council", faca=True, quorum="majority_members",
                   description="Eight to fourteen survivor leaders advising the PITF (22 U.S.C. 7103b).")
    committees = {name: body(name, "committee", spog) for name in SPOG_COMMITTEES}
    wg = body(WORKING_GROUP, "working_group", pitf,
              description="Ad hoc working group on screening forms and protocols.")
    _ = council
    ids = agency_ids(session)
    existing = {(m.committee_id, m.agency_id) for m in session.execute(
        select(Membership).where(Membership.agency_id.is_not(None))).scalars()}

    def member(committee, acronym, role="member"):
        if (committee.id, ids[acronym]) not in existing:
            org.add_membership(session=session, actor=SYSTEM, committee=committee, role=role,
                               agency_acronym=acronym)
            existing.add((committee.id, ids[acronym]))

    for acronym, _name in DEPARTMENTS + OTHER_AGENCIES:
        member(pitf, acronym, "chair" if acronym == "DOS" else "member")
        member(spog, acronym, "chair" if acronym == "DOS" else "member")
    for name, acronyms in SPOG_COMMITTEES.items():
        for i, acronym in enumerate(acronyms):
            member(committees[name], acronym, "chair" if i == 0 else "member")
    for i, acronym in enumerate(["DHS", "DOJ", "HHS", "DOL", "DOS"]):
        member(wg, acronym, "chair" if i == 0 else "member")
