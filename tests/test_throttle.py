"""Throttling in the database: a limit holds however many requests arrive at once."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from aiohttp import web

from kernel import clock, throttle
from kernel.config import Config
from kernel.db import database
from kernel.db.models import ThrottleWindow
from kernel.errors import TooManyRequests
from kernel.keys import CONFIG

MINUTE = dt.timedelta(minutes=1)
#: 10:00:20 in Beijing: 40 seconds left in the minute, far from any window's edge.
START = dt.datetime(2026, 12, 2, 10, 0, 20, tzinfo=clock.CHINA)


@pytest.fixture
def at(stopped_clock):
    """Stop the service's clock: ``at(seconds=40)`` is 40 s after ``START``."""
    return stopped_clock(START)


async def attempts(key: str, n: int, limit: int, window: dt.timedelta = MINUTE) -> list:
    """``n`` hits at once: their counts, or the refusals."""
    return await asyncio.gather(
        *(throttle.hit(key, limit=limit, window=window) for _ in range(n)),
        return_exceptions=True,
    )


async def test_exactly_the_limit_passes_fifty_concurrent_hits(database_url, at):
    async with database.connected(database_url):
        results = await attempts("login:203.0.113.7", 50, limit=10)
        passed = sorted(r for r in results if isinstance(r, int))
        refused = [r for r in results if isinstance(r, TooManyRequests)]
        assert passed == list(range(1, 11))  # each attempt got its own count
        assert len(refused) == 40 and len(results) == 50
        row = await ThrottleWindow.get(key="login:203.0.113.7")
        assert row.count == 50  # refused attempts count too: hammering does not help
        assert row.window_start == dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)


async def test_the_next_window_counts_afresh(database_url, at):
    async with database.connected(database_url):
        at(seconds=39)  # 10:00:59
        assert [await throttle.hit("k", limit=2, window=MINUTE) for _ in range(2)] == [1, 2]
        with pytest.raises(TooManyRequests) as refused:
            await throttle.hit("k", limit=2, window=MINUTE)
        assert refused.value.extra["retry_after"] == 1
        at(seconds=40)  # 10:01:00: a new minute
        assert await throttle.hit("k", limit=2, window=MINUTE) == 1
        assert await ThrottleWindow.filter(key="k").count() == 2


async def test_keys_do_not_share_counts(database_url, at):
    async with database.connected(database_url):
        results = await asyncio.gather(
            attempts("captcha.issue:198.51.100.1", 5, limit=3),
            attempts("captcha.issue:198.51.100.2", 5, limit=3),
        )
        for per_key in results:
            assert sorted(r for r in per_key if isinstance(r, int)) == [1, 2, 3]
        assert await throttle.hit("captcha.issue:198.51.100.3", limit=3, window=MINUTE) == 1


async def test_retry_after_is_the_rest_of_the_window(database_url, at):
    async with database.connected(database_url):
        at(seconds=0.5)  # 10:00:20.5
        await throttle.hit("a", limit=1, window=MINUTE)
        with pytest.raises(TooManyRequests) as refused:
            await throttle.hit("a", limit=1, window=MINUTE)
        assert refused.value.extra["retry_after"] == 40  # 39.5 s, rounded up
        assert refused.value.status == 429
        # Ten-minute windows from the epoch: 10:00:20.5 Beijing is 02:00:20.5 UTC.
        ten = dt.timedelta(minutes=10)
        await throttle.hit("b", limit=1, window=ten)
        with pytest.raises(TooManyRequests) as later:
            await throttle.hit("b", limit=1, window=ten)
        assert later.value.extra["retry_after"] == 580
        response = later.value.response()
        assert response.status == 429 and response.content_type == "application/problem+json"


async def test_a_long_key_is_stored_as_its_hash(database_url, at):
    async with database.connected(database_url):
        long_a, long_b = "x" * 300 + "a", "x" * 300 + "b"
        assert await throttle.hit(long_a, limit=5, window=MINUTE) == 1
        assert await throttle.hit(long_a, limit=5, window=MINUTE) == 2
        assert await throttle.hit(long_b, limit=5, window=MINUTE) == 1
        keys = await ThrottleWindow.all().values_list("key", flat=True)
        assert sorted(len(k) for k in keys) == [71, 71]  # "sha256:" and 64 hex characters
        assert throttle.stored_key("short") == "short"


async def test_old_windows_are_pruned_and_running_ones_kept(database_url, at, monkeypatch):
    monkeypatch.setattr(throttle, "PRUNE_ONE_IN", 10**9)  # no pruning by chance here

    async def keys() -> set[str]:
        return set(await ThrottleWindow.all().values_list("key", flat=True))

    async with database.connected(database_url):
        at(days=-3)
        await throttle.hit("old", limit=5, window=throttle.MAX_WINDOW)
        at(days=-1, minutes=-1)
        await throttle.hit("yesterday", limit=5, window=MINUTE)
        at()
        await throttle.hit("now", limit=5, window=MINUTE)
        assert await throttle.prune() == 1  # started over two days ago: ended a day ago
        assert await keys() == {"yesterday", "now"}
        assert await throttle.prune(older_than=dt.timedelta(hours=1)) == 1
        assert await keys() == {"now"}

        at(days=-3)
        await throttle.hit("old", limit=5, window=MINUTE)
        at()
        monkeypatch.setattr(throttle, "PRUNE_ONE_IN", 1)  # now every hit prunes
        await throttle.hit("now", limit=5, window=MINUTE)
        assert await keys() == {"now"}


async def test_a_window_is_positive_and_at_most_a_day(database_url, at):
    async with database.connected(database_url):
        for window in (dt.timedelta(0), dt.timedelta(days=2)):
            with pytest.raises(ValueError):
                await throttle.hit("k", limit=1, window=window)


def test_windows_are_aligned_from_the_epoch():
    assert throttle.window_start(START, MINUTE) == dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
    day = throttle.window_start(START, dt.timedelta(days=1))
    assert day == dt.datetime(2026, 12, 2, tzinfo=dt.UTC)  # 08:00 in Beijing


@pytest.mark.parametrize(
    ("trust", "forwarded", "expected"),
    [
        (False, "203.0.113.9", "127.0.0.1"),  # a client can send any header: ignored
        (True, "203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (True, " 2001:db8::1 ", "2001:db8::1"),
        (True, "not-an-address", "127.0.0.1"),
        (True, None, "127.0.0.1"),
    ],
)
async def test_client_address(aiohttp_client, trust, forwarded, expected):
    async def whoami(request: web.Request) -> web.Response:
        return web.Response(text=throttle.client_address(request))

    app = web.Application()
    app[CONFIG] = Config(trust_forwarded_for=trust)
    app.router.add_get("/", whoami)
    client = await aiohttp_client(app)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    assert await (await client.get("/", headers=headers)).text() == expected


def test_trusting_x_forwarded_for_is_a_setting():
    assert not Config.from_env({}).trust_forwarded_for
    assert Config.from_env({"GOVFLOW_TRUST_FORWARDED_FOR": "1"}).trust_forwarded_for
    assert not Config.from_env({"GOVFLOW_TRUST_FORWARDED_FOR": "0"}).trust_forwarded_for
