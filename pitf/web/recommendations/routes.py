"""Recommendation pages: the list and its CSV, each recommendation with its history, responses and commitments,
drafting, the moves of the transition table, the agencies' responses, and the meeting where it was presented."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from pitf import permissions
from pitf.db import get_session
from pitf.errors import Conflict, ValidationFailed, require
from pitf.models import Agency, Recommendation, User, utcnow
from pitf.models.actions import ACTION_STATUS_LABELS, PILLAR_LABELS
from pitf.services import org
from pitf.services import recommendations as recs
from pitf.services.csvio import excel_safe
from pitf.services.meetings import meeting_local_date
from pitf.textutil import parse_id
from pitf.web.actions.routes import MAX_PER_PAGE, PER_PAGE
from pitf.web.choices import options
from pitf.web.confirm import ask, confirmed, question
from pitf.web.form_errors import apply_form_errors
from pitf.web.list_page import read_list
from pitf.web.recommendations.forms import PresentForm, RecommendationForm, ResponseForm
from pitf.web.zones import localtime

bp = Blueprint("recommendations", __name__, url_prefix="/recommendations")

CSV_BATCH = 500
TO_FORM = {"version": "-"}  # the version read is not a field anyone types: its error goes to the top


@bp.context_processor
def _helpers():
    return {"status_labels": recs.STATUS_LABELS, "position_labels": recs.POSITION_LABELS,
            "pillar_labels": PILLAR_LABELS, "action_status_labels": ACTION_STATUS_LABELS,
            "submit_confirm": question("submit_recommendation")}  # asked first (templates/_confirm.html)


def _today() -> date:
    return utcnow().date()


def _response_days() -> int:
    return int(current_app.config.get("PITF_RESPONSE_DAYS") or recs.DEFAULT_RESPONSE_DAYS)


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
    ids = [r.id for r in rows]
    targets, answered = recs.targets_of(db, ids), recs.responded_agencies(db, ids)
    result = []
    for rec in rows:
        states = []
        for target, acronym in targets[rec.id]:
            responded = target.agency_id in answered[rec.id]
            overdue = (rec.status == "open" and not responded and target.response_due is not None
                       and target.response_due < today)
            states.append(TargetState(acronym, target.response_due, responded, overdue))
        result.append(Row(rec, states))
    return result


@bp.route("/")
@login_required
def index():
    db = get_session()
    if not request.args and current_user.role == "liaison" and current_user.agency_id:
        # A liaison starts with what is addressed to their agency, the response due first.
        agency = db.get(Agency, current_user.agency_id)
        if agency is not None:
            return redirect(url_for("recommendations.index", agency=agency.acronym, status="open", sort="due"))
    today = _today()
    listed = read_list(lambda: recs.parse_filters(request.args), lambda filters, page, per_page:
                       recs.list_recommendations(session=db, actor=current_user, filters=filters, page=page,
                                                 per_page=per_page, today=today),
                       per_page=PER_PAGE, max_per_page=MAX_PER_PAGE)
    csv_args = {k: v for k, v in listed.query_args.items() if k != "per_page"}
    return render_template(
        "recommendations/list.html", rows=_rows(db, listed.found, today), **listed.context(),
        agencies=org.list_agencies(session=db, include_retired=True), sorts=SORT_LABELS,
        csv_url=url_for("recommendations.export") + ("?" + urlencode(csv_args) if csv_args else ""),
    ), listed.status


SORT_LABELS = {"number": "Number, newest report year first", "-number": "Number, oldest report year first",
               "title": "Title", "status": "Status", "updated": "Last changed", "due": "Response due, earliest first"}
CSV_COLUMNS = ("number", "report_year", "title", "status", "pillar", "priority", "target_agencies", "response_due",
               "responded", "not_responded", "responses", "response_overdue", "submitted_on", "closed_on", "id")


def _csv_line(cells) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow([excel_safe(c) for c in cells])
    return buf.getvalue()


@bp.route("/export.csv")
@login_required
def export():
    db = get_session()
    filters = recs.parse_filters(request.args)  # a bad filter is a 422 page, not a broken file
    today = _today()
    lines = ["\ufeff" + _csv_line(CSV_COLUMNS)]
    page = 1
    while True:
        found, total = recs.list_recommendations(session=db, actor=current_user, filters=filters, page=page,
                                                 per_page=CSV_BATCH, today=today)
        for row in _rows(db, found, today):
            rec = row.rec
            lines.append(_csv_line([
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


# ---- one recommendation ----------------------------------------------------------------------

@dataclass
class TargetView:
    acronym: str
    due: date | None
    overdue: bool
    current: recs.ResponseView | None
    earlier: list[recs.ResponseView]


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
                return url_for(rule.endpoint, **{next(iter(rule.arguments)): rec_id})
            except BuildError:
                return None
    return None


def _my_agency(targets) -> tuple[str | None, bool]:
    """The liaison's agency acronym when the recommendation is addressed to it, and whether it is."""
    mine = getattr(current_user, "agency_id", None)
    for target, acronym in targets:
        if mine is not None and target.agency_id == mine:
            return acronym, True
    return None, False


def _response_form(db, rec: Recommendation, acronym: str, agency_id: int, current: recs.ResponseView | None, *,
                   posted: bool = False) -> ResponseForm:
    """The response form: as posted (to show again with its errors), or filled from the current response."""
    items = recs.linkable_action_items(db, rec.id, agency_id)
    if not posted:
        data = {"agency": acronym}
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


def _render_page(rec: Recommendation, is_author: bool, *, status: int = 200, move: MoveState | None = None,
                 response_form: ResponseForm | None = None, present_form: PresentForm | None = None,
                 priority_conflict: bool = False):
    db = get_session()
    today = _today()
    targets = recs.targets_of(db, [rec.id])[rec.id]
    responses = recs.responses_of(db, rec.id, current_only=False)
    target_views = []
    for target, acronym in targets:
        mine = [v for v in responses if v.agency == acronym]
        current = next((v for v in mine if v.response.is_current), None)
        overdue = (rec.status == "open" and current is None and target.response_due is not None
                   and target.response_due < today)
        target_views.append(TargetView(acronym, target.response_due, overdue, current,
                                       [v for v in reversed(mine) if not v.response.is_current]))
    my_acronym, targeted = _my_agency(targets)
    can_respond = permissions.can_respond_for(current_user, getattr(current_user, "agency_id", None), targeted,
                                              rec.status)
    my_current = next((t.current for t in target_views if t.acronym == my_acronym), None)
    if can_respond and response_form is None:
        response_form = _response_form(db, rec, my_acronym, current_user.agency_id, my_current)
    if not can_respond:
        response_form = None
    meetings_offered = recs.presentation_meetings(db, current_user) if rec.number else []
    if permissions.can_link_meeting_to_recommendation(current_user) and rec.number and present_form is None:
        present_form = PresentForm(formdata=None)
    if present_form is not None:
        present_form.meeting_id.choices = options([("", "Choose a meeting")] + [
            (m.id, f"{meeting_local_date(m).strftime('%B %-d, %Y')}: {m.title}") for m in meetings_offered])
    filer = db.get(User, rec.filed_by_id)
    moves = recs.allowed_moves(current_user, rec, is_author)
    default_due = (today + timedelta(days=_response_days())).isoformat()
    return render_template(
        "recommendations/view.html", rec=rec, is_author=is_author, filer=filer,
        cosponsors=recs.cosponsors_of(db, [rec.id])[rec.id], targets=target_views,
        history=recs.history_of(db, rec.id), presented=recs.presented_at(db, current_user, rec.id),
        moves=moves, move=move, default_due=default_due, default_days=_response_days(),
        response_form=response_form, my_acronym=my_acronym, my_current=my_current, present_form=present_form,
        attachments_url=_attachments_url(rec.id) if permissions.can_read_recommendation_files(
            current_user, rec, is_author, targeted) else None,
        can_edit=permissions.can_edit_recommendation_draft(current_user, rec, is_author),
        can_flag=permissions.is_staff(current_user), priority_conflict=priority_conflict, today=today,
    ), status


@bp.route("/<int:rec_id>", endpoint="view")
@login_required
def view(rec_id: int):
    rec, is_author = recs.get_recommendation(session=get_session(), actor=current_user, rec_id=rec_id)
    return _render_page(rec, is_author)


def _reload(rec_id: int):
    """The recommendation as it is now, after a refused write (the session is rolled back first)."""
    db = get_session()
    db.rollback()
    return recs.get_recommendation(session=db, actor=current_user, rec_id=rec_id)


MOVED = {"under_review": "Review started.", "draft": "Returned to the authors with your note.",
         "withdrawn": "The recommendation is withdrawn.",
         "open": "The recommendation is open; the target agencies' liaisons are asked to respond.",
         "closed_implemented": "Closed as implemented.", "closed_not_implemented": "Closed as not implemented."}


@bp.route("/<int:rec_id>/transition", methods=["POST"])
@login_required
def transition(rec_id: int):
    db = get_session()
    form = request.form
    to = form.get("to", "")
    note = (form.get("note") or "").replace("\r\n", "\n")
    due = {key.removeprefix("response_due."): value.strip() for key, value in form.items()
           if key.startswith("response_due.")}
    # The priority checkbox is on the opening form only; unticked, it sends nothing.
    priority = form.get("priority") == "true" if form.get("priority_shown") else None
    if to == "submitted" and not confirmed():
        recs.get_recommendation(session=db, actor=current_user, rec_id=rec_id)  # 404 first for those who may not see it
        return ask("submit_recommendation", cancel_url=url_for("recommendations.view", rec_id=rec_id))
    try:
        rec = recs.transition(session=db, actor=current_user, rec_id=rec_id, version=form.get("version"), to=to,
                              note=note, response_due=due or None, priority=priority, today=_today(),
                              response_days=_response_days())
    except Conflict:
        rec, is_author = _reload(rec_id)
        state = MoveState(to, {}, note, bool(priority), due, conflict=True)
        return _render_page(rec, is_author, status=409, move=state)
    except ValidationFailed as err:
        rec, is_author = recs.get_recommendation(session=db, actor=current_user, rec_id=rec_id)
        state = MoveState(to, dict(err.fields) or {"-": err.message}, note, bool(priority), due)
        return _render_page(rec, is_author, status=422, move=state)
    if to == "submitted":
        flash(f"Submitted as {rec.number}. The secretariat is notified; the recommendation is now read-only.",
              "success")
    else:
        flash(MOVED.get(to, "The recommendation is now {status}.").format(
            status=recs.STATUS_LABELS.get(rec.status, rec.status).lower()), "success")
    return redirect(url_for("recommendations.view", rec_id=rec_id, _anchor="history"))


@bp.route("/<int:rec_id>/priority", methods=["POST"])
@login_required
def priority(rec_id: int):
    db = get_session()
    wanted = request.form.get("priority")
    if wanted not in ("true", "false"):
        raise ValidationFailed("Send priority true or false.")
    try:
        rec = recs.set_priority(session=db, actor=current_user, rec_id=rec_id, version=request.form.get("version"),
                                priority=wanted == "true")
    except Conflict:
        rec, is_author = _reload(rec_id)
        return _render_page(rec, is_author, status=409, priority_conflict=True)
    flash("Flagged as a priority." if rec.priority else "The priority flag is removed.", "success")
    return redirect(url_for("recommendations.view", rec_id=rec_id))


_NEW_ITEM_ERROR = re.compile(r"new_action_items\[(\d+)\]\.(\w+)")


def _apply_response_errors(form: ResponseForm, err: ValidationFailed, sent: list[int]) -> None:
    """The service's field errors beside the fields; new_action_items[i] is the i-th fieldset that was filled in."""
    leftover = []
    for name, message in err.fields.items():
        target = getattr(form, name, None) if name in ("position", "response_md", "action_item_ids") else None
        if (m := _NEW_ITEM_ERROR.fullmatch(name)) and int(m.group(1)) < len(sent):
            entry = form.new_items[sent[int(m.group(1))]]
            target = entry.form._fields.get(m.group(2))
            if target is None:
                leftover.append(f"New commitment {sent[int(m.group(1))] + 1}: {message}")
                continue
        if target is not None:
            target.errors = [*target.errors, message] if isinstance(target.errors, list) else [message]
        else:
            leftover.append(message)
    form.form_errors = leftover or ([] if err.fields else [err.message])


@bp.route("/<int:rec_id>/responses", methods=["POST"])
@login_required
def respond(rec_id: int):
    db = get_session()
    rec, is_author = recs.get_recommendation(session=db, actor=current_user, rec_id=rec_id)
    form = ResponseForm()
    agency = (form.agency.data or "").strip().upper()
    if not agency:
        own = db.get(Agency, current_user.agency_id) if getattr(current_user, "agency_id", None) else None
        agency = own.acronym if own else ""
    sent = [n for n, entry in enumerate(form.new_items) if not entry.form.is_blank()]
    new_items = [{"title": (form.new_items[n].title.data or "").strip(),
                  "due_date": (form.new_items[n].due_date.data or "").strip(),
                  "description_md": (form.new_items[n].description_md.data or "").replace("\r\n", "\n")}
                 for n in sent]
    linked = [parse_id(v) or -1 for v in form.action_item_ids.data or []]
    try:
        response = recs.respond(session=db, actor=current_user, rec_id=rec_id, agency=agency,
                                position=form.position.data or "", response_md=(form.response_md.data or "")
                                .replace("\r\n", "\n"), action_item_ids=linked, new_action_items=new_items)
    except ValidationFailed as err:
        targeted = _my_agency(recs.targets_of(db, [rec.id])[rec.id])[1]
        if "agency" in err.fields or not targeted:
            raise ValidationFailed(err.fields.get("agency") or err.message) from err
        fresh = _response_form(db, rec, agency, current_user.agency_id, None, posted=True)
        fresh.agency.data = agency
        _apply_response_errors(fresh, err, sent)
        return _render_page(rec, is_author, status=422, response_form=fresh)
    flash(f"{agency}'s response is filed (revision {response.revision}); the Council and the secretariat are "
          "notified.", "success")
    return redirect(url_for("recommendations.view", rec_id=rec_id, _anchor=f"response-{agency}"))


@bp.route("/<int:rec_id>/present", methods=["POST"])
@login_required
def present(rec_id: int):
    db = get_session()
    rec, is_author = recs.get_recommendation(session=db, actor=current_user, rec_id=rec_id)
    require(permissions.can_link_meeting_to_recommendation(current_user),
            "Only the secretariat links a recommendation to a meeting.")
    form = PresentForm()
    try:
        meeting, _item = recs.present_at_meeting(session=db, actor=current_user, rec_id=rec_id,
                                                 meeting_id=form.meeting_id.data)
    except Conflict:
        rec, is_author = _reload(rec_id)
        form.form_errors = ["Someone changed that meeting's agenda at the same moment. Choose it again."]
        return _render_page(rec, is_author, status=409, present_form=form)
    except ValidationFailed as err:
        apply_form_errors(form, err, mapping={"items": "meeting_id", **TO_FORM})
        return _render_page(rec, is_author, status=422, present_form=form)
    flash(f"Added to the agenda of {meeting.title} ({meeting_local_date(meeting).strftime('%B %-d, %Y')}).",
          "success")
    return redirect(url_for("recommendations.view", rec_id=rec_id, _anchor="presented"))


# ---- drafting --------------------------------------------------------------------------------

FIELD_LABELS = {"title": "Title", "body_md": "The recommendation", "rationale_md": "Rationale", "pillar": "Pillar",
                "target_agencies": "Addressed to", "co_sponsor_ids": "Co-sponsors", "report_year": "Report year"}


def _fill_choices(form: RecommendationForm, filer_id: int) -> None:
    db = get_session()
    form.target_agencies.choices = options((a.acronym, f"{a.acronym}: {a.name}")
                                           for a in org.list_agencies(session=db))
    form.co_sponsor_ids.choices = options((u.id, u.name) for u in recs.council_members(db) if u.id != filer_id)


def _form_data(form: RecommendationForm) -> dict:
    return {"title": (form.title.data or "").strip(),
            "body_md": (form.body_md.data or "").replace("\r\n", "\n"),
            "rationale_md": (form.rationale_md.data or "").replace("\r\n", "\n"),
            "pillar": form.pillar.data or "",
            "target_agencies": sorted({a.upper() for a in form.target_agencies.data or []}),
            "co_sponsor_ids": sorted({parse_id(v) or -1 for v in form.co_sponsor_ids.data or []}),
            "report_year": form.report_year.data}


def _current_data(rec: Recommendation) -> dict:
    db = get_session()
    return {"title": rec.title, "body_md": rec.body_md, "rationale_md": rec.rationale_md, "pillar": rec.pillar,
            "target_agencies": sorted(a for _t, a in recs.targets_of(db, [rec.id])[rec.id]),
            "co_sponsor_ids": sorted(u.id for u in recs.cosponsors_of(db, [rec.id])[rec.id]),
            "report_year": rec.report_year}


def _fill_from(form: RecommendationForm, rec: Recommendation) -> None:
    current = _current_data(rec)
    for name in ("title", "body_md", "rationale_md", "pillar", "target_agencies", "report_year"):
        getattr(form, name).data = current[name]
    form.co_sponsor_ids.data = [str(i) for i in current["co_sponsor_ids"]]
    form.version.data = rec.version


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(permissions.can_draft_recommendation(current_user),
            "Only Advisory Council members draft recommendations.")
    form = RecommendationForm()
    _fill_choices(form, current_user.id)
    if request.method == "GET":
        form.report_year.data = _today().year
    elif form.validate_on_submit():
        try:
            rec = recs.create_draft(session=get_session(), actor=current_user, data=_form_data(form))
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
            recs.update_draft(session=db, actor=current_user, rec_id=rec_id, version=form.version.data, data=changed)
        except Conflict:
            rec, _ = _reload(rec_id)
            now = _current_data(rec)
            differences = [label for k, label in FIELD_LABELS.items() if now[k] != typed[k]]
            form.version.data = rec.version
            return render_template("recommendations/form.html", form=form, rec=rec, conflict=differences,
                                   now=now, now_cosponsors=recs.cosponsors_of(db, [rec.id])[rec.id]), 409
        except ValidationFailed as err:
            apply_form_errors(form, err, mapping=TO_FORM)
        else:
            flash("Draft saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("recommendations.view", rec_id=rec_id))
    return render_template("recommendations/form.html", form=form, rec=rec), (
        422 if request.method == "POST" else 200)
