"""Recommendation pages: the list and its CSV, each recommendation's page, and drafting. The moves, the priority
flag and the meeting are in moves_routes, the agencies' responses in responses_routes; all share one blueprint."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import cast
from urllib.parse import urlencode

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pitf import permissions
from pitf.db import get_session
from pitf.errors import Conflict, ValidationFailed, require
from pitf.models import Recommendation
from pitf.models.recommendations import RecommendationCreate, RecommendationUpdate
from pitf.services import org, rec_responses, rec_tracking
from pitf.services import recommendations as recs
from pitf.services.csv_export import csv_line
from pitf.textutil import parse_id
from pitf.validation import validate
from pitf.web.actions.routes import MAX_PER_PAGE, PER_PAGE
from pitf.web.choices import options
from pitf.web.form_errors import apply_form_errors
from pitf.web.list_page import liaison_start, read_list

# Imported for their views, which they add to the one blueprint.
from pitf.web.recommendations import moves_routes, responses_routes  # noqa: F401
from pitf.web.recommendations.forms import RecommendationForm
from pitf.web.recommendations.page import TO_FORM, bp, reload, render_page, utc_today
from pitf.web.zones import localtime

__all__ = ["bp"]

CSV_BATCH = 500


# ---- the list --------------------------------------------------------------------------------

@dataclass
class TargetState:
    acronym: str
    due: date | None
    responded: bool
    overdue: bool


@dataclass
class Row:
    rec: Recommendation
    targets: list[TargetState] = field(default_factory=list)

    @property
    def responded(self) -> int:
        return sum(t.responded for t in self.targets)

    @property
    def overdue(self) -> bool:
        return any(t.overdue for t in self.targets)

    @property
    def earliest_due(self) -> date | None:
        return min((t.due for t in self.targets if t.due), default=None)


def _rows(db, rows: list[Recommendation], today: date) -> list[Row]:
    """Each recommendation with its targets and who answered: two queries for the whole page."""
    ids = [cast(int, r.id) for r in rows]  # read from the table: every id is set
    targets, answered = recs.targets_of(db, ids), rec_responses.responded_agencies(db, ids)
    result = []
    for rec in rows:
        assert rec.id is not None  # read from the table
        states = []
        for target in targets[rec.id]:
            responded = target.agency_id in answered[rec.id]
            overdue = (rec.status == "open" and not responded and target.response_due is not None
                       and target.response_due < today)
            states.append(TargetState(target.acronym, target.response_due, responded, overdue))
        result.append(Row(rec, states))
    return result


@bp.route("/")
@login_required
def index():
    db = get_session()
    # A liaison starts with what is addressed to their agency, the response due first.
    if start := liaison_start("recommendations.index", status="open", sort="due"):
        return start
    today = utc_today()
    listed = read_list(lambda: recs.parse_filters(request.args), lambda filters, page, per_page:
                       recs.list_recommendations(session=db, actor=current_user, filters=filters, page=page,
                                                 per_page=per_page, today=today),
                       per_page=PER_PAGE, max_per_page=MAX_PER_PAGE)
    csv_args = {k: v for k, v in listed.query_args.items() if k != "per_page"}
    return render_template(
        "recommendations/list.html", rows=_rows(db, listed.found, today), **listed.context(),
        agencies=org.list_agencies(session=db, include_retired=True), sorts=SORT_LABELS,
        csv_url=url_for("recommendations.export") + ("?" + urlencode(csv_args) if csv_args else ""),
        tracking_url=url_for("recommendations.tracking_export") + ("?" + urlencode(csv_args) if csv_args else ""),
    ), listed.status


SORT_LABELS = {"number": "Number, newest report year first", "-number": "Number, oldest report year first",
               "title": "Title", "status": "Status", "updated": "Last changed", "due": "Response due, earliest first"}
CSV_COLUMNS = ("number", "report_year", "title", "status", "pillar", "priority", "target_agencies", "response_due",
               "responded", "not_responded", "responses", "response_overdue", "submitted_on", "closed_on", "id")


@bp.route("/export.csv")
@login_required
def export():
    db = get_session()
    filters = recs.parse_filters(request.args)  # a bad filter is a 422 page, not a broken file
    today = utc_today()
    lines = ["\ufeff" + csv_line(CSV_COLUMNS)]
    page = 1
    while True:
        found, total = recs.list_recommendations(session=db, actor=current_user, filters=filters, page=page,
                                                 per_page=CSV_BATCH, today=today)
        for row in _rows(db, found, today):
            rec = row.rec
            lines.append(csv_line([
                rec.number or "", rec.report_year, rec.title, rec.status, rec.pillar,
                "yes" if rec.priority else "no", "; ".join(t.acronym for t in row.targets),
                "; ".join(f"{t.acronym} {t.due.isoformat()}" for t in row.targets if t.due),
                "; ".join(t.acronym for t in row.targets if t.responded),
                "; ".join(t.acronym for t in row.targets if not t.responded),
                f"{row.responded} of {len(row.targets)}", "yes" if row.overdue else "no",
                localtime(rec.submitted_at, "%Y-%m-%d"), localtime(rec.closed_at, "%Y-%m-%d"), rec.id]))
        if page * CSV_BATCH >= total:
            break
        page += 1
    return Response("".join(lines).encode("utf-8"), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="recommendations-{today.isoformat()}.csv"',
                             "Cache-Control": "no-store"})


@bp.route("/tracking.csv")
@login_required
def tracking_export():
    """One row per recommendation and agency addressed, as GAO tracks them (pitf/services/rec_tracking.py)."""
    db = get_session()
    filters = recs.parse_filters(request.args)  # a bad filter is a 422 page, not a broken file
    today = utc_today()
    text = "".join(rec_tracking.csv_lines(rec_tracking.tracking_rows(session=db, actor=current_user,
                                                                     filters=filters, today=today)))
    return Response(text.encode("utf-8"), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="recommendation-tracking-'
                                                    f'{today.isoformat()}.csv"', "Cache-Control": "no-store"})


# ---- one recommendation ----------------------------------------------------------------------

@bp.route("/<int:rec_id>", endpoint="view")
@login_required
def view(rec_id: int):
    rec, is_author = recs.get_recommendation(session=get_session(), actor=current_user, rec_id=rec_id)
    return render_page(rec, is_author)


# ---- drafting --------------------------------------------------------------------------------

FIELD_LABELS = {"title": "Title", "body_md": "The recommendation", "rationale_md": "Rationale", "pillar": "Pillar",
                "target_agencies": "Addressed to", "co_sponsor_ids": "Co-sponsors", "report_year": "Report year",
                "drafting_committee_id": "Drafting committee"}
FULL_COUNCIL = "The full Council (no committee)"


def _fill_choices(form: RecommendationForm, filer_id: int) -> None:
    db = get_session()
    form.target_agencies.choices = options((a.acronym, f"{a.acronym}: {a.name}")
                                           for a in org.list_agencies(session=db))
    form.co_sponsor_ids.choices = options((u.id, u.name) for u in recs.council_members(db) if u.id != filer_id)
    form.drafting_committee_id.choices = options([("", FULL_COUNCIL)] + [
        (c.id, c.name) for c in recs.council_committees(db)])


def _form_data(form: RecommendationForm) -> dict:
    return {"title": (form.title.data or "").strip(),
            "body_md": (form.body_md.data or "").replace("\r\n", "\n"),
            "rationale_md": (form.rationale_md.data or "").replace("\r\n", "\n"),
            "pillar": form.pillar.data or "",
            "target_agencies": sorted({a.upper() for a in form.target_agencies.data or []}),
            # A value that names no one (0) is refused by the service as no Council member.
            "co_sponsor_ids": sorted({parse_id(v) or 0 for v in form.co_sponsor_ids.data or []}),
            # None: the full Council; a value that names no committee (0) is refused by the service, named.
            "drafting_committee_id": (parse_id(form.drafting_committee_id.data) or 0)
            if (form.drafting_committee_id.data or "").strip() else None,
            "report_year": form.report_year.data}


def _version(typed: str | None) -> int | str | None:
    """The version the form carried: a number, or what was typed (refused by RecommendationUpdate, named)."""
    text = (typed or "").strip()
    return int(text) if text.isascii() and text.isdigit() else (text or None)


def _current_data(rec: Recommendation) -> dict:
    db = get_session()
    assert rec.id is not None  # read from the database
    return {"title": rec.title, "body_md": rec.body_md, "rationale_md": rec.rationale_md, "pillar": rec.pillar,
            "target_agencies": sorted(t.acronym for t in recs.targets_of(db, [rec.id])[rec.id]),
            "co_sponsor_ids": sorted(u.id for u in recs.cosponsors_of(db, [rec.id])[rec.id]),
            "drafting_committee_id": rec.drafting_committee_id, "report_year": rec.report_year}


def _fill_from(form: RecommendationForm, rec: Recommendation) -> None:
    current = _current_data(rec)
    for name in ("title", "body_md", "rationale_md", "pillar", "target_agencies", "report_year"):
        getattr(form, name).data = current[name]
    form.co_sponsor_ids.data = [str(i) for i in current["co_sponsor_ids"]]
    form.drafting_committee_id.data = str(current["drafting_committee_id"] or "")
    form.version.data = rec.version


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(permissions.can_draft_recommendation(current_user),
            "Only Advisory Council members draft recommendations.")
    form = RecommendationForm()
    _fill_choices(form, current_user.id)
    if request.method == "GET":
        form.report_year.data = utc_today().year
    elif form.validate_on_submit():
        try:
            rec = recs.create_draft(session=get_session(), actor=current_user,
                                    rec_in=validate(RecommendationCreate, _form_data(form)))
        except ValidationFailed as err:
            apply_form_errors(form, err, mapping=TO_FORM)
        else:
            flash("Draft saved. Only you and your co-sponsors see it until you submit it.", "success")
            return redirect(url_for("recommendations.view", rec_id=rec.id))
    return render_template("recommendations/form.html", form=form, rec=None), (
        422 if request.method == "POST" else 200)


@bp.route("/<int:rec_id>/edit", methods=["GET", "POST"])
@login_required
def edit(rec_id: int):
    db = get_session()
    rec, is_author = recs.get_recommendation(session=db, actor=current_user, rec_id=rec_id)
    require(permissions.can_edit_recommendation_draft(current_user, rec, is_author),
            "A recommendation is edited by its authors while it is a draft; once submitted it is read-only.")
    form = RecommendationForm()
    _fill_choices(form, rec.filed_by_id)
    if request.method == "GET":
        _fill_from(form, rec)
    elif form.validate_on_submit():
        typed, current = _form_data(form), _current_data(rec)
        # Send only what changed: two co-authors editing different fields both keep their work.
        changed = {k: v for k, v in typed.items() if v != current[k]}
        try:
            rec_in = validate(RecommendationUpdate, {**changed, "version": _version(form.version.data)})
            recs.update_draft(session=db, actor=current_user, rec_id=rec_id, rec_in=rec_in)
        except Conflict:
            rec, _ = reload(rec_id)
            now = _current_data(rec)
            differences = [label for k, label in FIELD_LABELS.items() if now[k] != typed[k]]
            form.version.data = rec.version
            return render_template("recommendations/form.html", form=form, rec=rec, conflict=differences,
                                   now=now, now_cosponsors=recs.cosponsors_of(db, [rec_id])[rec_id],
                                   now_committee=recs.committee_names(db, [rec.drafting_committee_id]).get(
                                       rec.drafting_committee_id or 0)), 409
        except ValidationFailed as err:
            apply_form_errors(form, err, mapping=TO_FORM)
        else:
            flash("Draft saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("recommendations.view", rec_id=rec_id))
    return render_template("recommendations/form.html", form=form, rec=rec), (
        422 if request.method == "POST" else 200)
