"""An asyncio aiohttp load client: each request its own path, headers and body.

Why not wrk: a transition needs its own application and ``If-Match`` per request, and the
hot-application loop needs the version the previous response returned, per connection; wrk's
Lua ``response()`` is per thread, not per connection, so the loop cannot be written there. The
client runs in a process of its own (``in_subprocess``) so it does not share the benchmark's
interpreter, and it reports its own CPU time: on a 2-core machine it competes with the server,
and the reader should know by how much.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import multiprocessing
import resource
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass(frozen=True)
class Call:
    """One request: method, path (joined to the base URL), headers and an optional JSON body."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


@dataclass
class Outcome:
    """What a batch of calls gave: statuses, latencies (µs) of each status class, wall time."""

    statuses: Counter = field(default_factory=Counter)
    ok_us: list[float] = field(default_factory=list)
    other_us: list[float] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu_s: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)


def cpu_seconds() -> float:
    """User + system CPU of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def connector(concurrency: int) -> aiohttp.TCPConnector:
    return aiohttp.TCPConnector(limit=concurrency, force_close=False)


@dataclass(frozen=True)
class Reply:
    status: int
    etag: str | None
    body: bytes
    us: float


async def send(session: aiohttp.ClientSession, base: str, call: Call) -> Reply:
    """One call, read to its end: the latency is until the last byte of the body."""
    started = time.perf_counter()
    async with session.request(
        call.method, base + call.path, headers=call.headers, json=call.body
    ) as response:
        body = await response.read()
        status, etag = response.status, response.headers.get("ETag")
    return Reply(status, etag, body, (time.perf_counter() - started) * 1e6)


async def closed_loop(
    base: str, calls: Sequence[Call], concurrency: int, seconds: float | None = None
) -> Outcome:
    """``concurrency`` connections, each sending the next call as soon as its last one answered.

    Ends when the calls run out or, with ``seconds``, when that much time has gone by.
    """
    outcome, queue = Outcome(), iter(calls)
    cpu = cpu_seconds()
    deadline = time.perf_counter() + seconds if seconds else float("inf")

    async def lane(session: aiohttp.ClientSession) -> None:
        for call in queue:
            try:
                reply = await send(session, base, call)
            except aiohttp.ClientError as exc:
                outcome.failures.append(f"{call.method} {call.path}: {exc!r}")
                continue
            outcome.statuses[reply.status] += 1
            (outcome.ok_us if 200 <= reply.status < 300 else outcome.other_us).append(reply.us)
            if time.perf_counter() > deadline:
                return

    async with aiohttp.ClientSession(connector=connector(concurrency)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(lane(session) for _ in range(concurrency)))
        outcome.seconds = time.perf_counter() - started
    outcome.client_cpu_s = cpu_seconds() - cpu
    return outcome


def run_closed_loop(
    base: str, calls: Sequence[Call], concurrency: int, seconds: float | None = None
) -> Outcome:
    """``closed_loop`` in this process (the target of ``in_subprocess``)."""
    return asyncio.run(closed_loop(base, calls, concurrency, seconds))


@dataclass
class HotOutcome:
    """Read-then-write loops on one resource: each success's new version and its marker."""

    statuses: Counter = field(default_factory=Counter)
    successes: list[tuple[int, str]] = field(default_factory=list)
    #: 200s whose body is not the document that request wrote (another writer's, read back).
    foreign_bodies: list[dict[str, Any]] = field(default_factory=list)
    write_us: list[float] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu_s: float = 0.0
    failures: list[str] = field(default_factory=list)


def _version(etag: str | None) -> int:
    return int((etag or "0").strip('"'))


async def read_then_write(
    base: str, path: str, headers: dict[str, str], data: dict[str, Any], clients: int,
    seconds: float,
) -> HotOutcome:  # fmt: skip
    """``clients`` loops of GET ``path`` then PUT it with the version read, for ``seconds``.

    Each PUT writes ``data`` with ``reason`` set to a marker unique to the attempt, so the
    caller can tell afterwards whose write the stored document is.
    """
    outcome, cpu = HotOutcome(), cpu_seconds()
    deadline = time.perf_counter() + seconds

    async def client(session: aiohttp.ClientSession, number: int) -> None:
        attempt = 0
        while time.perf_counter() < deadline:
            attempt += 1
            marker = f"client {number} attempt {attempt}"
            try:
                read = await send(session, base, Call("GET", path, headers))
                put = Call(
                    "PUT",
                    path,
                    {**headers, "If-Match": read.etag or '"0"'},
                    {"data": {**data, "reason": marker}},
                )
                wrote = await send(session, base, put)
            except aiohttp.ClientError as exc:
                outcome.failures.append(repr(exc))
                continue
            outcome.statuses[wrote.status] += 1
            if wrote.status == 200:
                outcome.successes.append((_version(wrote.etag), marker))
                outcome.write_us.append(wrote.us)
                body = json.loads(wrote.body)
                if body["data"].get("reason") != marker:
                    outcome.foreign_bodies.append(
                        {"wrote": marker, "etag": wrote.etag, "body_reason": body["data"]["reason"]}
                    )

    async with aiohttp.ClientSession(connector=connector(clients)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session, n) for n in range(clients)))
        outcome.seconds = time.perf_counter() - started
    outcome.client_cpu_s = cpu_seconds() - cpu
    return outcome


def run_read_then_write(
    base: str, path: str, headers: dict[str, str], data: dict[str, Any], clients: int,
    seconds: float,
) -> HotOutcome:  # fmt: skip
    return asyncio.run(read_then_write(base, path, headers, data, clients, seconds))


async def races(base: str, rounds: Sequence[Sequence[Call]]) -> list[list[int]]:
    """Each round's calls sent all at once (one connection each); the statuses, per round."""
    found = []
    async with aiohttp.ClientSession(
        connector=connector(max(len(r) for r in rounds) if rounds else 1)
    ) as session:
        for calls in rounds:
            replies = await asyncio.gather(*(send(session, base, c) for c in calls))
            found.append([r.status for r in replies])
    return found


def run_races(base: str, rounds: Sequence[Sequence[Call]]) -> list[list[int]]:
    return asyncio.run(races(base, rounds))


async def sequential(base: str, calls: Sequence[Call]) -> list[Reply]:
    """One call at a time on one kept-alive connection: for latency, not throughput."""
    async with aiohttp.ClientSession(connector=connector(1)) as session:
        return [await send(session, base, call) for call in calls]


def in_subprocess(
    fn: Callable[..., Any],
    *args: Any,
    during: Callable[[], None] | None = None,
    after_s: float = 2.0,
) -> Any:
    """``fn(*args)`` in a fresh (spawned) process: the load does not run in the benchmark's.

    ``during``: called once, ``after_s`` into the run, while the load is on (to look at
    the server then).
    """
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        future = pool.submit(fn, *args)
        if during is not None:
            try:
                future.result(timeout=after_s)
            except concurrent.futures.TimeoutError:
                during()
        return future.result()
