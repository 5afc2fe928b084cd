"""Confirmation of steps that cannot be undone or that notify people, for pages without JavaScript.

The button of such a step opens a modal that adds confirm=yes (templates/_confirm.html). A post without it (no
JavaScript, or a crafted request) gets the same question as a page, and nothing changes until it is confirmed.
"""

from __future__ import annotations

from flask import render_template, request

SKIPPED = {"csrf_token", "confirm"}

# Every step that asks first, with its question: title, text (with {placeholders}) and the confirming button.
# The modal (templates/_confirm.html) and the page without JavaScript read the same words from here.
QUESTIONS = {
    "publish": ("Publish the agenda?",
                "The committee's members are told in the platform and by email{again}. This cannot be called back.",
                "Publish"),
    "remove_item": ("Remove this agenda item?",
                    "\u201c{title}\u201d, with its notes and links, leaves the agenda{published}. It is not kept "
                    "anywhere: to have it back, add it again.", "Remove the item"),
    "circulate": ("Circulate the minutes for comment?",
                  "The committee's members are told in the platform and by email, and may comment. The minutes "
                  "do not go back to draft.", "Circulate for comment"),
    "approve": ("Approve the minutes?",
                "Revision {revision} becomes the text everyone reads, and is locked: later changes are corrections "
                "with a reason.", "Approve"),
    "certify": ("Certify the minutes?",
                "You certify, as chair, that revision {revision} is an accurate and complete summary of the matters "
                "discussed and conclusions reached. Your name and today's date are recorded, and the minutes are "
                "locked.", "Certify"),
    "mail": ("Email the approved minutes?",
             "Each participant who has not had these approved minutes yet gets them by email, with the meeting's "
             "action items. An email cannot be called back.", "Email the minutes"),
    "dismiss": ("Dismiss this proposed action?",
                "No action item is made of \u201c{title}\u201d, and a dismissed proposal cannot be confirmed "
                "later.", "Dismiss"),
    "submit_recommendation": ("Submit this recommendation?",
                              "It gets its number, the secretariat is notified, and it becomes read-only: its "
                              "authors can no longer edit it.", "Submit the recommendation"),
}


def question(step: str, **values) -> tuple[str, str, str]:
    """The title, text and confirming button of *step* (templates call it as confirm_text)."""
    title, body, label = QUESTIONS[step]
    return title, body.format(**values), label


def confirmed() -> bool:
    return request.form.get("confirm") == "yes"


def ask(step: str, *, cancel_url: str, **values):
    """The question of *step* as a page, carrying every field posted so the confirmed post does the same step."""
    title, body, confirm_label = question(step, **values)
    fields = [(name, value) for name in request.form if name not in SKIPPED for value in request.form.getlist(name)]
    return render_template("confirm.html", title=title, body=body, confirm_label=confirm_label,
                           cancel_url=cancel_url, action=request.path, fields=fields)
