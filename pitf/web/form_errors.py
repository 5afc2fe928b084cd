"""A service's refusal shown on the form that caused it."""

from __future__ import annotations

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
