"""An agency's response filed from the recommendation's page, with the commitments it links or creates."""

from __future__ import annotations

import re

from flask import flash, redirect, url_for
from flask_login import current_user, login_required

from pitf.db import get_session
from pitf.errors import ValidationFailed
from pitf.models import Agency
from pitf.models.recommendations import AgencyResponseCreate
from pitf.services import rec_responses
from pitf.services import recommendations as recs
from pitf.textutil import parse_id
from pitf.validation import validate
from pitf.web.recommendations.forms import ResponseForm
from pitf.web.recommendations.page import bp, build_response_form, my_target, render_page

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
    linked = [parse_id(v) or 0 for v in form.action_item_ids.data or []]  # 0: no such action item
    try:
        response_in = validate(AgencyResponseCreate, {
            "agency": agency, "position": form.position.data or "",
            "response_md": (form.response_md.data or "").replace("\r\n", "\n"),
            "action_item_ids": linked, "new_action_items": new_items})
        response = rec_responses.respond(session=db, actor=current_user, rec_id=rec_id, response_in=response_in)
    except ValidationFailed as err:
        targeted = my_target(recs.targets_of(db, [rec_id])[rec_id]) is not None
        if "agency" in err.fields or not targeted:
            raise ValidationFailed(err.fields.get("agency") or err.message) from err
        fresh = build_response_form(db, rec, agency, current_user.agency_id, None, posted=True)
        fresh.agency.data = agency
        _apply_response_errors(fresh, err, sent)
        return render_page(rec, is_author, status=422, response_form=fresh)
    flash(f"{agency}'s response is filed (revision {response.revision}); the Council and the secretariat are "
          "notified.", "success")
    return redirect(url_for("recommendations.view", rec_id=rec_id, _anchor=f"response-{agency}"))
