"""API of Advisory Council recommendations: the list, drafts, submit and withdraw, the secretariat's status moves
along services.rec_workflow.TRANSITIONS, and the agencies' responses. Attachments live in pitf/api/files.py.

Bodies are validated by the classes of pitf/models/recommendations.py (through @spec.validate) and every answer
is shaped by RecommendationPublic or AgencyResponsePublic."""

from __future__ import annotations

from typing import Literal, cast

from flask import current_app, jsonify, request, url_for
from pydantic import Field

from pitf.api import api_bp
from pitf.api.spec import Page, PageQuery, documented, responses, spec
from pitf.api.util import actor, checked_id, filters_and_page, page_of, with_current
from pitf.db import get_session
from pitf.errors import Conflict, ValidationFailed
from pitf.models import Recommendation, utcnow
from pitf.models.recommendations import (
    AgencyResponseCreate,
    AgencyResponseFiled,
    AgencyResponsePublic,
    LinkedActionItem,
    RecommendationCreate,
    RecommendationPublic,
    RecommendationStep,
    RecommendationSubmit,
    RecommendationUpdate,
    TrackingComment,
    TrackingRowPublic,
)
from pitf.models.vocab import Pillar, Position, RecommendationStatus
from pitf.paging import page_slice
from pitf.services import rec_responses, rec_tracking, rec_workflow
from pitf.services import recommendations as recs
from pitf.services.rec_responses import ResponseView
from pitf.services.recommendations import AddressedAgency
from pitf.services.search_query import LANGUAGE_HELP, MAX_QUERY

TAGS = ["recommendations"]


# ---- serialization -----------------------------------------------------------------------------

def rec_public(rec: Recommendation, targets: list[AddressedAgency], cosponsors: list,
               committees: dict[int, str] | None = None) -> RecommendationPublic:
    """The recommendation as the API shows it, with the agencies it is addressed to, its co-sponsors and the
    name of the Council committee that drafted it (*committees*: names by id)."""
    return RecommendationPublic(
        id=cast(int, rec.id), number=rec.number, report_year=rec.report_year, sequence=rec.sequence, title=rec.title,
        body_md=rec.body_md, body_html=rec.body_html, rationale_md=rec.rationale_md,
        rationale_html=rec.rationale_html, pillar=Pillar(rec.pillar), status=RecommendationStatus(rec.status),
        status_label=recs.STATUS_LABELS.get(rec.status, rec.status),
        target_agencies=[t.acronym for t in targets], co_sponsor_ids=sorted(u.id for u in cosponsors),
        priority=rec.priority, drafting_committee_id=rec.drafting_committee_id,
        drafting_committee=(committees or {}).get(rec.drafting_committee_id) if rec.drafting_committee_id else None,
        filed_by=rec.filed_by_id, submitted_at=rec.submitted_at, closed_at=rec.closed_at,
        response_due={t.acronym: t.response_due for t in targets if t.response_due is not None},
        created_at=rec.created_at, updated_at=rec.updated_at, version=rec.version)


def recs_json(db, rows: list[Recommendation]) -> list[dict]:
    """Serialize several recommendations with three queries at most, however many there are."""
    ids = [cast(int, r.id) for r in rows]  # read from the table: every id is set
    targets, cosponsors = recs.targets_of(db, ids), recs.cosponsors_of(db, ids)
    committees = recs.committee_names(db, [r.drafting_committee_id for r in rows])
    return [rec_public(r, targets[i], cosponsors[i], committees).model_dump(mode="json")
            for r, i in zip(rows, ids, strict=True)]


def response_public(view: ResponseView, model: type[AgencyResponsePublic] = AgencyResponsePublic, **extra):
    r = view.response
    return model(
        id=cast(int, r.id), recommendation_id=r.recommendation_id, agency=view.agency, position=Position(r.position),
        position_label=recs.POSITION_LABELS.get(r.position, r.position), response_md=r.response_md,
        response_html=r.response_html, revision=r.revision, is_current=r.is_current, author=view.author,
        author_id=r.author_id, created_at=r.created_at, due_date=r.due_date,
        action_item_ids=[cast(int, i.id) for i in view.action_items],
        action_items=[LinkedActionItem(id=cast(int, i.id), title=i.title, status=i.status, due_date=i.due_date,
                                       percent_complete=i.percent_complete) for i in view.action_items],
        **extra)


# ---- helpers -----------------------------------------------------------------------------------

def _rec_id(rec_id: int) -> int:
    return checked_id(rec_id, "recommendation")


def _current(err: Conflict, rec_id: int) -> Conflict:
    """Attach the recommendation as it is now to a conflict, so the client can show both versions."""
    def read():
        rec, _ = recs.get_recommendation(session=get_session(), actor=actor(), rec_id=rec_id)
        return recs_json(get_session(), [rec])[0]

    return with_current(err, read)


def _one(rec: Recommendation) -> dict:
    """The recommendation as the API shows it, as it now is."""
    return recs_json(get_session(), [rec])[0]


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
    return _one(rec)


def _flag(name: str) -> bool:
    value = (request.args.get(name) or "false").lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise ValidationFailed("Bad argument.", fields={name: "Use true or false."})


# ---- recommendations ---------------------------------------------------------------------------

class RecommendationListQuery(PageQuery):
    """The recommendation list's filters, for the document: the view reads them with the recommendations' own
    parser, which reports a bad filter and a bad page together in one 422."""

    year: int | None = Field(default=None, description="Report year")
    status: RecommendationStatus | None = None
    pillar: Pillar | None = None
    agency: str | None = Field(default=None, description="Agency acronym: recommendations addressed to it")
    priority: bool | None = None
    responded: bool | None = Field(default=None,
                                   description="With agency: that agency's response; true: some response")
    response_overdue: bool | None = Field(default=None, description="Open, and a response is past due")
    q: str | None = Field(default=None, max_length=MAX_QUERY,
                          description="In the number, title, text or rationale: " + LANGUAGE_HELP)
    sort: Literal["number", "-number", "title", "status", "updated", "due"] = "number"


class ResponseListQuery(PageQuery):
    """The responses list's arguments, for the document (the view reads them, every problem in one 422)."""

    all: bool = Field(default=False, description="Every revision")


@api_bp.get("/recommendations")
@documented(query=RecommendationListQuery, resp=responses(200, Page[RecommendationPublic], errors=(401, 422)),
            tags=TAGS)
def recommendations():
    """Recommendations (drafts: the caller's own only)"""
    filters, page, per_page = filters_and_page(recs.parse_filters)  # every bad filter and paging argument at once
    db = get_session()
    rows, total = recs.list_recommendations(session=db, actor=actor(), filters=filters, page=page,
                                            per_page=per_page, today=utcnow().date())
    return jsonify(page_of(recs_json(db, rows), page, per_page, total))


@api_bp.post("/recommendations")
@spec.validate(json=RecommendationCreate, resp=responses(201, RecommendationPublic, errors=(400, 401, 403, 422)),
               tags=TAGS)
def create_recommendation(json: RecommendationCreate):
    """Draft a recommendation (Advisory Council members)"""
    rec = recs.create_draft(session=get_session(), actor=actor(), rec_in=json)
    response = jsonify(_one(rec))
    response.status_code = 201
    response.headers["Location"] = url_for("api.recommendation", rec_id=rec.id)
    return response


@api_bp.get("/recommendations/<int:rec_id>")
@spec.validate(resp=responses(200, RecommendationPublic, errors=(401, 404)), tags=TAGS)
def recommendation(rec_id: int):
    """One recommendation"""
    db = get_session()
    rec, _ = recs.get_recommendation(session=db, actor=actor(), rec_id=_rec_id(rec_id))
    return jsonify(recs_json(db, [rec])[0])


@api_bp.patch("/recommendations/<int:rec_id>")
@spec.validate(json=RecommendationUpdate,
               resp=responses(200, RecommendationPublic, errors=(400, 401, 403, 404, 409, 422)), tags=TAGS)
def edit_recommendation(rec_id: int, json: RecommendationUpdate):
    """Authors edit a draft's fields; the secretariat moves the status (or flags the priority). Never both."""
    rec_id = _rec_id(rec_id)
    drafting, moving = sorted(json.drafting()), json.moving()
    if drafting and moving:
        message = "Edit a draft's fields or change its status, not both in one request."
        raise ValidationFailed(message, fields=dict.fromkeys(sorted(moving), message))
    if "status" in moving:
        status = json.status
        if status not in recs.STATUS_LABELS:
            raise ValidationFailed("Unknown status.", fields={"status": f"Use one of {', '.join(recs.STATUS_LABELS)}."})
        return jsonify(_move(rec_id, json.version, status, note=json.note or "", response_due=json.response_due,
                             priority=json.priority))
    if moving:
        if moving != ["priority"]:
            raise ValidationFailed("Say where the recommendation moves.", fields=dict.fromkeys(
                [m for m in sorted(moving) if m != "priority"], "Send it with the new status."))
        try:
            rec = rec_workflow.set_priority(session=get_session(), actor=actor(), rec_id=rec_id,
                                            version=json.version, priority=json.priority)
        except Conflict as err:
            raise _current(err, rec_id) from None
        return jsonify(_one(rec))
    if not drafting:
        raise ValidationFailed("Nothing to change: send the draft's fields, or a status, or a priority.")
    try:
        rec = recs.update_draft(session=get_session(), actor=actor(), rec_id=rec_id, rec_in=json)
    except Conflict as err:
        raise _current(err, rec_id) from None
    return jsonify(_one(rec))


@api_bp.post("/recommendations/<int:rec_id>/submit")
@spec.validate(json=RecommendationSubmit,
               resp=responses(200, RecommendationPublic, errors=(400, 401, 403, 404, 409, 422)), tags=TAGS)
def submit_recommendation(rec_id: int, json: RecommendationSubmit):
    """Submit a draft: it gets its number (YYYY-NN)"""
    return jsonify(_move(rec_id, json.version, "submitted"))


@api_bp.post("/recommendations/<int:rec_id>/withdraw")
@spec.validate(json=RecommendationStep,
               resp=responses(200, RecommendationPublic, errors=(400, 401, 403, 404, 409, 422)), tags=TAGS)
def withdraw_recommendation(rec_id: int, json: RecommendationStep):
    """Withdraw a submitted recommendation (its authors, while submitted or under review)"""
    return jsonify(_move(rec_id, json.version, "withdrawn", note=json.note or ""))


def tracking_public(row: rec_tracking.TrackingRow) -> TrackingRowPublic:
    return TrackingRowPublic(
        recommendation_id=row.recommendation_id, number=row.number or None, report_year=row.report_year,
        title=row.title, recommendation_md=row.recommendation_md, agency=row.agency or None,
        agency_name=row.agency_name or None, status=RecommendationStatus(row.status), status_words=row.status_words,
        pillar=Pillar(row.pillar), drafting_committee=row.drafting_committee or None, priority=row.priority,
        date_issued=row.date_issued, response_due=row.response_due, date_closed=row.date_closed,
        position=Position(row.position) if row.position else None, position_label=row.position_label or None,
        comments=[TrackingComment(on=h.on, at=h.at, kind=h.kind, agency=h.agency, text=h.text) for h in row.comments],
        running_comments=row.running_comments)


@api_bp.get("/recommendations/tracking")
@documented(query=RecommendationListQuery, resp=responses(200, Page[TrackingRowPublic], errors=(401, 422)),
            tags=TAGS)
def recommendation_tracking():
    """Recommendations as GAO tracks them: one row per recommendation and agency, with the running comments
    (the list's filters; drafts: the caller's own only)"""
    filters, page, per_page = filters_and_page(recs.parse_filters)
    rows = list(rec_tracking.tracking_rows(session=get_session(), actor=actor(), filters=filters,
                                           today=utcnow().date()))
    items = [tracking_public(r).model_dump(mode="json") for r in page_slice(rows, page, per_page)]
    return jsonify(page_of(items, page, per_page, len(rows)))


# ---- responses ---------------------------------------------------------------------------------

@api_bp.get("/recommendations/<int:rec_id>/responses")
@documented(query=ResponseListQuery, resp=responses(200, Page[AgencyResponsePublic], errors=(401, 404, 422)),
            tags=TAGS)
def recommendation_responses(rec_id: int):
    """The agencies' responses, current ones unless all=true"""
    every, page, per_page = filters_and_page(lambda _args: _flag("all"), "Some arguments are not valid.")
    db = get_session()
    rec, _ = recs.get_recommendation(session=db, actor=actor(), rec_id=_rec_id(rec_id))
    views = rec_responses.responses_of(db, rec_id, current_only=not every)
    items = [response_public(v).model_dump(mode="json") for v in page_slice(views, page, per_page)]
    return jsonify(page_of(items, page, per_page, len(views)))


@api_bp.post("/recommendations/<int:rec_id>/responses")
@spec.validate(json=AgencyResponseCreate, resp=responses(201, AgencyResponseFiled, errors=(400, 401, 403, 404, 409,
                                                                                            422)), tags=TAGS)
def respond_to_recommendation(rec_id: int, json: AgencyResponseCreate):
    """File or revise an agency's response; new action items are created with it, all or nothing."""
    db = get_session()
    rec_id = _rec_id(rec_id)
    given = json.action_item_ids
    response = rec_responses.respond(session=db, actor=actor(), rec_id=rec_id, response_in=json)
    view = next(v for v in rec_responses.responses_of(db, rec_id) if v.response.id == response.id)
    linked = [i.id for i in view.action_items]
    body = response_public(view, AgencyResponseFiled, created_action_item_ids=sorted(set(linked) - set(given)))
    out = jsonify(body.model_dump(mode="json"))
    out.status_code = 201
    out.headers["Location"] = url_for("api.recommendation_responses", rec_id=rec_id)
    return out
