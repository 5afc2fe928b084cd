"""An administrator opens one email of the outbox and reads it: headers, the plain text, the HTML part made safe."""

from __future__ import annotations

import html as htmllib
import uuid

import pytest

from pitf.models import OutboxEmail, utcnow


def email(db, **kw) -> OutboxEmail:
    values = {"to_address": "ana@agency.gov", "kind": "action_due", "subject": "Due soon: screening protocol",
              "body_text": "Hello Ana,\n\nThe item <b>is due</b> on Friday.\n", "body_html": "", "state": "failed",
              "attempts": 6, "last_error": "550 mailbox unavailable", "message_id": f"<{uuid.uuid4()}@test>",
              "next_attempt_at": utcnow()}
    values.update(kw)
    row = OutboxEmail(**values)
    db.add(row)
    db.flush()
    return row


def main_part(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def test_the_outbox_links_each_email_to_its_page(db, client_as):
    row = email(db)
    html = client_as("admin").get("/admin/outbox").get_data(as_text=True)
    assert f'href="/admin/outbox/{row.id}"' in html


def test_an_email_page_shows_headers_and_the_plain_text_escaped(db, client_as):
    row = email(db)
    r = client_as("admin").get(f"/admin/outbox/{row.id}")
    assert r.status_code == 200
    main = main_part(r.get_data(as_text=True))
    text = htmllib.unescape(main)
    for shown in ["ana@agency.gov", "Due soon: screening protocol", "Failed", "550 mailbox unavailable",
                  row.message_id, "Action due"]:
        assert shown in text, shown
    assert "<dt>Attempts</dt><dd>6</dd>" in main
    # The plain text keeps its lines and shows markup as text, never as markup.
    assert "Hello Ana,\n\nThe item &lt;b&gt;is due&lt;/b&gt; on Friday." in main
    assert "<b>is due</b>" not in main
    assert "This email has no HTML part" in text
    # A failed email can be retried from its page, which it comes back to.
    assert f'action="/admin/outbox/{row.id}/retry"' in main
    assert f'name="next" value="/admin/outbox/{row.id}"' in main


def test_the_html_part_is_shown_sanitized_and_its_source_as_text(db, client_as):
    row = email(db, state="sent", body_html=(
        '<h1>Reminder</h1><p>Read <a href="https://pitf.example.gov/x">the item</a></p>'
        '<script>alert(1)</script><img src="https://tracker.example/p.gif" onerror="alert(2)">'
        '<a href="javascript:alert(3)">bad</a><style>p{color:red}</style>'))
    main = main_part(client_as("admin").get(f"/admin/outbox/{row.id}").get_data(as_text=True))
    rendered = main.split('<div class="pitf-note pitf-break">')[1].split("</div>")[0]
    assert '<a href="https://pitf.example.gov/x" rel="noopener noreferrer nofollow">the item</a>' in rendered
    for unsafe in ["<script", "<img", "javascript:", "<style", "onerror", "<h1"]:
        assert unsafe not in rendered, unsafe
    # The source is there to read, escaped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in main
    assert "<script>alert(1)" not in main
    assert "Retry this email" not in main  # only a failed email is retried


@pytest.mark.parametrize("role", ["secretariat", "liaison", "council", "viewer"])
def test_only_administrators_read_an_email(db, client_as, role):
    row = email(db)
    kw = {"agency": "DOJ"} if role == "liaison" else {}
    assert client_as(role, **kw).get(f"/admin/outbox/{row.id}").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(db, client):
    row = email(db)
    r = client.get(f"/admin/outbox/{row.id}")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


@pytest.mark.parametrize("path", ["/admin/outbox/999999", "/admin/outbox/99999999999999999999",
                                  "/admin/outbox/%D9%A3", "/admin/outbox/abc"])
def test_an_email_that_does_not_exist_is_404(db, client_as, path):
    assert client_as("admin").get(path).status_code == 404
