"""Agenda pages: the agenda with its items' times, adding, editing, removing and moving items, the review of
overdue commitments, publishing, and the printable agenda and its PDF."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pitf import permissions
from pitf.db import get_session
from pitf.errors import Conflict, NotFound, ValidationFailed
from pitf.models import Committee, Meeting, utcnow
from pitf.models.agendas import AgendaItemInput, AgendaItemOutcomeUpdate
from pitf.models.vocab import AGENDA_OUTCOME_LABELS
from pitf.services import agenda_links, agendas, org
from pitf.services import federal_clocks as fc
from pitf.services import meetings as mtg
from pitf.services.pdf import render_pdf
from pitf.textutil import parse_id
from pitf.validation import validate
from pitf.web.choices import options
from pitf.web.confirm import ask, confirmed
from pitf.web.form_errors import apply_form_errors
from pitf.web.meetings.common import bp, file_slug, publish_values, remove_values, settings_clocks
from pitf.web.meetings.forms import AgendaItemForm, PublishAgendaForm

ITEM_FIELDS = ("title", "presenter", "presenter_agency", "duration_minutes", "notes_md", "action_item_id",
               "recommendation_id")


def _item_form(meeting, linked: Sequence[int | None] = ()) -> AgendaItemForm:
    db = get_session()
    form = AgendaItemForm()
    form.presenter_agency.choices = options(
        [("", "No agency")] + [(a.acronym, f"{a.acronym}: {a.name}")
                               for a in org.list_agencies(session=db)])
    typed = parse_id(form.action_item_id.data or "")
    form.action_item_id.choices = options([("", "No action item")] + agenda_links.action_item_choices(
        db, current_user, meeting, [i for i in (*linked, typed) if i]))
    form.recommendation_id.choices = options([("", "No recommendation")]
                                             + agenda_links.recommendation_choices(db, current_user))
    return form


def _number(text: str | None) -> int | None:
    """A whole number typed or picked; None when blank, and 0 (out of every range: refused by name) when it is
    no number."""
    text = (text or "").strip()
    if not text:
        return None
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else 0


def _item_input(form: AgendaItemForm) -> dict[str, Any]:
    """The typed item in AgendaItemInput's words (the service validates it with the others)."""
    recommendation = (form.recommendation_id.data or "").strip()
    by_number = bool(agenda_links.REC_NUMBER.match(recommendation))
    return {"title": form.title.data or "", "presenter": form.presenter.data or "",
            "presenter_agency": form.presenter_agency.data or None,
            "duration_minutes": _number(form.duration_minutes.data) or 0,
            "notes_md": (form.notes_md.data or "").replace("\r\n", "\n"),
            "action_item_id": _number(form.action_item_id.data),
            "recommendation_id": None if by_number else _number(recommendation),
            "recommendation_number": recommendation if by_number else None}


def _fill_item_form(form: AgendaItemForm, row: agendas.AgendaRow) -> None:
    item = row.item
    form.title.data, form.presenter.data = item.title, item.presenter
    form.presenter_agency.data = row.presenter_agency or ""
    form.duration_minutes.data = str(item.duration_minutes)
    form.notes_md.data = item.notes_md
    form.action_item_id.data = str(item.action_item_id or "")
    form.recommendation_id.data = str(item.recommendation_id or "")


def _render_agenda(meeting, committee, access, *, form=None, editing: int | None = None, status: int = 200,
                   conflict: bool = False, publish_form=None, overdue_error: str | None = None,
                   outcome_error: tuple[int, str] | None = None):
    db = get_session()
    view = agendas.agenda_view(db, meeting)
    can_plan = permissions.can_plan_meetings(current_user, access)
    clocks = fc.federal_clocks(session=db, meeting=meeting, committee=committee, clocks=settings_clocks(),
                               today=fc.federal_today())
    if can_plan:
        form = form or _item_form(meeting, [r.item.action_item_id for r in view.rows])
        form.version.data = view.agenda.version  # every action below is checked against the agenda read here
        publish_form = publish_form or PublishAgendaForm()
        if publish_form.short_notice_reason.data is None:
            publish_form.short_notice_reason.data = meeting.short_notice_reason
    return render_template(
        "meetings/agenda.html", meeting=meeting, committee=committee, view=view, can_plan=can_plan, form=form,
        editing=editing, conflict=conflict, publish_form=publish_form, clocks=clocks, overdue_error=overdue_error,
        over=mtg.is_over(meeting), outcomes_open=agendas.outcomes_open(meeting), outcome_labels=AGENDA_OUTCOME_LABELS,
        outcome_error=outcome_error,
    ), status


@bp.route("/<int:meeting_id>/agenda")
@login_required
def agenda(meeting_id: int):
    db = get_session()
    meeting, committee, access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
    editing = None
    form = None
    if permissions.can_plan_meetings(current_user, access) and (edit_id := parse_id(request.args.get("edit", ""))):
        rows = {r.item.id: r for r in agendas.agenda_view(db, meeting).rows}
        if edit_id not in rows:
            raise NotFound("That agenda item is gone: the agenda was changed since you opened it.")
        form = _item_form(meeting, [rows[edit_id].item.action_item_id])
        _fill_item_form(form, rows[edit_id])
        editing = edit_id
    return _render_agenda(meeting, committee, access, form=form, editing=editing)


def _agenda_conflict(meeting_id: int, *, form=None):
    """Someone changed the agenda since it was read: show it as it is now, with what was typed kept."""
    db = get_session()
    db.rollback()
    meeting, committee, access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
    return _render_agenda(meeting, committee, access, form=form, status=409, conflict=True)


def _stale(db, meeting, version) -> bool:
    return str(agendas.get_agenda(db, meeting).version) != str(version or "")


def _item_errors(form: AgendaItemForm, err: ValidationFailed, index: int) -> None:
    """The errors of the item being typed go beside its fields; the other items' (rare) on top of the form."""
    prefix = f"items[{index}]."
    mapped = {}
    for name, message in err.fields.items():
        field = name[len(prefix):].replace("recommendation_number", "recommendation_id")
        if name.startswith(prefix) and field in ITEM_FIELDS:
            mapped[field] = message
        else:
            number = re.match(r"items\[(\d+)\]", name)
            mapped[f"-{name}"] = (f"Item {int(number.group(1)) + 1}: {message}" if number else message)
    apply_form_errors(form, ValidationFailed(err.message, fields=mapped))


def _save_item(meeting_id: int, item_id: int | None):
    db = get_session()
    meeting, committee, access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                              meeting_id=meeting_id)
    form = _item_form(meeting)
    form.validate_on_submit()
    view = agendas.agenda_view(db, meeting)
    items: list[AgendaItemInput | dict[str, Any]] = list(agendas.agenda_items_as_input(view))
    ids = [r.item.id for r in view.rows]
    if item_id is None:
        index = len(items)
        items.append(_item_input(form))
    elif item_id in ids:
        index = ids.index(item_id)
        items[index] = _item_input(form)
    elif _stale(db, meeting, form.version.data):
        return _agenda_conflict(meeting_id, form=form)
    else:
        raise NotFound("No such agenda item.")
    try:
        checked = agendas.read_items(db, items)
        saved = agendas.put_agenda(session=db, actor=current_user, meeting_id=meeting_id, version=form.version.data,
                                   items=checked)
    except Conflict:
        return _agenda_conflict(meeting_id, form=form)
    except ValidationFailed as err:
        _item_errors(form, err, index)
        return _render_agenda(meeting, committee, access, form=form, editing=item_id, status=422)
    flash(f"Item {'added' if item_id is None else 'saved'}: {saved.rows[index].item.title}.", "success")
    return redirect(url_for("meetings.agenda", meeting_id=meeting_id, _anchor=f"item-{saved.rows[index].item.id}"))


@bp.route("/<int:meeting_id>/agenda/items", methods=["POST"])
@login_required
def add_item(meeting_id: int):
    return _save_item(meeting_id, None)


@bp.route("/<int:meeting_id>/agenda/items/<int:item_id>", methods=["POST"])
@login_required
def edit_item(meeting_id: int, item_id: int):
    return _save_item(meeting_id, item_id)


@bp.route("/<int:meeting_id>/agenda/items/<int:item_id>/remove", methods=["POST"])
@login_required
def remove_item(meeting_id: int, item_id: int):
    db = get_session()
    meeting, _committee, _access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                                meeting_id=meeting_id)
    version = request.form.get("version")
    view = agendas.agenda_view(db, meeting)
    ids = [r.item.id for r in view.rows]
    if item_id not in ids:
        if _stale(db, meeting, version):
            return _agenda_conflict(meeting_id)
        raise NotFound("No such agenda item.")
    items = agendas.agenda_items_as_input(view)
    removed = items.pop(ids.index(item_id))
    if not confirmed():
        return ask("remove_item", **remove_values(view.agenda, removed.title),
                   cancel_url=url_for("meetings.agenda", meeting_id=meeting_id, _anchor=f"item-{item_id}"))
    try:
        agendas.put_agenda(session=db, actor=current_user, meeting_id=meeting_id, version=version, items=items)
    except Conflict:
        return _agenda_conflict(meeting_id)
    flash(f"Item removed: {removed.title}.", "success")
    return redirect(url_for("meetings.agenda", meeting_id=meeting_id, _anchor="agenda-items"))


@bp.route("/<int:meeting_id>/agenda/items/<int:item_id>/move", methods=["POST"])
@login_required
def move_item(meeting_id: int, item_id: int):
    db = get_session()
    meeting, _committee, _access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                                meeting_id=meeting_id)
    version, direction = request.form.get("version"), request.form.get("direction")
    try:
        view, index = agendas.move_agenda_item(session=db, actor=current_user, meeting_id=meeting_id, version=version,
                                               item_id=item_id, direction=direction or "")
    except NotFound:
        if direction in ("up", "down") and _stale(db, meeting, version):
            return _agenda_conflict(meeting_id)
        raise
    except Conflict:
        return _agenda_conflict(meeting_id)
    # Items get new ids when the agenda is saved: follow the moved one, so the page opens where it now is.
    moved = view.rows[max(0, min(index, len(view.rows) - 1))].item
    return redirect(url_for("meetings.agenda", meeting_id=meeting_id, _anchor=f"item-{moved.id}"))


@bp.route("/<int:meeting_id>/agenda/items/<int:item_id>/outcome", methods=["POST"])
@login_required
def item_outcome(meeting_id: int, item_id: int):
    """Record what became of an item at the meeting (continued and not reached ones go on to the next)."""
    db = get_session()
    meeting, committee, access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                              meeting_id=meeting_id)
    version = request.form.get("version")
    try:
        outcome_in = validate(AgendaItemOutcomeUpdate, {
            "version": parse_id(version or "") or None, "outcome": request.form.get("outcome", "")})
        view = agendas.set_item_outcome(session=db, actor=current_user, meeting_id=meeting_id, item_id=item_id,
                                        outcome_in=outcome_in)
    except NotFound:
        if _stale(db, meeting, version):
            return _agenda_conflict(meeting_id)
        raise
    except Conflict:
        return _agenda_conflict(meeting_id)
    except ValidationFailed as err:
        return _render_agenda(meeting, committee, access, status=422,
                              outcome_error=(item_id, " ".join(err.fields.values()) or err.message))
    item = next(r.item for r in view.rows if r.item.id == item_id)
    label = AGENDA_OUTCOME_LABELS.get(item.outcome or "", "none")
    flash(f"Outcome of {item.title}: {label.lower() if item.outcome else 'none recorded'}.", "success")
    return redirect(url_for("meetings.agenda", meeting_id=meeting_id, _anchor=f"item-{item_id}"))


@bp.route("/<int:meeting_id>/agenda/overdue", methods=["POST"])
@login_required
def add_overdue(meeting_id: int):
    db = get_session()
    meeting, committee, access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                              meeting_id=meeting_id)
    try:
        view = agendas.add_overdue_review(session=db, actor=current_user, meeting_id=meeting_id,
                                          version=request.form.get("version"), today=fc.federal_today())
    except Conflict:
        return _agenda_conflict(meeting_id)
    except ValidationFailed as err:
        return _render_agenda(meeting, committee, access, status=422,
                              overdue_error=" ".join(err.fields.values()) or err.message)
    flash("Added the review of overdue commitments at the end of the agenda.", "success")
    return redirect(url_for("meetings.agenda", meeting_id=meeting_id, _anchor=f"item-{view.rows[-1].item.id}"))


@bp.route("/<int:meeting_id>/agenda/publish", methods=["POST"])
@login_required
def publish(meeting_id: int):
    db = get_session()
    meeting, committee, access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                              meeting_id=meeting_id)
    form = PublishAgendaForm()
    form.validate_on_submit()
    if not confirmed():
        return ask("publish", **publish_values(agendas.get_agenda(db, meeting)),
                   cancel_url=url_for("meetings.agenda", meeting_id=meeting_id, _anchor="publish"))
    try:
        agendas.publish_agenda(session=db, actor=current_user, meeting_id=meeting_id, clocks=settings_clocks(),
                               today=fc.federal_today(), short_notice_reason=form.short_notice_reason.data or "")
    except ValidationFailed as err:
        apply_form_errors(form, err, mapping={"items": "-", "status": "-"})
        return _render_agenda(meeting, committee, access, publish_form=form, status=422)
    flash("Agenda published: the committee's members are notified in the platform and by email.", "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting_id))




# ---- the printable agenda and its PDF ----------------------------------------------------------

def _print_html(meeting_id: int, *, for_pdf: bool) -> tuple[str, Meeting, Committee]:
    db = get_session()
    meeting, committee, _access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
    html = render_template(
        "meetings/agenda_print.html", meeting=meeting, committee=committee, view=agendas.agenda_view(db, meeting),
        # The PDF reads the stylesheet from the static folder and links back to the platform in full.
        css_href="css/print.css" if for_pdf else url_for("static", filename="css/print.css"),
        link_base=current_app.config["PITF_BASE_URL"].rstrip("/") if for_pdf else "", for_pdf=for_pdf,
        printed_at=utcnow())
    return html, meeting, committee


@bp.route("/<int:meeting_id>/agenda/print")
@login_required
def agenda_print(meeting_id: int):
    html, _meeting, _committee = _print_html(meeting_id, for_pdf=False)
    return html


@bp.route("/<int:meeting_id>/agenda.pdf")
@login_required
def agenda_pdf(meeting_id: int):
    html, meeting, committee = _print_html(meeting_id, for_pdf=True)
    pdf = render_pdf(html, base_url=current_app.static_folder or "")
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    body = file_slug(committee.short_name or committee.name)
    filename = f"agenda-{mtg.meeting_local_date(meeting).isoformat()}-{body}"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response
