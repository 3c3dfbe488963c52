"""The outbox worker: sends due rows, retries failures with backoff, gives up after a while.

Claiming a row is a conditional ``UPDATE outbox_message SET attempts = n + 1, next_attempt_at =
<retry time> WHERE id = … AND attempts = n AND sent_at IS NULL AND failed_at IS NULL``. Only one
worker's update can match (the database serialises updates of one row; on PostgreSQL the loser
re-reads the row after the winner commits and no longer matches), so the same statement keeps
two worker processes from sending a row twice on SQLite and on PostgreSQL alike, with no
long-held row lock during a slow SMTP exchange. Moving ``next_attempt_at`` in the claim doubles
as a lease: a worker that dies mid-send leaves a row that is retried after the backoff instead
of being stuck — delivery is at least once, never twice at the same time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping

from aiohttp import web

from .. import clock
from ..db.models import OutboxMessage
from ..keys import CONFIG, KERNEL
from .senders import Sender, build_senders, mask_recipient

log = logging.getLogger(__name__)

#: After this many failed attempts a row is marked failed and no longer retried.
MAX_ATTEMPTS = 6
FIRST_RETRY = dt.timedelta(seconds=30)
#: A sender that hangs longer than this counts as failed (the row is retried).
SEND_TIMEOUT = 60.0
#: Set it after committing something to the outbox to have it sent now, not within a second.
OUTBOX_WAKE = web.AppKey("outbox_wake", asyncio.Event)


#: What a secret message's body becomes once it is delivered or given up.
SECRET_SENT = "（内容含验证码或密码，发送后不再保存）"


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failure: 30 s, 2 min, 8 min, 32 min, 2 h 8 min."""
    return FIRST_RETRY * 4 ** (attempts - 1)


async def deliver_due(
    senders: Mapping[str, Sender], now: dt.datetime | None = None, batch: int = 20
) -> int:
    """Send up to ``batch`` rows due at ``now``; the number actually sent."""
    now = (now or clock.now()).astimezone(clock.CHINA)  # one offset: SQLite compares text
    due = (
        await OutboxMessage.filter(sent_at=None, failed_at=None, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .limit(batch)
    )
    sent = 0
    for row in due:
        if await _claim(row, now):
            sent += await _deliver(row, senders, now)
    return sent


async def _claim(row: OutboxMessage, now: dt.datetime) -> bool:
    attempt = row.attempts + 1
    claimed = await OutboxMessage.filter(
        id=row.id, attempts=row.attempts, sent_at=None, failed_at=None
    ).update(attempts=attempt, next_attempt_at=now + backoff(attempt))
    row.attempts = attempt
    return claimed == 1


async def _deliver(row: OutboxMessage, senders: Mapping[str, Sender], now: dt.datetime) -> int:
    """1 when sent; on failure record why, and give up after ``MAX_ATTEMPTS``."""
    try:
        sender = senders.get(row.channel)
        if sender is None:
            raise LookupError(f"no sender for channel '{row.channel}'")
        await asyncio.wait_for(sender.send(row), timeout=SEND_TIMEOUT)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        changes: dict[str, object] = {"last_error": error}
        if row.attempts >= MAX_ATTEMPTS:
            changes["failed_at"] = now
            if row.secret:
                changes["body"] = SECRET_SENT
            log.error(
                "notification id=%s to %s on %s failed %d times, giving up: %s",
                row.id,
                mask_recipient(row.recipient),
                row.channel,
                row.attempts,
                error,
            )
        else:
            log.warning("notification id=%s attempt %d failed: %s", row.id, row.attempts, error)
        await OutboxMessage.filter(id=row.id).update(**changes)
        return 0
    sent: dict[str, object] = {"sent_at": clock.now()}
    if row.secret:  # a code or a password lives only as long as it is on its way
        sent["body"] = SECRET_SENT
    await OutboxMessage.filter(id=row.id).update(**sent)
    return 1


async def run_worker(app: web.Application, stop: asyncio.Event) -> None:
    """Deliver until ``stop`` is set: whole batches back to back, else a look every second.

    ``app[OUTBOX_WAKE]``, when set, cuts the second short. One broken round (the database gone
    for a moment) is logged and the loop goes on.
    """
    senders = build_senders(app[CONFIG], app[KERNEL].pm)
    wake = app.get(OUTBOX_WAKE) or asyncio.Event()
    batch = 20
    while not stop.is_set():
        try:
            if await deliver_due(senders, batch=batch) == batch:
                continue
        except Exception:
            log.exception("outbox round failed; retrying in a second")
        wake.clear()
        waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(wake.wait())]
        await asyncio.wait(waiters, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
