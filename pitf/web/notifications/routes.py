"""Notification pages: the list with its read marks, the header bell's count, and the preferences page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from pitf.db import get_session
from pitf.errors import ValidationFailed
from pitf.paging import last_page, page_numbers, read_paging, show_page
from pitf.security import is_safe_next
from pitf.services import notifications
from pitf.services.notifications import CHANNELS
from pitf.services.reminders import KINDS
from pitf.web.account.forms import zone_choices
from pitf.web.form_errors import apply_form_errors
from pitf.web.notifications.forms import PREFIX, NotificationPrefsForm, kind_field_name

bp = Blueprint("notifications", __name__)

TRUE = {"1", "true", "on", "yes"}
PER_PAGE = 25


def unread_for_bell() -> int | None:
    """The signed-in user's unread count, read once per request (one COUNT) and shared by the page."""
    if "_pitf_unread" not in g:
        g._pitf_unread = None
        if current_user.is_authenticated:
            try:
                g._pitf_unread = notifications.unread_count(session=get_session(),
                                                            actor=current_user._get_current_object())
            except SQLAlchemyError:
                # An error page after a failed transaction still renders, without the count.
                current_app.logger.warning("Unread notification count unavailable", exc_info=True)
    return g._pitf_unread


@bp.app_context_processor
def _bell():
    # A function, not a number: the COUNT runs only when a page's header shows the bell.
    return {"unread_notifications": unread_for_bell}


def _back() -> str:
    """Where a read mark returns to: the list page it was made on (a path of this site), else the list."""
    target = request.form.get("next", "")
    return target if is_safe_next(target) else url_for("notifications.index")


# ---- the list ----------------------------------------------------------------------------------

@bp.route("/notifications")
@login_required
def index():
    errors: dict[str, str] = {}
    page, per_page = read_paging(request.args, errors, per_page=PER_PAGE)
    unread_only = (request.args.get("unread") or "").lower() in TRUE
    rows, total = [], 0
    if not errors:
        rows, total, page = show_page(lambda number: notifications.list_notifications(
            session=get_session(), actor=current_user._get_current_object(), unread_only=unread_only, page=number,
            per_page=per_page), page, per_page)
    query_args = {"unread": "1"} if unread_only else {}
    if per_page != PER_PAGE:
        query_args["per_page"] = per_page
    last = last_page(total, per_page)
    return render_template(
        "notifications/list.html", rows=rows, total=total, page=page, per_page=per_page, last_page=last,
        page_numbers=page_numbers(page, last), query_args=query_args, unread_only=unread_only,
        unread=unread_for_bell() or 0, errors=errors, here=request.full_path.rstrip("?"),
    ), (422 if errors else 200)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    note = notifications.mark_read(session=get_session(), actor=current_user._get_current_object(),
                                   notification_id=notification_id)
    if (request.values.get("go") or "").lower() in TRUE:
        if note.url and is_safe_next(note.url):
            return redirect(note.url)
        flash("Marked as read. This notification links to nothing.", "info")
        return redirect(_back())
    flash("Marked as read.", "success")
    return redirect(_back())


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    count = notifications.mark_all_read(session=get_session(), actor=current_user._get_current_object())
    if count:
        flash(f"{count} notification{'s' if count != 1 else ''} marked as read.", "success")
    else:
        flash("You had no unread notifications.", "info")
    return redirect(_back())


# ---- preferences -------------------------------------------------------------------------------

def _current_values(user) -> dict:
    return {"digest_enabled": bool(user.digest_enabled), "timezone": user.timezone,
            **{kind_field_name(kind): notifications.channel_of(user, kind) for kind in KINDS}}


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    user = current_user._get_current_object()
    form = NotificationPrefsForm() if request.method == "POST" else NotificationPrefsForm(data=_current_values(user))
    form.timezone.choices = zone_choices()
    if form.validate_on_submit():
        prefs = {kind: form[kind_field_name(kind)].data for kind in KINDS
                 if form[kind_field_name(kind)].data is not None}
        # A choice for a kind the form does not show is refused by the service, not silently dropped.
        prefs.update({name.removeprefix(PREFIX): value for name, value in request.form.items()
                      if name.startswith(PREFIX) and name.removeprefix(PREFIX) not in KINDS})
        try:
            notifications.update_notification_prefs(session=get_session(), actor=user,
                                                    digest_enabled=bool(form.digest_enabled.data), prefs=prefs,
                                                    timezone=form.timezone.data)
        except ValidationFailed as err:
            apply_form_errors(form, err, mapping={f"prefs.{kind}": kind_field_name(kind) for kind in KINDS})
        else:
            flash("Your notification preferences are saved.", "success")
            return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form, kinds=KINDS, channels=CHANNELS,
                           kind_field_name=kind_field_name), (422 if request.method == "POST" else 200)
