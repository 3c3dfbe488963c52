"""Real counterparts for notification tests: an SMTP mailbox and an SMS gateway on 127.0.0.1."""

from __future__ import annotations

import asyncio
import email
import socket
from email import policy
from email.message import EmailMessage

from aiohttp import web


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler keeping what it received, parsed as the recipient's client would."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


class Gateway:
    """An HTTP SMS gateway answering 500 to the first ``failures`` calls, then 200."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[dict] = []
        self.delivered: list[dict] = []
        self.arrived = asyncio.Event()  # set by each delivered message: wait on it, not a timer

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/send", self.receive)
        return app

    async def receive(self, request: web.Request) -> web.Response:
        payload = await request.json()
        self.calls.append(payload)
        if len(self.calls) <= self.failures:
            return web.json_response({"error": "busy"}, status=500)
        self.delivered.append(payload)
        self.arrived.set()
        return web.json_response({"ok": True})
