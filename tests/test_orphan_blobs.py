"""What a crash leaves in the blob folder is collected when the service starts again (#12,
point 10) — but only once it is older than any upload takes, so an upload in flight keeps its
file. ``test_crash_integrity.py`` shows the files rows name are never collected."""

from __future__ import annotations

import os
import time

from kernel.app import create_app
from kernel.attachments import BlobStore


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
