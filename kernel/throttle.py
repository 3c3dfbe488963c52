"""Counting attempts per key in fixed time windows, atomically in the database.

Each attempt is one upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING``, which SQLite and
PostgreSQL both speak): the database hands every attempt its own count, so concurrent requests
in several workers cannot slip past a limit together, and no count lives in one worker's memory.

Windows are fixed, aligned to their length from the Unix epoch (a one-minute window starts on
the minute; a day's at 00:00 UTC, 08:00 in China). A burst across a boundary may therefore pass
up to twice the limit within one window's length; that is the price of one row per key and
window instead of a row per attempt.

Old rows are pruned here, opportunistically: about one hit in ``PRUNE_ONE_IN`` deletes the
windows that started more than ``PRUNE_AFTER`` ago. The lead's job runner may call ``prune``
too; both are harmless together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import math
import random
from typing import Any

from aiohttp import web
from tortoise import connections

from . import clock
from .errors import TooManyRequests

log = logging.getLogger(__name__)

#: The ``key`` column's length; longer keys are stored as their SHA-256.
MAX_KEY = 200
#: The longest window ``hit`` accepts: pruning must never delete a window still running.
MAX_WINDOW = dt.timedelta(days=1)
#: Windows that started this long ago have ended at least a day ago (``MAX_WINDOW``).
PRUNE_AFTER = 2 * MAX_WINDOW
#: About one hit in this many prunes the table.
PRUNE_ONE_IN = 100

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_UPSERT = (
    'INSERT INTO throttle_window ("key", window_start, "count") VALUES ({0}, {1}, 1) '
    'ON CONFLICT ("key", window_start) DO UPDATE SET "count" = throttle_window."count" + 1 '
    'RETURNING "count"'
)
_PRUNE = "DELETE FROM throttle_window WHERE window_start < {0}"


def _connection(db: Any = None) -> tuple[Any, bool]:
    """The connection and whether it is PostgreSQL (``$1``) rather than SQLite (``?``)."""
    conn = db if db is not None else connections.get("default")
    dialect = conn.capabilities.dialect
    if dialect not in ("sqlite", "postgres"):
        raise NotImplementedError(f"throttling speaks SQLite and PostgreSQL, not {dialect}")
    return conn, dialect == "postgres"


def _db_time(moment: dt.datetime, postgres: bool) -> dt.datetime | str:
    """A moment as the column holds it: always in UTC, so one window is one value.

    SQLite keeps datetimes as text (tortoise's ``isoformat(" ")``); the same instant written
    with another offset would be another text, hence another row, and compare wrongly.
    """
    moment = moment.astimezone(dt.UTC)
    return moment if postgres else moment.isoformat(" ")


def window_start(now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    """The start of the window ``now`` falls in (in UTC), windows aligned from the epoch."""
    return _EPOCH + (now - _EPOCH) // window * window


def stored_key(key: str) -> str:
    """``key`` as stored: itself, or its hash when longer than the column."""
    if len(key) <= MAX_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


async def hit(key: str, *, limit: int, window: dt.timedelta, db: Any = None) -> int:
    """Count one attempt of ``key`` in the current window; the count so far, with this one.

    Past ``limit`` raises ``TooManyRequests`` with ``retry_after``: the seconds until the
    window ends. Refused attempts are counted too, so hammering does not help. ``db``: a
    connection or transaction (a count taken inside a transaction is lost if it rolls back;
    the default connection commits each count at once).
    """
    if not dt.timedelta(0) < window <= MAX_WINDOW:
        raise ValueError(f"a throttle window is longer than 0 and at most {MAX_WINDOW}")
    conn, postgres = _connection(db)
    now = clock.now()
    start = window_start(now, window)
    sql = _UPSERT.format(*(("$1", "$2") if postgres else ("?", "?")))
    # execute_query_dict, not execute_query: tortoise's asyncpg client runs a statement that
    # starts with INSERT without fetching, so RETURNING would come back empty there.
    rows = await conn.execute_query_dict(sql, [stored_key(key), _db_time(start, postgres)])
    count = int(rows[0]["count"])
    if random.randrange(PRUNE_ONE_IN) == 0:  # not security: spreading the work out
        try:
            await prune(db=conn)
        except Exception:  # a failed clean-up must not fail the request it rode along with
            log.exception("pruning old throttle windows failed")
    if count > limit:
        wait = max(1, math.ceil((start + window - now).total_seconds()))
        raise TooManyRequests(
            f"at most {limit} attempts in {window}: try again in {wait} s", retry_after=wait
        )
    return count


async def forget(key: str, window: dt.timedelta, db: Any = None) -> None:
    """Clear ``key``'s count in the current window (a correct password clears its guesses)."""
    conn, postgres = _connection(db)
    start = window_start(clock.now(), window)
    sql = 'DELETE FROM throttle_window WHERE "key" = {} AND window_start = {}'.format(
        *(("$1", "$2") if postgres else ("?", "?"))
    )
    await conn.execute_query(sql, [stored_key(key), _db_time(start, postgres)])


async def prune(older_than: dt.timedelta = PRUNE_AFTER, db: Any = None) -> int:
    """Delete the windows that started more than ``older_than`` ago; how many were deleted.

    ``older_than`` must exceed the longest window in use, else running counts are lost
    (``hit`` accepts windows up to ``MAX_WINDOW``; the default leaves a day more).
    """
    conn, postgres = _connection(db)
    cutoff = _db_time(clock.now() - older_than, postgres)
    sql = _PRUNE.format("$1" if postgres else "?")
    deleted, _ = await conn.execute_query(sql, [cutoff])
    return int(deleted or 0)


def client_address(request: web.Request) -> str:
    """Who is asking, as a throttle key and a captcha's owner: the peer's IP address.

    Behind a reverse proxy every peer is the proxy, so with ``trust_forwarded_for`` on the
    first address of X-Forwarded-For counts instead, if it is an IP address at all. Only turn
    it on when the proxy sets that header itself: a client can send any X-Forwarded-For.
    """
    from .keys import CONFIG  # keys imports the kernel, which must not need this module first

    config = request.app.get(CONFIG)
    forwarded = request.headers.get("X-Forwarded-For")
    if config is not None and config.trust_forwarded_for and forwarded:
        first = forwarded.split(",", 1)[0].strip()
        try:
            return str(ipaddress.ip_address(first))
        except ValueError:
            log.warning("X-Forwarded-For does not start with an IP address: %.60r", first)
    return request.remote or "unknown"
