"""How an outbox row leaves the building: one sender per channel (``email``, ``sms``, ``log``).

A sender is anything with ``async send(message) -> None`` that raises when the message did not
go out; the worker turns the exception into a retry. The kernel ships three — the log (the
default, so a fresh install needs no mail server), SMTP and an HTTP SMS gateway — and plugins
add or replace senders through ``govflow_senders``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

import aiohttp
import aiosmtplib
import pluggy

from ..config import Config
from ..masking import mask_text

log = logging.getLogger(__name__)

CHANNELS = ("email", "sms", "log")


class Message(Protocol):
    """What a sender reads of an outbox row."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str


class Sender(Protocol):
    async def send(self, message: Message) -> None:
        """Deliver ``message`` or raise; returning means the message has been handed over."""


def mask_recipient(recipient: str) -> str:
    """``o****@example.gov.cn``, ``138****8000``: enough to tell recipients apart in a log."""
    local, at, domain = recipient.rpartition("@")
    if at:
        return f"{local[:1]}****@{domain}"
    return mask_text(recipient)


class LogSender:
    """Writes one line per message to the ``kernel.notify`` log instead of sending it.

    The body is left out on purpose: it may carry a verification code or an applicant's
    personal data, and logs are kept longer and read by more people than mailboxes.
    """

    async def send(self, message: Message) -> None:
        log.info(
            "notification id=%s channel=%s to=%s subject=%r chars=%d",
            message.id,
            message.channel,
            mask_recipient(message.recipient),
            mask_text(message.subject),
            len(message.body),
        )


class SmtpSender:
    """Plain-text UTF-8 e-mail through the configured SMTP server (STARTTLS when offered)."""

    def __init__(self, config: Config, timeout: float = 30) -> None:
        self.host, self.port, self.sender = config.smtp_host, config.smtp_port, config.smtp_sender
        self.timeout = timeout

    def email(self, message: Message) -> EmailMessage:
        """RFC 5322 message; the library encodes the Chinese subject (RFC 2047) and body."""
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=True)
        email["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        email.set_content(message.body, charset="utf-8")
        return email

    async def send(self, message: Message) -> None:
        await aiosmtplib.send(
            self.email(message), hostname=self.host, port=self.port, timeout=self.timeout
        )


class SmsGatewaySender:
    """POSTs ``{"mobile", "text"}`` as JSON to the gateway; anything but 2xx is a failure.

    A session per message keeps the sender free of open connections to close at shutdown;
    codes and review results are far too few for connection reuse to matter.
    """

    def __init__(self, config: Config, timeout: float = 10) -> None:
        if not config.sms_gateway_url:
            raise ValueError("the 'sms' sender needs GOVFLOW_SMS_GATEWAY_URL")
        self.url = config.sms_gateway_url
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(self, message: Message) -> None:
        payload = {"mobile": message.recipient, "text": message.body}
        async with (
            aiohttp.ClientSession(timeout=self.timeout) as session,
            session.post(self.url, json=payload) as response,
        ):
            if not 200 <= response.status < 300:
                raise RuntimeError(f"SMS gateway answered {response.status} {response.reason}")


def build_senders(config: Config, pm: pluggy.PluginManager | None = None) -> dict[str, Sender]:
    """Channel -> sender from ``config.senders``, then what plugins contribute.

    Every channel starts at the log, so ``senders=log`` logs everything and a channel without
    a real sender is never silently dropped. Plugins run last and the later-registered one
    wins; pluggy calls the last-registered plugin first, hence the reversal.
    """
    log_sender = LogSender()
    senders: dict[str, Sender] = dict.fromkeys(CHANNELS, log_sender)
    for name in (n.strip() for n in config.senders.split(",")):
        if name == "smtp":
            senders["email"] = SmtpSender(config)
        elif name == "sms":
            senders["sms"] = SmsGatewaySender(config)
        elif name not in ("log", ""):
            raise ValueError(f"unknown sender '{name}' in GOVFLOW_SENDERS (log, smtp, sms)")
    if pm is not None:
        contributed: list[Mapping[str, Sender] | None] = pm.hook.govflow_senders(config=config)
        for mapping in reversed(contributed):
            senders.update(mapping or {})
    return senders
