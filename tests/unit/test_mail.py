"""PITF_MAIL_URL parsing, the messages built from outbox rows, and sending them to a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pitf.mail import ConnectionFailed, MailConfig, Mailer, MessageRejected, parse_mail_url, text_to_html
from pitf.models import OutboxEmail
from pitf.settings import ConfigError, load_settings
from tests.smtp_server import free_port

FROM = "PITF Coordination Platform <no-reply@pitf.example.gov>"
UNSUBSCRIBE = "https://pitf.example.gov/account/notifications"


def _row(**kw) -> OutboxEmail:
    values = {"id": 1, "to_address": "liaison@doj.example.gov", "kind": "action_due",
              "subject": "Action item DOJ-12 is due in 3 days",
              "body_text": "Trauma-informed training <for> task forces & partners.\n\nhttps://pitf.example.gov/actions/12",
              "message_id": "<6f1c0f8e-1d7a-4c8e-9a55-2b1f7d0c3e11@pitf.platform>",
              "next_attempt_at": datetime(2030, 1, 7, 14, 0, tzinfo=UTC),
              "created_at": datetime(2030, 1, 7, 13, 58, 30, tzinfo=UTC)}
    return OutboxEmail(**{**values, **kw})


@pytest.mark.parametrize(("url", "expected"), [
    ("", None),
    ("   ", None),
    ("smtp://127.0.0.1:2525", MailConfig("smtp", "127.0.0.1", 2525)),
    ("smtp://relay.internal", MailConfig("smtp", "relay.internal", 25)),
    ("SMTP://Relay.Internal:25/", MailConfig("smtp", "relay.internal", 25)),
    ("smtp+starttls://user:pass@smtp.example.gov:587",
     MailConfig("smtp+starttls", "smtp.example.gov", 587, "user", "pass", use_ssl=False, starttls=True)),
    ("smtp+starttls://user:pass@smtp.example.gov",
     MailConfig("smtp+starttls", "smtp.example.gov", 587, "user", "pass", starttls=True)),
    ("smtps://user:pass@smtp.example.gov:465",
     MailConfig("smtps", "smtp.example.gov", 465, "user", "pass", use_ssl=True)),
    ("smtps://smtp.example.gov", MailConfig("smtps", "smtp.example.gov", 465, use_ssl=True)),
    ("smtps://no-reply%40pitf.example.gov:p%40ss%3Aw%2Fd%20x@smtp.example.gov:2465",
     MailConfig("smtps", "smtp.example.gov", 2465, "no-reply@pitf.example.gov", "p@ss:w/d x", use_ssl=True)),
    ("smtp+starttls://apikey@smtp.example.gov", MailConfig("smtp+starttls", "smtp.example.gov", 587, "apikey",
                                                           starttls=True)),
    ("smtp://[::1]:2525", MailConfig("smtp", "::1", 2525)),
])
def test_parse_mail_url(url, expected):
    assert parse_mail_url(url) == expected


@pytest.mark.parametrize(("url", "problem"), [
    ("http://smtp.example.gov", "unknown scheme 'http'"),
    ("smtp+ssl://smtp.example.gov", "unknown scheme 'smtp+ssl'"),
    ("smtp.example.gov:25", "must look like smtp://host:port"),
    ("smtp://", "no host"),
    ("smtp://:25", "no host"),
    ("smtps://user:pass@:465", "no host"),
    ("smtp://relay:port", "bad port 'port'"),
    ("smtp://relay:99999", "bad port '99999'"),
    ("smtp://relay:0", "bad port 0"),
    ("smtp://relay:-1", "bad port"),
    ("smtps://:secret@smtp.example.gov", "password without a user name"),
    ("smtp://user:secret@relay:25", "credentials over plain smtp://"),
    ("smtp://relay:25/mail", "no path, query or fragment"),
    ("smtp://relay:25?tls=1", "no path, query or fragment"),
])
def test_malformed_mail_url_names_the_problem(url, problem):
    with pytest.raises(ConfigError, match="PITF_MAIL_URL") as info:
        parse_mail_url(url)
    assert problem in str(info.value)
    assert "secret" not in str(info.value)  # a password never lands in a log


def test_mail_settings_defaults_and_environment(monkeypatch, tmp_path):
    for name in ("PITF_MAIL_URL", "PITF_MAIL_FROM", "PITF_MAIL_TIMEOUT", "PITF_MAIL_MAX_ATTEMPTS",
                 "PITF_MAIL_LEASE_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    base = {"PITF_ENV": "test", "SECRET_KEY": "x", "PITF_INSTANCE_PATH": str(tmp_path)}
    cfg = load_settings(base)
    assert (cfg["PITF_MAIL_URL"], cfg["PITF_MAIL_FROM"], cfg["PITF_MAIL_TIMEOUT"], cfg["PITF_MAIL_MAX_ATTEMPTS"],
            cfg["PITF_MAIL_LEASE_MINUTES"]) == ("", FROM, 10, 6, 10)
    monkeypatch.setenv("PITF_MAIL_URL", "smtps://u:p@mail.example.gov")
    monkeypatch.setenv("PITF_MAIL_FROM", "IGA <iga@state.example.gov>")
    monkeypatch.setenv("PITF_MAIL_TIMEOUT", "30")
    monkeypatch.setenv("PITF_MAIL_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("PITF_MAIL_LEASE_MINUTES", "5")
    cfg = load_settings(base)
    assert (cfg["PITF_MAIL_URL"], cfg["PITF_MAIL_FROM"], cfg["PITF_MAIL_TIMEOUT"], cfg["PITF_MAIL_MAX_ATTEMPTS"],
            cfg["PITF_MAIL_LEASE_MINUTES"]) == ("smtps://u:p@mail.example.gov", "IGA <iga@state.example.gov>", 30, 3, 5)
    monkeypatch.setenv("PITF_MAIL_TIMEOUT", "ten")
    with pytest.raises(ConfigError, match="PITF_MAIL_TIMEOUT"):
        load_settings(base)


@pytest.mark.parametrize("mail_from", ["", "nobody", "PITF <>", "PITF <@example.gov>"])
def test_malformed_mail_from_is_refused(mail_from):
    with pytest.raises(ConfigError, match="PITF_MAIL_FROM"):
        Mailer(MailConfig("smtp", "127.0.0.1", 25), mail_from)


def test_message_headers_and_parts():
    mailer = Mailer(MailConfig("smtp", "127.0.0.1", 25), FROM)
    row = _row()
    msg = mailer.build_message(row, unsubscribe_url=UNSUBSCRIBE)
    assert msg["Message-ID"] == row.message_id
    assert mailer.build_message(row, unsubscribe_url=UNSUBSCRIBE)["Message-ID"] == row.message_id  # stable
    assert msg["From"] == FROM
    assert msg["To"] == "liaison@doj.example.gov"
    assert msg["Subject"] == "Action item DOJ-12 is due in 3 days"
    assert msg["Date"] == "Mon, 07 Jan 2030 13:58:30 +0000"  # the row's creation: a resent copy is identical
    assert msg["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert msg["List-Unsubscribe-Post"] is None  # the link is a page, not a one-click endpoint
    assert msg.get_content_type() == "multipart/alternative"
    text, html_part = msg.get_payload()
    assert text.get_content_type() == "text/plain"
    assert text.get_content().rstrip("\n") == row.body_text
    assert html_part.get_content_type() == "text/html"
    body = html_part.get_content()
    assert "Trauma-informed training &lt;for&gt; task forces &amp; partners." in body
    assert '<a href="https://pitf.example.gov/actions/12">' in body
    assert "<for>" not in body


def test_a_line_break_in_the_subject_cannot_add_a_header():
    mailer = Mailer(MailConfig("smtp", "127.0.0.1", 25), FROM)
    msg = mailer.build_message(_row(subject="Minutes circulated\r\nBcc: everyone@example.gov"),
                               unsubscribe_url=UNSUBSCRIBE)
    assert msg["Subject"] == "Minutes circulated Bcc: everyone@example.gov"
    assert msg["Bcc"] is None
    assert "\nBcc:" not in msg.as_string()


def test_given_html_is_used_as_is():
    mailer = Mailer(MailConfig("smtp", "127.0.0.1", 25), "no-reply@pitf.example.gov")
    msg = mailer.build_message(_row(body_html="<p>Custom <b>HTML</b></p>"), unsubscribe_url=UNSUBSCRIBE)
    assert msg["From"] == "no-reply@pitf.example.gov"
    assert msg.get_payload()[1].get_content().strip() == "<p>Custom <b>HTML</b></p>"


def test_text_to_html_escapes_and_keeps_paragraphs():
    out = text_to_html('Line one\nline "two" <script>alert(1)</script>\n\nSee https://x.example/a?b=1&c=2 now')
    assert "<p>Line one<br>\nline &quot;two&quot; &lt;script&gt;alert(1)&lt;/script&gt;</p>" in out
    assert '<a href="https://x.example/a?b=1&amp;c=2">https://x.example/a?b=1&amp;c=2</a> now' in out
    assert "<script>" not in out


def test_send_over_one_connection_to_a_real_server(smtp):
    mailer = Mailer(parse_mail_url(smtp.url), FROM, timeout=5)
    rows = [_row(id=i, message_id=f"<row-{i}@pitf.platform>", to_address=f"person{i}@example.gov") for i in (1, 2)]
    with mailer.connection() as conn:
        for row in rows:
            conn.send(row, unsubscribe_url=UNSUBSCRIBE)
    mailer.send(_row(id=3, message_id="<row-3@pitf.platform>"), unsubscribe_url=UNSUBSCRIBE)
    assert smtp.message_ids == ["<row-1@pitf.platform>", "<row-2@pitf.platform>", "<row-3@pitf.platform>"]
    first = smtp.received[0]
    assert first.mail_from == "no-reply@pitf.example.gov"
    assert first.rcpt_tos == ["person1@example.gov"]
    assert first.message["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert {p.get_content_type() for p in first.message.iter_parts()} == {"text/plain", "text/html"}


def test_unreachable_server_is_a_connection_failure():
    mailer = Mailer(MailConfig("smtp", "127.0.0.1", free_port()), FROM, timeout=2)
    with pytest.raises(ConnectionFailed, match="SMTP server 127.0.0.1"):
        mailer.send(_row(), unsubscribe_url=UNSUBSCRIBE)


def test_a_row_without_address_is_rejected_for_good(smtp):
    mailer = Mailer(parse_mail_url(smtp.url), FROM, timeout=5)
    with pytest.raises(MessageRejected) as info:
        mailer.send(_row(to_address=" "), unsubscribe_url=UNSUBSCRIBE)
    assert info.value.permanent
    assert smtp.received == []
