"""Directory pages: the committee tree, each committee, the agencies and each agency."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from pitf import permissions
from pitf.db import get_session
from pitf.errors import ValidationFailed
from pitf.models import Agency, Committee, utcnow
from pitf.models.org import COMMITTEE_KIND_LABELS, MEMBERSHIP_ROLE_LABELS
from pitf.services import faca_export, org
from pitf.services.dashboard import agency_commitments
from pitf.services.federal_clocks import federal_today

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
    faca_years = (faca_export.fiscal_years(db, c, federal_today())
                  if c.follows_faca and permissions.can_export_faca(current_user) else [])
    return render_template("org/committee.html", c=c, members=members, parent=parent, children=children,
                           kinds=COMMITTEE_KIND_LABELS, roles=MEMBERSHIP_ROLE_LABELS, faca_years=faca_years)


@bp.route("/committees/<int:committee_id>/faca-export")
@login_required
def faca_export_download(committee_id: int):
    """The FACA Database export: the form choosing the fiscal year, and with ?fiscal_year= the zip itself."""
    db = get_session()
    today = federal_today()
    try:
        c, years = faca_export.export_choices(session=db, actor=current_user, committee_id=committee_id,
                                              today=today)
    except ValidationFailed as err:  # a body outside FACA: said on the page, nothing to download
        c = org.get_committee(session=db, actor=current_user, committee_id=committee_id)
        return render_template("org/faca_export.html", c=c, years=[], error=err, chosen=None), 422
    raw = request.args.get("fiscal_year")
    if raw is None:
        return render_template("org/faca_export.html", c=c, years=years, error=None, chosen=None)
    try:
        export = faca_export.get_export(session=db, actor=current_user, committee_id=committee_id,
                                        fiscal_year=raw, today=today)
    except ValidationFailed as err:
        return render_template("org/faca_export.html", c=c, years=years, error=err, chosen=raw), 422
    return Response(faca_export.export_zip(export), content_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{export.filename}"'})


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
