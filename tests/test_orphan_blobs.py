"""What a crash leaves in the blob folder is collected when the service starts again (#12,
point 10) — but only once it is older than any upload takes, so an upload in flight keeps its
file. ``test_crash_integrity.py`` shows the files rows name are never collected."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time

from kernel import clock
from kernel.app import create_app
from kernel.attachments import ORPHAN_EVERY, ORPHAN_JOB, BlobStore
from kernel.db.models import JobRun
from kernel.jobs import JobRunner, runner_jobs, slot_of
from kernel.keys import KERNEL


async def test_orphan_blobs_are_collected_at_start_after_a_grace_period(aiohttp_client, config):
    blobs = BlobStore.of(config).root
    stale = blobs / "ab" / ("ab" + "0" * 62)  # a file placed, then a crash before the commit
    stale_part = blobs / ".upload-crashed.part"  # a crash while receiving
    in_flight = blobs / "cd" / ("cd" + "1" * 62)  # placed seconds ago, not committed yet
    for path, content in ((stale, b"%PDF-1.4 orphan"), (stale_part, b"half"), (in_flight, b"x")):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    two_hours_ago = time.time() - 2 * 3600
    for path in (stale, stale_part):
        os.utime(path, (two_hours_ago, two_hours_ago))

    client = await aiohttp_client(create_app(config))

    assert (await client.get("/healthz")).status == 200
    assert not stale.exists() and not stale_part.exists()
    assert in_flight.exists(), "an upload within the grace period is never collected"


async def test_a_running_service_collects_orphans_every_hour_after_the_grace_period(
    aiohttp_client, config, stopped_clock
):
    """A worker that crashed among several leaves orphans while the service keeps running:
    the kernel's job runner collects them each hour, with the same grace period."""
    at = stopped_clock(slot_of(clock.now(), ORPHAN_EVERY) + dt.timedelta(minutes=5))
    app = create_app(dataclasses.replace(config, jobs=False))  # the runner is driven here
    await aiohttp_client(app)
    assert ORPHAN_JOB in runner_jobs(app[KERNEL].pm), "the service's runner runs it"
    runner = JobRunner(app[KERNEL], [ORPHAN_JOB], {}, worker_id="test")
    blobs = BlobStore.of(config).root
    orphan = blobs / "ab" / ("ab" + "0" * 62)  # placed, then its worker crashed
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"%PDF-1.4 orphan")
    _touch(orphan, at())

    assert await runner.run_once() == 1  # this hour's run: the file is seconds old
    assert orphan.exists()
    at(minutes=50)
    assert await runner.run_once() == 0 and orphan.exists()  # the same hour: no second run

    later = at(hours=1, minutes=5)  # the next hour: the orphan is past its grace period
    in_flight = blobs / "cd" / ("cd" + "1" * 62)  # an upload placed a minute ago
    in_flight.parent.mkdir(parents=True, exist_ok=True)
    in_flight.write_bytes(b"x")
    _touch(in_flight, later - dt.timedelta(minutes=1))
    assert await runner.run_once() == 1
    assert not orphan.exists()
    assert in_flight.exists(), "an upload within the grace period is never collected"
    assert await JobRun.filter(job=ORPHAN_JOB.name, done_at__not_isnull=True).count() == 2


def _touch(path, moment: dt.datetime) -> None:
    """Give ``path`` the modification time ``moment`` of the stopped clock."""
    os.utime(path, (moment.timestamp(), moment.timestamp()))
