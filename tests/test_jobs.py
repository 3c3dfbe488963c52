"""The job runner of the system actor: once across workers, retried, taken over, deduplicated.

The runner's transitions are tested through a plugin in ``test_example_plugin_api.py``; here
its bookkeeping, on SQLite and (with ``.ci/run``) on PostgreSQL, with two worker processes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
import time
from collections import Counter

import pytest

from kernel import Job, clock, enqueue
from kernel.config import PROJECT_ROOT
from kernel.db import database
from kernel.db.models import Account, JobRun
from kernel.jobs import JobRunner, slot_of, system_account

from .conftest import requires_postgres

HOUR = dt.timedelta(hours=1)
WORKER = (sys.executable, "-m", "tests.jobs_worker")
#: 10:15 in Beijing: well inside the hour's slot.
START = dt.datetime(2026, 12, 2, 10, 15, tzinfo=clock.CHINA)


@pytest.fixture
def at(stopped_clock):
    """Stop the service's clock: ``at(minutes=40)`` is 40 minutes after ``START``."""
    return stopped_clock(START)


def runner(jobs, worker="w1", **options) -> JobRunner:
    return JobRunner(None, jobs, {}, worker_id=worker, **options)  # type: ignore[arg-type]


def recording(ran: list, pause: float = 0.0):
    async def run(jobs) -> None:
        ran.append((jobs.job, dict(jobs.payload), jobs.actor.account.username))
        await asyncio.sleep(pause)

    return run


async def test_two_runners_run_each_periodic_slot_once(database_url, at):
    ran: list = []
    hourly = Job("test.hourly", recording(ran, pause=0.1), every=HOUR)
    async with database.connected(database_url):
        first, second = runner([hourly], "w1"), runner([hourly], "w2")
        for _ in range(3):
            await asyncio.gather(first.run_once(), second.run_once())
        assert ran == [("test.hourly", {"slot": "2026-12-02T10:00:00+08:00"}, "system")]

        at(minutes=40)  # 10:55, the same slot: nothing more
        await asyncio.gather(first.run_once(), second.run_once())
        at(minutes=40, hours=1)  # 11:55, the next one: once more
        await asyncio.gather(first.run_once(), second.run_once())
        assert [payload["slot"] for _, payload, _ in ran] == [
            "2026-12-02T10:00:00+08:00",
            "2026-12-02T11:00:00+08:00",
        ]
        rows = await JobRun.filter(job="test.hourly").order_by("id")
        assert [(r.attempts, r.done_at is not None, r.failed_at) for r in rows] == [
            (1, True, None),
            (1, True, None),
        ]


async def test_the_system_actor_is_one_account_that_cannot_log_in(database_url):
    async with database.connected(database_url):
        made = await asyncio.gather(*(system_account() for _ in range(5)))
        assert {a.id for a in made} == {made[0].id}
        account = await Account.get(username="system")
        assert (account.kind, account.roles) == ("system", ["system"])
        assert account.password_hash == "!", "no password hashes to '!'"


async def test_an_enqueued_key_is_queued_once(database_url, at):
    ran: list = []
    once = Job("test.once", recording(ran))
    async with database.connected(database_url):
        for _ in range(3):
            await enqueue(None, "test.once", {"n": 1}, key="recheck:42")
        await enqueue(None, "test.once", {"n": 2})
        await enqueue(None, "test.once", {"n": 3}, run_at=at() + HOUR)  # later
        assert await runner([once]).run_once() == 2
        assert sorted(p["n"] for _, p, _ in ran) == [1, 2]
        at(hours=1, minutes=1)
        assert await runner([once]).run_once() == 1
        assert sorted(p["n"] for _, p, _ in ran) == [1, 2, 3]


async def test_a_failing_run_backs_off_then_is_marked_failed(database_url, at):
    calls: list = []

    async def broken(jobs) -> None:
        calls.append(jobs.run_id)
        raise RuntimeError("the register did not answer")

    job = Job("test.broken", broken)
    async with database.connected(database_url):
        await enqueue(None, "test.broken", {})
        worker = runner([job], max_attempts=3)
        assert await worker.run_once() == 1
        row = await JobRun.get(job="test.broken")
        assert row.attempts == 1 and row.failed_at is None and row.claimed_at is None
        assert "the register did not answer" in row.last_error
        assert row.run_at == START + dt.timedelta(seconds=30), "tried again after 30 s"

        assert await worker.run_once() == 0, "not before its time"
        at(seconds=30)
        assert await worker.run_once() == 1
        at(seconds=90)  # 30 s + 1 min
        assert await worker.run_once() == 1
        row = await JobRun.get(job="test.broken")
        assert row.attempts == 3 and row.failed_at is not None
        at(hours=5)
        assert await worker.run_once() == 0, "a failed run stays failed"
        assert len(calls) == 3


async def test_a_dead_workers_claim_is_taken_over_when_its_lease_ends(database_url, at):
    ran: list = []
    job = Job("test.once", recording(ran))
    async with database.connected(database_url):
        await enqueue(None, "test.once", {"n": 1})
        row = await JobRun.get(job="test.once")
        # A worker claimed it and died: its claim stands until the lease (5 min) runs out.
        await JobRun.filter(id=row.id).update(claimed_at=at(), claimed_by="dead", attempts=1)
        assert await runner([job]).run_once() == 0
        at(minutes=6)
        assert await runner([job], "w2").run_once() == 1
        row = await JobRun.get(id=row.id)
        assert (row.claimed_by, row.attempts, row.done_at is not None) == ("w2", 2, True)
        assert len(ran) == 1


async def test_a_run_of_a_job_no_plugin_declares_is_marked_failed(database_url, at):
    async with database.connected(database_url):
        await enqueue(None, "test.uninstalled", {})
        assert await runner([]).run_once() == 0
        row = await JobRun.get(job="test.uninstalled")
        assert row.failed_at is not None and "no plugin declares" in row.last_error


def test_slots_begin_at_midnight_in_china():
    late = dt.datetime(2026, 12, 2, 17, 30, tzinfo=dt.UTC)  # 01:30 on the 3rd in Beijing
    assert slot_of(late, dt.timedelta(days=1)).isoformat() == "2026-12-03T00:00:00+08:00"


@requires_postgres
def test_two_worker_processes_on_postgresql_run_each_job_once(database_url, tmp_path):
    """Two OS processes, each its own connection pool, race for the same runs."""

    async def queue() -> None:
        async with database.connected(database_url, models=()):
            for n in range(20):
                await enqueue(None, "test.once", {"n": n})

    asyncio.run(queue())
    out = tmp_path / "runs.txt"
    start = time.time() + 2.0  # both are up and connected by then
    workers = [
        subprocess.Popen(
            [*WORKER, database_url, name, str(out), str(start), "3"],  # 3: seconds to run
            cwd=PROJECT_ROOT,
        )
        for name in ("worker-a", "worker-b")
    ]
    assert [w.wait(timeout=60) for w in workers] == [0, 0]

    lines = [line.split(" ", 2) for line in out.read_text("utf-8").splitlines()]
    runs = Counter((job, payload) for job, _, payload in lines)
    assert runs[("test.tick", json.dumps({"slot": _slot_now()}))] == 1 or _slot_changed(runs)
    assert sorted(json.loads(p)["n"] for job, p in runs if job == "test.once") == list(range(20))
    assert all(count == 1 for count in runs.values()), runs
    assert {worker for _, worker, _ in lines} <= {"worker-a", "worker-b"}


def _slot_now() -> str:
    return slot_of(clock.now(), HOUR).isoformat()


def _slot_changed(runs: Counter) -> bool:
    """The hour turned during the run: then each of its two slots ran once."""
    ticks = [p for job, p in runs if job == "test.tick"]
    return len(ticks) == 2
