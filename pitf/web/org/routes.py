"""Directory pages: the committee tree, each committee, the agencies and each agency."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from pitf.db import get_session
from pitf.models import Agency, Committee, utcnow
from pitf.models.org import COMMITTEE_KIND_LABELS, MEMBERSHIP_ROLE_LABELS
from pitf.services import org
from pitf.services.dashboard import agency_commitments

bp = Blueprint("org", __name__)


@bp.route("/committees")
@login_required
def committees():
    db = get_session()
    committees = org.list_committees(session=db)
    tree = org.committee_tree(committees)
    counts = org.member_counts(db)
    return render_template("org/committees.html", tree=tree, counts=counts, kinds=COMMITTEE_KIND_LABELS)


@bp.route("/committees/<int:committee_id>")
@login_required
def committee(committee_id: int):
    db = get_session()
    c = org.get_committee(session=db, actor=current_user, committee_id=committee_id)
    members = org.roster(session=db, committee_ids=[committee_id])[committee_id]
    parent = db.get(Committee, c.parent_id) if c.parent_id else None
    children = [x for x in org.list_committees(session=db) if x.parent_id == c.id]
    return render_template("org/committee.html", c=c, members=members, parent=parent, children=children,
                           kinds=COMMITTEE_KIND_LABELS, roles=MEMBERSHIP_ROLE_LABELS)


@bp.route("/agencies")
@login_required
def agencies():
    db = get_session()
    active = org.list_agencies(session=db)
    retired = [a for a in org.list_agencies(session=db, include_retired=True) if not a.is_active]
    return render_template("org/agencies.html", agencies=active, retired=retired)


@bp.route("/agencies/<acronym>")
@login_required
def agency(acronym: str):
    db = get_session()
    a: Agency = org.get_agency(session=db, actor=current_user, acronym=acronym)
    assert a.id is not None  # read from the database
    return render_template(
        "org/agency.html", a=a,
        liaisons=org.liaisons_of_agency(session=db, agency_id=a.id),
        memberships=org.memberships_of_agency(session=db, agency_id=a.id),
        commitments=agency_commitments(db, a.id, utcnow().date(), limit=20),
        roles=MEMBERSHIP_ROLE_LABELS,
    )
