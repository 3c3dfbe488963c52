"""A worker process for the jobs tests: runs the job runner on a database for a few seconds.

``python -m tests.jobs_worker URL WORKER OUT START SECONDS``: waits until the clock reads
``START`` (so that two workers begin together), then runs two jobs — ``test.tick``, hourly,
and ``test.once``, run when queued — each appending ``<job> <worker> <payload>`` to ``OUT``
and lingering a little, so that a second worker would have time to run it too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
import time

from kernel import Job
from kernel.db import database
from kernel.jobs import JobRunner


def recorder(name: str, worker: str, out: str):
    async def run(jobs) -> None:
        with open(out, "a", encoding="utf-8") as record:
            record.write(f"{name} {worker} {json.dumps(dict(jobs.payload), sort_keys=True)}\n")
        await asyncio.sleep(0.2)

    return run


async def main(url: str, worker: str, out: str, start: float, seconds: float) -> None:
    jobs = [
        Job("test.tick", recorder("test.tick", worker, out), every=dt.timedelta(hours=1)),
        Job("test.once", recorder("test.once", worker, out)),
    ]
    async with database.connected(url, models=()):
        runner = JobRunner(None, jobs, {}, worker_id=worker, tick=0.02)  # type: ignore[arg-type]
        await asyncio.sleep(max(0.0, start - time.time()))
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(seconds, stop.set)
        await runner.run(stop)


if __name__ == "__main__":
    url, worker, out, start, seconds = sys.argv[1:6]
    asyncio.run(main(url, worker, out, float(start), float(seconds)))
