"""Action item pages: the filtered list, each item with its history, status updates and the secretariat's forms."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pitf import permissions
from pitf.db import get_session
from pitf.errors import Conflict, ValidationFailed, require
from pitf.models import utcnow
from pitf.models.actions import ACTION_STATUS_LABELS, ACTION_STATUSES, CLOSED_STATUSES, PILLAR_LABELS, PRIORITIES
from pitf.services import actions, org
from pitf.textutil import parse_id
from pitf.web.actions.forms import ActionItemForm, CancelForm, StatusUpdateForm
from pitf.web.choices import options
from pitf.web.form_errors import apply_form_errors
from pitf.web.list_page import liaison_start, read_list

bp = Blueprint("actions", __name__, url_prefix="/action-items")

PER_PAGE, MAX_PER_PAGE = 50, 200
# Service errors about fields a form does not show (the version read) go to the top of the form.
TO_FORM = {"version": "-"}


@bp.context_processor
def _helpers():
    return {"status_labels": ACTION_STATUS_LABELS, "pillar_labels": PILLAR_LABELS}


def _int_or_none(value) -> int | None:
    return parse_id(str(value) if value is not None else "")


# ---- the list --------------------------------------------------------------------------------

def _checked_statuses(raw: list[str]) -> set[str]:
    """The status checkboxes to tick for the statuses asked (active and closed stand for groups)."""
    wanted = {s for value in raw for s in value.split(",") if s}
    if "active" in wanted:
        wanted |= {s for s in ACTION_STATUSES if s not in CLOSED_STATUSES}
    if "closed" in wanted:
        wanted |= set(CLOSED_STATUSES)
    return wanted & set(ACTION_STATUSES)


@bp.route("/")
@login_required
def index():
    db = get_session()
    # A liaison starts with their own agency's open commitments, the most overdue first.
    if start := liaison_start("actions.index", status="active", sort="due_date"):
        return start
    listed = read_list(lambda: actions.parse_filters(request.args), lambda filters, page, per_page:
                       actions.list_action_items(session=db, actor=current_user, filters=filters, page=page,
                                                 per_page=per_page), per_page=PER_PAGE, max_per_page=MAX_PER_PAGE)
    views, query_args, today = listed.found, listed.query_args, utcnow().date()
    return render_template(
        "actions/list.html", views=views, **listed.context(), checked=_checked_statuses(request.args.getlist("status")),
        overdue={v.item.id for v in views if actions.is_overdue(v.item, today)},
        agencies=org.list_agencies(session=db, include_retired=True),
        committees=org.list_committees(session=db, include_inactive=True),
        statuses=ACTION_STATUSES, priorities=PRIORITIES, sorts=actions.SORT_LABELS,
        csv_url="/action-items/export.csv" + ("?" + urlencode(query_args, doseq=True) if query_args else ""),
    ), listed.status


# ---- one item and its history ----------------------------------------------------------------

def _status_form(detail: actions.ItemDetail) -> StatusUpdateForm:
    form = StatusUpdateForm()
    staff = permissions.is_staff(current_user)
    shown = [s for s in ACTION_STATUSES if staff or s != "cancelled" or detail.item.status == s]
    form.status.choices = options(
        (s, ACTION_STATUS_LABELS[s] + (" (current)" if s == detail.item.status else "")) for s in shown)
    return form


def _newest_update_id(detail: actions.ItemDetail) -> int:
    return max((entry.update.id or 0 for entry in detail.updates), default=0)


def _render_item(detail: actions.ItemDetail, form: StatusUpdateForm, *, status: int = 200, conflict=None):
    item = detail.item
    can_note = permissions.can_add_note(current_user, item, detail.supporting_ids)
    return render_template(
        "actions/item.html", d=detail, item=item, form=form if can_note else None,
        can_change=permissions.can_change_status(current_user, item),
        can_edit=permissions.can_edit_action_item(current_user, item),
        overdue=actions.is_overdue(item, utcnow().date()), conflict=conflict,
    ), status


@bp.route("/<int:item_id>", endpoint="item")
@login_required
def item_page(item_id: int):
    detail = actions.item_detail(session=get_session(), actor=current_user, item_id=item_id)
    form = _status_form(detail)
    form.status.data = detail.item.status
    form.percent_complete.data = detail.item.percent_complete
    form.version.data = detail.item.version
    form.seen_update_id.data = _newest_update_id(detail)
    return _render_item(detail, form)


@bp.route("/<int:item_id>/updates", methods=["POST"])
@login_required
def post_update(item_id: int):
    db = get_session()
    detail = actions.item_detail(session=db, actor=current_user, item_id=item_id)
    require(permissions.can_add_note(current_user, detail.item, detail.supporting_ids),
            "Only the lead and supporting agencies and the secretariat add to this item's history.")
    form = _status_form(detail)
    if form.validate_on_submit():
        try:
            actions.post_status_update(session=db, actor=current_user, item_id=item_id, version=form.version.data,
                                       status=form.status.data or None, note_md=form.note_md.data or "",
                                       percent_complete=form.percent_complete.data,
                                       supporting_ids=detail.supporting_ids)
        except Conflict:
            return _conflict(item_id, form)
        except ValidationFailed as err:
            apply_form_errors(form, err, mapping=TO_FORM)
        else:
            flash("Your update is posted.", "success")
            return redirect(url_for("actions.item", item_id=item_id, _anchor="history"))
    return _render_item(detail, form, status=422)


def _conflict(item_id: int, form: StatusUpdateForm):
    """Someone posted since this form was read: show their change beside what was typed, ready to resubmit."""
    db = get_session()
    db.rollback()  # a conflict found at flush leaves the session unusable; reread the item as it is now
    detail = actions.item_detail(session=db, actor=current_user, item_id=item_id)
    seen = _int_or_none(form.seen_update_id.data) or 0
    since = [entry for entry in detail.updates if (entry.update.id or 0) > seen]
    fresh = _status_form(detail)
    # What they typed stays; only the version (and what they have now seen) moves to the current item.
    fresh.status.data = form.status.data
    fresh.note_md.data = form.note_md.data
    fresh.percent_complete.data = form.percent_complete.data
    fresh.version.data = detail.item.version
    fresh.seen_update_id.data = _newest_update_id(detail)
    return _render_item(detail, fresh, status=409, conflict=since)


# ---- the secretariat's forms -----------------------------------------------------------------

def _fill_choices(form: ActionItemForm, *, current: actions.ItemDetail | None = None) -> None:
    db = get_session()
    keep_agency = current.lead_agency if current else None
    agencies = [a for a in org.list_agencies(session=db, include_retired=True)
                if a.is_active or a.acronym == keep_agency]
    form.lead_agency.choices = options([("", "Choose the lead agency")]
                                       + [(a.acronym, f"{a.acronym}: {a.name}") for a in agencies])
    form.supporting_agencies.choices = options((a.acronym, f"{a.acronym}: {a.name}") for a in agencies)
    keep_committee = current.item.committee_id if current else None
    form.committee_id.choices = options([("", "Choose a committee")] + [
        (c.id, c.name) for c in org.list_committees(session=db, include_inactive=True)
        if c.is_active or c.id == keep_committee])
    form.owner_id.choices = options([("", "No owner yet")] + [
        (uid, f"{name} ({acronym})") for uid, name, acronym in actions.possible_owners(db)])


def _form_data(form: ActionItemForm) -> dict:
    """The form's input in the service's words."""
    return {
        "title": (form.title.data or "").strip(),
        "description_md": (form.description_md.data or "").replace("\r\n", "\n"),
        "committee_id": _int_or_none(form.committee_id.data),
        "lead_agency": form.lead_agency.data or "",
        "supporting_agencies": sorted({a.upper() for a in form.supporting_agencies.data or []}),
        "owner_id": _int_or_none(form.owner_id.data),
        "due_date": (form.due_date.data or "").strip(),
        "pillar": form.pillar.data or "",
        "priority": form.priority.data or "normal",
        "meeting_id": form.meeting_id.data,
        "recommendation_id": form.recommendation_id.data,
    }


def _current_data(detail: actions.ItemDetail) -> dict:
    item = detail.item
    return {"title": item.title, "description_md": item.description_md, "committee_id": item.committee_id,
            "lead_agency": detail.lead_agency, "supporting_agencies": sorted(detail.supporting),
            "owner_id": item.owner_id, "due_date": item.due_date.isoformat(), "pillar": item.pillar,
            "priority": item.priority, "meeting_id": item.meeting_id, "recommendation_id": item.recommendation_id}


def _fill_from(form: ActionItemForm, detail: actions.ItemDetail) -> None:
    current = _current_data(detail)
    for name in ("title", "description_md", "lead_agency", "due_date", "pillar", "priority", "meeting_id",
                 "recommendation_id"):
        getattr(form, name).data = current[name]
    form.committee_id.data = str(current["committee_id"])
    form.owner_id.data = str(current["owner_id"] or "")
    form.supporting_agencies.data = current["supporting_agencies"]
    form.version.data = detail.item.version


FIELD_LABELS = {"title": "Title", "description_md": "Description", "committee_id": "Committee",
                "lead_agency": "Lead agency", "supporting_agencies": "Supporting agencies", "owner_id": "Owner",
                "due_date": "Due date", "pillar": "Pillar", "priority": "Priority", "meeting_id": "Meeting",
                "recommendation_id": "Recommendation"}


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(permissions.can_create_action_item(current_user), "Only the secretariat creates action items.")
    form = ActionItemForm()
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            created = actions.create_action_item(session=get_session(), actor=current_user, data=_form_data(form))
        except ValidationFailed as err:
            apply_form_errors(form, err, mapping=TO_FORM)
        else:
            flash("Action item created; the lead agency's liaisons are notified.", "success")
            return redirect(url_for("actions.item", item_id=created.id))
    return render_template("actions/form.html", form=form, detail=None), (422 if request.method == "POST" else 200)


@bp.route("/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id: int):
    db = get_session()
    detail = actions.item_detail(session=db, actor=current_user, item_id=item_id)
    require(permissions.can_edit_action_item(current_user, detail.item), "Only the secretariat edits action items.")
    form = ActionItemForm()
    _fill_choices(form, current=detail)
    if request.method == "GET":
        _fill_from(form, detail)
    elif form.validate_on_submit():
        typed, current = _form_data(form), _current_data(detail)
        # Send only what was changed: PATCH semantics, so a reassignment clears an owner who no longer fits.
        changed = {k: v for k, v in typed.items() if v != current[k]}
        try:
            actions.update_action_item(session=db, actor=current_user, item_id=item_id, version=form.version.data,
                                       data=changed)
        except Conflict:
            db.rollback()
            detail = actions.item_detail(session=db, actor=current_user, item_id=item_id)
            now = _current_data(detail)
            differences = [(FIELD_LABELS[k], _shown(k, now[k], form), _shown(k, typed[k], form))
                           for k in FIELD_LABELS if now[k] != typed[k]]
            form.version.data = detail.item.version
            return render_template("actions/form.html", form=form, detail=detail, conflict=differences), 409
        except ValidationFailed as err:
            apply_form_errors(form, err, mapping=TO_FORM)
        else:
            flash("Action item saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("actions.item", item_id=item_id))
    return render_template("actions/form.html", form=form, detail=detail), (422 if request.method == "POST" else 200)


def _shown(name: str, value, form: ActionItemForm) -> str:
    """A value as the form's labels show it (names rather than ids)."""
    if value in (None, "", []):
        return "(none)"
    if isinstance(value, list):
        return ", ".join(value)
    if name in ("committee_id", "owner_id"):
        labels = {c.value: c.label for c in getattr(form, name).iter_choices()}
        return labels.get(str(value), str(value))
    if name == "description_md":
        return value if len(value) <= 200 else value[:200] + "…"
    return str(value)


@bp.route("/<int:item_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(item_id: int):
    db = get_session()
    item = actions.get_action_item(session=db, actor=current_user, item_id=item_id)
    require(permissions.can_edit_action_item(current_user, item), "Only the secretariat cancels an action item.")
    form = CancelForm()
    conflict = False
    if request.method == "GET":
        form.version.data = item.version
    elif form.validate_on_submit():
        try:
            actions.cancel_action_item(session=db, actor=current_user, item_id=item_id, version=form.version.data,
                                       reason=form.reason.data)
        except Conflict:
            db.rollback()
            item = actions.get_action_item(session=db, actor=current_user, item_id=item_id)
            form.version.data = item.version
            conflict = True
        except ValidationFailed as err:
            apply_form_errors(form, err, mapping={"note_md": "reason", "status": "-", **TO_FORM})
        else:
            flash("Action item cancelled; the reason is in its history.", "success")
            return redirect(url_for("actions.item", item_id=item_id, _anchor="history"))
    code = 409 if conflict else (422 if request.method == "POST" else 200)
    return render_template("actions/cancel.html", form=form, item=item, conflict=conflict), code
