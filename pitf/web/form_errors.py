"""A service's refusal shown on the form that caused it, and the one shape of a new or edit page."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request

from pitf.errors import DomainError


def apply_form_errors(form, err: DomainError, mapping: dict[str, str] | None = None) -> None:
    """Show a service's field errors beside the matching form fields (or on the form itself)."""
    mapping = mapping or {}
    leftover = []
    for name, message in (getattr(err, "fields", None) or {}).items():
        field = getattr(form, mapping.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            leftover.append(message)
    form.form_errors = [*getattr(form, "form_errors", []), *leftover] or ([err.message] if not err.fields else [])


def form_page(form, save: Callable[[], tuple[str, str]], template: str, **context):
    """The one shape of a new or edit page: on a valid submit, save() calls the service and says what was done and
    where to go next; a refusal shows beside the fields; otherwise the form again (422 after a POST)."""
    if form.validate_on_submit():
        try:
            message, target = save()
        except DomainError as err:
            apply_form_errors(form, err)
        else:
            flash(message, "success")
            return redirect(target)
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status
