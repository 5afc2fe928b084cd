"""The recommendations blueprint and the page of one recommendation: its targets and responses, history, moves,
response form and meeting form. Every refused write on a recommendation renders this page again with its errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from pitf import permissions
from pitf.db import get_session
from pitf.models import Recommendation, User, utcnow
from pitf.models.actions import ACTION_STATUS_LABELS, PILLAR_LABELS
from pitf.services import rec_presentations, rec_responses, rec_tracking, rec_workflow
from pitf.services import recommendations as recs
from pitf.services.meetings import meeting_local_date
from pitf.services.rec_responses import ResponseView
from pitf.services.recommendations import AddressedAgency, RecommendationAccess
from pitf.web.choices import options
from pitf.web.confirm import question
from pitf.web.recommendations.forms import PresentForm, ResponseForm

bp = Blueprint("recommendations", __name__, url_prefix="/recommendations")

TO_FORM = {"version": "-"}  # the version read is not a field anyone types: its error goes to the top


@bp.context_processor
def _helpers():
    return {"status_labels": recs.STATUS_LABELS, "position_labels": recs.POSITION_LABELS,
            "pillar_labels": PILLAR_LABELS, "action_status_labels": ACTION_STATUS_LABELS,
            "submit_confirm": question("submit_recommendation")}  # asked first (templates/_confirm.html)


def utc_today() -> date:
    return utcnow().date()


def response_days() -> int:
    return int(current_app.config.get("PITF_RESPONSE_DAYS") or rec_workflow.DEFAULT_RESPONSE_DAYS)


@dataclass
class TargetView:
    acronym: str
    due: date | None
    overdue: bool
    current: ResponseView | None
    earlier: list[ResponseView]


@dataclass
class MoveState:
    """A move posted and refused: its errors and what was typed, to show again in its form."""

    to: str
    errors: dict[str, str]
    note: str = ""
    priority: bool = False
    response_due: dict[str, str] = field(default_factory=dict)
    conflict: bool = False


def _attachments_url(rec_id: int) -> str | None:
    """The recommendation's attachments page, where the files feature provides one."""
    for rule in current_app.url_map.iter_rules():
        if re.fullmatch(r"/recommendations/<(?:int:)?\w+>/attachments", rule.rule) and "GET" in (rule.methods or ()):
            try:
                values: dict[str, Any] = {next(iter(rule.arguments)): rec_id}
                return url_for(rule.endpoint, **values)
            except BuildError:
                return None
    return None


def my_target(targets: list[AddressedAgency]) -> AddressedAgency | None:
    """The signed-in liaison's agency among those the recommendation is addressed to, if it is one."""
    mine = getattr(current_user, "agency_id", None)
    return next((t for t in targets if mine is not None and t.agency_id == mine), None)


def build_response_form(db, rec: Recommendation, acronym: str, agency_id: int, current: ResponseView | None,
                        *, posted: bool = False) -> ResponseForm:
    """The response form: as posted (to show again with its errors), or filled from the current response."""
    assert rec.id is not None  # read from the database
    items = rec_responses.linkable_action_items(db, rec.id, agency_id)
    if not posted:
        data: dict[str, object] = {"agency": acronym}
        if current is not None:
            data.update(position=current.response.position, response_md=current.response.response_md,
                        action_item_ids=[str(i.id) for i in current.action_items])
        form = ResponseForm(formdata=None, data=data)
    else:
        form = ResponseForm()
    form.action_item_ids.choices = options(
        (i.id, f"{i.title} (due {i.due_date.isoformat()}, {ACTION_STATUS_LABELS.get(i.status, i.status).lower()})")
        for i in items)
    return form


def render_page(rec: Recommendation, is_author: bool, *, status: int = 200, move: MoveState | None = None,
                response_form: ResponseForm | None = None, present_form: PresentForm | None = None,
                priority_conflict: bool = False):
    """The recommendation's page; a refused write passes its form (with errors) and the status to answer with."""
    db = get_session()
    now = utc_today()
    assert rec.id is not None  # read from the database
    targets = recs.targets_of(db, [rec.id])[rec.id]
    responses = rec_responses.responses_of(db, rec.id, current_only=False)
    target_views = []
    for target in targets:
        answered = [v for v in responses if v.agency == target.acronym]
        current = next((v for v in answered if v.response.is_current), None)
        overdue = (rec.status == "open" and current is None and target.response_due is not None
                   and target.response_due < now)
        target_views.append(TargetView(target.acronym, target.response_due, overdue, current,
                                       [v for v in reversed(answered) if not v.response.is_current]))
    mine = my_target(targets)
    my_acronym = mine.acronym if mine else None
    can_respond = permissions.can_respond_for(current_user, getattr(current_user, "agency_id", None),
                                              mine is not None, rec.status)
    my_current = next((t.current for t in target_views if t.acronym == my_acronym), None)
    if can_respond and response_form is None and my_acronym is not None:  # can_respond: mine is not None
        response_form = build_response_form(db, rec, my_acronym, current_user.agency_id, my_current)
    if not can_respond:
        response_form = None
    meetings_offered = rec_presentations.presentation_meetings(db, current_user) if rec.number else []
    if permissions.can_link_meeting_to_recommendation(current_user) and rec.number and present_form is None:
        present_form = PresentForm(formdata=None)
    if present_form is not None:
        present_form.meeting_id.choices = options([("", "Choose a meeting")] + [
            (m.id, f"{meeting_local_date(m).strftime('%B %-d, %Y')}: {m.title}") for m in meetings_offered])
    filer = db.get(User, rec.filed_by_id)
    moves = rec_workflow.allowed_moves(current_user, rec, is_author)
    default_due = (now + timedelta(days=response_days())).isoformat()
    return render_template(
        "recommendations/view.html", rec=rec, is_author=is_author, filer=filer,
        cosponsors=recs.cosponsors_of(db, [rec.id])[rec.id], targets=target_views,
        drafting_committee=recs.committee_names(db, [rec.drafting_committee_id]).get(rec.drafting_committee_id or 0),
        history=rec_tracking.running_history(db, [rec.id])[rec.id],
        presented=rec_presentations.presented_at(db, current_user, rec.id),
        moves=moves, move=move, default_due=default_due, default_days=response_days(),
        response_form=response_form, my_acronym=my_acronym, my_current=my_current, present_form=present_form,
        attachments_url=_attachments_url(rec.id) if permissions.can_read_recommendation_files(
            current_user, rec, is_author, mine is not None) else None,
        can_edit=permissions.can_edit_recommendation_draft(current_user, rec, is_author),
        can_flag=permissions.is_staff(current_user), priority_conflict=priority_conflict, today=now,
    ), status


def reload(rec_id: int) -> RecommendationAccess:
    """The recommendation as it is now, after a refused write (the session is rolled back first)."""
    db = get_session()
    db.rollback()
    return recs.get_recommendation(session=db, actor=current_user, rec_id=rec_id)
