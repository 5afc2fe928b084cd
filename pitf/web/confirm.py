"""Confirmation of steps that cannot be undone or that notify people, for pages without JavaScript.

The button of such a step opens a modal that adds confirm=yes (templates/_confirm.html). A post without it (no
JavaScript, or a crafted request) gets the same question as a page, and nothing changes until it is confirmed.
"""

from __future__ import annotations

from flask import render_template, request

SKIPPED = {"csrf_token", "confirm"}


def confirmed() -> bool:
    return request.form.get("confirm") == "yes"


def confirmation_page(*, title: str, body: str, confirm_label: str, cancel_url: str):
    """The question as a page, carrying every field posted so the confirmed post does the same step."""
    fields = [(name, value) for name in request.form if name not in SKIPPED for value in request.form.getlist(name)]
    return render_template("confirm.html", title=title, body=body, confirm_label=confirm_label,
                           cancel_url=cancel_url, action=request.path, fields=fields)
