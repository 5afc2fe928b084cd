"""Email over SMTP: the PITF_MAIL_URL setting, the messages built from outbox rows, and their sending."""

from __future__ import annotations

import contextlib
import html
import re
import smtplib
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from pitf.settings import ConfigError

if TYPE_CHECKING:
    from pitf.models import OutboxEmail

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class MailConfig:
    """Where and how to reach the SMTP server (from PITF_MAIL_URL)."""

    scheme: str
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)
    use_ssl: bool = False
    starttls: bool = False


def _shown(url: str) -> str:
    """The URL as error messages may show it: never the password."""
    return re.sub(r"(//[^/@]*?:)[^/@]*@", r"\1***@", url)


def parse_mail_url(url: str) -> MailConfig | None:
    """Read PITF_MAIL_URL: None when empty (email waits in the outbox); ConfigError when malformed."""
    url = (url or "").strip()
    if not url:
        return None
    shown = _shown(url)
    if "://" not in url:
        raise ConfigError(f"PITF_MAIL_URL must look like smtp://host:port, smtp+starttls://user:pass@host:587 "
                          f"or smtps://user:pass@host:465; got {shown!r}")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ConfigError(f"PITF_MAIL_URL has an unknown scheme {parts.scheme!r} in {shown!r}: "
                          "use smtp://, smtp+starttls:// or smtps://")
    if not parts.hostname:
        raise ConfigError(f"PITF_MAIL_URL has no host in {shown!r}")
    try:
        port = parts.port
    except ValueError:
        port_text = parts.netloc.rpartition("@")[2].rpartition(":")[2]
        raise ConfigError(f"PITF_MAIL_URL has a bad port {port_text!r} in {shown!r}: "
                          "give a number from 1 to 65535") from None
    if port == 0:
        raise ConfigError(f"PITF_MAIL_URL has a bad port 0 in {shown!r}: give a number from 1 to 65535")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"PITF_MAIL_URL takes no path, query or fragment: {shown!r}")
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    if password and not username:
        raise ConfigError(f"PITF_MAIL_URL has a password without a user name in {shown!r}")
    if username and scheme == "smtp":
        # Plain smtp:// is for a local relay; a password would cross the network in clear.
        raise ConfigError(f"PITF_MAIL_URL sends credentials over plain smtp:// in {shown!r}: "
                          "use smtp+starttls:// or smtps:// to sign in to the server")
    return MailConfig(scheme=scheme, host=parts.hostname, port=port or DEFAULT_PORTS[scheme], username=username,
                      password=password, use_ssl=scheme == "smtps", starttls=scheme == "smtp+starttls")


class MailError(Exception):
    """Sending failed."""


class ConnectionFailed(MailError):
    """The server could not be reached, or the connection broke: the rest of the batch waits too."""


class MessageRejected(MailError):
    """The server refused this one message; *permanent* when it answered 5xx (RFC 5321)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


_URL = re.compile(r"https?://[^\s<>\"']+")


def text_to_html(text: str) -> str:
    """A simple HTML version of plain text: escaped, paragraphs kept, links clickable."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(block, quote=True)
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    body = "\n".join(paragraphs)
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n{body}\n</body></html>\n'


def parse_mail_from(mail_from: str) -> tuple[str, str]:
    """Read PITF_MAIL_FROM into (display name, address); ConfigError when it holds no address."""
    name, addr = parseaddr(mail_from)
    if not addr or "@" not in addr or addr.startswith("@") or addr.endswith("@"):
        raise ConfigError(f"PITF_MAIL_FROM must be an address like 'PITF <no-reply@agency.gov>', got {mail_from!r}")
    return name, addr


class Mailer:
    """Builds a message from an outbox row and hands it to the SMTP server of *config*."""

    def __init__(self, config: MailConfig, mail_from: str, timeout: float = 10):
        self.config = config
        self.from_name, self.from_address = parse_mail_from(mail_from)
        self.timeout = timeout

    def build_message(self, row: OutboxEmail, *, unsubscribe_url: str) -> EmailMessage:
        """The message of *row*: text and HTML alternatives, the row's own Message-ID and its Date."""
        msg = EmailMessage()
        local, _, domain = self.from_address.rpartition("@")
        msg["From"] = Address(self.from_name, local, domain) if self.from_name else self.from_address
        msg["To"] = row.to_address.strip()
        # One line: a line break in a title must not end the header (or start another one).
        msg["Subject"] = " ".join(row.subject.split())
        # The row's creation time: a message sent again after a crash is the same message.
        msg["Date"] = format_datetime(row.created_at)
        msg["Message-ID"] = row.message_id
        msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(row.body_text)
        msg.add_alternative(row.body_html or text_to_html(row.body_text), subtype="html")
        return msg

    @contextlib.contextmanager
    def connection(self) -> Iterator[MailConnection]:
        """One SMTP session for a batch; raises ConnectionFailed when the server cannot be reached."""
        smtp = self._connect()
        conn = MailConnection(self, smtp)
        try:
            yield conn
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()

    def send(self, row: OutboxEmail, *, unsubscribe_url: str) -> None:
        """Send one row over a connection of its own."""
        with self.connection() as conn:
            conn.send(row, unsubscribe_url=unsubscribe_url)

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        smtp: smtplib.SMTP | None = None
        try:
            if cfg.use_ssl:
                smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=self.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=self.timeout)
            # SMTP is a dialogue of small writes: without this, Nagle's algorithm meeting the server's
            # delayed ACK adds tens of milliseconds to every message of a batch.
            with contextlib.suppress(OSError):
                if smtp.sock is not None:  # None only before connect, which the constructor did
                    smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            smtp.ehlo()
            if cfg.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if cfg.username:
                smtp.login(cfg.username, cfg.password)
            return smtp
        except OSError as exc:  # smtplib's errors, refused connections and timeouts alike
            if smtp is not None:
                smtp.close()
            raise ConnectionFailed(f"SMTP server {cfg.host}:{cfg.port}: {_describe(exc)}") from exc


class MailConnection:
    """An open SMTP session; send() raises MessageRejected or ConnectionFailed."""

    def __init__(self, mailer: Mailer, smtp: smtplib.SMTP):
        self.mailer = mailer
        self.smtp = smtp

    def send(self, row: OutboxEmail, *, unsubscribe_url: str) -> None:
        if not row.to_address.strip():
            raise MessageRejected("no email address", permanent=True)
        msg = self.mailer.build_message(row, unsubscribe_url=unsubscribe_url)
        try:
            refused = self.smtp.send_message(msg, from_addr=self.mailer.from_address, to_addrs=[row.to_address])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (0, b""))
            raise MessageRejected(f"recipient refused: {code} {_text(reply)}", permanent=500 <= code < 600) from exc
        except smtplib.SMTPNotSupportedError as exc:  # an international address the server cannot take
            raise MessageRejected(f"not supported by the server: {exc}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            raise MessageRejected(f"refused: {exc.smtp_code} {_text(exc.smtp_error)}",
                                  permanent=500 <= exc.smtp_code < 600) from exc
        except OSError as exc:
            # Disconnected or timed out: the server did not confirm the message, so it was not accepted.
            raise ConnectionFailed(f"SMTP connection lost: {_describe(exc)}") from exc
        if refused:
            raise MessageRejected(f"recipient refused: {refused}")


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
