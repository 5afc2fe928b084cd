"""API of Advisory Council recommendations: the list, drafts, submit and withdraw, the secretariat's status moves
along services.rec_workflow.TRANSITIONS, and the agencies' responses. Attachments live in pitf/api/files.py."""

from __future__ import annotations

from flask import current_app, jsonify, request, url_for

from pitf.api import api_bp
from pitf.api.util import (
    ACRONYMS,
    DATES,
    IDS,
    actor,
    checked_id,
    iso,
    json_body,
    page_of,
    pagination,
    type_errors,
    unknown_fields,
    with_current,
)
from pitf.db import get_session
from pitf.errors import Conflict, ValidationFailed
from pitf.models import Recommendation, utcnow
from pitf.services import rec_responses, rec_workflow
from pitf.services import recommendations as recs
from pitf.services.rec_responses import ResponseView
from pitf.services.recommendations import AddressedAgency

DRAFT_FIELD_TYPES = {"title": str, "body_md": str, "rationale_md": str, "pillar": str, "report_year": int,
                     "target_agencies": ACRONYMS, "co_sponsor_ids": IDS}
MOVE_FIELD_TYPES = {"status": str, "note": str, "response_due": DATES, "priority": bool}
PATCH_FIELD_TYPES = {**DRAFT_FIELD_TYPES, **MOVE_FIELD_TYPES, "version": int}
STEP_FIELD_TYPES = {"version": int, "note": str}  # submit and withdraw
RESPONSE_FIELD_TYPES = {"agency": str, "position": str, "response_md": str, "action_item_ids": IDS,
                        "new_action_items": list}
NEW_ITEM_FIELD_TYPES = {"title": str, "due_date": str, "description_md": str}


# ---- serialization -----------------------------------------------------------------------------

def rec_json(rec: Recommendation, targets: list[AddressedAgency], cosponsors: list) -> dict:
    """The recommendation as the API shows it, with the agencies it is addressed to and its co-sponsors."""
    return {
        "id": rec.id, "number": rec.number, "report_year": rec.report_year, "sequence": rec.sequence,
        "title": rec.title, "body_md": rec.body_md, "body_html": rec.body_html, "rationale_md": rec.rationale_md,
        "rationale_html": rec.rationale_html, "pillar": rec.pillar, "status": rec.status,
        "status_label": recs.STATUS_LABELS.get(rec.status, rec.status),
        "target_agencies": [t.acronym for t in targets],
        "co_sponsor_ids": sorted(u.id for u in cosponsors), "priority": rec.priority, "filed_by": rec.filed_by_id,
        "submitted_at": iso(rec.submitted_at), "closed_at": iso(rec.closed_at),
        "response_due": {t.acronym: iso(t.response_due) for t in targets if t.response_due is not None},
        "created_at": iso(rec.created_at), "updated_at": iso(rec.updated_at), "version": rec.version,
    }


def recs_json(db, rows: list[Recommendation]) -> list[dict]:
    """Serialize several recommendations with two queries, however many there are."""
    ids = [r.id for r in rows]
    targets, cosponsors = recs.targets_of(db, ids), recs.cosponsors_of(db, ids)
    return [rec_json(r, targets[r.id], cosponsors[r.id]) for r in rows]


def response_json(view: ResponseView) -> dict:
    r = view.response
    return {
        "id": r.id, "recommendation_id": r.recommendation_id, "agency": view.agency, "position": r.position,
        "position_label": recs.POSITION_LABELS.get(r.position, r.position), "response_md": r.response_md,
        "response_html": r.response_html, "revision": r.revision, "is_current": r.is_current,
        "author": view.author, "author_id": r.author_id, "created_at": iso(r.created_at), "due_date": iso(r.due_date),
        "action_item_ids": [i.id for i in view.action_items],
        "action_items": [{"id": i.id, "title": i.title, "status": i.status, "due_date": iso(i.due_date),
                          "percent_complete": i.percent_complete} for i in view.action_items],
    }


# ---- input checks ------------------------------------------------------------------------------

def _check(data: dict, types: dict, message: str = "This field cannot be set here.") -> None:
    """Refuse unknown fields and values of the wrong JSON type, every one named, before a service reads them."""
    errors = unknown_fields(data, types, message=message)
    errors.update(type_errors(data, types))
    if errors:
        raise ValidationFailed("Some fields are not valid.", fields=errors)


def _rec_id(rec_id: int) -> int:
    return checked_id(rec_id, "recommendation")


def _current(err: Conflict, rec_id: int) -> Conflict:
    """Attach the recommendation as it is now to a conflict, so the client can show both versions."""
    def read():
        rec, _ = recs.get_recommendation(session=get_session(), actor=actor(), rec_id=rec_id)
        return recs_json(get_session(), [rec])[0]

    return with_current(err, read)


def _one(rec_id: int) -> dict:
    db = get_session()
    rec = db.get(Recommendation, rec_id)
    return recs_json(db, [rec])[0]


def _response_days() -> int:
    return int(current_app.config.get("PITF_RESPONSE_DAYS", rec_workflow.DEFAULT_RESPONSE_DAYS))


def _move(rec_id: int, version, to: str, *, note: str = "", response_due=None, priority=None) -> dict:
    """Move the recommendation along the table (the service checks the move, the role and the version)."""
    try:
        rec = rec_workflow.transition(session=get_session(), actor=actor(), rec_id=_rec_id(rec_id), version=version,
                                      to=to, note=note or "", response_due=response_due, priority=priority,
                                      today=utcnow().date(), response_days=_response_days())
    except Conflict as err:  # a version conflict; a refused move (InvalidTransition) is not one
        raise _current(err, rec_id) from None
    return _one(rec.id)


def _flag(name: str) -> bool:
    value = (request.args.get(name) or "false").lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise ValidationFailed("Bad argument.", fields={name: "Use true or false."})


# ---- recommendations ---------------------------------------------------------------------------

@api_bp.get("/recommendations")
def recommendations():
    problems = {}  # every bad filter and paging argument at once
    try:
        filters = recs.parse_filters(request.args)
    except ValidationFailed as err:
        problems.update(err.fields)
    try:
        page, per_page = pagination()
    except ValidationFailed as err:
        problems.update(err.fields)
    if problems:
        raise ValidationFailed("Some filters are not valid.", fields=problems)
    db = get_session()
    rows, total = recs.list_recommendations(session=db, actor=actor(), filters=filters, page=page,
                                            per_page=per_page, today=utcnow().date())
    return jsonify(page_of(recs_json(db, rows), page, per_page, total))


@api_bp.post("/recommendations")
def create_recommendation():
    data = json_body()
    _check(data, DRAFT_FIELD_TYPES)
    rec = recs.create_draft(session=get_session(), actor=actor(), data=data)
    response = jsonify(_one(rec.id))
    response.status_code = 201
    response.headers["Location"] = url_for("api.recommendation", rec_id=rec.id)
    return response


@api_bp.get("/recommendations/<int:rec_id>")
def recommendation(rec_id: int):
    db = get_session()
    rec, _ = recs.get_recommendation(session=db, actor=actor(), rec_id=_rec_id(rec_id))
    return jsonify(recs_json(db, [rec])[0])


@api_bp.patch("/recommendations/<int:rec_id>")
def edit_recommendation(rec_id: int):
    """Authors edit a draft's fields; the secretariat moves the status (or flags the priority). Never both."""
    data = json_body()
    _check(data, PATCH_FIELD_TYPES, "This field cannot be changed.")
    rec_id = _rec_id(rec_id)
    drafting = sorted(set(data) & set(DRAFT_FIELD_TYPES))
    moving = sorted(set(data) & set(MOVE_FIELD_TYPES))
    if drafting and moving:
        message = "Edit a draft's fields or change its status, not both in one request."
        raise ValidationFailed(message, fields=dict.fromkeys(moving, message))
    if "status" in data:
        status = data["status"]
        if status not in recs.STATUS_LABELS:
            raise ValidationFailed("Unknown status.", fields={"status": f"Use one of {', '.join(recs.STATUS_LABELS)}."})
        return jsonify(_move(rec_id, data.get("version"), status, note=data.get("note") or "",
                             response_due=data.get("response_due"), priority=data.get("priority")))
    if moving:
        if moving != ["priority"]:
            raise ValidationFailed("Say where the recommendation moves.", fields=dict.fromkeys(
                [m for m in moving if m != "priority"], "Send it with the new status."))
        try:
            rec = rec_workflow.set_priority(session=get_session(), actor=actor(), rec_id=rec_id,
                                            version=data.get("version"), priority=data["priority"])
        except Conflict as err:
            raise _current(err, rec_id) from None
        return jsonify(_one(rec.id))
    if not drafting:
        raise ValidationFailed("Nothing to change: send the draft's fields, or a status, or a priority.")
    try:
        rec = recs.update_draft(session=get_session(), actor=actor(), rec_id=rec_id, version=data.get("version"),
                                data={k: v for k, v in data.items() if k != "version"})
    except Conflict as err:
        raise _current(err, rec_id) from None
    return jsonify(_one(rec.id))


@api_bp.post("/recommendations/<int:rec_id>/submit")
def submit_recommendation(rec_id: int):
    data = json_body()
    _check(data, {"version": int})
    return jsonify(_move(rec_id, data.get("version"), "submitted"))


@api_bp.post("/recommendations/<int:rec_id>/withdraw")
def withdraw_recommendation(rec_id: int):
    data = json_body()
    _check(data, STEP_FIELD_TYPES)
    return jsonify(_move(rec_id, data.get("version"), "withdrawn", note=data.get("note") or ""))


# ---- responses ---------------------------------------------------------------------------------

@api_bp.get("/recommendations/<int:rec_id>/responses")
def recommendation_responses(rec_id: int):
    problems = {}
    try:
        every = _flag("all")
    except ValidationFailed as err:
        problems.update(err.fields)
    try:
        page, per_page = pagination()
    except ValidationFailed as err:
        problems.update(err.fields)
    if problems:
        raise ValidationFailed("Some arguments are not valid.", fields=problems)
    db = get_session()
    rec, _ = recs.get_recommendation(session=db, actor=actor(), rec_id=_rec_id(rec_id))
    views = rec_responses.responses_of(db, rec.id, current_only=not every)
    start = (page - 1) * per_page
    return jsonify(page_of([response_json(v) for v in views[start:start + per_page]], page, per_page, len(views)))


def _check_new_items(raw) -> None:
    """Each new action item an object of known fields with the right types, named like new_action_items[1].title."""
    if not isinstance(raw, list):
        return
    errors: dict[str, str] = {}
    for n, item in enumerate(raw):
        prefix = f"new_action_items[{n}]"
        if not isinstance(item, dict):
            errors[prefix] = "Each new action item is an object: title, due_date, description_md."
            continue
        for name in sorted(set(item) - set(NEW_ITEM_FIELD_TYPES)):
            errors[f"{prefix}.{name}"] = "A new action item has title, due_date and description_md."
        errors.update(type_errors(item, NEW_ITEM_FIELD_TYPES, prefix=prefix + "."))
    if errors:
        raise ValidationFailed("A new action item has problems.", fields=errors)


@api_bp.post("/recommendations/<int:rec_id>/responses")
def respond_to_recommendation(rec_id: int):
    """File or revise an agency's response; new action items are created with it, all or nothing."""
    data = json_body()
    _check(data, RESPONSE_FIELD_TYPES)
    _check_new_items(data.get("new_action_items"))
    db = get_session()
    rec_id = _rec_id(rec_id)
    given = data.get("action_item_ids") or []
    response = rec_responses.respond(session=db, actor=actor(), rec_id=rec_id, agency=data.get("agency") or "",
                                     position=data.get("position"), response_md=data.get("response_md") or "",
                                     action_item_ids=given, new_action_items=data.get("new_action_items") or [])
    view = next(v for v in rec_responses.responses_of(db, rec_id) if v.response.id == response.id)
    body = response_json(view)
    body["created_action_item_ids"] = sorted(set(body["action_item_ids"]) - set(given))
    out = jsonify(body)
    out.status_code = 201
    out.headers["Location"] = url_for("api.recommendation_responses", rec_id=rec_id)
    return out
