"""API resources of the foundation: the caller, agencies and committees."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import func, select

from pitf.api import api_bp
from pitf.api.util import actor, page_of, pagination
from pitf.db import get_session
from pitf.models import Agency, Committee
from pitf.paging import page_rows
from pitf.services import org


def agency_json(a: Agency) -> dict:
    return {"id": a.id, "acronym": a.acronym, "name": a.name, "kind": a.kind, "is_active": a.is_active}


@api_bp.get("/me")
def me():
    user = actor()
    agency = get_session().get(Agency, user.agency_id) if user.agency_id else None
    return jsonify({"id": user.id, "email": user.email, "name": user.name, "role": user.role,
                    "agency": agency.acronym if agency else None, "timezone": user.timezone})


@api_bp.get("/agencies")
def agencies():
    from flask import request

    page, per_page = pagination()
    db = get_session()
    stmt = select(Agency)
    if request.args.get("include_retired") != "true":
        stmt = stmt.where(Agency.is_active.is_(True))
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar()
    rows = db.execute(page_rows(stmt.order_by(Agency.acronym), page, per_page)).scalars()
    return jsonify(page_of([agency_json(a) for a in rows], page, per_page, total))


def committee_json(c: Committee, roster: org.CommitteeRoster) -> dict:
    members: list[dict[str, object]] = [
        {"type": "agency", "agency": a.acronym, "role": m.role,
         "since": m.started_on.isoformat() if m.started_on else None} for m, a in roster.agencies]
    members += [{"type": "person", "user_id": u.id, "name": u.name, "role": m.role,
                 "since": m.started_on.isoformat() if m.started_on else None} for m, u in roster.people]
    return {"id": c.id, "name": c.name, "short_name": c.short_name, "kind": c.kind, "parent_id": c.parent_id,
            "follows_faca": c.follows_faca, "quorum_rule": c.quorum_rule, "members": members}


@api_bp.get("/committees")
def committees():
    page, per_page = pagination()
    db = get_session()
    stmt = select(Committee).where(Committee.is_active.is_(True))
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar()
    rows = list(db.execute(page_rows(stmt.order_by(Committee.id), page, per_page)).scalars())
    rosters = org.roster(session=db, committee_ids=[c.id for c in rows])
    return jsonify(page_of([committee_json(c, rosters[c.id]) for c in rows], page, per_page, total))


@api_bp.get("/committees/<int:committee_id>")
def committee(committee_id: int):
    db = get_session()
    c = org.get_committee(session=db, actor=actor(), committee_id=committee_id)
    return jsonify(committee_json(c, org.roster(session=db, committee_ids=[committee_id])[committee_id]))
