"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, keeping every message it accepts.

    with SmtpServer() as smtp:            # or SmtpServer(port=p, delay=0.2) for a slow server
        smtp.refuse["x@example.gov"] = "550 5.1.1 No such user"
        ... send to smtp.url (smtp://127.0.0.1:port) ...
        smtp.message_ids                  # in the order received, duplicates kept
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A loopback port nothing listens on (as long as nobody takes it in the meantime)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, _server, session, envelope, address, _rcpt_options):  # noqa: N802
        reply = self.server.refuse.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        # Recorded before the answer: a client that dies while waiting for "250" has still delivered,
        # which is the crash window the outbox documents.
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd's Controller on 127.0.0.1 (a free port unless given), recording what it accepts."""

    def __init__(self, port: int | None = None, *, delay: float = 0.0):
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.delay = delay  # seconds to wait before answering each message (change it any time)
        self.refuse: dict[str, str] = {}  # recipient -> the reply refusing it, e.g. "550 5.1.1 No such user"
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.controller = Controller(_Handler(self), hostname=self.host, port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def message_ids(self) -> list[str]:
        with self.lock:
            return [r.message_id for r in self.received]

    def counts(self) -> Counter:
        """How many times each Message-ID arrived."""
        return Counter(self.message_ids)

    def wait_for(self, count: int, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > end:
                raise TimeoutError(f"the SMTP server received {len(self.received)} messages, expected {count}")
            time.sleep(0.01)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
